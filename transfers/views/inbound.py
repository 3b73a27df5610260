"""跨省（系统）转入: a member arriving from outside the system."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render

from orgs.scoping import committee_required
from transfers import services
from transfers.errors import TransferError
from transfers.forms import (
    ExchangeChoiceForm,
    InboundForm,
)
from transfers.models import ExchangePackage
from transfers.paths import can_initiate
from transfers.services import InboundMember, LetterInput
from transfers.views.apply import _own_drafts
from transfers.views.common import _actor, _apply_error

# -- 跨省（系统）转入 -----------------------------------------------


@committee_required
def inbound_start(request):
    """【跨省（系统）转入】: 是否通过业务交换区转入 → 【下一步】."""
    if not can_initiate(request.org):
        messages.error(request, "只有具有县内转接权限的党委可以办理跨省（系统）转入。")
        return redirect("transfers:in_todo")
    form = ExchangeChoiceForm(request.GET or None)
    if form.is_bound and form.is_valid():
        if form.cleaned_data["via_exchange"]:
            return redirect("transfers:inbound_exchange")
        return redirect("transfers:inbound_details")
    return render(
        request,
        "transfers/inbound_start.html",
        {"form": form, "section": "in", "subtabs": []},
    )


@committee_required
def inbound_exchange(request):
    """通过业务交换区转入 = 是."""
    return render(request, "transfers/inbound_exchange.html", {"section": "in", "subtabs": []})


@committee_required
def inbound_details(request):
    """通过业务交换区转入 = 否: the member and letter typed from the paper letter."""
    if request.method == "POST":
        form = InboundForm(request.POST, initiator=request.org)
        if form.is_valid():
            d = form.cleaned_data
            try:
                transfer = services.draft_inbound(
                    actor=_actor(request),
                    member=InboundMember(
                        name=d["name"],
                        gender=d["gender"],
                        ethnicity=d["ethnicity"],
                        id_number=d["id_number"],
                        party_status=d["party_status"],
                        joined_on=d["joined_on"],
                        full_member_on=d["full_member_on"],
                        phone=d["phone"],
                    ),
                    target=form.target_org,
                    origin_name=d["origin_name"],
                    origin_letter_number=d["origin_letter_number"],
                    inbound_kind=d["inbound_kind"],
                    letter=LetterInput(
                        dues_paid_through=d["dues_paid_through"],
                        validity_days=d["validity_days"],
                        member_phone=d["phone"],
                        remarks=d["letter_remarks"],
                    ),
                )
            except TransferError as error:
                _apply_error(form, error)
            else:
                return redirect("transfers:inbound_preview", pk=transfer.pk)
        status = 400
    else:
        form = InboundForm(initial={"validity_days": 90}, initiator=request.org)
        status = 200
    return render(
        request,
        "transfers/inbound_details.html",
        {"form": form, "section": "in", "subtabs": []},
        status=status,
    )


@committee_required
def inbound_preview(request, pk: int):
    drafts = _own_drafts(request, [pk])
    steps = list(drafts[0].steps.select_related("org").order_by("order"))
    package = ExchangePackage.objects.filter(claimed_transfer=drafts[0]).first()
    return render(
        request,
        "transfers/inbound_preview.html",
        {
            "transfer": drafts[0],
            "steps": steps,
            "package": package,
            "section": "in",
            "subtabs": [],
        },
    )

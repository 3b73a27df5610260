"""查看 / 业务办理: one transfer with its letter, path, log, and this node's actions."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit import trail
from audit.models import EventType
from orgs.scoping import org_required
from transfers import rules, selectors, services
from transfers.forms import (
    ApproveForm,
    ChangeForm,
    ConcludeForm,
    ConfirmForm,
    ReasonForm,
    ReceiveForm,
)
from transfers.models import Transfer, TransferState, TransferType


@org_required
def detail(request, pk: int):
    """查看 / 业务办理: the member, the letter, the path, the log, and this node's actions."""
    transfer = selectors.visible_transfer(request.org, pk, related=selectors.DETAIL_PAGE_RELATED)
    steps = selectors.path_steps(transfer)
    actions = rules.allowed_actions(transfer, request.org, steps)
    rounds = {}
    for step in steps:
        rounds.setdefault(step.round, []).append(step)
    events = selectors.log_events(transfer)
    letter = selectors.letter_of(transfer)
    actions["receipt"] = actions["receipt"] and letter is not None and letter.receipt_on is None
    context = {
        "transfer": transfer,
        "actions": actions,
        "rounds": sorted(rounds.items(), reverse=True),
        "events": events,
        "letter": letter,
        "member": transfer.member,
        "package": selectors.package_of(transfer)
        if transfer.state in (TransferState.CONCLUDED, TransferState.RETRIEVED)
        else None,
        "section": _section(transfer, request.org, rules.pending_step(transfer, steps)),
        # The full number only where the work needs it: the receiving committee's 接收.
        "show_full_id": actions["receive"],
        "subtabs": [],
    }
    if actions["approve"]:
        context["approve_form"] = ApproveForm(initial={"version": transfer.version})
    if actions["reject"]:
        context["reject_form"] = ReasonForm(initial={"version": transfer.version})
    if actions["change"]:
        context["change_form"] = ChangeForm(
            initial={"version": transfer.version, "transfer_type": _change_type(transfer)},
            initiator=transfer.initiator,
            inbound=transfer.type == TransferType.INBOUND,
        )
        context["change_mode"] = "inbound" if transfer.type == TransferType.INBOUND else ""
    if actions["receive"]:
        context["receive_form"] = _receive_form(request, transfer)
    if actions["send_back"]:
        context["send_back_form"] = ReasonForm(initial={"version": transfer.version})
    if actions["conclude"]:
        context["conclude_form"] = ConcludeForm(
            initial={"version": transfer.version}, concluder=request.org
        )
    if actions["conclude"] or actions["revoke"] or actions["report"]:
        context["confirm_form"] = ConfirmForm(initial={"version": transfer.version})
    return render(request, "transfers/detail.html", context)


@require_POST
@org_required
def full_id(request, pk: int):
    """【显示完整身份证号】 for an organisation that may see this transfer: audited."""
    transfer = selectors.visible_transfer(request.org, pk)
    trail.record(
        EventType.FULL_ID_VIEW,
        object_type="transfers.transfer",
        object_id=transfer.pk,
        detail=f"查看{transfer.member_name}的完整身份证号",
    )
    return render(
        request,
        "full_id.html",
        {
            "name": transfer.member_name,
            "number": transfer.id_number,
            "back_url": reverse("transfers:detail", args=[transfer.pk]),
        },
    )


def _section(transfer: Transfer, org, step) -> str:
    """Which tab a transfer belongs to for ``org``: 接收 when it comes into its subtree (or its
    pending ``step`` is an 接收 node of ``org``)."""
    if step is not None and step.org_id == org.pk:
        return "in" if step.direction == "in" else "out"
    into = transfer.dest_path or transfer.receiver_path
    comes_in = into.startswith(org.path) and not transfer.source_path.startswith(org.path)
    return "in" if comes_in else "out"


def _change_type(transfer: Transfer) -> str:
    return transfer.type if transfer.type != TransferType.INBOUND else TransferType.COUNTY


def _receive_form(request, transfer: Transfer, data=None) -> ReceiveForm:
    initial = {"version": transfer.version, "received_on": timezone.localdate()}
    if transfer.target and transfer.target.is_branch:
        initial["branch"] = transfer.target.pk  # 转入支部 preselected for a branch target
    return ReceiveForm(
        data,
        branches=lambda: services.direct_branches(request.org),  # built when shown
        branch_lookup=lambda pk: services.direct_branch(request.org, pk),
        initial=initial,
    )

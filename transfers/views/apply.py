"""转出申请: pick members → fill in the letter → check the path → 确认发起; 重新发起; 放大镜."""

from __future__ import annotations

from contextlib import nullcontext
from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from members import idsearch
from members.models import Member
from members.text import clean_text
from orgs.ids import parse_id
from orgs.paging import paginate
from orgs.scoping import committee_required, org_required
from transfers import rules, selectors, services
from transfers.errors import TransferError
from transfers.forms import (
    ApplicationForm,
    ConfirmLaunchForm,
    MemberChoiceForm,
    inbound_candidates,
)
from transfers.models import Transfer, TransferState, TransferType
from transfers.paths import can_initiate, target_candidates
from transfers.services import LetterInput
from transfers.views.common import _actor, _apply_error, _where_now

# -- 转出申请: choose members → details → 生成转接路径 → 确认发起 ---------


def _ids(request, name="ids") -> list[int]:
    raw = request.GET.getlist(name) or request.POST.getlist(name)
    ids = []
    for chunk in raw[:100]:
        for part in chunk.split(",")[:100]:
            pk = parse_id(part)
            if pk is not None:
                ids.append(pk)
    return ids


def _own_drafts(request, ids: list[int]) -> list[Transfer]:
    drafts = list(
        Transfer.objects.filter(pk__in=ids, initiator=request.org, state=TransferState.DRAFT)
        .select_related("member", "target", "source_branch")
        .order_by("pk")
    )
    if not drafts or len(drafts) != len(set(ids)):
        raise Http404
    return drafts


def _planned(form) -> dict:
    """What an application form says of the transfer: type, destination and the letter."""
    d = form.cleaned_data
    return {
        "transfer_type": d["transfer_type"],
        "target": form.target_org,
        "target_name": d.get("target_name", ""),
        "out_of_system": d.get("out_of_system", False),
        "letter": LetterInput(
            dues_paid_through=d["dues_paid_through"],
            validity_days=d["validity_days"],
            member_phone=d["member_phone"],
            remarks=d["letter_remarks"],
        ),
    }


@committee_required
def apply_members(request):
    """转出申请 step 1: the members of this organisation's direct branches (and of its direct
    总支's branches); choose, then 【下一步】 or 【返回】."""
    if not can_initiate(request.org):
        messages.error(request, "只有具有县内转接权限的党委可以发起转出申请。")
        return redirect("transfers:out_todo")
    if request.method == "POST":
        return idsearch.redirect_without_id(request, fields=("q",))
    members = services.transferable_members(request.org)
    query = clean_text(idsearch.search_params(request).get("q", ""))[:50]
    if query:
        members = members.filter(name=query) | members.filter(id_number=query.upper())
    page = paginate(
        members,
        ["branch_path", "id"],
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=50,
    )
    error = request.GET.get("error") == "none"
    return render(
        request,
        "transfers/apply_members.html",
        {"page": page, "query": query, "error": error, "section": "out", "subtabs": []},
    )


@committee_required
def apply_details(request):
    """转出申请 step 2: type, destination (放大镜), 电子介绍信 → 【生成转接路径】."""
    drafts = _own_drafts(request, _ids(request)) if _ids(request) else []
    if drafts:
        members = [d.member for d in drafts]
    else:
        form = MemberChoiceForm(
            {"members": request.GET.getlist("members") or request.POST.getlist("members")},
            queryset=services.transferable_members(request.org),
        )
        if not form.is_valid():
            return redirect(f"{reverse('transfers:apply_members')}?error=none")
        members = list(form.cleaned_data["members"])
    if request.method == "POST":
        form = ApplicationForm(request.POST, initiator=request.org)
        if form.is_valid():
            try:
                created = services.draft(actor=_actor(request), members=members, **_planned(form))
            except TransferError as error:
                _apply_error(form, error)
            else:
                ids = ",".join(str(t.pk) for t in created)
                return redirect(f"{reverse('transfers:apply_preview')}?ids={ids}")
        status = 400
    else:
        form = ApplicationForm(initial=_initial_from(drafts, members), initiator=request.org)
        status = 200
    return render(
        request,
        "transfers/apply_details.html",
        {
            "form": form,
            "members": members,
            "drafts": drafts,
            "section": "out",
            "subtabs": [],
            "member_query": urlencode([("members", m.pk) for m in members]),
        },
        status=status,
    )


def _initial_from(drafts: list[Transfer], members: list[Member]) -> dict:
    if not drafts:
        latest = max((m.dues_paid_through for m in members), default=None)
        phone = members[0].phone if len(members) == 1 else ""
        return {"validity_days": 90, "dues_paid_through": latest, "member_phone": phone}
    d = drafts[0]
    return {
        "transfer_type": d.type,
        "target": d.target_id,
        "target_query": d.target.name if d.target else "",
        "not_in_tree": d.out_of_system and d.type != TransferType.NATIONAL,
        "out_of_system": d.out_of_system,
        "target_name": d.target_name if d.out_of_system else "",
        "dues_paid_through": d.dues_paid_through,
        "validity_days": d.validity_days,
        "member_phone": d.member_phone if len(drafts) == 1 else "",
        "letter_remarks": d.letter_remarks,
    }


@committee_required
def apply_preview(request):
    """生成转接路径: the path as an ordered list, to check before 【确认发起】."""
    drafts = _own_drafts(request, _ids(request))
    steps = list(drafts[0].steps.select_related("org").order_by("order"))
    return render(
        request,
        "transfers/apply_preview.html",
        {
            "drafts": drafts,
            "first": drafts[0],
            "steps": steps,
            "ids": ",".join(str(d.pk) for d in drafts),
            "form": ConfirmLaunchForm(),
            "section": "out",
            "subtabs": [],
        },
    )


@require_POST
@committee_required
def apply_launch(request):
    """【确认发起】 → 【确定】 (only with 已核实党员信息同本人和档案资料等一致 ticked)."""
    # The chosen transfers of this organisation, in one query: all drafts, or the page is old.
    ids = sorted(set(_ids(request)))
    drafts = selectors.initiated_by(request.org, ids)
    moved = [t for t in drafts if t.state != TransferState.DRAFT]
    if moved:
        # Launched (or revoked) from another window since this page was loaded: say by whom.
        for transfer in moved:
            messages.error(request, f"{transfer.member_name}：{rules.stale(transfer).message}")
        return redirect("transfers:out_done")
    if not drafts or len(drafts) != len(ids):
        raise Http404
    form = ConfirmLaunchForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            launched = [
                services.launch(
                    actor=_actor(request),
                    transfer=d,
                    confirmed=form.cleaned_data.get("confirmed", False),
                )
                for d in drafts
            ]
    except TransferError as error:
        _apply_error(form, error)
        steps = list(drafts[0].steps.select_related("org").order_by("order"))
        return render(
            request,
            "transfers/apply_preview.html",
            {
                "drafts": drafts,
                "first": drafts[0],
                "steps": steps,
                "ids": ",".join(str(d.pk) for d in drafts),
                "form": form,
                "section": "out",
                "subtabs": [],
            },
            status=400,
        )
    names = "、".join(d.member_name for d in drafts)
    messages.success(
        request,
        f"已发起{names}的组织关系转接，{_where_now(launched[0], fresh=True)}可在“已办工作”中查看。",
    )
    return redirect("transfers:out_done")


@committee_required
def relaunch(request, pk: int):
    """Returned to the initiator: correct the application and launch it again."""
    post = request.method == "POST"
    try:
        with transaction.atomic() if post else nullcontext():
            # A POST authorises and locks the transfer in one query; the service takes that row
            # and acts in this transaction, so a refusal rolls all of it back.
            transfer = selectors.visible_transfer(
                request.org, pk, lock=post, related=("initiator",)
            )
            if transfer.initiator_id != request.org.pk or transfer.state != TransferState.RETURNED:
                messages.error(request, "只有被退回至本党组织的转接可以修改后重新发起。")
                return redirect("transfers:detail", pk=pk)
            inbound = transfer.type == TransferType.INBOUND
            if not post:
                form = ApplicationForm(
                    initial=_initial_from([transfer], []), initiator=request.org, inbound=inbound
                )
                confirm = ConfirmLaunchForm()
                status = 200
            else:
                form = ApplicationForm(request.POST, initiator=request.org, inbound=inbound)
                confirm = ConfirmLaunchForm(request.POST)
                confirm.is_valid()
                version = request.POST.get("version", "").strip()
                expected = int(version) if version.isascii() and version.isdigit() else None
                status = 400
                if form.is_valid():
                    relaunched = services.relaunch(
                        actor=_actor(request),
                        transfer=transfer,
                        confirmed=confirm.cleaned_data.get("confirmed", False),
                        expected_version=expected,
                        **_planned(form),
                    )
                    where = _where_now(relaunched, fresh=True)
                    messages.success(request, f"已重新发起。{where}")
                    return redirect("transfers:detail", pk=pk)
    except TransferError as error:
        transfer.refresh_from_db()  # the page shows what is stored, not the attempt
        if error.field == "confirmed":
            confirm.add_error("confirmed", error.message)
        else:
            _apply_error(form, error)
    return render(
        request,
        "transfers/relaunch_form.html",
        {
            "transfer": transfer,
            "form": form,
            "confirm": confirm,
            "relaunch_mode": "inbound" if inbound else "",
            "subtabs": [],
        },
        status=status,
    )


@require_POST
@committee_required
def launch_one(request, pk: int):
    """确认发起 for one draft (跨省（系统）转入; no edits after)."""
    transfer = selectors.visible_transfer(request.org, pk)
    form = ConfirmLaunchForm(request.POST)
    form.is_valid()
    try:
        launched = services.launch(
            actor=_actor(request),
            transfer=transfer,
            confirmed=form.cleaned_data.get("confirmed", False),
        )
    except TransferError as error:
        messages.error(request, error.message)
        return redirect("transfers:detail", pk=pk)
    messages.success(request, f"已确认发起。{_where_now(launched, fresh=True)}")
    return redirect("transfers:in_done")


# -- 放大镜: the target search dialog --------------------------


# A picker of ten a page: "共 100+ 条" already says to type more of the name, and counting on
# to 999 through a common fragment ("党委") read 10,000 organisations of a province (25 ms).
PICKER_COUNT_CAP = 100


@org_required
def target_search(request):
    """The organisations valid for the chosen type whose name contains the words typed."""
    mode = request.GET.get("mode", "")
    name = request.GET.get("name", "").strip()[:100]
    initiator = request.org
    transfer_id = parse_id(request.GET.get("transfer"))
    if transfer_id is not None:
        # 更改 at a node along the path: the choices are those of the transfer's initiator.
        initiator = selectors.visible_transfer(request.org, transfer_id).initiator
    if mode == "inbound":
        qs = inbound_candidates(initiator)
        if name:
            qs = qs.filter(name__contains=name)
    else:
        transfer_type = request.GET.get("type", "")
        if transfer_type not in TransferType.values:
            return HttpResponseBadRequest("请选择转接类型。")
        qs = target_candidates(initiator=initiator, transfer_type=transfer_type, name=name)
    page = paginate(
        qs,
        ["path", "id"],
        after=request.GET.get("after"),
        before=request.GET.get("before"),
        size=10,
        count_cap=PICKER_COUNT_CAP,
    )
    return render(
        request,
        "transfers/_target_results.html",
        {"page": page, "params": request.GET.copy()},
    )

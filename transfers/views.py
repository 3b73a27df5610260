"""The pages of 组织关系转接. Views parse, call a service or a selector, and render; the rules
live in ``services`` and the lists in ``selectors``.

Every view acts for ``request.org`` (the logged-in organisation); a transfer outside what it may
see is a 404 (``selectors.visible_transfer``). Each action has one view: GET shows the action's
form as a page (the fallback without JavaScript; with it the same form opens in a dialog), POST
calls the service and redirects to the transfer with a sentence saying what happened.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from members.models import Member
from orgs.paging import count_display, paginate
from orgs.scoping import committee_required, org_required
from transfers import selectors, services
from transfers.errors import TransferError
from transfers.forms import (
    ApplicationForm,
    ApproveForm,
    ChangeForm,
    ConfirmForm,
    ConfirmLaunchForm,
    ExchangeChoiceForm,
    HistorySearchForm,
    InboundForm,
    MemberChoiceForm,
    ReasonForm,
    ReceiptForm,
    ReceiveForm,
    UnreportedSearchForm,
    inbound_candidates,
)
from transfers.models import ExchangePackage, StepRole, Transfer, TransferState, TransferType
from transfers.paths import can_initiate, target_candidates
from transfers.services import Actor, InboundMember, LetterInput

# -- shared pieces ------------------------------------------


def _actor(request) -> Actor:
    return Actor(user=request.user, org=request.org)


def _tabs(request, section: str, current: str) -> dict:
    """The sub-tabs of 转出 or 接收 with their counts (one capped count query each)."""
    org = request.org
    if section == "out":
        tabs = [
            ("out_todo", "待办工作", selectors.outgoing_todo_count(org)),
            ("out_done", "已办工作", count_display(selectors.outgoing_done(org))),
            ("out_history", "转出历史", count_display(selectors.outgoing_history(org))),
        ]
    else:
        tabs = [
            ("in_todo", "待办工作", count_display(selectors.incoming_todo(org))),
            ("in_done", "已办工作", count_display(selectors.incoming_done(org))),
            ("in_unreported", "未报到", count_display(selectors.not_reported(org))),
            ("in_history", "接收历史", count_display(selectors.incoming_history(org))),
        ]
    return {"section": section, "subtabs": tabs, "current": current}


def _page(request, qs, ordering, prefix=""):
    return paginate(
        qs,
        ordering,
        after=request.GET.get(f"{prefix}after"),
        before=request.GET.get(f"{prefix}before"),
    )


def _apply_error(form, error: TransferError) -> None:
    """A service's refusal, next to the field it concerns (or above the form)."""
    field = error.field if error.field in form.fields else None
    if field is None and error.field == "target" and "target_query" in form.fields:
        field = "target_query"
    form.add_error(field, error.message)


def _version(form) -> int | None:
    return form.cleaned_data.get("version")


def _where_now(transfer: Transfer) -> str:
    """One sentence: where the transfer is now."""
    transfer.refresh_from_db()
    if transfer.state == TransferState.IN_PROGRESS:
        step = transfer.pending_step
        return f"转接已送至{step.org.name}{step.get_role_display()}。"
    return f"转接当前状态：{transfer.get_state_display()}。"


# -- 组织关系转接: tabs and lists ---------------------------------


@org_required
def index(request):
    """The subsystem opens on 转出 (the manual: 系统默认进入转出页签)."""
    return redirect("transfers:out_todo")


@org_required
def out_todo(request):
    """转出 · 待办工作: what waits for this organisation on the way out, and its own returned or
    unlaunched applications."""
    org = request.org
    steps = _page(request, selectors.outgoing_todo(org), selectors.TODO_ORDERING)
    own = _page(request, selectors.drafts_and_returned(org), ["-id"], prefix="r_")
    return render(
        request,
        "transfers/out_todo.html",
        {
            **_tabs(request, "out", "out_todo"),
            "page": steps,
            "own": own,
            "can_apply": can_initiate(org),
        },
    )


@org_required
def out_done(request):
    """转出 · 已办工作: unfinished transfers this organisation initiated or approved."""
    page = _page(request, selectors.outgoing_done(request.org), selectors.DONE_ORDERING)
    return render(
        request, "transfers/out_done.html", {**_tabs(request, "out", "out_done"), "page": page}
    )


def _history(request, *, section, current, selector, date_label, export_url):
    form = HistorySearchForm(request.GET or None)
    filters = _filters(form)
    qs = selector(request.org, filters)
    if form.is_bound and not form.is_valid():
        qs = qs.none()  # a search that cannot be understood finds nothing, not everything
    page = _page(request, qs, selectors.HISTORY_ORDERING)
    return render(
        request,
        "transfers/history.html",
        {
            **_tabs(request, section, current),
            "form": form,
            "page": page,
            "date_label": date_label,
            "export_url": f"{reverse(export_url)}?{request.GET.urlencode()}",
        },
    )


def _filters(form) -> selectors.Filters:
    if not form.is_bound or not form.is_valid():
        return selectors.Filters()
    d = form.cleaned_data
    return selectors.Filters(
        name=d.get("name", ""),
        id_number=d.get("id_number", ""),
        transfer_type=d.get("transfer_type", ""),
        date_from=d.get("date_from"),
        date_to=d.get("date_to"),
    )


@org_required
def out_history(request):
    """转出 · 转出历史."""
    return _history(
        request,
        section="out",
        current="out_history",
        selector=selectors.outgoing_history,
        date_label="转出日期",
        export_url="transfers:out_history_export",
    )


@org_required
def in_todo(request):
    """接收 · 待办工作."""
    page = _page(request, selectors.incoming_todo(request.org), selectors.TODO_ORDERING)
    return render(
        request,
        "transfers/in_todo.html",
        {
            **_tabs(request, "in", "in_todo"),
            "page": page,
            "can_inbound": can_initiate(request.org),
        },
    )


@org_required
def in_done(request):
    """接收 · 已办工作."""
    page = _page(request, selectors.incoming_done(request.org), selectors.DONE_ORDERING)
    return render(
        request, "transfers/in_done.html", {**_tabs(request, "in", "in_done"), "page": page}
    )


@org_required
def in_unreported(request):
    """接收 · 未报到: members received into this organisation's subtree, not yet reported."""
    form = UnreportedSearchForm(request.GET or None)
    filters = _filters(form)
    page = _page(
        request, selectors.not_reported(request.org, filters), selectors.NOT_REPORTED_ORDERING
    )
    return render(
        request,
        "transfers/in_unreported.html",
        {**_tabs(request, "in", "in_unreported"), "form": form, "page": page},
    )


@org_required
def in_history(request):
    """接收 · 接收历史."""
    return _history(
        request,
        section="in",
        current="in_history",
        selector=selectors.incoming_history,
        date_label="转入日期",
        export_url="transfers:in_history_export",
    )


@org_required
def history_export(request, direction: str):
    """The history list as filtered, as an Excel file (streamed from a temporary file)."""
    from transfers.exports import history_response

    form = HistorySearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        messages.error(request, "查询条件有误，请修正后再导出。")
        back = "transfers:out_history" if direction == "out" else "transfers:in_history"
        return redirect(f"{reverse(back)}?{request.GET.urlencode()}")
    filters = _filters(form)
    selector = selectors.outgoing_history if direction == "out" else selectors.incoming_history
    qs = selector(request.org, filters).order_by(*selectors.HISTORY_ORDERING)
    return history_response(qs, direction=direction, org=request.org)


# -- one transfer: 查看 / 业务办理 --------------------------------


def allowed_actions(transfer: Transfer, org) -> dict[str, bool]:
    """What ``org`` may do to ``transfer`` here and now (the services check again on POST)."""
    step = transfer.pending_step if transfer.state == TransferState.IN_PROGRESS else None
    my_turn = step is not None and step.org_id == org.pk
    initiator = transfer.initiator_id == org.pk
    received_here = transfer.state == TransferState.RECEIVED and transfer.dest_path.startswith(
        org.path
    )
    return {
        "approve": my_turn and step.role == StepRole.APPROVE,
        "receive": my_turn and step.role == StepRole.RECEIVE,
        "conclude": my_turn and step.role == StepRole.CONCLUDE,
        "reject": my_turn,
        "change": my_turn,
        "revoke": initiator
        and transfer.state
        in (TransferState.DRAFT, TransferState.IN_PROGRESS, TransferState.RETURNED),
        "relaunch": initiator and transfer.state == TransferState.RETURNED,
        "launch": initiator and transfer.state == TransferState.DRAFT,
        "report": received_here,
        "send_back": received_here and org.is_committee,
        # 登记回执 for a transfer that left the system (offered while none is recorded).
        "receipt": transfer.state == TransferState.CONCLUDED
        and transfer.out_of_system
        and org.pk in (transfer.receiver_id, transfer.initiator_id),
    }


@org_required
def detail(request, pk: int):
    """查看 / 业务办理: the member, the letter, the path, the log, and this node's actions."""
    transfer = selectors.visible_transfer(request.org, pk)
    actions = allowed_actions(transfer, request.org)
    steps = list(transfer.steps.select_related("org", "actor").order_by("round", "order"))
    rounds = {}
    for step in steps:
        rounds.setdefault(step.round, []).append(step)
    events = list(transfer.events.select_related("org"))
    letter = transfer.letters.filter(is_current=True).first()
    actions["receipt"] = actions["receipt"] and letter is not None and letter.receipt_on is None
    context = {
        "transfer": transfer,
        "actions": actions,
        "rounds": sorted(rounds.items(), reverse=True),
        "events": events,
        "letter": letter,
        "member": transfer.member,
        "package": getattr(transfer, "exchange_package", None)
        if transfer.state in (TransferState.CONCLUDED, TransferState.RETRIEVED)
        else None,
        "section": _section(transfer, request.org),
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
    if actions["conclude"] or actions["revoke"] or actions["report"]:
        context["confirm_form"] = ConfirmForm(initial={"version": transfer.version})
    return render(request, "transfers/detail.html", context)


def _section(transfer: Transfer, org) -> str:
    """Which tab a transfer belongs to for ``org``: 接收 when it comes into its subtree."""
    step = transfer.pending_step
    if step is not None and step.org_id == org.pk:
        return "in" if step.direction == "in" else "out"
    into = transfer.dest_path or transfer.receiver_path
    comes_in = into.startswith(org.path) and not transfer.source_path.startswith(org.path)
    return "in" if comes_in else "out"


def _change_type(transfer: Transfer) -> str:
    return transfer.type if transfer.type != TransferType.INBOUND else TransferType.COUNTY


def _receive_form(request, transfer: Transfer, data=None) -> ReceiveForm:
    branches = services.direct_branches(request.org)
    initial = {"version": transfer.version, "received_on": timezone.localdate()}
    if transfer.target and transfer.target.is_branch:
        initial["branch"] = transfer.target.pk  # 转入支部 preselected for a branch target
    return ReceiveForm(data, branches=branches, initial=initial)


def _action(
    request,
    pk: int,
    *,
    action: str,
    form_class,
    title: str,
    perform,
    done: str,
    template="transfers/action_form.html",
    form_kwargs=None,
    extra=None,
):
    """The one shape of every action view: GET shows the form, POST performs and redirects.

    The form is offered only to the organisation that may take ``action`` now; a POST from
    anyone else reaches the service, which refuses it and says why.
    """
    transfer = selectors.visible_transfer(request.org, pk)
    if request.method != "POST" and not allowed_actions(transfer, request.org)[action]:
        messages.error(request, f"该转接当前不能由本党组织办理“{title}”。")
        return redirect("transfers:detail", pk=transfer.pk)
    kwargs = (form_kwargs or (lambda t: {}))(transfer)
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            try:
                perform(transfer, form)
            except TransferError as error:
                if error.field in form.fields or error.field == "target":
                    _apply_error(form, error)  # next to the field it concerns
                else:
                    messages.error(request, error.message)  # once, at the top of the page
            else:
                messages.success(request, f"{done}{_where_now(transfer)}")
                return redirect("transfers:detail", pk=transfer.pk)
        status = 400
    else:
        form = form_class(initial={"version": transfer.version}, **kwargs)
        status = 200
    return render(
        request,
        template,
        {
            "transfer": transfer,
            "form": form,
            "title": title,
            "subtabs": [],
            **(extra or {}),
        },
        status=status,
    )


@org_required
def approve(request, pk: int):
    """同意."""
    return _action(
        request,
        pk,
        action="approve",
        form_class=ApproveForm,
        title="同意",
        done="已同意。",
        perform=lambda t, f: services.approve(
            actor=_actor(request),
            transfer=t,
            confirmed=f.cleaned_data["confirmed"],
            opinion=f.cleaned_data["opinion"],
            expected_version=_version(f),
        ),
    )


@org_required
def reject(request, pk: int):
    """不同意: the reason goes back along the path to the initiator."""
    return _action(
        request,
        pk,
        action="reject",
        form_class=ReasonForm,
        title="不同意",
        done="已不同意，该转接已逐级退回至发起党组织。",
        extra={"reason_label": "不同意意见"},
        perform=lambda t, f: services.reject(
            actor=_actor(request),
            transfer=t,
            reason=f.cleaned_data["reason"],
            expected_version=_version(f),
        ),
    )


@org_required
def change(request, pk: int):
    """更改: a new target; the path is generated again from this node."""
    return _action(
        request,
        pk,
        action="change",
        form_class=ChangeForm,
        title="更改",
        done="已更改目的地党组织并重新生成转接路径。",
        template="transfers/change_form.html",
        form_kwargs=lambda t: {
            "initiator": t.initiator,
            "inbound": t.type == TransferType.INBOUND,
        },
        extra={"change_mode": "inbound" if _is_inbound(request, pk) else ""},
        perform=lambda t, f: services.change_target(
            actor=_actor(request),
            transfer=t,
            target=f.target_org,
            target_name=f.cleaned_data.get("target_name", ""),
            out_of_system=f.cleaned_data.get("out_of_system", False),
            transfer_type=f.cleaned_data["transfer_type"],
            opinion=f.cleaned_data["opinion"],
            expected_version=_version(f),
        ),
    )


def _is_inbound(request, pk: int) -> bool:
    return selectors.visible_transfer(request.org, pk).type == TransferType.INBOUND


@org_required
def change_preview(request, pk: int):
    """The path a 更改 would give, from this node (shown in the 更改 dialog before 确定)."""
    from transfers.paths import plan_path

    transfer = selectors.visible_transfer(request.org, pk)
    form = ChangeForm(
        request.GET,
        initiator=transfer.initiator,
        inbound=transfer.type == TransferType.INBOUND,
    )
    steps = []
    error = ""
    if form.is_valid():
        try:
            plan = plan_path(
                start=request.org,
                target=form.target_org,
                out_of_system=form.cleaned_data.get("out_of_system", False),
                source_path=transfer.source_path,
            )
            steps = plan.steps
        except TransferError as e:
            error = e.message
    else:
        error = "；".join(m for errors in form.errors.values() for m in errors if "版本" not in m)
    return render(
        request,
        "transfers/_path_preview.html",
        {"steps": steps, "error": error, "start": request.org},
    )


@committee_required
def receive(request, pk: int):
    """接收: 转入本组织时间, 转入支部, 转入办理人员联系电话, 备注, and the two confirmations."""
    transfer = selectors.visible_transfer(request.org, pk)
    if request.method != "POST" and not allowed_actions(transfer, request.org)["receive"]:
        messages.error(request, "该转接当前不能由本党组织办理“接收”。")
        return redirect("transfers:detail", pk=transfer.pk)
    if request.method == "POST":
        form = _receive_form(request, transfer, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.receive(
                    actor=_actor(request),
                    transfer=transfer,
                    received_on=d["received_on"],
                    branch=d["branch"],
                    handler_phone=d["handler_phone"],
                    remarks=d["remarks"],
                    confirmed_reported=d["confirmed_reported"],
                    confirmed_checked=d["confirmed_checked"],
                    expected_version=d.get("version"),
                )
            except TransferError as error:
                _apply_error(form, error)
            else:
                messages.success(
                    request,
                    f"已接收{transfer.member_name}，编入{d['branch'].name}，"
                    "等待党员报到（未报到）。",
                )
                return redirect("transfers:detail", pk=transfer.pk)
        status = 400
    else:
        form = _receive_form(request, transfer)
        status = 200
    return render(
        request,
        "transfers/receive_form.html",
        {"transfer": transfer, "form": form, "title": "接收", "subtabs": []},
        status=status,
    )


@org_required
def conclude(request, pk: int):
    """办结: 是否确认在本党组织办结该组织关系转接."""
    return _action(
        request,
        pk,
        action="conclude",
        form_class=ConfirmForm,
        title="办结",
        done="已办结，该党员组织关系已转出到系统外。",
        extra={"question": "是否确认在本党组织办结该组织关系转接"},
        perform=lambda t, f: services.conclude(
            actor=_actor(request),
            transfer=t,
            confirmed=f.cleaned_data["confirmed"],
            expected_version=_version(f),
        ),
    )


def _confirmed_action(request, pk, *, action, title, question, done, unconfirmed, call):
    """An action whose only input is the answer 确定 to ``question``."""

    def perform(transfer, form):
        if not form.cleaned_data["confirmed"]:
            raise TransferError(unconfirmed)
        call(actor=_actor(request), transfer=transfer, expected_version=_version(form))

    return _action(
        request,
        pk,
        action=action,
        form_class=ConfirmForm,
        title=title,
        done=done,
        extra={"question": question},
        perform=perform,
    )


@org_required
def revoke(request, pk: int):
    """撤销 (from 已办工作 or a returned transfer)."""
    return _confirmed_action(
        request,
        pk,
        action="revoke",
        title="撤销",
        question="你确定要撤销该组织关系转接吗？撤销后不可恢复！",
        done="已撤销该组织关系转接。",
        unconfirmed="请确认撤销。",
        call=services.revoke,
    )


@org_required
def report(request, pk: int):
    """报到 (from 未报到)."""
    return _confirmed_action(
        request,
        pk,
        action="report",
        title="报到",
        question="是否确认该党员已到本党组织报到？",
        done="已办理报到，组织关系转接完成。",
        unconfirmed="请确认该党员已报到。",
        call=services.report,
    )


@committee_required
def send_back(request, pk: int):
    """退回 (from 未报到, committees only)."""
    return _action(
        request,
        pk,
        action="send_back",
        form_class=ReasonForm,
        title="退回",
        done="已退回，该党员已回到原党支部，转接已退回至发起党组织。",
        extra={"reason_label": "退回原因"},
        perform=lambda t, f: services.send_back(
            actor=_actor(request),
            transfer=t,
            reason=f.cleaned_data["reason"],
            expected_version=_version(f),
        ),
    )


# -- 转出申请: choose members → details → 生成转接路径 → 确认发起 ---------


def _ids(request, name="ids") -> list[int]:
    raw = request.GET.getlist(name) or request.POST.getlist(name)
    ids = []
    for chunk in raw:
        for part in chunk.split(","):
            if part.strip().isdigit():
                ids.append(int(part))
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


@committee_required
def apply_members(request):
    """转出申请 step 1: the members of this organisation's direct branches (and of its direct
    总支's branches); choose, then 【下一步】 or 【返回】."""
    if not can_initiate(request.org):
        messages.error(request, "只有具有县内转接权限的党委可以发起转出申请。")
        return redirect("transfers:out_todo")
    members = services.transferable_members(request.org)
    query = request.GET.get("q", "").strip()
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
            d = form.cleaned_data
            try:
                created = services.draft(
                    actor=_actor(request),
                    members=members,
                    transfer_type=d["transfer_type"],
                    target=form.target_org,
                    target_name=d.get("target_name", ""),
                    out_of_system=d.get("out_of_system", False),
                    letter=LetterInput(
                        dues_paid_through=d["dues_paid_through"],
                        validity_days=d["validity_days"],
                        member_phone=d["member_phone"],
                        remarks=d["letter_remarks"],
                    ),
                )
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
    drafts = _own_drafts(request, _ids(request))
    form = ConfirmLaunchForm(request.POST)
    form.is_valid()
    try:
        with transaction.atomic():
            for d in drafts:
                services.launch(
                    actor=_actor(request),
                    transfer=d,
                    confirmed=form.cleaned_data.get("confirmed", False),
                )
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
        f"已发起{names}的组织关系转接，{_where_now(drafts[0])}可在“已办工作”中查看。",
    )
    return redirect("transfers:out_done")


@committee_required
def relaunch(request, pk: int):
    """Returned to the initiator: correct the application and launch it again."""
    transfer = selectors.visible_transfer(request.org, pk)
    if transfer.initiator_id != request.org.pk or transfer.state != TransferState.RETURNED:
        messages.error(request, "只有被退回至本党组织的转接可以修改后重新发起。")
        return redirect("transfers:detail", pk=pk)
    inbound = transfer.type == TransferType.INBOUND
    if request.method == "POST":
        form = ApplicationForm(request.POST, initiator=request.org, inbound=inbound)
        confirm = ConfirmLaunchForm(request.POST)
        confirm.is_valid()
        version = request.POST.get("version", "").strip()
        expected = int(version) if version.isascii() and version.isdigit() else None
        if form.is_valid():
            d = form.cleaned_data
            try:
                services.relaunch(
                    actor=_actor(request),
                    transfer=transfer,
                    confirmed=confirm.cleaned_data.get("confirmed", False),
                    transfer_type=d["transfer_type"],
                    target=form.target_org,
                    target_name=d.get("target_name", ""),
                    out_of_system=d.get("out_of_system", False),
                    letter=LetterInput(
                        dues_paid_through=d["dues_paid_through"],
                        validity_days=d["validity_days"],
                        member_phone=d["member_phone"],
                        remarks=d["letter_remarks"],
                    ),
                    expected_version=expected,
                )
            except TransferError as error:
                if error.field == "confirmed":
                    confirm.add_error("confirmed", error.message)
                else:
                    _apply_error(form, error)
            else:
                messages.success(request, f"已重新发起。{_where_now(transfer)}")
                return redirect("transfers:detail", pk=pk)
        status = 400
    else:
        form = ApplicationForm(
            initial=_initial_from([transfer], []), initiator=request.org, inbound=inbound
        )
        confirm = ConfirmLaunchForm()
        status = 200
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
        services.launch(
            actor=_actor(request),
            transfer=transfer,
            confirmed=form.cleaned_data.get("confirmed", False),
        )
    except TransferError as error:
        messages.error(request, error.message)
        return redirect("transfers:detail", pk=pk)
    messages.success(request, f"已确认发起。{_where_now(transfer)}")
    return redirect("transfers:in_done")


# -- 放大镜: the target search dialog --------------------------


@org_required
def target_search(request):
    """The organisations valid for the chosen type whose name contains the words typed."""
    mode = request.GET.get("mode", "")
    name = request.GET.get("name", "").strip()[:100]
    initiator = request.org
    transfer_id = request.GET.get("transfer", "")
    if transfer_id.isdigit():
        # 更改 at a node along the path: the choices are those of the transfer's initiator.
        initiator = selectors.visible_transfer(request.org, int(transfer_id)).initiator
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
    )
    return render(
        request,
        "transfers/_target_results.html",
        {"page": page, "params": request.GET.copy()},
    )


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


# -- the letter ---------------------------------------------


@org_required
def letter(request, pk: int):
    """【查看介绍信】: the three-part form (存根 / 介绍信 / 回执)."""
    from transfers.letters import letter_context

    transfer = selectors.visible_transfer(request.org, pk)
    current = transfer.letters.filter(is_current=True).select_related("issuer").first()
    if current is None:
        raise Http404
    return render(
        request,
        "transfers/letter.html",
        {**letter_context(current, request), "transfer": transfer, "subtabs": []},
    )


@org_required
def letter_pdf(request, pk: int):
    from transfers.letters import pdf_response

    transfer = selectors.visible_transfer(request.org, pk)
    current = transfer.letters.filter(is_current=True).select_related("issuer").first()
    if current is None:
        raise Http404
    return pdf_response(request, current)


@org_required
def record_receipt(request, pk: int):
    """登记回执: the paper 回执 of a transfer that left the system has come back."""
    return _action(
        request,
        pk,
        action="receipt",
        form_class=ReceiptForm,
        title="登记回执",
        done="已登记纸质回执。",
        perform=lambda t, f: services.record_paper_receipt(
            actor=_actor(request),
            transfer=t,
            received_on=f.cleaned_data["received_on"],
            handler=f.cleaned_data["handler"],
            handler_phone=f.cleaned_data["handler_phone"],
            expected_version=_version(f),
        ),
    )

"""One view per action on a transfer (同意, 不同意, 更改, 接收, 办结, 撤销, 报到, 退回, 登记回执).

GET shows the action's form as a page (the fallback without JavaScript; with it the same form
opens in a dialog); POST calls the service and redirects to the transfer with a sentence saying
what happened. Only the organisation the rules allow is offered the page."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render

from orgs.scoping import committee_required, org_required
from transfers import rules, selectors, services
from transfers.errors import TransferError
from transfers.forms import (
    ApproveForm,
    ChangeForm,
    ConcludeForm,
    ConfirmForm,
    ReasonForm,
    ReceiptForm,
)
from transfers.models import TransferType
from transfers.views.common import _actor, _apply_error, _version, _where_now
from transfers.views.detail import _receive_form


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
    related=(),
):
    """The one shape of every action view: GET shows the form, POST performs and redirects.

    The form is offered only to the organisation that may take ``action`` now; a POST from
    anyone else reaches the service, which refuses it and says why. ``related``: what the
    service reads of the transfer's organisations and member, joined to the locked row.
    ``extra``: more for the page, or a function of the transfer giving it.
    """
    if request.method == "POST":
        try:
            with transaction.atomic():
                # Authorised and locked in one query; the service takes the locked row as it is
                # and acts in this transaction, so a refusal rolls all of it back.
                transfer = selectors.visible_transfer(request.org, pk, lock=True, related=related)
                form = form_class(request.POST, **(form_kwargs or (lambda t: {}))(transfer))
                if form.is_valid():
                    result = perform(transfer, form)
                    fresh = result is transfer
                    messages.success(request, f"{done}{_where_now(transfer, fresh=fresh)}")
                    return redirect("transfers:detail", pk=transfer.pk)
        except TransferError as error:
            transfer.refresh_from_db()  # the page shows what is stored, not the attempt
            if error.field in form.fields or error.field == "target":
                _apply_error(form, error)  # next to the field it concerns
            else:
                messages.error(request, error.message)  # once, at the top of the page
        status = 400
    elif not rules.allowed_actions(
        transfer := selectors.visible_transfer(request.org, pk), request.org
    )[action]:
        messages.error(request, f"该转接当前不能由本党组织办理“{title}”。")
        return redirect("transfers:detail", pk=transfer.pk)
    else:
        kwargs = (form_kwargs or (lambda t: {}))(transfer)
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
            **(extra(transfer) if callable(extra) else extra or {}),
        },
        status=status,
    )


def _perform(request, service, *fields):
    """``perform`` for an action whose service takes these fields of the form as they are."""

    def perform(transfer, form):
        return service(
            actor=_actor(request),
            transfer=transfer,
            **{name: form.cleaned_data[name] for name in fields},
            expected_version=_version(form),
        )

    return perform


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
        perform=_perform(request, services.approve, "confirmed", "opinion"),
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
        perform=_perform(request, services.reject, "reason"),
    )


@org_required
def change(request, pk: int):
    """更改: a new target; the path is generated again from this node."""
    return _action(
        request,
        pk,
        action="change",
        related=("member", "initiator", "target"),  # the form, the new path and letter
        form_class=ChangeForm,
        title="更改",
        done="已更改目的地党组织并重新生成转接路径。",
        template="transfers/change_form.html",
        form_kwargs=lambda t: {
            "initiator": t.initiator,
            "inbound": t.type == TransferType.INBOUND,
        },
        extra=lambda t: {"change_mode": "inbound" if t.type == TransferType.INBOUND else ""},
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
    if request.method != "POST":
        transfer = selectors.visible_transfer(request.org, pk, related=("target",))
        if not rules.allowed_actions(transfer, request.org)["receive"]:
            messages.error(request, "该转接当前不能由本党组织办理“接收”。")
            return redirect("transfers:detail", pk=transfer.pk)
        form = _receive_form(request, transfer)
        status = 200
    else:
        try:
            with transaction.atomic():
                # Authorised and locked in one query; the service takes that row and acts in
                # this transaction, so a refusal rolls all of it back.
                transfer = selectors.visible_transfer(
                    request.org, pk, lock=True, related=("target",)
                )
                form = _receive_form(request, transfer, request.POST)
                if form.is_valid():
                    d = form.cleaned_data
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
                    messages.success(
                        request,
                        f"已接收{transfer.member_name}，编入{d['branch'].name}，"
                        "等待党员报到（未报到）。",
                    )
                    return redirect("transfers:detail", pk=transfer.pk)
        except TransferError as error:
            transfer.refresh_from_db()  # the page shows what is stored, not the attempt
            _apply_error(form, error)
        status = 400
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
        related=("member", "initiator", "receiver"),  # the package for the exchange zone
        form_class=ConcludeForm,
        form_kwargs=lambda t: {"concluder": request.org},
        title="办结",
        done="已办结，该党员组织关系已转出到系统外。",
        extra={"question": "是否确认在本党组织办结该组织关系转接"},
        perform=lambda t, f: services.conclude(
            actor=_actor(request),
            transfer=t,
            confirmed=f.cleaned_data["confirmed"],
            receiver=f.cleaned_data.get("receiver_obj"),
            expected_version=_version(f),
        ),
    )


def _confirmed_action(request, pk, *, action, title, question, done, unconfirmed, call):
    """An action whose only input is the answer 确定 to ``question``."""

    def perform(transfer, form):
        if not form.cleaned_data["confirmed"]:
            raise TransferError(unconfirmed)
        return call(actor=_actor(request), transfer=transfer, expected_version=_version(form))

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
        related=("member", "source_branch"),  # the member goes back to its branch
        form_class=ReasonForm,
        title="退回",
        done="已退回，该党员已回到原党支部，转接已退回至发起党组织。",
        extra={"reason_label": "退回原因"},
        perform=_perform(request, services.send_back, "reason"),
    )


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
        perform=_perform(
            request, services.record_paper_receipt, "received_on", "handler", "handler_phone"
        ),
    )

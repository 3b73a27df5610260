"""查看 / 业务办理: one transfer with its letter, path, log, and this node's actions."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone

from orgs.scoping import org_required
from transfers import rules, selectors, services
from transfers.forms import (
    ApproveForm,
    ChangeForm,
    ConfirmForm,
    ReasonForm,
    ReceiveForm,
)
from transfers.models import Transfer, TransferState, TransferType


@org_required
def detail(request, pk: int):
    """查看 / 业务办理: the member, the letter, the path, the log, and this node's actions."""
    transfer = selectors.visible_transfer(request.org, pk)
    actions = rules.allowed_actions(transfer, request.org)
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

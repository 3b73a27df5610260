"""At each node of the path: 同意 / 不同意 / 更改 / 接收 / 办结."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from members.idcard import birth_date_of
from members.models import Member, MemberState
from ops import writes
from orgs.models import Level, Organisation
from orgs.tree import Ancestry, nearest_committee
from transfers import exchange, rules
from transfers.errors import TransferError
from transfers.models import (
    EventAction,
    Letter,
    StepState,
    Transfer,
    TransferEvent,
    TransferState,
    TransferStep,
    TransferType,
)
from transfers.paths import check_target
from transfers.rules import Action
from transfers.services.base import (
    CONFIRM_CHECKED,
    CONFIRM_REPORTED,
    Actor,
    _act,
    _activate,
    _check_version,
    _destination,
    _now,
    _open_steps,
    _pending,
    _plan_steps,
    _require,
    _round_steps,
    _save,
    _text,
    atomic_for,
    check_phone,
    event,
    lock,
    record,
    record_all,
)
from transfers.services.inbound import _check_inbound_target
from transfers.services.issuing import _issue_letter
from transfers.services.receipts import electronic_receipt_to_sender

# -- at each node: 同意 / 不同意 / 更改 / 接收 / 办结 ----------------------------------------------


def approve(
    *,
    actor: Actor,
    transfer: Transfer,
    confirmed: bool,
    opinion: str = "",
    expected_version: int | None = None,
) -> Transfer:
    """同意: this node approves; the next node's step becomes pending."""
    opinion = _text(opinion, field="opinion", label="审批意见")
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        pending, following = _open_steps(transfer)
        step = rules.require(transfer, actor.org, Action.APPROVE, step=pending)
        _require(confirmed, f"请勾选“{CONFIRM_CHECKED}”。", "confirmed")
        now = _now()
        # One UPDATE each, in this order: a single statement could hit the one-pending-step
        # index with both rows pending for a moment.
        _act(step, actor, StepState.APPROVED, now, opinion)
        _activate(following, now)
        transfer.pending_steps = [following]  # where it went, for the screen
        _save(transfer)
        record(transfer, actor, EventAction.APPROVE, transfer.state, step=step, opinion=opinion)
    return transfer


def reject(
    *, actor: Actor, transfer: Transfer, reason: str, expected_version: int | None = None
) -> Transfer:
    """不同意: returned along the path, node by node, to the initiating organisation."""
    reason = _text(reason, field="reason", label="不同意的理由", required=True)
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        steps = _round_steps(transfer)
        step = rules.require(transfer, actor.org, Action.REJECT, step=_pending(steps))
        now = _now()
        _act(step, actor, StepState.REJECTED, now, reason, save=False)
        rejected = event(
            transfer, actor, EventAction.REJECT, transfer.state, step=step, opinion=reason
        )
        _return_to_initiator(
            transfer, actor, steps, step, reason, now, TransferState.IN_PROGRESS, rejected
        )
    return transfer


def _return_to_initiator(
    transfer: Transfer,
    actor: Actor,
    steps: list[TransferStep],
    from_step: TransferStep,
    reason: str,
    now: dt.datetime,
    before: str,
    first: TransferEvent,
    *,
    fields: tuple[str, ...] = (),
) -> None:
    """逐级退回: every earlier node of this round (``steps``, all of them) records the return,
    ending at the initiator. ``from_step`` carries the caller's decision, written with the
    others in one UPDATE; ``first``: the action's own event, written first; ``fields``: more of
    the transfer's columns to save."""
    earlier = [
        s
        for s in reversed(steps)
        if s.order < from_step.order
        and s.state in (StepState.APPROVED, StepState.CHANGED, StepState.LAUNCHED)
    ]
    waiting = [s for s in steps if s.state == StepState.WAITING]
    for step in earlier:
        step.state = StepState.RETURNED
    for step in waiting:
        step.state = StepState.CANCELLED
    # The rows were read under the transfer's lock: what is not changed is written back as is.
    writes.update_rows([from_step, *earlier, *waiting], ["state", "actor", "acted_at", "opinion"])
    transfer.state = TransferState.RETURNED
    transfer.return_reason = reason
    _save(transfer, "state", "return_reason", *fields)
    record_all(
        [
            first,
            *(
                event(
                    transfer,
                    actor,
                    EventAction.RETURN_STEP,
                    before,
                    org=step.org,
                    step=step,
                    opinion=reason,
                    data={"returned_by": actor.org.name},
                    at=now,
                    after=TransferState.RETURNED if i == len(earlier) - 1 else before,
                )
                for i, step in enumerate(earlier)
            ),
        ]
    )


def change_target(
    *,
    actor: Actor,
    transfer: Transfer,
    target: Organisation | None,
    target_name: str = "",
    out_of_system: bool = False,
    transfer_type: str | None = None,
    opinion: str = "",
    expected_version: int | None = None,
) -> Transfer:
    """更改: this node sends the member to another target; the path is re-planned from here."""
    opinion = _text(opinion, field="opinion", label="更改说明")
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        steps = _round_steps(transfer)
        step = rules.require(transfer, actor.org, Action.CHANGE, step=_pending(steps))
        new_type = transfer_type or transfer.type
        target, target_name, out_of_system = _destination(
            new_type, target, target_name, out_of_system
        )
        tree = Ancestry(transfer.initiator, actor.org, target)
        if transfer.type == TransferType.INBOUND:
            _require(not out_of_system, "跨省（系统）转入不能更改为转出到系统外。", "target")
            _check_inbound_target(transfer.initiator, target)
            new_type = TransferType.INBOUND
        else:
            check_target(
                initiator=transfer.initiator,
                transfer_type=new_type,
                target=target,
                out_of_system=out_of_system,
                target_name=target_name,
                tree=tree,
            )
        old = {"type": transfer.type, "target": transfer.target_name}
        if target is not None and target == transfer.target:
            raise TransferError("新的目的地党组织与原目的地相同。", field="target")
        now = _now()
        # This node's step and the waiting ones after it in one UPDATE: none becomes pending.
        _act(
            step, actor, StepState.CHANGED, now, opinion or f"目的地更改为{target_name}", save=False
        )
        superseded = [s for s in steps if s.state == StepState.WAITING]
        for waiting in superseded:
            waiting.state = StepState.SUPERSEDED
        writes.update_rows([step, *superseded], ["state", "actor", "acted_at", "opinion"])
        transfer.type = new_type
        transfer.target = target
        transfer.target_name = target_name
        transfer.out_of_system = out_of_system
        new_steps = _plan_steps(
            transfer,
            start=actor.org,
            start_order=steps[-1].order + 1,
            include_start=False,
            tree=tree,
        )
        # When this node itself is the new receiver, it acts again, now as receiver.
        _activate(new_steps[0], now, save=False)
        writes.insert(new_steps)
        transfer.pending_steps = [new_steps[0]]  # where it went, for the screen
        _issue_letter(transfer, now=now)
        _save(
            transfer,
            "type",
            "target",
            "target_name",
            "out_of_system",
            "receiver",
            "receiver_path",
            "letter_expires_on",
        )
        record(
            transfer,
            actor,
            EventAction.CHANGE,
            transfer.state,
            step=step,
            opinion=opinion,
            data={"from": old, "to": {"type": new_type, "target": target_name}},
        )
    return transfer


def receive(
    *,
    actor: Actor,
    transfer: Transfer,
    received_on: dt.date,
    branch: Organisation | None,
    handler_phone: str,
    remarks: str = "",
    confirmed_reported: bool,
    confirmed_checked: bool,
    expected_version: int | None = None,
) -> Transfer:
    """接收: the receiving committee places the member in one of its branches (state 未报到)."""
    remarks = _text(remarks, field="remarks", label="备注")
    handler_phone = check_phone(handler_phone, field="handler_phone", label="转入办理人员联系电话")
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        pending, _ = _open_steps(transfer)
        step = rules.require(transfer, actor.org, Action.RECEIVE, step=pending)
        today = timezone.localdate()
        _require(received_on is not None, "请填写转入本组织时间。", "received_on")
        _require(received_on <= today, "转入本组织时间不能晚于今天。", "received_on")
        _require(
            received_on >= timezone.localdate(transfer.launched_at),
            f"转入本组织时间不能早于发起日期（{timezone.localdate(transfer.launched_at):%Y-%m-%d}）。",
            "received_on",
        )
        _require(branch is not None, "请选择转入支部。", "branch")
        _require(
            branch.level == Level.BRANCH and branch.is_active and _committee_of(branch, actor.org),
            "转入支部须为本党委所属的党支部。",
            "branch",
        )
        _require(confirmed_reported, f"请勾选“{CONFIRM_REPORTED}”。", "confirmed_reported")
        _require(confirmed_checked, f"请勾选“{CONFIRM_CHECKED}”。", "confirmed_checked")
        now = _now()
        _place_member(transfer, branch, now)
        _act(step, actor, StepState.RECEIVED, now, remarks)
        transfer.state = TransferState.RECEIVED
        transfer.dest_branch = branch
        transfer.dest_path = branch.path
        transfer.received_on = received_on
        transfer.receive_handler_phone = handler_phone
        transfer.receive_remarks = remarks
        _save(
            transfer,
            "member",
            "state",
            "dest_branch",
            "dest_path",
            "received_on",
            "receive_handler_phone",
            "receive_remarks",
        )
        # The electronic 回执 goes back with the receipt details.
        writes.update_where(
            Letter,
            {"transfer": transfer.pk, "is_current": True},
            receipt_org_name=actor.org.name,
            receipt_on=received_on,
            receipt_handler=actor.name,
            receipt_handler_phone=handler_phone,
            receipt_is_paper=False,
        )
        record(
            transfer,
            actor,
            EventAction.RECEIVE,
            TransferState.IN_PROGRESS,
            step=step,
            opinion=remarks,
            data={"branch": branch.name, "received_on": received_on.isoformat()},
        )
        if transfer.via_exchange:
            electronic_receipt_to_sender(transfer, actor, received_on, handler_phone)
    return transfer


def _committee_of(branch: Organisation, committee: Organisation) -> bool:
    """Whether ``committee`` is the nearest committee above ``branch`` (a branch directly
    under it needs no look-up)."""
    if branch.path[: -Organisation.steplen] == committee.path and committee.is_committee:
        return True
    return nearest_committee(branch, include_self=False) == committee


def _place_member(transfer: Transfer, branch: Organisation, now: dt.datetime) -> None:
    """The member goes to ``branch``, awaiting 报到; for a 跨省（系统）转入 its record is created
    and becomes the transfer's."""
    placed = {
        "branch": branch,
        "branch_path": branch.path,
        "state": MemberState.AWAITING_REPORT,
        "updated_at": now,
    }
    if transfer.type != TransferType.INBOUND:
        # A member of this system, in transfer: its number is its own, nothing to collide with.
        writes.update_where(Member, {"pk": transfer.member_id}, **placed)
        return
    if transfer.member_id:
        try:
            # An inbound member sent back left the system; the person may be active again.
            with transaction.atomic():
                writes.update_where(Member, {"pk": transfer.member_id}, **placed)
        except IntegrityError:
            raise TransferError("该身份证号的党员已在本系统中，不能重复转入。") from None
        return
    data = transfer.inbound_member
    member = Member(
        name=data["name"],
        gender=data["gender"],
        ethnicity=data["ethnicity"],
        birth_date=birth_date_of(data["id_number"]),
        id_number=data["id_number"],
        party_status=data["party_status"],
        joined_on=dt.date.fromisoformat(data["joined_on"]),
        full_member_on=(
            dt.date.fromisoformat(data["full_member_on"]) if data.get("full_member_on") else None
        ),
        phone=data.get("phone", ""),
        branch=branch,
        dues_paid_through=transfer.dues_paid_through,
        state=MemberState.AWAITING_REPORT,
    )
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        raise TransferError("该身份证号的党员已在本系统中，不能重复转入。") from None
    transfer.member = member


def conclude(
    *,
    actor: Actor,
    transfer: Transfer,
    confirmed: bool,
    receiver: exchange.Receiver | None = None,
    expected_version: int | None = None,
) -> Transfer:
    """办结: the member leaves the system on the paper letter; the exchange package goes to
    ``receiver`` (the receiving province or system), which only that side can import."""
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        pending, _ = _open_steps(transfer)
        step = rules.require(transfer, actor.org, Action.CONCLUDE, step=pending)
        _require(confirmed, "请确认在本党组织办结该组织关系转接。", "confirmed")
        _require(
            receiver is not None or not transfer.out_of_system,
            "请选择接收方（转入的省或系统），交换包只能由接收方导入。",
            "receiver",
        )
        now = _now()
        _act(step, actor, StepState.CONCLUDED, now)
        writes.update_where(
            Member, {"pk": transfer.member_id}, state=MemberState.OUT_OF_SYSTEM, updated_at=now
        )
        transfer.state = TransferState.CONCLUDED
        transfer.finished_at = now
        _save(transfer, "state", "finished_at")
        events = [
            event(transfer, actor, EventAction.CONCLUDE, TransferState.IN_PROGRESS, step=step)
        ]
        if transfer.out_of_system:
            # 业务交换区: the receiving system imports the member from this package.
            package = exchange.publish(transfer, now=now, receiver=receiver)
            events.append(
                event(
                    transfer,
                    actor,
                    EventAction.PUBLISH,
                    TransferState.CONCLUDED,
                    data={"package": str(package.package_id)},
                    at=now,
                )
            )
        record_all(events)
    return transfer

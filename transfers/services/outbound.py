"""转出申请 → 生成转接路径 → 确认发起, and 重新发起 after a return."""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from members.models import Member, MemberState
from ops import writes
from ops.compiled import Compiled
from orgs.models import Organisation
from orgs.tree import Ancestry
from transfers import rules
from transfers.errors import TransferError
from transfers.models import (
    EventAction,
    StepState,
    Transfer,
    TransferState,
    TransferStep,
    TransferType,
)
from transfers.paths import can_initiate, check_target
from transfers.rules import Action
from transfers.services.base import (
    CONFIRM_LAUNCH,
    Actor,
    LetterInput,
    _act,
    _activate,
    _check_letter,
    _check_version,
    _create_steps,
    _destination,
    _now,
    _plan_steps,
    _require,
    _round_steps,
    _save,
    atomic_for,
    check_phone,
    direct_branch_ids,
    lock,
    record,
)
from transfers.services.inbound import _check_inbound_id_free, _check_inbound_target
from transfers.services.issuing import _issue_letter

# -- 转出申请 → 生成转接路径 → 确认发起 -----------------------------------------------------------


def draft(
    *,
    actor: Actor,
    members: Iterable[Member],
    transfer_type: str,
    target: Organisation | None,
    target_name: str = "",
    out_of_system: bool = False,
    letter: LetterInput,
) -> list[Transfer]:
    """Fill in a transfer application for each chosen member and generate its path (草稿)."""
    _require(can_initiate(actor.org), "只有具有县内转接权限的党委可以发起转出申请。")
    members = list(members)
    _require(bool(members), "请选择需要转接的党员。", "members")
    _require(
        transfer_type in (TransferType.COUNTY, TransferType.PROVINCE, TransferType.NATIONAL),
        "请选择转接类型。",
        "transfer_type",
    )
    target, target_name, out_of_system = _destination(
        transfer_type, target, target_name, out_of_system
    )
    check_target(
        initiator=actor.org,
        transfer_type=transfer_type,
        target=target,
        out_of_system=out_of_system,
        target_name=target_name,
    )
    _check_letter(letter)
    eligible = direct_branch_ids(actor.org)
    drafts = []
    with transaction.atomic():
        locked = Member.objects.select_for_update().select_related("branch")
        for member in locked.filter(pk__in=[m.pk for m in members]).order_by("pk"):
            _require(
                member.branch_id in eligible,
                f"{member.name}不在本党组织直属党支部（含直属党总支下的党支部）中。",
                "members",
            )
            _require(
                member.state == MemberState.NORMAL,
                f"{member.name}当前状态为“{member.get_state_display()}”，不能发起转接。",
                "members",
            )
            _revoke_own_drafts(member, actor)
            transfer = Transfer(
                type=transfer_type,
                member=member,
                member_name=member.name,
                id_number=member.id_number,
                source_branch=member.branch,
                source_path=member.branch_path,
                source_name=member.branch.name,
                initiator=actor.org,
                initiator_path=actor.org.path,
                initiated_by=actor.user,
                target=target,
                target_name=target_name,
                out_of_system=out_of_system,
                dues_paid_through=letter.dues_paid_through,
                validity_days=letter.validity_days,
                member_phone=check_phone(letter.member_phone, field="member_phone", required=False)
                or member.phone,
                letter_remarks=letter.remarks.strip(),
                created_at=_now(),
            )
            try:
                with transaction.atomic():
                    transfer.save()
            except IntegrityError:
                raise TransferError(
                    f"{member.name}已有未办结的组织关系转接。", field="members"
                ) from None
            _create_steps(transfer, start=actor.org, start_order=0, include_start=True)
            transfer.save(update_fields=["receiver", "receiver_path"])
            record(transfer, actor, EventAction.DRAFT, "", data={"target": target_name})
            drafts.append(transfer)
    return drafts


def _revoke_own_drafts(member: Member, actor: Actor) -> None:
    """A new application for a member replaces this organisation's unlaunched one."""
    for old in Transfer.objects.select_for_update().filter(
        member=member, initiator=actor.org, state=TransferState.DRAFT
    ):
        old.state = TransferState.REVOKED
        old.finished_at = _now()
        _save(old, "state", "finished_at")
        old.steps.update(state=StepState.CANCELLED)
        record(old, actor, EventAction.REVOKE, TransferState.DRAFT, opinion="被新的转出申请替代")


_MEMBER_LOCKED = Compiled(lambda pk: Member.objects.select_for_update().filter(pk=pk))


def launch(
    *, actor: Actor, transfer: Transfer, confirmed: bool, expected_version: int | None = None
) -> Transfer:
    """确认发起: the letter is issued and the first approver's step becomes pending."""
    with transaction.atomic():
        # The member's row first, then the transfer's: 转出申请 locks them in that order (it
        # replaces the member's drafts), and the opposite order deadlocks against it. A draft's
        # member never changes, so the screen's copy of the transfer names it.
        if isinstance(transfer, Transfer):
            member_id = transfer.member_id
        else:
            member_ids = Transfer.objects.filter(pk=transfer).values_list("member_id", flat=True)
            member_id = member_ids.first()
        member = None
        if member_id is not None:
            [member] = _MEMBER_LOCKED.all(pk=member_id)
        # The initiator's row too: it numbers the letter issued below (``_issue_letter``).
        transfer = lock(transfer, related=("initiator", "target"), also=("initiator",))
        _check_version(transfer, expected_version)
        rules.require(transfer, actor.org, Action.LAUNCH)
        tree = Ancestry(transfer.initiator, transfer.target)
        if transfer.type != TransferType.INBOUND:
            _require(confirmed, f"请勾选“{CONFIRM_LAUNCH}”。", "confirmed")
            _require(
                member.state == MemberState.NORMAL
                and member.branch_id == transfer.source_branch_id,
                f"{member.name}的组织关系已发生变化，请重新填写转出申请。",
            )
            check_target(
                initiator=transfer.initiator,
                transfer_type=transfer.type,
                target=transfer.target,
                out_of_system=transfer.out_of_system,
                target_name=transfer.target_name,
                tree=tree,
            )
            member.state = MemberState.IN_TRANSFER
            writes.update(member, ["state", "updated_at"])
            transfer.member = member  # for the letter
        else:
            _check_inbound_id_free(transfer.id_number)
        now = _now()
        first = _start_round(transfer, actor, now, tree, draft=True)
        transfer.state = TransferState.IN_PROGRESS
        transfer.launched_at = now
        _issue_letter(transfer, now=now, first=True)
        _save(transfer, "state", "launched_at", "receiver", "receiver_path", "letter_expires_on")
        record(transfer, actor, EventAction.LAUNCH, TransferState.DRAFT, step=first)
    return transfer


def _start_round(
    transfer: Transfer, actor: Actor, now: dt.datetime, tree: Ancestry, *, draft: bool
) -> TransferStep:
    """Plan the current round's path again (the tree may have changed since the draft), with
    the initiator's step launched and the next one pending; return the initiator's step.

    ``draft``: the round has the draft's waiting steps, replaced by the new plan (kept as they
    are where it did not change); otherwise the round is new and has none.
    """
    old = _round_steps(transfer) if draft else []
    waiting = [s for s in old if s.state == StepState.WAITING]
    kept = [s for s in old if s.state != StepState.WAITING]
    rows = _plan_steps(
        transfer,
        start=transfer.initiator,
        start_order=kept[-1].order + 1 if kept else 0,
        include_start=True,
        tree=tree,
    )

    def key(step: TransferStep) -> tuple:
        return step.order, step.org_id, step.org_path, step.role, step.direction

    if waiting and [key(s) for s in waiting] == [key(r) for r in rows]:
        for step, row in zip(waiting, rows, strict=True):
            step.org = row.org  # the same organisation, already read
        rows = waiting
    elif waiting:
        transfer.steps.filter(pk__in=[s.pk for s in waiting]).delete()
        waiting = []
    _act(rows[0], actor, StepState.LAUNCHED, now, save=False)
    _activate(rows[1], now, save=False)
    if waiting:
        writes.update_rows(
            rows[:2], ["state", "actor", "acted_at", "opinion", "pending_since", "due_at"]
        )
    else:
        writes.insert(rows)
    transfer.pending_steps = [rows[1]]  # where it went, for the screen
    return rows[0]


def relaunch(
    *,
    actor: Actor,
    transfer: Transfer,
    confirmed: bool,
    transfer_type: str | None = None,
    target: Organisation | None = None,
    target_name: str | None = None,
    out_of_system: bool | None = None,
    letter: LetterInput | None = None,
    expected_version: int | None = None,
) -> Transfer:
    """重新发起 after a return: the initiator may correct the application; a new round starts."""
    with atomic_for(transfer):
        transfer = lock(transfer, related=("initiator",))
        _check_version(transfer, expected_version)
        rules.require(transfer, actor.org, Action.RELAUNCH)
        # A returned 跨省（系统）转入 is checked against the paper letter again, like any other.
        _require(confirmed, f"请勾选“{CONFIRM_LAUNCH}”。", "confirmed")
        if transfer_type is not None:
            transfer.type = transfer_type
        if out_of_system is not None:
            transfer.out_of_system = out_of_system
        if target is not None or target_name is not None:
            transfer.target, transfer.target_name, transfer.out_of_system = _destination(
                transfer.type, target, target_name or "", transfer.out_of_system
            )
        elif transfer.type == TransferType.NATIONAL:
            transfer.out_of_system = True
        tree = Ancestry(transfer.initiator, transfer.target)
        if transfer.type == TransferType.INBOUND:
            _check_inbound_target(transfer.initiator, transfer.target)
            _check_inbound_id_free(transfer.id_number)
        else:
            check_target(
                initiator=transfer.initiator,
                transfer_type=transfer.type,
                target=transfer.target,
                out_of_system=transfer.out_of_system,
                target_name=transfer.target_name,
                tree=tree,
            )
        if letter is not None:
            _check_letter(letter)
            transfer.dues_paid_through = letter.dues_paid_through
            transfer.validity_days = letter.validity_days
            transfer.member_phone = check_phone(
                letter.member_phone, field="member_phone", required=False
            )
            transfer.letter_remarks = letter.remarks.strip()
        if transfer.member_id:
            member = Member.objects.select_for_update().get(pk=transfer.member_id)
            if transfer.type != TransferType.INBOUND:
                _require(
                    member.branch_id == transfer.source_branch_id,
                    f"{member.name}的组织关系已发生变化，不能重新发起。",
                )
            transfer.member = member  # for the letter
        now = _now()
        transfer.round += 1
        first = _start_round(transfer, actor, now, tree, draft=False)
        transfer.state = TransferState.IN_PROGRESS
        transfer.return_reason = ""
        _issue_letter(transfer, now=now)
        _save(
            transfer,
            "type",
            "target",
            "target_name",
            "out_of_system",
            "dues_paid_through",
            "validity_days",
            "member_phone",
            "letter_remarks",
            "round",
            "receiver",
            "receiver_path",
            "state",
            "return_reason",
            "letter_expires_on",
        )
        record(transfer, actor, EventAction.RELAUNCH, TransferState.RETURNED, step=first)
    return transfer

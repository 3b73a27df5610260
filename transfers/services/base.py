"""What every action shares: who acts, locking, the event record, steps and letters."""

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Substr
from django.utils import timezone

from members.idcard import PHONE_RE
from members.models import Member, MemberState
from members.text import clean_text
from ops import writes
from ops.compiled import Compiled
from orgs.models import Level, Organisation
from orgs.tree import Ancestry
from transfers import rules
from transfers.errors import TransferError
from transfers.locking import holds_lock
from transfers.models import (
    UNFINISHED_STATES,
    EventAction,
    StepRole,
    StepState,
    Transfer,
    TransferEvent,
    TransferStep,
    TransferType,
    events_recorded,
)
from transfers.paths import plan_path

MAX_TEXT = 500
NAME_TEXT = Transfer._meta.get_field("target_name").max_length  # 200, as source_name
CONFIRM_LAUNCH = "已核实党员信息同本人和档案资料等一致"
CONFIRM_CHECKED = "已审核过党员基本信息，确保党员数据真实准确"
CONFIRM_REPORTED = "已确认该名党员已到基层党委报到并编入一个党支部"


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, acting for the logged-in organisation."""

    user: AbstractBaseUser
    org: Organisation

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


@dataclass(frozen=True)
class LetterInput:
    """What the initiator fills in on the 电子介绍信."""

    dues_paid_through: dt.date
    validity_days: int = 90
    member_phone: str = ""
    remarks: str = ""


# -- helpers ----------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return timezone.now()


def _require(condition: bool, message: str, field: str | None = None) -> None:
    if not condition:
        raise TransferError(message, field=field)


def _text(
    value: str, *, field: str, label: str, required: bool = False, max_length: int = MAX_TEXT
) -> str:
    value = clean_text(value, multiline=True)
    if required and not value:
        raise TransferError(f"请填写{label}。", field=field)
    if len(value) > max_length:
        raise TransferError(f"{label}不能超过{max_length}个字（现有{len(value)}个）。", field=field)
    return value


def check_phone(value: str, *, field: str, label: str = "联系电话", required: bool = True) -> str:
    value = (value or "").strip().replace(" ", "")
    if not value and not required:
        return ""
    if not PHONE_RE.match(value):
        raise TransferError(
            f"{label}格式不正确：请填写11位手机号或带区号的固定电话（如0771-5501234）。",
            field=field,
        )
    return value


def _destination(
    transfer_type: str, target: Organisation | None, target_name: str, out_of_system: bool
) -> tuple[Organisation | None, str, bool]:
    """Where a transfer goes: an organisation of the tree (its name is the target name), or a
    typed name out of the system (全国直接转接 always is)."""
    out_of_system = out_of_system or transfer_type == TransferType.NATIONAL
    if out_of_system:
        target = None
    else:
        target_name = target.name if target else ""
    target_name = _text(
        target_name, field="target_name", label="目的地党组织名称", max_length=NAME_TEXT
    )
    return target, target_name, out_of_system


def _check_letter(letter: LetterInput) -> None:
    _require(
        1 <= letter.validity_days <= 90,
        "介绍信有效期应为1至90天（最长3个月）。",
        "validity_days",
    )
    today = timezone.localdate()
    _require(
        dt.date(1950, 1, 1) <= letter.dues_paid_through <= today + dt.timedelta(days=366),
        "党费交至月份不合理（不能早于1950年，也不能晚于明年本月）。",
        "dues_paid_through",
    )
    check_phone(letter.member_phone, field="member_phone", label="党员联系电话", required=False)
    _text(letter.remarks, field="letter_remarks", label="介绍信备注")


def lock(
    transfer: Transfer | int, related: tuple[str, ...] = (), *, also: tuple[str, ...] = ()
) -> Transfer:
    """The transfer's row, locked until the transaction ends, with ``related`` joined (and the
    rows of those in ``also`` locked too). A transfer the screen already read with its lock in
    this same transaction (``selectors.visible_transfer(..., lock=True)``) is taken as it is:
    reading it again would cost a query and change nothing."""
    if isinstance(transfer, Transfer) and holds_lock(transfer):
        return transfer
    pk = transfer.pk if isinstance(transfer, Transfer) else transfer
    statement = _LOCKS.get((related, also))
    if statement is None:

        def build(pk):
            qs = Transfer.objects.select_for_update(of=("self", *also)).filter(pk=pk)
            return (qs.select_related(*related) if related else qs)[:1]

        statement = _LOCKS[related, also] = Compiled(build)
    locked = statement.first(pk=pk)
    if locked is None:
        raise Transfer.DoesNotExist(f"Transfer {pk} does not exist.")
    return locked


_LOCKS: dict[tuple[tuple[str, ...], tuple[str, ...]], Compiled] = {}  # lock()'s, by joins


def atomic_for(transfer: Transfer | int) -> transaction.Atomic:
    """An action's transaction: its own (a savepoint inside another), or, when its caller holds
    ``transfer``'s row lock (an action's screen: ``selectors.visible_transfer(..., lock=True)``),
    the caller's, without a savepoint. A refusal then rolls back the whole of it, which had only
    read the row; a savepoint would cost two more statements on every action."""
    owned = isinstance(transfer, Transfer) and holds_lock(transfer)
    return transaction.atomic(savepoint=not owned)


def _check_version(transfer: Transfer, expected_version: int | None) -> None:
    if expected_version is not None and transfer.version != expected_version:
        raise rules.stale(transfer)


def _save(transfer: Transfer, *fields: str) -> None:
    """Write ``fields`` of the transfer with its next version. Every change of its state is
    written here: one that finishes it clears ``transfer_open`` on its steps (已办工作)."""
    transfer.version += 1
    writes.update(transfer, [*fields, "version"])
    if "state" in fields and transfer.state not in UNFINISHED_STATES:
        writes.update_where(
            TransferStep, {"transfer_id": transfer.pk, "transfer_open": True}, transfer_open=False
        )


def event(
    transfer: Transfer,
    actor: Actor,
    action: EventAction,
    before: str,
    *,
    org: Organisation | None = None,
    step: TransferStep | None = None,
    opinion: str = "",
    data: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    after: str | None = None,
) -> TransferEvent:
    """An event of ``transfer``, not yet written: ``record`` writes one, ``record_all`` several.
    Its state after is the transfer's state now unless ``after`` says otherwise."""
    return TransferEvent(
        transfer=transfer,
        step=step,
        action=action,
        actor=actor.user,
        actor_name=actor.name[:150],
        org=org or actor.org,
        at=at or _now(),
        opinion=opinion,
        state_before=before,
        state_after=after or transfer.state,
        data=data or {},
    )


def record(
    transfer: Transfer, actor: Actor, action: EventAction, before: str, **fields: Any
) -> TransferEvent:
    """Write one event (the fields of ``event``); the audit trail's row follows it."""
    written = event(transfer, actor, action, before, **fields)
    record_all([written])
    return written


def record_all(events: list[TransferEvent]) -> None:
    """Write ``events`` in one INSERT, their ids in this order; the audit trail writes its rows
    for them in one more (``events_recorded``)."""
    writes.insert(events)
    events_recorded.send(sender=TransferEvent, events=events)


def _activate(step: TransferStep, now: dt.datetime, *, save: bool = True) -> None:
    """The step becomes pending (``save=False``: the caller writes it, with other rows in one
    statement)."""
    step.state = StepState.PENDING
    step.pending_since = now
    step.due_at = now + dt.timedelta(days=settings.SUPERVISION_OVERDUE_DAYS)
    if save:
        writes.update(step, ["state", "pending_since", "due_at"])


def _act(
    step: TransferStep,
    actor: Actor,
    state: StepState,
    now: dt.datetime,
    opinion="",
    *,
    save: bool = True,
) -> None:
    """This node's decision on its step (``save=False``: as for ``_activate``)."""
    step.state = state
    step.actor = actor.user
    step.acted_at = now
    step.opinion = opinion
    if save:
        writes.update(step, ["state", "actor", "acted_at", "opinion"])


_OPEN_STEPS = Compiled(
    lambda pk, round: (
        TransferStep.objects.filter(
            transfer_id=pk, round=round, state__in=[StepState.PENDING, StepState.WAITING]
        )
        .select_related("org")
        .order_by("order")
    )
)


def _open_steps(transfer: Transfer) -> tuple[TransferStep | None, TransferStep | None]:
    """The pending step and the waiting one after it, in one query (the next's organisation
    joined, for the sentence saying where the transfer goes)."""
    rows = _OPEN_STEPS.all(pk=transfer.pk, round=transfer.round, known={"transfer": transfer})
    pending = next((s for s in rows if s.state == StepState.PENDING), None)
    after = pending.order if pending else -1
    waiting = next((s for s in rows if s.state == StepState.WAITING and s.order > after), None)
    return pending, waiting


_ROUND_STEPS = Compiled(
    lambda pk, round: (
        TransferStep.objects.filter(transfer_id=pk, round=round)
        .select_related("org")
        .order_by("order")
    )
)


def _round_steps(transfer: Transfer) -> list[TransferStep]:
    """The steps of the current round in path order, their organisations joined (one query)."""
    return _ROUND_STEPS.all(pk=transfer.pk, round=transfer.round, known={"transfer": transfer})


def _pending(steps: list[TransferStep]) -> TransferStep | None:
    return next((s for s in steps if s.state == StepState.PENDING), None)


def _next_step(transfer: Transfer, after: TransferStep) -> TransferStep | None:
    return (
        transfer.steps.filter(round=transfer.round, order__gt=after.order, state=StepState.WAITING)
        .order_by("order")
        .first()
    )


def _plan_steps(
    transfer: Transfer,
    *,
    start: Organisation,
    start_order: int,
    include_start: bool,
    tree: Ancestry | None = None,
) -> list[TransferStep]:
    """The planned path of ``transfer`` from ``start`` as waiting steps, not yet written; the
    transfer's receiver is set to its end. ``tree``: see ``plan_path``."""
    plan = plan_path(
        start=start,
        target=transfer.target,
        out_of_system=transfer.out_of_system,
        source_path=transfer.source_path,
        tree=tree,
    )
    transfer.receiver = plan.end
    transfer.receiver_path = plan.end.path
    rows = []
    order = start_order
    if include_start:
        rows.append(
            TransferStep(
                transfer=transfer,
                round=transfer.round,
                order=order,
                org=start,
                org_path=start.path,
                role=StepRole.INITIATE,
                direction="out" if transfer.source_path else "in",
            )
        )
        order += 1
    for planned in plan.steps:
        rows.append(
            TransferStep(
                transfer=transfer,
                round=transfer.round,
                order=order,
                org=planned.org,
                org_path=planned.org.path,
                role=planned.role,
                direction=planned.direction,
            )
        )
        order += 1
    return rows


def _create_steps(
    transfer: Transfer, *, start: Organisation, start_order: int, include_start: bool
) -> list[TransferStep]:
    """Write the planned path of ``transfer`` from ``start`` as waiting steps."""
    rows = _plan_steps(transfer, start=start, start_order=start_order, include_start=include_start)
    return writes.insert(rows)


def direct_branch_ids(org: Organisation) -> set[int]:
    """党支部 whose members ``org`` may send: its direct branches and those of its direct 总支."""
    children = Organisation.objects.filter(
        path__startswith=org.path, depth__in=[org.depth + 1, org.depth + 2]
    ).only("id", "path", "depth", "level")
    children = list(children)
    general = {c.path for c in children if c.depth == org.depth + 1 and c.level == "general_branch"}
    return {
        c.pk
        for c in children
        if c.level == Level.BRANCH
        and (c.depth == org.depth + 1 or c.path[: -Organisation.steplen] in general)
    }


def direct_branches(org: Organisation):
    """The branches ``org`` places members in (接收, 支部间转接), in tree order: those of
    ``direct_branch_ids``, as one query run when it is read."""
    return _direct_branches(**_below(org))


def direct_branch(org: Organisation, pk: int) -> Organisation | None:
    """The one of ``direct_branches(org)`` with this id, or None: the same query for one id,
    compiled once (接收's form checks the branch chosen with it)."""
    return _DIRECT_BRANCH.first(pk=pk, **_below(org))


def _below(org: Organisation) -> dict:
    return {
        "path": org.path,
        "child": org.depth + 1,
        "grandchild": org.depth + 2,
        "parent_length": len(org.path) + Organisation.steplen,
    }


def _direct_branches(*, path: str, child: int, grandchild: int, parent_length: int):
    parent_path = Substr(OuterRef("path"), 1, parent_length)
    under_general = Organisation.objects.filter(path=parent_path, level=Level.GENERAL_BRANCH)
    return (
        Organisation.objects.filter(path__startswith=path, level=Level.BRANCH)
        .filter(Q(depth=child) | Q(depth=grandchild) & Exists(under_general))
        .order_by("path")
    )


_DIRECT_BRANCH = Compiled(lambda pk, **below: _direct_branches(**below).filter(pk=pk), keyed=True)


def transferable_members(org: Organisation):
    """The members 转出申请 lists: those of ``org``'s direct branches and direct 总支's branches."""
    return Member.objects.filter(
        branch_id__in=direct_branch_ids(org), state=MemberState.NORMAL
    ).select_related("branch")

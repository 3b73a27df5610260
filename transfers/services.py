"""The transfer workflow: one function per action of DESIGN.md §4.

Each action runs in one transaction, locks the transfer row (``select_for_update``), checks the
state and that it is the acting organisation's turn, changes what it changes, and appends a
``TransferEvent``. A forbidden move raises ``TransferError`` with a message for the user.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from members.idcard import PHONE_RE, age_on, birth_date_of, normalize_id_number
from members.models import Gender, Member, MemberState, PartyStatus
from orgs.models import Level, Organisation
from orgs.tree import nearest_committee
from transfers import exchange
from transfers.errors import StaleTransfer, TransferError
from transfers.models import (
    EventAction,
    ExchangePackage,
    Letter,
    StepRole,
    StepState,
    Transfer,
    TransferEvent,
    TransferState,
    TransferStep,
    TransferType,
)
from transfers.paths import can_initiate, check_target, plan_path

MAX_TEXT = 500
NAME_TEXT = Transfer._meta.get_field("target_name").max_length  # 200, as source_name
CONFIRM_LAUNCH = "已核实党员信息同本人和档案资料等一致"
CONFIRM_CHECKED = "已审核过党员基本信息，确保党员数据真实准确"
CONFIRM_REPORTED = "已确认该名党员已到基层党委报到并编入一个党支部"
VERIFICATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


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
    value = (value or "").strip()
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


def _lock(transfer: Transfer | int) -> Transfer:
    pk = transfer.pk if isinstance(transfer, Transfer) else transfer
    return Transfer.objects.select_for_update().get(pk=pk)


def _check_version(transfer: Transfer, expected_version: int | None) -> None:
    if expected_version is not None and transfer.version != expected_version:
        raise StaleTransfer(
            f"该转接已由其他人办理，当前状态为“{transfer.get_state_display()}”，请刷新页面后再操作。"
        )


def _save(transfer: Transfer, *fields: str) -> None:
    transfer.version += 1
    transfer.save(update_fields=[*fields, "version"])


def _record(
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
) -> TransferEvent:
    return TransferEvent.objects.create(
        transfer=transfer,
        step=step,
        action=action,
        actor=actor.user,
        actor_name=actor.name[:150],
        org=org or actor.org,
        at=at or _now(),
        opinion=opinion,
        state_before=before,
        state_after=transfer.state,
        data=data or {},
    )


def _pending_step(transfer: Transfer, actor: Actor, *roles: StepRole) -> TransferStep:
    """The step it is ``actor.org``'s turn to act on, or a TransferError saying why not."""
    if transfer.state != TransferState.IN_PROGRESS:
        raise StaleTransfer(f"该转接当前状态为“{transfer.get_state_display()}”，不能办理此操作。")
    step = transfer.steps.filter(state=StepState.PENDING).select_related("org").first()
    if step is None or step.org_id != actor.org.pk:
        raise StaleTransfer("当前不是本党组织的办理环节，该转接可能已由其他党组织办理。")
    if roles and step.role not in roles:
        raise TransferError(f"本节点的职责是“{step.get_role_display()}”，不能办理此操作。")
    return step


def _activate(step: TransferStep, now: dt.datetime) -> None:
    step.state = StepState.PENDING
    step.pending_since = now
    step.due_at = now + dt.timedelta(days=settings.SUPERVISION_OVERDUE_DAYS)
    step.save(update_fields=["state", "pending_since", "due_at"])


def _act(step: TransferStep, actor: Actor, state: StepState, now: dt.datetime, opinion=""):
    step.state = state
    step.actor = actor.user
    step.acted_at = now
    step.opinion = opinion
    step.save(update_fields=["state", "actor", "acted_at", "opinion"])


def _next_step(transfer: Transfer, after: TransferStep) -> TransferStep | None:
    return (
        transfer.steps.filter(round=transfer.round, order__gt=after.order, state=StepState.WAITING)
        .order_by("order")
        .first()
    )


def _create_steps(
    transfer: Transfer, *, start: Organisation, start_order: int, include_start: bool
) -> list[TransferStep]:
    """Write the planned path of ``transfer`` from ``start`` as waiting steps."""
    plan = plan_path(
        start=start,
        target=transfer.target,
        out_of_system=transfer.out_of_system,
        source_path=transfer.source_path,
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
    return TransferStep.objects.bulk_create(rows)


def _issue_letter(transfer: Transfer, *, now: dt.datetime) -> Letter:
    """Issue the 电子介绍信 (version 1), or a new version with the same serial number."""
    previous = transfer.letters.filter(is_current=True).first()
    issuer = transfer.initiator
    today = timezone.localdate(now)
    if previous:
        year, sequence, version = previous.year, previous.sequence, previous.version + 1
        serial = previous.serial_number
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    else:
        # The issuer's row is the lock that numbers its letters one after another.
        Organisation.objects.select_for_update().filter(pk=issuer.pk).first()
        year, version = today.year, 1
        last = Letter.objects.filter(issuer=issuer, year=year).aggregate(m=Max("sequence"))["m"]
        sequence = (last or 0) + 1
        serial = f"{issuer.code}-{year}-{sequence:05d}"
    member = _member_facts(transfer)
    return Letter.objects.create(
        transfer=transfer,
        issuer=issuer,
        year=year,
        sequence=sequence,
        version=version,
        serial_number=serial,
        is_current=True,
        verification_code="".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(12)),
        addressee=transfer.receiver.name if not transfer.out_of_system else transfer.target_name,
        member_name=member["name"],
        gender=member["gender"],
        age=age_on(member["id_number"], today),
        ethnicity=member["ethnicity"],
        party_status=member["party_status"],
        id_number=member["id_number"],
        from_org_name=transfer.source_name,
        to_org_name=transfer.target_name,
        dues_paid_through=transfer.dues_paid_through,
        validity_days=transfer.validity_days,
        member_phone=transfer.member_phone,
        sender_address=issuer.address,
        sender_phone=issuer.phone,
        sender_fax=issuer.fax,
        sender_postcode=issuer.postcode,
        seal_org_name=issuer.name,
        issued_on=today,
        expires_on=today + dt.timedelta(days=transfer.validity_days),
        remarks=transfer.letter_remarks,
        created_at=now,
    )


def _member_facts(transfer: Transfer) -> dict[str, Any]:
    if transfer.member_id:
        m = transfer.member
        return {
            "name": m.name,
            "gender": m.gender,
            "ethnicity": m.ethnicity,
            "party_status": m.party_status,
            "id_number": m.id_number,
        }
    return transfer.inbound_member


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
    """The branches ``org`` places members in (接收, 支部间转接), in tree order."""
    return Organisation.objects.filter(pk__in=direct_branch_ids(org)).order_by("path")


def transferable_members(org: Organisation):
    """The members 转出申请 lists: those of ``org``'s direct branches and direct 总支's branches."""
    return Member.objects.filter(
        branch_id__in=direct_branch_ids(org), state=MemberState.NORMAL
    ).select_related("branch")


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
            _record(transfer, actor, EventAction.DRAFT, "", data={"target": target_name})
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
        _record(old, actor, EventAction.REVOKE, TransferState.DRAFT, opinion="被新的转出申请替代")


def launch(
    *, actor: Actor, transfer: Transfer, confirmed: bool, expected_version: int | None = None
) -> Transfer:
    """确认发起: the letter is issued and the first approver's step becomes pending."""
    with transaction.atomic():
        # The member's row first, then the transfer's: 转出申请 locks them in that order (it
        # replaces the member's drafts), and the opposite order deadlocks against it.
        pk = transfer.pk if isinstance(transfer, Transfer) else transfer
        member_id = Transfer.objects.filter(pk=pk).values_list("member_id", flat=True).first()
        if member_id is not None:
            Member.objects.select_for_update().filter(pk=member_id).first()
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        _require(
            transfer.state == TransferState.DRAFT,
            "该转接已发起，不能重复发起。"
            if transfer.state != TransferState.REVOKED
            else "该申请已撤销，不能发起。",
        )
        _require(transfer.initiator_id == actor.org.pk, "只有发起党组织可以确认发起。")
        if transfer.type != TransferType.INBOUND:
            _require(confirmed, f"请勾选“{CONFIRM_LAUNCH}”。", "confirmed")
            member = Member.objects.select_for_update().get(pk=transfer.member_id)
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
            )
            member.state = MemberState.IN_TRANSFER
            member.save(update_fields=["state", "updated_at"])
        else:
            _check_inbound_id_free(transfer.id_number)
        now = _now()
        first = _start_round(transfer, actor, now)
        transfer.state = TransferState.IN_PROGRESS
        transfer.launched_at = now
        _save(transfer, "state", "launched_at", "receiver", "receiver_path")
        _issue_letter(transfer, now=now)
        _record(transfer, actor, EventAction.LAUNCH, TransferState.DRAFT, step=first)
    return transfer


def _start_round(transfer: Transfer, actor: Actor, now: dt.datetime) -> TransferStep:
    """Regenerate the current round's path (the tree may have changed since the draft), mark the
    initiator's step launched and the next one pending; return the initiator's step."""
    transfer.steps.filter(round=transfer.round, state=StepState.WAITING).delete()
    start_order = (
        transfer.steps.filter(round=transfer.round).aggregate(m=Max("order"))["m"] or -1
    ) + 1
    steps = _create_steps(
        transfer, start=transfer.initiator, start_order=start_order, include_start=True
    )
    _act(steps[0], actor, StepState.LAUNCHED, now)
    _activate(steps[1], now)
    return steps[0]


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
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        step = _pending_step(transfer, actor, StepRole.APPROVE)
        _require(confirmed, f"请勾选“{CONFIRM_CHECKED}”。", "confirmed")
        now = _now()
        _act(step, actor, StepState.APPROVED, now, opinion)
        _activate(_next_step(transfer, step), now)
        _save(transfer)
        _record(transfer, actor, EventAction.APPROVE, transfer.state, step=step, opinion=opinion)
    return transfer


def reject(
    *, actor: Actor, transfer: Transfer, reason: str, expected_version: int | None = None
) -> Transfer:
    """不同意: returned along the path, node by node, to the initiating organisation."""
    reason = _text(reason, field="reason", label="不同意的理由", required=True)
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        step = _pending_step(transfer, actor)
        now = _now()
        _act(step, actor, StepState.REJECTED, now, reason)
        _record(transfer, actor, EventAction.REJECT, transfer.state, step=step, opinion=reason)
        _return_to_initiator(transfer, actor, step, reason, now, TransferState.IN_PROGRESS)
    return transfer


def _return_to_initiator(
    transfer: Transfer,
    actor: Actor,
    from_step: TransferStep,
    reason: str,
    now: dt.datetime,
    before: str,
) -> None:
    """逐级退回: every earlier node of this round records the return, ending at the initiator."""
    transfer.steps.filter(round=transfer.round, state=StepState.WAITING).update(
        state=StepState.CANCELLED
    )
    earlier = list(
        transfer.steps.filter(
            round=transfer.round,
            order__lt=from_step.order,
            state__in=[StepState.APPROVED, StepState.CHANGED, StepState.LAUNCHED],
        )
        .select_related("org")
        .order_by("-order")
    )
    transfer.state = TransferState.RETURNED
    transfer.return_reason = reason
    _save(transfer, "state", "return_reason")
    for i, step in enumerate(earlier):
        step.state = StepState.RETURNED
        step.save(update_fields=["state"])
        last = i == len(earlier) - 1
        TransferEvent.objects.create(
            transfer=transfer,
            step=step,
            action=EventAction.RETURN_STEP,
            actor=actor.user,
            actor_name=actor.name[:150],
            org=step.org,
            at=now,
            opinion=reason,
            state_before=before,
            state_after=TransferState.RETURNED if last else before,
            data={"returned_by": actor.org.name},
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
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        step = _pending_step(transfer, actor)
        new_type = transfer_type or transfer.type
        target, target_name, out_of_system = _destination(
            new_type, target, target_name, out_of_system
        )
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
            )
        old = {"type": transfer.type, "target": transfer.target_name}
        if target is not None and target == transfer.target:
            raise TransferError("新的目的地党组织与原目的地相同。", field="target")
        now = _now()
        _act(step, actor, StepState.CHANGED, now, opinion or f"目的地更改为{target_name}")
        transfer.steps.filter(round=transfer.round, state=StepState.WAITING).update(
            state=StepState.SUPERSEDED
        )
        transfer.type = new_type
        transfer.target = target
        transfer.target_name = target_name
        transfer.out_of_system = out_of_system
        after_last = transfer.steps.filter(round=transfer.round).aggregate(m=Max("order"))["m"] + 1
        new_steps = _create_steps(
            transfer, start=actor.org, start_order=after_last, include_start=False
        )
        # When this node itself is the new receiver, it acts again, now as receiver.
        _activate(new_steps[0], now)
        _save(
            transfer,
            "type",
            "target",
            "target_name",
            "out_of_system",
            "receiver",
            "receiver_path",
        )
        _issue_letter(transfer, now=now)
        _record(
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
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        step = _pending_step(transfer, actor, StepRole.RECEIVE)
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
            branch.level == Level.BRANCH
            and branch.is_active
            and nearest_committee(branch, include_self=False) == actor.org,
            "转入支部须为本党委所属的党支部。",
            "branch",
        )
        _require(confirmed_reported, f"请勾选“{CONFIRM_REPORTED}”。", "confirmed_reported")
        _require(confirmed_checked, f"请勾选“{CONFIRM_CHECKED}”。", "confirmed_checked")
        now = _now()
        member = _place_member(transfer, branch)
        _act(step, actor, StepState.RECEIVED, now, remarks)
        transfer.member = member
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
        transfer.letters.filter(is_current=True).update(
            receipt_org_name=actor.org.name,
            receipt_on=received_on,
            receipt_handler=actor.name,
            receipt_handler_phone=handler_phone,
            receipt_is_paper=False,
        )
        _record(
            transfer,
            actor,
            EventAction.RECEIVE,
            TransferState.IN_PROGRESS,
            step=step,
            opinion=remarks,
            data={"branch": branch.name, "received_on": received_on.isoformat()},
        )
    return transfer


def _place_member(transfer: Transfer, branch: Organisation) -> Member:
    if transfer.type != TransferType.INBOUND or transfer.member_id:
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        member.branch = branch
        member.state = MemberState.AWAITING_REPORT
        try:
            # An inbound member sent back left the system; the person may be active again.
            with transaction.atomic():
                member.save(update_fields=["branch", "state", "updated_at"])
        except IntegrityError:
            raise TransferError("该身份证号的党员已在本系统中，不能重复转入。") from None
        return member
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
    return member


def conclude(
    *, actor: Actor, transfer: Transfer, confirmed: bool, expected_version: int | None = None
) -> Transfer:
    """办结: the member leaves the system on the paper letter."""
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        step = _pending_step(transfer, actor, StepRole.CONCLUDE)
        _require(confirmed, "请确认在本党组织办结该组织关系转接。", "confirmed")
        now = _now()
        _act(step, actor, StepState.CONCLUDED, now)
        Member.objects.filter(pk=transfer.member_id).update(
            state=MemberState.OUT_OF_SYSTEM, updated_at=now
        )
        transfer.state = TransferState.CONCLUDED
        transfer.finished_at = now
        _save(transfer, "state", "finished_at")
        _record(transfer, actor, EventAction.CONCLUDE, TransferState.IN_PROGRESS, step=step)
        if transfer.out_of_system:
            # 业务交换区: the receiving system imports the member from this package.
            package = exchange.publish(transfer, now=now)
            _record(
                transfer,
                actor,
                EventAction.PUBLISH,
                TransferState.CONCLUDED,
                data={"package": str(package.package_id)},
                at=now,
            )
    return transfer


# -- 撤销, 报到, 退回, 找回, 重新发起 ------------------------------------------------------


def revoke(*, actor: Actor, transfer: Transfer, expected_version: int | None = None) -> Transfer:
    """撤销: the initiating organisation withdraws an unfinished transfer (irreversible)."""
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        _require(transfer.initiator_id == actor.org.pk, "只有发起党组织可以撤销该转接。")
        if transfer.state == TransferState.RECEIVED:
            raise TransferError(
                "该党员已被接收，不能撤销；如需退回，请由接收党委在“未报到”中办理退回。"
            )
        _require(
            transfer.state
            in (TransferState.DRAFT, TransferState.IN_PROGRESS, TransferState.RETURNED),
            f"该转接已{transfer.get_state_display()}，不能撤销。",
        )
        before = transfer.state
        now = _now()
        transfer.steps.filter(state__in=[StepState.PENDING, StepState.WAITING]).update(
            state=StepState.CANCELLED
        )
        if transfer.member_id and before != TransferState.DRAFT:
            Member.objects.filter(pk=transfer.member_id, state=MemberState.IN_TRANSFER).update(
                state=MemberState.NORMAL, updated_at=now
            )
        transfer.state = TransferState.REVOKED
        transfer.finished_at = now
        _save(transfer, "state", "finished_at")
        if transfer.via_exchange:
            exchange.release(transfer)
        _record(transfer, actor, EventAction.REVOKE, before)
    return transfer


def report(*, actor: Actor, transfer: Transfer, expected_version: int | None = None) -> Transfer:
    """报到: the member has reported to the new branch; the transfer is complete."""
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        _require(
            transfer.state == TransferState.RECEIVED,
            f"该转接当前状态为“{transfer.get_state_display()}”，不能办理报到。",
        )
        _require(
            transfer.dest_path.startswith(actor.org.path),
            "只有转入支部或其上级党委可以办理报到。",
        )
        now = _now()
        Member.objects.filter(pk=transfer.member_id).update(
            state=MemberState.NORMAL, updated_at=now
        )
        transfer.state = TransferState.COMPLETED
        transfer.reported_at = now
        transfer.finished_at = now
        _save(transfer, "state", "reported_at", "finished_at")
        _record(transfer, actor, EventAction.REPORT, TransferState.RECEIVED)
    return transfer


def send_back(
    *, actor: Actor, transfer: Transfer, reason: str, expected_version: int | None = None
) -> Transfer:
    """退回 (from 未报到): committees only; the member returns to the source branch and the
    transfer to its initiator."""
    reason = _text(reason, field="reason", label="退回原因", required=True)
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        _require(actor.org.is_committee, "党支部只能办理报到，退回须由党委办理。")
        _require(
            transfer.state == TransferState.RECEIVED,
            f"该转接当前状态为“{transfer.get_state_display()}”，不能退回。",
        )
        _require(transfer.dest_path.startswith(actor.org.path), "只有接收方党委可以退回该党员。")
        now = _now()
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        if transfer.source_branch_id:
            member.branch = transfer.source_branch
            member.state = MemberState.IN_TRANSFER
        else:
            # Came from outside the system: the record leaves again with the return.
            member.state = MemberState.OUT_OF_SYSTEM
        member.save(update_fields=["branch", "state", "updated_at"])
        receive_step = transfer.steps.get(round=transfer.round, state=StepState.RECEIVED)
        receive_step.state = StepState.RETURNED
        receive_step.save(update_fields=["state"])
        transfer.dest_branch = None
        transfer.dest_path = ""
        # The 回执 no longer holds: the member did not stay.
        transfer.letters.filter(is_current=True).update(
            receipt_org_name="", receipt_on=None, receipt_handler="", receipt_handler_phone=""
        )
        _record(
            transfer,
            actor,
            EventAction.SEND_BACK,
            TransferState.RECEIVED,
            step=receive_step,
            opinion=reason,
        )
        # The walk back along the path ends the transfer at the initiator as RETURNED.
        _return_to_initiator(transfer, actor, receive_step, reason, now, TransferState.RECEIVED)
        transfer.save(update_fields=["dest_branch", "dest_path"])
    return transfer


def retrievable(*, actor: Actor, id_number: str) -> Transfer | None:
    """The concluded transfer that 找回 by ``id_number`` would undo, if ``actor`` may."""
    if not actor.org.is_committee:
        return None
    try:
        id_number = normalize_id_number(id_number)
    except Exception:
        return None
    return (
        Transfer.objects.filter(
            id_number=id_number,
            state=TransferState.CONCLUDED,
            source_path__startswith=actor.org.path,
            member__state=MemberState.OUT_OF_SYSTEM,
        )
        .select_related("member", "source_branch")
        .order_by("-finished_at")
        .first()
    )


def retrieve(*, actor: Actor, id_number: str) -> Transfer:
    """找回: a member wrongly concluded out of the system is restored to the source branch."""
    _require(actor.org.is_committee, "找回须由党员原所在党支部的上级党委办理。")
    try:
        id_number = normalize_id_number(id_number)
    except Exception as e:  # ValidationError: show its message next to the field
        raise TransferError(" ".join(getattr(e, "messages", [str(e)])), field="id_number") from e
    with transaction.atomic():
        found = retrievable(actor=actor, id_number=id_number)
        _require(
            found is not None,
            "未找到可找回的党员：仅能找回本党委所属党支部因误操作转出到系统外并已办结的党员。",
            "id_number",
        )
        transfer = _lock(found)
        _require(transfer.state == TransferState.CONCLUDED, "该党员已被找回。", "id_number")
        member = Member.objects.select_for_update().get(pk=transfer.member_id)
        _require(member.state == MemberState.OUT_OF_SYSTEM, "该党员已被找回。", "id_number")
        _require(transfer.source_branch.is_active, "原所在党支部已撤销，请先在系统管理中处理。")
        member.state = MemberState.NORMAL
        member.branch = transfer.source_branch
        try:
            with transaction.atomic():
                member.save(update_fields=["state", "branch", "updated_at"])
        except IntegrityError:
            raise TransferError(
                "该身份证号的党员已在系统中（可能已在别处转入），不能找回。", field="id_number"
            ) from None
        transfer.state = TransferState.RETRIEVED
        _save(transfer, "state")
        _record(transfer, actor, EventAction.RETRIEVE, TransferState.CONCLUDED)
    return transfer


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
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        _require(transfer.state == TransferState.RETURNED, "只有被退回的转接可以重新发起。")
        _require(transfer.initiator_id == actor.org.pk, "只有发起党组织可以重新发起。")
        if transfer.type != TransferType.INBOUND:
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
        now = _now()
        transfer.round += 1
        first = _start_round(transfer, actor, now)
        transfer.state = TransferState.IN_PROGRESS
        transfer.return_reason = ""
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
        )
        _issue_letter(transfer, now=now)
        _record(transfer, actor, EventAction.RELAUNCH, TransferState.RETURNED, step=first)
    return transfer


# -- 跨省（系统）转入 -----------------------------------------------------------------------------


@dataclass(frozen=True)
class InboundMember:
    """The member as typed from the paper letter (or taken from an exchange package)."""

    name: str
    gender: str
    ethnicity: str
    id_number: str
    party_status: str
    joined_on: dt.date
    full_member_on: dt.date | None = None
    phone: str = ""


def _check_inbound_id_free(id_number: str) -> None:
    if Member.objects.in_system().filter(id_number=id_number).exists():
        raise TransferError("该身份证号的党员已在本系统中，无需转入。", field="id_number")


def _check_inbound_target(initiator: Organisation, target: Organisation | None) -> None:
    _require(target is not None, "请选择目的地党组织。", "target")
    _require(
        target.is_in_subtree_of(initiator) and target.is_active,
        "跨省（系统）转入的目的地党组织须在本党组织范围内。",
        "target",
    )


def draft_inbound(
    *,
    actor: Actor,
    member: InboundMember,
    target: Organisation | None,
    origin_name: str,
    origin_letter_number: str = "",
    letter: LetterInput,
    package: ExchangePackage | None = None,
) -> Transfer:
    """跨省（系统）转入: a committee takes in a member arriving from outside the system.

    With ``package`` (通过业务交换区转入) the member comes from the exchange zone, and the
    package is used up by this transfer.
    """
    _require(can_initiate(actor.org), "只有具有县内转接权限的党委可以办理跨省（系统）转入。")
    name = _text(member.name, field="name", label="姓名", required=True)
    _require(len(name) <= 50, "姓名不能超过50个字。", "name")
    try:
        id_number = normalize_id_number(member.id_number)
    except Exception as e:
        raise TransferError(" ".join(getattr(e, "messages", [str(e)])), field="id_number") from e
    _require(member.gender in Gender.values, "请选择性别。", "gender")
    _require(member.party_status in PartyStatus.values, "请选择党员类别。", "party_status")
    ethnicity = _text(
        member.ethnicity,
        field="ethnicity",
        label="民族",
        required=True,
        max_length=Member._meta.get_field("ethnicity").max_length,
    )
    _require(
        birth_date_of(id_number) < member.joined_on <= timezone.localdate(),
        "入党日期不合理。",
        "joined_on",
    )
    phone = check_phone(member.phone, field="phone", label="联系电话", required=False)
    origin_name = _text(
        origin_name,
        field="origin_name",
        label="转出党组织名称",
        required=True,
        max_length=NAME_TEXT,
    )
    origin_letter_number = _text(
        origin_letter_number,
        field="origin_letter_number",
        label="原介绍信编号",
        max_length=Transfer._meta.get_field("origin_letter_number").max_length,
    )
    _check_inbound_target(actor.org, target)
    _check_letter(letter)
    _check_inbound_id_free(id_number)
    with transaction.atomic():
        # Typing the letter again (【返回上一步】) replaces this committee's unlaunched draft.
        for old in Transfer.objects.select_for_update().filter(
            id_number=id_number, initiator=actor.org, state=TransferState.DRAFT
        ):
            old.state = TransferState.REVOKED
            old.finished_at = _now()
            _save(old, "state", "finished_at")
            old.steps.update(state=StepState.CANCELLED)
            exchange.release(old)
            _record(
                old, actor, EventAction.REVOKE, TransferState.DRAFT, opinion="被重新填写的申请替代"
            )
        if package is not None:
            # A used package says so, before the member's other transfer is looked at.
            exchange.lock_unclaimed(package)
        transfer = Transfer(
            type=TransferType.INBOUND,
            member=None,
            member_name=name,
            id_number=id_number,
            source_name=origin_name,
            initiator=actor.org,
            initiator_path=actor.org.path,
            initiated_by=actor.user,
            target=target,
            target_name=target.name,
            dues_paid_through=letter.dues_paid_through,
            validity_days=letter.validity_days,
            member_phone=phone,
            letter_remarks=letter.remarks.strip(),
            inbound_member={
                "name": name,
                "gender": member.gender,
                "ethnicity": ethnicity,
                "id_number": id_number,
                "party_status": member.party_status,
                "joined_on": member.joined_on.isoformat(),
                "full_member_on": member.full_member_on.isoformat()
                if member.full_member_on
                else None,
                "phone": phone,
            },
            origin_letter_number=origin_letter_number,
            via_exchange=package is not None,
            created_at=_now(),
        )
        try:
            with transaction.atomic():
                transfer.save()
        except IntegrityError:
            raise TransferError(
                "该身份证号的党员已有未办结的组织关系转接。", field="id_number"
            ) from None
        _create_steps(transfer, start=actor.org, start_order=0, include_start=True)
        transfer.save(update_fields=["receiver", "receiver_path"])
        data = {"origin": origin_name}
        if package is not None:
            exchange.claim(package, transfer=transfer, now=_now())
            data["package"] = str(package.package_id)
        _record(transfer, actor, EventAction.DRAFT, "", data=data)
    return transfer


def inbound_member_from(package: ExchangePackage) -> tuple[InboundMember, dict]:
    """The member and letter facts of an exchange package, as 跨省（系统）转入 takes them."""
    m, letter = package.payload["member"], package.payload["letter"]
    member = InboundMember(
        name=m["name"],
        gender=m["gender"],
        ethnicity=m["ethnicity"],
        id_number=m["id_number"],
        party_status=m["party_status"],
        joined_on=dt.date.fromisoformat(m["joined_on"]),
        full_member_on=dt.date.fromisoformat(m["full_member_on"])
        if m.get("full_member_on")
        else None,
        phone=m.get("phone", ""),
    )
    return member, letter


# -- 支部间转接 ------------------------------------------------------------------------------------


def move_between_branches(
    *,
    actor: Actor,
    members: Iterable[Member],
    to_branch: Organisation | None,
    confirmed: bool,
) -> list[Transfer]:
    """支部间转接: a committee moves members between two of its own branches in one step.

    Both branches must have this committee as their nearest committee. Each member's move is a
    finished transfer of type 支部间转接 (no path, no letter), in both branches' history.
    """
    _require(actor.org.is_committee, "支部间转接须由党委办理。")
    members = list(members)
    _require(bool(members), "请选择需要转接的党员。", "members")
    eligible = direct_branch_ids(actor.org)
    _require(to_branch is not None, "请选择转入支部。", "to_branch")
    _require(
        to_branch.pk in eligible and to_branch.is_active,
        "转入支部须为本党委直属（或直属党总支下）的党支部。",
        "to_branch",
    )
    _require(confirmed, "请确认支部间转接。", "confirmed")
    moved = []
    with transaction.atomic():
        now = _now()
        locked = Member.objects.select_for_update().select_related("branch")
        for member in locked.filter(pk__in=[m.pk for m in members]).order_by("pk"):
            _require(
                member.branch_id in eligible,
                f"{member.name}所在的{member.branch.name}不是本党委直属的党支部。",
                "members",
            )
            _require(
                member.branch_id != to_branch.pk,
                f"{member.name}已在{to_branch.name}，无需转接。",
                "to_branch",
            )
            _require(
                member.state == MemberState.NORMAL,
                f"{member.name}当前状态为“{member.get_state_display()}”，不能转接。",
                "members",
            )
            source = member.branch
            transfer = Transfer.objects.create(
                type=TransferType.BRANCH,
                state=TransferState.COMPLETED,
                member=member,
                member_name=member.name,
                id_number=member.id_number,
                source_branch=source,
                source_path=source.path,
                source_name=source.name,
                initiator=actor.org,
                initiator_path=actor.org.path,
                initiated_by=actor.user,
                target=to_branch,
                target_name=to_branch.name,
                receiver=actor.org,
                receiver_path=actor.org.path,
                dest_branch=to_branch,
                dest_path=to_branch.path,
                dues_paid_through=member.dues_paid_through,
                member_phone=member.phone,
                received_on=timezone.localdate(now),
                created_at=now,
                launched_at=now,
                reported_at=now,
                finished_at=now,
            )
            member.branch = to_branch
            member.save(update_fields=["branch", "updated_at"])
            _record(
                transfer,
                actor,
                EventAction.DIRECT,
                "",
                data={"from": source.name, "to": to_branch.name},
                at=now,
            )
            moved.append(transfer)
    return moved


# -- 回执 ----------------------------------------------------------------------------------------


def record_paper_receipt(
    *,
    actor: Actor,
    transfer: Transfer,
    received_on: dt.date | None,
    handler: str,
    handler_phone: str = "",
    expected_version: int | None = None,
) -> Transfer:
    """登记回执: the paper 回执 of a transfer that left the system has come back.

    The concluding organisation or the initiating committee records it; 工作督查 then stops
    listing the transfer as missing its receipt.
    """
    handler = _text(handler, field="handler", label="经办人", required=True, max_length=50)
    handler_phone = check_phone(
        handler_phone, field="handler_phone", label="经办人联系电话", required=False
    )
    with transaction.atomic():
        transfer = _lock(transfer)
        _check_version(transfer, expected_version)
        _require(
            transfer.state == TransferState.CONCLUDED and transfer.out_of_system,
            "只有已办结、转出到系统外的转接需要登记纸质回执。",
        )
        _require(
            actor.org.pk in (transfer.receiver_id, transfer.initiator_id),
            "回执由办结党组织或发起党组织登记。",
        )
        finished = timezone.localdate(transfer.finished_at)
        _require(received_on is not None, "请填写回执日期。", "received_on")
        _require(received_on <= timezone.localdate(), "回执日期不能晚于今天。", "received_on")
        _require(
            received_on >= finished,
            f"回执日期不能早于办结日期（{finished:%Y-%m-%d}）。",
            "received_on",
        )
        letter = transfer.letters.get(is_current=True)
        _require(letter.receipt_on is None, "该转接的回执已登记。")
        letter.receipt_org_name = transfer.target_name
        letter.receipt_on = received_on
        letter.receipt_handler = handler
        letter.receipt_handler_phone = handler_phone
        letter.receipt_is_paper = True
        letter.save(
            update_fields=[
                "receipt_org_name",
                "receipt_on",
                "receipt_handler",
                "receipt_handler_phone",
                "receipt_is_paper",
            ]
        )
        _save(transfer)
        _record(
            transfer,
            actor,
            EventAction.RECEIPT,
            transfer.state,
            data={"received_on": received_on.isoformat(), "handler": handler},
        )
    return transfer

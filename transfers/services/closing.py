"""After the path: 撤销, 报到, 退回 and 找回."""

from django.db import IntegrityError, transaction

from members.idcard import normalize_id_number
from members.models import Member, MemberState
from ops import writes
from transfers import exchange, rules
from transfers.errors import TransferError
from transfers.models import (
    EventAction,
    Letter,
    StepState,
    Transfer,
    TransferState,
)
from transfers.rules import Action
from transfers.services.base import (
    Actor,
    _check_version,
    _now,
    _require,
    _round_steps,
    _save,
    _text,
    atomic_for,
    event,
    lock,
    record,
)
from transfers.services.nodes import _return_to_initiator
from transfers.services.receipts import withdraw_electronic_receipt

# -- 撤销, 报到, 退回, 找回, 重新发起 ------------------------------------------------------


def revoke(*, actor: Actor, transfer: Transfer, expected_version: int | None = None) -> Transfer:
    """撤销: the initiating organisation withdraws an unfinished transfer (irreversible)."""
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        rules.require(transfer, actor.org, Action.REVOKE)
        before = transfer.state
        now = _now()
        transfer.steps.filter(state__in=[StepState.PENDING, StepState.WAITING]).update(
            state=StepState.CANCELLED
        )
        if transfer.member_id and before != TransferState.DRAFT:
            writes.update_where(
                Member,
                {"pk": transfer.member_id, "state": MemberState.IN_TRANSFER},
                state=MemberState.NORMAL,
                updated_at=now,
            )
        transfer.state = TransferState.REVOKED
        transfer.finished_at = now
        _save(transfer, "state", "finished_at")
        if transfer.via_exchange:
            exchange.release(transfer)
        record(transfer, actor, EventAction.REVOKE, before)
    return transfer


def report(*, actor: Actor, transfer: Transfer, expected_version: int | None = None) -> Transfer:
    """报到: the member has reported to the new branch; the transfer is complete."""
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        rules.require(transfer, actor.org, Action.REPORT)
        now = _now()
        writes.update_where(
            Member, {"pk": transfer.member_id}, state=MemberState.NORMAL, updated_at=now
        )
        transfer.state = TransferState.COMPLETED
        transfer.reported_at = now
        transfer.finished_at = now
        _save(transfer, "state", "reported_at", "finished_at")
        record(transfer, actor, EventAction.REPORT, TransferState.RECEIVED)
    return transfer


def send_back(
    *, actor: Actor, transfer: Transfer, reason: str, expected_version: int | None = None
) -> Transfer:
    """退回 (from 未报到): committees only; the member returns to the source branch and the
    transfer to its initiator."""
    reason = _text(reason, field="reason", label="退回原因", required=True)
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        rules.require(transfer, actor.org, Action.SEND_BACK)
        now = _now()
        steps = _round_steps(transfer)
        receive_step = next(s for s in steps if s.state == StepState.RECEIVED)
        receive_step.state = StepState.RETURNED
        if transfer.source_branch_id:
            back = {"branch": transfer.source_branch, "branch_path": transfer.source_branch.path}
            writes.update_where(
                Member,
                {"pk": transfer.member_id},
                **back,
                state=MemberState.IN_TRANSFER,
                updated_at=now,
            )
        else:
            # Came from outside the system: the record leaves again with the return.
            writes.update_where(
                Member, {"pk": transfer.member_id}, state=MemberState.OUT_OF_SYSTEM, updated_at=now
            )
        transfer.dest_branch = None
        transfer.dest_path = ""
        # The 回执 no longer holds: the member did not stay.
        writes.update_where(
            Letter,
            {"transfer": transfer.pk, "is_current": True},
            receipt_org_name="",
            receipt_on=None,
            receipt_handler="",
            receipt_handler_phone="",
        )
        if transfer.via_exchange:
            withdraw_electronic_receipt(transfer, actor, reason)
        sent_back = event(
            transfer,
            actor,
            EventAction.SEND_BACK,
            TransferState.RECEIVED,
            step=receive_step,
            opinion=reason,
        )
        # The walk back along the path ends the transfer at the initiator as RETURNED.
        _return_to_initiator(
            transfer,
            actor,
            steps,
            receive_step,
            reason,
            now,
            TransferState.RECEIVED,
            sent_back,
            fields=("dest_branch", "dest_path"),
        )
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
        transfer = lock(found)
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
        # The letter reads 已作废 on 查验 (the state says so) and the package is withdrawn, so
        # no one can take in a member who is back at the source branch.
        package = exchange.withdraw(transfer, now=_now())
        transfer.state = TransferState.RETRIEVED
        _save(transfer, "state")
        data = {"package_withdrawn": str(package.package_id)} if package else {}
        record(transfer, actor, EventAction.RETRIEVE, TransferState.CONCLUDED, data=data)
    return transfer

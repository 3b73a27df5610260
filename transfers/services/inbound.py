"""跨省（系统）转入: a member arriving from outside the system, typed in or from the exchange
zone."""

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from members.idcard import birth_date_of, normalize_id_number
from members.models import Gender, Member, PartyStatus
from orgs.models import Organisation
from transfers import exchange
from transfers.errors import TransferError
from transfers.models import (
    EventAction,
    ExchangePackage,
    InboundKind,
    StepState,
    Transfer,
    TransferState,
    TransferType,
)
from transfers.paths import can_initiate
from transfers.services.base import (
    NAME_TEXT,
    Actor,
    LetterInput,
    _check_letter,
    _create_steps,
    _now,
    _require,
    _save,
    _text,
    check_phone,
    record,
)

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
    inbound_kind: str = "",
) -> Transfer:
    """跨省（系统）转入: a committee takes in a member arriving from outside the system.

    With ``package`` (通过业务交换区转入) the member comes from the exchange zone, and the
    package is used up by this transfer.
    """
    _require(can_initiate(actor.org), "只有具有县内转接权限的党委可以办理跨省（系统）转入。")
    _require(inbound_kind in ("", *InboundKind.values), "请选择转接类型。", "inbound_kind")
    # Said first: the member of a withdrawn package is back in the system (找回).
    _require(package is None or not package.is_withdrawn, exchange.WITHDRAWN, "package")
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
            record(
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
            inbound_kind=inbound_kind,
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
        record(transfer, actor, EventAction.DRAFT, "", data=data)
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

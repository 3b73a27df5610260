"""业务交换区: packages published when a 全国 transfer leaves the system, imported once on the
receiving side (跨省（系统）转入 · 通过业务交换区转入).

Every package is signed with the publishing deployment's Ed25519 key and names its receiver, chosen
at 办结: a deployment (EXCHANGE_SYSTEM_ID) and the code of an organisation there, normally a
province committee. Only committees in that organisation's subtree, in that deployment, can find,
open or import the package (anyone else gets "not found"). Between deployments that are not
connected the package travels as a file; the receiving deployment accepts it only if the
signature verifies with a key it trusts, the package is addressed to it and to the uploading
committee's side, every field has the expected type, and it has not been imported before.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from members.idcard import normalize_id_number
from members.models import Gender, PartyStatus
from ops import writes
from ops.compiled import Compiled
from orgs.models import Level, Organisation
from transfers.errors import TransferError
from transfers.models import ExchangePackage, Transfer
from transfers.selectors import letter_of

FILE_FORMAT = "zhuanjie-exchange/1"
MAX_FILE_BYTES = 256 * 1024
# A package is a flat document: payload → member/letter/receiver → values (depth 3).
MAX_NESTING = 8


@dataclass(frozen=True)
class Receiver:
    """Where a package goes: a deployment and an organisation of it (by code)."""

    system: str
    code: str
    name: str


def receivers_here(concluder: Organisation) -> list[Organisation]:
    """The province committees of this deployment a package can be addressed to: every one
    but the concluder's own (a member leaving the system goes to another province or system),
    in tree order (one compiled query: 办结's form asks on every 办结)."""
    return _PROVINCES_BUT.all(own=concluder.path[: Organisation.steplen])


_PROVINCES_BUT = Compiled(
    lambda own: Organisation.objects.filter(level=Level.PROVINCE).exclude(path=own).order_by("path")
)


def _ancestor_paths(org: Organisation) -> list[str]:
    step = Organisation.steplen
    return [org.path[: i * step] for i in range(1, len(org.path) // step + 1)]


def addressed_to(org: Organisation) -> QuerySet[ExchangePackage]:
    """Packages addressed to ``org``'s side: this deployment, and an organisation that is
    ``org`` or one of its ancestors (one indexed query on at most the tree's depth of paths)."""
    codes = Organisation.objects.filter(path__in=_ancestor_paths(org)).values("code")
    return ExchangePackage.objects.filter(
        receiver_system=settings.EXCHANGE_SYSTEM_ID, receiver_code__in=codes
    )


def _private_key() -> Ed25519PrivateKey:
    try:
        seed = base64.b64decode(settings.EXCHANGE_SIGNING_KEY, validate=True)
        return Ed25519PrivateKey.from_private_bytes(seed)
    except (binascii.Error, ValueError) as e:
        raise ImproperlyConfigured("EXCHANGE_SIGNING_KEY is not a base64 Ed25519 seed") from e


def public_key_b64() -> str:
    raw = (
        _private_key()
        .public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    return base64.b64encode(raw).decode()


def _trusted_key(system: str) -> Ed25519PublicKey | None:
    if system == settings.EXCHANGE_SYSTEM_ID:
        return _private_key().public_key()
    encoded = settings.EXCHANGE_TRUSTED_KEYS.get(system)
    if not encoded:
        return None
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        return None


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sign(payload: dict[str, Any]) -> str:
    return base64.b64encode(_private_key().sign(canonical(payload))).decode()


def verify(payload: dict[str, Any], signature: str, system: str) -> bool:
    key = _trusted_key(system)
    if key is None:
        return False
    try:
        key.verify(base64.b64decode(signature, validate=True), canonical(payload))
    except (InvalidSignature, binascii.Error, ValueError):
        return False
    return True


def publish(transfer: Transfer, *, now: dt.datetime, receiver: Receiver) -> ExchangePackage:
    """Called by 办结 of a transfer leaving the system: member data, letter and the receiving
    side, signed."""
    member = transfer.member
    letter = letter_of(transfer) or transfer.letters.get(is_current=True)  # (absent: an error)
    package_id = uuid.uuid4()
    payload = {
        "package_id": str(package_id),
        "origin_system": settings.EXCHANGE_SYSTEM_ID,
        "published_at": now.isoformat(),
        "addressed_to": transfer.target_name,
        "receiver": {"system": receiver.system, "code": receiver.code, "name": receiver.name},
        "member": {
            "name": member.name,
            "gender": member.gender,
            "ethnicity": member.ethnicity,
            "id_number": member.id_number,
            "party_status": member.party_status,
            "joined_on": member.joined_on.isoformat(),
            "full_member_on": member.full_member_on.isoformat() if member.full_member_on else None,
            "phone": member.phone,
        },
        "letter": {
            "serial_number": letter.serial_number,
            "version": letter.version,
            "issued_on": letter.issued_on.isoformat(),
            "expires_on": letter.expires_on.isoformat(),
            "validity_days": letter.validity_days,
            "from_org_name": transfer.initiator.name,
            "from_branch_name": letter.from_org_name,
            "to_org_name": letter.to_org_name,
            "dues_paid_through": letter.dues_paid_through.isoformat(),
            "member_phone": letter.member_phone,
            "concluded_by": transfer.receiver.name if transfer.receiver_id else "",
            "sender_address": letter.sender_address,
            "sender_phone": letter.sender_phone,
        },
    }
    [package] = writes.insert(
        [
            ExchangePackage(
                package_id=package_id,
                origin_system=settings.EXCHANGE_SYSTEM_ID,
                source_transfer=transfer,
                id_number=member.id_number,
                letter_serial=letter.serial_number,
                payload=payload,
                signature=sign(payload),
                published_at=now,
                receiver_system=receiver.system,
                receiver_code=receiver.code,
                receiver_name=receiver.name,
            )
        ]
    )
    return package


WITHDRAWN = "该交换包已被转出方撤回：该党员已在原党组织找回，组织关系未转出，不能转入。"


def find(id_number: str, letter_serial: str, *, org: Organisation) -> ExchangePackage | None:
    """The unclaimed package for this 身份证号 and 介绍信编号 addressed to ``org``'s side (a
    withdrawn one too, so the page can say why it cannot be imported)."""
    try:
        id_number = normalize_id_number(id_number)
    except ValidationError:
        return None  # an invalid number simply finds nothing
    return (
        addressed_to(org)
        .filter(id_number=id_number, letter_serial=letter_serial.strip(), claimed_at__isnull=True)
        .order_by("-published_at")
        .first()
    )


def lock_unclaimed(package: ExchangePackage) -> ExchangePackage:
    """Lock the package row for this transaction; refuse a package already used."""
    locked = ExchangePackage.objects.select_for_update().get(pk=package.pk)
    if locked.withdrawn_at is not None:
        raise TransferError(WITHDRAWN, field="package")
    if locked.claimed_at is not None:
        raise TransferError("该交换包已被使用，不能重复转入。", field="package")
    return locked


def claim(package: ExchangePackage, *, transfer: Transfer, now: dt.datetime) -> None:
    """Use the package for ``transfer``; a package can be used once (row lock + check)."""
    locked = lock_unclaimed(package)
    locked.claimed_at = now
    locked.claimed_by_org = transfer.initiator
    locked.claimed_transfer = transfer
    locked.save(update_fields=["claimed_at", "claimed_by_org", "claimed_transfer"])


def withdraw(transfer: Transfer, *, now: dt.datetime) -> ExchangePackage | None:
    """找回 on the publishing side: the package of ``transfer`` can no longer be imported here.

    A package already carried away as a file to another deployment cannot be called back from
    here; its letter reads 已作废 on the public 查验 page, which the receiving side checks.
    Refused while an import of it is under way (that side must withdraw it first).
    """
    package = ExchangePackage.objects.select_for_update().filter(source_transfer=transfer).first()
    if package is None or package.withdrawn_at is not None:
        return package
    if package.claimed_transfer_id is not None:
        raise TransferError(
            f"该党员已由{package.claimed_by_org.name}通过业务交换区办理转入，不能找回；"
            "如属误操作，请联系对方撤销该转入后再找回。",
            field="id_number",
        )
    package.withdrawn_at = now
    package.save(update_fields=["withdrawn_at"])
    return package


def release(transfer: Transfer) -> None:
    """A withdrawn 跨省（系统）转入 gives its package back."""
    ExchangePackage.objects.filter(claimed_transfer=transfer).update(
        claimed_at=None, claimed_by_org=None, claimed_transfer=None
    )


def to_file(package: ExchangePackage) -> bytes:
    document = {
        "format": FILE_FORMAT,
        "origin_system": package.origin_system,
        "payload": package.payload,
        "signature": package.signature,
    }
    return json.dumps(document, ensure_ascii=False, indent=1).encode()


def _nesting_depth(text: str) -> int:
    """How deep brackets nest, counted without parsing (a parser recurses: 100,000 ``[`` would
    exhaust the stack). Brackets inside strings are skipped."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
            if deepest > MAX_NESTING:
                return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _text_field(data: dict, key: str, *, max_length: int, required: bool = True) -> str:
    value = data.get(key, "")
    if value is None and not required:
        return ""
    if not isinstance(value, str) or len(value) > max_length or (required and not value.strip()):
        raise ValueError(key)
    return value


def _date_field(data: dict, key: str, *, required: bool = True) -> None:
    value = data.get(key)
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise ValueError(key)
    dt.date.fromisoformat(value)


def check_payload(payload: Any) -> None:
    """Every field the import reads, with its type: a package that passes imports without
    surprises later (a bad date stored once would break its import page for good)."""
    if not isinstance(payload, dict):
        raise ValueError("payload")
    member, letter, receiver = payload.get("member"), payload.get("letter"), payload.get("receiver")
    if not all(isinstance(part, dict) for part in (member, letter, receiver)):
        raise ValueError("parts")
    uuid.UUID(_text_field(payload, "package_id", max_length=36))
    _text_field(payload, "origin_system", max_length=40)
    _text_field(member, "name", max_length=50)
    if member.get("gender") not in Gender.values:
        raise ValueError("gender")
    if member.get("party_status") not in PartyStatus.values:
        raise ValueError("party_status")
    _text_field(member, "ethnicity", max_length=20)
    _text_field(member, "id_number", max_length=18)
    _text_field(member, "phone", max_length=20, required=False)
    _date_field(member, "joined_on")
    _date_field(member, "full_member_on", required=False)
    _text_field(letter, "serial_number", max_length=60)
    for key in ("from_org_name", "from_branch_name", "to_org_name", "concluded_by"):
        _text_field(letter, key, max_length=200, required=key == "from_org_name")
    for key in ("member_phone", "sender_phone"):
        _text_field(letter, key, max_length=20, required=False)
    _text_field(letter, "sender_address", max_length=200, required=False)
    for key in ("issued_on", "expires_on", "dues_paid_through"):
        _date_field(letter, key)
    if not isinstance(letter.get("validity_days"), int) or isinstance(
        letter.get("validity_days"), bool
    ):
        raise ValueError("validity_days")
    _text_field(receiver, "system", max_length=40)
    _text_field(receiver, "code", max_length=32)
    _text_field(receiver, "name", max_length=200, required=False)


def from_file(data: bytes, *, org: Organisation) -> ExchangePackage:
    """Accept a package file uploaded by ``org``: the signature must verify with a trusted key,
    the package must be addressed to this deployment and to ``org``'s side, every field must
    have its type, and it is accepted once only. Nothing is stored otherwise."""
    malformed = TransferError("文件格式不正确，不是有效的交换包。", field="file")
    if len(data) > MAX_FILE_BYTES:
        raise TransferError("文件过大，不是有效的交换包。", field="file")
    try:
        text = data.decode("utf-8")
        if _nesting_depth(text) > MAX_NESTING:
            raise ValueError("nesting")
        document = json.loads(text)
        payload = document["payload"]
        signature = document["signature"]
        system = document["origin_system"]
        if document.get("format") != FILE_FORMAT or not isinstance(signature, str):
            raise ValueError("format")
        if not isinstance(system, str):
            raise ValueError("system")
        check_payload(payload)
        package_id = uuid.UUID(payload["package_id"])
        id_number = normalize_id_number(payload["member"]["id_number"])
        serial = payload["letter"]["serial_number"]
        receiver = payload["receiver"]
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError, RecursionError) as e:
        # Any malformed file gets the same answer (UnicodeDecodeError is a ValueError).
        raise malformed from e
    if payload.get("origin_system") != system or not verify(payload, signature, system):
        raise TransferError(
            "交换包签名校验失败：文件可能被篡改，或来自未授权的系统，已拒绝导入。", field="file"
        )
    codes = set(
        Organisation.objects.filter(path__in=_ancestor_paths(org)).values_list("code", flat=True)
    )
    if receiver["system"] != settings.EXCHANGE_SYSTEM_ID or receiver["code"] not in codes:
        raise TransferError("该交换包不是发给本党组织所在省（系统）的，不能导入。", field="file")
    if ExchangePackage.objects.filter(package_id=package_id).exists():
        raise TransferError("该交换包已导入过，不能重复导入。", field="file")
    try:
        with transaction.atomic():
            return ExchangePackage.objects.create(
                package_id=package_id,
                origin_system=system,
                id_number=id_number,
                letter_serial=serial,
                payload=payload,
                signature=signature,
                published_at=timezone.now(),
                received_as_file=True,
                receiver_system=receiver["system"],
                receiver_code=receiver["code"],
                receiver_name=receiver.get("name") or "",
            )
    except IntegrityError:
        raise TransferError("该交换包已导入过，不能重复导入。", field="file") from None

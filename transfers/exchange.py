"""业务交换区: packages published when a 全国 transfer leaves the system, imported once on the
receiving side (跨省（系统）转入 · 通过业务交换区转入).

Every package is signed with the publishing deployment's Ed25519 key. Inside one deployment
the package is simply found by 身份证号 and 介绍信编号; between deployments that are not
connected it travels as a file, and the receiving deployment accepts it only if the signature
verifies with a key it trusts and the package has not been imported before.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import uuid
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from members.idcard import normalize_id_number
from transfers.errors import TransferError
from transfers.models import ExchangePackage, Transfer

FILE_FORMAT = "zhuanjie-exchange/1"
MAX_FILE_BYTES = 256 * 1024


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


def publish(transfer: Transfer, *, now: dt.datetime) -> ExchangePackage:
    """Called by 办结 of a transfer leaving the system: member data and letter, signed."""
    member = transfer.member
    letter = transfer.letters.get(is_current=True)
    package_id = uuid.uuid4()
    payload = {
        "package_id": str(package_id),
        "origin_system": settings.EXCHANGE_SYSTEM_ID,
        "published_at": now.isoformat(),
        "addressed_to": transfer.target_name,
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
    return ExchangePackage.objects.create(
        package_id=package_id,
        origin_system=settings.EXCHANGE_SYSTEM_ID,
        source_transfer=transfer,
        id_number=member.id_number,
        letter_serial=letter.serial_number,
        payload=payload,
        signature=sign(payload),
        published_at=now,
    )


WITHDRAWN = "该交换包已被转出方撤回：该党员已在原党组织找回，组织关系未转出，不能转入。"


def find(id_number: str, letter_serial: str) -> ExchangePackage | None:
    """The unclaimed package for this 身份证号 和 介绍信编号, if there is one (a withdrawn one
    too, so the page can say why it cannot be imported)."""
    try:
        id_number = normalize_id_number(id_number)
    except ValidationError:
        return None  # an invalid number simply finds nothing
    return (
        ExchangePackage.objects.filter(
            id_number=id_number, letter_serial=letter_serial.strip(), claimed_at__isnull=True
        )
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


def from_file(data: bytes) -> ExchangePackage:
    """Accept a package file: the signature must verify with a trusted key, once only."""
    if len(data) > MAX_FILE_BYTES:
        raise TransferError("文件过大，不是有效的交换包。", field="file")
    try:
        document = json.loads(data.decode("utf-8"))
        payload = document["payload"]
        signature = document["signature"]
        system = document["origin_system"]
        if document.get("format") != FILE_FORMAT or not isinstance(payload, dict):
            raise ValueError
        package_id = uuid.UUID(payload["package_id"])
        member, letter = payload["member"], payload["letter"]
        id_number = normalize_id_number(member["id_number"])
        serial = str(letter["serial_number"])
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError) as e:
        # Any malformed file gets the same answer (UnicodeDecodeError is a ValueError).
        raise TransferError("文件格式不正确，不是有效的交换包。", field="file") from e
    if payload.get("origin_system") != system or not verify(payload, signature, system):
        raise TransferError(
            "交换包签名校验失败：文件可能被篡改，或来自未授权的系统，已拒绝导入。", field="file"
        )
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
            )
    except IntegrityError:
        raise TransferError("该交换包已导入过，不能重复导入。", field="file") from None

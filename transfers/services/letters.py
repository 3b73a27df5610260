"""换发介绍信: a new version of an expired letter for a member not yet reported."""

from transfers import rules
from transfers.models import EventAction, Transfer
from transfers.rules import Action
from transfers.services.base import (
    Actor,
    _check_version,
    _now,
    _require,
    _save,
    atomic_for,
    lock,
    record,
)
from transfers.services.issuing import _issue_letter

RECEIPT_FIELDS = (
    "receipt_org_name",
    "receipt_on",
    "receipt_handler",
    "receipt_handler_phone",
    "receipt_is_paper",
)


def reissue_letter(
    *,
    actor: Actor,
    transfer: Transfer,
    validity_days: int,
    expected_version: int | None = None,
) -> Transfer:
    """换发介绍信: the initiating organisation issues a new version (same serial number, new
    validity from today, new verification code); the old version reads 已作废 on 查验."""
    _require(
        isinstance(validity_days, int) and 1 <= validity_days <= 90,
        "介绍信有效期应为1至90天（最长3个月）。",
        "validity_days",
    )
    with atomic_for(transfer):
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        rules.require(transfer, actor.org, Action.REISSUE)
        old = transfer.current_letter
        transfer.validity_days = validity_days
        letter = _issue_letter(transfer, now=_now())
        _save(transfer, "validity_days", "letter_expires_on")
        if old.receipt_on is not None:
            # A received member's 回执 stands: the new version carries it.
            for name in RECEIPT_FIELDS:
                setattr(letter, name, getattr(old, name))
            letter.save(update_fields=list(RECEIPT_FIELDS))
        record(
            transfer,
            actor,
            EventAction.REISSUE,
            transfer.state,
            data={
                "serial_number": letter.serial_number,
                "version": letter.version,
                "expired_on": old.expires_on.isoformat(),
                "expires_on": letter.expires_on.isoformat(),
            },
        )
    return transfer

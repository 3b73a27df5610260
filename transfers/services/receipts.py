"""回执: the paper receipt of a transfer that left the system."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from transfers import rules
from transfers.models import (
    EventAction,
    Transfer,
)
from transfers.rules import Action
from transfers.services.base import (
    Actor,
    _check_version,
    _require,
    _save,
    _text,
    check_phone,
    lock,
    record,
)

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
        transfer = lock(transfer)
        _check_version(transfer, expected_version)
        rules.require(transfer, actor.org, Action.RECEIPT)
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
        record(
            transfer,
            actor,
            EventAction.RECEIPT,
            transfer.state,
            data={"received_on": received_on.isoformat(), "handler": handler},
        )
    return transfer

"""回执: the paper receipt of a transfer that left the system, and the electronic one an
exchange import received in this deployment sends back by itself."""

import datetime as dt

from django.utils import timezone

from transfers import rules
from transfers.models import (
    EventAction,
    ExchangePackage,
    Letter,
    Transfer,
)
from transfers.rules import Action
from transfers.services.base import (
    Actor,
    _check_version,
    _require,
    _save,
    _text,
    atomic_for,
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
    with atomic_for(transfer):
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


def _sending_letter(transfer: Transfer) -> tuple[Transfer, Letter] | None:
    """The sending transfer (locked) and its current letter, when ``transfer`` imported a
    package published in this deployment."""
    package = (
        ExchangePackage.objects.filter(claimed_transfer=transfer, source_transfer__isnull=False)
        .only("source_transfer_id")
        .first()
    )
    if package is None:
        return None
    sent = lock(package.source_transfer_id)
    letter = sent.letters.filter(is_current=True).first()
    return (sent, letter) if letter is not None else None


def electronic_receipt_to_sender(
    transfer: Transfer, actor: Actor, received_on: dt.date, handler_phone: str
) -> None:
    """An import from a package published in this deployment is received: the electronic 回执
    goes back to the sending transfer by itself (no paper 回执 to record by hand)."""
    found = _sending_letter(transfer)
    if found is None:
        return  # carried as a file from another deployment: its 回执 goes back on paper
    sent, letter = found
    if letter.receipt_on is not None:
        return
    letter.receipt_org_name = actor.org.name
    letter.receipt_on = received_on
    letter.receipt_handler = actor.name[:50]
    letter.receipt_handler_phone = handler_phone
    letter.receipt_is_paper = False
    letter.save(
        update_fields=[
            "receipt_org_name",
            "receipt_on",
            "receipt_handler",
            "receipt_handler_phone",
            "receipt_is_paper",
        ]
    )
    _save(sent)
    record(
        sent,
        actor,
        EventAction.RECEIPT,
        sent.state,
        opinion="电子回执：已通过业务交换区转入并接收",
        data={
            "electronic": True,
            "inbound_transfer": transfer.pk,
            "branch": transfer.dest_branch.name,
        },
    )


def withdraw_electronic_receipt(transfer: Transfer, actor: Actor, reason: str) -> None:
    """退回 of such an import: the member did not stay, so the electronic 回执 no longer holds
    on the sending side either (a paper one recorded there by hand stays)."""
    found = _sending_letter(transfer)
    if found is None:
        return
    sent, letter = found
    if letter.receipt_on is None or letter.receipt_is_paper:
        return
    letter.receipt_org_name = ""
    letter.receipt_on = None
    letter.receipt_handler = ""
    letter.receipt_handler_phone = ""
    letter.save(
        update_fields=["receipt_org_name", "receipt_on", "receipt_handler", "receipt_handler_phone"]
    )
    _save(sent)
    record(
        sent,
        actor,
        EventAction.RECEIPT,
        sent.state,
        opinion=f"电子回执撤回：转入方已退回（{reason}）"[:500],
        data={"electronic": True, "withdrawn": True, "inbound_transfer": transfer.pk},
    )

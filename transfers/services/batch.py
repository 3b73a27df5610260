"""Graduation season: 批量同意, 批量接收, 批量报到.

A batch is a loop over the single actions, never one transaction for all: each member is still
its own transaction, its own row lock, its own check by ``transfers.rules`` and its own event.
A row the service refuses keeps the service's Chinese sentence and the others go through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from orgs.models import Organisation
from transfers.errors import TransferError
from transfers.models import Transfer
from transfers.services.base import Actor
from transfers.services.closing import report
from transfers.services.nodes import approve, receive

# One request does at most this many (each is a few queries and its own transaction).
BATCH_LIMIT = 500
NOT_FOUND = "未找到该转接，或本党组织无权办理。"


@dataclass(frozen=True)
class Row:
    """One member of a batch: the transfer and, for 接收, its own 转入支部 if chosen."""

    transfer_id: int
    expected_version: int | None = None
    branch: Organisation | None = None


@dataclass(frozen=True)
class Outcome:
    transfer_id: int
    member_name: str
    ok: bool
    message: str = ""


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def succeeded(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


def _run(
    rows: Iterable[Row],
    transfers: dict[int, Transfer],
    perform: Callable[[Transfer, Row], object],
) -> BatchResult:
    result = BatchResult()
    for row in rows:
        transfer = transfers.get(row.transfer_id)
        if transfer is None:
            result.outcomes.append(Outcome(row.transfer_id, "", False, NOT_FOUND))
            continue
        try:
            perform(transfer, row)  # its own transaction.atomic() inside
        except TransferError as error:
            result.outcomes.append(Outcome(transfer.pk, transfer.member_name, False, error.message))
        else:
            result.outcomes.append(Outcome(transfer.pk, transfer.member_name, True))
    return result


def _check_size(rows: list[Row]) -> None:
    if not rows:
        raise TransferError("请至少选择一条记录。", field="ids")
    if len(rows) > BATCH_LIMIT:
        raise TransferError(
            f"一次最多办理{BATCH_LIMIT}条（已选择{len(rows)}条），请分批办理。", field="ids"
        )


def batch_approve(
    *,
    actor: Actor,
    rows: list[Row],
    transfers: dict[int, Transfer],
    confirmed: bool,
    opinion: str = "",
) -> BatchResult:
    """批量同意: ``transfers`` are those ``actor`` may see, by id (the rows name them)."""
    _check_size(rows)
    return _run(
        rows,
        transfers,
        lambda t, row: approve(
            actor=actor,
            transfer=t,
            confirmed=confirmed,
            opinion=opinion,
            expected_version=row.expected_version,
        ),
    )


def batch_receive(
    *,
    actor: Actor,
    rows: list[Row],
    transfers: dict[int, Transfer],
    received_on: dt.date,
    branch: Organisation | None,
    handler_phone: str,
    remarks: str = "",
    confirmed_reported: bool,
    confirmed_checked: bool,
) -> BatchResult:
    """批量接收: each row into its own 转入支部 if one was chosen for it, else into ``branch``."""
    _check_size(rows)
    return _run(
        rows,
        transfers,
        lambda t, row: receive(
            actor=actor,
            transfer=t,
            received_on=received_on,
            branch=row.branch or branch,
            handler_phone=handler_phone,
            remarks=remarks,
            confirmed_reported=confirmed_reported,
            confirmed_checked=confirmed_checked,
            expected_version=row.expected_version,
        ),
    )


def batch_report(*, actor: Actor, rows: list[Row], transfers: dict[int, Transfer]) -> BatchResult:
    """批量报到 (from 未报到)."""
    _check_size(rows)
    return _run(
        rows,
        transfers,
        lambda t, row: report(actor=actor, transfer=t, expected_version=row.expected_version),
    )

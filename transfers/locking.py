"""A transfer read with its row lock, remembered for the rest of that transaction.

An action's screen authorises the transfer and locks its row in one query; the service it calls
then takes that row as it is instead of reading and locking it again.
"""

from __future__ import annotations

from django.db import connection


def mark_locked(transfer):
    """Remember that ``transfer`` was just read ``FOR UPDATE`` inside the open transaction."""
    transfer._locked_in = connection.atomic_blocks[0]
    return transfer


def holds_lock(transfer) -> bool:
    """Whether ``transfer`` was read with its row lock in the transaction still open."""
    blocks = connection.atomic_blocks
    return bool(blocks) and getattr(transfer, "_locked_in", None) is blocks[0]

"""电子介绍信 issued: a new letter (确认发起) or a new version of it (更改, 重新发起, 换发介绍信),
numbered per issuer and year, with the member's facts and the issuer's details as they are
today (everything printed is a snapshot taken at issue)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import connection
from django.utils import timezone

from members.idcard import age_on
from ops import writes
from ops.compiled import Compiled
from orgs.models import Organisation
from transfers.models import Letter, Transfer

VERIFICATION_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def _issue_letter(transfer: Transfer, *, now: dt.datetime, first: bool = False) -> Letter:
    """Issue the 电子介绍信 (version 1), or a new version with the same serial number.
    ``first``: a draft being launched, which has had no letter yet and whose issuer's row is
    locked with the transfer's (see ``outbound.launch``). The transfer learns the letter's last
    day (``letter_expires_on``), which the caller saves with its other fields after this."""
    previous = None if first else _retire_current_letter(transfer)
    issuer = transfer.initiator
    today = timezone.localdate(now)
    if previous:
        year, sequence, version, serial = previous
        version += 1
    else:
        # The issuer's row is the lock that numbers its letters one after another.
        if not first:
            Organisation.objects.select_for_update().filter(pk=issuer.pk).first()
        year, version = today.year, 1
        last = _last_sequence(year).first(issuer=issuer.pk)
        sequence = (last["sequence"] if last else 0) + 1
        serial = f"{issuer.code}-{year}-{sequence:05d}"
    member = _member_facts(transfer)
    transfer.letter_expires_on = today + dt.timedelta(days=transfer.validity_days)
    code = "".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(12))
    addressee = transfer.target_name if transfer.out_of_system else transfer.receiver.name
    [letter] = writes.insert(
        [
            Letter(
                transfer=transfer,
                issuer=issuer,
                year=year,
                sequence=sequence,
                version=version,
                serial_number=serial,
                is_current=True,
                verification_code=code,
                addressee=addressee,
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
                expires_on=transfer.letter_expires_on,
                remarks=transfer.letter_remarks,
                created_at=now,
            )
        ]
    )
    return letter


_LAST_SEQUENCE: dict[int, Compiled] = {}


def _last_sequence(year: int) -> Compiled:
    """The issuer's last serial number of ``year`` (the highest: its unique index read
    backwards). The year is written into the statement: a small integer column takes no
    marker value (``ops.compiled``), and a process sees one year or two."""
    statement = _LAST_SEQUENCE.get(year)
    if statement is None:
        statement = _LAST_SEQUENCE[year] = Compiled(
            lambda issuer: (
                Letter.objects.filter(issuer_id=issuer, year=year)
                .order_by("-sequence")
                .values("sequence")[:1]
            )
        )
    return statement


def _retire_current_letter(transfer: Transfer) -> tuple[int, int, int, str] | None:
    """The current letter is current no more: its year, sequence, version and serial number
    (None without one), from the UPDATE itself (``RETURNING``: no read before it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE transfers_letter SET is_current = %s WHERE transfer_id = %s AND is_current "
            "RETURNING year, sequence, version, serial_number",
            [False, transfer.pk],
        )
        return cursor.fetchone()


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

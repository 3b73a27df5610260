"""TransferStep.transfer_open: a transfer's steps say whether it is still on its way, so that
已办工作 reads an organisation's steps of transfers in flight and not every step it ever took.
Every change of a transfer's state goes through ``services.base._save``: one that finishes the
transfer (报到, 办结, 撤销, 找回, a draft replaced) clears the flag on all its steps, and nothing
else does. The migration marks the steps of the transfers in flight at the time."""

import pytest
from django.db import connection
from django.urls import reverse

from tests.test_exchange import conclude_national
from tests.transfer_helpers import (
    actor_for,
    approve_all,
    draft_to,
    launch,
    org_of,
    receive,
    reject_at_pending,
    report,
)
from transfers import services
from transfers.models import UNFINISHED_STATES, Transfer, TransferStep

pytestmark = pytest.mark.django_db


def flags(transfer: Transfer) -> set[bool]:
    return set(
        TransferStep.objects.filter(transfer=transfer).values_list("transfer_open", flat=True)
    )


def test_a_transfer_on_its_way_keeps_its_steps_open_until_the_member_reports():
    wxy = actor_for(org_of("wxy"))
    t = draft_to(wxy, org_of("ltx_zb1"))
    assert flags(t) == {True}
    t = launch(t)
    assert flags(t) == {True}
    t = receive(approve_all(t), org_of("ltx_zb1"))
    assert flags(t) == {True}  # 未报到 is still on its way
    report(t)
    assert flags(t) == {False}


def test_a_return_keeps_them_open_and_a_revocation_closes_them():
    wxy = actor_for(org_of("wxy"))
    t = reject_at_pending(launch(draft_to(wxy, org_of("ltx_zb1"))))
    assert flags(t) == {True}
    services.revoke(actor=wxy, transfer=t)
    assert flags(t) == {False}


def test_concluding_and_retrieving_close_them():
    concluded = conclude_national()
    assert flags(concluded) == {False}
    retrieved = services.retrieve(actor=actor_for(org_of("wxy")), id_number=concluded.id_number)
    assert flags(retrieved) == {False}


def test_a_draft_replaced_by_a_new_application_is_closed():
    wxy = actor_for(org_of("wxy"))
    old = draft_to(wxy, org_of("ltx_zb1"))
    new = draft_to(wxy, org_of("ltx_zb1"), member=old.member)
    assert Transfer.objects.get(pk=old.pk).state == "revoked"
    assert (flags(old), flags(new)) == ({False}, {True})


def test_the_done_list_leaves_out_a_finished_transfer_through_its_steps(client_as):
    wxy = actor_for(org_of("wxy"))
    t = launch(draft_to(wxy, org_of("ltx_zb1")))
    done = reverse("transfers:out_done")
    assert f"/transfers/t/{t.pk}/" in client_as("wxy").get(done).content.decode()
    services.revoke(actor=wxy, transfer=reject_at_pending(t))
    assert f"/transfers/t/{t.pk}/" not in client_as("wxy").get(done).content.decode()


def test_the_migration_marks_the_steps_of_the_transfers_in_flight():
    from importlib import import_module

    backfill = import_module("transfers.migrations.0012_steps_of_transfers_in_flight").BACKFILL
    wxy = actor_for(org_of("wxy"))
    on_way = launch(draft_to(wxy, org_of("ltx_zb1")))
    finished = report(
        receive(approve_all(launch(draft_to(wxy, org_of("ltx_zb1")))), org_of("ltx_zb1"))
    )
    TransferStep.objects.update(transfer_open=False)  # as the column is added
    with connection.cursor() as cursor:
        cursor.execute(backfill)
    assert (flags(on_way), flags(finished)) == ({True}, {False})
    for t in Transfer.objects.filter(steps__isnull=False).distinct():
        assert flags(t) == {t.state in UNFINISHED_STATES}, t.state

"""The lists of the subsystem (DESIGN.md §4 "Which list shows what"), one query set each."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.transfer_helpers import (
    actor_for,
    approve_all,
    draft_inbound,
    draft_to,
    fresh,
    launch,
    letter,
    receive,
    receiver_for,
    reject_at_pending,
    report,
)
from transfers import selectors, services
from transfers.models import Transfer, TransferType
from transfers.selectors import Filters
from transfers.services import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(org, user):
    """actor("wxy") → the demo login ``wxy`` acting for 文学院党委."""
    return lambda username: Actor(user=user(username), org=org(username))


@pytest.fixture
def transfer(actor, org):
    """A launched 县内 transfer from 文学院 to 离退休第一党支部, pending at the university."""
    return launch(draft_to(actor("wxy"), org("ltx_zb1")))


def ids(rows) -> set[int]:
    return {getattr(row, "transfer_id", row.pk) for row in rows}


def shows(list_query, username: str, org, transfer: Transfer) -> bool:
    return transfer.pk in ids(list_query(org(username)))


# -- where one 县内 transfer shows, stage by stage ----------------------------------------------


def test_a_launched_transfer_waits_in_the_universitys_outgoing_todo(transfer, org):
    assert shows(selectors.outgoing_todo, "gxu", org, transfer)
    assert not shows(selectors.incoming_todo, "gxu", org, transfer)
    assert not shows(selectors.incoming_todo, "ltx", org, transfer)
    assert not shows(selectors.outgoing_todo, "wxy", org, transfer)


def test_at_receipt_it_waits_in_the_receivers_incoming_todo(transfer, org):
    transfer = approve_all(transfer)

    assert shows(selectors.incoming_todo, "ltx", org, transfer)
    assert not shows(selectors.outgoing_todo, "ltx", org, transfer)
    assert not shows(selectors.outgoing_todo, "gxu", org, transfer)


def test_outgoing_done_holds_the_transfer_while_it_is_unfinished(transfer, org):
    assert shows(selectors.outgoing_done, "wxy", org, transfer)
    assert not shows(selectors.outgoing_done, "gxu", org, transfer)

    transfer = receive(approve_all(transfer), org("ltx_zb1"))
    assert shows(selectors.outgoing_done, "wxy", org, transfer)
    assert shows(selectors.outgoing_done, "gxu", org, transfer)
    assert shows(selectors.incoming_done, "ltx", org, transfer)
    assert not shows(selectors.incoming_done, "wxy", org, transfer)

    transfer = report(transfer)
    assert not shows(selectors.outgoing_done, "wxy", org, transfer)
    assert not shows(selectors.incoming_done, "ltx", org, transfer)


def test_a_draft_is_not_yet_done_work(actor, org):
    draft = draft_to(actor("wxy"), org("ltx_zb1"))

    assert not shows(selectors.outgoing_done, "wxy", org, draft)
    assert draft.pk in ids(selectors.drafts_and_returned(org("wxy")))


def test_between_receipt_and_report_it_is_not_reported(transfer, org):
    transfer = receive(approve_all(transfer), org("ltx_zb1"))

    for username in ("ltx", "ltx_zb1", "gxu"):
        assert shows(selectors.not_reported, username, org, transfer)
    assert not shows(selectors.not_reported, "ltx_zb2", org, transfer)
    assert not shows(selectors.not_reported, "wxy", org, transfer)

    transfer = report(transfer)
    assert not shows(selectors.not_reported, "ltx", org, transfer)


def test_after_the_report_it_is_in_both_histories(transfer, org):
    transfer = report(receive(approve_all(transfer), org("ltx_zb1")))

    for username in ("wxy", "wxy_zb1", "gxu", "gx"):
        assert shows(selectors.outgoing_history, username, org, transfer)
    for username in ("ltx", "ltx_zb1", "gxu"):
        assert shows(selectors.incoming_history, username, org, transfer)
    assert not shows(selectors.incoming_history, "wxy", org, transfer)
    assert not shows(selectors.outgoing_history, "ltx", org, transfer)
    assert not shows(selectors.outgoing_history, "wxy_zb2", org, transfer)


def test_an_unfinished_transfer_is_in_no_history(transfer, org):
    transfer = receive(approve_all(transfer), org("ltx_zb1"))

    assert not shows(selectors.outgoing_history, "wxy", org, transfer)
    assert not shows(selectors.incoming_history, "ltx", org, transfer)


def test_a_rejected_transfer_is_returned_to_the_initiator(transfer, org):
    transfer = reject_at_pending(transfer)

    assert shows(selectors.drafts_and_returned, "wxy", org, transfer)
    assert not shows(selectors.drafts_and_returned, "gxu", org, transfer)
    assert not shows(selectors.outgoing_todo, "gxu", org, transfer)
    # The initiator's act stays visible in its 已办工作 although its step now reads 已退回.
    assert shows(selectors.outgoing_done, "wxy", org, transfer)


def test_a_revoked_transfer_leaves_every_list(transfer, actor, org):
    services.revoke(actor=actor("wxy"), transfer=transfer)

    for query in (selectors.outgoing_todo, selectors.outgoing_done, selectors.drafts_and_returned):
        assert not shows(query, "wxy", org, transfer)
        assert not shows(query, "gxu", org, transfer)
    assert not shows(selectors.outgoing_history, "wxy", org, transfer)


def test_a_provincial_transfer_is_outgoing_up_to_the_top_and_incoming_below_it(actor, org):
    transfer = launch(draft_to(actor("wxy"), org("qx_jd_zb1"), transfer_type=TransferType.PROVINCE))
    seen = []
    while (step := transfer.pending_step) is not None and step.role == "approve":
        lists = {
            "out": transfer.pk in ids(selectors.outgoing_todo(step.org)),
            "in": transfer.pk in ids(selectors.incoming_todo(step.org)),
        }
        seen.append((step.org.short_name, *[side for side, listed in lists.items() if listed]))
        transfer = services.approve(actor=actor_for(step.org), transfer=transfer, confirmed=True)

    assert seen == [
        ("广西某大学党委", "out"),
        ("广西区党委", "out"),
        ("南宁市委", "in"),
        ("青秀区委", "in"),
    ]
    assert shows(selectors.incoming_todo, "qx_jd", org, transfer)


def test_a_national_transfer_is_concluded_from_the_outgoing_todo(actor, org):
    transfer = launch(
        draft_to(actor("wxy"), None, transfer_type=TransferType.NATIONAL, target_name="省外某党委")
    )

    assert shows(selectors.outgoing_todo, "gxu", org, transfer)
    assert not shows(selectors.incoming_todo, "gxu", org, transfer)


def test_an_inbound_transfer_is_incoming_all_the_way(actor, org):
    transfer = launch(draft_inbound(actor("gx"), org("qx_jd_zb1")))

    assert shows(selectors.incoming_todo, "nn", org, transfer)
    assert shows(selectors.incoming_done, "gx", org, transfer)
    assert not shows(selectors.outgoing_done, "gx", org, transfer)

    transfer = report(receive(approve_all(transfer), org("qx_jd_zb1")))
    assert shows(selectors.incoming_history, "qx_jd", org, transfer)
    assert not shows(selectors.outgoing_history, "gx", org, transfer)


# -- the search filters of the history lists ----------------------------------------------------


@pytest.fixture
def finished(actor, org):
    """Two finished transfers out of 文学院: a 县内 one (reported) and a 全国 one (concluded)."""
    members = list(services.transferable_members(org("wxy")).order_by("pk")[:2])
    county = report(
        receive(
            approve_all(launch(draft_to(actor("wxy"), org("ltx_zb1"), member=members[0]))),
            org("ltx_zb1"),
        )
    )
    national = draft_to(
        actor("wxy"),
        None,
        transfer_type=TransferType.NATIONAL,
        target_name="省外某党委",
        member=members[1],
    )
    national = services.conclude(
        actor=actor("gxu"),
        transfer=launch(national),
        confirmed=True,
        receiver=receiver_for(actor("gxu").org),
    )
    return fresh(county), fresh(national)


def test_history_filters_by_exact_name(finished, org):
    county, _ = finished

    assert ids(selectors.outgoing_history(org("wxy"), Filters(name=county.member_name))) == {
        county.pk
    }
    assert not selectors.outgoing_history(org("wxy"), Filters(name=county.member_name[:1])).exists()
    assert ids(selectors.incoming_history(org("ltx"), Filters(name=county.member_name))) == {
        county.pk
    }


def test_history_filters_by_exact_id_number(finished, org):
    _, national = finished

    found = selectors.outgoing_history(org("wxy"), Filters(id_number=national.id_number))
    assert ids(found) == {national.pk}
    assert not selectors.outgoing_history(
        org("wxy"), Filters(id_number=national.id_number[:17])
    ).exists()


def test_history_filters_by_transfer_type(finished, org):
    county, national = finished

    by_type = {
        t: ids(selectors.outgoing_history(org("wxy"), Filters(transfer_type=t)))
        for t in (TransferType.COUNTY, TransferType.NATIONAL, TransferType.PROVINCE)
    }
    assert by_type == {
        TransferType.COUNTY: {county.pk},
        TransferType.NATIONAL: {national.pk},
        TransferType.PROVINCE: set(),
    }


def test_history_filters_by_date_range(finished, org):
    county, national = finished
    today = timezone.localdate()
    day = dt.timedelta(days=1)

    def outgoing(**dates):
        return ids(selectors.outgoing_history(org("wxy"), Filters(**dates)))

    def incoming(**dates):
        return ids(selectors.incoming_history(org("ltx"), Filters(**dates)))

    assert outgoing(date_from=today, date_to=today) == {county.pk, national.pk}
    assert outgoing(date_from=today + day) == set()
    assert outgoing(date_to=today - day) == set()
    assert incoming(date_from=today, date_to=today) == {county.pk}
    assert incoming(date_from=today + day) == set()
    assert incoming(date_to=today - day) == set()


def test_not_reported_filters_by_name_and_id_number(transfer, org):
    transfer = fresh(receive(approve_all(transfer), org("ltx_zb1")))

    assert ids(selectors.not_reported(org("ltx"), Filters(name=transfer.member_name))) == {
        transfer.pk
    }
    assert not selectors.not_reported(org("ltx"), Filters(id_number="450103199001010000")).exists()


# -- each list costs the same number of queries however many rows it shows ----------------------


def make(actor, org, n: int, stage: str) -> None:
    """``n`` more transfers of 文学院 members to 离退休第一党支部, taken to ``stage``."""
    members = list(services.transferable_members(org("wxy")).order_by("pk")[:n])
    assert len(members) == n
    transfers = services.draft(
        actor=actor("wxy"),
        members=members,
        transfer_type=TransferType.COUNTY,
        target=org("ltx_zb1"),
        letter=letter(),
    )
    for transfer in transfers:
        transfer = launch(transfer)
        if stage == "returned":
            reject_at_pending(transfer)
        elif stage != "launched":
            transfer = approve_all(transfer)
            if stage != "at_receiver":
                transfer = receive(transfer, org("ltx_zb1"))
            if stage == "reported":
                report(transfer)


def touch(rows) -> None:
    """Read what a list row displays."""
    for row in rows:
        transfer = getattr(row, "transfer", row)
        str(transfer.gender_display)
        str(transfer.dest_branch_name)
        transfer.letter_days_left()


LISTS = [
    ("outgoing_todo", "gxu", "launched"),
    ("incoming_todo", "ltx", "at_receiver"),
    ("drafts_and_returned", "wxy", "returned"),
    ("outgoing_done", "wxy", "received"),
    ("incoming_done", "ltx", "received"),
    ("not_reported", "ltx", "received"),
    ("outgoing_history", "wxy", "reported"),
    ("incoming_history", "ltx", "reported"),
]


@pytest.mark.parametrize(("name", "username", "stage"), LISTS)
def test_a_list_page_costs_the_same_queries_for_1_or_5_rows(
    actor, org, django_assert_num_queries, name, username, stage
):
    query, viewer = getattr(selectors, name), org(username)
    make(actor, org, 1, stage)
    with CaptureQueriesContext(connection) as one:
        rows = list(query(viewer)[:20])
        touch(rows)
    assert len(rows) == 1

    make(actor, org, 4, stage)
    with django_assert_num_queries(len(one.captured_queries)):
        rows = list(query(viewer)[:20])
        touch(rows)
    assert len(rows) == 5


@pytest.mark.parametrize(("name", "username", "stage"), LISTS)
def test_a_list_row_shows_what_the_related_rows_say(actor, org, name, username, stage):
    query, viewer = getattr(selectors, name), org(username)
    make(actor, org, 2, stage)
    rows = list(query(viewer)[:20])
    assert rows
    for row in rows:
        listed = getattr(row, "transfer", row)
        stored = Transfer.objects.get(pk=listed.pk)  # no row values: the related rows
        assert "row_gender" in listed.__dict__
        assert listed.gender_display == stored.member.get_gender_display() != ""
        assert listed.dest_branch_name == (stored.dest_branch.name if stored.dest_branch else "")
        letter = stored.letters.filter(is_current=True).first()
        assert listed.letter_days_left() == (letter.days_left() if letter else None)
        assert stored.letter_days_left() == listed.letter_days_left()

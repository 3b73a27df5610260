"""ops.writes: the UPDATE and INSERT every action writes, built once, write what the ORM writes.

Each test compares the stored row with what ``save(update_fields=…)`` or ``bulk_create`` leave,
on whichever database the suite runs (SQLite, or PostgreSQL with DATABASE_URL), and checks that
what the fast path does not cover goes Django's way instead of being skipped.
"""

import datetime as dt

import pytest
from django.db import DatabaseError, connection
from django.db.models import F
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEvent
from members.models import Member
from ops import writes
from tests.transfer_helpers import actor_for, org_of
from tests.transfer_view_helpers import stage
from transfers.models import EventAction, StepState, Transfer, TransferEvent, TransferStep
from transfers.services.base import event

pytestmark = pytest.mark.django_db


def _row(obj):
    return type(obj).objects.filter(pk=obj.pk).values().get()


def _open_step(transfer):
    return transfer.steps.filter(state=StepState.PENDING).get()


def test_an_update_writes_the_fields_as_save_does_in_one_statement():
    a, b = stage("launched"), stage("launched")
    now = timezone.now()
    user = actor_for(org_of("gxu")).user
    for transfer, write in (
        (a, lambda s, f: s.save(update_fields=f)),
        (b, lambda s, f: writes.update(s, f)),
    ):
        step = _open_step(transfer)
        step.state, step.actor, step.acted_at, step.opinion = StepState.APPROVED, user, now, "同意"
        step.org_path = "changed, but not among the fields written"
        with CaptureQueriesContext(connection) as ctx:
            write(step, ["state", "actor", "acted_at", "opinion"])
        [query] = ctx.captured_queries
        assert query["sql"].startswith("UPDATE")
    sa, sb = (t.steps.get(state=StepState.APPROVED) for t in (a, b))
    for step in (sa, sb):
        assert (step.state, step.actor_id, step.acted_at, step.opinion) == (
            StepState.APPROVED,
            user.pk,
            now,
            "同意",
        )
        assert step.org_path != "changed, but not among the fields written"


def test_an_update_of_the_transfer_keeps_every_other_field():
    transfer = stage("launched")
    before = _row(transfer)
    transfer.version += 1
    transfer.letter_expires_on = dt.date(2030, 1, 31)
    transfer.member_name = "not written"
    writes.update(transfer, ["version", "letter_expires_on"])
    after = _row(transfer)
    assert after == {
        **before,
        "version": before["version"] + 1,
        "letter_expires_on": dt.date(2030, 1, 31),
    }


def test_an_update_of_a_row_that_is_gone_fails_as_save_does():
    ghost = Transfer.objects.get(pk=stage("draft").pk)
    ghost.pk = ghost.pk + 1_000_000
    with pytest.raises(DatabaseError, match="did not affect any rows"):
        writes.update(ghost, ["version"])


def test_a_model_with_save_receivers_is_saved_by_save():
    step = _open_step(stage("launched"))
    heard = []

    def receiver(sender, instance, update_fields, **kwargs):
        heard.append((instance.pk, sorted(update_fields)))

    post_save.connect(receiver, sender=TransferStep)
    try:
        step.opinion = "有人在听"
        writes.update(step, ["opinion"])
    finally:
        post_save.disconnect(receiver, sender=TransferStep)
    assert heard == [(step.pk, ["opinion"])]
    assert TransferStep.objects.get(pk=step.pk).opinion == "有人在听"


def test_an_expression_goes_the_orms_way():
    transfer = stage("launched")
    version = transfer.version
    transfer.version = F("version") + 5
    writes.update(transfer, ["version"])
    assert Transfer.objects.get(pk=transfer.pk).version == version + 5


def _events(transfer, n, at):
    actor = actor_for(org_of("gxu"))
    return [
        event(
            transfer,
            actor,
            EventAction.APPROVE,
            "in_progress",
            opinion=f"第{i}条",
            data={"i": i},
            at=at,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("n", [1, 3])
def test_an_insert_writes_the_rows_bulk_create_writes_with_their_keys_in_order(n):
    transfer = stage("launched")
    at = timezone.now()
    ours, django = _events(transfer, n, at), _events(transfer, n, at)
    with CaptureQueriesContext(connection) as ctx:
        writes.insert(ours)
    [query] = ctx.captured_queries
    assert query["sql"].startswith("INSERT")
    TransferEvent.objects.bulk_create(django)
    assert [e.pk for e in ours] == sorted(e.pk for e in ours)
    for mine, theirs in zip(ours, django, strict=True):
        assert not mine._state.adding
        assert mine._state.db == "default"
        a, b = _row(mine), _row(theirs)
        assert a.pop("id") == mine.pk
        assert b.pop("id") == theirs.pk
        assert a == b
        assert a["data"] == {"i": ours.index(mine)}


def test_an_insert_takes_only_new_rows():
    transfer = stage("launched")
    [written] = writes.insert(_events(transfer, 1, timezone.now()))
    with pytest.raises(ValueError, match="new objects"):
        writes.insert([written])


def test_an_insert_with_an_unsaved_related_object_is_refused_as_bulk_create_refuses_it():
    row = AuditEvent(
        event_type="transfer", username="x", user=type(actor_for(org_of("gxu")).user)()
    )
    with pytest.raises(ValueError, match="unsaved related object"):
        writes.insert([row])
    assert not AuditEvent.objects.filter(username="x").exists()


def _steps_changed(transfer, user, now):
    """The transfer's steps with their states, actors, times and opinions changed in memory:
    some values None, a foreign key set by object, one by key."""
    steps = list(transfer.steps.order_by("order"))
    for i, step in enumerate(steps):
        step.state = [StepState.RETURNED, StepState.REJECTED, StepState.CANCELLED][i % 3]
        step.actor = user if i % 2 == 0 else None
        step.acted_at = now + dt.timedelta(minutes=i) if i != 1 else None
        step.opinion = f"第{i}步"
        step.org_path = "not among the fields written"
    return steps


@pytest.mark.parametrize("n", [1, 3])
def test_update_rows_writes_what_bulk_update_writes_in_one_statement(n):
    a, b = stage("launched"), stage("launched")
    user, now = actor_for(org_of("gxu")).user, timezone.now()
    fields = ["state", "actor", "acted_at", "opinion"]
    ours = _steps_changed(a, user, now)[:n]
    theirs = _steps_changed(b, user, now)[:n]
    with CaptureQueriesContext(connection) as ctx:
        writes.update_rows(ours, fields)
    [query] = ctx.captured_queries
    assert query["sql"].startswith("UPDATE")
    TransferStep.objects.bulk_update(theirs, fields)
    for mine, other in zip(ours, theirs, strict=True):
        x, y = _row(mine), _row(other)
        assert x["org_path"] != "not among the fields written"
        for row in (x, y):
            row.pop("id"), row.pop("transfer_id"), row.pop("due_at"), row.pop("pending_since")
        assert x == y
        assert (x["state"], x["actor_id"], x["opinion"]) == (
            mine.state,
            mine.actor_id,
            mine.opinion,
        )


def test_update_rows_with_an_expression_goes_the_orms_way():
    transfer = stage("launched")
    steps = list(transfer.steps.order_by("order"))
    steps[0].opinion = F("org_path")
    steps[1].opinion = "写入"
    writes.update_rows(steps[:2], ["opinion"])
    assert [s.opinion for s in transfer.steps.order_by("order")[:2]] == [
        steps[0].org_path,
        "写入",
    ]


def test_update_where_writes_what_a_filtered_update_writes():
    a, b = stage("launched"), stage("launched")
    now = timezone.now()
    branch = org_of("ltx_zb1")
    change = {"branch": branch, "branch_path": branch.path, "updated_at": now}
    before = [_row(t.member) for t in (a, b)]
    with CaptureQueriesContext(connection) as ctx:
        count = writes.update_where(Member, {"pk": a.member_id}, **change)
    [query] = ctx.captured_queries
    assert query["sql"].startswith("UPDATE")
    assert count == 1
    Member.objects.filter(pk=b.member_id).update(**change)
    written = {"branch_id": branch.pk, "branch_path": branch.path, "updated_at": now}
    assert [_row(t.member) for t in (a, b)] == [{**row, **written} for row in before]
    # By a foreign key and a flag, as a transfer's current letter is found.
    letters = a.letters.filter(is_current=True)
    assert (
        writes.update_where(
            type(letters.get()), {"transfer": a.pk, "is_current": True}, receipt_handler="张三"
        )
        == 1
    )
    assert letters.get().receipt_handler == "张三"
    assert (
        writes.update_where(
            type(letters.get()), {"transfer": a, "is_current": False}, receipt_handler="李四"
        )
        == a.letters.filter(is_current=False).count()
    )
    assert letters.get().receipt_handler == "张三"


def test_update_where_on_none_or_an_expression_goes_the_orms_way():
    transfer = stage("launched")
    # ``= NULL`` would match nothing; the ORM says ``IS NULL``.
    assert (
        writes.update_where(Transfer, {"pk": transfer.pk, "dest_branch": None}, return_reason="x")
        == Transfer.objects.filter(pk=transfer.pk, dest_branch=None).count()
    )
    writes.update_where(Member, {"pk": transfer.member_id}, name=F("name"))
    assert Member.objects.get(pk=transfer.member_id).name == transfer.member.name

"""ops.compiled: a statement compiled once gives, for any values, exactly what its queryset
gives — the same rows, the same field values, the same joined objects — on SQLite and on
PostgreSQL, with and without prepared statements; and each statement the pages use is checked
against the queryset it stands for."""

import pytest
from django.db import connection, transaction
from django.db.transaction import TransactionManagementError
from django.test.utils import CaptureQueriesContext

from ops.compiled import Compiled
from orgs.models import Organisation
from tests.transfer_helpers import (
    actor_for,
    approve_all,
    draft_to,
    every_page,
    launch,
    org_of,
    receive,
    reject_at_pending,
    report,
)
from transfers import list_statements, selectors
from transfers.models import Letter, Transfer, TransferEvent, TransferStep
from transfers.services import base as services_base
from transfers.services import issuing

pytestmark = pytest.mark.django_db


def values(obj, *related: str) -> dict:
    """Every concrete field of ``obj`` and of the objects joined to it along ``related``."""
    out = {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}
    for path in related:
        target = obj
        for name in path.split("__"):
            target = getattr(target, name) if target is not None else None
        out[path] = values(target) if target is not None else None
    return out


@pytest.fixture
def transfers():
    """Transfers in several states: pending, received, returned — steps, events and letters."""
    wxy = actor_for(org_of("wxy"))
    pending = launch(draft_to(wxy, org_of("ltx_zb1")))
    received = receive(approve_all(launch(draft_to(wxy, org_of("ltx_zb1")))), org_of("ltx_zb1"))
    returned = reject_at_pending(launch(draft_to(wxy, org_of("ltx_zb1"))))
    return [pending, received, returned]


def test_the_transfer_by_key_is_what_the_queryset_gives(transfers):
    for related in [(), selectors.DETAIL_PAGE_RELATED, selectors.DETAIL_RELATED]:
        statement = selectors._transfer_by_key(False, related)
        for t in transfers:
            expected = Transfer.objects.select_related(*related).get(pk=t.pk)
            got = statement.first(pk=t.pk)
            assert values(got, *related) == values(expected, *related)
        assert statement.first(pk=max(t.pk for t in transfers) + 1000) is None


def test_path_log_and_letter_are_what_the_querysets_give(transfers):
    for t in transfers:
        steps = list(t.steps.select_related("org", "actor").order_by("round", "order"))
        assert [values(s, "org", "actor") for s in selectors.path_steps(t)] == [
            values(s, "org", "actor") for s in steps
        ]
        events = list(t.events.select_related("org"))
        got = selectors.log_events(t)
        assert [values(e, "org") for e in got] == [values(e, "org") for e in events]
        letter = t.letters.filter(is_current=True).first()
        got_letter = selectors.letter_of(t)
        assert (values(got_letter) if got_letter else None) == (values(letter) if letter else None)


def test_open_steps_are_what_the_queryset_gives(transfers):
    for t in transfers:
        rows = list(
            t.steps.filter(round=t.round, state__in=["pending", "waiting"])
            .select_related("org")
            .order_by("order")
        )
        got = services_base._OPEN_STEPS.all(pk=t.pk, round=t.round)
        assert [values(s, "org") for s in got] == [values(s, "org") for s in rows]


def test_a_transfers_package_is_what_the_accessor_gives():
    from tests.transfer_helpers import conclude
    from tests.transfer_view_helpers import national

    concluded = conclude(national())
    for t in (concluded, national()):
        expected = getattr(Transfer.objects.get(pk=t.pk), "exchange_package", None)
        got = selectors.package_of(t)
        assert (values(got) if got else None) == (values(expected) if expected else None)
        assert got is None or got.source_transfer is t
    assert selectors.package_of(concluded) is not None


def test_a_rounds_steps_are_what_the_queryset_gives(transfers):
    for t in transfers:
        rows = list(t.steps.filter(round=t.round).select_related("org").order_by("order"))
        got = services_base._round_steps(t)
        assert [values(s, "org") for s in got] == [values(s, "org") for s in rows]
        assert all(s.transfer is t for s in got)


def test_the_pending_step_and_current_letter_are_what_the_querysets_gave(transfers):
    for t in transfers:
        fresh = Transfer.objects.get(pk=t.pk)
        step = t.steps.filter(state="pending").select_related("org").order_by("pk").first()
        got = fresh.pending_step
        assert (values(got, "org") if got else None) == (values(step, "org") if step else None)
        assert got is None or got.transfer is fresh
        letter = t.letters.filter(is_current=True).order_by("pk").first()
        assert values(fresh.current_letter) == values(letter)
    assert [t.pending_step is not None for t in transfers] == [True, False, False]


def test_a_locked_transfer_is_what_the_queryset_gives(transfers):
    for related, also in [((), ()), (("initiator", "target"), ("initiator",))]:
        for t in transfers:
            with transaction.atomic():
                got = services_base.lock(t.pk, related, also=also)
                expected = Transfer.objects.select_related(*related).get(pk=t.pk)
            assert values(got, *related) == values(expected, *related)
    with transaction.atomic(), pytest.raises(Transfer.DoesNotExist):
        services_base.lock(max(t.pk for t in transfers) + 1000)


def test_an_organisations_chosen_transfers_are_what_the_queryset_gives(transfers):
    wxy = org_of("wxy")
    ids = [t.pk for t in transfers] + [max(t.pk for t in transfers) + 1000]
    related = ("member", "target", "source_branch")
    expected = Transfer.objects.filter(pk__in=ids, initiator=wxy).select_related(*related)
    got = selectors.initiated_by(wxy, ids)
    assert [values(t, *related) for t in got] == [
        values(t, *related) for t in expected.order_by("pk")
    ]
    assert selectors.initiated_by(org_of("gxu"), ids) == []


def test_the_last_serial_number_is_the_highest_of_the_year(transfers):
    from django.db.models import Max

    wxy = org_of("wxy")
    year = Letter.objects.filter(issuer=wxy).values_list("year", flat=True).first()
    last = Letter.objects.filter(issuer=wxy, year=year).aggregate(m=Max("sequence"))["m"]
    assert issuing._last_sequence(year).first(issuer=wxy.pk) == {"sequence": last}
    assert issuing._last_sequence(year - 1).first(issuer=wxy.pk) is None


@pytest.mark.parametrize("who", ["ltx", "wxy", "wxy_zzb1", "gxu", "qx_jd", "wxy_zb1"])
def test_a_direct_branch_by_its_id_is_one_of_the_direct_branches(who):
    from orgs.models import Organisation

    org = org_of(who)
    direct = list(services_base.direct_branches(org))
    for branch in direct:
        assert values(services_base.direct_branch(org, branch.pk)) == values(branch)
    others = Organisation.objects.exclude(pk__in=[b.pk for b in direct])
    assert [services_base.direct_branch(org, o.pk) for o in others] == [None] * others.count()


def test_on_the_route_is_what_the_queryset_gives(transfers):
    for t in transfers:
        for org in {s.org for s in t.steps.all()} | {org_of("gx"), org_of("wgy"), org_of("nn")}:
            expected = (
                TransferStep.objects.filter(transfer_id=t.pk, org_path__startswith=org.path)
                .exclude(state__in=["superseded", "cancelled"])
                .exists()
            )
            assert selectors._on_route(t.pk, org.path) is expected


def test_known_objects_cost_no_query(transfers):
    t = transfers[0]
    steps = selectors.path_steps(t)
    with CaptureQueriesContext(connection) as ctx:
        assert all(s.transfer is t for s in steps)
        assert all(s.org.name for s in steps)  # joined
    assert len(ctx.captured_queries) == 0


def test_one_statement_serves_any_values_and_runs_as_one_query(transfers):
    statement = Compiled(lambda pk: TransferEvent.objects.filter(transfer_id=pk).order_by("id"))
    for t in transfers:
        with CaptureQueriesContext(connection) as ctx:
            got = statement.all(pk=t.pk)
        assert [e.pk for e in got] == list(t.events.order_by("id").values_list("pk", flat=True))
        assert len(ctx.captured_queries) == 1


def test_a_string_parameter(transfers):
    statement = Compiled(lambda path: Organisation.objects.filter(path=path))
    org = org_of("gxu")
    assert [o.pk for o in statement.all(path=org.path)] == [org.pk]
    assert statement.all(path="no such path") == []


def test_a_datetime_or_date_parameter_is_adapted_as_the_field_adapts_it(transfers):
    """A cursor's page compares dates and times: the marker is found in the SQL as the backend
    adapts it (unchanged on PostgreSQL, text on SQLite), and each value adapted the same way."""
    import datetime as dt

    events = list(TransferEvent.objects.order_by("at", "id"))
    after = Compiled(
        lambda at, pk: TransferEvent.objects.filter(at__gte=at, pk__gt=pk).order_by("id")
    )
    for e in events:
        expected = list(TransferEvent.objects.filter(at__gte=e.at, pk__gt=0).order_by("id"))
        assert after.all(at=e.at, pk=0) == expected
    expiring = Compiled(lambda day: Letter.objects.filter(expires_on__gte=day).order_by("id"))
    launched = Compiled(lambda day: Transfer.objects.filter(created_at__date__gte=day))
    day = events[0].at.date()
    assert Letter.objects.exists()
    for d in (
        day,
        day + dt.timedelta(days=1),
        day - dt.timedelta(days=400),
        day + dt.timedelta(days=100),
    ):
        expected = list(Letter.objects.filter(expires_on__gte=d).order_by("id"))
        assert expiring.all(day=d) == expected, d
        assert set(launched.all(day=d)) == set(Transfer.objects.filter(created_at__date__gte=d))


def test_a_list_parameter_is_compiled_for_each_power_of_two_of_its_length(transfers):
    statement = Compiled(lambda ids: TransferEvent.objects.filter(pk__in=ids).order_by("id"))
    events = list(TransferEvent.objects.order_by("id"))
    assert len(events) > 3
    for ids in ([events[0].pk], [e.pk for e in events[:3]], [events[2].pk, events[0].pk, 0]):
        assert statement.all(ids=ids) == [e for e in events if e.pk in ids]
    assert statement.all(ids=[events[1].pk, events[1].pk]) == [events[1]]
    assert statement.all(ids=[e.pk for e in events[3:6]]) == events[3:6]
    with CaptureQueriesContext(connection) as ctx:
        assert statement.all(ids=[]) == []
    assert ctx.captured_queries == []
    # One, two and four keys: three keys are four with the last repeated (the same rows).
    assert len(statement._plans) == 3
    assert statement.all(ids=[e.pk for e in events[:4]]) == events[:4]
    assert len(statement._plans) == 3


@pytest.mark.parametrize(
    ("model", "rows", "lookup"),
    [
        (TransferStep, TransferStep.objects.order_by("id"), "todo"),
        (Transfer, Transfer.objects.order_by("id"), "pending"),
        (Transfer, Transfer.objects.order_by("-id"), "route"),
    ],
)
def test_a_compiled_prefetch_is_djangos(transfers, model, rows, lookup):
    from django.db.models import Prefetch, prefetch_related_objects

    from ops.compiled import CompiledPrefetch

    def prefetch():
        if lookup == "todo":
            return Prefetch("transfer", queryset=selectors.row_values(Transfer.objects.all()))
        return selectors.pending_step() if lookup == "pending" else selectors.route_steps()

    def seen(objs):
        out = []
        for obj in objs:
            if lookup == "todo":
                out.append((obj.pk, values(obj.transfer), obj.transfer.gender_display))
            else:
                attr = "pending_steps" if lookup == "pending" else "route_steps"
                out.append((obj.pk, _steps(getattr(obj, attr))))
        return out

    compiled = CompiledPrefetch(model, prefetch())
    for n in (1, 2, len(rows)):
        theirs, ours = list(rows[:n]), list(rows[:n])
        prefetch_related_objects(theirs, prefetch())
        with CaptureQueriesContext(connection) as ctx:
            compiled(ours)
        assert len(ctx.captured_queries) == 1
        assert seen(ours) == seen(theirs)
    compiled([])  # nothing to fetch, no query


def test_a_prefetch_it_cannot_compile_is_refused():
    from django.db.models import Prefetch

    from ops.compiled import CompiledPrefetch

    for lookup in (
        "steps",
        Prefetch("steps", TransferStep.objects.all()),  # reverse without to_attr
        Prefetch("steps"),  # no queryset
        Prefetch("steps__org"),
        Prefetch("steps", TransferStep.objects.prefetch_related("transfer"), to_attr="x"),
    ):
        with pytest.raises(ValueError, match=r"Prefetch|to_attr"):
            CompiledPrefetch(Transfer, lookup)


def test_a_values_queryset_gives_the_dicts_it_gives(transfers):
    """Grouped counts (工作督查): ``.values()`` with annotations, named as Django names them,
    an annotation first included."""
    from django.db.models import Count
    from django.db.models.functions import Substr

    def grouped(path, width, states):
        return (
            TransferStep.objects.filter(org_path__startswith=path, state__in=states)
            .annotate(child=Substr("org_path", 1, width))
            .values("child", "state")
            .annotate(n=Count("id"))
            .order_by("child", "state")
        )

    statement = Compiled(grouped)
    for who in ("gx", "gxu", "wxy"):
        org = org_of(who)
        for states in (["pending"], ["pending", "done"]):
            values = {"path": org.path, "width": len(org.path) + 4, "states": states}
            assert statement.all(**values) == list(grouped(**values))
    with pytest.raises(ValueError, match="dicts"):
        Compiled(lambda pk: Transfer.objects.filter(pk=pk).values_list("pk")).all(pk=1)


@pytest.mark.django_db(transaction=True)
def test_a_locking_statement_needs_a_transaction(demo_db):
    t = launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))
    statement = selectors._transfer_by_key(True, ())
    with pytest.raises(TransactionManagementError):
        statement.first(pk=t.pk)
    with transaction.atomic():
        assert statement.first(pk=t.pk).pk == t.pk


@pytest.mark.parametrize("lookup", ["startswith", "contains", "endswith", "icontains"])
def test_a_like_parameter_is_escaped_and_wrapped_as_the_lookup_does_it(transfers, lookup):
    statement = Compiled(
        lambda value: Organisation.objects.filter(**{f"name__{lookup}": value}).order_by("pk")
    )
    for value in ["广西", "委员会", "中共广西某大学", "%", "_", "100%_", "no such"]:
        expected = list(Organisation.objects.filter(**{f"name__{lookup}": value}).order_by("pk"))
        assert statement.all(value=value) == expected, value


def test_a_subtree_by_its_path_is_what_the_queryset_gives(transfers):
    statement = Compiled(
        lambda path, pk: (
            Organisation.objects.filter(path__startswith=path).exclude(pk=pk).order_by("path")
        )
    )
    for username in ("gxu", "wxy", "wxy_zb1"):
        org = org_of(username)
        expected = list(
            Organisation.objects.filter(path__startswith=org.path)
            .exclude(pk=org.pk)
            .order_by("path")
        )
        assert statement.all(path=org.path, pk=org.pk) == expected


def test_a_bound_statement_runs_as_its_queryset(transfers):
    org = org_of("gxu")
    statement = Compiled(
        lambda path: Organisation.objects.filter(path__startswith=path).values("pk")
    )
    bound = statement.bind(path=org.path)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({bound.sql}) c", bound.params)  # noqa: S608
        [(n,)] = cursor.fetchall()
    assert bound.db == "default"
    assert n == Organisation.objects.filter(path__startswith=org.path).count()


def test_a_parameter_that_does_not_reach_the_sql_unchanged_is_refused():
    statement = Compiled(lambda year: Organisation.objects.filter(name__startswith=str(year)[:2]))
    with pytest.raises(ValueError, match="unchanged"):
        statement.all(year="2026")
    with pytest.raises(TypeError):
        Compiled(lambda flag: Organisation.objects.filter(is_active=flag)).all(flag=True)
    with pytest.raises(ValueError, match="prefetch"):
        Compiled(lambda pk: TransferStep.objects.filter(pk=pk).prefetch_related("transfer")).all(
            pk=1
        )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_statement_serves_threads_each_on_its_own_connection(demo_db):
    """Threaded workers (GUNICORN_THREADS): the compiled plan is shared, each thread runs it on
    its own connection and gets its own objects."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    wxy = actor_for(org_of("wxy"))
    made = [launch(draft_to(wxy, org_of("ltx_zb1"))) for _ in range(2)]
    made.append(reject_at_pending(launch(draft_to(wxy, org_of("ltx_zb1")))))
    statement = selectors._transfer_by_key(False, selectors.DETAIL_PAGE_RELATED)
    expected = {
        t.pk: values(Transfer.objects.select_related(*selectors.DETAIL_PAGE_RELATED).get(pk=t.pk))
        for t in made
    }

    def read(i):
        try:
            t = made[i % len(made)]
            got = statement.first(pk=t.pk)
            steps = selectors.path_steps(got)
            return t.pk, values(got), len(steps), id(connections["default"])
        finally:
            connections.close_all()

    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(read, range(60)))
    assert all(row == expected[pk] for pk, row, _, _ in results)
    assert all(n >= 2 for _, _, n, _ in results)
    assert len({conn for *_, conn in results}) > 1


TAB_SELECTORS = {
    "out_todo": None,  # exact: steps and own drafts and returns (outgoing_todo_count)
    "out_done": selectors.outgoing_done,
    "out_progress": selectors.outgoing_progress,
    "out_history": selectors.outgoing_history,
    "in_todo": selectors.incoming_todo,
    "in_done": selectors.incoming_done,
    "in_unreported": selectors.not_reported,
    "in_history": selectors.incoming_history,
}


@pytest.mark.parametrize("who", ["gx", "gxu", "wxy", "wxy_zb1", "ltx", "ltx_zb1"])
def test_the_tab_badges_count_what_their_lists_hold(transfers, who):
    """Each tab's count, compiled once (list_statements.tab_count), is its list's, for any
    office."""
    from orgs.paging import BADGE_CAP, count_together

    wxy = actor_for(org_of("wxy"))
    report(receive(approve_all(launch(draft_to(wxy, org_of("ltx_zb1")))), org_of("ltx_zb1")))
    draft_to(wxy, org_of("ltx_zb1"))  # a draft of its own
    org = org_of(who)
    got = count_together({tab: list_statements.tab_count(tab, org) for tab in TAB_SELECTORS})
    for tab, selector in TAB_SELECTORS.items():
        if selector is None:
            expected = sum(qs.count() for qs in selectors.outgoing_todo_count(org).querysets)
        else:
            expected = min(selector(org).count(), BADGE_CAP + 1)
        assert got[tab] == expected, tab
    assert any(got.values())
    if who == "ltx_zb1":
        assert got["in_history"] == 1


FIRST_PAGES = {
    "out_todo": (selectors.outgoing_todo, selectors.TODO_ORDERING),
    "out_own": (list_statements._own_work, ["-id"]),
    "out_done": (selectors.outgoing_done, selectors.DONE_ORDERING),
    "out_progress": (selectors.outgoing_progress, selectors.PROGRESS_ORDERING),
    "out_history": (selectors.outgoing_history, selectors.HISTORY_ORDERING),
    "in_todo": (selectors.incoming_todo, selectors.TODO_ORDERING),
    "in_done": (selectors.incoming_done, selectors.DONE_ORDERING),
    "in_unreported": (selectors.not_reported, selectors.NOT_REPORTED_ORDERING),
    "in_history": (selectors.incoming_history, selectors.HISTORY_ORDERING),
}


def _steps(steps) -> list:
    """Each step, its organisation and the transfer cached on it (without a query)."""
    return [(s.pk, s.state, s.org.name, s.transfer.pk) for s in steps]


def _shown(page) -> list:
    """What a list row shows of each row: its fields, its row values and its prefetches."""
    out = []
    with CaptureQueriesContext(connection) as ctx:
        for row in page.rows:
            t = getattr(row, "transfer", row)
            out.append(
                (
                    row.pk,
                    t.pk,
                    t.member_name,
                    t.gender_display,
                    t.dest_branch_name,
                    t.letter_days_left(),
                    _steps(getattr(t, "pending_steps", [])),
                    _steps(getattr(t, "route_steps", [])),
                )
            )
    assert ctx.captured_queries == []  # everything a row shows came with the page
    return out


def _walk(selector, org, ordering, compiled) -> list:
    """Every page of a list, forwards to its end and back again by the cursors, as shown."""
    from orgs.paging import paginate

    def page(**cursor):
        return paginate(selector(org), ordering, compiled=compiled, **cursor)

    pages = every_page(page)
    return [(_shown(p), p.count, p.first_index, p.next_cursor, p.prev_cursor) for p in pages]


@pytest.mark.parametrize("who", ["gxu", "wxy", "wxy_zb1", "ltx", "ltx_zb1"])
def test_each_lists_pages_compiled_once_are_its_lists(transfers, who, settings):
    """Rows (with what they show), order, cursors and count of every page, forwards and back:
    the same from the compiled statements (list_statements.compiled_list) as from the list's
    queryset."""
    from orgs.paging import count_together

    settings.PAGE_SIZE = 1  # several pages with the fixture's few transfers
    wxy = actor_for(org_of("wxy"))
    for _ in range(2):
        report(receive(approve_all(launch(draft_to(wxy, org_of("ltx_zb1")))), org_of("ltx_zb1")))
    receive(approve_all(launch(draft_to(wxy, org_of("ltx_zb1")))), org_of("ltx_zb1"))
    for _ in range(3):
        launch(draft_to(wxy, org_of("ltx_zb1")))
    draft_to(wxy, org_of("ltx_zb1"))
    org = org_of(who)
    several = 0
    for name, (selector, ordering) in FIRST_PAGES.items():
        ours = _walk(selector, org, ordering, list_statements.compiled_list(name, org))
        theirs = _walk(selector, org, ordering, None)
        assert ours == theirs, name
        several += len(ours) > 2
    assert several  # some list had a page after its first (and came back)
    assert count_together({"n": list_statements.compiled_list("in_history", org).count(None)})


def test_a_cursor_that_does_not_fit_gives_the_first_page_compiled_too(transfers, settings):
    from orgs.paging import _encode, paginate

    settings.PAGE_SIZE = 1
    org = org_of("ltx_zb1")
    compiled = list_statements.compiled_list("in_todo", org)
    first = paginate(selectors.incoming_todo(org), selectors.TODO_ORDERING, compiled=compiled)
    out_of_range = ["2026-01-01T00:00:00+00:00", 2**63]  # beyond the id column
    for bad in (["not a time", 1], ["2026-01-01T00:00:00+00:00", "x"], [None, 1], out_of_range):
        for direction in ("after", "before"):
            page = paginate(
                selectors.incoming_todo(org),
                selectors.TODO_ORDERING,
                compiled=compiled,
                **{direction: _encode(bad, 5)},
            )
            assert [r.pk for r in page.rows] == [r.pk for r in first.rows], (bad, direction)
            assert page.first_index == 1


def test_another_size_or_order_goes_the_orms_way(transfers):
    """The compiled statements stand only for the size and order they were built for."""
    from orgs.paging import CompiledList, paginate

    def unused(*_):
        raise AssertionError("the compiled statements were used")

    org = org_of("wxy")
    qs, ordering = selectors.outgoing_done(org), selectors.DONE_ORDERING
    compiled = list_statements.compiled_list("out_done", org)
    refusing = CompiledList(
        ordering=compiled.ordering, size=compiled.size, rows=unused, count=unused
    )
    page = paginate(qs, ordering, compiled=refusing, size=1)
    assert len(page.rows) == 1
    assert page.next_cursor
    paginate(qs, ordering, compiled=refusing, size=1, after=page.next_cursor)
    paginate(qs, ["id"], compiled=refusing)
    for cursor in ({}, {"after": page.next_cursor}, {"before": page.next_cursor}):
        with pytest.raises(AssertionError, match="compiled statements"):
            paginate(qs, ordering, compiled=refusing, **cursor)

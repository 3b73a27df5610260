"""Querysets compiled once per process, for the few statements every request runs.

Django turns a queryset into SQL each time it is evaluated: it resolves the joins, lists every
column of every joined table and quotes each name. For a transfer read by its key with the four
rows its page shows, that took longer than PostgreSQL took to run the statement, and every 同意
and the page after it run six such statements.

``Compiled`` builds its queryset once per database alias, with marker values standing for the
parameters, and keeps what the compiler worked out: the SQL, where each parameter goes, which
column becomes which attribute of which object, and the value converters. A call runs that SQL
with its own values through Django's cursor (so it is counted, logged and routed like any other
query) and builds the same model instances a queryset would, ``select_related`` rows included.

Only for querysets whose shape does not depend on the values: a key lookup, a list by a foreign
key, a subtree by its path (``startswith``, ``contains``, ``endswith``: the value is escaped
and wrapped in ``%`` as the lookup does it; PostgreSQL still plans such a statement for each
value, see ``ops.postgresql``), the rows after a cursor's dates and times (a ``datetime`` or
``date`` parameter, adapted as the backend adapts such a field's value), the rows of a few
keys (a list for ``__in``: compiled once for each power of two its length rounds up to,
the last key repeated). Not for
``prefetch_related``, nor for a value the ORM changes otherwise. ``bind`` gives the SQL and
values without running them, for a statement that embeds it (``orgs.paging.count_together``).
``tests/test_compiled.py`` checks every statement built this way against its queryset.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable, ValuesIterable, get_related_populators
from django.db.transaction import TransactionManagementError

_markers = itertools.count(1)


def _marker(value):
    """A value that no real parameter will equal, of the type of ``value``."""
    n = next(_markers)
    if isinstance(value, bool):
        raise TypeError("A boolean parameter cannot be told from constants: write it in build.")
    if isinstance(value, int):
        # Inside every integer column's range (Django finds nothing for a value outside it).
        return 2_147_400_000 + n
    if isinstance(value, str):
        return f"\x1fcompiled-marker-{n}\x1f"
    if isinstance(value, dt.datetime):  # before date: a datetime is a date too
        return dt.datetime(1801, 1, 1, tzinfo=value.tzinfo and dt.UTC) + dt.timedelta(seconds=n)
    if isinstance(value, dt.date):
        return dt.date(1801, 1, 1) + dt.timedelta(days=n)
    raise TypeError(f"Unsupported parameter type {type(value).__name__}")


def _markers_for(params: dict) -> dict:
    return {
        name: [_marker(v) for v in value] if isinstance(value, list | tuple) else _marker(value)
        for name, value in params.items()
    }


def _padded(params: dict) -> dict:
    """Each list (``__in``) as long as the next power of two, its last value repeated: the same
    rows, and a statement compiled (and prepared by PostgreSQL) for each power of two rather
    than for each length a request sends."""
    padded = {}
    for name, value in params.items():
        if isinstance(value, list | tuple) and value:
            value = [*value, *[value[-1]] * ((1 << (len(value) - 1).bit_length()) - len(value))]
        padded[name] = value
    return padded


def _flat(params: dict) -> dict:
    """``params`` with each list's items as parameters of their own (``ids#0``, ``ids#1`` …)."""
    if not any(isinstance(v, list | tuple) for v in params.values()):
        return params
    flat = {}
    for name, value in params.items():
        if isinstance(value, list | tuple):
            flat.update((f"{name}#{i}", v) for i, v in enumerate(value))
        else:
            flat[name] = value
    return flat


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple
    slots: dict[str, tuple[tuple[int, str], ...]]  # parameter → (position, its kind or "")
    for_update: bool
    model: type[Model]
    start: int
    end: int
    init_list: list[str]
    populators: list
    annotations: dict[str, int]
    converters: dict
    names: tuple[str, ...] | None = None  # a ``.values()`` queryset's: rows are dicts


# Marks a statement selecting by a key (``Compiled(..., keyed=True)``): its plan is the same
# for every value, a path prefix among its filters notwithstanding, so ops.postgresql lets
# PostgreSQL prepare it.
KEYED = "/* keyed */ "
# Marks a statement by a key whose best plan still depends on the value
# (``Compiled(..., per_value=True)``): an organisation's list by its id, where one committee
# has 6,000 transfers on their way and the next three. ops.postgresql never prepares it, so a
# generic plan made for the small ones is not kept for the large (0.5 → 21 ms, measured).
PER_VALUE = "/* per value */ "


class Compiled:
    """``Compiled(lambda pk: Model.objects.filter(pk=pk).select_related(...))``; then
    ``.all(pk=1)`` → a list of instances, ``.first(pk=1)`` → one or None (of a ``.values()``
    queryset: dicts, as it gives them). ``keyed=True``: the statement finds its rows by a key
    (a primary key, a transfer's id) and filters them by a path prefix too; PostgreSQL may keep
    one plan for it (a statement over a subtree it plans for each prefix: ``ops.postgresql``).
    ``per_value=True``: planned for its values every time, though it has no path prefix."""

    def __init__(
        self, build: Callable[..., QuerySet], *, keyed: bool = False, per_value: bool = False
    ):
        self.build = build
        self.keyed, self.per_value = keyed, per_value
        self._plans: dict[tuple, _Plan] = {}
        self._shape: tuple[type[Model], bool] | None = None

    def all(self, *, known: dict | None = None, **params) -> list[Model]:
        """The rows for ``params``. ``known``: related objects already in hand, by field name
        (as a related manager sets them), so that reading them costs no query."""
        if any(isinstance(v, list | tuple) and not v for v in params.values()):
            return []  # ``__in`` an empty list: what the queryset gives without asking
        params = _padded(params)
        plan, db = self._plan(params)
        connection = connections[db]
        if plan.for_update and not connection.in_atomic_block:
            raise TransactionManagementError("select_for_update outside of a transaction")
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, self._values(plan, params, connection))
            rows = cursor.fetchall()
        return [self._instance(plan, db, connection, row, known) for row in rows]

    def bind(self, **params) -> Bound:
        """The statement for ``params`` and the database it is for, not run."""
        params = _padded(params)
        plan, db = self._plan(params)
        return Bound(db, plan.sql, self._values(plan, params, connections[db]))

    @staticmethod
    def _values(plan: _Plan, params, connection) -> list:
        values = list(plan.params)
        params = _flat(params)
        for name, positions in plan.slots.items():
            value = params[name]
            for i, kind in positions:
                values[i] = _adapt(kind, value, connection) if kind else value
        return values

    def first(self, **params) -> Model | None:
        rows = self.all(**params)
        return rows[0] if rows else None

    # -- building the plan -----------------------------------------------------------------

    def _plan(self, params) -> tuple[_Plan, str]:
        if self._shape is None:
            qs = self.build(**_markers_for(params))
            self._shape = (qs.model, qs._for_write)
        model, for_write = self._shape
        # Routed per call, as the queryset would be (QuerySet.db).
        db = router.db_for_write(model) if for_write else router.db_for_read(model)
        # A list (``__in``) is compiled for each length it comes in (a power of two: _padded).
        key = (db, *(len(v) for v in params.values() if isinstance(v, list | tuple)))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = self._compile(params, db)
        return plan, db

    def _compile(self, params, db) -> _Plan:
        given = _markers_for(params)
        qs = self.build(**given)
        markers = _flat(given)
        if qs._prefetch_related_lookups:
            raise ValueError("Compiled does not prefetch: run the prefetch as its own statement.")
        compiler = qs.query.get_compiler(using=db)
        sql, sql_params = compiler.as_sql()
        if self.keyed:
            sql = KEYED + sql
        elif self.per_value:
            sql = PER_VALUE + sql
        slots = {
            name: tuple(
                (i, kind)
                for i, p in enumerate(sql_params)
                if (kind := _slot_kind(p, marker, connections[db])) is not None
            )
            for name, marker in markers.items()
        }
        missing = [name for name, positions in slots.items() if not positions]
        if missing:
            raise ValueError(f"Parameters {missing} do not reach the SQL unchanged.")
        klass_info, select = compiler.klass_info, compiler.select
        converters = compiler.get_converters([s[0] for s in select[: compiler.col_count]])
        if qs._iterable_class is not ModelIterable:  # .values(): dicts, by the names it gives
            if qs._iterable_class is not ValuesIterable:
                raise ValueError("Compiled reads model instances or .values() dicts.")
            query = qs.query
            # As ValuesIterable names them: in the order selected, else extras first.
            names = (
                tuple(query.selected)
                if query.selected
                else (
                    *query.extra_select,
                    *query.values_select,
                    *query.annotation_select,
                )
            )
            return _Plan(
                sql=sql,
                params=tuple(sql_params),
                slots=slots,
                for_update=query.select_for_update,
                model=qs.model,
                start=0,
                end=0,
                init_list=[],
                populators=[],
                annotations={},
                converters=converters,
                names=names,
            )
        fields = klass_info["select_fields"]
        start, end = fields[0], fields[-1] + 1
        return _Plan(
            sql=sql,
            params=tuple(sql_params),
            slots=slots,
            for_update=qs.query.select_for_update,
            model=klass_info["model"],
            start=start,
            end=end,
            init_list=[f[0].target.attname for f in select[start:end]],
            populators=get_related_populators(klass_info, select, db),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=converters,
        )

    # -- building the objects ----------------------------------------------------------------

    @staticmethod
    def _instance(plan: _Plan, db, connection, row, known) -> Model | dict:
        row = convert_row(row, plan.converters, connection)
        if plan.names is not None:
            return dict(zip(plan.names, row[: len(plan.names)], strict=True))
        obj = plan.model.from_db(db, plan.init_list, row[plan.start : plan.end])
        for populator in plan.populators:
            populator.populate(row, obj)
        for name, pos in plan.annotations.items():
            setattr(obj, name, row[pos])
        for name, value in (known or {}).items():
            field = plan.model._meta.get_field(name)
            if not field.is_cached(obj):
                field.set_cached_value(obj, value)
        return obj


@dataclass(frozen=True)
class Bound:
    """A compiled statement with its values: the database alias, the SQL and its parameters."""

    db: str
    sql: str
    params: list


# How a LIKE lookup turns its value into the parameter (after escaping % and _ in it).
_LIKE = {"startswith": "{}%", "contains": "%{}%", "endswith": "%{}"}


def _slot_kind(param, marker, connection) -> str | None:
    """Whether the parameter ``param`` is ``marker`` as given (""), as a LIKE lookup sends it
    (its kind), as the backend adapts a date or time ("date", "datetime"), or neither (None)."""
    if param == marker:
        return ""
    if isinstance(marker, str) and isinstance(param, str):
        for kind, pattern in _LIKE.items():
            if param == pattern.format(marker):
                return kind
    if isinstance(marker, dt.date):
        kind = "datetime" if isinstance(marker, dt.datetime) else "date"
        if param == _adapt(kind, marker, connection):
            return kind
    return None


def _adapt(kind: str, value, connection):
    if kind == "datetime":
        return connection.ops.adapt_datetimefield_value(value)
    if kind == "date":
        return connection.ops.adapt_datefield_value(value)
    return _LIKE[kind].format(connection.ops.prep_for_like_query(value))


def convert_row(row, converters: dict, connection) -> list | tuple:
    """``row`` with the backend's and the fields' conversions applied by position (what
    ``SQLCompiler.get_converters`` gave), as the ORM applies them to the rows it reads."""
    if not converters:
        return row
    row = list(row)
    for pos, (functions, expression) in converters.items():
        for convert in functions:
            row[pos] = convert(row[pos], expression, connection)
    return row


class CompiledPrefetch:
    """``prefetch_related_objects(rows, lookup)`` for one ``Prefetch`` along a foreign key,
    either way, with its statement compiled once (``Compiled``, the rows' keys as a list):

    - forward (a step's ``transfer``): the related object is cached on each row, as the
      relation's own prefetch caches it (None where nothing matched);
    - reverse with ``to_attr`` (a transfer's ``steps`` into ``pending_steps``): each row gets
      the list of its related objects in the queryset's order, each of which has its row
      cached as its foreign key's object.

    Anything else (a path through several relations, a reverse prefetch without ``to_attr``,
    a queryset with prefetches of its own) is refused: Django's prefetch does it.
    """

    def __init__(self, model: type[Model], lookup):
        if isinstance(lookup, str) or "__" in lookup.prefetch_through:
            raise ValueError(f"Not a single-level Prefetch: {lookup!r}")
        queryset = lookup.queryset
        if queryset is None or queryset._prefetch_related_lookups:
            raise ValueError("The Prefetch needs a queryset without prefetches of its own.")
        field = model._meta.get_field(lookup.prefetch_through)
        if field.many_to_one and field.concrete:  # the related rows by the key they are given
            self.forward, self.field, through = True, field, field.target_field.name
        elif field.one_to_many and lookup.to_attr:  # the rows whose foreign key is given
            self.forward, self.field, through = False, field.field, field.field.name
        else:
            raise ValueError(f"Not a foreign key, or a reverse one without to_attr: {lookup!r}")
        self.to_attr = lookup.to_attr
        self.statement = Compiled(lambda keys: queryset.filter(**{f"{through}__in": keys}))

    def __call__(self, rows: list[Model]) -> None:
        if not rows:
            return
        if self.forward:
            attname = self.field.attname
            keys = list(dict.fromkeys(v for r in rows if (v := getattr(r, attname)) is not None))
            target = self.field.target_field.attname
            found = {getattr(obj, target): obj for obj in self.statement.all(keys=keys)}
            for row in rows:
                self.field.set_cached_value(row, found.get(getattr(row, attname)))
            return
        by_key = {row.pk: row for row in rows}
        lists = {pk: [] for pk in by_key}
        attname = self.field.attname
        for obj in self.statement.all(keys=list(by_key)):
            parent = by_key[getattr(obj, attname)]
            self.field.set_cached_value(obj, parent)
            lists[parent.pk].append(obj)
        for pk, row in by_key.items():
            setattr(row, self.to_attr, lists[pk])

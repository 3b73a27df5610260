"""Keyset pagination with a capped count, for every list in the application.

OFFSET pagination reads and throws away every earlier row, which at a province's scale means
millions; a keyset page reads only its own rows through the list's index. The count is capped
(``COUNT_CAP``): above it the page says "10,000+" instead of counting a province exactly. The
badges on tabs and on 首页 stop sooner, at ``BADGE_CAP`` ("999+"): a page shows four or five of
them, and counting 10,000 rows of a province's history for each cost more than the page itself.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.conf import settings
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, connections
from django.db.models import Q, QuerySet, prefetch_related_objects

from ops.compiled import Bound


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    counted: Callable[[], int]  # the list's rows, up to cap + 1 (read when first shown)
    cap: int
    first_index: int  # 序号 of the first row, 1-based
    next_cursor: str | None
    prev_cursor: str | None

    @property
    def count(self) -> int:
        return min(self.counted(), self.cap)

    @property
    def count_capped(self) -> bool:
        return self.counted() > self.cap

    @property
    def count_display(self) -> str:
        return f"{self.count:,}+" if self.count_capped else f"{self.count:,}"

    def numbered(self):
        return zip(
            range(self.first_index, self.first_index + len(self.rows)), self.rows, strict=True
        )


@dataclass(frozen=True)
class CompiledList:
    """A list's pages from statements compiled once (``transfers.list_statements``): the order
    and size they were built for; ``rows(values, backwards, n)``: the first ``n`` rows after
    the cursor's ``values`` (None: from the start), backwards before them; and its ids to
    ``cap`` + 1."""

    ordering: list[str]
    size: int
    rows: Callable[[list | None, bool, int], list]
    count: Callable[[int | None], Bound]
    # the list's prefetches compiled too (ops.compiled.CompiledPrefetch); None: Django's
    prefetch: Callable[[list], None] | None = None


BADGE_CAP = 999
K = TypeVar("K")


def badge(n: int) -> str:
    """ "17", or "999+" above ``BADGE_CAP`` (the counts on the tabs and 首页)."""
    return f"{BADGE_CAP:,}+" if n > BADGE_CAP else f"{n:,}"


def count_display(queryset: QuerySet) -> str:
    return badge(count_together({"n": queryset})["n"])


@dataclass(frozen=True)
class Count:
    """The rows of one or more querysets, added up: exactly, or to ``cap`` + 1. A compiled
    statement (``ops.compiled.Bound``) stands for the ids it selects, capped as it was built."""

    querysets: tuple[QuerySet | Bound, ...]
    cap: int | None = None


def count_together(counts: Mapping[K, QuerySet | Count]) -> dict[K, int]:
    """Every count a page shows, in one statement per database instead of one query each.

    A bare queryset counts to ``BADGE_CAP`` + 1 (enough for ``badge`` to say "999+"). Each
    count is the primary keys of its queryset, compiled by the ORM as ``.count()`` would and
    run as a scalar subquery, so the lists' rules stay in their selectors; a queryset that can
    match nothing costs no SQL. A count the page shows every time (a tab's badge) can come
    compiled once per process (``ops.compiled.Bound``, see ``transfers.list_statements``).
    """
    parts: dict[str, list[tuple[K, str, list]]] = {}  # database: (key, sql, params)
    totals = dict.fromkeys(counts, 0)
    for key, count in counts.items():
        if isinstance(count, QuerySet | Bound):
            count = Count((count,), cap=BADGE_CAP)
        for queryset in count.querysets:
            if isinstance(queryset, Bound):  # compiled once; selects what it counts, capped
                parts.setdefault(queryset.db, []).append((key, queryset.sql, queryset.params))
                continue
            ids = counted_ids(queryset, count.cap)
            try:
                sql, params = ids.query.get_compiler(using=ids.db).as_sql()
            except EmptyResultSet:
                continue
            parts.setdefault(ids.db, []).append((key, sql, list(params)))
    for db, selects in parts.items():
        # The same statement twice (a list counted to the cap of its own tab's badge) is run
        # once: PostgreSQL would count it twice.
        distinct = list(dict.fromkeys((sql, tuple(params)) for _, sql, params in selects))
        # Each part was compiled by the ORM; only its place in the statement is added here.
        columns = [
            f"(SELECT COUNT(*) FROM ({inner}) c{i})"  # noqa: S608
            for i, (inner, _) in enumerate(distinct)
        ]
        sql = f"SELECT {', '.join(columns)}"
        with connections[db].cursor() as cursor:
            cursor.execute(sql, [p for _, params in distinct for p in params])
            found = dict(zip(distinct, cursor.fetchone(), strict=True))
        for key, inner, params in selects:
            totals[key] += found[inner, tuple(params)]
    return totals


class Counts:
    """The counts one page shows — its tab badges and each list's own count — gathered while
    the view builds the page and run in one statement (``count_together``) when the first of
    them is read; a count never read is never run. ``page_counts(request)`` is the page's."""

    def __init__(self) -> None:
        self._waiting: dict[int, QuerySet | Count | Bound] = {}
        self._known: dict[int, int] = {}

    def add(self, count: QuerySet | Count | Bound) -> Callable[[], int]:
        """A function giving ``count``'s value (a bare queryset: to ``BADGE_CAP`` + 1)."""
        key = len(self._waiting) + len(self._known)
        self._waiting[key] = count
        return partial(self._read, key)

    def _read(self, key: int) -> int:
        if key in self._waiting:
            self._known.update(count_together(self._waiting))
            self._waiting = {}
        return self._known[key]


def page_counts(request) -> Counts:
    """The counts of the page ``request`` asks for."""
    if not hasattr(request, "_page_counts"):
        request._page_counts = Counts()
    return request._page_counts


def _encode(values: list[Any], index: int) -> str:
    raw = json.dumps({"k": values, "n": index}, default=str, ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, width: int) -> tuple[list[Any], int] | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode()))
        values, index = data["k"], int(data["n"])
    except (ValueError, KeyError, TypeError, OverflowError, binascii.Error):
        return None
    if not isinstance(values, list) or len(values) != width or index < 0:
        return None
    return values, index


def beyond(ordering: list[str], values: list[Any]) -> Q:
    """Rows strictly after ``values`` in ``ordering`` (a lexicographic comparison)."""
    condition = Q()
    equal_so_far = Q()
    for field, value in zip(ordering, values, strict=True):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        condition |= equal_so_far & Q(**{f"{name}__{op}": value})
        equal_so_far &= Q(**{name: value})
    return condition


def flip(ordering: list[str]) -> list[str]:
    return [f[1:] if f.startswith("-") else f"-{f}" for f in ordering]


def _key(row: Any, ordering: list[str]) -> list[Any]:
    values = []
    for field in ordering:
        obj = row
        for part in field.lstrip("-").split("__"):
            obj = getattr(obj, part)
        values.append(obj)
    return values


def counted_ids(queryset: QuerySet, cap: int | None) -> QuerySet:
    """What a count reads of ``queryset``: its primary keys, to ``cap`` + 1 (None: all)."""
    ids = queryset.order_by().values("pk")
    return ids if cap is None else ids[: cap + 1]


def page_rows(queryset: QuerySet, page: QuerySet, n: int) -> QuerySet:
    """The first ``n`` rows of ``page`` (``queryset`` filtered to the cursor and ordered).

    On PostgreSQL the page's keys are chosen first, on their own (``id IN (SELECT id … ORDER BY …
    LIMIT n)``): that inner query reads only the list's index (an index-only scan), and the rows
    with their joins are fetched for the page's ids alone, instead of for every row the index
    scan passes before the sort keeps n of them.
    """
    if connection.vendor != "postgresql":
        return page[:n]
    keys = page.values("pk")[:n]
    return queryset.filter(pk__in=keys).order_by(*page.query.order_by)


def _rows(queryset: QuerySet, page: QuerySet, n: int) -> list:
    return list(page_rows(queryset, page, n))


def paginate(
    queryset: QuerySet,
    ordering: list[str],
    *,
    after: str | None = None,
    before: str | None = None,
    size: int | None = None,
    count_cap: int | None = None,
    counts: Counts | None = None,
    compiled: CompiledList | None = None,
) -> Page:
    """One page of ``queryset`` in ``ordering``, which must end in a unique field (the id).

    The ordering fields must be non-null: a keyset comparison cannot place NULLs. A cursor that
    does not decode, or whose values do not fit the fields, gives the first page. The count
    stops at ``count_cap`` (default ``COUNT_CAP``) and is run with the page's other ``counts``
    when first read. Only the primary keys are counted: the list's joins and prefetches would
    make the count read every joined row too.

    ``compiled``: the same list's statements compiled once, used when the order and size are
    the ones they were built for (``queryset`` must then be that list as its selector gives
    it, unsearched), its prefetches included if it has them compiled.
    """
    size = size or settings.PAGE_SIZE
    cap = settings.COUNT_CAP if count_cap is None else count_cap
    if compiled is not None and (size != compiled.size or list(ordering) != compiled.ordering):
        compiled = None
    if compiled is not None:
        counted = (counts or Counts()).add(compiled.count(cap))
        fetch = partial(_compiled_rows, queryset, compiled)
    else:
        counted = (counts or Counts()).add(Count((queryset,), cap=cap))
        fetch = partial(_queryset_rows, queryset, ordering)

    backwards = False
    start = 0
    values = None
    try:
        decoded = _decode(before, len(ordering)) if before else None
        if decoded:
            values, index = decoded
            backwards = True
            start = max(index - size, 0)
        else:
            decoded = _decode(after, len(ordering)) if after else None
            if decoded:
                values, index = decoded
                start = index
        rows = fetch(values, backwards, size + 1)
    except (ValueError, TypeError, ValidationError):
        backwards, start = False, 0
        rows = fetch(None, False, size + 1)
    has_more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
        has_prev, has_next = has_more, True
    else:
        has_prev, has_next = start > 0, has_more
    if backwards and not has_prev:
        start = 0
    next_cursor = (
        _encode(_key(rows[-1], ordering), start + len(rows)) if rows and has_next else None
    )
    prev_cursor = _encode(_key(rows[0], ordering), start) if rows and has_prev else None
    return Page(
        rows=rows,
        counted=counted,
        cap=cap,
        first_index=start + 1,
        next_cursor=next_cursor,
        prev_cursor=prev_cursor,
    )


def _queryset_rows(queryset, ordering, values, backwards, n) -> list:
    """The first ``n`` rows of ``queryset`` after ``values`` (backwards: before them)."""
    if values is None:
        return _rows(queryset, queryset.order_by(*ordering), n)
    order = flip(ordering) if backwards else ordering
    return _rows(queryset, queryset.filter(beyond(order, values)).order_by(*order), n)


def _compiled_rows(queryset, compiled: CompiledList, values, backwards, n) -> list:
    """``_queryset_rows`` from the statements of ``compiled``; the cursor's values are read by
    their fields as a lookup reads them (a date from its text), with the same errors."""
    if values is not None:
        if None in values:  # as the lookups refuse it: the ordering's fields are non-null
            raise ValueError("Cannot use None as a query value")
        model, ops = queryset.model, connections[queryset.db].ops
        typed = []
        for name, value in zip(compiled.ordering, values, strict=True):
            field = model._meta.get_field(name.lstrip("-"))
            value = field.get_prep_value(value)
            if isinstance(value, int):  # as the column holds it, or the cursor does not fit
                low, high = ops.integer_field_ranges.get(field.get_internal_type(), (None, None))
                if (low is not None and value < low) or (high is not None and value > high):
                    raise ValueError(f"{value} is out of the range of {name}")
            typed.append(value)
        values = typed
    rows = compiled.rows(values, backwards, n)
    if compiled.prefetch is not None:
        compiled.prefetch(rows)
    elif queryset._prefetch_related_lookups:
        prefetch_related_objects(rows, *queryset._prefetch_related_lookups)
    return rows

"""The lists' statements that every list page runs, compiled once per process (ops.compiled).

A list page counts its tabs (four badges) and shows the first page of its list far more often
than anything else. The ORM built and compiled those statements anew on every request, and at
national scale that took longer than PostgreSQL took to run them. Here each is compiled once,
from the list's own selector applied to a stand-in organisation with marker values (its key or
its path), and bound to the organisation of each page:

- ``tab_count(tab, org)``: a tab's badge, for ``orgs.paging.count_together`` to embed;
- ``compiled_list(name, org)``: a list's pages unsearched at the default size and order — the
  first page, the page after or before a cursor, their prefetches, and the list's count — for
  ``orgs.paging.paginate``. A search or another page size or order go the ORM's way.

The selectors stay the one place where a list's rule is written. ``tests/test_compiled.py``
compares every statement here with what its selector's queryset gives.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import QuerySet

from ops.compiled import Bound, Compiled, CompiledPrefetch
from orgs.models import Organisation
from orgs.paging import BADGE_CAP, CompiledList, Count, beyond, counted_ids, flip, page_rows
from transfers import selectors, supervision


def _standin(pk: int | None = None, path: str = "") -> Organisation:
    """An organisation as the list selectors read it (its key or its path)."""
    org = Organisation(pk=pk, path=path)
    org._state.adding = False
    return org


def _ids(qs: QuerySet, cap: int | None) -> QuerySet:
    return counted_ids(qs.prefetch_related(None), cap)  # compiled without its prefetches


def _page_rows(qs: QuerySet, ordering: list[str], n: int, values: list | None) -> QuerySet:
    """What ``paginate`` reads of ``qs``: its first ``n`` rows in ``ordering``, after
    ``values`` if given (a cursor's)."""
    qs = qs.prefetch_related(None)  # prefetched by paginate, from the request's queryset
    page = qs if values is None else qs.filter(beyond(ordering, values))
    return page_rows(qs, page.order_by(*ordering), n)


class _OrgList:
    """One organisation's list by its selector: what of the organisation it reads (``by``:
    "pk" or "path"), the selector's keyword arguments that are values of the statement
    (``extra``: a time limit, say), its order, and its statements compiled once per size and
    cap."""

    def __init__(
        self,
        selector: Callable[..., QuerySet],
        *,
        by: str,
        extra: tuple[str, ...] = (),
        ordering=(),
        size: int | None = None,
    ):
        self.selector, self.by, self.ordering = selector, by, list(ordering)
        self.extra, self.size = extra, size
        self._counts: dict[int | None, Compiled] = {}
        self._pages: dict[tuple[int, bool | None], Compiled] = {}
        self._prefetches: list[CompiledPrefetch] | None = None

    def _queryset(self, params: dict) -> QuerySet:
        """The selector's queryset for ``params`` (the organisation's and the extra values;
        what remains is the cursor's, ``v0``, ``v1`` …, left in ``params``)."""
        org = _standin(**{self.by: params.pop(self.by)})
        return self.selector(org, **{name: params.pop(name) for name in self.extra})

    def _params(self, org: Organisation, extra: dict) -> dict:
        return {self.by: getattr(org, self.by), **extra}

    def count(self, org: Organisation, cap: int | None, **extra) -> Bound:
        statement = self._counts.get(cap)
        if statement is None:
            statement = self._counts[cap] = Compiled(
                lambda **p: _ids(self._queryset(p), cap), per_value=self.by == "pk"
            )
        return statement.bind(**self._params(org, extra))

    def rows(
        self, org: Organisation, n: int, values: list | None, backwards: bool, **extra
    ) -> list:
        """The first ``n`` rows from the start (``values`` None), or after a cursor's
        ``values`` (``backwards``: before them, in the reverse order)."""
        shape = (n, None if values is None else backwards)
        statement = self._pages.get(shape)
        if statement is None:
            ordering = flip(self.ordering) if shape[1] else self.ordering

            def build(**p):
                qs = self._queryset(p)
                cursor = [p[f"v{i}"] for i in range(len(ordering))] if p else None
                return _page_rows(qs, ordering, n, cursor)

            # By the organisation's id: planned for each (ops.compiled.PER_VALUE).
            statement = self._pages[shape] = Compiled(build, per_value=self.by == "pk")
        if self._prefetches is None:
            qs = self._queryset(self._params(org, extra))
            self._prefetches = [
                CompiledPrefetch(qs.model, lookup) for lookup in qs._prefetch_related_lookups
            ]
        cursor = {f"v{i}": value for i, value in enumerate(values or ())}
        return statement.all(**self._params(org, extra), **cursor)

    def prefetch(self, rows: list) -> None:
        """The prefetches of the list's queryset (each as its ``Prefetch`` says), compiled."""
        for prefetch in self._prefetches or ():
            prefetch(rows)

    def compiled(self, org: Organisation, **extra) -> CompiledList:
        """The list for ``org`` (and ``extra``) as ``paginate`` reads it."""
        return CompiledList(
            ordering=self.ordering,
            size=self.size or settings.PAGE_SIZE,
            rows=lambda values, backwards, n: self.rows(org, n, values, backwards, **extra),
            count=lambda cap: self.count(org, cap, **extra),
            prefetch=self.prefetch,
        )


def _own_work(org: Organisation) -> QuerySet:
    """转出 · 待办工作's second list: the initiator's own drafts and returns, unsearched."""
    return selectors.search_done(selectors.drafts_and_returned(org), selectors.WorkFilters())


def _todo_count(part: int):
    return lambda org: selectors.outgoing_todo_count(org).querysets[part]


LISTS = {
    "out_todo": _OrgList(selectors.outgoing_todo, by="pk", ordering=selectors.TODO_ORDERING),
    "out_own": _OrgList(_own_work, by="pk", ordering=["-id"]),
    "out_done": _OrgList(selectors.outgoing_done, by="pk", ordering=selectors.DONE_ORDERING),
    "out_progress": _OrgList(
        selectors.outgoing_progress, by="path", ordering=selectors.PROGRESS_ORDERING
    ),
    "out_history": _OrgList(
        selectors.outgoing_history, by="path", ordering=selectors.HISTORY_ORDERING
    ),
    "in_todo": _OrgList(selectors.incoming_todo, by="pk", ordering=selectors.TODO_ORDERING),
    "in_done": _OrgList(selectors.incoming_done, by="pk", ordering=selectors.DONE_ORDERING),
    "in_unreported": _OrgList(
        selectors.not_reported, by="path", ordering=selectors.NOT_REPORTED_ORDERING
    ),
    "in_history": _OrgList(
        selectors.incoming_history, by="path", ordering=selectors.HISTORY_ORDERING
    ),
    # 转出 · 待办工作's badge, exact: the pending steps and the own drafts and returns
    "out_todo_steps": _OrgList(_todo_count(0), by="pk"),
    "out_todo_own": _OrgList(_todo_count(1), by="pk"),
}


# 工作督查's four lists: their time limits are values of the statements (the selectors take
# them as keywords of the same names).
SUPERVISION = {
    "overdue": _OrgList(
        supervision.overdue_steps,
        by="path",
        extra=("limit",),
        ordering=supervision.OVERDUE_ORDERING,
        size=supervision.LIST_SIZE,
    ),
    "unreported": _OrgList(
        supervision.overdue_unreported,
        by="path",
        extra=("today",),
        ordering=supervision.UNREPORTED_ORDERING,
        size=supervision.LIST_SIZE,
    ),
    "receipts": _OrgList(
        supervision.missing_receipts,
        by="path",
        extra=("limit",),
        ordering=supervision.RECEIPT_ORDERING,
        size=supervision.LIST_SIZE,
    ),
    "children": _OrgList(
        supervision.direct_subordinates,
        by="path",
        extra=("depth",),
        ordering=supervision.SUBORDINATE_ORDERING,
        size=supervision.SUBORDINATE_SIZE,
    ),
}


def supervision_list(name: str, org: Organisation, **values) -> CompiledList:
    """工作督查's list ``name`` for ``org`` with the values of its statements (``extra``)."""
    return SUPERVISION[name].compiled(org, **values)


def tab_count(tab: str, org: Organisation) -> Count | Bound:
    """The number on ``tab`` for ``org``, as ``orgs.paging.count_together`` counts it: the
    badge's (to 999+) for a list, exact for 转出 · 待办工作 (a ``Count``)."""
    if tab == "out_todo":
        return Count(
            (LISTS["out_todo_steps"].count(org, None), LISTS["out_todo_own"].count(org, None))
        )
    return LISTS[tab].count(org, BADGE_CAP)


def compiled_list(name: str, org: Organisation) -> CompiledList:
    """The list ``name`` for ``org`` as ``paginate`` reads it unsearched."""
    return LISTS[name].compiled(org)

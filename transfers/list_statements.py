"""The lists' statements that every list page runs, compiled once per process (ops.compiled).

A list page counts its tabs (four badges) and shows the first page of its list far more often
than anything else. The ORM built and compiled those statements anew on every request, and at
national scale that took longer than PostgreSQL took to run them. Here each is compiled once,
from the list's own selector applied to a stand-in organisation with marker values (its key or
its path), and bound to the organisation of each page:

- ``tab_count(tab, org)``: a tab's badge, for ``orgs.paging.count_together`` to embed;
- ``first_page(name, org)``: a list's first page (no search, no cursor, the default size and
  order) — its rows and its count — for ``orgs.paging.paginate``; prefetches still run as the
  queryset says. A search, a cursor or another page size go the ORM's way.

The selectors stay the one place where a list's rule is written. ``tests/test_compiled.py``
compares every statement here with what its selector's queryset gives.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.db.models import QuerySet

from ops.compiled import Bound, Compiled
from orgs.models import Organisation
from orgs.paging import BADGE_CAP, Count, FirstPage, counted_ids, page_rows
from transfers import selectors


def _standin(pk: int | None = None, path: str = "") -> Organisation:
    """An organisation as the list selectors read it (its key or its path)."""
    org = Organisation(pk=pk, path=path)
    org._state.adding = False
    return org


def _ids(qs: QuerySet, cap: int | None) -> QuerySet:
    return counted_ids(qs.prefetch_related(None), cap)  # compiled without its prefetches


def _first_rows(qs: QuerySet, ordering: list[str], n: int) -> QuerySet:
    qs = qs.prefetch_related(None)  # prefetched by paginate, from the request's queryset
    return page_rows(qs, qs.order_by(*ordering), n)


class _OrgList:
    """One organisation's list by its selector: what of the organisation it reads (``by``:
    "pk" or "path"), its order, and its statements compiled once per size and cap."""

    def __init__(self, selector: Callable[[Organisation], QuerySet], *, by: str, ordering=()):
        self.selector, self.by, self.ordering = selector, by, list(ordering)
        self._counts: dict[int | None, Compiled] = {}
        self._pages: dict[int, Compiled] = {}

    def count(self, org: Organisation, cap: int | None) -> Bound:
        statement = self._counts.get(cap)
        if statement is None:
            statement = self._counts[cap] = Compiled(
                lambda **o: _ids(self.selector(_standin(**o)), cap)
            )
        return statement.bind(**{self.by: getattr(org, self.by)})

    def rows(self, org: Organisation, n: int) -> list:
        statement = self._pages.get(n)
        if statement is None:
            statement = self._pages[n] = Compiled(
                lambda **o: _first_rows(self.selector(_standin(**o)), self.ordering, n)
            )
        return statement.all(**{self.by: getattr(org, self.by)})


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


def tab_count(tab: str, org: Organisation) -> Count | Bound:
    """The number on ``tab`` for ``org``, as ``orgs.paging.count_together`` counts it: the
    badge's (to 999+) for a list, exact for 转出 · 待办工作 (a ``Count``)."""
    if tab == "out_todo":
        return Count(
            (LISTS["out_todo_steps"].count(org, None), LISTS["out_todo_own"].count(org, None))
        )
    return LISTS[tab].count(org, BADGE_CAP)


def first_page(name: str, org: Organisation) -> FirstPage:
    """The first page of the list ``name`` for ``org``, as ``paginate`` reads it unsearched."""
    statements = LISTS[name]
    return FirstPage(
        ordering=statements.ordering,
        size=settings.PAGE_SIZE,
        rows=lambda n: statements.rows(org, n),
        count=lambda cap: statements.count(org, cap),
    )

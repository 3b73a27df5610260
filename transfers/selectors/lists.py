"""The lists of the subsystem (DESIGN.md §4 "Which list shows what"), one query each.

Every function takes the logged-in organisation and the search filters and returns a queryset with
what the list's rows display already joined, so a page costs the same number of queries whatever
the data. Orderings end in the id and match the partial indexes on the models (keyset paging).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from members.models import Member
from orgs.models import Organisation
from orgs.paging import Count
from transfers.models import (
    ACTED_STEP_STATES,
    HISTORY_STATES,
    UNFINISHED_STATES,
    Direction,
    Letter,
    StepState,
    Transfer,
    TransferState,
    TransferStep,
)

# What a page about one transfer shows of its related rows.
ROW_RELATED = ("member", "dest_branch")
DETAIL_RELATED = (*ROW_RELATED, "source_branch", "initiator", "target", "receiver")
# What 业务办理 shows of them: the member and its branch, 发起党组织, the receiving branch, and
# the target (接收 preselects a branch target).
DETAIL_PAGE_RELATED = ("member__branch", "initiator", "dest_branch", "target")


def _row_values() -> dict[str, RawSQL]:
    transfer, member = Transfer._meta.db_table, Member._meta.db_table
    org, letter = Organisation._meta.db_table, Letter._meta.db_table

    def value(sql: str, field: models.Field) -> RawSQL:
        # A subquery by key, correlated with the row; the names come from the models.
        return RawSQL(sql, (), output_field=field)  # noqa: S611

    return {
        "row_gender": value(
            f"SELECT m.gender FROM {member} m WHERE m.id = {transfer}.member_id",  # noqa: S608
            models.CharField(),
        ),
        "row_dest_branch": value(
            f"SELECT o.name FROM {org} o WHERE o.id = {transfer}.dest_branch_id",  # noqa: S608
            models.CharField(),
        ),
        "row_letter_expires": value(
            f"SELECT l.expires_on FROM {letter} l "  # noqa: S608
            f"WHERE l.transfer_id = {transfer}.id AND l.is_current LIMIT 1",
            models.DateField(),
        ),
    }


ROW_VALUES = _row_values()


def row_values(qs: QuerySet[Transfer]) -> QuerySet[Transfer]:
    """What a list row shows beyond the transfer's own columns (names are copied onto the
    transfer): the member's gender, the receiving branch's name and the current letter's
    expiry, as values of the row's own query (``Transfer.gender_display``,
    ``dest_branch_name``, ``letter_days_left``).

    Subqueries by key rather than joins or prefetches: a page builds no member, organisation
    or letter objects and runs no query for letters, and the count and the keyset query of
    the list (which select the ids alone) leave them out altogether. Written in SQL because
    the ORM spent 0.45 ms building the three for every list and tab count of a page.
    """
    return qs.annotate(**ROW_VALUES)


@dataclass(frozen=True)
class Filters:
    """The search form of the history lists: exact 姓名 and 身份证号, 转接类型, a date range."""

    name: str = ""
    id_number: str = ""
    transfer_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass(frozen=True)
class WorkFilters:
    """The search form of 待办工作 and 已办工作: exact 姓名 and 身份证号, 转接类型, and the order
    (``overdue``: 超期 first, then the oldest; otherwise the newest first)."""

    name: str = ""
    id_number: str = ""
    transfer_type: str = ""
    sort: str = ""


def _match(qs: QuerySet, f: WorkFilters, prefix: str = "") -> QuerySet:
    if f.name:
        qs = qs.filter(**{f"{prefix}member_name": f.name})
    if f.id_number:
        qs = qs.filter(**{f"{prefix}id_number": f.id_number})
    if f.transfer_type:
        qs = qs.filter(**{f"{prefix}type": f.transfer_type})
    return qs


def pending_step(prefix: str = "") -> Prefetch:
    """Prefetch the pending step (当前办理党组织) into ``pending_steps``."""
    return Prefetch(
        f"{prefix}steps",
        queryset=TransferStep.objects.filter(state=StepState.PENDING).select_related("org"),
        to_attr="pending_steps",
    )


def current_letter() -> Prefetch:
    """Prefetch each transfer's current letter into ``current_letters`` (one query per page)."""
    return Prefetch(
        "letters",
        queryset=Letter.objects.filter(is_current=True),
        to_attr="current_letters",
    )


def _apply(qs: QuerySet[Transfer], f: Filters, date_field: str) -> QuerySet[Transfer]:
    if f.name:
        qs = qs.filter(member_name=f.name)
    if f.id_number:
        qs = qs.filter(id_number=f.id_number)
    if f.transfer_type:
        qs = qs.filter(type=f.transfer_type)
    if f.date_from or f.date_to:
        tz = timezone.get_current_timezone()
        is_datetime = isinstance(Transfer._meta.get_field(date_field), models.DateTimeField)
        if f.date_from:
            start = (
                dt.datetime.combine(f.date_from, dt.time.min, tzinfo=tz)
                if is_datetime
                else f.date_from
            )
            qs = qs.filter(**{f"{date_field}__gte": start})
        if f.date_to:
            if is_datetime:
                end = dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
                qs = qs.filter(**{f"{date_field}__lt": end})
            else:
                qs = qs.filter(**{f"{date_field}__lte": f.date_to})
    return qs


# -- steps waiting for this organisation (待办工作) -----------------------------------------------


def todo_steps(org: Organisation, direction: Direction) -> QuerySet[TransferStep]:
    """Steps pending at ``org`` on one side: 转出 (the member leaves ``org``'s subtree, or ``org``
    is the top of the route, or it concludes) or 接收 (the member comes in)."""
    return TransferStep.objects.filter(
        org=org, state=StepState.PENDING, direction=direction
    ).prefetch_related(Prefetch("transfer", queryset=row_values(Transfer.objects.all())))


TODO_ORDERING = ["-pending_since", "-id"]
# A step is overdue (超期) once it waited longer than the limit, so the oldest come first.
TODO_OVERDUE_ORDERING = ["pending_since", "id"]


def todo_ordering(f: WorkFilters) -> list[str]:
    return TODO_OVERDUE_ORDERING if f.sort == "overdue" else TODO_ORDERING


def search_todo(qs: QuerySet[TransferStep], f: WorkFilters) -> QuerySet[TransferStep]:
    """A 待办工作 list narrowed by the search form (the transfer's own columns)."""
    return _match(qs, f, "transfer__")


def outgoing_todo(org: Organisation) -> QuerySet[TransferStep]:
    """转出 · 待办工作 (steps). The initiator's own drafts and returns are listed by
    ``drafts_and_returned``."""
    return todo_steps(org, Direction.OUT)


def drafts_and_returned(org: Organisation) -> QuerySet[Transfer]:
    """The initiator's own applications that wait for it: unlaunched drafts and returns."""
    return row_values(
        Transfer.objects.filter(
            initiator=org, state__in=[TransferState.DRAFT, TransferState.RETURNED]
        )
    )


def outgoing_todo_count(org: Organisation) -> Count:
    """The number on the 转出 · 待办工作 tab, exact: pending steps plus the own drafts and
    returns (counted with the page's other numbers, ``orgs.paging.count_together``)."""
    steps = TransferStep.objects.filter(org=org, state=StepState.PENDING, direction=Direction.OUT)
    own = Transfer.objects.filter(
        initiator=org, state__in=[TransferState.DRAFT, TransferState.RETURNED]
    )
    return Count((steps, own))


def incoming_todo(org: Organisation) -> QuerySet[TransferStep]:
    """接收 · 待办工作."""
    return todo_steps(org, Direction.IN)


# -- transfers this organisation acted on that are not finished (已办工作) ------------------------


def _done(org: Organisation, direction: Direction) -> QuerySet[Transfer]:
    # The steps this organisation acted on, on one side. A step once acted may later read
    # 已退回; the act stands (its actor is kept), so it counts too.
    # Only the steps of transfers in flight (``transfer_open``): an organisation's steps of
    # finished transfers grow with the years, and every one would be checked on every page.
    acted = TransferStep.objects.filter(org=org, direction=direction, transfer_open=True).filter(
        Q(state__in=ACTED_STEP_STATES) | Q(state=StepState.RETURNED, actor__isnull=False)
    )
    return row_values(
        Transfer.objects.filter(
            pk__in=acted.values("transfer_id"),
            state__in=[s for s in UNFINISHED_STATES if s != TransferState.DRAFT],
        )
    ).prefetch_related(pending_step())


def outgoing_done(org: Organisation) -> QuerySet[Transfer]:
    """转出 · 已办工作: unfinished transfers ``org`` initiated or approved on the way out."""
    return _done(org, Direction.OUT)


def incoming_done(org: Organisation) -> QuerySet[Transfer]:
    """接收 · 已办工作: unfinished transfers ``org`` approved or received on the way in."""
    return _done(org, Direction.IN)


DONE_ORDERING = ["-id"]
# 超期 first (its step waits past the limit, or the member is not reported past the letter's
# validity), then the oldest launched.
DONE_OVERDUE_ORDERING = ["late", "since", "id"]


def search_done(qs: QuerySet[Transfer], f: WorkFilters) -> QuerySet[Transfer]:
    """An 已办工作 list narrowed by the search form, with what the overdue order sorts on."""
    qs = _match(qs, f)
    if f.sort != "overdue":
        return qs
    limit = timezone.now() - dt.timedelta(days=settings.SUPERVISION_OVERDUE_DAYS)
    late_step = TransferStep.objects.filter(
        transfer=OuterRef("pk"), state=StepState.PENDING, pending_since__lt=limit
    )
    late_letter = Letter.objects.filter(
        transfer=OuterRef("pk"), is_current=True, expires_on__lt=timezone.localdate()
    )
    return qs.annotate(
        late=Case(
            When(Exists(late_step), then=Value(0)),
            When(Q(state=TransferState.RECEIVED) & Exists(late_letter), then=Value(0)),
            default=Value(1),
            output_field=models.IntegerField(),
        ),
        since=Coalesce(F("launched_at"), F("created_at")),
    )


def done_ordering(f: WorkFilters) -> list[str]:
    return DONE_OVERDUE_ORDERING if f.sort == "overdue" else DONE_ORDERING


# -- 转接进度: the members of this organisation's subtree on their way out -----------------------


def route_steps() -> Prefetch:
    """Prefetch the path's steps (all rounds, in order) into ``route_steps``: one query a page."""
    return Prefetch(
        "steps",
        queryset=TransferStep.objects.exclude(state__in=(StepState.SUPERSEDED, StepState.CANCELLED))
        .select_related("org")
        .order_by("round", "order"),
        to_attr="route_steps",
    )


def outgoing_progress(org: Organisation) -> QuerySet[Transfer]:
    """转出 · 转接进度 (本支部党员转接进度): every unfinished transfer of a member whose branch is
    in ``org``'s subtree, whoever launched it, with where it is now and its path.

    A branch launches nothing itself (its committee does), so without this list a secretary
    cannot see where their own member's transfer stands."""
    return row_values(Transfer.objects.unfinished().from_subtree_of(org)).prefetch_related(
        route_steps()
    )


PROGRESS_ORDERING = ["-id"]


def member_transfers(member, org: Organisation) -> QuerySet[Transfer]:
    """The transfers of ``member`` that ``org`` may open (from or into its subtree), for the
    member's page, newest first, each with where it is now."""
    return (
        Transfer.objects.filter(member=member)
        .filter(Q(source_path__startswith=org.path) | Q(dest_path__startswith=org.path))
        .prefetch_related(route_steps())
    )


# -- 未报到 and the histories -------------------------------------------------------------------


def not_reported(org: Organisation, f: Filters | None = None) -> QuerySet[Transfer]:
    """接收 · 未报到: members received into branches of ``org``'s subtree, not yet reported."""
    qs = Transfer.objects.filter(state=TransferState.RECEIVED).into_subtree_of(org)
    return row_values(_apply(qs, f or Filters(), "received_on"))


NOT_REPORTED_ORDERING = ["-received_on", "-id"]


def outgoing_history(org: Organisation, f: Filters | None = None) -> QuerySet[Transfer]:
    """转出 · 转出历史: finished transfers whose source branch is in ``org``'s subtree."""
    qs = Transfer.objects.filter(state__in=HISTORY_STATES).from_subtree_of(org)
    return row_values(_apply(qs, f or Filters(), "launched_at"))


def incoming_history(org: Organisation, f: Filters | None = None) -> QuerySet[Transfer]:
    """接收 · 接收历史: finished transfers received into ``org``'s subtree."""
    qs = Transfer.objects.filter(state=TransferState.COMPLETED).into_subtree_of(org)
    return row_values(_apply(qs, f or Filters(), "received_on"))


HISTORY_ORDERING = ["-finished_at", "-id"]


def visible_transfers(org: Organisation) -> QuerySet[Transfer]:
    """The transfers ``org`` may open: its subtree is on the route, or is source or
    destination. An unlaunched draft exists only for its initiator, and a route given up by 更改
    or a return (steps superseded or cancelled) gives no access."""
    on_route = TransferStep.objects.filter(
        transfer=OuterRef("pk"), org_path__startswith=org.path
    ).exclude(state__in=[StepState.SUPERSEDED, StepState.CANCELLED])
    return Transfer.objects.filter(
        Q(state=TransferState.DRAFT, initiator=org)
        | (
            ~Q(state=TransferState.DRAFT)
            & (
                Q(source_path__startswith=org.path)
                | Q(dest_path__startswith=org.path)
                | Q(initiator_path__startswith=org.path)
                | Exists(on_route)
            )
        )
    )


def batch_transfers(org: Organisation, ids: list[int]) -> dict[int, Transfer]:
    """The chosen rows of a batch that ``org`` may see, by id (one query, plus one each for
    their pending steps and current letters)."""
    qs = (
        visible_transfers(org)
        .filter(pk__in=ids)
        .select_related(*ROW_RELATED, "target")
        .prefetch_related(pending_step(), current_letter())
    )
    return {t.pk: t for t in qs}

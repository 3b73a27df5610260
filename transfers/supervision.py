"""工作督查: what is stuck where, for an organisation's subtree (DESIGN.md §5).

Each list is one query; the per-subordinate table and the monthly chart are grouped queries, so
the page costs the same number of queries for a branch as for a province.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Substr, TruncMonth
from django.utils import timezone

from ops.compiled import Compiled
from orgs.models import Organisation
from transfers.errors import TransferError
from transfers.models import (
    EventAction,
    Reminder,
    StepState,
    Transfer,
    TransferEvent,
    TransferState,
    TransferStep,
    TransferType,
)
from transfers.services import Actor, lock, record
from transfers.volume import by_month, by_org, counted, setbacks_counted

RECEIPT_GRACE_DAYS = 30
LIST_SIZE = 10  # rows a page of 超期未办, 超期未报到 and 回执未登记
SUBORDINATE_SIZE = 20  # the subordinates' table


@dataclass(frozen=True)
class Period:
    """The date range the page looks at (default: this year up to today)."""

    start: dt.date
    end: dt.date

    @classmethod
    def this_year(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(start=today.replace(month=1, day=1), end=today)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=timezone.get_current_timezone())

    @property
    def end_at(self) -> dt.datetime:
        next_day = self.end + dt.timedelta(days=1)
        return dt.datetime.combine(next_day, dt.time.min, tzinfo=timezone.get_current_timezone())


def overdue_limit(days: int | None = None) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=days or settings.SUPERVISION_OVERDUE_DAYS)


def overdue_steps(
    org: Organisation, days: int | None = None, *, limit: dt.datetime | None = None
) -> QuerySet[TransferStep]:
    """超期未办: steps in ``org``'s subtree pending longer than ``days`` (since before
    ``limit``, if given: ``overdue_limit(days)``)."""
    return TransferStep.objects.filter(
        state=StepState.PENDING,
        org_path__startswith=org.path,
        pending_since__lt=overdue_limit(days) if limit is None else limit,
    ).select_related("org", "transfer", "transfer__initiator")


OVERDUE_ORDERING = ["pending_since", "id"]


def overdue_unreported(org: Organisation, *, today: dt.date | None = None) -> QuerySet[Transfer]:
    """超期未报到: members received into ``org``'s subtree whose letter has expired (before
    ``today``, by default the current date)."""
    return Transfer.objects.filter(
        state=TransferState.RECEIVED,
        dest_path__startswith=org.path,
        # the current letter's last day, kept on the row
        letter_expires_on__lt=timezone.localdate() if today is None else today,
    ).select_related("dest_branch")


UNREPORTED_ORDERING = ["-received_on", "-id"]


def receipt_limit() -> dt.datetime:
    return timezone.now() - dt.timedelta(days=RECEIPT_GRACE_DAYS)


def missing_receipts(org: Organisation, *, limit: dt.datetime | None = None) -> QuerySet[Transfer]:
    """全国 transfers concluded more than 30 days ago (before ``limit``: ``receipt_limit()``)
    with no 回执 recorded, that ``org``'s subtree sent or concluded."""
    return Transfer.objects.filter(
        Q(source_path__startswith=org.path) | Q(receiver_path__startswith=org.path),
        state=TransferState.CONCLUDED,
        out_of_system=True,
        finished_at__lt=receipt_limit() if limit is None else limit,
        letters__is_current=True,
        letters__receipt_on__isnull=True,
    ).select_related("receiver", "source_branch")


RECEIPT_ORDERING = ["finished_at", "id"]


def counts(org: Organisation, period: Period) -> dict[str, int]:
    """撤销 and 退回 in the period, for transfers leaving ``org``'s subtree."""
    if setbacks_counted(org):
        kept = by_org([org.path], ["rv", "rj", "sb"], period.start, period.end).get(org.path, {})
        return {
            "revoked": kept.get("rv", 0),
            "rejected": kept.get("rj", 0),
            "sent_back": kept.get("sb", 0),
        }
    in_period = Q(at__gte=period.start_at, at__lt=period.end_at)
    # Only a launched transfer is revoked after launch, rejected or sent back, and a launched
    # transfer keeps its launch time: saying so lets PostgreSQL find the subtree's transfers
    # through the (source_path, launched_at) index instead of reading all of them.
    events = TransferEvent.objects.filter(
        in_period,
        transfer__source_path__startswith=org.path,
        transfer__launched_at__isnull=False,
    )
    return events.aggregate(
        revoked=Count("id", filter=Q(action=EventAction.REVOKE, state_before__in=_launched())),
        rejected=Count("id", filter=Q(action=EventAction.REJECT)),
        sent_back=Count("id", filter=Q(action=EventAction.SEND_BACK)),
    )


def _launched() -> list[str]:
    return [TransferState.IN_PROGRESS, TransferState.RETURNED]


@dataclass(frozen=True)
class SubordinateRow:
    org: Organisation
    pending: int
    overdue: int
    completed: int


def _pending_by_child(path: str, width: int, paths: list[str], limit: dt.datetime) -> QuerySet:
    """Pending and overdue (since before ``limit``) steps under ``path``, by the child of
    ``path`` (its path is ``width`` long) among ``paths`` they are in."""
    return (
        TransferStep.objects.filter(state=StepState.PENDING, org_path__startswith=path)
        .annotate(child=Substr("org_path", 1, width))
        .filter(child__in=paths)
        .values("child")
        .annotate(
            pending=Count("id"),
            overdue=Count("id", filter=Q(pending_since__lt=limit)),
        )
    )


def _completed_out(path, width, paths, start, end) -> QuerySet:
    """Transfers out of each child among ``paths`` completed or concluded in [start, end)."""
    return (
        Transfer.objects.filter(
            state__in=[TransferState.COMPLETED, TransferState.CONCLUDED],
            finished_at__gte=start,
            finished_at__lt=end,
            source_path__startswith=path,
        )
        .annotate(child=Substr("source_path", 1, width))
        .filter(child__in=paths)
        .values("child")
        .annotate(n=Count("*"))
    )


def _completed_in(path, width, paths, start, end) -> QuerySet:
    """Transfers into each child among ``paths`` completed in [start, end). Only a completed
    transfer has a destination branch (办结 leaves the system), so this reads the
    completed-history index; a 支部间转接 is counted once, on the way out."""
    return (
        Transfer.objects.filter(
            state=TransferState.COMPLETED,
            finished_at__gte=start,
            finished_at__lt=end,
            dest_path__startswith=path,
        )
        .exclude(type=TransferType.BRANCH)
        .annotate(child=Substr("dest_path", 1, width))
        .filter(child__in=paths)
        .values("child")
        .annotate(n=Count("*"))
    )


# Compiled once per process (ops.compiled): the page runs them on every visit.
_PENDING_BY_CHILD = Compiled(_pending_by_child)
_COMPLETED_OUT = Compiled(_completed_out)
_COMPLETED_IN = Compiled(_completed_in)


def subordinates(
    org: Organisation, period: Period, orgs: list[Organisation]
) -> list[SubordinateRow]:
    """One row per direct subordinate on the page: pending and overdue steps in its subtree,
    and transfers out of or into it completed in the period."""
    width = len(org.path) + Organisation.steplen
    paths = [o.path for o in orgs]
    steps = _PENDING_BY_CHILD.all(path=org.path, width=width, paths=paths, limit=overdue_limit())
    by_step = {row["child"]: row for row in steps}
    return [
        SubordinateRow(
            org=o,
            pending=by_step.get(o.path, {}).get("pending", 0),
            overdue=by_step.get(o.path, {}).get("overdue", 0),
            completed=n,
        )
        for o, n in zip(orgs, _completed(org, period, orgs), strict=True)
    ]


def _completed(org: Organisation, period: Period, orgs: list[Organisation]) -> list[int]:
    """Transfers out of or into each of ``orgs`` completed in the period."""
    paths = [o.path for o in orgs]
    if orgs and counted(*orgs):
        kept = by_org(paths, ["od", "id"], period.start, period.end)
        return [sum(kept.get(p, {}).values()) for p in paths]
    values = {
        "path": org.path,
        "width": len(org.path) + Organisation.steplen,
        "paths": paths,
        "start": period.start_at,
        "end": period.end_at,
    }
    completed: dict[str, int] = {}
    for row in [*_COMPLETED_OUT.all(**values), *_COMPLETED_IN.all(**values)]:
        completed[row["child"]] = completed.get(row["child"], 0) + row["n"]
    return [completed.get(p, 0) for p in paths]


SUBORDINATE_ORDERING = ["path", "id"]


def direct_subordinates(org: Organisation, *, depth: int | None = None) -> QuerySet[Organisation]:
    """The children of ``org`` (its subtree at ``depth``, by default one below it), read
    through the (depth, path) index: a province's subtree has 168,000 organisations, its
    children fourteen."""
    depth = org.depth + 1 if depth is None else depth
    return Organisation.objects.filter(depth=depth, path__startswith=org.path)


def monthly_volume(org: Organisation, months: int = 12) -> list[tuple[dt.date, int, int]]:
    """(month, 转出, 接收) for the last ``months`` months, oldest first."""
    today = timezone.localdate()
    first = _add_months(today.replace(day=1), -(months - 1))
    if counted(org):
        kept = by_month(org, ["ol", "ir"], first)
        return [
            (m, kept.get((m, "ol"), 0), kept.get((m, "ir"), 0))
            for m in (_add_months(first, i) for i in range(months))
        ]
    start = dt.datetime.combine(first, dt.time.min, tzinfo=timezone.get_current_timezone())
    # A launched transfer is never a draft again, so the (source_path, launched_at) index
    # answers alone, without reading the transfers (a large committee launches thousands).
    out = (
        Transfer.objects.filter(source_path__startswith=org.path, launched_at__gte=start)
        .annotate(month=TruncMonth("launched_at"))
        .values("month")
        .annotate(n=Count("*"))
    )
    came_in = (
        Transfer.objects.filter(dest_path__startswith=org.path, received_on__gte=first)
        .annotate(month=TruncMonth("received_on"))
        .values("month")
        .annotate(n=Count("id"))
    )
    out_by = {_month_key(r["month"]): r["n"] for r in out}
    in_by = {_month_key(r["month"]): r["n"] for r in came_in}
    result = []
    for i in range(months):
        month = _add_months(first, i)
        result.append((month, out_by.get(month, 0), in_by.get(month, 0)))
    return result


def _month_key(value) -> dt.date:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date().replace(day=1)
    return value.replace(day=1)


def _add_months(day: dt.date, n: int) -> dt.date:
    month = day.month - 1 + n
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)


# -- 督办 -------------------------------------------------------------------------------------


def remind(*, actor: Actor, step: TransferStep, message: str = "") -> Reminder:
    """【督办】: put a reminder on the responsible organisation's 首页 until the step moves."""
    message = (message or "").strip()
    if len(message) > 200:
        raise TransferError("督办意见不能超过200个字。", field="message")
    with transaction.atomic():
        transfer = lock(step.transfer_id)
        step = TransferStep.objects.select_related("org").get(pk=step.pk)
        if step.state != StepState.PENDING:
            raise TransferError("该环节已办理，无需督办。")
        if not step.org_path.startswith(actor.org.path) or step.org_id == actor.org.pk:
            raise TransferError("只能督办本党组织下级党组织的待办环节。")
        earlier = Reminder.objects.filter(step=step, created_by_org=actor.org).first()
        if earlier is not None:
            raise TransferError(
                f"本党组织已于{timezone.localtime(earlier.created_at):%Y-%m-%d %H:%M}督办过该环节，"
                "提醒仍显示在对方首页。"
            )
        reminder = Reminder.objects.create(
            step=step,
            transfer=transfer,
            org=step.org,
            created_by_org=actor.org,
            created_by=actor.user,
            message=message,
        )
        record(
            transfer,
            actor,
            EventAction.SUPERVISE,
            transfer.state,
            step=step,
            opinion=message,
            data={"responsible": step.org.name},
        )
    return reminder


def active_reminders(org: Organisation) -> QuerySet[Reminder]:
    """Reminders for ``org`` whose step has not moved yet."""
    return (
        Reminder.objects.filter(org=org, step__state=StepState.PENDING)
        .select_related("transfer", "created_by_org", "step")
        .order_by("-created_at")
    )

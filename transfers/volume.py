"""Daily transfer counts for the big subtrees, kept by the database as transfers change.

工作督查's monthly chart and per-subordinate counts cover a whole subtree over months. For a
province that is hundreds of thousands of transfers: counted from the transfers table it takes
seconds. So for every organisation at a counted level (中央, 省, 市) PostgreSQL keeps one row per
(organisation, kind, day) in ``transfers_volumecount``, updated by triggers on the transfers table
and on the event log in the same transaction as the change (migration 0008): no code path can
forget it, bulk SQL included. Smaller subtrees are counted straight from the transfers' path
indexes, and so is everything on SQLite, where the table stays empty.

Kinds (the columns the page shows):
    ol  转出: launched from the subtree (by 发起时间), any state but draft
    ir  接收: received into the subtree (by 转入本组织时间)
    od  completed or concluded, leaving the subtree (by 结束时间)
    id  completed or concluded, coming into the subtree from outside it (not 支部间转接)
    rv  撤销 of a launched transfer, rj 不同意, sb 退回 — events on transfers leaving the subtree,
        kept for counties and grassroots committees too (``setbacks_counted``): counted from
        the log, they read every transfer the subtree ever launched (a large committee's
        hundred thousand took 0.3 s); the other kinds there read the period's transfers alone
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, models
from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncMonth

from ops.compiled import Compiled
from orgs.fields import PathField
from orgs.models import Level, Organisation
from transfers import volume_sql

COUNTED_LEVELS = tuple(Level(level) for level in volume_sql.LEVELS)
SETBACK_LEVELS = tuple(Level(level) for level in volume_sql.SETBACK_LEVELS)


class VolumeCount(models.Model):
    path = PathField(max_length=255)
    kind = models.CharField(max_length=2)
    day = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = "督查计数"
        verbose_name_plural = "督查计数"
        constraints = [
            models.UniqueConstraint(fields=["path", "kind", "day"], name="transfers_volume_unique")
        ]

    def __str__(self) -> str:
        return f"{self.path} {self.kind} {self.day}: {self.n}"


def counted(*orgs: Organisation) -> bool:
    """Whether the counts of ``orgs`` come from the kept table (PostgreSQL, big subtrees)."""
    return connection.vendor == "postgresql" and all(o.level in COUNTED_LEVELS for o in orgs)


def setbacks_counted(org: Organisation) -> bool:
    """Whether ``org``'s 撤销 / 不同意 / 退回 come from the kept table: above the general
    branches and branches, whose few transfers are counted from the log."""
    return connection.vendor == "postgresql" and org.level in SETBACK_LEVELS


def _by_month(path: str, kinds: list[str], first: dt.date) -> QuerySet:
    return (
        VolumeCount.objects.filter(path=path, kind__in=kinds, day__gte=first)
        .annotate(month=TruncMonth("day"))
        .values("month", "kind")
        .annotate(total=Sum("n"))
    )


def _by_org(paths: list[str], kinds: list[str], start: dt.date, end: dt.date) -> QuerySet:
    return (
        VolumeCount.objects.filter(path__in=paths, kind__in=kinds, day__gte=start, day__lte=end)
        .values("path", "kind")
        .annotate(total=Sum("n"))
    )


# Compiled once per process (ops.compiled): 工作督查 runs them on every visit.
_BY_MONTH = Compiled(_by_month)
_BY_ORG = Compiled(_by_org)


def by_month(org: Organisation, kinds: list[str], first: dt.date) -> dict[tuple[dt.date, str], int]:
    """{(first day of month, kind): count} from ``first`` on."""
    rows = _BY_MONTH.all(path=org.path, kinds=kinds, first=first)
    return {(r["month"], r["kind"]): r["total"] for r in rows}


def by_org(paths: list[str], kinds: list[str], start: dt.date, end: dt.date) -> dict[str, dict]:
    """{path: {kind: count}} over the days ``start``..``end`` inclusive."""
    rows = _BY_ORG.all(paths=paths, kinds=kinds, start=start, end=end)
    result: dict[str, dict] = {}
    for r in rows:
        result.setdefault(r["path"], {})[r["kind"]] = r["total"]
    return result

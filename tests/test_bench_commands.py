"""The benchmark commands keep working as the schema grows: `bench` builds a (tiny) country in
SQL and times its lists, `bench_pages` adds members and times whole pages, every one HTTP 200.

They run for hours at national size on a machine of their own (README, docs/scaling.md); here a
few hundred organisations and transfers show that every INSERT still fits the tables."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from members.models import Member
from orgs.models import Organisation
from transfers.models import Letter, Transfer, TransferEvent, TransferStep, VolumeCount
from transfers.models.events import replay

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TINY = {
    "provinces": 1,
    "cities": 2,
    "counties": 1,
    "grassroots": 12,
    "branches": 4,
    "sub_branches": 2,
    "transfers": 600,
}


def test_bench_builds_a_country_and_bench_pages_times_every_page():
    call_command("flush", interactive=False)  # the demo is not the bench's data
    out = StringIO()
    call_command("bench", repeat=1, stdout=out, **TINY)
    assert Organisation.objects.count() > 12 * 4
    assert Transfer.objects.count() == 600
    assert TransferStep.objects.filter(state="pending").exists()
    assert "转出历史" in out.getvalue()

    out = StringIO()
    call_command("bench_pages", repeat=1, no_vacuum=True, stdout=out)
    table = out.getvalue()
    assert Member.objects.exists()
    # Every transfer has its current letter (工作督查 and 未报到 read them).
    assert Letter.objects.filter(is_current=True).count() == Transfer.objects.count()
    # Every launched transfer has its log, and the log leads to the state it is in.
    launched = Transfer.objects.exclude(launched_at=None).prefetch_related("events")
    assert all(replay(t.events.all()) == t.state for t in launched)
    assert TransferEvent.objects.filter(action="send_back").exists()
    # 工作督查's kept counts were recounted with them (撤销 / 不同意 / 退回).
    assert VolumeCount.objects.filter(kind__in=["rv", "rj", "sb"]).exists()
    # The grassroots committee's years of history: finished ones closed, the others in flight.
    history = TransferStep.objects.filter(org__level="grassroots", order=0)
    assert history.filter(transfer__member_name__startswith="YF", transfer_open=False).exists()
    assert history.filter(transfer__member_name__startswith="YW", transfer_open=True).exists()
    assert Transfer.objects.filter(member_name__startswith="YR", state="returned").exists()
    assert "| 转出·待办 |" in table
    assert "| 党员信息维护 |" in table
    assert "HTTP " not in table, table  # a page that did not answer 200
    # The suite runs with prepared statements: the bench says which went generic.
    assert "预备语句" in table
    # Each cell: p50 / p95 (queries), for all five levels.
    row = next(line for line in table.splitlines() if line.startswith("| 转出历史 |"))
    assert len(re.findall(r"\d+ / \d+ \(\d+\)", row)) == 5, row

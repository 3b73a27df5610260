"""工作督查's kept counts (transfers.volume) agree with counting the transfers themselves."""

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone
from freezegun import freeze_time

from tests.transfer_helpers import (
    actor_for,
    approve_all,
    conclude,
    draft_to,
    launch,
    org_of,
    receive,
    reject_at_pending,
)
from transfers import services, supervision, volume, volume_sql
from transfers.models import Transfer, TransferType

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def direct(monkeypatch, fn, *args):
    """``fn`` computed from the transfers table, as below the counted levels."""
    with monkeypatch.context() as m:
        m.setattr(supervision, "counted", lambda *orgs: False)
        m.setattr(supervision, "setbacks_counted", lambda org: False)
        return fn(*args)


def some_history():
    """Transfers launched, approved, received, concluded, rejected and revoked over months."""
    today = timezone.now()
    wxy, ltx_zb1 = org_of("wxy"), org_of("ltx_zb1")
    for months_ago, finish in [(5, "receive"), (3, "reject"), (1, "revoke"), (0, "conclude")]:
        with freeze_time(today - dt.timedelta(days=30 * months_ago)):
            target = ltx_zb1 if finish != "conclude" else None
            kwargs = (
                {"transfer_type": TransferType.NATIONAL, "out_of_system": True}
                if finish == "conclude"
                else {}
            )
            if finish == "conclude":
                kwargs["target_name"] = "外省某党组织"
            t = launch(draft_to(actor_for(wxy), target, **kwargs))
            if finish == "receive":
                receive(approve_all(t), ltx_zb1)
            elif finish == "reject":
                reject_at_pending(t)
            elif finish == "revoke":
                services.revoke(actor=actor_for(wxy), transfer=Transfer.objects.get(pk=t.pk))
            else:
                conclude(approve_all(t))


def test_the_kept_counts_equal_the_counted_ones_at_every_counted_level(monkeypatch):
    some_history()
    assert volume.VolumeCount.objects.filter(kind="ol").exists()
    today = timezone.localdate()
    period = supervision.Period(start=today - dt.timedelta(days=400), end=today)
    for name in ("gx", "nn"):
        org = org_of(name)
        assert volume.counted(org)
        children = list(supervision.direct_subordinates(org).order_by("path"))
        assert supervision.monthly_volume(org) == direct(
            monkeypatch, supervision.monthly_volume, org
        )
        assert supervision.subordinates(org, period, children) == direct(
            monkeypatch, supervision.subordinates, org, period, children
        )
        assert supervision.counts(org, period) == direct(
            monkeypatch, supervision.counts, org, period
        )
    assert sum(n for _, n, _ in supervision.monthly_volume(org_of("gx"))) >= 4


def test_setbacks_are_kept_down_to_the_grassroots_committees(monkeypatch):
    """撤销, 不同意 and 退回 read the kept table at a county and a grassroots committee too
    (the log would be read for every transfer they ever launched), and agree with it."""
    some_history()
    today = timezone.localdate()
    period = supervision.Period(start=today - dt.timedelta(days=400), end=today)
    for name in ("gxu", "wxy"):  # 广西某大学党委 (county level) and 文学院党委
        org = org_of(name)
        assert volume.setbacks_counted(org)
        assert not volume.counted(org)
        kept = supervision.counts(org, period)
        assert kept == direct(monkeypatch, supervision.counts, org, period)
        assert kept["rejected"] == 1
        assert kept["revoked"] == 1
    assert not volume.setbacks_counted(org_of("wxy_zb1"))


def test_a_rebuild_gives_what_the_triggers_kept():
    some_history()
    kept = set(volume.VolumeCount.objects.filter(n__gt=0).values_list("path", "kind", "day", "n"))
    volume_sql.rebuild()
    rebuilt = set(volume.VolumeCount.objects.values_list("path", "kind", "day", "n"))
    assert kept
    assert kept == rebuilt


def test_only_the_big_subtrees_are_kept():
    some_history()
    paths = set(volume.VolumeCount.objects.values_list("path", flat=True))
    assert org_of("gx").path in paths
    # Below the city level only the setbacks (撤销, 不同意, 退回) are kept.
    assert set(
        volume.VolumeCount.objects.filter(path=org_of("gxu").path).values_list("kind", flat=True)
    ) == {"rv", "rj"}
    assert org_of("qx").path not in paths
    assert not volume.counted(org_of("qx"))
    with connection.cursor() as c:
        c.execute("SELECT count(*) FROM pg_trigger WHERE tgname LIKE 'transfers_volume%'")
        assert c.fetchone()[0] == 3

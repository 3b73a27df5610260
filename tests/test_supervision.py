"""工作督查: overdue lists, 督办, the table per subordinate, the chart, exports, 首页 counts."""

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from members.idcard import mask_id_number
from tests.transfer_helpers import (
    actor_for,
    approve_all,
    conclude,
    draft_to,
    every_page,
    launch,
    org_of,
    pending,
    receive,
)
from transfers import services, supervision
from transfers.errors import TransferError
from transfers.models import EventAction, Letter, Transfer, TransferType

pytestmark = pytest.mark.django_db


def launched_days_ago(days: int):
    """A 文学院 → 离退休 transfer launched ``days`` ago, waiting at the university."""
    with freeze_time(timezone.now() - dt.timedelta(days=days)):
        return launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))


def xlsx(response):
    return openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active


def test_a_step_waiting_longer_than_the_limit_is_overdue_for_every_org_above_it():
    transfer = launched_days_ago(10)
    step = pending(transfer)
    assert step.org == org_of("gxu")
    assert step in supervision.overdue_steps(org_of("gxu"))
    assert step in supervision.overdue_steps(org_of("gx"))
    assert step not in supervision.overdue_steps(org_of("wxy"))
    assert step not in supervision.overdue_steps(org_of("gxu"), days=11)


def test_a_fresh_step_is_not_overdue():
    transfer = launched_days_ago(2)
    assert pending(transfer) not in supervision.overdue_steps(org_of("gx"))


def test_the_limit_comes_from_the_settings(settings):
    transfer = launched_days_ago(4)
    settings.SUPERVISION_OVERDUE_DAYS = 3
    assert pending(transfer) in supervision.overdue_steps(org_of("gx"))


def test_remind_puts_a_reminder_on_the_responsible_home_page_until_the_step_moves(client_as):
    transfer = launched_days_ago(10)
    step = pending(transfer)
    response = client_as("gx").post(
        reverse("transfers:remind", args=[step.pk]), {"message": "请尽快办理"}
    )
    assert response.status_code == 302
    assert "已督办" in client_as("gx").get(response.url).content.decode()
    home = client_as("gxu").get(reverse("home")).content.decode()
    assert "督办提醒" in home
    assert transfer.member_name in home
    assert "请尽快办理" in home
    event = transfer.events.get(action=EventAction.SUPERVISE)
    assert event.org == org_of("gx")
    assert event.state_before == event.state_after == transfer.state
    approve_all(transfer)
    assert "督办提醒" not in client_as("gxu").get(reverse("home")).content.decode()


def test_only_a_superior_may_remind_and_only_a_pending_step():
    transfer = launched_days_ago(10)
    step = pending(transfer)
    with pytest.raises(TransferError, match="下级"):
        supervision.remind(actor=actor_for(org_of("gxu")), step=step)
    with pytest.raises(TransferError, match="下级"):
        supervision.remind(actor=actor_for(org_of("hn")), step=step)
    approve_all(transfer)
    step.refresh_from_db()
    with pytest.raises(TransferError, match="已办理"):
        supervision.remind(actor=actor_for(org_of("gx")), step=step)


def test_a_sibling_cannot_remind_through_the_url(client_as):
    step = pending(launched_days_ago(10))
    assert client_as("hn").post(reverse("transfers:remind", args=[step.pk])).status_code == 404


def test_received_members_past_their_letter_are_overdue_unreported():
    transfer = receive(approve_all(launched_days_ago(1)), org_of("ltx_zb1"))
    assert transfer not in supervision.overdue_unreported(org_of("ltx"))
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Letter.objects.filter(transfer=transfer).update(expires_on=yesterday)
    Transfer.objects.filter(pk=transfer.pk).update(letter_expires_on=yesterday)  # kept with it
    assert transfer in supervision.overdue_unreported(org_of("ltx"))
    assert transfer in supervision.overdue_unreported(org_of("ltx_zb1"))
    assert transfer not in supervision.overdue_unreported(org_of("wxy"))


def test_national_transfers_concluded_a_month_ago_without_receipt_are_listed():
    with freeze_time(timezone.now() - dt.timedelta(days=40)):
        transfer = draft_to(
            actor_for(org_of("wxy")),
            None,
            transfer_type=TransferType.NATIONAL,
            target_name="中共北京市某区委员会",
        )
        transfer = conclude(approve_all(launch(transfer)))
    assert transfer in supervision.missing_receipts(org_of("wxy"))
    assert transfer in supervision.missing_receipts(org_of("gx"))
    services.record_paper_receipt(
        actor=actor_for(org_of("gxu")),
        transfer=transfer,
        received_on=timezone.localdate(),
        handler="李经办",
        handler_phone="010-12345678",
    )
    assert transfer not in supervision.missing_receipts(org_of("wxy"))


def test_counts_per_subordinate_are_grouped_by_child():
    launched_days_ago(10)
    launched_days_ago(1)
    children = list(supervision.direct_subordinates(org_of("gx")).order_by("path"))
    rows = {
        r.org.short_name: r
        for r in supervision.subordinates(org_of("gx"), supervision.Period.this_year(), children)
    }
    assert rows["广西某大学党委"].pending == 2
    assert rows["广西某大学党委"].overdue == 1
    assert rows["南宁市委"].pending == 0


def test_monthly_volume_counts_out_and_in():
    transfer = launched_days_ago(1)
    receive(approve_all(transfer), org_of("ltx_zb1"))
    volume = supervision.monthly_volume(org_of("gxu"))
    assert len(volume) == 12
    assert volume[-1][0] == timezone.localdate().replace(day=1)
    assert sum(o for _, o, _ in volume) >= 1
    assert sum(i for _, _, i in volume) >= 1


def test_the_page_shows_the_lists_and_a_chart(client_as):
    transfer = launched_days_ago(10)
    html = client_as("gx").get(reverse("transfers:supervision")).content.decode()
    assert "工作督查" in html
    assert "<svg" in html
    assert transfer.member_name in html
    assert "督办" in html
    assert "广西某大学党委" in html or "中共广西某大学委员会" in html


def test_the_page_costs_the_same_queries_with_more_data(client_as, django_assert_max_num_queries):
    client = client_as("gx")
    launched_days_ago(10)
    client.get(reverse("transfers:supervision"))
    with django_assert_max_num_queries(30) as ctx:
        client.get(reverse("transfers:supervision"))
    before = len(ctx.captured_queries)
    for days in (9, 8, 11):
        launched_days_ago(days)
    with django_assert_max_num_queries(before):
        client.get(reverse("transfers:supervision"))


def test_the_overdue_list_exports_to_excel(client_as):
    transfer = launched_days_ago(10)
    response = client_as("gx").post(reverse("transfers:supervision_export", args=["overdue"]))
    sheet = xlsx(response)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "姓名", "身份证号")
    assert rows[1][1] == transfer.member_name
    # Exports carry the masked number only (PIPL: no full ID beyond need).
    assert rows[1][2] == mask_id_number(transfer.id_number)


@pytest.mark.parametrize("which", ["unreported", "receipts", "subordinates"])
def test_the_other_lists_export_too(client_as, which):
    response = client_as("gx").post(reverse("transfers:supervision_export", args=[which]))
    assert response.status_code == 200
    assert xlsx(response).max_row >= 1


def test_an_unknown_export_is_404(client_as):
    response = client_as("gx").post(reverse("transfers:supervision_export", args=["nope"]))
    assert response.status_code == 404


def test_home_shows_the_counts(client_as):
    launched_days_ago(10)
    html = client_as("gxu").get(reverse("home")).content.decode()
    assert "转出待办" in html
    assert "本级超期未办" in html


def test_reminding_twice_is_refused():
    step = pending(launched_days_ago(10))
    supervision.remind(actor=actor_for(org_of("gx")), step=step)
    with pytest.raises(TransferError, match="督办过"):
        supervision.remind(actor=actor_for(org_of("gx")), step=step)


@pytest.mark.parametrize("who", ["gx", "gxu", "wxy", "ltx", "ltx_zb1"])
def test_each_list_compiled_once_is_its_selectors(who, monkeypatch):
    """工作督查's four lists from the statements compiled once (list_statements.SUPERVISION),
    every page forwards and back at one row a page: the same rows, cursors and counts as from
    the selectors' querysets."""
    from orgs.paging import paginate
    from transfers import list_statements

    for days in (12, 10, 9):
        transfer = launched_days_ago(days)
    receive(approve_all(transfer), org_of("ltx_zb1"))
    received = [receive(approve_all(launched_days_ago(1)), org_of("ltx_zb1")) for _ in range(2)]
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Transfer.objects.filter(pk__in=[t.pk for t in received]).update(letter_expires_on=yesterday)
    for _ in range(2):
        with freeze_time(timezone.now() - dt.timedelta(days=40)):
            national = draft_to(
                actor_for(org_of("wxy")),
                None,
                transfer_type=TransferType.NATIONAL,
                target_name="中共北京市某区委员会",
            )
            conclude(approve_all(launch(national)))
    org = org_of(who)
    limit, today = supervision.overdue_limit(), timezone.localdate()
    lists = {
        "overdue": (supervision.overdue_steps(org, limit=limit), {"limit": limit}),
        "unreported": (supervision.overdue_unreported(org, today=today), {"today": today}),
        "receipts": (
            supervision.missing_receipts(org, limit=supervision.receipt_limit()),
            {"limit": supervision.receipt_limit()},
        ),
        "children": (supervision.direct_subordinates(org), {"depth": org.depth + 1}),
    }
    several = 0
    for name, (qs, values) in lists.items():
        statements = list_statements.SUPERVISION[name]
        monkeypatch.setattr(statements, "size", 1)
        used = []
        rows = statements.rows
        monkeypatch.setattr(
            statements,
            "rows",
            lambda *a, used=used, rows=rows, **k: used.append(1) or rows(*a, **k),
        )
        compiled = list_statements.supervision_list(name, org, **values)

        def walk(compiled, qs=qs, statements=statements):
            def page(**cursor):
                return paginate(qs, statements.ordering, size=1, compiled=compiled, **cursor)

            return [
                ([r.pk for r in p.rows], p.count, p.first_index, p.next_cursor, p.prev_cursor)
                for p in every_page(page)
            ]

        ours = walk(compiled)
        assert len(used) == len(ours)  # every page came from the compiled statements
        assert ours == walk(None), name
        several += len(ours) > 2
    if who in ("gx", "gxu", "ltx"):
        assert several  # some list had a page after its first (and came back)

"""Graduation season: 批量同意 / 批量接收 / 批量报到, row by row, and a batch of 500."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.batch_helpers import graduating
from tests.transfer_helpers import PHONE, actor_for, fresh, org_of, pending
from tests.transfer_view_helpers import stage, text
from transfers import selectors, services
from transfers.errors import TransferError
from transfers.models import EventAction, Transfer, TransferEvent, TransferState
from transfers.services import Row

pytestmark = pytest.mark.django_db


def rows(transfers, **kw):
    return [Row(t.pk, **kw) for t in transfers]


def by_id(org, transfers):
    return selectors.batch_transfers(org, [t.pk for t in transfers])


def receive_kwargs(**changes):
    return {
        "received_on": timezone.localdate(),
        "branch": org_of("ltx_zb1"),
        "handler_phone": PHONE,
        "confirmed_reported": True,
        "confirmed_checked": True,
        **changes,
    }


# -- the services -------------------------------------------------------------------------------


def test_batch_approve_moves_each_on_with_its_own_event():
    ts = graduating(3, at_receiver=False)
    gxu = org_of("gxu")
    result = services.batch_approve(
        actor=actor_for(gxu), rows=rows(ts), transfers=by_id(gxu, ts), confirmed=True
    )
    assert len(result.succeeded) == 3
    assert not result.failed
    for t in ts:
        assert pending(t).org == org_of("ltx")
        assert TransferEvent.objects.filter(transfer=t, action=EventAction.APPROVE).count() == 1


def test_a_row_that_fails_says_why_and_the_others_go_through():
    ts = graduating(3, at_receiver=False)
    gxu = org_of("gxu")
    # someone else already approved the middle one
    services.approve(actor=actor_for(gxu), transfer=ts[1], confirmed=True)
    result = services.batch_approve(
        actor=actor_for(gxu),
        rows=[Row(ts[0].pk), Row(ts[1].pk, expected_version=ts[1].version), Row(ts[2].pk)],
        transfers=by_id(gxu, ts),
        confirmed=True,
    )
    assert [o.transfer_id for o in result.succeeded] == [ts[0].pk, ts[2].pk]
    [failed] = result.failed
    assert failed.transfer_id == ts[1].pk
    assert failed.member_name == ts[1].member_name
    assert "已由中共广西某大学委员会于" in failed.message
    assert "办理（同意）" in failed.message


def test_an_unknown_or_foreign_row_is_refused_with_a_sentence():
    ts = graduating(1, at_receiver=False)
    sibling = org_of("xwcb")  # a sibling college: not on the route, it cannot see it
    result = services.batch_approve(
        actor=actor_for(sibling),
        rows=[Row(ts[0].pk), Row(999_999)],
        transfers=by_id(sibling, ts),
        confirmed=True,
    )
    assert not result.succeeded
    assert {o.message for o in result.failed} == {services.batch.NOT_FOUND}
    assert pending(ts[0]).org == org_of("gxu")


def test_an_unticked_batch_approves_none_and_says_so_per_row():
    ts = graduating(2, at_receiver=False)
    gxu = org_of("gxu")
    result = services.batch_approve(
        actor=actor_for(gxu), rows=rows(ts), transfers=by_id(gxu, ts), confirmed=False
    )
    assert len(result.failed) == 2
    assert all("请勾选" in o.message for o in result.failed)
    assert all(fresh(t).version == t.version for t in ts)


def test_batch_receive_into_one_branch_or_one_per_row():
    ts = graduating(3)
    ltx = org_of("ltx")
    branches = list(services.direct_branches(ltx)[:2])
    assert len(branches) == 2
    result = services.batch_receive(
        actor=actor_for(ltx),
        rows=[Row(ts[0].pk, branch=branches[1]), Row(ts[1].pk), Row(ts[2].pk)],
        transfers=by_id(ltx, ts),
        **receive_kwargs(branch=branches[0]),
    )
    assert len(result.succeeded) == 3
    assert [fresh(t).dest_branch for t in ts] == [branches[1], branches[0], branches[0]]
    assert {fresh(t).state for t in ts} == {TransferState.RECEIVED}


def test_batch_receive_without_a_branch_fails_that_row_only():
    ts = graduating(2)
    ltx = org_of("ltx")
    result = services.batch_receive(
        actor=actor_for(ltx),
        rows=[Row(ts[0].pk, branch=org_of("ltx_zb1")), Row(ts[1].pk)],
        transfers=by_id(ltx, ts),
        **receive_kwargs(branch=None),
    )
    assert [o.transfer_id for o in result.succeeded] == [ts[0].pk]
    assert result.failed[0].message == "请选择转入支部。"
    assert fresh(ts[1]).state == TransferState.IN_PROGRESS


def test_batch_report_completes_each():
    ts = graduating(2)
    ltx = org_of("ltx")
    services.batch_receive(
        actor=actor_for(ltx), rows=rows(ts), transfers=by_id(ltx, ts), **receive_kwargs()
    )
    branch = org_of("ltx_zb1")
    result = services.batch_report(
        actor=actor_for(branch), rows=rows(ts), transfers=by_id(branch, ts)
    )
    assert len(result.succeeded) == 2
    assert {fresh(t).state for t in ts} == {TransferState.COMPLETED}


def test_a_batch_over_the_limit_is_refused_before_anything_happens(settings):
    ts = graduating(1, at_receiver=False)
    with pytest.raises(TransferError, match="一次最多办理500条"):
        services.batch_approve(
            actor=actor_for(org_of("gxu")),
            rows=[Row(ts[0].pk)] * (services.BATCH_LIMIT + 1),
            transfers={},
            confirmed=True,
        )
    assert pending(ts[0]).org == org_of("gxu")


# -- a batch of 500 ------------------------------------------------------------------------------

QUERIES_PER_ROW = 15  # lock, rules, step, next step, transfer, event, savepoints…


def test_a_batch_of_500_is_approved_received_and_reported_through_the_pages(client_as):
    n = services.BATCH_LIMIT
    ts = graduating(n, at_receiver=False)
    ids = [t.pk for t in ts]
    timings = {}

    def post(login, name, data):
        client = client_as(login)
        # As the batch page posts it: each row's id, the version it showed and (批量接收) a
        # 转入支部 select — 1,500 fields and more, past Django's default limit of 1,000.
        versions = dict(Transfer.objects.filter(pk__in=ids).values_list("pk", "version"))
        rows = {f"v{pk}": version for pk, version in versions.items()}
        rows |= {f"b{t.pk}": "" for t in ts}
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.post(reverse(name), {"ids": ids, "back": "in_todo", **rows, **data})
            timings[name] = (time.perf_counter() - start, len(queries))
        assert response.status_code == 302
        assert len(queries) <= QUERIES_PER_ROW * n + 40, len(queries)
        result = client.get(response["Location"])
        assert f"成功 {n} 条" in text(result)
        assert "未成功 0 条" in text(result)

    post("gxu", "transfers:batch_approve", {"confirmed": "on"})
    post(
        "ltx",
        "transfers:batch_receive",
        {
            "received_on": timezone.localdate().isoformat(),
            "branch_mode": "all",
            "branch": org_of("ltx_zb1").pk,
            "handler_phone": PHONE,
            "confirmed_reported": "on",
            "confirmed_checked": "on",
        },
    )
    post("ltx_zb1", "transfers:batch_report", {"confirmed": "on"})
    assert set(
        TransferEvent.objects.filter(transfer_id__in=ids, action=EventAction.REPORT).values_list(
            "transfer_id", flat=True
        )
    ) == set(ids)
    for name, (seconds, count) in timings.items():
        print(f"{name}: {n} rows in {seconds:.1f} s, {count} queries ({count / n:.1f} per row)")


# -- the pages ------------------------------------------------------------------------------------


def batch_url(name, transfers, back="in_todo"):
    query = "&".join(f"ids={t.pk}" for t in transfers)
    return f"{reverse(name)}?back={back}&{query}"


def test_the_todo_list_offers_the_batch_buttons_as_plain_form_buttons(client_as):
    graduating(2)
    html = text(client_as("ltx").get(reverse("transfers:in_todo")))
    assert 'name="ids"' in html
    assert f'formaction="{reverse("transfers:batch_receive")}"' in html
    assert f'formaction="{reverse("transfers:batch_approve")}"' in html
    assert f'formaction="{reverse("transfers:batch_letters")}"' in html
    assert "全选本页" in html
    assert "一次最多50封" in html


def test_select_all_without_javascript_ticks_every_row_of_the_page(client_as):
    graduating(3)
    html = text(client_as("ltx").get(reverse("transfers:in_todo") + "?select=all"))
    assert html.count('name="ids" value=') == 3
    assert html.count("checked>") >= 3


def test_a_branch_is_not_offered_batch_approval(client_as):
    stage("received")
    html = text(client_as("ltx_zb1").get(reverse("transfers:in_unreported")))
    assert "批量报到" in html
    assert "批量同意" not in html


def test_the_confirmation_page_lists_the_rows_and_what_the_rules_refuse(client_as):
    ts = graduating(2, at_receiver=False)
    services.approve(actor=actor_for(org_of("gxu")), transfer=ts[1], confirmed=True)
    response = client_as("gxu").get(batch_url("transfers:batch_approve", ts, "out_todo"))
    html = text(response)
    assert response.status_code == 200
    assert ts[0].member_name in html
    assert "该转接已由中共广西某大学委员会于" in html  # the row approved meanwhile says who did
    assert "其中 1 条当前可办理" in html


def test_confirming_without_the_tick_says_so_next_to_it(client_as):
    ts = graduating(2, at_receiver=False)
    response = client_as("gxu").post(
        reverse("transfers:batch_approve"), {"ids": [t.pk for t in ts], "back": "in_todo"}
    )
    assert response.status_code == 400
    assert "请勾选“已审核过党员基本信息，确保党员数据真实准确”。" in text(response)
    assert all(pending(t).org == org_of("gxu") for t in ts)


def test_nothing_chosen_goes_back_to_the_list_with_a_sentence(client_as):
    response = client_as("ltx").get(
        reverse("transfers:batch_approve") + "?back=in_todo", follow=True
    )
    assert "请先勾选需要办理的党员。" in text(response)


def test_batch_receive_per_row_and_the_result_page(client_as):
    ts = graduating(2)
    client = client_as("ltx")
    page = client.get(batch_url("transfers:batch_receive", ts))
    assert page.status_code == 200
    assert f'name="b{ts[0].pk}"' in text(page)
    response = client.post(
        reverse("transfers:batch_receive"),
        {
            "ids": [t.pk for t in ts],
            "back": "in_todo",
            "received_on": timezone.localdate().isoformat(),
            "branch_mode": "each",
            f"b{ts[0].pk}": org_of("ltx_zb1").pk,
            "handler_phone": PHONE,
            "confirmed_reported": "on",
            "confirmed_checked": "on",
        },
        follow=True,
    )
    html = text(response)
    assert "成功 1 条" in html
    assert "未成功 1 条" in html
    assert "请选择转入支部。" in html
    assert fresh(ts[0]).state == TransferState.RECEIVED
    assert fresh(ts[1]).state == TransferState.IN_PROGRESS


def test_batch_receive_all_into_one_branch_needs_the_branch(client_as):
    ts = graduating(1)
    response = client_as("ltx").post(
        reverse("transfers:batch_receive"),
        {
            "ids": [ts[0].pk],
            "received_on": timezone.localdate().isoformat(),
            "branch_mode": "all",
            "handler_phone": PHONE,
            "confirmed_reported": "on",
            "confirmed_checked": "on",
        },
    )
    assert response.status_code == 400
    assert "请选择全部党员编入的党支部" in text(response)


def test_a_branch_cannot_open_batch_receive(client_as):
    ts = graduating(1)
    response = client_as("ltx_zb1").get(batch_url("transfers:batch_receive", ts))
    assert response.status_code == 403


def test_the_confirmation_page_costs_the_same_queries_for_2_or_20_rows(client_as):
    ts = graduating(20, at_receiver=False)
    client = client_as("gxu")
    client.get(batch_url("transfers:batch_approve", ts[:2]))
    with CaptureQueriesContext(connection) as few:
        client.get(batch_url("transfers:batch_approve", ts[:2]))
    with CaptureQueriesContext(connection) as many:
        client.get(batch_url("transfers:batch_approve", ts))
    assert len(many) == len(few)


def test_batch_letters_print_one_pdf_with_a_page_per_letter(client_as):
    import shutil
    import subprocess

    ts = graduating(3)
    response = client_as("ltx").get(batch_url("transfers:batch_letters", ts))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    info = subprocess.run(  # noqa: S603 - a fixed tool reading our own PDF
        [shutil.which("pdfinfo"), "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Pages:           3" in info
    words = subprocess.run(  # noqa: S603
        [shutil.which("pdftotext"), "-", "-"],
        input=response.content,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert all(t.member_name in words for t in ts)


def test_batch_letters_are_capped_and_the_page_says_so(client_as):
    from transfers.views.batch import LETTER_LIMIT

    ts = graduating(LETTER_LIMIT + 1, at_receiver=False)
    response = client_as("gxu").get(
        batch_url("transfers:batch_letters", ts, "out_todo"), follow=True
    )
    assert f"一次最多打印{LETTER_LIMIT}封介绍信（已选择{LETTER_LIMIT + 1}封）" in text(response)


def test_letters_of_rows_another_org_cannot_see_are_not_printed(client_as):
    ts = graduating(1, at_receiver=False)
    response = client_as("xwcb").get(batch_url("transfers:batch_letters", ts), follow=True)
    assert "所选党员没有可打印的介绍信。" in text(response)

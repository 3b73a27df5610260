"""Loose ends of the workflow: 找回 voids the letter and withdraws the exchange package; an
import received in this deployment sends the electronic 回执 back by itself; an expired letter
of a member not yet reported is reissued; exchange import prefills and lets 转接类型 be chosen."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from members.models import MemberState
from tests.test_exchange import conclude_national, import_as
from tests.transfer_helpers import (
    actor_for,
    approve_all,
    draft_to,
    fresh,
    launch,
    letter,
    org_of,
    receive,
    reject_at_pending,
    report,
)
from tests.transfer_view_helpers import inbound_data, success_message, text
from transfers import exchange, rules, services, supervision
from transfers.errors import TransferError
from transfers.letters import letter_status
from transfers.models import EventAction, ExchangePackage, Letter, Transfer, TransferState
from transfers.rules import Action

pytestmark = pytest.mark.django_db


def verify_page(client, code: str) -> str:
    return text(client.get(reverse("verify_code", args=[code])))


# -- 找回 -----------------------------------------------------------------------------------------


def retrieve(transfer):
    return services.retrieve(actor=actor_for(org_of("wxy")), id_number=transfer.id_number)


def test_retrieving_voids_the_letter_on_the_public_check(client):
    transfer = conclude_national()
    current = transfer.letters.get(is_current=True)
    assert letter_status(current) == "已使用"
    retrieve(transfer)
    current.refresh_from_db()
    assert letter_status(current) == "已作废（党员已找回）"
    html = verify_page(client, current.verification_code)
    assert "已作废（党员已找回）" in html
    assert "verify-bad" in html


def test_retrieving_withdraws_the_exchange_package_and_importing_is_refused(client_as):
    transfer = conclude_national()
    package = ExchangePackage.objects.get(source_transfer=transfer)
    retrieved = retrieve(transfer)
    package.refresh_from_db()
    assert package.is_withdrawn
    event = retrieved.events.get(action=EventAction.RETRIEVE)
    assert event.data["package_withdrawn"] == str(package.package_id)
    with pytest.raises(TransferError, match="已被转出方撤回"):
        import_as("yl", package, "yl_jd_zb1")
    client = client_as("yl")
    found = client.post(
        reverse("transfers:inbound_exchange"),
        {"id_number": package.id_number, "letter_serial": package.letter_serial},
    )
    assert exchange.WITHDRAWN in text(found)
    assert "导入该党员" not in text(found)
    page = client.get(reverse("transfers:inbound_import", args=[package.package_id]), follow=True)
    assert exchange.WITHDRAWN in text(page)


def test_retrieving_is_refused_while_the_package_is_being_imported():
    transfer = conclude_national()
    package = ExchangePackage.objects.get(source_transfer=transfer)
    launch(import_as("yl", package, "yl_jd_zb1"))
    with pytest.raises(TransferError, match="通过业务交换区办理转入，不能找回"):
        retrieve(transfer)
    assert fresh(transfer).state == TransferState.CONCLUDED
    assert fresh(transfer).member.state == MemberState.OUT_OF_SYSTEM


# -- the electronic 回执 of an import received here ------------------------------------------------


def test_an_import_received_here_records_the_electronic_receipt_on_the_sending_side():
    with freeze_time(timezone.now() - dt.timedelta(days=40)):
        sent = conclude_national()
    assert sent in supervision.missing_receipts(org_of("gx"))
    package = ExchangePackage.objects.get(source_transfer=sent)
    inbound = launch(import_as("yl", package, "yl_jd_zb1"))
    sent_letter = sent.letters.get(is_current=True)
    assert sent_letter.receipt_on is None  # not before 接收
    receive(approve_all(inbound), org_of("yl_jd_zb1"))
    sent_letter.refresh_from_db()
    assert sent_letter.receipt_on == timezone.localdate()
    receiver = fresh(inbound).receiver  # the committee that did 接收
    assert sent_letter.receipt_org_name == receiver.name
    assert sent_letter.receipt_is_paper is False
    event = fresh(sent).events.get(action=EventAction.RECEIPT)
    assert event.data["electronic"] is True
    assert event.data["inbound_transfer"] == inbound.pk
    assert event.org == receiver
    assert sent not in supervision.missing_receipts(org_of("gx"))
    assert fresh(sent).state == TransferState.CONCLUDED


def test_sending_the_imported_member_back_withdraws_the_electronic_receipt():
    sent = conclude_national()
    package = ExchangePackage.objects.get(source_transfer=sent)
    inbound = receive(
        approve_all(launch(import_as("yl", package, "yl_jd_zb1"))), org_of("yl_jd_zb1")
    )
    receiver = fresh(inbound).receiver
    services.send_back(actor=actor_for(receiver), transfer=inbound, reason="未到岗")
    sent_letter = sent.letters.get(is_current=True)
    assert sent_letter.receipt_on is None
    assert sent_letter.receipt_org_name == ""
    [given, withdrawn] = fresh(sent).events.filter(action=EventAction.RECEIPT).order_by("id")
    assert given.data["electronic"] is True
    assert withdrawn.data["withdrawn"] is True
    assert "未到岗" in withdrawn.opinion


def test_a_typed_inbound_sends_no_receipt_anywhere():
    sent = conclude_national()
    transfer = launch(
        services.draft_inbound(
            actor=actor_for(org_of("yl")),
            member=services.inbound_member_from(ExchangePackage.objects.get(source_transfer=sent))[
                0
            ],
            target=org_of("yl_jd_zb1"),
            origin_name="湖南",
            letter=letter(),
        )
    )
    receive(approve_all(transfer), org_of("yl_jd_zb1"))
    assert sent.letters.get(is_current=True).receipt_on is None


# -- 换发介绍信 ----------------------------------------------------------------------------------


def expired(stage: str = "launched"):
    """A wxy → ltx_zb1 transfer whose 10-day letter expired 10 days ago."""
    with freeze_time(timezone.now() - dt.timedelta(days=20)):
        transfer = launch(
            draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1"), letter=letter(validity_days=10))
        )
        if stage == "received":
            transfer = receive(approve_all(transfer), org_of("ltx_zb1"))
    return fresh(transfer)


@pytest.mark.parametrize("stage", ["launched", "received"])
def test_the_initiator_may_reissue_an_expired_letter_of_a_member_not_reported(stage):
    transfer = expired(stage)
    assert rules.may(transfer, org_of("wxy"), Action.REISSUE)
    for other in ("gxu", "ltx", "ltx_zb1"):
        assert not rules.may(transfer, org_of(other), Action.REISSUE)


def test_a_valid_or_a_finished_letter_is_not_reissued():
    valid = launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))
    with pytest.raises(TransferError, match="尚在有效期内"):
        rules.require(valid, org_of("wxy"), Action.REISSUE)
    done = expired("received")
    report(done)
    with pytest.raises(TransferError, match="转接中或未报到"):
        rules.require(fresh(done), org_of("wxy"), Action.REISSUE)


def test_reissuing_makes_a_new_version_and_voids_the_old_one_on_the_check(client):
    transfer = expired("received")
    old = transfer.letters.get(is_current=True)
    services.reissue_letter(actor=actor_for(org_of("wxy")), transfer=transfer, validity_days=30)
    old.refresh_from_db()
    new = transfer.letters.get(is_current=True)
    assert not old.is_current
    assert new.version == old.version + 1
    assert new.serial_number == old.serial_number
    assert new.verification_code != old.verification_code
    assert new.expires_on == timezone.localdate() + dt.timedelta(days=30)
    assert new.receipt_on == old.receipt_on  # the 回执 of 接收 stands
    assert "已作废（已换发新版本）" in verify_page(client, old.verification_code)
    assert fresh(transfer).events.filter(action=EventAction.REISSUE).count() == 1
    assert Letter.objects.filter(transfer=transfer).count() == 2


def test_reissuing_through_the_page(client_as):
    transfer = expired()
    client = client_as("wxy")
    detail = text(client.get(reverse("transfers:detail", args=[transfer.pk])))
    address = reverse("transfers:reissue", args=[transfer.pk])
    assert f'href="{address}">换发介绍信' in detail
    bad = client.post(address, {"version": transfer.version, "validity_days": "120"})
    assert bad.status_code == 400
    assert "介绍信有效期应为1至90天" in text(bad)
    response = client.post(
        address, {"version": transfer.version, "validity_days": "60"}, follow=True
    )
    assert "已换发介绍信" in success_message(response)
    assert transfer.letters.get(is_current=True).version == 2
    other = client_as("gxu").get(reverse("transfers:detail", args=[transfer.pk]))
    assert reverse("transfers:reissue", args=[transfer.pk]) not in text(other)


# -- 跨省（系统）转入 from the exchange zone: prefilled, 转接类型 chosen -------------------------


def test_the_import_page_prefills_the_destination_and_asks_the_type(client_as):
    sent = conclude_national(target_name=org_of("yl_jd_zb1").name)
    package = ExchangePackage.objects.get(source_transfer=sent)
    client = client_as("yl")
    address = reverse("transfers:inbound_import", args=[package.package_id])
    page = client.get(address)
    form = page.context["form"]
    assert form.initial["target_query"] == org_of("yl_jd_zb1").name
    assert form.initial["target"] == org_of("yl_jd_zb1").pk
    assert "请选择转接类型" in text(page)
    data = {
        "target": org_of("yl_jd_zb1").pk,
        "target_query": org_of("yl_jd_zb1").name,
        "dues_paid_through": "2026-10",
        "validity_days": "30",
    }
    missing = client.post(address, data)
    assert missing.status_code == 400
    assert "请选择转接类型。" in text(missing)
    done = client.post(address, {**data, "inbound_kind": "system"})
    assert done.status_code == 302
    inbound = package.__class__.objects.get(pk=package.pk).claimed_transfer
    assert inbound.inbound_kind == "system"
    assert "跨系统转入" in text(client.get(reverse("transfers:detail", args=[inbound.pk])))


def test_a_destination_not_in_this_tree_is_offered_as_typed(client_as):
    sent = conclude_national(target_name="中共某市某区某街道工作委员会")
    package = ExchangePackage.objects.get(source_transfer=sent)
    page = client_as("yl").get(reverse("transfers:inbound_import", args=[package.package_id]))
    assert page.context["form"].initial["target_query"] == "中共某市某区某街道工作委员会"
    assert page.context["form"].initial["target"] is None


def test_typing_the_paper_letter_asks_the_type_too(client_as):
    data = inbound_data()
    del data["inbound_kind"]
    response = client_as("wxy").post(reverse("transfers:inbound_details"), data)
    assert response.status_code == 400
    assert "请选择转接类型。" in text(response)


# -- the current letter's last day, kept on the transfer -----------------------------------------


def test_every_letter_issued_leaves_its_last_day_on_the_transfer():
    """确认发起, 更改, 重新发起 and 换发介绍信 each issue a letter; the transfer keeps that letter's
    expiry (工作督查's 超期未报到 reads it from the transfer's own index)."""

    def kept(transfer):
        transfer = fresh(transfer)
        return transfer.letter_expires_on, transfer.letters.get(is_current=True).expires_on

    wxy = actor_for(org_of("wxy"))
    today = timezone.localdate()
    launched = launch(draft_to(wxy, org_of("ltx_zb1"), letter=letter(validity_days=10)))
    assert kept(launched) == (today + dt.timedelta(days=10),) * 2

    reissued = services.reissue_letter(actor=wxy, transfer=expired(), validity_days=30)
    assert kept(reissued) == (today + dt.timedelta(days=30),) * 2

    gxu = actor_for(org_of("gxu"))
    changed = services.change_target(actor=gxu, transfer=fresh(reissued), target=org_of("xwcb_zb1"))
    assert kept(changed)[0] == kept(changed)[1]
    assert fresh(changed).letters.count() == 3

    returned = reject_at_pending(launch(draft_to(wxy, org_of("ltx_zb1"))))
    relaunched = services.relaunch(
        actor=wxy, transfer=fresh(returned), confirmed=True, letter=letter(validity_days=20)
    )
    assert kept(relaunched) == (today + dt.timedelta(days=20),) * 2


def test_the_migration_fills_the_last_day_of_unfinished_transfers_only():
    import importlib

    from django.db import connection

    backfill = importlib.import_module("transfers.migrations.0011_letter_expiry_on_transfer")
    wxy = actor_for(org_of("wxy"))
    waiting = receive(approve_all(launch(draft_to(wxy, org_of("ltx_zb1")))), org_of("ltx_zb1"))
    done = report(receive(approve_all(launch(draft_to(wxy, org_of("ltx_zb1")))), org_of("ltx_zb1")))
    Transfer.objects.filter(pk__in=[waiting.pk, done.pk]).update(letter_expires_on=None)
    with connection.cursor() as cursor:
        cursor.execute(backfill.BACKFILL)
    assert fresh(waiting).letter_expires_on == fresh(waiting).letters.get().expires_on
    assert fresh(done).letter_expires_on is None

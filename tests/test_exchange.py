"""业务交换区: publish at 办结, find, import once, and signed files between deployments."""

import base64
import json
import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.urls import reverse

from members.models import Member, MemberState
from tests.transfer_helpers import (
    actor_for,
    approve_all,
    draft_to,
    launch,
    org_of,
    receive,
    report,
)
from transfers import exchange, services
from transfers.errors import TransferError
from transfers.models import EventAction, ExchangePackage, TransferState, TransferType


def conclude_national(
    username="wxy", target_name="中共长沙市岳麓区岳麓街道工作委员会", receiver=None
):
    """A 全国 transfer from 广西 concluded by 广西某大学党委, addressed to 湖南 by default."""
    transfer = draft_to(
        actor_for(org_of(username)),
        None,
        transfer_type=TransferType.NATIONAL,
        target_name=target_name,
    )
    transfer = approve_all(launch(transfer))
    from tests.transfer_helpers import conclude

    return conclude(transfer, receiver)


def import_as(username, package, target_username):
    member, letter = services.inbound_member_from(package)
    return services.draft_inbound(
        actor=actor_for(org_of(username)),
        member=member,
        target=org_of(target_username),
        origin_name=letter["from_org_name"],
        origin_letter_number=letter["serial_number"],
        letter=services.LetterInput(dues_paid_through=member.joined_on.replace(day=1)),
        package=package,
    )


def new_key() -> tuple[str, str]:
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    pub = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(seed).decode(), base64.b64encode(pub).decode()


@pytest.mark.django_db
class TestPublishAndImport:
    def test_concluding_a_national_transfer_publishes_a_signed_package(self):
        transfer = conclude_national()
        package = ExchangePackage.objects.get(source_transfer=transfer)
        letter = transfer.letters.get(is_current=True)
        assert package.id_number == transfer.id_number
        assert package.letter_serial == letter.serial_number
        assert package.payload["member"]["name"] == transfer.member_name
        assert exchange.verify(package.payload, package.signature, package.origin_system)
        assert transfer.events.filter(action=EventAction.PUBLISH).exists()

    def test_it_is_found_by_id_number_and_letter_number_only(self):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        assert exchange.find(package.id_number, package.letter_serial, org=org_of("yl")) == package
        assert (
            exchange.find(package.id_number.lower(), f" {package.letter_serial} ", org=org_of("yl"))
            == package
        )
        assert exchange.find(package.id_number, "45-2026-99999", org=org_of("yl")) is None
        assert exchange.find("11010519491231002X", package.letter_serial, org=org_of("yl")) is None

    def test_importing_prefills_the_member_and_uses_the_package_once(self):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        transfer = import_as("yl", package, "yl_jd_zb1")
        assert transfer.type == TransferType.INBOUND
        assert transfer.via_exchange
        assert transfer.inbound_member["name"] == package.payload["member"]["name"]
        package.refresh_from_db()
        assert package.claimed_transfer == transfer
        assert exchange.find(package.id_number, package.letter_serial, org=org_of("yl")) is None
        with pytest.raises(TransferError, match="已被使用"):
            import_as("hn", package, "yl_jd_zb1")

    def test_the_whole_way_ends_with_the_member_reported_in_the_new_branch(self):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        transfer = import_as("yl", package, "yl_jd_zb1")
        transfer = launch(transfer)
        transfer = receive(approve_all(transfer), org_of("yl_jd_zb1"))
        transfer = report(transfer)
        member = Member.objects.get(id_number=package.id_number, state=MemberState.NORMAL)
        assert member.branch == org_of("yl_jd_zb1")
        assert transfer.state == TransferState.COMPLETED

    def test_revoking_the_import_gives_the_package_back(self):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        transfer = launch(import_as("yl", package, "yl_jd_zb1"))
        services.revoke(actor=actor_for(org_of("yl")), transfer=transfer)
        assert exchange.find(package.id_number, package.letter_serial, org=org_of("yl")) == package


@pytest.mark.django_db
class TestFiles:
    def test_a_file_round_trips_into_another_deployment_that_trusts_the_key(self, settings):
        hunan = org_of("hn")
        receiver = exchange.Receiver("receiving-system", hunan.code, hunan.name)
        package = ExchangePackage.objects.get(source_transfer=conclude_national(receiver=receiver))
        data = exchange.to_file(package)
        public = exchange.public_key_b64()
        # The receiving deployment: its own key and name, trusting the sender's public key.
        seed, _ = new_key()
        settings.EXCHANGE_SYSTEM_ID = "receiving-system"
        settings.EXCHANGE_SIGNING_KEY = seed
        settings.EXCHANGE_TRUSTED_KEYS = {package.origin_system: public}
        ExchangePackage.objects.filter(pk=package.pk).delete()  # it never was here
        imported = exchange.from_file(data, org=org_of("yl"))
        assert imported.received_as_file
        assert imported.package_id == package.package_id
        assert (
            exchange.find(imported.id_number, imported.letter_serial, org=org_of("yl")) == imported
        )

    def test_a_tampered_file_is_refused(self):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        document = json.loads(exchange.to_file(package))
        document["payload"]["member"]["name"] = "王篡改"
        ExchangePackage.objects.filter(pk=package.pk).delete()
        with pytest.raises(TransferError, match="签名校验失败"):
            exchange.from_file(json.dumps(document, ensure_ascii=False).encode(), org=org_of("yl"))
        assert (
            not ExchangePackage.objects.exists()
            or not ExchangePackage.objects.filter(package_id=package.package_id).exists()
        )

    def test_a_file_from_an_untrusted_system_is_refused(self, settings):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        data = exchange.to_file(package)
        settings.EXCHANGE_SYSTEM_ID = "another-system"
        settings.EXCHANGE_SIGNING_KEY = new_key()[0]
        settings.EXCHANGE_TRUSTED_KEYS = {}
        ExchangePackage.objects.filter(pk=package.pk).delete()
        with pytest.raises(TransferError, match="签名校验失败"):
            exchange.from_file(data, org=org_of("yl"))

    def test_a_replayed_file_is_refused(self):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        with pytest.raises(TransferError, match="已导入过"):
            exchange.from_file(exchange.to_file(package), org=org_of("yl"))

    @pytest.mark.parametrize(
        "data", [b"", b"not json", b"{}", b'{"format": "zhuanjie-exchange/1"}', b"\xff\xfe"]
    )
    def test_garbage_is_refused_with_one_message(self, data):
        with pytest.raises(TransferError, match="文件格式不正确"):
            exchange.from_file(data, org=org_of("yl"))


@pytest.mark.django_db
class TestPages:
    def test_the_exchange_page_finds_and_imports_the_package(self, client_as):
        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        client = client_as("yl")
        page = client.post(
            reverse("transfers:inbound_exchange"),
            {"id_number": package.id_number, "letter_serial": package.letter_serial},
        )
        html = page.content.decode()
        assert package.payload["member"]["name"] in html
        assert "导入该党员" in html
        url = reverse("transfers:inbound_import", args=[package.package_id])
        response = client.post(
            url,
            {
                "inbound_kind": "province",
                "target": org_of("yl_jd_zb1").pk,
                "target_query": "",
                "dues_paid_through": "2026-10",
                "validity_days": "30",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        assert "/path/" in response.url
        assert client_as("hn").get(url).status_code == 404  # used once
        assert client_as("yl").get(url).status_code == 200  # 【返回上一步】 to its own draft

    def test_not_found_is_explained(self, client_as):
        html = (
            client_as("yl")
            .post(
                reverse("transfers:inbound_exchange"),
                {"id_number": "11010519491231002X", "letter_serial": "x"},
            )
            .content.decode()
        )
        assert "业务交换区中未找到" in html

    def test_upload_refuses_a_tampered_file_next_to_the_field(self, client_as):
        from django.core.files.uploadedfile import SimpleUploadedFile

        package = ExchangePackage.objects.get(source_transfer=conclude_national())
        document = json.loads(exchange.to_file(package))
        document["payload"]["letter"]["to_org_name"] = "别处"
        ExchangePackage.objects.filter(pk=package.pk).delete()
        upload = SimpleUploadedFile("p.json", json.dumps(document).encode())
        response = client_as("yl").post(
            reverse("transfers:inbound_exchange_upload"), {"file": upload}
        )
        assert response.status_code == 400
        assert "签名校验失败" in response.content.decode()

    def test_the_sender_downloads_the_package_file(self, client_as):
        transfer = conclude_national()
        response = client_as("wxy").get(reverse("transfers:package", args=[transfer.pk]))
        assert response.status_code == 200
        document = json.loads(response.content)
        assert document["payload"]["member"]["id_number"] == transfer.id_number
        assert (
            client_as("ltx").get(reverse("transfers:package", args=[transfer.pk])).status_code
            == 404
        )

    def test_a_branch_cannot_import(self, client_as):
        assert client_as("yl_jd_zb1").get(reverse("transfers:inbound_exchange")).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_claims_of_one_package_let_exactly_one_through(demo_db):
    package = ExchangePackage.objects.get(source_transfer=conclude_national())
    barrier = threading.Barrier(2)
    outcomes = []

    def claim(username):
        try:
            barrier.wait()
            import_as(username, ExchangePackage.objects.get(pk=package.pk), "yl_jd_zb1")
            outcomes.append("ok")
        except TransferError as e:
            outcomes.append(e.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(u,)) for u in ("yl", "hn")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=len)[0] == "ok"
    assert outcomes.count("ok") == 1
    package.refresh_from_db()
    assert package.claimed_transfer is not None


@pytest.mark.django_db
def test_importing_again_after_going_back_replaces_the_own_draft():
    package = ExchangePackage.objects.get(source_transfer=conclude_national())
    first = import_as("yl", package, "yl_jd_zb1")
    second = import_as("yl", ExchangePackage.objects.get(pk=package.pk), "yl_jd_zb1")
    first.refresh_from_db()
    package.refresh_from_db()
    assert first.state == TransferState.REVOKED
    assert package.claimed_transfer == second


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["gxu", "gx", "hn", "wxy_zb1", "nn"])
def test_the_receivers_offered_at_conclude_are_the_other_provinces(who):
    from orgs.models import Level, Organisation

    concluder = org_of(who)
    own = concluder.path[: Organisation.steplen]
    expected = list(
        Organisation.objects.filter(level=Level.PROVINCE).exclude(path=own).order_by("path")
    )
    assert exchange.receivers_here(concluder) == expected
    assert expected  # the demo has two provinces

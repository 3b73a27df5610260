"""业务交换区 bound to its receiver, and uploads that are refused with nothing stored.

A package names its receiving side at 办结 (a deployment and a province committee there). Only
committees in that province's subtree find, open or import it; for every other committee it does
not exist. A validly signed package whose fields are malformed, and any oversized, non-JSON,
deeply nested or compressed upload, is refused at upload and never stored.
"""

from __future__ import annotations

import copy
import gzip
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orgs.models import Organisation
from tests.test_exchange import conclude_national, import_as
from tests.transfer_helpers import org_of
from transfers import exchange
from transfers.errors import TransferError
from transfers.models import ExchangePackage

pytestmark = pytest.mark.django_db


def committee_logins() -> list[str]:
    """Every demo login that acts for a committee (the ones that may use the exchange zone)."""
    users = get_user_model().objects.filter(organisationuserobjectpermission__isnull=False)
    return sorted(
        u.username
        for u in users.distinct()
        if Organisation.objects.get(organisationuserobjectpermission__user=u).is_committee
    )


def on_hunan_side(username: str) -> bool:
    return org_of(username).path.startswith(org_of("hn").path)


def test_only_the_receiving_province_finds_opens_and_imports_a_package(client_as):
    package = ExchangePackage.objects.get(source_transfer=conclude_national())  # → 湖南
    find = reverse("transfers:inbound_exchange")
    page = reverse("transfers:inbound_import", args=[package.package_id])
    query = {"id_number": package.id_number, "letter_serial": package.letter_serial}
    reachable, pairs = 0, 0
    for username in committee_logins():
        client = client_as(username)
        found = package.payload["member"]["name"] in client.post(find, query).content.decode()
        opened = client.get(page).status_code == 200
        if on_hunan_side(username):
            assert found, username
            assert opened, username
        else:
            pairs += 1
            reachable += found + opened
    assert pairs >= 10
    assert reachable == 0


def test_the_demo_package_for_guangxi_is_invisible_to_hunan(client_as):
    """The reviewer's case: 湖南's yl_jd typed the 身份证号 and 介绍信编号 meant for 广西."""
    package = ExchangePackage.objects.filter(receiver_code=org_of("gx").code).get()
    query = {"id_number": package.id_number, "letter_serial": package.letter_serial}
    yl_jd = client_as("yl_jd")
    assert (
        "业务交换区中未找到"
        in yl_jd.post(reverse("transfers:inbound_exchange"), query).content.decode()
    )
    url = reverse("transfers:inbound_import", args=[package.package_id])
    assert yl_jd.get(url).status_code == 404
    assert yl_jd.post(url, {"target": org_of("yl_jd_zb1").pk}).status_code == 404
    with pytest.raises(TransferError, match="不是发给本党组织"):
        import_as("yl_jd", package, "yl_jd_zb1")
    assert exchange.find(package.id_number, package.letter_serial, org=org_of("qx")) == package


def test_the_package_page_shows_the_id_number_masked(client_as):
    package = ExchangePackage.objects.get(source_transfer=conclude_national())
    query = {"id_number": package.id_number, "letter_serial": package.letter_serial}
    client = client_as("yl")
    found = client.post(reverse("transfers:inbound_exchange"), query).content.decode()
    opened = client.get(reverse("transfers:inbound_import", args=[package.package_id]))
    for html in (found, opened.content.decode()):
        assert package.masked_id_number in html
        # The only full number is the one the user typed, echoed in the search box.
        assert html.replace(f'value="{package.id_number}"', "").count(package.id_number) == 0


def test_the_id_number_search_is_never_in_a_url(client_as):
    html = client_as("yl").get(reverse("transfers:inbound_exchange")).content.decode()
    assert '<form method="post" class="search-form"' in html


# -- uploads --------------------------------------------------------------------------------------


@pytest.fixture
def signed_document():
    """A valid package file addressed to 湖南, removed from the database (it came from afar)."""
    package = ExchangePackage.objects.get(source_transfer=conclude_national())
    document = json.loads(exchange.to_file(package))
    ExchangePackage.objects.filter(pk=package.pk).delete()
    return document


def _resigned(document: dict, change) -> bytes:
    document = copy.deepcopy(document)
    change(document["payload"])
    document["signature"] = exchange.sign(document["payload"])
    return json.dumps(document, ensure_ascii=False).encode()


def _upload(client, data: bytes, name="p.json"):
    return client.post(
        reverse("transfers:inbound_exchange_upload"), {"file": SimpleUploadedFile(name, data)}
    )


MALFORMED = {
    "a bad date": lambda p: p["member"].update(joined_on="2024-02-30"),
    "a date of the wrong type": lambda p: p["letter"].update(issued_on=20240101),
    "a missing letter field": lambda p: p["letter"].pop("dues_paid_through"),
    "a missing member": lambda p: p.pop("member"),
    "a number for a name": lambda p: p["member"].update(name=42),
    "a list for the letter": lambda p: p.update(letter=[1, 2]),
    "an unknown gender": lambda p: p["member"].update(gender="x"),
    "a string for the validity": lambda p: p["letter"].update(validity_days="90"),
    "a 10,000-character name": lambda p: p["member"].update(name="王" * 10_000),
    "no receiver": lambda p: p.pop("receiver"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_validly_signed_but_malformed_package_is_refused_and_not_stored(
    client_as, signed_document, case
):
    data = _resigned(signed_document, MALFORMED[case])
    response = _upload(client_as("yl"), data)
    assert response.status_code == 400
    assert "文件格式不正确" in response.content.decode()
    assert not ExchangePackage.objects.filter(
        package_id=signed_document["payload"]["package_id"]
    ).exists()


def test_a_package_for_another_province_is_refused_at_upload(client_as, signed_document):
    response = _upload(client_as("gx"), json.dumps(signed_document).encode())
    assert response.status_code == 400
    assert "不是发给本党组织" in response.content.decode()
    assert not ExchangePackage.objects.filter(
        package_id=signed_document["payload"]["package_id"]
    ).exists()


def test_the_valid_file_is_accepted_and_opens_its_import_page(client_as, signed_document):
    response = _upload(client_as("yl"), json.dumps(signed_document).encode())
    package_id = signed_document["payload"]["package_id"]
    assert response.status_code == 302
    assert response.url == reverse("transfers:inbound_import", args=[package_id])
    assert client_as("yl").get(response.url).status_code == 200


HOSTILE = {
    "oversized": b'{"a": "' + b"x" * (exchange.MAX_FILE_BYTES + 10) + b'"}',
    "not JSON": b"\x89PNG\r\n\x1a\n not a package",
    "deeply nested": b"[" * 100_000,
    "deeply nested objects": b'{"a":' * 50_000,
    "a gzip bomb": gzip.compress(b"\0" * 20_000_000),
    "NUL bytes": b'{"format": "zhuanjie-exchange/1\x00"}',
    "empty": b"",
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_upload_is_refused_with_nothing_stored(client_as, case):
    before = ExchangePackage.objects.count()
    response = _upload(client_as("yl"), HOSTILE[case])
    assert response.status_code == 400
    assert "交换包" in response.content.decode()
    assert ExchangePackage.objects.count() == before

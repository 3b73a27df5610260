"""The letter: capital numerals, the PDF's URL fetcher, and the PDF itself."""

import shutil
import subprocess

import pytest
from django.test import RequestFactory

from tests.transfer_helpers import actor_for, draft_to, launch, org_of
from transfers.letters import (
    _static_only_fetcher,
    capital_digits,
    capital_number,
    capital_year_month,
    render_pdf,
)


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "零"),
        (7, "柒"),
        (10, "拾"),
        (11, "拾壹"),
        (30, "叁拾"),
        (90, "玖拾"),
        (105, "壹佰零伍"),
        (120, "壹佰贰拾"),
        (999, "玖佰玖拾玖"),
    ],
)
def test_counts_are_written_in_capitals(n, text):
    assert capital_number(n) == text


def test_years_are_written_digit_by_digit():
    assert capital_digits(2026) == "贰零贰陆"
    assert capital_year_month(2026, 11) == "贰零贰陆年拾壹月"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "http://testserver/static/../settings/base.py",
        "http://testserver/static/css/../../settings/base.py",
        "http://testserver/media/x.png",
    ],
)
def test_the_pdf_fetcher_refuses_anything_but_the_apps_static_files(url):
    with pytest.raises(ValueError, match=r"refused|no static"):
        _static_only_fetcher().fetch(url)


def test_a_static_path_on_another_host_is_read_from_disk_never_fetched():
    response = _static_only_fetcher().fetch("https://example.com/static/css/letter.css")
    assert b"letter-sheet" in response.read()


def test_the_pdf_fetcher_serves_the_letter_stylesheet():
    response = _static_only_fetcher().fetch("http://testserver/static/css/letter.css")
    assert response.content_type == "text/css"
    assert b".letter-part" in response.read()


@pytest.mark.django_db
@pytest.mark.skipif(
    not shutil.which("pdftotext"), reason="needs pdftotext (apt-get install poppler-utils)"
)
def test_the_pdf_holds_the_three_parts_in_chinese():
    transfer = launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))
    letter = transfer.letters.get(is_current=True)
    request = RequestFactory().get("/")
    pdf = render_pdf(letter, request=request)
    pdftotext = shutil.which("pdftotext")
    text = subprocess.run(  # noqa: S603 - a local tool reading a PDF we made
        [pdftotext, "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    for expected in (
        "党员介绍信存根",
        "中国共产党党员组织关系介绍信",
        "党员组织关系介绍信回执联",
        letter.serial_number,
        letter.member_name,
        "玖拾",
    ):
        assert expected in text.replace(" ", ""), expected


def test_warm_up_renders_with_the_letters_fonts():
    from transfers.letters import warm_up

    assert warm_up() > 0


@pytest.mark.parametrize("enabled", [True, False])
def test_the_wsgi_module_warms_the_fonts_up_when_the_setting_allows(settings, monkeypatch, enabled):
    import importlib

    from transfers import letters

    settings.LETTER_WARM_UP = False
    wsgi_module = importlib.import_module("settings.wsgi")
    calls = []
    monkeypatch.setattr(letters, "warm_up", lambda: calls.append(1) or 0.0)
    settings.LETTER_WARM_UP = enabled
    importlib.reload(wsgi_module)
    assert calls == ([1] if enabled else [])

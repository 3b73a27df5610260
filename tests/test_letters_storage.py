"""The letter PDF under each static files storage: the fetcher serves exactly what the storage
serves, so letter.css is applied (one page, its fonts) with hashed production names too."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.templatetags.static import static
from django.test import RequestFactory, override_settings

from tests.transfer_helpers import actor_for, draft_to, launch, org_of
from transfers import letters
from transfers.letters import _static_only_fetcher, render_pdf

PRODUCTION = "whitenoise.storage.CompressedManifestStaticFilesStorage"
PLAIN = "django.contrib.staticfiles.storage.StaticFilesStorage"
POPPLER = all(shutil.which(tool) for tool in ("pdfinfo", "pdffonts", "pdftotext"))
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="needs pdfinfo/pdffonts/pdftotext (apt-get install poppler-utils)"
)


def storages(backend: str) -> dict:
    return {
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": backend},
    }


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """A real collectstatic into a temporary STATIC_ROOT with the production storage."""
    root = tmp_path_factory.mktemp("static")
    with override_settings(
        STATIC_ROOT=root, STORAGES=storages(PRODUCTION), WHITENOISE_USE_FINDERS=False
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        yield root


def run(tool: str, pdf: bytes, *args: str) -> str:
    return subprocess.run(  # noqa: S603 - a local poppler tool reading a PDF we made
        [shutil.which(tool), *args, "-", "-"] if tool == "pdftotext" else [shutil.which(tool), "-"],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout.decode()


def pdf_pages_and_fonts(pdf: bytes) -> tuple[int, str]:
    info = run("pdfinfo", pdf)
    pages = int(next(line.split()[1] for line in info.splitlines() if line.startswith("Pages:")))
    return pages, run("pdffonts", pdf)


@pytest.fixture
def letter(db):
    transfer = launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1")))
    return transfer.letters.get(is_current=True)


def test_the_production_storage_hashes_the_stylesheet_and_the_fetcher_serves_it(collected):
    url = static("css/letter.css")
    assert url != "/static/css/letter.css"  # hashed: css/letter.<hash>.css
    response = _static_only_fetcher().fetch(f"https://zuzhi.example.gov.cn{url}")
    assert b".letter-part" in response.read()
    assert response.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://zuzhi.example.gov.cn/static/../settings/base.py",
        "https://zuzhi.example.gov.cn/static/%2e%2e/settings/base.py",
        "https://zuzhi.example.gov.cn/static//etc/passwd",
        "https://zuzhi.example.gov.cn/media/x.png",
    ],
)
def test_the_production_fetcher_still_refuses_everything_else(collected, url):
    with pytest.raises(ValueError, match=r"refused|no static"):
        _static_only_fetcher().fetch(url)


def test_unhashed_names_are_not_guessed_without_finders(collected):
    """Production serves only what collectstatic wrote; so does the fetcher."""
    with pytest.raises(ValueError, match="no static"):
        _static_only_fetcher().fetch("https://zuzhi.example.gov.cn/static/css/nowhere.css")


@needs_poppler
def test_under_the_production_storage_the_letter_is_one_styled_page(collected, letter):
    pdf = render_pdf(letter, request=RequestFactory().get("/", secure=True))
    pages, fonts = pdf_pages_and_fonts(pdf)
    assert pages == 1
    assert "DejaVu-Sans-Mono" in fonts  # the serial number's font comes from letter.css only
    assert "中国共产党党员组织关系介绍信" in run("pdftotext", pdf, "-layout").replace(" ", "")


@needs_poppler
@override_settings(STORAGES=storages(PLAIN))
def test_under_the_plain_storage_the_letter_is_one_styled_page(letter):
    pages, fonts = pdf_pages_and_fonts(render_pdf(letter, request=RequestFactory().get("/")))
    assert pages == 1
    assert "DejaVu-Sans-Mono" in fonts


@needs_poppler
def test_without_its_stylesheet_the_letter_would_be_two_unstyled_pages(letter, monkeypatch):
    """The control for the two tests above: what they would see if letter.css were lost."""

    def refuse_css(url):
        raise ValueError(f"no static file {url!r}")

    monkeypatch.setattr(letters, "static_file", refuse_css)
    pages, fonts = pdf_pages_and_fonts(render_pdf(letter, request=RequestFactory().get("/")))
    assert pages == 2
    assert "DejaVu-Sans-Mono" not in fonts

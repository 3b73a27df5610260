"""The 电子介绍信 as the official three-part form (组通字〔2006〕45号), on screen and as a PDF."""

from __future__ import annotations

import mimetypes
import threading
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlparse

import segno
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.urls import reverse

from members.idcard import mask_id_number
from transfers.models import Letter, TransferState

DIGITS = "零壹贰叁肆伍陆柒捌玖"


def capital_digits(number: int | str) -> str:
    """Digit by digit, as years are written: 2026 → 贰零贰陆."""
    return "".join(DIGITS[int(d)] for d in str(number))


def capital_number(n: int) -> str:
    """A count in anti-alteration capitals: 90 → 玖拾, 11 → 拾壹, 105 → 壹佰零伍."""
    if not 0 <= n < 1000:
        raise ValueError("只支持0至999")
    if n == 0:
        return "零"
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    out = ""
    if hundreds:
        out += DIGITS[hundreds] + "佰"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else DIGITS[tens]) + "拾"
    if units:
        out += DIGITS[units]
    return out


def capital_year_month(year: int, month: int) -> str:
    """党费已交到 贰零贰陆年拾壹月."""
    return f"{capital_digits(year)}年{capital_number(month)}月"


def letter_status(letter: Letter) -> str:
    """有效 / 已过期 / 已使用 / 已撤销 / 已作废, as the public verification page says it."""
    from django.utils import timezone

    state = letter.transfer.state
    if state == TransferState.REVOKED:
        return "已撤销"
    if not letter.is_current:
        return "已作废（已换发新版本）"
    if state == TransferState.RETRIEVED:
        # 找回: the member is back at the source branch; the letter must not be used.
        return "已作废（党员已找回）"
    if state in (TransferState.RECEIVED, TransferState.COMPLETED, TransferState.CONCLUDED):
        return "已使用"
    if letter.expires_on < timezone.localdate():
        return "已过期"
    return "有效"


def verify_url(request, letter: Letter) -> str:
    """The public 查验 address of ``letter`` (printed as text and as a QR code)."""
    path = reverse("verify_code", args=[letter.verification_code])
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    return f"{base}{path}" if base else request.build_absolute_uri(path)


def qr_data_uri(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=4, border=1)


def letter_context(letter: Letter, request=None) -> dict:
    dues = letter.dues_paid_through
    extra = {}
    if request is not None:
        url = verify_url(request, letter)
        extra = {"verify_url": url, "verify_qr": qr_data_uri(url)}
    return {
        **extra,
        "letter": letter,
        "dues_capital": capital_year_month(dues.year, dues.month),
        "validity_capital": capital_number(letter.validity_days),
        "issued_capital": (
            f"{capital_digits(letter.issued_on.year)}年{capital_number(letter.issued_on.month)}月"
            f"{capital_number(letter.issued_on.day)}日"
        ),
        "masked_id": mask_id_number(letter.id_number),
        "status": letter_status(letter),
    }


def static_file(url: str) -> tuple[bytes, str]:
    """The bytes and type of the static file behind ``url`` (as ``static()`` wrote it), read
    exactly where the site serves it from: the configured static files storage (under the
    manifest storage, the hashed name in STATIC_ROOT), or, where whitenoise serves straight from
    the apps' folders (dev, tests), the finders. Anything else raises ValueError."""
    parsed = urlparse(url)
    prefix = urlparse(settings.STATIC_URL).path
    prefix = "/" + prefix.lstrip("/")
    if parsed.scheme not in ("http", "https") or not parsed.path.startswith(prefix):
        raise ValueError(f"refused to fetch {url!r}")
    name = unquote(parsed.path[len(prefix) :])
    if not name or name.startswith("/") or "\\" in name or ".." in PurePosixPath(name).parts:
        raise ValueError(f"refused to fetch {url!r}")
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    try:
        if staticfiles_storage.exists(name):
            with staticfiles_storage.open(name) as f:
                return f.read(), mime
    except SuspiciousFileOperation:
        raise ValueError(f"refused to fetch {url!r}") from None
    if getattr(settings, "WHITENOISE_USE_FINDERS", False):
        found = finders.find(name)
        if found:
            return Path(found).read_bytes(), mime
    raise ValueError(f"no static file {name!r}")


def _static_only_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """WeasyPrint may load the site's own static files and inline data, nothing else: no
        file://, no network. Untrusted text in a letter could otherwise make it read local
        files or reach the network (CVE-2025-68616 and friends)."""

        def fetch(self, url, headers=None):
            if urlparse(url).scheme == "data":
                return super().fetch(url, headers)
            content, mime = static_file(url)
            return URLFetcherResponse(url, content, {"Content-Type": mime})

    return StaticOnlyFetcher()


# One PDF at a time per process: with gunicorn's threaded workers several requests share a
# process, and Pango/fontconfig under WeasyPrint are not documented as safe to use from several
# threads at once. A letter takes about 0.2 s; the other requests of the worker go on meanwhile.
_PDF_LOCK = threading.Lock()


def _write_pdf(html: str, base_url: str | None = None, *, fetcher=None) -> bytes:
    from weasyprint import HTML

    with _PDF_LOCK:
        return HTML(string=html, base_url=base_url, url_fetcher=fetcher).write_pdf()


def render_pdf(letter: Letter, *, request) -> bytes:
    html = render_to_string("transfers/letter_pdf.html", letter_context(letter, request))
    base_url = request.build_absolute_uri("/")
    return _write_pdf(html, base_url, fetcher=_static_only_fetcher())


def render_letters_pdf(letters: list[Letter], *, request) -> bytes:
    """Many letters as one PDF, each starting on a new page (打印介绍信 from a list)."""
    html = render_to_string(
        "transfers/letters_pdf.html",
        {"letters": [letter_context(letter, request) for letter in letters]},
    )
    base_url = request.build_absolute_uri("/")
    return _write_pdf(html, base_url, fetcher=_static_only_fetcher())


def letters_pdf_response(request, letters: list[Letter]) -> HttpResponse:
    from django.utils import timezone
    from django.utils.http import content_disposition_header

    response = HttpResponse(
        render_letters_pdf(letters, request=request), content_type="application/pdf"
    )
    filename = f"介绍信-{len(letters)}封-{timezone.localdate():%Y%m%d}.pdf"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


WARM_UP_HTML = """<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8"><style>
@page { size: A6; margin: 5mm; }
body { font-family: "Noto Serif CJK SC", "Noto Sans CJK SC", serif; font-size: 10.5pt; }
.b { font-weight: bold; } .m { font-family: "DejaVu Sans Mono", monospace; }
</style></head><body><p class="b">中国共产党党员组织关系介绍信</p>
<p>同志（男），身份证号<span class="m">45010319900101123X</span>，党费已交到贰零贰陆年拾壹月。</p>
</body></html>"""


def warm_up() -> float:
    """Render a tiny document with the letters' fonts (serif and sans CJK, bold, monospace).

    The first PDF of a process loads fontconfig, Pango's font map and the CJK font files, which
    takes seconds; done once at worker start, the first letter a user asks for costs what the
    next ones do. Returns the seconds it took.
    """
    import time

    start = time.perf_counter()
    _write_pdf(WARM_UP_HTML)
    return time.perf_counter() - start


def pdf_response(request, letter: Letter) -> HttpResponse:
    pdf = render_pdf(letter, request=request)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"介绍信-{letter.serial_number}.pdf"
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response

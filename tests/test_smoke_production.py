"""The production stack, end to end over HTTPS: nginx (TLS, static files) → gunicorn → Django
under settings.prod, on a database prepared by migrate, collectstatic and demo.

`.ci/run` starts that stack on loopback and sets SMOKE_BASE_URL (and SMOKE_CA_FILE, its
self-signed certificate); without it these tests skip, which fails under REQUIRE_ALL_TESTS=1.
Only the standard library speaks HTTP here, as any client of the site would.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import ssl
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser

import pytest

BASE = os.environ.get("SMOKE_BASE_URL", "").rstrip("/")
CA_FILE = os.environ.get("SMOKE_CA_FILE") or None
PASSWORD = os.environ.get("SMOKE_PASSWORD", "Zhuanjie@2026")
TARGET = "广西某大学离退休第一党支部"

pytestmark = pytest.mark.skipif(
    not BASE, reason="set SMOKE_BASE_URL to a running production stack (.ci/run does)"
)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class Forms(HTMLParser):
    """Each <form>: its action and the values it would submit as it stands."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": {}})
        elif tag == "input" and self.forms and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button"):
                self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def forms_of(html: str) -> list[dict]:
    parser = Forms()
    parser.feed(html)
    return parser.forms


class Browser:
    """Cookies, CSRF and Origin as a browser sends them; redirects are returned, not followed."""

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        context = ssl.create_default_context(cafile=CA_FILE)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=context),
            urllib.request.HTTPCookieProcessor(self.cookies),
            NoRedirect,
        )

    def request(self, path: str, data: dict | None = None, *, referer: str = ""):
        url = path if path.startswith("http") else BASE + path
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(url, data=body)  # noqa: S310 - https only, see BASE
        if body is not None:
            req.add_header("Origin", BASE)
            req.add_header("Referer", referer or url)
        try:
            response = self.opener.open(req, timeout=60)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        response.body = response.read()
        return response

    def get(self, path: str):
        return self.request(path)

    def text(self, path: str) -> str:
        response = self.get(path)
        assert response.status == 200, (path, response.status)
        return response.body.decode()

    def post_form(self, page: str, action: str = "", **values):
        """Submit the form of ``page`` that posts to ``action`` (default: to the page itself)
        with what it holds and ``values`` typed in."""
        url = BASE + page
        target = urllib.parse.urljoin(url, action or url)
        forms = forms_of(self.text(page))
        form = next(f for f in forms if urllib.parse.urljoin(url, f["action"] or url) == target)
        return self.request(target, {**form["fields"], **values}, referer=url)

    def login(self, username: str) -> None:
        response = self.post_form("/accounts/login/", username=username, password=PASSWORD)
        assert response.status == 302, (username, response.status, response.body[:300])


def location(response) -> str:
    parsed = urllib.parse.urlparse(response.headers["Location"])
    return parsed.path + (f"?{parsed.query}" if parsed.query else "")


def poppler(tool: str, pdf: bytes, *args: str) -> str:
    return subprocess.run(  # noqa: S603 - a local poppler tool reading the downloaded PDF
        [shutil.which(tool) or tool, *args, "-", *(["-"] if tool == "pdftotext" else [])],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()


def test_health_endpoints_answer_over_https():
    browser = Browser()
    health = browser.get("/healthz")
    assert (health.status, health.body) == (200, b"ok\n")
    ready = browser.get("/readyz")
    assert ready.status == 200
    assert json.loads(ready.body) == {
        "status": "ok",
        "database": "ok",
        "migrations": "ok",
        "cache": "ok",
    }


def test_pages_carry_a_request_id_hsts_and_hashed_static_files_served_by_nginx():
    browser = Browser()
    response = browser.get("/accounts/login/")
    assert response.status == 200
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])
    assert "max-age=" in response.headers["Strict-Transport-Security"]
    stylesheet = re.search(r'href="(/static/css/[^"]+\.[0-9a-f]{12}\.css)"', response.body.decode())
    assert stylesheet, "no hashed stylesheet on the login page"
    css = browser.get(stylesheet[1])
    assert css.status == 200
    assert "immutable" in css.headers["Cache-Control"]
    assert "X-Request-ID" not in css.headers  # nginx answered, not the application


def test_a_demo_committee_launches_another_approves_and_the_letter_is_one_styled_page():
    wxy = Browser()
    wxy.login("wxy")
    members = re.findall(r'name="members" value="(\d+)"', wxy.text("/transfers/apply/"))
    assert members, "文学院党委 has no member to transfer"
    details = f"/transfers/apply/details/?members={members[0]}"
    response = wxy.post_form(
        details,
        transfer_type="county",
        target="",
        target_query=TARGET,
        member_phone="13800138000",
    )
    assert response.status == 302, response.body.decode()[:2000]
    preview = location(response)
    assert preview.startswith("/transfers/apply/path/?ids=")
    response = wxy.post_form(preview, "/transfers/apply/launch/", confirmed="on")
    assert response.status == 302
    assert location(response).startswith("/transfers/out/done/")
    transfer_id = preview.rsplit("=", 1)[1]

    gxu = Browser()  # 广西某大学党委 approves (同意)
    gxu.login("gxu")
    approve = f"/transfers/t/{transfer_id}/approve/"
    response = gxu.post_form(approve, opinion="同意转接。", confirmed="on")
    assert response.status == 302, response.body.decode()[:2000]
    assert "同意" in gxu.text(f"/transfers/t/{transfer_id}/")

    pdf = gxu.get(f"/transfers/t/{transfer_id}/letter.pdf")
    assert pdf.status == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    info = poppler("pdfinfo", pdf.body)
    assert re.search(r"^Pages:\s+1$", info, re.MULTILINE), info
    text = poppler("pdftotext", pdf.body, "-layout").replace(" ", "")
    for expected in ("党员介绍信存根", "中国共产党党员组织关系介绍信", "党员组织关系介绍信回执联"):
        assert expected in text, expected
    assert "DejaVu-Sans-Mono" in poppler("pdffonts", pdf.body)  # from letter.css only

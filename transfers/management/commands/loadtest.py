"""python manage.py loadtest — a bounded load against a running server on this machine.

Logs in over HTTP as several demo users (``manage.py demo``) and, for a fixed number of seconds,
runs a mix of what users do — list pages, 业务办理 (a transfer's page), 同意, Excel exports — from
a few client threads, then prints requests/s and p50/p95 per kind. ``--mode approve`` measures
同意/s alone and, right after, the login page's rate on the same stack, side by side. Like a
browser, the client opens the page a 同意 redirects to (timed on its own line): it shows the
message "已同意…", which would otherwise pile up in the session.

    python manage.py loadtest --prepare 4000          # transfers waiting for 同意 (needs demo)
    python manage.py loadtest --url http://127.0.0.1:8000 --seconds 20 --mode approve
    python manage.py loadtest --url http://127.0.0.1:8000 --seconds 30 --mode mix

Only loopback addresses are accepted, and every run stops after ``--seconds`` (at most 300).
The command reads the ids of the waiting transfers from the database it is configured with,
which must be the server's.
"""

from __future__ import annotations

import http.client
import ipaddress
import queue
import random
import re
import statistics
import threading
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.core.management.base import BaseCommand, CommandError

from transfers.management.commands import _loaddata
from transfers.management.commands.demo import DEMO_PASSWORD
from transfers.models import StepState, TransferStep

PAGES = [
    "/transfers/out/todo/",
    "/transfers/out/done/",
    "/transfers/out/history/",
    "/transfers/in/todo/",
    "/transfers/in/history/",
    "/transfers/supervision/",
    "/members/",
]
USERS = ["gxu", "wxy", "ltx", "gx", "nn", "xwcb"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Browser:
    """One user's connection: keep-alive, cookies, CSRF token."""

    def __init__(self, host: str, port: int):
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.location: str | None = None

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {"Host": "localhost"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = "http://localhost/"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        self.location = response.headers.get("Location")
        return response.status, data

    def login(self, username: str) -> None:
        status, _ = self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST", "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        if status != 302:
            raise CommandError(f"{username} 登录失败（HTTP {status}）：请先运行 manage.py demo。")


class Command(BaseCommand):
    help = "对本机运行中的服务做有界压测：列表、业务办理、同意、导出，输出每类请求的吞吐与延迟。"

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--seconds", type=float, default=20)
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument("--mode", choices=["mix", "approve"], default="mix")
        parser.add_argument("--prepare", type=int, default=0, help="先发起这么多待同意的转接")

    def handle(self, *args, **o):
        if o["prepare"]:
            waiting = _loaddata.prepare(o["prepare"], self.stdout)
            self.stdout.write(f"广西某大学党委待同意：{waiting} 件")
            return
        url = urlsplit(o["url"])
        try:
            loopback = ipaddress.ip_address(url.hostname).is_loopback
        except ValueError:
            loopback = url.hostname == "localhost"
        if not loopback:
            raise CommandError("只允许压测本机（127.0.0.0/8）。")
        self.host, self.port = url.hostname, url.port or 80
        seconds = min(o["seconds"], 300)
        self.waiting: queue.Queue = queue.Queue()
        for pk, version in (
            TransferStep.objects.filter(state=StepState.PENDING)
            .filter(role="approve", transfer__member_name__startswith="压测")
            .values_list("transfer_id", "transfer__version")
            .order_by("transfer_id")
        ):
            self.waiting.put((pk, version))
        if o["mode"] == "approve":
            approve = self._run(["gxu"] * o["threads"], self._approve_only, seconds)
            login = self._run([None] * o["threads"], self._login_page, seconds)
            self._report({**approve, **login}, seconds)
            rate = len(approve.get("同意", [])) / seconds
            page = len(login.get("登录页", [])) / seconds
            if page:
                self.stdout.write(f"\n同意/s ÷ 登录页/s = {rate / page:.2f}")
        else:
            users = [USERS[i % len(USERS)] for i in range(o["threads"])]
            self._report(self._run(users, self._mix, seconds), seconds)

    # -- the clients ------------------------------------------------------------------------

    def _run(self, users, work, seconds) -> dict[str, list[float]]:
        results: dict[str, list[float]] = {}
        lock = threading.Lock()
        browsers = []
        for username in users:
            browser = Browser(self.host, self.port)
            if username:
                browser.login(username)
                browser.username = username
            browsers.append(browser)
        deadline = time.perf_counter() + seconds

        def loop(browser):
            rng = random.Random(id(browser))  # noqa: S311 - a load mix, not a secret
            while time.perf_counter() < deadline:
                outcome = work(browser, rng)
                if outcome[0] is None:
                    return
                with lock:
                    for kind, ok, elapsed in outcome if isinstance(outcome, list) else [outcome]:
                        results.setdefault(kind if ok else f"{kind}（失败）", []).append(elapsed)

        threads = [threading.Thread(target=loop, args=(b,)) for b in browsers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(seconds + 60)
        return results

    def _timed(self, browser, kind, method, path, form=None, expect=200):
        start = time.perf_counter()
        status, body = browser.request(method, path, form)
        return kind, status == expect, (time.perf_counter() - start) * 1000, body

    def _approve(self, browser):
        try:
            pk, version = self.waiting.get_nowait()
        except queue.Empty:
            return None, False, 0.0
        form = {"version": version, "confirmed": "on", "opinion": "同意"}
        kind, ok, ms, _ = self._timed(
            browser, "同意", "POST", f"/transfers/t/{pk}/approve/", form, expect=302
        )
        if not ok or not browser.location:
            return kind, ok, ms
        # As a browser does: open the page the redirect leads to, which shows (and so removes
        # from the session) the message "已同意…"; left there, messages would pile up.
        shown = self._timed(browser, "同意后打开的页面", "GET", urlsplit(browser.location).path)
        return [(kind, ok, ms), shown[:3]]

    def _approve_only(self, browser, rng):
        return self._approve(browser)

    def _login_page(self, browser, rng):
        return self._timed(browser, "登录页", "GET", "/accounts/login/")[:3]

    def _mix(self, browser, rng):
        roll = rng.random()
        if browser.username == "gxu" and roll < 0.3:
            return self._approve(browser)
        if roll < 0.05:
            # Exports are POSTs (CSRF) and limited per user: serve with EXPORT_RATE_LIMIT raised.
            return self._timed(browser, "导出", "POST", "/transfers/out/history/export/", {})[:3]
        if roll < 0.35:
            kind, ok, ms, body = self._timed(browser, "列表翻页", "GET", rng.choice(PAGES))
            link = re.search(rb'href="/transfers/t/(\d+)/"', body)
            if link is None:
                return kind, ok, ms
            return self._timed(browser, "业务办理", "GET", f"/transfers/t/{int(link[1])}/")[:3]
        return self._timed(browser, "列表", "GET", rng.choice(PAGES))[:3]

    def _report(self, results, seconds):
        self.stdout.write("\n| 请求 | 次数 | 每秒 | p50 毫秒 | p95 毫秒 |\n|---|---|---|---|---|")
        for kind, times in sorted(results.items()):
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            self.stdout.write(
                f"| {kind} | {len(times)} | {len(times) / seconds:.1f} | "
                f"{statistics.median(times):.0f} | {p95:.0f} |"
            )

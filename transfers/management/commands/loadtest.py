"""python manage.py loadtest — a bounded load against a running server on this machine.

Logs in over HTTP as several demo users (``manage.py demo``) and, for a fixed number of seconds,
runs a mix of what users do — list pages, 业务办理 (a transfer's page), 同意, Excel exports — from
a few client threads, then prints requests/s and p50/p95 per kind. ``--mode approve`` measures
同意/s alone and, right after, the login page's rate on the same stack, side by side.
``--mode actions`` does the same for twelve actions one after another, each on what the one
before left, as the user whose turn it is: 确认发起 (文学院党委) of its drafts, 换发介绍信 (there
too) of the expired letters, 同意 (广西某大学党委) on a third of the transfers waiting there,
接收 (离退休工作委员会), 报到 (its branch) and 退回 (the committee) on half each of the received,
更改 (广西某大学党委, to another branch) on the second third, 办结 (there too) of the transfers
out of the system and 登记回执 of what it concluded, 不同意 on the rest of the waiting, then, of
all that came back to 文学院党委, 重新发起 of those with an even id and 撤销 of the others. Each
runs for ``--seconds`` or until nothing is left for it, and its rate is over the time it ran.
Like a browser, the client opens the page an action redirects to (timed on its own line): it
shows the message "已同意…", which would otherwise pile up in the session. ``--only`` takes
some of the twelve (by the name of their line), the others skipped: one action measured alone,
on what ``--prepare`` left for it.

    python manage.py loadtest --prepare 8000  # 8,000 for 同意, 2,000 for 办结, 2,000 drafts
    python manage.py loadtest --url http://127.0.0.1:8000 --seconds 20 --mode approve
    python manage.py loadtest --url http://127.0.0.1:8000 --seconds 10 --mode actions
    python manage.py loadtest --url http://127.0.0.1:8000 --mode actions --only 确认发起,同意
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
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from transfers.management.commands import _loaddata
from transfers.management.commands.demo import DEMO_PASSWORD
from transfers.models import StepState, Transfer, TransferState, TransferStep, TransferType

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
PREPARED = "压测"  # the names of the members --prepare makes
RECEIVED, RETURNED = TransferState.RECEIVED, TransferState.RETURNED


def _at_node(role: str, *, of: int = 1, k: int = 0) -> list[tuple]:
    """The prepared transfers waiting at a node with this role, those whose id is ``k`` modulo
    ``of``: (id, version, target)."""
    rows = (
        TransferStep.objects.filter(state=StepState.PENDING, role=role)
        .filter(transfer__member_name__startswith=PREPARED)
        .values_list("transfer_id", "transfer__version", "transfer__target_id")
        .order_by("transfer_id")
    )
    return [row for row in rows if row[0] % of == k]


def _in_state(state: str, *, of: int = 1, k: int = 0) -> list[tuple]:
    rows = (
        Transfer.objects.filter(state=state, member_name__startswith=PREPARED)
        .values_list("id", "version", "target_id")
        .order_by("id")
    )
    return [row for row in rows if row[0] % of == k]


def _to_other_branch() -> list[tuple]:
    """A third of the waiting transfers, each with the branch 更改 sends it to instead."""
    branch = _loaddata._org("xwcb_zb1")
    return [(pk, version, branch) for pk, version, _ in _at_node("approve", of=3, k=1)]


def _out_of_system() -> list[tuple]:
    """The 全国直接转接 waiting for 办结, each with the receiver of its exchange package."""
    receiver = f"{settings.EXCHANGE_SYSTEM_ID}|{_loaddata._org('hn').code}"
    return [(pk, version, receiver) for pk, version, _ in _at_node("conclude")]


def _drafts() -> list[tuple]:
    """文学院党委's prepared drafts, each with its id for the form (确认发起 takes ``ids``)."""
    rows = Transfer.objects.filter(state=TransferState.DRAFT, member_name__startswith=PREPARED)
    return [(pk, version, pk) for pk, version in rows.values_list("id", "version").order_by("id")]


def _expired() -> list[tuple]:
    """The prepared transfers on their way whose letter has run out."""
    rows = Transfer.objects.filter(
        state=TransferState.IN_PROGRESS,
        member_name__startswith=PREPARED,
        letter_expires_on__lt=timezone.localdate(),
    )
    return list(rows.values_list("id", "version", "target_id").order_by("id"))


def _without_receipt() -> list[tuple]:
    """The prepared transfers concluded out of the system whose paper 回执 is not recorded."""
    rows = Transfer.objects.filter(
        state=TransferState.CONCLUDED,
        member_name__startswith=PREPARED,
        letters__is_current=True,
        letters__receipt_on__isnull=True,
    )
    return list(rows.values_list("id", "version", "target_id").order_by("id"))


def _to_relaunch() -> list[tuple]:
    """Those returned to 文学院党委 with an even id, each with the branch it goes to again."""
    branch = _loaddata._org("ltx_zb1")
    return [(pk, version, branch) for pk, version, _ in _in_state(RETURNED, of=2)]


def _relaunched(version, branch):
    """The application as 重新发起's page fills it in, unchanged, and the tick."""
    return {
        "version": version,
        "transfer_type": TransferType.COUNTY,
        "target": branch.pk,
        "target_query": branch.name,
        "dues_paid_through": f"{timezone.localdate():%Y-%m}",
        "validity_days": 90,
        "confirmed": "on",
    }


def _confirmed(version, extra):
    return {"version": version, "confirmed": "on"}


def _reason(version, extra):
    return {"version": version, "reason": "压测：信息有误，请核实后重新发起。"}


@dataclass(frozen=True)
class Action:
    """One action of ``--mode actions``: who takes it, on which transfers, with which form."""

    kind: str  # the line of the table
    user: str  # the demo login whose turn it is
    path: str  # where the form is posted, "{pk}" standing for the transfer's id
    candidates: Callable[[], list]  # (id, version, what the form needs), read when its turn comes
    form: Callable[[int, object], dict]


APPROVE = Action(
    "同意",
    "gxu",
    "/transfers/t/{pk}/approve/",
    lambda: _at_node("approve"),
    lambda version, extra: {"version": version, "confirmed": "on", "opinion": "同意"},
)
ACTIONS = [
    Action(
        "确认发起",
        "wxy",
        "/transfers/apply/launch/",
        _drafts,
        lambda version, pk: {"ids": pk, "confirmed": "on"},
    ),
    Action(
        "换发介绍信",
        "wxy",
        "/transfers/t/{pk}/letter/reissue/",
        _expired,
        lambda version, extra: {"version": version, "validity_days": 90},
    ),
    # A third of the waiting transfers for 同意, a third for 更改, the rest for 不同意.
    replace(APPROVE, candidates=lambda: _at_node("approve", of=3, k=0)),
    Action(
        "接收",
        "ltx",
        "/transfers/t/{pk}/receive/",
        lambda: _at_node("receive"),
        lambda version, branch: {
            "version": version,
            "received_on": timezone.localdate().isoformat(),
            "branch": branch,  # the target branch, as the form preselects it
            "handler_phone": "0771-3210000",
            "confirmed_reported": "on",
            "confirmed_checked": "on",
        },
    ),
    # Half of the received report (the branch), the other half the committee sends back.
    Action(
        "报到",
        "ltx_zb1",
        "/transfers/t/{pk}/report/",
        lambda: _in_state(TransferState.RECEIVED, of=2),
        _confirmed,
    ),
    Action(
        "退回",
        "ltx",
        "/transfers/t/{pk}/send-back/",
        lambda: _in_state(TransferState.RECEIVED),
        _reason,
    ),
    Action(
        "更改",
        "gxu",
        "/transfers/t/{pk}/change/",
        _to_other_branch,
        lambda version, branch: {
            "version": version,
            "transfer_type": TransferType.COUNTY,
            "target": branch.pk,
            "target_query": branch.name,
            "opinion": "压测：本人申请改转他处",
        },
    ),
    Action(
        "办结",
        "gxu",
        "/transfers/t/{pk}/conclude/",
        _out_of_system,
        lambda version, receiver: {"version": version, "confirmed": "on", "receiver": receiver},
    ),
    Action(
        "登记回执",
        "gxu",
        "/transfers/t/{pk}/receipt/",
        _without_receipt,
        lambda version, extra: {
            "version": version,
            "received_on": timezone.localdate().isoformat(),
            "handler": "压测经办人",
            "handler_phone": "0771-3210000",
        },
    ),
    Action("不同意", "gxu", "/transfers/t/{pk}/reject/", lambda: _at_node("approve"), _reason),
    # Of all that came back, those with an even id go again, the others are withdrawn.
    Action("重新发起", "wxy", "/transfers/t/{pk}/relaunch/", _to_relaunch, _relaunched),
    Action("撤销", "wxy", "/transfers/t/{pk}/revoke/", lambda: _in_state(RETURNED), _confirmed),
]


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
        parser.add_argument("--mode", choices=["mix", "approve", "actions"], default="mix")
        parser.add_argument("--prepare", type=int, default=0, help="先发起这么多待同意的转接")
        parser.add_argument(
            "--only", default="", help="--mode actions 只压测这些动作，逗号分隔，如 确认发起,同意"
        )

    def handle(self, *args, **o):
        if o["prepare"]:
            waiting = _loaddata.prepare(o["prepare"], self.stdout)
            self.stdout.write(f"广西某大学党委待办理（同意、办结）：{waiting} 件")
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
        if o["mode"] == "mix":
            self.waiting = self._queue(APPROVE.candidates())
            users = [USERS[i % len(USERS)] for i in range(o["threads"])]
            results, elapsed = self._run(users, self._mix, seconds)
            self._report(results, elapsed)
            return
        rates = {}
        for action in self._chosen(o["mode"], o["only"]):
            self.waiting = self._queue(action.candidates())
            results, elapsed = self._run(
                [action.user] * o["threads"], self._acting(action), seconds
            )
            self._report(results, elapsed, title=f"{action.kind}（{action.user}）")
            rates[action.kind] = len(results.get(action.kind, [])) / elapsed
        results, elapsed = self._run([None] * o["threads"], self._login_page, seconds)
        self._report(results, elapsed, title="登录页（未登录）")
        page = len(results.get("登录页", [])) / elapsed
        if page:
            self.stdout.write("")
            for kind, rate in rates.items():
                self.stdout.write(
                    f"{kind}/s ÷ 登录页/s = {rate:.1f} ÷ {page:.1f} = {rate / page:.2f}"
                )

    @staticmethod
    def _chosen(mode: str, only: str) -> list[Action]:
        if mode != "actions":
            return [APPROVE]
        if not only:
            return ACTIONS
        kinds = {kind.strip() for kind in only.split(",") if kind.strip()}
        unknown = kinds - {action.kind for action in ACTIONS}
        if unknown:
            names = "、".join(action.kind for action in ACTIONS)
            raise CommandError(f"没有这些动作：{'、'.join(sorted(unknown))}（可选：{names}）。")
        return [action for action in ACTIONS if action.kind in kinds]

    @staticmethod
    def _queue(rows) -> queue.Queue:
        waiting: queue.Queue = queue.Queue()
        for row in rows:
            waiting.put(row)
        return waiting

    # -- the clients ------------------------------------------------------------------------

    def _run(self, users, work, seconds) -> tuple[dict[str, list[float]], float]:
        """Each user's client does ``work`` until ``seconds`` are up or it has nothing left
        to do; return each kind's times (ms) and the seconds the clients ran."""
        results: dict[str, list[float]] = {}
        lock = threading.Lock()
        browsers = []
        for username in users:
            browser = Browser(self.host, self.port)
            if username:
                browser.login(username)
                browser.username = username
            browsers.append(browser)
        start = time.perf_counter()
        deadline = start + seconds

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
        return results, time.perf_counter() - start

    def _timed(self, browser, kind, method, path, form=None, expect=200):
        start = time.perf_counter()
        status, body = browser.request(method, path, form)
        return kind, status == expect, (time.perf_counter() - start) * 1000, body

    def _acting(self, action: Action):
        def work(browser, rng):
            try:
                pk, version, branch = self.waiting.get_nowait()
            except queue.Empty:
                return None, False, 0.0
            return self._act(browser, action, pk, action.form(version, branch))

        return work

    def _act(self, browser, action: Action, pk: int, form: dict):
        kind, ok, ms, _ = self._timed(
            browser, action.kind, "POST", action.path.format(pk=pk), form, expect=302
        )
        if not ok or not browser.location:
            return kind, ok, ms
        # As a browser does: open the page the redirect leads to, which shows (and so removes
        # from the session) the message "已同意…"; left there, messages would pile up.
        shown = self._timed(browser, f"{kind}后打开的页面", "GET", urlsplit(browser.location).path)
        return [(kind, ok, ms), shown[:3]]

    def _login_page(self, browser, rng):
        return self._timed(browser, "登录页", "GET", "/accounts/login/")[:3]

    def _mix(self, browser, rng):
        roll = rng.random()
        if browser.username == "gxu" and roll < 0.3:
            return self._acting(APPROVE)(browser, rng)
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

    def _report(self, results, seconds, title=""):
        if title:
            self.stdout.write(f"\n{title}，{seconds:.1f} 秒：")
        self.stdout.write("\n| 请求 | 次数 | 每秒 | p50 毫秒 | p95 毫秒 |\n|---|---|---|---|---|")
        for kind, times in sorted(results.items()):
            times.sort()
            p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
            self.stdout.write(
                f"| {kind} | {len(times)} | {len(times) / seconds:.1f} | "
                f"{statistics.median(times):.0f} | {p95:.0f} |"
            )

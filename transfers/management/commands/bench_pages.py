"""python manage.py bench_pages — whole requests at national scale, as a user meets them.

Runs on the database ``manage.py bench`` built (5.2 M organisations, 5 M transfers) and adds to it,
resumably: ≥ 10 million members over the branches (one province per transaction; a province that
has members is skipped), lists of several pages for one office at each level, years of history at
the grassroots committee (100,000 finished transfers it launched, 6,000 in flight), and a current
letter and a log (确认发起, 同意, and what ended it) for every transfer. Then ``VACUUM
ANALYZE``, and times whole requests through Django's test client — middleware, session, the
acting organisation, context processors, base template — with the settings module it runs
under, which must be the production one (DEBUG off, cached templates):

    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench
    DJANGO_SETTINGS_MODULE=settings.prod SECRET_KEY=… EXCHANGE_SYSTEM_ID=… \\
        EXCHANGE_SIGNING_KEY=… ALLOWED_HOSTS=localhost SECURE_COOKIES=0 \\
        python manage.py bench_pages

It prints one markdown table: p50 / p95 in milliseconds over ``--repeat`` runs, and the number of
SQL queries, for every list page and its second page, 业务办理, the 放大镜 and 党员信息维护.
"""

from __future__ import annotations

import gc
import html
import re
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import Member
from orgs.models import Level, Organisation
from orgs.roles import grant_role
from transfers.management.commands import _benchdata
from transfers.models import Transfer

LEVELS = [Level.PROVINCE, Level.CITY, Level.COUNTY, Level.GRASSROOTS, Level.BRANCH]
NEXT = re.compile(r'href="(\?[^"]*after=[^"]*)">下一页')

LISTS = [
    ("首页", "home"),
    ("转出·待办", "transfers:out_todo"),
    ("转出·已办", "transfers:out_done"),
    ("转出历史", "transfers:out_history"),
    ("接收·待办", "transfers:in_todo"),
    ("接收·已办", "transfers:in_done"),
    ("未报到", "transfers:in_unreported"),
    ("接收历史", "transfers:in_history"),
    ("工作督查", "transfers:supervision"),
    ("党员信息维护", "members:list"),
]


class Command(BaseCommand):
    help = "在 bench 生成的全国规模数据上测量整页请求（生产设置）的耗时与查询数。"

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=7, help="每个页面的请求次数")
        parser.add_argument("--no-members", action="store_true", help="不生成党员")
        parser.add_argument("--no-vacuum", action="store_true", help="跳过 VACUUM ANALYZE")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError("bench_pages 需要 PostgreSQL：请设置 DATABASE_URL。")
        if settings.DEBUG:
            raise CommandError("请用生产设置运行：DJANGO_SETTINGS_MODULE=settings.prod。")
        if not Organisation.objects.filter(code__startswith="B").exists():
            raise CommandError("请先运行 manage.py bench 生成党组织与转接数据。")
        if not o["no_members"]:
            _benchdata.build_members(self.stdout)
        orgs = self._sample_orgs()
        _benchdata.busy_offices(orgs, self.stdout)
        _benchdata.deep_history(orgs[3], self.stdout)
        _benchdata.build_letters(self.stdout)
        _benchdata.build_events(self.stdout)
        if not o["no_vacuum"]:
            start = time.perf_counter()
            with connection.cursor() as c:
                c.execute("VACUUM ANALYZE")
            self.stdout.write(f"VACUUM ANALYZE：{time.perf_counter() - start:.0f} 秒")
        gc.freeze()  # as a gunicorn worker does once it has loaded the application
        rows = self._measure(orgs, o["repeat"])
        self._print(orgs, rows)
        self._prepared()

    def _sample_orgs(self) -> list[Organisation]:
        """The middle province, its middle city and county, a grassroots committee with a busy
        branch (45 members) and that branch."""
        picks = []
        parent = None
        for level in LEVELS[:3]:
            qs = Organisation.objects.filter(code__startswith="B", level=level)
            if parent is not None:
                qs = qs.filter(path__startswith=parent.path)
            qs = qs.order_by("path")
            parent = qs[qs.count() // 2]
            picks.append(parent)
        branches = Organisation.objects.filter(
            path__startswith=parent.path, level=Level.BRANCH
        ).order_by("path")
        # _benchdata gives a branch whose id is a multiple of 97 the most members.
        branch = branches.extra(where=["id %% 97 = 0"]).first() or branches.first()
        committee = Organisation.objects.get(path=branch.path[:16])
        return [*picks, committee, branch]

    def _client(self, org: Organisation) -> Client:
        user, _ = get_user_model().objects.get_or_create(username=f"bench_{org.code}"[:150])
        grant_role(user, org)
        host = next((h for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost")
        client = Client(HTTP_HOST=host.lstrip("."))
        client.force_login(user)
        client.get(reverse("home"), secure=True)  # the acting organisation into the session
        return client

    def _time(self, client: Client, url: str, repeat: int) -> tuple[float, float, int, str]:
        times, queries, body = [], 0, ""
        for i in range(repeat + 1):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                # As behind the TLS-terminating proxy: production redirects plain HTTP.
                response = client.get(url, secure=True)
                elapsed = (time.perf_counter() - start) * 1000
            if response.status_code != 200:
                return 0.0, 0.0, response.status_code, ""
            if i == 0:
                body = response.content.decode()
                continue  # the first request warms the caches: not counted
            times.append(elapsed)
            queries = len(ctx.captured_queries)
        times.sort()
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        return statistics.median(times), p95, -queries, body

    def _urls(self, org: Organisation) -> list[tuple[str, str]]:
        urls = [(label, reverse(name)) for label, name in LISTS]
        member = Member.objects.filter(branch_path__startswith=org.path).order_by("id").first()
        if member is not None:
            urls.append(("党员·按姓名查询", reverse("members:list") + f"?name={member.name}"))
        transfer = (
            Transfer.objects.filter(source_path__startswith=org.path, state="completed")
            .order_by("-id")
            .first()
        )
        if transfer is not None:
            urls.append(("业务办理（详情）", reverse("transfers:detail", args=[transfer.pk])))
        if org.level != Level.BRANCH:
            word = org.name[:3]
            urls.append(
                ("放大镜", reverse("transfers:target_search") + f"?type=province&name={word}")
            )
        return urls

    def _measure(self, orgs, repeat):
        rows: dict[str, dict[int, str]] = {}
        for col, org in enumerate(orgs):
            client = self._client(org)
            for label, url in self._urls(org):
                p50, p95, code, body = self._time(client, url, repeat)
                rows.setdefault(label, {})[col] = (
                    f"{p50:.0f} / {p95:.0f} ({-code})" if code <= 0 else f"HTTP {code}"
                )
                nxt = NEXT.search(body)
                if nxt and label not in ("放大镜",):
                    second = url.split("?")[0] + html.unescape(nxt.group(1))
                    p50, p95, code, _ = self._time(client, second, repeat)
                    rows.setdefault(f"{label} 第2页", {})[col] = (
                        f"{p50:.0f} / {p95:.0f} ({-code})" if code <= 0 else f"HTTP {code}"
                    )
                self.stdout.write(f"  {org.get_level_display()} {label}: {rows[label][col]}")
        return rows

    def _prepared(self):
        """With DB_PREPARED_STATEMENTS: which statements PostgreSQL now runs with a generic
        plan on this connection (one plan for any values), to read before trusting them."""
        with connection.cursor() as c:
            c.execute(
                "SELECT generic_plans, custom_plans, statement FROM pg_prepared_statements "
                "ORDER BY generic_plans DESC"
            )
            rows = c.fetchall()
        if not rows:
            return
        generic = [r for r in rows if r[0]]
        self.stdout.write(
            f"\n预备语句 {len(rows)} 条，其中 {len(generic)} 条已改用通用计划（generic plan）："
        )
        for generic_plans, custom_plans, statement in generic:
            text = " ".join(statement.split())
            text = text[text.find(" FROM ") + 1 :] if " FROM " in text else text  # not columns
            self.stdout.write(f"- 通用 {generic_plans} / 定制 {custom_plans}：{text[:240]}")

    def _print(self, orgs, rows):
        members = Member.objects.count()
        transfers = Transfer.objects.count()
        orgs_n = Organisation.objects.count()
        self.stdout.write(
            f"\n整页请求耗时 p50 / p95 毫秒（SQL 查询数），{orgs_n:,} 个党组织、"
            f"{transfers:,} 条转接、{members:,} 名党员；设置 {settings.SETTINGS_MODULE}：\n"
        )
        self.stdout.write("| 页面 | " + " | ".join(o.get_level_display() for o in orgs) + " |")
        self.stdout.write("|---" * (len(orgs) + 1) + "|")
        for label, cells in rows.items():
            line = [cells.get(i, "—") for i in range(len(orgs))]
            self.stdout.write(f"| {label} | " + " | ".join(line) + " |")

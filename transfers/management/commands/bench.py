"""python manage.py bench — the list pages' SQL at national scale, on PostgreSQL.

Builds a synthetic organisation tree of the real shape (31 provinces → cities → counties →
grassroots committees → a general branch and branches; about 5.2 million organisations with the
defaults) and millions of transfers, straight in SQL, then times the first and second page of every
list the subsystem shows, for one organisation at each level, and prints the plan of the slow ones.

Run it in a database of its own; it refuses a database that holds anything but its own data:

    createdb -h 127.0.0.1 -U postgres bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench python manage.py bench

``--small`` builds about 1/30 of that in a minute, to try the command.
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from orgs.models import Level, Organisation
from orgs.paging import paginate
from transfers import selectors, supervision, volume_sql
from transfers.management.commands._benchdata import OPEN

B36 = """
CREATE OR REPLACE FUNCTION pg_temp.b36(n integer) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT string_agg(
    substr('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', ((n / (36 ^ (3 - i))::integer) % 36) + 1, 1),
    '' ORDER BY i)
  FROM generate_series(0, 3) AS i
$$;
"""

ORG_COLUMNS = (
    "path, depth, numchild, name, short_name, code, level, authority, "
    "address, phone, fax, postcode, is_active"
)


class Command(BaseCommand):
    help = "在 PostgreSQL 上生成全国规模的模拟数据，并测量各列表页的查询耗时。"

    def add_arguments(self, parser):
        parser.add_argument("--provinces", type=int, default=31)
        parser.add_argument("--cities", type=int, default=14, help="每省的市数")
        parser.add_argument("--counties", type=int, default=8, help="每市的县数")
        parser.add_argument("--grassroots", type=int, default=88, help="每县的基层党委数")
        parser.add_argument("--branches", type=int, default=10, help="每个基层党委直属支部数")
        parser.add_argument("--sub-branches", type=int, default=5, help="每个党总支下的支部数")
        parser.add_argument("--transfers", type=int, default=5_000_000)
        parser.add_argument("--small", action="store_true", help="约1/30规模，用于试运行")
        parser.add_argument("--keep", action="store_true", help="保留已生成的数据，只测量")
        parser.add_argument(
            "--keep-orgs", action="store_true", help="保留已生成的党组织，只重新生成转接"
        )
        parser.add_argument("--repeat", type=int, default=5, help="每项测量重复次数（取中位数）")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError("bench 需要 PostgreSQL：请设置 DATABASE_URL。")
        if o["small"]:
            o.update(provinces=2, cities=6, counties=4, transfers=150_000)
        ours = Organisation.objects.filter(code__startswith="B").exists()
        if Organisation.objects.exclude(code__startswith="B").exists():
            raise CommandError("该数据库中有非测试数据：请在单独的数据库中运行 bench。")
        if not (o["keep"] and ours):
            self._build(o, keep_orgs=o["keep_orgs"] and ours)
        self._measure(o["repeat"])

    # -- data -------------------------------------------------------------------------------

    def _build(self, o, *, keep_orgs: bool):
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "TRUNCATE transfers_transferevent, transfers_reminder, transfers_exchangepackage, "
                "transfers_letter, transfers_transferstep, transfers_transfer CASCADE"
            )
            if not keep_orgs:
                c.execute("DELETE FROM orgs_organisation WHERE code LIKE 'B%%'")
                c.execute(B36)
                self._orgs(c, o)
        self.stdout.write(
            f"党组织 {Organisation.objects.count():,} 个，用时 {time.perf_counter() - start:.0f} 秒"
        )
        start = time.perf_counter()
        with transaction.atomic(), connection.cursor() as c:
            # 工作督查's kept counts: off row by row for the bulk insert, recounted in one pass.
            volume_sql.set_triggers(enabled=False)
            self._transfers(c, o)
            volume_sql.set_triggers(enabled=True)
            volume_sql.rebuild()
        with connection.cursor() as c:
            c.execute("ANALYZE")
        self.stdout.write(f"转接 {o['transfers']:,} 条，用时 {time.perf_counter() - start:.0f} 秒")

    def _level(self, c, parent_level, level, count, authority, *, name, depth, offset=0):
        c.execute(
            f"""
            INSERT INTO orgs_organisation ({ORG_COLUMNS})
            SELECT o.path || pg_temp.b36(n + {offset}), o.depth + 1, 0,
                   '{name}' || (n + {offset}), '', 'B' || o.path || pg_temp.b36(n + {offset}),
                   '{level}', {authority}, '', '', '', '', true
            FROM orgs_organisation o, generate_series(1, {count}) AS n
            WHERE o.level = '{parent_level}' AND o.code LIKE 'B%%' AND o.depth = {depth - 1}
            """
        )

    def _orgs(self, c, o):
        c.execute(
            f"""
            INSERT INTO orgs_organisation ({ORG_COLUMNS})
            SELECT pg_temp.b36(n), 1, 0, '省级党委' || n, '', 'B' || pg_temp.b36(n),
                   'province', 3, '', '', '', '', true
            FROM generate_series(1, {o["provinces"]}) AS n
            """
        )
        self._level(c, Level.PROVINCE, Level.CITY, o["cities"], 3, name="市委", depth=2)
        self._level(c, Level.CITY, Level.COUNTY, o["counties"], 3, name="县委", depth=3)
        self._level(c, Level.COUNTY, Level.GRASSROOTS, o["grassroots"], 1, name="基层党委", depth=4)
        self._level(c, Level.GRASSROOTS, Level.GENERAL_BRANCH, 1, 0, name="党总支", depth=5)
        self._level(
            c, Level.GRASSROOTS, Level.BRANCH, o["branches"], 0, name="支部", depth=5, offset=1
        )
        self._level(
            c, Level.GENERAL_BRANCH, Level.BRANCH, o["sub_branches"], 0, name="支部", depth=6
        )
        c.execute(
            """
            UPDATE orgs_organisation p SET numchild = k.n
            FROM (SELECT left(path, length(path) - 4) AS parent, count(*) AS n
                  FROM orgs_organisation WHERE depth > 1 GROUP BY 1) k
            WHERE p.path = k.parent
            """
        )

    def _transfers(self, c, o):
        user, _ = get_user_model().objects.get_or_create(username="bench")
        c.execute(
            """
            CREATE TEMP TABLE bench_branch ON COMMIT DROP AS
            SELECT row_number() OVER (ORDER BY b.path) AS n, b.id, b.path, b.name,
                   g.id AS committee_id, g.path AS committee_path
            FROM orgs_organisation b JOIN orgs_organisation g ON g.path = left(b.path, 16)
            WHERE b.level = 'branch' AND b.code LIKE 'B%%'
            """
        )
        c.execute("CREATE UNIQUE INDEX ON bench_branch (n)")
        c.execute("SELECT count(*) FROM bench_branch")
        branches = c.fetchone()[0]
        # i % 100 → 0-89 finished (已完成/已办结), 90-94 审批中, 95-97 未报到, 98 已退回, 99 已撤销.
        c.execute(
            f"""
            INSERT INTO transfers_transfer (
                type, state, member_name, id_number, source_branch_id, source_path, source_name,
                initiator_id, initiator_path, initiated_by_id, target_id, target_name,
                out_of_system, receiver_id, receiver_path, dest_branch_id, dest_path, round,
                version, dues_paid_through, validity_days, member_phone, letter_remarks,
                origin_letter_number, via_exchange, inbound_kind, received_on,
                receive_handler_phone, receive_remarks, created_at, launched_at, finished_at,
                reported_at, return_reason)
            SELECT
                CASE WHEN s.committee_path = d.committee_path THEN 'branch'
                     WHEN left(s.path, 12) = left(d.path, 12) THEN 'county'
                     WHEN left(s.path, 4) = left(d.path, 4) THEN 'province'
                     ELSE 'national' END,
                st.state, 'B' || i, lpad(i::text, 18, '0'), s.id, s.path, s.name,
                s.committee_id, s.committee_path, {user.pk}, d.id, d.name,
                false, d.committee_id, d.committee_path,
                CASE WHEN st.state IN ('completed', 'received') THEN d.id END,
                CASE WHEN st.state IN ('completed', 'received') THEN d.path ELSE '' END,
                1, 1, DATE '2026-01-01', 90, '', '', '', false, '',
                CASE WHEN st.state IN ('completed', 'received')
                     THEN (at + interval '5 days')::date END,
                '', '', at, at, CASE WHEN st.finished THEN at + interval '10 days' END,
                CASE WHEN st.state = 'completed' THEN at + interval '10 days' END, ''
            FROM generate_series(1, {o["transfers"]}) AS i
            CROSS JOIN LATERAL (
                SELECT now() - ((i % 1100) || ' days')::interval
                             - ((i % 997) || ' minutes')::interval AS at) AS t
            CROSS JOIN LATERAL (
                SELECT CASE WHEN i % 100 < 88 THEN 'completed' WHEN i % 100 < 90 THEN 'concluded'
                            WHEN i % 100 < 95 THEN 'in_progress' WHEN i % 100 < 98 THEN 'received'
                            WHEN i % 100 < 99 THEN 'returned' ELSE 'revoked' END AS state,
                       i % 100 < 90 OR i % 100 = 99 AS finished) AS st
            JOIN bench_branch s ON s.n = 1 + abs(hashint8(i)) % {branches}
            JOIN bench_branch d ON d.n = 1 + abs(hashint8(i::bigint * 7919 + 13)) % {branches}
            """
        )
        # Every transfer's first step: the initiating committee launched it (转出 · 已办工作).
        c.execute(
            f"""
            INSERT INTO transfers_transferstep (
                transfer_id, round, "order", org_id, org_path, role, direction, state,
                actor_id, acted_at, opinion, pending_since, transfer_open)
            SELECT id, 1, 0, initiator_id, initiator_path, 'initiate', 'out', 'launched',
                   {user.pk}, launched_at, '', launched_at, {OPEN}
            FROM transfers_transfer
            """
        )
        # The step waiting at the receiving committee of every transfer 审批中.
        c.execute(
            """
            INSERT INTO transfers_transferstep (
                transfer_id, round, "order", org_id, org_path, role, direction, state,
                opinion, pending_since, due_at, transfer_open)
            SELECT id, 1, 1, receiver_id, receiver_path, 'receive', 'in', 'pending', '',
                   launched_at, launched_at + interval '7 days', TRUE
            FROM transfers_transfer WHERE state = 'in_progress'
            """
        )

    # -- measurements ---------------------------------------------------------------------------

    def _sample_orgs(self):
        picks = []
        for level in (Level.PROVINCE, Level.CITY, Level.COUNTY, Level.GRASSROOTS, Level.BRANCH):
            org = Organisation.objects.filter(code__startswith="B", level=level).order_by("path")
            picks.append(org[org.count() // 2] if org.exists() else None)
        return [p for p in picks if p is not None]

    def _time(self, fn, repeat):
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
        return statistics.median(times)

    def _measure(self, repeat):
        lists = [
            ("转出·待办", lambda org: selectors.outgoing_todo(org), selectors.TODO_ORDERING),
            ("接收·待办", lambda org: selectors.incoming_todo(org), selectors.TODO_ORDERING),
            ("转出·已办", lambda org: selectors.outgoing_done(org), selectors.DONE_ORDERING),
            ("未报到", lambda org: selectors.not_reported(org), selectors.NOT_REPORTED_ORDERING),
            ("转出历史", lambda org: selectors.outgoing_history(org), selectors.HISTORY_ORDERING),
            ("接收历史", lambda org: selectors.incoming_history(org), selectors.HISTORY_ORDERING),
            (
                "超期未办",
                lambda org: supervision.overdue_steps(org),
                supervision.OVERDUE_ORDERING,
            ),
        ]
        orgs = self._sample_orgs()
        self.stdout.write("\n首页（第1页）与第2页耗时，毫秒（中位数，含计数查询）：")
        header = f"{'列表':<10}" + "".join(f"{o.get_level_display():>14}" for o in orgs)
        self.stdout.write(header)
        slow = []
        for label, make, ordering in lists:
            cells = []
            for org in orgs:
                qs = make(org)
                # A page's count runs when it is first shown: read it here as the page does.
                first = self._time(lambda qs=qs, o=ordering: paginate(qs, o).count, repeat)
                page = paginate(qs, ordering)
                second = (
                    self._time(
                        lambda qs=qs, o=ordering, p=page: (
                            paginate(qs, o, after=p.next_cursor).count
                        ),
                        repeat,
                    )
                    if page.next_cursor
                    else 0.0
                )
                cells.append(f"{first:6.1f}/{second:<6.1f}")
                if first > 50:
                    slow.append((label, org, qs.order_by(*ordering)[:21]))
            self.stdout.write(f"{label:<10}" + "".join(f"{c:>14}" for c in cells))
        for label, org, qs in slow:
            self.stdout.write(f"\n较慢：{label} @ {org.get_level_display()} {org.name}")
            self.stdout.write(qs.explain(analyze=True))

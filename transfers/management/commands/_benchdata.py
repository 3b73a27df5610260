"""Data the page bench adds to ``manage.py bench``'s country: members, busy sample offices,
every transfer's letter and its log.

Every step is resumable: members are inserted one province per transaction and a province that
already has members is skipped; the sample offices' extra transfers are tagged and not added twice;
a transfer that has a letter (or a log) gets no other.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from orgs.models import Level, Organisation
from transfers import volume_sql
from transfers.models import Transfer

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯"
    "邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国文红玉梅志海波宁林峰晨云"

# Every 97th branch is a busy one (45 members, several pages); the others hold 1-6.
MEMBERS_SQL = f"""
INSERT INTO members_member (
    name, gender, ethnicity, birth_date, id_number, party_status, joined_on, full_member_on,
    phone, branch_id, branch_path, dues_paid_through, state, created_at, updated_at)
SELECT
    substr('{SURNAMES}', 1 + (h % {len(SURNAMES)})::int, 1)
      || substr('{GIVEN}', 1 + ((h / 7) % {len(GIVEN)})::int, 1)
      || CASE WHEN h % 3 = 0 THEN ''
              ELSE substr('{GIVEN}', 1 + ((h / 131) % {len(GIVEN)})::int, 1) END,
    CASE WHEN h % 2 = 0 THEN 'male' ELSE 'female' END, '汉族',
    DATE '1950-01-01' + (h % 18000)::int,
    'M' || lpad((b.id::bigint * 100 + k)::text, 16, '0') || 'X',
    'full', DATE '1990-01-01' + (h % 12000)::int, NULL, '', b.id, b.path,
    DATE '2026-01-01', 'normal', now(), now()
FROM orgs_organisation b
CROSS JOIN LATERAL generate_series(
    1, CASE WHEN b.id % 97 = 0 THEN 45 ELSE 1 + abs(hashint8(b.id)) % 6 END) AS k
CROSS JOIN LATERAL (SELECT abs(hashint8(b.id::bigint * 131 + k)) AS h) AS x
WHERE b.path LIKE {{}} AND b.level = 'branch' AND b.code LIKE 'B%'
""".replace("%", "%%").format("%s")  # noqa: S608 - constants only


def build_members(stdout) -> None:
    provinces = Organisation.objects.filter(depth=1, code__startswith="B").order_by("path")
    for province in provinces:
        with transaction.atomic(), connection.cursor() as c:
            c.execute(
                "SELECT 1 FROM members_member WHERE branch_path LIKE %s LIMIT 1",
                [province.path + "%"],
            )
            if c.fetchone():
                continue
            start = time.perf_counter()
            c.execute(MEMBERS_SQL, [province.path + "%"])
            stdout.write(
                f"党员：{province.name} {c.rowcount:,} 名，{time.perf_counter() - start:.0f} 秒"
            )


# One current letter for every launched transfer, as 确认发起 issues it: valid for its
# validity_days from the launch (so most of the older 未报到 are 超期), with the electronic 回执
# of a received transfer. Transfers that have a letter are skipped (resumable).
LETTERS_SQL = """
INSERT INTO transfers_letter (
    year, sequence, version, serial_number, is_current, verification_code, addressee,
    member_name, gender, age, ethnicity, party_status, id_number, from_org_name, to_org_name,
    dues_paid_through, validity_days, member_phone, sender_address, sender_phone, sender_fax,
    sender_postcode, seal_org_name, issued_on, expires_on, remarks, receipt_org_name, receipt_on,
    receipt_handler, receipt_handler_phone, receipt_is_paper, created_at, issuer_id, transfer_id)
SELECT
    extract(year FROM t.launched_at)::int, t.id, 1, 'L' || t.id, true, 'L' || t.id, t.target_name,
    t.member_name, CASE WHEN t.id % 2 = 0 THEN 'male' ELSE 'female' END, 40, '汉族', 'full',
    t.id_number, t.source_name, t.target_name, t.dues_paid_through, t.validity_days, '', '', '',
    '', '', '', t.launched_at::date, t.launched_at::date + t.validity_days, '',
    CASE WHEN t.received_on IS NOT NULL THEN t.target_name ELSE '' END, t.received_on, '', '',
    false, t.launched_at, t.initiator_id, t.id
FROM transfers_transfer t
WHERE t.launched_at IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM transfers_letter l WHERE l.transfer_id = t.id)
"""


def build_letters(stdout) -> None:
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute(LETTERS_SQL)
        made = c.rowcount
        if made:  # the transfer keeps its current letter's last day, as _issue_letter does
            c.execute(
                "UPDATE transfers_transfer t SET letter_expires_on = l.expires_on "
                "FROM transfers_letter l WHERE l.transfer_id = t.id AND l.is_current "
                "AND t.letter_expires_on IS NULL "
                "AND t.state IN ('draft', 'in_progress', 'returned', 'received')"
            )
    if made:
        stdout.write(f"介绍信：{made:,} 封，{time.perf_counter() - start:.0f} 秒")


# The log of every launched transfer, as the services append it: 确认发起, two 同意 on the way,
# and what ended or holds it — 接收 (and 报到 once completed), 办结, 不同意 or 退回 (the
# returned ones, alternately), 撤销. 工作督查 counts 撤销 / 不同意 / 退回 from it below the city
# level, so without it those counts were timed on an empty table. The volume trigger is off
# for the bulk insert; the kept counts are recounted after it. Transfers with events are skipped.
EVENTS_SQL = """
INSERT INTO transfers_transferevent (
    transfer_id, step_id, action, actor_id, actor_name, org_id, at, opinion, state_before,
    state_after, data)
SELECT t.id, NULL, e.action, NULL, '', t.initiator_id, e.at, e.opinion, e.before, e.after, '{}'
FROM transfers_transfer t
CROSS JOIN LATERAL (VALUES
    ('launch', t.launched_at, '', 'draft', 'in_progress'),
    ('approve', t.launched_at + interval '1 day', '同意', 'in_progress', 'in_progress'),
    ('approve', t.launched_at + interval '2 days', '同意', 'in_progress', 'in_progress'),
    (CASE WHEN t.state IN ('received', 'completed') THEN 'receive' END,
     t.launched_at + interval '5 days', '', 'in_progress', 'received'),
    (CASE t.state WHEN 'completed' THEN 'report' WHEN 'concluded' THEN 'conclude'
                  WHEN 'revoked' THEN 'revoke'
                  WHEN 'returned' THEN CASE WHEN t.id / 100 % 2 = 0 THEN 'reject'
                                            ELSE 'send_back' END
     END,
     coalesce(t.finished_at, t.launched_at + interval '3 days'),
     CASE WHEN t.state = 'returned' THEN '材料不全' ELSE '' END,
     CASE WHEN t.state = 'completed' THEN 'received' ELSE 'in_progress' END, t.state)
) AS e(action, at, opinion, before, after)
WHERE t.launched_at IS NOT NULL AND e.action IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM transfers_transferevent x WHERE x.transfer_id = t.id)
"""


def build_events(stdout) -> None:
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("ALTER TABLE transfers_transferevent DISABLE TRIGGER transfers_volume_event")
        c.execute(EVENTS_SQL)
        made = c.rowcount
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        c.execute("ALTER TABLE transfers_transferevent ENABLE TRIGGER transfers_volume_event")
    if made:
        volume_sql.rebuild()
        seconds = time.perf_counter() - start
        stdout.write(f"转接日志：{made:,} 条（含重算督查计数），{seconds:.0f} 秒")


def _transfer_columns() -> list[str]:
    """Every column of a transfer but its id and member (a clone keeps no member row)."""
    return [f.column for f in Transfer._meta.concrete_fields if f.column not in ("id", "member_id")]


def _clone(c, *, tag: str, n: int, where: str, params: list, **override: str) -> None:
    """Copy ``n`` transfers matching ``where`` with some columns replaced; tagged by name."""
    override.setdefault("member_name", f"'{tag}' || row_number() OVER ()")
    override.setdefault("id_number", f"'{tag}' || lpad((row_number() OVER ())::text, 12, '0')")
    columns = _transfer_columns()
    cols = ", ".join(columns)
    values = ", ".join(override.get(col, f"t.{col}") for col in columns)
    c.execute(
        f"INSERT INTO transfers_transfer ({cols}) SELECT {values} FROM "  # noqa: S608
        f"(SELECT * FROM transfers_transfer WHERE {where} ORDER BY id LIMIT {n}) t",
        params,
    )


# A step's transfer_open, from its transfer's row (TransferStep.transfer_open).
OPEN = "state IN ('draft', 'in_progress', 'returned', 'received')"


def _launch_steps(c, *, tag: str) -> None:
    """The initiator's launch step of the tagged transfers."""
    c.execute(
        f"""
        INSERT INTO transfers_transferstep (transfer_id, round, "order", org_id, org_path, role,
            direction, state, actor_id, acted_at, opinion, pending_since, transfer_open)
        SELECT id, 1, 0, initiator_id, initiator_path, 'initiate', 'out', 'launched',
               initiated_by_id, launched_at, '', launched_at, {OPEN}
        FROM transfers_transfer WHERE member_name LIKE %s
        """,  # noqa: S608 - OPEN is a constant of this module
        [tag + "%"],
    )


def _org_steps(c, *, tag: str, org: Organisation, direction: str, state: str) -> None:
    """``org``'s step after the launch on the tagged transfers: pending, approved, or having
    returned the transfer."""
    acted = state != "pending"
    c.execute(
        f"""
        INSERT INTO transfers_transferstep (transfer_id, round, "order", org_id, org_path, role,
            direction, state, actor_id, acted_at, opinion, pending_since, due_at, transfer_open)
        SELECT id, 1, 1, %s, %s, 'approve', %s, %s, CASE WHEN %s THEN initiated_by_id END,
               CASE WHEN %s THEN launched_at END, %s, launched_at, launched_at + interval '7 days',
               {OPEN}
        FROM transfers_transfer WHERE member_name LIKE %s
        """,  # noqa: S608 - OPEN is a constant of this module
        [
            org.pk,
            org.path,
            direction,
            state,
            acted,
            acted,
            "材料不全" if state == "returned" else "",
            tag + "%",
        ],
    )


def busy_offices(orgs: list[Organisation], stdout, per_list: int = 45) -> None:
    """Give each sample office lists of several pages (the uniform country gives the lower
    levels a handful of rows and no 待办 above the grassroots committees)."""
    for i, org in enumerate(orgs):
        tag = f"H{i}"
        with transaction.atomic(), connection.cursor() as c:
            c.execute("SELECT 1 FROM transfers_transfer WHERE member_name LIKE %s", [tag + "%"])
            if c.fetchone():
                continue
            branch = (
                Organisation.objects.filter(path__startswith=org.path, level=Level.BRANCH)
                .order_by("path")
                .first()
            )
            src = {
                "source_branch_id": str(branch.pk),
                "source_path": f"'{branch.path}'",
                "source_name": f"'{branch.name}'",
            }
            dest = {"dest_branch_id": str(branch.pk), "dest_path": f"'{branch.path}'"}
            unfinished = {"finished_at": "NULL", "reported_at": "NULL", "received_on": "NULL"}
            for kind, direction, acted in [
                ("T", "out", False),
                ("I", "in", False),
                ("D", "out", True),
                ("E", "in", True),
            ]:
                if org.level == Level.BRANCH:
                    break  # a branch approves nothing
                _clone(
                    c,
                    tag=f"{tag}{kind}",
                    n=per_list,
                    where="state = 'completed'",
                    params=[],
                    state="'in_progress'",
                    dest_path="''",
                    dest_branch_id="NULL",
                    **unfinished,
                )
                _launch_steps(c, tag=f"{tag}{kind}")
                state = "approved" if acted else "pending"
                _org_steps(c, tag=f"{tag}{kind}", org=org, direction=direction, state=state)
            _clone(c, tag=f"{tag}O", n=per_list, where="state = 'completed'", params=[], **src)
            _clone(c, tag=f"{tag}N", n=per_list, where="state = 'completed'", params=[], **dest)
            _clone(
                c,
                tag=f"{tag}R",
                n=per_list,
                where="state = 'received'",
                params=[],
                **dest,
            )
        stdout.write(f"样本党组织：{org.name} 已补充列表数据")


def deep_history(
    committee: Organisation, stdout, *, finished: int = 100_000, in_flight: int = 6_000
) -> None:
    """Years of work at one grassroots committee: ``finished`` transfers it launched that ended
    (most of an office's steps belong to these), then ``in_flight`` launched and waiting at its
    superior, and ``in_flight // 10`` returned to it — newest last, as ids grow. 已办工作 and
    待办工作 must not read the finished ones; the bench shows that they do not."""
    tag = "Y"
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT 1 FROM transfers_transfer WHERE member_name LIKE %s", [tag + "%"])
        if c.fetchone():
            return
        start = time.perf_counter()
        branch = (
            Organisation.objects.filter(path__startswith=committee.path, level=Level.BRANCH)
            .order_by("path")
            .first()
        )
        superior = Organisation.objects.get(path=committee.path[: -Organisation.steplen])
        ours = {
            "initiator_id": str(committee.pk),
            "initiator_path": f"'{committee.path}'",
            "source_branch_id": str(branch.pk),
            "source_path": f"'{branch.path}'",
            "source_name": f"'{branch.name}'",
        }
        unfinished = {"finished_at": "NULL", "reported_at": "NULL", "received_on": "NULL"}
        batches = [
            ("F", finished, {}, None),
            ("W", in_flight, {"state": "'in_progress'", **unfinished}, "pending"),
            ("R", in_flight // 10, {"state": "'returned'", **unfinished}, "returned"),
        ]
        for kind, n, override, superior_step in batches:
            _clone(
                c,
                tag=f"{tag}{kind}",
                n=n,
                where="state = 'completed'",
                params=[],
                **ours,
                **override,
            )
            _launch_steps(c, tag=f"{tag}{kind}")  # the committee initiated them (``ours``)
            if superior_step:
                _org_steps(
                    c, tag=f"{tag}{kind}", org=superior, direction="out", state=superior_step
                )
    stdout.write(
        f"样本党组织：{committee.name} 历年转接 {finished:,} 条（在途 {in_flight:,} 条），"
        f"{time.perf_counter() - start:.0f} 秒"
    )

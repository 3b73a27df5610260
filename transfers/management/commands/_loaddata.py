"""Transfers waiting for 同意, for ``manage.py loadtest --prepare`` (demo data required).

Each is a real 县内转接 from 文学院党委 to 离退休第一党支部, drafted and launched through the
services, so it waits at 广西某大学党委 (login ``gxu``) with the full path behind it; and for
every four of those one 全国直接转接 out of the system, which waits there for 办结, and one
more 县内转接 left a draft for 确认发起. Every fourth of the waiting 县内转接 has its letter made
out as if issued long enough ago to have expired (yesterday), for 换发介绍信: the letter and
the transfer's copy of its date both, as time would have left them.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from members.idcard import check_character
from members.models import Gender, Member
from orgs.models import Level, Organisation
from transfers import services
from transfers.models import Letter, StepState, Transfer, TransferStep, TransferType
from transfers.services import Actor, LetterInput


def _org(username: str) -> Organisation:
    return Organisation.objects.get(organisationuserobjectpermission__user__username=username)


def _members(branch: Organisation, n: int, start: int) -> list[Member]:
    rows = []
    for i in range(start, start + n):
        born = dt.date(1970 + i % 30, 1 + i % 12, 1 + i % 28)
        first17 = f"450103{born:%Y%m%d}{i % 1000:03d}"
        rows.append(
            Member(
                name=f"压测{i}",
                gender=Gender.MALE if int(first17[-1]) % 2 else Gender.FEMALE,
                birth_date=born,
                id_number=first17 + check_character(first17),
                joined_on=dt.date(2000, 1, 1),
                full_member_on=dt.date(2001, 1, 1),
                branch=branch,
                branch_path=branch.path,
                dues_paid_through=timezone.localdate().replace(day=1),
            )
        )
    return Member.objects.bulk_create(rows, ignore_conflicts=True)


ELSEWHERE = "中共北京市东城区某街道工作委员会"  # a 全国直接转接's destination outside the system


def _expire_letters(transfers: list) -> None:
    """Their letters ran out yesterday: issued ``validity_days`` before that."""
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    for t in transfers:
        issued = yesterday - dt.timedelta(days=t.validity_days)
        Letter.objects.filter(transfer=t, is_current=True).update(
            issued_on=issued, expires_on=yesterday
        )
        Transfer.objects.filter(pk=t.pk).update(letter_expires_on=yesterday)


def prepare(n: int, stdout) -> int:
    """Make ``n`` more transfers wait for 同意 at 广西某大学党委 (a quarter of them with an
    expired letter), ``n // 4`` for 办结 there, and leave ``n // 4`` drafts at 文学院党委;
    return how many wait at 广西某大学党委."""
    from django.contrib.auth import get_user_model

    wxy, target = _org("wxy"), _org("ltx_zb1")
    actor = Actor(user=get_user_model().objects.get(username="wxy"), org=wxy)
    branch = (
        Organisation.objects.filter(path__startswith=wxy.path, depth=wxy.depth + 1)
        .filter(level=Level.BRANCH)
        .order_by("path")
        .first()
    )
    start = Member.objects.filter(name__startswith="压测").count()
    letter = LetterInput(dues_paid_through=timezone.localdate().replace(day=1))
    made, total = 0, n + 2 * (n // 4)
    while made < total:
        chunk = min(200, total - made)
        with transaction.atomic():
            _members(branch, chunk, start + made)
            fresh = list(
                Member.objects.filter(name__startswith="压测", branch=branch, state="normal")
                .exclude(transfers__state__in=["draft", "in_progress", "returned", "received"])
                .order_by("id")[:chunk]
            )
            expired = []
            for i, member in enumerate(fresh, start=made):
                national = n <= i < n + n // 4
                [t] = services.draft(
                    actor=actor,
                    members=[member],
                    transfer_type=TransferType.NATIONAL if national else TransferType.COUNTY,
                    target=None if national else target,
                    target_name=ELSEWHERE if national else "",
                    letter=letter,
                )
                if i >= n + n // 4:
                    continue  # a draft, for 确认发起
                services.launch(actor=actor, transfer=t, confirmed=True)
                if i < n and i % 4 == 3:
                    expired.append(t)
            _expire_letters(expired)
        made += chunk
        stdout.write(f"已发起 {made}/{total}")
    return TransferStep.objects.filter(org=_org("gxu"), state=StepState.PENDING).count()

"""Transfers waiting for 同意, for ``manage.py loadtest --prepare`` (demo data required).

Each is a real 县内转接 from 文学院党委 to 离退休第一党支部, drafted and launched through the
services, so it waits at 广西某大学党委 (login ``gxu``) with the full path behind it; and for
every four of those one 全国直接转接 out of the system, which waits there for 办结.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from members.idcard import check_character
from members.models import Gender, Member
from orgs.models import Level, Organisation
from transfers import services
from transfers.models import StepState, TransferStep, TransferType
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


def prepare(n: int, stdout) -> int:
    """Make ``n`` more transfers wait for 同意 at 广西某大学党委 and ``n // 4`` for 办结; return
    how many now wait there."""
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
    made, total = 0, n + n // 4
    while made < total:
        chunk = min(200, total - made)
        with transaction.atomic():
            _members(branch, chunk, start + made)
            fresh = list(
                Member.objects.filter(name__startswith="压测", branch=branch, state="normal")
                .exclude(transfers__state__in=["draft", "in_progress", "returned", "received"])
                .order_by("id")[:chunk]
            )
            for i, member in enumerate(fresh, start=made):
                county = i < n
                [t] = services.draft(
                    actor=actor,
                    members=[member],
                    transfer_type=TransferType.COUNTY if county else TransferType.NATIONAL,
                    target=target if county else None,
                    target_name="" if county else ELSEWHERE,
                    letter=letter,
                )
                services.launch(actor=actor, transfer=t, confirmed=True)
        made += chunk
        stdout.write(f"已发起 {made}/{total}")
    return TransferStep.objects.filter(org=_org("gxu"), state=StepState.PENDING).count()

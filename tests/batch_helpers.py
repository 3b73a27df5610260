"""Many members in flight at once (graduation season), built through the services."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from members.idcard import check_character
from members.models import Gender, Member
from orgs.models import Organisation
from tests.transfer_helpers import actor_for, approve_all, letter, org_of
from transfers import services
from transfers.models import Transfer, TransferType

_serial = itertools.count()


def graduates(branch: Organisation, n: int) -> list[Member]:
    """``n`` new members of ``branch`` with valid ID numbers (Nanning, born 2002 or before),
    each number new in this test run."""
    members = []
    for i in itertools.islice(_serial, n):
        first17 = f"450102{2002 - i // 1000}0101{i % 1000:03d}"
        members.append(
            Member(
                name=f"毕业生{i:04d}",
                gender=Gender.MALE if i % 2 else Gender.FEMALE,
                birth_date=dt.date(2002 - i // 1000, 1, 1),
                id_number=first17 + check_character(first17),
                joined_on=dt.date(2022, 6, 1),
                branch=branch,
                branch_path=branch.path,
                dues_paid_through=timezone.localdate().replace(day=1),
            )
        )
    return Member.objects.bulk_create(members)


def graduating(n: int, *, at_receiver: bool = True) -> list[Transfer]:
    """``n`` 县内直接转接 文学院 → 离退休第一党支部, launched; with ``at_receiver`` approved by
    广西某大学党委 too, so they wait at 离退休党委 (接收). Otherwise they wait at 广西某大学党委."""
    wxy = org_of("wxy")
    members = graduates(org_of("wxy_zb1"), n)
    actor = actor_for(wxy)
    drafts = services.draft(
        actor=actor,
        members=members,
        transfer_type=TransferType.COUNTY,
        target=org_of("ltx_zb1"),
        letter=letter(),
    )
    launched = [services.launch(actor=actor, transfer=t, confirmed=True) for t in drafts]
    if at_receiver:
        launched = [approve_all(t) for t in launched]
    return launched

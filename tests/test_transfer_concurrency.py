"""Two people clicking at once: exactly one wins, the other is told (DESIGN.md §4).

Real threads, each with its own PostgreSQL connection, start together at a barrier and act on the
same transfer. Only PostgreSQL has the row locks (``select_for_update``) this is about, so these
tests skip on SQLite. They are transactional: the threads must see each other's commits.
"""

from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from members.models import Member, MemberState
from orgs.models import Organisation
from transfers import services
from transfers.errors import StaleTransfer, TransferError
from transfers.models import (
    UNFINISHED_STATES,
    EventAction,
    Letter,
    StepRole,
    StepState,
    Transfer,
    TransferEvent,
    TransferState,
    TransferType,
    replay,
)
from transfers.services import Actor, LetterInput

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CHINESE = re.compile(r"[\u4e00-\u9fff]")
THREADS = 10


def org(username: str) -> Organisation:
    return Organisation.objects.get(organisationuserobjectpermission__user__username=username)


def actor(username: str) -> Actor:
    return Actor(user=get_user_model().objects.get(username=username), org=org(username))


def letter() -> LetterInput:
    return LetterInput(dues_paid_through=timezone.localdate().replace(day=1))


def a_member(branch: str, index: int = 0) -> Member:
    return Member.objects.filter(branch=org(branch), state=MemberState.NORMAL).order_by("pk")[index]


def draft_to_ltx(member: Member) -> Transfer:
    """文学院 → 离退休第一党支部 (县内): path 文学院党委 → 大学党委 (同意) → 离退休党委 (接收)."""
    (transfer,) = services.draft(
        actor=actor("wxy"),
        members=[member],
        transfer_type=TransferType.COUNTY,
        target=org("ltx_zb1"),
        letter=letter(),
    )
    return transfer


def launched_to_ltx(member: Member) -> Transfer:
    transfer = draft_to_ltx(member)
    return services.launch(actor=actor("wxy"), transfer=transfer, confirmed=True)


def race(n: int, prepare, act) -> list[tuple[str, object]]:
    """Run ``act(prepared)`` in ``n`` threads released together; ``prepare(i)`` runs first in
    each thread (loading what a request would load). Returns (outcome, value) per thread:
    ("ok", result), ("refused", TransferError) or ("crash", any other exception)."""
    barrier = threading.Barrier(n, timeout=30)
    results: list[tuple[str, object]] = [("missing", None)] * n

    def run(i: int) -> None:
        try:
            prepared = prepare(i)
            barrier.wait()
            results[i] = ("ok", act(prepared))
        except TransferError as e:
            results[i] = ("refused", e)
        except BaseException as e:
            results[i] = ("crash", e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,), name=f"race-{i}") for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not [t.name for t in threads if t.is_alive()], "a thread hung (deadlock?)"
    crashes = [v for outcome, v in results if outcome != "ok" and outcome != "refused"]
    assert not crashes, f"a race escaped as an error instead of a TransferError: {crashes!r}"
    return results


def outcomes(results) -> Counter:
    return Counter(outcome for outcome, _ in results)


def refusals(results) -> list[TransferError]:
    return [v for outcome, v in results if outcome == "refused"]


def assert_consistent(transfer: Transfer) -> None:
    """The transfer's log replays to its state; at most one step is pending (one if in
    progress); the member's state matches."""
    transfer.refresh_from_db()
    events = list(transfer.events.order_by("pk"))
    assert replay(events) == transfer.state
    pending = transfer.steps.filter(state=StepState.PENDING).count()
    assert pending == (1 if transfer.state == TransferState.IN_PROGRESS else 0)
    open_ = Transfer.objects.filter(id_number=transfer.id_number, state__in=UNFINISHED_STATES)
    assert open_.count() <= 1
    if transfer.member_id:
        member = Member.objects.get(pk=transfer.member_id)
        expected = {
            TransferState.DRAFT: MemberState.NORMAL,
            TransferState.IN_PROGRESS: MemberState.IN_TRANSFER,
            TransferState.RETURNED: MemberState.IN_TRANSFER,
            TransferState.RECEIVED: MemberState.AWAITING_REPORT,
            TransferState.COMPLETED: MemberState.NORMAL,
            TransferState.REVOKED: MemberState.NORMAL,
            TransferState.CONCLUDED: MemberState.OUT_OF_SYSTEM,
        }[transfer.state]
        assert member.state == expected


# -- 同意 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("with_version", [False, True], ids=["no-version", "page-version"])
def test_ten_approvals_of_one_pending_step_exactly_one_wins(demo_db, with_version):
    transfer = launched_to_ltx(a_member("wxy_zb1"))
    step = transfer.steps.get(state=StepState.PENDING)
    assert step.org == org("gxu")
    assert step.role == StepRole.APPROVE
    version = transfer.version
    gxu = actor("gxu")

    results = race(
        THREADS,
        lambda i: Transfer.objects.get(pk=transfer.pk),
        lambda t: services.approve(
            actor=gxu,
            transfer=t,
            confirmed=True,
            opinion="同意",
            expected_version=version if with_version else None,
        ),
    )

    assert outcomes(results) == {"ok": 1, "refused": THREADS - 1}
    for e in refusals(results):
        assert isinstance(e, StaleTransfer)
        assert CHINESE.search(e.message)
    assert TransferEvent.objects.filter(transfer=transfer, action=EventAction.APPROVE).count() == 1
    step.refresh_from_db()
    assert step.state == StepState.APPROVED
    transfer.refresh_from_db()
    assert transfer.version == version + 1
    following = transfer.steps.get(state=StepState.PENDING)
    assert following.org == org("ltx")
    assert following.role == StepRole.RECEIVE
    assert following.order == step.order + 1
    assert_consistent(transfer)


# -- 接收 ---------------------------------------------------------------------------------------


def test_ten_receipts_of_one_transfer_exactly_one_wins(demo_db):
    member = a_member("wxy_zb1")
    transfer = launched_to_ltx(member)
    services.approve(actor=actor("gxu"), transfer=transfer, confirmed=True)
    ltx = actor("ltx")
    branches = [org("ltx_zb1"), org("ltx_zb2")]

    results = race(
        THREADS,
        lambda i: (Transfer.objects.get(pk=transfer.pk), branches[i % 2]),
        lambda prepared: services.receive(
            actor=ltx,
            transfer=prepared[0],
            received_on=timezone.localdate(),
            branch=prepared[1],
            handler_phone="0771-5501234",
            confirmed_reported=True,
            confirmed_checked=True,
        ),
    )

    assert outcomes(results) == {"ok": 1, "refused": THREADS - 1}
    for e in refusals(results):
        assert isinstance(e, StaleTransfer)
        assert CHINESE.search(e.message)
    assert TransferEvent.objects.filter(transfer=transfer, action=EventAction.RECEIVE).count() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.RECEIVED
    member.refresh_from_db()
    assert member.state == MemberState.AWAITING_REPORT
    assert member.branch_id == transfer.dest_branch_id
    assert member.branch_path == transfer.dest_path
    assert transfer.letters.get(is_current=True).receipt_org_name == org("ltx").name
    assert_consistent(transfer)


# -- 转出申请 and 确认发起 ----------------------------------------------------------------------


def test_two_drafts_for_one_member_leave_one_unfinished_transfer(demo_db):
    member = a_member("wxy_zb2")
    wxy = actor("wxy")
    targets = [org("ltx_zb1"), org("ltx_zb2")]
    for _ in range(5):
        results = race(
            2,
            lambda i: (Member.objects.get(pk=member.pk), targets[i]),
            lambda prepared: services.draft(
                actor=wxy,
                members=[prepared[0]],
                transfer_type=TransferType.COUNTY,
                target=prepared[1],
                letter=letter(),
            ),
        )
        # Either both succeed one after the other (the second replaces the first draft), or
        # the loser is told in Chinese; never an IntegrityError.
        assert outcomes(results)["ok"] >= 1
        for e in refusals(results):
            assert CHINESE.search(e.message)
        open_ = Transfer.objects.filter(id_number=member.id_number, state__in=UNFINISHED_STATES)
        assert open_.count() == 1
        assert open_.get().state == TransferState.DRAFT
    member.refresh_from_db()
    assert member.state == MemberState.NORMAL
    for transfer in Transfer.objects.filter(member=member):
        assert_consistent(transfer)
        if transfer.state == TransferState.REVOKED:
            assert transfer.events.get(action=EventAction.REVOKE).opinion == "被新的转出申请替代"


def test_two_launches_of_one_draft_exactly_one_wins(demo_db):
    member = a_member("wxy_zb1", 1)
    transfer = draft_to_ltx(member)
    wxy = actor("wxy")

    results = race(
        2,
        lambda i: Transfer.objects.get(pk=transfer.pk),
        lambda t: services.launch(actor=wxy, transfer=t, confirmed=True),
    )

    assert outcomes(results) == {"ok": 1, "refused": 1}
    (e,) = refusals(results)
    assert CHINESE.search(e.message)
    assert TransferEvent.objects.filter(transfer=transfer, action=EventAction.LAUNCH).count() == 1
    assert transfer.letters.count() == 1
    transfer.refresh_from_db()
    assert transfer.state == TransferState.IN_PROGRESS
    assert transfer.steps.get(state=StepState.PENDING).org == org("gxu")
    assert_consistent(transfer)


def test_launch_racing_a_new_application_for_the_same_member_does_not_deadlock(demo_db):
    """确认发起 of a draft while the same committee fills in a new 转出申请 for the member (which
    replaces the draft): one wins, the other is told; never a deadlock."""
    member = a_member("wxy_zb2")
    wxy = actor("wxy")
    for _ in range(20):
        first = draft_to_ltx(Member.objects.get(pk=member.pk))

        def act(i: int, first=first):
            if i == 0:
                return services.launch(
                    actor=wxy, transfer=Transfer.objects.get(pk=first.pk), confirmed=True
                )
            return services.draft(
                actor=wxy,
                members=[Member.objects.get(pk=member.pk)],
                transfer_type=TransferType.COUNTY,
                target=org("ltx_zb2"),
                letter=letter(),
            )

        results = race(2, lambda i: i, act)

        assert outcomes(results) == {"ok": 1, "refused": 1}
        assert CHINESE.search(refusals(results)[0].message)
        (open_,) = Transfer.objects.filter(member=member, state__in=UNFINISHED_STATES)
        assert_consistent(open_)
        if open_.state == TransferState.IN_PROGRESS:
            services.revoke(actor=wxy, transfer=open_)
    for transfer in Transfer.objects.filter(member=member):
        assert_consistent(transfer)


def test_simultaneous_launches_by_one_committee_number_their_letters_in_sequence(demo_db):
    """The issuer's row lock numbers 介绍信 one after another: no duplicate serial numbers."""
    members = [a_member(branch, i) for branch in ("wxy_zb1", "wxy_zb2") for i in range(2)]
    members.append(a_member("wxy_zzb1_zb1"))
    drafts = [draft_to_ltx(m) for m in members]
    wxy = actor("wxy")

    results = race(
        len(drafts),
        lambda i: Transfer.objects.get(pk=drafts[i].pk),
        lambda t: services.launch(actor=wxy, transfer=t, confirmed=True),
    )

    assert outcomes(results) == {"ok": len(drafts)}
    letters = Letter.objects.filter(transfer__in=drafts)
    sequences = sorted(letters.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(drafts) + 1))
    assert len(set(letters.values_list("serial_number", flat=True))) == len(drafts)
    for transfer in drafts:
        assert_consistent(transfer)


# -- everything at once -------------------------------------------------------------------------


def test_mixed_actions_on_one_transfer_stay_consistent(demo_db):
    """同意, 不同意, 更改 by the node whose turn it is, and 撤销 by the initiator, all at once: the
    transfer ends in one coherent state whatever the order the locks were granted in."""
    transfer = launched_to_ltx(a_member("wxy_zb2", 1))
    gxu, wxy = actor("gxu"), actor("wxy")
    new_target = org("jsj_zb1")

    def act(i: int):
        t = Transfer.objects.get(pk=transfer.pk)
        kind = i % 4
        if kind == 0:
            return services.approve(actor=gxu, transfer=t, confirmed=True)
        if kind == 1:
            return services.reject(actor=gxu, transfer=t, reason="材料不全")
        if kind == 2:
            return services.change_target(
                actor=gxu, transfer=t, target=new_target, transfer_type=TransferType.COUNTY
            )
        return services.revoke(actor=wxy, transfer=t)

    results = race(8, lambda i: i, act)

    assert outcomes(results)["ok"] >= 1
    for e in refusals(results):
        assert CHINESE.search(e.message)
    transfer.refresh_from_db()
    assert_consistent(transfer)
    # gxu acted at most once on its step: approve, reject and change are exclusive.
    gxu_actions = TransferEvent.objects.filter(
        transfer=transfer,
        org=org("gxu"),
        action__in=[EventAction.APPROVE, EventAction.REJECT, EventAction.CHANGE],
    ).count()
    assert gxu_actions <= 1
    assert TransferEvent.objects.filter(transfer=transfer, action=EventAction.REVOKE).count() <= 1

"""A random walk through the transfer workflow (hypothesis stateful testing).

Each example starts from the demo university and runs up to 25 random actions:
转出申请 (+确认发起) of a 县内/省内/全国 transfer, 跨省（系统）转入, 同意, 不同意, 更改,
接收, 办结, 撤销, 报到, 退回, 找回, 重新发起 — each by an organisation drawn at random,
often not the one whose turn it is. A small oracle, written from DESIGN.md §4 apart from the
services, says whether the action must succeed; a refused action must raise TransferError with a
Chinese message and leave the database exactly as it was. After every step the invariants of the
model are checked, and the event log must only ever grow.

Every example runs inside a savepoint that is rolled back at its end, on top of the demo data that
the session loaded once (tests/conftest.py). TRANSFER_MACHINE_EXAMPLES=1000 runs a longer hunt.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import django.test
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from members.idcard import birth_date_of, check_character
from members.models import Gender, Member, MemberState, PartyStatus
from orgs.models import COMMITTEE_LEVELS, LEVEL_RANK, Authority, Level, Organisation
from orgs.models import OrganisationUserObjectPermission as Role
from transfers import exchange, services
from transfers.errors import TransferError
from transfers.models import (
    UNFINISHED_STATES,
    EventAction,
    Letter,
    StepRole,
    StepState,
    Transfer,
    TransferEvent,
    TransferState,
    TransferStep,
    TransferType,
    replay,
)
from transfers.services import Actor, InboundMember, LetterInput

# Who may be drawn as the acting organisation (besides the one whose turn it is).
ACTOR_POOL = (
    "wxy",
    "gxu",
    "ltx",
    "gx",
    "nn",
    "qx",
    "qx_jd",
    "wxy_zb1",
    "wxy_zzb1",
    "wxy_zzb1_zb1",
    "ltx_zb1",
    "qx_jd_zb1",
    "xwcb",
    "jsj",
)
# The branches whose members take part (two members each).
MEMBER_BRANCHES = (
    "wxy_zb1",
    "wxy_zb2",
    "wxy_zzb1_zb1",
    "wxy_zzb1_zb2",
    "ltx_zb1",
    "ltx_zb2",
    "xwcb_zb1",
    "qx_jd_zb1",
    "qx_jd_zb2",
)
# Destinations offered to 转出申请 / 更改 / 重新发起 (valid or not, depending on the initiator).
TARGET_POOL = (
    "gxu",
    "wxy",
    "wxy_zb2",
    "wxy_zzb1_zb2",
    "ltx",
    "ltx_zb1",
    "ltx_zb2",
    "xwcb_zb2",
    "jsj",
    "jsj_zb1",
    "qx",
    "qx_jd",
    "qx_jd_zb2",
    "nn",
    "gx",
    "yl_jd_zb1",
)
# Committees that may take a member in from outside the system.
INBOUND_COMMITTEES = ("wxy", "ltx", "qx_jd", "gxu", "qx", "jsj")
# ID numbers of people from outside the system (Beijing region code: not in the demo).
FRESH_IDS = tuple(
    first17 + check_character(first17)
    for first17 in ("11010119850312123", "11010119900708124", "11010119781130125")
)
OUT_NAME = "中共北京市某区某街道工作委员会"
HANDLER_PHONE = "0771-5501234"
RANDOM_ACTIONS = (
    "draft",
    "draft_inbound",
    "launch",
    "approve",
    "reject",
    "change_target",
    "receive",
    "conclude",
    "revoke",
    "report",
    "send_back",
    "retrieve",
    "relaunch",
)
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Combo:
    """A transfer type with its destination: an organisation, or a typed name out of the tree."""

    type: str
    target: Organisation | None
    out_of_system: bool

    @property
    def target_name(self) -> str:
        return OUT_NAME if self.out_of_system else ""

    def __repr__(self) -> str:
        where = self.target.short_name if self.target else OUT_NAME
        return f"Combo({self.type}, {where}{', 系统外' if self.out_of_system else ''})"


class World:
    """The demo tree, its logins and the members taking part, read once per test."""

    def __init__(self) -> None:
        self.by_pk = {o.pk: o for o in Organisation.objects.all()}
        self.by_path = {o.path: o for o in self.by_pk.values()}
        self.by_name: dict[str, Organisation] = {}
        self.users = {}
        for role in Role.objects.select_related("user"):
            org = self.by_pk[role.content_object_id]
            self.by_name[role.user.username] = org
            self.users[org.pk] = role.user
        self.actor_pool = [self.by_name[u] for u in ACTOR_POOL]
        self.target_pool = [self.by_name[u] for u in TARGET_POOL]
        self.inbound_committees = [self.by_name[u] for u in INBOUND_COMMITTEES]
        self.member_ids = [
            pk
            for u in MEMBER_BRANCHES
            for pk in Member.objects.filter(branch=self.by_name[u])
            .order_by("pk")
            .values_list("pk", flat=True)[:2]
        ]
        self.all_combos = [
            Combo(t, target, False)
            for t in (TransferType.COUNTY, TransferType.PROVINCE)
            for target in self.target_pool
        ] + [
            Combo(TransferType.NATIONAL, None, True),
            Combo(TransferType.COUNTY, None, True),
            Combo(TransferType.PROVINCE, None, True),
        ]

    # -- the oracle's view of the tree (from DESIGN.md §2 and §4, not from orgs.tree) --------

    def ancestors(self, org: Organisation, include_self: bool = True) -> list[Organisation]:
        """Nearest first."""
        step = Organisation.steplen
        end = len(org.path) if include_self else len(org.path) - step
        return [self.by_path[org.path[:i]] for i in range(end, 0, -step)]

    def parent(self, org: Organisation) -> Organisation | None:
        return self.by_path.get(org.path[: -Organisation.steplen])

    def domain(self, org: Organisation, level: Level) -> Organisation:
        if org.rank >= LEVEL_RANK[level]:
            return org
        return next(a for a in self.ancestors(org) if a.level == level)

    def receiver(self, target: Organisation) -> Organisation:
        return next(a for a in self.ancestors(target) if a.authority >= Authority.COUNTY)

    def committee_of(self, branch: Organisation) -> Organisation:
        return next(
            a for a in self.ancestors(branch, include_self=False) if a.level in COMMITTEE_LEVELS
        )

    def can_initiate(self, org: Organisation) -> bool:
        return org.level in COMMITTEE_LEVELS and org.authority >= Authority.COUNTY

    def may_send(self, org: Organisation, branch: Organisation) -> bool:
        """A direct branch of ``org``, or a branch of one of its direct 总支."""
        parent = self.parent(branch)
        return branch.level == Level.BRANCH and (
            parent == org or (parent.level == Level.GENERAL_BRANCH and self.parent(parent) == org)
        )

    def branches_received_by(self, org: Organisation) -> list[Organisation]:
        return [
            o
            for o in self.by_pk.values()
            if o.level == Level.BRANCH
            and o.path.startswith(org.path)
            and self.committee_of(o) == org
        ]

    def subtree(self, org: Organisation) -> list[Organisation]:
        return sorted(
            (o for o in self.by_pk.values() if o.path.startswith(org.path)), key=lambda o: o.path
        )

    def target_ok(self, initiator: Organisation, combo: Combo) -> bool:
        if combo.out_of_system:
            return True
        if combo.type == TransferType.NATIONAL or combo.target is None:
            return False
        county = self.domain(initiator, Level.COUNTY)
        province = self.domain(initiator, Level.PROVINCE)
        in_county = combo.target.path.startswith(county.path)
        if combo.type == TransferType.COUNTY:
            inside = in_county
        else:
            inside = combo.target.path.startswith(province.path) and not in_county
        return inside and self.receiver(combo.target) != initiator


WORLD: World | None = None


def letter() -> LetterInput:
    return LetterInput(dues_paid_through=timezone.localdate().replace(day=1))


def fingerprint():
    """Everything an action may touch, cheaply."""
    return (
        tuple(
            Transfer.objects.order_by("pk").values_list(
                "pk",
                "state",
                "version",
                "round",
                "type",
                "target_id",
                "member_id",
                "dest_branch_id",
            )
        ),
        tuple(TransferStep.objects.order_by("pk").values_list("pk", "state", "round", "org_id")),
        tuple(TransferEvent.objects.order_by("pk").values_list("pk", flat=True)),
        tuple(Letter.objects.order_by("pk").values_list("pk", "is_current", "receipt_on")),
        tuple(Member.objects.order_by("pk").values_list("pk", "state", "branch_id")),
    )


def active_member_with(id_number: str, *, other_than: int | None = None) -> bool:
    return Member.objects.in_system().filter(id_number=id_number).exclude(pk=other_than).exists()


class TransferMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        assert WORLD is not None, "TestTransferStateMachine.setUp loads the world"
        self.w = WORLD
        self.transfer_ids: list[int] = []
        self.seen_events: dict[int, tuple] = {}
        # One savepoint per example, rolled back in teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- drawing ---------------------------------------------------------------------------

    def draw_actor(self, data, right: Organisation | None, label: str = "actor") -> Actor:
        choices = ["right", "right", "random"] if right is not None else ["random"]
        if data.draw(st.sampled_from(choices), label=f"{label} is") == "right":
            org = right
        else:
            org = data.draw(st.sampled_from(self.w.actor_pool), label=label)
        return Actor(user=self.w.users[org.pk], org=org)

    def draw_combo(self, data, initiator: Organisation, *, inbound: bool = False) -> Combo:
        if inbound:
            inside = [o for o in self.w.subtree(initiator) if o.is_active]
            if data.draw(st.booleans(), label="valid target"):
                return Combo(TransferType.INBOUND, data.draw(st.sampled_from(inside)), False)
            return data.draw(st.sampled_from(self.w.all_combos), label="combo")
        valid = [c for c in self.w.all_combos if self.w.target_ok(initiator, c)]
        # Out of the system (办结, then maybe 找回) as often as a destination in the tree.
        valid += [c for c in valid if c.out_of_system] * 6
        if valid and data.draw(st.sampled_from([True, True, False]), label="valid combo"):
            return data.draw(st.sampled_from(valid), label="combo")
        return data.draw(st.sampled_from(self.w.all_combos), label="combo")

    def draw_transfer(self, data) -> Transfer:
        unfinished = list(
            Transfer.objects.filter(pk__in=self.transfer_ids, state__in=UNFINISHED_STATES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        pool = unfinished if unfinished and data.draw(st.integers(0, 4)) else self.transfer_ids
        pk = data.draw(st.sampled_from(pool), label="transfer")
        return Transfer.objects.select_related("member", "initiator", "target").get(pk=pk)

    def draw_stale(self, data, transfer: Transfer) -> int | None:
        """Mostly no version check; sometimes the version of a page loaded before the last
        action (must be refused as stale)."""
        if data.draw(st.sampled_from([False] * 7 + [True]), label="stale page"):
            return transfer.version - 1
        return None

    # -- running an action against the oracle ----------------------------------------------

    def attempt(self, name: str, ok: bool, why: str, call, transfer: Transfer | None = None):
        before = fingerprint()
        events_before = TransferEvent.objects.count()
        refusal = result = None
        try:
            result = call()
        except TransferError as e:
            refusal = e
        if refusal is not None:
            event(f"{name}: refused")
            message = refusal.message
            assert CHINESE.search(message), f"{name}: message not in Chinese: {message!r}"
            assert not ok, f"{name} refused although it should succeed ({why}): {message}"
            assert fingerprint() == before, f"{name} was refused but changed the database"
            return None
        event(f"{name}: done")
        assert ok, f"{name} succeeded although it should be refused ({why})"
        assert TransferEvent.objects.count() > events_before, f"{name} recorded no event"
        if transfer is not None:
            fresh = Transfer.objects.get(pk=transfer.pk)
            assert fresh.version > transfer.version, f"{name} did not bump the version"
        return result

    @staticmethod
    def pending(transfer: Transfer) -> TransferStep | None:
        return transfer.steps.filter(state=StepState.PENDING).select_related("org").first()

    def at_turn(self, transfer: Transfer, actor: Actor, *roles: str) -> bool:
        step = self.pending(transfer)
        return (
            transfer.state == TransferState.IN_PROGRESS
            and step is not None
            and step.org == actor.org
            and (not roles or step.role in roles)
        )

    def turn_org(self, transfer: Transfer) -> Organisation:
        step = self.pending(transfer)
        return step.org if step else transfer.initiator

    # -- the actions, each checked against the oracle -------------------------------------

    def do_draft(self, member: Member, actor: Actor, combo: Combo) -> Transfer | None:
        blocking = (
            Transfer.objects.unfinished()
            .filter(id_number=member.id_number)
            .exclude(member=member, initiator=actor.org, state=TransferState.DRAFT)
        )
        ok = (
            self.w.can_initiate(actor.org)
            and self.w.may_send(actor.org, member.branch)
            and member.state == MemberState.NORMAL
            and self.w.target_ok(actor.org, combo)
            and not blocking.exists()
        )
        replaced = list(
            Transfer.objects.filter(
                member=member, initiator=actor.org, state=TransferState.DRAFT
            ).values_list("pk", flat=True)
        )
        drafts = self.attempt(
            "draft",
            ok,
            f"{member} in {member.branch.short_name} ({member.state}) by "
            f"{actor.org.short_name}, {combo!r}",
            lambda: services.draft(
                actor=actor,
                members=[member],
                transfer_type=combo.type,
                target=combo.target,
                target_name=combo.target_name,
                out_of_system=combo.out_of_system,
                letter=letter(),
            ),
        )
        if drafts is None:
            return None
        (new,) = drafts
        self.transfer_ids.append(new.pk)
        assert new.state == TransferState.DRAFT
        for old in replaced:
            assert Transfer.objects.get(pk=old).state == TransferState.REVOKED
        return Transfer.objects.get(pk=new.pk)

    def do_draft_inbound(
        self, id_number: str, actor: Actor, target: Organisation | None
    ) -> Transfer | None:
        ok = (
            self.w.can_initiate(actor.org)
            and target is not None
            and target.path.startswith(actor.org.path)
            and not active_member_with(id_number)
            # Entering the letter again replaces this committee's own unlaunched draft.
            and not Transfer.objects.unfinished()
            .filter(id_number=id_number)
            .exclude(state=TransferState.DRAFT, initiator=actor.org)
            .exists()
        )
        replaced = list(
            Transfer.objects.filter(
                id_number=id_number, state=TransferState.DRAFT, initiator=actor.org
            ).values_list("pk", flat=True)
        )
        born = birth_date_of(id_number)
        person = InboundMember(
            name="赵外来",
            gender=Gender.MALE if int(id_number[16]) % 2 else Gender.FEMALE,
            ethnicity="汉族",
            id_number=id_number,
            party_status=PartyStatus.FULL,
            joined_on=dt.date(born.year + 19, 7, 1),
            full_member_on=dt.date(born.year + 20, 7, 1),
        )
        new = self.attempt(
            "draft_inbound",
            ok,
            f"{id_number} into {target} by {actor.org.short_name}",
            lambda: services.draft_inbound(
                actor=actor,
                member=person,
                target=target,
                origin_name="中共湖北省某县委员会",
                letter=letter(),
            ),
        )
        if new is None:
            return None
        self.transfer_ids.append(new.pk)
        for pk in replaced:
            assert Transfer.objects.get(pk=pk).state == TransferState.REVOKED
        return Transfer.objects.get(pk=new.pk)

    def do_launch(self, transfer: Transfer, actor: Actor, confirmed=True, stale=None) -> None:
        ok = (
            stale is None
            and transfer.state == TransferState.DRAFT
            and actor.org == transfer.initiator
        )
        if transfer.type == TransferType.INBOUND:
            ok = ok and not active_member_with(transfer.id_number)
        elif ok:
            member = Member.objects.get(pk=transfer.member_id)
            combo = Combo(transfer.type, transfer.target, transfer.out_of_system)
            ok = (
                confirmed
                and member.state == MemberState.NORMAL
                and member.branch_id == transfer.source_branch_id
                and self.w.target_ok(transfer.initiator, combo)
            )
        done = self.attempt(
            "launch",
            ok,
            f"{transfer} ({transfer.state}) by {actor.org.short_name}",
            lambda: services.launch(
                actor=actor, transfer=transfer, confirmed=confirmed, expected_version=stale
            ),
            transfer,
        )
        if done:
            step = self.pending(done)
            assert step is not None
            assert step.round == done.round
            assert (
                step.order == 1 + done.steps.get(round=done.round, state=StepState.LAUNCHED).order
            )
            assert done.letters.filter(is_current=True).count() == 1

    def do_approve(self, transfer: Transfer, actor: Actor, confirmed=True, stale=None) -> None:
        step = self.pending(transfer)
        ok = stale is None and confirmed and self.at_turn(transfer, actor, StepRole.APPROVE)
        done = self.attempt(
            "approve",
            ok,
            f"{transfer} pending at {step} by {actor.org.short_name}",
            lambda: services.approve(
                actor=actor, transfer=transfer, confirmed=confirmed, expected_version=stale
            ),
            transfer,
        )
        if done:
            step.refresh_from_db()
            assert step.state == StepState.APPROVED
            following = self.pending(done)
            assert following is not None
            assert following.order > step.order

    def do_reject(self, transfer: Transfer, actor: Actor, stale=None) -> None:
        ok = stale is None and self.at_turn(transfer, actor)
        done = self.attempt(
            "reject",
            ok,
            f"{transfer} by {actor.org.short_name}",
            lambda: services.reject(
                actor=actor, transfer=transfer, reason="材料不全", expected_version=stale
            ),
            transfer,
        )
        if done:
            assert done.state == TransferState.RETURNED
            assert not done.steps.filter(
                round=done.round, state__in=[StepState.APPROVED, StepState.LAUNCHED]
            ).exists()

    def do_change_target(self, transfer: Transfer, actor: Actor, combo: Combo, stale=None):
        if transfer.type == TransferType.INBOUND:
            valid = (
                not combo.out_of_system
                and combo.target is not None
                and combo.target.path.startswith(transfer.initiator.path)
            )
        else:
            valid = self.w.target_ok(transfer.initiator, combo)
        same = combo.target is not None and combo.target == transfer.target
        ok = stale is None and valid and not same and self.at_turn(transfer, actor)
        done = self.attempt(
            "change_target",
            ok,
            f"{transfer} by {actor.org.short_name} to {combo!r}",
            lambda: services.change_target(
                actor=actor,
                transfer=transfer,
                target=combo.target,
                target_name=combo.target_name,
                out_of_system=combo.out_of_system,
                transfer_type=combo.type,
                expected_version=stale,
            ),
            transfer,
        )
        if done:
            end = self.w.by_pk[done.receiver_id]
            if combo.out_of_system:
                assert end.authority == Authority.NATIONAL
            else:
                assert end == self.w.receiver(combo.target)
            last = done.steps.filter(round=done.round).order_by("-order").first()
            assert last.org == end
            assert last.role == (StepRole.CONCLUDE if combo.out_of_system else StepRole.RECEIVE)

    def do_receive(
        self, transfer: Transfer, actor: Actor, branch: Organisation, confirmed=True, stale=None
    ) -> None:
        ok = (
            stale is None
            and confirmed
            and self.at_turn(transfer, actor, StepRole.RECEIVE)
            and branch.level == Level.BRANCH
            and self.w.committee_of(branch) == actor.org
            and not active_member_with(transfer.id_number, other_than=transfer.member_id)
        )
        done = self.attempt(
            "receive",
            ok,
            f"{transfer} by {actor.org.short_name} into {branch.short_name}",
            lambda: services.receive(
                actor=actor,
                transfer=transfer,
                received_on=timezone.localdate(),
                branch=branch,
                handler_phone=HANDLER_PHONE,
                confirmed_reported=True,
                confirmed_checked=confirmed,
                expected_version=stale,
            ),
            transfer,
        )
        if done:
            member = Member.objects.get(pk=done.member_id)
            assert member.branch_id == branch.pk
            assert member.state == MemberState.AWAITING_REPORT
            assert done.letters.get(is_current=True).receipt_org_name == actor.org.name

    def do_conclude(self, transfer: Transfer, actor: Actor, confirmed=True, stale=None) -> None:
        ok = stale is None and confirmed and self.at_turn(transfer, actor, StepRole.CONCLUDE)
        done = self.attempt(
            "conclude",
            ok,
            f"{transfer} by {actor.org.short_name}",
            lambda: services.conclude(
                actor=actor,
                transfer=transfer,
                confirmed=confirmed,
                receiver=exchange.Receiver("another-system", "X0001", "外省某党委"),
                expected_version=stale,
            ),
            transfer,
        )
        if done:
            assert Member.objects.get(pk=done.member_id).state == MemberState.OUT_OF_SYSTEM

    def do_revoke(self, transfer: Transfer, actor: Actor, stale=None) -> None:
        ok = (
            stale is None
            and actor.org == transfer.initiator
            and transfer.state
            in (TransferState.DRAFT, TransferState.IN_PROGRESS, TransferState.RETURNED)
        )
        done = self.attempt(
            "revoke",
            ok,
            f"{transfer} ({transfer.state}) by {actor.org.short_name}",
            lambda: services.revoke(actor=actor, transfer=transfer, expected_version=stale),
            transfer,
        )
        if done and done.member_id and done.type != TransferType.INBOUND:
            member = Member.objects.get(pk=done.member_id)
            assert member.state == MemberState.NORMAL
            assert member.branch_id == done.source_branch_id

    def do_report(self, transfer: Transfer, actor: Actor, stale=None) -> None:
        ok = (
            stale is None
            and transfer.state == TransferState.RECEIVED
            and transfer.dest_path.startswith(actor.org.path)
        )
        done = self.attempt(
            "report",
            ok,
            f"{transfer} ({transfer.state}) by {actor.org.short_name}",
            lambda: services.report(actor=actor, transfer=transfer, expected_version=stale),
            transfer,
        )
        if done:
            assert Member.objects.get(pk=done.member_id).state == MemberState.NORMAL

    def do_send_back(self, transfer: Transfer, actor: Actor, stale=None) -> None:
        ok = (
            stale is None
            and actor.org.is_committee
            and transfer.state == TransferState.RECEIVED
            and transfer.dest_path.startswith(actor.org.path)
        )
        done = self.attempt(
            "send_back",
            ok,
            f"{transfer} ({transfer.state}) by {actor.org.short_name}",
            lambda: services.send_back(
                actor=actor, transfer=transfer, reason="未按期报到", expected_version=stale
            ),
            transfer,
        )
        if done:
            assert done.state == TransferState.RETURNED
            member = Member.objects.get(pk=done.member_id)
            if done.source_branch_id:
                assert member.branch_id == done.source_branch_id
                assert member.state == MemberState.IN_TRANSFER
            else:
                assert member.state == MemberState.OUT_OF_SYSTEM

    def do_retrieve(self, id_number: str, actor: Actor) -> None:
        ok = (
            actor.org.is_committee
            and Transfer.objects.filter(
                id_number=id_number,
                state=TransferState.CONCLUDED,
                member__state=MemberState.OUT_OF_SYSTEM,
                source_path__startswith=actor.org.path,
            ).exists()
            and not active_member_with(id_number)
        )
        done = self.attempt(
            "retrieve",
            ok,
            f"{id_number} by {actor.org.short_name}",
            lambda: services.retrieve(actor=actor, id_number=id_number),
        )
        if done:
            member = Member.objects.get(pk=done.member_id)
            assert member.state == MemberState.NORMAL
            assert member.branch_id == done.source_branch_id
            assert done.state == TransferState.RETRIEVED

    def do_relaunch(
        self, transfer: Transfer, actor: Actor, combo: Combo | None, confirmed=True, stale=None
    ) -> None:
        inbound = transfer.type == TransferType.INBOUND
        ok = (
            stale is None
            and transfer.state == TransferState.RETURNED
            and actor.org == transfer.initiator
        )
        if inbound:
            ok = ok and not active_member_with(transfer.id_number)
            if combo is not None:
                ok = (
                    ok
                    and not combo.out_of_system
                    and combo.target is not None
                    and combo.target.path.startswith(transfer.initiator.path)
                )
        else:
            ok = ok and confirmed
            if combo is not None:
                ok = ok and self.w.target_ok(transfer.initiator, combo)
            if ok:
                member = Member.objects.get(pk=transfer.member_id)
                ok = member.branch_id == transfer.source_branch_id
        kwargs = {}
        if combo is not None:
            kwargs = {
                "transfer_type": None if inbound else combo.type,
                "target": combo.target,
                "target_name": combo.target_name,
                "out_of_system": None if inbound else combo.out_of_system,
            }
        done = self.attempt(
            "relaunch",
            ok,
            f"{transfer} ({transfer.state}) by {actor.org.short_name}, {combo!r}",
            lambda: services.relaunch(
                actor=actor,
                transfer=transfer,
                confirmed=confirmed,
                expected_version=stale,
                **kwargs,
            ),
            transfer,
        )
        if done:
            assert done.round == transfer.round + 1
            step = self.pending(done)
            assert step is not None
            assert step.round == done.round

    # -- rules: random actions by random organisations --------------------------------------

    def draw_confirmed(self, data) -> bool:
        return data.draw(st.sampled_from([True] * 7 + [False]), label="confirmed")

    def draw_inbound_id(self, data) -> str:
        members = Member.objects.filter(pk__in=self.w.member_ids)
        out = list(
            members.filter(state=MemberState.OUT_OF_SYSTEM).values_list("id_number", flat=True)
        )
        active = list(
            members.exclude(state=MemberState.OUT_OF_SYSTEM).values_list("id_number", flat=True)
        )
        return data.draw(st.sampled_from([*FRESH_IDS, *out, *out, *active[:2]]), label="id")

    @initialize(data=st.data())
    def start_one(self, data):
        """Every walk starts with one launched transfer, so that the other rules have one."""
        pk = data.draw(st.sampled_from(self.w.member_ids), label="member")
        member = Member.objects.select_related("branch").get(pk=pk)
        home = self.w.committee_of(member.branch)
        actor = Actor(user=self.w.users[home.pk], org=home)
        combos = [c for c in self.w.all_combos if self.w.target_ok(home, c)]
        combos += [c for c in combos if c.out_of_system] * 6
        self.do_launch(self.do_draft(member, actor, data.draw(st.sampled_from(combos))), actor)

    def random_draft(self, data):
        pk = data.draw(st.sampled_from(self.w.member_ids), label="member")
        member = Member.objects.select_related("branch").get(pk=pk)
        home = self.w.committee_of(member.branch)
        actor = self.draw_actor(data, home)
        new = self.do_draft(member, actor, self.draw_combo(data, home))
        if new is not None and data.draw(st.sampled_from([True, True, False]), label="launch"):
            self.do_launch(new, actor, self.draw_confirmed(data))

    def random_draft_inbound(self, data):
        id_number = self.draw_inbound_id(data)
        right = data.draw(st.sampled_from(self.w.inbound_committees), label="committee")
        actor = self.draw_actor(data, right)
        combo = self.draw_combo(data, actor.org, inbound=True)
        new = self.do_draft_inbound(id_number, actor, combo.target)
        if new is not None and data.draw(st.booleans(), label="launch"):
            self.do_launch(new, actor)

    def random_launch(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, transfer.initiator)
        self.do_launch(transfer, actor, self.draw_confirmed(data), self.draw_stale(data, transfer))

    def random_approve(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, self.turn_org(transfer))
        self.do_approve(transfer, actor, self.draw_confirmed(data), self.draw_stale(data, transfer))

    def random_reject(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, self.turn_org(transfer))
        self.do_reject(transfer, actor, self.draw_stale(data, transfer))

    def random_change_target(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, self.turn_org(transfer))
        inbound = transfer.type == TransferType.INBOUND
        combo = self.draw_combo(data, transfer.initiator, inbound=inbound)
        self.do_change_target(transfer, actor, combo, self.draw_stale(data, transfer))

    def random_receive(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, self.turn_org(transfer))
        own = self.w.branches_received_by(actor.org) if actor.org.is_committee else []
        if own and data.draw(st.sampled_from([True, True, False]), label="own branch"):
            branch = data.draw(st.sampled_from(own), label="branch")
        else:
            branch = data.draw(st.sampled_from(self.w.target_pool), label="branch")
        self.do_receive(
            transfer,
            actor,
            branch,
            self.draw_confirmed(data),
            self.draw_stale(data, transfer),
        )

    def random_conclude(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, self.turn_org(transfer))
        self.do_conclude(
            transfer, actor, self.draw_confirmed(data), self.draw_stale(data, transfer)
        )

    def random_revoke(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, transfer.initiator)
        self.do_revoke(transfer, actor, self.draw_stale(data, transfer))

    def receiving_side(self, data, transfer: Transfer, *, committees: bool) -> Organisation | None:
        """The destination branch or one of the organisations above it."""
        if not transfer.dest_branch_id:
            return None
        above = self.w.ancestors(self.w.by_pk[transfer.dest_branch_id])
        if committees:
            above = [o for o in above if o.is_committee]
        return data.draw(st.sampled_from(above), label="receiving side")

    def random_report(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, self.receiving_side(data, transfer, committees=False))
        self.do_report(transfer, actor, self.draw_stale(data, transfer))

    def random_send_back(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, self.receiving_side(data, transfer, committees=True))
        self.do_send_back(transfer, actor, self.draw_stale(data, transfer))

    def retrieval_committee(self, id_number: str) -> Organisation | None:
        concluded = (
            Transfer.objects.filter(
                id_number=id_number,
                state=TransferState.CONCLUDED,
                member__state=MemberState.OUT_OF_SYSTEM,
            )
            .order_by("-finished_at")
            .first()
        )
        if concluded is None:
            return None
        return self.w.committee_of(self.w.by_pk[concluded.source_branch_id])

    def random_retrieve(self, data):
        ids = list(
            Member.objects.filter(pk__in=self.w.member_ids)
            .order_by("-state", "pk")
            .values_list("id_number", "state")
        )
        out = [i for i, state in ids if state == MemberState.OUT_OF_SYSTEM]
        id_number = data.draw(st.sampled_from(out * 3 + [i for i, _ in ids[:4]]), label="id")
        actor = self.draw_actor(data, self.retrieval_committee(id_number))
        self.do_retrieve(id_number, actor)

    def random_relaunch(self, data):
        transfer = self.draw_transfer(data)
        actor = self.draw_actor(data, transfer.initiator)
        combo = None
        if data.draw(st.booleans(), label="new target"):
            inbound = transfer.type == TransferType.INBOUND
            combo = self.draw_combo(data, transfer.initiator, inbound=inbound)
        self.do_relaunch(
            transfer, actor, combo, self.draw_confirmed(data), self.draw_stale(data, transfer)
        )

    # -- rules: the organisation whose turn it is does what the workflow expects -----------

    @precondition(lambda self: self.transfer_ids)
    @rule(data=st.data())
    def advance(self, data):
        """Moves a transfer on the way a diligent user would, so that walks get deep."""
        transfers = Transfer.objects.filter(pk__in=self.transfer_ids).order_by("pk")
        movable = [
            t
            for t in transfers.select_related("member", "initiator", "target")
            if t.state in UNFINISHED_STATES
            or (t.state == TransferState.CONCLUDED and t.member.state == MemberState.OUT_OF_SYSTEM)
        ]
        if not movable:
            return
        t = data.draw(st.sampled_from(movable), label="transfer")
        initiator = Actor(user=self.w.users[t.initiator_id], org=t.initiator)
        choice = data.draw(st.sampled_from(range(10)), label="choice")
        if t.state == TransferState.DRAFT:
            self.do_launch(t, initiator)
        elif t.state == TransferState.IN_PROGRESS:
            step = self.pending(t)
            actor = Actor(user=self.w.users[step.org_id], org=step.org)
            if choice == 0:
                self.do_reject(t, actor)
            elif choice == 1:
                combo = self.draw_combo(data, t.initiator, inbound=t.type == TransferType.INBOUND)
                self.do_change_target(t, actor, combo)
            elif step.role == StepRole.APPROVE:
                self.do_approve(t, actor)
            elif step.role == StepRole.CONCLUDE:
                self.do_conclude(t, actor)
            else:
                own = self.w.branches_received_by(step.org)
                if t.target and t.target in own:
                    self.do_receive(t, actor, t.target)
                elif own:
                    self.do_receive(t, actor, data.draw(st.sampled_from(own), label="branch"))
                else:
                    self.do_reject(t, actor)
        elif t.state == TransferState.RECEIVED:
            side = self.receiving_side(data, t, committees=choice < 3)
            actor = Actor(user=self.w.users[side.pk], org=side)
            if choice < 3:
                self.do_send_back(t, actor)
            else:
                self.do_report(t, actor)
        elif t.state == TransferState.RETURNED:
            if choice < 7:
                self.do_relaunch(t, initiator, None)
            else:
                self.do_revoke(t, initiator)
        else:
            committee = self.retrieval_committee(t.id_number)
            self.do_retrieve(t.id_number, Actor(user=self.w.users[committee.pk], org=committee))

    @precondition(lambda self: self.transfer_ids)
    @rule(data=st.data())
    def advance_again(self, data):
        """The same rule once more, so that half of all steps move a transfer on."""
        self.advance(data)

    def few_open(self) -> bool:
        open_ = Transfer.objects.filter(pk__in=self.transfer_ids, state__in=UNFINISHED_STATES)
        return open_.count() < 3

    @precondition(few_open)
    @rule(data=st.data())
    def new_transfer(self, data):
        """A new application (rarely more than three are open: the walk should go deep)."""
        if data.draw(st.sampled_from([True, True, True, False]), label="from a branch"):
            self.random_draft(data)
        else:
            self.random_draft_inbound(data)

    @rule(data=st.data(), action=st.sampled_from(RANDOM_ACTIONS))
    def random_action(self, data, action):
        """Any action on any transfer, by the organisation whose turn it is or by another."""
        if action not in ("draft", "draft_inbound", "retrieve") and not self.transfer_ids:
            return
        getattr(self, f"random_{action}")(data)

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def members_are_placed_and_consistent(self):
        orgs = self.w.by_pk
        members = {
            pk: (id_number, state, branch_id, branch_path)
            for pk, id_number, state, branch_id, branch_path in Member.objects.values_list(
                "pk", "id_number", "state", "branch_id", "branch_path"
            )
        }
        active = Counter()
        for pk, (id_number, state, branch_id, branch_path) in members.items():
            if state == MemberState.OUT_OF_SYSTEM:
                continue
            active[id_number] += 1
            branch = orgs[branch_id]
            assert branch.level == Level.BRANCH, f"member {pk} is in {branch}, not a 党支部"
            assert branch_path == branch.path, f"member {pk}: branch_path is stale"
        assert not [i for i, n in active.items() if n > 1], "two active members share an ID"

        transfers = list(
            Transfer.objects.values_list(
                "pk",
                "id_number",
                "state",
                "type",
                "member_id",
                "source_branch_id",
                "dest_branch_id",
            )
        )
        open_per_id = Counter(t[1] for t in transfers if t[2] in UNFINISHED_STATES)
        assert max(open_per_id.values(), default=0) <= 1, "two unfinished transfers for one ID"

        expected_member_state: dict[int, set[str]] = defaultdict(set)
        for pk, _id, state, type_, member_id, source_id, dest_id in transfers:
            if member_id is None or state not in UNFINISHED_STATES:
                continue
            m_state, m_branch = members[member_id][1], members[member_id][2]
            inbound = type_ == TransferType.INBOUND
            if state == TransferState.DRAFT:
                want = MemberState.NORMAL
            elif state == TransferState.RECEIVED:
                want = MemberState.AWAITING_REPORT
                assert m_branch == dest_id, f"transfer {pk}: member not in the 转入支部"
            elif inbound:
                # Sent back to outside the system, waiting to be relaunched or revoked.
                want = MemberState.OUT_OF_SYSTEM
            else:
                want = MemberState.IN_TRANSFER
                assert m_branch == source_id, f"transfer {pk}: member left the source branch"
            assert m_state == want, f"transfer {pk} is {state}, its member is {m_state}"
            expected_member_state[member_id].add(state)
        for pk, (_id, state, _b, _p) in members.items():
            open_states = expected_member_state.get(pk, set())
            if state == MemberState.IN_TRANSFER:
                assert open_states & {TransferState.IN_PROGRESS, TransferState.RETURNED}, (
                    f"member {pk} is in transfer without a transfer in progress"
                )
            elif state == MemberState.AWAITING_REPORT:
                assert TransferState.RECEIVED in open_states, (
                    f"member {pk} awaits report without a received transfer"
                )
            elif state == MemberState.NORMAL:
                assert open_states <= {TransferState.DRAFT}, (
                    f"member {pk} is normal with an open transfer: {open_states}"
                )

    @invariant()
    def steps_and_events_match_the_state(self):
        states = dict(Transfer.objects.values_list("pk", "state"))
        rounds = dict(Transfer.objects.values_list("pk", "round"))
        pending = defaultdict(list)
        waiting = Counter()
        for transfer_id, state, round_ in TransferStep.objects.values_list(
            "transfer_id", "state", "round"
        ):
            if state == StepState.PENDING:
                pending[transfer_id].append(round_)
            elif state == StepState.WAITING:
                waiting[transfer_id] += 1
        for pk, state in states.items():
            if state == TransferState.IN_PROGRESS:
                assert pending[pk] == [rounds[pk]], f"transfer {pk} in progress: {pending[pk]}"
            else:
                assert not pending[pk], f"transfer {pk} is {state} with a pending step"
            if state not in (TransferState.DRAFT, TransferState.IN_PROGRESS):
                assert not waiting[pk], f"transfer {pk} is {state} with waiting steps"

        events = defaultdict(list)
        for e in TransferEvent.objects.order_by("pk"):
            events[e.transfer_id].append(e)
        for pk, state in states.items():
            assert events[pk], f"transfer {pk} has no events"
            assert events[pk][0].action == EventAction.DRAFT
            assert replay(events[pk]) == state, f"transfer {pk}: events do not replay to {state}"

        launched = {
            e.transfer_id for es in events.values() for e in es if e.action == EventAction.LAUNCH
        }
        current = Counter(
            Letter.objects.filter(is_current=True).values_list("transfer_id", flat=True)
        )
        for pk in states:
            assert current[pk] == (1 if pk in launched else 0), f"transfer {pk}: letters"

    @invariant()
    def the_event_log_only_grows(self):
        now = {
            pk: rest
            for pk, *rest in TransferEvent.objects.values_list(
                "pk", "transfer_id", "action", "state_before", "state_after", "opinion", "org_id"
            )
        }
        for pk, row in self.seen_events.items():
            assert now.get(pk) == [*row], f"event {pk} changed or vanished"
        newest = max(self.seen_events, default=0)
        assert all(pk > newest for pk in now.keys() - self.seen_events.keys())
        self.seen_events = {pk: tuple(row) for pk, row in now.items()}


TransferMachine.TestCase.settings = settings(
    max_examples=int(os.environ.get("TRANSFER_MACHINE_EXAMPLES", "30")),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


class TestTransferStateMachine(TransferMachine.TestCase, django.test.TestCase):
    """Runs the machine inside a Django TestCase, so the demo data is there and rolled back."""

    def setUp(self):
        super().setUp()
        global WORLD
        WORLD = World()

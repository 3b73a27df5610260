"""Walking transfers along their path on the demo tree, shared by the transfer test modules.

Each helper acts as the demo login of the organisation whose turn it is, through the services,
so a test can say "approve_all(transfer)" and then look at what it is about.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from members.idcard import check_character
from members.models import Gender, Member, MemberState, PartyStatus
from orgs.models import Organisation
from transfers import exchange, services
from transfers.models import StepRole, StepState, Transfer, TransferStep, TransferType, replay
from transfers.services import Actor, InboundMember, LetterInput

PHONE = "0771-5501234"


def org_of(username: str) -> Organisation:
    return Organisation.objects.get(organisationuserobjectpermission__user__username=username)


def actor_for(org: Organisation) -> Actor:
    """The demo login of ``org``, acting for it."""
    user = get_user_model().objects.get(organisationuserobjectpermission__content_object=org)
    return Actor(user=user, org=org)


def letter(**changes) -> LetterInput:
    return LetterInput(**{"dues_paid_through": timezone.localdate().replace(day=1), **changes})


def members_of(branch: Organisation, n: int = 1) -> list[Member]:
    return list(Member.objects.filter(branch=branch, state=MemberState.NORMAL).order_by("pk")[:n])


def fresh(transfer: Transfer) -> Transfer:
    return Transfer.objects.get(pk=transfer.pk)


def route(transfer: Transfer, *, of_round: int | None = None) -> list[tuple[str, str, str]]:
    """(organisation, role, direction) of each step of a round, in order."""
    transfer = fresh(transfer)
    steps = transfer.steps.filter(round=of_round or transfer.round).select_related("org")
    return [(s.org.short_name, s.role, s.direction) for s in steps.order_by("order")]


def step_states(transfer: Transfer) -> list[tuple[str, str, str]]:
    """(organisation, role, state) of every step of every round, in order."""
    steps = TransferStep.objects.filter(transfer=transfer).select_related("org")
    return [(s.org.short_name, s.role, s.state) for s in steps.order_by("round", "order")]


def pending(transfer: Transfer) -> TransferStep | None:
    return (
        TransferStep.objects.filter(transfer=transfer, state=StepState.PENDING)
        .select_related("org")
        .first()
    )


def assert_replays(transfer: Transfer) -> None:
    """The event log, replayed, ends in the transfer's current state."""
    transfer = fresh(transfer)
    assert replay(transfer.events.order_by("id")) == transfer.state


# -- moving a transfer along ------------------------------------------------------------------


def draft_to(
    by: Actor,
    target: Organisation | None,
    *,
    transfer_type: str = TransferType.COUNTY,
    member: Member | None = None,
    **kwargs,
) -> Transfer:
    """One drafted transfer of ``member`` (default: the first member of ``by``'s first branch)."""
    if member is None:
        member = services.transferable_members(by.org).order_by("branch__path", "pk").first()
    kwargs.setdefault("letter", letter())
    [transfer] = services.draft(
        actor=by, members=[member], transfer_type=transfer_type, target=target, **kwargs
    )
    return transfer


def launch(transfer: Transfer) -> Transfer:
    return services.launch(actor=actor_for(transfer.initiator), transfer=transfer, confirmed=True)


def approve_all(transfer: Transfer) -> Transfer:
    """同意 at every node up to the one that receives or concludes."""
    while (step := pending(transfer)) and step.role == StepRole.APPROVE:
        transfer = services.approve(actor=actor_for(step.org), transfer=transfer, confirmed=True)
    return transfer


def receive(transfer: Transfer, branch: Organisation, **changes) -> Transfer:
    """接收 by the node whose turn it is, into ``branch``, with both boxes ticked."""
    kwargs = {
        "received_on": timezone.localdate(),
        "branch": branch,
        "handler_phone": PHONE,
        "confirmed_reported": True,
        "confirmed_checked": True,
        **changes,
    }
    return services.receive(actor=actor_for(pending(transfer).org), transfer=transfer, **kwargs)


def report(transfer: Transfer, by: Organisation | None = None) -> Transfer:
    return services.report(actor=actor_for(by or fresh(transfer).dest_branch), transfer=transfer)


def reject_at_pending(transfer: Transfer, reason: str = "材料不全") -> Transfer:
    return services.reject(actor=actor_for(pending(transfer).org), transfer=transfer, reason=reason)


def receiver_for(concluder: Organisation, code: str | None = None) -> exchange.Receiver:
    """Where a package goes at 办结: the province ``code`` (default: the other demo province)."""
    province = (
        Organisation.objects.get(code=code) if code else exchange.receivers_here(concluder)[0]
    )
    return exchange.Receiver(settings.EXCHANGE_SYSTEM_ID, province.code, province.name)


def conclude(transfer: Transfer, receiver: exchange.Receiver | None = None) -> Transfer:
    concluder = pending(transfer).org
    return services.conclude(
        actor=actor_for(concluder),
        transfer=transfer,
        confirmed=True,
        receiver=receiver or receiver_for(concluder),
    )


# -- 跨省（系统）转入 -----------------------------------------------------------------------------


def outside_id_number(sequence: int = 1) -> str:
    """An ID number from Beijing (110101), which no demo member has."""
    first17 = f"11010119900101{sequence:03d}"
    return first17 + check_character(first17)


def inbound_member(**changes) -> InboundMember:
    data = {
        "name": "欧阳明",
        "gender": Gender.MALE,
        "ethnicity": "汉族",
        "id_number": outside_id_number(),
        "party_status": PartyStatus.FULL,
        "joined_on": dt.date(2015, 7, 1),
        "full_member_on": dt.date(2016, 7, 1),
        "phone": "13800138000",
        **changes,
    }
    return InboundMember(**data)


def draft_inbound(by: Actor, target: Organisation, **changes) -> Transfer:
    kwargs = {
        "member": inbound_member(),
        "target": target,
        "origin_name": "中共北京市东城区某街道工作委员会",
        "origin_letter_number": "京东-2026-00042",
        "letter": letter(),
        **changes,
    }
    return services.draft_inbound(actor=by, **kwargs)


def every_page(page) -> list:
    """Every page of a list, forwards to its end and back again by its cursors:
    ``page(**cursor)`` gives one (``after=…`` or ``before=…``, none for the first)."""
    pages = [page()]
    while pages[-1].next_cursor:
        pages.append(page(after=pages[-1].next_cursor))
    while pages[-1].prev_cursor:
        pages.append(page(before=pages[-1].prev_cursor))
    return pages

"""Shared pieces of the transfer view tests (tests/test_transfer_views_*.py).

``stage(name)`` builds the demo's standard county transfer — a member of 文学院 (wxy_zb1) to
离退休第一党支部 (ltx_zb1); path 文学院党委 → 广西某大学党委 (同意) → 离退休党委 (接收) — and
walks it through the services to the named stage. ``snapshot`` is what "nothing changed" compares.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from members.models import Member
from tests.transfer_helpers import (
    PHONE,
    actor_for,
    approve_all,
    draft_inbound,
    draft_to,
    fresh,
    launch,
    members_of,
    org_of,
    outside_id_number,
    receive,
    reject_at_pending,
    report,
)
from transfers import services
from transfers.models import Transfer, TransferType

ELSEWHERE = "中共北京市东城区某街道工作委员会"
XSS = "<script>alert(1)</script>"
XSS_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"

STAGES = ("draft", "launched", "at_receiver", "received", "completed", "returned")


def wxy_members(n: int) -> list[Member]:
    """``n`` members 文学院党委 may send now (from its branches and its 总支's branches).

    Take them all before building transfers: a launched member is no longer on the list.
    """
    members = list(services.transferable_members(org_of("wxy")).order_by("branch_path", "pk")[:n])
    assert len(members) == n
    return members


def wxy_member() -> Member:
    """The first member of 文学院教工党支部 (wxy_zb1) who may leave, the usual leaver."""
    return members_of(org_of("wxy_zb1"))[0]


def stage(name: str, *, member: Member | None = None) -> Transfer:
    """A 县内直接转接 wxy → ltx_zb1 at ``name`` (one of STAGES)."""
    member = member or wxy_member()
    transfer = draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1"), member=member)
    if name == "draft":
        return fresh(transfer)
    transfer = launch(transfer)  # pending at 广西某大学党委 (同意)
    if name == "returned":
        reject_at_pending(transfer)
    elif name != "launched":
        approve_all(transfer)  # pending at 离退休党委 (接收)
        if name != "at_receiver":
            receive(transfer, org_of("ltx_zb1"))
            if name == "completed":
                report(transfer)
    return fresh(transfer)


def national(*, member: Member | None = None, launched: bool = True) -> Transfer:
    """A 全国直接转接 out of the system; launched, it waits at 广西某大学党委 (办结)."""
    transfer = draft_to(
        actor_for(org_of("wxy")),
        None,
        transfer_type=TransferType.NATIONAL,
        target_name=ELSEWHERE,
        member=member or wxy_member(),
    )
    return fresh(launch(transfer) if launched else transfer)


def inbound(**changes) -> Transfer:
    """A 跨省（系统）转入 draft typed in by 文学院党委, into 文学院教工党支部."""
    return draft_inbound(actor_for(org_of("wxy")), org_of("wxy_zb1"), **changes)


def snapshot(transfer: Transfer) -> tuple:
    """Everything an action would change: state, version, events, steps, letters, member."""
    t = fresh(transfer)
    member = Member.objects.filter(pk=t.member_id).values_list("state", "branch_id").first()
    return (
        t.state,
        t.version,
        t.round,
        t.target_id,
        t.events.count(),
        tuple(t.steps.order_by("round", "order").values_list("state", "opinion")),
        tuple(t.letters.order_by("id").values_list("id", "is_current", "receipt_org_name")),
        member,
    )


def url(name: str, transfer: Transfer | None = None) -> str:
    if transfer is None:
        return reverse(f"transfers:{name}")
    return reverse(f"transfers:{name}", args=[transfer.pk])


def receive_data(transfer: Transfer, **changes) -> dict:
    """A complete 接收 form (both boxes ticked) into 离退休第一党支部."""
    return {
        "version": fresh(transfer).version,
        "received_on": timezone.localdate().isoformat(),
        "branch": org_of("ltx_zb1").pk,
        "handler_phone": PHONE,
        "remarks": "",
        "confirmed_reported": "on",
        "confirmed_checked": "on",
        **changes,
    }


def application_data(**changes) -> dict:
    """A complete 转接详细信息 form: 县内直接转接 to 离退休第一党支部, chosen with the 放大镜."""
    return {
        "transfer_type": TransferType.COUNTY,
        "target": org_of("ltx_zb1").pk,
        "target_query": "广西某大学离退休第一党支部",
        "dues_paid_through": timezone.localdate().strftime("%Y-%m"),
        "validity_days": "90",
        "member_phone": "13800138000",
        "letter_remarks": "",
        **changes,
    }


def inbound_data(**changes) -> dict:
    """A complete 跨省（系统）转入 form (通过业务交换区转入 = 否) into 文学院教工党支部."""
    return {
        "inbound_kind": "province",
        "origin_name": ELSEWHERE,
        "origin_letter_number": "京东-2026-00042",
        "target": org_of("wxy_zb1").pk,
        "target_query": "广西某大学文学院教工党支部",
        "name": "欧阳明",
        "gender": "male",
        "ethnicity": "汉族",
        "id_number": outside_id_number(7),
        "party_status": "full",
        "joined_on": "2015-07-01",
        "full_member_on": "2016-07-01",
        "phone": "13800138000",
        "dues_paid_through": timezone.localdate().strftime("%Y-%m"),
        "validity_days": "90",
        "letter_remarks": "",
        **changes,
    }


def text(response) -> str:
    return response.content.decode()


def listed(response) -> set[int]:
    """Ids of the transfers a list page shows (its rows are steps or transfers)."""
    rows = response.context["page"].rows
    return {getattr(r, "transfer_id", None) or r.pk for r in rows}


def success_message(response) -> str:
    """The one success sentence shown on the page a POST was redirected to."""
    found = [str(m) for m in response.context["messages"] if m.level_tag == "success"]
    assert len(found) == 1, found
    return found[0]


__all__ = [
    "ELSEWHERE",
    "PHONE",
    "STAGES",
    "XSS",
    "XSS_ESCAPED",
    "application_data",
    "inbound",
    "inbound_data",
    "listed",
    "national",
    "receive_data",
    "snapshot",
    "stage",
    "success_message",
    "text",
    "url",
    "wxy_member",
    "wxy_members",
]

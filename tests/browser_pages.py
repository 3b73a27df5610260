"""What the phone and accessibility checks share: the two screen sizes, the main pages, and
transfers that put rows in every list."""

from __future__ import annotations

from tests.transfer_helpers import actor_for, approve_all, draft_to, launch, members_of, org_of
from tests.transfer_helpers import receive as receive_service
from transfers.models import Transfer

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}

MAIN_PAGES = [
    "home",
    "transfers:out_todo",
    "transfers:out_done",
    "transfers:out_progress",
    "transfers:out_history",
    "transfers:in_todo",
    "transfers:in_done",
    "transfers:in_unreported",
    "transfers:in_history",
    "transfers:supervision",
    "members:list",
]


def some_transfers() -> dict[str, Transfer]:
    """wxy_zb1's members to ltx_zb1: one launched (at gxu), one at ltx, one received."""
    members = members_of(org_of("wxy_zb1"), 3)
    made = {}
    for stage, member in zip(("at_gxu", "at_ltx", "received"), members, strict=True):
        transfer = launch(draft_to(actor_for(org_of("wxy")), org_of("ltx_zb1"), member=member))
        if stage != "at_gxu":
            transfer = approve_all(transfer)
        if stage == "received":
            transfer = receive_service(transfer, org_of("ltx_zb1"))
        made[stage] = transfer
    return made

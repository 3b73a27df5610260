"""支部间转接: a committee moves members between its own branches in one step."""

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from members.models import Member, MemberState
from orgs.models import Organisation
from transfers.models import (
    EventAction,
    Transfer,
    TransferState,
    TransferType,
)
from transfers.services.base import (
    Actor,
    _now,
    _require,
    direct_branch_ids,
    record,
)

# -- 支部间转接 ------------------------------------------------------------------------------------


def move_between_branches(
    *,
    actor: Actor,
    members: Iterable[Member],
    to_branch: Organisation | None,
    confirmed: bool,
) -> list[Transfer]:
    """支部间转接: a committee moves members between two of its own branches in one step.

    Both branches must have this committee as their nearest committee. Each member's move is a
    finished transfer of type 支部间转接 (no path, no letter), in both branches' history.
    """
    _require(actor.org.is_committee, "支部间转接须由党委办理。")
    members = list(members)
    _require(bool(members), "请选择需要转接的党员。", "members")
    eligible = direct_branch_ids(actor.org)
    _require(to_branch is not None, "请选择转入支部。", "to_branch")
    _require(
        to_branch.pk in eligible and to_branch.is_active,
        "转入支部须为本党委直属（或直属党总支下）的党支部。",
        "to_branch",
    )
    _require(confirmed, "请确认支部间转接。", "confirmed")
    moved = []
    with transaction.atomic():
        now = _now()
        locked = Member.objects.select_for_update().select_related("branch")
        for member in locked.filter(pk__in=[m.pk for m in members]).order_by("pk"):
            _require(
                member.branch_id in eligible,
                f"{member.name}所在的{member.branch.name}不是本党委直属的党支部。",
                "members",
            )
            _require(
                member.branch_id != to_branch.pk,
                f"{member.name}已在{to_branch.name}，无需转接。",
                "to_branch",
            )
            _require(
                member.state == MemberState.NORMAL,
                f"{member.name}当前状态为“{member.get_state_display()}”，不能转接。",
                "members",
            )
            source = member.branch
            transfer = Transfer.objects.create(
                type=TransferType.BRANCH,
                state=TransferState.COMPLETED,
                member=member,
                member_name=member.name,
                id_number=member.id_number,
                source_branch=source,
                source_path=source.path,
                source_name=source.name,
                initiator=actor.org,
                initiator_path=actor.org.path,
                initiated_by=actor.user,
                target=to_branch,
                target_name=to_branch.name,
                receiver=actor.org,
                receiver_path=actor.org.path,
                dest_branch=to_branch,
                dest_path=to_branch.path,
                dues_paid_through=member.dues_paid_through,
                member_phone=member.phone,
                received_on=timezone.localdate(now),
                created_at=now,
                launched_at=now,
                reported_at=now,
                finished_at=now,
            )
            member.branch = to_branch
            member.save(update_fields=["branch", "updated_at"])
            record(
                transfer,
                actor,
                EventAction.DIRECT,
                "",
                data={"from": source.name, "to": to_branch.name},
                at=now,
            )
            moved.append(transfer)
    return moved

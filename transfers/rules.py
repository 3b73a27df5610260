"""Who may act on a transfer now: the one place that decides it.

The services ask ``require`` inside their transaction, on the locked row; the screens ask
``allowed_actions`` to offer only what would be accepted. Both read the same rule, so a button is
shown exactly when its POST would pass these checks (the services still check the input itself:
ticks, dates, branches).
"""

from __future__ import annotations

from enum import StrEnum

from django.utils import timezone

from orgs.models import Organisation
from transfers.errors import StaleTransfer, TransferError
from transfers.models import StepRole, StepState, Transfer, TransferState, TransferStep


class Action(StrEnum):
    LAUNCH = "launch"  # 确认发起
    APPROVE = "approve"  # 同意
    REJECT = "reject"  # 不同意
    CHANGE = "change"  # 更改
    RECEIVE = "receive"  # 接收
    CONCLUDE = "conclude"  # 办结
    REVOKE = "revoke"  # 撤销
    RELAUNCH = "relaunch"  # 重新发起
    REPORT = "report"  # 报到
    SEND_BACK = "send_back"  # 退回
    RECEIPT = "receipt"  # 登记回执
    REISSUE = "reissue"  # 换发介绍信


# The actions taken at the node whose turn it is, and the step role each needs (None: any).
NODE_ROLES: dict[Action, StepRole | None] = {
    Action.APPROVE: StepRole.APPROVE,
    Action.RECEIVE: StepRole.RECEIVE,
    Action.CONCLUDE: StepRole.CONCLUDE,
    Action.REJECT: None,
    Action.CHANGE: None,
}
# A node's states once its organisation has decided (同意, 更改, 不同意, 接收, 办结).
ACTED = (
    StepState.APPROVED,
    StepState.CHANGED,
    StepState.REJECTED,
    StepState.RECEIVED,
    StepState.CONCLUDED,
)
REVOCABLE = (TransferState.DRAFT, TransferState.IN_PROGRESS, TransferState.RETURNED)
# A member not yet reported may need a letter that is valid again (换发介绍信).
REISSUABLE = (TransferState.IN_PROGRESS, TransferState.RECEIVED)


def pending_step(
    transfer: Transfer, steps: list[TransferStep] | None = None
) -> TransferStep | None:
    """The step waiting for its organisation's decision, if the transfer is under way: found
    in ``steps`` when the caller has read the transfer's steps, else read."""
    if transfer.state != TransferState.IN_PROGRESS:
        return None
    if steps is not None:
        return next((s for s in steps if s.state == StepState.PENDING), None)
    return transfer.steps.filter(state=StepState.PENDING).select_related("org").first()


def _refuse(message: str) -> None:
    raise TransferError(message)


def _has_acted(transfer: Transfer, org: Organisation) -> bool:
    """Whether ``org`` had a node of this round that is behind the transfer now."""
    return transfer.steps.filter(round=transfer.round, org=org).filter(state__in=ACTED).exists()


def stale(transfer: Transfer) -> StaleTransfer:
    """The refusal of a click that came second: who acted first, when, and what they did.

    Read from the latest entry of the event log, so it names the organisation, not a state.
    """
    event = transfer.events.select_related("org").order_by("-at", "-pk").first()
    if event is None:
        return StaleTransfer("该转接已由其他人办理，请刷新页面后查看。")
    at = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M")
    return StaleTransfer(
        f"该转接已由{event.org.name}于 {at} 办理（{event.get_action_display()}），"
        f"当前状态为“{transfer.get_state_display()}”，请刷新页面后查看。"
    )


def require(
    transfer: Transfer,
    org: Organisation,
    action: Action,
    *,
    step: TransferStep | None = None,
    explain: bool = True,
) -> TransferStep | None:
    """Raise ``TransferError`` (``StaleTransfer`` when someone else moved first) unless ``org``
    may take ``action`` on ``transfer`` now. For a node's action, return the pending step.

    ``step`` is the pending step when the caller has read it already (it saves a query).
    ``explain=False`` skips reading the event log for the refusal's sentence (for ``may``).
    """
    state = transfer.state
    if action in NODE_ROLES:
        if state != TransferState.IN_PROGRESS:
            if explain and state != TransferState.DRAFT:
                raise stale(transfer)
            raise StaleTransfer(
                f"该转接当前状态为“{transfer.get_state_display()}”，不能办理此操作。"
            )
        step = step or pending_step(transfer)
        if step is None or step.org_id != org.pk:
            if explain and (step is None or _has_acted(transfer, org)):
                raise stale(transfer)  # this organisation's turn has passed: say who moved it
            where = f"：该转接正在{step.org.name}办理" if step is not None else ""
            raise StaleTransfer(f"当前不是本党组织的办理环节{where}。")
        role = NODE_ROLES[action]
        if role is not None and step.role != role:
            _refuse(f"本节点的职责是“{step.get_role_display()}”，不能办理此操作。")
        return step
    if action == Action.LAUNCH:
        if state != TransferState.DRAFT:
            _refuse(
                "该申请已撤销，不能发起。"
                if state == TransferState.REVOKED
                else "该转接已发起，不能重复发起。"
            )
        if transfer.initiator_id != org.pk:
            _refuse("只有发起党组织可以确认发起。")
    elif action == Action.RELAUNCH:
        if state != TransferState.RETURNED:
            _refuse("只有被退回的转接可以重新发起。")
        if transfer.initiator_id != org.pk:
            _refuse("只有发起党组织可以重新发起。")
    elif action == Action.REVOKE:
        if transfer.initiator_id != org.pk:
            _refuse("只有发起党组织可以撤销该转接。")
        if state == TransferState.RECEIVED:
            _refuse("该党员已被接收，不能撤销；如需退回，请由接收党委在“未报到”中办理退回。")
        if state not in REVOCABLE:
            _refuse(f"该转接已{transfer.get_state_display()}，不能撤销。")
    elif action == Action.REPORT:
        if state != TransferState.RECEIVED:
            _refuse(f"该转接当前状态为“{transfer.get_state_display()}”，不能办理报到。")
        if not transfer.dest_path.startswith(org.path):
            _refuse("只有转入支部或其上级党委可以办理报到。")
    elif action == Action.SEND_BACK:
        if not org.is_committee:
            _refuse("党支部只能办理报到，退回须由党委办理。")
        if state != TransferState.RECEIVED:
            _refuse(f"该转接当前状态为“{transfer.get_state_display()}”，不能退回。")
        if not transfer.dest_path.startswith(org.path):
            _refuse("只有接收方党委可以退回该党员。")
    elif action == Action.REISSUE:
        # The letter is the initiating organisation's document (its seal, its serial number):
        # it alone issues a new version, whether the member is still on the way or received
        # and not yet reported; the other side asks it to.
        if state not in REISSUABLE:
            _refuse("只有转接中或未报到的转接可以换发介绍信。")
        if transfer.initiator_id != org.pk:
            _refuse("介绍信由开具介绍信的发起党组织换发，请联系发起党组织。")
        letter = transfer.current_letter
        if letter is None or letter.expires_on >= timezone.localdate():
            _refuse("介绍信尚在有效期内，无需换发。")
    elif action == Action.RECEIPT:
        if state != TransferState.CONCLUDED or not transfer.out_of_system:
            _refuse("只有已办结、转出到系统外的转接需要登记纸质回执。")
        if org.pk not in (transfer.receiver_id, transfer.initiator_id):
            _refuse("回执由办结党组织或发起党组织登记。")
    return None


def may(
    transfer: Transfer, org: Organisation, action: Action, *, step: TransferStep | None = None
) -> bool:
    try:
        require(transfer, org, action, step=step, explain=False)
    except TransferError:
        return False
    return True


def allowed_actions(
    transfer: Transfer, org: Organisation, steps: list[TransferStep] | None = None
) -> dict[str, bool]:
    """Every action, with whether ``org`` may take it now (one query for the pending step,
    none when the caller gives the transfer's ``steps``)."""
    step = pending_step(transfer, steps)
    return {action.value: may(transfer, org, action, step=step) for action in Action}

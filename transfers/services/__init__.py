"""The transfer workflow: one function per action of a transfer's life cycle.

Each action runs in one transaction, locks the transfer row (``select_for_update``), asks
``transfers.rules`` whether the acting organisation may do it now, changes what it changes, and
appends a ``TransferEvent``. A forbidden move raises ``TransferError`` with a message for the user.

The modules follow the life of a transfer:
- ``outbound``: 转出申请, 确认发起, 重新发起;
- ``nodes``: 同意, 不同意, 更改, 接收, 办结;
- ``closing``: 撤销, 报到, 退回, 找回;
- ``inbound``: 跨省（系统）转入; ``branch_move``: 支部间转接; ``receipts``: 回执;
- ``batch``: 批量同意 / 接收 / 报到, a loop over the single actions;
- ``letters``: 换发介绍信;
- ``base``: what they share.
"""

from transfers.services.base import (
    CONFIRM_CHECKED,
    CONFIRM_LAUNCH,
    CONFIRM_REPORTED,
    Actor,
    LetterInput,
    check_phone,
    direct_branch,
    direct_branch_ids,
    direct_branches,
    lock,
    record,
    transferable_members,
)
from transfers.services.batch import (
    BATCH_LIMIT,
    BatchResult,
    Row,
    batch_approve,
    batch_receive,
    batch_report,
)
from transfers.services.branch_move import move_between_branches
from transfers.services.closing import report, retrievable, retrieve, revoke, send_back
from transfers.services.inbound import InboundMember, draft_inbound, inbound_member_from
from transfers.services.letters import reissue_letter
from transfers.services.nodes import approve, change_target, conclude, receive, reject
from transfers.services.outbound import draft, launch, relaunch
from transfers.services.receipts import record_paper_receipt

__all__ = [
    "BATCH_LIMIT",
    "CONFIRM_CHECKED",
    "CONFIRM_LAUNCH",
    "CONFIRM_REPORTED",
    "Actor",
    "BatchResult",
    "InboundMember",
    "LetterInput",
    "Row",
    "approve",
    "batch_approve",
    "batch_receive",
    "batch_report",
    "change_target",
    "check_phone",
    "conclude",
    "direct_branch",
    "direct_branch_ids",
    "direct_branches",
    "draft",
    "draft_inbound",
    "inbound_member_from",
    "launch",
    "lock",
    "move_between_branches",
    "receive",
    "record",
    "record_paper_receipt",
    "reissue_letter",
    "reject",
    "relaunch",
    "report",
    "retrievable",
    "retrieve",
    "revoke",
    "send_back",
    "transferable_members",
]

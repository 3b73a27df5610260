"""The states, roles and actions of a transfer and its steps (the models' choices)."""

from django.db import models


class TransferType(models.TextChoices):
    COUNTY = "county", "县内直接转接"
    PROVINCE = "province", "省内（系统内）转接"
    NATIONAL = "national", "全国直接转接"
    BRANCH = "branch", "支部间转接"
    INBOUND = "inbound", "跨省（系统）转入"


class InboundKind(models.TextChoices):
    """跨省（系统）转入: whether the member comes from another province or another system
    (自建系统、隐蔽党组织…); the manual's 选择转接类型 on that page."""

    PROVINCE = "province", "跨省转入"
    SYSTEM = "system", "跨系统转入"


class TransferState(models.TextChoices):
    DRAFT = "draft", "待发起"
    IN_PROGRESS = "in_progress", "审批中"
    RETURNED = "returned", "已退回"
    RECEIVED = "received", "未报到"
    COMPLETED = "completed", "已完成"
    CONCLUDED = "concluded", "已办结"
    REVOKED = "revoked", "已撤销"
    RETRIEVED = "retrieved", "已找回"


UNFINISHED_STATES = (
    TransferState.DRAFT,
    TransferState.IN_PROGRESS,
    TransferState.RETURNED,
    TransferState.RECEIVED,
)
# 历史: transfers that reached their end in the member's favour (revoked ones are not history).
HISTORY_STATES = (TransferState.COMPLETED, TransferState.CONCLUDED, TransferState.RETRIEVED)


class StepRole(models.TextChoices):
    INITIATE = "initiate", "发起"
    APPROVE = "approve", "审批"
    RECEIVE = "receive", "接收"
    CONCLUDE = "conclude", "办结"


class StepState(models.TextChoices):
    WAITING = "waiting", "未到达"
    PENDING = "pending", "待办理"
    LAUNCHED = "launched", "已发起"
    APPROVED = "approved", "同意"
    CHANGED = "changed", "更改"
    REJECTED = "rejected", "不同意"
    RETURNED = "returned", "已退回"
    RECEIVED = "received", "已接收"
    CONCLUDED = "concluded", "已办结"
    SUPERSEDED = "superseded", "路径已更改"
    CANCELLED = "cancelled", "已取消"


ACTED_STEP_STATES = (
    StepState.LAUNCHED,
    StepState.APPROVED,
    StepState.CHANGED,
    StepState.REJECTED,
    StepState.RECEIVED,
    StepState.CONCLUDED,
)


class Direction(models.TextChoices):
    """Which side of the subsystem a step belongs to: 转出 (the member leaves this org's subtree,
    or this org is the top of the route) or 接收 (the member enters it)."""

    OUT = "out", "转出"
    IN = "in", "接收"


class EventAction(models.TextChoices):
    DRAFT = "draft", "填写转接申请"
    LAUNCH = "launch", "确认发起"
    APPROVE = "approve", "同意"
    REJECT = "reject", "不同意"
    RETURN_STEP = "return_step", "逐级退回"
    CHANGE = "change", "更改"
    RECEIVE = "receive", "接收"
    CONCLUDE = "conclude", "办结"
    REVOKE = "revoke", "撤销"
    REPORT = "report", "报到"
    SEND_BACK = "send_back", "退回"
    RETRIEVE = "retrieve", "找回"
    RELAUNCH = "relaunch", "重新发起"
    DIRECT = "direct", "支部间转接"
    SUPERVISE = "supervise", "督办"
    RECEIPT = "receipt", "登记回执"
    PUBLISH = "publish", "发布到业务交换区"
    REISSUE = "reissue", "换发介绍信"

"""组织关系转接: transfers, the steps of their path, their append-only event log, and letters."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.idcard import mask_id_number
from members.models import Gender, Member, PartyStatus
from orgs.fields import PathField
from orgs.models import Organisation


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


class TransferQuerySet(models.QuerySet):
    def unfinished(self) -> TransferQuerySet:
        return self.filter(state__in=UNFINISHED_STATES)

    def from_subtree_of(self, org: Organisation) -> TransferQuerySet:
        return self.filter(source_path__startswith=org.path)

    def into_subtree_of(self, org: Organisation) -> TransferQuerySet:
        return self.filter(dest_path__startswith=org.path)


class Transfer(models.Model):
    """One member's move from one organisation to another (组织关系转接)."""

    type = models.CharField("转接类型", max_length=16, choices=TransferType.choices)
    state = models.CharField(
        "状态", max_length=16, choices=TransferState.choices, default=TransferState.DRAFT
    )
    # The member; empty only for a 跨省（系统）转入 before the member is received.
    member = models.ForeignKey(
        Member,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transfers",
        verbose_name="党员",
    )
    # Copies of the member's name and ID number, for single-table list searches.
    member_name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18)
    # Where the member came from: a branch in the tree, or a typed name (跨省（系统）转入).
    source_branch = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转出党支部",
    )
    source_path = PathField(max_length=255, blank=True, default="")
    source_name = models.CharField("转出党组织", max_length=200)
    initiator = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="发起党组织"
    )
    initiator_path = PathField(max_length=255)
    initiated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="发起人",
    )
    # Where the member goes: an organisation in the tree, or a typed name (out of the system).
    target = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="目的地党组织",
    )
    target_name = models.CharField("目的地党组织名称", max_length=200)
    out_of_system = models.BooleanField("转出到系统外", default=False)
    # The last node of the path: the receiving committee (接收) or the concluding one (办结).
    receiver = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="接收/办结党组织",
    )
    receiver_path = PathField(max_length=255, blank=True, default="")
    # Set at 接收: the branch the member joins.
    dest_branch = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转入支部",
    )
    dest_path = PathField(max_length=255, blank=True, default="")
    # The path generation (退回后重新发起 starts a new round) and an optimistic-lock counter that
    # every action increments, so a stale form is recognised.
    round = models.PositiveIntegerField("轮次", default=1)
    version = models.PositiveIntegerField("版本", default=1)

    # 电子介绍信 inputs, copied into each issued Letter.
    dues_paid_through = models.DateField("党费交至")
    validity_days = models.PositiveSmallIntegerField("有效期（天）", default=90)
    member_phone = models.CharField("党员联系电话", max_length=20, blank=True)
    letter_remarks = models.CharField("介绍信备注", max_length=500, blank=True)
    # For 跨省（系统）转入: the member as typed from the paper letter (or from the exchange zone).
    inbound_member = models.JSONField("转入党员信息", null=True, blank=True)
    origin_letter_number = models.CharField("原介绍信编号", max_length=40, blank=True)
    via_exchange = models.BooleanField("通过业务交换区转入", default=False)
    inbound_kind = models.CharField(
        "转入类型", max_length=10, choices=InboundKind.choices, blank=True, default=""
    )

    # 接收 details.
    received_on = models.DateField("转入本组织时间", null=True, blank=True)
    receive_handler_phone = models.CharField("转入办理人员联系电话", max_length=20, blank=True)
    receive_remarks = models.CharField("备注", max_length=500, blank=True)

    created_at = models.DateTimeField("创建时间", default=timezone.now)
    launched_at = models.DateTimeField("发起时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    reported_at = models.DateTimeField("报到时间", null=True, blank=True)
    return_reason = models.CharField("退回原因", max_length=500, blank=True)

    objects = TransferQuerySet.as_manager()

    class Meta:
        verbose_name = "组织关系转接"
        verbose_name_plural = "组织关系转接"
        constraints = [
            models.UniqueConstraint(
                fields=["id_number"],
                condition=Q(state__in=UNFINISHED_STATES),
                name="transfers_one_open_per_member",
            ),
        ]
        indexes = [
            models.Index(
                fields=["source_path", "-finished_at", "-id"],
                condition=Q(state__in=HISTORY_STATES),
                name="transfers_out_history_idx",
            ),
            models.Index(
                fields=["dest_path", "-finished_at", "-id"],
                condition=Q(state=TransferState.COMPLETED),
                name="transfers_in_history_idx",
            ),
            # The same lists newest first across everything: a province's page walks this
            # index and stops after a page of matches; a small subtree uses the path index.
            # The path is included so that the walk (and the page's keys, orgs.paging) is read
            # from the index alone, without visiting the rows it passes.
            models.Index(
                fields=["-finished_at", "-id"],
                include=["source_path"],
                condition=Q(state__in=HISTORY_STATES),
                name="transfers_out_recent_idx",
            ),
            models.Index(
                fields=["-finished_at", "-id"],
                include=["dest_path"],
                condition=Q(state=TransferState.COMPLETED),
                name="transfers_in_recent_idx",
            ),
            models.Index(
                fields=["-received_on", "-id"],
                include=["dest_path"],
                condition=Q(state=TransferState.RECEIVED),
                name="transfers_unrep_recent_idx",
            ),
            models.Index(
                fields=["dest_path", "-received_on", "-id"],
                condition=Q(state=TransferState.RECEIVED),
                name="transfers_not_reported_idx",
            ),
            models.Index(
                fields=["initiator", "-id"],
                condition=Q(state=TransferState.RETURNED),
                name="transfers_returned_idx",
            ),
            models.Index(
                fields=["source_path", "-id"],
                condition=Q(state__in=UNFINISHED_STATES),
                name="transfers_out_progress_idx",
            ),
            models.Index(fields=["id_number"], name="transfers_id_number_idx"),
            models.Index(fields=["member_name"], name="transfers_member_name_idx"),
            # 工作督查's monthly chart below the counted levels (transfers.volume).
            models.Index(
                fields=["source_path", "launched_at"],
                condition=Q(launched_at__isnull=False),
                name="transfers_out_month_idx",
            ),
            models.Index(
                fields=["dest_path", "received_on"],
                condition=Q(received_on__isnull=False),
                name="transfers_in_month_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_name}：{self.source_name} → {self.target_name}"

    @property
    def is_finished(self) -> bool:
        return self.state not in UNFINISHED_STATES

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def gender_display(self) -> str:
        if self.member_id:
            return self.member.get_gender_display()
        return Gender(self.inbound_member["gender"]).label if self.inbound_member else ""

    @property
    def current_letter(self) -> Letter | None:
        """The current letter, from the lists' prefetch when there is one."""
        if hasattr(self, "current_letters"):
            return self.current_letters[0] if self.current_letters else None
        return self.letters.filter(is_current=True).first()

    @property
    def current_org(self) -> Organisation | None:
        """The organisation whose turn it is (当前办理党组织), from the lists' prefetch."""
        if hasattr(self, "pending_steps"):
            return self.pending_steps[0].org if self.pending_steps else None
        step = self.pending_step
        return step.org if step else None

    @property
    def route(self) -> list[TransferStep]:
        """This round's path, in order, from the lists' ``route_steps`` prefetch."""
        return [step for step in self.route_steps if step.round == self.round]

    @property
    def where_now(self) -> TransferStep | None:
        """The step waiting for its organisation, from the ``route_steps`` prefetch."""
        return next((s for s in self.route_steps if s.state == StepState.PENDING), None)

    def current_steps(self) -> models.QuerySet[TransferStep]:
        return self.steps.filter(round=self.round).order_by("order")

    @property
    def pending_step(self) -> TransferStep | None:
        return self.steps.filter(state=StepState.PENDING).select_related("org").first()


class TransferStepQuerySet(models.QuerySet):
    def pending_at(self, org: Organisation) -> TransferStepQuerySet:
        return self.filter(org=org, state=StepState.PENDING)


class TransferStep(models.Model):
    """One organisation on a transfer's path (转接路径), with what it did there."""

    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="steps", verbose_name="转接"
    )
    round = models.PositiveIntegerField("轮次")
    order = models.PositiveIntegerField("顺序")
    org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="党组织"
    )
    org_path = PathField(max_length=255)
    role = models.CharField("职责", max_length=16, choices=StepRole.choices)
    direction = models.CharField("方向", max_length=4, choices=Direction.choices)
    state = models.CharField(
        "状态", max_length=16, choices=StepState.choices, default=StepState.WAITING
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="办理人",
    )
    acted_at = models.DateTimeField("办理时间", null=True, blank=True)
    opinion = models.CharField("意见", max_length=500, blank=True)
    pending_since = models.DateTimeField("到达时间", null=True, blank=True)
    due_at = models.DateTimeField("办理期限", null=True, blank=True)

    objects = TransferStepQuerySet.as_manager()

    class Meta:
        verbose_name = "转接路径节点"
        verbose_name_plural = "转接路径节点"
        ordering = ["round", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["transfer", "round", "order"], name="transfers_step_unique_order"
            ),
            # Exactly one organisation holds a transfer at a time.
            models.UniqueConstraint(
                fields=["transfer"],
                condition=Q(state=StepState.PENDING),
                name="transfers_one_pending_step",
            ),
        ]
        indexes = [
            models.Index(
                fields=["org", "direction", "-pending_since", "-id"],
                condition=Q(state=StepState.PENDING),
                name="transfers_step_todo_idx",
            ),
            models.Index(fields=["org", "direction", "state"], name="transfers_step_done_idx"),
            models.Index(
                fields=["org_path", "pending_since"],
                include=["id"],  # 超期未办's page keys from the index alone (orgs.paging)
                condition=Q(state=StepState.PENDING),
                name="transfers_step_waiting_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.org} {self.get_role_display()}（{self.get_state_display()}）"

    @property
    def waiting_days(self) -> int:
        """Whole days since the step reached its organisation (已等待天数)."""
        if self.pending_since is None:
            return 0
        return (timezone.now() - self.pending_since).days


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


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("转接日志只能追加，不能修改。")

    def delete(self):
        raise TypeError("转接日志只能追加，不能删除。")


class TransferEvent(models.Model):
    """The append-only log: one row per thing that happened to a transfer.

    The model refuses updates and deletes; on PostgreSQL a trigger refuses them in the database
    too (migration 0002), so not even a raw UPDATE gets through.
    """

    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="events", verbose_name="转接"
    )
    step = models.ForeignKey(
        TransferStep,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name="节点",
    )
    action = models.CharField("操作", max_length=16, choices=EventAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="操作党组织"
    )
    at = models.DateTimeField("时间", default=timezone.now)
    opinion = models.CharField("意见", max_length=500, blank=True)
    state_before = models.CharField("操作前状态", max_length=16, blank=True)
    state_after = models.CharField("操作后状态", max_length=16)
    data = models.JSONField("详情", default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "转接日志"
        verbose_name_plural = "转接日志"
        # Appended in order: the id is the sequence (several events can share one instant).
        ordering = ["id"]
        indexes = [models.Index(fields=["transfer", "id"], name="transfers_event_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.org} {self.get_action_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("转接日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("转接日志只能追加，不能删除。")

    @property
    def state_before_label(self) -> str:
        return TransferState(self.state_before).label if self.state_before else "—"

    @property
    def state_after_label(self) -> str:
        return TransferState(self.state_after).label


def replay(events) -> str | None:
    """The state a transfer's events lead to, checking each starts where the last one ended."""
    state = None
    for event in events:
        if state is not None and event.state_before != state:
            raise ValueError(f"事件 {event.pk} 的操作前状态 {event.state_before} 与 {state} 不符")
        state = event.state_after
    return state


class Letter(models.Model):
    """电子介绍信: the official three-part form (存根 / 介绍信 / 回执), one serial number.

    Issued at 确认发起; 更改 or 重新发起 issue a new version with the same serial
    number, and the old version is kept. Everything printed is a snapshot taken at issue.
    """

    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="letters", verbose_name="转接"
    )
    issuer = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="开具党组织"
    )
    year = models.PositiveSmallIntegerField("年度")
    sequence = models.PositiveIntegerField("序号")
    version = models.PositiveSmallIntegerField("版本", default=1)
    serial_number = models.CharField("介绍信编号", max_length=60)
    is_current = models.BooleanField("当前版本", default=True)
    verification_code = models.CharField("验证码", max_length=16, unique=True)

    addressee = models.CharField("抬头（接收党组织）", max_length=200)
    member_name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices)
    age = models.PositiveSmallIntegerField("年龄")
    ethnicity = models.CharField("民族", max_length=20)
    party_status = models.CharField("党员类别", max_length=12, choices=PartyStatus.choices)
    id_number = models.CharField("身份证号", max_length=18)
    from_org_name = models.CharField("由（转出党组织）", max_length=200)
    to_org_name = models.CharField("去（转入党组织）", max_length=200)
    dues_paid_through = models.DateField("党费已交到")
    validity_days = models.PositiveSmallIntegerField("有效期（天）")
    member_phone = models.CharField("党员联系电话", max_length=20, blank=True)
    sender_address = models.CharField("党委通讯地址", max_length=200, blank=True)
    sender_phone = models.CharField("党委联系电话", max_length=40, blank=True)
    sender_fax = models.CharField("传真", max_length=40, blank=True)
    sender_postcode = models.CharField("邮编", max_length=6, blank=True)
    seal_org_name = models.CharField("盖章党组织", max_length=200)
    issued_on = models.DateField("开具日期")
    expires_on = models.DateField("有效期至")
    remarks = models.CharField("备注", max_length=500, blank=True)

    # 回执: electronic at 接收, or the paper one recorded for transfers out of the system.
    receipt_org_name = models.CharField("回执党组织", max_length=200, blank=True)
    receipt_on = models.DateField("回执日期", null=True, blank=True)
    receipt_handler = models.CharField("经办人", max_length=50, blank=True)
    receipt_handler_phone = models.CharField("经办人联系电话", max_length=20, blank=True)
    receipt_is_paper = models.BooleanField("纸质回执", default=False)

    created_at = models.DateTimeField("创建时间", default=timezone.now)

    class Meta:
        verbose_name = "电子介绍信"
        verbose_name_plural = "电子介绍信"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "sequence", "version"],
                name="transfers_letter_unique_serial_version",
            ),
            models.UniqueConstraint(
                fields=["transfer"],
                condition=Q(is_current=True),
                name="transfers_one_current_letter",
            ),
        ]
        indexes = [models.Index(fields=["serial_number"], name="transfers_letter_serial_idx")]

    def __str__(self) -> str:
        return f"介绍信 {self.serial_number}（第{self.version}版）"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def days_left(self, today: dt.date | None = None) -> int:
        today = today or timezone.localdate()
        return (self.expires_on - today).days


class Reminder(models.Model):
    """督办: a superior organisation asks the one whose turn it is to act on a step.

    It shows on the responsible organisation's 首页 until that step moves.
    """

    step = models.ForeignKey(
        TransferStep, on_delete=models.PROTECT, related_name="reminders", verbose_name="节点"
    )
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, related_name="reminders", verbose_name="转接"
    )
    org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="被督办党组织"
    )
    created_by_org = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name="督办党组织"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="督办人"
    )
    message = models.CharField("督办意见", max_length=200, blank=True)
    created_at = models.DateTimeField("督办时间", default=timezone.now)

    class Meta:
        verbose_name = "督办"
        verbose_name_plural = "督办"
        indexes = [models.Index(fields=["org", "-created_at"], name="transfers_reminder_org_idx")]

    def __str__(self) -> str:
        return f"督办 {self.org}：{self.transfer}"


class ExchangePackage(models.Model):
    """业务交换区: what a system publishes when a 全国 transfer leaves it (办结), for the
    receiving system to import once (跨省（系统）转入, 通过业务交换区转入 = 是).

    ``payload`` holds the member and the letter; ``signature`` is the publishing deployment's
    Ed25519 signature over it, so a package carried as a file between unconnected deployments
    can be checked for tampering.
    """

    package_id = models.UUIDField("交换包编号", unique=True)
    origin_system = models.CharField("发布系统", max_length=40)
    source_transfer = models.OneToOneField(
        Transfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="exchange_package",
        verbose_name="转出转接",
    )
    id_number = models.CharField("身份证号", max_length=18)
    letter_serial = models.CharField("介绍信编号", max_length=60)
    payload = models.JSONField("内容")
    signature = models.TextField("签名")
    published_at = models.DateTimeField("发布时间", default=timezone.now)
    received_as_file = models.BooleanField("以文件导入", default=False)
    # The receiving side, chosen at 办结 and signed with the payload: the receiving deployment
    # (its EXCHANGE_SYSTEM_ID) and the code of the organisation there whose subtree may find,
    # open and import the package (a province committee, or another committee with 全国 authority).
    receiver_system = models.CharField("接收系统", max_length=40, blank=True, default="")
    receiver_code = models.CharField("接收党组织代码", max_length=32, blank=True, default="")
    receiver_name = models.CharField("接收党组织", max_length=200, blank=True, default="")
    claimed_at = models.DateTimeField("使用时间", null=True, blank=True)
    claimed_by_org = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转入党组织",
    )
    claimed_transfer = models.ForeignKey(
        Transfer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="转入转接",
    )
    # 找回 on the publishing side withdraws the package: the member is back there.
    withdrawn_at = models.DateTimeField("撤回时间", null=True, blank=True)

    class Meta:
        verbose_name = "业务交换包"
        verbose_name_plural = "业务交换包"
        indexes = [
            models.Index(fields=["id_number", "letter_serial"], name="transfers_exchange_find_idx"),
            models.Index(
                fields=["receiver_system", "receiver_code"], name="transfers_exchange_to_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"交换包 {self.letter_serial}"

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def is_claimed(self) -> bool:
        return self.claimed_at is not None

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None


# Kept by database triggers (migration 0008); defined beside the code that reads it.
from transfers.volume import VolumeCount  # noqa: E402, F401

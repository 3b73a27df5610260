"""组织关系转接: the transfer itself, one member's move."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.idcard import mask_id_number
from members.models import Gender, Member
from ops.choices import ChoiceLabels
from orgs.fields import PathField
from orgs.models import Organisation
from transfers.models.choices import (
    HISTORY_STATES,
    UNFINISHED_STATES,
    InboundKind,
    StepState,
    TransferState,
    TransferType,
)

if TYPE_CHECKING:
    from transfers.models.letters import Letter
    from transfers.models.steps import TransferStep


def days_until(expires_on: dt.date, today: dt.date | None = None) -> int:
    """Days a letter expiring on ``expires_on`` is still valid (negative: expired)."""
    return (expires_on - (today or timezone.localdate())).days


class TransferQuerySet(models.QuerySet):
    def unfinished(self) -> TransferQuerySet:
        return self.filter(state__in=UNFINISHED_STATES)

    def from_subtree_of(self, org: Organisation) -> TransferQuerySet:
        return self.filter(source_path__startswith=org.path)

    def into_subtree_of(self, org: Organisation) -> TransferQuerySet:
        return self.filter(dest_path__startswith=org.path)


class Transfer(ChoiceLabels, models.Model):
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
    # The current letter's last day, kept with the transfer when a letter is issued (工作督查's
    # 超期未报到 counts a province's received members by it, from an index, not via letters).
    # Transfers finished before it existed have none (migration 0011 filled the unfinished).
    letter_expires_on = models.DateField("介绍信有效期至", null=True, blank=True, editable=False)
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
                fields=["dest_path", "letter_expires_on"],
                condition=Q(state=TransferState.RECEIVED),
                name="transfers_unrep_expiry_idx",
            ),
            # 转出 · 待办工作's own applications (drafts and returns) and its badge: the few an
            # initiator has open, not every transfer it ever launched.
            models.Index(
                fields=["initiator", "-id"],
                condition=Q(state__in=[TransferState.DRAFT, TransferState.RETURNED]),
                name="transfers_own_work_idx",
            ),
            models.Index(
                fields=["source_path", "-id"],
                condition=Q(state__in=UNFINISHED_STATES),
                name="transfers_out_progress_idx",
            ),
            # 工作督查's 办结后未收到回执: transfers concluded out of the system that a subtree
            # sent or concluded — an OR of two paths, each answered by its own small index
            # (without them PostgreSQL scanned every transfer once letters existed: 0.7 s).
            models.Index(
                fields=["source_path", "finished_at", "id"],
                condition=Q(state=TransferState.CONCLUDED, out_of_system=True),
                name="transfers_unreceipted_out_idx",
            ),
            models.Index(
                fields=["receiver_path", "finished_at", "id"],
                condition=Q(state=TransferState.CONCLUDED, out_of_system=True),
                name="transfers_unreceipted_by_idx",
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
            # 工作督查's 已办结 per subordinate below the counted levels: the period's
            # transfers out of (into) the subtree counted from the index alone (a large
            # committee finishes tens of thousands a year; read row by row, 50 ms).
            models.Index(
                fields=["source_path", "finished_at"],
                condition=Q(state__in=[TransferState.COMPLETED, TransferState.CONCLUDED]),
                name="transfers_out_done_idx",
            ),
            models.Index(
                fields=["dest_path", "finished_at"],
                condition=Q(state=TransferState.COMPLETED) & ~Q(type=TransferType.BRANCH),
                name="transfers_in_done_idx",
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

    # A list row reads the member's gender, the receiving branch's name and the current
    # letter's expiry as values of its own query (``selectors.row_values``: row_gender,
    # row_dest_branch, row_letter_expires); elsewhere they come from the related rows.

    @property
    def gender_display(self) -> str:
        if "row_gender" in self.__dict__ and self.row_gender:
            return Gender(self.row_gender).label
        if self.member_id:
            return self.member.get_gender_display()
        return Gender(self.inbound_member["gender"]).label if self.inbound_member else ""

    @property
    def dest_branch_name(self) -> str:
        """接收党支部's name, or "" while no branch has received the member."""
        if "row_dest_branch" in self.__dict__:
            return self.row_dest_branch or ""
        return self.dest_branch.name if self.dest_branch_id else ""

    def letter_days_left(self) -> int | None:
        """Days the current letter is still valid (negative: expired), None without one."""
        if "row_letter_expires" in self.__dict__:
            expires = self.row_letter_expires
            return None if expires is None else days_until(expires)
        letter = self.current_letter
        return None if letter is None else letter.days_left()

    @property
    def current_letter(self) -> Letter | None:
        """The current letter, from the lists' prefetch when there is one."""
        if hasattr(self, "current_letters"):
            return self.current_letters[0] if self.current_letters else None
        from transfers.models.letters import current_letter_of  # Letter is defined after this

        return current_letter_of(self)

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
        from transfers.models.steps import pending_step_of  # TransferStep is defined after this

        return pending_step_of(self)

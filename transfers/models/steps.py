"""转接路径: the organisations on a transfer's path, one step each."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from ops.choices import ChoiceLabels
from ops.compiled import Compiled
from orgs.fields import PathField
from orgs.models import Organisation
from transfers.models.choices import Direction, StepRole, StepState
from transfers.models.transfer import Transfer


class TransferStepQuerySet(models.QuerySet):
    def pending_at(self, org: Organisation) -> TransferStepQuerySet:
        return self.filter(org=org, state=StepState.PENDING)


class TransferStep(ChoiceLabels, models.Model):
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
    # The transfer is on its way (not yet 已完成, 已办结, 已撤销 or 已找回): kept on its steps so
    # that 已办工作 reads an organisation's steps of transfers in flight from an index, not
    # every step it ever took (services.base._save clears it when the transfer finishes).
    transfer_open = models.BooleanField("转接未结束", default=True, editable=False)

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
            # 已办工作: an organisation's steps of the transfers in flight, newest transfer
            # first, read from the index alone (what the list filters on is included).
            models.Index(
                fields=["org", "direction", "-transfer"],
                include=["state", "actor"],
                condition=Q(transfer_open=True),
                name="transfers_step_open_idx",
            ),
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


# The step waiting for its organisation, by the transfer's key, compiled once: the sentence
# after an action says where the transfer went (``Transfer.pending_step``).
_PENDING = Compiled(
    lambda pk: (
        TransferStep.objects.filter(transfer_id=pk, state=StepState.PENDING)
        .select_related("org")
        .order_by("pk")[:1]
    )
)


def pending_step_of(transfer: Transfer) -> TransferStep | None:
    steps = _PENDING.all(pk=transfer.pk, known={"transfer": transfer})
    return steps[0] if steps else None

"""转接日志: the append-only log of what happened to a transfer, and its replay."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.dispatch import Signal
from django.utils import timezone

from ops.choices import ChoiceLabels
from orgs.models import Organisation
from transfers.models.choices import EventAction, TransferState
from transfers.models.steps import TransferStep
from transfers.models.transfer import Transfer

# Sent with ``events=[...]`` after several events are written in one statement (bulk_create
# sends no ``post_save``), so that the audit trail follows them likewise.
events_recorded = Signal()


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("转接日志只能追加，不能修改。")

    def delete(self):
        raise TypeError("转接日志只能追加，不能删除。")


class TransferEvent(ChoiceLabels, models.Model):
    """The append-only log: one row per thing that happened to a transfer.

    The model refuses updates and deletes; on PostgreSQL a trigger refuses them in the database
    too (migration 0002), so not even a raw UPDATE gets through.
    """

    # No index of its own: ``transfers_event_idx`` (transfer, id) starts with it and serves the
    # log's reads and the key's checks (a second one cost 281 MB at national size and a write
    # per event).
    transfer = models.ForeignKey(
        Transfer,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name="转接",
        db_index=False,
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

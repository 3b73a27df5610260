"""督办: reminders from a superior organisation to the one whose turn it is."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from orgs.models import Organisation
from transfers.models.steps import TransferStep
from transfers.models.transfer import Transfer


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

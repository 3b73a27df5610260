"""电子介绍信: the letters issued for a transfer."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import timezone

from members.idcard import mask_id_number
from members.models import Gender, PartyStatus
from ops.choices import ChoiceLabels
from ops.compiled import Compiled
from orgs.models import Organisation
from transfers.models.transfer import Transfer, days_until


class Letter(ChoiceLabels, models.Model):
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
        return days_until(self.expires_on, today)


# A transfer's current letter by its key, compiled once (the rules and every letter action
# read it): ``Transfer.current_letter`` and ``selectors.letter_of``.
_CURRENT = Compiled(
    lambda pk: Letter.objects.filter(transfer_id=pk, is_current=True).order_by("pk")[:1]
)


def current_letter_of(transfer: Transfer) -> Letter | None:
    letters = _CURRENT.all(pk=transfer.pk, known={"transfer": transfer})
    return letters[0] if letters else None

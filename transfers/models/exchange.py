"""业务交换区: the packages a system publishes for another to import."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from members.idcard import mask_id_number
from orgs.models import Organisation
from transfers.models.transfer import Transfer


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

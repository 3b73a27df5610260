"""Party members (党员)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from members.idcard import mask_id_number, normalize_id_number
from ops.choices import ChoiceLabels
from orgs.fields import PathField
from orgs.models import Level, Organisation


class Gender(models.TextChoices):
    MALE = "male", "男"
    FEMALE = "female", "女"


class PartyStatus(models.TextChoices):
    FULL = "full", "正式党员"
    PROBATIONARY = "probationary", "预备党员"


class MemberState(models.TextChoices):
    NORMAL = "normal", "正常"
    IN_TRANSFER = "in_transfer", "转接中"
    AWAITING_REPORT = "awaiting_report", "未报到"
    OUT_OF_SYSTEM = "out_of_system", "已转出系统外"


class MemberQuerySet(models.QuerySet):
    def in_scope_of(self, org: Organisation) -> MemberQuerySet:
        """Members whose branch lies in ``org``'s subtree (one indexed prefix scan)."""
        return self.filter(branch_path__startswith=org.path)

    def in_system(self) -> MemberQuerySet:
        return self.exclude(state=MemberState.OUT_OF_SYSTEM)


class Member(ChoiceLabels, models.Model):
    name = models.CharField("姓名", max_length=50)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices)
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    birth_date = models.DateField("出生日期")
    id_number = models.CharField("身份证号", max_length=18)
    party_status = models.CharField(
        "党员类别", max_length=12, choices=PartyStatus.choices, default=PartyStatus.FULL
    )
    joined_on = models.DateField("入党日期")
    full_member_on = models.DateField("转正日期", null=True, blank=True)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    branch = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name="所在党支部",
        limit_choices_to={"level": Level.BRANCH},
    )
    # The branch's tree path, copied here so that "members below X" is one index range scan.
    branch_path = PathField("所在党支部路径", max_length=255, editable=False)
    dues_paid_through = models.DateField("党费交至", help_text="所交党费的最后一个月（取该月1日）")
    state = models.CharField(
        "状态", max_length=20, choices=MemberState.choices, default=MemberState.NORMAL
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "党员"
        verbose_name_plural = "党员"
        constraints = [
            # A member who left the system stays as history; the same person may be received
            # elsewhere, but two active records of one person are impossible.
            models.UniqueConstraint(
                fields=["id_number"],
                condition=~Q(state=MemberState.OUT_OF_SYSTEM),
                name="members_unique_active_id_number",
            ),
        ]
        indexes = [
            models.Index(fields=["branch_path", "id"], name="members_branch_path_idx"),
            models.Index(fields=["id_number"], name="members_id_number_idx"),
            # 党员信息维护's search by name, within the subtree and in its order: a common name
            # is found in thousands of branches, and the path must be read from the index.
            models.Index(fields=["name", "branch_path", "id"], name="members_name_path_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.id_number = (self.id_number or "").strip().upper()
        self.branch_path = self.branch.path
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "branch" in update_fields:
            kwargs["update_fields"] = {*update_fields, "branch_path"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        errors = {}
        try:
            self.id_number = normalize_id_number(self.id_number)
        except ValidationError as e:
            errors["id_number"] = e.messages
        if self.branch_id and self.branch.level != Level.BRANCH:
            errors["branch"] = ["党员只能编入党支部。"]
        if errors:
            raise ValidationError(errors)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

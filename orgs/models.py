"""The organisation tree (党组织机构树) as a materialized path, and users' roles on its nodes."""

from __future__ import annotations

from django.db import models
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from treebeard.mp_tree import MP_Node

from ops.choices import ChoiceLabels
from orgs.fields import PathField

ACT_FOR_ORGANISATION = "act_for_organisation"


class Level(models.TextChoices):
    CENTRAL = "central", "中央"
    PROVINCE = "province", "省级党委"
    CITY = "city", "市级党委"
    COUNTY = "county", "县级党委"
    GRASSROOTS = "grassroots", "基层党委"
    GENERAL_BRANCH = "general_branch", "党总支"
    BRANCH = "branch", "党支部"


# Higher is closer to the top of the tree.
LEVEL_RANK = {
    Level.CENTRAL: 6,
    Level.PROVINCE: 5,
    Level.CITY: 4,
    Level.COUNTY: 3,
    Level.GRASSROOTS: 2,
    Level.GENERAL_BRANCH: 1,
    Level.BRANCH: 0,
}
COMMITTEE_LEVELS = frozenset(level for level, rank in LEVEL_RANK.items() if rank >= 2)


class Authority(models.IntegerChoices):
    """转接权限: how far an organisation may send a member on its own authority."""

    NONE = 0, "无"
    COUNTY = 1, "县内"
    PROVINCE = 2, "省内"
    NATIONAL = 3, "全国"


class Organisation(ChoiceLabels, MP_Node):
    """A party organisation: a committee (党委), a general branch (党总支) or a branch (党支部)."""

    # Overrides MP_Node.path to get byte-wise comparison on PostgreSQL (see PathField). Unique
    # through a constraint rather than unique=True, which would add Django's second,
    # varchar_pattern_ops index: in the C collation the one btree already serves LIKE 'p%'.
    path = PathField(max_length=255)

    name = models.CharField("党组织名称", max_length=200)
    short_name = models.CharField("简称", max_length=100, blank=True)
    code = models.CharField("党组织代码", max_length=32, unique=True)
    level = models.CharField("层级", max_length=20, choices=Level.choices)
    authority = models.PositiveSmallIntegerField(
        "转接权限", choices=Authority.choices, default=Authority.NONE
    )
    address = models.CharField("通讯地址", max_length=200, blank=True)
    phone = models.CharField("联系电话", max_length=40, blank=True)
    fax = models.CharField("传真", max_length=40, blank=True)
    postcode = models.CharField("邮政编码", max_length=6, blank=True)
    is_active = models.BooleanField("有效", default=True)

    class Meta:
        verbose_name = "党组织"
        verbose_name_plural = "党组织"
        permissions = [(ACT_FOR_ORGANISATION, "以该党组织身份办理业务")]
        indexes = [
            models.Index(fields=["name"], name="orgs_org_name_idx"),
            # A node's children (depth + 1, path prefix) without reading its whole subtree.
            models.Index(fields=["depth", "path"], name="orgs_children_idx"),
        ]
        constraints = [models.UniqueConstraint(fields=["path"], name="orgs_unique_path")]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        return self.short_name or self.name

    @property
    def rank(self) -> int:
        return LEVEL_RANK[Level(self.level)]

    @property
    def is_committee(self) -> bool:
        """A 党委 at grassroots level or above (never a 总支 or 支部)."""
        return self.level in COMMITTEE_LEVELS

    @property
    def is_branch(self) -> bool:
        return self.level == Level.BRANCH

    def is_in_subtree_of(self, other: Organisation) -> bool:
        return self.path.startswith(other.path)


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    """A user's role on one organisation node (django-guardian, direct foreign key)."""

    content_object = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name="党组织"
    )

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = "账号的党组织角色"
        verbose_name_plural = "账号的党组织角色"

    def __str__(self) -> str:
        # guardian's own reads "org | user | codename", shown as is in 系统管理's role inline.
        return f"{self.user}在{self.content_object}任职"


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, verbose_name="党组织"
    )

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = "用户组的党组织角色"
        verbose_name_plural = "用户组的党组织角色"

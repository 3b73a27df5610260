"""The audit trail (安全审计): who did what, from where, when, to which object, with what outcome.

Rows are only ever added. The model and its QuerySet refuse changes; on PostgreSQL a trigger
refuses UPDATE and DELETE (migration 0002) except the retention purge of rows older than the legal
minimum, and the application's database role holds only SELECT and INSERT on the table
(``manage.py grant_app_role``). Users and organisations are referenced without a database
constraint, so deleting an account or an organisation never has to touch an audit row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from orgs.models import Organisation

# 网络安全法 §21: network logs are kept for at least six months.
MIN_RETENTION_DAYS = 184


class EventType(models.TextChoices):
    LOGIN = "login", "登录"
    LOGIN_FAILED = "login_failed", "登录失败"
    LOGOUT = "logout", "退出"
    LOCKOUT = "lockout", "账号锁定"
    ACCESS_REFUSED = "refused", "拒绝访问"
    EXPORT = "export", "导出"
    FULL_ID_VIEW = "full_id", "查看完整身份证号"
    LETTER_VIEW = "letter", "查看介绍信"
    LETTER_PDF = "letter_pdf", "下载介绍信PDF"
    ROLE_CHANGE = "role", "角色变更"
    ADMIN_CHANGE = "admin", "系统管理变更"
    TRANSFER_ACTION = "transfer", "转接操作"
    PASSWORD_CHANGE = "password", "修改密码"
    OTP_ENROL = "otp_enrol", "绑定动态口令"
    OTP_VERIFY = "otp_verify", "动态口令验证"
    OTP_RECOVERY = "otp_recovery", "使用恢复码"


class Outcome(models.TextChoices):
    SUCCESS = "success", "成功"
    FAILURE = "failure", "失败"
    REFUSED = "refused", "拒绝"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("审计记录只能追加，不能修改。")

    def delete(self):
        raise TypeError("审计记录只能追加，不能删除（过期记录由 purge_audit 清理）。")


class AuditEvent(models.Model):
    at = models.DateTimeField("时间", default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="用户",
    )
    username = models.CharField("用户名", max_length=150, blank=True)
    org = models.ForeignKey(
        Organisation,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="党组织",
    )
    org_name = models.CharField("党组织名称", max_length=200, blank=True)
    client_address = models.CharField("客户端地址", max_length=45, blank=True)
    event_type = models.CharField("事件类型", max_length=16, choices=EventType.choices)
    object_type = models.CharField("对象类型", max_length=40, blank=True)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    outcome = models.CharField("结果", max_length=8, choices=Outcome.choices)
    detail = models.CharField("说明", max_length=300, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计记录"
        verbose_name_plural = "审计记录"
        ordering = ["-at", "-id"]
        permissions = [("export_auditevent", "导出审计记录")]
        indexes = [
            models.Index(fields=["at", "id"], name="audit_at_idx"),
            models.Index(fields=["user", "at"], name="audit_user_at_idx"),
            models.Index(fields=["org", "at"], name="audit_org_at_idx"),
            models.Index(fields=["event_type", "at"], name="audit_type_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.username} {self.get_event_type_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("审计记录只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("审计记录只能追加，不能删除。")

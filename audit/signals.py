"""Receivers that put the framework's own events on the audit trail: logins, logouts, lockouts,
changes of roles and group memberships, and every change made in the Django admin."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from audit import trail
from audit.models import EventType, Outcome
from orgs.models import OrganisationUserObjectPermission
from orgs.roles import organisations_of
from transfers.models import TransferEvent, TransferState, events_recorded

User = get_user_model()


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    trail.record(EventType.LOGIN, request=request, user=user, org=organisations_of(user).first())


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    trail.record(
        EventType.LOGIN_FAILED,
        outcome=Outcome.FAILURE,
        request=request,
        username=str(credentials.get("username", "")),
    )


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    trail.record(EventType.LOGOUT, request=request, user=user)


@receiver(user_locked_out, dispatch_uid="audit_lockout")
def _locked_out(sender, request, username, ip_address, **kwargs):
    trail.record(
        EventType.LOCKOUT,
        outcome=Outcome.REFUSED,
        request=request,
        username=str(username or ""),
        detail="连续登录失败，账号已锁定",
    )


def _role_detail(row: OrganisationUserObjectPermission, verb: str) -> str:
    # The account is the object (type 账号, its id); the detail names the organisation only.
    return f"{verb}党组织角色：{row.content_object.name}"


@receiver(post_save, sender=OrganisationUserObjectPermission, dispatch_uid="audit_role_grant")
def _role_granted(sender, instance, created, **kwargs):
    trail.record(
        EventType.ROLE_CHANGE,
        object_type="auth.user",
        object_id=instance.user_id,
        detail=_role_detail(instance, "授予" if created else "修改"),
    )


@receiver(post_delete, sender=OrganisationUserObjectPermission, dispatch_uid="audit_role_revoke")
def _role_revoked(sender, instance, **kwargs):
    trail.record(
        EventType.ROLE_CHANGE,
        object_type="auth.user",
        object_id=instance.user_id,
        detail=_role_detail(instance, "撤销"),
    )


@receiver(m2m_changed, sender=User.groups.through, dispatch_uid="audit_groups")
@receiver(m2m_changed, sender=User.user_permissions.through, dispatch_uid="audit_user_perms")
def _memberships_changed(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    what = "用户组" if sender is User.groups.through else "权限"
    verb = {"post_add": "加入", "post_remove": "移出", "post_clear": "清空"}[action]
    trail.record(
        EventType.ROLE_CHANGE,
        object_type="auth.user",
        object_id=getattr(instance, "pk", ""),
        detail=f"{what}{verb}: {sorted(pk_set or [])}",
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_changed(sender, instance, created, **kwargs):
    if not created:
        return
    content_type = instance.content_type if instance.content_type_id else None
    trail.record_all(
        [
            admin_row(
                instance.user,
                f"{content_type.app_label}.{content_type.model}" if content_type else "",
                instance.object_id or "",
                instance.action_flag,
                instance.object_repr,
                instance.get_change_message(),
            )
        ]
    )


def admin_row(
    user, object_type: str, object_id, action_flag: int, object_repr: str, message: str = ""
):
    """The audit row of a change made in the admin (系统管理): who, what, which object, and
    what the admin's history says of it (the fields changed, an action's words)."""
    action = {ADDITION: "新增", CHANGE: "修改", DELETION: "删除"}.get(action_flag, "操作")
    detail = f"{action} {object_repr}" + (f"：{message}" if message else "")
    return trail.row(
        EventType.ADMIN_CHANGE,
        user=user,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
    )


def _state(value: str) -> str:
    return TransferState(value).label if value in TransferState.values else "—"


def _transfer_row(event: TransferEvent):
    return trail.row(
        EventType.TRANSFER_ACTION,
        user=event.actor,
        org=event.org,
        object_type="transfers.transfer",
        object_id=event.transfer_id,
        detail=f"{event.get_action_display()}"
        f"（{_state(event.state_before)}→{_state(event.state_after)}）",
    )


@receiver(post_save, sender=TransferEvent, dispatch_uid="audit_transfer_action")
def _transfer_action(sender, instance, created, **kwargs):
    """Every transfer action writes its TransferEvent in the same transaction; the audit row
    rides along (and rolls back with it when the action fails)."""
    if created:
        trail.record_all([_transfer_row(instance)])


@receiver(events_recorded, sender=TransferEvent, dispatch_uid="audit_transfer_actions")
def _transfer_actions(sender, events, **kwargs):
    """Events written together in one statement (no ``post_save``): their rows, likewise."""
    trail.record_all([_transfer_row(event) for event in events])

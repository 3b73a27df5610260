"""三员分立: the system, security and audit administrators as groups with exactly their rights.

- 系统管理员 (system administrator): the organisation tree and accounts.
- 安全管理员 (security administrator): users' organisation roles, group memberships, lockouts,
  resetting a lost second factor.
- 审计管理员 (audit administrator): reads and exports the audit trail, nothing else.

The groups are (re)created after every ``migrate`` with exactly these permissions. No account
may hold two of them unless ALLOW_COMBINED_ADMIN_ROLES is set (small deployments): the user admin
refuses it, and ``manage.py check --database default`` reports any account that does.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.checks import Error, Tags, register
from django.db import DatabaseError
from django.db.models import Count

SYSTEM_ADMIN = "系统管理员"
SECURITY_ADMIN = "安全管理员"
AUDIT_ADMIN = "审计管理员"

GROUPS: dict[str, list[str]] = {
    SYSTEM_ADMIN: [
        "orgs.add_organisation",
        "orgs.change_organisation",
        "orgs.view_organisation",
        "members.add_member",
        "members.change_member",
        "members.view_member",
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
    ],
    SECURITY_ADMIN: [
        "orgs.add_organisationuserobjectpermission",
        "orgs.change_organisationuserobjectpermission",
        "orgs.delete_organisationuserobjectpermission",
        "orgs.view_organisationuserobjectpermission",
        "auth.view_user",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
        # 重置第二因素 (the user admin's action): an account's authenticator and recovery codes
        "otp_totp.delete_totpdevice",
        "otp_static.delete_staticdevice",
    ],
    AUDIT_ADMIN: ["audit.view_auditevent", "audit.export_auditevent"],
}


def _permissions(names: list[str]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission is not None:
            found.append(permission)
    return found


def ensure_admin_groups(sender=None, **kwargs) -> None:
    """post_migrate: the three groups exist with exactly their permissions. Once per migrate
    (or flush): when the signal comes for the last app with models, every permission exists."""
    with_models = [config for config in apps.get_app_configs() if config.models_module]
    if sender is not None and sender is not with_models[-1]:
        return
    for name, permissions in GROUPS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permissions))


def accounts_holding_several():
    """Accounts that hold more than one of the three administrator groups."""
    return (
        get_user_model()
        .objects.filter(groups__name__in=GROUPS)
        .annotate(n=Count("groups", distinct=True))
        .filter(n__gt=1)
    )


def may_combine() -> bool:
    return getattr(settings, "ALLOW_COMBINED_ADMIN_ROLES", False)


@register(Tags.database)
def separation_of_duties(app_configs, databases=None, **kwargs):
    if may_combine() or not databases:
        return []
    try:
        holders = list(accounts_holding_several())
    except DatabaseError:
        return []  # not migrated yet (``migrate`` runs the database checks first)
    return [
        Error(
            f"账号 {user.get_username()} 同时属于多个管理员组（三员分立）。",
            hint="Remove all but one group, or set ALLOW_COMBINED_ADMIN_ROLES=1.",
            id="accounts.E001",
        )
        for user in holders
    ]


# Names an attacker tries first; an active administrator account must not carry one.
GUESSABLE_ADMIN_NAMES = ("admin", "administrator", "root")


@register(Tags.database)
def no_default_admin_name(app_configs, databases=None, **kwargs):
    if not databases:
        return []
    User = get_user_model()
    try:
        names = list(
            User.objects.filter(
                is_active=True, is_staff=True, username__in=GUESSABLE_ADMIN_NAMES
            ).values_list("username", flat=True)
        )
    except DatabaseError:
        return []
    return [
        Error(
            f"管理员账号名为 {name}，是攻击者最先尝试的用户名。",
            hint="Rename it (e.g. sysadmin) in the admin, or disable it.",
            id="accounts.E002",
        )
        for name in names
    ]

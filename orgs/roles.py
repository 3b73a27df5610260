"""Which organisations a user may act for (一个账号可在一个或多个党组织任职)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from orgs.models import ACT_FOR_ORGANISATION, Organisation

PERMISSION = f"orgs.{ACT_FOR_ORGANISATION}"


def organisations_of(user: AbstractBaseUser) -> QuerySet[Organisation]:
    """The organisations ``user`` holds a role on, in tree order.

    Superusers get no implicit roles: at national scale "every organisation" is no menu.
    """
    if not user.is_authenticated or not user.is_active:
        return Organisation.objects.none()
    return get_objects_for_user(
        user, PERMISSION, klass=Organisation, with_superuser=False, accept_global_perms=False
    ).order_by("path")


def grant_role(user: AbstractBaseUser, org: Organisation) -> None:
    assign_perm(PERMISSION, user, org)


def revoke_role(user: AbstractBaseUser, org: Organisation) -> None:
    remove_perm(PERMISSION, user, org)


def holds_role(user: AbstractBaseUser, org: Organisation) -> bool:
    return organisations_of(user).filter(pk=org.pk).exists()

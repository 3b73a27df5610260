"""Which organisations a user may act for (一个账号可在一个或多个党组织任职).

A role is a django-guardian object-permission row with a direct foreign key to the organisation
(a handful per user). Every lookup here starts from those rows — indexed by user — and reaches
the organisations by primary key: at 5.2 million organisations, guardian's own
``get_objects_for_user`` (``id IN (…) OR id IN (…)``) makes PostgreSQL walk the whole path index.
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, router
from django.db.models import QuerySet
from guardian.shortcuts import assign_perm, remove_perm

from ops.compiled import convert_row
from orgs.models import (
    ACT_FOR_ORGANISATION,
    Organisation,
    OrganisationGroupObjectPermission,
    OrganisationUserObjectPermission,
)

PERMISSION = f"orgs.{ACT_FOR_ORGANISATION}"
_ROLE = {
    "permission__codename": ACT_FOR_ORGANISATION,
    "permission__content_type__app_label": "orgs",
}


def _acts(user: AbstractBaseUser) -> bool:
    # Superusers get no implicit roles: at national scale "every organisation" is no menu.
    return user.is_authenticated and user.is_active


def _user_rows(user_id: int) -> QuerySet:
    return OrganisationUserObjectPermission.objects.filter(user_id=user_id, **_ROLE)


def _group_rows(user_id: int) -> QuerySet:
    return OrganisationGroupObjectPermission.objects.filter(group__user=user_id, **_ROLE)


def role_org_ids(user: AbstractBaseUser) -> list[int]:
    """The primary keys of the organisations ``user`` holds a role on (one query)."""
    if not _acts(user):
        return []
    own = _user_rows(user.pk).values_list("content_object_id", flat=True)
    via_groups = _group_rows(user.pk).values_list("content_object_id", flat=True)
    return list(own.union(via_groups))


def organisations_of(user: AbstractBaseUser) -> QuerySet[Organisation]:
    """The organisations ``user`` holds a role on, in tree order (their ids are read at once)."""
    ids = role_org_ids(user)
    if not ids:
        return Organisation.objects.none()
    return Organisation.objects.filter(pk__in=ids).order_by("path")


def _is_role_sql() -> str:
    """SQL true when the permission row ``p`` is a role (its parameter: the codename). The
    permission's id is a subquery PostgreSQL runs once, not two joins in every branch: the
    per-request query plans and runs in half the time."""
    perm, ctype = Permission._meta.db_table, ContentType._meta.db_table
    return (
        f"p.permission_id = (SELECT ap.id FROM {perm} ap "  # noqa: S608 - names from models
        f"JOIN {ctype} ct ON ct.id = ap.content_type_id "
        f"WHERE ap.codename = %s AND ct.app_label = 'orgs' "
        f"AND ct.model = '{Organisation._meta.model_name}')"
    )


def _role_sql(user_column: str) -> str:
    """SQL true when the user in ``user_column`` holds a role on organisation ``o`` (its two
    parameters: the permission's codename, twice)."""
    own = OrganisationUserObjectPermission._meta.db_table
    via = OrganisationGroupObjectPermission._meta.db_table
    members = get_user_model().groups.through._meta.db_table
    role = f"WHERE {_is_role_sql()} AND p.content_object_id = o.id"
    return (
        f"(EXISTS (SELECT 1 FROM {own} p {role} AND p.user_id = {user_column}) OR "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {via} p JOIN {members} ug ON ug.group_id = p.group_id "
        f"{role} AND ug.user_id = {user_column}))"
    )


def role_organisation(user: AbstractBaseUser, org_id: int) -> Organisation | None:
    """Organisation ``org_id`` if ``user`` holds a role on it now, else None: one primary-key
    lookup guarded by the role rows, so a revoked role or a moved branch shows at once.

    Every request asks this (or ``user_and_role_organisation``), so it is written out in SQL:
    the ORM spent longer compiling the two EXISTS than PostgreSQL spends answering them.
    """
    if not _acts(user):
        return None
    sql = (
        f"SELECT o.* FROM {Organisation._meta.db_table} o "  # noqa: S608 - names from models
        f"WHERE o.id = %s AND {_role_sql('%s')}"
    )
    params = [org_id, ACT_FOR_ORGANISATION, user.pk, ACT_FOR_ORGANISATION, user.pk]
    return next(iter(Organisation.objects.raw(sql, params)), None)


def _several_roles_sql(user_column: str) -> str:
    """SQL true when the user in ``user_column`` holds roles on two or more organisations (its
    two parameters: the permission's codename, twice); it stops at the second."""
    own = OrganisationUserObjectPermission._meta.db_table
    via = OrganisationGroupObjectPermission._meta.db_table
    members = get_user_model().groups.through._meta.db_table
    role = f"WHERE {_is_role_sql()}"
    return (
        "((SELECT count(*) FROM ("  # noqa: S608 - names from models
        f"SELECT p.content_object_id FROM {own} p {role} AND p.user_id = {user_column} UNION "
        f"SELECT p.content_object_id FROM {via} p JOIN {members} ug ON ug.group_id = p.group_id "
        f"{role} AND ug.user_id = {user_column} LIMIT 2) r) > 1)"
    )


@functools.cache
def _user_and_org_sql() -> str:
    """The per-request statement, built once per process from the models' tables."""
    User = get_user_model()
    columns = [f"u.{f.column}" for f in User._meta.concrete_fields]
    columns += [f"o.{f.column}" for f in Organisation._meta.concrete_fields]
    return (
        f"SELECT {', '.join(columns)}, {_several_roles_sql('u.id')} "  # noqa: S608
        f"FROM {User._meta.db_table} u "
        f"LEFT JOIN {Organisation._meta.db_table} o ON o.id = %s AND {_role_sql('u.id')} "
        "WHERE u.id = %s"
    )


@functools.cache
def _user_and_org_converters(db: str) -> dict:
    """The backend's conversions of those columns (datetimes and booleans on SQLite), as the
    ORM's raw() applies them; by position, each with its column."""
    connection = connections[db]
    compiler = connection.ops.compiler("SQLCompiler")(
        Organisation.objects.none().query, connection, db
    )
    fields = [*get_user_model()._meta.concrete_fields, *Organisation._meta.concrete_fields]
    return compiler.get_converters([f.get_col(f.model._meta.db_table) for f in fields])


def user_and_role_organisation(
    user_id: int, org_id: int
) -> tuple[AbstractBaseUser | None, Organisation | None]:
    """User ``user_id`` and, read in the same query, organisation ``org_id`` if the user holds a
    role on it now (else None): what every request of a logged-in user needs first. The user
    also learns whether it holds more than one role (``holds_several_roles``), which is all
    the organisation switcher of a single-role user needs to know."""
    User = get_user_model()
    user_fields = User._meta.concrete_fields
    org_fields = Organisation._meta.concrete_fields
    codename = ACT_FOR_ORGANISATION
    params = [codename, codename, org_id, codename, codename, user_id]
    db = router.db_for_read(User)
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(_user_and_org_sql(), params)
        row = cursor.fetchone()
    if row is None:
        return None, None
    several = bool(row[-1])
    row = convert_row(row[:-1], _user_and_org_converters(db), connection)
    user_values, org_values = row[: len(user_fields)], row[len(user_fields) :]
    user = User.from_db(db, [f.attname for f in user_fields], user_values)
    user.holds_several_roles = several
    if not _acts(user) or org_values[0] is None:
        return user, None
    org = Organisation.from_db(db, [f.attname for f in org_fields], org_values)
    return user, org


def grant_role(user: AbstractBaseUser, org: Organisation) -> None:
    assign_perm(PERMISSION, user, org)


def revoke_role(user: AbstractBaseUser, org: Organisation) -> None:
    remove_perm(PERMISSION, user, org)


def holds_role(user: AbstractBaseUser, org: Organisation) -> bool:
    return org.pk in role_org_ids(user)

"""The PostgreSQL backend (ops.postgresql): with prepared statements on, statements by key are
prepared on their second use on a connection; a statement filtering by a path prefix never is,
so PostgreSQL plans it for its own prefix every time (a province's subtree or a branch's)."""

from __future__ import annotations

import pytest
from django.db import connection

from ops.postgresql.base import value_dependent
from orgs.models import Organisation

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def prepared_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_the_suite_runs_with_prepared_statements():
    options = connection.settings_dict["OPTIONS"]
    assert options.get("server_side_binding") is True
    assert options.get("prepare_threshold") == 2


def test_a_statement_by_key_is_prepared_on_its_second_use(org):
    branch = org("wxy_zb1")
    for _ in range(3):
        assert Organisation.objects.filter(pk=branch.pk).values_list("name", flat=True)[0]
    assert [s for s in prepared_statements() if '"orgs_organisation"."id" = $1' in s]


def test_a_subtree_statement_is_never_prepared(org):
    committee = org("gxu")
    for _ in range(6):
        assert Organisation.objects.filter(path__startswith=committee.path).count() >= 2
    assert not [s for s in prepared_statements() if "LIKE" in s]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ('SELECT 1 FROM t WHERE "path"::text LIKE $1', True),
        ('SELECT 1 FROM t WHERE "name"::text ILIKE $1', True),
        ('SELECT 1 FROM t WHERE "id" = $1', False),
        ('/* keyed */ SELECT 1 FROM t WHERE "id" = $1 AND "path"::text LIKE $2', False),
        ('/* per value */ SELECT 1 FROM t WHERE "org_id" = $1', True),
        ('SELECT (SELECT COUNT(*) FROM (/* per value */ SELECT 1 FROM t WHERE "x" = $1) s)', True),
        (b"SELECT 1", False),
    ],
)
def test_value_dependent(sql, expected):
    assert value_dependent(sql) is expected


def test_a_keyed_statement_with_a_path_prefix_is_prepared(org):
    """ "On the route" reads a transfer's few steps by its id: one plan fits every prefix."""
    from tests.transfer_view_helpers import stage
    from transfers import selectors

    transfer = stage("launched")
    for who in ("gxu", "ltx", "wgy", "gxu"):
        selectors._on_route(transfer.pk, org(who).path)
    keyed = [s for s in prepared_statements() if s.startswith("/* keyed */")]
    assert keyed
    assert all("LIKE" in s for s in keyed)


def test_an_organisations_list_by_its_id_is_never_prepared(client_as):
    """已办工作 by the organisation's id: a generic plan made for small offices cost a committee
    with 6,000 transfers on their way forty times its own plan (ops.compiled.PER_VALUE)."""
    client = client_as("wxy")
    for _ in range(7):
        assert client.get("/transfers/out/done/", secure=True).status_code == 200
    statements = prepared_statements()
    assert statements  # the user's query and the like are prepared
    assert not [s for s in statements if "per value" in s]
    assert not [s for s in statements if '"transfer_open"' in s]

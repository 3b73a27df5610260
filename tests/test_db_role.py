"""The application's database role cannot erase the audit trail or the event log (PostgreSQL).

``manage.py grant_app_role`` sets the role up in the test database; the test then connects as that
role and tries what an attacker holding the application's credentials would try.
"""

from __future__ import annotations

import secrets

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from audit.models import EventType
from transfers.models import TransferEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

FORBIDDEN = [
    "TRUNCATE {table}",
    "ALTER TABLE {table} DISABLE TRIGGER ALL",
    "ALTER TABLE {table} DISABLE TRIGGER {trigger}",
    "DROP TRIGGER {trigger} ON {table}",
    "UPDATE {table} SET {column} = {column}",
    "DELETE FROM {table}",
    "DROP TABLE {table}",
    "CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$ BEGIN RETURN NEW; END; $$"
    " LANGUAGE plpgsql",
]
TABLES = {
    "audit_auditevent": ("audit_event_no_update_delete", "audit_event_append_only", "detail"),
    "transfers_transferevent": (
        "transfers_event_no_update_delete",
        "transfers_event_append_only",
        "opinion",
    ),
}


@pytest.fixture
def app_connection(demo_db):
    """A connection to the test database as a fresh role set up by grant_app_role."""
    role = f"zuzhi_app_test_{secrets.token_hex(4)}"
    call_command("grant_app_role", role=role, stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings = connection.settings_dict
    conn = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        autocommit=True,
    )
    try:
        yield conn
    finally:
        conn.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


def test_the_app_role_can_neither_change_nor_erase_the_append_only_tables(app_connection):
    refused = []
    for table, (trigger, function, column) in TABLES.items():
        for template in FORBIDDEN:
            statement = template.format(
                table=table, trigger=trigger, function=function, column=column
            )
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app_connection.execute(statement)
            refused.append(statement)
    assert len(refused) == 2 * len(FORBIDDEN)
    # Nothing was erased: the demo's events are all still there.
    assert TransferEvent.objects.exists()


def test_the_app_role_reads_and_appends_and_works_on_the_other_tables(app_connection):
    event = TransferEvent.objects.order_by("id").first()
    with app_connection.transaction():
        app_connection.execute(
            "INSERT INTO audit_auditevent (at, username, org_name, client_address, event_type,"
            " object_type, object_id, outcome, detail) VALUES"
            " (now(), 'app', '', '127.0.0.1', %s, '', '', 'success', 'by the app role')",
            [EventType.EXPORT],
        )
        app_connection.execute(
            "INSERT INTO transfers_transferevent (transfer_id, action, actor_name, org_id, at,"
            " opinion, state_before, state_after, data)"
            " SELECT transfer_id, action, actor_name, org_id, now(), 'by the app role',"
            " state_before, state_after, data FROM transfers_transferevent WHERE id = %s",
            [event.pk],
        )
    count = app_connection.execute(
        "SELECT count(*) FROM audit_auditevent WHERE detail = 'by the app role'"
    ).fetchone()[0]
    assert count == 1
    assert TransferEvent.objects.filter(opinion="by the app role").count() == 1
    # Ordinary tables: the application's normal work goes on.
    app_connection.execute(
        "UPDATE orgs_organisation SET phone = phone WHERE id = %s", [event.org_id]
    )
    app_connection.execute("DELETE FROM django_session WHERE expire_date < now()")

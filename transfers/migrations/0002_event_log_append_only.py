"""The event log refuses UPDATE and DELETE in the database itself (PostgreSQL).

TRUNCATE (used by test flushes and by a deliberate administrator) is not a row operation and is
not blocked. SQLite has no equivalent that leaves Django's test flush working; there the model
and its QuerySet refuse changes.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION transfers_event_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'transfers_transferevent is append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER transfers_event_no_update_delete
    BEFORE UPDATE OR DELETE ON transfers_transferevent
    FOR EACH ROW EXECUTE FUNCTION transfers_event_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS transfers_event_no_update_delete ON transfers_transferevent;
DROP FUNCTION IF EXISTS transfers_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("transfers", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]

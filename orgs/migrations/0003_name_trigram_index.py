"""放大镜: a trigram index on organisation names (PostgreSQL), for ``name LIKE '%words%'``.

A btree cannot serve a fragment search: at 5.2 million organisations the dialog would read the
whole subtree of a province. pg_trgm's GIN index answers it from the words typed (three or more
characters; a two-character fragment has no trigram and falls back to the subtree walk). SQLite
has no equivalent; there the migration does nothing.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX IF NOT EXISTS orgs_org_name_trgm ON orgs_organisation USING gin (name gin_trgm_ops);
"""
DROP = "DROP INDEX IF EXISTS orgs_org_name_trgm;"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("orgs", "0002_path_unique_constraint")]

    operations = [migrations.RunPython(forwards, backwards)]

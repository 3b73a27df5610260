"""工作督查 below the city level without reading a subtree's years of transfers.

- 撤销 / 不同意 / 退回 kept for counties and grassroots committees too (transfers.volume):
  counted from the log, they read every transfer the subtree ever launched. The event
  trigger's function and the rebuild are replaced, and every kept row recounted in one pass.
- Two partial indexes answer 已办结 per subordinate from the index alone.

All in this migration's transaction; docs/deploy.md gives its time on a national database.
"""

from django.db import migrations, models

from transfers import volume_sql


def install(apps, schema_editor):
    volume_sql.install(schema_editor, volume_sql.SETBACK_LEVELS)


def back_to_0008(apps, schema_editor):
    volume_sql.install(schema_editor, volume_sql.LEVELS)


class Migration(migrations.Migration):
    dependencies = [("transfers", "0012_steps_of_transfers_in_flight")]

    operations = [
        migrations.RunPython(install, back_to_0008),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                condition=models.Q(("state__in", ["completed", "concluded"])),
                fields=["source_path", "finished_at"],
                name="transfers_out_done_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="transfer",
            index=models.Index(
                condition=models.Q(
                    ("state", "completed"), models.Q(("type", "branch"), _negated=True)
                ),
                fields=["dest_path", "finished_at"],
                name="transfers_in_done_idx",
            ),
        ),
    ]

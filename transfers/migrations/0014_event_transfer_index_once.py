"""The log's foreign key to its transfer loses its own index: ``transfers_event_idx``
(transfer, id) starts with the same column and serves its reads and checks.

Only the index is dropped (instant); Django's AlterField would also drop and re-add the foreign
key, which checks every event again (24.7 M at national size) with both tables locked.
"""

import django.db.models.deletion
from django.db import migrations, models

INDEX = "transfers_transferevent_transfer_id_dc3f98d3"


class Migration(migrations.Migration):
    dependencies = [("transfers", "0013_supervision_below_the_city")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="transferevent",
                    name="transfer",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="transfers.transfer",
                        verbose_name="转接",
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "transfers_transferevent" ("transfer_id")',
                ),
            ],
        ),
    ]

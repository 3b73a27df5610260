from django.db import models


class PathField(models.CharField):
    """A materialized-path column that compares byte-wise.

    On PostgreSQL the column gets the "C" collation, so one btree index serves both
    ``LIKE 'prefix%'`` (a subtree) and ``ORDER BY path`` (tree order). SQLite already compares
    text byte-wise (BINARY), so nothing changes there.
    """

    def db_parameters(self, connection):
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params

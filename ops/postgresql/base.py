"""Django's PostgreSQL backend, with one rule for prepared statements.

With ``DB_PREPARED_STATEMENTS`` (the default), psycopg prepares a statement on its second use on a
connection and PostgreSQL may then keep one generic plan for it, made without the parameters'
values. That is what makes the fixed statements of every request cheap — the user with its
organisation, a transfer by its key, its steps, the updates and inserts of an action: planning
them cost PostgreSQL more than running them.

A statement that filters by a path prefix (``LIKE``: a subtree, or a name search) is never
prepared. Its best plan depends on the value: a branch's subtree holds a few rows, a province's a
million. A generic plan picked after a province's lists could be a sequential scan for every
branch after it, and a plan for a branch an index walk over a province. Such statements are
planned for their own values every time, as without prepared statements — unless it finds its
rows by a key and only filters them by the prefix (``Compiled(..., keyed=True)``: "on the route",
one branch or one target checked for an organisation), whose plan is the same for every value.
Conversely an organisation's list by its id is never prepared (``Compiled(..., per_value=True)``):
a generic plan made for organisations with a handful of transfers cost a committee with 6,000 on
their way 21 ms instead of 0.5.
"""

from __future__ import annotations

from django.db.backends.postgresql import base

from ops.compiled import KEYED, PER_VALUE


def value_dependent(query) -> bool:
    """Whether the best plan for ``query`` depends on its parameters' values (a ``LIKE``, unless
    the statement says it finds its rows by a key: ``ops.compiled.KEYED``; or a statement that
    says so, ``ops.compiled.PER_VALUE``, alone or within a statement of several counts)."""
    if not isinstance(query, str):
        return False
    return ("LIKE " in query and not query.startswith(KEYED)) or PER_VALUE in query


class KeyedPlansCursor(base.ServerBindingCursor):
    """Server-side binding; statements whose plan depends on their values are not prepared."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        if prepare is None and value_dependent(query):
            prepare = False
        return super().execute(query, params, prepare=prepare, binary=binary)


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = KeyedPlansCursor
        return params

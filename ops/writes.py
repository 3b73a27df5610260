"""UPDATE and INSERT statements built once per process, for the rows every action writes.

``Model.save(update_fields=…)`` and ``bulk_create`` build their statement anew on each call: an
UpdateQuery or InsertQuery, its compiler, the quoted column list, the deferred-field and
related-object checks, the model signals. A 同意 writes five rows (two steps, the transfer,
its event and the audit row) and that machinery cost more than PostgreSQL took to write them.

``update(obj, fields)`` writes what ``obj.save(update_fields=fields)`` writes; ``insert(objs)``
what ``Model.objects.bulk_create(objs)`` writes, setting each object's key from ``RETURNING``;
``update_rows(objs, fields)`` what ``Model.objects.bulk_update(objs, fields)`` writes (a few
rows: a path's steps); ``update_where(Model, {match}, **values)`` what
``Model.objects.filter(**match).update(**values)`` writes, for matches by equality.
The SQL (column list, placeholders) is kept per model, fields and database; the values go
through each field's ``pre_save`` and ``get_db_prep_save`` as the ORM sends them, through
Django's cursor (counted, logged, routed for writing).

What they do not do, they leave to Django rather than skip: a model with ``pre_save`` or
``post_save`` receivers is saved by ``save()`` (``insert`` sends no signals, as ``bulk_create``
sends none); a value that is an expression, a field with its own placeholder, a database that
cannot return keys from an INSERT go the ORM's way. ``tests/test_writes.py`` compares the rows
with those the ORM writes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from django.db import DatabaseError, connections, router, transaction
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin
from django.db.models.signals import post_save, pre_save

_UPDATES: dict[tuple, tuple | None] = {}
_INSERTS: dict[tuple, tuple | None] = {}
_CASES: dict[tuple, tuple | None] = {}
_WHERES: dict[tuple, tuple | None] = {}


def update(obj: Model, fields: Iterable[str]) -> None:
    """``obj.save(update_fields=fields)``: the row's ``fields`` as ``obj`` holds them now."""
    fields = tuple(fields)
    model = type(obj)
    if obj.pk is None or pre_save.has_listeners(model) or post_save.has_listeners(model):
        obj.save(update_fields=fields)
        return
    db = router.db_for_write(model, instance=obj)
    connection = connections[db]
    key = (model, fields, db)
    if key not in _UPDATES:
        _UPDATES[key] = _update_plan(model, fields, connection)
    plan = _UPDATES[key]
    values = None if plan is None else _values(obj, plan[1], connection, add=False)
    if values is None:
        obj.save(update_fields=fields)
        return
    sql, _, pk = plan
    values.append(pk.get_db_prep_value(obj.pk, connection))
    with transaction.mark_for_rollback_on_error(db), connection.cursor() as cursor:
        cursor.execute(sql, values)
        if cursor.rowcount == 0:
            raise DatabaseError("Save with update_fields did not affect any rows.")
    obj._state.db = db


def insert(objs: Sequence[Model]) -> Sequence[Model]:
    """``bulk_create(objs)`` for new objects of one model: one INSERT, their keys set from it in
    this order. No ``save()`` and no signals, as with ``bulk_create``."""
    if not objs:
        return objs
    model = type(objs[0])
    if any(type(o) is not model or not o._state.adding or o.pk is not None for o in objs):
        raise ValueError("insert() takes new objects of one model.")
    db = router.db_for_write(model)
    connection = connections[db]
    key = (model, db)
    if key not in _INSERTS:
        _INSERTS[key] = _insert_plan(model, connection)
    plan = _INSERTS[key]
    values = []
    if plan is not None:
        for obj in objs:
            row = _values(obj, plan[1], connection, add=True)
            if row is None:
                values = None
                break
            values.extend(row)
    if plan is None or values is None:
        return model._base_manager.using(db).bulk_create(objs)
    head, _, row, returning = plan
    sql = f"{head} VALUES {', '.join([row] * len(objs))} {returning}"
    with transaction.mark_for_rollback_on_error(db), connection.cursor() as cursor:
        cursor.execute(sql, values)
        keys = cursor.fetchall()
    for obj, (pk,) in zip(objs, keys, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = db
    return objs


def update_rows(objs: Sequence[Model], fields: Iterable[str]) -> None:
    """``bulk_update(objs, fields)`` for a few objects of one model: one UPDATE that sets each
    column by a CASE on the key, as the ORM writes it; no ``save()``, no signals, no
    ``pre_save`` (as with ``bulk_update``)."""
    fields = tuple(fields)
    if not objs:
        return
    model = type(objs[0])
    db = router.db_for_write(model)
    connection = connections[db]
    key = (model, fields, len(objs), db)
    if key not in _CASES:
        _CASES[key] = _case_plan(model, fields, len(objs), connection)
    plan = _CASES[key]
    keys = [o.pk for o in objs]
    if (
        plan is None
        or any(type(o) is not model for o in objs)
        or None in keys
        or len(set(keys)) != len(keys)
    ):
        model._base_manager.using(db).bulk_update(objs, fields)
        return
    sql, targets, pk = plan
    keys = [pk.get_db_prep_value(k, connection) for k in keys]
    values = []
    for field in targets:
        for obj, k in zip(objs, keys, strict=True):
            value = getattr(obj, field.attname)
            if hasattr(value, "resolve_expression"):
                model._base_manager.using(db).bulk_update(objs, fields)
                return
            values += [k, field.get_db_prep_save(value, connection)]
    with transaction.mark_for_rollback_on_error(db), connection.cursor() as cursor:
        cursor.execute(sql, [*values, *keys])


def update_where(model: type[Model], match: dict, **values) -> int:
    """``model.objects.filter(**match).update(**values)``, each match an equality (a field, or
    ``pk``; a related object or its key): the same statement, kept per model, names and
    database. As ``update()``: no ``save()``, no signals, no ``auto_now``; returns the count."""
    db = router.db_for_write(model)
    connection = connections[db]
    key = (model, tuple(match), tuple(values), db)
    if key not in _WHERES:
        _WHERES[key] = _where_plan(model, tuple(match), tuple(values), connection)
    plan = _WHERES[key]
    params = []
    if plan is not None and None in match.values():
        params = None  # ``IS NULL``: the ORM's way
    elif plan is not None:
        sql, set_fields, match_fields = plan
        pairs = [
            *zip(set_fields, values.values(), strict=True),
            *zip(match_fields, match.values(), strict=True),
        ]
        for field, value in pairs:
            if isinstance(value, Model):
                value = value.pk
            if hasattr(value, "resolve_expression"):
                params = None
                break
            params.append(field.get_db_prep_save(value, connection))
    if plan is None or params is None:
        return model._base_manager.using(db).filter(**match).update(**values)
    with transaction.mark_for_rollback_on_error(db), connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


# -- the statements ---------------------------------------------------------------------------


def _writable(meta, names: tuple[str, ...]) -> list | None:
    """The fields named, or None if one is not a plain column these statements can set."""
    targets = [meta.get_field(name) for name in names]
    if any(
        not f.concrete or f.primary_key or f.many_to_many or hasattr(f, "get_placeholder")
        for f in targets
    ):
        return None
    return targets


def _update_plan(model, fields: tuple[str, ...], connection):
    meta, qn = model._meta, connection.ops.quote_name
    targets = _writable(meta, fields)
    if targets is None:
        return None
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in targets)
    # Names from the model, quoted; values only as parameters.
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
    return sql, targets, meta.pk


def _case_plan(model, fields: tuple[str, ...], n: int, connection):
    """bulk_update's statement for ``n`` rows: ``SET col = CASE WHEN pk = %s THEN %s … END``
    (cast to the column's type where the database needs it, as Django casts it), ``WHERE pk IN``."""
    meta, qn = model._meta, connection.ops.quote_name
    targets = _writable(meta, fields)
    if targets is None:
        return None
    table, pk = qn(meta.db_table), meta.pk
    when = f"WHEN ({table}.{qn(pk.column)} = %s) THEN %s"
    cast = connection.features.requires_casted_case_in_updates
    assignments = []
    for f in targets:
        case = f"CASE {' '.join([when] * n)} ELSE NULL END"
        if cast:
            case = f"CAST({case} AS {f.cast_db_type(connection)})"
        assignments.append(f"{qn(f.column)} = {case}")
    keys = ", ".join(["%s"] * n)
    # Names from the model, quoted; values only as parameters.
    sql = f"UPDATE {table} SET {', '.join(assignments)} WHERE {table}.{qn(pk.column)} IN ({keys})"  # noqa: S608
    return sql, targets, pk


def _where_plan(model, match: tuple[str, ...], names: tuple[str, ...], connection):
    meta, qn = model._meta, connection.ops.quote_name
    try:
        targets = _writable(meta, names)
        matches = [meta.pk if name == "pk" else meta.get_field(name) for name in match]
    except LookupError:
        return None
    if targets is None or not matches or any(not f.concrete or f.many_to_many for f in matches):
        return None
    assignments = ", ".join(f"{qn(f.column)} = %s" for f in targets)
    where = " AND ".join(f"{qn(f.column)} = %s" for f in matches)
    # Names from the model, quoted; values only as parameters.
    sql = f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {where}"  # noqa: S608
    return sql, targets, matches


def _insert_plan(model, connection):
    meta, qn = model._meta, connection.ops.quote_name
    if not (
        isinstance(meta.pk, AutoFieldMixin) and connection.features.can_return_rows_from_bulk_insert
    ):
        return None
    targets = [f for f in meta.concrete_fields if not f.primary_key]
    if any(hasattr(f, "get_placeholder") or f.generated for f in targets):
        return None
    head = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in targets)})"
    row = f"({', '.join(['%s'] * len(targets))})"
    return head, targets, row, f"RETURNING {qn(meta.pk.column)}"


def _values(obj, targets, connection, *, add: bool) -> list | None:
    """The values the ORM would send for ``targets`` of ``obj``; None where it would do more
    than send a value (an expression) or refuse (a related object not saved yet)."""
    values = []
    for field in targets:
        if field.is_relation and field.is_cached(obj):  # a foreign key or one-to-one
            related = field.get_cached_value(obj)
            if related is not None and (
                related.pk is None or getattr(obj, field.attname) in field.empty_values
            ):
                return None  # not saved yet (save() says which), or saved since: save() mends it
        value = field.pre_save(obj, add)
        if hasattr(value, "resolve_expression"):
            return None
        values.append(field.get_db_prep_save(value, connection))
    return values

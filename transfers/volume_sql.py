"""The PostgreSQL functions and triggers that keep ``transfers_volumecount`` (transfers.volume).

Installed by migration 0008; ``rebuild()`` recounts everything in one pass (the migration runs it,
and ``manage.py bench`` after its bulk inserts, made with the triggers off).
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection

# The levels with kept counts (transfers.volume). A transfer's own counts (转出, 接收, 办结) are
# kept for the three top levels, whose subtrees are big; its setbacks (撤销, 不同意, 退回 — a
# few in a hundred) for counties and grassroots committees too: counted live, they read every
# transfer the subtree ever launched, and a large committee has a hundred thousand (migration
# 0013; docs/scaling.md).
LEVELS = ("central", "province", "city")
SETBACK_LEVELS = (*LEVELS, "county", "grassroots")


def _in(levels: tuple[str, ...]) -> str:
    """``('a', 'b')`` for SQL; the levels are this module's constants."""
    return "(" + ", ".join(f"'{level}'" for level in levels if level.isidentifier()) + ")"


def _sql(setback_levels: tuple[str, ...] = SETBACK_LEVELS) -> str:
    tz = settings.TIME_ZONE.replace("'", "")
    local = "AT TIME ZONE '" + tz + "')::date"
    counted, setbacks = _in(LEVELS), _in(setback_levels)
    # The time zone comes from the settings, not from input.
    return f"""
CREATE OR REPLACE FUNCTION transfers_path_prefixes(p text) RETURNS text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(array_agg(left(p, 4 * g) ORDER BY g), '{{}}')
  FROM generate_series(1, length(p) / 4) AS g
$$;

-- What one transfer counts for: (kind, path whose ancestors count it, local day).
CREATE OR REPLACE FUNCTION transfers_volume_keys(t transfers_transfer)
RETURNS TABLE (kind text, p text, day date) LANGUAGE sql STABLE AS $$
  SELECT k.kind, k.p, k.day FROM (VALUES
    ('ol', t.source_path::text, CASE WHEN t.launched_at IS NOT NULL AND t.state <> 'draft'
                                     THEN (t.launched_at {local} END),
    ('ir', t.dest_path::text, t.received_on),
    ('od', t.source_path::text, CASE WHEN t.state IN ('completed', 'concluded')
                                     THEN (t.finished_at {local} END),
    ('id', t.dest_path::text, CASE WHEN t.state IN ('completed', 'concluded')
                                        AND t.type <> 'branch'
                                   THEN (t.finished_at {local} END)
  ) AS k(kind, p, day)
  WHERE k.day IS NOT NULL AND k.p <> ''
$$;

CREATE OR REPLACE FUNCTION transfers_volume_event_kind(action text, state_before text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE action
    WHEN 'revoke' THEN CASE WHEN state_before IN ('in_progress', 'returned') THEN 'rv' END
    WHEN 'reject' THEN 'rj'
    WHEN 'send_back' THEN 'sb'
  END
$$;

CREATE OR REPLACE FUNCTION transfers_volume_track() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO transfers_volumecount AS v (path, kind, day, n)
  SELECT o.path, d.kind, d.day, sum(d.delta)
  FROM (
    SELECT k.kind, k.p, k.day, -1 AS delta FROM transfers_volume_keys(OLD) k
    WHERE TG_OP <> 'INSERT'
    UNION ALL
    SELECT k.kind, k.p, k.day, 1 FROM transfers_volume_keys(NEW) k WHERE TG_OP <> 'DELETE'
  ) d
  JOIN orgs_organisation o
    ON o.path = ANY (transfers_path_prefixes(d.p)) AND o.level IN {counted}
  GROUP BY o.path, d.kind, d.day
  HAVING sum(d.delta) <> 0
  ORDER BY o.path, d.kind, d.day
  ON CONFLICT (path, kind, day) DO UPDATE SET n = v.n + EXCLUDED.n;
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION transfers_volume_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text := transfers_volume_event_kind(NEW.action, NEW.state_before);
BEGIN
  IF k IS NOT NULL THEN
    INSERT INTO transfers_volumecount AS v (path, kind, day, n)
    SELECT o.path, k, (NEW.at {local}, 1
    FROM transfers_transfer t
    JOIN orgs_organisation o
      ON o.path = ANY (transfers_path_prefixes(t.source_path)) AND o.level IN {setbacks}
    WHERE t.id = NEW.transfer_id
    ORDER BY o.path
    ON CONFLICT (path, kind, day) DO UPDATE SET n = v.n + 1;
  END IF;
  RETURN NULL;
END
$$;

-- Recount everything: group by the counted part of the path first, then spread to ancestors.
CREATE OR REPLACE FUNCTION transfers_volume_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  width integer;
  setback_width integer;
BEGIN
  SELECT coalesce(4 * max(depth), 0) INTO width FROM orgs_organisation WHERE level IN {counted};
  SELECT coalesce(4 * max(depth), 0) INTO setback_width
  FROM orgs_organisation WHERE level IN {setbacks};
  DELETE FROM transfers_volumecount;
  INSERT INTO transfers_volumecount (path, kind, day, n)
  SELECT o.path, g.kind, g.day, sum(g.n)
  FROM (
    SELECT k.kind, left(k.p, width) AS p, k.day, count(*) AS n
    FROM transfers_transfer t CROSS JOIN LATERAL transfers_volume_keys(t) k
    GROUP BY 1, 2, 3
  ) g
  JOIN orgs_organisation o
    ON o.path = ANY (transfers_path_prefixes(g.p)) AND o.level IN {counted}
  GROUP BY 1, 2, 3;
  INSERT INTO transfers_volumecount (path, kind, day, n)
  SELECT o.path, g.kind, g.day, sum(g.n)
  FROM (
    SELECT transfers_volume_event_kind(e.action, e.state_before) AS kind,
           left(t.source_path, setback_width) AS p, (e.at {local} AS day, count(*) AS n
    FROM transfers_transferevent e JOIN transfers_transfer t ON t.id = e.transfer_id
    WHERE e.action IN ('revoke', 'reject', 'send_back')
      AND transfers_volume_event_kind(e.action, e.state_before) IS NOT NULL
      AND t.source_path <> ''
    GROUP BY 1, 2, 3
  ) g
  JOIN orgs_organisation o
    ON o.path = ANY (transfers_path_prefixes(g.p)) AND o.level IN {setbacks}
  GROUP BY 1, 2, 3;
END
$$;

DROP TRIGGER IF EXISTS transfers_volume_insert_delete ON transfers_transfer;
CREATE TRIGGER transfers_volume_insert_delete AFTER INSERT OR DELETE ON transfers_transfer
  FOR EACH ROW EXECUTE FUNCTION transfers_volume_track();
DROP TRIGGER IF EXISTS transfers_volume_update ON transfers_transfer;
CREATE TRIGGER transfers_volume_update AFTER UPDATE ON transfers_transfer
  FOR EACH ROW WHEN (
    OLD.state IS DISTINCT FROM NEW.state OR OLD.type IS DISTINCT FROM NEW.type
    OR OLD.source_path IS DISTINCT FROM NEW.source_path
    OR OLD.dest_path IS DISTINCT FROM NEW.dest_path
    OR OLD.launched_at IS DISTINCT FROM NEW.launched_at
    OR OLD.finished_at IS DISTINCT FROM NEW.finished_at
    OR OLD.received_on IS DISTINCT FROM NEW.received_on)
  EXECUTE FUNCTION transfers_volume_track();
DROP TRIGGER IF EXISTS transfers_volume_event ON transfers_transferevent;
CREATE TRIGGER transfers_volume_event AFTER INSERT ON transfers_transferevent
  FOR EACH ROW EXECUTE FUNCTION transfers_volume_event();
"""  # noqa: S608


DROP = """
DROP TRIGGER IF EXISTS transfers_volume_insert_delete ON transfers_transfer;
DROP TRIGGER IF EXISTS transfers_volume_update ON transfers_transfer;
DROP TRIGGER IF EXISTS transfers_volume_event ON transfers_transferevent;
DROP FUNCTION IF EXISTS transfers_volume_rebuild();
DROP FUNCTION IF EXISTS transfers_volume_event();
DROP FUNCTION IF EXISTS transfers_volume_track();
DROP FUNCTION IF EXISTS transfers_volume_event_kind(text, text);
DROP FUNCTION IF EXISTS transfers_volume_keys(transfers_transfer);
DROP FUNCTION IF EXISTS transfers_path_prefixes(text);
"""

TRIGGERS = ("transfers_volume_insert_delete", "transfers_volume_update")


def install(schema_editor, setback_levels: tuple[str, ...] = SETBACK_LEVELS) -> None:
    """Install (or replace) the functions and triggers, and recount."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(_sql(setback_levels), params=None)
        schema_editor.execute("SELECT transfers_volume_rebuild()", params=None)


def uninstall(schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


def set_triggers(enabled: bool) -> None:
    """Bulk loads switch the per-row counting off and call ``rebuild()`` afterwards."""
    verb = "ENABLE" if enabled else "DISABLE"
    with connection.cursor() as c:
        # The bulk load's deferred foreign-key checks run now: ALTER TABLE refuses a table with
        # trigger events pending.
        c.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in TRIGGERS:
            c.execute(f"ALTER TABLE transfers_transfer {verb} TRIGGER {name}")


def rebuild() -> None:
    with connection.cursor() as c:
        c.execute("SELECT transfers_volume_rebuild()")

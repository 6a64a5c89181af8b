"""The SQL that several writes of the PostgreSQL store share.

A reaction inserted, a change number claimed, an audit entry, a participant's agreements and
reports taken off the counts, reactions erased. Each runs in the caller's transaction (its
cursor).
"""

from __future__ import annotations

import json

import psycopg

from omgeving.reactions import Reaction
from omgeving.store._model import _now
from omgeving.store._pg_schema import _value

__all__: list[str] = []  # private: the PostgreSQL store's own


def _insert(cur: psycopg.Cursor, r: Reaction) -> bool:
    """Insert reaction ``r`` unless its id is stored; return whether it was inserted."""
    geojson = json.dumps(r.geometry)
    cur.execute(  # omg_claim runs before the row is written: see the module's doc
        "INSERT INTO reactions (seq, id, geom, geojson, theme, text, sentiment, "
        "scenario, channel, participant, buurt, created, status, round, evening, changed) "
        "SELECT c.seq, %s, ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), %s, %s, %s, %s, "
        "%s, %s, %s, %s, %s, %s, %s, %s, c.changed FROM omg_claim(true) c "
        "ON CONFLICT (id) DO NOTHING",
        (
            r.id,
            geojson,
            geojson,
            r.theme,
            r.text,
            r.sentiment,
            r.scenario,
            r.channel,
            r.participant,
            r.buurt,
            r.created,
            r.status,
            r.round,
            r.evening,
        ),
    )
    return cur.rowcount == 1


def _claim(cur: psycopg.Cursor) -> int:
    """Take this write's change number (first, before any row is written)."""
    return _value(cur, "SELECT changed FROM omg_claim(false)")


def _audit(
    cur: psycopg.Cursor, actor: str, action: str, reaction_id: str | None, reason: str
) -> None:
    cur.execute(
        "INSERT INTO audit (at, actor, action, reaction_id, reason) VALUES (%s, %s, %s, %s, %s)",
        (_now(), actor, action, reaction_id, reason),
    )


def _uncount(cur: psycopg.Cursor, table: str, column: str, participant: str, changed: int) -> int:
    """Delete a participant's agreements or reports and take them off the counts."""
    cur.execute(
        f"WITH gone AS (DELETE FROM {table} WHERE participant=%s RETURNING reaction_id) "
        f"UPDATE reactions r SET {column}={column}-g.n, changed=%s, "
        "changed_xid=pg_current_xact_id() FROM (SELECT reaction_id, count(*) AS n FROM gone "
        "GROUP BY reaction_id) g WHERE r.id=g.reaction_id RETURNING g.n",
        (participant, changed),
    )
    return sum(n for (n,) in cur.fetchall())


def _erase(
    cur: psycopg.Cursor, where: str, args: tuple, actor: str, action: str, reason: str, changed: int
) -> int:
    """Empty the reactions matching ``where`` to their id, channel, scenario and time."""
    ids = [
        i
        for (i,) in cur.execute(
            f"SELECT id FROM reactions WHERE status<>'erased' AND {where} FOR UPDATE", args
        )
    ]
    if not ids:
        return 0
    cur.execute(
        "INSERT INTO audit (at, actor, action, reaction_id, reason) "
        "SELECT %s, %s, %s, unnest(%s::text[]), %s",
        (_now(), actor, action, ids, reason),
    )
    for table in ("agreements", "reports"):
        cur.execute(f"DELETE FROM {table} WHERE reaction_id = ANY(%s)", (ids,))
    cur.execute(
        "UPDATE reactions SET geom=NULL, geojson='null', theme='', text='', sentiment=NULL, "
        "buurt=NULL, participant='', agrees=0, reports=0, status='erased', reason=%s, "
        "changed=%s, changed_xid=pg_current_xact_id() WHERE id = ANY(%s)",
        (reason, changed, ids),
    )
    return len(ids)


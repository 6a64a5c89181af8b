"""The reaction store on PostgreSQL with PostGIS, for deployments beyond one machine.

The same interface and behaviour as :class:`omgeving.store.SQLiteStore`, chosen by a
``postgresql://`` URL in ``[store] url`` of ``omgeving.toml``. Several Voila servers can share
one store. Each store object holds one connection (psycopg 3, autocommit off); every write is
one explicit ``READ COMMITTED`` transaction, retried a few times on a serialization failure or
a deadlock (SQLSTATE 40001, 40P01), and acknowledged only after PostgreSQL has committed it
(``synchronous_commit`` as the server sets it: ``on`` by default, which is what we want).

Geometry is kept twice: as a PostGIS ``geometry(Geometry, 4326)`` for spatial queries, and as
the GeoJSON text the resident's form produced, so :meth:`PostgresStore.get` returns the very
same dict as the SQLite store. Times are ISO 8601 text in UTC, as in the SQLite store, so both
backends compare and return them alike.

The change cursor. ``seq`` and ``changed`` come from SEQUENCEs, and sequence numbers are
handed out before commit, so two writers can commit out of order: a wall that saw change 8
could miss change 7 committed a moment later. To prevent that, every write of a reaction first
calls ``omg_claim()``, which takes its transaction id and its change number together under a
short lock (microseconds, released before the transaction goes on), so transaction ids and
change numbers rise together. :meth:`PostgresStore.changes` then returns only rows written by
transactions older than every transaction still running (``pg_snapshot_xmin``): a change is
shown at most a few milliseconds late, and never skipped. (A long write transaction anywhere on
the server delays the wall until it ends; it loses nothing.)

The audit log is append-only in the database itself: triggers refuse UPDATE, DELETE and
TRUNCATE of ``audit`` whatever code connects. For a real deployment, also let the store's role
own nothing and hold only SELECT and INSERT on ``audit``, so it cannot drop the triggers.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Callable
from typing import TypeVar

import psycopg
from psycopg import errors

from omgeving._errors import StoreError, ValidationError
from omgeving.reactions import Reaction
from omgeving.store import (
    SCHEMA_VERSION,
    AuditEntry,
    Erasure,
    ParticipantData,
    Snapshot,
    _now,
    _reason,
    moderation,
)

__all__ = ["PostgresStore"]

T = TypeVar("T")

#: Attempts of one write when PostgreSQL answers 40001 or 40P01.
RETRIES = 8
CONNECT_TIMEOUT_S = 10
#: Advisory lock keys: one for creating the schema, one for claiming change numbers.
_SCHEMA_LOCK = 7_104_201_001
_CLAIM_LOCK = 7_104_201_002
_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);
CREATE SEQUENCE reaction_seq AS bigint;
CREATE SEQUENCE change_counter AS bigint;
CREATE TABLE reactions (
    seq         bigint PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    geom        geometry(Geometry, 4326),
    geojson     text NOT NULL,
    theme       text NOT NULL,
    text        text NOT NULL,
    sentiment   smallint CHECK (sentiment BETWEEN -2 AND 2),
    scenario    text,
    channel     text NOT NULL,
    participant text NOT NULL,
    buurt       text,
    created     text NOT NULL,
    status      text NOT NULL CONSTRAINT reactions_status_check
                CHECK (status IN ('pending', 'visible', 'hidden', 'withdrawn', 'erased')),
    agrees      integer NOT NULL DEFAULT 0,
    reports     integer NOT NULL DEFAULT 0,
    changed     bigint NOT NULL,
    reason      text,
    added_xid   xid8 NOT NULL DEFAULT pg_current_xact_id(),
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX reactions_status ON reactions (status, seq);
CREATE INDEX reactions_changed ON reactions (changed);
CREATE INDEX reactions_participant ON reactions (participant, created);
CREATE INDEX reactions_geom ON reactions USING gist (geom);
CREATE TABLE agreements (
    reaction_id text NOT NULL REFERENCES reactions (id),
    participant text NOT NULL,
    created     text NOT NULL,
    PRIMARY KEY (reaction_id, participant)
);
CREATE INDEX agreements_participant ON agreements (participant);
CREATE TABLE reports (
    n           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    reaction_id text NOT NULL REFERENCES reactions (id),
    participant text NOT NULL,
    reason      text NOT NULL,
    created     text NOT NULL,
    PRIMARY KEY (reaction_id, participant)
);
CREATE INDEX reports_participant ON reports (participant);
CREATE TABLE audit (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          text NOT NULL,
    actor       text NOT NULL,
    action      text NOT NULL,
    reaction_id text,
    reason      text NOT NULL
);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
CREATE FUNCTION omg_claim(want_seq boolean, OUT changed bigint, OUT seq bigint)
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_lock({_CLAIM_LOCK});
    BEGIN
        PERFORM pg_current_xact_id();
        changed := nextval('change_counter');
        IF want_seq THEN
            seq := nextval('reaction_seq');
        END IF;
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock({_CLAIM_LOCK});
        RAISE;
    END;
    PERFORM pg_advisory_unlock({_CLAIM_LOCK});
END $$;
"""
_UPGRADE_FROM_2 = """
ALTER TABLE reactions ALTER COLUMN geom DROP NOT NULL;
ALTER TABLE reactions DROP CONSTRAINT reactions_status_check;
ALTER TABLE reactions ADD CONSTRAINT reactions_status_check
    CHECK (status IN ('pending', 'visible', 'hidden', 'withdrawn', 'erased'));
"""
_TABLES = ("meta", "reactions", "agreements", "reports", "audit")
_TRIGGERS = ("audit_no_update", "audit_no_truncate")
_COLUMNS = (
    "seq, id, geojson, theme, text, sentiment, scenario, channel, participant, buurt, "
    "created, status, agrees, reports, changed, reason"
)
#: Rows whose last change is final: written by a transaction older than every running one.
_SETTLED = "pg_snapshot_xmin(pg_current_snapshot())"


class PostgresStore:
    """Reactions in a PostgreSQL database with PostGIS (one connection per store object).

    Parameters
    ----------
    url
        A libpq URL, ``postgresql://user@host:5432/database``.

    Raises
    ------
    StoreError
        When the server cannot be reached, PostGIS is missing, or the store's schema is
        newer than this omgeving.
    """

    def __init__(self, url: str) -> None:
        self.url = _masked(url)
        self._conninfo = url
        self._db = self._connect()
        try:
            with self._db.transaction():
                _create_or_upgrade(self._db, self.url)
        except BaseException:
            self._db.close()
            raise

    def _connect(self) -> psycopg.Connection:
        try:
            return psycopg.connect(
                self._conninfo,
                autocommit=False,
                connect_timeout=CONNECT_TIMEOUT_S,
                application_name="omgeving",
            )
        except psycopg.Error as err:
            raise StoreError(
                f"cannot connect to the reaction store {self.url}: {_first_line(err)}; "
                "check [store] url in omgeving.toml and that PostgreSQL is running"
            ) from err

    def _ready(self) -> psycopg.Connection:
        """The connection; a new one if the last was lost (a server restart, a failover)."""
        if self._db.broken:
            self._db.close()
            self._db = self._connect()
        return self._db

    def _write(self, work: Callable[[psycopg.Cursor], T]) -> T:
        """Run ``work(cursor)`` in one transaction; retry it on 40001 and 40P01."""
        for attempt in range(RETRIES):
            db = self._ready()
            try:
                with db.transaction(), db.cursor() as cur:
                    return work(cur)
            except _RETRYABLE as err:
                if attempt == RETRIES - 1:
                    raise StoreError(
                        f"the reaction store {self.url} stayed busy ({_first_line(err)}); try again"
                    ) from err
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
            except psycopg.Error as err:
                raise StoreError(
                    f"the reaction store {self.url} refused a write: {_first_line(err)}"
                ) from err
        raise AssertionError("unreachable")

    def _read(self, sql: str, args: tuple = ()) -> list[tuple]:
        db = self._ready()
        try:
            with db.transaction(), db.cursor() as cur:
                return cur.execute(sql, args).fetchall()
        except psycopg.Error as err:
            raise StoreError(
                f"the reaction store {self.url} cannot be read: {_first_line(err)}"
            ) from err

    # -- reactions ---------------------------------------------------------------------------

    def add(self, reaction: Reaction) -> bool:
        """Store ``reaction``; return False if a reaction with its id was stored before."""
        r = reaction
        geojson = json.dumps(r.geometry)

        def work(cur: psycopg.Cursor) -> bool:
            cur.execute(  # omg_claim runs before the row is written: see the module's doc
                "INSERT INTO reactions (seq, id, geom, geojson, theme, text, sentiment, "
                "scenario, channel, participant, buurt, created, status, changed) "
                "SELECT c.seq, %s, ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), %s, %s, %s, %s, "
                "%s, %s, %s, %s, %s, %s, c.changed FROM omg_claim(true) c "
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
                ),
            )
            return cur.rowcount == 1

        return self._write(work)

    def get(self, reaction_id: str) -> Reaction | None:
        """Return the reaction with ``reaction_id``, or None."""
        rows = self._read(f"SELECT {_COLUMNS} FROM reactions WHERE id=%s", (reaction_id,))
        return _reaction(rows[0]) if rows else None

    def visible(self, *, since: int = 0, scenario: str | None = None) -> list[Reaction]:
        """Return the visible reactions stored after ``seq`` ``since``, oldest first.

        With ``since`` above 0 (a cursor), a reaction is returned once no older write
        transaction is still running, so none is skipped.
        """
        sql = f"SELECT {_COLUMNS} FROM reactions WHERE status='visible' AND seq>%s"
        args: tuple = (since,)
        if since:
            sql += f" AND added_xid < {_SETTLED}"
        if scenario is not None:
            sql += " AND scenario=%s"
            args += (scenario,)
        return [_reaction(row) for row in self._read(sql + " ORDER BY seq", args)]

    def changes(self, since: int = 0) -> list[Reaction]:
        """Return every reaction changed after cursor ``since`` (any status), by change.

        The cursor is :attr:`Reaction.changed` of the last one returned. A change becomes
        visible here once every older write transaction has ended, so a cursor never skips
        one (see the module's docstring). The query uses an index on ``changed``.
        """
        return [
            _reaction(row)
            for row in self._read(
                f"SELECT {_COLUMNS} FROM reactions WHERE changed>%s AND changed_xid < {_SETTLED} "
                "ORDER BY changed",
                (since,),
            )
        ]

    def all(self) -> list[Reaction]:
        """Return every reaction, hidden and withdrawn ones included, oldest first."""
        return [_reaction(r) for r in self._read(f"SELECT {_COLUMNS} FROM reactions ORDER BY seq")]

    def count(self) -> int:
        """Return the number of stored reactions of every status."""
        return int(self._read("SELECT count(*) FROM reactions")[0][0])

    def count_by(self, participant: str, since: str) -> int:
        """Return how many reactions ``participant`` stored at or after ISO time ``since``."""
        return int(
            self._read(
                "SELECT count(*) FROM reactions WHERE participant=%s AND created>=%s",
                (participant, since),
            )[0][0]
        )

    def update_own(self, reaction: Reaction, participant: str) -> bool:
        """Replace text, theme, sentiment, geometry and buurt of a participant's own reaction.

        Returns False when the reaction is not theirs, or is hidden or withdrawn.
        """
        r = reaction
        geojson = json.dumps(r.geometry)

        def work(cur: psycopg.Cursor) -> bool:
            changed = _claim(cur)
            cur.execute(
                "UPDATE reactions SET geom=ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), "
                "geojson=%s, theme=%s, text=%s, sentiment=%s, scenario=%s, buurt=%s, "
                "changed=%s, changed_xid=pg_current_xact_id() WHERE id=%s AND participant=%s "
                "AND status IN ('visible', 'pending')",
                (
                    geojson,
                    geojson,
                    r.theme,
                    r.text,
                    r.sentiment,
                    r.scenario,
                    r.buurt,
                    changed,
                    r.id,
                    participant,
                ),
            )
            return cur.rowcount == 1

        return self._write(work)

    def withdraw(self, reaction_id: str, participant: str) -> bool:
        """Withdraw a participant's own reaction (kept, for the participatieverslag)."""

        def work(cur: psycopg.Cursor) -> bool:
            changed = _claim(cur)
            cur.execute(
                "UPDATE reactions SET status='withdrawn', changed=%s, "
                "changed_xid=pg_current_xact_id() WHERE id=%s AND participant=%s "
                "AND status IN ('visible', 'pending')",
                (changed, reaction_id, participant),
            )
            return cur.rowcount == 1

        return self._write(work)

    # -- agreements and reports -------------------------------------------------------------

    def agree(self, reaction_id: str, participant: str) -> bool:
        """Record that ``participant`` agrees; return False if they did before.

        ``agrees = agrees + 1`` under READ COMMITTED waits for a concurrent agreement and
        adds to its result, so the count stays exact with many agreeing at once.
        """

        def work(cur: psycopg.Cursor) -> bool:
            changed = _claim(cur)
            cur.execute(
                "INSERT INTO agreements (reaction_id, participant, created) SELECT id, %s, %s "
                "FROM reactions WHERE id=%s AND status='visible' ON CONFLICT DO NOTHING",
                (participant, _now(), reaction_id),
            )
            if cur.rowcount != 1:
                return False
            cur.execute(
                "UPDATE reactions SET agrees=agrees+1, changed=%s, "
                "changed_xid=pg_current_xact_id() WHERE id=%s",
                (changed, reaction_id),
            )
            return True

        return self._write(work)

    def report(
        self, reaction_id: str, participant: str, reason: str, *, threshold: int = 3
    ) -> bool:
        """Record a report with its reason; return False if ``participant`` reported before.

        At ``threshold`` reports a visible reaction is taken off the map (status
        ``pending``) until a moderator decides, and the audit log says so.
        """
        reason = _reason(reason)

        def work(cur: psycopg.Cursor) -> bool:
            changed = _claim(cur)
            cur.execute(
                "INSERT INTO reports (reaction_id, participant, reason, created) "
                "SELECT id, %s, %s, %s FROM reactions WHERE id=%s "
                "AND status IN ('visible', 'pending') ON CONFLICT DO NOTHING",
                (participant, reason, _now(), reaction_id),
            )
            if cur.rowcount != 1:
                return False
            cur.execute(
                "UPDATE reactions SET reports=reports+1, changed=%s, "
                "changed_xid=pg_current_xact_id() WHERE id=%s",
                (changed, reaction_id),
            )
            cur.execute(
                "UPDATE reactions SET status='pending', reason=%s WHERE id=%s AND "
                "status='visible' AND reports>=%s",
                (f"{threshold} meldingen", reaction_id, threshold),
            )
            if cur.rowcount:
                _audit(
                    cur,
                    "systeem",
                    "auto-hide",
                    reaction_id,
                    f"{threshold} meldingen; wacht op een moderator",
                )
            return True

        return self._write(work)

    def reports_for(self, reaction_id: str) -> list[tuple[str, str]]:
        """Return the (reason, time) of every report of a reaction, oldest first."""
        return [
            (r, t)
            for r, t in self._read(
                "SELECT reason, created FROM reports WHERE reaction_id=%s ORDER BY n",
                (reaction_id,),
            )
        ]

    def agreed_by(self, participant: str) -> set[str]:
        """Return the ids of the reactions ``participant`` agreed with."""
        return {
            r
            for (r,) in self._read(
                "SELECT reaction_id FROM agreements WHERE participant=%s", (participant,)
            )
        }

    def reported_by(self, participant: str) -> set[str]:
        """Return the ids of the reactions ``participant`` reported."""
        return {
            r
            for (r,) in self._read(
                "SELECT reaction_id FROM reports WHERE participant=%s", (participant,)
            )
        }

    # -- moderation --------------------------------------------------------------------------

    def moderate(self, reaction_id: str, action: str, *, actor: str, reason: str) -> bool:
        """Hide, restore or approve a reaction, with a required reason, and audit it.

        Returns False when the action does not apply to the reaction's status.

        Raises
        ------
        ValidationError
            When the action is unknown or the actor or reason is empty.
        """
        actor, reason, before, after = moderation(action, actor, reason)

        def work(cur: psycopg.Cursor) -> bool:
            changed = _claim(cur)
            cur.execute(
                "UPDATE reactions SET status=%s, reason=%s, changed=%s, "
                "changed_xid=pg_current_xact_id() WHERE id=%s AND status = ANY(%s)",
                (after, reason, changed, reaction_id, list(before)),
            )
            if cur.rowcount != 1:
                return False
            _audit(cur, actor, action, reaction_id, reason)
            return True

        return self._write(work)

    def queue(self) -> list[Reaction]:
        """Return the reactions waiting for a moderator (status ``pending``), oldest first."""
        return [
            _reaction(r)
            for r in self._read(
                f"SELECT {_COLUMNS} FROM reactions WHERE status='pending' ORDER BY seq"
            )
        ]

    def audit_log(self) -> list[AuditEntry]:
        """Return the audit log, oldest first."""
        return [
            AuditEntry(*row)
            for row in self._read(
                "SELECT seq, at, actor, action, reaction_id, reason FROM audit ORDER BY seq"
            )
        ]

    def log(self, action: str, *, actor: str, reason: str, reaction_id: str | None = None) -> None:
        """Append an entry to the audit log (for actions on no single reaction)."""
        actor, reason = _reason(actor, what="actor"), _reason(reason)
        self._write(lambda cur: _audit(cur, actor, action, reaction_id, reason))

    # -- privacy -----------------------------------------------------------------------------

    def participant_data(self, participant: str) -> ParticipantData:
        """Return everything stored of ``participant`` (reactions, agreements, reports)."""
        db = self._ready()
        try:
            with db.transaction(), db.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                reactions = cur.execute(
                    f"SELECT {_COLUMNS} FROM reactions WHERE participant=%s ORDER BY seq",
                    (participant,)).fetchall()
                agreements = cur.execute(
                    "SELECT reaction_id, created FROM agreements WHERE participant=%s "
                    "ORDER BY created, reaction_id", (participant,)).fetchall()
                reports = cur.execute(
                    "SELECT reaction_id, reason, created FROM reports WHERE participant=%s "
                    "ORDER BY n", (participant,)).fetchall()
        except psycopg.Error as err:
            raise StoreError(
                f"the reaction store {self.url} cannot be read: {_first_line(err)}"
            ) from err
        return ParticipantData(participant, [_reaction(r) for r in reactions],
                               [tuple(a) for a in agreements], [tuple(r) for r in reports])

    def erase_participant(self, participant: str, *, actor: str, reason: str) -> Erasure:
        """Erase a participant's data (GDPR art. 17), and say so in the audit log.

        See :meth:`omgeving.store.SQLiteStore.erase_participant`.
        """
        actor, reason = _reason(actor, what="actor"), _reason(reason)
        if not participant:
            raise ValidationError("the participant token is empty", key="error.invalid")

        def work(cur: psycopg.Cursor) -> Erasure:
            changed = _claim(cur)
            agreements = _uncount(cur, "agreements", "agrees", participant, changed)
            reports = _uncount(cur, "reports", "reports", participant, changed)
            erased = _erase(cur, "participant=%s", (participant,), actor, "erase", reason,
                            changed)
            _audit(cur, actor, "erase", None, f"{reason} ({erased} reacties, {agreements} "
                   f"instemmingen, {reports} meldingen van één deelnemer gewist)")
            return Erasure(erased, agreements, reports)

        return self._write(work)

    def purge(self, before: str, *, actor: str) -> int:
        """Erase every reaction created before ISO time ``before`` (the retention period)."""
        actor = _reason(actor, what="actor")
        why = f"bewaartermijn verstreken (van voor {before})"

        def work(cur: psycopg.Cursor) -> int:
            erased = _erase(cur, "created<%s", (before,), actor, "purge", why, _claim(cur))
            if erased:
                _audit(cur, actor, "purge", None, f"{why}: {erased} reacties gewist")
            return erased

        return self._write(work)

    def snapshot(self) -> Snapshot:
        """Return every reaction and the audit log as of one moment (REPEATABLE READ)."""
        db = self._ready()
        try:
            with db.transaction(), db.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                reactions = cur.execute(
                    f"SELECT {_COLUMNS} FROM reactions ORDER BY seq").fetchall()
                audit = cur.execute("SELECT seq, at, actor, action, reaction_id, reason "
                                    "FROM audit ORDER BY seq").fetchall()
        except psycopg.Error as err:
            raise StoreError(
                f"the reaction store {self.url} cannot be read: {_first_line(err)}"
            ) from err
        return Snapshot(_now(), [_reaction(r) for r in reactions],
                        [AuditEntry(*a) for a in audit])

    # -- health ------------------------------------------------------------------------------

    def schema_version(self) -> int:
        """Return the schema version written in the store."""
        return int(self._read("SELECT value FROM meta WHERE key='schema_version'")[0][0])

    def integrity_check(self) -> str:
        """Check the store; return ``'ok'`` when healthy, else what is wrong.

        PostgreSQL has no ``PRAGMA integrity_check``; this checks that the tables and the
        audit triggers are there and enabled, that the schema version is this omgeving's,
        that every reaction's agreement and report counts equal its rows (no lost update),
        and, where the ``amcheck`` extension is installed, every B-tree index of the store
        against its table (``bt_index_check`` with ``heapallindexed``) and every table's
        pages (``verify_heapam``).
        """
        problems: list[str] = []
        db = self._ready()
        try:
            with db.transaction(), db.cursor() as cur:
                problems += _structure_problems(cur)
                if not problems:
                    problems += _count_problems(cur)
                    problems += _amcheck_problems(cur)
        except psycopg.Error as err:
            problems.append(_first_line(err))
        return "; ".join(problems) or "ok"

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _claim(cur: psycopg.Cursor) -> int:
    """Take this write's change number (first, before any row is written)."""
    return cur.execute("SELECT changed FROM omg_claim(false)").fetchone()[0]


def _audit(
    cur: psycopg.Cursor, actor: str, action: str, reaction_id: str | None, reason: str
) -> None:
    cur.execute(
        "INSERT INTO audit (at, actor, action, reaction_id, reason) VALUES (%s, %s, %s, %s, %s)",
        (_now(), actor, action, reaction_id, reason),
    )


def _uncount(cur: psycopg.Cursor, table: str, column: str, participant: str,
             changed: int) -> int:
    """Delete a participant's agreements or reports and take them off the counts."""
    cur.execute(
        f"WITH gone AS (DELETE FROM {table} WHERE participant=%s RETURNING reaction_id) "
        f"UPDATE reactions r SET {column}={column}-g.n, changed=%s, "
        "changed_xid=pg_current_xact_id() FROM (SELECT reaction_id, count(*) AS n FROM gone "
        "GROUP BY reaction_id) g WHERE r.id=g.reaction_id RETURNING g.n",
        (participant, changed),
    )
    return sum(n for (n,) in cur.fetchall())


def _erase(cur: psycopg.Cursor, where: str, args: tuple, actor: str, action: str, reason: str,
           changed: int) -> int:
    """Empty the reactions matching ``where`` to their id, channel, scenario and time."""
    ids = [i for (i,) in cur.execute(
        f"SELECT id FROM reactions WHERE status<>'erased' AND {where} FOR UPDATE", args)]
    if not ids:
        return 0
    cur.execute("INSERT INTO audit (at, actor, action, reaction_id, reason) "
                "SELECT %s, %s, %s, unnest(%s::text[]), %s", (_now(), actor, action, ids, reason))
    for table in ("agreements", "reports"):
        cur.execute(f"DELETE FROM {table} WHERE reaction_id = ANY(%s)", (ids,))
    cur.execute(
        "UPDATE reactions SET geom=NULL, geojson='null', theme='', text='', sentiment=NULL, "
        "buurt=NULL, participant='', agrees=0, reports=0, status='erased', reason=%s, "
        "changed=%s, changed_xid=pg_current_xact_id() WHERE id = ANY(%s)",
        (reason, changed, ids),
    )
    return len(ids)


def _create_or_upgrade(db: psycopg.Connection, url: str) -> None:
    """Create the schema once (one process at a time), or refuse a newer one."""
    cur = db.cursor()
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
    if cur.execute("SELECT to_regclass('meta')").fetchone()[0] is not None:
        row = cur.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        found = int(row[0]) if row else 0
        if found == SCHEMA_VERSION:
            return
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the reaction store {url} has schema version {found}, newer "
                f"than this omgeving ({SCHEMA_VERSION}); upgrade omgeving"
            )
        if found == 2:  # v3: erased reactions keep no place
            cur.execute(_UPGRADE_FROM_2)
            cur.execute(
                "UPDATE meta SET value=%s WHERE key='schema_version'", (str(SCHEMA_VERSION),)
            )
            return
        if found:  # the first PostgreSQL stores were written with schema 2
            raise StoreError(
                f"the reaction store {url} has schema version {found}, which "
                "this omgeving cannot upgrade; export it with the omgeving that "
                "wrote it"
            )
    if cur.execute("SELECT 1 FROM pg_extension WHERE extname='postgis'").fetchone() is None:
        try:
            with db.transaction():
                cur.execute("CREATE EXTENSION postgis")
        except psycopg.Error as err:
            raise StoreError(
                f"the database of the reaction store {url} has no PostGIS and "
                f"cannot get it ({_first_line(err)}); as a superuser run: "
                "CREATE EXTENSION postgis"
            ) from err
    cur.execute(_SCHEMA)
    cur.execute(
        "INSERT INTO meta VALUES ('schema_version', %s) ON CONFLICT (key) "
        "DO UPDATE SET value=excluded.value",
        (str(SCHEMA_VERSION),),
    )
    try:  # amcheck lets integrity_check look at the indexes; optional, needs privileges
        with db.transaction():
            cur.execute("CREATE EXTENSION IF NOT EXISTS amcheck")
    except psycopg.Error:
        pass


def _structure_problems(cur: psycopg.Cursor) -> list[str]:
    problems = [
        f"table {t} is missing"
        for t in _TABLES
        if cur.execute("SELECT to_regclass(%s)", (t,)).fetchone()[0] is None
    ]
    if problems:
        return problems
    enabled = {
        name
        for (name,) in cur.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid='audit'::regclass AND tgenabled<>'D'"
        )
    }
    problems += [
        f"trigger {t} of the audit log is missing or disabled"
        for t in _TRIGGERS
        if t not in enabled
    ]
    row = cur.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None or int(row[0]) != SCHEMA_VERSION:
        problems.append(f"schema version is {row and row[0]}, not {SCHEMA_VERSION}")
    return problems


def _count_problems(cur: psycopg.Cursor) -> list[str]:
    (wrong,) = cur.execute(
        "SELECT count(*) FROM reactions r WHERE "
        "agrees <> (SELECT count(*) FROM agreements a WHERE a.reaction_id=r.id) OR "
        "reports <> (SELECT count(*) FROM reports p WHERE p.reaction_id=r.id)"
    ).fetchone()
    if wrong:
        return [f"{wrong} reactions have agreement or report counts unequal to their rows"]
    return []


def _amcheck_problems(cur: psycopg.Cursor) -> list[str]:
    """Check the store's B-tree indexes and table pages with amcheck, if we may."""
    row = cur.execute("SELECT extversion FROM pg_extension WHERE extname='amcheck'").fetchone()
    if row is None:
        return []
    problems = []
    try:
        with cur.connection.transaction():  # a savepoint: a refusal leaves the rest standing
            cur.execute(
                "SELECT bt_index_check(i.indexrelid, true) FROM pg_index i "
                "JOIN pg_class c ON c.oid=i.indexrelid JOIN pg_am a ON a.oid=c.relam "
                "WHERE a.amname='btree' AND i.indrelid = ANY(%s::regclass[])",
                (list(_TABLES),),
            )
            if tuple(int(p) for p in row[0].split(".")) >= (1, 3):  # verify_heapam: PG 14+
                for table in _TABLES:
                    for blkno, _offnum, _attnum, msg in cur.execute(
                        "SELECT * FROM verify_heapam(%s::regclass)", (table,)
                    ):
                        problems.append(f"table {table} page {blkno}: {msg}")
    except errors.InsufficientPrivilege:
        return []  # amcheck is installed, but this role may not run it
    return problems


def _reaction(row: tuple) -> Reaction:
    (
        seq,
        id_,
        geojson,
        theme,
        text,
        sentiment,
        scenario,
        channel,
        participant,
        buurt,
        created,
        status,
        agrees,
        reports,
        changed,
        reason,
    ) = row
    return Reaction(
        id=id_,
        geometry=json.loads(geojson),
        theme=theme,
        text=text,
        sentiment=sentiment,
        scenario=scenario,
        channel=channel,
        participant=participant,
        buurt=buurt,
        created=created,
        status=status,
        agrees=agrees,
        reports=reports,
        seq=seq,
        changed=changed,
        reason=reason,
    )


def _masked(url: str) -> str:
    """Return ``url`` without its password, for messages."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", url)


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__

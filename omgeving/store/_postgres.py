"""The reaction store on PostgreSQL with PostGIS, for deployments beyond one machine.

The same interface (:class:`omgeving.store.Store`) and behaviour as the SQLite store, chosen by a
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
from omgeving.store import Store
from omgeving.store._model import (
    EVENING_COLUMNS,
    EVENING_FIELDS,
    RESPONSE_VALUES,
    ROUND_COLUMNS,
    ROUND_FIELDS,
    UNSPECIFIED_THEMES,
    AuditEntry,
    Erasure,
    Evening,
    Link,
    ParticipantData,
    Profile,
    Response,
    RoundPlan,
    Snapshot,
    _now,
    check_evening,
    check_profile,
    check_reason,
    check_response,
    check_round_plan,
    evening_entry,
    evening_from_row,
    evening_values,
    link_pair,
    moderation,
    profile_from_row,
    reaction_from_row,
    response_entry,
    response_from_row,
    response_values,
    round_plan_entry,
    round_plan_from_row,
    round_plan_values,
    theme_change,
    upsert_sql,
)
from omgeving.store._pg_rows import _audit, _claim, _erase, _insert, _uncount
from omgeving.store._pg_schema import (
    _amcheck_problems,
    _count_problems,
    _create_or_upgrade,
    _first_line,
    _masked,
    _structure_problems,
    _value,
)

__all__ = ["PostgresStore"]

T = TypeVar("T")

#: Attempts of one write when PostgreSQL answers 40001 or 40P01.
RETRIES = 8
CONNECT_TIMEOUT_S = 10
_RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)

_COLUMNS = (
    "seq, id, geojson, theme, text, sentiment, scenario, channel, participant, buurt, "
    "created, status, agrees, reports, changed, reason, round, evening"
)
#: Rows whose last change is final: written by a transaction older than every running one.
_SETTLED = "pg_snapshot_xmin(pg_current_snapshot())"


class PostgresStore(Store):
    """Reactions in a PostgreSQL database with PostGIS (one connection per store object).

    Parameters
    ----------
    url
        A libpq URL, ``postgresql://user@host:5432/database``.
    create
        Create omgeving's tables in a database that has none; without it such a database is
        an error (a wrong database name must not start an empty store unseen).

    Raises
    ------
    StoreError
        When the server or the database cannot be reached, the database has no store (and
        ``create`` is false), PostGIS is missing, or the store's schema is newer than this
        omgeving.
    """

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = _masked(url)
        self._conninfo = url
        self._db = self._connect()
        try:
            with self._db.transaction():
                _create_or_upgrade(self._db, self.url, create=create)
        except psycopg.Error as err:
            self._db.close()
            raise StoreError(
                f"cannot open the reaction store {self.url}: {_first_line(err)}"
            ) from err
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
            missing = re.search(r'database "([^"]*)" does not exist', str(err))
            if missing:
                raise StoreError(
                    f"the database {missing.group(1)!r} of the reaction store {self.url} does "
                    "not exist on that server; correct the database name in [store] url of "
                    f"omgeving.toml (or, for a new store, create it: createdb {missing.group(1)})"
                ) from err
            raise StoreError(
                f"cannot connect to the reaction store {self.url}: {_first_line(err)}; "
                "check [store] url in omgeving.toml and that PostgreSQL is running"
            ) from err

    def _ready(self) -> psycopg.Connection:
        """Return the connection; a new one if the last was lost (a server restart, a failover)."""
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
        return self._write(lambda cur: _insert(cur, reaction))

    def add_logged(self, reaction: Reaction, *, action: str, actor: str, reason: str) -> bool:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)

        def work(cur: psycopg.Cursor) -> bool:
            if not _insert(cur, reaction):
                return False
            _audit(cur, actor, action, reaction.id, reason)
            return True

        return self._write(work)

    def get(self, reaction_id: str) -> Reaction | None:
        rows = self._read(f"SELECT {_COLUMNS} FROM reactions WHERE id=%s", (reaction_id,))
        return reaction_from_row(rows[0]) if rows else None

    def visible(self, *, since: int = 0, scenario: str | None = None) -> list[Reaction]:
        # with a cursor, only rows added by transactions older than every running one
        sql = f"SELECT {_COLUMNS} FROM reactions WHERE status='visible' AND seq>%s"
        args: tuple = (since,)
        if since:
            sql += f" AND added_xid < {_SETTLED}"
        if scenario is not None:
            sql += " AND scenario=%s"
            args += (scenario,)
        return [reaction_from_row(row) for row in self._read(sql + " ORDER BY seq", args)]

    def changes(self, since: int = 0) -> list[Reaction]:
        # only settled changes (see the module's docstring); an index on ``changed``
        return [
            reaction_from_row(row)
            for row in self._read(
                f"SELECT {_COLUMNS} FROM reactions WHERE changed>%s AND changed_xid < {_SETTLED} "
                "ORDER BY changed",
                (since,),
            )
        ]

    def all(self) -> list[Reaction]:
        rows = self._read(f"SELECT {_COLUMNS} FROM reactions ORDER BY seq")
        return [reaction_from_row(r) for r in rows]

    def count(self) -> int:
        return int(self._read("SELECT count(*) FROM reactions")[0][0])

    def count_by(self, participant: str, since: str) -> int:
        return int(
            self._read(
                "SELECT count(*) FROM reactions WHERE participant=%s AND created>=%s",
                (participant, since),
            )[0][0]
        )

    def update_own(self, reaction: Reaction, participant: str) -> bool:
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
        # ``agrees = agrees + 1`` under READ COMMITTED waits for a concurrent agreement and
        # adds to its result, so the count stays exact with many agreeing at once.

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
        reason = check_reason(reason)

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
        return [
            (r, t)
            for r, t in self._read(
                "SELECT reason, created FROM reports WHERE reaction_id=%s ORDER BY n",
                (reaction_id,),
            )
        ]

    def agreed_by(self, participant: str) -> set[str]:
        return {
            r
            for (r,) in self._read(
                "SELECT reaction_id FROM agreements WHERE participant=%s", (participant,)
            )
        }

    def reported_by(self, participant: str) -> set[str]:
        return {
            r
            for (r,) in self._read(
                "SELECT reaction_id FROM reports WHERE participant=%s", (participant,)
            )
        }

    # -- moderation --------------------------------------------------------------------------

    def moderate(self, reaction_id: str, action: str, *, actor: str, reason: str) -> bool:
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
        return [
            reaction_from_row(r)
            for r in self._read(
                f"SELECT {_COLUMNS} FROM reactions WHERE status='pending' ORDER BY seq"
            )
        ]

    def set_theme(self, reaction_id: str, theme: str, *, actor: str, reason: str) -> bool:
        theme, actor, reason = theme_change(theme, actor, reason)

        def work(cur: psycopg.Cursor) -> bool:
            row = cur.execute(
                "SELECT theme FROM reactions WHERE id=%s AND status<>'erased' "
                "AND theme = ANY(%s) FOR UPDATE",
                (reaction_id, sorted(UNSPECIFIED_THEMES)),
            ).fetchone()
            if row is None:
                return False
            cur.execute(
                "UPDATE reactions SET theme=%s, changed=%s, changed_xid=pg_current_xact_id() "
                "WHERE id=%s",
                (theme, _claim(cur), reaction_id),
            )
            _audit(cur, actor, "theme", reaction_id, f"{row[0] or '(geen)'} → {theme}: {reason}")
            return True

        return self._write(work)

    def link(self, a: str, b: str, *, same: bool, actor: str, reason: str) -> bool:
        a, b = link_pair(a, b)
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)

        def work(cur: psycopg.Cursor) -> bool:
            found = _value(cur, "SELECT count(*) FROM reactions WHERE id IN (%s, %s)", (a, b))
            before = cur.execute(
                "SELECT same FROM links WHERE a=%s AND b=%s FOR UPDATE", (a, b)
            ).fetchone()
            if found != 2 or (before is not None and before[0] == same):
                return False
            cur.execute(
                "INSERT INTO links (a, b, same, actor, at) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (a, b) DO UPDATE SET same=excluded.same, actor=excluded.actor, "
                "at=excluded.at",
                (a, b, same, actor, _now()),
            )
            _audit(cur, actor, "link" if same else "unlink", a, f"#{b}: {reason}")
            return True

        return self._write(work)

    def links(self) -> list[Link]:
        return [
            Link(*row)
            for row in self._read("SELECT a, b, same, actor, at FROM links ORDER BY at, a, b")
        ]

    def audit_log(self) -> list[AuditEntry]:
        return [
            AuditEntry(*row)
            for row in self._read(
                "SELECT seq, at, actor, action, reaction_id, reason FROM audit ORDER BY seq"
            )
        ]

    def log(self, action: str, *, actor: str, reason: str, reaction_id: str | None = None) -> None:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        self._write(lambda cur: _audit(cur, actor, action, reaction_id, reason))

    # -- rounds, evenings, responses -------------------------------------------------------

    def set_round(self, slug: str, open: bool, *, actor: str, reason: str) -> bool:
        slug = check_reason(slug, what="round", limit=63)
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)

        def work(cur: psycopg.Cursor) -> bool:
            row = cur.execute(
                "SELECT open FROM round_state WHERE slug=%s FOR UPDATE", (slug,)
            ).fetchone()
            if row is not None and row[0] == open:
                return False
            cur.execute(
                "INSERT INTO round_state VALUES (%s, %s, %s, %s) ON CONFLICT (slug) DO UPDATE "
                "SET open=excluded.open, actor=excluded.actor, at=excluded.at",
                (slug, open, actor, _now()),
            )
            _audit(cur, actor, "round-open" if open else "round-close", None, f"{slug}: {reason}")
            return True

        return self._write(work)

    def round_states(self) -> dict[str, bool]:
        return {slug: bool(o) for slug, o in self._read("SELECT slug, open FROM round_state")}

    def save_round_plan(self, plan: RoundPlan, *, actor: str) -> bool:
        p = check_round_plan(plan)
        return self._save_row("round_plans", "slug", ROUND_FIELDS, p.slug, round_plan_values(p),
                              actor=actor, action="round-plan", entry=round_plan_entry(p))

    def round_plans(self) -> list[RoundPlan]:
        return [round_plan_from_row(*row) for row in self._read(_ROUND_PLANS)]

    def save_evening(self, evening: Evening, *, actor: str) -> bool:
        e = check_evening(evening)
        return self._save_row("evenings", "id", EVENING_FIELDS, e.id, evening_values(e),
                              actor=actor, action="evening", entry=evening_entry(e))

    def _save_row(self, table: str, key: str, fields: tuple[str, ...], key_value: str,
                  values: tuple, *, actor: str, action: str, entry: str) -> bool:
        """Write a row of a register (:func:`upsert_sql`) and audit it; False if unchanged."""
        actor = check_reason(actor, what="actor")
        read, write = upsert_sql(table, key, fields, "%s")

        def work(cur: psycopg.Cursor) -> bool:
            row = cur.execute(read + " FOR UPDATE", (key_value,)).fetchone()
            if row is not None and tuple(row) == values:
                return False
            cur.execute(write, (key_value, *values, actor, _now()))
            _audit(cur, actor, action, None, entry)
            return True

        return self._write(work)

    def evenings(self) -> list[Evening]:
        return [
            evening_from_row(*row)
            for row in self._read(f"SELECT {EVENING_COLUMNS} FROM evenings ORDER BY day, at")
        ]

    def save_response(self, response: Response, *, actor: str) -> bool:
        r = check_response(response)
        actor = check_reason(actor, what="actor")
        values = response_values(r)
        columns = RESPONSE_VALUES.split(", ")

        def work(cur: psycopg.Cursor) -> bool:
            row = cur.execute(
                f"SELECT {RESPONSE_VALUES} FROM responses WHERE id=%s FOR UPDATE", (r.id,)
            ).fetchone()
            if row is not None and tuple(row) == values:
                return False
            cur.execute(
                f"INSERT INTO responses (id, {RESPONSE_VALUES}, actor, at) VALUES "
                f"({', '.join(['%s'] * 11)}) ON CONFLICT (id) DO UPDATE SET "
                + ", ".join(f"{c}=excluded.{c}" for c in (*columns, "actor", "at")),
                (r.id, *values, actor, _now()),
            )
            _audit(cur, actor, "response", r.id if r.kind == "reaction" else None,
                   response_entry(r))
            return True

        return self._write(work)

    def delete_response(self, response_id: str, *, actor: str, reason: str) -> bool:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)

        def work(cur: psycopg.Cursor) -> bool:
            row = cur.execute(
                f"DELETE FROM responses WHERE id=%s RETURNING id, {RESPONSE_VALUES}, actor, at",
                (response_id,),
            ).fetchone()
            if row is None:
                return False
            gone = response_from_row(*row)
            _audit(cur, actor, "response-withdrawn", None,
                   f"{reason} (was: {response_entry(gone)})")
            return True

        return self._write(work)

    def responses(self) -> list[Response]:
        return [response_from_row(*row) for row in self._read(_RESPONSES)]

    # -- background answers --------------------------------------------------------------------

    def add_profile(self, channel: str, *, age: str | None, relation: tuple[str, ...]) -> None:
        channel, age, ticked = check_profile(channel, age, relation)
        self._write(
            lambda cur: cur.execute(
                "INSERT INTO profiles (day, channel, age, relation) VALUES (%s, %s, %s, %s)",
                (_now()[:10], channel, age, ",".join(ticked)),
            )
        )

    def profiles(self) -> list[Profile]:
        return [profile_from_row(*row) for row in self._read(_PROFILES)]

    # -- privacy -----------------------------------------------------------------------------

    def participant_data(self, participant: str) -> ParticipantData:
        db = self._ready()
        try:
            with db.transaction(), db.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                reactions = cur.execute(
                    f"SELECT {_COLUMNS} FROM reactions WHERE participant=%s ORDER BY seq",
                    (participant,),
                ).fetchall()
                agreements = cur.execute(
                    "SELECT reaction_id, created FROM agreements WHERE participant=%s "
                    "ORDER BY created, reaction_id",
                    (participant,),
                ).fetchall()
                reports = cur.execute(
                    "SELECT reaction_id, reason, created FROM reports WHERE participant=%s "
                    "ORDER BY n",
                    (participant,),
                ).fetchall()
        except psycopg.Error as err:
            raise StoreError(
                f"the reaction store {self.url} cannot be read: {_first_line(err)}"
            ) from err
        return ParticipantData(
            participant,
            [reaction_from_row(r) for r in reactions],
            [tuple(a) for a in agreements],
            [tuple(r) for r in reports],
        )

    def erase_participant(self, participant: str, *, actor: str, reason: str) -> Erasure:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        if not participant:
            raise ValidationError("the participant token is empty", key="error.invalid")

        def work(cur: psycopg.Cursor) -> Erasure:
            changed = _claim(cur)
            agreements = _uncount(cur, "agreements", "agrees", participant, changed)
            reports = _uncount(cur, "reports", "reports", participant, changed)
            erased = _erase(cur, "participant=%s", (participant,), actor, "erase", reason, changed)
            _audit(
                cur,
                actor,
                "erase",
                None,
                f"{reason} ({erased} reacties, {agreements} "
                f"instemmingen, {reports} meldingen van één deelnemer gewist)",
            )
            return Erasure(erased, agreements, reports)

        return self._write(work)

    def purge(self, before: str, *, actor: str) -> int:
        actor = check_reason(actor, what="actor")
        why = f"bewaartermijn verstreken (van voor {before})"

        def work(cur: psycopg.Cursor) -> int:
            erased = _erase(cur, "created<%s", (before,), actor, "purge", why, _claim(cur))
            if erased:
                _audit(cur, actor, "purge", None, f"{why}: {erased} reacties gewist")
            cur.execute("DELETE FROM profiles WHERE day<%s", (before[:10],))
            return erased

        return self._write(work)

    def snapshot(self) -> Snapshot:
        db = self._ready()
        try:
            with db.transaction(), db.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                reactions = cur.execute(f"SELECT {_COLUMNS} FROM reactions ORDER BY seq").fetchall()
                audit = cur.execute(
                    "SELECT seq, at, actor, action, reaction_id, reason FROM audit ORDER BY seq"
                ).fetchall()
                links = cur.execute(
                    "SELECT a, b, same, actor, at FROM links ORDER BY at, a, b"
                ).fetchall()
                profiles = cur.execute(_PROFILES).fetchall()
                rounds = cur.execute("SELECT slug, open FROM round_state").fetchall()
                plans = cur.execute(_ROUND_PLANS).fetchall()
                evenings = cur.execute(
                    f"SELECT {EVENING_COLUMNS} FROM evenings ORDER BY day, at"
                ).fetchall()
                responses = cur.execute(_RESPONSES).fetchall()
        except psycopg.Error as err:
            raise StoreError(
                f"the reaction store {self.url} cannot be read: {_first_line(err)}"
            ) from err
        return Snapshot(
            _now(),
            [reaction_from_row(r) for r in reactions],
            [AuditEntry(*a) for a in audit],
            [Link(*row) for row in links],
            [profile_from_row(*row) for row in profiles],
            {slug: bool(o) for slug, o in rounds},
            [round_plan_from_row(*row) for row in plans],
            [evening_from_row(*row) for row in evenings],
            [response_from_row(*row) for row in responses],
        )

    # -- health ------------------------------------------------------------------------------

    def schema_version(self) -> int:
        return int(self._read("SELECT value FROM meta WHERE key='schema_version'")[0][0])

    def integrity_check(self) -> str:
        # PostgreSQL has no PRAGMA integrity_check: see Store.integrity_check for what is
        # checked here (tables, triggers, schema version, counts, amcheck where installed).
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

    def quick_check(self) -> str:
        return self.integrity_check()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> PostgresStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_PROFILES = "SELECT day, channel, age, relation FROM profiles ORDER BY seq"
_RESPONSES = f"SELECT id, {RESPONSE_VALUES}, actor, at FROM responses ORDER BY seq"
_ROUND_PLANS = f"SELECT {ROUND_COLUMNS} FROM round_plans ORDER BY start_day, slug"

"""The reaction store in one SQLite file: the embedded default (see :class:`~omgeving.store.Store`).

The file lives in the project folder and is opened through APSW, which bundles a current
SQLite (3.51.3 or newer: older versions can corrupt a WAL database when several processes
write at once). Every write is one ``BEGIN IMMEDIATE`` transaction in WAL mode with
``synchronous=FULL`` and a busy timeout, so a reaction is on disk before the resident sees
"bedankt". Writers queue on a lock file beside the store, so a hundred at once are served in
turn. The audit log's triggers refuse UPDATE and DELETE.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import apsw

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
from omgeving.store._sqlite_schema import (
    _check_sqlite_version,
    _create_or_upgrade,
    _refuse_network_fs,
)

__all__ = ["SQLiteStore", "repair_hint"]

BUSY_TIMEOUT_MS = 10_000
_COLUMNS = (
    "seq, id, geometry, theme, text, sentiment, scenario, channel, participant, buurt, "
    "created, status, agrees, reports, changed, reason, round, evening"
)
_NEXT_CHANGE = "(SELECT coalesce(max(changed), 0) + 1 FROM reactions)"


def _missing(path: Path) -> StoreError:
    """Return the error for a SQLite store that does not exist, naming the stores beside it."""
    where = f"the reaction store {path} (from [store] url in omgeving.toml) does not exist"
    if not path.parent.is_dir():
        return StoreError(f"{where}, nor does its folder; correct the url")
    others = sorted(p.name for p in path.parent.glob("*.sqlite") if p.is_file())
    if others:
        return StoreError(
            f"{where}; its folder has {', '.join(others)} — correct the url, or move the old "
            "store out of that folder if you meant to start empty (the first 'omgeving serve' "
            "then creates a new one)"
        )
    return StoreError(
        f"{where}; check the url. A project without a store yet gets one from its first "
        "'omgeving serve' (in Python: open_store(url, create=True))"
    )


def repair_hint(path: Path, why: str) -> str:
    """Return how to fix the damaged SQLite store ``path``: restore it, or move it away.

    ``why`` ends the text, in brackets ("nothing was changed").
    """
    return (
        f"restore it from a backup (a copy of {path.name} made while no server ran), or "
        f"recover what is left with: sqlite3 {path.name} .recover | sqlite3 recovered.sqlite; "
        f"or move it out of its folder (with any {path.name}-wal and {path.name}-shm) to "
        f"start an empty store ({why})"
    )


class SQLiteStore(Store):
    """Reactions in one SQLite file (WAL, ``BEGIN IMMEDIATE``, ``synchronous=FULL``)."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False) -> None:
        self.path = Path(path)
        _check_sqlite_version()
        _refuse_network_fs(self.path)
        if not create:
            _refuse_missing_or_empty(self.path)
        flags = apsw.SQLITE_OPEN_READWRITE | (apsw.SQLITE_OPEN_CREATE if create else 0)
        try:
            self._db = apsw.Connection(str(self.path), flags=flags)
        except apsw.CantOpenError as err:
            if not self.path.exists():
                raise _missing(self.path) from err
            raise StoreError(
                f"cannot open the reaction store {self.path}: {err}; check that "
                "the file and its folder are readable and writable"
            ) from err
        except apsw.Error as err:
            raise StoreError(
                f"cannot open the reaction store {self.path}: {err}; "
                "check that the file is a SQLite database and writable"
            ) from err
        self._lock = -1
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        """Set WAL and the pragmas, and create or upgrade the schema."""
        try:
            self._db.set_busy_timeout(BUSY_TIMEOUT_MS)
            mode = _value(self._db, "PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            if mode.lower() != "wal":
                raise StoreError(f"the reaction store {self.path} cannot use WAL (got {mode!r})")
            self._lock = os.open(f"{self.path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
            with self._transaction() as db:  # foreign keys are off while an upgrade rebuilds
                _create_or_upgrade(db, self.path)
            self._db.execute("PRAGMA foreign_keys=ON")
        except (apsw.NotADBError, apsw.CorruptError) as err:
            raise StoreError(
                f"cannot open the reaction store {self.path}: it is damaged "
                f"({err}); {repair_hint(self.path, 'nothing was changed')}"
            ) from err
        except apsw.Error as err:
            raise StoreError(
                f"cannot open the reaction store {self.path}: {err}; "
                "check that the file is a SQLite database and writable"
            ) from err

    @contextmanager
    def _write(self) -> Iterator[apsw.Connection]:
        """One write transaction of a store method; a write SQLite refuses is a StoreError."""
        try:
            with self._transaction() as db:
                yield db
        except apsw.Error as err:
            raise StoreError(f"the reaction store {self.path} refused a write: {err}") from err

    @contextmanager
    def _transaction(self) -> Iterator[apsw.Connection]:
        """Run one write transaction, after the writers before it.

        Writers queue on an exclusive lock of a file beside the store first: SQLite's own busy
        wait retries at random and lets an unlucky writer wait past any timeout when a hundred
        processes write at once; a queue serves them in turn. The kernel releases the lock
        when a process dies, even by kill -9.
        """
        with self._queue():
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except apsw.BusyError as err:
                raise StoreError(
                    f"the reaction store {self.path} stayed locked for "
                    f"{BUSY_TIMEOUT_MS / 1000:.0f} s; try again"
                ) from err
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _queue(self) -> Iterator[None]:
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(self._lock, fcntl.LOCK_UN)

    # -- reactions ---------------------------------------------------------------------------

    def add(self, reaction: Reaction) -> bool:
        with self._write() as db:
            return _insert(db, reaction)

    def add_logged(self, reaction: Reaction, *, action: str, actor: str, reason: str) -> bool:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        with self._write() as db:
            if not _insert(db, reaction):
                return False
            _audit(db, actor, action, reaction.id, reason)
            return True

    def get(self, reaction_id: str) -> Reaction | None:
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM reactions WHERE id=?", (reaction_id,)
        ).fetchone()
        return reaction_from_row(row) if row else None

    def visible(self, *, since: int = 0, scenario: str | None = None) -> list[Reaction]:
        sql = f"SELECT {_COLUMNS} FROM reactions WHERE status='visible' AND seq>?"
        args: tuple = (since,)
        if scenario is not None:
            sql += " AND scenario=?"
            args += (scenario,)
        return [reaction_from_row(row) for row in self._db.execute(sql + " ORDER BY seq", args)]

    def changes(self, since: int = 0) -> list[Reaction]:
        return [
            reaction_from_row(row)
            for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM reactions WHERE changed>? ORDER BY changed", (since,)
            )
        ]

    def all(self) -> list[Reaction]:
        rows = self._db.execute(f"SELECT {_COLUMNS} FROM reactions ORDER BY seq")
        return [reaction_from_row(r) for r in rows]

    def count(self) -> int:
        return int(_value(self._db, "SELECT count(*) FROM reactions"))

    def count_by(self, participant: str, since: str) -> int:
        return int(
            _value(
                self._db,
                "SELECT count(*) FROM reactions WHERE participant=? AND created>=?",
                (participant, since),
            )
        )

    def update_own(self, reaction: Reaction, participant: str) -> bool:
        r = reaction
        with self._write() as db:
            db.execute(
                "UPDATE reactions SET geometry=?, theme=?, text=?, sentiment=?, scenario=?, "
                f"buurt=?, changed={_NEXT_CHANGE} WHERE id=? AND participant=? "
                "AND status IN ('visible', 'pending')",
                (
                    json.dumps(r.geometry),
                    r.theme,
                    r.text,
                    r.sentiment,
                    r.scenario,
                    r.buurt,
                    r.id,
                    participant,
                ),
            )
            return db.changes() == 1

    def withdraw(self, reaction_id: str, participant: str) -> bool:
        with self._write() as db:
            db.execute(
                f"UPDATE reactions SET status='withdrawn', changed={_NEXT_CHANGE} "
                "WHERE id=? AND participant=? AND status IN ('visible', 'pending')",
                (reaction_id, participant),
            )
            return db.changes() == 1

    # -- agreements and reports -------------------------------------------------------------

    def agree(self, reaction_id: str, participant: str) -> bool:
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO agreements SELECT id, ?, ? FROM reactions "
                "WHERE id=? AND status='visible'",
                (participant, _now(), reaction_id),
            )
            if db.changes() != 1:
                return False
            db.execute(
                f"UPDATE reactions SET agrees=agrees+1, changed={_NEXT_CHANGE} WHERE id=?",
                (reaction_id,),
            )
            return True

    def report(
        self, reaction_id: str, participant: str, reason: str, *, threshold: int = 3
    ) -> bool:
        reason = check_reason(reason)
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO reports SELECT id, ?, ?, ? FROM reactions "
                "WHERE id=? AND status IN ('visible', 'pending')",
                (participant, reason, _now(), reaction_id),
            )
            if db.changes() != 1:
                return False
            db.execute(
                f"UPDATE reactions SET reports=reports+1, changed={_NEXT_CHANGE} WHERE id=?",
                (reaction_id,),
            )
            db.execute(
                "UPDATE reactions SET status='pending', reason=? WHERE id=? AND "
                "status='visible' AND reports>=?",
                (f"{threshold} meldingen", reaction_id, threshold),
            )
            if db.changes():
                _audit(
                    db,
                    "systeem",
                    "auto-hide",
                    reaction_id,
                    f"{threshold} meldingen; wacht op een moderator",
                )
            return True

    def reports_for(self, reaction_id: str) -> list[tuple[str, str]]:
        return [
            (r, t)
            for r, t in self._db.execute(
                "SELECT reason, created FROM reports WHERE reaction_id=? ORDER BY rowid",
                (reaction_id,),
            )
        ]

    def agreed_by(self, participant: str) -> set[str]:
        return {
            r
            for (r,) in self._db.execute(
                "SELECT reaction_id FROM agreements WHERE participant=?", (participant,)
            )
        }

    def reported_by(self, participant: str) -> set[str]:
        return {
            r
            for (r,) in self._db.execute(
                "SELECT reaction_id FROM reports WHERE participant=?", (participant,)
            )
        }

    # -- moderation --------------------------------------------------------------------------

    def moderate(self, reaction_id: str, action: str, *, actor: str, reason: str) -> bool:
        actor, reason, before, after = moderation(action, actor, reason)
        marks = ",".join("?" * len(before))
        with self._write() as db:
            db.execute(
                f"UPDATE reactions SET status=?, reason=?, changed={_NEXT_CHANGE} "
                f"WHERE id=? AND status IN ({marks})",
                (after, reason, reaction_id, *before),
            )
            if db.changes() != 1:
                return False
            _audit(db, actor, action, reaction_id, reason)
            return True

    def queue(self) -> list[Reaction]:
        return [
            reaction_from_row(r)
            for r in self._db.execute(
                f"SELECT {_COLUMNS} FROM reactions WHERE status='pending' ORDER BY seq"
            )
        ]

    def set_theme(self, reaction_id: str, theme: str, *, actor: str, reason: str) -> bool:
        theme, actor, reason = theme_change(theme, actor, reason)
        unspecified = sorted(UNSPECIFIED_THEMES)
        marks = ",".join("?" * len(unspecified))
        with self._write() as db:
            row = db.execute(
                f"SELECT theme FROM reactions WHERE id=? AND status!='erased' "
                f"AND theme IN ({marks})",
                (reaction_id, *unspecified),
            ).fetchone()
            if row is None:
                return False
            db.execute(
                f"UPDATE reactions SET theme=?, changed={_NEXT_CHANGE} WHERE id=?",
                (theme, reaction_id),
            )
            _audit(db, actor, "theme", reaction_id, f"{row[0] or '(geen)'} → {theme}: {reason}")
            return True

    def link(self, a: str, b: str, *, same: bool, actor: str, reason: str) -> bool:
        a, b = link_pair(a, b)
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        with self._write() as db:
            found = _value(db, "SELECT count(*) FROM reactions WHERE id IN (?, ?)", (a, b))
            before = db.execute("SELECT same FROM links WHERE a=? AND b=?", (a, b)).fetchone()
            if found != 2 or (before is not None and bool(before[0]) == same):
                return False
            db.execute(
                "INSERT INTO links (a, b, same, actor, at) VALUES (?,?,?,?,?) "
                "ON CONFLICT (a, b) DO UPDATE SET same=excluded.same, actor=excluded.actor, "
                "at=excluded.at",
                (a, b, int(same), actor, _now()),
            )
            _audit(db, actor, "link" if same else "unlink", a, f"#{b}: {reason}")
            return True

    def links(self) -> list[Link]:
        return [
            Link(a, b, bool(same), actor, at)
            for a, b, same, actor, at in self._db.execute(
                "SELECT a, b, same, actor, at FROM links ORDER BY at, a, b"
            )
        ]

    def audit_log(self) -> list[AuditEntry]:
        return [
            AuditEntry(*row)
            for row in self._db.execute(
                "SELECT seq, at, actor, action, reaction_id, reason FROM audit ORDER BY seq"
            )
        ]

    def log(self, action: str, *, actor: str, reason: str, reaction_id: str | None = None) -> None:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        with self._write() as db:
            _audit(db, actor, action, reaction_id, reason)

    # -- rounds, evenings, responses -------------------------------------------------------

    def set_round(self, slug: str, open: bool, *, actor: str, reason: str) -> bool:
        slug = check_reason(slug, what="round", limit=63)
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        with self._write() as db:
            row = db.execute("SELECT open FROM round_state WHERE slug=?", (slug,)).fetchone()
            if row is not None and bool(row[0]) == open:
                return False
            db.execute(
                "INSERT INTO round_state VALUES (?,?,?,?) ON CONFLICT (slug) DO UPDATE SET "
                "open=excluded.open, actor=excluded.actor, at=excluded.at",
                (slug, int(open), actor, _now()),
            )
            _audit(db, actor, "round-open" if open else "round-close", None, f"{slug}: {reason}")
            return True

    def round_states(self) -> dict[str, bool]:
        return {slug: bool(o) for slug, o in self._db.execute("SELECT slug, open FROM round_state")}

    def save_round_plan(self, plan: RoundPlan, *, actor: str) -> bool:
        p = check_round_plan(plan)
        return self._save_row("round_plans", "slug", ROUND_FIELDS, p.slug, round_plan_values(p),
                              actor=actor, action="round-plan", entry=round_plan_entry(p))

    def round_plans(self) -> list[RoundPlan]:
        return [
            round_plan_from_row(*row)
            for row in self._db.execute(
                f"SELECT {ROUND_COLUMNS} FROM round_plans ORDER BY start_day, slug")
        ]

    def save_evening(self, evening: Evening, *, actor: str) -> bool:
        e = check_evening(evening)
        return self._save_row("evenings", "id", EVENING_FIELDS, e.id, evening_values(e),
                              actor=actor, action="evening", entry=evening_entry(e))

    def _save_row(self, table: str, key: str, fields: tuple[str, ...], key_value: str,
                  values: tuple, *, actor: str, action: str, entry: str) -> bool:
        """Write a row of a register (:func:`upsert_sql`) and audit it; False if unchanged."""
        actor = check_reason(actor, what="actor")
        read, write = upsert_sql(table, key, fields, "?")
        with self._write() as db:
            row = db.execute(read, (key_value,)).fetchone()
            if row is not None and tuple(row) == values:
                return False
            db.execute(write, (key_value, *values, actor, _now()))
            _audit(db, actor, action, None, entry)
            return True

    def evenings(self) -> list[Evening]:
        return [
            evening_from_row(*row)
            for row in self._db.execute(f"SELECT {EVENING_COLUMNS} FROM evenings ORDER BY day, at")
        ]

    def save_response(self, response: Response, *, actor: str) -> bool:
        r = check_response(response)
        actor = check_reason(actor, what="actor")
        values = response_values(r)
        with self._write() as db:
            row = db.execute(
                f"SELECT {RESPONSE_VALUES} FROM responses WHERE id=?", (r.id,)
            ).fetchone()
            if row is not None and tuple(row) == values:
                return False
            db.execute(
                f"INSERT INTO responses (id, {RESPONSE_VALUES}, actor, at) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
                + ", ".join(f"{c}=excluded.{c}" for c in (*RESPONSE_VALUES.split(", "),
                                                            "actor", "at")),
                (r.id, *values, actor, _now()),
            )
            _audit(db, actor, "response", r.id if r.kind == "reaction" else None,
                   response_entry(r))
            return True

    def delete_response(self, response_id: str, *, actor: str, reason: str) -> bool:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        with self._write() as db:
            row = db.execute(
                f"SELECT id, {RESPONSE_VALUES}, actor, at FROM responses WHERE id=?",
                (response_id,),
            ).fetchone()
            if row is None:
                return False
            db.execute("DELETE FROM responses WHERE id=?", (response_id,))
            gone = response_from_row(*row)
            _audit(db, actor, "response-withdrawn", None,
                   f"{reason} (was: {response_entry(gone)})")
            return True

    def responses(self) -> list[Response]:
        return [
            response_from_row(*row)
            for row in self._db.execute(
                f"SELECT id, {RESPONSE_VALUES}, actor, at FROM responses ORDER BY seq"
            )
        ]

    # -- background answers --------------------------------------------------------------------

    def add_profile(self, channel: str, *, age: str | None, relation: tuple[str, ...]) -> None:
        channel, age, ticked = check_profile(channel, age, relation)
        with self._write() as db:
            db.execute(
                "INSERT INTO profiles (day, channel, age, relation) VALUES (?,?,?,?)",
                (_now()[:10], channel, age, ",".join(ticked)),
            )

    def profiles(self) -> list[Profile]:
        return [
            profile_from_row(*row)
            for row in self._db.execute(
                "SELECT day, channel, age, relation FROM profiles ORDER BY seq"
            )
        ]

    # -- privacy -----------------------------------------------------------------------------

    def participant_data(self, participant: str) -> ParticipantData:
        with self._read():
            return ParticipantData(
                participant,
                [
                    reaction_from_row(r)
                    for r in self._db.execute(
                        f"SELECT {_COLUMNS} FROM reactions WHERE participant=? ORDER BY seq",
                        (participant,),
                    )
                ],
                list(
                    self._db.execute(
                        "SELECT reaction_id, created FROM agreements "
                        "WHERE participant=? ORDER BY rowid",
                        (participant,),
                    )
                ),
                list(
                    self._db.execute(
                        "SELECT reaction_id, reason, created FROM reports "
                        "WHERE participant=? ORDER BY rowid",
                        (participant,),
                    )
                ),
            )

    def erase_participant(self, participant: str, *, actor: str, reason: str) -> Erasure:
        actor, reason = check_reason(actor, what="actor"), check_reason(reason)
        if not participant:
            raise ValidationError("the participant token is empty", key="error.invalid")
        with self._write() as db:
            agreements = _uncount(db, "agreements", "agrees", participant)
            reports = _uncount(db, "reports", "reports", participant)
            erased = _erase(db, "participant=?", (participant,), actor, "erase", reason)
            _audit(
                db,
                actor,
                "erase",
                None,
                f"{reason} ({erased} reacties, {agreements} "
                f"instemmingen, {reports} meldingen van één deelnemer gewist)",
            )
        return Erasure(erased, agreements, reports)

    def purge(self, before: str, *, actor: str) -> int:
        actor = check_reason(actor, what="actor")
        why = f"bewaartermijn verstreken (van voor {before})"
        with self._write() as db:
            erased = _erase(db, "created<?", (before,), actor, "purge", why)
            if erased:
                _audit(db, actor, "purge", None, f"{why}: {erased} reacties gewist")
            db.execute("DELETE FROM profiles WHERE day<?", (before[:10],))
        return erased

    def snapshot(self) -> Snapshot:
        with self._read():
            return Snapshot(
                _now(), self.all(), self.audit_log(), self.links(), self.profiles(),
                self.round_states(), self.round_plans(), self.evenings(), self.responses(),
            )

    @contextmanager
    def _read(self) -> Iterator[None]:
        """One read transaction: every query inside sees the same committed state (WAL)."""
        self._db.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            self._db.execute("COMMIT")

    # -- health ------------------------------------------------------------------------------

    def schema_version(self) -> int:
        return int(_value(self._db, "SELECT value FROM meta WHERE key='schema_version'"))

    def integrity_check(self) -> str:  # PRAGMA integrity_check
        return str(_value(self._db, "PRAGMA integrity_check"))

    def quick_check(self) -> str:
        # PRAGMA quick_check skips matching indexes to their tables: fast enough to run
        # before a server starts. At most the first five problems are named.
        try:
            rows = [str(row[0]) for row in self._db.execute("PRAGMA quick_check(5)")]
        except (apsw.NotADBError, apsw.CorruptError) as err:
            return str(err)
        lines = [line.strip() for row in rows for line in row.splitlines()]
        return "; ".join(line for line in lines if line and not line.startswith("***"))

    def close(self) -> None:
        self._db.close()
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _value(db: apsw.Connection, sql: str, bindings: apsw.Bindings | None = None) -> Any:
    """Return the first column of the first row that ``sql`` answers."""
    row = db.execute(sql, bindings).fetchone()
    if row is None:
        raise StoreError(f"the reaction store answered no row to {sql!r}")
    return row[0]


def _insert(db: apsw.Connection, r: Reaction) -> bool:
    """Insert reaction ``r`` unless its id is stored; return whether it was inserted."""
    db.execute(
        "INSERT OR IGNORE INTO reactions (id, geometry, theme, text, sentiment, scenario, "
        "channel, participant, buurt, created, status, round, evening, changed) "
        f"VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,{_NEXT_CHANGE})",
        (
            r.id,
            json.dumps(r.geometry),
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
    return db.changes() == 1


def _audit(
    db: apsw.Connection, actor: str, action: str, reaction_id: str | None, reason: str
) -> None:
    db.execute(
        "INSERT INTO audit (at, actor, action, reaction_id, reason) VALUES (?,?,?,?,?)",
        (_now(), actor, action, reaction_id, reason),
    )


def _uncount(db: apsw.Connection, table: str, column: str, participant: str) -> int:
    """Delete a participant's agreements or reports and take them off the counts."""
    db.execute(
        f"UPDATE reactions SET {column}={column}-1, changed={_NEXT_CHANGE} WHERE id IN "
        f"(SELECT reaction_id FROM {table} WHERE participant=?)",
        (participant,),
    )
    db.execute(f"DELETE FROM {table} WHERE participant=?", (participant,))
    return db.changes()


def _erase(
    db: apsw.Connection, where: str, args: tuple, actor: str, action: str, reason: str
) -> int:
    """Empty the reactions matching ``where`` to their id, channel, scenario and time."""
    chosen = f"SELECT id FROM reactions WHERE status!='erased' AND {where}"
    db.execute(
        f"INSERT INTO audit (at, actor, action, reaction_id, reason) "
        f"SELECT ?, ?, ?, id, ? FROM ({chosen})",
        (_now(), actor, action, reason, *args),
    )
    for table in ("agreements", "reports"):
        db.execute(f"DELETE FROM {table} WHERE reaction_id IN ({chosen})", args)
    db.execute(
        f"UPDATE reactions SET geometry='null', theme='', text='', sentiment=NULL, "
        f"buurt=NULL, participant='', agrees=0, reports=0, status='erased', reason=?, "
        f"changed={_NEXT_CHANGE} WHERE status!='erased' AND {where}",
        (reason, *args),
    )
    return db.changes()


def _refuse_missing_or_empty(path: Path) -> None:
    """Refuse a store that does not exist, or an empty file where a store should be.

    SQLite takes an empty file for a new database, so a store truncated to nothing would
    silently start empty; a store this module made always has its header on disk.
    """
    if not path.exists():
        raise _missing(path)
    if path.is_file() and path.stat().st_size == 0:
        wal = path.with_name(path.name + "-wal")
        if not wal.exists() or wal.stat().st_size == 0:
            raise StoreError(
                f"the reaction store {path} is empty (0 bytes): it was truncated or never "
                f"was a store; {repair_hint(path, 'nothing was changed')}"
            )



"""The reaction store: acknowledged means stored, by many kernels at once.

The embedded default is a SQLite file in the project folder, opened through APSW, which
bundles a current SQLite (3.51.3 or newer: older versions can corrupt a WAL database when
several processes write at once). Every write is one ``BEGIN IMMEDIATE`` transaction in WAL
mode with ``synchronous=FULL`` and a busy timeout, so a reaction is on disk before the
resident sees "bedankt", and a retried submit with the same id stores nothing twice.

Every change to a reaction (new, agreed, reported, edited, moderated) gets the next number of
one change counter, so a wall asks cheaply for "everything changed since cursor N".
Moderation actions go to an append-only audit log that the database itself refuses to update
or delete (triggers), whatever code connects to it.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import apsw

from omgeving._errors import StoreError, ValidationError
from omgeving.reactions import Reaction

__all__ = [
    "MIN_SQLITE",
    "SCHEMA_VERSION",
    "AuditEntry",
    "Erasure",
    "ParticipantData",
    "SQLiteStore",
    "Snapshot",
    "open_store",
]

SCHEMA_VERSION = 3
MIN_SQLITE = (3, 51, 3)
BUSY_TIMEOUT_MS = 10_000
MAX_REASON = 500
_NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb3",
    "smbfs",
    "fuse.sshfs",
    "9p",
    "afs",
    "ceph",
    "glusterfs",
    "fuse.glusterfs",
    "davfs",
    "fuse.rclone",
}

_REACTIONS = """
CREATE TABLE {name} (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    geometry    TEXT NOT NULL,
    theme       TEXT NOT NULL,
    text        TEXT NOT NULL,
    sentiment   INTEGER CHECK (sentiment BETWEEN -2 AND 2),
    scenario    TEXT,
    channel     TEXT NOT NULL,
    participant TEXT NOT NULL,
    buurt       TEXT,
    created     TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pending', 'visible', 'hidden', 'withdrawn',
                                                'erased')),
    agrees      INTEGER NOT NULL DEFAULT 0,
    reports     INTEGER NOT NULL DEFAULT 0,
    changed     INTEGER NOT NULL DEFAULT 0,
    reason      TEXT
);
"""
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reactions_status ON reactions (status, seq);
CREATE INDEX IF NOT EXISTS reactions_changed ON reactions (changed);
CREATE TABLE IF NOT EXISTS agreements (
    reaction_id TEXT NOT NULL REFERENCES reactions (id),
    participant TEXT NOT NULL,
    created     TEXT NOT NULL,
    PRIMARY KEY (reaction_id, participant)
);
CREATE TABLE IF NOT EXISTS reports (
    reaction_id TEXT NOT NULL REFERENCES reactions (id),
    participant TEXT NOT NULL,
    reason      TEXT NOT NULL,
    created     TEXT NOT NULL,
    PRIMARY KEY (reaction_id, participant)
);
CREATE TABLE IF NOT EXISTS audit (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    reaction_id TEXT,
    reason      TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"""
_COLUMNS = (
    "seq, id, geometry, theme, text, sentiment, scenario, channel, participant, buurt, "
    "created, status, agrees, reports, changed, reason"
)
_NEXT_CHANGE = "(SELECT coalesce(max(changed), 0) + 1 FROM reactions)"
#: Moderation actions: action → (the statuses it applies to, the status it sets).
ACTIONS = {
    "hide": (("visible", "pending"), "hidden"),
    "restore": (("hidden", "pending"), "visible"),
    "approve": (("pending",), "visible"),
}


@dataclass(frozen=True)
class AuditEntry:
    """One moderation action: who, when, what, why."""

    seq: int
    at: str
    actor: str
    action: str
    reaction_id: str | None
    reason: str


@dataclass(frozen=True)
class ParticipantData:
    """Everything the store holds of one participant token (for a GDPR access request)."""

    participant: str
    reactions: list[Reaction]
    agreements: list[tuple[str, str]]  # (reaction id, time)
    reports: list[tuple[str, str, str]]  # (reaction id, reason, time)

    def to_json(self) -> dict:
        """Return the data as plain JSON types, to hand to the participant."""
        return {
            "deelnemer": self.participant,
            "reacties": [r.to_record() for r in self.reactions],
            "instemmingen": [{"reactie": r, "tijd": t} for r, t in self.agreements],
            "meldingen": [{"reactie": r, "reden": why, "tijd": t} for r, why, t in self.reports],
        }


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: reactions emptied, agreements and reports deleted."""

    reactions: int
    agreements: int
    reports: int


@dataclass(frozen=True)
class Snapshot:
    """Every reaction and the audit log, read in one transaction (for exports and reports)."""

    taken: str
    reactions: list[Reaction]
    audit: list[AuditEntry]


def open_store(url: str, *, create: bool = False) -> SQLiteStore:
    """Open the store at ``url``.

    ``sqlite:///path/to/reactions.sqlite`` opens a :class:`SQLiteStore`;
    ``postgresql://user@host:5432/database`` a :class:`omgeving.store_pg.PostgresStore`
    (PostgreSQL with PostGIS), which has the same methods.

    Parameters
    ----------
    url
        The store's URL, as in ``[store] url`` of ``omgeving.toml``.
    create
        Make a new, empty store when there is none at ``url``. Without it a missing SQLite
        file, or a PostgreSQL database without omgeving's tables, is an error: a typo in the
        URL must never start an empty store unseen (``omgeving init``, ``omgeving demo`` and
        the first ``omgeving serve`` of a project create the store).

    Raises
    ------
    StoreError
        For an unsupported URL, a missing or damaged store, a SQLite that is too old, a
        network file system, or a PostgreSQL server that cannot be reached.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with open_store(f"sqlite:///{folder}/reactions.sqlite", create=True) as store:
    ...     store.count()
    0
    """
    path = _sqlite_path(url)
    if path is not None:
        return SQLiteStore(path, create=create)
    if url.startswith(("postgresql://", "postgres://")):
        from omgeving.store_pg import PostgresStore  # only PostgreSQL users need psycopg

        return PostgresStore(url, create=create)  # type: ignore[return-value]  # same interface
    raise StoreError(
        f"store URL {url!r} is not supported yet; use sqlite:///reactions.sqlite or "
        "postgresql://user@host/database in [store] url of omgeving.toml"
    )


def _sqlite_path(url: str) -> Path | None:
    """Return the file of a ``sqlite:///`` URL, or None for another URL."""
    prefix = "sqlite:///"
    return Path(url[len(prefix) :]) if url.startswith(prefix) else None


def _missing(path: Path) -> StoreError:
    """The error for a SQLite store that does not exist, naming the stores beside it."""
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


def _damaged(path: Path, why: str) -> str:
    """The fix for a SQLite store that is damaged: restore it, or move it away."""
    return (
        f"restore it from a backup (a copy of {path.name} made while no server ran), or "
        f"recover what is left with: sqlite3 {path.name} .recover | sqlite3 recovered.sqlite; "
        f"or move it out of its folder (with any {path.name}-wal and {path.name}-shm) to "
        f"start an empty store ({why})"
    )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class SQLiteStore:
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
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous=FULL")
            if mode.lower() != "wal":
                raise StoreError(f"the reaction store {self.path} cannot use WAL (got {mode!r})")
            self._lock = os.open(f"{self.path}-writer.lock", os.O_RDWR | os.O_CREAT, 0o644)
            with self._write() as db:  # foreign keys are off while an upgrade rebuilds a table
                _create_or_upgrade(db, self.path)
            self._db.execute("PRAGMA foreign_keys=ON")
        except (apsw.NotADBError, apsw.CorruptError) as err:
            raise StoreError(
                f"cannot open the reaction store {self.path}: it is damaged "
                f"({err}); {_damaged(self.path, 'nothing was changed')}"
            ) from err
        except apsw.Error as err:
            raise StoreError(
                f"cannot open the reaction store {self.path}: {err}; "
                "check that the file is a SQLite database and writable"
            ) from err

    @contextmanager
    def _write(self) -> Iterator[apsw.Connection]:
        """One write transaction. Writers queue on an exclusive lock of a file beside the
        store first: SQLite's own busy wait retries at random and lets an unlucky writer wait
        past any timeout when a hundred processes write at once; a queue serves them in turn.
        The kernel releases the lock when a process dies, even by kill -9."""
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
        """Store ``reaction``; return False if a reaction with its id was stored before."""
        r = reaction
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO reactions (id, geometry, theme, text, sentiment, scenario,"
                " channel, participant, buurt, created, status, changed) "
                f"VALUES (?,?,?,?,?,?,?,?,?,?,?,{_NEXT_CHANGE})",
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
                ),
            )
            return db.changes() == 1

    def get(self, reaction_id: str) -> Reaction | None:
        """Return the reaction with ``reaction_id``, or None."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM reactions WHERE id=?", (reaction_id,)
        ).fetchone()
        return _reaction(row) if row else None

    def visible(self, *, since: int = 0, scenario: str | None = None) -> list[Reaction]:
        """Return the visible reactions stored after ``seq`` ``since``, oldest first."""
        sql = f"SELECT {_COLUMNS} FROM reactions WHERE status='visible' AND seq>?"
        args: tuple = (since,)
        if scenario is not None:
            sql += " AND scenario=?"
            args += (scenario,)
        return [_reaction(row) for row in self._db.execute(sql + " ORDER BY seq", args)]

    def changes(self, since: int = 0) -> list[Reaction]:
        """Return every reaction changed after cursor ``since`` (any status), by change.

        The cursor is :attr:`Reaction.changed` of the last one returned. The query uses an
        index and returns nothing in well under a millisecond when nothing changed, so a wall
        can poll it twice a second.
        """
        return [
            _reaction(row)
            for row in self._db.execute(
                f"SELECT {_COLUMNS} FROM reactions WHERE changed>? ORDER BY changed", (since,)
            )
        ]

    def all(self) -> list[Reaction]:
        """Return every reaction, hidden and withdrawn ones included, oldest first."""
        return [
            _reaction(r) for r in self._db.execute(f"SELECT {_COLUMNS} FROM reactions ORDER BY seq")
        ]

    def count(self) -> int:
        """Return the number of stored reactions of every status."""
        return int(self._db.execute("SELECT count(*) FROM reactions").fetchone()[0])

    def count_by(self, participant: str, since: str) -> int:
        """Return how many reactions ``participant`` stored at or after ISO time ``since``."""
        return int(
            self._db.execute(
                "SELECT count(*) FROM reactions WHERE participant=? AND created>=?",
                (participant, since),
            ).fetchone()[0]
        )

    def update_own(self, reaction: Reaction, participant: str) -> bool:
        """Replace text, theme, sentiment, geometry and buurt of a participant's own reaction.

        Returns False when the reaction is not theirs, or is hidden or withdrawn.
        """
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
        """Withdraw a participant's own reaction (kept, for the participatieverslag)."""
        with self._write() as db:
            db.execute(
                f"UPDATE reactions SET status='withdrawn', changed={_NEXT_CHANGE} "
                "WHERE id=? AND participant=? AND status IN ('visible', 'pending')",
                (reaction_id, participant),
            )
            return db.changes() == 1

    # -- agreements and reports -------------------------------------------------------------

    def agree(self, reaction_id: str, participant: str) -> bool:
        """Record that ``participant`` agrees; return False if they did before."""
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
        """Record a report with its reason; return False if ``participant`` reported before.

        At ``threshold`` reports a visible reaction is taken off the map (status
        ``pending``) until a moderator decides, and the audit log says so.
        """
        reason = _reason(reason)
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
        """Return the (reason, time) of every report of a reaction, oldest first."""
        return [
            (r, t)
            for r, t in self._db.execute(
                "SELECT reason, created FROM reports WHERE reaction_id=? ORDER BY rowid",
                (reaction_id,),
            )
        ]

    def agreed_by(self, participant: str) -> set[str]:
        """Return the ids of the reactions ``participant`` agreed with."""
        return {
            r
            for (r,) in self._db.execute(
                "SELECT reaction_id FROM agreements WHERE participant=?", (participant,)
            )
        }

    def reported_by(self, participant: str) -> set[str]:
        """Return the ids of the reactions ``participant`` reported."""
        return {
            r
            for (r,) in self._db.execute(
                "SELECT reaction_id FROM reports WHERE participant=?", (participant,)
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
        """Return the reactions waiting for a moderator (status ``pending``), oldest first."""
        return [
            _reaction(r)
            for r in self._db.execute(
                f"SELECT {_COLUMNS} FROM reactions WHERE status='pending' ORDER BY seq"
            )
        ]

    def audit_log(self) -> list[AuditEntry]:
        """Return the audit log, oldest first."""
        return [
            AuditEntry(*row)
            for row in self._db.execute(
                "SELECT seq, at, actor, action, reaction_id, reason FROM audit ORDER BY seq"
            )
        ]

    def log(self, action: str, *, actor: str, reason: str, reaction_id: str | None = None) -> None:
        """Append an entry to the audit log (for actions on no single reaction)."""
        with self._write() as db:
            _audit(db, _reason(actor, what="actor"), action, reaction_id, _reason(reason))

    # -- privacy -----------------------------------------------------------------------------

    def participant_data(self, participant: str) -> ParticipantData:
        """Return everything stored of ``participant`` (reactions, agreements, reports)."""
        with self._read():
            return ParticipantData(
                participant,
                [
                    _reaction(r)
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
        """Erase a participant's data (GDPR art. 17), and say so in the audit log.

        Their agreements and reports are deleted and the counts they added taken off. Their
        reactions keep only id, channel, scenario and time, with status ``erased`` and the
        reason, so the participatieverslag still accounts for every reaction ever made; text,
        place, theme, sentiment, buurt and token are gone, and so are others' agreements and
        reports on them.
        """
        actor, reason = _reason(actor, what="actor"), _reason(reason)
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
        """Erase every reaction created before ISO time ``before`` (the retention period).

        Each erased reaction keeps its id, channel, scenario, time and an audit entry, like
        :meth:`erase_participant`; returns how many were erased.
        """
        actor = _reason(actor, what="actor")
        why = f"bewaartermijn verstreken (van voor {before})"
        with self._write() as db:
            erased = _erase(db, "created<?", (before,), actor, "purge", why)
            if erased:
                _audit(db, actor, "purge", None, f"{why}: {erased} reacties gewist")
        return erased

    def snapshot(self) -> Snapshot:
        """Return every reaction and the audit log as of one moment (one read transaction)."""
        with self._read():
            return Snapshot(_now(), self.all(), self.audit_log())

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
        """Return the schema version written in the store."""
        return int(
            self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        )

    def integrity_check(self) -> str:
        """Return SQLite's ``PRAGMA integrity_check`` answer (``'ok'`` when healthy)."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def quick_check(self) -> str:
        """Return SQLite's ``PRAGMA quick_check`` answer on one line (``'ok'`` when healthy).

        Faster than :meth:`integrity_check` (it skips matching indexes to their tables), so a
        server runs it before it starts. At most the first five problems are named.
        """
        try:
            rows = [str(row[0]) for row in self._db.execute("PRAGMA quick_check(5)")]
        except (apsw.NotADBError, apsw.CorruptError) as err:
            return str(err)
        lines = [line.strip() for row in rows for line in row.splitlines()]
        return "; ".join(line for line in lines if line and not line.startswith("***"))

    def close(self) -> None:
        """Close the connection."""
        self._db.close()
        if self._lock >= 0:
            os.close(self._lock)
            self._lock = -1

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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


def moderation(action: str, actor: object, reason: object) -> tuple[str, str, tuple[str, ...], str]:
    """Check a moderation request for every backend; return actor, reason, from and to statuses.

    Raises
    ------
    ValidationError
        When the action is unknown or the actor or reason is empty or too long.
    """
    if action not in ACTIONS:
        raise ValidationError(
            f"moderation action {action!r} is not one of {', '.join(ACTIONS)}", key="error.invalid"
        )
    before, after = ACTIONS[action]
    return _reason(actor, what="actor"), _reason(reason), before, after


def _reason(text: object, *, what: str = "reason") -> str:
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"the {what} is empty; a {what} is required", key="error.reason")
    if len(text) > MAX_REASON:
        raise ValidationError(f"the {what} is over {MAX_REASON} characters", key="error.too_long")
    return text.strip()


def _create_or_upgrade(db: apsw.Connection, path: Path) -> None:
    """Create the schema, or upgrade an older store in place without losing a row."""
    db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    found = int(row[0]) if row else 0
    if found > SCHEMA_VERSION:
        raise StoreError(
            f"the reaction store {path} has schema version {found}, newer than "
            f"this omgeving ({SCHEMA_VERSION}); upgrade omgeving"
        )
    if found == 0:
        db.execute(_REACTIONS.format(name="reactions"))
    elif found < SCHEMA_VERSION:
        # SQLite cannot alter a CHECK constraint: copy the rows into a new table, drop the old
        # one and rename it, with foreign keys off (SQLite's own recipe), then check that
        # agreements and reports still point at reactions. v1 had no change counter or reason.
        changed, reason = ("seq", "NULL") if found == 1 else ("changed", "reason")
        db.execute(_REACTIONS.format(name="reactions_new"))
        db.execute(
            "INSERT INTO reactions_new (seq, id, geometry, theme, text, sentiment, "
            "scenario, channel, participant, buurt, created, status, agrees, reports, "
            "changed, reason) SELECT seq, id, geometry, theme, text, sentiment, scenario, "
            f"channel, participant, buurt, created, status, agrees, reports, {changed}, "
            f"{reason} FROM reactions"
        )
        db.execute("DROP TABLE reactions")
        db.execute("ALTER TABLE reactions_new RENAME TO reactions")
        if db.execute("PRAGMA foreign_key_check").fetchone():
            raise StoreError(
                f"upgrading the reaction store {path} from schema {found} would "
                "orphan agreements or reports; nothing was changed. Please report "
                "this with the file"
            )
    db.execute(_SCHEMA)
    db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def _reaction(row: tuple) -> Reaction:
    (
        seq,
        id_,
        geometry,
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
        geometry=json.loads(geometry),
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
                f"was a store; {_damaged(path, 'nothing was changed')}"
            )


def _check_sqlite_version() -> None:
    version = tuple(int(p) for p in apsw.sqlite_lib_version().split(".")[:3])
    if version < MIN_SQLITE:
        raise StoreError(
            f"SQLite {apsw.sqlite_lib_version()} can corrupt a WAL database when several "
            "processes write at once (fixed in 3.51.3); install apsw>=3.51.3.0"
        )


def _refuse_network_fs(path: Path) -> None:
    """Refuse a store on a network file system, where WAL's shared memory is unsafe."""
    folder = str(path.resolve().parent)
    best, fstype = "", ""
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return
    for line in mounts:
        parts = line.split()
        if (
            len(parts) >= 3
            and (folder == parts[1] or folder.startswith(parts[1].rstrip("/") + "/"))
            and len(parts[1]) > len(best)
        ):
            best, fstype = parts[1], parts[2]
    if fstype in _NETWORK_FS:
        raise StoreError(
            f"the reaction store {path} is on a network file system ({fstype} at {best}); "
            "SQLite's WAL mode is not safe there. Put the project on a local disk, or use "
            'PostgreSQL with [store] url = "postgresql://..."'
        )

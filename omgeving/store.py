"""The reaction store: acknowledged means stored, by many kernels at once.

The embedded default is a SQLite file in the project folder, opened through APSW, which
bundles a current SQLite (3.51.3 or newer: older versions can corrupt a WAL database when
several processes write at once). Every write is one ``BEGIN IMMEDIATE`` transaction in WAL
mode with ``synchronous=FULL`` and a busy timeout, so a reaction is on disk before the
resident sees "bedankt", and a retried submit with the same id stores nothing twice.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import apsw

from omgeving._errors import StoreError
from omgeving.reactions import Reaction

__all__ = ["MIN_SQLITE", "SCHEMA_VERSION", "SQLiteStore", "open_store"]

SCHEMA_VERSION = 1
MIN_SQLITE = (3, 51, 3)
BUSY_TIMEOUT_MS = 10_000
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

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reactions (
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
    status      TEXT NOT NULL CHECK (status IN ('pending', 'visible', 'hidden')),
    agrees      INTEGER NOT NULL DEFAULT 0,
    reports     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS reactions_status ON reactions (status, seq);
"""
_COLUMNS = (
    "seq, id, geometry, theme, text, sentiment, scenario, channel, participant, buurt, "
    "created, status, agrees, reports"
)


def open_store(url: str) -> SQLiteStore:
    """Open the store at ``url`` (``sqlite:///path/to/reactions.sqlite``).

    Raises
    ------
    StoreError
        For an unsupported URL, a SQLite that is too old, or a network file system.
    """
    prefix = "sqlite:///"
    if url.startswith(prefix):
        return SQLiteStore(Path(url[len(prefix) :]))
    raise StoreError(
        f"store URL {url!r} is not supported yet; use sqlite:///reactions.sqlite in "
        "[store] url of omgeving.toml"
    )


class SQLiteStore:
    """Reactions in one SQLite file (WAL, ``BEGIN IMMEDIATE``, ``synchronous=FULL``)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        _check_sqlite_version()
        _refuse_network_fs(self.path)
        try:
            self._db = apsw.Connection(str(self.path))
            self._db.set_busy_timeout(BUSY_TIMEOUT_MS)
            mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
        except apsw.Error as err:
            raise StoreError(
                f"cannot open the reaction store {self.path}: {err}; "
                "check that the file is a SQLite database and writable"
            ) from err
        if mode.lower() != "wal":
            raise StoreError(f"the reaction store {self.path} cannot use WAL (got {mode!r})")
        with self._write() as db:
            db.execute(_SCHEMA)
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        found = int(
            self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0]
        )
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the reaction store {self.path} has schema version {found}, newer "
                f"than this omgeving ({SCHEMA_VERSION}); upgrade omgeving"
            )

    @contextmanager
    def _write(self) -> Iterator[apsw.Connection]:
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

    def add(self, reaction: Reaction) -> bool:
        """Store ``reaction``; return False if a reaction with its id was stored before."""
        r = reaction
        with self._write() as db:
            db.execute(
                "INSERT OR IGNORE INTO reactions (id, geometry, theme, text, sentiment, scenario,"
                " channel, participant, buurt, created, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
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
            return self._db.changes() == 1

    def get(self, reaction_id: str) -> Reaction | None:
        """Return the reaction with ``reaction_id``, or None."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM reactions WHERE id=?", (reaction_id,)
        ).fetchone()
        return _reaction(row) if row else None

    def visible(self, *, since: int = 0, scenario: str | None = None) -> list[Reaction]:
        """Return the visible reactions stored after cursor ``since``, oldest first."""
        sql = f"SELECT {_COLUMNS} FROM reactions WHERE status='visible' AND seq>?"
        args: tuple = (since,)
        if scenario is not None:
            sql += " AND scenario=?"
            args += (scenario,)
        return [_reaction(row) for row in self._db.execute(sql + " ORDER BY seq", args)]

    def all(self) -> list[Reaction]:
        """Return every reaction, hidden ones included, oldest first."""
        return [
            _reaction(r) for r in self._db.execute(f"SELECT {_COLUMNS} FROM reactions ORDER BY seq")
        ]

    def count(self) -> int:
        """Return the number of stored reactions of every status."""
        return int(self._db.execute("SELECT count(*) FROM reactions").fetchone()[0])

    def integrity_check(self) -> str:
        """Return SQLite's ``PRAGMA integrity_check`` answer (``'ok'`` when healthy)."""
        return str(self._db.execute("PRAGMA integrity_check").fetchone()[0])

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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

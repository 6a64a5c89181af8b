"""The SQLite store's schema: creating and upgrading it, and the checks before it opens.

See :mod:`omgeving.store._sqlite` for how the store uses it; the PostgreSQL store's own is
:mod:`omgeving.store._pg_schema`.
"""

from __future__ import annotations

from pathlib import Path

import apsw

from omgeving._errors import StoreError
from omgeving.store._model import MIN_SQLITE, SCHEMA_VERSION

__all__: list[str] = []  # private: the SQLite store's own

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
    reason      TEXT,
    round       TEXT,
    evening     TEXT
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
CREATE TABLE IF NOT EXISTS links (
    a           TEXT NOT NULL REFERENCES reactions (id),
    b           TEXT NOT NULL REFERENCES reactions (id),
    same        INTEGER NOT NULL CHECK (same IN (0, 1)),
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a < b)
);
CREATE TABLE IF NOT EXISTS profiles (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    day         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    age         TEXT,
    relation    TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS round_state (
    slug        TEXT PRIMARY KEY,
    open        INTEGER NOT NULL CHECK (open IN (0, 1)),
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS round_plans (
    slug        TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    start_day   TEXT NOT NULL,
    end_day     TEXT NOT NULL CHECK (end_day >= start_day),
    scenarios   TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS evenings (
    id          TEXT PRIMARY KEY,
    day         TEXT NOT NULL,
    place       TEXT NOT NULL,
    visitors    INTEGER NOT NULL CHECK (visitors >= 0),
    scenarios   TEXT NOT NULL,
    notes       TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    id          TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL CHECK (kind IN ('theme', 'concern', 'reaction')),
    target      TEXT NOT NULL,
    verdict     TEXT NOT NULL,
    text        TEXT NOT NULL,
    text_en     TEXT NOT NULL,
    ids         TEXT NOT NULL,
    changes     TEXT NOT NULL,
    round       TEXT,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
"""

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
    elif found == 3:  # 4 added two columns, and tables that _SCHEMA creates
        for column in ("round", "evening"):
            db.execute(f"ALTER TABLE reactions ADD COLUMN {column} TEXT")
    elif found < 3:
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

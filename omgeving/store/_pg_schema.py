"""The PostgreSQL store's schema: creating and upgrading it, and checking its health.

See :mod:`omgeving.store._postgres` for how the store uses it (the change cursor, ``omg_claim``).
"""

from __future__ import annotations

import re
from typing import Any, LiteralString

import psycopg
from psycopg import errors
from psycopg.abc import Params

from omgeving._errors import StoreError
from omgeving.store._model import SCHEMA_VERSION

#: Advisory lock keys: one for creating the schema, one for claiming change numbers.
_SCHEMA_LOCK = 7_104_201_001
_CLAIM_LOCK = 7_104_201_002
#: The tables schema 4 added, created by a new store and by the upgrade of an older one.
_TABLES_4 = """
CREATE TABLE IF NOT EXISTS links (
    a           text NOT NULL REFERENCES reactions (id),
    b           text NOT NULL REFERENCES reactions (id),
    same        boolean NOT NULL,
    actor       text NOT NULL,
    at          text NOT NULL,
    PRIMARY KEY (a, b),
    CHECK (a COLLATE "C" < b)  -- the order Python sorts ids in
);
CREATE TABLE IF NOT EXISTS profiles (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    day         text NOT NULL,
    channel     text NOT NULL,
    age         text,
    relation    text NOT NULL
);
CREATE TABLE IF NOT EXISTS round_state (
    slug        text PRIMARY KEY,
    open        boolean NOT NULL,
    actor       text NOT NULL,
    at          text NOT NULL
);
CREATE TABLE IF NOT EXISTS round_plans (
    slug        text PRIMARY KEY,
    title       text NOT NULL,
    title_en    text NOT NULL,
    start_day   text NOT NULL,
    end_day     text NOT NULL CHECK (end_day >= start_day),
    scenarios   text NOT NULL,
    actor       text NOT NULL,
    at          text NOT NULL
);
CREATE TABLE IF NOT EXISTS evenings (
    id          text PRIMARY KEY,
    day         text NOT NULL,
    place       text NOT NULL,
    visitors    integer NOT NULL CHECK (visitors >= 0),
    scenarios   text NOT NULL,
    notes       text NOT NULL,
    actor       text NOT NULL,
    at          text NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('theme', 'concern', 'reaction')),
    target      text NOT NULL,
    verdict     text NOT NULL,
    text        text NOT NULL,
    text_en     text NOT NULL,
    ids         text NOT NULL,
    changes     text NOT NULL,
    round       text,
    actor       text NOT NULL,
    at          text NOT NULL
);
ALTER TABLE reactions ADD COLUMN IF NOT EXISTS round text;
ALTER TABLE reactions ADD COLUMN IF NOT EXISTS evening text;
"""
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
    round       text,
    evening     text,
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
{_TABLES_4}
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
_TABLES = ("meta", "reactions", "agreements", "reports", "audit", "links", "profiles",
           "round_state", "round_plans", "evenings", "responses")
_TRIGGERS = ("audit_no_update", "audit_no_truncate")


def _create_or_upgrade(db: psycopg.Connection, url: str, *, create: bool = False) -> None:
    """Create the schema once (one process at a time) if ``create``, or refuse a newer one."""
    cur = db.cursor()
    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
    exists = _value(cur, "SELECT to_regclass('meta')") is not None
    if not exists and not create:
        raise _no_store(cur, url)
    if exists:
        row = cur.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        found = int(row[0]) if row else 0
        if found == SCHEMA_VERSION:
            return
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the reaction store {url} has schema version {found}, newer "
                f"than this omgeving ({SCHEMA_VERSION}); upgrade omgeving"
            )
        if found in (2, 3):  # v3: erased reactions keep no place; v4: links, profiles
            if found == 2:
                cur.execute(_UPGRADE_FROM_2)
            cur.execute(_TABLES_4)
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


def _no_store(cur: psycopg.Cursor, url: str) -> StoreError:
    """Return the error for a database without omgeving's tables, naming the server's others."""
    here, *others = [
        name
        for (name,) in cur.execute(
            "SELECT current_database() UNION ALL (SELECT datname FROM pg_database WHERE NOT "
            "datistemplate AND datname NOT IN (current_database(), 'postgres') ORDER BY 1)"
        )
    ]
    listed = f"; the server also has the databases {', '.join(others[:10])}" if others else ""
    return StoreError(
        f"the database {here!r} of the reaction store {url} (from [store] url in "
        f"omgeving.toml) has none of omgeving's tables, so it holds no reactions{listed} — "
        "correct the database name in the url, or, if this is the project's new store, let "
        "the first 'omgeving serve' create the tables (in Python: open_store(url, create=True))"
    )


def _structure_problems(cur: psycopg.Cursor) -> list[str]:
    problems = [
        f"table {t} is missing"
        for t in _TABLES
        if _value(cur, "SELECT to_regclass(%s)", (t,)) is None
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
    wrong = _value(
        cur,
        "SELECT count(*) FROM reactions r WHERE "
        "agrees <> (SELECT count(*) FROM agreements a WHERE a.reaction_id=r.id) OR "
        "reports <> (SELECT count(*) FROM reports p WHERE p.reaction_id=r.id)",
    )
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


def _value(cur: psycopg.Cursor, query: LiteralString, params: Params | None = None) -> Any:
    """Return the first column of the first row that ``query`` answers."""
    row = cur.execute(query, params).fetchone()
    if row is None:
        raise StoreError(f"PostgreSQL answered no row to {query!r}")
    return row[0]


def _first_line(err: BaseException) -> str:
    return str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__


def _masked(url: str) -> str:
    """Return ``url`` without its password, for messages."""
    return re.sub(r"(://[^/:@]*):[^/@]*@", r"\1:***@", url)

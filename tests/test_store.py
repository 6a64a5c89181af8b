"""SQLite-only store checks; the behaviour on both backends is in test_store_backends.py."""

from __future__ import annotations

import multiprocessing as mp

import apsw
import pytest

from omgeving._errors import StoreError
from omgeving.reactions import Area, new_reaction_id, validate_reaction
from omgeving.store import SQLiteStore, open_store
from tests.geoms import AREA, BUURT_WEST, INSIDE


def reaction(text="Meer bomen", **changes):
    fields = {
        "id": new_reaction_id(),
        "geometry": INSIDE,
        "theme": "wonen",
        "text": text,
        "area": Area(AREA, [BUURT_WEST]),
        "themes": ("wonen",),
        "participant": "p",
        **changes,
    }
    return validate_reaction(**fields)


@pytest.fixture
def store(tmp_path):
    with open_store(f"sqlite:///{tmp_path / 'reactions.sqlite'}") as s:
        yield s


def test_pragmas(store):
    db = apsw.Connection(str(store.path))
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store.integrity_check() == "ok"


def test_unsupported_url():
    with pytest.raises(StoreError, match="not supported yet"):
        open_store("mysql://x")


def test_not_a_database(tmp_path):
    bad = tmp_path / "r.sqlite"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="cannot open the reaction store"):
        SQLiteStore(bad)


def _writer(path: str, n: int, queue) -> None:
    with SQLiteStore(path) as s:
        ids = []
        for i in range(n):
            r = reaction(text=f"tekst {i}")
            s.add(r)
            ids.append(r.id)
    queue.put(ids)


def test_several_processes_write_at_once(tmp_path):
    path = str(tmp_path / "r.sqlite")
    SQLiteStore(path).close()
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(path, 50, queue)) for _ in range(6)]
    for p in procs:
        p.start()
    acknowledged = [rid for _ in procs for rid in queue.get(timeout=120)]
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    with SQLiteStore(path) as s:
        assert s.count() == len(acknowledged) == 300
        assert {r.id for r in s.all()} == set(acknowledged)
        assert s.integrity_check() == "ok"

"""SQLite-only store checks; the behaviour on both backends is in test_store_backends.py."""

from __future__ import annotations

import multiprocessing as mp

import apsw
import pytest

from omgeving._errors import StoreError
from omgeving.participation import Area, validate_reaction
from omgeving.reactions import new_reaction_id
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
    with open_store(f"sqlite:///{tmp_path / 'reactions.sqlite'}", create=True) as s:
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
    SQLiteStore(path, create=True).close()
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


# -- a store that is not there, or not a store ----------------------------------------------


def test_a_missing_store_names_the_store_beside_it(tmp_path):
    open_store(f"sqlite:///{tmp_path / 'reactions.sqlite'}", create=True).close()
    with pytest.raises(StoreError) as caught:
        open_store(f"sqlite:///{tmp_path / 'reactons.sqlite'}")
    message = str(caught.value)
    assert caught.match(r"reactons\.sqlite \(from \[store\] url in omgeving\.toml\) does not")
    assert caught.match(r"its folder has reactions\.sqlite — correct the url, or move the old")
    assert "reactions.sqlite-writer.lock" not in message
    assert not (tmp_path / "reactons.sqlite").exists()  # nothing was made on the way


def test_a_missing_store_in_a_folder_without_one_says_how_to_make_it(tmp_path):
    with pytest.raises(StoreError, match=r"does not exist; check the url.*first 'omgeving serve'"):
        open_store(f"sqlite:///{tmp_path / 'reactions.sqlite'}")
    with pytest.raises(StoreError, match=r"nergens/reactions\.sqlite .*exist, nor does its"):
        open_store(f"sqlite:///{tmp_path / 'nergens' / 'reactions.sqlite'}")
    assert list(tmp_path.iterdir()) == []


def test_create_makes_a_new_store_and_then_it_opens_without(tmp_path):
    url = f"sqlite:///{tmp_path / 'reactions.sqlite'}"
    with open_store(url, create=True) as s:
        s.add(reaction())
    with open_store(url) as s:
        assert s.count() == 1
    with SQLiteStore(tmp_path / "reactions.sqlite") as s:
        assert s.count() == 1
    with pytest.raises(StoreError, match="does not exist"):
        SQLiteStore(tmp_path / "ander.sqlite")


@pytest.mark.parametrize(
    ("damage", "match"),
    [
        ("garbage", r"reactions\.sqlite: it is damaged \(file is not a database\)"),
        ("truncated", r"reactions\.sqlite: it is damaged \(database disk image is malformed\)"),
        ("empty", r"reactions\.sqlite is empty \(0 bytes\)"),
    ],
)
def test_a_damaged_store_says_so_with_the_fix(tmp_path, damage, match):
    path = tmp_path / "reactions.sqlite"
    damage_store(path, damage)
    with pytest.raises(StoreError, match=match) as caught:
        open_store(f"sqlite:///{path}")
    assert caught.match("restore it from a backup")
    assert caught.match("move it out of its folder")


def damage_store(path, damage: str) -> None:
    """Write a reaction store at ``path`` damaged as ``damage`` (garbage, truncated, empty)."""
    if damage == "garbage":
        path.write_bytes(b"\x89PNG\r\n\x1a\n not a reaction store " * 200)
        return
    with SQLiteStore(path, create=True) as s:
        for i in range(60):
            s.add(reaction(text=f"reactie {i} " + "x" * 400))
    size = path.stat().st_size
    with path.open("r+b") as fh:
        fh.truncate(0 if damage == "empty" else size // 2)

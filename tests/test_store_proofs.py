"""The store's proofs under load, on both backends, with real writer processes.

* 100 writer processes × 200 reactions: all 20,000 stored, no errors, rows equal to
  acknowledgements.
* kill -9 of writer processes at random moments, 20 rounds: no acknowledged reaction lost, and
  the store's integrity check (SQLite's ``PRAGMA integrity_check``; on PostgreSQL amcheck and
  the counts) says ok.
* 50 processes agreeing with the same reaction at once: the count is exact.

Each worker is its own process writing through ``open_store(url)``. The workers are forked by
multiprocessing's *forkserver*, a fresh interpreter that has imported the store once (not the
pytest process with its connections), so 100 of them start in a second instead of ~25 s of
imports on two cores. A worker reports a reaction as acknowledged only after the store
returned: it writes the id with one unbuffered ``os.write`` to its own file (the kernel keeps
it when the process is killed a moment later), and the parent reads the files.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import random
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from omgeving.reactions import Reaction, new_reaction_id
from omgeving.store import open_store
from tests.geoms import INSIDE

pytestmark = pytest.mark.slow

WRITERS, PER_WRITER = 100, 200
KILL_ROUNDS, KILL_WRITERS = 20, 5
AGREERS, AGREES_EACH = 50, 20
_ID = re.compile(r"^[0-9a-f]{32}$")


def _context():
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(["omgeving.store._sqlite", "omgeving.store._postgres", __name__])
    return ctx


# -- the workers (each in its own process) ---------------------------------------------------


def _reaction(writer: str, i: int) -> Reaction:
    return Reaction(
        id=new_reaction_id(),
        geometry=INSIDE,
        theme="wonen",
        text=f"reactie {i} van {writer}",
        channel="online",
        participant=writer,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _report(path: str, line: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, f"{line}\n".encode())
    finally:
        os.close(fd)


def _writer(url: str, writer: str, count: int, acks: str) -> None:
    """Store ``count`` reactions (forever when 0); report each id once the store returned."""
    try:
        with open_store(url) as store:
            fd = os.open(acks, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            i = 0
            while count == 0 or i < count:
                r = _reaction(writer, i)
                if store.add(r) is not True:
                    raise AssertionError(f"add of new reaction {r.id} returned False")
                os.write(fd, f"{r.id}\n".encode())  # unbuffered: acknowledged
                i += 1
    except Exception as err:  # reported to the parent, which fails the test
        _report(acks, f"error: {type(err).__name__}: {err}")
        raise SystemExit(1) from err


def _agreer(url: str, reaction_id: str, writer: str, barrier, acks: str) -> None:
    """Connect, wait for all the others, then agree as ``AGREES_EACH`` participants."""
    with open_store(url) as store:
        barrier.wait(60)
        for i in range(AGREES_EACH):
            if store.agree(reaction_id, f"{writer}-{i}"):
                _report(acks, f"{writer}-{i}")
        if store.agree(reaction_id, f"{writer}-0"):  # twice by one participant counts once
            _report(acks, "error: agreed twice")


# -- the parent ----------------------------------------------------------------------------


def _lines(path: Path) -> list[str]:
    """The complete lines of a worker's file (none when it wrote nothing)."""
    return path.read_text().split("\n")[:-1] if path.exists() else []


def test_100_writers_200_reactions_each(store_url, tmp_path):
    open_store(store_url).close()  # the schema, made once
    ctx = _context()
    started = time.monotonic()
    procs = [
        ctx.Process(target=_writer, args=(store_url, f"w{k}", PER_WRITER, str(tmp_path / f"w{k}")))
        for k in range(WRITERS)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(300)
    elapsed = time.monotonic() - started
    lines = [line for k in range(WRITERS) for line in _lines(tmp_path / f"w{k}")]
    errors = [line for line in lines if not _ID.match(line)]
    acknowledged = [line for line in lines if _ID.match(line)]
    assert errors == []
    assert [p.exitcode for p in procs] == [0] * WRITERS
    assert len(acknowledged) == len(set(acknowledged)) == WRITERS * PER_WRITER
    with open_store(store_url) as store:
        assert store.count() == WRITERS * PER_WRITER
        assert {r.id for r in store.all()} == set(acknowledged)
        assert store.integrity_check() == "ok"
    print(f"{WRITERS * PER_WRITER} reactions by {WRITERS} processes in {elapsed:.1f} s")


def _wait_writing(paths: list[Path], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not all(p.exists() and p.stat().st_size for p in paths):
        assert time.monotonic() < deadline, "the writers did not start writing"
        time.sleep(0.005)


def test_kill_9_loses_no_acknowledged_reaction(store_url, tmp_path):
    open_store(store_url).close()
    ctx = _context()
    rng = random.Random(4)
    acknowledged: set[str] = set()
    stored: set[str] = set()
    cursor = 0
    for round_ in range(KILL_ROUNDS):
        paths = [tmp_path / f"r{round_}w{k}" for k in range(KILL_WRITERS)]
        procs = [
            ctx.Process(target=_writer, args=(store_url, path.name, 0, str(path))) for path in paths
        ]
        for proc in procs:
            proc.start()
        _wait_writing(paths)
        for proc in sorted(procs, key=lambda _: rng.random()):
            time.sleep(rng.uniform(0.0, 0.08))
            proc.kill()  # SIGKILL at a random moment: mid-transaction, mid-commit, or between
        for proc in procs:
            proc.join(60)
            assert proc.exitcode == -9
        lines = [line for path in paths for line in _lines(path)]
        assert [line for line in lines if not _ID.match(line)] == []
        acknowledged.update(lines)
        with open_store(store_url) as store:  # a fresh connection, as after a crash
            assert store.integrity_check() == "ok", f"round {round_}"
            for r in store.changes(cursor):  # what this round stored, cheaply
                stored.add(r.id)
                cursor = r.changed
            missing = {i for i in acknowledged - stored if store.get(i) is None}
        assert not missing, f"round {round_}: {len(missing)} acknowledged reactions lost"
    with open_store(store_url) as store:
        stored = {r.id for r in store.all()}
        assert store.count() == len(stored)
    assert acknowledged <= stored
    print(
        f"{KILL_ROUNDS * KILL_WRITERS} writers killed; {len(acknowledged)} acknowledged, "
        f"{len(stored)} stored"
    )


def test_50_processes_agree_at_once(store_url, tmp_path):
    target = _reaction("eigenaar", 0)
    with open_store(store_url) as store:
        store.add(target)
    ctx = _context()
    barrier = ctx.Barrier(AGREERS)
    procs = [
        ctx.Process(
            target=_agreer, args=(store_url, target.id, f"a{k}", barrier, str(tmp_path / f"a{k}"))
        )
        for k in range(AGREERS)
    ]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(120)
    assert [p.exitcode for p in procs] == [0] * AGREERS
    agreed = [line for k in range(AGREERS) for line in _lines(tmp_path / f"a{k}")]
    assert [line for line in agreed if line.startswith("error")] == []
    assert len(agreed) == len(set(agreed)) == AGREERS * AGREES_EACH
    with open_store(store_url) as store:
        assert store.get(target.id).agrees == AGREERS * AGREES_EACH
        assert store.integrity_check() == "ok"


def test_wall_cursor_misses_no_change_while_many_write(store_url, tmp_path):
    """A wall following ``changes(cursor)`` during 20 writers sees every reaction."""
    open_store(store_url).close()
    ctx = _context()
    procs = [
        ctx.Process(target=_writer, args=(store_url, f"w{k}", 100, str(tmp_path / f"w{k}")))
        for k in range(20)
    ]
    seen: set[str] = set()
    cursor = 0
    with open_store(store_url) as wall:
        for proc in procs:
            proc.start()
        while any(proc.is_alive() for proc in procs):
            for r in wall.changes(cursor):
                seen.add(r.id)
                cursor = r.changed
        for proc in procs:
            proc.join(60)
        assert [p.exitcode for p in procs] == [0] * 20
        for r in wall.changes(cursor):  # the last ones, after the writers ended
            seen.add(r.id)
        stored = {r.id for r in wall.all()}
    assert len(stored) == 2000
    assert seen == stored, f"the cursor skipped {len(stored - seen)} reactions"

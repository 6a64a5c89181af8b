"""Benchmark: the reaction store under concurrent writer processes, SQLite and PostgreSQL.

For 1, 10, 50 and 100 writer processes it prints reactions stored per second and the p50, p99
and worst latency of one write (``store.add``, from call to acknowledgement), on a SQLite file
and on a PostgreSQL + PostGIS server it starts itself (Debian's binaries, as the tests do). The
writers connect first and start together, so process start-up is not counted. Then it stores
100,000 reactions and times the wall's "since" query (``store.changes(cursor)``), median of many
runs: with nothing new, and with the last 10 changes new.

The naive way, for comparison (backend ``naive``): Python's own ``sqlite3`` on one file in its
default rollback-journal mode, a 10 s busy timeout, one transaction per reaction, no writer
queue; writes that still time out are counted as errors.

Every writer figure is the median of ``--repeat`` runs (default 3), with the range of the rate.

Aims (issue 4): at least 1,000 reactions/s with 50 writers, p99 under 50 ms, and a "since"
query under 5 ms.

Usage::

    .venv/bin/python benchmarks/store.py [--writers 1,10,50,100] [--total 4000] [--repeat 3]
        [--backends sqlite,postgresql,naive]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from omgeving.reactions import Reaction, new_reaction_id  # noqa: E402
from omgeving.store import open_store  # noqa: E402

POINT = {"type": "Point", "coordinates": [6.22, 52.37]}


def _reaction(writer: str, i: int) -> Reaction:
    return Reaction(
        id=new_reaction_id(),
        geometry=POINT,
        theme="wonen",
        text=f"reactie {i} van {writer}",
        channel="online",
        participant=writer,
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


NAIVE_SQL = ("INSERT INTO reactions (id, geometry, theme, text, channel, participant, created) "
             "VALUES (?, ?, ?, ?, ?, ?, ?)")


def naive_worker(path: str, writer: str, count: int) -> None:
    """The naive writer: stdlib sqlite3, rollback journal, busy timeout, no queue."""
    import sqlite3

    db = sqlite3.connect(path, timeout=10, isolation_level=None)
    print("ready", flush=True)
    sys.stdin.readline()
    latencies, errors = [], 0
    start = time.monotonic()
    for i in range(count):
        r = _reaction(writer, i)
        t0 = time.perf_counter()
        try:
            db.execute(NAIVE_SQL, (r.id, json.dumps(r.geometry), r.theme, r.text, r.channel,
                                   r.participant, r.created))
        except sqlite3.OperationalError:  # "database is locked" after the busy timeout
            errors += 1
        latencies.append(time.perf_counter() - t0)
    end = time.monotonic()
    print(json.dumps({"start": start, "end": end, "latencies": latencies, "errors": errors}),
          flush=True)


def worker(url: str, writer: str, count: int) -> None:
    """Connect, wait for "go" on stdin, store ``count`` reactions; print the timings."""
    if url.startswith("naive:///"):
        naive_worker(url[len("naive:///"):], writer, count)
        return
    with open_store(url) as store:
        print("ready", flush=True)
        sys.stdin.readline()
        latencies = []
        start = time.monotonic()  # CLOCK_MONOTONIC: one clock for every process
        for i in range(count):
            r = _reaction(writer, i)
            t0 = time.perf_counter()
            store.add(r)
            latencies.append(time.perf_counter() - t0)
        end = time.monotonic()
    print(json.dumps({"start": start, "end": end, "latencies": latencies}), flush=True)


def run_writers(url: str, writers: int, per_writer: int) -> dict[str, float]:
    """Run ``writers`` processes of ``per_writer`` reactions each; return rate and latency."""
    if url.startswith("naive:///"):
        import sqlite3

        with sqlite3.connect(url[len("naive:///"):]) as db:
            db.execute("CREATE TABLE IF NOT EXISTS reactions (seq INTEGER PRIMARY KEY, "
                       "id TEXT UNIQUE, geometry TEXT, theme TEXT, text TEXT, channel TEXT, "
                       "participant TEXT, created TEXT)")
    else:
        open_store(url, create=True).close()
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--worker", url, f"w{k}", str(per_writer)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k in range(writers)
    ]
    for proc in procs:
        assert proc.stdout.readline() == "ready\n"
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=900)
        assert proc.returncode == 0
        results.append(json.loads(out))
    latencies = sorted(x for r in results for x in r["latencies"])
    elapsed = max(r["end"] for r in results) - min(r["start"] for r in results)
    errors = sum(r.get("errors", 0) for r in results)
    if not url.startswith("naive:///"):
        with open_store(url) as store:
            assert store.count() == writers * per_writer
    return {
        "rate": (len(latencies) - errors) / elapsed,
        "errors": errors,
        "p50": 1000 * latencies[len(latencies) // 2],
        "p99": 1000 * latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "max": 1000 * latencies[-1],
    }


def fill(url: str, rows: int) -> None:
    """Store ``rows`` reactions at once (one bulk statement past the store's methods)."""
    with open_store(url, create=True) as store:
        db = store._db
        if url.startswith("sqlite"):
            db.execute("BEGIN IMMEDIATE")
            db.execute(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i<?) "
                "INSERT INTO reactions (id, geometry, theme, text, channel, participant, "
                "created, status, changed) SELECT printf('%032x', i), ?, 'wonen', "
                "'reactie ' || i, 'online', 'p' || (i % 500), '2026-01-01T00:00:00+00:00', "
                "'visible', i FROM n",
                (rows, json.dumps(POINT)),
            )
            db.execute("COMMIT")
        else:
            with db.transaction():
                db.execute(
                    "INSERT INTO reactions (seq, id, geom, geojson, theme, text, channel, "
                    "participant, created, status, changed) SELECT nextval('reaction_seq'), "
                    "lpad(to_hex(i), 32, '0'), ST_SetSRID(ST_GeomFromGeoJSON(%s), 4326), %s, "
                    "'wonen', 'reactie ' || i, 'online', 'p' || (i %% 500), "
                    "'2026-01-01T00:00:00+00:00', 'visible', nextval('change_counter') "
                    "FROM generate_series(1, %s) i",
                    (json.dumps(POINT), json.dumps(POINT), rows),
                )
            with db.transaction():
                db.execute("ANALYZE reactions")
        assert store.count() == rows


def time_since(url: str, runs: int) -> dict[str, float]:
    """Median time of ``changes(cursor)``: nothing new, and the last 10 changes new."""
    with open_store(url) as store:
        newest = store.changes(0)[-1].changed
        tenth = store.changes(newest - 20)[-11].changed
        out = {}
        for name, cursor, expect in (("none", newest, 0), ("ten", tenth, 10)):
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                got = store.changes(cursor)
                times.append(time.perf_counter() - t0)
                assert len(got) == expect
            out[name] = 1000 * statistics.median(times)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--writers", default="1,10,50,100")
    parser.add_argument(
        "--total",
        type=int,
        default=4000,
        help="reactions per run (split over the writers; at least 20 each)",
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows for the since query")
    parser.add_argument("--runs", type=int, default=500, help="runs of the since query")
    parser.add_argument("--backends", default="sqlite,postgresql,naive")
    parser.add_argument("--repeat", type=int, default=3, help="runs per writer count (median)")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], args.worker[1], int(args.worker[2]))
        return
    from tests.pgserver import PostgresServer, find_bin_dir  # the tests' server, not a worker's

    backends = args.backends.split(",")
    server = PostgresServer(find_bin_dir()).start() if "postgresql" in backends else None
    tmp = Path(tempfile.mkdtemp(prefix="omgeving-bench-"))
    try:
        print(
            f"{'backend':<11}{'writers':>8}{'reactions/s':>13}{'(range)':>14}{'p50 ms':>9}"
            f"{'p99 ms':>9}{'max ms':>9}{'errors':>8}"
        )
        for backend in backends:
            for n in (int(w) for w in args.writers.split(",")):
                runs = []
                for k in range(args.repeat):
                    if backend == "postgresql":
                        url = server.create_database()
                    else:
                        scheme = "naive" if backend == "naive" else "sqlite"
                        url = f"{scheme}:///{tmp / f'{backend}-w{n}-{k}.sqlite'}"
                    runs.append(run_writers(url, n, max(20, args.total // n)))
                rates = [r["rate"] for r in runs]
                mid = {key: statistics.median(r[key] for r in runs)
                       for key in ("rate", "p50", "p99", "max")}
                spread = f"{min(rates):.0f}-{max(rates):.0f}"
                print(
                    f"{backend:<11}{n:>8}{mid['rate']:>13.0f}{spread:>14}{mid['p50']:>9.1f}"
                    f"{mid['p99']:>9.1f}{mid['max']:>9.0f}{sum(r['errors'] for r in runs):>8}",
                    flush=True,
                )
        print(
            f"\n'since' query (changes(cursor)) with {args.rows:,} reactions stored, "
            f"median of {args.runs} runs:"
        )
        for backend in (b for b in backends if b != "naive"):
            url = (
                f"sqlite:///{tmp / 'since.sqlite'}"
                if backend == "sqlite"
                else server.create_database()
            )
            fill(url, args.rows)
            t = time_since(url, args.runs)
            print(
                f"{backend:<11} nothing new {t['none']:.3f} ms; 10 new {t['ten']:.3f} ms",
                flush=True,
            )
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

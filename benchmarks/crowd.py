"""Benchmark: a crowd opening ``/`` at the same moment, server side (no browser).

At an evening the wall shows a QR code and the hall scans it within the same minute. Here N
clients (``--crowd``, default 10, 30 and 60) request ``/`` at one moment (threads behind a
barrier, plain HTTP), each timed to the page's last byte: Voila sends it once the notebook
has run in the visitor's kernel, so this is the server's whole share of a visit before the
browser takes over. A page counts as ``ok`` when its HTML holds the map's widget view,
``busy`` on HTTP 503 ("Het is erg druk", the kernel cap), ``failed`` otherwise (no answer in
120 s, an error, a page without the map).

Both notebooks are served by ``omgeving serve``'s own server with its default options (the
same pools, kernel cap, culling), one server each for the whole run, warmed by one visit:

- ``omgeving``: the resident app (the packaged ``kaart.ipynb``) on the demo project;
- ``empty``: an empty ipyleaflet map at ``/`` (the floor: what any Voila map costs).

The rounds alternate between the two, so that both see the same machine. After a round its
kernels are ended through Voila's shutdown API and the next round waits until only the
pools' kernels run, refilled, and all is idle (``CrowdServer.settle``). Each statistic is
the median over ``--runs`` rounds.

Usage::

    .venv/bin/python benchmarks/crowd.py [--crowd 10,30,60] [--runs 3] [--project DIR]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from resident_app import (
    CROWD_TIMEOUT,
    EMPTY,
    KERNEL_ID,
    WIDGET_VIEW,
    CrowdServer,
    number_list,
    stop_everything,
)

from omgeving.demo import build_demo
from omgeving.web import bake_web_layers

DEADLINE = CROWD_TIMEOUT  # a page later than this counts as failed, as in the browser crowd


@dataclass
class Visit:
    seconds: float
    outcome: str  # ok, busy, failed
    kernel: str | None = None


def fetch(url: str, start: threading.Barrier, out: list[Visit], slot: int) -> None:
    start.wait()
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=DEADLINE) as response:
            body = response.read().decode("utf-8", "replace")
        seconds = time.monotonic() - t0
        found = KERNEL_ID.search(body)
        kernel = found.group(1) if found else None
        outcome = "ok" if WIDGET_VIEW in body and seconds <= DEADLINE else "failed"
        out[slot] = Visit(seconds, outcome, kernel)
    except urllib.error.HTTPError as error:
        out[slot] = Visit(time.monotonic() - t0, "busy" if error.code == 503 else "failed")
    except OSError:
        out[slot] = Visit(time.monotonic() - t0, "failed")


def round_of(server: CrowdServer, n: int) -> list[Visit]:
    visits: list[Visit] = [Visit(DEADLINE, "failed")] * n
    barrier = threading.Barrier(n)
    threads = [
        threading.Thread(target=fetch, args=(server.url, barrier, visits, i)) for i in range(n)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.end_kernels([v.kernel for v in visits if v.kernel])
    if not server.settle(timeout=180):
        print(f"  (server at {server.url} did not settle within 180 s)", flush=True)
    return visits


def summary(visits: list[Visit]) -> tuple[float, float, int, int]:
    """Median and worst time (failed and busy count as the deadline), failed, busy."""
    times = [v.seconds if v.outcome == "ok" else DEADLINE for v in visits]
    failed = sum(v.outcome == "failed" for v in visits)
    busy = sum(v.outcome == "busy" for v in visits)
    return statistics.median(times), max(times), failed, busy


def start(source: str | None, project: Path, workdir: Path) -> CrowdServer:
    server = CrowdServer(source, project, workdir)
    server.wait_pool(len(server.options.apps))
    server.baseline = len(server.kernels())
    round_of(server, 1)  # warm: caches, the first import of everything
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--crowd", type=number_list, default=[10, 30, 60], help="crowd sizes, comma-separated"
    )
    parser.add_argument("--runs", type=int, default=3, help="rounds per crowd and notebook")
    parser.add_argument("--project", type=Path, help="default: a fresh demo project")
    args = parser.parse_args()
    sizes = args.crowd
    with tempfile.TemporaryDirectory(prefix="omgeving-crowd-") as tmp_name:
        tmp = Path(tmp_name)
        project = args.project
        if project is None:
            project = tmp / "voorbeeld"
            build_demo(project, extra=bake_web_layers)
        servers = {}
        try:
            servers["omgeving"] = start(None, project, tmp / "omgeving")
            servers["empty"] = start(EMPTY, project, tmp / "empty")
            pool = servers["omgeving"].options.pool_size
            print(
                f"Crowd, server side: N requests for / at one moment, time to the last byte; "
                f"`omgeving serve` defaults (pool {pool} at /); median of {args.runs} rounds",
                flush=True,
            )
            results: dict[tuple[str, int], list[tuple[float, float, int, int]]] = {}
            for n in sizes:
                for run in range(args.runs):
                    for name, server in servers.items():
                        stats = summary(round_of(server, n))
                        results.setdefault((name, n), []).append(stats)
                        print(
                            f"  crowd {n} run {run + 1}/{args.runs} {name}: median "
                            f"{stats[0]:.1f} s, worst {stats[1]:.1f} s, {stats[2]} failed, "
                            f"{stats[3]} busy",
                            flush=True,
                        )
            print(
                f"{'notebook':9s} {'N':>3s} {'median':>8s} {'worst':>8s} {'failed':>6s} "
                f"{'busy':>5s}"
            )
            for n in sizes:
                for name in servers:
                    rows = results[(name, n)]
                    median = statistics.median(r[0] for r in rows)
                    worst = statistics.median(r[1] for r in rows)
                    failed = max(r[2] for r in rows)
                    busy = max(r[3] for r in rows)
                    print(f"{name:9s} {n:3d} {median:7.1f}s {worst:7.1f}s {failed:6d} {busy:5d}")
            for n in sizes:
                ours = statistics.median(r[1] for r in results[("omgeving", n)])
                floor = statistics.median(r[1] for r in results[("empty", n)])
                print(
                    f"crowd {n}: worst visitor x{ours / floor:.2f} the floor's worst "
                    f"({ours:.1f} s against {floor:.1f} s); target <= 1.5"
                )
        finally:
            stop_everything()  # every server this run started


if __name__ == "__main__":
    main()

"""Benchmark: the resident app against a naive notebook and an empty map, in real Voila.

For each of three notebooks (``--only`` picks some) served by Voila with the same public
configuration (pre-started kernels, pool of 1), it measures in Debian's Chromium the time
from page request to an interactive map (zoom control and vector features drawn), median of
N runs on a warm server, and the RSS of the kernels (median over the kernels alive after the
runs).

- ``omgeving``: the resident app (``omgeving serve``'s notebook) on the demo project;
- ``naive``: the same layers read with geopandas and added as ipyleaflet ``GeoData`` layers;
- ``empty``: an empty ipyleaflet map.

Then the crowd case: at a participation evening the wall shows a QR code and a hall of phones
opens the map at the same moment. For each crowd size (``--crowd``, default 10 and 30) N phone
contexts (390x844, mobile, touch, device scale factor 2, not 3: the browser shares the CPUs
with the server) in one Chromium open the map at once, and each is timed from its request to
an interactive map with the criterion of the single case. The server is the one ``omgeving
serve`` starts with its default options (its routes, pools, kernel cap, connect timeout,
culling, environment, the project's logo and photo), with ``omgeving`` (the packaged
``kaart.ipynb``) or ``empty`` at ``/``; naive is left out of the crowd (minutes per round).

- Simultaneous: Playwright's async API, one event loop. The contexts and pages are made
  first; then, in one ``asyncio.gather``, each page (on about:blank) gets a timer that sends
  it to the map at one and the same moment a second or so ahead, and is timed from its
  navigation's start (the new document's ``timeOrigin``) to the map. A ``goto`` per page
  would leave as fast as Playwright sends its calls: within a few ms on an idle machine, but
  1.5 s apart for 30 pages at a load of 30 (measured), since every call costs Python a stack
  walk. Threads with a barrier would need a Playwright (and a Chromium) per thread, as the
  sync API is bound to its thread: 30 browsers would measure something else. The spread of
  the navigation starts is printed.
- Settled: one server per notebook serves all its rounds, started and warmed by one page
  before the first (a warm server, as in the single case). After a round the browser closes
  and the round's kernels are ended through Voila's own shutdown API (what its page asks on
  closing, refused there for want of an XSRF cookie, so a closed tab's kernel would otherwise
  live until the idle cull, 600 s); the next round waits until only the pools' kernels run,
  refilled, and Voila and its kernels are idle. A server that does not get there within 90 s
  (a kernel of a page that never got its HTML) is stopped and the next round starts a fresh
  one (counted in the output). Restarting the server for every round would be as honest but
  costs a minute a round on two CPUs.
- A page fails when it has no interactive map 120 s after its request (a timeout, an error,
  a refused connection), or at once when its HTML came without the map's widget (``blank``:
  the server lost the notebook's output, no map will come); a page that gets "Het is erg
  druk" (HTTP 503, the kernel cap) is counted apart as busy. Failed and busy pages count as
  slower than any other (">120 s") for the median and the worst. The server's log is
  searched for the lines that say why (IOPub timeouts, kernels ended unconnected, the cap).
- During the crowd a sampler reads the server's process tree every 0.25 s: the peak number of
  kernels (the pools' included) and the peak of their total RSS, and the CPU seconds of Voila,
  of the kernels and of the browser side (Chromium, Playwright and this process), until the
  last page is done; the machine's other processes (other people's work) are what the
  machine's CPU time then holds beyond these.
- The browser's share: the same N contexts open a static Leaflet page (the same criterion: a
  zoom control and a vector path) from a local static file server, no kernel: what N pages
  cost this machine's browser alone.

Each crowd statistic is the median over ``--crowd-runs`` rounds (default 3). The timings are
of one noisy machine with few CPUs, where the browser competes with the server; read them
with the CPU seconds and the browser-alone line.

Usage::

    .venv/bin/python benchmarks/resident_app.py [--runs 5] [--project DIR]
        [--only omgeving,empty,naive] [--crowd 10,30] [--crowd-runs 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
from playwright.async_api import Error as PlaywrightError
from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright
from playwright.sync_api import sync_playwright

from omgeving.demo import build_demo
from omgeving.outputs.staticmap import leaflet_dir
from omgeving.project import open_project
from omgeving.server.launch import ServeOptions, prepare_runtime, voila_command, voila_config
from omgeving.server.preflight import check_identity
from omgeving.web import bake_web_layers

NAIVE = """\
import os
import geopandas as gpd
from ipyleaflet import GeoData, Map, TileLayer, basemaps
root = os.environ["OMGEVING_PROJECT"]
brt = basemaps.nlmaps.standaard
m = Map(center=(52.40, 6.28), zoom=11, scroll_wheel_zoom=True,
        basemap=TileLayer(url=brt.build_url(), attribution=brt.attribution))
for name in ["landgebruik", "natura2000", "overstroming", "waterlopen", "wegen", "kernen",
             "buurten", "gemeente", "gebouwen"]:
    gdf = gpd.read_parquet(f"{root}/layers/{name}.parquet").to_crs(4326)
    m.add(GeoData(geo_dataframe=gdf, name=name))
m
"""
EMPTY = """\
from ipyleaflet import Map, TileLayer, basemaps
brt = basemaps.nlmaps.standaard
Map(center=(52.40, 6.28), zoom=11,
    basemap=TileLayer(url=brt.build_url(), attribution=brt.attribution))
"""
OURS = "from omgeving.apps.resident import resident\n\nresident()\n"
#: notebook -> (source, vector features expected); in the order of the single case.
NOTEBOOKS = {"empty": (EMPTY, False), "omgeving": (OURS, True), "naive": (NAIVE, True)}
#: What the crowd measures (the naive notebook takes minutes per crowd).
CROWD_NOTEBOOKS = ("omgeving", "empty")

#: A phone, as a context of Chromium sees it.
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "user_agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36",
}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
#: A page's HTML holds its notebook's outputs; without a widget view there is no map to wait for.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
#: What the server's log says when a crowd hurts: its line -> what the report calls it.
SERVER_NOTES = {
    "Timeout waiting for IOPub output": "IOPub timeouts (outputs lost)",
    "its page did not connect within": "kernels ended (page did not connect)",
    "kernels are in use": "busy warnings (kernel cap)",
}
KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')  # in a Voila page's configuration
CROWD_TIMEOUT = 120.0  # seconds from a page's request to its map, else the page failed
SAMPLE_INTERVAL = 0.25
T0 = time.monotonic()  # for the progress lines on stderr
STATIC_PAGE = """\
<!doctype html>
<html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="leaflet.css"><script src="leaflet.js"></script>
<style>html, body, #map { height: 100%; margin: 0 }</style></head>
<body><div id="map"></div><script>
var m = L.map("map").setView([52.40, 6.28], 11);
L.tileLayer("https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/"
            + "{z}/{x}/{y}.png").addTo(m);
L.polygon([[52.35, 6.20], [52.45, 6.20], [52.45, 6.35]]).addTo(m);
</script></body></html>
"""

#: Servers and processes started and not yet stopped: ended on the way out, whatever happens.
_LIVE: list[Server | subprocess.Popen] = []


def notebook(source: str, path: Path) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nbformat.write(nb, path)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_kernel(proc: psutil.Process) -> bool:
    try:
        return "ipykernel" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


class Server:
    """The single case's server: one notebook at every path, a pool of 1."""

    def __init__(self, source: str, project: Path, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        workdir.mkdir()
        nb = notebook(source, workdir / "app.ipynb")
        (workdir / "voila.json").write_text(
            json.dumps(voila_config(ServeOptions(port=self.port, pool_size=1)))
        )
        self.start(
            voila_command(workdir, nb), workdir, {**os.environ, "OMGEVING_PROJECT": str(project)}
        )
        self.wait_pool(1)

    def start(self, command: list[str], workdir: Path, env: dict[str, str]) -> None:
        self.log = workdir / "voila.log"
        self.kernels_seen: set[psutil.Process] = set()
        self.proc = subprocess.Popen(
            command, cwd=workdir, stdout=self.log.open("w"), stderr=subprocess.STDOUT, env=env
        )
        _LIVE.append(self)

    def filled(self) -> int:
        return self.log.read_text().count("is filled with")

    def wait_pool(self, count: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.filled() < count:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text()[-3000:])
            time.sleep(0.2)

    def kernels(self) -> list[psutil.Process]:
        try:
            kids = psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        found = [k for k in kids if is_kernel(k)]
        self.kernels_seen.update(found)
        return found

    def kernel_rss_mb(self) -> list[float]:
        return [k.memory_info().rss / 2**20 for k in self.kernels()]

    def stop(self) -> None:
        """Stop Voila (it ends its kernels); kill what is left of it after 30 s."""
        self.kernels()
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        deadline = time.monotonic() + 10
        for kernel in self.kernels_seen:  # Voila ended them; kill any it left behind
            try:
                kernel.wait(max(0.1, deadline - time.monotonic()))
            except psutil.TimeoutExpired:
                with contextlib.suppress(psutil.Error):
                    kernel.kill()  # psutil checks that the pid is still that kernel
            except (psutil.Error, OSError):
                pass  # gone long ago
        self.kernels_seen.clear()
        if self in _LIVE:
            _LIVE.remove(self)


class CrowdServer(Server):
    """``omgeving serve``'s server with its default options, ``source`` at ``/``.

    ``source`` None: the packaged resident app (``kaart.ipynb``), as ``omgeving serve``.
    """

    def __init__(self, source: str | None, project: Path, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        files = check_identity(open_project(project))  # as serve(): the logo and photo
        self.options = ServeOptions(  # everything else: the defaults
            port=self.port, identity_files={name: str(path) for name, path in files.items()}
        )
        workdir.mkdir()
        prepare_runtime(workdir, self.options)  # the apps' notebooks and voila.json
        if source is not None:
            notebook(source, workdir / self.options.apps["/"])
        self.config = json.loads((workdir / "voila.json").read_text())
        env = {  # as omgeving.server.launch.serve
            **os.environ,
            "OMGEVING_PROJECT": str(project),
            "PYOGRIO_USE_ARROW": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
            "OMGEVING_PUBLIC_URL": self.url,
        }
        self.start(voila_command(workdir), workdir, env)
        self.baseline = 0  # the kernels of a settled server: the pools'

    def notes(self) -> Counter:
        text = self.log.read_text()
        return Counter({name: text.count(line) for line, name in SERVER_NOTES.items()})

    def cpu_seconds(self) -> float:
        total = 0.0
        try:
            tree = psutil.Process(self.proc.pid)
            for proc in [tree, *tree.children(recursive=True)]:
                try:
                    times = proc.cpu_times()
                    total += times.user + times.system
                except psutil.Error:
                    pass
        except psutil.Error:
            pass
        return total

    def wait_quiet(self, limit: float = 0.1, timeout: float = 60) -> None:
        """Wait until Voila and its kernels use under ``limit`` of a CPU for a second."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(1)
            now = self.cpu_seconds()
            if now - before < limit:
                return
            before = now

    def end_kernels(self, ids: list[str]) -> None:
        """End kernels through Voila's own API, as its page asks when it closes.

        Voila's page posts ``/voila/api/shutdown/<kernel>`` on ``beforeunload``, but without an
        XSRF cookie: a 403, so a closed tab's kernel lives until the idle cull (600 s). Tornado
        only asks that the form's ``_xsrf`` equal the cookie's, which we send.
        """

        def end(kernel: str) -> None:
            request = urllib.request.Request(
                f"{self.url}voila/api/shutdown/{kernel}",
                data=b"_xsrf=bench",
                headers={"Cookie": "_xsrf=bench"},
                method="POST",
            )
            with contextlib.suppress(OSError):  # already gone: 404 or 500, fine
                urllib.request.urlopen(request, timeout=60).close()

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(end, ids))

    def settle(self, timeout: float = 90) -> bool:
        """Wait until only the pools' kernels run (refilled) and all is idle; False: timeout."""
        deadline = time.monotonic() + timeout
        while len(self.kernels()) != self.baseline:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                return False
            time.sleep(0.5)
        self.wait_quiet(timeout=max(5.0, deadline - time.monotonic()))
        return len(self.kernels()) == self.baseline


def page_time(browser, url: str, features: bool) -> float:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.route(
        "**/*",
        lambda r: (
            r.continue_()
            if r.request.url.startswith(url.rstrip("/"))
            else r.fulfill(status=204, body=b"")
        ),
    )
    start = time.perf_counter()
    page.goto(url, timeout=300_000)
    page.wait_for_selector(".leaflet-control-zoom", timeout=300_000)
    if features:
        page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=300_000)
    elapsed = time.perf_counter() - start
    context.close()
    return elapsed


def single_case(project: Path, tmp: Path, runs: int, only: list[str]) -> None:
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
        )
        for name, (source, features) in NOTEBOOKS.items():
            if name not in only:
                continue
            server = Server(source, project, tmp / name)
            try:
                page_time(browser, server.url, features)  # warm-up: server and browser caches
                times = []
                for run in range(runs):
                    server.wait_pool(run + 2)  # a pre-started kernel is ready, as in use
                    times.append(page_time(browser, server.url, features))
                server.wait_pool(runs + 2)
                rss = server.kernel_rss_mb()
            finally:
                server.stop()
            results[name] = (
                statistics.median(times),
                min(times),
                max(times),
                statistics.median(rss),
                max(rss),
            )
        browser.close()
    print(f"Resident app benchmark, {runs} runs each, warm server, pre-started kernels")
    print(
        f"{'notebook':<10} {'map ready median':>17} {'min':>7} {'max':>7} "
        f"{'kernel RSS median':>18} {'max':>7}"
    )
    for name, (median, low, high, rss, rss_max) in results.items():
        print(
            f"{name:<10} {median:>15.2f} s {low:>6.2f}s {high:>6.2f}s {rss:>15.0f} MB "
            f"{rss_max:>5.0f}MB"
        )
    ours, naive, empty = (results.get(k) for k in ("omgeving", "naive", "empty"))
    versus = f"omgeving vs empty map: {ours[0] - empty[0]:+.2f} s" if ours and empty else ""
    if ours and naive:
        print(
            f"naive/omgeving: map ready x{naive[0] / ours[0]:.1f}, kernel RSS "
            f"x{naive[3] / ours[3]:.1f}" + (f"; {versus}" if versus else "")
        )
    elif versus:
        print(versus)


# -- the crowd ---------------------------------------------------------------------------------


@dataclass
class Visit:
    start: float | None  # when its navigation started (the page's timeOrigin), epoch seconds
    seconds: float  # request -> interactive map; inf when it failed or was busy
    outcome: str  # "ok", "busy", "blank" (no widget in the page), "timeout", "HTTP 500", ...
    kernel: str | None = None  # the page's kernel, from its HTML


@dataclass
class Round:
    visits: list[Visit]
    kernels_before: int = 0
    kernels_peak: int = 0
    rss_peak_mb: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # voila, kernels, browser: CPU s
    wall: float = 0.0  # the planned start -> last page done
    machine: float = 0.0  # the whole machine's CPU use in that time, 0..1
    notes: Counter = field(default_factory=Counter)  # SERVER_NOTES seen in the server's log
    others: float = 0.0  # CPU seconds of the machine's other processes in that time

    @property
    def kernels(self) -> list[str]:
        return [v.kernel for v in self.visits if v.kernel]

    @property
    def times(self) -> list[float]:
        return sorted(v.seconds for v in self.visits)

    def count(self, *outcomes: str) -> int:
        if outcomes == ("failed",):
            return sum(v.outcome not in ("ok", "busy") for v in self.visits)
        return sum(v.outcome in outcomes for v in self.visits)

    @property
    def spread_ms(self) -> float | None:
        starts = [v.start for v in self.visits if v.start is not None]
        return 1000 * (max(starts) - min(starts)) if starts else None


class Sampler(threading.Thread):
    """Every 0.25 s: the server's kernels (count, total RSS) and everyone's CPU time."""

    def __init__(self, server: CrowdServer | None) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.halt = threading.Event()
        self.kinds: dict[int, str] = {}
        self.base: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.kernels_peak = 0
        self.rss_peak = 0.0
        self.sample()
        self.base = dict(self.last)
        self.kernels_before = self.kernels_peak
        self.machine_before = psutil.cpu_times()

    def kind(self, proc: psutil.Process, parents: dict[int, int]) -> str:
        """Return "voila", "kernels" or "browser" (Chromium, Playwright, this process).

        From one snapshot of the process tree (``parents``: pid -> parent pid), so that a
        process born between two walks is not taken for the browser's. A process of the
        server that is not yet a kernel (forked, not yet exec'd) is asked again next time.
        """
        if proc.pid in self.kinds:
            return self.kinds[proc.pid]
        server = self.server.proc.pid if self.server is not None else None
        ancestor = proc.pid
        while ancestor in parents and ancestor != server:
            ancestor = parents[ancestor]
        if ancestor != server:
            self.kinds[proc.pid] = "browser"
        elif proc.pid == server:
            self.kinds[proc.pid] = "voila"
        elif is_kernel(proc):
            self.kinds[proc.pid] = "kernels"
        else:
            return "voila"  # not cached
        return self.kinds[proc.pid]

    def sample(self) -> None:
        me = psutil.Process()
        procs = [me, *me.children(recursive=True)]
        parents = {}
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                parents[proc.pid] = proc.ppid()
        parents.pop(me.pid, None)
        kernels, rss = 0, 0.0
        for proc in procs:
            try:
                kind = self.kind(proc, parents)
                times = proc.cpu_times()
                self.last[proc.pid] = times.user + times.system
                if kind == "kernels":
                    self.server.kernels_seen.add(proc)  # ended with the server, whatever happens
                    rss += proc.memory_info().rss / 2**20
                    kernels += 1
            except psutil.Error:
                continue
        self.kernels_peak = max(self.kernels_peak, kernels)
        self.rss_peak = max(self.rss_peak, rss)

    def run(self) -> None:
        while not self.halt.wait(SAMPLE_INTERVAL):
            self.sample()

    def finish(self, done: Round) -> None:
        self.halt.set()
        self.join()
        self.sample()
        before, after = self.machine_before._asdict(), psutil.cpu_times()._asdict()
        spent = {k: after[k] - before[k] for k in after if k not in ("guest", "guest_nice")}
        idle = spent.get("idle", 0.0) + spent.get("iowait", 0.0)
        done.machine = 1 - idle / max(sum(spent.values()), 1e-9)
        done.kernels_before, done.kernels_peak = self.kernels_before, self.kernels_peak
        done.rss_peak_mb = self.rss_peak
        done.cpu = dict.fromkeys(("voila", "kernels", "browser"), 0.0)
        for pid, seconds in self.last.items():
            done.cpu[self.kinds.get(pid, "voila")] += seconds - self.base.get(pid, 0.0)
        done.others = max(0.0, sum(spent.values()) - idle - sum(done.cpu.values()))


#: Run in a page (about:blank): navigate to ``url`` at the epoch time ``at`` (ms).
NAVIGATE_AT = "([url, at]) => { setTimeout(() => { location.href = url; }, at - Date.now()); }"


async def navigation_start(page, at: float) -> float | None:
    """Return when the page's document started navigating (epoch s); None: not the new one."""
    try:
        origin = await page.evaluate("performance.timeOrigin") / 1000
    except PlaywrightError:
        return None
    return origin if origin > at - 0.5 else None  # about:blank began before ``at``


async def visit(page, url: str, features: bool, voila: bool, at: float) -> Visit:
    """Open ``url`` at the epoch time ``at`` and time it to an interactive map.

    The page navigates itself (a timer set in about:blank), so the requests of a crowd leave
    together however long Playwright takes to send its calls to every page. The time runs
    from the navigation's start in the browser (the new document's ``timeOrigin``) to the
    moment Playwright sees the map, as in the single case.
    """
    kernel = None

    def left() -> float:  # ms until the page's deadline
        return 1000 * max(at + CROWD_TIMEOUT - time.time(), 0.001)

    def first_response(response) -> bool:
        return response.url == url and response.request.is_navigation_request()

    try:
        async with page.expect_response(first_response, timeout=left()) as answer:
            await page.evaluate(NAVIGATE_AT, [url, 1000 * at])
        response = await answer.value
        status = response.status
        if status == 503:
            return Visit(await navigation_start(page, at), math.inf, "busy")
        if status >= 400:
            return Visit(await navigation_start(page, at), math.inf, f"HTTP {status}")
        if voila:
            html = await response.text()
            found = KERNEL_ID.search(html)
            kernel = found.group(1) if found else None
            if WIDGET_VIEW not in html:  # no map will ever come: do not wait for it
                return Visit(await navigation_start(page, at), math.inf, "blank", kernel)
        await page.wait_for_selector(".leaflet-control-zoom", timeout=left())
        if features:
            await page.wait_for_selector(
                ".leaflet-overlay-pane path", state="attached", timeout=left()
            )
        ready = time.time()
        start = await navigation_start(page, at)
        return Visit(start, ready - (at if start is None else start), "ok", kernel)
    except PlaywrightTimeout:
        return Visit(await navigation_start(page, at), math.inf, "timeout", kernel)
    except PlaywrightError as err:
        return Visit(None, math.inf, f"error: {str(err).splitlines()[0][:80]}", kernel)


async def crowd(browser, url: str, phones: int, features: bool, server=None) -> Round:
    """Open ``url`` on ``phones`` new phone contexts at once; time each to its map."""
    local = re.compile(rf"^https?://(?!127\.0\.0\.1:{url.split(':')[2].rstrip('/')}/)")

    async def no_internet(route) -> None:
        await route.fulfill(status=204, body=b"")

    contexts = await asyncio.gather(*(browser.new_context(**PHONE) for _ in range(phones)))
    try:
        for context in contexts:
            await context.route(local, no_internet)  # evaluated by Playwright's driver
        pages = await asyncio.gather(*(context.new_page() for context in contexts))
        at = time.time() + 1 + 0.1 * phones  # time enough to set every page's timer
        voila = server is not None
        tasks = [asyncio.ensure_future(visit(p, url, features, voila, at)) for p in pages]
        await asyncio.sleep(max(0.0, at - time.time()))
        sampler = Sampler(server)
        sampler.start()
        await asyncio.wait(tasks, timeout=CROWD_TIMEOUT + 30)  # a visit ends by itself before
        visits = []
        for task in tasks:
            if task.done():
                visits.append(task.result())
            else:
                task.cancel()
                visits.append(Visit(None, math.inf, "timeout"))
        done = Round(visits)
        done.wall = time.time() - at
        sampler.finish(done)
        return done
    finally:
        await asyncio.gather(
            *(asyncio.wait_for(c.close(), 30) for c in contexts), return_exceptions=True
        )


def launch(pw):
    return pw.chromium.launch(
        executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=CHROMIUM_ARGS
    )


class Crowds:
    """One ``omgeving serve`` server per notebook for every round, settled between rounds.

    Started: pools filled, idle, one warm-up page (a warm server, as in the single case) whose
    kernel is ended. After a round: the browser closes (the phones leave), the round's kernels
    are ended through Voila's shutdown API (:meth:`CrowdServer.end_kernels`) and the server
    waits until only the pools' kernels run, refilled, and idle. A server that does not settle
    (a kernel whose page never got its HTML) is stopped and the next round starts a new one.
    """

    def __init__(self, pw, project: Path, tmp: Path) -> None:
        self.pw, self.project, self.tmp = pw, project, tmp
        self.servers: dict[str, CrowdServer] = {}
        self.started: Counter = Counter()

    async def server(self, name: str) -> CrowdServer:
        if name in self.servers:
            return self.servers[name]
        source, features = NOTEBOOKS[name]
        self.started[name] += 1
        workdir = self.tmp / f"crowd-{name}-{self.started[name]}"
        server = CrowdServer(None if name == "omgeving" else source, self.project, workdir)
        await asyncio.to_thread(server.wait_pool, len(server.options.apps))
        await asyncio.to_thread(server.wait_quiet)
        server.baseline = len(server.kernels())
        for attempt in range(1, 4):  # a page with a map warms all; a blank one may not
            browser = await launch(self.pw)
            try:
                warm = await crowd(browser, server.url, 1, features, server)
            finally:
                await browser.close()
            await asyncio.to_thread(server.end_kernels, warm.kernels)
            if not await asyncio.to_thread(server.settle):
                raise RuntimeError(f"{name}: the server did not settle after its warm-up page")
            if warm.count("ok") == 1:
                break
            print(
                f"  {name}: warm-up page {attempt} without a map ({warm.visits[0].outcome})",
                file=sys.stderr,
            )
        self.servers[name] = server
        return server

    async def round(self, name: str, phones: int) -> Round:
        server = await self.server(name)
        browser = await launch(self.pw)
        try:
            before = server.notes()
            done = await crowd(browser, server.url, phones, NOTEBOOKS[name][1], server)
            done.notes = server.notes() - before
        finally:
            await browser.close()
        await asyncio.to_thread(server.end_kernels, done.kernels)
        if not await asyncio.to_thread(server.settle):
            del self.servers[name]
            await asyncio.to_thread(server.stop)
        return done

    async def stop(self) -> None:
        """Stop the servers; one that will not stop is left to :func:`stop_everything`."""
        for name, server in self.servers.items():
            try:
                await asyncio.to_thread(server.stop)
            except (OSError, psutil.Error, subprocess.SubprocessError) as err:
                print(f"  {name}: stopping its server: {err!r}", file=sys.stderr)
        self.servers.clear()


class StaticSite:
    """A local static file server with a Leaflet page: the browser's share, no kernel."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir()
        leaflet = leaflet_dir()
        for name in ("leaflet.js", "leaflet.css"):
            shutil.copy(leaflet / name, folder / name)
        (folder / "index.html").write_text(STATIC_PAGE)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(self.port), "--bind", "127.0.0.1"],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _LIVE.append(self.proc)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise RuntimeError("the static file server did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        _LIVE.remove(self.proc)
        self.proc.terminate()
        self.proc.wait(10)


async def static_round(pw, site: StaticSite, phones: int) -> Round:
    browser = await launch(pw)
    try:
        await crowd(browser, site.url, 1, True)  # warm-up, as for the servers
        await asyncio.sleep(1)
        return await crowd(browser, site.url, phones, True)
    finally:
        await browser.close()


async def crowd_case(
    project: Path, tmp: Path, sizes: list[int], runs: int, names: list[str]
) -> tuple[dict[tuple[str, int], list[Round]], dict[str, int]]:
    rounds: dict[tuple[str, int], list[Round]] = {}
    site = StaticSite(tmp / "static")
    try:
        async with async_playwright() as pw:
            crowds = Crowds(pw, project, tmp)
            try:
                for name in names:  # start (and warm) the servers before the first round
                    await crowds.server(name)
                for phones in sizes:
                    for run in range(runs):
                        for name in ("browser", *names):
                            if name == "browser":
                                done = await static_round(pw, site, phones)
                            else:
                                done = await crowds.round(name, phones)
                            rounds.setdefault((name, phones), []).append(done)
                            print(
                                f"  [{time.monotonic() - T0:4.0f} s] crowd {phones} run "
                                f"{run + 1}/{runs} {name}: median "
                                f"{seconds(statistics.median(done.times))}, worst "
                                f"{seconds(max(done.times))}, {done.count('ok')} ok, "
                                f"{done.count('busy')} busy, {done.count('failed')} failed "
                                f"(others' CPU {done.others:.0f} s)",
                                file=sys.stderr,
                                flush=True,
                            )
            finally:
                await crowds.stop()
    finally:
        site.stop()
    restarts = {n: k - 1 for n, k in crowds.started.items() if k > 1}
    return rounds, restarts


def seconds(value: float) -> str:
    return f">{CROWD_TIMEOUT:.0f} s" if math.isinf(value) else f"{value:.1f} s"


def ratio(ours: float, floor: float) -> str:
    if math.isfinite(ours) and math.isfinite(floor):
        return f"x{ours / floor:.1f}"
    if math.isfinite(floor):  # ours failed: at least the timeout over the floor
        return f">x{CROWD_TIMEOUT / floor:.1f}"
    return "x?"


def med(values) -> float:
    return statistics.median(list(values))


def report_crowd(
    rounds: dict[tuple[str, int], list[Round]],
    sizes: list[int],
    runs: int,
    restarts: dict[str, int],
) -> None:
    options = ServeOptions()
    config = voila_config(options)
    pools = config["VoilaKernelManager"]["kernel_pools_config"]
    others = ", ".join(p for p in options.apps if p != "/")
    restarted = ", ".join(f"{n} {k}x" for n, k in restarts.items()) or "none"
    print()
    print(
        f"Crowd: N phones ({PHONE['viewport']['width']}x{PHONE['viewport']['height']}, mobile, "
        f"touch, scale {PHONE['device_scale_factor']}) open the map at once, one Chromium, one "
        f"asyncio.gather; median over {runs} rounds of each statistic"
    )
    print(
        f"server: `omgeving serve`'s defaults: pool {options.pool_size} at / and 1 at {others} "
        f"({sum(p['pool_size'] for p in pools.values())} pre-started kernels), at most "
        f"{config['OmgevingKernelManager']['max_kernels']} kernels (max_kernels 0: what free "
        f"memory holds), connect timeout {options.connect_timeout} s, idle cull after "
        f"{options.cull_idle_timeout} s, cell timeout {config['VoilaExecutor']['timeout']} s"
    )
    print(
        "settled: one server per notebook for all rounds, warmed by one page; after each round "
        "its kernels are ended through Voila's shutdown API and the next round waits for only "
        f"the pools' kernels, refilled, and idle (servers restarted: {restarted})"
    )
    print(
        f"failed: no map {CROWD_TIMEOUT:.0f} s after the request; busy: HTTP 503 (Het is erg "
        f"druk); browser: the same contexts on a static Leaflet page, no server; "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'notebook':<9} {'phones':>6} {'median':>8} {'worst':>8} {'failed':>6} {'busy':>4} "
        f"{'kernels':>7} {'RSS peak':>9} {'CPU s: voila':>12} {'kernels':>7} {'browser':>7} "
        f"{'wall':>6} {'machine':>7} {'others':>6}"
    )
    for phones in sizes:
        for name in ("omgeving", "empty", "browser"):
            if (name, phones) not in rounds:
                continue
            rs = rounds[(name, phones)]
            server = name != "browser"
            before, peak = med(r.kernels_before for r in rs), med(r.kernels_peak for r in rs)
            kernels = f"{before:.0f}->{peak:.0f}" if server else "-"
            rss = f"{med(r.rss_peak_mb for r in rs):.0f} MB" if server else "-"
            print(
                f"{name:<9} {phones:>6} {seconds(med(statistics.median(r.times) for r in rs)):>8} "
                f"{seconds(med(max(r.times) for r in rs)):>8} "
                f"{med(r.count('failed') for r in rs):>6g} {med(r.count('busy') for r in rs):>4g} "
                f"{kernels:>7} {rss:>9} {med(r.cpu['voila'] for r in rs):>12.1f} "
                f"{med(r.cpu['kernels'] for r in rs):>7.1f} "
                f"{med(r.cpu['browser'] for r in rs):>7.1f} {med(r.wall for r in rs):>5.1f}s "
                f"{100 * med(r.machine for r in rs):>6.0f}% {med(r.others for r in rs):>6.1f}"
            )
    print(
        "kernels: before the crowd -> peak (pools included); RSS peak: their total; CPU s: "
        "first request to last page done, browser = Chromium + Playwright; machine: all CPUs' "
        "use then; others: CPU s of the machine's other processes then (other users' work)"
    )
    spreads = [r.spread_ms for rs in rounds.values() for r in rs if r.spread_ms is not None]
    if spreads:
        print(
            f"the pages of a round started navigating within {statistics.median(spreads):.0f} "
            f"ms of each other (median round; worst {max(spreads):.0f} ms), each on a timer set "
            "to one moment"
        )
    problems = Counter(
        v.outcome for rs in rounds.values() for r in rs for v in r.visits if v.outcome != "ok"
    )
    total = sum(len(rs) for rs in rounds.values())
    if problems:
        listed = ", ".join(f"{n} {k}" for k, n in problems.most_common())
        print(f"pages without a map, all {total} rounds: {listed}")
        if problems["blank"]:
            print("  blank: the page's HTML came without the map widget (no map will come)")
    notes = sum((r.notes for rs in rounds.values() for r in rs), Counter())
    if +notes:
        print(
            f"server log, all {total} rounds: " + ", ".join(f"{n} {k}" for k, n in (+notes).items())
        )

    def stat(name: str, phones: int) -> tuple[float, float]:
        rs = rounds[(name, phones)]
        return med(statistics.median(r.times) for r in rs), med(max(r.times) for r in rs)

    for phones in sizes:
        parts = []
        if ("omgeving", phones) in rounds:
            ours = stat("omgeving", phones)
            parts.append(f"omgeving median {seconds(ours[0])}, worst {seconds(ours[1])}")
        if ("empty", phones) in rounds:
            floor = stat("empty", phones)
            part = f"empty {seconds(floor[0])} / {seconds(floor[1])}"
            if ("omgeving", phones) in rounds:
                part += f" ({ratio(ours[0], floor[0])} / {ratio(ours[1], floor[1])})"
            parts.append(part)
        print(f"crowd {phones}: " + "; ".join(parts))
    for phones in sizes:
        alone = stat("browser", phones)
        print(
            f"browser alone, crowd {phones} on a static Leaflet page: median "
            f"{seconds(alone[0])}, worst {seconds(alone[1])}"
        )


def stop_everything() -> None:
    for live in list(_LIVE):
        if isinstance(live, Server):
            live.stop()
        else:
            _LIVE.remove(live)
            live.kill()
            live.wait()


def number_list(text: str) -> list[int]:
    sizes = [int(x) for x in text.split(",") if x.strip()]
    if any(n < 0 for n in sizes):
        raise argparse.ArgumentTypeError("crowd sizes are 0 or more")
    return [n for n in sizes if n > 0]


def name_list(text: str) -> list[str]:
    names = [x.strip() for x in text.split(",") if x.strip()]
    unknown = set(names) - set(NOTEBOOKS)
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"pick from {', '.join(NOTEBOOKS)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="single case runs (0: skip it)")
    parser.add_argument("--project", type=Path, help="default: a fresh demo project")
    parser.add_argument(
        "--only",
        type=name_list,
        default=list(NOTEBOOKS),
        help="notebooks, e.g. omgeving,empty (default: all; the crowd: omgeving and empty)",
    )
    parser.add_argument(
        "--crowd", type=number_list, default=[10, 30], help="phones per crowd (0: no crowd)"
    )
    parser.add_argument("--crowd-runs", type=int, default=3, help="rounds per crowd and notebook")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # stop the servers on the way out
    tmp = Path(tempfile.mkdtemp(prefix="omgeving-bench-"))
    try:
        project = args.project or build_demo(tmp / "demo", extra=bake_web_layers).root
        if args.runs > 0:
            single_case(project, tmp, args.runs, args.only)
        names = [n for n in CROWD_NOTEBOOKS if n in args.only]
        if args.crowd and names and args.crowd_runs > 0:
            rounds, restarts = asyncio.run(
                crowd_case(project, tmp, args.crowd, args.crowd_runs, names)
            )
            report_crowd(rounds, args.crowd, args.crowd_runs, restarts)
    finally:
        stop_everything()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the resident app against a naive notebook and an empty map, in real Voila.

For each of three notebooks served by Voila with the same public configuration (pre-started
kernels, pool of 1), it measures in Debian's Chromium the time from page request to an
interactive map (zoom control and vector features drawn), median of N runs on a warm server,
and the RSS of the kernels (median over the kernels alive after the runs).

- ``omgeving``: the resident app (``omgeving serve``'s notebook) on the demo project;
- ``naive``: the same layers read with geopandas and added as ipyleaflet ``GeoData`` layers;
- ``empty``: an empty ipyleaflet map.

Usage::

    .venv/bin/python benchmarks/resident_app.py [--runs 5] [--project DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from playwright.sync_api import sync_playwright

from omgeving.demo import build_demo
from omgeving.server.launch import ServeOptions, voila_command, voila_config
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


class Server:
    def __init__(self, source: str, project: Path, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        workdir.mkdir()
        nb = notebook(source, workdir / "app.ipynb")
        (workdir / "voila.json").write_text(
            json.dumps(voila_config(ServeOptions(port=self.port, pool_size=1)))
        )
        self.log = workdir / "voila.log"
        self.proc = subprocess.Popen(
            voila_command(workdir, nb),
            cwd=workdir,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            env={**os.environ, "OMGEVING_PROJECT": str(project)},
        )
        self.wait_pool(1)

    def filled(self) -> int:
        return self.log.read_text().count("is filled with")

    def wait_pool(self, count: int, timeout: float = 300) -> None:
        deadline = time.monotonic() + timeout
        while self.filled() < count:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(self.log.read_text()[-3000:])
            time.sleep(0.2)

    def kernel_rss_mb(self) -> list[float]:
        kids = psutil.Process(self.proc.pid).children(recursive=True)
        return [k.memory_info().rss / 2**20 for k in kids if "ipykernel" in " ".join(k.cmdline())]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--project", type=Path)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="omgeving-bench-"))
    project = args.project or build_demo(tmp / "demo", extra=bake_web_layers).root
    results = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, source, features in (
            ("empty", EMPTY, False),
            ("omgeving", OURS, True),
            ("naive", NAIVE, True),
        ):
            server = Server(source, project, tmp / name)
            try:
                page_time(browser, server.url, features)  # warm-up: server and browser caches
                times = []
                for run in range(args.runs):
                    server.wait_pool(run + 2)  # a pre-started kernel is ready, as in use
                    times.append(page_time(browser, server.url, features))
                server.wait_pool(args.runs + 2)
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
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"Resident app benchmark, {args.runs} runs each, warm server, pre-started kernels")
    print(
        f"{'notebook':<10} {'map ready median':>17} {'min':>7} {'max':>7} "
        f"{'kernel RSS median':>18} {'max':>7}"
    )
    for name, (median, low, high, rss, rss_max) in results.items():
        print(
            f"{name:<10} {median:>15.2f} s {low:>6.2f}s {high:>6.2f}s {rss:>15.0f} MB "
            f"{rss_max:>5.0f}MB"
        )
    ours, naive = results["omgeving"], results["naive"]
    print(
        f"naive/omgeving: map ready x{naive[0] / ours[0]:.1f}, kernel RSS "
        f"x{naive[3] / ours[3]:.1f}; omgeving vs empty map: +{ours[0] - results['empty'][0]:.2f} s"
    )


if __name__ == "__main__":
    sys.exit(main())

"""Shared fixtures: real parts, really started (SQLite files, Voila, Chromium).

A test that needs a part this machine lacks skips with the reason on a laptop, and fails
under CI (``CI=true``): a skipped browser test proves nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fakecbs import fake_cbs  # noqa: F401  (a local CBS StatLine OData feed)
from tests.fakelocatie import fake_locatie  # noqa: F401  (a local PDOK Locatieserver)
from tests.fakepdok import fake_pdok  # noqa: F401  (the fixture of a local PDOK)
from tests.pgserver import pg_server, pg_url, store_url  # noqa: F401  (PostgreSQL)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
OUTPUT = ROOT / "test-output"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need(condition: bool, reason: str) -> None:
    """Skip the test when ``condition`` is false, or fail it under CI."""
    if not condition:
        if IN_CI:
            pytest.fail(f"required under CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The ``../shared`` folder beside the project (absent from a user's clone)."""
    need(SHARED.is_dir(), f"{SHARED} is absent (it is only beside the project on our machines)")
    return SHARED


@pytest.fixture(scope="session")
def output_dir() -> Path:
    """``test-output/``: screenshots and other artefacts the suite writes."""
    (OUTPUT / "screenshots").mkdir(parents=True, exist_ok=True)
    return OUTPUT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def demo_project(tmp_path_factory) -> Path:
    """A freshly built demo project (with baked web layers), shared by the session."""
    from omgeving.demo import build_demo
    from omgeving.web import bake_web_layers

    target = tmp_path_factory.mktemp("demo") / "voorbeeld"
    build_demo(target, extra=bake_web_layers)
    return target


@pytest.fixture
def project_copy(demo_project, tmp_path) -> Path:
    """A private copy of the demo project (its own reaction store), for one test."""
    from omgeving.project import open_project
    from omgeving.store import open_store

    target = tmp_path / "project"
    shutil.copytree(demo_project, target, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    open_store(open_project(target).store_url(), create=True).close()  # as a new demo has
    return target


def served_copy(demo_project: Path, folder: Path, *, pool: int = 1):
    """Yield a public server on a private copy of the demo in ``folder`` (its own store)."""
    root = folder / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    server = VoilaServer(root, folder / "voila.log", pool=pool)
    try:
        yield server, root
    finally:
        server.stop()


class VoilaServer:
    """``omgeving serve`` running in a subprocess on a free port."""

    def __init__(self, project: Path, log: Path, *, pool: int = 1) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        self._fh = log.open("w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "omgeving.cli",
                "serve",
                str(project),
                "--port",
                str(self.port),
                "--pool",
                str(pool),
            ],
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"omgeving serve exited: {log.read_text()[-2000:]}")
            if "is at http" in log.read_text():
                return
            time.sleep(0.2)
        raise RuntimeError(f"omgeving serve did not start: {log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self._fh.close()


@pytest.fixture(scope="session")
def resident_server(demo_project, tmp_path_factory):
    server = VoilaServer(demo_project, tmp_path_factory.mktemp("voila") / "voila.log")
    yield server
    server.stop()


def chromium_path() -> str | None:
    return (
        os.environ.get("CHROMIUM_PATH")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    exe = chromium_path()
    need(exe is not None, "Debian's chromium is not installed (scripts/test installs it)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed (scripts/test installs it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=exe,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


#: Browser contexts of the devices people use.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 900}}
PROJECTOR = {"viewport": {"width": 1920, "height": 1080}}
TOUCH_TABLE = {"viewport": {"width": 1920, "height": 1080}, "has_touch": True}


def offline_page(browser, base_url: str, **context_options):
    """A new page that can reach only ``base_url`` (CDNs and tile servers answer 204)."""
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(base_url.rstrip("/"))
            else route.fulfill(status=204, body=b"")
        ),
    )
    return page


# -- the resident app's steps, as a person takes them (each counts its taps) ----------------


class Taps:
    """Count the taps (clicks) of a journey through the resident app."""

    def __init__(self, page) -> None:
        self.page = page
        self.n = 0

    def tap(self, selector: str, *, text: str | None = None) -> None:
        """Tap the (first visible) element of ``selector``, with ``text`` if given."""
        target = self.page.locator(selector)
        if text is not None:
            target = target.filter(has_text=text)
        target.first.click()
        self.n += 1

    def tap_map(self, dx: float = 0, dy: float = 0) -> None:
        """Tap the map at its centre moved by (dx, dy) CSS px."""
        box = self.page.locator(".omg-mapbox .leaflet-container").first.bounding_box()
        self.page.mouse.click(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2 + dy)
        self.n += 1


def choose(page, group: str, label: str) -> None:
    """Tap the option ``label`` of a choice (``omg-theme``, ``omg-sentiment``) exactly."""
    exact = re.compile(rf"^\s*{re.escape(label)}\s*$")
    page.locator(f".{group} button").filter(has_text=exact).first.click()


def place_point(page, dx: float = 0, dy: float = 0) -> None:
    """From any step: tap *Punt*, then the map (its centre moved by dx, dy)."""
    for leave in (".omg-stop", ".omg-back", ".omg-again"):
        button = page.locator(leave)
        if button.count() and button.first.is_visible():
            button.first.click()
            page.wait_for_selector(".omg-draw-point", state="visible", timeout=15_000)
            break
    page.locator(".omg-draw-point").first.click()
    page.wait_for_selector(".omg-step-place", timeout=15_000)
    page.wait_for_timeout(200)
    Taps(page).tap_map(dx, dy)


def open_list(page) -> None:
    """Open the list of reactions (one tap from the map)."""
    page.locator(".omg-open-list").first.click()
    page.wait_for_selector(".omg-step-list", timeout=15_000)

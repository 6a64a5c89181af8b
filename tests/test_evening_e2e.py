"""Participation in depth, end to end: two browsers at once on the real public server, the
wall, the table, the staff server with its login, and XSS payloads in every app."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from omgeving.config import read_config, write_config
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.conftest import (
    LAPTOP,
    PHONE,
    PROJECTOR,
    TOUCH_TABLE,
    Taps,
    VoilaServer,
    choose,
    free_port,
    need,
    offline_page,
    open_list,
    served_copy,
)
from tests.xss import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = (
    Path(__file__).resolve().parent.parent
    / ".venv"
    / "axe"
    / "node_modules"
    / "axe-core"
    / "axe.min.js"
)


@pytest.fixture(scope="module")
def evening(demo_project, tmp_path_factory):
    """A public server on a private copy of the demo (its own store)."""
    yield from served_copy(demo_project, tmp_path_factory.mktemp("evening"), pool=1)


def goto(page, url, selector=".leaflet-container"):
    page.goto(url, timeout=120_000)
    page.wait_for_selector(selector, timeout=120_000)
    page.wait_for_timeout(800)


def inside_point(root: Path) -> dict:
    area = Area.from_web(root / "web")
    p = area.boundary.representative_point()
    return {"type": "Point", "coordinates": [p.x, p.y]}


def draw_polygon(page):
    page.locator(".omg-draw-area").first.click()
    page.wait_for_selector(".omg-step-place", timeout=15_000)
    taps = Taps(page)
    for dx, dy in ((-30, -20), (30, -20), (30, 25), (-30, 25)):
        taps.tap_map(dx, dy)
        page.wait_for_timeout(150)
    page.locator(".omg-done").click()


def wait_stored(root: Path, text: str, timeout: float = 20.0) -> float:
    """Poll the store until a reaction with ``text`` is in it; return that moment."""
    deadline = time.monotonic() + timeout
    with open_store(open_project(root).store_url()) as store:
        while time.monotonic() < deadline:
            if store._db.execute(
                "SELECT 1 FROM reactions WHERE text LIKE ?", (f"%{text}%",)
            ).fetchone():
                return time.monotonic()
            time.sleep(0.01)
    raise AssertionError(f"no reaction with {text!r} was stored")


def wait_status(page, text, timeout=15_000):
    page.wait_for_function(
        "t => Array.from(document.querySelectorAll('.omg-status'))"
        ".some(e => e.innerText.includes(t))",
        arg=text,
        timeout=timeout,
    )


def test_phone_polygon_appears_on_the_wall_within_a_second(browser, evening, output_dir):
    server, root = evening
    from datetime import date

    from omgeving.store import Evening

    tonight = Evening(id="e" * 32, day=date.today().isoformat(), place="Dorpshuis De Kolk",
                      visitors=0)
    with open_store(open_project(root).store_url()) as store:  # the evening in the register
        store.save_evening(tonight, actor="Anna")
    wall = offline_page(browser, server.url, **PROJECTOR)
    goto(wall, server.url + "scherm")
    wall.locator(".omg-wall-evening", has_text="Avond in Dorpshuis De Kolk").wait_for(
        timeout=10_000)
    phone = offline_page(browser, server.url, **PHONE)
    goto(phone, server.url + "?avond")  # the wall's QR code: the phone is in the hall
    draw_polygon(phone)
    wait_status(phone, "plek staat op de kaart")
    choose(phone, "omg-theme", "natuur & landschap")
    phone.locator(".omg-sentiment button").nth(4).click()
    phone.locator(".omg-text textarea").fill("Maak hier een bloemrijke akkerrand, graag!")
    phone.locator(".omg-submit").click()
    stored = wait_stored(root, "bloemrijke akkerrand")
    wall.wait_for_function(
        "document.body.innerText.includes('bloemrijke akkerrand')", timeout=5_000
    )
    seen = time.monotonic() - stored
    assert seen < 1.0, f"the wall showed the reaction {seen:.2f} s after it was stored"
    wait_status(phone, "Bedankt")
    wall.wait_for_selector("path.omg-wall-reactie", state="attached", timeout=5_000)
    assert "bloemrijke akkerrand" in wall.locator("body").inner_text()
    with open_store(open_project(root).store_url()) as store:
        r = next(x for x in store.all() if "akkerrand" in x.text)
    assert r.geometry["type"] == "Polygon" and r.sentiment == 2
    assert r.evening == tonight.id  # it came from the hall: it counts for the evening
    wall.locator(".omg-wall-evening", has_text="vanavond 1 reactie").wait_for(timeout=5_000)
    phone.screenshot(path=str(output_dir / "screenshots" / "resident-phone-polygon.png"))
    wall.screenshot(path=str(output_dir / "screenshots" / "wall-projector.png"))
    wall.context.close()
    phone.context.close()


def test_agree_and_report_once_per_participant_and_three_reports_hide(browser, evening):
    server, root = evening
    point = inside_point(root)
    project = open_project(root)
    with open_store(project.store_url()) as store:
        reaction = validate_reaction(
            id=new_reaction_id(),
            geometry=point,
            theme="wonen",
            text="Reactie om te melden",
            area=Area.from_web(root / "web"),
            themes=project.config.themes,
            participant="auteur",
        )
        store.add(reaction)
    pages = [offline_page(browser, server.url, **PHONE) for _ in range(3)]
    for page in pages:
        goto(page, server.url)
        open_list(page)
        card = page.locator(".omg-list > div", has_text="Reactie om te melden").first
        card.wait_for(timeout=15_000)
        card.locator(".omg-agree").click()
        page.wait_for_timeout(300)
        card = page.locator(".omg-list > div", has_text="Reactie om te melden").first
        card.locator(".omg-agree").click()
        page.wait_for_function(
            "document.querySelector('.omg-list-status').innerText.includes('al mee eens')",
            timeout=10_000,
        )
        card = page.locator(".omg-list > div", has_text="Reactie om te melden").first
        card.locator(".omg-report").click()
        page.locator(".omg-report-reason textarea").fill("Dit hoort hier niet")
        page.locator(".omg-report-send").click()
        page.wait_for_function(
            "document.querySelector('.omg-list-status').innerText"
            ".includes('Bedankt voor uw melding')",
            timeout=10_000,
        )
    with open_store(project.store_url()) as store:
        after = store.get(reaction.id)
        assert after.agrees == 3
        assert after.reports == 3
        assert after.status == "pending"  # off the map until a moderator decides
        assert [a.action for a in store.audit_log()][-1] == "auto-hide"
    for page in pages:
        page.context.close()


def test_table_resets_after_a_submission(browser, evening, output_dir):
    server, root = evening
    page = offline_page(browser, server.url, **TOUCH_TABLE)
    goto(page, server.url + "tafel")
    page.screenshot(path=str(output_dir / "screenshots" / "table-touch.png"))
    page.locator(".omg-draw-point").click()
    page.locator(".omg-buurt select").select_option(index=1)
    wait_status(page, "plek staat op de kaart")
    choose(page, "omg-theme", "voorzieningen")
    page.locator(".omg-text textarea").fill("Een pinautomaat in het dorp")
    page.locator(".omg-submit").click()
    wait_status(page, "Bedankt")
    assert page.locator(".omg-text textarea").input_value() == ""
    with open_store(open_project(root).store_url()) as store:
        r = next(x for x in store.all() if x.text == "Een pinautomaat in het dorp")
    assert r.channel == "tafel"
    page.context.close()


@pytest.fixture(scope="module")
def hostile(demo_project, tmp_path_factory):
    """A project whose theme and scenario names and reaction texts are XSS payloads."""
    root = tmp_path_factory.mktemp("hostile") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    config = read_config(root)
    themes = (*config.themes[:3], PAYLOADS[1], PAYLOADS[3])
    scenarios = tuple(
        replace(s, name=PAYLOADS[i], description=PAYLOADS[i + 4])
        for i, s in enumerate(config.scenarios)
    )
    write_config(
        replace(config, themes=themes, scenarios=scenarios, title="Visie " + PAYLOADS[2]), root
    )
    manifest = json.loads((root / "web" / "manifest.json").read_text())
    for spec, ref in zip(manifest["scenarios"], scenarios, strict=True):
        spec["name"], spec["description"] = ref.name, ref.description
    (root / "web" / "manifest.json").write_text(json.dumps(manifest))
    project = open_project(root)
    area = Area.from_web(root / "web")
    point = inside_point(root)
    with open_store(project.store_url(), create=True) as store:
        for i, payload in enumerate(PAYLOADS):
            theme = themes[3 + i % 2]
            r = validate_reaction(
                id=new_reaction_id(),
                geometry=point,
                theme=theme,
                text=payload,
                area=area,
                themes=themes,
                participant=f"p{i}",
                scenario=scenarios[i % 3].slug,
                scenarios=tuple(s.slug for s in scenarios),
            )
            store.add(r)
            store.report(r.id, "melder", PAYLOADS[(i + 1) % len(PAYLOADS)])
        store.moderate(r.id, "hide", actor=PAYLOADS[0], reason=PAYLOADS[2])
    server = VoilaServer(root, root.parent / "voila.log", pool=1)
    yield server, root
    server.stop()


@pytest.mark.parametrize("path", ["", "scherm", "tafel"])
def test_xss_payloads_never_run_in_the_public_apps(browser, hostile, path, output_dir):
    server, _ = hostile
    page = offline_page(browser, server.url, **PROJECTOR)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    goto(page, server.url + path)
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=30_000)
    if path == "":
        page.locator(".omg-scenario select").select_option(index=1)
        page.wait_for_timeout(1000)
    body = page.locator("body").inner_text()
    assert "window.__xss" in body  # the payloads are there, as text
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    page.screenshot(path=str(output_dir / "screenshots" / f"xss-{path or 'kaart'}.png"))
    page.context.close()


class StaffServer:
    def __init__(self, root: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.token = read_config(root).staff.token
        self._fh = log.open("w")
        self.log = log
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "omgeving.cli", "staff", str(root), "--port", str(self.port)],
            stdout=self._fh,
            stderr=subprocess.STDOUT,
            env={**os.environ},
        )
        deadline = time.monotonic() + 120
        while "is at http" not in log.read_text():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError(log.read_text()[-2000:])
            time.sleep(0.2)

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(20)
        self._fh.close()


@pytest.fixture(scope="module")
def staff_server(hostile):
    _, root = hostile
    server = StaffServer(root, root.parent / "staff.log")
    yield server, root
    server.stop()


def test_staff_app_needs_the_login(staff_server):
    server, _ = staff_server
    request = urllib.request.Request(server.url)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            final, body = resp.url, resp.read().decode()
    except urllib.error.HTTPError as err:
        final, body = server.url, str(err.code)
    assert "login" in final or body in ("401", "403")
    assert "omg-staff" not in body


def test_staff_app_moderates_with_the_token_and_runs_no_payload(browser, staff_server, output_dir):
    server, root = staff_server
    page = offline_page(browser, server.url, **PROJECTOR)
    goto(page, f"{server.url}?token={server.token}", selector=".omg-staff-name")
    assert page.evaluate("window.__xss") is None
    assert "window.__xss" in page.locator("body").inner_text()
    page.locator(".omg-staff-name input").fill("Moderator Jan")
    page.locator(".lm-TabBar-tab", has_text="Alle reacties").click()
    row = page.locator(".omg-staff-all .omg-staff-row", has=page.locator(".omg-staff-hide")).first
    row.wait_for(timeout=15_000)
    row.locator(".omg-staff-reason textarea").fill("Kwetsend: verborgen na melding")
    row.locator(".omg-staff-hide").click()
    page.wait_for_function(
        "document.querySelector('.omg-staff-status .omg-ok') !== null", timeout=15_000
    )
    with open_store(open_project(root).store_url()) as store:
        last = store.audit_log()[-1]
    assert (last.actor, last.action, last.reason) == (
        "Moderator Jan",
        "hide",
        "Kwetsend: verborgen na melding",
    )
    assert page.evaluate("window.__xss") is None
    page.screenshot(path=str(output_dir / "screenshots" / "staff.png"), full_page=True)
    page.context.close()


def test_the_staff_command_refuses_without_a_token(tmp_path, demo_project):
    root = tmp_path / "p"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    write_config(replace(read_config(root), staff=replace(read_config(root).staff, token="")), root)
    result = subprocess.run(
        [sys.executable, "-m", "omgeving.cli", "staff", str(root)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "[staff] token" in result.stderr


@pytest.mark.parametrize(
    ("path", "options"),
    [("", PHONE), ("scherm", PROJECTOR), ("tafel", TOUCH_TABLE), ("vergelijken", LAPTOP)],
)
def test_accessibility_with_axe(browser, evening, path, options, output_dir):
    need(AXE.exists(), f"{AXE} is missing (scripts/setup --test installs axe-core from npm)")
    server, _ = evening
    page = offline_page(browser, server.url, **options)
    goto(page, server.url + path)
    found = axe_violations(page, output_dir / f"axe-{path or 'kaart'}.json", every=True)
    assert found == [], found
    page.context.close()


def axe_violations(page, report: Path, *, every: bool = False) -> list[dict]:
    """Run axe-core in ``page``, write every violation to ``report``, return the serious ones.

    With ``every``, return the violations of any impact.
    """
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async () => { const r = await axe.run(document, "
        "{resultTypes: ['violations']}); return r.violations.map(v => "
        "({id: v.id, impact: v.impact, nodes: v.nodes.length, "
        "help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))})); }"
    )
    report.write_text(json.dumps(result, indent=1))
    return [v for v in result if every or v["impact"] in ("serious", "critical")]


def test_accessibility_of_the_staff_app(browser, staff_server, output_dir):
    need(AXE.exists(), f"{AXE} is missing (scripts/setup --test installs axe-core from npm)")
    server, _ = staff_server
    page = offline_page(browser, server.url, **PROJECTOR)
    goto(page, f"{server.url}?token={server.token}", selector=".omg-staff-name")
    assert axe_violations(page, output_dir / "axe-beheer.json") == []
    page.context.close()

"""The resident app end to end: ``omgeving serve`` on the demo, driven by Debian's Chromium."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from omgeving.project import open_project
from omgeving.store import open_store
from tests.conftest import LAPTOP, PHONE, VoilaServer, choose, offline_page, place_point

pytestmark = [pytest.mark.browser, pytest.mark.slow]




def open_app(browser, server, **options):
    page = offline_page(browser, server.url, **options)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(server.url, timeout=120_000)
    page.wait_for_selector(".leaflet-container", timeout=120_000)
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=60_000)
    page.wait_for_timeout(800)  # the first view event fits the map to the project area
    return page, errors


def test_place_a_point_reaction_and_find_it_after_reload(
    browser, resident_server, demo_project, output_dir
):
    text = "Graag een veilige fietsoversteek bij de brug, ook voor ouderen. Dank u wel!"
    page, errors = open_app(browser, resident_server, **LAPTOP)
    page.screenshot(path=str(output_dir / "screenshots" / "resident-demo.png"), full_page=True)
    place_point(page)
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('plek staat op de kaart')",
        timeout=15_000,
    )
    choose(page, "omg-theme", "water & klimaat")
    page.locator(".omg-text textarea").fill(text)
    page.locator(".omg-submit").click()
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('Bedankt')", timeout=15_000
    )
    page.wait_for_selector("path.omg-reactie", state="attached", timeout=15_000)
    assert errors == []

    project = open_project(demo_project)
    with open_store(project.store_url()) as store:
        stored = [r for r in store.all() if r.text == text]
    assert len(stored) == 1
    reaction = stored[0]
    assert reaction.theme == "water & klimaat"
    assert reaction.channel == "online" and reaction.status == "visible"
    assert reaction.geometry["type"] == "Point"
    assert reaction.buurt and reaction.buurt.startswith("BU9999")

    again, errors = open_app(browser, resident_server, **LAPTOP)
    again.wait_for_selector("path.omg-reactie", state="attached", timeout=15_000)
    assert again.locator("path.omg-reactie").count() >= 1
    assert errors == []
    again.context.close()
    page.context.close()


def test_phone_view_and_refusals(browser, resident_server, output_dir):
    page, _ = open_app(browser, resident_server, **PHONE)
    page.screenshot(
        path=str(output_dir / "screenshots" / "resident-demo-phone.png"), full_page=True
    )
    page.locator(".omg-draw-line").click()  # nothing placed yet: a line without a point
    page.locator(".omg-done").click()
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('Kies eerst een plek')",
        timeout=15_000,
    )
    place_point(page)
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('plek staat')", timeout=15_000
    )
    page.locator(".omg-submit").click()  # no theme, no text
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('onderwerp')", timeout=15_000
    )
    body = page.locator("body").inner_text()
    assert "Traceback" not in body and "/work/" not in body and "Error" not in body
    page.context.close()


def test_zooming_in_shows_building_footprints(browser, resident_server):
    page, _ = open_app(browser, resident_server, **LAPTOP)
    footprints = ".leaflet-overlay-pane path[stroke='#7f2704']"  # the detail layer's style
    before = page.locator(footprints).count()
    box = page.locator(".leaflet-container").first.bounding_box()
    for _ in range(4):
        page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_timeout(600)
    page.wait_for_function(
        f"document.querySelectorAll(\"{footprints}\").length > {before}", timeout=20_000
    )
    page.context.close()


def test_public_server_never_serves_the_staff_app(resident_server):
    for path in (
        "beheer",
        "beheer.ipynb",
        "voila/render/beheer.ipynb",
        "voila/tree",
        "voila/api/contents/",
        "staff",
    ):
        status, body = fetch(resident_server.url + path)
        assert status == 404, (path, status)
        assert "omg-staff" not in body


def test_public_server_serves_no_files(resident_server):
    for path in (
        "static/etc/passwd",
        "voila/files/omgeving.toml",
        "voila/files/../../etc/passwd",
        "voila/render/kaart.ipynb?theme=dark",
        "voila/tree",
        "api/kernels",
    ):
        status, body = fetch(resident_server.url + path)
        assert status in (200, 403, 404, 405), (path, status)
        assert "root:" not in body, path
        assert "[project]" not in body, path


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            return resp.status, resp.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", errors="replace")


def test_idle_kernels_are_configured_to_be_culled():
    from omgeving.server.launch import ServeOptions, voila_config

    config = voila_config(ServeOptions())
    assert config["VoilaConfiguration"]["show_tracebacks"] is False
    assert config["VoilaConfiguration"]["allow_theme_override"] == "NO"
    assert config["VoilaConfiguration"]["allow_template_override"] == "NO"
    assert config["VoilaConfiguration"]["preheat_kernel"] is True
    assert config["MappingKernelManager"]["cull_idle_timeout"] == 600


def test_the_server_log_holds_no_ip_address(resident_server):
    fetch(resident_server.url + "niet-hier")
    fetch(resident_server.url)
    log = resident_server.log.read_text()
    assert "(127.0.0.1)" not in log
    assert "404 GET /niet-hier" in log


def test_stopping_serve_stops_voila_and_its_kernels(project_copy, tmp_path):
    import psutil

    server = VoilaServer(project_copy, tmp_path / "voila.log")
    children = psutil.Process(server.proc.pid).children(recursive=True)
    assert any("omgeving.server._voila" in " ".join(c.cmdline()) for c in children)
    server.stop()  # SIGTERM, as systemd or a test runner sends
    _gone, alive = psutil.wait_procs(children, timeout=20)
    assert alive == []

"""What a resident's browser gets from the public server, in Debian's Chromium: no request to
another host (no CDN), icons that render offline, a friendly Dutch page when the map cannot
load, and a reaction field that cuts a 50 MB paste to its limit, saying so."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import psutil
import pytest

from omgeving.project import open_project
from omgeving.reactions import MAX_TEXT
from omgeving.store import MAX_REASON, open_store
from tests.conftest import (
    LAPTOP,
    PHONE,
    VoilaServer,
    choose,
    offline_page,
    place_point,
    served_copy,
)
from tests.test_evening_e2e import StaffServer, goto

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The background map: PDOK's BRT achtergrondkaart (Kadaster), the one other host the apps
#: use, by design (omgeving/apps/_mapview.py). Nothing else may be asked of another host.
MAP_TILES = "service.pdok.nl"
LOCAL = {"127.0.0.1", "localhost", "[::1]"}
FAILED_NL = "De kaart kan nu niet worden geladen. Probeer het over een paar minuten opnieuw."
FAILED_EN = "The map cannot be loaded right now"
LEAKS = (
    "There was an error",
    "Traceback",
    "site-packages",
    "/work/",
    "/tmp/",
    ".py",
    "ExecutionError",
    "An exception occurred",
)


@pytest.fixture(scope="module")
def public(demo_project, tmp_path_factory):
    yield from served_copy(demo_project, tmp_path_factory.mktemp("assets"), pool=1)


@pytest.fixture(scope="module")
def staff(public):
    _, root = public
    server = StaffServer(root, root.parent / "staff.log")
    yield server
    server.stop()


def recording_page(browser, base_url: str, **options):
    """A page that answers only ``base_url`` and notes every request it attempts."""
    page = offline_page(browser, base_url, **options)
    page.asked = []
    page.on("request", lambda request: page.asked.append(request.url))
    return page


def elsewhere(urls: list[str]) -> list[str]:
    """The requests to another host than this machine, but for the background map."""
    hosts = [(u, urlsplit(u).hostname or "") for u in urls if not u.startswith(("data:", "blob:"))]
    return [u for u, host in hosts if host not in LOCAL and host != MAP_TILES]


ICONS = """() => Array.from(document.querySelectorAll('i.fa')).map(i => {
    const before = getComputedStyle(i, '::before');
    return {cls: i.className, font: getComputedStyle(i).fontFamily, glyph: before.content,
            width: i.getBoundingClientRect().width};
})"""


def assert_icons_render(page, expected: set[str]) -> None:
    page.wait_for_function("document.fonts.status === 'loaded'", timeout=15_000)
    icons = page.evaluate(ICONS)
    found = {c for icon in icons for c in icon["cls"].split() if c.startswith("fa-")}
    assert expected <= found, (expected, icons)
    for icon in icons:
        if not set(icon["cls"].split()) & expected:
            continue
        assert "Font Awesome" in icon["font"], icon
        assert icon["glyph"] not in ("none", "normal", '""', ""), icon
        loaded = page.evaluate(
            "f => document.fonts.check('900 16px ' + f)", icon["font"].split(",")[0]
        )
        assert loaded, icon
    font_faces = page.evaluate(
        "() => Array.from(document.fonts).filter(f => f.status === 'loaded').map(f => f.family)"
    )
    assert any("Font Awesome" in f for f in font_faces), font_faces


@pytest.mark.parametrize(
    ("path", "icons"),
    [
        ("", {"fa-map-marker", "fa-comments"}),  # the start; later steps are made on use
        ("scherm", set()),
        ("tafel", {"fa-paper-plane"}),
        ("vergelijken", set()),
    ],
    ids=["kaart", "scherm", "tafel", "vergelijken"],
)
def test_a_public_page_asks_no_other_host_and_its_icons_render(browser, public, path, icons):
    server, _ = public
    page = recording_page(browser, server.url, **LAPTOP)
    goto(page, server.url + path)
    page.wait_for_timeout(1500)
    html = page.content()
    assert "cdn.jsdelivr" not in html and "cdnjs" not in html
    assert elsewhere(page.asked) == []
    assert any("/voila/static/" in u for u in page.asked)  # the recording works
    if icons:
        assert_icons_render(page, icons)
    page.context.close()


def test_the_staff_page_asks_no_other_host_and_its_icons_render(browser, staff):
    page = recording_page(browser, staff.url, **LAPTOP)
    goto(page, f"{staff.url}?token={staff.token}", selector=".omg-staff-name")
    page.wait_for_timeout(1500)
    assert elsewhere(page.asked) == []
    assert_icons_render(page, {"fa-refresh", "fa-save"})
    assert page.locator(".omg-staff-paper-text textarea").get_attribute("maxlength") == str(
        MAX_TEXT
    )
    page.context.close()


def test_the_error_pages_ask_no_other_host(browser, public):
    server, _ = public
    page = recording_page(browser, server.url, **PHONE)
    response = page.goto(server.url + "niet-hier")
    assert response.status == 404
    assert "Deze pagina bestaat niet" in page.locator("body").inner_text()
    assert elsewhere(page.asked) == [] and len(page.asked) == 1  # no font, no script
    page.context.close()


# -- F10: a 50 MB paste ------------------------------------------------------------------------

PASTE = """n => {
    const area = document.querySelector('.omg-text textarea');
    area.focus();
    area.value = 'Een veilige oversteek bij de school. '.repeat(Math.ceil(n / 37)).slice(0, n);
    area.dispatchEvent(new Event('input', {bubbles: true}));
    return area.value.length;
}"""


def test_a_50_mb_paste_is_cut_to_the_limit_said_so_and_stored(browser, public, output_dir):
    server, root = public
    page = recording_page(browser, server.url, **PHONE)
    sockets: list = []
    page.on("websocket", lambda ws: sockets.append(ws) if "/channels" in ws.url else None)
    goto(page, server.url)
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=60_000)
    place_point(page)
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('plek staat op de kaart')",
        timeout=15_000,
    )
    area = page.locator(".omg-text textarea")
    assert area.get_attribute("maxlength") == str(MAX_TEXT)
    limit_note = page.locator(".omg-text .omg-limit")
    assert limit_note.locator(".omg-limit-count").inner_text() == f"nog {MAX_TEXT} tekens"
    area.press_sequentially("Hallo")
    assert limit_note.locator(".omg-limit-count").inner_text() == f"nog {MAX_TEXT - 5} tekens"
    assert limit_note.locator("[role=status]").inner_text() == ""

    assert page.evaluate(PASTE, 50 * 2**20) == MAX_TEXT
    cut = limit_note.locator("[role=status]")
    assert cut.inner_text() == f"Uw tekst is ingekort tot {MAX_TEXT} tekens: dat is het maximum."
    assert limit_note.locator(".omg-limit-count").inner_text() == "nog 0 tekens"
    # a real paste through the keyboard: the browser's maxlength cuts it, we say so
    area.fill("")
    area.press("End")
    page.keyboard.insert_text("x" * (MAX_TEXT + 500))
    assert len(area.input_value()) == MAX_TEXT
    assert "ingekort" in cut.inner_text()
    assert page.evaluate(PASTE, 50 * 2**20) == MAX_TEXT
    page.screenshot(path=str(output_dir / "screenshots" / "limit-phone.png"), full_page=True)

    choose(page, "omg-theme", "mobiliteit")
    page.locator(".omg-submit").click()
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('Bedankt')", timeout=15_000
    )
    assert len(sockets) == 1 and not sockets[0].is_closed(), "the kernel websocket reconnected"
    assert page.locator(".jp-Dialog").count() == 0  # no "kernel restarting" dialog
    with open_store(open_project(root).store_url()) as store:
        texts = [r.text for r in store.all() if r.text.startswith("Een veilige oversteek")]
    assert [len(t) for t in texts] == [MAX_TEXT]
    assert limit_note.locator(".omg-limit-count").inner_text(timeout=5000) in (
        f"nog {MAX_TEXT} tekens",
        "nog 0 tekens",
    )
    page.context.close()


def test_the_limits_reach_the_page_without_user_data(public):
    server, _ = public
    with urllib.request.urlopen(server.url, timeout=120) as resp:
        html = resp.read().decode()
    config = re.search(r'"omgeving": (\{"limits": \{[^}]*\})', html).group(1)
    for cls, limit in (
        ("omg-text", MAX_TEXT),
        ("omg-report-reason", MAX_REASON),
        ("omg-staff-paper-text", MAX_TEXT),
        ("omg-staff-reason", MAX_REASON),
    ):
        assert f'"{cls}": {limit}' in config


# -- F9: a notebook that fails, a server error -------------------------------------------------


def test_a_failing_page_says_so_in_dutch_without_voilas_error_or_a_path(
    browser, project_copy, tmp_path, output_dir
):
    server = VoilaServer(project_copy, tmp_path / "voila.log", pool=0)
    try:
        store = project_copy / "reactions.sqlite"
        assert store.exists()  # serve checked it and started
        for path in project_copy.glob("reactions.sqlite*"):
            path.unlink()
        store.write_bytes(b"\x89PNG\r\n\x1a\n not a reaction store " * 200)  # after the start

        page = recording_page(browser, server.url, **PHONE)
        page.goto(server.url, timeout=120_000)
        failed = page.locator(".omg-failed")
        failed.wait_for(timeout=120_000)
        text = page.locator("body").inner_text()
        assert FAILED_NL in text and FAILED_EN in text
        assert failed.get_attribute("role") == "alert"
        for leak in LEAKS:
            assert leak not in text, leak
        assert elsewhere(page.asked) == []
        page.screenshot(path=str(output_dir / "screenshots" / "failed-phone.png"), full_page=True)
        page.context.close()
        assert "Traceback" in server.log.read_text()  # the operator has it

        # the app's notebook itself broken: a server error, with the same words
        notebook = Path(_voila_process(server).cwd()) / "kaart.ipynb"
        notebook.write_text("{ not a notebook")
        assert _friendly_error(server.url, 400, "Deze pagina kan zo niet worden geopend")
        notebook.unlink()
        notebook.mkdir()  # Voila: HTTP 500 "Failed to load kaart.ipynb"
        assert _friendly_error(server.url, 500, FAILED_NL)
    finally:
        server.stop()


def _voila_process(server) -> psutil.Process:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for child in psutil.Process(server.proc.pid).children():
            if "omgeving.server._voila" in " ".join(child.cmdline()):
                return child
        time.sleep(0.2)
    raise AssertionError("no Voila process under omgeving serve")


def _friendly_error(url: str, status: int, text: str) -> bool:
    got, body = _get(url)
    assert got == status, (got, body[-500:])
    assert text in body and 'lang="en"' in body, body
    for leak in LEAKS:
        assert leak not in body, leak
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//|<script""", body), body
    return True


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=120) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf-8", "replace")

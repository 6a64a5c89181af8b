"""The wall (*scherm*): live reactions, counts, QR code and scenarios, driven from Python."""

from __future__ import annotations

import dataclasses
import html
import json
import os
import re
import socket
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import ipywidgets as w
import nbformat
import pytest
import segno
import shapely
from shapely.geometry import Point, box

from omgeving.apps import wall as wall_module
from omgeving.apps.wall import WALL_LAYERS, WallApp, public_url, qr_html, sentiment_text, wall
from omgeving.config import EveningConfig, read_config, write_config
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.server.launch import ServeOptions, prepare_runtime, voila_command
from omgeving.store import open_store
from tests.conftest import free_port, offline_page
from tests.xss import PAYLOADS, assert_no_raw_html, widgets

XSS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<a href='javascript:alert(1)'>klik</a>",
    "<svg onload=alert(1)>",
    "&lt;script&gt; als tekst",
)


@pytest.fixture
def app(project_copy):
    app = WallApp(project_copy)
    yield app
    app.close()


@pytest.fixture(scope="module")
def area(demo_project):
    return Area.from_web(demo_project / "web")


def shapes(area):
    """Return a point, a short line and a small square inside the project area."""
    p = area.boundary.representative_point()
    d = 0.001
    square = box(p.x - d, p.y - d, p.x + d, p.y + d)
    assert area.boundary.covers(square)
    return (
        {"type": "Point", "coordinates": [p.x, p.y]},
        {"type": "LineString", "coordinates": [[p.x - d, p.y], [p.x + d, p.y + d]]},
        {"type": "Polygon", "coordinates": [list(square.exterior.coords)]},
    )


def add(store, area, geometry, text, *, theme="wonen", sentiment=None, themes=None):
    reaction = validate_reaction(
        id=new_reaction_id(),
        geometry=geometry,
        theme=theme,
        text=text,
        area=area,
        themes=themes or (theme,),
        participant="deelnemer-1",
        sentiment=sentiment,
    )
    assert store.add(reaction)
    return reaction


def ids(app):
    return {f["properties"]["id"] for f in app.reactions_layer.data["features"]}


def bars(html_text):
    """Return the (label, count) rows of the bars in the stats HTML."""
    pattern = r"omg-wall-label'>(.*?)</span>.*?omg-wall-n'>(\d+)</span>"
    return {label: int(n) for label, n in re.findall(pattern, html_text)}


ALLOWED_TAGS = {"style", "h1", "h2", "p", "div", "span", "b", "ol", "li"}
ALLOWED_ATTRIBUTES = {"class", "style", "role", "aria-label"}


class Tags(HTMLParser):
    """Collect the tags and attributes of an HTML text."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def total(app):
    """Return the total count and its word from the stats HTML."""
    n, word = re.search(r"<b>(\d+)</b><span>(\w+)</span>", app.stats.value).groups()
    return int(n), word


def html_values(root):
    """Return the value of every HTML widget in the wall."""
    return [widget.value for widget in widgets(root) if isinstance(widget, w.HTML)]


def test_points_lines_and_areas_appear_with_their_counts(app, area):
    point, line, polygon = shapes(area)
    themes = app.config.themes
    a = add(app.store, area, point, "Meer huizen voor starters", sentiment=2, themes=themes)
    b = add(app.store, area, line, "Fietspad graag", theme="mobiliteit", sentiment=-1)
    c = add(app.store, area, polygon, "Hier een bos", theme="natuur & landschap", sentiment=None)
    app.tick()
    assert ids(app) == {a.id, b.id, c.id}
    features = app.reactions_layer.data["features"]
    assert [f["geometry"]["type"] for f in features] == ["Polygon", "LineString", "Point"]
    for feature in features:  # coloured per theme, countable in a browser, no text on the map
        assert feature["properties"]["style"]["className"] == "omg-wall-reactie"
        assert set(feature["properties"]) == {"id", "style"}
    assert (
        features[0]["properties"]["style"]["color"] != features[1]["properties"]["style"]["color"]
    )
    assert total(app) == (3, "reacties")
    counts = bars(app.stats.value)
    assert counts["wonen"] == 1 and counts["mobiliteit"] == 1 and counts["energie"] == 0
    assert counts["natuur &amp; landschap"] == 1
    sentiments = ("+2 heel goed", "+1 goed", "0 neutraal", "−1 slecht", "−2 heel slecht", "geen")
    assert [counts[s] for s in sentiments] == [1, 0, 0, 1, 0, 1]
    ticker = app.ticker.value
    assert ticker.index("Hier een bos") < ticker.index("Fietspad") < ticker.index("starters")
    assert "wonen · +2" in ticker and "mobiliteit · −1" in ticker


def test_the_ticker_shows_the_latest_eight_shortened(app, area):
    point = shapes(area)[0]
    for i in range(10):
        add(app.store, area, point, f"reactie nummer {i} " + "x" * 300)
    app.tick()
    assert app.ticker.value.count("<li") == 8
    assert "reactie nummer 9" in app.ticker.value and "reactie nummer 1 " not in app.ticker.value
    longest = max(
        re.findall(r"omg-wall-text'>(reactie nummer.*?)</div>", app.ticker.value), key=len
    )
    assert len(longest) <= 200 and longest.endswith("…")
    assert total(app) == (10, "reacties")


def test_hidden_pending_and_withdrawn_reactions_leave_the_wall(app, area):
    point, line, polygon = shapes(area)
    hidden = add(app.store, area, polygon, "wordt verborgen")
    withdrawn = add(app.store, area, line, "trek ik in")
    reported = add(app.store, area, point, "wordt gemeld")
    kept = add(app.store, area, point, "blijft staan")
    app.tick()
    assert len(ids(app)) == 4
    assert app.store.moderate(hidden.id, "hide", actor="test", reason="x")
    assert app.store.withdraw(withdrawn.id, "deelnemer-1")
    assert app.store.report(reported.id, "iemand", "scheldwoord", threshold=1)
    app.tick()
    assert ids(app) == {kept.id}
    assert "wordt verborgen" not in app.ticker.value and total(app) == (1, "reactie")
    assert app.store.moderate(hidden.id, "restore", actor="test", reason="toch goed")
    app.tick()
    assert ids(app) == {kept.id, hidden.id}


def test_an_edited_reaction_updates(app, area):
    polygon = shapes(area)[2]
    reaction = add(app.store, area, polygon, "eerste versie", sentiment=-2)
    app.tick()
    before = app.reactions_layer.data
    edited = dataclasses.replace(reaction, text="tweede versie", theme="energie", sentiment=1)
    assert app.store.update_own(edited, "deelnemer-1")
    app.tick()
    assert "tweede versie" in app.ticker.value and "eerste versie" not in app.ticker.value
    assert "energie · +1" in app.ticker.value
    assert app.reactions_layer.data is not before
    assert bars(app.stats.value)["energie"] == 1 and bars(app.stats.value)["wonen"] == 0


def test_nothing_changed_sends_nothing(app, area):
    reaction = add(app.store, area, shapes(area)[0], "een reactie")
    app.tick()
    data, stats, ticker = app.reactions_layer.data, app.stats.value, app.ticker.value
    app.tick()
    assert app.reactions_layer.data is data
    assert app.store.agree(reaction.id, "iemand anders")  # changes the store, not the wall
    app.tick()
    assert app.reactions_layer.data is data
    assert (app.stats.value, app.ticker.value) == (stats, ticker)


def test_user_text_is_shown_as_text_everywhere(project_copy, area):
    config = read_config(project_copy)
    themes = (*config.themes, "<svg onload=alert(1)>")
    write_config(
        dataclasses.replace(config, title="<script>alert(1)</script> Dorp", themes=themes),
        project_copy,
    )
    manifest_path = project_copy / "web" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["scenarios"][0]["name"] = "<img src=x onerror=alert(1)>"
    manifest_path.write_text(json.dumps(manifest))
    app = WallApp(project_copy)
    try:
        point = shapes(area)[0]
        app.cycle_once()
        payloads = [*XSS, *PAYLOADS]
        for first in range(0, len(payloads), 4):  # the ticker shows 8: check each in turn
            for text in payloads[first : first + 4]:
                add(app.store, area, point, text, theme=themes[-1], themes=themes)
            app.tick()
            assert_shown_as_text(app)
            if first == 4:
                assert "&amp;lt;script&amp;gt; als tekst" in app.ticker.value
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Dorp" in app.header.value
        assert "&lt;img src=x onerror=alert(1)&gt;" in app.banner.value
        assert "&lt;svg onload=alert(1)&gt;" in app.stats.value
    finally:
        app.close()


def assert_shown_as_text(app):
    """Assert that the wall's HTML holds only our own tags and attributes."""
    assert_no_raw_html(app.widget)
    values = html_values(app.widget)
    qr = app.qr.value
    assert qr.count("<svg") == 1 and qr.count("</svg>") == 1
    values[values.index(qr)] = re.sub(r"<svg.*</svg>", "", qr, flags=re.S)
    page = "".join(values)
    for raw in ("<script", "<img", "<svg", "<a ", "<iframe", "<input", "<details"):
        assert raw not in page, raw
    tags = Tags()
    tags.feed(page)  # what a browser would build
    assert {tag for tag, _ in tags.found} <= ALLOWED_TAGS
    assert {name for _, attrs in tags.found for name, _ in attrs} <= ALLOWED_ATTRIBUTES
    assert not any("javascript" in (v or "") for _, attrs in tags.found for _, v in attrs)


def test_the_wall_and_the_phones_from_its_qr_code_are_tied_to_the_evening(project_copy,
                                                                            monkeypatch):
    from datetime import date

    from omgeving.apps.resident import ResidentApp
    from omgeving.store import Evening
    from tests.test_resident_app import send

    app = WallApp(project_copy)
    phone = ResidentApp(project_copy)
    try:
        assert app.evening is None and "omg-wall-evening" not in app.header.value
        evening = Evening(id="e" * 32, day=date.today().isoformat(),
                          place=f"Dorpshuis {PAYLOADS[0]}", visitors=0)
        app.store.save_evening(evening, actor="Anna")
        monkeypatch.setattr(wall_module, "EVENING_SECONDS", 0.0)
        app.tick()  # the wall finds the evening registered meanwhile
        assert app.evening == app.store.evenings()[0]
        assert "vanavond 0 reacties" in html.unescape(app.header.value)
        assert_no_raw_html(app.header.value)
        # a phone opened from the wall's QR code: its reaction carries the evening
        phone.visitor.value = f"{'a' * 32} avond"
        area = Area.from_web(open_project(project_copy).web_dir)
        point = area.boundary.representative_point()
        rid = send(phone, {"type": "Point", "coordinates": [point.x, point.y]})
        assert phone.ctx.store.get(rid).evening == evening.id
        assert phone.ctx.participant == "a" * 32
        app.tick()
        assert "vanavond 1 reactie" in html.unescape(app.header.value)
        # a phone from anywhere else: no evening
        other = ResidentApp(project_copy)
        other.visitor.value = "b" * 32
        assert other.ctx.evening is None
        other.ctx.store.close()
    finally:
        phone.ctx.store.close()
        app.close()


def test_the_qr_code_opens_the_configured_public_url(project_copy, monkeypatch):
    monkeypatch.delenv("OMGEVING_PUBLIC_URL", raising=False)
    config = read_config(project_copy)
    assert public_url(config) == "http://127.0.0.1:8866/"
    monkeypatch.setenv("OMGEVING_PUBLIC_URL", "http://10.0.0.5:8866/")
    assert public_url(config) == "http://10.0.0.5:8866/"
    url = "http://192.168.1.20:8866/"
    write_config(dataclasses.replace(config, evening=EveningConfig(public_url=url)), project_copy)
    app = WallApp(project_copy)
    try:
        assert url in app.qr.value and f"{url}?avond" not in app.qr.value  # the text to type
        svg = segno.make(f"{url}?avond", error="m").svg_inline(  # the code: from the hall
            border=4,
            omitsize=True,
            dark="#000000",
            light="#ffffff",
            lineclass=None,
        )
        assert svg in app.qr.value
        hostile = qr_html("http://x/?a=<b>&c='onfocus=alert(1)", "nl")
        assert "<b>" not in hostile and "'onfocus" not in hostile
        assert hostile.count("&lt;b&gt;") == 2  # in the QR's name and in the text
    finally:
        app.close()


def test_cycling_shows_each_scenario_in_turn(project_copy):
    config = read_config(project_copy)
    write_config(dataclasses.replace(config, evening=EveningConfig(cycle_seconds=20)), project_copy)
    app = WallApp(project_copy)
    try:
        scenarios = app.manifest["scenarios"]
        assert app.scenario_index == 0  # the first one shows at once
        assert html.escape(scenarios[0]["name"]) in app.banner.value
        features = app.scenario_layer.data["features"]
        assert features
        colours = set(app.manifest["function_colors"].values())
        assert all(f["properties"]["style"]["color"] in colours for f in features)
        assert app.cycle_once() == scenarios[1]["slug"]
        assert html.escape(scenarios[1]["name"]) in app.banner.value
        app.tick()  # not due yet
        assert app.scenario_index == 1
        app._next_cycle = 0  # due: the poller's tick advances it
        app.tick()
        assert app.scenario_index == 2
        app.cycle_once()
        assert app.scenario_index == 0
    finally:
        app.close()


def test_without_cycling_no_scenario_shows_until_asked(app):
    assert app.scenario_layer.data["features"] == [] and app.banner.value == ""
    assert app.cycle_once() == app.manifest["scenarios"][0]["slug"]
    assert app.scenario_layer.data["features"]
    assert "Toekomstbeeld" in app.banner.value


def test_the_map_shows_calm_context_layers_only(app):
    assert set(app.pmap.layers) <= set(WALL_LAYERS) and {"gemeente", "buurten"} <= set(
        app.pmap.layers
    )
    on_map = set(app.map.layers)
    assert all(layer in on_map for layer in app.pmap.layers.values())
    assert {layer.name for layer in on_map} >= {"gemeente", "buurten", "reacties", "scenario"}
    assert "landgebruik" not in {layer.name for layer in on_map}


def test_the_first_view_event_fits_the_map_and_starts_live_updates(app, area):
    assert not app.started
    app.map.set_trait("bounds", ((52.30, 5.90), (52.45, 6.30)))
    assert app.started and app.pmap.fitted and app.poller._thread.is_alive()
    app.map.set_trait("bounds", ((52.31, 5.91), (52.44, 6.29)))  # later events change nothing
    reaction = add(app.store, area, shapes(area)[2], "live erbij")
    start = time.monotonic()
    while reaction.id not in ids(app) and time.monotonic() - start < 2:
        time.sleep(0.02)
    assert time.monotonic() - start < 1.0


def test_an_error_in_a_callback_shows_a_friendly_line(app, monkeypatch):
    def broken(_since):
        raise RuntimeError("/srv/secret/path exploded")

    monkeypatch.setattr(app.store, "changes", broken)
    app.map.set_trait("bounds", ((52.30, 5.90), (52.45, 6.30)))
    assert "Er ging iets mis" in app.status.value
    assert "secret" not in app.status.value and "Traceback" not in app.status.value
    assert app.poller._thread.is_alive()  # live updates go on when the store recovers
    monkeypatch.undo()
    app.tick()
    assert app.status.value == ""


def test_sentiment_text():
    assert [sentiment_text(s) for s in (2, 1, 0, -1, -2, None)] == [
        "+2",
        "+1",
        "0",
        "−1",
        "−2",
        "geen",
    ]
    assert sentiment_text(None, "en") == "none"


def test_wall_reads_the_project_from_the_environment(project_copy, monkeypatch):
    monkeypatch.setenv("OMGEVING_PROJECT", str(project_copy))
    monkeypatch.setattr(wall_module, "_log_to_server", lambda: None)
    widget = wall(lang="en")
    assert isinstance(widget, w.VBox)
    assert any("Latest reactions" in v for v in html_values(widget))


def test_the_notebook_is_one_cell_without_outputs():
    path = Path(wall_module.__file__).with_name("scherm.ipynb")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert len(nb.cells) == 1
    assert nb.cells[0].source == "from omgeving.apps.wall import wall\n\nwall()"
    assert nb.cells[0].outputs == []


# -- in a real browser -----------------------------------------------------------------------


@pytest.fixture
def wall_server(project_copy, tmp_path):
    """Voila serving ``scherm.ipynb`` at ``/scherm`` for the project copy, as serve() does."""
    runtime = tmp_path / "runtime"
    runtime.mkdir()
    options = ServeOptions(port=free_port(), pool_size=0, apps={"/scherm": "scherm.ipynb"})
    prepare_runtime(runtime, options)
    env = {
        **os.environ,
        "OMGEVING_PROJECT": str(project_copy),
        "OMGEVING_PUBLIC_URL": "http://192.168.1.20:8866/",
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    log_path = tmp_path / "voila.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            voila_command(runtime), cwd=runtime, env=env, stdout=log, stderr=log
        )
        try:
            wait_for_port(proc, options.port, log_path)
            yield f"http://127.0.0.1:{options.port}/"
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def wait_for_port(proc, port, log_path, timeout=120):
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, log_path.read_text()[-2000:]
        assert time.monotonic() < deadline, "voila did not start"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)


@pytest.mark.browser
@pytest.mark.slow
def test_a_stored_reaction_appears_on_the_wall_within_a_second(
    browser, wall_server, project_copy, area, output_dir
):
    project = open_project(project_copy)
    themes = project.config.themes
    _, line, polygon = shapes(area)
    with open_store(project.store_url()) as store:
        seed(store, area, themes)
        page = offline_page(browser, wall_server, viewport={"width": 1920, "height": 1080})
        errors: list[str] = []
        page.on("pageerror", lambda err: errors.append(str(err)))
        page.goto(wall_server + "scherm", timeout=120_000)
        page.wait_for_selector(".leaflet-container", timeout=120_000)
        page.wait_for_selector("path.omg-wall-reactie", state="attached", timeout=60_000)
        seeded = page.locator("path.omg-wall-reactie").count()
        assert seeded == len(SEEDS)
        # the first view event starts the poller: wait (generously) for a first live one
        add(store, area, line, "Hier een fietspad langs de beek", theme="mobiliteit", themes=themes)
        count_at_least(page, seeded + 1, 20_000)
        start = time.monotonic()
        text = f"Speeltuin hier! {PAYLOADS[1]}"
        add(store, area, polygon, text, theme="voorzieningen", sentiment=2, themes=themes)
        count_at_least(page, seeded + 2, 1_500)
        elapsed = time.monotonic() - start
    assert elapsed < 1.5, f"the wall showed the reaction after {elapsed:.2f} s"
    page.wait_for_function(
        "document.querySelector('.omg-wall-ticker').innerText.includes('Speeltuin')",
        timeout=5_000,
    )
    assert PAYLOADS[1] in page.locator(".omg-wall-ticker").inner_text()  # shown as text
    assert page.evaluate("window.__xss") is None and errors == []
    assert "192.168.1.20:8866" in page.locator(".omg-wall-qr").inner_text()
    page.wait_for_timeout(500)
    page.screenshot(path=str(output_dir / "screenshots" / "wall-projector.png"))
    assert "Traceback" not in page.locator("body").inner_text()
    page.context.close()


def count_at_least(page, n, timeout):
    page.wait_for_function(
        f"document.querySelectorAll('path.omg-wall-reactie').length >= {n}", timeout=timeout
    )


#: (text, theme index, sentiment) of the reactions stored before the wall opens.
SEEDS = [
    ("Meer betaalbare huizen voor jongeren in het dorp.", 0, 2),
    ("Het bedrijventerrein is groot genoeg, bouw liever op de daken.", 1, -1),
    ("Laat het open landschap open, geen zonnevelden hier.", 2, -2),
    ("Goed idee om de beek meer ruimte te geven.", 3, 1),
    ("Windmolens liever langs de snelweg dan bij de huizen.", 4, None),
    ("De bus rijdt 's avonds niet meer, dat moet beter.", 5, -1),
    ("Boeren moeten hier kunnen blijven werken.", 6, 0),
    ("Een huisarts in het dorp is hard nodig.", 7, 2),
    ("Bewaar de oude boerderijen langs de es.", 8, 1),
    ("Meer groen en schaduw op het plein, het is te heet in de zomer.", 9, None),
]


def seed(store, area, themes):
    """Store reactions spread over the area, across themes and sentiments."""
    minx, miny, maxx, maxy = area.boundary.bounds
    spots = (
        Point(
            minx + (maxx - minx) * ((i * 37) % 100) / 100,
            miny + (maxy - miny) * ((i * 61) % 100) / 100,
        )
        for i in range(500)
    )
    inside = [p for p in spots if area.boundary.covers(p.buffer(0.006))]
    for (text, theme, sentiment), spot in zip(SEEDS, inside, strict=False):
        shape = spot.buffer(0.005, quad_segs=2) if theme % 4 == 1 else spot
        geometry = json.loads(shapely.to_geojson(shape))
        add(store, area, geometry, text, theme=themes[theme], themes=themes, sentiment=sentiment)

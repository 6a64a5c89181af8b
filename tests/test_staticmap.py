"""Static folium maps for the website: every scenario, the reactions, offline, text as text."""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import sys
import threading
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import folium
import folium.plugins
import pytest
from shapely.geometry import Point

from omgeving._errors import OmgevingError
from omgeving.config import read_config, write_config
from omgeving.outputs import staticmap
from omgeving.outputs.staticmap import (
    ASSETS_DIR,
    PDOK_BRT_URL,
    export_maps,
    folium_reaction_map,
    save_map,
    scenario_map,
)
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.conftest import LAPTOP, offline_page
from tests.xss import PAYLOADS

HIDDEN = "Verborgen reactie met scheldwoorden"
PENDING = "Reactie die nog wordt nagekeken"
SHOWN = "Meer bomen langs de Dorpsstraat"


def spread_points(web_dir: Path, n: int) -> list[Point]:
    """``n`` points well inside the project area, spread over it (so markers do not overlap)."""
    area = Area.from_web(web_dir)
    inner = area.boundary.buffer(-0.01)
    minx, miny, maxx, maxy = inner.bounds
    steps = 8
    grid = [
        Point(minx + (maxx - minx) * (i + 0.5) / steps, miny + (maxy - miny) * (j + 0.5) / steps)
        for j in range(steps)
        for i in range(steps)
    ]
    inside = [p for p in grid if inner.contains(p)]
    assert len(inside) >= n
    return inside[:: max(1, len(inside) // n)][:n]


def add(project, text, *, where, theme="wonen", participant="p1", **fields):
    area = Area.from_web(project.web_dir)
    reaction = validate_reaction(
        id=new_reaction_id(),
        geometry=where.__geo_interface__,
        theme=theme,
        text=text,
        area=area,
        themes=project.config.themes,
        participant=participant,
        scenarios=tuple(s.slug for s in project.config.scenarios),
        **fields,
    )
    with open_store(project.store_url()) as store:
        store.add(reaction)
    return reaction


@pytest.fixture(scope="module")
def hostile(demo_project, tmp_path_factory):
    """A project whose title, themes, scenario names, interventions and reactions are payloads.

    Besides the visible payload reactions it has one hidden and one pending reaction, and a
    visible area reaction.
    """
    root = tmp_path_factory.mktemp("staticmap") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    open_store(open_project(root).store_url(), create=True).close()  # its own, empty store
    config = read_config(root)
    themes = (*config.themes[:3], PAYLOADS[1], PAYLOADS[3])
    scenarios = tuple(replace(s, name=PAYLOADS[i + 2]) for i, s in enumerate(config.scenarios))
    write_config(replace(config, themes=themes, scenarios=scenarios, title=PAYLOADS[4]), root)
    manifest_path = root / "web" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for spec, ref in zip(manifest["scenarios"], scenarios, strict=True):
        spec["name"] = ref.name
    manifest_path.write_text(json.dumps(manifest))
    for spec in manifest["scenarios"]:  # the planner's names and functions are payloads too
        path = root / "web" / spec["file"]
        data = json.loads(path.read_text())
        data["features"][0]["properties"].update(naam=PAYLOADS[0], functie=PAYLOADS[5])
        data["features"][1]["properties"]["naam"] = PAYLOADS[9]
        path.write_text(json.dumps(data))
    project = open_project(root)
    points = spread_points(project.web_dir, len(PAYLOADS) + 3)
    for i, payload in enumerate(PAYLOADS):
        add(
            project,
            payload,
            where=points[i],
            theme=themes[3 + i % 2] if i % 3 else "wonen",
            participant=f"p{i}",
            sentiment=i % 5 - 2,
            scenario=scenarios[i % 3].slug,
        )
    hidden = add(project, HIDDEN, where=points[-2], participant="h")
    with open_store(project.store_url()) as store:
        store.moderate(hidden.id, "hide", actor="moderator", reason="kwetsend")
    add(project, PENDING, where=points[-1], participant="q", status="pending")
    add(project, SHOWN, where=points[-3].buffer(0.004), participant="r")
    return project


class Tags(HTMLParser):
    """Every element and attribute of a page, as a browser's parser would find them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


#: The only elements the maps write themselves (folium's page and our legend).
OUR_TAGS = {
    "html",
    "head",
    "meta",
    "title",
    "script",
    "link",
    "style",
    "body",
    "div",
    "section",
    "h2",
    "h3",
    "p",
    "ul",
    "li",
    "span",
}


def parse(page: str) -> Tags:
    tags = Tags()
    tags.feed(page)
    return tags


def as_folium_json(text: str) -> str:
    """``text`` HTML-escaped once, as it appears inside the page's script (folium's tojson)."""
    encoded = json.dumps(html.escape(text))[1:-1]
    for char, code in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("'", "\\u0027")):
        encoded = encoded.replace(char, code)
    return encoded


def test_export_writes_every_scenario_and_the_reactions_atomically(hostile, tmp_path):
    manifest = json.loads((hostile.web_dir / "manifest.json").read_text())
    written = export_maps(hostile)
    names = [p.name for p in written]
    assert names == [
        *(f"kaart-{s['slug']}.html" for s in manifest["scenarios"]),
        "kaart-reacties.html",
    ]
    assert all(p.parent == hostile.exports_dir for p in written)
    again = export_maps(hostile, tmp_path / "site")  # another folder; made when missing
    assert [p.name for p in again] == names
    export_maps(hostile, tmp_path / "site")  # overwriting is fine
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == sorted(names)  # no temp files
    for path in written:
        page = path.read_text(encoding="utf-8")
        assert PDOK_BRT_URL in page and "Kaartgegevens \\u0026copy; Kadaster" in page
        assert 'class="omg-legend"' in page
        assert "gebouwen" not in page  # no building footprints, no density grid
        assert f"<title>{html.escape(hostile.config.title)}: " in page


def test_a_scenario_map_has_its_interventions_and_a_legend_of_their_functions(hostile):
    manifest = json.loads((hostile.web_dir / "manifest.json").read_text())
    spec = manifest["scenarios"][1]
    data = json.loads((hostile.web_dir / spec["file"]).read_text())
    page = scenario_map(hostile, spec["slug"]).get_root().render()
    legend = page[page.index('<section class="omg-legend"') :]
    legend = legend[: legend.index("</section>")]
    assert f"<h2>{html.escape(spec['name'])}</h2>" in legend
    for feature in data["features"]:
        function = feature["properties"]["functie"]
        colour = manifest["function_colors"].get(function, "#444444")
        assert f'background:{colour}"></span>{html.escape(function)}</li>' in legend
    assert page.count('"className": "omg-ingreep"') == 1
    for feature in data["features"]:  # every intervention, with its name (escaped)
        assert as_folium_json(feature["properties"]["naam"]) in page
    for label in ("Naam", "Functie", "Woningen", "Vermogen (MW)"):
        assert json.dumps(label) in page


def test_only_visible_reactions_by_default(hostile):
    page = folium_reaction_map(hostile).get_root().render()
    assert as_folium_json(SHOWN) in page
    assert HIDDEN not in page and PENDING not in page
    assert f"{len(PAYLOADS) + 1} reacties op de kaart" in page
    both = folium_reaction_map(hostile, include=["visible", "pending"]).get_root().render()
    assert as_folium_json(PENDING) in both and HIDDEN not in both


def test_reactions_on_one_scenario_are_drawn_over_its_interventions(hostile):
    slug = hostile.config.scenarios[0].slug
    page = folium_reaction_map(hostile, scenario=slug).get_root().render()
    on_it = [p for i, p in enumerate(PAYLOADS) if i % 3 == 0]
    assert f"{len(on_it)} reacties op de kaart" in page
    assert '"className": "omg-ingreep"' in page and '"className": "omg-reactie"' in page
    assert "<h3>Functie</h3>" in page and "<h3>Onderwerp</h3>" in page


@pytest.mark.parametrize("offline", [False, True])
def test_payloads_are_text_in_every_map(hostile, tmp_path, offline):
    for path in export_maps(hostile, tmp_path, offline=offline):
        page = path.read_text(encoding="utf-8")
        tags = parse(page)
        for tag, attrs in tags.tags:
            assert tag in OUR_TAGS, (path.name, tag, attrs)
            assert not [a for a in attrs if a.startswith("on")], (path.name, tag, attrs)
            for value in attrs.values():
                assert "javascript:" not in (value or "").lower(), (path.name, tag, attrs)
        for payload in PAYLOADS:
            assert payload not in page, (path.name, payload)
        for style in (a.get("style") or "" for _, a in tags.tags):
            assert "__xss" not in style
    reacties = (tmp_path / "kaart-reacties.html").read_text(encoding="utf-8")
    for payload in PAYLOADS:  # each is there, escaped once: a browser shows it as text
        assert as_folium_json(payload) in reacties, payload
    legend = "".join(parse(reacties).text)
    assert PAYLOADS[1] in legend and PAYLOADS[3] in legend  # theme names, decoded from &lt;


def test_offline_maps_load_leaflet_only_and_from_beside_them(hostile, tmp_path):
    written = export_maps(hostile, tmp_path, offline=True)
    assets = tmp_path / ASSETS_DIR
    assert (assets / "leaflet.js").stat().st_size > 100_000
    assert (assets / "leaflet.css").is_file()
    assert {p.name for p in (assets / "images").iterdir()} >= {"layers.png", "marker-icon.png"}
    for path in written:
        tags = parse(path.read_text(encoding="utf-8"))
        scripts = [a["src"] for t, a in tags.tags if t == "script" and a.get("src")]
        styles = [a["href"] for t, a in tags.tags if t == "link"]
        assert scripts == [f"{ASSETS_DIR}/leaflet.js"]
        assert styles == [f"{ASSETS_DIR}/leaflet.css"]
        remote = set(re.findall(r"https?://[^\s\"'<>]+", path.read_text(encoding="utf-8")))
        assert remote <= {PDOK_BRT_URL}, remote
    online = folium.Map()  # folium's own defaults (shared lists) were not changed
    assert online.default_js[0][1].startswith("https://")
    assert len(online.default_css) > 1


def test_an_offline_map_refuses_a_plugin_that_needs_the_internet(hostile, tmp_path):
    m = scenario_map(hostile, hostile.config.scenarios[0].slug, offline=True)
    folium.plugins.Fullscreen().add_to(m)
    with pytest.raises(OmgevingError, match=r"Fullscreen needs .* from the internet"):
        save_map(m, tmp_path / "kaart.html")
    assert not (tmp_path / "kaart.html").exists()


def test_offline_without_leaflet_installed_says_what_to_install(hostile, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "xstatic.pkg.leaflet", None)  # import fails
    monkeypatch.setattr(staticmap, "_DEBIAN_LEAFLET", tmp_path / "none")
    m = scenario_map(hostile, hostile.config.scenarios[0].slug, offline=True)
    with pytest.raises(OmgevingError, match="pip install xstatic-leaflet"):
        save_map(m, tmp_path / "kaart.html")


def test_unknown_scenario_or_status_is_a_clear_error(hostile):
    with pytest.raises(OmgevingError, match=r"scenario 'nope' has no baked web layer; use one"):
        scenario_map(hostile, "nope")
    with pytest.raises(OmgevingError, match=r"scenario 'nope'"):
        folium_reaction_map(hostile, scenario="nope")
    with pytest.raises(OmgevingError, match="status zichtbaar is not known; use one or more"):
        folium_reaction_map(hostile, include=["zichtbaar"])
    with pytest.raises(OmgevingError, match=r"status \(none\)"):
        folium_reaction_map(hostile, include=[])


def test_a_heavy_context_layer_is_left_out(hostile, monkeypatch):
    buurten = json.loads((hostile.web_dir / "buurten.geojson").read_text())["features"]
    monkeypatch.setattr(staticmap, "MAX_CONTEXT_FEATURES", len(buurten) - 1)
    page = scenario_map(hostile, hostile.config.scenarios[0].slug).get_root().render()
    assert "omg-context-buurten" not in page and "omg-context-gemeente" in page


def test_context_layers_carry_no_text(hostile):
    m = scenario_map(hostile, hostile.config.scenarios[0].slug)
    layers = [c for c in m._children.values() if isinstance(c, folium.GeoJson)]
    context = [g for g in layers if "omg-context" in g.options["class_name"]]
    assert {g.options["class_name"].split()[1] for g in context} >= {
        "omg-context-gemeente",
        "omg-context-buurten",
    }
    for layer in context:
        assert layer.options["interactive"] is False
        assert {k for f in layer.data["features"] for k in f["properties"]} == {"style"}


def test_folium_puts_geojson_popup_values_into_the_page_as_html():
    """Why every value is escaped in Python: folium 0.20 sets them with innerHTML."""
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"t": "<b>x</b>"},
                "geometry": {"type": "Point", "coordinates": [6.1, 52.3]},
            }
        ],
    }
    m = folium.Map(tiles=None)
    folium.GeoJson(data, popup=folium.GeoJsonPopup(["t"])).add_to(m)
    page = m.get_root().render()
    assert "div.innerHTML=table" in page
    assert "<td>${handleObject(layer.feature.properties[v])" in page


# --- in a real browser, served over HTTP, with every other host blocked ---------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


def raw_folium_map() -> folium.Map:
    """A map made with plain folium, HTML in a popup field and a layer name (the control)."""
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"t": '<b class="omg-raw">vet</b>'},
                "geometry": {"type": "Point", "coordinates": [6.1, 52.3]},
            }
        ],
    }
    m = folium.Map(location=[52.3, 6.1], zoom_start=10, tiles=None)
    m.default_js = [("leaflet", f"{ASSETS_DIR}/leaflet.js")]  # as an offline map of ours
    m.default_css = [("leaflet_css", f"{ASSETS_DIR}/leaflet.css")]
    folium.GeoJson(
        data,
        name='<i class="omg-raw-name">laag</i>',
        marker=folium.CircleMarker(radius=8, fill=True, class_name="omg-raw-point"),
        popup=folium.GeoJsonPopup(["t"]),
        tooltip=folium.GeoJsonTooltip(["t"]),
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    return m


@pytest.fixture(scope="module")
def site(hostile, tmp_path_factory):
    """The offline maps of the hostile project, served from a local HTTP server."""
    folder = tmp_path_factory.mktemp("site")
    export_maps(hostile, folder, offline=True)
    save_map(raw_folium_map(), folder / "folium-raw.html")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def open_map(browser, site, name):
    page = offline_page(browser, site, **LAPTOP)
    seen: list[str] = []
    dialogs: list[str] = []
    page.on("request", lambda r: seen.append(r.url))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{site}/{name}", timeout=60_000)
    page.wait_for_selector(".leaflet-container", timeout=30_000)
    return page, seen, dialogs


def assert_rendered_offline(page, seen, site, selector, at_least):
    """Leaflet came from beside the page, and drew the features and the legend."""
    assert page.evaluate("typeof window.L === 'object' && typeof L.version === 'string'")
    page.wait_for_function(
        "([s, n]) => document.querySelectorAll(s).length >= n",
        arg=[selector, at_least],
        timeout=15_000,
    )
    assert page.locator(".omg-legend").is_visible()
    assert page.locator(".leaflet-control-layers").count() == 1
    assert f"{site}/{ASSETS_DIR}/leaflet.js" in seen
    elsewhere = {u.split("/")[2] for u in seen if not u.startswith(site)}
    assert elsewhere <= {"service.pdok.nl"}, elsewhere  # tiles only: no CDN was even asked


MAP = "Object.values(window).find(v => v instanceof L.Map)"
#: Remember the first view, or go back to it (a popup pans the map to fit itself).
HOME = f"""() => {{
    const map = {MAP};
    if (!window.omgHome) window.omgHome = [map.getCenter(), map.getZoom()];
    map.setView(window.omgHome[0], window.omgHome[1], {{animate: false}});
}}"""
OPEN_ALL_POPUPS = """cls => {
    const map = Object.values(window).find(v => v instanceof L.Map);
    const out = [];
    map.eachLayer(l => {
        if (!l.feature || !(l.options.className || '').includes(cls)) return;
        const at = l.getLatLng ? l.getLatLng() : l.getBounds().getCenter();
        l.fire('click', {latlng: at}, true);
        const content = document.querySelector('.leaflet-popup-content');
        out.push(content ? content.innerText : null);
        map.closePopup();
    });
    return out;
}"""


@pytest.mark.browser
@pytest.mark.slow
def test_reactions_map_renders_offline_and_shows_payloads_as_text(browser, site, output_dir):
    page, seen, dialogs = open_map(browser, site, "kaart-reacties.html")
    shown = len(PAYLOADS) + 1
    assert_rendered_offline(page, seen, site, ".leaflet-overlay-pane path.omg-reactie", shown)
    assert page.locator("path.omg-reactie").count() == shown
    legend = page.locator(".omg-legend").inner_text()
    assert PAYLOADS[1] in legend and PAYLOADS[3] in legend
    assert f"{shown} reacties op de kaart" in legend
    # real clicks on a few markers (the area comes first): the popup shows the payload as text
    page.evaluate(HOME)
    for i in (1, 5, 9):
        page.evaluate(HOME)
        page.locator("path.omg-reactie").nth(i).click()
        content = page.locator(".leaflet-popup-content")
        content.wait_for(timeout=5_000)
        assert any(p in content.inner_text() for p in PAYLOADS), content.inner_text()
        page.locator(".leaflet-popup-close-button").click()
    page.evaluate(HOME)
    page.locator("path.omg-reactie").nth(2).hover()
    page.locator(".leaflet-tooltip").wait_for(timeout=5_000)
    texts = page.evaluate(OPEN_ALL_POPUPS, "omg-reactie")  # then every popup, one by one
    assert len(texts) == shown
    for payload in PAYLOADS:
        assert any(payload in t for t in texts), payload
    assert any(SHOWN in t for t in texts)
    assert not any(HIDDEN in t or PENDING in t for t in texts)
    page.evaluate(HOME)
    page.locator("path.omg-reactie").nth(3).click()  # a popup open in the screenshot
    page.wait_for_timeout(500)  # let a broken image fire its onerror, if it ever could
    page.screenshot(path=str(output_dir / "screenshots" / "staticmap-reacties.png"))
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.parent.__xss") is None
    assert dialogs == []
    page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_scenario_map_renders_offline_and_shows_payloads_as_text(
    browser, site, hostile, output_dir
):
    slug = hostile.config.scenarios[1].slug
    data = json.loads((hostile.web_dir / f"scenario-{slug}.geojson").read_text())
    page, seen, dialogs = open_map(browser, site, f"kaart-{slug}.html")
    n = len(data["features"])
    assert_rendered_offline(page, seen, site, ".leaflet-overlay-pane path.omg-ingreep", n)
    legend = page.locator(".omg-legend").inner_text()
    assert PAYLOADS[3] in legend  # the scenario's name
    assert PAYLOADS[5] in legend  # a function
    texts = page.evaluate(OPEN_ALL_POPUPS, "omg-ingreep")
    assert len(texts) == n
    assert any(PAYLOADS[0] in t and PAYLOADS[5] in t for t in texts)
    assert any(PAYLOADS[9] in t for t in texts)
    assert all("Woningen" in t and "Vermogen (MW)" in t for t in texts)
    page.locator("path.omg-ingreep").first.click()
    page.locator(".leaflet-popup-content").wait_for(timeout=5_000)
    page.wait_for_timeout(500)
    page.screenshot(path=str(output_dir / "screenshots" / f"staticmap-{slug}.png"))
    assert page.evaluate("window.__xss") is None
    assert dialogs == []
    page.context.close()


@pytest.mark.browser
def test_plain_folium_would_run_html_from_popup_fields_and_layer_names(browser, site):
    """The control experiment: without our escaping, folium and Leaflet make HTML of text."""
    page, _, _ = open_map(browser, site, "folium-raw.html")
    page.wait_for_selector("path.omg-raw-point", state="attached", timeout=15_000)
    assert page.locator(".leaflet-control-layers i.omg-raw-name").count() == 1
    page.locator("path.omg-raw-point").hover()
    page.wait_for_selector(".leaflet-tooltip b.omg-raw", timeout=5_000)
    page.locator("path.omg-raw-point").click()
    page.wait_for_selector(".leaflet-popup-content b.omg-raw", timeout=5_000)
    page.context.close()


def test_the_command(project_copy, tmp_path):
    from tests.test_cli import run

    done = run("maps", project_copy, "--out", tmp_path, "--offline")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "kaart-reacties.html").exists()
    assert (tmp_path / "kaart-assets" / "leaflet.js").exists()

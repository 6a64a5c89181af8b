"""The resident app's widgets, driven from Python as a tampering browser could (no browser)."""

from __future__ import annotations

import json
import math

import pytest
from shapely.geometry import shape

from omgeving.apps.resident import ResidentApp, fit_zoom


@pytest.fixture
def app(demo_project):
    app = ResidentApp(demo_project)
    yield app
    app.store.close()


@pytest.fixture(scope="module")
def inside(demo_project):
    data = json.loads((demo_project / "web" / "area.geojson").read_text())
    point = shape(data["features"][0]["geometry"]).representative_point()
    return {"type": "Point", "coordinates": [point.x, point.y]}


def draw(app, geometry, action="create"):
    app.draw._draw_callbacks(
        app.draw, action=action, geo_json=[{"type": "Feature", "geometry": geometry}]
    )


def status(app):
    return app.status.value


def test_place_and_submit(app, inside):
    before = app.store.count()
    draw(app, inside)
    assert "punt staat op de kaart" in status(app)
    app.theme.value = "wonen"
    app.text.value = "Meer woningen voor starters <script>alert(1)</script>"
    form_id = app.form_id
    app.submit.click()
    assert "Bedankt" in status(app)
    assert app.store.count() == before + 1
    stored = app.store.get(form_id)
    assert stored.text.endswith("<script>alert(1)</script>")  # stored as typed
    app.shown.value = ""
    app._on_reaction_click(feature={"properties": {"id": form_id}})
    assert "&lt;script&gt;" in app.shown.value and "<script>" not in app.shown.value
    assert app.form_id != form_id and app.point is None and app.text.value == ""


def test_a_retried_submit_with_the_same_id_stores_one(app, inside):
    draw(app, inside)
    app.theme.value = "energie"
    app.text.value = "Zonnepanelen op daken eerst."
    form_id = app.form_id
    app.submit.click()
    count = app.store.count()
    app.form_id, app.point, app.text.value = form_id, inside, "Zonnepanelen op daken eerst."
    app.submit.click()  # the same form submitted again (a double tap that raced the reset)
    assert app.store.count() == count


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [4.9, 52.37]}, "buiten de gemeente"),
        ({"type": "Point", "coordinates": ["a", "b"]}, "kunnen we niet gebruiken"),
        (
            {"type": "LineString", "coordinates": [[6.2 + i * 1e-7, 52.4] for i in range(100_000)]},
            "kunnen we niet gebruiken",
        ),
        ("<img src=x onerror=alert(1)>", "kunnen we niet gebruiken"),
    ],
)
def test_tampered_geometry_is_refused(app, geometry, message):
    count = app.store.count()
    draw(app, geometry)
    assert message in status(app)
    assert app.point is None
    app.theme.value = "wonen"
    app.text.value = "tekst"
    app.submit.click()
    assert app.store.count() == count


def test_huge_text_is_refused_and_nothing_stored(app, inside):
    count = app.store.count()
    draw(app, inside)
    app.theme.value = "wonen"
    app.text.value = "x" * 10_000_000
    app.submit.click()
    assert "te lang" in status(app)
    assert app.store.count() == count


def test_an_unexpected_error_shows_a_friendly_line(app, inside, monkeypatch):
    def broken(_reaction):
        raise RuntimeError("/srv/secret/path exploded")

    monkeypatch.setattr(app.store, "add", broken)
    draw(app, inside)
    app.theme.value = "wonen"
    app.text.value = "tekst"
    app.submit.click()
    assert "Er ging iets mis" in status(app)
    assert "secret" not in status(app) and "Traceback" not in status(app)


def test_scenario_picker_shows_the_interventions(app):
    slug = app.manifest["scenarios"][0]["slug"]
    app.scenario.value = slug
    assert app.scenario_layer.data["features"]
    assert app.manifest["scenarios"][0]["name"] in app.scenario_text.value
    app.scenario.value = ""
    assert app.scenario_layer.data["features"] == []


def test_buildings_load_only_when_zoomed_in(app):
    info = app.manifest["buildings"]
    assert info["count"] > 15_000
    density = app.layers["gebouwen"].data["features"]
    assert len(density) < 5_000  # the municipal view draws cells, not 20,000 footprints
    app.fitted = True
    x, y = info["tiles"][len(info["tiles"]) // 2]
    lon = x / 2**14 * 360 - 180 + 0.01
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / 2**14))))
    app.map.set_trait("bounds", ((lat - 0.004, lon - 0.008), (lat + 0.004, lon + 0.008)))
    app.map.zoom = 16
    assert app.buildings_detail.visible and not app.layers["gebouwen"].visible
    assert 0 < len(app.buildings_detail.data["features"]) < 10_000
    app.map.zoom = 12
    assert not app.buildings_detail.visible and app.layers["gebouwen"].visible


def test_fit_zoom():
    view = ((52.30, 6.00), (52.50, 6.50))  # what a map at zoom 11 shows
    assert fit_zoom(view, 11, [6.10, 52.35, 6.40, 52.45]) == 11
    assert fit_zoom(view, 11, [6.20, 52.38, 6.25, 52.40]) == 14

"""The compare app without a browser: choices, the table, the chart, one buurt, escaping."""

from __future__ import annotations

import json
import re

import pytest

from omgeving.apps.compare import CompareApp, bar_chart_svg, format_number
from tests.xss import PAYLOADS, assert_no_raw_html

TABLE = {
    "scenarios": ["compact-bouwen", "spreiden", "energielandschap"],
    "buurten": {"BU99990001": "Eskerlo-Centrum", "BU99990002": PAYLOADS[0]},
    "indicators": [
        {
            "key": "woningen",
            "name": {"nl": "Nieuwe woningen", "en": "Homes added"},
            "unit": {"nl": "woningen", "en": "homes"},
            "explanation": {"nl": "Som van de woningen.", "en": "Sum of homes."},
            "values": {"compact-bouwen": 1200, "spreiden": 1150, "energielandschap": 400},
            "per_buurt": {"compact-bouwen": {"BU99990001": 800},
                          "spreiden": {"BU99990001": 300}},
        },
        {
            "key": "zon_mw",
            "name": {"nl": PAYLOADS[1], "en": "Solar"},
            "unit": {"nl": "MW", "en": "MW"},
            "explanation": {"nl": PAYLOADS[2], "en": ""},
            "values": {"compact-bouwen": 12.5, "spreiden": 0, "energielandschap": 61.3},
            "per_buurt": None,
        },
    ],
}


@pytest.fixture
def app(project_copy):
    (project_copy / "web" / "indicators.json").write_text(json.dumps(TABLE), encoding="utf-8")
    return CompareApp(project_copy)


def cells(app, key):
    row = re.search(rf"<tr data-key='{key}'>(.*?)</tr>", app.indicator_table.value).group(1)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_two_scenarios_side_by_side_with_the_difference(app):
    assert app.pair == ("compact-bouwen", "spreiden")
    assert cells(app, "woningen") == ["1.200 woningen", "1.150 woningen", "−50 woningen"]
    app.choice[1].value = "energielandschap"
    assert cells(app, "zon_mw") == ["12,5 MW", "61,3 MW", "+48,8 MW"]
    features = app.layers[1].data["features"]
    assert {f["properties"]["functie"] for f in features} >= {"energie-wind", "energie-zon"}
    assert all("style" in f["properties"] for f in features)


def test_the_maps_share_one_view(app):
    (left, right), links = (m.map for m in app.maps), app.links
    linked = {(link.source[1], link.target[1]) for link in links}
    assert linked == {("center", "center"), ("zoom", "zoom")}
    assert all(link.source[0] is left and link.target[0] is right for link in links)


def test_chart_and_buurt(app):
    app.indicator.value = "woningen"
    assert "role='img' aria-label='Nieuwe woningen'" in app.chart.value
    assert "1.200" in app.chart.value and "400" in app.chart.value
    assert "Kies een buurt" in app.buurt_table.value
    app.buurt.value = "BU99990001"
    row = app.buurt_table.value
    assert "In Eskerlo-Centrum" in row and "800" in row and "−500" in row


def test_english_and_every_text_escaped(app):
    app.buurt.value = "BU99990002"
    assert_no_raw_html(app.widget)
    app.language.value = "en"
    assert app.choice[0].description == "Left"
    assert cells(app, "woningen")[2] == "−50 homes"
    assert_no_raw_html(app.widget)


def test_a_project_without_indicators_says_so(project_copy):
    (project_copy / "web" / "indicators.json").unlink()
    app = CompareApp(project_copy)
    assert "nog geen maten berekend" in app.indicator_table.value


def test_number_formats():
    assert format_number(1234567, "nl") == "1.234.567"
    assert format_number(0.375, "nl") == "0,38" and format_number(2.5, "en") == "2.50"
    assert format_number(None, "en") == "–" and format_number(float("nan"), "nl") == "–"
    assert format_number(3, "en", signed=True) == "+3"
    svg = bar_chart_svg("<b>x</b>", "ha", [("a", 1.0, "#000"), ("b", float("nan"), "#111")], "nl")
    assert "<b>" not in svg


def test_the_demo_bakes_every_indicator_for_every_scenario(demo_project):
    app = CompareApp(demo_project)
    assert app.slugs == ["compact-bouwen", "spreiden", "energielandschap"]
    app.choice[1].value = "energielandschap"
    assert cells(app, "homes") == ["2.190 woningen", "490 woningen", "−1.700 woningen"]
    keys = re.findall(r"data-key='([a-z_0-9]+)'", app.indicator_table.value)
    assert len(keys) >= 12 and "electricity_share" in keys

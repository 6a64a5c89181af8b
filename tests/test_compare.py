"""The compare app without a browser: choices, the cards, the chart, one buurt, escaping."""

from __future__ import annotations

import html
import json
import re
import subprocess
import sys

import ipywidgets as w
import pytest

from omgeving.apps._compare_text import amount, headline
from omgeving.apps.compare import CompareApp, bar_chart_svg, format_number
from tests.xss import PAYLOADS, assert_no_raw_html, widgets

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
    """The first value, the second value and the difference on an indicator's card."""
    body = app.cards[key].body.value
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<dd[^>]*>(.*?)</dd>", body)]


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
    assert "nog geen maten berekend" in app.summary.value


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
    keys = list(app.cards)
    assert len(keys) >= 12 and "electricity_share" in keys


# -- the headlines: plain, whole where people count, in each language's number format --------

HOMES = {"key": "homes", "unit": {"nl": "woningen", "en": "homes"}}
FARMLAND = {"key": "farmland", "unit": {"nl": "ha", "en": "ha"}}
SHARE = {"key": "electricity_share", "unit": {"nl": "%", "en": "%"}}
PAIR = ("Compact", "Spreiden")


@pytest.mark.parametrize(
    ("spec", "values", "lang", "expected"),
    [
        (HOMES, (0, 82.6), "nl", "Spreiden: 83 nieuwe woningen meer dan Compact"),
        (HOMES, (2190, 490), "nl", "Spreiden: 1.700 nieuwe woningen minder dan Compact"),
        (HOMES, (2190, 490), "en", "Spreiden: 1,700 fewer new homes than Compact"),
        (HOMES, (10.2, 11.1), "nl", "Spreiden: 1 nieuwe woning meer dan Compact"),
        (HOMES, (400, 400.3), "nl", "Spreiden: evenveel nieuwe woningen als Compact"),
        (HOMES, (400, 400.3), "en", "Spreiden: as many new homes as Compact"),
        (HOMES, (0, 0.2), "nl", "Spreiden en Compact: geen nieuwe woningen"),
        (FARMLAND, (147.56, 87.49), "nl", "Spreiden: 60 ha minder landbouwgrond nodig dan Compact"),
        (FARMLAND, (1.0, 4.46), "nl", "Spreiden: 3,5 ha meer landbouwgrond nodig dan Compact"),
        (FARMLAND, (1.0, 4.46), "en", "Spreiden: needs 3.5 ha more farmland than Compact"),
        (FARMLAND, (0, 1234.4), "nl", "Spreiden: 1.234 ha meer landbouwgrond nodig dan Compact"),
        (FARMLAND, (0, 1234.4), "en", "Spreiden: needs 1,234 ha more farmland than Compact"),
        (SHARE, (11.3, 364.4), "nl", "Spreiden: zon en wind leveren 353 procentpunt meer van de "
                                      "stroom voor huishoudens dan bij Compact"),
        ({"key": "parking", "unit": {"nl": "plaatsen"}}, (10, 12), "nl",
         "Spreiden: 2 plaatsen meer dan Compact"),
        (HOMES, (None, 12), "nl", "Compact: hier is geen cijfer voor."),
    ],
)
def test_headlines_say_it_plainly(spec, values, lang, expected):
    assert headline(spec, PAIR, values, lang) == expected


def test_counts_are_whole_and_numbers_are_formatted_per_language():
    assert amount(82.6, "woningen", "nl") == "83 woningen"
    assert amount(1, "homes", "en") == "1 home"
    assert amount(1234.4, "ha", "nl") == "1.234 ha" and amount(1234.4, "ha", "en") == "1,234 ha"
    assert amount(3.46, "ha", "nl") == "3,5 ha" and amount(3.46, "ha", "en") == "3.5 ha"
    assert amount(-48.8, "MW", "nl", signed=True) == "−48,8 MW"
    assert amount(11.31, "%", "nl") == "11,3%"


def _shown_texts(root) -> list[str]:
    """Every text a resident can read: HTML made plain, labels, descriptions and options."""
    texts = []
    for widget in widgets(root):
        if isinstance(widget, w.HTML) and not widget.value.startswith("<style>"):
            plain = re.sub(r"<(title|desc)>.*?</\1>", "", widget.value, flags=re.S)
            texts.append(html.unescape(re.sub(r"<[^>]+>", " ", plain)))
        texts.append(getattr(widget, "description", "") or "")
        texts += [str(label) for label in getattr(widget, "_options_labels", ())]
    return texts


FIELD_LIKE = re.compile(
    r"'[a-z_]+'|\b[a-z]+_[a-z_]+\b|\bsom van\b|\bsum of\b|energie-(zon|wind)|\bklasse\b|"
    r"\bfunctie\b|\blaag\b|\blayer\b|\bbuurtcode\b|\bmw\b"
)
#: A count with a decimal ("82,6 woningen"): Dutch writes decimals with a comma, English a dot.
BROKEN_COUNT = {
    "nl": re.compile(r"\d,\d+ (woning|woningen|gebouw|gebouwen|inwoners?)\b"),
    "en": re.compile(r"\d\.\d+ (homes?|buildings?|inhabitants?)\b"),
}


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_no_field_names_and_no_broken_homes_in_any_text_shown(demo_project, lang):
    app = CompareApp(demo_project, lang=lang)
    app.buurt.value = sorted(app.table["buurten"])[0]
    for pair in [("compact-bouwen", "energielandschap"), ("energielandschap", "spreiden")]:
        app.choice[0].value, app.choice[1].value = pair
        for text in _shown_texts(app.widget):
            assert not FIELD_LIKE.search(text), (FIELD_LIKE.search(text), text)
            assert not BROKEN_COUNT[lang].search(text), text
    methods = [card.method.value for card in app.cards.values()]
    assert all(len(m) > 80 for m in methods), methods
    assert {card.how.description for card in app.cards.values()} == {
        {"nl": "Hoe berekend?", "en": "How is this calculated?"}[lang]}


def test_every_card_has_a_headline_and_both_values(demo_project):
    app = CompareApp(demo_project)
    app.choice[1].value = "energielandschap"
    farmland = app.cards["farmland"].body.value
    assert "Energielandschap: 53 ha meer landbouwgrond nodig dan Compact bouwen" in farmland
    assert cells(app, "farmland") == ["148 ha", "201 ha", "+53 ha"]
    assert "Energielandschap: 1.700 nieuwe woningen minder dan Compact bouwen" in (
        app.cards["homes"].body.value)
    app.language.value = "en"
    assert "Energielandschap: 1,700 fewer new homes than Compact bouwen" in (
        app.cards["homes"].body.value)
    assert cells(app, "homes") == ["2,190 homes", "490 homes", "−1,700 homes"]


def test_the_same_scenario_twice_swaps_them_and_the_swap_button_swaps(app):
    app.choice[1].value = "compact-bouwen"
    assert app.pair == ("spreiden", "compact-bouwen")
    app.swap.click()
    assert app.pair == ("compact-bouwen", "spreiden")
    assert cells(app, "woningen") == ["1.200 woningen", "1.150 woningen", "−50 woningen"]


def test_the_phone_switch_names_both_scenarios_and_shows_one(app):
    assert app.show.options == (("Compact bouwen", 0), ("Spreiden over de kernen", 1))
    assert app.shown == "compact-bouwen"
    app.show.value = 1
    assert app.shown == "spreiden"
    app.choice[1].value = "energielandschap"
    assert app.show.options[1] == ("Energielandschap", 1) and app.shown == "energielandschap"
    # the first map carries the second scenario too, for the switch; the CSS shows one
    def drawn(layer):
        return [(f["geometry"], f["properties"]["style"]["className"])
                for f in layer.data["features"]]

    assert [g for g, _ in drawn(app.overlay)] == [g for g, _ in drawn(app.layers[1])]
    assert {c for _, c in drawn(app.overlay)} == {"omg-scen-b-on-a"}
    assert {c for _, c in drawn(app.layers[0])} == {"omg-scen-a"}


def test_the_compare_kernel_loads_no_geopandas():
    code = "import sys, omgeving.apps.compare; print('geopandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"

"""The resident and table apps, driven from Python as a (tampering) browser could."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import ipywidgets as w
import pytest
from ipywidgets.widgets.widget import _instances  # every open widget, by model id
from shapely.geometry import shape
from traitlets import TraitError

from omgeving.apps._draw import MODES
from omgeving.apps._safe import friendly
from omgeving.apps.resident import ResidentApp, fit_zoom
from omgeving.config import read_config, write_config
from tests.xss import PAYLOADS, assert_no_raw_html, widgets


@pytest.fixture
def app(project_copy):
    app = ResidentApp(project_copy)
    yield app
    app.ctx.store.close()


@pytest.fixture(scope="module")
def inside(demo_project):
    data = json.loads((demo_project / "web" / "area.geojson").read_text())
    point = shape(data["features"][0]["geometry"]).representative_point()
    return {"type": "Point", "coordinates": [point.x, point.y]}


def near(point, dx, dy):
    x, y = point["coordinates"]
    return [x + dx, y + dy]


def draw(app, geometry):
    """Place ``geometry`` as a resident does: a tap on the map per vertex, then *Klaar*.

    What no tap can make (malformed, huge) goes to the form's check whole, as a tampered
    client could send it.
    """
    vertices = _taps(geometry)
    if vertices is None:
        friendly(app.form.show_error)(app.form._place)(geometry, drawn=True)
        return
    mode = geometry["type"]
    app.form.begin(mode)
    for lon, lat in vertices:
        app.pmap.map._interaction_callbacks(type="click", coordinates=[lat, lon])
    if mode != "Point":
        app.form.done.click()


def _taps(geometry):
    if not isinstance(geometry, dict) or geometry.get("type") not in MODES:
        return None
    coords = geometry.get("coordinates")
    if geometry["type"] == "Point":
        coords = [coords]
    elif geometry["type"] == "Polygon":
        coords = coords[0][:-1] if isinstance(coords, list) and coords else None
    ok = isinstance(coords, list) and 0 < len(coords) <= 1000 and all(
        isinstance(c, list) and len(c) == 2 and all(isinstance(v, float) for v in c)
        for c in coords
    )
    return coords if ok else None


def send(app, geometry, text="Meer bomen in de straat.", theme="wonen", sentiment=None):
    draw(app, geometry)
    app.form.theme.value = theme
    app.form.sentiment.value = sentiment
    app.form.text.value = text
    form_id = app.form.form_id
    app.form.submit.click()
    return form_id


def status(app):
    """Return the sheet's message and the one over the map (next to the place it is about)."""
    return app.form.status.value + app.form.drawing.message.value


def test_place_a_point_line_and_area(app, inside):
    line = {"type": "LineString", "coordinates": [inside["coordinates"], near(inside, 0.003, 0)]}
    area = {
        "type": "Polygon",
        "coordinates": [
            [
                inside["coordinates"],
                near(inside, 0.003, 0),
                near(inside, 0.003, 0.002),
                inside["coordinates"],
            ]
        ],
    }
    ids = [send(app, g, sentiment=s) for g, s in ((inside, 2), (line, -1), (area, None))]
    assert "Bedankt" in status(app)
    stored = [app.ctx.store.get(i) for i in ids]
    assert [r.geometry["type"] for r in stored] == ["Point", "LineString", "Polygon"]
    assert [r.sentiment for r in stored] == [2, -1, None]
    assert all(r.channel == "online" and r.buurt for r in stored)
    shown = {f["properties"]["id"] for f in app.reactions_layer.data["features"]}
    assert set(ids) <= shown
    assert len(app.list.cards.children) == 3


def test_a_retried_submit_with_the_same_id_stores_one(app, inside):
    form_id = send(app, inside)
    count = app.ctx.store.count()
    app.form.form_id, app.form.geometry = form_id, inside
    app.form.theme.value, app.form.text.value = "wonen", "Meer bomen in de straat."
    app.form.submit.click()  # the same form again (a double tap that raced the reset)
    assert app.ctx.store.count() == count


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
    draw(app, geometry)
    assert message in status(app)
    app.form.theme.value, app.form.text.value = "wonen", "tekst"
    app.form.submit.click()
    assert app.ctx.store.count() == 0


def test_tampered_values_are_refused(app, inside):
    draw(app, inside)
    app.form.theme.value = "wonen"
    app.form.text.value = "x" * 10_000_000
    app.form.submit.click()
    assert "te lang" in status(app)
    for widget in (app.form.sentiment, app.scenario, app.form.theme):
        with pytest.raises(TraitError):  # what a client sending an index out of range gets
            widget.set_state({"index": 99})
    app.form.text.value = ""
    app.form.submit.click()
    assert app.ctx.store.count() == 0


def test_agree_and_report_count_once_and_three_reports_hide(project_copy, inside):
    author = ResidentApp(project_copy)
    rid = send(author, inside, text="Een reactie om op te reageren")
    visitors = [ResidentApp(project_copy) for _ in range(3)]
    for visitor in visitors:
        visitor.refresh()
        visitor.list._agree(rid)
        visitor.list._agree(rid)
    assert author.ctx.store.get(rid).agrees == 3
    assert "al mee eens" in visitors[0].list.status.value
    visitors[0].list._report(rid, "Scheldwoorden")
    visitors[0].list._report(rid, "nog eens")
    assert author.ctx.store.get(rid).reports == 1
    visitors[1].list._report(rid, "kwetsend")
    assert author.ctx.store.get(rid).status == "visible"
    visitors[2].list._report(rid, "spam")
    assert author.ctx.store.get(rid).status == "pending"
    visitors[2].refresh()
    assert rid not in {f["properties"]["id"] for f in visitors[2].reactions_layer.data["features"]}
    assert [r for r, _ in author.ctx.store.reports_for(rid)] == [
        "Scheldwoorden",
        "kwetsend",
        "spam",
    ]
    for a in (author, *visitors):
        a.ctx.store.close()


def test_report_needs_a_reason(app, inside):
    rid = send(app, inside)
    app.ctx.participant = "someone-else"
    app.refresh()
    app.list._ask(rid)
    card = next(c for c in app.list.cards.children if len(c.children) == 3)
    reason, send_button = card.children[2].children
    reason.value = "   "
    send_button.click()
    assert "waarom" in app.list.status.value.lower()
    assert app.ctx.store.get(rid).reports == 0


def test_change_and_withdraw_ones_own_reaction(app, inside):
    rid = send(app, inside, text="Eerste versie")
    app._on_edit(app.ctx.store.get(rid))
    assert app.form.text.value == "Eerste versie"
    app.form.text.value = "Tweede versie"
    app.form.submit.click()
    assert app.ctx.store.get(rid).text == "Tweede versie"
    assert app.ctx.store.count() == 1
    app.list._withdraw(rid)
    assert app.ctx.store.get(rid).status == "withdrawn"
    other = ResidentApp(app.ctx.project.root)
    with pytest.raises(Exception, match="not your reaction"):
        other.form.start_edit(app.ctx.store.get(rid))
    assert not other.ctx.store.withdraw(rid, other.ctx.participant)


def test_rate_limit(project_copy, inside):
    config = read_config(project_copy)
    write_config(replace(config, rate_limit=3), project_copy)
    app = ResidentApp(project_copy)
    for i in range(4):
        send(app, inside, text=f"reactie {i}")
    assert app.ctx.store.count() == 3
    assert "Wacht een minuut" in status(app)


def test_place_by_buurt_without_a_mouse(app):
    code, _name = next(iter(app.ctx.buurten.items()))
    app.form.buurt.value = code
    assert "staat op de kaart" in status(app)
    app.form.theme.value, app.form.text.value = "mobiliteit", "Drempels graag"
    app.form.submit.click()
    stored = app.ctx.store.all()[-1]
    assert stored.buurt == code


def test_language_switch(app):
    app._on_language({"new": "en"})
    head = next(x for x in widgets(app.widget) if "omg-head" in x._dom_classes)
    assert "Have your say" in head.value
    assert app.form.submit.description == "Send"
    app._on_language({"new": "nl"})
    assert app.form.submit.description == "Verstuur"


def test_every_user_text_is_shown_as_text(app, inside):
    for payload in PAYLOADS:
        send(app, inside, text=payload)
    app.go("list")  # the list is made when it is first shown
    assert app.list.cards.children and app.list.cards in widgets(app.widget)
    app.list.page = 0
    for page in range(len(PAYLOADS) // 10 + 1):
        app.list.page = page
        app.list.render()
        assert_no_raw_html(app.widget)
    app.list.open(app.ctx.store.all()[0].id)
    assert_no_raw_html(app.widget)


def test_an_unexpected_error_shows_a_friendly_line(app, inside, monkeypatch):
    def broken(_reaction):
        raise RuntimeError("/srv/secret/path exploded")

    monkeypatch.setattr(app.ctx.store, "add", broken)
    send(app, inside)
    assert "Er ging iets mis" in status(app)
    assert "secret" not in status(app)


def test_table_resets_after_a_submission_and_when_idle(project_copy, inside):
    kiosk = ResidentApp(project_copy, kiosk=True)
    first = kiosk.ctx.participant
    rid = send(kiosk, inside, text="Aan de tafel")
    assert kiosk.ctx.store.get(rid).channel == "tafel"
    assert kiosk.ctx.participant != first
    assert kiosk.form.text.value == "" and kiosk.form.geometry is None
    assert "Bedankt" in status(kiosk)
    kiosk.form.text.value = "half getypt"
    kiosk.last_activity -= 61
    kiosk._tick()
    assert kiosk.form.text.value == ""
    assert "omg-tafel" in kiosk.widget._dom_classes


def test_scenario_picker_shows_the_interventions(app):
    slug = app.ctx.manifest["scenarios"][0]["slug"]
    app.scenario.value = slug
    assert app.scenario_layer.data["features"]
    app.scenario.value = ""
    assert app.scenario_layer.data["features"] == []


def test_buildings_load_only_when_zoomed_in(app):
    pmap = app.pmap
    info = pmap.manifest["buildings"]
    assert len(pmap.layers["gebouwen"].data["features"]) < 5_000
    pmap.fitted = True
    x, y = info["tiles"][len(info["tiles"]) // 2]
    lon = x / 2**14 * 360 - 180 + 0.01
    lat = math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * (y + 0.5) / 2**14))))
    pmap.map.set_trait("bounds", ((lat - 0.004, lon - 0.008), (lat + 0.004, lon + 0.008)))
    pmap.map.zoom = 16
    detail = pmap.layers["gebouwen-detail"]
    assert detail.visible and not pmap.layers["gebouwen"].visible
    assert 0 < len(detail.data["features"]) < 10_000
    pmap.map.zoom = 12
    assert not detail.visible


def test_fit_zoom():
    view = ((52.30, 6.00), (52.50, 6.50))  # what a map at zoom 11 shows
    assert fit_zoom(view, 11, [6.10, 52.35, 6.40, 52.45]) == 11
    assert fit_zoom(view, 11, [6.20, 52.38, 6.25, 52.40]) == 14


def test_widgets_are_keyboard_operable(app):
    assert isinstance(app.form.submit, w.Button)
    assert isinstance(app.list.theme, w.Dropdown)


def test_address_search_places_a_point_or_says_why_not(app, fake_locatie):
    app.form.query.value = "Kerkstraat 9"
    app.form.search.click()
    assert "Kies het goede adres" in status(app)
    label = app.form.results.options[1][1]
    app.form.results.value = label
    assert "buiten de gemeente" in status(app)  # the fake's 9999 address lies far away
    assert app.form.geometry is None


def test_address_search_offline_points_to_the_buurt_list(app, monkeypatch):
    monkeypatch.setenv("OMGEVING_PDOK_ROOT", "http://127.0.0.1:9")
    app.form.query.value = "8102 EA"
    app.form.search.click()
    assert "Kies een buurt" in status(app)


def test_pre_moderation_holds_reactions_until_a_moderator_approves(project_copy, inside):
    write_config(replace(read_config(project_copy), moderation="pre"), project_copy)
    app = ResidentApp(project_copy)
    rid = send(app, inside, text="Eerst nakijken graag")
    assert "kijkt uw reactie eerst na" in status(app)
    assert app.ctx.store.get(rid).status == "pending"
    assert rid not in {f["properties"]["id"] for f in app.reactions_layer.data["features"]}
    assert "Wordt nog nagekeken" in app.list.cards.children[0].children[0].value  # the owner
    other = ResidentApp(project_copy)
    assert rid not in other._listed()
    assert app.ctx.store.moderate(rid, "approve", actor="Moderator", reason="in orde")
    other.refresh()
    assert rid in {f["properties"]["id"] for f in other.reactions_layer.data["features"]}


def test_privacy_note_shows_this_windows_participant_code(app):
    (note,) = [x for x in widgets(app.widget) if isinstance(x, w.Accordion)]
    text = next(x for x in note.children if "omg-privacy" in x._dom_classes).value
    assert " ".join(app.ctx.participant[i : i + 4] for i in range(0, 32, 4)) in text
    assert "730 dagen" in text and note.selected_index is None  # folded until opened


def test_the_start_makes_only_what_it_shows(project_copy):
    """A crowd's server work is the widgets each page sends: the start sends its own only."""
    before = set(_instances)
    app = ResidentApp(project_copy)
    made = [_instances[k] for k in set(_instances) - before]
    kinds = [type(x).__name__ for x in made]
    assert len(made) <= 80, sorted(kinds)
    assert kinds.count("Layout") <= 10 and sum(k.endswith("Style") for k in kinds) <= 8, kinds
    assert "Textarea" not in kinds and "Checkbox" not in kinds  # write step, legend: later
    assert not app.list.built and "write" not in app.form.built
    layers = app.pmap.layers
    assert all(layer.data["features"] == [] for layer in layers.values())  # not while Voila runs
    (south, west), (north, east) = (52.2, 6.0), (52.5, 6.4)
    app.pmap.map.set_trait("bounds", ((south, west), (north, east)))  # the page drew the map
    assert layers["buurten"].data["features"] and layers["gebouwen"].data["features"]
    assert layers["overstroming"].data["features"] == []  # off: sent when switched on
    app.go("list")
    assert app.list.built and app.list.status.value
    app.form.begin("Point")
    assert "place" in app.form.built and app.form.instruction.value
    app.ctx.store.close()


def test_the_legend_is_made_when_opened_and_a_layer_sends_its_data_when_switched_on(app):
    (more,) = [x for x in widgets(app.widget) if isinstance(x, w.Accordion)]
    legend = more.children[0]
    assert legend.children == ()
    more.selected_index = 0
    boxes = {
        c: x for x in widgets(legend) if isinstance(x, w.Checkbox) for c in x._dom_classes
    }
    flood = boxes["omg-toggle-overstroming"]
    assert flood.value is False and app.pmap.layers["overstroming"].data["features"] == []
    flood.value = True
    layer = app.pmap.layers["overstroming"]
    on_disk = json.loads((app.ctx.project.web_dir / "overstroming.geojson").read_text())
    assert layer.visible and len(layer.data["features"]) == len(on_disk["features"]) > 0
    flood.value = False
    assert not layer.visible


# -- the background questions after a first reaction ------------------------------------------


def background_card(app):
    return app.background.children[0] if app.background.children else None


def test_background_questions_come_once_after_the_first_reaction_and_may_be_skipped(
    project_copy, inside
):
    app = ResidentApp(project_copy)
    send(app, inside, text="Eerste reactie")
    card = background_card(app)
    assert card is not None and "omg-background" in card._dom_classes
    shown = " ".join(x.value for x in card.children if isinstance(x, w.HTML))
    assert "Het mag ook niet" in shown and "zonder uw naam" in shown
    age = next(x for x in card.children if isinstance(x, w.ToggleButtons))
    assert [v for _, v in age.options] == ["0-14", "15-24", "25-44", "45-64", "65+"]
    assert age.value is None  # nothing chosen for anyone
    age.value = "65+"
    relations = card.children[3].children
    relations[0].value = True  # "Ik woon hier"
    buttons = card.children[-1].children
    buttons[0].click()  # send
    assert "Dank u wel" in app.background.children[0].value
    (profile,) = app.ctx.store.profiles()
    assert (profile.channel, profile.age, profile.relation) == ("online", "65+", ("woont",))
    assert app.ctx.participant not in repr(profile)  # nothing that identifies
    app._again()
    send(app, inside, text="Tweede reactie")
    assert "Dank u wel" in app.background.children[0].value  # not asked again
    app.ctx.store.close()

    other = ResidentApp(project_copy)  # a second visitor skips
    send(other, inside, text="Nog een")
    background_card(other).children[-1].children[1].click()
    assert "Prima" in other.background.children[0].value
    assert len(other.ctx.store.profiles()) == 1
    # a tampered page (a value the question does not offer) is refused, nothing stored
    third = ResidentApp(project_copy)
    send(third, inside, text="Derde")
    card = background_card(third)
    card.children[1].set_trait("value", "65+")
    card.children[1]._trait_values["value"] = "<script>"  # past the widget's own check
    card.children[-1].children[0].click()
    assert "kunnen we niet opslaan" in status(third)
    assert len(third.ctx.store.profiles()) == 1
    other.ctx.store.close()
    third.ctx.store.close()


def test_a_project_may_ask_no_background_questions(project_copy, inside):
    config = project_copy / "omgeving.toml"
    text = config.read_text().replace("[project]\n", "[project]\nbackground = []\n", 1)
    config.write_text(text)
    app = ResidentApp(project_copy)
    send(app, inside, text="Zonder vragen")
    assert app.background.children == ()
    app.ctx.store.close()


def test_the_table_asks_each_new_person(project_copy, inside):
    kiosk = ResidentApp(project_copy, kiosk=True)
    send(kiosk, inside, text="Aan de tafel")
    card = background_card(kiosk)
    card.children[1].value = "15-24"
    card.children[-1].children[0].click()
    assert [(p.channel, p.age) for p in kiosk.ctx.store.profiles()] == [("tafel", "15-24")]
    kiosk._again()
    send(kiosk, inside, text="De volgende aan de tafel")
    assert background_card(kiosk) is not None and "omg-background" in (
        background_card(kiosk)._dom_classes)
    kiosk.ctx.store.close()

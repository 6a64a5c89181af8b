"""Which reactions the public may see: one rule, every path (issue 15, F1).

A store holds visible reactions beside a hidden one, a withdrawn one, an erased one, another
participant's pending one and hidden OpenStad spam. Every action a resident can take in the
resident app, the table and the wall (language, filters, paging, scenario, reconnect, live
refresh, the table's reset) must leave only the visible ones (and the visitor's own pending
one) on the map, in the list and anywhere in the widget tree.
"""

from __future__ import annotations

import json

import ipywidgets as w
import pytest
from shapely.geometry import shape

from omgeving.apps.resident import ResidentApp
from omgeving.apps.wall import WallApp
from omgeving.participation import PUBLIC_STATUSES, Area, public_view, shown_to, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.xss import widgets

SECRET = ("VERBORGEN", "INGETROKKEN", "WACHTEND-ANDER", "SPAM-OPENSTAD")


def _point(demo_project, dx: float = 0.0) -> dict:
    data = json.loads((demo_project / "web" / "area.geojson").read_text())
    p = shape(data["features"][0]["geometry"]).representative_point()
    return {"type": "Point", "coordinates": [p.x + dx, p.y]}


@pytest.fixture
def leaky(project_copy):
    """A project whose store holds every status, and the ids of each kind."""
    project = open_project(project_copy)
    area = Area.from_web(project.web_dir)
    themes = project.config.themes
    scenarios = tuple(s.slug for s in project.config.scenarios)
    ids: dict[str, str] = {}

    def add(store, label, *, participant="p-ander", channel="online", status="visible",
            scenario=None, theme=None, dx=0.0):
        reaction = validate_reaction(
            id=new_reaction_id(), geometry=_point(project_copy, dx), theme=theme or themes[0],
            text=f"{label} reactie", area=area, themes=themes, participant=participant,
            scenario=scenario, scenarios=scenarios, channel=channel, status=status,
        )
        store.add(reaction)
        ids[label] = reaction.id
        return reaction.id

    with open_store(project.store_url()) as store:
        for i in range(23):  # more than two pages of the list (10 per page)
            add(store, f"ZICHTBAAR-{i}", theme=themes[i % len(themes)],
                scenario=scenarios[i % len(scenarios)] if i % 2 else None, dx=0.0001 * i)
        store.moderate(add(store, "VERBORGEN"), "hide", actor="moderator", reason="scheldwoord")
        store.withdraw(add(store, "INGETROKKEN", participant="p-weg"), "p-weg")
        add(store, "GEWIST", participant="p-avg")
        store.erase_participant("p-avg", actor="functionaris", reason="AVG-verzoek")
        add(store, "WACHTEND-ANDER", status="pending")
        store.moderate(add(store, "SPAM-OPENSTAD", channel="openstad"), "hide",
                       actor="openstad-import", reason="spam in OpenStad")
    return project_copy, ids


def _visible(ids: dict[str, str]) -> set[str]:
    return {i for label, i in ids.items() if label.startswith("ZICHTBAAR")}


def assert_public(app, ids, *, own: frozenset[str] = frozenset()) -> None:
    """Nothing but visible (and own pending) reactions anywhere in the app."""
    allowed = _visible(ids) | own
    listed = {r.id for r in app.list.selected()}
    assert listed <= allowed, [lab for lab, i in ids.items() if i in listed - allowed]
    on_map = {f["properties"]["id"] for f in app.reactions_layer.data["features"]}
    assert on_map <= _visible(ids)
    if not any(v for v in (app.list.theme.value, app.list.scenario.value, app.list.buurt.value)):
        assert listed == allowed  # without a filter, every visible one
        assert on_map == _visible(ids)
    for widget in widgets(app.widget):
        value = getattr(widget, "value", None)
        if isinstance(widget, w.HTML) and isinstance(value, str):
            assert not any(s in value for s in SECRET), value[:200]
    cards = [c for c in app.list.cards.children if isinstance(c, w.VBox)]
    assert len(cards) == min(10, len(listed) - 10 * app.list.page)  # no empty card


def walk(app, ids, *, own=frozenset()):
    """Every UI action a resident can take, checking after each."""
    assert_public(app, ids, own=own)
    for lang in ("en", "nl", "en"):
        app.widget.children[-2].value = lang  # the language toggle
        assert_public(app, ids, own=own)
    for box in (app.list.theme, app.list.scenario, app.list.buurt):
        for value, *_ in [(v,) for _, v in box.options]:
            box.value = value
            assert_public(app, ids, own=own)
        box.value = ""
    for _ in range(3):
        app.list.more.click()
        assert_public(app, ids, own=own)
    app.list.back.click()
    assert_public(app, ids, own=own)
    for _, slug in app.scenario.options:
        app.scenario.value = slug
        assert_public(app, ids, own=own)
    app._on_connected()  # a reconnect: what was stored since
    assert_public(app, ids, own=own)
    app.pmap.fitted = True
    app._tick()  # the live refresh
    assert_public(app, ids, own=own)


def test_the_rule():
    from omgeving.reactions import Reaction

    def r(status, participant="p"):
        return Reaction(id=status, geometry=None, theme="", text="", channel="online",
                        participant=participant, created="2026-01-01T00:00:00+00:00",
                        status=status)

    statuses = ("visible", "pending", "hidden", "withdrawn", "erased")
    assert {s for s in statuses if shown_to(r(s))} == set(PUBLIC_STATUSES) == {"visible"}
    assert {s for s in statuses if shown_to(r(s), "p")} == {"visible", "pending"}
    assert {s for s in statuses if shown_to(r(s), "q")} == {"visible"}
    assert not shown_to(r("pending", ""), "")  # an erased token is nobody's
    assert list(public_view([r(s) for s in statuses], "p")) == ["visible", "pending"]


@pytest.mark.parametrize("kiosk", [False, True], ids=["resident", "tafel"])
def test_every_action_shows_only_public_reactions(leaky, kiosk):
    project_dir, ids = leaky
    app = ResidentApp(project_dir, kiosk=kiosk)
    try:
        walk(app, ids)
        # the visitor's own pending reaction shows in their list only, and a live hide
        # reaches every view at the next refresh
        with open_store(open_project(project_dir).store_url()) as store:
            mine = validate_reaction(
                id=new_reaction_id(), geometry=_point(project_dir), theme="wonen",
                text="eigen wachtende reactie", area=app.ctx.area, themes=app.ctx.themes,
                participant=app.ctx.participant, status="pending",
            )
            store.add(mine)
            gone = ids.pop("ZICHTBAAR-3")
            store.moderate(gone, "hide", actor="moderator", reason="live verborgen")
            ids["VERBORGEN-LIVE"] = gone
        app._tick()
        walk(app, ids, own=frozenset({mine.id}))
        if kiosk:
            app.reset_visit()  # the next person at the table: a new participant
            walk(app, ids)
    finally:
        app.ctx.store.close()


def test_the_wall_shows_only_public_reactions(leaky):
    project_dir, ids = leaky
    wall = WallApp(project_dir)
    try:
        wall.refresh(force=True)
        assert set(wall.reactions) == _visible(ids)
        text = " ".join(
            x.value for x in widgets(wall.widget) if isinstance(x, w.HTML)
        )
        assert not any(s in text for s in SECRET)
    finally:
        wall.store.close()

"""Analysing reactions: counts, participation per buurt, the most agreed, a map."""

from __future__ import annotations

from ipyleaflet import GeoJSON, Heatmap

from omgeving.apps.maps import leaflet_reaction_map
from omgeving.outputs.analysis import (
    counts,
    participation_per_buurt,
    reactions_frame,
    top_agreed,
)
from omgeving.project import open_project
from omgeving.store import open_store
from tests.test_export import add


def test_counts_participation_and_top(project_copy):
    project = open_project(project_copy)
    a = add(project, "Meer groen", participant="p1", theme="wonen")
    add(project, "Nog meer groen", participant="p1", theme="wonen")
    b = add(project, "Fietspad", participant="p2", theme="mobiliteit", scenario="spreiden")
    hidden = add(project, "weg ermee", participant="p3", theme="wonen")
    with open_store(project.store_url()) as store:
        store.agree(b.id, "p1")
        store.agree(b.id, "p3")
        store.agree(a.id, "p2")
        store.moderate(hidden.id, "hide", actor="mod", reason="kwetsend")
    frame = reactions_frame(project)
    assert len(frame) == 4 and len(reactions_frame(project, visible_only=True)) == 3
    assert len(reactions_frame(project, scenario="spreiden")) == 1

    per_theme = counts(frame, "thema")
    assert per_theme.loc["wonen"].tolist() == [3, 2] and per_theme.index[0] == "wonen"
    assert counts(frame, ["kanaal", "status"]).loc[("online", "hidden"), "reacties"] == 1

    buurten = participation_per_buurt(frame, project)
    assert len(buurten) == 16 and buurten["reacties"].sum() == 4
    own = buurten.set_index("buurtcode").loc[a.buurt]
    assert own["deelnemers"] == 3
    assert own["deelnemers_per_1000"] == round(3000 / own["inwoners"], 2)
    assert buurten["ondervertegenwoordigd"].sum() == 15  # every buurt without a participant

    top = top_agreed(frame, 2)
    assert top["tekst"].tolist() == ["Fietspad", "Meer groen"]
    assert "weg ermee" not in top_agreed(frame)["tekst"].tolist()


def test_reaction_map_with_a_heat_layer(project_copy):
    project = open_project(project_copy)
    add(project, "hier")
    m = leaflet_reaction_map(reactions_frame(project), project)
    (reactions,) = [x for x in m.layers if isinstance(x, GeoJSON) and x.name == "reacties"]
    assert len(reactions.data["features"]) == 1
    assert any(isinstance(x, Heatmap) for x in m.layers)

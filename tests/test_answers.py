"""Issue 14: the public page "Wat is er met de reacties gedaan?" (omgeving.apps.answers)."""

from __future__ import annotations

import html
from dataclasses import replace

import ipywidgets as w

from omgeving.apps.answers import AnswersApp
from omgeving.cycle import responses_for
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import Response, open_store
from tests.xss import PAYLOADS

ME, OTHER = "a" * 32, "b" * 32


def seed(root):
    project = open_project(root)
    area = Area.from_web(project.web_dir)
    point = area.boundary.representative_point().__geo_interface__
    made = {}
    with open_store(project.store_url()) as store:
        for key, participant, theme, text, status in (
            ("mine", ME, "mobiliteit", f"Zebrapad bij de school {PAYLOADS[0]}", "visible"),
            ("other", OTHER, "wonen", "Meer huizen voor starters", "visible"),
            ("hidden", OTHER, "wonen", "Iets kwetsends", "hidden"),
            ("later", ME, "energie", "Zonnepanelen op de sporthal", "visible"),
        ):
            r = validate_reaction(id=new_reaction_id(), geometry=point, theme=theme, text=text,
                                  area=area, themes=project.config.themes, participant=participant,
                                  status=status)
            store.add(replace(r, round="ideeen"))
            made[key] = r.id
        store.save_response(Response(
            id="1" * 32, kind="concern", target="Oversteken bij de school",
            verdict="deels overgenomen", text=f"Er komt een zebrapad. {PAYLOADS[1]}",
            ids=(made["mine"],), changes=("gio:visiegebied-kern",), text_en="A crossing comes."),
            actor="Anna")
        store.save_response(Response(
            id="2" * 32, kind="theme", target="wonen", verdict="overgenomen",
            text="We bouwen 300 woningen voor starters.", round="ideeen"), actor="Anna")
    return made


def test_responses_for_a_reaction_are_its_own_its_concerns_and_its_themes():
    r = replace(validate_like(), theme="wonen", round="ideeen")
    theme = Response("1" * 32, "theme", "wonen", "overgenomen", "x", round="ideeen")
    other_round = Response("2" * 32, "theme", "wonen", "overgenomen", "x", round="visie")
    concern = Response("3" * 32, "concern", "c", "overgenomen", "x", ids=(r.id,))
    own = Response("4" * 32, "reaction", r.id, "niet overgenomen", "x")
    assert responses_for(r, [theme, other_round, concern, own]) == [own, concern, theme]


def validate_like():
    from omgeving.reactions import Reaction

    return Reaction(id="f" * 32, geometry=None, theme="wonen", text="t", channel="online",
                    participant=ME, created="2026-01-01T00:00:00+00:00")


def test_the_page_lists_responses_and_finds_ones_own_by_browser_or_code(project_copy):
    made = seed(project_copy)
    app = AnswersApp(project_copy)
    body = html.unescape(app.body.value)
    assert "Wat is er met de reacties gedaan?" in html.unescape(app.widget.children[0]
                                                             .children[1].children[0].value)
    assert "Per onderwerp" in body and "Per zorg" in body
    assert "We bouwen 300 woningen voor starters." in body and "over 2 reacties" in body
    assert "2 van de 3 reacties op de kaart hebben een antwoord." in body
    assert "Iets kwetsends" not in body + app.mine.value  # hidden: never quoted
    for payload in PAYLOADS[:2]:
        assert payload not in app.body.value  # escaped
    assert len(app.answered.data["features"]) == 2
    assert app.mine.value == ""
    # the same browser: the page's script fills in the participant id
    app.visitor.value = ME
    mine = html.unescape(app.mine.value)
    assert "Uw reacties (2)" in mine and "Er komt een zebrapad." in mine
    assert "De gemeente heeft hier nog niet op geantwoord." in mine  # the later one
    assert PAYLOADS[0] not in app.mine.value
    # another browser, with the code from the privacy note (spaces as shown there)
    other = AnswersApp(project_copy, lang="en")
    other.code.value = " ".join(OTHER[i:i + 4] for i in range(0, 32, 4))
    other.find.click()
    mine = html.unescape(other.mine.value)
    assert "Your reactions (2)" in mine and "We bouwen 300 woningen" in mine
    other.code.value = "<script>"
    other.find.click()
    assert "32 characters" in other.status.value
    assert made  # (the ids are not shown: residents know their texts)
    english = html.unescape(other.body.value)
    assert "A crossing comes." in english and "partly adopted" in english


def test_without_responses_the_page_says_so(project_copy):
    app = AnswersApp(project_copy)
    assert "nog niet geantwoord" in app.body.value
    assert isinstance(app.widget, w.Box)

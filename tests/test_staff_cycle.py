"""Issue 14 in the staff app: rounds opened and closed, the evening register, responses."""

from __future__ import annotations

from datetime import date

import ipywidgets as w
import pytest

from omgeving.apps._plain import PlainText
from omgeving.apps.staff import StaffApp
from omgeving.participation import Area
from omgeving.project import open_project
from tests.evalset import seed_store
from tests.test_rounds import with_rounds
from tests.test_staff import add, status, widgets
from tests.xss import PAYLOADS


@pytest.fixture
def app(project_copy):
    with_rounds(project_copy)
    app = StaffApp(project_copy)
    app.name.value = "Anna"
    yield app
    app.store.close()


@pytest.fixture
def area(project_copy):
    return Area.from_web(open_project(project_copy).web_dir)


def shown(box) -> str:
    return "\n".join(x.text for x in widgets(box) if isinstance(x, PlainText))


def button(box, css):
    return next(x for x in widgets(box) if css in getattr(x, "_dom_classes", ()))


def test_a_round_is_closed_and_opened_again_audited(app):
    rounds = app.cycle.rounds_box
    assert "Ideeën" in shown(rounds) and "open (volgens de periode)" in shown(rounds)
    button(rounds, "omg-staff-round-close").click()
    assert "gesloten" in status(app)
    assert app.store.round_states() == {"ideeen": False}
    assert "Ideeën" in shown(app.cycle.rounds_box)
    assert "gesloten (besloten door een medewerker)" in shown(app.cycle.rounds_box)
    entry = app.store.audit_log()[-1]
    assert (entry.action, entry.actor, entry.reason) == ("round-close", "Anna",
                                                         "ideeen: ronde gesloten")
    button(app.cycle.rounds_box, "omg-staff-round-ideeen").click()  # open it again
    assert app.store.round_states() == {"ideeen": True}


def test_a_round_is_planned_and_changed_in_the_staff_app(app):
    from datetime import timedelta

    from omgeving.cycle import check_round

    cycle = app.cycle
    today = date.today()
    cycle.round_title.value = f"Evaluatie {PAYLOADS[0]}"
    cycle.round_start.value = today + timedelta(days=100)
    cycle.round_end.value = today + timedelta(days=90)
    button(cycle.rounds_tab, "omg-staff-round-save").click()
    assert "einddatum ligt voor de begindatum" in status(app) and app.store.round_plans() == []
    cycle.round_end.value = today + timedelta(days=120)
    cycle.round_scenarios["compact-bouwen"].value = True
    button(cycle.rounds_tab, "omg-staff-round-save").click()
    assert "opgeslagen" in status(app)
    (plan,) = app.store.round_plans()
    assert plan.slug.startswith("evaluatie-") and plan.scenarios == ("compact-bouwen",)
    assert f"Evaluatie {PAYLOADS[0]}" in shown(cycle.rounds_box)  # after the file's two
    rows = [shown(row) for row in cycle.rounds_box.children]
    assert [row.split(" ·")[0] for row in rows] == ["Ideeën", "Concept-visie",
                                                  f"Evaluatie {PAYLOADS[0]}"]
    assert "Gepland in deze app." in shown(cycle.rounds_box)
    for x in widgets(app.widget):
        if isinstance(x, w.HTML):
            assert PAYLOADS[0] not in x.value
    assert plan.slug in [v for _, v in cycle.response_round.options]  # a response may name it
    # changed: opened now, by its period
    button(cycle.rounds_box, "omg-staff-round-edit").click()
    assert cycle.round_title.value == plan.title and cycle.round_scenarios["compact-bouwen"].value
    button(app.cycle.rounds_box, "omg-staff-round-close").click()  # close the file's ideeen
    cycle.round_start.value, cycle.round_end.value = today, today + timedelta(days=5)
    button(cycle.rounds_tab, "omg-staff-round-save").click()
    (plan,) = app.store.round_plans()
    assert plan.start == today.isoformat() and len(app.store.round_plans()) == 1
    assert check_round(app.store, app.project.config) == plan.slug  # residents react in it
    # a round of omgeving.toml is changed in the file
    cycle.round_title.value = "Ideeën"
    cycle.round_start.value, cycle.round_end.value = today, today
    button(cycle.rounds_tab, "omg-staff-round-save").click()
    assert "omgeving.toml" in status(app) and len(app.store.round_plans()) == 1
    cycle.round_title.value = plan.title  # a second round of the same title: not a change
    button(cycle.rounds_tab, "omg-staff-round-save").click()
    assert "al een ronde met deze titel" in status(app) and app.store.round_plans() == [plan]
    cycle.round_title.value = "!!!"
    button(cycle.rounds_tab, "omg-staff-round-save").click()
    assert "titel met letters of cijfers" in status(app)


def test_the_evening_register_saves_and_corrects_an_evening(app):
    cycle = app.cycle
    cycle.evening_day.value = date(2026, 3, 12)
    cycle.evening_place.value = f"Dorpshuis {PAYLOADS[0]}"
    cycle.evening_visitors.value = 48
    cycle.evening_scenarios["compact-bouwen"].value = True
    cycle.evening_notes.value = "Veel vragen over wonen."
    button(cycle.evenings_tab, "omg-staff-evening-save").click()
    assert "register" in status(app)
    (e,) = app.store.evenings()
    assert (e.day, e.visitors, e.scenarios, e.actor) == ("2026-03-12", 48, ("compact-bouwen",),
                                                          "Anna")
    assert f"12-03-2026 · Dorpshuis {PAYLOADS[0]} · 48 bezoekers" in shown(cycle.evenings_box)
    for x in widgets(app.widget):
        if isinstance(x, w.HTML):
            assert PAYLOADS[0] not in x.value
    button(cycle.evenings_box, "omg-staff-evening-edit").click()
    cycle.evening_visitors.value = 52
    button(cycle.evenings_tab, "omg-staff-evening-save").click()
    assert [x.visitors for x in app.store.evenings()] == [52]  # corrected, not doubled
    cycle.evening_place.value = ""
    button(cycle.evenings_tab, "omg-staff-evening-save").click()
    assert "plek van de avond" in status(app)


def test_responses_to_a_theme_a_concern_and_a_reaction(app, area, project_copy):
    seed_store(project_copy)  # the evaluation set: concerns to answer
    cycle = app.cycle
    mine = add(app, area, "Graag een zebrapad bij de school aan de Dorpsstraat.",
               theme="mobiliteit")
    for n in range(6):
        add(app, area, f"Het is gevaarlijk oversteken bij de school, auto's rijden hard ({n}).",
            theme="mobiliteit")
    # a theme
    cycle.response_kind.value = "theme"
    cycle.response_theme.value = "mobiliteit"
    cycle.response_verdict.value = "deels overgenomen"
    cycle.response_text.value = "Er komt een zebrapad bij de school. <b>Snel</b>."
    # picked from the scenarios' interventions (a name may hold a comma), and an area
    turbine = "scenario:energielandschap/Windpark Hoge Marke, turbine 1"
    assert ("Energielandschap: Windpark Hoge Marke, turbine 1", turbine) in cycle.change_options
    cycle.response_pick.value = ("scenario:compact-bouwen/Nieuwbouw Eskerlo-Noord", turbine)
    cycle.response_changes.value = "gio:visiegebied-kern"
    button(cycle.responses_tab, "omg-staff-response-save").click()
    assert "opgeslagen" in status(app)
    (theme,) = app.store.responses()
    in_theme = sum(1 for r in app.store.all() if r.theme == "mobiliteit")
    assert (theme.kind, theme.target, theme.verdict, len(theme.ids), theme.actor) == (
        "theme", "mobiliteit", "deels overgenomen", in_theme, "Anna")
    assert theme.changes == ("scenario:compact-bouwen/Nieuwbouw Eskerlo-Noord", turbine,
                             "gio:visiegebied-kern")
    assert cycle.response_pick.value == ()  # the form is empty for the next
    assert "Er komt een zebrapad bij de school. <b>Snel</b>." in shown(cycle.responses_box)
    # a concern: choosing the kind runs the analysis once
    cycle.response_kind.value = "concern"
    assert app.findings is not None and cycle.response_concern.options
    cycle.response_concern.value = cycle.response_concern.options[0]
    cycle.response_verdict.value = "overgenomen"
    cycle.response_text.value = "We maken de schoolomgeving veiliger."
    button(cycle.responses_tab, "omg-staff-response-save").click()
    concern = app.store.responses()[-1]
    assert concern.kind == "concern" and len(concern.ids) >= 5
    # one reaction, by the first characters of its number
    cycle.response_kind.value = "reaction"
    cycle.response_reaction.value = f"#{mine[:8]}"
    cycle.response_verdict.value = "niet overgenomen"
    cycle.response_text.value = "Een zebrapad kan hier niet: de weg is te breed."
    cycle.response_round.value = "ideeen"
    button(cycle.responses_tab, "omg-staff-response-save").click()
    one = app.store.responses()[-1]
    assert (one.kind, one.target, one.ids, one.round) == ("reaction", mine, (mine,), "ideeen")
    # refused: no verdict, a wrong change, an unknown reaction; nothing stored
    for setup, message in (
        (lambda: setattr(cycle.response_verdict, "value", None), "Kies wat de gemeente"),
        (lambda: setattr(cycle.response_changes, "value", "http://x"), "scenario:slug/ingreep"),
        (lambda: setattr(cycle.response_changes, "value", "scenario:compact-bouwen/zebrapad"),
         "staat niet in de toekomstbeelden"),  # typed, or a tampered list
        (lambda: setattr(cycle.response_reaction, "value", "ffffffff"), "Geen reactie"),
    ):
        cycle.response_kind.value = "reaction"
        cycle.response_reaction.value = mine[:8]
        cycle.response_verdict.value = "overgenomen"
        cycle.response_text.value = "Tekst"
        cycle.response_changes.value = ""
        setup()
        button(cycle.responses_tab, "omg-staff-response-save").click()
        assert message in status(app)
    assert len(app.store.responses()) == 3
    button(cycle.responses_box, "omg-staff-response-withdraw").click()  # the newest first
    assert len(app.store.responses()) == 2
    assert app.store.audit_log()[-1].action == "response-withdrawn"


def test_a_response_names_an_area_of_an_exported_gio_and_the_gio_lists_it(app, project_copy):
    """The chain reaction → response → area of the vision, picked in the staff app."""
    import csv

    from omgeving.exchange.gio import export_gio

    cycle = app.cycle
    assert not [k for _, k in cycle.change_options if k.startswith("gio:")]
    export_gio(project_copy, layer="kernen")  # the planner exports the vision's areas
    app.tabs.selected_index = 7  # Antwoorden: offered from now on
    label, key = next((lab, k) for lab, k in cycle.change_options if k.startswith("gio:"))
    assert label.startswith("Kernen: ") and key == f"gio:kernen/{label.split(': ', 1)[1]}"
    cycle.response_kind.value = "theme"
    cycle.response_theme.value = "wonen"
    cycle.response_verdict.value = "overgenomen"
    cycle.response_text.value = "We bouwen eerst in deze kern."
    cycle.response_pick.value = (key,)
    button(cycle.responses_tab, "omg-staff-response-save").click()
    assert "opgeslagen" in status(app)
    assert app.store.responses()[-1].changes == (key,)
    written = export_gio(project_copy, layer="kernen")  # again: the responses beside it
    (listing,) = [p for p in written if p.name == "antwoorden-kernen.csv"]
    with listing.open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    assert [(r["gebied"], r["oordeel"], r["tekst"]) for r in rows] == [
        (label.split(": ", 1)[1], "overgenomen", "We bouwen eerst in deze kern.")]
    assert rows[0]["identificatie"]  # its geometry in the GIO

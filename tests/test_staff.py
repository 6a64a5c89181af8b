"""The staff app (beheer), driven from Python as a moderator or a tampering browser could."""

from __future__ import annotations

import json
import secrets
from typing import ClassVar

import apsw
import ipywidgets as w
import nbformat
import pytest
from shapely.geometry import shape

from omgeving._errors import ValidationError
from omgeving.apps import staff as staff_module
from omgeving.apps._plain import PlainText
from omgeving.apps.staff import PAGE_SIZE, StaffApp
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from tests.xss import PAYLOADS, assert_no_raw_html

XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "javascript:alert(1)",
    "&lt;b&gt;",
]


class Looking:
    """The staff app as a moderator sees it: a list tab shows what is new once she looks at it.

    The app draws the open tab at once and the other list tabs when they are opened
    (:meth:`StaffApp.refresh`); a test that reads a list looks at it first, as she would.
    """

    TABS: ClassVar[dict[str, int]] = {"queue_rows": 0, "queue_list": 0, "queue_info": 0,
                                      "all_rows": 1, "all_list": 1, "all_info": 1,
                                      "audit_list": 2, "audit_info": 2,
                                      "dups_list": 4, "themes_list": 4}

    def __init__(self, app: StaffApp) -> None:
        object.__setattr__(self, "app", app)

    def look(self, *tabs: int) -> None:
        """Draw the list tabs ``tabs`` (all) if they changed, but the open one (drawn already)."""
        app = self.app
        for tab in tabs or sorted(app.stale):
            if tab in app.stale and tab != app.tabs.selected_index:
                app._draw(tab)

    def __getattr__(self, name):
        if name in self.TABS:
            self.look(self.TABS[name])
        elif name == "widget":
            self.look()
        return getattr(self.app, name)

    def __setattr__(self, name, value):
        setattr(self.app, name, value)


@pytest.fixture
def app(project_copy):
    app = StaffApp(project_copy)
    yield Looking(app)
    app.store.close()


@pytest.fixture
def area(project_copy):
    return Area.from_web(open_project(project_copy).web_dir)


def inside(area) -> dict:
    point = area.boundary.representative_point()
    return {"type": "Point", "coordinates": [point.x, point.y]}


def add(
    app, area, text="Meer bomen in de straat.", *, status="visible", theme="natuur & landschap",
    scenario=None,
):
    reaction = validate_reaction(
        id=new_reaction_id(),
        geometry=inside(area),
        theme=theme,
        text=text,
        sentiment=1,
        area=area,
        themes=app.project.config.themes,
        participant=secrets.token_hex(16),
        status=status,
        scenario=scenario,
        scenarios=tuple(s.slug for s in app.project.config.scenarios),
    )
    assert app.store.add(reaction)
    return reaction.id


def report_three_times(app, rid, reasons=("scheldwoorden", "reclame", "klopt niet")):
    for reason in reasons:
        app.store.report(rid, secrets.token_hex(16), reason, threshold=3)


def widgets(root):
    """Every widget under ``root`` (boxes and tabs by their children)."""
    stack, seen = [root], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        stack.extend(getattr(item, "children", ()))


def seen(widget):
    """The text a reader sees in a text widget (a plain text shows its escaped text as typed)."""
    return widget.text if isinstance(widget, PlainText) else widget.value


def texts(app, kind=(w.Label, w.Textarea, PlainText)):
    return [seen(x) for x in widgets(app.widget) if isinstance(x, kind)]


def status(app):
    return app.status.value


def test_the_queue_shows_a_reported_reaction_with_its_reasons(app, area):
    rid = add(app, area, "Dit is een reactie die mensen melden.")
    report_three_times(app, rid)
    assert app.store.get(rid).status == "pending"
    app.refresh_button.click()
    assert list(app.queue_rows) == [rid]
    row = app.queue_rows[rid]
    shown = "\n".join(
        seen(x) for x in widgets(row.box) if isinstance(x, (w.Label, w.Textarea, PlainText))
    )
    for reason in ("scheldwoorden", "reclame", "klopt niet"):
        assert reason in shown
    buurt = dict((c, n) for c, n, _ in area.buurten)[app.store.get(rid).buurt]
    for part in ("natuur & landschap", "+1 positief", "online", buurt, "3 meldingen"):
        assert part in shown
    assert "Dit is een reactie die mensen melden." in shown
    assert set(row.buttons) == {"approve", "hide"}
    assert "Wachtrij (1)" in app.tabs.titles[0]


def test_pre_moderated_reactions_wait_oldest_first(app, area):
    first = add(app, area, "eerste", status="pending")
    second = add(app, area, "tweede", status="pending")
    add(app, area, "al zichtbaar")
    app.refresh()
    assert list(app.queue_rows) == [first, second]


def test_approving_without_a_name_is_refused_and_nothing_changes(app, area):
    rid = add(app, area, status="pending")
    app.refresh()
    app.queue_rows[rid].buttons["approve"].click()
    assert "Vul eerst uw naam in" in status(app)
    assert app.store.get(rid).status == "pending"
    assert app.store.audit_log() == []


@pytest.mark.parametrize(
    ("name", "message"),
    [("   ", "Vul eerst uw naam in"), ("x" * 61, "te lang"), ("Systeem", "voor het systeem")],
)
def test_a_bad_name_is_refused(app, area, name, message):
    rid = add(app, area, status="pending")
    app.refresh()
    app.name.value = name
    app.queue_rows[rid].reason.value = "reden"
    app.queue_rows[rid].buttons["hide"].click()
    assert message in status(app)
    assert app.store.get(rid).status == "pending"


def test_hiding_without_a_reason_is_refused(app, area):
    rid = add(app, area, status="pending")
    app.refresh()
    app.name.value = "Anna de Vries"
    app.queue_rows[rid].reason.value = "   "
    app.queue_rows[rid].buttons["hide"].click()
    assert "Schrijf eerst een reden" in status(app)
    assert app.store.get(rid).status == "pending"
    app.queue_rows[rid].reason.value = "x" * 501
    app.queue_rows[rid].buttons["hide"].click()
    assert "De reden is te lang" in status(app)
    assert app.store.audit_log() == []


def test_hiding_with_name_and_reason_is_audited_and_shown(app, area):
    rid = add(app, area)
    report_three_times(app, rid)
    app.refresh()
    app.name.value = "Anna de Vries"
    app.queue_rows[rid].reason.value = "Scheldwoorden tegen de buren"
    app.queue_rows[rid].buttons["hide"].click()
    assert "Verborgen" in status(app)
    assert app.store.get(rid).status == "hidden"
    last = app.store.audit_log()[-1]
    assert (last.actor, last.action, last.reaction_id) == ("Anna de Vries", "hide", rid)
    assert last.reason == "Scheldwoorden tegen de buren"
    assert rid not in app.queue_rows
    entries = [x.value for x in app.audit_list.children]
    assert len(entries) == 2  # the automatic auto-hide by the reports, then this one
    assert "Anna de Vries" in entries[0] and "Scheldwoorden tegen de buren" in entries[0]
    assert "verborgen" in entries[0] and "systeem" in entries[1]
    assert "2 regels" in app.audit_info.value


def test_approving_uses_a_default_reason(app, area):
    rid = add(app, area, status="pending")
    app.refresh()
    app.name.value = "Bert"
    app.queue_rows[rid].buttons["approve"].click()
    assert "Goedgekeurd" in status(app)
    assert app.store.get(rid).status == "visible"
    assert app.store.audit_log()[-1].reason == "goedgekeurd"
    assert app.queue_rows == {}


def test_restoring_a_hidden_reaction_from_the_list(app, area):
    rid = add(app, area)
    app.store.moderate(rid, "hide", actor="Anna", reason="per ongeluk")
    app.filter.value = "hidden"
    assert list(app.all_rows) == [rid]
    row = app.all_rows[rid]
    assert set(row.buttons) == {"restore"}
    app.name.value = "Bert"
    row.buttons["restore"].click()
    assert "Schrijf eerst een reden" in status(app)
    assert app.store.get(rid).status == "hidden"
    row.reason.value = "Toch geen scheldwoord"
    row.buttons["restore"].click()
    assert "Teruggezet" in status(app)
    assert app.store.get(rid).status == "visible"
    assert app.all_rows == {}
    app.filter.value = "visible"
    assert list(app.all_rows) == [rid]
    assert set(app.all_rows[rid].buttons) == {"hide"}
    assert app.store.audit_log()[-1].actor == "Bert"


def test_an_action_someone_else_did_first_is_reported(app, area):
    rid = add(app, area, status="pending")
    app.refresh()
    app.store.moderate(rid, "approve", actor="Iemand anders", reason="goedgekeurd")
    app.name.value = "Bert"
    app.queue_rows[rid].buttons["approve"].click()
    assert "net veranderd" in status(app)
    assert len(app.store.audit_log()) == 1


def test_lists_are_paginated_and_filtered(app, area):
    ids = [add(app, area, f"reactie {i}") for i in range(PAGE_SIZE + 5)]
    app.store.withdraw(ids[0], app.store.get(ids[0]).participant)
    app.refresh()
    assert len(app.all_rows) == PAGE_SIZE
    assert list(app.all_rows)[:3] == ids[-1:-4:-1]  # newest first
    prev, label, nxt, _box = app.navs["all"]
    assert label.value == "Pagina 1 van 2" and prev.disabled
    nxt.click()
    assert len(app.all_rows) == 5 and label.value == "Pagina 2 van 2" and nxt.disabled
    app.filter.value = "withdrawn"
    assert list(app.all_rows) == [ids[0]] and app.all_rows[ids[0]].buttons == {}
    assert label.value == "Pagina 1 van 1"
    app.filter.value = "pending"
    assert app.all_rows == {}
    assert [x.value for x in app.all_list.children] == ["Er zijn geen reacties met deze status."]


def test_paper_form_via_the_buurt_dropdown(app, area):
    code, name, polygon = area.buurten[3]
    form_id = app.form_id
    app.name.value = "Carla"
    app.paper_buurt.value = code
    assert name in app.paper_place.value
    app.paper_theme.value = "wonen"
    app.paper_sentiment.value = -1
    app.paper_text.value = "Graag kleine woningen voor ouderen."
    app.paper_save.click()
    assert "Opgeslagen" in status(app)
    stored = app.store.get(form_id)
    assert stored.channel == "papier" and stored.status == "visible"
    assert stored.buurt == code and stored.sentiment == -1 and stored.theme == "wonen"
    assert polygon.covers(shape(stored.geometry))
    last = app.store.audit_log()[-1]
    assert (last.action, last.actor, last.reaction_id) == ("papier", "Carla", form_id)
    assert app.form_id != form_id and form_id[:8] not in app.paper_number.value
    assert app.paper_text.value == "" and app.paper_buurt.value == ""
    assert form_id in app.all_rows


def test_paper_form_via_a_point_on_the_map(app, area):
    point = inside(area)
    app.name.value = "Carla"
    app.paper_buurt.value = area.buurten[0][0]
    app.draw._draw_callbacks(
        app.draw, action="create", geo_json=[{"type": "Feature", "geometry": point}]
    )
    assert app.paper_buurt.value == "" and app.point == point
    app.paper_theme.value = "energie"
    app.paper_text.value = "Zonnepanelen op de sporthal."
    form_id = app.form_id
    app.paper_save.click()
    stored = app.store.get(form_id)
    assert stored.geometry["coordinates"] == pytest.approx(point["coordinates"])
    assert stored.buurt == area.buurt_of(shape(point)) and stored.channel == "papier"
    assert stored.sentiment is None  # "geen mening", the default


@pytest.mark.parametrize(
    ("name", "place", "text", "message"),
    [
        ("", True, "tekst", "Vul eerst uw naam in"),
        ("Carla", False, "tekst", "Kies eerst een buurt"),
        ("Carla", True, "   ", "Typ eerst de tekst"),
        ("Carla", True, "x" * 1001, "De tekst is te lang"),
    ],
)
def test_a_bad_paper_form_is_refused(app, area, name, place, text, message):
    app.name.value = name
    if place:
        app.paper_buurt.value = area.buurten[0][0]
    app.paper_theme.value = "wonen"
    app.paper_text.value = text
    app.paper_save.click()
    assert message in status(app)
    assert app.store.count() == 0


def test_a_point_outside_the_area_is_refused(app):
    outside = {"type": "Point", "coordinates": [4.9, 52.37]}
    app.draw._draw_callbacks(
        app.draw, action="create", geo_json=[{"type": "Feature", "geometry": outside}]
    )
    assert "buiten de gemeente" in status(app) and app.point is None


@pytest.mark.parametrize("payload", XSS)
def test_user_text_never_reaches_html_raw(app, area, payload):
    shown = add(app, area, f"tekst {payload}")
    report_three_times(app, shown, (payload, f"ook {payload}", "gewoon"))
    hidden = add(app, area, payload)
    app.name.value = payload
    app.refresh()
    app.queue_rows[shown].reason.value = f"reden {payload}"
    app.queue_rows[shown].buttons["approve"].click()
    app.filter.value = "visible"
    app.all_rows[hidden].reason.value = payload
    app.all_rows[hidden].buttons["hide"].click()
    assert app.store.audit_log()[-1].actor == payload
    app.filter.value = "all"
    for kind in ("queue", "all", "audit"):
        app.pages[kind] = 0
    app.refresh()
    visible_text = "\n".join(texts(app))
    assert f"tekst {payload}" in visible_text  # shown, as text, exactly as typed
    assert f"reden {payload}" in visible_text  # the moderator's reason, in the log
    html_values = [x.value for x in widgets(app.widget) if isinstance(x, w.HTML)]
    assert html_values
    for value in html_values:
        assert payload not in value
        assert "onerror" not in value and "onload" not in value


def test_report_reasons_with_markup_are_shown_as_text(app, area):
    rid = add(app, area)
    report_three_times(app, rid, tuple(XSS[:3]))
    app.refresh()
    reports = [seen(x) for x in widgets(app.queue_rows[rid].box) if isinstance(x, PlainText)]
    assert any(all(p in value for p in XSS[:3]) for value in reports)
    for value in (x.value for x in widgets(app.widget) if isinstance(x, w.HTML)):
        assert not any(p in value for p in XSS)


def test_an_error_in_a_callback_shows_a_friendly_line(app, area, monkeypatch):
    rid = add(app, area, status="pending")
    app.refresh()

    def broken(*_args, **_kwargs):
        raise RuntimeError("/srv/secret/path exploded")

    monkeypatch.setattr(app.store, "moderate", broken)
    app.name.value = "Anna"
    app.queue_rows[rid].reason.value = "reden"
    app.queue_rows[rid].buttons["hide"].click()
    assert "Er ging iets mis" in status(app)
    assert "secret" not in status(app) and "RuntimeError" not in status(app)
    assert app.store.get(rid).status == "pending"


def test_the_store_refuses_to_change_the_audit_log(app, area):
    rid = add(app, area)
    app.store.moderate(rid, "hide", actor="Anna", reason="reden")
    for sql in ("UPDATE audit SET actor='niemand'", "DELETE FROM audit"):
        with pytest.raises((apsw.ConstraintError, apsw.SQLError), match="append-only"):
            app.store._db.execute(sql)
    assert app.store.audit_log()[-1].actor == "Anna"


def test_english_and_the_quick_path(project_copy, monkeypatch):
    monkeypatch.setattr(staff_module, "_log_to_server", lambda: None)
    monkeypatch.setenv("OMGEVING_PROJECT", str(project_copy))
    widget = staff_module.staff(lang="en")
    assert "omg-staff" in widget._dom_classes
    tabs = next(x for x in widgets(widget) if isinstance(x, w.Tab))
    assert tabs.titles == ("Queue (0)", "All reactions", "Log", "Paper form", "Suggestions",
                           "Rounds", "Evenings", "Responses")


def test_the_notebook_is_one_clean_cell():
    path = staff_module.__file__.replace("staff.py", "beheer.ipynb")
    nb = nbformat.read(path, as_version=4)
    assert [c.cell_type for c in nb.cells] == ["code"]
    assert nb.cells[0].source == "from omgeving.apps.staff import staff\n\nstaff()"
    assert nb.cells[0].outputs == []
    assert json.loads(json.dumps(nb))["metadata"]["kernelspec"]["name"] == "python3"


def test_all_reactions_filter_by_scenario_and_show_erased_ones(app, area):
    plain = add(app, area, "zonder scenario")
    on_spread = add(app, area, "over spreiden", scenario="spreiden")
    app.store.erase_participant(app.store.get(plain).participant, actor="privacy",
                                reason="AVG-verzoek")
    app.refresh()
    app.scenario_filter.value = "spreiden"
    assert list(app.all_rows) == [on_spread]
    app.scenario_filter.value = ""
    app.filter.value = "erased"
    assert list(app.all_rows) == [plain]
    assert "gewist (privacy)" in app.all_rows[plain].box.children[0].value


# -- the audit log with the reactions' texts ---------------------------------------------------


def audit_entries(app):
    return list(app.audit_list.children)


def entry_about(app, rid):
    return next(e for e in audit_entries(app) if f" {rid[:8]}" in e.text)


def test_the_log_shows_the_text_and_theme_of_each_reaction_hidden_withdrawn_or_erased(app, area):
    hidden = add(app, area, "Een bankje bij de vijver.", theme="voorzieningen")
    withdrawn = add(app, area, "Minder parkeerplaatsen.", theme="mobiliteit")
    erased = add(app, area, "Mijn adres is Dorpsstraat 1.", theme="wonen")
    app.store.moderate(hidden, "hide", actor="Anna", reason="dubbel")
    app.store.moderate(withdrawn, "hide", actor="Anna", reason="per ongeluk")
    app.store.moderate(withdrawn, "restore", actor="Bert", reason="toch goed")
    app.store.withdraw(withdrawn, app.store.get(withdrawn).participant)
    app.store.moderate(erased, "hide", actor="Anna", reason="persoonsgegevens")
    app.store.erase_participant(app.store.get(erased).participant, actor="privacy",
                                reason="AVG-verzoek")
    app.refresh()
    entry = entry_about(app, hidden).text
    assert f"Reactie {hidden[:8]} · voorzieningen: Een bankje bij de vijver." in entry
    assert "Anna" in entry and "verborgen" in entry and "Reden: dubbel" in entry
    restored = [e.text for e in audit_entries(app) if withdrawn[:8] in e.text]
    assert len(restored) == 2  # withdrawn since: staff still read what it said
    assert all("mobiliteit: Minder parkeerplaatsen." in e for e in restored)
    gone = [e.text for e in audit_entries(app) if erased[:8] in e.text]
    assert len(gone) == 2 and all(f"Reactie {erased[:8]}: (gewist)" in e for e in gone)
    assert not any("Dorpsstraat" in e.text for e in audit_entries(app))
    summary = audit_entries(app)[0].text  # the erasure's own line is about no one reaction
    assert "AVG-verzoek" in summary and "Reactie" not in summary


def test_a_long_text_is_cut_to_two_lines_and_whole_in_a_fold(app, area):
    long = "Het fietspad langs de dijk is smal. " * 12 + "Maak het breder, graag!"
    rid = add(app, area, long)
    short = add(app, area, "Kort.")
    for r in (rid, short):
        app.store.moderate(r, "hide", actor="Anna", reason="test")
    app.refresh()
    entry = entry_about(app, rid)
    line = next(x for x in entry.text.splitlines() if x.startswith("Reactie"))
    shown = line.split(": ", 1)[1]
    assert shown.endswith("…") and len(shown) <= staff_module.SHORT_TEXT
    assert long.startswith(shown[:-1])
    assert entry.whole == long and entry.more == "Hele reactie lezen"
    assert entry_about(app, short).whole == ""  # nothing more to read: no fold


def test_the_log_in_english(project_copy, area):
    app = Looking(StaffApp(project_copy, lang="en"))
    try:
        rid = add(app, area, "Meer bomen.")
        app.store.moderate(rid, "hide", actor="Anna", reason="test")
        app.refresh()
        assert f"Reaction {rid[:8]} · natuur & landschap: Meer bomen." in entry_about(app, rid).text
        assert "Reason: test" in entry_about(app, rid).text
    finally:
        app.store.close()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_hostile_texts_in_the_log_stay_text(app, area, payload):
    rid = add(app, area, " ".join([payload] * (200 // len(payload) + 1)))  # over two lines
    app.store.moderate(rid, "hide", actor=payload[:60], reason=payload)
    app.refresh()
    entry = entry_about(app, rid)
    assert isinstance(entry, PlainText) and not isinstance(entry, w.HTML)
    assert payload in entry.text and payload in entry.whole  # as typed, set as textContent
    assert_no_raw_html(app.widget)


def _statements(store, work) -> int:
    """How many SQL statements ``work()`` runs on the (SQLite) store's connection."""
    count = 0

    def trace(_cursor, _sql, _bindings):
        nonlocal count
        count += 1
        return True

    store._db.exec_trace = trace
    try:
        work()
    finally:
        store._db.exec_trace = None
    return count


def test_the_log_reads_the_texts_in_one_go_however_many_entries(app, area):
    def moderated(n):
        for _ in range(n):
            rid = add(app, area)
            app.store.moderate(rid, "hide", actor="Anna", reason="reden")
            app.store.moderate(rid, "restore", actor="Anna", reason="toch goed")

    moderated(2)
    few = (_statements(app.store, app._render_audit), _statements(app.store, app.refresh))
    moderated(PAGE_SIZE * 2)
    assert len(app.store.audit_log()) == 2 * (2 + PAGE_SIZE * 2)
    many = (_statements(app.store, app._render_audit), _statements(app.store, app.refresh))
    assert many == few, (few, many)
    # one read transaction: BEGIN, the reactions, the log, links, profiles, rounds, planned
    # rounds, evenings, responses, COMMIT: the same number however many entries
    assert few[0] <= 10
    app.pages["audit"] = 3
    app._render_audit()
    assert len(audit_entries(app)) == PAGE_SIZE
    assert all("Meer bomen in de straat." in e.text for e in audit_entries(app))


# -- what the analysis suggests: possible duplicates and themes ------------------------------

PETITION = ("Wij willen geen windmolens bij Eskerlo. Ze maken lawaai en bederven het uitzicht "
            "over de weilanden. <img src=x onerror=alert(1)>")


def paper_without_theme(app, area, text):
    app.name.value = "Carla"
    app.paper_buurt.value = area.buurten[2][0]
    app.paper_theme.value = ""  # "staat niet op het formulier"
    app.paper_text.value = text
    form_id = app.form_id
    app.paper_save.click()
    assert app.store.get(form_id).theme == ""
    return form_id


def suggest_rows(app):
    found = [*widgets(app.dups_list), *widgets(app.themes_list)]
    return [x for x in found if "omg-staff-row" in x._dom_classes]


def test_duplicates_and_theme_suggestions_are_settled_in_the_staff_app(app, area):
    copies = [add(app, area, PETITION, theme="energie") for _ in range(3)]
    other = add(app, area, "Meer bankjes in het park bij de kerk, voor ouderen.",
                theme="voorzieningen")
    paper = paper_without_theme(app, area, "Het fietspad langs de Zwolseweg is te smal en "
                                "de auto's rijden er veel te hard. Gevaarlijk voor kinderen.")
    app.tabs.selected_index = 4  # opening the tab runs the analysis
    assert app.findings is not None
    assert app.tabs.titles[4] == "Suggesties (2)"
    shown = "\n".join(seen(x) for x in [*widgets(app.dups_list), *widgets(app.themes_list)]
                      if isinstance(x, PlainText))
    assert "Deze 3 reacties lijken op elkaar (bijna dezelfde tekst)" in shown
    assert f"Lijken hierop:\n· #{copies[1][:8]}" in shown and PETITION[:40] in shown
    assert "Voorstel: mobiliteit" in shown
    for x in [*widgets(app.dups_list), *widgets(app.themes_list)]:
        if isinstance(x, w.HTML):
            assert "onerror" not in x.value
    # the rows of every list say it too
    app.refresh()
    row_text = "\n".join(texts(app))
    assert f"Lijkt op #{copies[1][:8]} #{copies[2][:8]} (zie Suggesties)" in row_text
    group = next(r for r in suggest_rows(app) if f"omg-staff-dup-{copies[0]}" in r._dom_classes)
    link = next(x for x in widgets(group) if "omg-staff-link" in getattr(x, "_dom_classes", ()))
    app.name.value = ""
    link.click()  # without a name: refused, nothing linked
    assert "naam" in status(app) and app.store.links() == []
    app.name.value = "Anna"
    link.click()
    assert "één punt" in status(app)
    assert {(x.a, x.b) for x in app.store.links()} == {
        tuple(sorted((copies[0], c))) for c in copies[1:]
    }
    assert all(x.same and x.actor == "Anna" for x in app.store.links())
    assert app.store.count() == 5 and app.store.get(copies[1]).status == "visible"
    assert app.tabs.titles[4] == "Suggesties (1)"
    # the decision shows in its own row, in place of its buttons; the rows stay put
    assert "één punt" in "\n".join(x.value for x in widgets(group) if isinstance(x, w.HTML))
    assert not [x for x in widgets(group) if isinstance(x, w.Button)]
    assert app.stale == {0, 1, 2, 4}  # the lists are drawn again when they are opened
    app.tabs.selected_index = 1
    assert app.stale == {0, 2, 4}
    assert f"Gekoppeld aan #{copies[0][:8]}" in "\n".join(texts(app))
    app.tabs.selected_index = 4  # drawn again: the settled group has left
    assert not [r for r in suggest_rows(app) if f"omg-staff-dup-{copies[0]}" in r._dom_classes]
    # the theme: accept another than the first suggestion, from the list
    row = next(r for r in suggest_rows(app) if f"omg-staff-suggest-{paper}" in r._dom_classes)
    choice = next(x for x in widgets(row) if isinstance(x, w.Dropdown))
    assert choice.value == "mobiliteit" and "gezondheid" in choice.options
    choice.value = "gezondheid"
    next(x for x in widgets(row) if "omg-staff-accept" in getattr(x, "_dom_classes", ())).click()
    assert app.store.get(paper).theme == "gezondheid"
    entry = app.store.audit_log()[-1]
    assert (entry.action, entry.actor, entry.reaction_id) == ("theme", "Anna", paper)
    assert entry.reason == "(geen) → gezondheid: voorstel van de analyse aanvaard"
    assert app.tabs.titles[4] == "Suggesties (0)" and other not in app.hints
    settled = [x.value for r in suggest_rows(app) for x in widgets(r)
               if isinstance(x, w.HTML) and "omg-staff-settled" in x.value]
    assert len(settled) == 1 and "onderwerp is gegeven" in settled[0]
    assert not [x for r in suggest_rows(app) for x in widgets(r) if isinstance(x, w.Button)]
    app.suggest_run.click()  # searched again: what was settled stays settled, and leaves
    assert app.tabs.titles[4] == "Suggesties (0)"
    assert "Er is nu niets te beslissen." in texts(app)


def test_a_rejected_suggestion_does_not_come_back_and_a_chosen_theme_is_never_touched(app, area):
    paper = paper_without_theme(app, area, "Meer zonnepanelen op de daken van de school.")
    app.analyse()
    row = next(r for r in suggest_rows(app) if f"omg-staff-suggest-{paper}" in r._dom_classes)
    reject = next(x for x in widgets(row) if "omg-staff-reject" in getattr(x, "_dom_classes", ()))
    app.name.value = "Bram"
    reject.click()
    assert "afgewezen" in status(app) and app.store.get(paper).theme == ""
    assert app.store.audit_log()[-1].action == "reject-theme"
    app.analyse()
    assert not [r for r in suggest_rows(app) if f"omg-staff-suggest-{paper}" in r._dom_classes]
    # a tampering browser cannot give a theme outside the project's, nor over a chosen one
    chosen = add(app, area, "Meer huizen", theme="wonen")
    from omgeving.moderation import accept_theme

    with pytest.raises(ValidationError):
        accept_theme(app.store, app.project.config, paper, "<b>nep</b>", actor="Bram")
    assert accept_theme(app.store, app.project.config, chosen, "energie", actor="Bram") is False
    assert app.store.get(chosen).theme == "wonen"


def test_the_paper_form_takes_the_background_answers_apart_from_the_form(app, area):
    code = area.buurten[1][0]
    app.name.value = "Carla"
    app.paper_buurt.value = code
    app.paper_theme.value = "wonen"
    app.paper_text.value = "Kleine huizen voor ouderen."
    app.paper_age.value = "65+"
    app.paper_relation["woont"].value = True
    form_id = app.form_id
    app.paper_save.click()
    assert app.store.get(form_id).theme == "wonen"
    (profile,) = app.store.profiles()
    assert (profile.channel, profile.age, profile.relation) == ("papier", "65+", ("woont",))
    assert app.paper_age.value == "" and not app.paper_relation["woont"].value
    app.paper_buurt.value = code  # a form without answers stores no background
    app.paper_theme.value = "wonen"
    app.paper_text.value = "Nog een formulier."
    app.paper_save.click()
    assert len(app.store.profiles()) == 1 and app.store.count() == 2


def test_an_action_draws_the_open_tab_only_and_leaves_no_widget_behind(app, area):
    from ipywidgets.widgets.widget import _instances  # every open model of this kernel

    for _ in range(PAGE_SIZE + 3):  # a full page in every list
        add(app, area)
    opened = [0]
    real_open = w.Widget.open

    def counting(widget):
        opened[0] += 1
        return real_open(widget)

    app.tabs.selected_index = 6  # Avonden: a short list
    w.Widget.open = counting
    try:
        app.refresh()
        lazy = opened[0]
        opened[0] = 0
        app.look()  # the moderator opens every list tab in turn
        drawn = opened[0]
    finally:
        w.Widget.open = real_open
    assert lazy < 30 < 10 * lazy < drawn, (lazy, drawn)  # the lists are hundreds of models
    before = len(_instances)
    for _ in range(3):  # drawn again and again: their old widgets, layouts, styles closed
        app.refresh()
        app.look()
    assert len(_instances) == before

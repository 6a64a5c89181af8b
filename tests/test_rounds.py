"""Issue 14: rounds. A reaction belongs to the round it was given in; outside an open round
the resident app says so, points to the answers, and stores nothing, whatever a page sends."""

from __future__ import annotations

import html
import json
from datetime import date, timedelta

import pytest
from shapely.geometry import shape

from omgeving._errors import ConfigError, ValidationError
from omgeving.apps.resident import ResidentApp
from omgeving.config import RoundConfig, read_config
from omgeving.cycle import round_now
from omgeving.participation import Area, submit_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import Response
from tests.test_resident_app import send
from tests.xss import PAYLOADS

TODAY = date.today()


def with_rounds(root, *, ideas_open=True) -> None:
    """Give the project two rounds: 'ideeen' around today (or past), 'visie' later."""
    if ideas_open:
        start, end = TODAY - timedelta(days=10), TODAY + timedelta(days=10)
    else:
        start, end = TODAY - timedelta(days=40), TODAY - timedelta(days=5)
    later = TODAY + timedelta(days=60)
    config = root / "omgeving.toml"
    config.write_text(config.read_text() + f"""
[[rounds]]
slug = "ideeen"
title = "Ideeën"
title_en = "Ideas"
start = {start.isoformat()}
end = {end.isoformat()}
scenarios = ["compact-bouwen"]

[[rounds]]
slug = "visie"
title = "Concept-visie"
start = {later.isoformat()}
end = {(later + timedelta(days=30)).isoformat()}
""")


def start_of(app) -> str:
    """Return the HTML the start of the resident app shows (the invitation, or why not)."""
    return "".join(x.value for x in app.start_panel.children if hasattr(x, "value")
                   and isinstance(x.value, str) and x.value.startswith("<"))


@pytest.fixture
def inside(project_copy):
    data = json.loads((project_copy / "web" / "area.geojson").read_text())
    point = shape(data["features"][0]["geometry"]).representative_point()
    return {"type": "Point", "coordinates": [point.x, point.y]}


def test_rounds_are_read_from_the_configuration(project_copy):
    with_rounds(project_copy)
    config = read_config(project_copy)
    assert [r.slug for r in config.rounds] == ["ideeen", "visie"]
    ideas = config.rounds[0]
    assert (ideas.title, ideas.title_en, ideas.scenarios) == ("Ideeën", "Ideas",
                                                              ("compact-bouwen",))
    assert read_config(project_copy).to_toml().count("[[rounds]]") == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ('slug = "Ideeën"\ntitle = "x"\nstart = 2027-01-01\nend = 2027-02-01',
         "round slug 'Ideeën' must be lower-case"),
        ('slug = "a"\ntitle = "x"\nstart = 2027-03-01\nend = 2027-02-01',
         r"round 'a' ends on 2027-02-01, before it starts on 2027-03-01"),
        ('slug = "a"\ntitle = "x"\nstart = "maart"\nend = 2027-02-01',
         r"'start' of round 'a' is 'maart'; write a date like start = 2027-03-01"),
        ('slug = "a"\ntitle = "x"\nstart = 2027-01-01\nend = 2027-02-01\nscenarios = ["nee"]',
         r"round 'a' shows \['nee'\], but the project's scenarios are"),
        ('slug = "a"\ntitle = "x"\nstart = 2027-01-01\nend = 2027-02-01\nopen = "ja"',
         r"'open' of round 'a' must be true or false"),
    ],
)
def test_a_wrong_round_is_a_clear_error(project_copy, row, message):
    config = project_copy / "omgeving.toml"
    config.write_text(config.read_text() + f"\n[[rounds]]\n{row}\n")
    with pytest.raises(ConfigError, match=message):
        read_config(project_copy)


def test_which_round_is_open():
    from omgeving.config import ProjectConfig

    config = ProjectConfig(title="T", gemeenten=("GM0177",), rounds=(
        RoundConfig("ideeen", "Ideeën", "2027-01-01", "2027-02-28"),
        RoundConfig("beelden", "Toekomstbeelden", "2027-03-01", "2027-03-31", open=False),
        RoundConfig("visie", "Concept-visie", "2027-05-01", "2027-06-30")))
    day = date(2027, 1, 10)
    assert round_now(config, {}, day).current.slug == "ideeen"
    assert round_now(config, {"ideeen": False}, day).open is False  # staff closed it early
    now = round_now(config, {}, date(2027, 3, 10))  # closed in the file, despite its period
    assert (now.open, now.previous.slug, now.next.slug) == (False, "beelden", "visie")
    assert round_now(config, {"beelden": True}, date(2027, 3, 10)).current.slug == "beelden"
    now = round_now(config, {}, date(2026, 12, 1))
    assert (now.open, now.previous, now.next.slug) == (False, None, "ideeen")
    assert round_now(ProjectConfig(title="T", gemeenten=("GM0177",)), {}).open is True


def test_a_reaction_belongs_to_its_round_and_none_is_stored_when_closed(project_copy, inside):
    with_rounds(project_copy)
    project = open_project(project_copy)
    area = Area.from_web(project.web_dir)
    from omgeving.store import open_store

    def submit(store):
        return submit_reaction(store, project.config, id=new_reaction_id(), geometry=inside,
                               theme="wonen", text="Meer huizen", area=area, participant="p" * 32)

    with open_store(project.store_url()) as store:
        assert submit(store).round == "ideeen"
        assert store.set_round("ideeen", False, actor="Anna", reason="einde ronde")
        with pytest.raises(ValidationError, match="no round is open") as caught:
            submit(store)
        assert caught.value.key == "error.closed"
        assert store.count() == 1


def test_the_resident_app_says_a_round_is_closed_and_stores_nothing_when_tampered(
    project_copy, inside, monkeypatch
):
    with_rounds(project_copy)
    app = ResidentApp(project_copy)
    start = html.unescape(start_of(app))
    assert "U reageert in de ronde 'Ideeën'" in start
    assert app.form.modes in app.start_panel.children
    assert [v for _, v in app.scenario.options] == ["", "compact-bouwen"]  # the round's only
    rid = send(app, inside, text="In de ronde")
    assert app.ctx.store.get(rid).round == "ideeen"
    # a staff member closes the round; the open page notices within ROUND_SECONDS
    app.ctx.store.set_round("ideeen", False, actor="Anna", reason="einde ronde")
    monkeypatch.setattr("omgeving.apps.resident.ROUND_SECONDS", 0.0)
    app._tick()
    start = html.unescape(start_of(app))
    assert "Reageren kan nu niet" in start and "href='antwoorden'" in start
    assert "De ronde 'Ideeën' (" in start and ") is gesloten" in start
    assert "Reacties in deze ronde: 1. Een antwoord van de gemeente kregen er al 0." in start
    assert "De gemeente leest de reacties nu." in start
    # the municipality answers: the closed page shows the round's outcome, and yours
    theme = app.ctx.store.get(rid).theme
    app.ctx.store.save_response(Response(
        id="b" * 32, kind="theme", target=theme, verdict="deels overgenomen",
        text=f"We nemen het mee {PAYLOADS[0]}", ids=(rid,), round="ideeen"), actor="Anna")
    app.compose()
    start = start_of(app)
    assert PAYLOADS[0] not in start and html.escape(PAYLOADS[0], quote=False) in start
    start = html.unescape(start)
    assert "Een antwoord van de gemeente kregen er al 1." in start
    assert "Uw reacties in deze ronde: 1. Een antwoord kregen er al 1." in start
    assert "Deels overgenomen" in start or "deels overgenomen" in start
    assert app.form.modes not in app.start_panel.children
    # a tampering page sends a whole reaction anyway: nothing is stored
    n = app.ctx.store.count()
    send(app, inside, text="Na de ronde")
    assert "Deze ronde is gesloten" in app.form.status.value + app.form.drawing.message.value
    assert app.ctx.store.count() == n
    with pytest.raises(ValidationError):  # an agreement is new input too (the button's
        app.list._agree(rid)  # guard shows the message)
    assert app.ctx.store.get(rid).agrees == 0
    app.ctx.store.close()


def test_after_the_last_round_the_next_is_not_named(project_copy):
    with_rounds(project_copy, ideas_open=False)
    app = ResidentApp(project_copy)
    start = html.unescape(start_of(app))
    assert "De volgende ronde, 'Concept-visie', begint op" in start
    app.ctx.lang = "en"
    app.compose()
    assert "The round 'Ideas' (" in html.unescape(start_of(app))
    app.ctx.store.close()


def test_the_table_ties_its_reactions_to_the_evening_in_progress(project_copy, inside):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from omgeving import settings
    from omgeving.store import Evening, open_store

    today = datetime.now(ZoneInfo(settings.TIMEZONE)).date().isoformat()
    with open_store(open_project(project_copy).store_url()) as store:
        store.save_evening(Evening(id="e" * 32, day=today, place="Dorpshuis", visitors=30),
                           actor="Carla")
    kiosk = ResidentApp(project_copy, kiosk=True)
    rid = send(kiosk, inside, text="Aan de tafel")
    assert kiosk.ctx.store.get(rid).evening == "e" * 32
    online = ResidentApp(project_copy)
    rid = send(online, inside, text="Thuis")
    assert online.ctx.store.get(rid).evening is None  # only the table is in the hall
    kiosk.ctx.store.close()
    online.ctx.store.close()

"""Who we heard: background answers against the CBS kerncijfers, and links in the report."""

from __future__ import annotations

import re
from dataclasses import replace

import pandas as pd
import pytest
from shapely.geometry import shape

from omgeving._errors import ConfigError, ValidationError
from omgeving.analysis.representation import AGE_COLUMNS, inhabitants_per_band, representation
from omgeving.config import read_config
from omgeving.outputs.report import build_report
from omgeving.participation import Area, background_answers, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import Profile, open_store
from tests.xss import PAYLOADS


def buurten(*rows):
    """A kerncijfers table: (inwoners, percentages per band) per buurt."""
    table = pd.DataFrame([[n, *pct] for n, pct in rows],
                         columns=["aantal_inwoners", *AGE_COLUMNS.values()])
    return table


def profile(age, *relation, channel="online"):
    return Profile("2026-05-01", channel, age, tuple(relation))


def test_inhabitants_per_band_skips_cbs_secrets_and_water():
    table = buurten((1000, (10, 10, 30, 30, 20)), (-99997, (20, 20, 20, 20, 20)),
                    (500, (-99997, 20, 20, 20, 40)))
    table["water"] = ["NEE", "NEE", "NEE"]
    people = inhabitants_per_band(table)
    assert people.to_dict() == {"0-14": 100.0, "15-24": 200.0, "25-44": 400.0,
                                "45-64": 400.0, "65+": 400.0}
    assert inhabitants_per_band(table.drop(columns=AGE_COLUMNS["65+"])) is None


def test_the_score_is_the_lowest_rate_over_the_highest_and_names_who_we_missed():
    table = buurten((10_000, (20, 10, 25, 25, 20)))
    answers = ([profile("65+")] * 40 + [profile("45-64", "woont")] * 30
               + [profile("25-44", "werkt")] * 20 + [profile("15-24")] * 2
               + [profile(None, "bezoekt", channel="papier")])
    rep = representation(answers, table)
    rates = rep.table["per_1000"].round(2).to_dict()
    assert rates == {"0-14": 0.0, "15-24": 2.0, "25-44": 8.0, "45-64": 12.0, "65+": 20.0}
    assert rep.score == 0.0 and rep.under == ("0-14", "15-24", "25-44")
    assert rep.answered == 93 and rep.relations == {"woont": 30, "werkt": 20, "bezoekt": 1}
    assert rep.channels == {"online": 92, "papier": 1}
    even = representation([profile(b) for b in ("0-14", "15-24", "25-44", "45-64", "65+")
                           for _ in range(5)], buurten((1000, (20, 20, 20, 20, 20))))
    assert even.score == pytest.approx(1.0) and even.under == ()
    assert representation([], table).score is None  # nothing answered: no score
    assert representation(answers, None).score is None  # no kerncijfers: counts only


def test_background_answers_keep_only_what_the_project_asks(project_copy):
    project = open_project(project_copy)
    config = replace(project.config, background=("leeftijd",))
    with open_store(project.store_url()) as store:
        assert background_answers(store, config, "online", age="25-44", relation=["woont"])
        assert background_answers(store, config, "online", age=None, relation=["woont"]) is False
        assert background_answers(store, project.config, "papier", age="", relation=[]) is False
        for age, relation in (("99+", []), (None, ["<b>x</b>"])):
            with pytest.raises(ValidationError):
                background_answers(store, project.config, "online", age=age, relation=relation)
        assert [(p.age, p.relation) for p in store.profiles()] == [("25-44", ())]


@pytest.mark.parametrize("value", ["leeftijd", ["leeftijd", "geloof"], [1]])
def test_a_wrong_background_setting_is_a_clear_error(project_copy, value):
    path = project_copy / "omgeving.toml"
    text = path.read_text()
    line = f"background = {value!r}".replace("'", '"')
    path.write_text(text.replace("[project]\n", f"[project]\n{line}\n", 1))
    with pytest.raises(ConfigError, match=r"\[project\] background.*use some of 'leeftijd', "
                       r"'binding', or \[\] to ask none"):
        read_config(project_copy)


def test_the_report_counts_linked_reactions_once_and_says_who_we_did_not_hear(
    project_copy, tmp_path
):
    project = open_project(project_copy)
    area = Area.from_web(project.web_dir)
    _, _, polygon = area.buurten[0]
    point = polygon.representative_point().__geo_interface__
    texts = ["Graag een zebrapad bij de school aan de Dorpsstraat.",
             "De brug over de Wetering is te smal voor fietsers en auto's samen.",
             "Meer speelplekken voor kinderen in het park achter het dorpshuis.",
             f"Het dorpshuis moet blijven, anders verliest het dorp zijn hart. {PAYLOADS[0]}"]
    ids = []
    with open_store(project.store_url()) as store:
        for n, text in enumerate(texts):
            r = validate_reaction(id=new_reaction_id(), geometry=point, theme="voorzieningen",
                                  text=text, area=area, themes=project.config.themes,
                                  participant=f"{n:032x}")
            store.add(r)
            ids.append(r.id)
        # a moderator says the third and the fourth make one point; the analysis did not
        assert store.link(ids[2], ids[3], same=True, actor="Anna", reason="zelfde zorg")
        for _ in range(6):
            store.add_profile("online", age="65+", relation=("woont",))
        store.add_profile("papier", age="45-64", relation=("werkt",))
    files = build_report(project, tmp_path, pdf=False)
    page = files.html.read_text(encoding="utf-8")
    assert "4 reacties, 3 verschillende punten" in page
    assert "(1 koppeling door medewerkers)" in page
    section = page[page.index("id='gehoord'"):]
    assert "7 keer kwam er een antwoord, bij 4 deelnemers" in section
    assert "Representatiescore: 0,00" in section
    assert ("Weinig gehoord: <strong>jonger dan 15, 15 tot 25, 25 tot 45, 45 tot 65</strong>"
            in section)
    rows = re.findall(r"<tr( class='onder')?><th scope='row'>([^<]+)</th><td>(\d+)</td>", section)
    assert [(band, int(n)) for _, band, n in rows][-2:] == [("45 tot 65", 1), ("65 of ouder", 6)]
    assert "woont hier 6, werkt hier 1, komt op bezoek 0" in section
    assert PAYLOADS[0] not in page
    shape(point)  # the place used is a real one

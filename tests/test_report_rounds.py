"""Issue 14 in the participatieverslag: two rounds, an evening and responses, every reaction
accounted for exactly once per round with the response it got (or "nog geen reactie")."""

from __future__ import annotations

import html
import re
from dataclasses import replace

import pytest

from omgeving._errors import ValidationError
from omgeving.outputs.report import build_report
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import Evening, Response, open_store
from tests.test_cli import run
from tests.test_rounds import with_rounds
from tests.xss import PAYLOADS


@pytest.fixture
def cycle(project_copy):
    """Ten reactions in 'ideeen', four in 'visie', two from before rounds; an evening; three
    responses (a theme in 'ideeen', a concern, one reaction), with hostile texts."""
    with_rounds(project_copy)
    project = open_project(project_copy)
    area = Area.from_web(project.web_dir)
    point = area.boundary.representative_point().__geo_interface__
    ids: dict[str | None, list[str]] = {"ideeen": [], "visie": [], None: []}
    with open_store(project.store_url()) as store:
        store.save_evening(Evening(id="e" * 32, day="2026-03-12", place=f"Dorpshuis {PAYLOADS[2]}",
                                   visitors=41, scenarios=("compact-bouwen",),
                                   notes="Druk bezocht."), actor="Carla")
        for round_, n, theme in (("ideeen", 10, "wonen"), ("visie", 4, "mobiliteit"),
                                 (None, 2, "energie")):
            for k in range(n):
                r = validate_reaction(id=new_reaction_id(), geometry=point, theme=theme,
                                      text=f"Reactie {round_} {k}", area=area,
                                      themes=project.config.themes, participant=f"{k:032x}",
                                      channel="tafel" if k < 3 else "online")
                store.add(replace(r, round=round_, evening="e" * 32 if k < 3 else None))
                ids[round_].append(r.id)
        store.save_response(Response(id="1" * 32, kind="theme", target="wonen",
                                     verdict="deels overgenomen", round="ideeen",
                                     text=f"We bouwen aan de rand. {PAYLOADS[0]}",
                                     changes=("gio:visiegebied-rand",)), actor="Anna")
        store.save_response(Response(id="2" * 32, kind="concern", target="Oversteken Zwolseweg",
                                     verdict="overgenomen", text="Er komt een zebrapad.",
                                     ids=tuple(ids["visie"][:2]),
                                     changes=("scenario:compact-bouwen/zebrapad",)),
                            actor="Anna")
        store.save_response(Response(id="3" * 32, kind="reaction", target=ids[None][0],
                                     verdict="buiten de visie", text=f"Dat regelt de provincie. "
                                     f"{PAYLOADS[1]}"), actor="Bram")
    return project, ids


def annex_rows(page):
    return re.findall(r"<tr data-status='\w+'>(.*?)</tr>", page, flags=re.S)


def test_the_whole_project_accounts_for_every_reaction_once_per_round(cycle, tmp_path):
    project, ids = cycle
    page = build_report(project, tmp_path, pdf=False).html.read_text(encoding="utf-8")
    rows = dict(re.findall(r"<tr data-round='([\w-]*)'><th scope='row'>[^<]*</th><td>[^<]*</td>"
                           r"<td>(\d+)</td>", page))
    assert rows == {"ideeen": "10", "visie": "4", "": "2"}  # each reaction once, in its round
    assert "data-count='rounds-total'>16<" in page
    assert "Van de 16 reacties kregen <strong>13</strong> een antwoord" in page
    assert "<span data-count='not-yet'>3</span> nog geen reactie" in page
    annex = annex_rows(page)
    assert len(annex) == 16
    assert sum("nog geen reactie" in r for r in annex) == 3
    assert sum("gemeente (deels overgenomen, op het thema)" in r for r in annex) == 10
    assert sum("gemeente (overgenomen, op de zorg)" in r for r in annex) == 2
    assert sum("gemeente (buiten de visie, op deze reactie)" in r for r in annex) == 1
    # the chain: what was said, the response, what changed, the ids
    assert "Gezegd: 10 reacties" in page and "Wat veranderde: gio:visiegebied-rand" in page
    assert "Zorg: Oversteken Zwolseweg" in page and ids["visie"][0][:8] in page
    # the method reads the evening register
    assert "Avonden (uit het register van de gemeente): 1, met samen 41 bezoekers" in page
    assert "12-03-2026, Dorpshuis" in page
    assert "8 reacties in de zaal (8 aan de tafel, 0 met een telefoon" in page
    for payload in PAYLOADS[:3]:
        assert payload not in page  # staff texts escaped too
    assert html.escape(PAYLOADS[0]) in page or "&lt;" in page


def test_a_report_per_round(cycle, tmp_path):
    project, _ = cycle
    files = build_report(project, tmp_path, pdf=False, round="visie")
    assert files.html.name == "participatieverslag-visie.html" and files.reactions == 4
    page = files.html.read_text(encoding="utf-8")
    assert "Ronde Concept-visie, van" in page
    assert len(annex_rows(page)) == 4
    assert "Van de 4 reacties kregen <strong>2</strong> een antwoord" in page
    assert "We bouwen aan de rand" not in page  # the other round's response
    with pytest.raises(ValidationError, match="round 'ronde-9' is not one of the project's "
                       "rounds \\(ideeen, visie\\)"):
        build_report(project, tmp_path, pdf=False, round="ronde-9")
    done = run("report", str(project.root), "--no-pdf", "--out", str(tmp_path / "cli"),
               "--round", "ideeen")
    assert done.returncode == 0, done.stderr
    assert "accounts for all 10 reactions of round ideeen" in done.stdout

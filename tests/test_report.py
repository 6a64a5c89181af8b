"""The participatieverslag: every reaction accounted for, in HTML and in a PDF (Chromium)."""

from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import replace

import pytest
from shapely.geometry import Point

from omgeving._errors import OmgevingError, ValidationError
from omgeving.outputs.report import build_report, read_responses, respond
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.conftest import chromium_path, need
from tests.test_cli import run
from tests.xss import PAYLOADS

CHANNELS = ("online", "online", "online", "tafel", "papier", "staff")


@pytest.fixture(scope="module")
def busy(demo_project, tmp_path_factory):
    """The demo with 300 reactions over four channels, some hidden, erased and hostile."""
    root = tmp_path_factory.mktemp("verslag") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    project = open_project(root)
    area = Area.from_web(project.web_dir)
    minx, miny, maxx, maxy = area.boundary.bounds
    rng = random.Random(7)
    themes, slugs = project.config.themes, tuple(s.slug for s in project.config.scenarios)
    ids = []
    with open_store(project.store_url(), create=True) as store:
        while len(ids) < 300:
            point = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if not area.boundary.contains(point):
                continue
            n = len(ids)
            text = PAYLOADS[n % len(PAYLOADS)] if n % 25 == 0 else f"Reactie nummer {n}"
            r = validate_reaction(
                id=new_reaction_id(), geometry=point.__geo_interface__,
                theme=themes[n % len(themes)], text=text, area=area, themes=themes,
                participant=f"{n % 120:032x}", sentiment=n % 5 - 2,
                scenario=(None, *slugs)[n % 4], scenarios=slugs, channel=CHANNELS[n % 6])
            day = 10 + n % 3  # three evenings' worth of dates
            store.add(replace(r, created=f"2026-03-{day}T19:{n % 60:02d}:00+00:00"))
            ids.append(r.id)
        for n in range(40):
            store.agree(ids[5], f"{1000 + n:032x}")
        for rid in ids[10:20]:
            store.moderate(rid, "hide", actor="moderator", reason="persoonlijke aanval")
        store.erase_participant(f"{7:032x}", actor="privacy", reason="AVG-verzoek 3")
    respond(project, "We bouwen eerst aan de rand van de grootste kern.", theme="wonen",
            verdict="deels overgenomen")
    respond(project, "Dit nemen we op in het plan.", reaction=ids[5], verdict="overgenomen")
    return project


@pytest.fixture(scope="module")
def report(busy):
    need(chromium_path() is not None, "Chromium is not installed (scripts/setup --test)")
    return build_report(busy)


def store_counts(project) -> dict[str, int]:
    with open_store(project.store_url()) as store:
        statuses = [r.status for r in store.all()]
    return {"total": len(statuses), **{s: statuses.count(s) for s in set(statuses)}}


def test_the_html_accounts_for_every_reaction(busy, report):
    page = report.html.read_text(encoding="utf-8")
    counts = {k: int(v) for k, v in re.findall(r"data-count='(\w+)'>(\d+)<", page)}
    expected = store_counts(busy)
    assert counts["total"] == expected["total"] == report.reactions == 300
    for status in ("visible", "hidden", "erased"):
        assert counts[status] == expected[status] > 0
    annex = re.findall(r"<tr data-status='(\w+)'>", page)
    assert len(annex) == 300 and annex.count("hidden") == 10
    assert "persoonlijke aanval" in page and "AVG-verzoek 3" in page
    assert "We bouwen eerst aan de rand" in page and "Dit nemen we op in het plan." in page
    assert page.count("De gemeente heeft hierop nog niet gereageerd.") == 9
    assert "ondervertegenwoordigd" in page and "class='onder'" in page
    for payload in PAYLOADS:
        assert payload not in page  # every hostile text only appears escaped


def test_the_pdf_says_the_same_and_renders(busy, report, output_dir):
    need(shutil.which("pdftotext") is not None, "poppler-utils is not installed")
    assert report.pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(report.pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    expected = store_counts(busy)
    assert re.search(rf"Totaal aantal reacties\s+{expected['total']}\b", text)
    assert re.search(rf"verborgen\s+{expected['hidden']}\b", text)
    assert re.search(rf"gewist \(privacy\)\s+{expected['erased']}\b", text)
    assert f"Bijlage: alle {expected['total']} reacties" in text
    flowing = subprocess.run(["pdftotext", str(report.pdf), "-"], capture_output=True,
                             text=True, check=True).stdout
    assert "<script>" in flowing and "onerror" in flowing  # hostile texts printed as text
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(report.pdf)], capture_output=True, text=True).stdout).group(1))
    assert pages >= 6
    prefix = output_dir / "screenshots" / "verslag"
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "4", str(report.pdf),
                    str(prefix)], check=True)
    shots = sorted(output_dir.joinpath("screenshots").glob("verslag-*.png"))
    assert len(shots) >= 4 and all(s.stat().st_size > 10_000 for s in shots)


def test_responses_are_checked(busy):
    with pytest.raises(ValidationError, match="not a theme of the project"):
        respond(busy, "x", theme="ruimtevaart", verdict="overgenomen")
    with pytest.raises(ValidationError, match="no reaction with id"):
        respond(busy, "x", reaction="0" * 32, verdict="overgenomen")
    with pytest.raises(ValidationError, match="either theme= or reaction="):
        respond(busy, "x", verdict="overgenomen")
    with pytest.raises(ValidationError, match="verdict 'misschien' is not one of"):
        respond(busy, "x", theme="wonen", verdict="misschien")
    with open_store(busy.store_url()) as store:
        answers = {r.kind: r for r in store.responses()}
    assert answers["theme"].text.startswith("We bouwen")
    assert answers["theme"].verdict == "deels overgenomen" and answers["theme"].actor == "notebook"
    assert read_responses(busy).themes == {}  # the store holds them, no file any more


def test_without_chromium_the_pdf_is_a_clear_error(busy, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("CHROMIUM_PATH", raising=False)
    with pytest.raises(OmgevingError, match="apt-get install chromium"):
        build_report(busy, tmp_path)
    files = build_report(busy, tmp_path, pdf=False)
    assert files.pdf is None and files.html.exists()


def test_cli_report(busy, tmp_path):
    done = run("report", busy.root, "--out", tmp_path, "--no-pdf")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "participatieverslag.html").exists()
    assert "all 300 reactions" in done.stdout


def test_a_project_without_reactions_still_gets_a_report(project_copy, tmp_path):
    files = build_report(open_project(project_copy), tmp_path, pdf=False)
    page = files.html.read_text(encoding="utf-8")
    assert files.reactions == 0 and "data-count='total'>0<" in page
    assert "class='onder'" not in page  # nobody took part: no buurt stands out

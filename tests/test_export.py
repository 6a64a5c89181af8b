"""Exports: every reaction, hidden and erased ones too, safe for spreadsheets, from one snapshot."""

from __future__ import annotations

import csv
import json
import multiprocessing as mp
import time
from dataclasses import replace

import pyogrio
import pytest
from shapely.geometry import shape

from omgeving._errors import OmgevingError
from omgeving.exchange.export import export_reactions, formula_safe
from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.test_cli import one_error_line, run
from tests.xss import PAYLOADS


@pytest.fixture
def project(project_copy):
    return open_project(project_copy)


def add(project, text="Meer bomen", *, participant="p1", theme="wonen", scenario=None,
        where=None, buurt=True, **fields):
    area = Area.from_web(project.web_dir)
    point = where or area.boundary.representative_point()
    r = validate_reaction(
        id=new_reaction_id(), geometry=point.__geo_interface__, theme=theme, text=text,
        area=area, themes=project.config.themes, participant=participant, scenario=scenario,
        scenarios=tuple(s.slug for s in project.config.scenarios), **fields)
    if not buurt:
        r = replace(r, buurt=None)
    with open_store(project.store_url()) as store:
        store.add(r)
    return r


def test_every_reaction_with_status_reason_counts_and_buurt(project):
    shown = add(project, "Fietspad graag", scenario="spreiden", sentiment=2)
    hidden = add(project, "Scheldwoorden", participant="p2")
    gone = add(project, "Mijn adres is ...", participant="p3")
    lost_buurt = add(project, "Zonder buurt opgeslagen", buurt=False)
    with open_store(project.store_url()) as store:
        store.agree(shown.id, "p2")
        store.agree(shown.id, "p3")
        store.report(shown.id, "p2", "reclame")
        store.moderate(hidden.id, "hide", actor="moderator", reason="kwetsend")
        store.erase_participant("p3", actor="privacy", reason="AVG-verzoek 12")

    gpkg, geojson, table = export_reactions(project, ["gpkg", "geojson", "csv"])
    assert gpkg.parent == project.exports_dir and gpkg.name == "reacties.gpkg"

    rows = pyogrio.read_dataframe(gpkg, layer="reacties")
    assert rows.crs.to_epsg() == 28992 and len(rows) == 4
    by_id = rows.set_index("id")
    assert by_id.loc[shown.id, "instemmingen"] == 1  # p3's agreement went with p3
    assert by_id.loc[shown.id, "meldingen"] == 1
    assert by_id.loc[shown.id, "scenario_naam"] == "Spreiden over de kernen"
    assert (by_id.loc[hidden.id, "status"], by_id.loc[hidden.id, "reden"]) == (
        "hidden", "kwetsend")
    assert by_id.loc[gone.id, "status"] == "erased" and by_id.loc[gone.id, "tekst"] in ("", None)
    assert rows.set_index("id").geometry[gone.id] is None
    assert by_id.loc[shown.id, "buurtcode"] == shown.buurt and by_id.loc[shown.id, "buurtnaam"]
    assert by_id.loc[lost_buurt.id, "buurtcode"] == shown.buurt  # found from its place
    assert "p1" not in set(rows["deelnemer"]) and len(by_id.loc[shown.id, "deelnemer"]) == 12
    log = pyogrio.read_dataframe(gpkg, layer="moderatie")
    assert list(log["actie"]) == ["hide", "erase", "erase"]

    features = json.loads(geojson.read_text(encoding="utf-8"))["features"]
    assert {f["properties"]["id"] for f in features} == set(rows["id"])
    point = next(f for f in features if f["properties"]["id"] == shown.id)
    assert point["geometry"] == shown.geometry  # EPSG:4326, exactly as stored

    with table.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.DictReader(f, delimiter=";"))
    assert len(records) == 4
    assert shape_in_rd(records[0]["geometrie_wkt_rd"])


def shape_in_rd(wkt: str) -> bool:
    from shapely import wkt as shapely_wkt

    x, y = shapely_wkt.loads(wkt).coords[0]
    return 0 < x < 300_000 and 300_000 < y < 625_000


def test_csv_cells_are_safe_for_spreadsheets_and_keep_the_text(project):
    texts = ['=HYPERLINK("http://evil.example","klik")', "+31 6 1234", "-2 bomen te weinig",
             "@SUM(A1)", "\tTab", "gewoon", *PAYLOADS]
    for text in texts:
        add(project, text)
    with open_store(project.store_url()) as store:
        stored = [r.text for r in store.all()]
        store.moderate(store.all()[0].id, "hide", actor="=mod", reason="-reden")
    (table,) = export_reactions(project, ["csv"])
    with table.open(encoding="utf-8-sig", newline="") as f:
        records = list(csv.DictReader(f, delimiter=";"))
    for record in records:
        for column, value in record.items():
            assert not value.startswith(("=", "+", "@", "\t", "\r")), (column, value)
            if column != "sentiment":
                assert not value.startswith("-"), (column, value)
    assert [r["tekst"] for r in records] == [formula_safe(t) for t in stored]
    assert records[0]["reden"] == "'-reden"
    assert formula_safe(-2) == -2 and formula_safe("a=b") == "a=b"


def test_filter_by_scenario_and_choose_the_folder(project, tmp_path):
    add(project, "op spreiden", scenario="spreiden")
    add(project, "zonder scenario")
    (path,) = export_reactions(project, ["geojson"], out_dir=tmp_path / "uit",
                               scenario="spreiden")
    assert path == tmp_path / "uit" / "reacties-spreiden.geojson"
    features = json.loads(path.read_text(encoding="utf-8"))["features"]
    assert [f["properties"]["tekst"] for f in features] == ["op spreiden"]


def test_unknown_format_or_scenario_is_a_clear_error(project):
    with pytest.raises(OmgevingError, match="xlsx is not known; use one or more of gpkg"):
        export_reactions(project, ["xlsx"])
    with pytest.raises(OmgevingError, match=r"scenario 'nergens' is not in .*compact-bouwen"):
        export_reactions(project, ["csv"], scenario="nergens")


def _keep_writing(root: str, stop) -> None:
    project = open_project(root)
    n = 0
    while not stop.is_set():
        add(project, f"schrijver {n}")
        n += 1


def test_an_export_is_one_consistent_snapshot_while_kernels_write(project):
    for n in range(50):
        add(project, f"vooraf {n}")
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    writers = [ctx.Process(target=_keep_writing, args=(str(project.root), stop))
               for _ in range(3)]
    for p in writers:
        p.start()
    try:
        deadline = time.monotonic() + 120
        with open_store(project.store_url()) as store:
            while store.count() < 60 and time.monotonic() < deadline:  # the writers started
                time.sleep(0.1)
        counts = []
        for _ in range(3):
            (path,) = export_reactions(project, ["gpkg"])
            rows = pyogrio.read_dataframe(path, layer="reacties")
            with open_store(project.store_url()) as store:
                order = [r.id for r in store.all()]
            # a snapshot holds exactly the first N reactions the store acknowledged
            assert list(rows["id"]) == order[: len(rows)]
            counts.append(len(rows))
    finally:
        stop.set()
        for p in writers:
            p.join(30)
    assert counts == sorted(counts) and counts[-1] > 50
    assert not list(project.exports_dir.glob(".reacties-*"))  # no temporary file left


def test_cli_export_participant_and_purge(project, tmp_path):
    mine = add(project, "Van mij", participant="ab" * 16)
    add(project, "Van een ander", participant="cd" * 16)
    done = run("export", project.root, "--format", "gpkg,csv", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "reacties.gpkg").exists() and (tmp_path / "reacties.csv").exists()

    spaced = " ".join(("ab" * 16)[i : i + 4] for i in range(0, 32, 4))  # as the app shows it
    done = run("participant", project.root, spaced, "--export", tmp_path / "mijn.json")
    assert done.returncode == 0, done.stderr
    data = json.loads((tmp_path / "mijn.json").read_text(encoding="utf-8"))
    assert [r["text"] for r in data["reacties"]] == ["Van mij"]

    assert "needs --by NAME and --reason" in one_error_line(
        run("participant", project.root, "ab" * 16, "--erase"))
    assert "is not a code from the app" in one_error_line(
        run("participant", project.root, "bob", "--export", tmp_path / "x.json"))
    done = run("participant", project.root, "ab" * 16, "--erase", "--by", "J. de Vries",
               "--reason", "AVG-verzoek 2026-041")
    assert done.returncode == 0 and "Erased: 1 reactions" in done.stdout
    with open_store(project.store_url()) as store:
        assert store.get(mine.id).status == "erased"

    done = run("purge", project.root, "--dry-run")
    assert done.returncode == 0 and done.stdout.startswith("0 reactions are older than 730")
    config = project.root / "omgeving.toml"
    config.write_text(config.read_text().replace("retention_days = 730", "retention_days = 5"))
    assert "retention_days' is 5; use a whole number from 30" in one_error_line(
        run("purge", project.root))


def test_purge_uses_the_retention_period(project):
    old = add(project, "heel oud")
    with open_store(project.store_url()) as store:  # age the reaction past 730 days
        store._db.execute("UPDATE reactions SET created='2020-01-01T00:00:00+00:00' "
                          "WHERE id=?", (old.id,))
    add(project, "nieuw")
    done = run("purge", project.root)
    assert done.returncode == 0 and "Erased 1 reactions older than 730 days" in done.stdout
    with open_store(project.store_url()) as store:
        assert [r.status for r in store.all()] == ["erased", "visible"]
        assert store.audit_log()[-1].action == "purge"


def test_exported_geometries_match_the_store(project):
    r = add(project, "vlak")
    (path,) = export_reactions(project, ["gpkg"])
    rows = pyogrio.read_dataframe(path, layer="reacties").to_crs(4326)
    assert rows.geometry[0].equals_exact(shape(r.geometry), 1e-7)

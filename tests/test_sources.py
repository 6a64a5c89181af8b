"""Tests of omgeving.sources.catalogue: the Dutch layers and projects, against the fake PDOK."""

from __future__ import annotations

import logging
import subprocess
import sys

import geopandas as gpd
import pytest
import shapely

from omgeving._errors import ConfigError, ProjectError, ServiceError
from omgeving.project import open_project
from omgeving.sources import (
    SENTINELS,
    fetch_gemeenten_layers,
    init_project,
    read_buurten,
    read_gemeenten,
    read_natura2000,
    refresh_project,
)
from omgeving.sources.pdok import PDOKClient
from tests.conftest import ROOT
from tests.fakepdok import CRS84_URI, seed_features

RAALTE_DEVENTER = ["GM0177", "GM0150"]


@pytest.fixture
def client():
    with PDOKClient(progress=False, timeout=5, backoff=0.01) as client:
        yield client


@pytest.fixture
def quick():
    """Options for a client that gives up fast (for failure tests)."""
    return {"progress": False, "timeout": 1, "retries": 1}


def _seed_codes(collection: str, field: str, code: str) -> set[str]:
    return {
        f["properties"]["buurtcode"]
        for f in seed_features()[collection]
        if f["properties"][field] == code and f["properties"]["water"] == "NEE"
    }


def _items_params(fake, collection):
    return [r.params for r in fake.item_requests(collection)]


# -- layers ---------------------------------------------------------------------------------


def test_layers_for_two_gemeenten(fake_pdok, client):
    layers = fetch_gemeenten_layers(RAALTE_DEVENTER, client=client)
    assert set(layers) == {"gemeente", "buurten", "natura2000"}
    assert all(gdf.crs.to_epsg() == 28992 for gdf in layers.values())
    gemeente = layers["gemeente"]
    assert list(gemeente.columns) == ["gemeentecode", "gemeentenaam", "geometry"]
    assert list(gemeente["gemeentecode"]) == RAALTE_DEVENTER
    assert list(gemeente["gemeentenaam"]) == ["Raalte", "Deventer"]
    buurten = layers["buurten"]
    for column in ("buurtcode", "buurtnaam", "wijkcode", "wijknaam", "aantal_inwoners"):
        assert column in buurten
    assert set(buurten["gemeentecode"]) == set(RAALTE_DEVENTER)
    expected = _seed_codes("buurten", "gemeentecode", "GM0177")
    assert expected | _seed_codes("buurten", "gemeentecode", "GM0150") == set(buurten["buurtcode"])
    names = set(layers["natura2000"]["naam_n2k"])
    assert {"Sallandse Heuvelrug", "Boetelerveld"} <= names
    assert "Weerribben" not in names


def test_codes_are_normalised(fake_pdok, client):
    gemeente = read_gemeenten(["177", "gm150", "GM0177"], client=client)
    assert list(gemeente["gemeentecode"]) == RAALTE_DEVENTER


@pytest.mark.parametrize(
    ("codes", "message"),
    [
        (["GM9998"], "gemeente GM9998 is not known at PDOK .*e.g. GM0177 for Raalte"),
        (["Raalte"], "'Raalte' is not a CBS gemeente code"),
        ([], "no gemeente given"),
    ],
)
def test_wrong_gemeente_codes_fail_clearly(fake_pdok, client, codes, message):
    with pytest.raises(ConfigError, match=message):
        read_gemeenten(codes, client=client)


def test_brk_codes_match_both_fields_both_ways(fake_pdok, client):
    fake_pdok.refuse_filter("gemeentegebied", "code")  # only identificatie ('0177') is left
    gemeente = read_gemeenten(["GM0177"], client=client)
    assert list(gemeente["gemeentecode"]) == ["GM0177"]
    asked = _items_params(fake_pdok, "gemeentegebied")
    assert {"identificatie": "0177"}.items() <= asked[-1].items()


def test_brk_without_filters_is_read_whole_and_picked_client_side(fake_pdok, client):
    fake_pdok.refuse_filter("gemeentegebied", "code")
    fake_pdok.refuse_filter("gemeentegebied", "identificatie")
    gemeente = read_gemeenten(RAALTE_DEVENTER, client=client)
    assert list(gemeente["gemeentenaam"]) == ["Raalte", "Deventer"]
    asked = _items_params(fake_pdok, "gemeentegebied")
    assert len(asked) == 3  # code refused, identificatie refused, then the whole collection
    assert "code" not in asked[-1]
    assert "identificatie" not in asked[-1]


def test_buurten_filter_refused_falls_back_to_the_bbox(fake_pdok, client):
    fake_pdok.refuse_filter("buurten", "gemeentecode")
    gemeente = read_gemeenten(["GM0177"], client=client)
    buurten = read_buurten(gemeente, client=client)
    assert set(buurten["buurtcode"]) == _seed_codes("buurten", "gemeentecode", "GM0177")
    asked = _items_params(fake_pdok, "buurten")
    assert "bbox" in asked[-1]
    assert asked[-1]["bbox-crs"].endswith("/28992")


def test_buurten_filter_ignored_is_caught_client_side(fake_pdok, client, caplog):
    fake_pdok.ignore_filter("buurten", "gemeentecode")
    gemeente = read_gemeenten(["GM0177"], client=client)
    with caplog.at_level(logging.WARNING, logger="omgeving.sources.catalogue"):
        buurten = read_buurten(gemeente, client=client)
    assert set(buurten["gemeentecode"]) == {"GM0177"}
    assert set(buurten["buurtcode"]) == _seed_codes("buurten", "gemeentecode", "GM0177")
    assert "ignored the filter gemeentecode=GM0177" in caplog.text


def test_sentinels_become_nan_and_water_is_dropped(fake_pdok, client):
    gemeente = read_gemeenten(["GM0150", "GM1773"], client=client)
    buurten = read_buurten(gemeente, client=client)
    assert buurten["water"].unique().item() == "NEE"
    assert "IJssel" not in set(buurten["buurtnaam"])
    numbers = buurten.select_dtypes("number")
    assert not numbers.isin(SENTINELS).any().any()
    for column in ("aantal_huishoudens", "omgevingsadressendichtheid"):  # -99995, -99999999
        assert buurten[column].isna().sum() == 2
    assert buurten["percentage_personen_0_tot_15_jaar"].isna().sum() == 2  # -99997


def test_a_gemeente_without_buurten_fails_clearly(fake_pdok, client):
    nowhere = gpd.GeoDataFrame(
        {"gemeentecode": ["GM0148"], "gemeentenaam": ["Dalfsen"]},
        geometry=[shapely.box(210000, 500000, 220000, 510000)],
        crs=28992,
    )
    with pytest.raises(ServiceError, match="no buurten for GM0148 in wijken-en-buurten-2024"):
        read_buurten(nowhere, client=client)


def test_an_unpublished_year_fails_clearly(fake_pdok, client):
    gemeente = read_gemeenten(["GM0177"], client=client)
    with pytest.raises(ConfigError, match="wijken en buurten 2019 is not at PDOK"):
        read_buurten(gemeente, client=client, year=2019)


def test_natura2000_without_rd_is_read_in_crs84_and_projected(fake_pdok, client):
    gemeente = read_gemeenten(RAALTE_DEVENTER, client=client)
    rd = read_natura2000(gemeente, client=client)
    fake_pdok.collection("natura2000").crs = [CRS84_URI]
    with PDOKClient(progress=False) as fresh:
        projected = read_natura2000(gemeente, client=fresh)
    assert _items_params(fake_pdok, "natura2000")[-1]["crs"] == CRS84_URI
    assert projected.crs.to_epsg() == 28992
    assert list(projected["naam_n2k"]) == list(rd["naam_n2k"])
    assert projected.geom_equals_exact(rd, tolerance=0.5).all()


def test_gebouwen_are_read_by_tiles_once_each(fake_pdok, client):
    layers = fetch_gemeenten_layers(["GM0177"], client=client, bag=True)
    gebouwen = layers["gebouwen"]
    raalte = layers["gemeente"].geometry.iloc[0]
    expected = {
        f["properties"]["identificatie"]
        for f in seed_features()["pand"]
        if f["geometry"].intersects(raalte) and f["properties"]["status"] != "Pand gesloopt"
    }
    assert gebouwen["identificatie"].is_unique
    assert set(gebouwen["identificatie"]) == expected
    assert gebouwen.crs.to_epsg() == 28992
    assert set(gebouwen["gemeentecode"]) == {"GM0177"}
    assert len(fake_pdok.item_requests("pand")) > 10  # tiles, not one national request


# -- projects -------------------------------------------------------------------------------


def test_init_project_builds_a_project_that_reads_back_in_rd(fake_pdok, client, tmp_path):
    project = init_project(tmp_path / "salland", RAALTE_DEVENTER, client=client)
    assert project.config.title == "Omgevingsvisie Raalte en Deventer"
    assert project.config.gemeenten == tuple(RAALTE_DEVENTER)
    assert project.layer_names() == ["buurten", "gemeente", "natura2000"]
    for name in project.layer_names():
        assert project.read_layer(name).crs.to_epsg() == 28992
    assert any((project.cache_dir / "pdok").glob("*.json"))
    assert [p.name for p in tmp_path.iterdir()] == ["salland"]  # no stray temporary folder


def test_a_project_rebuilds_offline_from_its_cache(fake_pdok, client, tmp_path):
    project = init_project(tmp_path / "raalte", ["GM0177"], client=client)
    before = project.read_layer("buurten")
    fake_pdok.stop()
    with PDOKClient(offline=True) as offline:
        again = refresh_project(project, client=offline)
    assert again.read_layer("buurten").equals(before)


@pytest.mark.parametrize("failure", ["server down", "unknown code", "bad year"])
def test_a_failed_init_leaves_nothing_behind(fake_pdok, tmp_path, quick, failure):
    codes, year = (["GM9998"] if failure == "unknown code" else ["GM0177"]), 2024
    if failure == "server down":
        fake_pdok.stop()
    if failure == "bad year":
        year = 2019
    target = tmp_path / "nested" / "project"
    with PDOKClient(**quick) as client, pytest.raises((ServiceError, ConfigError)):
        init_project(target, codes, client=client, year=year)
    assert list(tmp_path.iterdir()) == []


def test_init_into_an_existing_empty_folder(fake_pdok, client, tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    project = init_project(target, ["GM0177"], client=client)
    assert any((project.cache_dir / "pdok").glob("*.json"))
    assert project.exports_dir.is_dir()
    assert [p.name for p in tmp_path.iterdir()] == ["empty"]


def test_init_refuses_a_folder_that_is_not_empty_before_fetching(fake_pdok, client, tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ProjectError, match="is not empty"):
        init_project(tmp_path, ["GM0177"], client=client)
    assert fake_pdok.requests == []


def test_init_runs_extra_on_the_staged_project(fake_pdok, client, tmp_path):
    seen = []

    def bake(staged):
        seen.append(staged.read_layer("gemeente")["gemeentecode"].tolist())
        (staged.web_dir / "baked.txt").write_text("ok", encoding="utf-8")

    project = init_project(tmp_path / "p", ["GM0177"], client=client, extra=bake)
    assert seen == [["GM0177"]]
    assert (project.web_dir / "baked.txt").read_text(encoding="utf-8") == "ok"


def test_refresh_project_keeps_reactions_and_scenarios(fake_pdok, client, tmp_path):
    project = init_project(tmp_path / "raalte", ["GM0177"], client=client)
    (project.root / "reactions.sqlite").write_bytes(b"SQLite format 3\x00 reactions")
    (project.scenarios_dir / "compact.geojson").write_text("{}", encoding="utf-8")
    asked = len(fake_pdok.requests)
    refreshed = refresh_project(project.root, client=client)
    assert len(fake_pdok.requests) > asked  # refresh asks the server again
    assert (refreshed.root / "reactions.sqlite").read_bytes().endswith(b"reactions")
    assert (refreshed.scenarios_dir / "compact.geojson").exists()
    assert refreshed.read_layer("gemeente")["gemeentecode"].tolist() == ["GM0177"]
    assert any((refreshed.cache_dir / "pdok").glob("*.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raalte"]


def test_a_failed_refresh_leaves_the_project_as_it_was(fake_pdok, client, tmp_path, quick):
    project = init_project(tmp_path / "raalte", ["GM0177"], client=client)
    (project.root / "reactions.sqlite").write_bytes(b"kept")
    cached = sorted(p.name for p in (project.cache_dir / "pdok").iterdir())
    fake_pdok.stop()
    with PDOKClient(**quick) as down, pytest.raises(ServiceError):
        refresh_project(project, client=down)
    again = open_project(project.root)
    assert again.layer_names() == ["buurten", "gemeente", "natura2000"]
    assert sorted(p.name for p in (project.cache_dir / "pdok").iterdir()) == cached
    assert (project.root / "reactions.sqlite").read_bytes() == b"kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["raalte"]


def test_init_overwrite_rebuilds_a_project_keeping_its_reactions(fake_pdok, client, tmp_path):
    target = tmp_path / "salland"
    init_project(target, ["GM0177"], client=client)
    (target / "reactions.sqlite").write_bytes(b"kept")
    with pytest.raises(ProjectError, match="already a project; pass --force"):
        init_project(target, RAALTE_DEVENTER, client=client)
    project = init_project(target, RAALTE_DEVENTER, client=client, overwrite=True)
    assert project.config.gemeenten == tuple(RAALTE_DEVENTER)
    assert set(project.read_layer("buurten")["gemeentecode"]) == set(RAALTE_DEVENTER)
    assert (target / "reactions.sqlite").read_bytes() == b"kept"
    fake_pdok.stop()
    with PDOKClient(offline=True) as offline:  # the swapped-in cache has both gemeenten
        assert len(refresh_project(project, client=offline).read_layer("gemeente")) == 2


def test_the_sources_package_exports_what_we_mean():
    import omgeving.sources as sources

    assert sorted(sources.__all__) == sorted([
        "BUURTEN", "CATALOGUE", "GEMEENTEGEBIED", "NATURA2000", "PANDEN", "SENTINELS",
        "CBSClient", "Layer", "PDOKClient", "Place", "RequestRefusedError",
        "fetch_gemeenten_layers", "init_project", "join_kerncijfers", "read_buurten",
        "read_gebouwen", "read_gemeenten", "read_natura2000", "refresh_project", "search_places",
    ])  # fmt: skip
    for name in sources.__all__:
        assert getattr(sources, name) is not None, name


@pytest.mark.parametrize("module", ["pdok", "cbs", "locatieserver", "catalogue"])
def test_a_source_module_loads_no_map_and_no_widget(module):
    code = (
        f"import sys, omgeving.sources.{module}; "
        "print([m for m in ('ipywidgets', 'ipyleaflet', 'omgeving.apps') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"

"""Tests of the fictional demo municipality (:mod:`omgeving.demo`)."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from omgeving import demo
from omgeving.config import StaffConfig
from omgeving.demo import build_demo, demo_config, demo_layers, demo_scenarios
from omgeving.project import open_project

LAYERS = (
    "gemeente",
    "kernen",
    "buurten",
    "landgebruik",
    "waterlopen",
    "wegen",
    "natura2000",
    "overstroming",
    "gebouwen",
)
SLUGS = ("compact-bouwen", "spreiden", "energielandschap")
AGE_COLUMNS = [
    "percentage_personen_0_tot_15_jaar",
    "percentage_personen_15_tot_25_jaar",
    "percentage_personen_25_tot_45_jaar",
    "percentage_personen_45_tot_65_jaar",
    "percentage_personen_65_jaar_en_ouder",
]
CBS_COLUMNS = [
    "buurtcode",
    "buurtnaam",
    "wijkcode",
    "wijknaam",
    "gemeentecode",
    "gemeentenaam",
    "aantal_inwoners",
    "mannen",
    "vrouwen",
    "aantal_huishoudens",
    "gemiddelde_huishoudsgrootte",
    *AGE_COLUMNS,
    "oppervlakte_totaal_in_ha",
    "bevolkingsdichtheid_inwoners_per_km2",
]
FUNCTIES = {
    "wonen",
    "werken",
    "energie-zon",
    "energie-wind",
    "natuur",
    "water",
    "recreatie",
    "mobiliteit",
    "landbouw",
    "voorzieningen",
}
USES = {
    "woonfunctie",
    "industriefunctie",
    "winkelfunctie",
    "bijeenkomstfunctie",
    "overige gebruiksfunctie",
}


@pytest.fixture(scope="module")
def layers() -> dict[str, gpd.GeoDataFrame]:
    return demo_layers()


@pytest.fixture(scope="module")
def scenarios(layers) -> dict[str, gpd.GeoDataFrame]:
    return demo_scenarios(layers)


@pytest.fixture(scope="module")
def gemeente(layers) -> shapely.Polygon:
    return layers["gemeente"].geometry.iloc[0]


def _digest(frames: dict[str, gpd.GeoDataFrame]) -> str:
    digest = hashlib.sha256()
    for name in sorted(frames):
        frame = frames[name]
        digest.update(name.encode())
        digest.update(b"".join(shapely.to_wkb(frame.geometry.to_numpy())))
        digest.update(frame.drop(columns="geometry").to_csv().encode())
    return digest.hexdigest()


def _area_outside(geoms, area) -> np.ndarray:
    return shapely.area(shapely.difference(geoms, area))


def test_public_names():
    assert sorted(demo.__all__) == [
        "DEMO_SEED",
        "build_demo",
        "demo_config",
        "demo_layers",
        "demo_scenarios",
    ]


def test_config_is_fictional_with_three_scenarios():
    config = demo_config()
    assert config.title == "Omgevingsvisie Voorbeeldgemeente 2040 (fictief)"
    assert config.gemeenten == ("GM9999",)
    assert config.fictional is True
    assert [s.slug for s in config.scenarios] == list(SLUGS)
    assert [s.name for s in config.scenarios] == [
        "Compact bouwen",
        "Spreiden over de kernen",
        "Energielandschap",
    ]
    assert all(len(s.description) > 80 for s in config.scenarios)


def test_every_layer_is_present(layers):
    assert tuple(layers) == LAYERS


@pytest.mark.parametrize("name", LAYERS)
def test_layer_is_valid_rd_new(layers, name):
    frame = layers[name]
    assert frame.crs.to_epsg() == 28992
    assert len(frame) > 0
    assert frame.is_valid.all()
    assert not frame.is_empty.any()
    minx, miny, maxx, maxy = frame.total_bounds
    assert 0 < minx < maxx < 300_000
    assert 300_000 < miny < maxy < 640_000


def test_gemeente_is_one_fictional_municipality_in_the_east(layers, gemeente):
    frame = layers["gemeente"]
    assert len(frame) == 1
    assert frame.gemeentecode.iloc[0] == "GM9999"
    assert "fictief" in frame.gemeentenaam.iloc[0]
    assert 120e6 <= gemeente.area <= 180e6
    assert gemeente.geom_type == "Polygon"
    assert gemeente.centroid.distance(shapely.Point(203_000, 488_000)) < 3_000


def test_kernen_have_one_main_core(layers, gemeente):
    kernen = layers["kernen"]
    assert 3 <= len(kernen) <= 5
    assert kernen.naam.is_unique
    assert (kernen.inwoners > 0).all()
    sizes = np.sort(kernen.inwoners.to_numpy())[::-1]
    assert sizes[0] > 1.5 * sizes[1]
    assert (_area_outside(kernen.geometry.to_numpy(), gemeente) < 1).all()
    assert kernen.inwoners.sum() < layers["buurten"].aantal_inwoners.sum()


def test_buurten_partition_the_gemeente(layers, gemeente):
    buurten = layers["buurten"]
    geoms = buurten.geometry.to_numpy()
    assert 12 <= len(buurten) <= 20
    assert shapely.coverage_is_valid(geoms)
    assert shapely.coverage_union_all(geoms).area == pytest.approx(gemeente.area, rel=1e-3)
    assert shapely.area(geoms).sum() == pytest.approx(gemeente.area, rel=1e-3)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.sum() < 1.0


def test_buurten_have_cbs_columns_and_consistent_figures(layers):
    buurten = layers["buurten"]
    assert list(buurten.columns) == [*CBS_COLUMNS, "geometry"]
    assert buurten.buurtcode.str.fullmatch(r"BU9999\d{4}").all()
    assert buurten.buurtcode.is_unique
    assert (buurten.buurtcode.str[2:8] == buurten.wijkcode.str[2:8]).all()
    assert buurten.wijkcode.str.fullmatch(r"WK9999\d{2}").all()
    assert (buurten.gemeentecode == "GM9999").all()
    assert (buurten[AGE_COLUMNS].sum(axis=1) == 100).all()
    assert (buurten.mannen + buurten.vrouwen == buurten.aantal_inwoners).all()
    assert (buurten.aantal_inwoners > 0).all()
    size = buurten.aantal_inwoners / buurten.aantal_huishoudens
    assert np.allclose(buurten.gemiddelde_huishoudsgrootte, size, atol=0.051)
    assert np.allclose(buurten.oppervlakte_totaal_in_ha, buurten.area / 1e4, atol=0.51)


def test_households_match_the_homes_in_each_buurt(layers):
    gebouwen = layers["gebouwen"]
    homes = gebouwen.loc[gebouwen.gebruiksdoel == "woonfunctie"].copy()
    homes["geometry"] = homes.centroid
    joined = homes.sjoin(layers["buurten"][["buurtcode", "geometry"]], predicate="within")
    n_homes = joined.groupby("buurtcode").aantal_verblijfsobjecten.sum()
    buurten = layers["buurten"].set_index("buurtcode")
    ratio = buurten.aantal_huishoudens / n_homes.reindex(buurten.index)
    assert ratio.between(0.9, 1.0).all()


def test_landgebruik_covers_the_gemeente_with_every_class(layers, gemeente):
    landgebruik = layers["landgebruik"]
    geoms = landgebruik.geometry.to_numpy()
    assert set(landgebruik.klasse) == {"landbouw", "bos", "natuur", "water", "bebouwd"}
    assert len(landgebruik) <= 500
    assert shapely.coverage_is_valid(geoms)
    assert shapely.area(geoms).sum() == pytest.approx(gemeente.area, rel=1e-3)
    share = landgebruik.area.groupby(landgebruik.klasse).sum() / gemeente.area
    assert share.idxmax() == "landbouw"
    assert share["landbouw"] > 0.5
    water = landgebruik.loc[landgebruik.klasse == "water"].union_all()
    river = layers["waterlopen"].sort_values("breedte_m").geometry.iloc[-1]
    assert (
        shapely.intersection(river, gemeente).length
        > 0.9 * shapely.intersection(river, water.buffer(1)).length
    )


def test_gebouwen_are_about_twenty_thousand_plausible_buildings(layers, gemeente):
    gebouwen = layers["gebouwen"]
    assert 19_000 <= len(gebouwen) <= 21_000
    assert gebouwen.identificatie.is_unique
    assert gebouwen.identificatie.str.fullmatch(r"99991\d{11}").all()
    assert set(gebouwen.gebruiksdoel) == USES
    assert (gebouwen.gebruiksdoel == "woonfunctie").mean() > 0.5
    assert gebouwen.bouwjaar.dtype.kind == "i"
    assert gebouwen.bouwjaar.between(1400, 2025).all()
    assert gebouwen.aantal_verblijfsobjecten.dtype.kind == "i"
    assert (gebouwen.aantal_verblijfsobjecten >= 0).all()
    area = gebouwen.area
    assert area.min() > 5
    assert 60 < area[gebouwen.gebruiksdoel == "woonfunctie"].median() < 200
    assert area[gebouwen.gebruiksdoel == "industriefunctie"].median() > 500
    assert (_area_outside(gebouwen.geometry.to_numpy(), gemeente) == 0).all()


def test_no_building_stands_in_water(layers):
    gebouwen = layers["gebouwen"].geometry.to_numpy()
    water = layers["landgebruik"].query("klasse == 'water'").geometry.to_numpy()
    assert len(shapely.STRtree(gebouwen).query(water, predicate="intersects")[0]) == 0
    lines = layers["waterlopen"].geometry.to_numpy()
    assert len(shapely.STRtree(gebouwen).query(lines, predicate="intersects")[0]) == 0


def test_buildings_do_not_overlap(layers):
    geoms = layers["gebouwen"].geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    assert (left == right).all()


def test_lines_and_nature(layers, gemeente):
    waterlopen, wegen = layers["waterlopen"], layers["wegen"]
    assert (waterlopen.geom_type == "LineString").all()
    assert len(waterlopen) >= 2
    assert waterlopen.breedte_m.max() >= 20
    assert (wegen.geom_type == "LineString").all()
    assert set(wegen.wegtype) == {"hoofdweg", "provinciale weg", "lokale weg"}
    assert wegen.geometry.apply(lambda line: not gemeente.contains(line)).any()
    n2k = layers["natura2000"]
    assert n2k.naam_n2k.str.contains("(fictief)", regex=False).all()
    assert (n2k.bescherming == "HR").all()
    assert n2k.intersects(gemeente).all()
    flood = layers["overstroming"]
    assert (flood.kans == "middelgroot").all()
    assert flood.intersects(waterlopen.geometry.iloc[0]).all()


def test_scenarios_lie_inside_the_gemeente(scenarios, gemeente):
    assert tuple(scenarios) == SLUGS
    for slug, frame in scenarios.items():
        assert list(frame.columns) == ["naam", "functie", "woningen", "mw", "tiphoogte_m",
                                       "geometry"], slug  # fmt: skip
        assert frame.crs.to_epsg() == 28992
        assert frame.is_valid.all() and not frame.is_empty.any()
        assert set(frame.functie) <= FUNCTIES
        assert (_area_outside(frame.geometry.to_numpy(), gemeente) < 1).all()
        assert gemeente.buffer(0.01).contains(frame.geometry).all()
        wind = frame.functie == "energie-wind"
        assert (frame.geom_type[wind] == "Point").all()
        assert frame.geom_type[~wind].isin(["Polygon", "MultiPolygon"]).all()
        assert (frame.area[~wind] > 2000).all()


def test_scenario_quantities(scenarios):
    for frame in scenarios.values():
        assert frame.woningen.dtype.kind == "i"
        wonen = frame.functie == "wonen"
        assert (frame.woningen[wonen] > 0).all() and (frame.woningen[~wonen] == 0).all()
        energy = frame.functie.str.startswith("energie")
        assert (frame.mw[energy] > 0).all() and (frame.mw[~energy] == 0).all()
        wind = frame.functie == "energie-wind"
        assert frame.tiphoogte_m[wind].between(200, 250).all()
        assert frame.mw[wind].between(4, 5.6).all()
        assert frame.tiphoogte_m[~wind].isna().all()


def test_compact_builds_at_the_main_core(layers, scenarios):
    compact = scenarios["compact-bouwen"]
    wonen = compact.loc[compact.functie == "wonen"]
    assert 3 <= len(wonen) <= 5
    assert 1_500 <= wonen.woningen.sum() <= 2_500
    main = layers["kernen"].sort_values("inwoners").geometry.iloc[-1]
    assert (wonen.distance(main) < 1).all()
    assert {"werken", "energie-zon", "natuur"} <= set(compact.functie)


def test_spreiden_builds_at_every_core(layers, scenarios):
    spreiden = scenarios["spreiden"]
    wonen = spreiden.loc[spreiden.functie == "wonen"]
    for kern in layers["kernen"].geometry:
        assert (wonen.distance(kern) < 1).any()
    total = scenarios["compact-bouwen"].woningen.sum()
    assert abs(wonen.woningen.sum() - total) < 0.25 * total
    flood = layers["overstroming"].union_all()
    assert (wonen.intersection(flood).area > 1_000).any()
    farmland = layers["landgebruik"].query("klasse == 'landbouw'").union_all()
    assert wonen.intersection(farmland).area.sum() > 0.5 * wonen.area.sum()


def test_energielandschap_has_turbines_near_homes(layers, scenarios):
    energie = scenarios["energielandschap"]
    turbines = energie.loc[energie.functie == "energie-wind"]
    assert 4 <= len(turbines) <= 8
    assert (energie.functie == "energie-zon").sum() >= 2
    gebouwen = layers["gebouwen"]
    homes = gebouwen.loc[gebouwen.gebruiksdoel == "woonfunctie"].geometry.to_numpy()
    near = shapely.STRtree(homes).query(turbines.geometry.to_numpy(), predicate="dwithin",
                                        distance=1_000)  # fmt: skip
    assert len(near[0]) > 0
    n2k = layers["natura2000"].union_all()
    assert (energie.intersection(n2k).area > 1_000).any()
    assert energie.woningen.sum() < scenarios["compact-bouwen"].woningen.sum()


def test_same_seed_gives_the_same_demo(layers, scenarios):
    assert _digest(demo_layers()) == _digest(layers)
    assert _digest(demo_scenarios(layers)) == _digest(scenarios)


def test_other_seed_gives_another_demo(layers):
    other = demo_layers(seed=1)
    assert _digest(other) != _digest(layers)
    assert 19_000 <= len(other["gebouwen"]) <= 21_000


@pytest.mark.parametrize("seed", [-1, 1.5, "9999", True])
def test_bad_seed_is_refused(seed):
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        demo_layers(seed=seed)


def test_build_demo_writes_a_project_that_reads_back(tmp_path, layers, scenarios):
    seen = []
    project = build_demo(tmp_path / "demo", extra=lambda staged: seen.append(staged.root))
    assert len(seen) == 1
    opened = open_project(tmp_path / "demo")
    assert opened.root == project.root
    assert opened.config.fictional
    assert replace(opened.config, staff=StaffConfig()) == demo_config()
    assert len(opened.config.staff.token) >= 20  # a fresh staff login token per project
    assert opened.layer_names() == sorted(LAYERS)
    for name in LAYERS:
        assert_geodataframe_equal(opened.read_layer(name), layers[name])
    for slug in SLUGS:
        written = gpd.read_file(opened.scenario_path(slug))
        assert written.crs.to_epsg() == 28992
        assert list(written.naam) == list(scenarios[slug].naam)
        assert np.allclose(written.area, scenarios[slug].area)

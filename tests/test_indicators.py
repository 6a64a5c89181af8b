"""Tests of omgeving.indicators: tiny hand-made RD geometries with known answers, and the demo.

The tiny world (RD metres, relative to ``X0, Y0`` near Raalte) is 2 × 1 km: buurt West
(x 0-1000, 300 inhabitants) and buurt Oost (x 1000-2000, 100 inhabitants, all farmland), a
village core in West, Natura 2000 in the north-east corner of Oost, a flood-prone strip along
the south, and five buildings:

====  ===========================  =====  ===============  =================================
name  use                          homes  where            distance to the turbine at T
====  ===========================  =====  ===============  =================================
A     woonfunctie                  1      West, in core    far
B     woonfunctie (flats)          4      West             far
C     woonfunctie                  1      Oost             390 m
D     industriefunctie             1      Oost             400 m (no homes)
E     woonfunctie,winkelfunctie    2      Oost             214.7 m
====  ===========================  =====  ===============  =================================

So West has 5 homes (60 inhabitants per home) and Oost 3 (33.3 per home).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, box

from omgeving._errors import LayerError
from omgeving.indicators import (
    HOUSEHOLD_KWH,
    INDICATORS,
    SOLAR_FULL_LOAD_HOURS,
    WIND_FULL_LOAD_HOURS,
    Layers,
    Result,
    compare,
    compute,
    evaluate,
    indicator,
    interventions_of,
    register,
)
from omgeving.project import open_project

X0, Y0 = 200_000.0, 480_000.0
WEST, OOST = "BU00010001", "BU00010002"
T = (1300, 300)  # a wind turbine, in Oost
BUILT_IN = [
    "hectares",
    "homes",
    "solar_mw",
    "wind_mw",
    "electricity_share",
    "farmland",
    "natura2000",
    "flood_zone",
    "homes_near_wind",
    "homes_near_core",
    "buildings_affected",
    "inhabitants_affected",
]
DEMO = ("compact-bouwen", "spreiden", "energielandschap")


def sq(minx: float, miny: float, maxx: float, maxy: float) -> Polygon:
    """A rectangle in the tiny world (coordinates relative to X0, Y0)."""
    return box(X0 + minx, Y0 + miny, X0 + maxx, Y0 + maxy)


def pt(x: float, y: float) -> Point:
    return Point(X0 + x, Y0 + y)


def frame(data: dict, geoms: list) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(data, geometry=geoms, crs=28992)


def world() -> dict[str, gpd.GeoDataFrame]:
    """The tiny world's layers (fresh frames for every test)."""
    return {
        "gemeente": frame({"gemeentecode": ["GM0001"]}, [sq(0, 0, 2000, 1000)]),
        "buurten": frame(
            {
                "buurtcode": [WEST, OOST],
                "aantal_inwoners": [300, 100],
                "aantal_huishoudens": [120, 40],
            },
            [sq(0, 0, 1000, 1000), sq(1000, 0, 2000, 1000)],
        ),
        "kernen": frame({"naam": ["Dorp"], "inwoners": [300]}, [sq(100, 100, 400, 400)]),
        "landgebruik": frame(
            {"klasse": ["bebouwd", "landbouw"]}, [sq(0, 0, 1000, 1000), sq(1000, 0, 2000, 1000)]
        ),
        "natura2000": frame({"naam_n2k": ["Veen"]}, [sq(1500, 500, 2000, 1000)]),
        "overstroming": frame({"kans": ["middelgroot"]}, [sq(0, 0, 2000, 200)]),
        "gebouwen": frame(
            {
                "identificatie": list("ABCDE"),
                "gebruiksdoel": [
                    "woonfunctie",
                    "woonfunctie",
                    "woonfunctie",
                    "industriefunctie",
                    "woonfunctie,winkelfunctie",
                ],
                "aantal_verblijfsobjecten": [1, 4, 1, 1, 2],
            },
            [
                sq(200, 200, 210, 210),
                sq(600, 600, 620, 620),
                sq(1290, 690, 1300, 700),
                sq(1700, 300, 1720, 320),
                sq(1400, 100, 1410, 110),
            ],
        ),
    }


def plan(*rows: tuple) -> gpd.GeoDataFrame:
    """Interventions from ``(functie, geometry, woningen, mw)`` rows."""
    return frame(
        {
            "naam": [f"ingreep {k}" for k in range(len(rows))],
            "functie": [r[0] for r in rows],
            "woningen": [r[2] if len(r) > 2 else 0 for r in rows],
            "mw": [r[3] if len(r) > 3 else 0.0 for r in rows],
            "tiphoogte_m": [200.0 if r[0] == "energie-wind" else np.nan for r in rows],
        },
        [r[1] for r in rows],
    )


def run(key: str, interventions, **params) -> Result:
    return INDICATORS[key](interventions, world(), **params)


def per_buurt(result: Result) -> dict[str, float]:
    return {code: pytest.approx(v) for code, v in result.per_buurt.items()}


EMPTY = plan()
OUTSIDE = plan(
    ("wonen", sq(3000, 0, 3100, 100), 50),
    ("energie-zon", sq(3000, 200, 3100, 300), 0, 1.0),
    ("energie-wind", pt(2600, 300), 0, 5.6),
)
AFFECTING = plan(
    ("wonen", sq(190, 190, 250, 250), 20),  # overlaps A
    ("natuur", sq(620, 600, 700, 700)),  # shares only an edge with B
    ("energie-wind", pt(*T), 0, 5.6),
)


# -- every indicator with known answers --------------------------------------------------------


def test_hectares_per_function_and_per_buurt():
    result = run("hectares", plan(
        ("wonen", sq(500, 500, 600, 600), 10),  # 1 ha in West
        ("natuur", sq(900, 0, 1100, 100)),  # 2 ha, half in each buurt
        ("energie-wind", pt(*T), 0, 5.6),  # a point: no area
    ))  # fmt: skip
    assert result.value == pytest.approx(3.0)
    assert result.unit == "ha"
    assert result.by["wonen"] == pytest.approx(1.0)
    assert result.by["natuur"] == pytest.approx(2.0)
    assert result.by.drop(["wonen", "natuur"]).eq(0).all()
    assert per_buurt(result) == {WEST: 2.0, OOST: 1.0}
    assert result.per_buurt.name == "hectares"
    assert result.per_buurt.index.name == "buurtcode"


def test_overlapping_functions_count_for_each_but_once_in_the_total():
    result = run("hectares", plan(
        ("natuur", sq(0, 500, 200, 600)), ("water", sq(100, 500, 300, 600))
    ))  # fmt: skip
    assert (result.by["natuur"], result.by["water"]) == (pytest.approx(2.0), pytest.approx(2.0))
    assert result.value == pytest.approx(3.0)


def test_a_multipolygon_counts_in_every_buurt_it_touches():
    two = MultiPolygon([sq(500, 500, 600, 600), sq(1500, 100, 1600, 200)])
    assert run("hectares", plan(("wonen", two, 100))).value == pytest.approx(2.0)
    homes = run("homes", plan(("wonen", two, 100)))
    assert homes.value == pytest.approx(100)
    assert per_buurt(homes) == {WEST: 50.0, OOST: 50.0}


def test_an_intervention_partly_outside_counts_only_inside():
    half = plan(
        ("wonen", sq(1900, 400, 2100, 500), 120), ("energie-zon", sq(1950, 0, 2050, 100), 0, 8.0)
    )
    assert run("hectares", half).value == pytest.approx(1.0 + 0.5)
    assert run("homes", half).value == pytest.approx(60)
    assert run("solar_mw", half).value == pytest.approx(4.0)
    assert per_buurt(run("homes", half)) == {WEST: 0.0, OOST: 60.0}


@pytest.mark.parametrize("interventions", [EMPTY, OUTSIDE], ids=["empty", "outside"])
def test_empty_and_outside_scenarios_give_zeros(interventions):
    table = evaluate(interventions, world()).set_index("key")
    assert list(table.index) == BUILT_IN
    assert table["value"].drop("homes_near_core").eq(0).all()
    assert np.isnan(table.loc["homes_near_core", "value"])  # no new homes: no share
    for key, result in compute(interventions, world()).items():
        if result.per_buurt is not None:
            assert result.per_buurt.to_dict() == {WEST: 0.0, OOST: 0.0}, key


def test_homes_are_the_sum_of_woningen():
    result = run(
        "homes", plan(("wonen", sq(100, 500, 200, 600), 30), ("werken", sq(0, 0, 50, 50), 4))
    )
    assert result.value == pytest.approx(34)
    assert result.unit == "woningen"
    assert INDICATORS["homes"].unit_in("en") == "homes"


def test_solar_and_wind_capacity():
    both = plan(
        ("energie-zon", sq(1100, 500, 1200, 600), 0, 2.5),
        ("energie-wind", pt(*T), 0, 5.6),
        ("energie-wind", pt(1000, 500), 0, 4.0),  # on the border of the two buurten
        ("energie-wind", pt(2500, 500), 0, 5.6),  # outside
    )
    assert run("solar_mw", both).value == pytest.approx(2.5)
    wind = run("wind_mw", both)
    assert wind.value == pytest.approx(9.6)
    assert per_buurt(wind) == {WEST: 2.0, OOST: 7.6}  # the border turbine is not counted twice


def test_electricity_share_with_stated_and_default_assumptions():
    energy = plan(
        ("energie-zon", sq(1100, 500, 1200, 600), 0, 0.1), ("energie-wind", pt(*T), 0, 0.1)
    )
    params = {"solar_hours": 1000, "wind_hours": 2000, "household_kwh": 2500}
    result = run("electricity_share", energy, **params)  # use: 160 households × 2.5 MWh
    assert result.value == pytest.approx(75.0)
    assert result.by.to_dict() == {
        "energie-zon": pytest.approx(25.0),
        "energie-wind": pytest.approx(50.0),
    }
    total = run("electricity_share", energy, electricity_use_mwh=1000, solar_hours=1000)
    assert total.value == pytest.approx(10 + 0.1 * WIND_FULL_LOAD_HOURS / 10)
    default = run("electricity_share", energy).value
    produced = 0.1 * SOLAR_FULL_LOAD_HOURS + 0.1 * WIND_FULL_LOAD_HOURS
    assert default == pytest.approx(100 * produced / (160 * HOUSEHOLD_KWH / 1000))
    assert math.isnan(run("electricity_share", energy, electricity_use_mwh=0).value)


def test_farmland_converted_leaves_out_landbouw():
    result = run("farmland", plan(
        ("werken", sq(900, 0, 1100, 100)),  # 1 ha of it on farmland
        ("natuur", sq(1500, 300, 1600, 400)),  # 1 ha
        ("landbouw", sq(1700, 0, 1800, 100)),  # stays farmland
    ))  # fmt: skip
    assert result.value == pytest.approx(2.0)
    assert "landbouw" not in result.by
    assert per_buurt(result) == {WEST: 0.0, OOST: 2.0}
    built = run("farmland", plan(("werken", sq(900, 0, 1100, 100))), farmland_classes=["bebouwd"])
    assert built.value == pytest.approx(1.0)
    assert per_buurt(built) == {WEST: 1.0, OOST: 0.0}


def test_natura2000_overlap_leaves_out_nature_and_water():
    result = run("natura2000", plan(
        ("energie-zon", sq(1400, 400, 1600, 600), 0, 4.0),  # 1 ha of 4 inside
        ("natuur", sq(1800, 800, 1900, 900)),
        ("water", sq(1700, 800, 1800, 900)),
    ))  # fmt: skip
    assert result.value == pytest.approx(1.0)
    assert result.by["energie-zon"] == pytest.approx(1.0)
    assert "natuur" not in result.by and "water" not in result.by


def test_area_in_the_flood_zone_leaves_out_water():
    result = run(
        "flood_zone", plan(("wonen", sq(0, 100, 100, 300), 10), ("water", sq(500, 0, 900, 200)))
    )
    assert result.value == pytest.approx(1.0)
    assert per_buurt(result) == {WEST: 1.0, OOST: 0.0}


def test_homes_near_a_wind_turbine_existing_and_new():
    scenario = plan(
        ("energie-wind", pt(*T), 0, 5.6),
        ("wonen", sq(1200, 400, 1300, 500), 40),  # farthest corner 224 m from T
        ("wonen", sq(100, 800, 200, 900), 30),  # far away
    )
    result = run("homes_near_wind", scenario)  # C (1) and E (2) exist; D has no homes
    assert result.value == pytest.approx(43)
    assert result.by.to_dict() == {"bestaand": 3.0, "nieuw": pytest.approx(40.0)}
    assert per_buurt(result) == {WEST: 0.0, OOST: 43.0}
    closer = run("homes_near_wind", scenario, wind_distance_m=300)  # C is 390 m away
    assert closer.value == pytest.approx(42)


def test_new_homes_partly_near_a_turbine_count_by_area():
    turbine = pt(1000, 500)
    half = plan(("energie-wind", turbine, 0, 1.0), ("wonen", sq(900, 400, 1000, 600), 100))
    exact = shapely.intersection(sq(900, 400, 1000, 600), turbine.buffer(150, quad_segs=256)).area
    result = run("homes_near_wind", half, wind_distance_m=150)
    assert result.by["nieuw"] == pytest.approx(100 * exact / 20_000, rel=1e-3)


def test_share_of_new_homes_within_walking_distance_of_a_core():
    result = run("homes_near_core", plan(
        ("wonen", sq(400, 100, 500, 200), 50),  # next to the core
        ("wonen", sq(1100, 100, 1300, 200), 50),  # 700-900 m: half within 800 m
        ("wonen", sq(1500, 100, 1600, 200), 50),  # 1100 m
        ("natuur", sq(400, 500, 500, 600)),  # no homes
    ))  # fmt: skip
    assert result.value == pytest.approx(50.0)
    assert result.unit == "%"
    assert run("homes_near_core", plan(("wonen", sq(1500, 100, 1600, 200), 5)),
               walking_distance_m=1200).value == pytest.approx(100.0)  # fmt: skip


def test_buildings_affected_by_overlap_or_turbine_distance():
    result = run("buildings_affected", AFFECTING)  # A by overlap; C, D, E by the turbine
    assert result.value == 4
    assert result.by[["wonen", "natuur", "energie-wind"]].tolist() == [1, 0, 3]
    assert per_buurt(result) == {WEST: 1.0, OOST: 3.0}
    assert run("buildings_affected", AFFECTING, wind_distance_m=300).value == 2  # A and E


def test_inhabitants_affected_per_buurt():
    result = run("inhabitants_affected", AFFECTING)
    assert per_buurt(result) == {WEST: 60.0, OOST: 100.0}  # 1 × 300/5; 3 × 100/3
    assert result.value == pytest.approx(160)
    fewer = run("inhabitants_affected", AFFECTING, wind_distance_m=300)  # C is out
    assert per_buurt(fewer) == {WEST: 60.0, OOST: pytest.approx(200 / 3)}


def test_unknown_inhabitants_stay_unknown_where_homes_are_hit():
    layers = world()
    layers["buurten"]["aantal_inwoners"] = [np.nan, 100.0]
    result = INDICATORS["inhabitants_affected"](AFFECTING, layers)
    assert np.isnan(result.per_buurt[WEST])
    assert result.value == pytest.approx(100)


# -- inputs ----------------------------------------------------------------------------------


def test_a_scenario_object_a_geojson_shape_and_an_invalid_polygon_are_accepted():
    bowtie = Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])
    raw = plan(("wonen", bowtie, 10)).astype({"tiphoogte_m": object, "woningen": "int32"})
    raw.loc[0, "tiphoogte_m"] = None
    result = run("hectares", SimpleNamespace(interventions=raw))
    assert result.value == pytest.approx(0.5)  # two triangles of 0.25 ha


def test_missing_quantity_columns_default_and_missing_functie_is_refused():
    bare = gpd.GeoDataFrame({"functie": ["wonen"]}, geometry=[sq(0, 0, 100, 100)], crs=28992)
    found = interventions_of(bare)
    assert found[["woningen", "mw"]].iloc[0].tolist() == [0.0, 0.0]
    assert np.isnan(found["tiphoogte_m"].iloc[0])
    with pytest.raises(LayerError, match=r"no column 'functie'.*wonen, werken"):
        interventions_of(bare.drop(columns="functie"))
    with pytest.raises(LayerError, match=r"no CRS.*set_crs"):
        interventions_of(bare.set_crs(None, allow_override=True))


def test_layers_and_interventions_in_another_crs_are_reprojected():
    layers = {name: gdf.to_crs(4326) for name, gdf in world().items()}
    result = INDICATORS["hectares"](plan(("wonen", sq(500, 500, 600, 600))).to_crs(4326), layers)
    assert result.value == pytest.approx(1.0, rel=1e-6)


def test_layers_are_read_once_and_only_when_needed(demo_project):
    layers = Layers(open_project(demo_project))
    assert "gebouwen" in layers and layers.loaded == ()
    compute(_demo_scenario(demo_project, "compact-bouwen"), layers, ["homes", "hectares"])
    assert sorted(layers.loaded) == ["buurten", "gemeente"]
    assert layers["buurten"] is layers["buurten"]


@pytest.mark.parametrize("key", BUILT_IN)
def test_each_indicator_needs_only_the_layers_it_names(key):
    layers = {name: gdf for name, gdf in world().items() if name in INDICATORS[key].needs}
    assert isinstance(INDICATORS[key](AFFECTING, layers).value, float | int)


def test_missing_layers_keys_and_parameters_are_named():
    layers = {name: gdf for name, gdf in world().items() if name != "gebouwen"}
    found = evaluate(AFFECTING, layers)  # without keys: what the layers allow
    assert "buildings_affected" not in set(found["key"]) and "homes" in set(found["key"])
    with pytest.raises(LayerError, match=r"'buildings_affected' needs the layer.*gebouwen"):
        evaluate(AFFECTING, layers, ["buildings_affected"])
    with pytest.raises(LayerError, match="no layer 'gebouwen'; there are: gemeente"):
        INDICATORS["buildings_affected"](AFFECTING, layers)
    with pytest.raises(ValueError, match="no indicator 'parking'; there are: hectares"):
        evaluate(AFFECTING, world(), ["parking"])
    with pytest.raises(ValueError, match=r"parameter.*wind_distance.*take: .*wind_distance_m"):
        evaluate(AFFECTING, world(), params={"wind_distance": 400})
    with pytest.raises(ValueError, match="'homes' has no parameter wind_distance_m"):
        INDICATORS["homes"](AFFECTING, world(), wind_distance_m=400)


# -- registry, evaluate, compare -------------------------------------------------------------


@pytest.fixture
def registry():
    """Restore the registry after a test registers indicators."""
    before = dict(INDICATORS)
    yield INDICATORS
    INDICATORS.clear()
    INDICATORS.update(before)


def test_a_planner_registers_an_indicator_in_a_few_lines(registry):
    @indicator("parking", name_nl="Parkeerplaatsen", name_en="Parking spaces", unit="plaatsen",
               explanation_nl="{per_home:g} plaats per woning.",
               explanation_en="{per_home:g} spaces per home.")  # fmt: skip
    def parking(interventions, layers, *, per_home=1.5):
        return per_home * interventions["woningen"].sum()

    scenario = plan(("wonen", sq(100, 500, 200, 600), 30))
    assert parking(scenario, world()).value == pytest.approx(45)
    table = evaluate(scenario, world(), ["homes", "parking"], params={"per_home": 2})
    assert table.set_index("key").loc["parking", ["name", "unit", "value"]].tolist() == [
        "Parkeerplaatsen", "plaatsen", 60.0
    ]  # fmt: skip
    assert registry["parking"].explain("en", per_home=2) == "2 spaces per home."
    assert registry["parking"].needs == ("gemeente",)
    with pytest.raises(ValueError, match="'parking' is registered already; pass replace=True"):
        register("parking", parking.function, **_meta(parking))
    assert register("parking", len, replace=True, **_meta(parking)).function is len


def _meta(found) -> dict:
    return {name: getattr(found, name) for name in
            ("name_nl", "name_en", "unit", "explanation_nl", "explanation_en")}  # fmt: skip


def test_every_built_in_indicator_explains_itself_in_both_languages():
    assert list(INDICATORS)[: len(BUILT_IN)] == BUILT_IN
    for key in BUILT_IN:
        found = INDICATORS[key]
        for language in ("nl", "en"):
            text = found.explain(language)
            assert len(text) > 80 and "{" not in text, (key, language)
            assert found.title(language)
    assert "2550 kWh" in INDICATORS["electricity_share"].explain("nl")
    assert "within 500 m" in INDICATORS["homes_near_wind"].explain("en")
    with pytest.raises(ValueError, match="language 'fr'"):
        INDICATORS["homes"].title("fr")


def test_evaluate_gives_one_row_per_indicator_in_either_language():
    table = evaluate(AFFECTING, world(), language="en")
    assert list(table.columns) == ["key", "name", "unit", "value"]
    assert list(table["key"]) == BUILT_IN
    row = table.set_index("key").loc["inhabitants_affected"]
    assert (row["name"], row["unit"]) == ("Inhabitants affected", "inhabitants")


def test_compare_has_a_column_per_scenario_and_differences():
    scenarios = {"nul": EMPTY, "plan": AFFECTING}
    table = compare(scenarios, world(), ["homes", "buildings_affected"]).set_index("key")
    assert list(table.columns) == ["name", "unit", "nul", "plan", "plan - nul"]
    assert table.loc["buildings_affected", ["nul", "plan", "plan - nul"]].tolist() == [0, 4, 4]
    other = compare(scenarios, world(), ["homes"], baseline="plan").set_index("key")
    assert other.loc["homes", "nul - plan"] == pytest.approx(-20)
    with pytest.raises(ValueError, match="baseline 'x' is not one of nul, plan"):
        compare(scenarios, world(), baseline="x")


# -- the demo project -------------------------------------------------------------------------


def _demo_scenario(project, slug: str) -> gpd.GeoDataFrame:
    return gpd.read_file(open_project(project).scenario_path(slug))


@pytest.fixture(scope="module")
def demo_results(demo_project):
    layers = Layers(open_project(demo_project))
    scenarios = {slug: _demo_scenario(demo_project, slug) for slug in DEMO}
    results = {slug: compute(s, layers) for slug, s in scenarios.items()}
    return compare(scenarios, layers).set_index("key"), results


def test_demo_scenarios_compare_sensibly(demo_results):
    table, _ = demo_results
    differences = ["spreiden - compact-bouwen", "energielandschap - compact-bouwen"]
    assert list(table.columns) == ["name", "unit", *DEMO, *differences]
    values = table[list(DEMO)]
    assert values.loc["homes", "spreiden"] == pytest.approx(
        values.loc["homes", "compact-bouwen"], abs=50
    )
    assert values.loc["homes", "energielandschap"] < values.loc["homes", "compact-bouwen"]
    assert values.loc["wind_mw"].tolist() == [0, 0, pytest.approx(33.6)]
    assert values.loc["solar_mw", "energielandschap"] > 50
    assert values.loc["electricity_share", "energielandschap"] > 100  # more than households use
    assert values.loc["natura2000"].gt(0).tolist() == [False, False, True]  # Zonneveld Veenrand
    assert values.loc["flood_zone"].gt(0).tolist() == [False, True, False]  # Ravelsloo-Rivierzijde
    assert values.loc["farmland", "spreiden"] > 50
    assert values.loc["homes_near_wind", "energielandschap"] > 0
    assert values.loc["homes_near_core"].between(50, 100).all()
    assert values.loc["buildings_affected"].gt(0).all()
    diff = table["energielandschap - compact-bouwen"]
    pd.testing.assert_series_equal(
        diff, values["energielandschap"] - values["compact-bouwen"], check_names=False
    )


def test_demo_per_buurt_series_add_up(demo_results, demo_project):
    _, results = demo_results
    codes = sorted(open_project(demo_project).read_layer("buurten")["buurtcode"])
    for slug, found in results.items():
        for key, result in found.items():
            if result.per_buurt is None:
                continue
            assert sorted(result.per_buurt.index) == codes, (slug, key)
            assert result.per_buurt.sum() == pytest.approx(result.value, rel=1e-6, abs=1e-6), (
                slug, key
            )  # fmt: skip

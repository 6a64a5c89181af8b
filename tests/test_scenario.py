"""Scenarios: editing, the checks and their messages, files, omgeving.toml, diff, the editor."""

from __future__ import annotations

import json
import re
import warnings

import geopandas as gpd
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from omgeving import ValidationError
from omgeving._errors import LayerError, ProjectError
from omgeving.apps.editor import ScenarioEditor
from omgeving.config import CONFIG_NAME, read_config
from omgeving.layers import LayerCRSWarning
from omgeving.project import open_project
from omgeving.scenario import FUNCTIONS, Scenario, ScenarioWarning, list_scenarios
from tests.geoms import RD_SQUARE

#: Tiny RD geometries inside RD_SQUARE (211000-212000, 490000-491000; 100 ha).
SITE = box(211100, 490100, 211400, 490400)  # 9 ha
FIELD = box(211500, 490100, 211800, 490100 + 121000 / 300)  # 12.1 ha
TURBINE = Point(211700, 490800)
PARK = MultiPolygon([box(211100, 490600, 211200, 490700), box(211300, 490600, 211400, 490700)])
BOWTIE = Polygon([(211100, 490100), (211300, 490300), (211300, 490100), (211100, 490300)])


def sample() -> Scenario:
    scenario = Scenario("proef", "Proef", description="Een kleine proef.")
    scenario.add("Nieuwbouw Noord", "wonen", SITE, woningen=250)
    scenario.add("Zonneveld Oost", "energie-zon", FIELD, mw=12)
    scenario.add("Turbine 1", "energie-wind", TURBINE, mw=5.6, tiphoogte_m=200)
    scenario.add("Park", "natuur", PARK)
    return scenario


def test_the_ten_functions_of_the_issue():
    assert list(FUNCTIONS) == [
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
    ]
    assert all(f.label_nl and f.label_en for f in FUNCTIONS.values())
    assert [f.name for f in FUNCTIONS.values() if f.point] == ["energie-wind"]
    assert [q.column for q in FUNCTIONS["energie-wind"].quantities] == ["mw", "tiphoogte_m"]


def test_add_update_remove_with_hectares_from_the_geometry():
    scenario = sample()
    table = scenario.table()
    assert list(table.columns) == ["naam", "functie", "hectare", "woningen", "mw", "tiphoogte_m"]
    assert table.hectare.tolist() == [9.0, 12.1, 0.0, 2.0]  # the MultiPolygon counts both parts
    assert scenario.interventions.crs.to_epsg() == 28992
    assert "hectare" not in scenario.interventions.columns
    scenario.update("Nieuwbouw Noord", naam="Nieuwbouw Noord-West", woningen=300)
    scenario.remove("Park")
    with pytest.raises(ValidationError, match=r"no intervention 'Park'; it has: 'Nieuwbouw Noord-"):
        scenario.update("Park", woningen=3)
    assert scenario.interventions.naam.tolist() == [
        "Nieuwbouw Noord-West",
        "Zonneveld Oost",
        "Turbine 1",
    ]
    assert scenario.interventions.woningen.tolist() == [300, 0, 0]
    assert scenario.interventions.dtypes.astype(str).to_dict() == {
        "naam": "object",
        "functie": "object",
        "woningen": "int64",
        "mw": "float64",
        "tiphoogte_m": "float64",
        "geometry": "geometry",
    }


def test_changing_the_function_unsets_what_the_new_one_does_not_take():
    scenario = sample()
    scenario.update("Nieuwbouw Noord", functie="natuur")
    row = scenario.interventions.iloc[0]
    assert (row.functie, row.woningen) == ("natuur", 0)


@pytest.mark.parametrize(
    ("naam", "functie", "geometry", "quantities", "message"),
    [
        ("X", "Wonen", SITE, {"woningen": 9}, r"functie 'Wonen'; use one of .*mean 'wonen'\?\)"),
        ("X", "zon", FIELD, {"mw": 1}, r"has functie 'zon'; .*\(did you mean 'energie-zon'\?\)"),
        (
            "X",
            "wonen",
            SITE,
            {},
            r"^intervention 'X' \(wonen\) has no woningen: give the number of new homes "
            r"\(at least 1\), e\.g\. woningen=120$",
        ),
        ("X", "wonen", SITE, {"woningen": -5}, r"woningen=-5, but the number of new homes is at "),
        ("X", "wonen", SITE, {"woningen": 12.5}, r"'X' has woningen=12\.5; give a whole number"),
        ("X", "energie-zon", FIELD, {"mw": "veel"}, r"has mw='veel'; give a number"),
        ("X", "energie-zon", FIELD, {}, r"\(energie-zon\) has no mw: give the installed power"),
        (
            "X",
            "energie-wind",
            TURBINE,
            {"mw": 25, "tiphoogte_m": 200},
            r"has mw=25, but the power of one turbine is 0\.5 to 10 MW: check it",
        ),
        (
            "X",
            "energie-wind",
            TURBINE,
            {"mw": 5, "tiphoogte_m": 400},
            r"has tiphoogte_m=400, but the tip height of the turbine is 50 to 300 m",
        ),
        ("X", "energie-wind", TURBINE, {"mw": 5}, r"has no tiphoogte_m: give the tip height"),
        (
            "X",
            "natuur",
            SITE,
            {"woningen": 10},
            r"\(natuur\) has woningen=10, but natuur takes no woningen: remove it or change",
        ),
        (
            "X",
            "wonen",
            SITE,
            {"woningen": 2000},
            r"has woningen=2000 on 9\.0 ha, 222 woningen/ha; new housing is 10–100 woningen/ha: "
            r"check woningen or the outline",
        ),
        (
            "X",
            "energie-wind",
            SITE,
            {"mw": 5, "tiphoogte_m": 200},
            r"'X' \(energie-wind\) is a Polygon; energie-wind is one point \(a marker\) per ",
        ),
        ("X", "wonen", TURBINE, {"woningen": 9}, r"is a Point; wonen needs an area: draw its outl"),
        ("X", "water", LineString([(211100, 490100), (211500, 490100)]), {}, r"is a LineString"),
        (
            "X",
            "water",
            BOWTIE,
            {},
            r"has an invalid geometry \(Self-intersection\[211200 490200\]\): redraw the outline "
            r"so that its edges do not cross, or repair it with shapely\.make_valid",
        ),
        ("X", "water", Polygon(), {}, r"'X' \(water\) has no geometry: draw it on the map"),
        (" X ", "wonen", SITE, {}, r"^intervention 'X' \(wonen\) has no woningen"),
        ("", "water", SITE, {}, r"intervention #5 \(water\) has no naam: give it a name"),
        ("Park", "water", SITE, {}, r"2 interventions are called 'Park': give each a unique naam"),
        ("X", "water", SITE, {"homes": 3}, r"'homes' is not a scenario attribute; use woningen"),
        ("X", "water", box(6.2, 52.3, 6.3, 52.4), {}, r"look like longitude/latitude; give RD"),
    ],
)
def test_a_wrong_intervention_is_refused_with_what_and_how_to_fix(
    naam, functie, geometry, quantities, message
):
    scenario = sample()
    before = scenario.interventions.copy()
    with pytest.raises(ValidationError, match=message):
        scenario.add(naam, functie, geometry, **quantities)
    assert_geodataframe_equal(scenario.interventions, before)


def test_the_solar_density_message_of_the_issue():
    scenario = sample()
    with pytest.raises(ValidationError) as err:
        scenario.update("Zonneveld Oost", naam="Zonneveld X", mw=40)
    assert str(err.value) == (
        "intervention 'Zonneveld X' (energie-zon) has mw=40 on 12.1 ha, 3.3 MW/ha; "
        "ground-mounted solar is 0.5–1.5 MW/ha: check mw or the outline"
    )
    assert scenario.interventions.naam.tolist()[1] == "Zonneveld Oost"


def test_an_unusual_density_is_kept_with_a_warning():
    scenario = sample()
    with pytest.warns(ScenarioWarning, match=r"1\.7 MW/ha; ground-mounted solar is usually 0\.5"):
        scenario.update("Zonneveld Oost", mw=20)
    assert scenario.interventions.mw[1] == 20
    assert [i.level for i in scenario.issues()] == ["warning"]
    assert scenario.validate(RD_SQUARE)[0].naam == "Zonneveld Oost"


def test_outside_the_area_is_refused_with_how_much():
    scenario = sample()
    scenario.add("Rand", "natuur", box(211900, 490100, 212100, 490600))  # 10 ha, half outside
    scenario.add("Turbine 2", "energie-wind", Point(212150, 490500), mw=5, tiphoogte_m=200)
    assert not scenario.issues()  # no area given: not checked
    with pytest.raises(ValidationError) as err:
        scenario.validate(RD_SQUARE)
    assert str(err.value) == (
        "scenario 'proef' has 2 problems:\n"
        "- intervention 'Rand' (natuur) lies 5.00 ha (50% of it) outside the project area: "
        "redraw it inside the gemeente boundary, or clip it to the boundary\n"
        "- intervention 'Turbine 2' (energie-wind) lies 150 m outside the project area: "
        "move it inside the boundary"
    )
    area = gpd.GeoDataFrame(geometry=[RD_SQUARE], crs=28992).to_crs(4326)
    assert len(scenario.issues(area)) == 2  # any CRS


def test_a_file_is_read_as_it_is_and_its_problems_listed(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "naam": ["Vlinderstrik", "Wijk", None],
            "functie": ["natuur", "wonen", "energie-zon"],
            "opmerking": ["", "", ""],
        },
        geometry=[BOWTIE, SITE, FIELD],
        crs=28992,
    )
    path = tmp_path / "plan.gpkg"
    frame.to_file(path)
    scenario = Scenario.from_file(path, name="Plan")
    assert (scenario.slug, scenario.name) == ("plan", "Plan")
    assert list(scenario.interventions.columns) == [
        "naam",
        "functie",
        "woningen",
        "mw",
        "tiphoogte_m",
        "geometry",
    ]
    assert not scenario.interventions.geometry.is_valid[0]  # not repaired silently
    messages = [i.message for i in scenario.issues()]
    assert [m.split(":")[0] for m in messages] == [
        "intervention 'Vlinderstrik' (natuur) has an invalid geometry (Self-intersection[211200 "
        "490200])",
        "intervention 'Wijk' (wonen) has no woningen",
        "intervention #3 (energie-zon) has no naam",
        "intervention #3 (energie-zon) has no mw",
    ]
    with pytest.raises(ValidationError, match=r"scenario 'plan' has 4 problems:\n- "):
        scenario.validate()


@pytest.mark.parametrize("kind", ["rd-without-crs", "lonlat", "geoparquet"])
def test_from_file_handles_the_crs_like_read_layer(tmp_path, kind):
    frame = gpd.GeoDataFrame(
        {"naam": ["Wijk"], "functie": ["wonen"], "woningen": [250]}, geometry=[SITE], crs=28992
    )
    if kind == "geoparquet":
        path = tmp_path / "plan.parquet"
        frame.to_parquet(path)
        scenario = Scenario.from_file(path)
    else:
        path = tmp_path / "plan.geojson"
        data = json.loads(frame.to_crs(4326 if kind == "lonlat" else 28992).to_json())
        data.pop("crs", None)  # as older files and PDOK's RD output: no crs member
        path.write_text(json.dumps(data))
        if kind == "lonlat":
            scenario = Scenario.from_file(path)
        else:
            with pytest.warns(LayerCRSWarning, match="RD New"):
                scenario = Scenario.from_file(path)
    assert scenario.interventions.crs.to_epsg() == 28992
    assert scenario.interventions.geometry[0].equals_exact(SITE, 0.01)
    assert not scenario.issues(RD_SQUARE)


def test_from_file_refuses_what_it_cannot_use(tmp_path):
    with pytest.raises(LayerError, match=r"does not exist; check the path"):
        Scenario.from_file(tmp_path / "geen.geojson")
    path = tmp_path / "kapot.geojson"
    path.write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(LayerError, match=r"cannot read scenario file"):
        Scenario.from_file(path)
    gpd.GeoDataFrame({"naam": ["A"]}, geometry=[SITE], crs=28992).to_file(tmp_path / "a.gpkg")
    with pytest.raises(ValidationError, match=r"have no column 'functie'; every intervention"):
        Scenario.from_file(tmp_path / "a.gpkg")


def test_slugs_are_checked_and_made_from_file_names(tmp_path):
    with pytest.raises(ValidationError, match=r"slug 'Mijn plan' must be lower-case letters"):
        Scenario("Mijn plan", "Mijn plan")
    path = tmp_path / "Zuid-Oost Één.gpkg"
    gpd.GeoDataFrame({"naam": ["A"], "functie": ["natuur"]}, geometry=[SITE], crs=28992).to_file(
        path
    )
    assert Scenario.from_file(path).slug == "zuid-oost-een"
    assert Scenario.from_file(path, slug="zo").slug == "zo"


# -- the project ---------------------------------------------------------------------------


@pytest.fixture
def project(project_copy):
    return open_project(project_copy)


@pytest.fixture
def inner(project):
    """A point well inside the demo municipality (RD)."""
    area = project.read_layer("gemeente").union_all()
    return area.buffer(-1500).representative_point()


def shifted(geom, point):
    """``geom`` (drawn near RD_SQUARE) moved next to ``point``."""
    return shapely.affinity.translate(geom, point.x - 211500, point.y - 490500)


def test_the_demo_scenarios_are_valid(project):
    for ref in list_scenarios(project):
        assert Scenario.load(project, ref.slug).validate(project) == []


def test_save_and_load_round_trip_keeps_the_rest_of_the_toml(project, inner):
    config = project.root / CONFIG_NAME
    staff = re.search(r"\[staff\]\n[^\[]*", config.read_text()).group(0)
    original = (
        "# Omgevingsvisie van de gemeente\n"
        + config.read_text().replace(staff, "").replace("[evening]", "# de avond\n[evening]")
        + "\n# alleen voor beheer\n"
        + staff
    )
    config.write_text(original)
    scenario = sample()
    scenario.interventions = scenario.interventions.set_geometry(
        scenario.interventions.geometry.map(lambda g: shifted(g, inner))
    )
    path = scenario.save(project)
    assert path == project.root / "scenarios" / "proef.geojson"
    entry = '[[scenarios]]\nslug = "proef"\nname = "Proef"\ndescription = "Een kleine proef."\n'
    with_proef = original.replace("\n# alleen voor beheer", f"\n{entry}\n# alleen voor beheer")
    assert config.read_text() == with_proef  # after the last scenario, the rest as it was
    loaded = Scenario.load(project.root, "proef")
    assert (loaded.name, loaded.description) == ("Proef", "Een kleine proef.")
    assert_geodataframe_equal(loaded.interventions, scenario.interventions, check_less_precise=True)

    spreiden = Scenario.load(project, "spreiden")
    spreiden.name = 'Spreiden, met een "citaat"'
    spreiden.save(project)
    assert config.read_text() == with_proef.replace(
        'name = "Spreiden over de kernen"', 'name = "Spreiden, met een \\"citaat\\""'
    )
    assert [r.slug for r in read_config(config).scenarios] == [
        "compact-bouwen",
        "spreiden",
        "energielandschap",
        "proef",
    ]
    assert not list(project.root.rglob("*.tmp"))


def test_save_refuses_an_invalid_scenario_and_writes_nothing(project, inner):
    config = (project.root / CONFIG_NAME).read_text()
    scenario = Scenario("buiten", "Buiten")
    scenario.add("Ver weg", "natuur", box(100000, 400000, 100100, 400100))
    scenario.add("Binnen", "natuur", shifted(SITE, inner))
    with pytest.raises(ValidationError, match=r"'Ver weg' \(natuur\) lies 1\.00 ha \(100% of it"):
        scenario.save(project)
    assert not project.scenario_path("buiten").exists()
    assert (project.root / CONFIG_NAME).read_text() == config
    scenario.name = " "
    with pytest.raises(ValidationError, match=r"scenario 'buiten' has no name; set one"):
        scenario.save(project)


def test_an_empty_scenario_round_trips(project):
    Scenario("nulalternatief", "Niets doen").save(project)
    loaded = Scenario.load(project, "nulalternatief")
    assert loaded.interventions.empty
    assert list(loaded.interventions.columns) == [
        "naam",
        "functie",
        "woningen",
        "mw",
        "tiphoogte_m",
        "geometry",
    ]


def test_load_names_what_the_project_has(project):
    with pytest.raises(ProjectError, match=r"has no scenario 'zon'; it has: compact-bouwen, "):
        Scenario.load(project, "zon")
    project.scenario_path("spreiden").unlink()
    with pytest.raises(ProjectError, match=r"'spreiden' is listed in omgeving.toml but .* missing"):
        Scenario.load(project, "spreiden")


def test_copy_into_a_variant_and_diff_in_one_call(project, inner):
    base = Scenario.load(project, "energielandschap")
    variant = base.copy("energielandschap-b", name="Energielandschap B")
    assert (variant.slug, variant.description) == ("energielandschap-b", base.description)
    field = variant.interventions.geometry[1]
    variant.update("Zonneveld Oude Kampen", mw=18.0, geometry=field.buffer(-20))
    turbine = variant.interventions.geometry[5]
    variant.update("Windpark Hoge Marke, turbine 1", geometry=Point(turbine.x + 100, turbine.y))
    variant.remove("Waterberging Ravel")
    variant.add("Bos Noord", "natuur", shifted(SITE, inner))
    assert base.diff(base).empty
    assert len(base.interventions) == 13  # the variant is a copy
    diff = base.diff(variant)
    assert diff[["naam", "change", "attribute"]].to_records(index=False).tolist() == [
        ("Waterberging Ravel", "removed", None),
        ("Zonneveld Oude Kampen", "changed", "mw"),
        ("Zonneveld Oude Kampen", "changed", "geometry"),
        ("Windpark Hoge Marke, turbine 1", "changed", "geometry"),
        ("Bos Noord", "added", None),
    ]
    mw, outline, moved = diff.iloc[1], diff.iloc[2], diff.iloc[3]
    assert (mw.before, mw.after) == (21.3, 18.0)
    assert outline.before == round(field.area / 1e4, 2) > outline.after
    assert moved.after == (round(turbine.x) + 100, round(turbine.y))
    variant.save(project)
    assert Scenario.load(project, "energielandschap-b").diff(variant).empty


# -- the editor ----------------------------------------------------------------------------


@pytest.fixture
def editor(project):
    return ScenarioEditor(project, "spreiden")


@pytest.fixture
def lonlat(project):
    """A small square (≈ 4 ha) inside the demo municipality, as a browser draws it (lon/lat)."""
    data = json.loads((project.web_dir / "area.geojson").read_text())
    point = shapely.geometry.shape(data["features"][0]["geometry"]).buffer(-0.02)
    x, y = point.representative_point().coords[0]
    ring = [[x, y], [x + 0.003, y], [x + 0.003, y + 0.002], [x, y + 0.002], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def draw(editor, geometry, action="create"):
    editor.draw._draw_callbacks(
        editor.draw, action=action, geo_json=[{"type": "Feature", "geometry": geometry}]
    )


def click(editor, naam):
    editor.layer._click_callbacks(
        event="click", feature={}, properties={"naam": naam}, id=None, coordinates=[52.4, 6.1]
    )


def stored(project):
    return Scenario.load(project, "spreiden").interventions.set_index("naam")


def test_editor_shows_the_interventions_coloured_per_function(editor):
    features = editor.layer.data["features"]
    assert len(features) == 8
    wonen = next(f for f in features if f["properties"]["functie"] == "wonen")
    assert wonen["properties"]["style"]["fillColor"] == editor.colours["wonen"]
    assert editor.widget.children[0] is editor.pmap.map
    assert "application/vnd.jupyter.widget-view+json" in editor._repr_mimebundle_()


def test_editor_shows_the_quantities_of_the_function(editor, lonlat):
    shown = {c for c, f in editor.fields.items() if f.layout.display != "none"}
    assert shown == {"woningen"}  # wonen is first
    x, y = lonlat["coordinates"][0][0]
    draw(editor, {"type": "Point", "coordinates": [x, y]})  # a marker is a turbine
    assert editor.functie.value == "energie-wind"
    shown = {c for c, f in editor.fields.items() if f.layout.display != "none"}
    assert shown == {"mw", "tiphoogte_m"}
    draw(editor, lonlat)
    assert editor.functie.value == "wonen"


def test_editor_places_a_wind_turbine(editor, project, lonlat):
    x, y = lonlat["coordinates"][0][0]
    draw(editor, {"type": "Point", "coordinates": [x, y]})
    assert "Punt geplaatst" in editor.message.value
    editor.naam.value = "Turbine Dorpsrand"
    editor.fields["mw"].value = 4.2
    editor.fields["tiphoogte_m"].value = 180
    editor.save.click()
    assert "is opgeslagen" in editor.message.value, editor.message.value
    turbine = stored(project).loc["Turbine Dorpsrand"]
    assert (turbine.functie, turbine.mw, turbine.tiphoogte_m) == ("energie-wind", 4.2, 180)
    assert turbine.geometry.geom_type == "Point"


def test_editor_adds_edits_and_deletes_an_intervention(editor, project, lonlat):
    draw(editor, lonlat)
    assert "Vorm getekend (4." in editor.message.value
    editor.naam.value = "Nieuwbouw Dorpsrand"
    editor.functie.value = "wonen"
    editor.fields["woningen"].value = 80
    editor.save.click()
    assert "is opgeslagen" in editor.message.value, editor.message.value
    assert stored(project).woningen["Nieuwbouw Dorpsrand"] == 80
    assert len(editor.layer.data["features"]) == 9

    click(editor, "Nieuwbouw Dorpsrand")
    assert (editor.naam.value, editor.fields["woningen"].value) == ("Nieuwbouw Dorpsrand", 80)
    editor.fields["woningen"].value = 120
    editor.save.click()
    assert stored(project).woningen["Nieuwbouw Dorpsrand"] == 120

    editor.fields["woningen"].value = 0
    editor.save.click()
    assert "has no woningen: give the number of new homes" in editor.message.value
    assert "omg-err" in editor.message.value
    assert stored(project).woningen["Nieuwbouw Dorpsrand"] == 120

    editor.delete.click()
    assert "is verwijderd" in editor.message.value
    assert "Nieuwbouw Dorpsrand" not in stored(project).index
    assert len(editor.layer.data["features"]) == 8


def test_editor_keeps_a_refused_change_out_of_the_project(editor, project, lonlat):
    ring = [[x + 1.0, y] for x, y in lonlat["coordinates"][0]]  # a degree east: outside
    draw(editor, {"type": "Polygon", "coordinates": [ring]})
    editor.naam.value = "Buiten"
    editor.functie.value = "natuur"
    editor.save.click()
    assert "Niet opgeslagen in het project: scenario &#x27;spreiden&#x27;: intervention" in (
        editor.message.value
    )
    assert "outside the project area" in editor.message.value
    assert "Buiten" not in stored(project).index
    assert "Buiten" in editor.scenario.interventions.naam.tolist()


def test_editor_refuses_tampered_events(editor, project):
    click(editor, "<script>alert(1)</script>")
    assert "bestaat niet" in editor.message.value
    draw(editor, {"type": "Polygon", "coordinates": "nonsense"})
    assert "the drawn shape is not GeoJSON" in editor.message.value
    editor.naam.value = "Zonder vorm"
    editor.save.click()
    assert "Teken eerst een vorm" in editor.message.value
    editor.delete.click()
    assert "Klik eerst op een ingreep" in editor.message.value


def test_editor_shows_warnings_after_saving(editor, project, lonlat):
    draw(editor, lonlat)
    editor.naam.value = "Landgoed"
    editor.fields["woningen"].value = 5
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        editor.save.click()
    assert "is opgeslagen" in editor.message.value
    assert "new housing is usually 10–100 woningen/ha" in editor.message.value


def test_the_editor_speaks_english_too(demo_project):
    from omgeving.apps.editor import ScenarioEditor

    editor = ScenarioEditor(demo_project, "spreiden", lang="en")
    assert editor.save.description == "Save"
    assert ("Nature (natuur)", "natuur") in editor.functie.options

"""GIO export: write, validate against the official STOP/IMOW/LVBB XSDs, read back, refuse."""

from __future__ import annotations

import hashlib
import re
import uuid

import geopandas as gpd
import pytest
import shapely
from lxml import etree
from shapely.geometry import (
    GeometryCollection,
    LineString,
    MultiLineString,
    MultiPoint,
    MultiPolygon,
    Point,
    Polygon,
    box,
)

from omgeving._errors import LayerError, OmgevingError, ProjectError, ValidationError
from omgeving.exchange import gio
from omgeving.exchange.gio import (
    export_gio,
    read_gio,
    validate_gio,
    validate_io,
    validate_ow,
    write_gio,
)
from omgeving.project import open_project, write_layer
from omgeving.scenario import Scenario

NS = gio.NS
DATE = "2026-11-28"

# Tiny RD areas with known areas (m²), defined once.
SQUARE = box(211000, 490000, 211100, 490100)  # 10 000
HOLED = Polygon(box(212000, 490000, 212300, 490300).exterior.coords,
                [box(212100, 490100, 212200, 490200).exterior.coords])  # 90 000 - 10 000
TWO_PARTS = MultiPolygon([box(213000, 490000, 213050, 490050),
                          box(213100, 490000, 213150, 490050)])  # 2 × 2 500
TWO_PARTS_HOLED = MultiPolygon([
    Polygon(box(214000, 490000, 214300, 490300).exterior.coords,
            [box(214100, 490100, 214200, 490200).exterior.coords]),
    box(214400, 490000, 214500, 490100)])  # 80 000 + 10 000
# Clockwise exterior and counter-clockwise hole, fractional coordinates: must be reoriented.
CLOCKWISE = Polygon([(215000.1234, 490000.5678), (215000.1234, 490200.9), (215150.77, 490200.9),
                     (215150.77, 490000.5678)],
                    [[(215050, 490050), (215100, 490050), (215100, 490100), (215050, 490100)]])
BOWTIE = Polygon([(216000, 490000), (216100, 490100), (216100, 490000), (216000, 490100)])
AREAS = {"Vierkant": SQUARE, "Met gat": HOLED, "Twee delen": TWO_PARTS,
         "Twee delen, één met gat": TWO_PARTS_HOLED, "Scheef": CLOCKWISE}


def frame(geoms: dict, crs=28992) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"naam": list(geoms)}, geometry=list(geoms.values()), crs=crs)


def write(areas, folder, **options):
    options = {"gemeente": "GM9999", "work_id": "visie", "title": "Visiegebieden",
               "date": DATE} | options
    return write_gio(areas, folder, **options)


def assert_round_trip(areas: gpd.GeoDataFrame, files, names_column="naam") -> gpd.GeoDataFrame:
    """Read ``files.gio`` back and compare with ``areas``: same names and shapes.

    No point moved more than the millimetre the GIO is rounded to (Hausdorff distance), and
    each area differs by less than 1 m². Rounding to millimetres moves every vertex up to
    0.7 mm, so an area with a very long outline can change by a little more than 1 m² (the
    dissolved demo Buitengebied: 77 km of outline, 3.3 m² of 13,885 ha); there the bound is
    half a millimetre times the outline.
    """
    back = read_gio(files.gio)
    original = areas.to_crs(28992).reset_index(drop=True)
    assert len(back) == len(original)
    if names_column:
        assert back.naam.tolist() == original[names_column].tolist()
    for before, after in zip(original.geometry, back.geometry, strict=True):
        assert after.is_valid
        assert after.geom_type.removeprefix("Multi") == before.geom_type.removeprefix("Multi")
        assert abs(before.area - after.area) < max(1.0, before.length * 5e-4)
        assert before.hausdorff_distance(after) < 1e-3
    return back


@pytest.fixture(scope="module")
def schemas(shared_dir):
    """The offline STOP schemas (``../shared/schemas``): required under CI."""
    folder = shared_dir / "schemas"
    assert (folder / "stop" / "catalog.xml").is_file(), f"{folder} lacks stop/catalog.xml"
    return folder


@pytest.fixture
def written(tmp_path):
    """The hand-made areas written with the schemas found on this machine (if any)."""
    return write(frame(AREAS), tmp_path / "gio")


# -- writing and reading back ----------------------------------------------------------------


def test_hand_made_areas_round_trip(tmp_path):
    areas = frame(AREAS)
    files = write(areas, tmp_path)
    assert [p.name for p in files.paths] == ["visie.gml", "IO-visie.xml", "OW-visie.xml"]
    back = assert_round_trip(areas, files)
    assert back.area.round(1).tolist() == [10000, 80000, 5000, 90000, areas.area.iloc[4].round(1)]
    expected = [str(uuid.uuid5(uuid.NAMESPACE_URL, f"omgeving:gio/gm9999/visie/{n}"))
                for n in AREAS]
    assert back.basisgeo_id.tolist() == expected


def test_gml_follows_the_stop_examples(written):
    doc = etree.parse(str(written.gio)).getroot()
    geoms = doc.xpath("//basisgeo:geometrie/*", namespaces=NS)
    assert [etree.QName(g).localname for g in geoms] == [
        "Surface", "Surface", "MultiSurface", "MultiSurface", "Surface"]
    assert doc.xpath("//basisgeo:geometrie/gml:Surface/gml:patches/gml:PolygonPatch", namespaces=NS)
    assert doc.xpath("//gml:MultiSurface/gml:surfaceMember/gml:Polygon", namespaces=NS)
    assert {e.get("srsName") for e in doc.iter() if e.get("srsName")} == {gio._SRS}
    assert all(e.get("srsName") for e in geoms)  # only the outer geometry carries it
    assert not doc.xpath("//gml:name | //gml:boundedBy | //gml:description", namespaces=NS)
    assert doc.get("schemaversie") == "1.3.0"
    assert written.gio.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')


def test_rings_are_closed_oriented_and_in_millimetres(written):
    doc = etree.parse(str(written.gio)).getroot()
    for kind, ccw in (("exterior", True), ("interior", False)):
        lists = doc.xpath(f"//gml:{kind}/gml:LinearRing/gml:posList", namespaces=NS)
        assert lists
        for pos in lists:
            values = pos.text.split()
            assert all(re.fullmatch(r"-?\d+(\.\d{1,3})?", v) for v in values)
            coords = list(zip(map(float, values[::2]), map(float, values[1::2]), strict=True))
            assert coords[0] == coords[-1]
            assert shapely.LinearRing(coords).is_ccw is ccw
    scheef = read_gio(written.gio).set_index("naam").geometry["Scheef"]
    assert scheef.exterior.coords[0] in {(215000.123, 490000.568), (215000.123, 490200.9),
                                         (215150.77, 490200.9), (215150.77, 490000.568)}


def test_areas_in_another_crs_are_written_in_rd(tmp_path):
    rd = frame({"Vierkant": SQUARE, "Met gat": HOLED})
    files = write(rd.to_crs(4326), tmp_path)
    back = assert_round_trip(rd, files)
    assert back.crs.to_epsg() == 28992


def test_ids_and_bytes_are_stable_across_exports(tmp_path):
    areas = frame(AREAS)
    first = write(areas, tmp_path / "a")
    again = write(areas.iloc[::-1], tmp_path / "b")
    assert first.gio.read_bytes() == write(areas, tmp_path / "a").gio.read_bytes()
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        "IO-visie.xml", "OW-visie.xml", "visie.gml"]  # replaced, no temporary files left
    ids = dict(zip(read_gio(first.gio).naam, read_gio(first.gio).basisgeo_id, strict=True))
    assert ids == dict(zip(read_gio(again.gio).naam, read_gio(again.gio).basisgeo_id,
                           strict=True))
    other_work = write(areas, tmp_path / "d", work_id="andere-visie")
    assert not set(ids.values()) & set(read_gio(other_work.gio).basisgeo_id)


def test_io_file_holds_the_stop_metadata_and_the_hash(written):
    doc = etree.parse(str(written.io)).getroot()

    def text(name):
        return doc.findtext(f".//data:{name}", namespaces=NS)

    assert text("FRBRWork") == written.work == "/join/id/regdata/gm9999/2026/visie"
    assert text("FRBRExpression") == written.expression == f"{written.work}/nld@{DATE};1"
    assert text("soortWork") == "/join/id/stop/work_010"
    assert text("formaatInformatieobject") == "/join/id/stop/informatieobject/gio_002"
    assert text("publicatieinstructie") == "TeConsolideren"
    assert text("eindverantwoordelijke") == text("maker") == "/tooi/id/gemeente/gm9999"
    assert text("naamInformatieObject") == "Visiegebieden"
    assert text("officieleTitel") == written.work
    assert text("bestandsnaam") == "visie.gml"
    assert text("hash") == hashlib.sha512(written.gio.read_bytes()).hexdigest()
    assert text("heeftGeboorteregeling") is None


def test_geboorteregeling_is_written_when_known(tmp_path):
    files = write(frame({"Vierkant": SQUARE}), tmp_path,
                  geboorteregeling="/akn/nl/act/gm9999/2026/omgevingsvisie")
    doc = etree.parse(str(files.io)).getroot()
    assert doc.findtext(".//data:heeftGeboorteregeling", namespaces=NS).endswith("omgevingsvisie")


def test_ow_file_has_a_gebied_per_locatie_pointing_at_its_uuid(written):
    doc = etree.parse(str(written.ow)).getroot()
    assert doc.tag == f"{{{NS['ow-dc']}}}owBestand"
    gebieden = doc.findall("sl:standBestand/sl:stand/ow-dc:owObject/l:Gebied", NS)
    back = read_gio(written.gio)
    assert [g.findtext("l:noemer", namespaces=NS) for g in gebieden] == back.naam.tolist()
    refs = [g.find("l:geometrie/l:GeometrieRef", NS).get(f"{{{NS['xlink']}}}href")
            for g in gebieden]
    assert refs == back.basisgeo_id.tolist()
    for gebied, ref in zip(gebieden, refs, strict=True):
        assert gebied.findtext("l:identificatie", namespaces=NS) == (
            f"nl.imow-gm9999.gebied.{ref.replace('-', '')}")
    assert doc.findtext(".//sl:objectType", namespaces=NS) == "Gebied"


@pytest.mark.parametrize(
    ("geoms", "kind", "gml"),
    [
        ({"Turbine 1": Point(211000.5, 490000.25), "Turbine 2": Point(211500, 490100)},
         "Punt", {"Point"}),
        ({"Masten": MultiPoint([(211000, 490000), (211200, 490200)])}, "Punt", {"MultiPoint"}),
        ({"Fietspad": LineString([(211000, 490000), (211500, 490300), (212000, 490100)])},
         "Lijn", {"LineString"}),
        ({"Beken": MultiLineString([[(211000, 490000), (211500, 490300)],
                                    [(212000, 490000), (212500, 490300)]])},
         "Lijn", {"MultiCurve"}),
    ],
)
def test_points_and_lines_round_trip_as_punt_and_lijn(tmp_path, geoms, kind, gml):
    areas = frame(geoms)
    files = write(areas, tmp_path)
    back = read_gio(files.gio)
    assert back.naam.tolist() == list(geoms)
    for before, after in zip(areas.geometry, back.geometry, strict=True):
        assert before.equals_exact(after, 1e-3)
    doc = etree.parse(str(files.gio)).getroot()
    assert {etree.QName(g).localname for g in doc.xpath("//basisgeo:geometrie/*",
                                                        namespaces=NS)} == gml
    ow = etree.parse(str(files.ow)).getroot()
    assert len(ow.findall(f".//l:{kind}", NS)) == len(geoms)
    assert ow.findtext(".//l:identificatie", namespaces=NS).startswith(
        f"nl.imow-gm9999.{kind.lower()}.")


def test_areas_without_names(tmp_path):
    areas = gpd.GeoDataFrame(geometry=[SQUARE, HOLED], crs=28992)
    files = write(areas, tmp_path, names_column=None)
    back = assert_round_trip(areas, files, names_column=None)
    assert back.naam.isna().all()
    assert etree.parse(str(files.ow)).getroot().find(".//l:noemer", NS) is None


# -- the demo: a scenario and a layer of vision areas ----------------------------------------


def scenario_areas(project, slug="compact-bouwen") -> gpd.GeoDataFrame:
    areas = Scenario.load(project, slug).interventions
    return areas[areas.functie != "energie-wind"]


def test_demo_scenario_interventions_round_trip(demo_project, tmp_path):
    for slug in ("compact-bouwen", "spreiden", "energielandschap"):
        areas = scenario_areas(demo_project, slug)
        assert_round_trip(areas, write(areas, tmp_path / slug, work_id=slug, title=slug))


def visiegebieden(project) -> gpd.GeoDataFrame:
    buurten = project.read_layer("buurten")
    kernen = {"Wijk 01 Eskerlo": "Hoofdkern Eskerlo", "Wijk 05 Buitengebied": "Buitengebied"}
    buurten["naam"] = buurten.wijknaam.map(kernen).fillna("Dorpen")
    return buurten[["naam", "geometry"]].dissolve(by="naam", as_index=False)


def test_layer_of_vision_areas_round_trips(demo_project, tmp_path):
    areas = visiegebieden(open_project(demo_project))
    assert len(areas) == 3
    assert_round_trip(areas, write(areas, tmp_path))


def test_export_gio_writes_a_layer_into_the_project(project_copy, schemas):
    project = open_project(project_copy)
    write_layer(visiegebieden(project), project.layer_path("visiegebieden"))
    paths = export_gio(project, layer="visiegebieden")
    folder = project.exports_dir / "gio" / "visiegebieden"
    assert paths == [folder / "visiegebieden.gml", folder / "IO-visiegebieden.xml",
                     folder / "OW-visiegebieden.xml"]
    validate_gio(paths[0], schemas=schemas)
    validate_io(paths[1], gio=paths[0], schemas=schemas)
    validate_ow(paths[2], gio=paths[0], schemas=schemas)
    assert sorted(read_gio(paths[0]).naam) == ["Buitengebied", "Dorpen", "Hoofdkern Eskerlo"]


def test_export_gio_puts_wind_turbines_in_a_gio_of_their_own(demo_project, tmp_path):
    paths = export_gio(demo_project, scenario="energielandschap", out_dir=tmp_path)
    assert [p.name for p in paths] == [
        "energielandschap.gml", "IO-energielandschap.xml", "OW-energielandschap.xml",
        "energielandschap-punten.gml", "IO-energielandschap-punten.xml",
        "OW-energielandschap-punten.xml"]
    areas, turbines = read_gio(paths[0]), read_gio(paths[3])
    assert set(areas.geom_type) == {"Polygon"} and len(areas) == 7
    assert set(turbines.geom_type) == {"Point"} and len(turbines) == 6
    io = etree.parse(str(paths[4])).getroot()
    assert io.findtext(".//data:naamInformatieObject", namespaces=NS) == "Energielandschap (punten)"
    assert io.findtext(".//data:FRBRWork", namespaces=NS).startswith("/join/id/regdata/gm9999/")


def test_export_gio_needs_a_scenario_or_a_layer(demo_project):
    with pytest.raises(ValidationError, match="not both or neither"):
        export_gio(demo_project)
    with pytest.raises(ValidationError, match="not both or neither"):
        export_gio(demo_project, scenario="spreiden", layer="buurten")
    with pytest.raises(ProjectError, match="no scenario 'nergens'"):
        export_gio(demo_project, scenario="nergens")


# -- every kind of output against the official XSDs -----------------------------------------

OUTPUTS = {
    "hand-made areas": lambda demo: (frame(AREAS), {}),
    "points": lambda demo: (frame({"Mast": Point(211000, 490000),
                                   "Masten": MultiPoint([(211100, 490000), (211200, 490000)])}),
                            {}),
    "lines": lambda demo: (frame({"Pad": LineString([(211000, 490000), (211500, 490300)]),
                                  "Beken": MultiLineString([[(211000, 490100), (211500, 490400)],
                                                            [(212000, 490000), (212500, 490300)]])
                                  }), {}),
    "no names": lambda demo: (gpd.GeoDataFrame(geometry=[SQUARE, TWO_PARTS], crs=28992),
                              {"names_column": None}),
    "geboorteregeling": lambda demo: (frame({"Vierkant": SQUARE}),
                                      {"geboorteregeling": "/akn/nl/act/gm9999/2026/visie"}),
    "demo scenario": lambda demo: (scenario_areas(demo), {}),
    "demo visiegebieden": lambda demo: (visiegebieden(open_project(demo)), {}),
}


@pytest.mark.parametrize("case", OUTPUTS)
def test_written_files_validate_against_the_official_xsds(case, demo_project, tmp_path, schemas):
    areas, options = OUTPUTS[case](demo_project)
    files = write(areas, tmp_path, schemas=schemas, **options)
    assert files.xsd
    assert validate_gio(files.gio, schemas=schemas).name == "imop-geo.xsd"
    assert validate_io(files.io, gio=files.gio, schemas=schemas).name == "lvbb-stop-aanlevering.xsd"
    assert validate_ow(files.ow, gio=files.gio, schemas=schemas).name == "IMOW_Deelbestand.xsd"


# -- refusals --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("geoms", "match"),
    [
        ({"Strik": BOWTIE}, r"'Strik' has an invalid geometry \(Self-intersection.*make_valid"),
        ({"Leeg": Polygon()}, "'Leeg' has no geometry; draw it, or remove the row"),
        ({"Niets": None}, "'Niets' has no geometry"),
        ({"Allerlei": GeometryCollection([SQUARE, Point(211000, 490000)])},
         "'Allerlei' is a GeometryCollection.*explode"),
        ({"In graden": box(6.2, 52.3, 6.3, 52.4)}, "'In graden' lies outside the Netherlands"),
        ({"Vlak": SQUARE, "Punt": Point(211000, 490000)}, "mix gebieden, punten"),
        ({"Kruimel": box(211000, 490000, 211000.0004, 490000.0004)}, "smaller than a millimetre"),
    ],
)
def test_write_refuses_bad_areas_and_writes_nothing(tmp_path, geoms, match):
    with pytest.raises(ValidationError, match=match):
        write(frame(geoms), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_every_problem_is_listed_at_once(tmp_path):
    with pytest.raises(ValidationError, match=r"\(2 problems\):\n- area 'Strik'.*\n- area 'Leeg'"):
        write(frame({"Strik": BOWTIE, "Goed": SQUARE, "Leeg": Polygon()}), tmp_path)


def test_write_refuses_areas_without_crs(tmp_path):
    with pytest.raises(LayerError, match=r"no CRS; set it, for example areas.set_crs\(28992\)"):
        write(gpd.GeoDataFrame({"naam": ["x"]}, geometry=[SQUARE]), tmp_path)


@pytest.mark.parametrize(
    ("areas", "options", "match"),
    [
        (frame({"A": SQUARE}).iloc[:0], {}, "no areas to export"),
        (frame({"A": SQUARE}), {"names_column": "titel"}, "no column 'titel'.*names_column=None"),
        (frame({"A": SQUARE, "B": HOLED}).assign(naam=["Park", "Park"]), {},
         r"'Park' occur more than once.*dissolve\(by='naam'"),
        (frame({"A": SQUARE, "B": HOLED}).assign(naam=["Park", "  "]), {}, "row 1 has no naam"),
        (frame({"A": SQUARE}), {"work_id": "visie gebieden"}, "work id 'visie gebieden' may only"),
        (frame({"A": SQUARE}), {"gemeente": "Raalte"}, "not a CBS gemeente code"),
        (frame({"A": SQUARE}), {"date": "28-11-2026"}, "date '28-11-2026' is not a date"),
        (frame({"A": SQUARE}), {"title": " "}, "no title"),
        (frame({"A": SQUARE}), {"geboorteregeling": "omgevingsvisie"}, "its AKN id"),
    ],
)
def test_write_refuses_bad_options(tmp_path, areas, options, match):
    with pytest.raises(OmgevingError, match=match):
        write(areas, tmp_path, **options)


# -- the checker on tampered and real files --------------------------------------------------


def tamper(path, change) -> None:
    doc = etree.parse(str(path))
    change(doc.getroot())
    doc.write(str(path), xml_declaration=True, encoding="UTF-8")


def first(doc, xpath):
    return doc.xpath(xpath, namespaces=NS)[0]


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda d: first(d, "(//gml:Surface)[2]").set("srsName", "urn:ogc:def:crs:EPSG::4258"),
         "one srsName.*STOP3021"),
        (lambda d: first(d, "//gml:MultiSurface").set("srsName", "EPSG:28992"),
         "srsName 'EPSG:28992' is neither RD nor ETRS89"),
        (lambda d: first(d, "//geo:Locatie").insert(0, etree.Element(f"{{{NS['gml']}}}name")),
         r"gml:name on geo:Locatie is not allowed in a GIO; remove it \(STOP3090\)"),
        (lambda d: first(d, "//geo:GeoInformatieObjectVersie").insert(
            0, etree.Element(f"{{{NS['gml']}}}boundedBy")),
         "gml:boundedBy on geo:GeoInformatieObjectVersie is not allowed"),
        (lambda d: setattr(first(d, "(//basisgeo:id)[2]"), "text",
                           first(d, "(//basisgeo:id)[1]").text), "occurs twice.*STOP3013"),
        (lambda d: setattr(first(d, "//gml:posList"), "text", "211000 490000 211100 490000 "
                           "211100 490100 211000 490100"), "LinearRing is not closed"),
        (lambda d: setattr(first(d, "//gml:posList"), "text", "216000 490000 216100 490100 "
                           "216100 490000 216000 490100 216000 490000"),
         "Locatie 'Vierkant' has an invalid geometry: Self-intersection"),
        (lambda d: setattr(first(d, "//gml:posList"), "text", ""), "no usable coordinates"),
    ],
)
def test_checker_finds_tampered_gios(written, change, match):
    tamper(written.gio, change)
    with pytest.raises(ValidationError, match=match):
        validate_gio(written.gio)


def test_xsd_validation_of_a_broken_gio_fails_readably(written, schemas):
    def naam_after_geometrie(doc):
        locatie = first(doc, "//geo:Locatie")
        locatie.append(locatie.find("geo:naam", NS))

    tamper(written.gio, naam_after_geometrie)
    with pytest.raises(ValidationError) as info:
        validate_gio(written.gio, schemas=schemas)
    message = str(info.value)
    assert message.startswith("visie.gml is not a valid GIO: line ")
    assert "Element 'geo:naam': This element is not expected" in message
    assert "{http" not in message


def test_checker_finds_a_wrong_hash_and_a_dangling_reference(written):
    written.gio.write_bytes(written.gio.read_bytes().replace(b"Vierkant", b"Rechthoek"))
    with pytest.raises(ValidationError, match=r"hash is not the SHA-512 of visie\.gml"):
        validate_io(written.io, gio=written.gio)
    tamper(written.ow, lambda d: first(d, "//l:GeometrieRef").set(
        f"{{{NS['xlink']}}}href", "00000000-0000-0000-0000-000000000000"))
    with pytest.raises(ValidationError, match="'00000000-0000-0000-0000-000000000000' is not a "
                       "basisgeo:id in the GIO"):
        validate_ow(written.ow, gio=written.gio)


def test_ow_and_io_xsds_catch_broken_files(written, schemas):
    tamper(written.ow, lambda d: setattr(first(d, "//l:identificatie"), "text", "gebied-1"))
    with pytest.raises(ValidationError, match=r"OW-visie.xml is not a valid OW file: line \d+: "
                       "Element 'l:identificatie'.*'gebied-1' is not accepted by the pattern"):
        validate_ow(written.ow, schemas=schemas)
    tamper(written.io, lambda d: setattr(first(d, "//data:publicatieinstructie"), "text", "Ja"))
    with pytest.raises(ValidationError, match="publicatieinstructie"):
        validate_io(written.io, schemas=schemas)


def test_reads_a_gio_in_etrs89(written):
    from pyproj import Transformer

    to_latlon = Transformer.from_crs(28992, 4258)  # EPSG:4258 axis order: latitude first

    def to_etrs89(doc):
        for pos in doc.xpath("//gml:posList", namespaces=NS):
            v = list(map(float, pos.text.split()))
            lat, lon = to_latlon.transform(v[::2], v[1::2])
            pos.text = " ".join(f"{a:.9f} {b:.9f}" for a, b in zip(lat, lon, strict=True))
        for el in doc.xpath("//*[@srsName]"):
            el.set("srsName", "urn:ogc:def:crs:EPSG::4258")

    tamper(written.gio, to_etrs89)
    validate_gio(written.gio)
    assert_round_trip(frame(AREAS), written)


EXAMPLES = ["ws0665/nl.imow-ws0665.gebied.14fbb37905ac4b61a78fa98e4c6cb09d.gml",
            "gm9920/gio-1.gml", "pv30/normen_bouwaanduiding-v1.gml", "geonovum/gestapeld.gml"]


@pytest.mark.parametrize("name", EXAMPLES)
def test_real_example_gios_pass_the_checker_and_can_be_read(schemas, name):
    path = schemas / "stop" / "examples" / name
    assert validate_gio(path, schemas=schemas) is not None
    back = read_gio(path)
    assert len(back) >= 1 and back.geometry.is_valid.all() and (back.area > 0).all()


def test_real_example_io_passes_with_its_gio(schemas):
    folder = schemas / "stop" / "examples" / "ws0665"
    validate_io(next(folder.glob("IO-*.xml")), gio=next(folder.glob("*.gml")), schemas=schemas)


def test_the_faulty_geonovum_example_fails(schemas):
    path = schemas / "stop" / "examples" / "geonovum" / "OZON0069-GoedeGebieden.gml"
    with pytest.raises(ValidationError, match="Element 'geo:naam': This element is not expected"):
        validate_gio(path, schemas=schemas)


def test_public_names():
    assert sorted(gio.__all__) == ["GioFiles", "SCHEMAS_ENV", "export_gio", "exported_areas",
                                   "read_gio", "responses_per_area", "validate_gio",
                                   "validate_io", "validate_ow", "write_gio"]


# -- finding the schemas ---------------------------------------------------------------------


def test_without_schemas_only_the_rules_run(tmp_path, monkeypatch):
    monkeypatch.delenv(gio.SCHEMAS_ENV, raising=False)
    monkeypatch.setattr(gio._checks, "_find_stop", lambda folder: None)
    files = write(frame({"Vierkant": SQUARE}), tmp_path)
    assert files.xsd is False
    assert validate_gio(files.gio) is None


def test_a_source_checkout_finds_the_schemas_beside_it(tmp_path, monkeypatch, schemas):
    monkeypatch.delenv(gio.SCHEMAS_ENV, raising=False)
    assert write(frame({"Vierkant": SQUARE}), tmp_path).xsd  # ../shared/schemas, unasked


def test_schemas_from_the_environment(tmp_path, monkeypatch, schemas):
    monkeypatch.setenv(gio.SCHEMAS_ENV, str(schemas / "stop"))
    assert write(frame({"Vierkant": SQUARE}), tmp_path / "a").xsd
    monkeypatch.setenv(gio.SCHEMAS_ENV, str(tmp_path / "nergens"))
    with pytest.raises(ValidationError, match=r"\$OMGEVING_STOP_SCHEMAS is .*nergens"):
        write(frame({"Vierkant": SQUARE}), tmp_path / "b")


def test_given_schemas_must_be_there(written, tmp_path):
    with pytest.raises(ValidationError, match=r"schemas= is .* holds no STOP schemas"):
        validate_gio(written.gio, schemas=tmp_path)


def test_files_of_another_kind_are_refused(written):
    with pytest.raises(ValidationError, match=r"OW-visie\.xml is not a geo:GeoInformatieObject"):
        validate_gio(written.ow)
    written.gio.write_text("<geo:Geo")
    with pytest.raises(ValidationError, match="not well-formed XML"):
        read_gio(written.gio)


def test_the_command(demo_project, tmp_path, schemas):
    from tests.test_cli import one_error_line, run

    done = run("gio", demo_project, "--scenario", "compact-bouwen", "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["IO-compact-bouwen.xml", "OW-compact-bouwen.xml", "compact-bouwen.gml"]
    assert validate_gio(tmp_path / "compact-bouwen.gml", schemas=schemas)
    assert "has no scenario 'nergens'" in one_error_line(
        run("gio", demo_project, "--scenario", "nergens"))


def test_the_gio_export_lists_per_area_the_responses_that_shaped_it(project_copy, schemas):
    import csv

    from omgeving.store import Response, open_store

    project = open_project(project_copy)
    write_layer(visiegebieden(project), project.layer_path("visiegebieden"))
    with open_store(project.store_url()) as store:
        store.save_response(Response(
            id="1" * 32, kind="concern", target="Verkeer bij de school", verdict="overgenomen",
            text="De kern krijgt 30 km per uur.", ids=("a" * 32, "b" * 32),
            changes=("gio:visiegebieden/Hoofdkern Eskerlo",)), actor="Anna")
        store.save_response(Response(
            id="2" * 32, kind="theme", target="wonen", verdict="niet overgenomen",
            text="Geen nieuwe wijk.", changes=("gio:iets-anders",)), actor="Anna")
    paths = export_gio(project, layer="visiegebieden")
    shaped = paths[-1]
    assert shaped.name == "antwoorden-visiegebieden.csv"
    validate_gio(paths[0], schemas=schemas)  # the GIO itself holds geometry only
    with shaped.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert [(r["gebied"], r["oordeel"], r["reacties"]) for r in rows] == [
        ("Hoofdkern Eskerlo", "overgenomen", f"{'a' * 32} {'b' * 32}")]
    ident = rows[0]["identificatie"]
    assert ident in paths[2].read_text(encoding="utf-8")  # the OW file's Gebied

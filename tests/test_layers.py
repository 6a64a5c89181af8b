from __future__ import annotations

import json
import warnings

import geopandas as gpd
import pytest

from omgeving._errors import LayerError
from omgeving.layers import LayerCRSWarning, looks_like_degrees, looks_like_rd, read_layer
from tests.geoms import RD_SQUARE


@pytest.fixture
def rd_frame():
    return gpd.GeoDataFrame({"naam": ["vierkant"]}, geometry=[RD_SQUARE], crs=28992)


def test_real_cbs_geojson_without_crs_is_taken_as_rd_with_a_warning(shared_dir):
    path = shared_dir / "data" / "gemeenten_2025_salland_rd.geojson"
    assert '"crs"' not in path.read_text()[:2000]
    with pytest.warns(LayerCRSWarning, match="RD New"):
        gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 28992
    areas = gdf.set_index("statcode").area / 1e6
    assert areas["GM0177"] == pytest.approx(172.9, abs=0.1)  # the README's sanity value
    assert areas["GM0150"] == pytest.approx(138.2, abs=0.1)


def test_explicit_crs_silences_the_warning(shared_dir):
    path = shared_dir / "data" / "buurten_2025_oldenzaal_rd.geojson"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gdf = read_layer(path, crs=28992)
    assert len(gdf) == 14
    assert gdf.area.sum() / 1e6 == pytest.approx(21.6, abs=0.1)


@pytest.mark.parametrize(
    ("suffix", "driver"),
    [(".gpkg", "GPKG"), (".shp", "ESRI Shapefile"), (".geojson", "GeoJSON"), (".parquet", None)],
)
def test_formats_load_through_the_same_api(tmp_path, rd_frame, suffix, driver):
    path = tmp_path / f"laag{suffix}"
    if driver is None:
        rd_frame.to_parquet(path)
    else:
        rd_frame.to_file(path, driver=driver)
    gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 28992
    assert gdf.area.iloc[0] == pytest.approx(1e6)
    assert list(gdf["naam"]) == ["vierkant"]


def test_wgs84_geojson_is_reprojected(tmp_path, rd_frame):
    path = tmp_path / "wgs.geojson"
    rd_frame.to_crs(4326).to_file(path, driver="GeoJSON")
    gdf = read_layer(path)
    assert gdf.area.iloc[0] == pytest.approx(1e6, rel=1e-3)


def test_file_that_says_4326_but_holds_rd_is_refused(tmp_path, rd_frame):
    path = tmp_path / "liegt.geojson"
    data = json.loads(rd_frame.to_json(to_wgs84=False))
    data["crs"] = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    path.write_text(json.dumps(data))
    with pytest.raises(LayerError, match="pass crs=28992"):
        read_layer(path)


def test_unknown_coordinates_are_refused(tmp_path):
    path = tmp_path / "mercator.geojson"
    data = json.loads(
        gpd.GeoDataFrame(geometry=gpd.points_from_xy([691790], [6872839]), crs=3857).to_json(
            to_wgs84=False
        )
    )
    del data["crs"]  # web mercator metres, and the file does not say so
    path.write_text(json.dumps(data))
    with pytest.raises(LayerError, match="neither RD New nor longitude/latitude"):
        read_layer(path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "cannot read"),
        (b'{"type": "FeatureCollection", "feat', "cannot read"),
        (b'{"type": "FeatureCollection", "features": []}', "no features"),
    ],
)
def test_broken_files(tmp_path, content, match):
    path = tmp_path / "kapot.geojson"
    path.write_bytes(content)
    with pytest.raises(LayerError, match=match):
        read_layer(path)


def test_missing_and_unknown(tmp_path):
    with pytest.raises(LayerError, match="does not exist"):
        read_layer(tmp_path / "nee.gpkg")
    (tmp_path / "x.csv").write_text("a,b\n")
    with pytest.raises(LayerError, match="unknown extension"):
        read_layer(tmp_path / "x.csv")


def test_bounds_heuristics():
    assert looks_like_rd((206437, 479568, 224255, 498799))
    assert not looks_like_rd((6.07, 52.22, 6.41, 52.47))
    assert looks_like_degrees((6.07, 52.22, 6.41, 52.47))
    assert not looks_like_degrees((206437, 479568, 224255, 498799))


def _write_without_crs(path, geometry) -> None:
    """Write ``geometry`` with pyogrio and no CRS at all (as QGIS' 'no CRS' export does)."""
    frame = gpd.GeoDataFrame({"naam": ["vierkant"]}, geometry=[geometry], crs=None)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "'crs' was not provided", UserWarning)
        frame.to_file(path, engine="pyogrio")


@pytest.mark.parametrize("suffix", [".gpkg", ".shp"])
@pytest.mark.parametrize(
    ("coordinates", "epsg", "match"),
    [
        ("lonlat", 4326, r"longitude/latitude \(EPSG:4326\)"),
        ("rd", 28992, r"RD New \(EPSG:28992\)"),
    ],
)
def test_file_without_crs_is_read_from_its_coordinates(
    tmp_path, rd_frame, suffix, coordinates, epsg, match
):
    source = rd_frame.to_crs(epsg).geometry.iloc[0]
    path = tmp_path / f"zonder_crs{suffix}"
    _write_without_crs(path, source)
    assert gpd.read_file(path, engine="pyogrio").crs is None  # the file really says no CRS
    with pytest.warns(LayerCRSWarning, match=match):
        gdf = read_layer(path)
    assert gdf.crs.to_epsg() == 28992
    assert gdf.area.iloc[0] == pytest.approx(1e6, rel=1e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_layer(path, crs=epsg).area.iloc[0] == pytest.approx(1e6, rel=1e-3)


@pytest.mark.parametrize("suffix", [".gpkg", ".geojson"])
@pytest.mark.parametrize(
    ("epsg", "match"),
    [
        (3857, r"Web Mercator.*pass crs=3857"),
        (25831, r"UTM zone 31N.*pass crs=25831"),
        (3035, r"LAEA Europe.*pass crs=3035"),
        (None, r"pass crs=\.\.\. with the EPSG code.*RD New is 28992, longitude/latitude 4326"),
    ],
)
def test_file_without_crs_in_neither_names_the_crs_to_pass(tmp_path, rd_frame, suffix, epsg, match):
    if epsg is None:  # coordinates that fit no CRS we know of
        source = RD_SQUARE.__class__([(1e7, 1e7), (1.1e7, 1e7), (1.1e7, 1.1e7)])
    else:
        source = rd_frame.to_crs(epsg).geometry.iloc[0]
    path = tmp_path / f"onbekend{suffix}"
    _write_without_crs(path, source)
    with pytest.raises(LayerError, match="neither RD New nor longitude/latitude") as caught:
        read_layer(path)
    assert caught.match(match)
    assert "crs=28992" not in str(caught.value)  # the coordinates are not RD: do not suggest it

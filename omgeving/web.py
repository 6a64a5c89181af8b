"""Bake a project's layers into small web layers for the apps.

The resident kernels must stay light: they read these files with :mod:`json` and never need
geopandas. Every web layer is in EPSG:4326, simplified for the scale it is shown at, with six
decimals (~0.1 m). Buildings are baked twice: a density grid for the municipal view, and
tiles of footprints (slippy-map tiles at zoom 14) that the app loads only when zoomed in, so a
phone never holds 20,000 SVG paths.

``web/manifest.json`` lists the layers with their Dutch and English labels and styles.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omgeving._errors import LayerError
from omgeving.files import atomic_path, atomic_write
from omgeving.palette import FUNCTION_COLOURS, LANDUSE_COLOURS

if TYPE_CHECKING:
    import geopandas as gpd

    from omgeving.project import Project

__all__ = [
    "BUILDING_TILE_ZOOM",
    "DETAIL_MIN_ZOOM",
    "WebLayer",
    "bake_indicators",
    "bake_web_layers",
    "density_shade",
    "read_manifest",
    "tile_of",
    "tiles_for_bounds",
]

#: Zoom level of the building tiles, and the first zoom level that shows footprints.
BUILDING_TILE_ZOOM = 14
DETAIL_MIN_ZOOM = 15
#: Size of a density cell, in metres.
DENSITY_CELL_M = 250
#: Shades of the density map: cells of one shade are one feature (a few dozen shapes for the
#: browser to draw instead of one per cell; the page a phone loads is a third smaller).
DENSITY_SHADES = 8

_MANIFEST = "manifest.json"


@dataclass(frozen=True)
class WebLayer:
    """One layer as the apps show it."""

    name: str
    label_nl: str
    label_en: str
    file: str
    kind: str  # "polygon", "line", "point"
    style: dict[str, Any] = field(default_factory=dict)
    visible: bool = True
    tooltip: str | None = None  # property shown on hover
    color_by: str | None = None  # property whose value picks a colour from ``colors``
    colors: dict[str, str] = field(default_factory=dict)


# name: (label_nl, label_en, simplify tolerance in m, style, visible, tooltip field)
_STYLES: dict[str, tuple[str, str, float, dict[str, Any], bool, str | None]] = {
    "landgebruik": (
        "Landgebruik",
        "Land use",
        8.0,
        {"weight": 0, "fillOpacity": 0.45},
        True,
        "klasse",
    ),
    "natura2000": (
        "Natura 2000-gebied",
        "Natura 2000 area",
        5.0,
        {
            "color": "#1b7837",
            "weight": 2,
            "fillColor": "#5aae61",
            "fillOpacity": 0.25,
            "dashArray": "6 4",
        },
        True,
        "naam_n2k",
    ),
    "overstroming": (
        "Kans op overstroming",
        "Flood-prone zone",
        5.0,
        {"color": "#2166ac", "weight": 1, "fillColor": "#67a9cf", "fillOpacity": 0.3},
        False,
        "kans",
    ),
    "waterlopen": (
        "Rivier en beken",
        "River and brooks",
        3.0,
        {"color": "#2166ac", "weight": 3, "opacity": 0.9},
        True,
        "naam",
    ),
    "wegen": (
        "Hoofdwegen",
        "Main roads",
        3.0,
        {"color": "#6b4c3b", "weight": 2, "opacity": 0.9},
        True,
        "naam",
    ),
    "kernen": (
        "Dorpskernen",
        "Village cores",
        3.0,
        {"color": "#8c2d04", "weight": 2, "fillOpacity": 0.05, "fillColor": "#fdae6b"},
        True,
        "naam",
    ),
    "buurten": (
        "Buurten",
        "Neighbourhoods",
        3.0,
        {"color": "#555555", "weight": 1, "fillOpacity": 0.0, "dashArray": "3 3"},
        True,
        "buurtnaam",
    ),
    "gemeente": (
        "Gemeentegrens",
        "Municipal boundary",
        3.0,
        {"color": "#222222", "weight": 3, "fillOpacity": 0.0},
        True,
        "gemeentenaam",
    ),
}
_ORDER = (
    "landgebruik",
    "natura2000",
    "overstroming",
    "waterlopen",
    "wegen",
    "kernen",
    "buurten",
    "gemeente",
)


def bake_web_layers(project: Project) -> Path:
    """Write ``web/`` for ``project`` from its layers and scenarios; return the manifest path.

    Raises
    ------
    LayerError
        When the project has no ``gemeente`` layer (the project area).
    """
    import geopandas as gpd

    web = project.web_dir
    web.mkdir(parents=True, exist_ok=True)
    names = project.layer_names()
    if "gemeente" not in names:
        raise LayerError(f"project {project.root} has no 'gemeente' layer; rebuild it")
    area = project.read_layer("gemeente")
    entries: list[WebLayer] = []
    _write_geojson(area.dissolve()[["geometry"]], web / "area.geojson", 1.0)
    known = [n for n in _ORDER if n in names]
    other = [n for n in names if n not in _ORDER and n != "gebouwen"]
    for name in known + other:
        gdf = project.read_layer(name)
        label_nl, label_en, tol, style, visible, tip = _STYLES.get(
            name, (name, name, 3.0, {"color": "#444444", "weight": 1}, False, None)
        )
        keep = [c for c in (tip, "klasse", "buurtcode", "buurtnaam") if c and c in gdf.columns]
        _write_geojson(gdf[[*dict.fromkeys(keep), "geometry"]], web / f"{name}.geojson", tol)
        entries.append(
            WebLayer(
                name=name,
                label_nl=label_nl,
                label_en=label_en,
                file=f"{name}.geojson",
                kind=_kind(gdf),
                style=style,
                visible=visible,
                tooltip=tip,
                color_by="klasse" if name == "landgebruik" else None,
                colors=LANDUSE_COLOURS if name == "landgebruik" else {},
            )
        )
    buildings: dict[str, Any] = {}
    if "gebouwen" in names:
        buildings = _bake_buildings(project.read_layer("gebouwen"), web)
        entries.append(
            WebLayer(
                name="gebouwen",
                label_nl="Gebouwen",
                label_en="Buildings",
                file="gebouwen_dichtheid.geojson",
                kind="polygon",
                style={"weight": 0, "fillColor": "#7f2704"},
                visible=True,
                tooltip="aantal",
            )
        )
    scenarios = []
    for ref in project.config.scenarios:
        path = project.scenario_path(ref.slug)
        if path.exists():
            gdf = gpd.read_file(path)
            cols = [c for c in ("naam", "functie", "woningen", "mw") if c in gdf.columns]
            _write_geojson(gdf[[*cols, "geometry"]], web / f"scenario-{ref.slug}.geojson", 1.0)
            scenarios.append(
                {
                    "slug": ref.slug,
                    "name": ref.name,
                    "description": ref.description,
                    "file": f"scenario-{ref.slug}.geojson",
                }
            )
    bounds = [round(v, 6) for v in area.to_crs(4326).total_bounds]
    manifest = {
        "version": 1,
        "title": project.config.title,
        "bounds": bounds,  # lon/lat: minx, miny, maxx, maxy
        "layers": [asdict(e) for e in entries],
        "buildings": buildings,
        "scenarios": scenarios,
        "function_colors": FUNCTION_COLOURS,
    }
    path = web / _MANIFEST
    atomic_write(path, json.dumps(manifest, ensure_ascii=False, indent=1))
    bake_indicators(project)
    return path


def bake_indicators(project: Project) -> Path:
    """Compute every indicator of every scenario into ``web/indicators.json``.

    The compare app reads this file, so its kernel needs no geopandas and answers at once.
    Values that are not a number (e.g. a share of zero new homes) are written as null.
    """
    from omgeving.indicators import INDICATORS, Layers, compute
    from omgeving.scenario import Scenario

    layers = Layers(project)
    results = {}
    for ref in project.config.scenarios:
        if project.scenario_path(ref.slug).exists():
            results[ref.slug] = compute(Scenario.load(project, ref.slug), layers)
    keys = list(dict.fromkeys(k for found in results.values() for k in found))
    names = {}
    if "buurten" in project.layer_names():
        buurten = project.read_layer("buurten", columns=["buurtcode", "buurtnaam", "geometry"])
        names = dict(zip(buurten["buurtcode"], buurten["buurtnaam"], strict=True))
    table = {
        "scenarios": list(results),
        "buurten": names,
        "indicators": [_indicator_entry(INDICATORS[key], results) for key in keys],
    }
    path = project.web_dir / "indicators.json"
    atomic_write(path, json.dumps(table, ensure_ascii=False, indent=1, allow_nan=False))
    return path


def _indicator_entry(spec: Any, results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    def number(value: Any) -> float | None:
        return None if value is None or value != value else round(float(value), 4)

    per_buurt = {
        slug: {code: number(v) for code, v in found[spec.key].per_buurt.items() if number(v)}
        for slug, found in results.items()
        if found[spec.key].per_buurt is not None
    }
    return {
        "key": spec.key,
        "name": {"nl": spec.title("nl"), "en": spec.title("en")},
        "unit": {"nl": spec.unit_in("nl"), "en": spec.unit_in("en")},
        "explanation": {"nl": spec.explain("nl"), "en": spec.explain("en")},
        "values": {slug: number(found[spec.key].value) for slug, found in results.items()},
        "per_buurt": per_buurt or None,
    }


def read_manifest(web_dir: str | os.PathLike[str]) -> dict[str, Any]:
    """Read ``web/manifest.json``.

    Raises
    ------
    LayerError
        When the project has no baked web layers.
    """
    path = Path(web_dir) / _MANIFEST
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise LayerError(
            f"{path} is missing; the project has no web layers. Rebuild it with "
            "'omgeving fetch DIR' or 'omgeving demo DIR --force'"
        ) from err


def _kind(gdf: gpd.GeoDataFrame) -> str:
    kinds = set(gdf.geom_type.dropna().str.replace("Multi", ""))
    if kinds <= {"Point"}:
        return "point"
    if kinds <= {"LineString"}:
        return "line"
    return "polygon"


def _write_geojson(gdf: gpd.GeoDataFrame, path: Path, tolerance_m: float) -> None:
    """Simplify in RD (metres), then write WGS84 GeoJSON with six decimals."""
    import shapely

    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    geoms = gdf.geometry.values
    if tolerance_m > 0:
        polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).to_numpy()
        if polygonal.all() and len(gdf) > 1 and bool(shapely.coverage_is_valid(geoms)):
            geoms = shapely.coverage_simplify(geoms, tolerance_m, simplify_boundary=True)
        else:
            geoms = shapely.simplify(geoms, tolerance_m, preserve_topology=True)
    gdf = gdf.set_geometry(geoms, crs=gdf.crs).to_crs(4326)
    gdf = gdf[~gdf.geometry.is_empty]
    # GDAL rounds to six decimals (~0.1 m) while writing: no topology work, no failures
    with atomic_path(path, exists=False) as tmp:
        gdf.to_file(
            tmp,
            driver="GeoJSON",
            engine="pyogrio",
            layer=path.stem,
            COORDINATE_PRECISION=6,
            RFC7946="YES",
            WRITE_NAME="NO",
        )


def _bake_buildings(gdf: gpd.GeoDataFrame, web: Path) -> dict[str, Any]:
    """Write the density grid and the zoom-14 footprint tiles of the buildings."""
    import geopandas as gpd
    import numpy as np
    import shapely

    centroids = gdf.geometry.centroid
    cx = np.floor(centroids.x.to_numpy() / DENSITY_CELL_M).astype(np.int64)
    cy = np.floor(centroids.y.to_numpy() / DENSITY_CELL_M).astype(np.int64)
    cells, counts = np.unique(np.stack([cx, cy], axis=1), axis=0, return_counts=True)
    boxes = shapely.box(
        cells[:, 0] * DENSITY_CELL_M,
        cells[:, 1] * DENSITY_CELL_M,
        (cells[:, 0] + 1) * DENSITY_CELL_M,
        (cells[:, 1] + 1) * DENSITY_CELL_M,
    )
    grid = gpd.GeoDataFrame(
        {"tint": density_shade(counts, int(counts.max()))}, geometry=boxes, crs=gdf.crs
    )
    shades = grid.dissolve(by="tint", as_index=False)  # adjacent cells become one polygon
    shades["aantal"] = [
        f"{int(counts[grid['tint'] == t].min())}–{int(counts[grid['tint'] == t].max())}"
        for t in shades["tint"]
    ]
    shades["fillOpacity"] = [round(0.05 + 0.75 * t / DENSITY_SHADES, 2) for t in shades["tint"]]
    _write_geojson(shades[["aantal", "fillOpacity", "geometry"]],
                   web / "gebouwen_dichtheid.geojson", 1.0)  # drops the cells' inner corners

    lonlat = centroids.to_crs(4326)
    xs, ys = tile_of(lonlat.x.to_numpy(), lonlat.y.to_numpy(), BUILDING_TILE_ZOOM)
    tiles_dir = web / "gebouwen"
    tiles_dir.mkdir(exist_ok=True)
    small = gdf[["geometry"]].copy()
    small["t"] = xs.astype(np.int64) * 100000 + ys.astype(np.int64)
    written = []
    for key, part in small.groupby("t"):
        x, y = divmod(int(key), 100000)
        _write_geojson(part[["geometry"]], tiles_dir / f"{x}_{y}.geojson", 0.5)
        written.append([x, y])
    return {
        "zoom": BUILDING_TILE_ZOOM,
        "min_zoom": DETAIL_MIN_ZOOM,
        "dir": "gebouwen",
        "tiles": sorted(written),
        "count": len(gdf),
        "max_density": int(counts.max()),
    }


def density_shade(counts: Any, most: int) -> Any:
    """Return the shade (1 … :data:`DENSITY_SHADES`) of cells with ``counts`` buildings.

    The square root spreads the many cells with a few buildings over the lighter shades.

    Examples
    --------
    >>> density_shade([1, 25, 100], 100).tolist()
    [1, 4, 8]
    """
    import numpy as np

    share = np.sqrt(np.asarray(counts, dtype=float) / max(most, 1))
    return np.clip(np.ceil(share * DENSITY_SHADES), 1, DENSITY_SHADES).astype(int)


def tile_of(lon, lat, zoom: int):
    """Return the slippy-map tile indices ``(x, y)`` of lon/lat (scalars or arrays)."""
    import numpy as np

    n = 2**zoom
    lat_r = np.radians(np.clip(lat, -85.0511, 85.0511))
    x = np.floor((np.asarray(lon) + 180.0) / 360.0 * n).astype(int)
    y = np.floor((1.0 - np.arcsinh(np.tan(lat_r)) / math.pi) / 2.0 * n).astype(int)
    return x, y


def tiles_for_bounds(
    south: float,
    west: float,
    north: float,
    east: float,
    zoom: int,
    available: Iterable[tuple[int, int]],
) -> list[tuple[int, int]]:
    """Return the available tiles at ``zoom`` that a lat/lon view box touches.

    Pure Python on purpose: the resident kernel calls it without numpy.
    """

    def index(lon: float, lat: float) -> tuple[int, int]:
        n = 2**zoom
        lat = max(min(lat, 85.0511), -85.0511)
        x = int((lon + 180.0) / 360.0 * n)
        y = int((1.0 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2.0 * n)
        return x, y

    x0, y0 = index(west, north)
    x1, y1 = index(east, south)
    wanted = {(x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)}
    return sorted(wanted & {tuple(t) for t in available})

"""Read local layer files (GeoPackage, GeoJSON, GeoParquet, Shapefile) into EPSG:28992.

The one rule that matters most: a GeoJSON in RD New without a ``crs`` member (older files,
PDOK output asked for in RD) must not silently become WGS84. GDAL reads such a file as
EPSG:4326; we look at the file itself and at the coordinates, take RD with a
:class:`LayerCRSWarning` when the coordinates are clearly RD, and refuse with a message that
names the fix when they fit neither. A GeoPackage or Shapefile that says no CRS at all is
treated the same way: read as RD New or as longitude/latitude (EPSG:4326), with the warning,
when the coordinates clearly are one of them, and refused with the ``crs=`` to pass otherwise.
"""

from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from omgeving._errors import LayerError

#: RD New (Amersfoort / RD New), the CRS of every layer in a project.
RD = 28992

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["RD", "LayerCRSWarning", "looks_like_degrees", "looks_like_rd", "read_layer"]

log = logging.getLogger(__name__)

_PARQUET = {".parquet", ".geoparquet"}
_GEOJSON = {".geojson", ".json"}
_SUPPORTED = _PARQUET | _GEOJSON | {".gpkg", ".shp", ".zip"}


class LayerCRSWarning(UserWarning):
    """A layer's CRS was taken from its coordinates, not from the file."""


def looks_like_rd(bounds: tuple[float, float, float, float]) -> bool:
    """Return whether ``(minx, miny, maxx, maxy)`` fit RD New over the Netherlands.

    Examples
    --------
    >>> looks_like_rd((206437, 479568, 224255, 498799))
    True
    >>> looks_like_rd((6.07, 52.22, 6.41, 52.47))
    False
    """
    minx, miny, maxx, maxy = bounds
    return -7000 <= minx <= maxx <= 300000 and 289000 <= miny <= maxy <= 640000


def looks_like_degrees(bounds: tuple[float, float, float, float]) -> bool:
    """Return whether ``(minx, miny, maxx, maxy)`` fit longitude/latitude."""
    minx, miny, maxx, maxy = bounds
    return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def _geojson_declares_crs(path: Path) -> bool:
    """Return whether a GeoJSON file has a top-level ``crs`` member.

    Members may come in any order, so both the part before ``"features"`` and the end of the
    file are searched (the file is not parsed: it may be large).
    """
    member = re.compile(r'"crs"\s*:\s*\{')
    size = path.stat().st_size
    with path.open("rb") as fh:
        head = fh.read(1 << 16).decode("utf-8", errors="replace")
        fh.seek(max(size - (1 << 16), 0))
        tail = fh.read().decode("utf-8", errors="replace")
    if member.search(head.split('"features"', 1)[0]):
        return True
    return member.search(tail.rsplit("]", 1)[-1]) is not None


def read_layer(
    source: str | Path,
    *,
    layer: str | None = None,
    crs: int | str | None = None,
    columns: list[str] | None = None,
) -> gpd.GeoDataFrame:
    """Read a local layer file and return it in EPSG:28992 with valid geometries.

    Parameters
    ----------
    source
        A GeoPackage, GeoJSON, GeoParquet or Shapefile (also a zipped one).
    layer
        The layer inside a GeoPackage with several layers.
    crs
        The CRS the coordinates are in, when the file does not say or says it wrongly.
    columns
        Only read these attribute columns.

    Raises
    ------
    LayerError
        When the file is missing, unreadable, empty, or its CRS cannot be known.

    Examples
    --------
    A GeoJSON from CBS in RD New without a ``crs`` member::

        gdf = read_layer("buurten.geojson", crs=28992)
    """
    import geopandas as gpd
    from pyogrio.errors import DataLayerError, DataSourceError

    path = Path(source)
    if not path.exists():
        raise LayerError(f"layer file {path} does not exist; check the path")
    suffix = path.suffix.lower()
    if suffix not in _SUPPORTED:
        raise LayerError(
            f"layer file {path} has the unknown extension {suffix!r}; use GeoPackage (.gpkg), "
            "GeoJSON (.geojson), GeoParquet (.parquet) or Shapefile (.shp)"
        )
    try:
        if suffix in _PARQUET:
            gdf = gpd.read_parquet(path, columns=columns)
        else:
            gdf = gpd.read_file(path, layer=layer, columns=columns, engine="pyogrio")
    except (DataSourceError, DataLayerError, OSError, ValueError) as err:
        raise LayerError(
            f"cannot read layer file {path}: {err}; check that it is a complete "
            "GeoPackage, GeoJSON, GeoParquet or Shapefile"
        ) from err
    if gdf.empty or gdf.geometry.isna().all():
        raise LayerError(f"layer file {path} has no features with a geometry")
    gdf = _with_crs(gdf, path, crs)
    return _valid(gdf.to_crs(RD), path)


def _with_crs(gdf: gpd.GeoDataFrame, path: Path, crs: int | str | None) -> gpd.GeoDataFrame:
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    bounds = (minx, miny, maxx, maxy)
    if crs is not None:
        return gdf.set_crs(crs, allow_override=True)
    declared = gdf.crs
    if path.suffix.lower() in _GEOJSON and not _geojson_declares_crs(path):
        declared = None  # GDAL says EPSG:4326 for every GeoJSON without a crs member
        if looks_like_degrees(bounds):
            return gdf.set_crs(4326, allow_override=True)  # RFC 7946: lon/lat WGS84
    if declared is not None:
        epsg = declared.to_epsg()
        if epsg == 4326 and looks_like_rd(bounds):
            raise LayerError(
                f"layer file {path} says EPSG:4326 but its coordinates {_fmt(bounds)} are "
                "metres in RD New; pass crs=28992"
            )
        return gdf
    return _guess_crs(gdf, path, bounds)


def _guess_crs(
    gdf: gpd.GeoDataFrame, path: Path, bounds: tuple[float, float, float, float]
) -> gpd.GeoDataFrame:
    """Set the CRS of a file that does not say it from its coordinates, or refuse."""
    if looks_like_rd(bounds):
        guess, name = RD, "RD New (EPSG:28992)"
    elif looks_like_degrees(bounds):
        guess, name = 4326, "longitude/latitude (EPSG:4326)"
    else:
        raise LayerError(
            f"layer file {path} does not say its CRS and its coordinates {_fmt(bounds)} are "
            f"neither RD New nor longitude/latitude; {_crs_hint(bounds)}"
        )
    warnings.warn(
        f"layer file {path} does not say its CRS; its coordinates {_fmt(bounds)} are "
        f"{name}, so it is read as such. Pass crs={guess} to silence this, or "
        "crs=... if it is something else",
        LayerCRSWarning,
        stacklevel=4,
    )
    return gdf.set_crs(guess, allow_override=True)


# Where the Netherlands lies in the projected CRSs that Dutch data comes in besides RD New.
_KNOWN_EXTENTS = (
    (3857, "Web Mercator metres (as used by web maps)", (300_000, 6_400_000, 900_000, 7_200_000)),
    (25831, "ETRS89 / UTM zone 31N metres", (400_000, 5_500_000, 900_000, 6_050_000)),
    (3035, "ETRS89 / LAEA Europe metres", (3_700_000, 2_950_000, 4_300_000, 3_550_000)),
)


def _crs_hint(bounds: tuple[float, float, float, float]) -> str:
    """Return which ``crs=`` to pass for coordinates that are neither RD New nor lon/lat."""
    minx, miny, maxx, maxy = bounds
    for epsg, name, (x0, y0, x1, y1) in _KNOWN_EXTENTS:
        if x0 <= minx <= maxx <= x1 and y0 <= miny <= maxy <= y1:
            return f"they look like {name}: pass crs={epsg} if that is what the file holds"
    return (
        "pass crs=... with the EPSG code of the system the file was made in (ask its maker, "
        "or look in the GIS program that exported it); RD New is 28992, longitude/latitude 4326"
    )


def _valid(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    gdf = gdf[gdf.geometry.notna() & ~gdf.geometry.is_empty].copy()
    invalid = ~gdf.geometry.is_valid
    if invalid.any():
        log.warning("layer %s: repaired %d invalid geometries", path, int(invalid.sum()))
        gdf.loc[invalid, "geometry"] = gdf.geometry[invalid].make_valid()
    return gdf.reset_index(drop=True)


def _fmt(bounds: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in bounds) + ")"

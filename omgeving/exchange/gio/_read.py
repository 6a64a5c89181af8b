"""Reading a GIO back: GML 3.2 geometries to shapely, in EPSG:28992."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import shapely
from lxml import etree
from shapely.geometry import LineString, MultiLineString, MultiPoint, MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from omgeving._errors import ValidationError
from omgeving.project import RD

if TYPE_CHECKING:
    import geopandas as gpd

from omgeving.exchange.gio._common import (
    _MEMBERS,
    _SRS,
    _SRS_ALLOWED,
    NS,
    _expect_root,
    _listing,
    _local,
    _parse_file,
)

# -- reading -------------------------------------------------------------------------------


def read_gio(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read a GIO's Locaties as a GeoDataFrame in EPSG:28992.

    Reads what STOP GIOs hold: ``gml:Polygon``, ``gml:Surface`` of polygon patches,
    ``gml:MultiSurface``, ``gml:Point``, ``gml:MultiPoint``, ``gml:LineString``,
    ``gml:Curve`` and ``gml:MultiCurve``, in EPSG:28992 or EPSG:4258 (latitude first).

    Returns
    -------
    GeoDataFrame
        Columns ``naam`` (None for a Locatie without one), ``basisgeo_id`` and ``geometry``.

    Raises
    ------
    ValidationError
        When the file is not a GIO or a geometry cannot be read; the message names the
        Locatie.
    """
    import geopandas as gpd

    path = Path(path)
    doc = _parse_file(path)
    _expect_root(doc, "geo", "GeoInformatieObjectVaststelling", path.name)
    rows, problems = _locaties(doc)
    if problems:
        raise ValidationError(_listing(f"{path.name} cannot be read", problems))
    return gpd.GeoDataFrame(
        {"naam": [r[0] for r in rows], "basisgeo_id": [r[1] for r in rows]},
        geometry=[r[2] for r in rows], crs=RD,
    )


def _locaties(doc: etree._Element) -> tuple[list[tuple[str | None, str, BaseGeometry]], list[str]]:
    """Return (naam, basisgeo:id, geometry in RD) per Locatie, and what could not be read."""
    rows, problems = [], []
    for i, loc in enumerate(doc.iterfind(".//geo:Locatie", NS), start=1):
        naam = loc.findtext("geo:naam", namespaces=NS)
        gid = loc.findtext("geo:geometrie/basisgeo:Geometrie/basisgeo:id", namespaces=NS)
        label = f"Locatie {naam!r}" if naam is not None else f"Locatie {i}"
        holder = loc.find("geo:geometrie/basisgeo:Geometrie/basisgeo:geometrie", NS)
        elements = [] if holder is None else [c for c in holder if isinstance(c.tag, str)]
        if len(elements) != 1:
            problems.append(f"line {loc.sourceline}: {label} has no GML geometry")
            continue
        try:
            geom = _to_rd(_geometry(elements[0]), _srs(elements[0]))
        except _GmlError as err:
            problems.append(f"line {err.line or elements[0].sourceline}: {label}: {err}")
            continue
        rows.append((naam, (gid or "").strip(), geom))
    return rows, problems


class _GmlError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def _geometry(el: etree._Element) -> BaseGeometry:
    tag = _local(el)
    if tag == "Point":
        return Point(_coords(el, one=True)[0])
    if tag in ("LineString", "LineStringSegment"):
        return LineString(_coords(el))
    if tag == "Curve":
        parts = [_coords(s) for s in el.iterfind("gml:segments/*", NS)]
        return LineString(np.vstack([p if i == 0 else p[1:] for i, p in enumerate(parts)]))
    if tag in ("Polygon", "PolygonPatch"):
        exterior = el.find("gml:exterior/gml:LinearRing", NS)
        if exterior is None:
            raise _GmlError(f"gml:{tag} has no exterior LinearRing", el.sourceline)
        holes = [_ring(r) for r in el.iterfind("gml:interior/gml:LinearRing", NS)]
        return Polygon(_ring(exterior), holes)
    if tag not in _MEMBERS:
        raise _GmlError(f"gml:{tag} is not a geometry a GIO holds", el.sourceline)
    parts = [_geometry(c) for m in _MEMBERS[tag] for c in el.iterfind(m, NS)
             if isinstance(c.tag, str)]
    if not parts:
        raise _GmlError(f"gml:{tag} has no members", el.sourceline)
    if tag == "Surface":  # the patches of one surface share their edges
        return parts[0] if len(parts) == 1 else shapely.union_all(parts)
    flat = [g for p in parts for g in getattr(p, "geoms", [p])]
    kind = {"MultiPoint": MultiPoint, "MultiCurve": MultiLineString}.get(tag, MultiPolygon)
    return kind(flat)


def _ring(ring: etree._Element) -> np.ndarray:
    coords = _coords(ring)
    if len(coords) < 4:
        raise _GmlError(f"a LinearRing has {len(coords)} positions; it needs at least 4",
                        ring.sourceline)
    if not np.array_equal(coords[0], coords[-1]):
        raise _GmlError("a LinearRing is not closed: its last position must equal its first",
                        ring.sourceline)
    return coords


def _coords(el: etree._Element, *, one: bool = False) -> np.ndarray:
    poslist = el.find("gml:posList", NS)
    try:
        if poslist is not None:
            values = np.array((poslist.text or "").split(), dtype=float)
            dims = int(_inherited(poslist, "srsDimension") or 2)
            if dims < 2 or len(values) % dims:
                raise _GmlError(f"a posList has {len(values)} numbers, not pairs", el.sourceline)
            coords = values.reshape(-1, dims)[:, :2]
        elif (text := el.findtext("gml:coordinates", namespaces=NS)) is not None:
            coords = np.array([p.split(",")[:2] for p in text.split()], dtype=float)
        else:
            coords = np.array([(p.text or "").split()[:2] for p in el.iterfind("gml:pos", NS)],
                              dtype=float)
    except ValueError as err:
        raise _GmlError(f"coordinates that are not numbers ({err})", el.sourceline) from err
    if coords.size == 0 or coords.ndim != 2 or coords.shape[1] != 2 or (one and len(coords) != 1):
        raise _GmlError(f"gml:{_local(el)} has no usable coordinates", el.sourceline)
    return coords


def _inherited(el: etree._Element, attribute: str) -> str | None:
    while el is not None:
        if el.get(attribute):
            return el.get(attribute)
        el = el.getparent()
    return None


def _srs(el: etree._Element) -> str | None:
    return _inherited(el, "srsName")


def _to_rd(geom: BaseGeometry, srs: str | None) -> BaseGeometry:
    if srs not in _SRS_ALLOWED:
        raise _GmlError(f"srsName {srs!r} is not {_SRS} or urn:ogc:def:crs:EPSG::4258")
    if _SRS_ALLOWED[srs] == RD:
        return geom
    from pyproj import Transformer

    to_rd = Transformer.from_crs(4258, RD)  # EPSG axis order: latitude, longitude in
    return shapely.transform(geom, lambda xy: np.column_stack(to_rd.transform(xy[:, 0], xy[:, 1])))



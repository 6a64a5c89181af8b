"""GIO export: chosen areas as a STOP Geografisch Informatieobject for the DSO.

An omgevingsvisie is published in the DSO as STOP documents; its areas are a **GIO**: GML 3.2
in EPSG:28992 (``geo:GeoInformatieObjectVaststelling``, STOP 1.3.0). :func:`write_gio` writes
three files for a GeoDataFrame of areas (a scenario's interventions, or a layer of vision
areas drawn by the planner), one ``geo:Locatie`` per row:

``<work>.gml``
    The GIO. Polygons are written as the real STOP examples write them: a Polygon as
    ``gml:Surface`` with one ``gml:PolygonPatch``, a MultiPolygon as ``gml:MultiSurface`` of
    ``gml:Polygon`` members; points as ``gml:Point``/``gml:MultiPoint``, lines as
    ``gml:LineString``/``gml:MultiCurve``. One srsName (``urn:ogc:def:crs:EPSG::28992``) on
    every geometry, coordinates in millimetres, exterior rings counter-clockwise and interior
    rings clockwise, every ring closed.
``IO-<work>.xml``
    Its ``AanleveringInformatieObject`` (LVBB 1.2.0): FRBRWork and FRBRExpression, soortWork
    ``/join/id/stop/work_010``, format ``gio_002``, ``TeConsolideren``, the gemeente as maker
    and eindverantwoordelijke, and the file name with the SHA-512 of the GML file.
``OW-<work>.xml``
    The OW file (TPOD/IMOW 2.0.0, ``ow-dc:owBestand``): an ``l:Gebied`` (``l:Lijn``,
    ``l:Punt``) per Locatie, with the area's name as ``l:noemer`` and an ``l:GeometrieRef`` to
    the Locatie's ``basisgeo:id``.

The ``basisgeo:id`` UUIDs are UUID5s of gemeente, work id and the area's name, so exporting
the same areas again gives the same ids (the DSO follows a location across versions by them).

Every file is checked before it is written: always against the STOP rules we know (one
srsName, no optional GML elements on the STOP elements, valid non-empty geometry, unique
``basisgeo:id``, non-blank names, references that resolve, the hash), and against the official
XSDs when they are on this machine. The XSDs are looked up in the folder named by the
environment variable ``OMGEVING_STOP_SCHEMAS``, then in ``../shared/schemas`` beside a source
checkout; they are loaded offline (an XML catalog resolver maps every absolute schema URL to the
local file). Without them only the rule checks run.

Examples
--------
>>> import shutil, tempfile, geopandas as gpd
>>> from shapely.geometry import box
>>> areas = gpd.GeoDataFrame({"naam": ["Groene long"]},
...                          geometry=[box(211000, 490000, 211300, 490300)], crs=28992)
>>> folder = tempfile.mkdtemp()
>>> files = write_gio(areas, folder, gemeente="GM9999", work_id="visie",
...                   title="Visiegebieden", date="2026-11-28")
>>> files.work, [p.name for p in files.paths]
('/join/id/regdata/gm9999/2026/visie', ['visie.gml', 'IO-visie.xml', 'OW-visie.xml'])
>>> back = read_gio(files.gio)
>>> back.naam.tolist(), back.area.tolist()
(['Groene long'], [90000.0])
>>> shutil.rmtree(folder)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import shapely
from lxml import etree
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

from omgeving._errors import LayerError, ValidationError
from omgeving.config import normalise_gemeentecode
from omgeving.files import atomic_write
from omgeving.layers import looks_like_rd
from omgeving.project import RD, Project, open_project
from omgeving.reactions import CONTROL_CHARACTERS

if TYPE_CHECKING:
    import geopandas as gpd

from omgeving.exchange.gio._checks import (
    _check_gio,
    _check_io,
    _check_ow,
    _stop_folder,
    validate_gio,
    validate_io,
    validate_ow,
)
from omgeving.exchange.gio._common import (
    _LVBB,
    _OW_KIND,
    _PRECISION,
    _SCHEMA_URL,
    _SRS,
    _STOP,
    _WORK,
    NS,
    SCHEMAS_ENV,
    GioFiles,
    _listing,
    _parse,
    _q,
)
from omgeving.exchange.gio._read import (
    read_gio,
)

__all__ = [
    "SCHEMAS_ENV",
    "GioFiles",
    "export_gio",
    "exported_areas",
    "read_gio",
    "responses_per_area",
    "validate_gio",
    "validate_io",
    "validate_ow",
    "write_gio",
]


# -- writing -------------------------------------------------------------------------------


def write_gio(
    areas: gpd.GeoDataFrame,
    target_dir: str | os.PathLike[str],
    *,
    gemeente: str,
    work_id: str,
    title: str,
    names_column: str | None = "naam",
    date: dt.date | str | None = None,
    version: int = 1,
    achtergrond: tuple[str, dt.date | str] = ("cbs", "2024-01-01"),
    geboorteregeling: str | None = None,
    schemas: str | os.PathLike[str] | None = None,
) -> GioFiles:
    """Write ``areas`` as a GIO with its IO metadata and OW file into ``target_dir``.

    Parameters
    ----------
    areas
        One row per ``geo:Locatie``: (Multi)Polygons, (Multi)LineStrings or (Multi)Points (one
        kind per GIO), in any CRS (written in EPSG:28992).
    target_dir
        The folder for ``<work_id>.gml``, ``IO-<work_id>.xml`` and ``OW-<work_id>.xml``.
    gemeente
        The CBS code of the gemeente that decides, such as ``"GM0177"``.
    work_id
        The last part of the FRBRWork: letters, digits, ``_`` and ``-`` (at most 128).
    title
        The ``naamInformatieObject``: the name by which the text refers to the GIO.
    names_column
        The column with each area's name (``geo:naam`` and ``l:noemer``); names must be
        unique. None writes no names.
    date
        The date of this version (FRBRExpression; its year goes in the FRBRWork); today when
        None.
    version
        The version number of the expression on that date.
    achtergrond
        ``(achtergrondVerwijzing, achtergrondActualiteit)``: the background map the areas were
        drawn on and its date.
    geboorteregeling
        The AKN work of the regeling that introduces the GIO (``/akn/nl/act/gm0177/2026/...``),
        if it is known yet; the LVBB needs it for a GIO to be consolidated.
    schemas
        The folder with the offline STOP schemas (``schemas`` or its ``stop`` folder); found
        as described in the module documentation when None.

    Returns
    -------
    GioFiles
        The paths written, the FRBR identifiers and whether the XSDs were used.

    Raises
    ------
    LayerError
        When ``areas`` has no CRS.
    ValidationError
        When an area is empty, invalid, outside the Netherlands or not an area, line or point;
        when names are missing or repeated; when an identifier is malformed. Every problem is
        listed with the area's name and the fix; nothing is written then.
    """
    gm = normalise_gemeentecode(gemeente).lower()
    day = _date(date, "date")
    if not isinstance(work_id, str) or not _WORK.match(work_id):
        raise ValidationError(
            f"work id {work_id!r} may only hold letters, digits, '_' and '-' (at most 128, "
            "starting with a letter or digit), for example 'visiegebieden'"
        )
    if not isinstance(title, str) or not title.strip():
        raise ValidationError("the GIO has no title; give title='Visiegebieden' or similar")
    if not isinstance(version, int) or version < 1:
        raise ValidationError(f"version {version!r} must be a whole number from 1")
    if not isinstance(achtergrond[0], str) or not achtergrond[0].strip():
        raise ValidationError("achtergrond needs the name of the background map, e.g. 'cbs'")
    context = (achtergrond[0].strip(), _date(achtergrond[1], "achtergrond date"))
    if geboorteregeling is not None and not re.match(r"^/akn/nl/act/\S+$", geboorteregeling):
        raise ValidationError(f"geboorteregeling {geboorteregeling!r} is not the work of a "
                              "regeling; use its AKN id, e.g. '/akn/nl/act/gm0177/2026/visie'")
    names, geoms, dim = _prepare(areas, names_column)
    work = f"/join/id/regdata/{gm}/{day.year}/{work_id}"
    expression = f"{work}/nld@{day.isoformat()};{version}"
    ids = [_uuid(gm, work_id, name, i) for i, name in enumerate(names)]
    folder = Path(target_dir)
    gml_name, io_name, ow_name = f"{work_id}.gml", f"IO-{work_id}.xml", f"OW-{work_id}.xml"
    gio_bytes = _serialise(_gio_tree(work, expression, context, names, geoms, ids))
    io_bytes = _serialise(_io_tree(work, expression, gm, title.strip(), gml_name,
                                   hashlib.sha512(gio_bytes).hexdigest(), geboorteregeling))
    ow_bytes = _serialise(_ow_tree(gm, title.strip(), work_id, day, names, ids, dim))

    stop = _stop_folder(schemas)
    gio_doc = _check_gio(_parse(gio_bytes, gml_name), gml_name, stop)
    _check_io(_parse(io_bytes, io_name), io_name, stop, gio=(gml_name, gio_bytes, gio_doc))
    _check_ow(_parse(ow_bytes, ow_name), ow_name, stop, gio_ids=set(ids))

    folder.mkdir(parents=True, exist_ok=True)
    for name, data in ((gml_name, gio_bytes), (io_name, io_bytes), (ow_name, ow_bytes)):
        atomic_write(folder / name, data)
    return GioFiles(folder / gml_name, folder / io_name, folder / ow_name, work, expression,
                    xsd=stop is not None)


def export_gio(
    project: Project | str | os.PathLike[str],
    *,
    scenario: str | None = None,
    layer: str | None = None,
    out_dir: str | os.PathLike[str] | None = None,
) -> list[Path]:
    """Export a scenario's interventions, or a layer's areas, as GIO files of the project.

    The gemeente is the project's first; the work id is the scenario slug or the layer name
    (made lower-case with dashes). A scenario's areas go in one GIO named after the scenario;
    its points (wind turbines) and lines, if any, go in GIOs of their own, ``<slug>-punten``
    and ``<slug>-lijnen``, because a GIO holds one kind of geometry. A layer's names are its
    ``naam`` column, or else its first column ending in ``naam`` (``buurtnaam``).

    Parameters
    ----------
    project
        The project, or its folder.
    scenario, layer
        The scenario slug or the layer name to export: give exactly one.
    out_dir
        The folder for the files; ``exports/gio/<work id>/`` of the project when None.

    Returns
    -------
    list of Path
        The files written: GIO, IO and OW file of each GIO.

    Raises
    ------
    ValidationError
        When neither or both of ``scenario`` and ``layer`` are given, or the areas cannot be
        written as a GIO (see :func:`write_gio`).
    ProjectError, LayerError
        When the project has no such scenario or layer.
    """
    from omgeving.scenario import Scenario, _slugify

    if not isinstance(project, Project):
        project = open_project(project)
    names: str | None
    if scenario is not None and layer is None:
        loaded = Scenario.load(project, scenario)
        areas, title, work_id, names = loaded.interventions, loaded.name, scenario, "naam"
    elif layer is not None and scenario is None:
        areas = project.read_layer(layer)
        title, work_id = layer[:1].upper() + layer[1:], _slugify(layer)
        names = "naam" if "naam" in areas.columns else next(
            (c for c in areas.columns if str(c).endswith("naam")), None)
    else:
        raise ValidationError("give scenario= or layer= to export, not both or neither")
    folder = Path(out_dir) if out_dir is not None else project.exports_dir / "gio" / work_id
    year = project.config.sources.wijken_en_buurten
    dims = shapely.get_dimensions(areas.geometry.to_numpy())  # -1: no geometry
    kinds = sorted({int(d) for d in dims if d >= 0}, reverse=True) or [2]
    written: list[Path] = []
    for dim in kinds:  # empty rows go with the first kind, whose export refuses them
        part = areas[(dims == dim) | ((dims < 0) & (dim == kinds[0]))]
        suffix = "" if dim == kinds[0] else f"-{_OW_KIND[dim].lower()}en"
        files = write_gio(
            part, folder, gemeente=project.config.gemeenten[0], work_id=work_id + suffix,
            title=title + (f" ({suffix[1:]})" if suffix else ""), names_column=names,
            achtergrond=("cbs", f"{year}-01-01"),
        )
        written += files.paths
        gm = normalise_gemeentecode(project.config.gemeenten[0]).lower()
        areas_named = _names(part, names)
        keys = [
            (name, _uuid(gm, work_id + suffix, name, i)) for i, name in enumerate(areas_named)
        ]
        shaped = responses_per_area(project, work_id + suffix, keys, scenario=scenario)
        if shaped is not None:
            path = folder / f"antwoorden-{work_id + suffix}.csv"
            atomic_write(path, shaped.to_csv(index=False, sep=";"), encoding="utf-8-sig")
            written.append(path)
    return written


def exported_areas(project: Project) -> list[tuple[str, str, str]]:
    """Return the areas of the GIOs exported in the project: ``(title, work id, name)``.

    Read from the OW files under ``exports/gio/`` (their ``Gebied`` and its ``noemer``), so a
    response can name an area of the vision it changed as ``gio:<work id>/<name>``, which
    :func:`responses_per_area` finds. A file that cannot be read is skipped.
    """
    found: list[tuple[str, str, str]] = []
    for ow in sorted((project.exports_dir / "gio").glob("*/OW-*.xml")):
        work = ow.stem[len("OW-"):]
        try:
            doc = _parse(ow.read_bytes(), ow.name)
        except (OSError, ValidationError):
            continue
        title = doc.findtext(f".//{_q('sl', 'dataset')}") or work
        for gebied in doc.iter(_q("l", "Gebied")):
            name = (gebied.findtext(_q("l", "noemer")) or "").strip()
            if name:
                found.append((title, work, name))
    return found


def responses_per_area(
    project: Project, work_id: str, areas: Sequence[tuple[str | None, str]], *,
    scenario: str | None = None,
) -> pd.DataFrame | None:
    """Return, per area of a GIO, the municipality's responses that shaped it; None if none.

    A response shaped an area when what it changed (``Response.changes``) names it:
    ``gio:<identificatie>``, ``gio:<name>`` or ``gio:<work id>/<name>``; for a scenario's GIO
    also ``scenario:<slug>/<name>``. So the chain reaction → response → area of the vision
    travels with the GIO (as a CSV beside it: the GIO itself holds geometry only).
    """
    from omgeving.store import open_store, sqlite_path

    url = project.store_url()
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return None
    with open_store(url) as store:
        responses = store.responses()
    rows = []
    for name, ident in areas:
        keys = {f"gio:{ident}"}
        if name is not None:
            keys |= {f"gio:{name}", f"gio:{work_id}/{name}"}
            if scenario is not None:
                keys.add(f"scenario:{scenario}/{name}")
        for r in responses:
            if keys & set(r.changes):
                rows.append({"gebied": name or "", "identificatie": ident, "antwoord": r.id,
                             "soort": r.kind, "onderwerp": r.target, "oordeel": r.verdict,
                             "tekst": r.text, "reacties": " ".join(r.ids)})
    return pd.DataFrame(rows) if rows else None


def _prepare(
    areas: Any, names_column: str | None
) -> tuple[Sequence[str | None], list[BaseGeometry], int]:
    """Check the areas and return names, geometries in RD (mm, oriented) and the dimension."""
    import geopandas as gpd

    if isinstance(areas, gpd.GeoSeries):
        areas = gpd.GeoDataFrame(geometry=areas)
    if not isinstance(areas, gpd.GeoDataFrame):
        raise ValidationError(f"areas must be a GeoDataFrame, not {type(areas).__name__}")
    if areas.crs is None:
        raise LayerError(
            "the areas have no CRS; set it, for example areas.set_crs(28992) for RD New "
            "coordinates or areas.set_crs(4326) for longitude/latitude"
        )
    if len(areas) == 0:
        raise ValidationError("there are no areas to export; a GIO needs at least one")
    names = _names(areas, names_column)
    labels = [f"row {i}" if n is None else repr(n)
              for i, n in zip(areas.index, names, strict=True)]
    series = areas.geometry if areas.crs.to_epsg() == RD else areas.geometry.to_crs(RD)
    geoms = shapely.force_2d(series.to_numpy())
    problems = [p for label, g in zip(labels, geoms, strict=True) if (p := _problem(label, g))]
    dims = {int(shapely.get_dimensions(g)) for g in geoms if g is not None and not g.is_empty}
    if not problems and len(dims) > 1:
        kinds = ", ".join(_OW_KIND[d].lower() + "en" for d in sorted(dims, reverse=True))
        problems.append(
            f"the areas mix {kinds}; a GIO holds one kind of geometry: write each kind as a "
            "GIO of its own, e.g. areas[areas.geom_type.isin(['Polygon', 'MultiPolygon'])]"
        )
    if problems:
        raise ValidationError(_listing("the areas cannot be written as a GIO", problems))
    out = []
    for label, geom in zip(labels, geoms, strict=True):
        fixed = shapely.set_precision(geom, _PRECISION)
        if fixed.is_empty or shapely.get_dimensions(fixed) < shapely.get_dimensions(geom):
            problems.append(f"area {label} is smaller than a millimetre; remove it")
        out.append(shapely.orient_polygons(fixed, exterior_cw=False))
    if problems:
        raise ValidationError(_listing("the areas cannot be written as a GIO", problems))
    return names, out, dims.pop()


def _names(areas: gpd.GeoDataFrame, column: str | None) -> Sequence[str | None]:
    if column is None:
        return [None] * len(areas)
    if column not in areas.columns:
        raise ValidationError(
            f"the areas have no column {column!r} with their names; the columns are "
            f"{', '.join(map(str, areas.columns.drop(areas.geometry.name)))}: pass "
            "names_column='...', or names_column=None to write no names"
        )
    names = []
    for index, value in areas[column].items():
        text = "" if _missing(value) else " ".join(CONTROL_CHARACTERS.sub(" ", str(value)).split())
        if not text:
            raise ValidationError(
                f"area in row {index} has no {column}; fill it in, or pass names_column=None "
                "to write no names"
            )
        names.append(text)
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValidationError(
            f"the names {', '.join(map(repr, repeated))} occur more than once; a name is one "
            f"Locatie: merge the parts with areas.dissolve(by={column!r}, as_index=False), "
            "or rename them"
        )
    return names


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def _problem(label: str, geom: BaseGeometry | None) -> str | None:
    """Return what is wrong with one area's geometry (in RD), or None."""
    if geom is None or geom.is_empty:
        return f"area {label} has no geometry; draw it, or remove the row"
    if geom.geom_type not in ("Polygon", "MultiPolygon", "LineString", "MultiLineString",
                              "Point", "MultiPoint"):
        return (
            f"area {label} is a {geom.geom_type}; a GIO holds (multi)polygons, lines or points: "
            "split it with areas.explode() and keep the parts of one kind"
        )
    if not geom.is_valid:
        return (
            f"area {label} has an invalid geometry ({shapely.is_valid_reason(geom)}); repair it "
            "with shapely.make_valid(geometry), or geometry.buffer(0) for a polygon, check the "
            "result on the map, and export again"
        )
    if not looks_like_rd(geom.bounds):
        bounds = ", ".join(f"{v:.0f}" for v in geom.bounds)
        return (
            f"area {label} lies outside the Netherlands in RD New (bounds {bounds}); check the "
            "layer's CRS: coordinates in degrees need areas.set_crs(4326, allow_override=True)"
        )
    return None


def _uuid(gemeente: str, work_id: str, name: str | None, position: int) -> str:
    key = name if name is not None else f"#{position}"
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"omgeving:gio/{gemeente}/{work_id}/{key}"))


def _date(value: dt.date | str | None, what: str) -> dt.date:
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError as err:
        raise ValidationError(f"{what} {value!r} is not a date; use 'YYYY-MM-DD'") from err


# -- building the XML ----------------------------------------------------------------------


def _sub(parent: etree._Element, prefix: str, name: str, text: str | None = None,
         **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, _q(prefix, name), attrib)
    if text is not None:
        el.text = text
    return el


def _gio_tree(work: str, expression: str, context: tuple[str, dt.date],
              names: Sequence[str | None], geoms: Sequence[BaseGeometry],
              ids: Sequence[str]) -> etree._Element:
    nsmap = {k: NS[k] for k in ("geo", "gio", "basisgeo", "gml", "xsi")}
    root = etree.Element(_q("geo", "GeoInformatieObjectVaststelling"), nsmap=nsmap)
    root.set("schemaversie", _STOP)
    root.set(_q("xsi", "schemaLocation"), f"{NS['geo']} {_SCHEMA_URL['geo']}")
    ctx = _sub(_sub(root, "geo", "context"), "gio", "GeografischeContext")
    _sub(ctx, "gio", "achtergrondVerwijzing", context[0])
    _sub(ctx, "gio", "achtergrondActualiteit", context[1].isoformat())
    versie = _sub(_sub(root, "geo", "vastgesteldeVersie"), "geo", "GeoInformatieObjectVersie",
                  schemaversie=_STOP)
    _sub(versie, "geo", "FRBRWork", work)
    _sub(versie, "geo", "FRBRExpression", expression)
    locaties = _sub(versie, "geo", "locaties")
    for name, geom, gid in zip(names, geoms, ids, strict=True):
        locatie = _sub(locaties, "geo", "Locatie")
        if name is not None:
            _sub(locatie, "geo", "naam", name)
        geometrie = _sub(_sub(locatie, "geo", "geometrie"), "basisgeo", "Geometrie",
                         **{_q("gml", "id"): f"id-{gid}"})
        _sub(geometrie, "basisgeo", "id", gid)
        holder = _sub(geometrie, "basisgeo", "geometrie")
        holder.append(_gml(geom, f"id-{gid}"))
    return root


def _gml(geom: BaseGeometry, gid: str) -> etree._Element:
    """Return the GML of a geometry in RD, with srsName on the outer element only."""
    kind = geom.geom_type
    outer = {"Polygon": "Surface", "MultiPolygon": "MultiSurface", "Point": "Point",
             "MultiPoint": "MultiPoint", "LineString": "LineString",
             "MultiLineString": "MultiCurve"}[kind]
    el = etree.Element(_q("gml", outer), {_q("gml", "id"): f"{gid}-0", "srsName": _SRS,
                                          "srsDimension": "2"})
    if kind == "Polygon":
        _rings(_sub(_sub(el, "gml", "patches"), "gml", "PolygonPatch"), geom)
    elif kind == "Point":
        _sub(el, "gml", "pos", _pos(geom.coords))
    elif kind == "LineString":
        _sub(el, "gml", "posList", _pos(geom.coords))
    else:
        member, part_tag = {"MultiPolygon": ("surfaceMember", "Polygon"),
                            "MultiPoint": ("pointMember", "Point"),
                            "MultiLineString": ("curveMember", "LineString")}[kind]
        for i, part in enumerate(geom.geoms, start=1):
            child = _sub(_sub(el, "gml", member), "gml", part_tag,
                         **{_q("gml", "id"): f"{gid}-{i}"})
            if part_tag == "Polygon":
                _rings(child, part)
            else:
                _sub(child, "gml", "pos" if part_tag == "Point" else "posList", _pos(part.coords))
    return el


def _rings(parent: etree._Element, polygon: Polygon) -> None:
    _sub(_sub(_sub(parent, "gml", "exterior"), "gml", "LinearRing"), "gml", "posList",
         _pos(polygon.exterior.coords))
    for ring in polygon.interiors:
        _sub(_sub(_sub(parent, "gml", "interior"), "gml", "LinearRing"), "gml", "posList",
             _pos(ring.coords))


def _pos(coords: Iterable[Sequence[float]]) -> str:
    return " ".join(_number(v) for xy in coords for v in xy[:2])


def _number(value: float) -> str:
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _io_tree(work: str, expression: str, gm: str, title: str, gml_name: str, digest: str,
             geboorteregeling: str | None) -> etree._Element:
    root = etree.Element(_q("lvbba", "AanleveringInformatieObject"),
                         nsmap={None: NS["lvbba"], "data": NS["data"], "xsi": NS["xsi"]})
    root.set("schemaversie", _LVBB)
    root.set(_q("xsi", "schemaLocation"), f"{NS['lvbba']} {_SCHEMA_URL['lvbba']}")
    versie = _sub(root, "lvbba", "InformatieObjectVersie")
    ident = _sub(versie, "data", "ExpressionIdentificatie")
    _sub(ident, "data", "FRBRWork", work)
    _sub(ident, "data", "FRBRExpression", expression)
    _sub(ident, "data", "soortWork", "/join/id/stop/work_010")
    meta = _sub(versie, "data", "InformatieObjectVersieMetadata")
    if geboorteregeling:
        _sub(meta, "data", "heeftGeboorteregeling", geboorteregeling)
    bestand = _sub(_sub(_sub(meta, "data", "heeftBestanden"), "data", "heeftBestand"),
                   "data", "Bestand")
    _sub(bestand, "data", "bestandsnaam", gml_name)
    _sub(bestand, "data", "hash", digest)
    info = _sub(versie, "data", "InformatieObjectMetadata", schemaversie=_STOP)
    tooi = f"/tooi/id/gemeente/{gm}"
    for name, text in (("eindverantwoordelijke", tooi),
                       ("formaatInformatieobject", "/join/id/stop/informatieobject/gio_002"),
                       ("maker", tooi), ("naamInformatieObject", title), ("officieleTitel", work),
                       ("publicatieinstructie", "TeConsolideren")):
        _sub(info, "data", name, text)
    return root


def _ow_tree(gm: str, title: str, work_id: str, day: dt.date, names: Sequence[str | None],
             ids: Sequence[str], dim: int) -> etree._Element:
    kind = _OW_KIND[dim]
    nsmap = {k: NS[k] for k in ("ow-dc", "sl", "l", "xlink")}
    root = etree.Element(_q("ow-dc", "owBestand"), nsmap=nsmap)
    stand = _sub(root, "sl", "standBestand")
    _sub(stand, "sl", "dataset", title)
    inhoud = _sub(stand, "sl", "inhoud")
    _sub(inhoud, "sl", "gebied", gm.upper())
    _sub(inhoud, "sl", "leveringsId", f"omgeving-{gm}-{work_id}-{day.isoformat()}")
    _sub(_sub(inhoud, "sl", "objectTypen"), "sl", "objectType", kind)
    for name, gid in zip(names, ids, strict=True):
        obj = _sub(_sub(_sub(stand, "sl", "stand"), "ow-dc", "owObject"), "l", kind)
        _sub(obj, "l", "identificatie", f"nl.imow-{gm}.{kind.lower()}.{gid.replace('-', '')}")
        if name is not None:
            _sub(obj, "l", "noemer", name)
        _sub(_sub(obj, "l", "geometrie"), "l", "GeometrieRef", **{_q("xlink", "href"): gid})
    return root


def _serialise(root: etree._Element) -> bytes:
    body = etree.tostring(root, xml_declaration=False, encoding="UTF-8", pretty_print=True)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + body



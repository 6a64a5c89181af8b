"""Checking GIO, IO and OW files: the STOP rules we know, and the XSDs offline."""

from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from lxml import etree

from omgeving._errors import ValidationError

if TYPE_CHECKING:
    pass

from omgeving import settings
from omgeving.exchange.gio._common import (
    _NO_GML_ON,
    _OPTIONAL_GML,
    _SRS,
    _SRS_ALLOWED,
    _XSD,
    NS,
    SCHEMAS_ENV,
    _expect_root,
    _listing,
    _local,
    _parse,
    _parse_file,
    _q,
    _read,
    _short,
)
from omgeving.exchange.gio._read import (
    _locaties,
)

# -- validating ----------------------------------------------------------------------------


def validate_gio(path: str | os.PathLike[str], *,
                 schemas: str | os.PathLike[str] | None = None) -> Path | None:
    """Check a GIO against the STOP rules we know and, when available, the STOP 1.3.0 XSD.

    The rules: one srsName for all geometries, RD or ETRS89 (STOP3020, STOP3021); no
    optional GML elements on the STOP elements (STOP3090); every Locatie has a valid,
    non-empty geometry with closed rings (STOP3019); ``basisgeo:id`` is unique (STOP3013);
    a ``geo:naam`` is not blank.

    Parameters
    ----------
    path
        The GIO file.
    schemas
        The folder with the offline STOP schemas; found as described in the module
        documentation when None. When given, it must hold them.

    Returns
    -------
    Path or None
        The XSD the file was validated against, or None when no schemas were found (then
        only the rules were checked).

    Raises
    ------
    ValidationError
        Listing every problem with its line.
    """
    path = Path(path)
    stop = _stop_folder(schemas)
    _check_gio(_parse_file(path), path.name, stop)
    return None if stop is None else stop / _XSD["gio"]


def validate_io(path: str | os.PathLike[str], *, gio: str | os.PathLike[str] | None = None,
                schemas: str | os.PathLike[str] | None = None) -> Path | None:
    """Check a GIO's ``AanleveringInformatieObject``, as :func:`validate_gio` checks a GIO.

    The rules: soortWork ``work_010``, format ``gio_002``, an FRBRExpression of the FRBRWork,
    officieleTitel equal to the FRBRWork; with ``gio`` also that ``bestandsnaam`` names it,
    ``hash`` is its SHA-512, and its FRBR identifiers are the same. The XSD is LVBB 1.2.0's.
    """
    path = Path(path)
    stop = _stop_folder(schemas)
    gio_info = None
    if gio is not None:
        data = _read(Path(gio))
        gio_info = (Path(gio).name, data, _parse(data, Path(gio).name))
    _check_io(_parse_file(path), path.name, stop, gio=gio_info)
    return None if stop is None else stop / _XSD["io"]


def validate_ow(path: str | os.PathLike[str], *, gio: str | os.PathLike[str] | None = None,
                schemas: str | os.PathLike[str] | None = None) -> Path | None:
    """Check an OW file of Gebieden (Lijnen, Punten), as :func:`validate_gio` checks a GIO.

    The rules: unique ``l:identificatie``, non-blank ``l:noemer``; with ``gio`` also that every
    ``l:GeometrieRef`` points at a ``basisgeo:id`` of that GIO. The XSD is IMOW 2.0.0's.
    """
    path = Path(path)
    stop = _stop_folder(schemas)
    ids = None if gio is None else _gio_ids(_parse_file(Path(gio)))
    _check_ow(_parse_file(path), path.name, stop, gio_ids=ids)
    return None if stop is None else stop / _XSD["ow"]


def _gio_ids(doc: etree._Element) -> set[str]:
    return {(t or "").strip() for t in doc.xpath(
        ".//geo:Locatie/geo:geometrie/basisgeo:Geometrie/basisgeo:id/text()", namespaces=NS)}


def _check_gio(doc: etree._Element, name: str, stop: Path | None) -> etree._Element:
    _expect_root(doc, "geo", "GeoInformatieObjectVaststelling", name)
    problems = _xsd_problems(doc, stop, "gio")
    srs_names = sorted({el.get("srsName") for el in doc.iter() if el.get("srsName") is not None})
    if len(srs_names) != 1:
        found = ", ".join(srs_names) or "none"
        problems.append(f"the geometries must all have one srsName, {_SRS} (STOP3021); "
                        f"found: {found}")
    problems += [f"line {el.sourceline}: srsName {el.get('srsName')!r} is neither RD nor "
                 f"ETRS89; use {_SRS} (STOP3020)"
                 for el in doc.iter() if el.get("srsName") not in (None, *_SRS_ALLOWED)]
    problems += [
        f"line {el.sourceline}: gml:{_local(el)} on {_short(el.getparent().tag)} is not "
        "allowed in a GIO; remove it (STOP3090)"
        for el in doc.iter(*(_q("gml", n) for n in _OPTIONAL_GML))
        if el.getparent().tag in _NO_GML_ON
    ]
    ids = doc.xpath(".//geo:Locatie/geo:geometrie/basisgeo:Geometrie/basisgeo:id", namespaces=NS)
    seen: set[str] = set()
    for el in ids:
        value = (el.text or "").strip()
        if not value:
            problems.append(f"line {el.sourceline}: a basisgeo:id is empty")
        elif value.lower() in seen:
            problems.append(f"line {el.sourceline}: basisgeo:id {value} occurs twice (STOP3013)")
        seen.add(value.lower())
    for el in doc.iterfind(".//geo:Locatie/geo:naam", NS):
        if not (el.text or "").strip():
            problems.append(f"line {el.sourceline}: a geo:naam is empty; fill it or remove it")
    rows, unreadable = _locaties(doc)
    problems += unreadable
    for naam, gid, geom in rows:
        label = f"Locatie {naam!r}" if naam is not None else f"Locatie {gid}"
        if geom.is_empty:
            problems.append(f"{label} has an empty geometry (STOP3019)")
        elif not geom.is_valid:
            problems.append(f"{label} has an invalid geometry: {shapely.is_valid_reason(geom)}")
    if problems:
        raise ValidationError(_listing(f"{name} is not a valid GIO", problems))
    return doc


def _check_io(doc: etree._Element, name: str, stop: Path | None,
              gio: tuple[str, bytes, etree._Element] | None) -> None:
    _expect_root(doc, "lvbba", "AanleveringInformatieObject", name)
    problems = _xsd_problems(doc, stop, "io")

    def text(xpath: str) -> str:
        return (doc.findtext(xpath, namespaces=NS) or "").strip()

    versie = "lvbba:InformatieObjectVersie/"
    work = text(versie + "data:ExpressionIdentificatie/data:FRBRWork")
    expression = text(versie + "data:ExpressionIdentificatie/data:FRBRExpression")
    expected = {
        "data:ExpressionIdentificatie/data:soortWork": "/join/id/stop/work_010",
        "data:InformatieObjectMetadata/data:formaatInformatieobject":
            "/join/id/stop/informatieobject/gio_002",
        "data:InformatieObjectMetadata/data:officieleTitel": work,
    }
    for xpath, value in expected.items():
        if text(versie + xpath) != value:
            problems.append(f"{xpath.split('/')[-1]} is {text(versie + xpath)!r}, not {value!r}")
    if not expression.startswith(work + "/nld@"):
        problems.append(f"FRBRExpression {expression!r} is not an expression of {work!r}")
    if gio is not None:
        gml_name, data, gio_doc = gio
        bestand = versie + "data:InformatieObjectVersieMetadata/data:heeftBestanden/"
        bestand += "data:heeftBestand/data:Bestand/"
        if text(bestand + "data:bestandsnaam") != gml_name:
            problems.append(f"bestandsnaam is {text(bestand + 'data:bestandsnaam')!r}, "
                            f"not the GIO's {gml_name!r}")
        if text(bestand + "data:hash") != hashlib.sha512(data).hexdigest():
            problems.append(f"hash is not the SHA-512 of {gml_name}; write the IO file again")
        gio_work = (gio_doc.findtext(".//geo:FRBRWork", namespaces=NS) or "").strip()
        gio_expression = (gio_doc.findtext(".//geo:FRBRExpression", namespaces=NS) or "").strip()
        if (work, expression) != (gio_work, gio_expression):
            problems.append(f"the FRBR identifiers differ from those in {gml_name}")
    if problems:
        raise ValidationError(_listing(f"{name} is not a valid AanleveringInformatieObject",
                                       problems))


def _check_ow(doc: etree._Element, name: str, stop: Path | None,
              gio_ids: set[str] | None) -> None:
    _expect_root(doc, "ow-dc", "owBestand", name)
    problems = _xsd_problems(doc, stop, "ow")
    seen: set[str] = set()
    for el in doc.iterfind(".//l:identificatie", NS):
        value = (el.text or "").strip()
        if value in seen:
            problems.append(f"line {el.sourceline}: l:identificatie {value} occurs twice")
        seen.add(value)
    for el in doc.iterfind(".//l:noemer", NS):
        if not (el.text or "").strip():
            problems.append(f"line {el.sourceline}: an l:noemer is empty; fill it or remove it")
    if gio_ids is not None:
        known = {i.lower() for i in gio_ids}
        for el in doc.iterfind(".//l:GeometrieRef", NS):
            href = (el.get(_q("xlink", "href")) or "").strip()
            if href.lower() not in known:
                problems.append(f"line {el.sourceline}: l:GeometrieRef {href!r} is not a "
                                "basisgeo:id in the GIO")
    if problems:
        raise ValidationError(_listing(f"{name} is not a valid OW file", problems))


def _stop_folder(schemas: str | os.PathLike[str] | None) -> Path | None:
    """Return the ``stop`` schema folder, or None when none is configured or beside the source."""
    source = "schemas="
    if schemas is None:
        env = settings.stop_schemas()
        if env is None:
            checkout = Path(__file__).resolve().parents[3]  # only beside a source checkout
            if not (checkout / "pyproject.toml").is_file():
                return None
            return _find_stop(checkout.parent / "shared" / "schemas")
        schemas, source = env, f"${SCHEMAS_ENV}"
    found = _find_stop(Path(schemas))
    if found is None:
        raise ValidationError(
            f"{source} is {str(schemas)!r}, which holds no STOP schemas (no catalog.xml with "
            "stop/1.3.0/imop-geo.xsd in it or in its stop/ folder); point it at the 'schemas' "
            "folder"
        )
    return found


def _find_stop(folder: Path) -> Path | None:
    for candidate in (folder / "stop", folder):
        if (candidate / "catalog.xml").is_file() and (candidate / _XSD["gio"]).is_file():
            return candidate.resolve()
    return None


def _xsd_problems(doc: etree._Element, stop: Path | None, kind: str) -> list[str]:
    if stop is None:
        return []
    schema = _schema(stop, kind)
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {_short(e.message)}" for e in schema.error_log]


@functools.cache
def _schema(stop: Path, kind: str) -> etree.XMLSchema:
    """Compile the XSD of ``kind`` offline: the catalog maps every absolute URL to a file."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_CatalogResolver(_catalog(stop / "catalog.xml", {})))
    try:
        return etree.XMLSchema(etree.parse(str(stop / _XSD[kind]), parser))
    except (etree.XMLSchemaParseError, etree.XMLSyntaxError, OSError) as err:
        raise ValidationError(f"the STOP schemas in {stop} cannot be loaded: {err}") from err


def _catalog(path: Path, entries: dict[str, str]) -> dict[str, str]:
    """Read an OASIS XML catalog's ``uri`` entries, following ``nextCatalog``."""
    tag = "{urn:oasis:names:tc:entity:xmlns:xml:catalog}"
    root = etree.parse(str(path), etree.XMLParser(load_dtd=False, no_network=True,
                                                  resolve_entities=False)).getroot()
    for el in root:
        if el.tag == tag + "uri":
            entries.setdefault(el.get("name"), str((path.parent / el.get("uri")).resolve()))
        elif el.tag == tag + "nextCatalog":
            _catalog(path.parent / el.get("catalog"), entries)
    return entries


class _CatalogResolver(etree.Resolver):
    def __init__(self, entries: dict[str, str]) -> None:
        super().__init__()
        self.entries = entries

    def resolve(self, system_url, public_id, context):
        local = self.entries.get(system_url)
        return None if local is None else self.resolve_filename(local, context)

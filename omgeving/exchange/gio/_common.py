"""Shared parts of the GIO modules: namespaces, rules' constants, parsing helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from omgeving._errors import ValidationError

#: The environment variable naming the folder with the offline STOP schemas.
SCHEMAS_ENV = "OMGEVING_STOP_SCHEMAS"

NS = {
    "geo": "https://standaarden.overheid.nl/stop/imop/geo/",
    "gio": "https://standaarden.overheid.nl/stop/imop/gio/",
    "basisgeo": "http://www.geostandaarden.nl/basisgeometrie/1.0",
    "gml": "http://www.opengis.net/gml/3.2",
    "data": "https://standaarden.overheid.nl/stop/imop/data/",
    "lvbba": "https://standaarden.overheid.nl/lvbb/stop/aanlevering/",
    "ow-dc": "http://www.geostandaarden.nl/imow/bestanden/deelbestand",
    "sl": "http://www.geostandaarden.nl/bestanden-ow/standlevering-generiek",
    "l": "http://www.geostandaarden.nl/imow/locatie",
    "xlink": "http://www.w3.org/1999/xlink",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
_SRS = "urn:ogc:def:crs:EPSG::28992"
_SRS_ALLOWED = {_SRS: 28992, "urn:ogc:def:crs:EPSG::4258": 4258}  # STOP3020
_STOP, _LVBB = "1.3.0", "1.2.0"
_SCHEMA_URL = {
    "geo": "https://standaarden.overheid.nl/stop/1.3.0/imop-geo.xsd",
    "lvbba": "https://standaarden.overheid.nl/lvbb/1.2.0/lvbb-stop-aanlevering.xsd",
}
_XSD = {  # the entry schema of each file kind, inside the ``stop`` schema folder
    "gio": "stop/1.3.0/imop-geo.xsd",
    "io": "lvbb/lvbb-stop-aanlevering.xsd",
    "ow": "geostandaarden/bestanden-ow/deelbestand-ow/IMOW_Deelbestand.xsd",
}
_WORK = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$")
# STOP3090: optional GML elements that may not sit on these STOP elements.
_NO_GML_ON = {f"{{{NS['geo']}}}{n}"
              for n in ("GeoInformatieObjectVaststelling", "GeoInformatieObjectVersie", "Locatie")}
_OPTIONAL_GML = ("metaDataProperty", "description", "descriptionReference", "identifier",
                 "name", "boundedBy", "location", "priorityLocation")
# The OW object per geometry dimension: element, IMOW id part, STOP objectType.
_OW_KIND = {0: "Punt", 1: "Lijn", 2: "Gebied"}
# The parts of each aggregate GML geometry (one per member, or all in an array).
_MEMBERS = {
    "Surface": ("gml:patches/*",),
    "MultiSurface": ("gml:surfaceMember/*", "gml:surfaceMembers/*"),
    "MultiPoint": ("gml:pointMember/*", "gml:pointMembers/*"),
    "MultiCurve": ("gml:curveMember/*", "gml:curveMembers/*"),
}
_PRECISION = 0.001  # RD metres: write millimetres
_MAX_LISTED = 20


@dataclass(frozen=True)
class GioFiles:
    """The files of one GIO, as written by :func:`write_gio`."""

    gio: Path  #: the GIO (GML)
    io: Path  #: its AanleveringInformatieObject
    ow: Path  #: the OW file with an ``l:Gebied`` (or ``l:Lijn``, ``l:Punt``) per Locatie
    work: str  #: the FRBRWork, ``/join/id/regdata/gm0177/2026/<work id>``
    expression: str  #: the FRBRExpression, ``<work>/nld@2026-11-28;1``
    xsd: bool  #: whether the files were also validated against the official XSDs

    @property
    def paths(self) -> list[Path]:
        """Return the three files: GIO, IO, OW."""
        return [self.gio, self.io, self.ow]


def _q(prefix: str, name: str) -> str:
    return f"{{{NS[prefix]}}}{name}"


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname


def _expect_root(doc: etree._Element, prefix: str, name: str, label: str) -> None:
    if doc.tag != _q(prefix, name):
        raise ValidationError(f"{label} is not a {prefix}:{name} but {_short(doc.tag)}; "
                              "choose the right file")


def _parse(data: bytes, label: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        raise ValidationError(f"{label} is not well-formed XML: {err}") from err


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as err:
        raise ValidationError(f"{path} cannot be read: {err.strerror}") from err


def _parse_file(path: Path) -> etree._Element:
    return _parse(_read(path), path.name)


def _listing(headline: str, problems: list[str]) -> str:
    shown = problems[:_MAX_LISTED]
    more = f"\n- and {len(problems) - len(shown)} more" if len(problems) > len(shown) else ""
    if len(problems) == 1:
        return f"{headline}: {problems[0]}"
    return f"{headline} ({len(problems)} problems):\n- " + "\n- ".join(shown) + more


def _short(text: str) -> str:
    """Return ``text`` with ``{namespace}name`` written as ``prefix:name``."""
    for prefix, uri in NS.items():
        text = text.replace(f"{{{uri}}}", f"{prefix}:")
    return text


# -- the offline schemas -------------------------------------------------------------------



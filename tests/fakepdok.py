"""A local fake of PDOK's OGC API Features server (GoKoala), for tests.

It serves small synthetic but plausible data for GM0177 Raalte, GM0150 Deventer and GM1773
Olst-Wijhe under PDOK's real paths, in GoKoala's response shape: cursor paging by ``next``
links (no ``numberMatched``), ``limit`` 1..1000 (default 10), ``crs``/``bbox-crs`` for CRS84
and RD New, ``bbox``, the configured property filters (others → 400), a ``Content-Crs``
header and RFC 7807 error bodies. Faults can be injected (5xx, 429, delays) and filters
refused or silently ignored. Real GoKoala fixture pages can be replayed under ``/gokoala``.

Use the ``fake_pdok`` fixture (it sets ``OMGEVING_PDOK_ROOT``) or :class:`FakePDOK` directly;
``tests/conftest.py`` makes the fixture available with ``from tests.fakepdok import fake_pdok``.
"""

from __future__ import annotations

import base64
import functools
import json
import os
import random
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import mapping, shape

from tests.fakeserver import FakeHandler, LoopbackFake

__all__ = ["BAG", "BRK", "CBS", "N2K", "FakePDOK", "fake_pdok", "seed_features", "shared_file"]

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
#: The folder of real data beside the project (absent from a user's clone); tests may move it.
SHARED = Path(os.environ.get("OMGEVING_SHARED", Path(__file__).resolve().parents[2] / "shared"))
TIMESTAMP = "2000-01-01T00:00:00Z"
BRK = "/kadaster/brk-bestuurlijke-gebieden/ogc/v1"
CBS = "/cbs/wijken-en-buurten-2024/ogc/v1"
N2K = "/rvo/natura2000/ogc/v1"
BAG = "/kadaster/bag/ogc/v2"
REPLAY = "/gokoala"
_JSONFG = "application/vnd.ogc.fg+json"
#: The query parameters GoKoala knows on /items, besides a collection's property filters.
_KNOWN = {"f", "limit", "cursor", "crs", "bbox", "bbox-crs", "datetime", "filter", "filter-crs"}

#: Gemeente code → name and a box (RD) used when the shared boundary file is absent.
GEMEENTEN = {
    "GM0177": ("Raalte", (206437, 479568, 224255, 498799)),
    "GM0150": ("Deventer", (201793, 471258, 224255, 479568)),
    "GM1773": ("Olst-Wijhe", (201793, 479568, 206437, 498799)),
}
BUURTNAMEN = {
    "GM0177": "Raalte-Centrum Raalte-Noord Heino Lierderholt Luttenberg Mariënheem Heeten "
    "Nieuw-Heeten Broekland Laag-Zuthem Verspreide-huizen-Raalte",
    "GM0150": "Binnenstad Keizerslanden Colmschate Diepenveen Schalkhaar Bathmen Okkenbroek "
    "Lettele Rivierenwijk Voorstad Zandweerd",
    "GM1773": "Olst Wijhe Welsum Boskamp Marle Wesepe Den-Nul Middel Herxen Elshof",
}
NATURA2000 = [  # name, nr, bescherming, box in RD
    ("Sallandse Heuvelrug", 40, "VR+HR", (221000, 481000, 229000, 491000)),
    ("Boetelerveld", 41, "HR", (212500, 486000, 214500, 487800)),
    ("Rijntakken", 38, "VR+HR", (200500, 465000, 205500, 500000)),
    ("Weerribben", 34, "VR+HR", (185000, 530000, 195000, 540000)),
]


def shared_file(*parts: str) -> Path:
    """Return a file of the shared folder; skip the test when it is absent (fail under CI)."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is absent (the shared folder of real data is not on this machine)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return path


# -- data -----------------------------------------------------------------------------------


@functools.cache
def _gemeente_shapes() -> dict[str, tuple[str, Any]]:
    path = SHARED / "data" / "gemeenten_2025_salland_rd.geojson"
    if not path.exists():
        return {code: (name, shapely.box(*box)) for code, (name, box) in GEMEENTEN.items()}
    data = json.loads(path.read_text(encoding="utf-8"))  # RD, no crs member
    return {
        f["properties"]["statcode"]: (f["properties"]["statnaam"], shape(f["geometry"]))
        for f in data["features"]
    }


@functools.cache
def seed_features() -> dict[str, list[dict[str, Any]]]:
    """Return the fake's features per collection (geometries are shapely, in RD)."""
    rng = random.Random(177)
    shapes = _gemeente_shapes()
    return {
        "gemeentegebied": _gemeentegebied(shapes),
        "buurten": _buurten(shapes, rng),
        "natura2000": _natura2000(),
        "pand": _panden(shapes, rng),
    }


def _numbered(rows: list[tuple[dict[str, Any], Any]]) -> list[dict[str, Any]]:
    return [{"id": i, "properties": p, "geometry": g} for i, (p, g) in enumerate(rows, start=1)]


def _gemeentegebied(shapes: dict[str, tuple[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for code, (name, geom) in sorted(shapes.items()):
        props = {"identificatie": code[2:], "code": code, "naam": name}
        props |= {"ligt_in_provincie_code": "PV23", "ligt_in_provincie_naam": "Overijssel"}
        rows.append((props, geom))
    return _numbered(rows)


def _buurten(shapes: dict[str, tuple[str, Any]], rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    for code in GEMEENTEN:
        name, geom = shapes[code]
        minx, miny, _, maxy = geom.bounds
        strip = shapely.box(minx, miny, minx + 400, maxy)  # the IJssel, except in Raalte
        water = None if code == "GM0177" else geom.intersection(strip)
        land = geom if water is None else geom.difference(water)
        names = BUURTNAMEN[code].split()
        for number, (wijk, piece) in enumerate(_pieces(land)):
            special = {1: "secret", 2: "unknown", 3: "old"}.get(number)
            buurtnaam = names[number % len(names)].replace("-", " ")
            rows.append((_buurt(code, name, wijk, number, buurtnaam, piece, rng, special), piece))
        if water is not None:
            rows.append((_buurt(code, name, 9, 99, "IJssel", water, rng, "water"), water))
    return _numbered(rows)


def _pieces(geom: Any, n: int = 3) -> list[tuple[int, Any]]:
    minx, miny, maxx, maxy = geom.bounds
    width, height = (maxx - minx) / n, (maxy - miny) / n
    pieces = []
    for row in range(n):
        for col in range(n):
            cell = shapely.box(minx + col * width, miny + row * height,
                               minx + (col + 1) * width, miny + (row + 1) * height)  # fmt: skip
            piece = shapely.set_precision(geom.intersection(cell), 0.01)
            if piece.geom_type in ("Polygon", "MultiPolygon") and piece.area > geom.area / 50:
                pieces.append((row, piece))
    return pieces


def _buurt(code, name, wijk, number, buurtnaam, geom, rng, special) -> dict[str, Any]:
    digits = code[2:]
    wijkcode, buurtcode = f"WK{digits}{wijk:02d}", f"BU{digits}{wijk:02d}{number:02d}"
    props = {
        "buurtcode": buurtcode,
        "buurtnaam": buurtnaam,
        "wijkcode": wijkcode,
        "wijknaam": f"Wijk {wijk:02d} {name}",
        "gemeentecode": code,
        "gemeentenaam": name,
        "jrstatcode": f"2024{buurtcode}",
        "jaar": 2024,
        "water": "JA" if special == "water" else "NEE",
        "indelingswijziging_wijken_en_buurten": 1,
        "meest_voorkomende_postcode": f"{8100 + rng.randrange(100)}",
        "dekkingspercentage": 1,
        **_kerncijfers(rng, geom.area / 10_000, special),
    }
    return props


def _kerncijfers(rng: random.Random, hectare: float, special: str | None) -> dict[str, Any]:
    inwoners = rng.randrange(150, 4000)
    mannen = round(inwoners * rng.uniform(0.48, 0.52))
    cuts = sorted(rng.sample(range(5, 95), 4))
    ages = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    huishoudens = round(inwoners / rng.uniform(2.1, 2.7))
    alone = rng.randrange(15, 45)
    numbers = {
        "aantal_inwoners": inwoners,
        "mannen": mannen,
        "vrouwen": inwoners - mannen,
        "bevolkingsdichtheid_inwoners_per_km2": round(inwoners / max(hectare / 100, 0.01)),
        "omgevingsadressendichtheid": rng.randrange(80, 2500),
        "stedelijkheid_adressen_per_km2": rng.randrange(1, 6),
        "percentage_personen_0_tot_15_jaar": ages[0],
        "percentage_personen_15_tot_25_jaar": ages[1],
        "percentage_personen_25_tot_45_jaar": ages[2],
        "percentage_personen_45_tot_65_jaar": ages[3],
        "percentage_personen_65_jaar_en_ouder": ages[4],
        "aantal_huishoudens": huishoudens,
        "percentage_eenpersoonshuishoudens": alone,
        "percentage_huishoudens_zonder_kinderen": (100 - alone) // 2,
        "percentage_huishoudens_met_kinderen": 100 - alone - (100 - alone) // 2,
        "gemiddelde_huishoudsgrootte": round(inwoners / huishoudens, 1),
    }
    if special == "water":
        numbers = dict.fromkeys(numbers, -99997)
    elif special == "secret":
        numbers.update({k: -99997 for k in numbers if k.startswith("percentage_personen")})
    elif special == "unknown":
        numbers["aantal_huishoudens"] = -99995
    elif special == "old":
        numbers["omgevingsadressendichtheid"] = -99999999
    land = 0 if special == "water" else round(hectare)
    area = {"oppervlakte_land_in_ha": land, "oppervlakte_water_in_ha": round(hectare) - land}
    return {**numbers, "oppervlakte_totaal_in_ha": round(hectare), **area}


def _natura2000() -> list[dict[str, Any]]:
    rows = []
    for name, nr, bescherming, box in NATURA2000:
        props = {"naam_n2k": name, "nr": nr, "bescherming": bescherming, "status": "Aangewezen"}
        props |= {"sitecode_h": f"NL{3000000 + nr}", "sitecode_v": f"NL{9800000 + nr}"}
        rows.append((props, shapely.box(*box)))
    return _numbered(rows)


def _panden(shapes: dict[str, tuple[str, Any]], rng: random.Random, per: int = 1100) -> list:
    rows = []
    uses = ["woonfunctie", "woonfunctie", "woonfunctie", "industriefunctie", "winkelfunctie"]
    for code in GEMEENTEN:
        geom = shapes[code][1]
        kernen = [geom.representative_point(), *(_point_in(geom, rng) for _ in range(3))]
        for number in range(per):
            kern = kernen[number % len(kernen)]
            x, y = kern.x + rng.gauss(0, 450), kern.y + rng.gauss(0, 450)
            size = rng.uniform(6, 20)
            square = shapely.box(round(x, 2), round(y, 2), round(x + size, 2), round(y + size, 2))
            props = {
                "identificatie": f"{code[2:]}10{number:010d}",
                "bouwjaar": rng.randrange(1850, 2024),
                "status": "Pand gesloopt" if number % 97 == 0 else "Pand in gebruik",
                "gebruiksdoel": rng.choice(uses),
                "aantal_verblijfsobjecten": rng.randrange(0, 4),
            }
            rows.append((props, square))
    return _numbered(rows)


def _point_in(geom: Any, rng: random.Random) -> Any:
    minx, miny, maxx, maxy = geom.bounds
    while True:
        point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if geom.contains(point):
            return point


# -- the server -----------------------------------------------------------------------------


@dataclass
class FakeCollection:
    """A collection the fake serves; change ``filters``, ``ignored`` or ``crs`` in a test."""

    id: str
    title: str
    features: list[dict[str, Any]]
    filters: list[str]
    crs: list[str] = field(default_factory=lambda: [CRS84_URI, RD_URI])
    ignored: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.geoms = np.array([f["geometry"] for f in self.features], dtype=object)
        self.fids = np.array([f["id"] for f in self.features])
        self.values = {
            name: np.array([str(f["properties"].get(name)) for f in self.features])
            for name in self.filters
        }


@dataclass
class Fault:
    """A fault injected into requests whose path contains ``match``."""

    match: str
    status: int | None = 500
    times: int | None = 1
    delay: float = 0.0
    retry_after: str | None = None


@dataclass(frozen=True)
class Recorded:
    """A request the fake received."""

    path: str
    query: str

    @property
    def params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))


class FakePDOK(LoopbackFake):
    """A GoKoala look-alike on ``127.0.0.1`` serving synthetic Salland data."""

    handler = FakeHandler  # it answers with FakePDOK.respond

    def __init__(self) -> None:
        data = seed_features()
        specs = [  # API, its title, its collection, the collection's property filters
            (BRK, "BRK Bestuurlijke Gebieden", "gemeentegebied", ["naam", "code", "identificatie"]),
            (CBS, "CBS Wijken en Buurten 2024", "buurten", ["gemeentecode"]),
            (N2K, "Natura 2000", "natura2000", []),
            (BAG, "Basisregistratie Adressen en Gebouwen", "pand", []),
        ]
        self.datasets = {
            base: (title, {cid: FakeCollection(cid, cid.capitalize(), data[cid], filters)})
            for base, title, cid, filters in specs
        }
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.send_content_crs = True
        self._replays: dict[tuple, tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    # -- control ---------------------------------------------------------------------------



    def collection(self, collection_id: str) -> FakeCollection:
        for _, collections in self.datasets.values():
            if collection_id in collections:
                return collections[collection_id]
        raise KeyError(collection_id)

    def refuse_filter(self, collection_id: str, name: str) -> None:
        """Make a property filter unknown, so asking with it gives a 400."""
        self.collection(collection_id).filters.remove(name)

    def ignore_filter(self, collection_id: str, name: str) -> None:
        """Accept a property filter but return everything, as a careless server would."""
        self.collection(collection_id).ignored.add(name)

    def fail(self, match: str, *, status: int = 500, times: int | None = 1, **kw: Any) -> None:
        """Answer ``status`` (500: GoKoala's query time-out; 429 takes ``retry_after``)."""
        self.faults.append(Fault(match, status=status, times=times, **kw))

    def delay(self, match: str, seconds: float, *, times: int | None = 1) -> None:
        """Answer only after ``seconds`` (longer than a client's time-out)."""
        self.faults.append(Fault(match, status=None, times=times, delay=seconds))

    def item_requests(self, collection_id: str | None = None) -> list[Recorded]:
        """Return the recorded ``/items`` requests, optionally of one collection."""
        return [
            r
            for r in self.requests
            if r.path.endswith("/items") and f"/{collection_id or ''}" in r.path
        ]

    def replay(self, fixture: str) -> str:
        """Serve a GoKoala fixture page under ``/gokoala``; return the URL of its self link."""
        text = shared_file("data", "pdok-fixtures", fixture).read_text(encoding="utf-8")
        text = text.replace("http://localhost:8080", self.url + REPLAY)
        href = next(link["href"] for link in json.loads(text)["links"] if link["rel"] == "self")
        split = urlsplit(href)
        params = dict(parse_qsl(split.query))
        self._replays[_replay_key(split.path, params)] = (
            text.encode("utf-8"),
            params.get("crs", CRS84_URI),
        )
        return href

    # -- answering ---------------------------------------------------------------------------

    def respond(self, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        path, params = split.path.rstrip("/"), dict(parse_qsl(split.query, keep_blank_values=True))
        with self._lock:
            self.requests.append(Recorded(split.path, split.query))
            fault = self._take_fault(path)
        if fault is not None:
            time.sleep(fault.delay)
            if fault.status is not None:
                return _fault_answer(fault, path)
        if path.startswith(REPLAY):
            found = self._replays.get(_replay_key(path, params))
            if found is None:
                return _problem(404, f"the fake has no recorded GoKoala page for {raw_path}")
            return (
                200,
                {"Content-Type": "application/geo+json", "Content-Crs": f"<{found[1]}>"},
                found[0],
            )
        for base, (title, collections) in self.datasets.items():
            if path == base or path.startswith(base + "/"):
                return self._route(base, title, collections, path[len(base) :], params)
        return _problem(404, f"no API at {path}")

    def _take_fault(self, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.match in path and (fault.times is None or fault.times > 0):
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _route(self, base, title, collections, rest, params) -> tuple[int, dict[str, str], bytes]:
        parts = [p for p in rest.split("/") if p]
        root = self.url + base
        if not parts:
            return _json(_landing(root, title))
        if parts[0] != "collections":
            return _problem(404, f"no such endpoint {rest}")
        if len(parts) == 1:
            docs = [_collection_doc(root, c) for c in collections.values()]
            return _json(
                {"links": [_link("self", f"{root}/collections?f=json")], "collections": docs}
            )
        coll = collections.get(parts[1])
        if coll is None:
            return _problem(404, f"collection '{parts[1]}' doesn't exist in this API")
        if len(parts) == 2:
            return _json(_collection_doc(root, coll))
        if parts[2:] == ["queryables"]:
            return _json(_queryables(root, coll))
        if parts[2:] == ["items"]:
            return self._items(root, coll, params)
        return _problem(404, f"the fake has no endpoint {rest}")

    def _items(self, root: str, coll: FakeCollection, params: dict[str, str]) -> tuple:
        error = _check_items_params(coll, params)
        if error:
            return _problem(400, error)
        limit = int(params.get("limit", 10))
        selected = self._select(coll, params)
        checksum = _checksum(params)
        start_fid = _decode_cursor(params.get("cursor", ""), checksum)
        start = int(np.searchsorted(coll.fids[selected], start_fid))
        chosen = selected[start : start + limit]
        out_crs = params.get("crs", CRS84_URI)
        href = f"{root}/collections/{coll.id}/items"
        links = _page_links(href, params, coll.fids[selected], start, limit, checksum)
        body = {
            "type": "FeatureCollection",
            "timeStamp": TIMESTAMP,
            "links": links,
            "features": [_feature(coll.features[i], out_crs) for i in chosen],
            "numberReturned": len(chosen),
        }
        return _json(body, geo=True, crs=out_crs if self.send_content_crs else None)

    def _select(self, coll: FakeCollection, params: dict[str, str]) -> np.ndarray:
        mask = np.ones(len(coll.features), dtype=bool)
        for name in coll.filters:
            if name in params and name not in coll.ignored:
                mask &= coll.values[name] == params[name]
        if "bbox" in params:
            box = _to_rd(shapely.box(*map(float, params["bbox"].split(","))),
                         params.get("bbox-crs", CRS84_URI))  # fmt: skip
            mask &= shapely.intersects(coll.geoms, box)
        return np.flatnonzero(mask)


# -- GoKoala's documents ------------------------------------------------------------------


def _json(body: Any, *, geo: bool = False, crs: str | None = None) -> tuple:
    headers = {"Content-Type": "application/geo+json" if geo else "application/json"}
    if crs is not None:
        headers["Content-Crs"] = f"<{crs}>"
    return 200, headers, json.dumps(body, ensure_ascii=False).encode("utf-8")


def _problem(status: int, detail: str, title: str | None = None) -> tuple:
    body = {"detail": detail, "status": status, "timeStamp": TIMESTAMP}
    body["title"] = title or HTTPStatus(status).phrase
    return status, {"Content-Type": "application/problem+json"}, json.dumps(body).encode()


def _fault_answer(fault: Fault, path: str) -> tuple:
    if fault.status == 500:
        name = path.rstrip("/").split("/")[-2] if path.endswith("/items") else "unknown"
        return _problem(500, f"failed to retrieve feature collection {name}: querying the "
                        "features took too long (timeout encountered). Simplify your request "
                        "and try again, or contact support")  # fmt: skip
    status, headers, body = _problem(fault.status, f"fault injected by the test ({fault.status})")
    if fault.retry_after is not None:
        headers["Retry-After"] = fault.retry_after
    return status, headers, body


def _link(
    rel: str, href: str, title: str = "This document as JSON", kind: str = "application/json"
):
    return {"rel": rel, "title": title, "type": kind, "href": href}


def _landing(root: str, title: str) -> dict[str, Any]:
    links = [_link("self", f"{root}?f=json"), _link("data", f"{root}/collections?f=json")]
    return {"title": title, "description": f"{title} (fake PDOK)", "links": links}


def _collection_doc(root: str, coll: FakeCollection) -> dict[str, Any]:
    href = f"{root}/collections/{coll.id}"
    extent = _from_rd(shapely.box(*shapely.total_bounds(coll.geoms)), CRS84_URI).bounds
    return {
        "id": coll.id,
        "title": coll.title,
        "description": f"{coll.title} (synthetic)",
        "extent": {"spatial": {"bbox": [list(extent)], "crs": CRS84_URI}},
        "itemType": "feature",
        "geometryType": "polygon",
        "crs": list(coll.crs),
        "storageCrs": RD_URI if RD_URI in coll.crs else coll.crs[0],
        "links": [
            _link("self", f"{href}?f=json"),
            _link("items", f"{href}/items?f=json", f"The JSON representation of the {coll.id} "
                  "features served from this endpoint", "application/geo+json"),
            _link("http://www.opengis.net/def/rel/ogc/1.0/queryables", f"{href}/queryables",
                  "Queryables", "application/schema+json"),
        ],
    }  # fmt: skip


def _queryables(root: str, coll: FakeCollection) -> dict[str, Any]:
    props: dict[str, Any] = {"geometry": {"x-ogc-role": "primary-geometry"}}
    props.update({n: {"description": "Filter features by this property", "type": "string"}
                  for n in coll.filters})  # fmt: skip
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{root}/collections/{coll.id}/queryables",
        "title": coll.title,
        "type": "object",
        "properties": props,
        "additionalProperties": False,
    }


def _check_items_params(coll: FakeCollection, params: dict[str, str]) -> str | None:
    """Return GoKoala's complaint about the query parameters, or None."""
    unknown = sorted(set(params) - _KNOWN - set(coll.filters))
    if unknown:
        return f"unknown query parameter(s) found: {', '.join(unknown)}"
    spec = "request doesn't conform to OpenAPI spec: parameter"
    if params.get("f", "json") != "json":
        return f'{spec} "f" in query has an error: the fake serves only f=json'
    limit = params.get("limit", "10")
    if not limit.lstrip("-").isdigit():
        return f'{spec} "limit" in query has an error: value {limit}: an invalid integer'
    if not 1 <= int(limit) <= 1000:
        edge = "at least 1" if int(limit) < 1 else "at most 1000"
        return f'{spec} "limit" in query has an error: number must be {edge}'
    for name in ("crs", "bbox-crs"):
        if name in params and params[name] not in coll.crs:
            allowed = ",".join(f'"{c}"' for c in coll.crs)
            return f'{spec} "{name}" in query has an error: value is not one of the allowed ' + (
                f"values [{allowed}]"
            )
    if "datetime" in params:
        return "datetime param is currently not supported for this collection"
    if "filter" in params:
        return "CQL filter param is currently not supported"
    if "bbox" in params:
        return _check_bbox(params["bbox"])
    return None


def _check_bbox(text: str) -> str | None:
    values = text.split(",")
    if len(values) != 4:
        return "bbox should contain exactly 4 values separated by commas: minx,miny,maxx,maxy"
    try:
        minx, miny, maxx, maxy = map(float, values)
    except ValueError:
        return f"failed to parse value in bbox {text}"
    if (maxx - minx) * (maxy - miny) <= 0:
        return "bbox has no surface area"
    return None


def _fnv32a(data: bytes) -> bytes:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value.to_bytes(4, "big")


def _checksum(params: dict[str, str]) -> bytes:
    """GoKoala's checksum of the parameters that filter (all but ``f`` and ``cursor``)."""
    joined = "".join(v for k, v in sorted(params.items()) if k not in ("f", "cursor"))
    return _fnv32a(joined.encode()) if joined else b""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _encode_cursor(fid: int, checksum: bytes) -> str:
    return _b64(fid.to_bytes((fid.bit_length() + 7) // 8, "big")) + "|" + _b64(checksum)


def _decode_cursor(cursor: str, checksum: bytes) -> int:
    """Return the fid a cursor points at; 0 (first page) when it is bad or filters changed."""
    fid_text, sep, sum_text = cursor.partition("|")
    if not sep:
        return 0
    try:
        fid, given = int.from_bytes(_unb64(fid_text), "big"), _unb64(sum_text)
    except ValueError:
        return 0
    return fid if given == checksum else 0


def _page_links(href, params, fids, start, limit, checksum) -> list[dict[str, str]]:
    def url(**changes: str) -> str:
        return f"{href}?{urlencode(sorted({**params, **changes}.items()))}"

    links = [
        _link("self", url(f="json"), "This document as GeoJSON", "application/geo+json"),
        _link("alternate", url(f="jsonfg"), "This document as JSON-FG", _JSONFG),
        _link("alternate", url(f="html"), "This document as HTML", "text/html"),
    ]  # fmt: skip
    if start + limit < len(fids):
        cursor = _encode_cursor(int(fids[start + limit]), checksum)
        links.append(
            _link("next", url(f="json", cursor=cursor), "Next page", "application/geo+json")
        )
    if start > 0:
        cursor = _encode_cursor(int(fids[max(start - limit, 0)]), checksum)
        links.append(
            _link("prev", url(f="json", cursor=cursor), "Previous page", "application/geo+json")
        )
    return links


@functools.cache
def _transformer(source: str, target: str) -> Transformer:
    names = {RD_URI: "EPSG:28992", CRS84_URI: "OGC:CRS84"}
    return Transformer.from_crs(names[source], names[target], always_xy=True)


def _reproject(geom: Any, source: str, target: str) -> Any:
    if source == target or geom is None:
        return geom
    transformer = _transformer(source, target)

    def move(coords: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(coords[:, 0], coords[:, 1]))

    return shapely.transform(geom, move)


def _to_rd(geom: Any, crs: str) -> Any:
    if crs == RD_URI:
        return geom
    return _reproject(shapely.segmentize(geom, 0.001), crs, RD_URI)


def _from_rd(geom: Any, crs: str) -> Any:
    return _reproject(geom, RD_URI, crs)


def _feature(feature: dict[str, Any], crs: str) -> dict[str, Any]:
    geom = _from_rd(feature["geometry"], crs)
    return {
        "type": "Feature",
        "properties": feature["properties"],
        "geometry": mapping(geom) if geom is not None else None,
        "id": feature["id"],
    }


def _replay_key(path: str, params: dict[str, str]) -> tuple:
    def norm(key: str, value: str) -> Any:
        return tuple(float(v) for v in value.split(",")) if key == "bbox" else value

    return path.rstrip("/"), tuple(sorted((k, norm(k, v)) for k, v in params.items()))


# -- pytest ---------------------------------------------------------------------------------


@pytest.fixture
def fake_pdok(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakePDOK]:
    """A started :class:`FakePDOK`, with ``OMGEVING_PDOK_ROOT`` pointing at it."""
    fake = FakePDOK().start()
    monkeypatch.setenv("OMGEVING_PDOK_ROOT", fake.url)
    try:
        yield fake
    finally:
        fake.stop()

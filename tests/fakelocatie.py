"""A local fake of PDOK Locatieserver v3.1, for tests.

It serves ``/free``, ``/suggest`` and ``/lookup`` under the real path
``/bzk/locatieserver/search/v3_1`` in Solr's JSON shape, for a handful of fictional
addresses, postcodes, streets and woonplaatsen in Raalte (0177), Deventer (0150), Olst-Wijhe
(1773) and a far-away Voorbeeld (9999), each with ``centroide_ll`` and ``centroide_rd``.

What it copies from the real service (its OpenAPI document, v3_1):

* ``q`` is required on ``/suggest`` (400) but optional on ``/free`` (then everything matches);
  ``/lookup`` requires ``id``. Query parameters not in the OpenAPI document are refused.
* ``rows`` (default 10; at most 100 on ``/free``) and ``start``; ``fl`` (default per endpoint:
  ``/suggest`` sends no ``centroide_ll`` unless asked); ``fq`` may repeat and defaults to
  ``type:(gemeente OR woonplaats OR weg OR postcode OR adres)``.
* Errors of the OpenAPI check are ``text/plain``; Solr's own are
  ``{"error": {"metadata": [...], "msg": ..., "code": 400}}`` (e.g. an undefined field in ``fq``).

Matching is a stand-in for Solr: every word of ``q`` (backslash escapes removed) must begin
a word of the ``weergavenaam``, case-insensitively (``8102EA`` also counts as ``8102`` and
``EA``). ``fq`` understands ``field:value`` and ``field:(a OR b)``; ``ignored`` names fields
whose filter the fake drops. Faults can be injected: a status (with a Solr body) and a delay.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.fakeserver import FakeHandler, LoopbackFake

__all__ = ["DOCS", "PATH", "FakeLocatie", "Fault", "fake_locatie"]

PATH = "/bzk/locatieserver/search/v3_1"
_BASE = {"bron": "BAG", "provinciecode": "PV23", "provincienaam": "Overijssel"}
_GEMEENTEN = {"0177": "Raalte", "0150": "Deventer", "1773": "Olst-Wijhe", "9999": "Voorbeeld"}


def _doc(kind: str, label: str, code: str, ll: str, rd: str, **extra: Any) -> dict[str, Any]:
    prefix = {"adres": "adr", "postcode": "pcd", "woonplaats": "wpl"}.get(kind, kind[:3])
    doc_id = f"{prefix}-{hashlib.md5(label.encode()).hexdigest()}"
    return {"id": doc_id, "type": kind, "weergavenaam": label, "gemeentecode": code,
            "gemeentenaam": _GEMEENTEN[code], **_BASE, **extra,
            "centroide_ll": f"POINT({ll})", "centroide_rd": f"POINT({rd})"}  # fmt: skip


#: The fake's index (fictional streets and numbers at plausible places).
DOCS = [
    _doc("adres", "Kerkstraat 1, 8102EA Raalte", "0177", "6.27431 52.38612",
         "215392.873 489065.787", postcode="8102EA", huisnummer=1, straatnaam="Kerkstraat"),
    _doc("adres", "Kerkstraat 3, 8102EA Raalte", "0177", "6.27455 52.38604",
         "215409.32 489057.086", postcode="8102EA", huisnummer=3, straatnaam="Kerkstraat"),
    _doc("adres", "Kerkstraat 5, 8102EA Raalte", "0177", "6.27479 52.38596",
         "215425.768 489048.386", postcode="8102EA", huisnummer=5, straatnaam="Kerkstraat"),
    _doc("adres", "Kerkstraat 7, 8102EB Raalte", "0177", "6.27503 52.38588",
         "215442.215 489039.685", postcode="8102EB", huisnummer=7, straatnaam="Kerkstraat"),
    _doc("postcode", "Kerkstraat, 8102EA Raalte", "0177", "6.27443 52.38608",
         "215401.097 489061.436", postcode="8102EA", straatnaam="Kerkstraat"),
    _doc("weg", "Kerkstraat, Raalte", "0177", "6.27467 52.386", "215417.544 489052.736",
         straatnaam="Kerkstraat"),
    _doc("adres", "Stationsstraat 12, 8101BC Raalte", "0177", "6.27012 52.38255",
         "215112.476 488665.105", postcode="8101BC", huisnummer=12, straatnaam="Stationsstraat"),
    _doc("postcode", "Stationsstraat, 8101BC Raalte", "0177", "6.2702 52.3825",
         "215117.99 488659.609", postcode="8101BC", straatnaam="Stationsstraat"),
    _doc("woonplaats", "Raalte, Raalte, Overijssel", "0177", "6.275 52.3857",
         "215440.418 489019.633"),
    _doc("adres", "Heinoseweg 40, 8141PT Heino", "0177", "6.23911 52.43187",
         "212936.703 494127.177", postcode="8141PT", huisnummer=40, straatnaam="Heinoseweg"),
    _doc("woonplaats", "Heino, Raalte, Overijssel", "0177", "6.233 52.435",
         "212517.117 494470.552"),
    _doc("adres", "Kerkstraat 2, 7411AB Deventer", "0150", "6.16012 52.25201",
         "207778.372 474055.716", postcode="7411AB", huisnummer=2, straatnaam="Kerkstraat"),
    _doc("woonplaats", "Deventer, Deventer, Overijssel", "0150", "6.1594 52.2516",
         "207729.694 474009.576"),
    _doc("adres", "Kerkstraat 4, 8121AB Olst", "1773", "6.11003 52.33781",
         "204262.854 483566.477", postcode="8121AB", huisnummer=4, straatnaam="Kerkstraat"),
    _doc("adres", "Kerkstraat 9, 9999ZZ Voorbeeld", "9999", "5.387 52.155",
         "154986.073 462980.83", postcode="9999ZZ", huisnummer=9, straatnaam="Kerkstraat"),
    _doc("gemeente", "Gemeente Raalte", "0177", "6.2750 52.3857", "215440.418 489019.633"),
]  # fmt: skip

_COMMON = {"q", "lat", "lon", "fl", "fq", "df", "qf", "bq", "start", "rows", "sort", "wt"}
_ALLOWED = {"free": _COMMON, "suggest": _COMMON, "lookup": {"id", "fl", "fq", "wt"}}
_MAX_ROWS = {"free": 100, "suggest": 3000, "lookup": 100}
_DEFAULT_FQ = "type:(gemeente OR woonplaats OR weg OR postcode OR adres)"
_DEFAULT_FL = {
    "free": "id weergavenaam type postcode gemeentecode gemeentenaam centroide_ll centroide_rd",
    "suggest": "id weergavenaam type score adrestype",
    "lookup": "*",
}
_FIELDS = {"id", "type", "weergavenaam", "bron", "postcode", "huisnummer", "straatnaam",
           "gemeentecode", "gemeentenaam", "provinciecode", "provincienaam", "woonplaatsnaam",
           "centroide_ll", "centroide_rd", "score", "adrestype"}  # fmt: skip
_BOOST = {"woonplaats": 1.5, "weg": 1.5, "adres": 1.0, "postcode": 0.5, "gemeente": 1.5}


@dataclass
class Fault:
    """A fault for the next ``times`` requests (``None``: all): a status and/or a delay."""

    status: int | None = 500
    times: int | None = 1
    delay: float = 0.0


@dataclass
class FakeLocatie(LoopbackFake):
    """A Locatieserver on a free loopback port; see the module docstring."""

    docs: list[dict[str, Any]] = field(default_factory=lambda: [dict(d) for d in DOCS])
    faults: list[Fault] = field(default_factory=list)
    requests: list[list[tuple[str, str]]] = field(default_factory=list)
    #: Fields whose ``fq`` the fake silently ignores (a server that drops a filter).
    ignored: set[str] = field(default_factory=set)
    port: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()



    def add_fault(
        self, status: int | None = 500, *, times: int | None = 1, delay: float = 0.0
    ) -> None:
        self.faults.append(Fault(status=status, times=times, delay=delay))

    def respond(self, raw: str) -> tuple[float, int, str, bytes]:
        """Return ``(delay, status, content type, body)`` for a request target."""
        parts = urlsplit(raw)
        params = parse_qsl(parts.query, keep_blank_values=True)
        with self._lock:
            self.requests.append(params)
            fault = self._take_fault()
        delay = fault.delay if fault else 0.0
        if fault is not None and fault.status is not None:
            return delay, *_solr_error(fault.status, f"fault injected by the test ({fault.status})")
        endpoint = parts.path[len(PATH) + 1 :] if parts.path.startswith(PATH + "/") else ""
        if endpoint not in _ALLOWED:
            return delay, 404, "text/plain", b"404 page not found"
        return delay, *self._search(endpoint, params)

    def _take_fault(self) -> Fault | None:
        for fault in self.faults:
            if fault.times is None or fault.times > 0:
                if fault.times is not None:
                    fault.times -= 1
                return fault
        return None

    def _search(self, endpoint: str, params: list[tuple[str, str]]) -> tuple[int, str, bytes]:
        single = dict(params)
        complaint = _check(endpoint, params, single)
        if complaint:
            return 400, "text/plain", complaint.encode()
        filters = [v for k, v in params if k == "fq"] or [_DEFAULT_FQ]
        if endpoint == "lookup":
            filters.append(f"id:{single['id']}")
        try:
            chosen = [d for d in self.docs if all(_fq_match(d, f, self.ignored) for f in filters)]
        except _SolrError as err:
            return _solr_error(400, str(err))
        chosen = [dict(d, score=_score(d, single.get("q"))) for d in chosen]
        chosen = [d for d in chosen if d["score"] > 0]
        chosen.sort(key=lambda d: (-d["score"], d["weergavenaam"]))
        start, rows = int(single.get("start", 0)), int(single.get("rows", 10))
        fields = re.split(r"[ ,]+", single.get("fl", _DEFAULT_FL[endpoint]).strip())
        page = [_project(d, fields) for d in chosen[start : start + rows]]
        body: dict[str, Any] = {"response": {
            "numFound": len(chosen), "start": start, "numFoundExact": True,
            "maxScore": chosen[0]["score"] if chosen else 0.0, "docs": page}}  # fmt: skip
        if endpoint == "suggest":
            body["highlighting"] = {d["id"]: {"suggest": [f"<b>{d['weergavenaam']}</b>"]}
                                    for d in chosen[start : start + rows]}  # fmt: skip
            body["spellcheck"] = {"suggestions": [], "collations": []}
        return 200, "application/json", json.dumps(body, ensure_ascii=False).encode()


class _SolrError(ValueError):
    pass


def _check(endpoint: str, params: list[tuple[str, str]], single: dict[str, str]) -> str:
    """Return the OpenAPI gateway's complaint (its text/plain wording), or ``""``."""
    for name, _ in params:
        if name not in _ALLOWED[endpoint]:
            return f'parameter "{name}" in query is not allowed by the OpenAPI specification'
    required = {"suggest": "q", "lookup": "id"}.get(endpoint)
    if required and not single.get(required):
        return f'parameter "{required}" in query has an error: value is required but missing'
    for name, top in (("rows", _MAX_ROWS[endpoint]), ("start", 10000)):
        value = single.get(name, "0")
        if not re.fullmatch(r"-?\d+", value):
            return f'parameter "{name}" in query has an error: value {value}: an invalid integer'
        if not 0 <= int(value) <= top:
            return f'parameter "{name}" in query has an error: number must be at most {top}'
    if "fl" in single and not re.fullmatch(r"([a-z_*]+( |,|, )?)+", single["fl"]):
        return 'parameter "fl" in query has an error: string doesn\'t match the regular expression'
    return ""


def _fq_match(doc: dict[str, Any], fq: str, ignored: set[str]) -> bool:
    match = re.fullmatch(r"\s*(\w+):(?:\((.+)\)|(\S+))\s*", fq)
    if match is None:
        raise _SolrError(f"org.apache.solr.search.SyntaxError: Cannot parse '{fq}'")
    name, group, value = match.groups()
    if name not in _FIELDS:
        raise _SolrError(f"undefined field {name}")
    wanted = [v.strip() for v in group.split(" OR ")] if group else [value]
    return name in ignored or str(doc.get(name)) in wanted


def _score(doc: dict[str, Any], q: str | None) -> float:
    """Return a stand-in score: 0 when a word of ``q`` begins no word of the weergavenaam."""
    if q is None or q.strip() in ("", "*", "*:*"):
        return 1.0
    words = re.findall(r"\w+", re.sub(r"\\(.)", r"\1", q).lower())
    label = doc["weergavenaam"].lower()
    tokens = re.findall(r"\w+", label) + re.findall(r"[^\W\d_]+|\d+", label)
    if not all(any(token.startswith(word) for token in tokens) for word in words):
        return 0.0
    return round(_BOOST.get(doc["type"], 1.0) * (10 - min(len(label) / 10, 9)), 4)


def _project(doc: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return dict(doc) if "*" in fields else {k: doc[k] for k in fields if k in doc}


def _solr_error(status: int, message: str) -> tuple[int, str, bytes]:
    metadata = ["error-class", "org.apache.solr.common.SolrException",
                "root-error-class", "org.apache.solr.common.SolrException"]  # fmt: skip
    body = {"error": {"metadata": metadata, "msg": message, "code": status}}
    return status, "application/json", json.dumps(body).encode()


class _Handler(FakeHandler):
    def answer(self) -> tuple[int, dict[str, str], bytes]:
        delay, status, kind, body = self.server.fake.respond(self.path)
        if delay:
            time.sleep(delay)
        return status, {"Content-Type": f"{kind}; charset=utf-8"}, body


FakeLocatie.handler = _Handler  # defined after the fake, which it serves


@pytest.fixture
def fake_locatie(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeLocatie]:
    """A started :class:`FakeLocatie`, with ``OMGEVING_PDOK_ROOT`` pointing at it."""
    fake = FakeLocatie().start()
    monkeypatch.setenv("OMGEVING_PDOK_ROOT", fake.url)
    try:
        yield fake
    finally:
        fake.stop()

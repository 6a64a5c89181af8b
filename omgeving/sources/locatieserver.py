"""Find an address, postcode, street or woonplaats with PDOK Locatieserver.

A resident without a mouse types ``8102EA`` or ``Kerkstraat 1 Raalte`` and picks a place from
a short list. We ask the Locatieserver's ``/free`` below :func:`~omgeving.sources.pdok.pdok_root`
(``OMGEVING_PDOK_ROOT``), only in the project's gemeenten, and fail fast: one quick retry,
then :class:`~omgeving._errors.ServiceError`; the app then offers the (offline) buurt list.

Examples
--------
>>> from omgeving.sources.locatieserver import search_places
>>> search_places("8102EA", gemeenten=["GM0177"])  # doctest: +SKIP
[Place(label='Kerkstraat, 8102EA Raalte', lon=6.27443, lat=52.38608, kind='postcode')]
"""

from __future__ import annotations

import logging
import math
import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import requests

from omgeving._errors import ServiceError, ValidationError
from omgeving.sources._http import USER_AGENT, RequestRefusedError, json_body, reason_of
from omgeving.sources.pdok import ROOT_VARIABLE, pdok_root

__all__ = ["KINDS", "LOCATIESERVER_PATH", "MAX_ROWS", "Place", "search_places"]

#: The Locatieserver below :func:`~omgeving.sources.pdok.pdok_root`.
LOCATIESERVER_PATH = "/bzk/locatieserver/search/v3_1"
#: The kinds of place a resident can find (the Locatieserver's ``type`` values).
KINDS = ("adres", "postcode", "weg", "woonplaats")
#: The most rows ``/free`` returns per request.
MAX_ROWS = 100
BAD_QUERY = "geocode.bad_query"
_FIELDS = "id weergavenaam type centroide_ll gemeentecode score"
_SOLR_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
_NUMBER = r"([-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)"
_POINT = re.compile(rf"(?i)\s*POINT\s*\(\s*{_NUMBER}\s+{_NUMBER}\s*\)\s*$")
_RETRY_PAUSE = 0.2
_FIX = "let the resident choose a buurt from the list, or try again later"
_HEADERS = {"User-Agent": USER_AGENT, "Accept": "application/json"}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Place:
    """A place found by the Locatieserver.

    Its ``weergavenaam`` as ``label`` (``"Kerkstraat 1, 8102EA Raalte"``), its centroid in
    WGS 84 degrees and its ``kind``, one of :data:`KINDS`.
    """

    label: str
    lon: float
    lat: float
    kind: str


def search_places(
    query: str,
    *,
    gemeenten: Iterable[str | int] = (),
    rows: int = 5,
    timeout: float = 5.0,
    session: requests.Session | None = None,
) -> list[Place]:
    """Find addresses, postcodes, streets and woonplaatsen, best match first.

    Parameters
    ----------
    query
        What the resident typed: 2 to 100 characters, no control characters.
    gemeenten
        Gemeente codes (``"GM0177"``, ``"0177"`` or ``177``); empty: the whole country.
    rows
        The most places to return, 1 to 100.
    timeout
        Seconds to wait for each of the (at most two) tries.
    session
        A ``requests.Session`` to use; by default one is made and closed.

    Returns
    -------
    list of Place
        Empty when nothing matches. Answers without a usable ``centroide_ll`` are skipped.

    Raises
    ------
    ValidationError
        With key ``geocode.bad_query`` when the query is refused.
    ServiceError
        When the Locatieserver does not answer usefully (after one retry on 5xx, time-out
        or connection error); a :class:`~omgeving.sources.pdok.RequestRefusedError` for 4xx.
    """
    text = _clean_query(query)
    if not 1 <= rows <= MAX_ROWS:
        raise ValueError(f"rows={rows} is outside 1..{MAX_ROWS}, what the Locatieserver serves")
    codes = _gemeente_codes(gemeenten)
    params = [("q", _SOLR_SPECIAL.sub(r"\\\1", text)), ("rows", str(rows)), ("fl", _FIELDS)]
    params.append(("fq", f"type:({' OR '.join(KINDS)})"))
    if codes:
        params.append(("fq", f"gemeentecode:({' OR '.join(codes)})"))
    url = f"{pdok_root()}{LOCATIESERVER_PATH}/free"
    return _places(_get(url, params, timeout, session), url, set(codes))


def _clean_query(query: Any) -> str:
    text = query.strip() if isinstance(query, str) else ""
    if not isinstance(query, str):
        problem = "is not text"
    elif any(unicodedata.category(char) in ("Cc", "Cs") for char in text):
        problem = "contains control characters"
    elif not 2 <= len(text) <= 100:
        problem = f"has {len(text)} characters; use 2 to 100"
    else:
        return " ".join(text.split())
    raise ValidationError(f"search query {query!r:.60} {problem}", key=BAD_QUERY)


def _gemeente_codes(gemeenten: Iterable[str | int]) -> list[str]:
    codes = []
    for value in [gemeenten] if isinstance(gemeenten, str | int) else gemeenten:
        digits = re.sub(r"(?i)^\s*GM", "", str(value)).strip()
        if not re.fullmatch(r"[0-9]{1,4}", digits):
            raise ValueError(f"gemeente code {value!r} is not like 'GM0177', '0177' or 177")
        codes.append(digits.zfill(4))
    return sorted(set(codes))


def _get(url: str, params: list[tuple[str, str]], timeout: float, session: Any) -> Any:
    full = requests.Request("GET", url, params=params).prepare().url or url
    http = session if session is not None else requests.Session()
    problem = ""
    try:
        for attempt in (1, 2):
            try:
                response = http.get(url, params=params, headers=_HEADERS, timeout=timeout)
            except requests.Timeout:
                problem = f"did not answer {full} within {timeout:g} s"
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
                problem = f"could not be reached at {full} ({reason_of(err)})"
            else:
                if response.status_code < 500:
                    return _body(response, full)
                problem = f"answered HTTP {response.status_code} to {full}"
            logger.info("PDOK Locatieserver %s (try %d of 2)", problem, attempt)
            if attempt == 1:
                time.sleep(_RETRY_PAUSE)
    finally:
        if session is None:
            http.close()
    raise ServiceError(f"PDOK Locatieserver {problem} (tried twice); {_FIX}")


def _body(response: requests.Response, url: str) -> Any:
    if response.status_code >= 400:  # Solr answers {"error": {"msg": ...}}, the gateway text
        try:
            detail = str(response.json()["error"]["msg"])
        except (ValueError, KeyError, TypeError):
            detail = response.text.strip()[:200] or response.reason or "no explanation"
        raise RequestRefusedError(
            f"PDOK Locatieserver refused {url} with HTTP {response.status_code} ({detail}); "
            f"its API may have changed; {_FIX}",
            status=response.status_code,
            url=url,
            detail=detail,
        )
    check = f"that {ROOT_VARIABLE} ({pdok_root()}) points at PDOK"
    return json_body(response, url, service="PDOK Locatieserver", check=check)


def _places(body: Any, url: str, codes: set[str]) -> list[Place]:
    found = body.get("response") if isinstance(body, dict) else None
    docs = found.get("docs") if isinstance(found, dict) else None
    if not isinstance(docs, list):
        raise ServiceError(f"PDOK Locatieserver answered {url} without response.docs; {_FIX}")
    places = []
    for doc in docs:
        if not isinstance(doc, dict) or doc.get("type") not in KINDS:
            continue
        code = doc.get("gemeentecode")
        if codes and code is not None and code not in codes:
            continue  # the server ignored the filter: offer no place outside the project
        wkt = doc.get("centroide_ll")
        match = _POINT.match(wkt) if isinstance(wkt, str) else None
        lon, lat = (float(match[1]), float(match[2])) if match else (math.nan, math.nan)
        label = str(doc.get("weergavenaam") or "").strip()
        if label and -180 <= lon <= 180 and -90 <= lat <= 90:  # NaN fails both
            places.append(Place(label=label, lon=lon, lat=lat, kind=doc["type"]))
    return places

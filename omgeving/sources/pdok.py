"""Read collections from PDOK's OGC API Features servers (GoKoala).

One client does the network work for every PDOK layer: it pages by following the ``next``
links the server sends (never by offsets), asks for RD New coordinates, takes the CRS from the
``Content-Crs`` header, retries what is worth retrying and keeps every page in a disk cache so
that a project fetched once works offline.

The only environment variable is ``OMGEVING_PDOK_ROOT`` (default ``https://api.pdok.nl``): the
root every catalogue path is joined to. Tests point it at a local fake server.

Examples
--------
>>> from omgeving.pdok import PDOKClient
>>> client = PDOKClient(cache_dir="cache")  # doctest: +SKIP
>>> client.read_collection(
...     "kadaster/brk-bestuurlijke-gebieden/ogc/v1", "gemeentegebied", filters={"code": "GM0177"}
... )  # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
import os
import re
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import requests

from omgeving._errors import ConfigError, ServiceError

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "CRS84_URI",
    "DEFAULT_PDOK_ROOT",
    "MAX_LIMIT",
    "PDOKClient",
    "Page",
    "RequestRefusedError",
    "crs_uri",
    "features_frame",
    "pdok_root",
]

#: The root of PDOK's APIs; override with the environment variable ``OMGEVING_PDOK_ROOT``.
DEFAULT_PDOK_ROOT = "https://api.pdok.nl"
ROOT_VARIABLE = "OMGEVING_PDOK_ROOT"
#: The URI of lon/lat WGS 84, the default CRS of OGC API Features.
CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
_EPSG_URI = "http://www.opengis.net/def/crs/EPSG/0/{}"
#: The most features PDOK serves per page.
MAX_LIMIT = 1000
MAX_PAGES = 2000
MAX_RETRY_AFTER = 60.0
_FIX = "check the network or try again later; a project fetched before works offline"

logger = logging.getLogger(__name__)


def pdok_root() -> str:
    """Return the root URL of PDOK's APIs, from ``OMGEVING_PDOK_ROOT`` or the default.

    Raises
    ------
    ConfigError
        When the variable is set to something that is not an http(s) URL.
    """
    return service_root(ROOT_VARIABLE, DEFAULT_PDOK_ROOT)


def service_root(variable: str, default: str) -> str:
    """Return the root URL of a service from environment ``variable``, or ``default``.

    Tests point the variable at a local fake of the service.
    """
    root = os.environ.get(variable, "").strip() or default
    if not re.match(r"^https?://[^/]+", root):
        raise ConfigError(
            f"{variable} is {root!r}, which is not a URL; "
            f"set it to a URL such as {default} or unset it"
        )
    return root.rstrip("/")


def _user_agent() -> str:
    try:
        return f"omgeving/{metadata.version('omgeving')}"
    except metadata.PackageNotFoundError:
        return "omgeving/unknown"


_HEADERS = {"User-Agent": _user_agent(), "Accept": "application/geo+json, application/json"}


def crs_uri(crs: int | str) -> str:
    """Return the OGC URI of a CRS given as EPSG code, ``"EPSG:n"``, ``"CRS84"`` or URI.

    Examples
    --------
    >>> crs_uri(28992)
    'http://www.opengis.net/def/crs/EPSG/0/28992'
    """
    if isinstance(crs, int) and not isinstance(crs, bool):
        return _EPSG_URI.format(crs)
    text = str(crs).strip()
    if text.upper() in ("CRS84", "OGC:CRS84"):
        return CRS84_URI
    if re.fullmatch(r"(?i)EPSG:\d+", text):
        return _EPSG_URI.format(text.split(":")[1])
    if text.startswith("http"):
        return text
    raise ValueError(f"crs {crs!r} is not understood; use 28992, 'EPSG:28992' or 'CRS84'")


def _crs_for_pyproj(uri: str) -> str:
    """Turn a CRS URI (as sent in ``Content-Crs``) into something pyproj reads."""
    if uri == CRS84_URI:
        return "OGC:CRS84"
    match = re.fullmatch(r"https?://www\.opengis\.net/def/crs/EPSG/0/(\d+)", uri)
    return f"EPSG:{match.group(1)}" if match else uri


class Page(NamedTuple):
    """One answer of the server: the JSON body, the CRS from ``Content-Crs`` and the URL."""

    body: dict[str, Any]
    crs: str | None
    url: str


class RequestRefusedError(ServiceError):
    """PDOK refused a request with an HTTP 4xx status (not retried).

    Attributes
    ----------
    status, url, detail
        The HTTP status, the full request URL and the server's RFC 7807 explanation.
    """

    def __init__(self, message: str, *, status: int, url: str, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.detail = detail


class JSONClient:
    """An HTTP client for one open-data service's JSON: disk cache, offline mode, retries.

    Parameters
    ----------
    cache_dir
        Folder for the disk cache of raw answers (``<cache_dir>/<service>/<hash>.json``);
        ``None`` keeps nothing.
    offline
        Serve from the cache only; an answer that is not cached raises :class:`ServiceError`.
    refresh
        Always ask the server and update the cache.
    timeout
        Seconds to wait for each answer.
    retries
        How many times to try a request in all (429, 5xx, time-outs, connection errors).
    backoff
        First wait between tries in seconds; doubled after every try. A ``Retry-After``
        header (at most 60 s) takes its place.
    session
        A ``requests.Session`` to use; by default the client makes (and closes) its own.
    """

    #: The service's name in messages, and the cache's subfolder (lower case).
    service = "PDOK"
    #: What to do when offline and an answer is not cached.
    offline_hint = "run 'omgeving fetch DIR' (DIR = the project folder) while online"

    def __init__(
        self,
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        offline: bool = False,
        refresh: bool = False,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        session: requests.Session | None = None,
    ) -> None:
        if offline and refresh:
            raise ValueError("offline=True and refresh=True exclude each other; choose one")
        if retries < 1 or timeout <= 0 or backoff < 0:
            raise ValueError("retries must be at least 1, timeout positive, backoff not negative")
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.offline = offline
        self.refresh = refresh
        self.timeout = float(timeout)
        self.retries = int(retries)
        self.backoff = float(backoff)
        self._session = session if session is not None else requests.Session()
        self._owns_session = session is None
        self._sleep = time.sleep

    def close(self) -> None:
        """Close the HTTP session when the client made it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get_json(self, url: str, *, params: Mapping[str, Any] | None = None) -> Page:
        """Return one JSON answer, from the cache when it has it (unless ``refresh``).

        Parameters
        ----------
        url
            Absolute URL, or a path below the service's root.
        params
            Query parameters; the full URL including them is the cache key.

        Raises
        ------
        ServiceError
            When the server cannot be reached after all tries, answers something that is not
            a JSON object, or when offline and not cached.
        RequestRefusedError
            When the server refuses the request (HTTP 4xx other than 429).
        """
        full = requests.Request("GET", self._absolute(url), params=params).prepare().url
        path = None
        if self.cache_dir is not None:
            key = hashlib.sha256(full.encode("utf-8")).hexdigest()
            path = self.cache_dir / self.service.lower() / f"{key}.json"
            cached = None if self.refresh else _read_cache(path, full)
            if cached is not None:
                return cached
        if self.offline:
            where = self.cache_dir or "none given"
            raise ServiceError(f"{full} is not in the cache (folder: {where}) and omgeving "
                               f"works offline; {self.offline_hint}")
        page = self._download(full)
        if path is not None:
            _write_cache(path, page)
        return page

    def _absolute(self, url: str) -> str:
        return _absolute(url)

    def _download(self, url: str) -> Page:
        problem = ""
        for attempt in range(1, self.retries + 1):
            page, problem, wait = self._attempt(url)
            if page is not None:
                return page
            logger.info("%s %s (try %d of %d)", self.service, problem, attempt, self.retries)
            if attempt < self.retries:
                self._sleep(wait if wait is not None else self.backoff * 2 ** (attempt - 1))
        raise ServiceError(f"{self.service} {problem} after {self.retries} tries; {_FIX}")

    def _attempt(self, url: str) -> tuple[Page | None, str, float | None]:
        """Try once; return the page, or what went wrong and how long the server asks to wait."""
        try:
            response = self._session.get(url, headers=_HEADERS, timeout=self.timeout)
        except requests.Timeout:
            return None, f"did not answer {url} within {self.timeout:g} s", None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
            return None, f"could not be reached at {url} ({_reason(err)})", None
        status = response.status_code
        if status == 429 or status >= 500:
            what = f"answered HTTP {status} ({_problem(response)}) to {url}"
            return None, what, _retry_after(response)
        if status >= 400:
            raise self._refused(response, url)
        return self._page(response, url), "", None

    def _refused(self, response: requests.Response, url: str) -> Exception:
        return _refused(response, url)

    def _page(self, response: requests.Response, url: str) -> Page:
        return _parse(response, url)


class PDOKClient(JSONClient):
    """A client for PDOK's OGC API Features servers.

    Parameters
    ----------
    progress
        Show a progress bar over pages: ``None`` only on a terminal, ``True`` or ``False``.
    max_pages
        Stop with an error after this many pages of one collection.
    **options
        The cache, offline, retry and session options of :class:`JSONClient`.
    """

    def __init__(
        self, *, progress: bool | None = None, max_pages: int = MAX_PAGES, **options: Any
    ) -> None:
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        super().__init__(**options)
        self.progress = progress
        self.max_pages = int(max_pages)
        self._collections: dict[str, dict[str, Any]] = {}

    def replace(self, **changes: Any) -> PDOKClient:
        """Return a client with some options changed that shares this client's session.

        Examples
        --------
        >>> PDOKClient(timeout=5).replace(refresh=True).timeout
        5.0
        """
        options = {
            "cache_dir": self.cache_dir,
            "offline": self.offline,
            "refresh": self.refresh,
            "timeout": self.timeout,
            "retries": self.retries,
            "backoff": self.backoff,
            "progress": self.progress,
            "max_pages": self.max_pages,
        }
        client = PDOKClient(**{**options, **changes}, session=self._session)
        client._sleep = self._sleep
        return client

    # -- single requests --------------------------------------------------------------------

    def collection_info(self, base: str, collection: str) -> dict[str, Any]:
        """Return the description of a collection (``crs`` list, ``storageCrs``, extent)."""
        url = f"{_absolute(base)}/collections/{collection}"
        if url not in self._collections:
            self._collections[url] = self.get_json(url, params={"f": "json"}).body
        return self._collections[url]

    # -- collections ------------------------------------------------------------------------

    def iter_pages(
        self, base: str, collection: str, *, params: Mapping[str, Any] | None = None
    ) -> Iterator[Page]:
        """Yield every page of a collection's items by following the ``next`` links.

        The first request carries ``f=json`` and ``params``; every later request is the
        ``next`` link exactly as the server sent it.

        Parameters
        ----------
        base
            The dataset's API, as a path below :func:`pdok_root` or an absolute URL.
        collection
            The collection id, e.g. ``"gemeentegebied"``.
        params
            Query parameters of the first request (``limit``, ``crs``, ``bbox``, filters).

        Yields
        ------
        Page
            ``(body, crs, url)``; unpack as ``page_dict, crs, _ = page``.
        """
        url: str | None = f"{_absolute(base)}/collections/{collection}/items"
        query: dict[str, Any] | None = {"f": "json", **(params or {})}
        seen: set[str] = set()
        with self._progress_bar(collection) as bar:
            for number in itertools.count(1):
                if number > self.max_pages:
                    raise ServiceError(
                        f"PDOK kept sending next links for {collection} after {self.max_pages} "
                        "pages; ask for less with a bbox or a property filter"
                    )
                page = self.get_json(url, params=query)
                bar.update(1)
                yield page
                url, query = _next_href(page.body), None
                if url is None:
                    return
                if url in seen:
                    raise ServiceError(f"PDOK sent the next link {url} twice; try again later")
                seen.add(url)

    def read_collection(
        self,
        base: str,
        collection: str,
        *,
        bbox: Iterable[float] | None = None,
        filters: Mapping[str, Any] | None = None,
        limit: int = MAX_LIMIT,
        crs: int | str = 28992,
    ) -> gpd.GeoDataFrame:
        """Read all features of a collection as a GeoDataFrame.

        Parameters
        ----------
        base, collection
            As in :meth:`iter_pages`.
        bbox
            ``(minx, miny, maxx, maxy)`` in ``crs`` (sent with ``bbox-crs`` = ``crs``).
        filters
            Property filters the collection offers, e.g. ``{"gemeentecode": "GM0177"}``.
        limit
            Features per page, 1 to 1000.
        crs
            The CRS to ask for (``crs`` and ``bbox-crs``); the result's CRS is what the
            server reports in ``Content-Crs``.

        Returns
        -------
        geopandas.GeoDataFrame
            One row per feature, the ``properties`` as columns. Features with
            ``"geometry": null`` are kept, with a missing (``None``) geometry.
        """
        if not 1 <= int(limit) <= MAX_LIMIT:
            raise ValueError(f"limit={limit} is outside 1..{MAX_LIMIT}, what PDOK serves per page")
        uri = crs_uri(crs)
        params: dict[str, Any] = {"limit": int(limit), "crs": uri, "bbox-crs": uri}
        if bbox is not None:
            params["bbox"] = _bbox_text(bbox)
        params.update({key: str(value) for key, value in (filters or {}).items()})
        features: list[dict[str, Any]] = []
        content_crs: str | None = None
        for page in self.iter_pages(base, collection, params=params):
            features.extend(page.body.get("features") or [])
            content_crs = _consistent_crs(content_crs, page, uri)
        return features_frame(features, content_crs or uri)

    def _progress_bar(self, collection: str) -> Any:
        from tqdm import tqdm

        disable = None if self.progress is None else not self.progress
        return tqdm(desc=f"PDOK {collection}", unit=" pages", disable=disable, leave=False)


def features_frame(features: list[dict[str, Any]], crs: str) -> gpd.GeoDataFrame:
    """Return GeoJSON features as a GeoDataFrame in ``crs`` (a URI or anything pyproj reads).

    Null geometries are kept as missing geometries.
    """
    import geopandas as gpd
    import pandas as pd
    import shapely.geometry
    from shapely.errors import ShapelyError

    try:
        geometries = [
            shapely.geometry.shape(f["geometry"]) if f.get("geometry") else None for f in features
        ]
    except (ShapelyError, KeyError, TypeError, ValueError) as err:
        raise ServiceError(f"PDOK sent a geometry that is not valid GeoJSON: {err}") from err
    table = pd.DataFrame.from_records([f.get("properties") or {} for f in features])
    table = table.drop(columns=["geometry"], errors="ignore")
    return gpd.GeoDataFrame(table, geometry=geometries, crs=_crs_for_pyproj(crs))


def _absolute(url: str) -> str:
    if re.match(r"^https?://", url):
        return url.rstrip("/")
    return f"{pdok_root()}/{url.strip('/')}"


def _bbox_text(bbox: Iterable[float]) -> str:
    values = [float(v) for v in bbox]
    if len(values) != 4:
        raise ValueError(f"bbox {values!r} must have 4 numbers: minx, miny, maxx, maxy")
    minx, miny, maxx, maxy = values
    if minx > maxx or miny > maxy:
        raise ValueError(f"bbox {values!r} is not minx, miny, maxx, maxy")
    pad = 1e-5 if max(abs(v) for v in values) <= 360 else 1.0  # PDOK refuses zero-area boxes
    if minx == maxx:
        minx, maxx = minx - pad, maxx + pad
    if miny == maxy:
        miny, maxy = miny - pad, maxy + pad
    return ",".join(f"{v:.10g}" for v in (minx, miny, maxx, maxy))


def _next_href(body: Mapping[str, Any]) -> str | None:
    for link in body.get("links") or []:
        if isinstance(link, dict) and link.get("rel") == "next" and link.get("href"):
            return str(link["href"])
    return None


def _consistent_crs(known: str | None, page: Page, requested: str) -> str:
    crs = page.crs
    if crs is None:
        logger.warning(
            "PDOK sent no Content-Crs header with %s; assuming the requested %s",
            page.url,
            requested,
        )
        crs = requested
    if known is not None and crs != known:
        raise ServiceError(
            f"PDOK changed the CRS between pages ({known} then {crs} at {page.url}); "
            "try again later"
        )
    return crs


def _json(response: requests.Response, url: str, *, service: str = "PDOK") -> Any:
    """Return the JSON body of ``response``, or say which service sent something else."""
    try:
        return response.json()
    except ValueError as err:
        kind = response.headers.get("Content-Type", "unknown type")
        raise ServiceError(
            f"{service} answered {url} with something that is not JSON ({kind}); check that "
            f"{ROOT_VARIABLE} ({pdok_root()}) points at PDOK"
        ) from err


def _parse(response: requests.Response, url: str) -> Page:
    body = _json(response, url)
    if not isinstance(body, dict):
        raise ServiceError(f"PDOK answered {url} with JSON that is not an object; try again later")
    header = response.headers.get("Content-Crs")
    crs = header.strip().strip("<>").strip() if header else None
    return Page(body=body, crs=crs or None, url=url)


def _problem(response: requests.Response) -> str:
    """Return the RFC 7807 title and detail of an error answer, or its reason phrase."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no explanation"
    if not isinstance(body, dict):
        return response.reason or "no explanation"
    parts = [str(body[key]) for key in ("title", "detail") if body.get(key)]
    return ": ".join(parts) or response.reason or "no explanation"


def _refused(response: requests.Response, url: str) -> RequestRefusedError:
    status = response.status_code
    if status == 404:
        hint = "check the dataset path, its year and the collection name"
    else:
        hint = "check the parameters: the collection may not offer that filter, CRS or limit"
    detail = _problem(response)
    return RequestRefusedError(
        f"PDOK refused {url} with HTTP {status} ({detail}); {hint}",
        status=status,
        url=url,
        detail=detail,
    )


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _reason(err: Exception) -> str:
    """Return the short cause of a connection error, e.g. ``Connection refused``."""
    found = re.search(r"\[Errno -?\d+\] ([^)'\"]+)", str(err))
    if found:
        return found.group(1).strip()
    return "connection failed" if "Failed to resolve" not in str(err) else "unknown host name"


def _read_cache(path: Path, url: str) -> Page | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (UnicodeDecodeError, json.JSONDecodeError):
        logger.warning("ignoring the damaged cache file %s", path)
        return None
    if not isinstance(data, dict) or data.get("url") != url:
        return None
    return Page(body=data["body"], crs=data.get("content_crs"), url=url)


def _write_cache(path: Path, page: Page) -> None:
    """Write a page atomically: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"url": page.url, "content_crs": page.crs, "fetched": time.time(), "body": page.body}
    handle, tmp = tempfile.mkstemp(prefix=f".{path.stem[:12]}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(record, stream, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

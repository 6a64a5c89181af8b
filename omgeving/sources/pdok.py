"""Read collections from PDOK's OGC API Features servers (GoKoala).

One client does the network work for every PDOK layer: it pages by following the ``next``
links the server sends (never by offsets), asks for RD New coordinates, takes the CRS from the
``Content-Crs`` header, retries what is worth retrying and keeps every page in a disk cache so
that a project fetched once works offline.

The only environment variable is ``OMGEVING_PDOK_ROOT`` (default ``https://api.pdok.nl``): the
root every catalogue path is joined to. Tests point it at a local fake server.

Examples
--------
>>> from omgeving.sources.pdok import PDOKClient
>>> client = PDOKClient(cache_dir="cache")  # doctest: +SKIP
>>> client.read_collection(
...     "kadaster/brk-bestuurlijke-gebieden/ogc/v1", "gemeentegebied", filters={"code": "GM0177"}
... )  # doctest: +SKIP
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import requests

from omgeving._errors import ServiceError
from omgeving.sources._http import (
    JSONClient,
    Page,
    RequestRefusedError,
    problem_of,
    service_root,
)

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

logger = logging.getLogger(__name__)


def pdok_root() -> str:
    """Return the root URL of PDOK's APIs, from ``OMGEVING_PDOK_ROOT`` or the default.

    Raises
    ------
    ConfigError
        When the variable is set to something that is not an http(s) URL.
    """
    return service_root(ROOT_VARIABLE, DEFAULT_PDOK_ROOT)


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


class PDOKClient(JSONClient):
    """A client for PDOK's OGC API Features servers.

    Parameters
    ----------
    progress
        Show a progress bar over pages: ``None`` only on a terminal, ``True`` or ``False``.
    max_pages
        Stop with an error after this many pages of one collection.
    **options
        ``cache_dir``, ``offline``, ``refresh``, ``timeout``, ``retries``, ``backoff`` and
        ``session``, as in :class:`~omgeving.sources._http.JSONClient`.
    """

    service = "PDOK"
    root_variable = ROOT_VARIABLE
    default_root = DEFAULT_PDOK_ROOT
    root_title = "PDOK"
    accept = "application/geo+json, application/json"
    offline_hint = "run 'omgeving fetch DIR' (DIR = the project folder) while online"

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

    def _refused(self, response: requests.Response, url: str) -> RequestRefusedError:
        status = response.status_code
        if status == 404:
            hint = "check the dataset path, its year and the collection name"
        else:
            hint = "check the parameters: the collection may not offer that filter, CRS or limit"
        detail = problem_of(response)
        return RequestRefusedError(
            f"PDOK refused {url} with HTTP {status} ({detail}); {hint}",
            status=status,
            url=url,
            detail=detail,
        )

    def _page(self, response: requests.Response, url: str) -> Page:
        """Return the answer with the CRS of its ``Content-Crs`` header."""
        header = response.headers.get("Content-Crs")
        crs = header.strip().strip("<>").strip() if header else None
        return Page(body=self._object(response, url), crs=crs or None, url=url)

    # -- single requests --------------------------------------------------------------------

    def collection_info(self, base: str, collection: str) -> dict[str, Any]:
        """Return the description of a collection (``crs`` list, ``storageCrs``, extent)."""
        url = f"{self._absolute(base)}/collections/{collection}"
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
        url = f"{self._absolute(base)}/collections/{collection}/items"
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
                next_url, query = _next_href(page.body), None
                if next_url is None:
                    return
                if next_url in seen:
                    raise ServiceError(
                        f"PDOK sent the next link {next_url} twice; try again later"
                    )
                seen.add(next_url)
                url = next_url

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

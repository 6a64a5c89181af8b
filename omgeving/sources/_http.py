"""The HTTP/JSON client under every source: disk cache, offline mode, retries, error texts.

:class:`~omgeving.sources.pdok.PDOKClient` and :class:`~omgeving.sources.cbs.CBSClient` are
:class:`JSONClient` subclasses; the address search of :mod:`omgeving.sources.locatieserver`,
which fails fast instead of retrying, shares the user agent, the JSON parsing and the error
texts. Private to :mod:`omgeving.sources`: its names are for the modules beside it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path
from typing import Any, NamedTuple

import requests

from omgeving import settings
from omgeving._errors import ServiceError
from omgeving.files import atomic_write

__all__ = [
    "MAX_RETRY_AFTER",
    "USER_AGENT",
    "JSONClient",
    "Page",
    "RequestRefusedError",
    "json_body",
    "json_object",
    "problem_of",
    "reason_of",
    "service_root",
]

#: The longest ``Retry-After`` (seconds) a client waits for.
MAX_RETRY_AFTER = 60.0
_FIX = "check the network or try again later; a project fetched before works offline"

logger = logging.getLogger(__name__)


def _user_agent() -> str:
    try:
        return f"omgeving/{metadata.version('omgeving')}"
    except metadata.PackageNotFoundError:
        return "omgeving/unknown"


#: What every request of omgeving says it is: ``omgeving/<version>``.
USER_AGENT = _user_agent()


def service_root(variable: str, default: str) -> str:
    """Return the root URL of a service from environment ``variable``, or ``default``.

    Tests point the variable at a local fake of the service.

    Raises
    ------
    ConfigError
        When the variable is set to something that is not an http(s) URL.

    The variable is read by :func:`omgeving.settings.service_root`, where every setting is.
    """
    return settings.service_root(variable, default)


class Page(NamedTuple):
    """One answer of the server: the JSON body, the CRS from ``Content-Crs`` and the URL."""

    body: dict[str, Any]
    crs: str | None
    url: str


class RequestRefusedError(ServiceError):
    """A service refused a request with an HTTP 4xx status (not retried).

    Attributes
    ----------
    status, url, detail
        The HTTP status, the full request URL and the server's explanation (RFC 7807).
    """

    def __init__(self, message: str, *, status: int, url: str, detail: str) -> None:
        super().__init__(message)
        self.status = status
        self.url = url
        self.detail = detail


class JSONClient:
    """An HTTP client for one open-data service's JSON: disk cache, offline mode, retries.

    A subclass names its service and where its root URL comes from (the class attributes).

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
    service = "JSON"
    #: The environment variable that overrides the service's root URL, and that root.
    root_variable = ""
    default_root = ""
    #: What the root URL should point at, for messages.
    root_title = "the service"
    #: The ``Accept`` header of every request.
    accept = "application/json"
    #: What to do when offline and an answer is not cached.
    offline_hint = "fetch it once while online"

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

    def root(self) -> str:
        """Return the service's root URL, from :attr:`root_variable` or :attr:`default_root`."""
        if not self.root_variable or not self.default_root:
            raise NotImplementedError(f"{type(self).__name__} names no root_variable/default_root")
        return service_root(self.root_variable, self.default_root)

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
        if full is None:  # prepare() sets it for every request with a URL
            raise ServiceError(f"cannot build a request for {url!r}")
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
        if re.match(r"^https?://", url):
            return url.rstrip("/")
        return f"{self.root()}/{url.strip('/')}"

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
        headers = {"User-Agent": USER_AGENT, "Accept": self.accept}
        try:
            response = self._session.get(url, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            return None, f"did not answer {url} within {self.timeout:g} s", None
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as err:
            return None, f"could not be reached at {url} ({reason_of(err)})", None
        status = response.status_code
        if status == 429 or status >= 500:
            what = f"answered HTTP {status} ({problem_of(response)}) to {url}"
            return None, what, _retry_after(response)
        if status >= 400:
            raise self._refused(response, url)
        return self._page(response, url), "", None

    def _refused(self, response: requests.Response, url: str) -> Exception:
        """Return the error for an HTTP 4xx answer (other than 429)."""
        detail = problem_of(response)
        return RequestRefusedError(
            f"{self.service} refused {url} with HTTP {response.status_code} ({detail}); "
            "check the URL and its parameters",
            status=response.status_code,
            url=url,
            detail=detail,
        )

    def _page(self, response: requests.Response, url: str) -> Page:
        """Return a successful answer as a :class:`Page`."""
        return Page(body=self._object(response, url), crs=None, url=url)

    def _object(self, response: requests.Response, url: str) -> dict[str, Any]:
        check = f"that {self.root_variable} ({self.root()}) points at {self.root_title}"
        return json_object(response, url, service=self.service, check=check)


def json_body(response: requests.Response, url: str, *, service: str, check: str) -> Any:
    """Return the JSON body of ``response``, or say which service sent something else.

    Parameters
    ----------
    response, url
        The answer and the URL it answers.
    service
        The service's name in the message, e.g. ``"PDOK Locatieserver"``.
    check
        What to check then, e.g. ``"that OMGEVING_PDOK_ROOT (https://api.pdok.nl) points at
        PDOK"``.

    Raises
    ------
    ServiceError
        When the body is not JSON (a proxy's login page, an HTML error page).
    """
    try:
        return response.json()
    except ValueError as err:
        kind = response.headers.get("Content-Type", "unknown type")
        raise ServiceError(
            f"{service} answered {url} with something that is not JSON ({kind}); check {check}"
        ) from err


def json_object(
    response: requests.Response, url: str, *, service: str, check: str
) -> dict[str, Any]:
    """Return the JSON body of ``response`` when it is an object; as :func:`json_body`."""
    body = json_body(response, url, service=service, check=check)
    if not isinstance(body, dict):
        raise ServiceError(
            f"{service} answered {url} with JSON that is not an object; try again later"
        )
    return body


def problem_of(response: requests.Response) -> str:
    """Return the RFC 7807 title and detail of an error answer, or its reason phrase."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or "no explanation"
    if not isinstance(body, dict):
        return response.reason or "no explanation"
    parts = [str(body[key]) for key in ("title", "detail") if body.get(key)]
    return ": ".join(parts) or response.reason or "no explanation"


def reason_of(err: Exception) -> str:
    """Return the short cause of a connection error, e.g. ``Connection refused``.

    Examples
    --------
    >>> reason_of(OSError("[Errno 111] Connection refused"))
    'Connection refused'
    """
    found = re.search(r"\[Errno -?\d+\] ([^)'\"]+)", str(err))
    if found:
        return found.group(1).strip()
    return "connection failed" if "Failed to resolve" not in str(err) else "unknown host name"


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
    atomic_write(path, json.dumps(record, ensure_ascii=False, separators=(",", ":")))

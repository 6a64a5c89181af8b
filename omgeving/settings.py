"""The package's settings: every environment variable omgeving reads, read and checked here.

==========================  ===================================================================
variable                    what it is
==========================  ===================================================================
``OMGEVING_PROJECT``        the project folder the apps show (``omgeving serve`` sets it)
``OMGEVING_PUBLIC_URL``     the address phones in the hall open, for the wall's QR code
                            (``omgeving serve`` sets it; ``[evening] public_url`` comes first)
``OMGEVING_PDOK_ROOT``      the root of PDOK's APIs (``https://api.pdok.nl``); tests point it
                            at a local fake
``OMGEVING_CBS_ROOT``       the root of CBS StatLine's OData feed (``https://opendata.cbs.nl``)
``OMGEVING_STOP_SCHEMAS``   a folder with the official STOP/TPOD XML schemas to check GIO
                            files against (without it only omgeving's own checks run)
``CHROMIUM_PATH``           the Chromium that prints the participatieverslag's PDF (else the
                            first of ``chromium``, ``chromium-browser``, ``google-chrome``)
==========================  ===================================================================

Nothing is read at import time: each function reads its variable when called, so a notebook
or a test may set it first.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from omgeving._errors import ConfigError

__all__ = [
    "TIMEZONE",
    "VARIABLES",
    "chromium_path",
    "project_dir",
    "public_url",
    "service_root",
    "stop_schemas",
]

#: The time zone of the municipalities: times are stored in UTC and shown in this zone.
TIMEZONE = "Europe/Amsterdam"
#: Every environment variable omgeving reads, with what it is for.
VARIABLES = {
    "OMGEVING_PROJECT": "the project folder the apps show (omgeving serve sets it)",
    "OMGEVING_PUBLIC_URL": "the address phones open, for the wall's QR code",
    "OMGEVING_PDOK_ROOT": "the root of PDOK's APIs (default https://api.pdok.nl)",
    "OMGEVING_CBS_ROOT": "the root of CBS StatLine's OData feed (default https://opendata.cbs.nl)",
    "OMGEVING_STOP_SCHEMAS": "a folder with the STOP/TPOD XML schemas to check GIO files against",
    "CHROMIUM_PATH": "the Chromium that prints the participatieverslag's PDF",
}


def _get(variable: str) -> str:
    if variable not in VARIABLES:  # a typo here would silently read nothing
        raise KeyError(f"{variable} is not one of omgeving's settings: {', '.join(VARIABLES)}")
    return os.environ.get(variable, "").strip()


def project_dir(given: str | os.PathLike[str] | None = None) -> str | os.PathLike[str]:
    """Return the project folder an app shows: ``given``, else ``OMGEVING_PROJECT``, else ``.``."""
    return given or _get("OMGEVING_PROJECT") or "."


def public_url(configured: str = "", default: str = "http://127.0.0.1:8866/") -> str:
    """Return the address phones open: ``configured``, else ``OMGEVING_PUBLIC_URL``, else local."""
    return configured or _get("OMGEVING_PUBLIC_URL") or default


def service_root(variable: str, default: str) -> str:
    """Return the root URL of an online service from ``variable``, or ``default``.

    Raises
    ------
    ConfigError
        When the variable holds something that is not an http(s) URL.

    Examples
    --------
    >>> import os
    >>> before = os.environ.get("OMGEVING_CBS_ROOT")
    >>> os.environ["OMGEVING_CBS_ROOT"] = "http://127.0.0.1:8765/"
    >>> service_root("OMGEVING_CBS_ROOT", "https://opendata.cbs.nl")
    'http://127.0.0.1:8765'
    >>> _ = os.environ.pop("OMGEVING_CBS_ROOT") if before is None else os.environ.update(
    ...     OMGEVING_CBS_ROOT=before)
    """
    root = _get(variable) or default
    if not re.match(r"^https?://[^/]+", root):
        raise ConfigError(
            f"{variable} is {root!r}, which is not a URL; "
            f"set it to a URL such as {default} or unset it"
        )
    return root.rstrip("/")


def stop_schemas() -> Path | None:
    """Return the folder of STOP/TPOD schemas from ``OMGEVING_STOP_SCHEMAS`` (``None``: unset)."""
    value = _get("OMGEVING_STOP_SCHEMAS")
    return Path(value) if value else None


def chromium_path() -> str | None:
    """Return the Chromium to print PDFs with (``CHROMIUM_PATH`` first), or ``None``."""
    for candidate in (_get("CHROMIUM_PATH"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None

"""Every string a resident sees, from the Dutch and English catalogues.

A catalogue is the union of the JSON files in ``omgeving/locale/<lang>/`` (one per app, so
apps add their strings without touching each other's files). Every key exists in both
languages; a test checks that.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

__all__ = ["LANGUAGES", "catalogue", "day_text", "t"]

LANGUAGES = ("nl", "en")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the catalogue of ``lang`` (``"nl"`` or ``"en"``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {LANGUAGES}")
    folder = resources.files("omgeving").joinpath("locale", lang)
    merged: dict[str, str] = {}
    for item in sorted(folder.iterdir(), key=lambda p: p.name):
        if item.name.endswith(".json"):
            part = json.loads(item.read_text("utf-8"))
            clash = merged.keys() & part.keys()
            if clash:
                raise ValueError(f"catalogue keys defined twice in {lang}: {sorted(clash)}")
            merged.update(part)
    return merged


def t(key: str, lang: str = "nl", **values: object) -> str:
    """Return the text of ``key`` in ``lang``, filled with ``values``.

    Examples
    --------
    >>> t("react.count", "nl", n=3)
    '3 reacties op de kaart'
    """
    return catalogue(lang)[key].format(**values)


def day_text(iso: str) -> str:
    """Return an ISO date (or the date of an ISO time) the Dutch way: ``15-04-2027``.

    Examples
    --------
    >>> day_text("2027-04-15")
    '15-04-2027'
    """
    return f"{iso[8:10]}-{iso[5:7]}-{iso[:4]}"

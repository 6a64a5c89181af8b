"""Every string a resident sees, from the Dutch and English catalogues."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

__all__ = ["LANGUAGES", "catalogue", "t"]

LANGUAGES = ("nl", "en")


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Return the catalogue of ``lang`` (``"nl"`` or ``"en"``)."""
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not one of {LANGUAGES}")
    text = resources.files("omgeving").joinpath(f"locale/{lang}.json").read_text("utf-8")
    return json.loads(text)


def t(key: str, lang: str = "nl", **values: object) -> str:
    """Return the text of ``key`` in ``lang``, filled with ``values``.

    Examples
    --------
    >>> t("react.count", "nl", n=3)
    '3 reacties op de kaart'
    """
    return catalogue(lang)[key].format(**values)

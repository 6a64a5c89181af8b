"""The compare app's words and numbers: figures as people write them, and one headline each.

Plain functions of the baked indicator table (``web/indicators.json``), without widgets, so
they are tested without a browser. Every sentence comes from the catalogues
(``omgeving/locale/*/compare.json``); this module only chooses which one and fills it.
"""

from __future__ import annotations

import math
from typing import Any

from omgeving.i18n import catalogue, t

__all__ = [
    "COUNT_UNITS",
    "amount",
    "difference",
    "format_number",
    "headline",
    "people_round",
    "unit_of",
]

#: Units people count in whole numbers, each with its singular ("1 woning", never "82,6
#: woningen"). Units not listed are measures (ha, MW, %) and keep a decimal below 100.
COUNT_UNITS = {
    "woningen": "woning",
    "homes": "home",
    "gebouwen": "gebouw",
    "buildings": "building",
    "inwoners": "inwoner",
    "inhabitants": "inhabitant",
    "plaatsen": "plaats",
    "spaces": "space",
}
_MINUS = "\u2212"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _grouped(size: float, digits: int, lang: str) -> str:
    text = f"{size:,.{digits}f}"
    if lang == "nl":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    return text


def format_number(value: float | None, lang: str, *, signed: bool = False) -> str:
    """Format a figure the Dutch or English way, with sensible precision.

    Examples
    --------
    >>> format_number(1234567.8, "nl")
    '1.234.568'
    >>> format_number(12.5, "nl")
    '12,5'
    >>> format_number(-0.25, "en", signed=True)
    '−0.25'
    """
    if _missing(value):
        return "–"
    assert value is not None
    size = abs(value)
    digits = 0 if size >= 100 or float(value).is_integer() else 1 if size >= 10 else 2
    sign = _MINUS if value < 0 else ("+" if signed and value > 0 else "")
    return sign + _grouped(size, digits, lang)


def people_round(value: float, unit: str) -> float:
    """Round ``value`` as people say it: whole for counts, whole from 100, else one decimal.

    Examples
    --------
    >>> people_round(82.6, "woningen"), people_round(147.56, "ha"), people_round(33.64, "MW")
    (83, 148, 33.6)
    >>> people_round(0.0372, "ha")
    0.04
    """
    size = abs(value)
    if unit in COUNT_UNITS or size >= 100:
        rounded: float = math.floor(size + 0.5)
    elif size >= 1 or size == 0:
        rounded = math.floor(size * 10 + 0.5) / 10
    else:  # below 1: one significant digit (0,04 ha), never a bare 0 for something present
        digits = -math.floor(math.log10(size))
        rounded = round(size, digits)
    if not rounded:
        return 0
    return rounded if value > 0 else -rounded


def difference(va: float, vb: float, unit: str) -> float:
    """Return ``vb - va`` rounded as people say it, never finer than the two values are shown.

    Examples
    --------
    >>> difference(118.1, 178.2, "ha"), difference(12.5, 61.3, "MW")
    (60.0, 48.8)
    >>> difference(2190, 490, "homes")
    -1700
    """
    diff = vb - va
    if max(abs(va), abs(vb)) >= 100 and unit not in COUNT_UNITS:
        return people_round(math.floor(abs(diff) + 0.5) * (1 if diff >= 0 else -1), unit)
    return people_round(diff, unit)


def amount(value: float | None, unit: str, lang: str, *, signed: bool = False) -> str:
    """Return ``value`` with its unit, rounded as people say it, in ``lang``'s number format.

    Examples
    --------
    >>> amount(2190, "woningen", "nl"), amount(1, "woningen", "nl")
    ('2.190 woningen', '1 woning')
    >>> amount(3.46, "ha", "nl"), amount(1234.4, "ha", "en"), amount(-48.8, "MW", "nl")
    ('3,5 ha', '1,234 ha', '−48,8 MW')
    >>> amount(11.3078, "%", "en", signed=True), amount(None, "ha", "nl")
    ('+11.3%', '–')
    """
    if _missing(value):
        return "–"
    assert value is not None
    rounded = people_round(value, unit)
    size = abs(rounded)
    digits = 0 if float(size).is_integer() else max(1, -math.floor(math.log10(size)))
    sign = _MINUS if rounded < 0 else ("+" if signed and rounded > 0 else "")
    number = sign + _grouped(size, digits, lang)
    if not unit:
        return number
    if unit == "%":
        return number + "%"
    return f"{number} {COUNT_UNITS.get(unit, unit) if size == 1 else unit}"


def unit_of(spec: dict[str, Any], lang: str) -> str:
    """Return an indicator's unit in ``lang`` (the Dutch one when it has none in ``lang``)."""
    units = spec.get("unit") or {}
    return units.get(lang) or units.get("nl", "")


def _difference_unit(unit: str, lang: str) -> str:
    """Return the unit of a difference: of two percentages, percentage points."""
    return t("compare.unit.points", lang) if unit == "%" else unit


def _case(va: float, vb: float, unit: str) -> str:
    shown = difference(va, vb, unit)
    if shown:
        return "more" if shown > 0 else "less"
    return "none" if not people_round(va, unit) and not people_round(vb, unit) else "same"


def headline(
    spec: dict[str, Any],
    names: tuple[str, str],
    values: tuple[float | None, float | None],
    lang: str,
) -> str:
    """Return one plain sentence: what the second scenario means compared with the first.

    ``names`` and ``values`` are those of the first (``a``) and the second (``b``) scenario;
    the sentence is about ``b``: "Spreiden: 30 ha minder landbouwgrond nodig dan Compact".
    Counts are whole, the difference is rounded as people say it, and the words are "meer",
    "minder" or "evenveel" (or the indicator's own sentence for it in the catalogue). The
    text is plain: escape it before it goes into HTML.

    Examples
    --------
    >>> spec = {"key": "homes", "unit": {"nl": "woningen", "en": "homes"}}
    >>> headline(spec, ("Compact", "Spreiden"), (2190, 2180), "nl")
    'Spreiden: 10 nieuwe woningen minder dan Compact'
    >>> headline(spec, ("Compact", "Spreiden"), (1200.2, 1201.4), "en")
    'Spreiden: 1 more new home than Compact'
    >>> headline({"key": "parking", "unit": {"nl": "plaatsen"}}, ("A", "B"), (10, 10), "nl")
    'B: evenveel als A'
    """
    (a, b), (va, vb) = names, values
    if _missing(va) or _missing(vb):
        which = (a if _missing(va) else "") or b
        key = "compare.h.missing2" if _missing(va) and _missing(vb) else "compare.h.missing"
        return t(key, lang, a=a, b=b, x=which)
    assert va is not None and vb is not None
    unit = unit_of(spec, lang)
    case = _case(va, vb, unit)
    diff = difference(va, vb, unit)
    words = catalogue(lang)
    own = f"compare.h.{spec.get('key', '')}."
    plain = "same" if case == "none" else case
    tried = [own + case + ("1" if abs(diff) == 1 else ""), own + case, own + plain]
    key = next((k for k in tried if k in words), f"compare.h.{plain}")
    number = amount(abs(diff), "", lang)
    return t(
        key, lang, a=a, b=b, n=number, amount=amount(abs(diff), _difference_unit(unit, lang), lang)
    )

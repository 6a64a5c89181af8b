"""The colours of omgeving, in one place: themes, sentiment, scenario functions, land use.

Every map and chart takes its colours from here (the apps, the wall, the report's figures,
the static maps), so a theme or a sentiment has the same colour wherever a resident or a
councillor sees it. Plain data: importing this module loads no map or widget library.
"""

from __future__ import annotations

import colorsys
import re

__all__ = [
    "FUNCTION_COLOURS",
    "IDENTITY_ACCENT",
    "IDENTITY_COLOUR",
    "LANDUSE_COLOURS",
    "OTHER_COLOUR",
    "SENTIMENT_COLOURS",
    "THEME_COLOURS",
    "contrast_ratio",
    "function_colour",
    "passing_shade",
    "sentiment_colour",
    "theme_colour",
]

#: The apps' primary colour when ``[identity]`` names none (header, main buttons; white text
#: on it has a contrast of 10.2:1).
IDENTITY_COLOUR = "#154273"
#: The accent when ``[identity]`` names none (focus ring, highlights): a dark orange with a
#: contrast of 4.8:1 against white.
IDENTITY_ACCENT = "#b35900"

#: Colours of the themes, by their position in the project's list (colour-blind friendly).
THEME_COLOURS = (
    "#c51b7d",
    "#1b7837",
    "#2166ac",
    "#e08214",
    "#762a83",
    "#b2182b",
    "#35978f",
    "#8c510a",
    "#4d4d4d",
    "#d6604d",
    "#5aae61",
    "#4393c3",
)
#: A theme that is not (or no longer) in the project's list.
UNKNOWN_THEME_COLOUR = "#777777"
#: Sentiment −2 … +2 (ColorBrewer RdBu, safe for colour-blind readers; red is against, blue
#: in favour), and the colour of "no opinion given".
SENTIMENT_COLOURS: dict[int | None, str] = {
    -2: "#ca0020",
    -1: "#f4a582",
    0: "#bababa",
    1: "#92c5de",
    2: "#0571b0",
    None: "#8b949e",
}
#: The functions of a scenario's interventions.
FUNCTION_COLOURS = {
    "wonen": "#e31a1c",
    "werken": "#6a3d9a",
    "energie-zon": "#ff7f00",
    "energie-wind": "#1f78b4",
    "natuur": "#33a02c",
    "water": "#a6cee3",
    "recreatie": "#b2df8a",
    "mobiliteit": "#777777",
    "landbouw": "#f2e394",
    "voorzieningen": "#fb9a99",
}
#: Any function not in :data:`FUNCTION_COLOURS`.
OTHER_COLOUR = "#444444"
#: The classes of the land use layer.
LANDUSE_COLOURS = {
    "landbouw": "#f2e394",
    "bos": "#33a02c",
    "natuur": "#b2df8a",
    "water": "#a6cee3",
    "bebouwd": "#cab2d6",
}


def theme_colour(themes: tuple[str, ...], theme: str) -> str:
    """Return the colour of ``theme`` among the project's ``themes`` (grey for another).

    Examples
    --------
    >>> theme_colour(("wonen", "natuur"), "natuur"), theme_colour(("wonen",), "iets")
    ('#1b7837', '#777777')
    """
    if theme not in themes:
        return UNKNOWN_THEME_COLOUR
    return THEME_COLOURS[themes.index(theme) % len(THEME_COLOURS)]


def sentiment_colour(sentiment: int | None) -> str:
    """Return the colour of a sentiment (−2 … +2, or ``None`` for none given)."""
    return SENTIMENT_COLOURS.get(sentiment, SENTIMENT_COLOURS[None])


def function_colour(function: str | None, colours: dict[str, str] | None = None) -> str:
    """Return the colour of an intervention's function (``colours``: a manifest's own)."""
    return (colours or FUNCTION_COLOURS).get(str(function or ""), OTHER_COLOUR)


_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _channels(colour: str) -> tuple[float, float, float]:
    if not _HEX.match(colour):
        raise ValueError(f"colour {colour!r} is not written as #rrggbb, for example '#154273'")
    return (int(colour[1:3], 16) / 255, int(colour[3:5], 16) / 255, int(colour[5:7], 16) / 255)


def _luminance(colour: str) -> float:
    """Return the WCAG 2.x relative luminance of ``colour`` (0 black … 1 white)."""
    red, green, blue = (
        c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in _channels(colour)
    )
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(a: str, b: str) -> float:
    """Return the WCAG 2.x contrast ratio of two ``#rrggbb`` colours (1 … 21, order free).

    WCAG AA asks 4.5:1 for normal text and 3:1 for large text and for focus rings and other
    parts of the page a user must see (success criterion 1.4.11).

    Raises
    ------
    ValueError
        When a colour is not written as ``#rrggbb``.

    Examples
    --------
    >>> round(contrast_ratio("#767676", "#ffffff"), 2), contrast_ratio("#000000", "#ffffff")
    (4.54, 21.0)
    """
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def passing_shade(colour: str, ratio: float, *, against: str = "#ffffff") -> str:
    """Return ``colour``, or the lightest darker shade of its hue with ``ratio`` to ``against``.

    The shade keeps the hue and the saturation and lowers the lightness in small steps, so
    it is the nearest colour of the same kind that passes. ``against`` is a light colour
    (white, the page); black has 21:1 to white, so there always is one.

    Examples
    --------
    >>> passing_shade("#7fd3ff", 4.5)
    '#007cbc'
    >>> passing_shade("#154273", 4.5)
    '#154273'
    """
    hue, lightness, saturation = colorsys.rgb_to_hls(*_channels(colour))
    shade = colour.lower()
    while contrast_ratio(shade, against) < ratio and lightness > 0:
        lightness = max(0.0, lightness - 0.005)
        rgb = colorsys.hls_to_rgb(hue, lightness, saturation)
        shade = "#" + "".join(f"{round(c * 255):02x}" for c in rgb)
    return shade

"""The colours of omgeving, in one place: themes, sentiment, scenario functions, land use.

Every map and chart takes its colours from here (the apps, the wall, the report's figures,
the static maps), so a theme or a sentiment has the same colour wherever a resident or a
councillor sees it. Plain data: importing this module loads no map or widget library.
"""

from __future__ import annotations

__all__ = [
    "FUNCTION_COLOURS",
    "LANDUSE_COLOURS",
    "OTHER_COLOUR",
    "SENTIMENT_COLOURS",
    "THEME_COLOURS",
    "function_colour",
    "sentiment_colour",
    "theme_colour",
]

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

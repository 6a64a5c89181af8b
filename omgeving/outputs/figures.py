"""The figures of the participatieverslag, for a notebook too: charts and static maps.

Each function takes the frame of :func:`omgeving.outputs.analysis.reactions_frame` and returns a
matplotlib ``Figure``; in a notebook it shows itself, and the report embeds it with
:func:`to_svg` or :func:`to_png_data_uri`. The maps need no internet: the project's own layers
are the background (buurten, kernen, water), no tiles.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from omgeving.outputs.analysis import counts
from omgeving.palette import SENTIMENT_COLOURS, theme_colour
from omgeving.project import Project

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

__all__ = [
    "channel_table",
    "concern_map",
    "density_map",
    "matplotlib_reaction_map",
    "sentiment_chart",
    "theme_chart",
    "to_png_data_uri",
    "to_svg",
]

SENTIMENT_LABELS = {-2: "zeer negatief", -1: "negatief", 0: "neutraal", 1: "positief",
                    2: "zeer positief"}
# Typed with matplotlib's rc keys: rc_context() refuses a plain dict[str, ...].
_STYLE: dict[RcKeyType, Any] = {
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def _colour(themes: tuple[str, ...], theme: str) -> str:
    return theme_colour(themes, theme)


def theme_chart(frame: pd.DataFrame, project: Project) -> Figure:
    """Reactions per theme (horizontal bars), split into visible and not shown."""
    themes = project.config.themes
    table = frame[frame["thema"] != ""].assign(
        getoond=frame["status"] == "visible"
    ).groupby(["thema", "getoond"]).size().unstack(fill_value=0)
    table = table.reindex(columns=[True, False], fill_value=0)
    table = table.loc[table.sum(axis=1).sort_values().index]
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7, 0.4 * max(len(table), 3) + 1))
        colours = [_colour(themes, t) for t in table.index]
        ax.barh(table.index, table[True], color=colours, label="zichtbaar")
        ax.barh(table.index, table[False], left=table[True], color="#dddddd",
                label="verborgen, wacht, ingetrokken")
        for y, total in enumerate(table.sum(axis=1)):
            ax.text(total, y, f" {total}", va="center")
        ax.set_xlabel("reacties")
        ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=2)
        fig.tight_layout()
    return fig


def sentiment_chart(frame: pd.DataFrame) -> Figure:
    """How positive or negative the reactions are (those that gave a sentiment)."""
    given = frame["sentiment"].dropna().astype(int)
    table = given.value_counts().reindex(list(SENTIMENT_LABELS), fill_value=0)
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7, 2.8))
        ax.bar([SENTIMENT_LABELS[k] for k in table.index], table.to_numpy(),
               color=[SENTIMENT_COLOURS[k] for k in table.index])
        for x, n in enumerate(table.to_numpy()):
            ax.text(x, n, str(n), ha="center", va="bottom")
        ax.set_ylabel("reacties")
        fig.tight_layout()
    return fig


def _background(ax: Any, project: Project) -> None:
    names = project.layer_names()
    if "buurten" in names:
        project.read_layer("buurten").to_crs(4326).plot(
            ax=ax, facecolor="#f4f1ea", edgecolor="#b9b2a3", linewidth=0.6)
    if "waterlopen" in names:
        project.read_layer("waterlopen").to_crs(4326).plot(ax=ax, color="#6baed6",
                                                           linewidth=1.2)
    if "kernen" in names:
        project.read_layer("kernen").to_crs(4326).plot(
            ax=ax, facecolor="#c9a98b", edgecolor="#8c6d52", linewidth=0.5, alpha=0.7)
    if "gemeente" in names:
        project.read_layer("gemeente").to_crs(4326).boundary.plot(ax=ax, color="#222",
                                                                  linewidth=1.4)
    ax.set_axis_off()
    ax.set_aspect(1 / 0.61)  # lon/lat at 52° N: a degree of longitude is 0.61 of latitude


def matplotlib_reaction_map(frame: pd.DataFrame, project: Project, *, visible_only: bool = True
                  ) -> Figure:
    """Draw the reactions (points, lines, areas) on a map, coloured by theme, with a legend."""
    import geopandas as gpd

    placed = frame[frame.geometry.notna()]
    if visible_only:
        placed = placed[placed["status"] == "visible"]
    themes = project.config.themes
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7, 7))
        _background(ax, project)
        for theme, group in gpd.GeoDataFrame(placed).groupby("thema"):
            group.plot(ax=ax, color=_colour(themes, theme), markersize=18, alpha=0.8,
                       linewidth=1.5, label=f"{theme} ({len(group)})")
        if len(placed):
            ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1, 1), fontsize=8)
        fig.tight_layout()
    return fig


def concern_map(reactions: pd.DataFrame, concerns: list[Any], project: Project) -> Figure:
    """Draw the concerns: each one's reactions in its own colour, its number at its centre.

    ``reactions`` is :attr:`omgeving.analysis.run.Analysis.reactions`, ``concerns`` its
    concerns; reactions in no concern are small and grey.
    """
    import geopandas as gpd

    placed = gpd.GeoDataFrame(reactions[reactions.geometry.notna()])
    colours = plt.get_cmap("tab20")
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7, 7))
        _background(ax, project)
        rest = placed[~placed["id"].isin({i for c in concerns for i in c.ids})]
        if len(rest):
            rest.representative_point().plot(ax=ax, color="#9a9a9a", markersize=6, alpha=0.6)
        for c in concerns:
            part = placed[placed["id"].isin(c.ids)]
            if not len(part):
                continue
            colour = colours(c.number % colours.N)
            part.representative_point().plot(ax=ax, color=colour, markersize=20, alpha=0.9,
                                             edgecolor="#ffffff", linewidth=0.5)
            centre = part.representative_point().union_all().centroid
            ax.annotate(str(c.number + 1), (centre.x, centre.y), ha="center", va="center",
                        fontsize=9, fontweight="bold", color="#000000",
                        bbox={"boxstyle": "circle,pad=0.25", "fc": "#ffffff",
                              "ec": colour, "lw": 2})
        fig.tight_layout()
    return fig


def density_map(frame: pd.DataFrame, project: Project) -> Figure:
    """Where people reacted most: a hexagon grid of the reactions' places."""
    placed = frame[frame.geometry.notna()]
    with plt.rc_context(_STYLE):
        fig, ax = plt.subplots(figsize=(7, 7))
        _background(ax, project)
        if len(placed):
            points = placed.geometry.representative_point()
            minx, miny, maxx, maxy = project.read_layer("gemeente").to_crs(4326).total_bounds
            hexes = ax.hexbin(points.x, points.y, gridsize=18, mincnt=1, cmap="OrRd",
                              alpha=0.8, extent=(minx, maxx, miny, maxy))
            fig.colorbar(hexes, ax=ax, shrink=0.6, label="reacties per vak")
        fig.tight_layout()
    return fig


def to_svg(fig: Figure) -> str:
    """Return ``fig`` as inline SVG (matplotlib escapes every text), and close it."""
    out = io.StringIO()
    fig.savefig(out, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg"):]


def to_png_data_uri(fig: Figure, *, dpi: int = 150) -> str:
    """Return ``fig`` as a PNG ``data:`` URI (for maps with many shapes), and close it."""
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def channel_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Reactions and participants per channel."""
    return counts(frame, "kanaal")

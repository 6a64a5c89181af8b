"""The whole analysis of a project's reactions, and its files for GIS users.

:func:`analyse` reads the reactions (every one residents could see or wrote: erased and
withdrawn ones are left out), embeds their texts (cached in ``<project>/analyse/``, so a
second run embeds only new reactions), and finds duplicates, concerns and theme suggestions.
:func:`write_analysis` writes them as a GeoPackage and CSV files (``omgeving analyse DIR``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from omgeving.analysis._embed import embed
from omgeving.analysis.concerns import Concern, find_concerns
from omgeving.analysis.duplicates import duplicate_groups, duplicate_pairs
from omgeving.analysis.themes import Suggestion, suggest_themes
from omgeving.project import Project

__all__ = ["Analysis", "analyse", "write_analysis"]

LEFT_OUT = ("erased", "withdrawn")


@dataclass
class Analysis:
    """What the analysis found, each finding with the reaction ids it rests on."""

    reactions: gpd.GeoDataFrame  # one row per reaction analysed, with its findings
    pairs: pd.DataFrame  # duplicate pairs: a, b, kind, score
    concerns: list[Concern] = field(default_factory=list)
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def distinct(self) -> int:
        """The number of different points made: reactions, duplicates counted once."""
        return int(self.reactions["dubbel_van"].nunique()) if len(self.reactions) else 0


def analyse(
    project: Project,
    frame: gpd.GeoDataFrame | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    """Analyse ``project``'s reactions (see the module); ``progress(done, total)`` on embedding.

    ``frame``: the reactions as :func:`omgeving.exchange.export.reaction_table` gives them
    (the report passes its own snapshot's); by default the store's, read now.
    """
    if frame is None:
        from omgeving.outputs.analysis import reactions_frame

        frame = reactions_frame(project)
    frame = frame[~frame["status"].isin(LEFT_OUT)].reset_index(drop=True)
    texts = frame["tekst"].fillna("").tolist()
    ids = frame["id"].tolist()
    vectors = embed(texts, project.root / "analyse" / "embeddings.npz", progress=progress)
    xy = None
    if len(frame):
        points = frame.geometry.to_crs(28992).representative_point()
        xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    pairs = duplicate_pairs(texts, vectors, xy, ids)
    groups = duplicate_groups(ids, pairs)
    labels, concerns = find_concerns(texts, vectors, xy, ids)
    suggestions = suggest_themes(
        texts, vectors, frame["thema"].tolist(), ids, project.config.themes
    )
    out = frame.copy()
    out["dubbel_van"] = [groups[i] for i in ids]
    out["zorg"] = labels.tolist() if len(frame) else []
    names = {c.number: c.label for c in concerns}
    out["zorg_label"] = [names.get(int(g), "") for g in out["zorg"]]
    suggested = {s.id: s for s in suggestions}
    out["thema_suggestie"] = [suggested[i].theme if i in suggested else "" for i in ids]
    out["thema_kans"] = [suggested[i].probability if i in suggested else np.nan for i in ids]
    return Analysis(out, pairs, concerns, suggestions)


def write_analysis(result: Analysis, folder: Path) -> list[Path]:
    """Write ``analyse.gpkg`` (reactions, concerns) and CSV files to ``folder``; return them."""
    from omgeving.files import atomic_path, atomic_write

    folder.mkdir(parents=True, exist_ok=True)
    reactions = result.reactions.to_crs(28992)  # once: the GeoPackage and the concerns' areas
    concerns = pd.DataFrame(
        {
            "zorg": [c.number for c in result.concerns],
            "label": [c.label for c in result.concerns],
            "reacties": [c.size for c in result.concerns],
            "voorbeeld": [c.representative for c in result.concerns],
            "ids": [" ".join(c.ids) for c in result.concerns],
        }
    )
    hulls = [
        reactions[reactions["id"].isin(c.ids)].union_all().convex_hull.buffer(50)
        for c in result.concerns
    ]
    areas = gpd.GeoDataFrame(concerns, geometry=hulls, crs=28992)
    gpkg = folder / "analyse.gpkg"
    with atomic_path(gpkg, exists=False) as tmp:
        reactions.to_file(tmp, layer="reacties", driver="GPKG", engine="pyogrio")
        areas.to_file(tmp, layer="zorgen", driver="GPKG", engine="pyogrio", mode="a")
    written = [gpkg]
    for name, table in (
        ("zorgen.csv", concerns),
        ("dubbelen.csv", result.pairs),
        ("reacties.csv", pd.DataFrame(reactions.drop(columns="geometry"))),
    ):
        path = folder / name
        atomic_write(path, table.to_csv(index=False, sep=";"), encoding="utf-8-sig")
        written.append(path)
    return written

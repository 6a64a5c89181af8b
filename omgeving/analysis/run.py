"""The whole analysis of a project's reactions, and its files for GIS users.

:func:`analyse` reads the reactions (every one residents could see or wrote: erased and
withdrawn ones are left out), embeds their texts (cached in ``<project>/analyse/``, so a
second run embeds only new reactions), and finds duplicates, concerns and theme suggestions.
It keeps the state of that analysis beside the cache, so that a run after a few new
reactions analyses only those (approximately; ``full=True`` analyses all anew).
:func:`write_analysis` writes them as a GeoPackage and CSV files (``omgeving analyse DIR``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from omgeving.analysis._embed import embed, text_keys
from omgeving.analysis._state import State, read_state, write_state
from omgeving.analysis.concerns import Concern, _assign_concerns, _fit_concerns
from omgeving.analysis.duplicates import duplicate_groups, duplicate_pairs
from omgeving.analysis.themes import Suggestion, _chosen, _fit_themes, _suggest, _ThemeModel
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
    full: bool = False,
) -> Analysis:
    """Analyse ``project``'s reactions (see the module); ``progress(done, total)`` on embedding.

    ``frame``: the reactions as :func:`omgeving.exchange.export.reaction_table` gives them
    (the report passes its own snapshot's); by default the store's, read now.

    The state of the analysis is kept in ``<project>/analyse/state.npz``. When, since the
    last full analysis, reactions were only added, and no more than :data:`NEW_SHARE` of it,
    only the new ones are analysed: their duplicates among all reactions, the concern of
    their nearest clustered reaction when they lie that close (else none), the theme the
    last model suggests (it is fitted again when the residents' themes changed by more than
    :data:`NEW_SHARE`). Those results are approximate until the next full analysis: the
    concerns keep their names, numbers and representatives, and new reactions never form a
    concern of their own. A removed, edited or moved reaction, another version of the
    analysis, or a broken state file makes a full analysis, as does ``full=True``
    (``omgeving analyse DIR --opnieuw``).
    """
    if frame is None:
        from omgeving.outputs.analysis import reactions_frame

        frame = reactions_frame(project)
    frame = frame[~frame["status"].isin(LEFT_OUT)].reset_index(drop=True)
    texts = frame["tekst"].fillna("").tolist()
    ids = [str(i) for i in frame["id"]]
    folder = project.root / "analyse"
    vectors = embed(texts, folder / "embeddings.npz", progress=progress)
    xy = np.zeros((0, 2))
    if len(frame):
        points = frame.geometry.to_crs(28992).representative_point()
        xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])
    reactions = _Reactions(texts, vectors, xy, ids, text_keys(texts), frame["thema"].tolist(),
                           tuple(project.config.themes))
    state = None if full else read_state(folder / STATE)
    known = _known(state, reactions) if state is not None else None
    if state is None or known is None:
        findings, state = _analyse_all(reactions)
    else:
        findings, state = _analyse_new(reactions, state, *known)
    write_state(folder / STATE, state)
    return _analysis(frame, ids, findings)


#: The share of new reactions, since the last full analysis, up to which only they are
#: analysed (10,000 reactions: 500). Beyond it the concerns of the last full analysis,
#: which new reactions only join, say too little about them: all are clustered again.
NEW_SHARE = 0.05
STATE = "state.npz"


@dataclass(frozen=True)
class _Reactions:
    """The reactions to analyse, as the findings need them (one row each, in frame order)."""

    texts: list[str]
    vectors: np.ndarray
    xy: np.ndarray  # n × 2, RD New metres
    ids: list[str]
    keys: list[str]  # their texts' embedding keys
    themes: list[str | None]  # as residents chose them
    known: tuple[str, ...]  # the project's themes


@dataclass(frozen=True)
class _Findings:
    pairs: pd.DataFrame
    labels: np.ndarray
    concerns: list[Concern]
    suggestions: list[Suggestion]


def _known(state: State, r: _Reactions) -> tuple[np.ndarray, list[int]] | None:
    """Return where the state's reactions are now and which are new; None: analyse all."""
    position = {rid: k for k, rid in enumerate(r.ids)}
    old = np.array([position.get(rid, -1) for rid in state.ids.tolist()], dtype=int)
    if not state.full or (old < 0).any():
        return None  # never analysed in full, or a reaction removed (erased, withdrawn)
    if (np.array(r.keys, dtype=str)[old] != state.keys).any():
        return None  # a text edited
    if not np.allclose(r.xy[old], state.xy, atol=0.5, equal_nan=True):
        return None  # a reaction moved
    new = sorted(set(range(len(r.ids))) - set(old.tolist()))
    if state.added + len(new) > NEW_SHARE * state.full:
        return None
    return old, new


def _analyse_all(r: _Reactions) -> tuple[_Findings, State]:
    """Find everything among all reactions; return it and the state that lets it grow."""
    n = len(r.ids)
    pairs = duplicate_pairs(r.texts, r.vectors, r.xy, r.ids)
    labels, concerns, fitted = _fit_concerns(r.texts, r.vectors, r.xy, r.ids)
    space, core = fitted if fitted is not None else (None, np.full(n, np.nan))
    model, learnt, suggestions = _themes(r, None)
    state = State(
        ids=np.array(r.ids, dtype=str), keys=np.array(r.keys, dtype=str), xy=r.xy,
        concern=labels, core=core, learnt=learnt, pairs=pairs,
        concerns=concerns, space=space, themes=model, known=r.known, full=n, added=0,
    )
    return _Findings(pairs, labels, concerns, suggestions), state


def _analyse_new(r: _Reactions, state: State, old: np.ndarray,
                 new: list[int]) -> tuple[_Findings, State]:
    """Add the reactions at positions ``new`` to the last analysis (``state``), as it stood."""
    n = len(r.ids)
    labels, core = np.full(n, -1), np.full(n, np.nan)
    labels[old], core[old] = state.concern, state.core
    if state.space is not None and new:
        labels[new] = _assign_concerns(state.space, core, labels, r.vectors, r.xy, new)
    members: dict[int, list[str]] = defaultdict(list)
    for rid, number in zip(r.ids, labels.tolist(), strict=True):
        members[number].append(rid)
    concerns = [replace(c, ids=tuple(members[c.number])) for c in state.concerns]
    pairs = state.pairs
    if new:
        found = duplicate_pairs(r.texts, r.vectors, r.xy, r.ids, among=new)
        pairs = pd.DataFrame({c: [*state.pairs[c], *found[c]] for c in pairs.columns})
    learnt = np.full(n, "", dtype=object)
    learnt[old] = state.learnt
    model, learnt, suggestions = _themes(r, replace(state, learnt=learnt))
    state = replace(state, ids=np.array(r.ids, dtype=str), keys=np.array(r.keys, dtype=str),
                    xy=r.xy, concern=labels, core=core, learnt=learnt, pairs=pairs,
                    concerns=concerns, themes=model, known=r.known,
                    added=state.added + len(new))
    return _Findings(pairs, labels, concerns, suggestions), state


def _themes(
    r: _Reactions, state: State | None
) -> tuple[_ThemeModel | None, np.ndarray, list[Suggestion]]:
    """Return the theme model, what each reaction was learnt as, and the suggestions.

    With the last ``state`` (its ``learnt`` in frame order), its model is kept unless the
    project's themes changed, a resident chose a theme it does not know, or more than
    :data:`NEW_SHARE` of what it learnt from changed.
    """
    chosen = [t or "" for t in _chosen(r.themes, r.known)]
    model = state.themes if state is not None else None
    if state is not None:
        learnt = [str(t) for t in state.learnt]
        changed = sum(c != t for c, t in zip(chosen, learnt, strict=True))
        unknown = model is None or bool({c for c in chosen if c} - set(model.classes))
        if r.known != state.known or unknown or changed > NEW_SHARE * sum(map(bool, learnt)):
            state = None
    if state is None:
        model = _fit_themes(r.vectors, r.themes, r.known)
        learnt = chosen if model is not None else [""] * len(chosen)
    suggestions = [] if model is None else _suggest(model, r.vectors, r.themes, r.ids, r.known)
    return model, np.array(learnt, dtype=str), suggestions


def _analysis(frame: gpd.GeoDataFrame, ids: list[str], found: _Findings) -> Analysis:
    """Return the :class:`Analysis`: ``frame`` with its findings, and the findings."""
    groups = duplicate_groups(ids, found.pairs)
    out = frame.copy()
    out["dubbel_van"] = [groups[i] for i in ids]
    out["zorg"] = found.labels.tolist() if len(frame) else []
    names = {c.number: c.label for c in found.concerns}
    out["zorg_label"] = [names.get(int(g), "") for g in out["zorg"]]
    suggested = {s.id: s for s in found.suggestions}
    out["thema_suggestie"] = [suggested[i].theme if i in suggested else "" for i in ids]
    out["thema_kans"] = [suggested[i].probability if i in suggested else np.nan for i in ids]
    return Analysis(out, found.pairs, found.concerns, found.suggestions)


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

"""The state of a project's last analysis, kept in ``<project>/analyse/state.npz``.

What :func:`omgeving.analysis.run.analyse` needs to add a few new reactions without
analysing them all again: per reaction its text and place (to see that nothing was edited),
concern, core distance and the theme it was learnt as; the duplicate pairs; the concerns'
space and names; the theme model's coefficients. Arrays and one JSON text in a ``.npz``,
read without pickle, so a shared project folder cannot make this machine run code. A file
that is missing, broken or of another version reads as None: the analysis starts again.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from omgeving.analysis._embed import MODEL
from omgeving.analysis.concerns import DIMENSIONS, Concern, _Space
from omgeving.analysis.themes import _ThemeModel
from omgeving.files import atomic_write

__all__ = ["VERSION", "State", "read_state", "write_state"]

#: Raise it when what the analysis finds changes: every project is then analysed anew.
VERSION = 1
_SETTINGS = {"version": VERSION, "model": MODEL, "dimensions": DIMENSIONS}


@dataclass(frozen=True)
class State:
    """The last analysis: per reaction (in ``ids``' order) and as a whole."""

    ids: np.ndarray  # str
    keys: np.ndarray  # str: the text's embedding key
    xy: np.ndarray  # n × 2, metres (NaN: no place)
    concern: np.ndarray  # int, -1: none
    core: np.ndarray  # float: HDBSCAN's core distance, NaN when not clustered
    learnt: np.ndarray  # str: the theme the model learnt it as, "" if none
    pairs: pd.DataFrame
    concerns: list[Concern]  # ids left out: they follow from ``concern``
    space: _Space | None
    themes: _ThemeModel | None
    known: tuple[str, ...]  # the project's themes the model was fitted for
    full: int  # reactions in the last full analysis
    added: int  # reactions added since, without one


def read_state(path: Path) -> State | None:
    """Return the state saved at ``path``, or None when there is none that can be trusted."""
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
        meta = json.loads(str(arrays.pop("meta")))
        if {k: meta.get(k) for k in _SETTINGS} != _SETTINGS:
            return None  # another version's findings: analyse anew
        return _state(arrays, meta)
    except (OSError, KeyError, ValueError, TypeError, IndexError, zipfile.BadZipFile):
        return None  # no state yet, or a broken one: analyse anew, then write a good one


def _state(arrays: dict[str, np.ndarray], meta: dict[str, Any]) -> State:
    n = len(arrays["ids"])
    for name in ("keys", "xy", "concern", "core", "learnt"):
        if len(arrays[name]) != n:
            raise ValueError(f"state: {name} has {len(arrays[name])} rows, not {n}")
    space = None
    if meta["space"] is not None:
        place = arrays["place"] if meta["space"]["place"] else None
        space = _Space(arrays["space_mean"], arrays["pca_mean"], arrays["components"],
                       place, float(meta["space"]["place_km"]))
    themes = None
    if meta["classes"] is not None:
        themes = _ThemeModel(arrays["theme_mean"], tuple(str(c) for c in meta["classes"]),
                             arrays["coef"], arrays["intercept"])
    pairs = pd.DataFrame({"a": arrays["pair_a"].tolist(), "b": arrays["pair_b"].tolist(),
                          "kind": arrays["pair_kind"].tolist(),
                          "score": arrays["pair_score"].tolist()})
    concerns = [Concern(int(c["number"]), str(c["label"]), tuple(map(str, c["words"])),
                        str(c["representative"])) for c in meta["concerns"]]
    return State(
        ids=arrays["ids"], keys=arrays["keys"], xy=arrays["xy"].astype(float),
        concern=arrays["concern"].astype(int), core=arrays["core"].astype(float),
        learnt=arrays["learnt"], pairs=pairs, concerns=concerns, space=space, themes=themes,
        known=tuple(map(str, meta["known"])), full=int(meta["full"]),
        added=int(meta["added"]),
    )


def write_state(path: Path, state: State) -> None:
    """Write ``state`` to ``path`` (in one step: a reader never sees half a file)."""
    arrays: dict[str, np.ndarray] = {
        "ids": np.array(state.ids, dtype=str), "keys": np.array(state.keys, dtype=str),
        "xy": np.asarray(state.xy, dtype=float).reshape(-1, 2),
        "concern": np.asarray(state.concern, dtype=np.int32),
        "core": np.asarray(state.core, dtype=np.float32),
        "learnt": np.array(state.learnt, dtype=str),
        "pair_a": np.array(state.pairs["a"].tolist(), dtype=str),
        "pair_b": np.array(state.pairs["b"].tolist(), dtype=str),
        "pair_kind": np.array(state.pairs["kind"].tolist(), dtype=str),
        "pair_score": np.asarray(state.pairs["score"].tolist(), dtype=float),
    }
    meta: dict[str, Any] = {
        **_SETTINGS, "full": state.full, "added": state.added, "known": list(state.known),
        "concerns": [{"number": c.number, "label": c.label, "words": list(c.words),
                      "representative": c.representative} for c in state.concerns],
        "space": None, "classes": None,
    }
    if state.space is not None:
        s = state.space
        arrays |= {"space_mean": s.mean, "pca_mean": s.pca_mean, "components": s.components}
        if s.place is not None:
            arrays["place"] = s.place
        meta["space"] = {"place": s.place is not None, "place_km": s.place_km}
    if state.themes is not None:
        t = state.themes
        arrays |= {"theme_mean": t.mean, "coef": t.coef, "intercept": t.intercept}
        meta["classes"] = list(t.classes)
    buffer = io.BytesIO()
    arrays["meta"] = np.array(json.dumps(meta))
    np.savez(buffer, allow_pickle=False, **arrays)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, buffer.getvalue())

"""Duplicates: the same text posted again, and the same thing said twice at one place.

Two kinds, each a pair of reaction ids with the evidence:

- ``tekst``: the same text, copied or slightly edited (a petition pasted by many, a resident
  who sent twice), wherever it was put; found by RapidFuzz on the normal form of the texts.
- ``plek``: different words for the same wish at the same place: the texts' embeddings are
  very close, their words overlap, and the reactions lie within ``near_m`` metres.

A pair is never a duplicate when one text says no and the other does not ("meer woningen
voor starters" / "geen woningen meer"). Nothing is deleted: duplicates are grouped
(:func:`duplicate_groups`), a moderator links or rejects them, and the report counts
"N reacties, M verschillende punten".
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from rapidfuzz import fuzz

from omgeving.analysis._embed import centred
from omgeving.analysis._text import negated, normal, words

__all__ = ["COPY", "SAME_PLACE", "duplicate_groups", "duplicate_pairs"]

#: RapidFuzz scores (0–100) from which two texts are the same text.
COPY = 88
#: Cosine of the centred embeddings from which two reactions at one place say the same.
SAME_PLACE = 0.80
CANDIDATES = 0.55  # centred cosine below which a pair is not looked at
NEIGHBOURS = 30  # the most similar texts looked at for each (a petition pasted more often
# is found through its copies: each copy's neighbours are copies)
BLOCK = 1024


def duplicate_pairs(
    texts: Sequence[str],
    vectors: np.ndarray,
    xy: np.ndarray | None = None,
    ids: Sequence[str] | None = None,
    *,
    near_m: float = 400.0,
    among: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Return the duplicate pairs among ``texts`` (columns ``a``, ``b``, ``kind``, ``score``).

    ``vectors`` are the texts' embeddings (:func:`omgeving.analysis._embed.embed`), ``xy``
    their places in metres (RD New; rows of NaN for a reaction without a place), ``ids``
    their reaction ids (default: positions). ``a`` is the earlier of the two. With ``among``
    (positions: the new reactions of an analysed project), only the pairs of one of those
    and its most similar texts are looked for.
    """
    n = len(texts)
    ids = list(ids) if ids is not None else [str(i) for i in range(n)]
    if n < 2:
        return pd.DataFrame(columns=["a", "b", "kind", "score"])
    rows_of = np.arange(n) if among is None else np.asarray(sorted(set(among)), dtype=int)
    norm: dict[int, str] = {}
    said_no: dict[int, bool] = {}
    unit = centred(vectors)
    found = []
    looked: set[tuple[int, int]] = set()
    for start in range(0, len(rows_of), BLOCK):
        block = rows_of[start : start + BLOCK]
        sims = unit[block] @ unit.T
        k = min(NEIGHBOURS, n - 1)
        nearest = np.argpartition(-sims, k, axis=1)[:, : k + 1]
        rows = np.repeat(np.arange(len(sims)), nearest.shape[1])
        cols = nearest.ravel()
        keep = sims[rows, cols] >= CANDIDATES
        for i in {*block.tolist(), *cols[keep].tolist()} - norm.keys():
            norm[i] = normal(texts[i])
            said_no[i] = negated(words(texts[i]))
        for r, j in zip(rows[keep].tolist(), cols[keep].tolist(), strict=True):
            i = int(block[r])
            if j == i or said_no[i] != said_no[j] or not norm[i] or not norm[j]:
                continue
            sim = float(sims[r, j])
            i, j = min(i, j), max(i, j)
            if (i, j) in looked:
                continue
            looked.add((i, j))
            copy = max(  # each 0 below COPY: the cut-off spares most of the work
                fuzz.ratio(norm[i], norm[j], score_cutoff=COPY),
                _contained(norm[i], norm[j]),
            )
            if copy >= COPY:
                found.append((ids[i], ids[j], "tekst", round(copy / 100, 3)))
                continue
            if sim < SAME_PLACE or xy is None:
                continue
            metres = float(np.hypot(*(xy[i] - xy[j])))
            if metres <= near_m and fuzz.token_set_ratio(norm[i], norm[j]) >= 55:
                found.append((ids[i], ids[j], "plek", round(sim, 3)))
    return pd.DataFrame(found, columns=["a", "b", "kind", "score"])


def _contained(a: str, b: str) -> float:
    """Score a text pasted inside another ("Ik ben het eens met: <petition>"); 0 below COPY."""
    short, long = sorted((a, b), key=len)
    if len(short) < 40 or len(short) < 0.6 * len(long):
        return 0.0
    return fuzz.partial_ratio(short, long, score_cutoff=COPY)


def duplicate_groups(ids: Sequence[str], pairs: pd.DataFrame) -> dict[str, str]:
    """Return each reaction's group: the id of the first reaction of its duplicates."""
    parent = {i: i for i in ids}
    order = {i: k for k, i in enumerate(ids)}

    def root(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in zip(pairs["a"], pairs["b"], strict=True):
        ra, rb = root(a), root(b)
        if ra != rb:
            first, second = sorted((ra, rb), key=order.__getitem__)
            parent[second] = first
    return {i: root(i) for i in ids}

"""Concerns: groups of reactions about the same thing in the same area.

Each reaction is a point in a space of meaning and place: its text's embedding (centred,
reduced to its main directions) beside its place in kilometres, scaled by ``place_km`` (two
reactions that far apart weigh like two quite different texts). HDBSCAN (scikit-learn) finds
the dense groups and leaves the rest alone; a concern needs ``min_size`` reactions. The
settings are those that agree best with the gold concerns of the evaluation set
(``tests/data/evaluatie``; ``tests/test_analysis_quality.py``).

A concern's label is made of its reactions' own words only: the lemmas that are most
typical of the group against all reactions (c-TF-IDF), each shown in the form the residents
wrote most. Its representative is the reaction closest to the group's centre, quoted
verbatim. Every concern lists the ids of its reactions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from omgeving.analysis._embed import centred, unit
from omgeving.analysis._text import STOPWORDS, lemma, words

__all__ = ["Concern", "concern_labels", "find_concerns", "meaning"]

DIMENSIONS = 48  # of meaning kept for clustering (PCA)


@dataclass(frozen=True)
class Concern:
    """One concern: its label, its representative reaction and the ids it rests on."""

    number: int
    label: str
    words: tuple[str, ...]  # the label's words, each as the residents wrote it
    representative: str  # id of the reaction quoted for it
    ids: tuple[str, ...] = field(default_factory=tuple)

    @property
    def size(self) -> int:
        """The number of reactions in the concern."""
        return len(self.ids)


def find_concerns(
    texts: Sequence[str],
    vectors: np.ndarray,
    xy: np.ndarray | None,
    ids: Sequence[str] | None = None,
    *,
    place_km: float = 1.0,
    min_size: int = 5,
) -> tuple[np.ndarray, list[Concern]]:
    """Return each reaction's concern number (-1: none) and the concerns, largest first."""
    labels, concerns, _ = _fit_concerns(texts, vectors, xy, ids, place_km=place_km,
                                        min_size=min_size)
    return labels, concerns


@dataclass(frozen=True)
class _Space:
    """How a reaction becomes a point to cluster, as fitted on the reactions of a full run."""

    mean: np.ndarray  # of the embeddings, taken away before PCA (:func:`centred`)
    pca_mean: np.ndarray
    components: np.ndarray  # the main directions, DIMENSIONS × DIM
    place: np.ndarray | None  # the centre of the places in metres; None: clustered without
    place_km: float

    def points(self, vectors: np.ndarray, xy: np.ndarray | None) -> np.ndarray:
        """Return the points of ``vectors`` (and places ``xy``) in this space."""
        v = np.asarray(vectors, dtype=np.float32)
        reduced = unit((unit(v - self.mean) - self.pca_mean) @ self.components.T)
        if xy is None or self.place is None:
            return reduced
        place = np.nan_to_num(np.asarray(xy, dtype=float) - self.place) / 1000.0
        return np.hstack([reduced, place / self.place_km])


def _fit_concerns(
    texts: Sequence[str],
    vectors: np.ndarray,
    xy: np.ndarray | None,
    ids: Sequence[str] | None = None,
    *,
    place_km: float = 1.0,
    min_size: int = 5,
) -> tuple[np.ndarray, list[Concern], tuple[_Space, np.ndarray] | None]:
    """:func:`find_concerns`, with its space and each reaction's core distance (NaN: none).

    The space and the core distances let :func:`_assign_concerns` place a new reaction
    without clustering again.
    """
    n = len(texts)
    ids = list(ids) if ids is not None else [str(i) for i in range(n)]
    if n < min_size:
        return np.full(n, -1), [], None
    features, pca = _meaning(vectors)
    centre = None
    if xy is not None:  # no place at all: every place at the centre (nanmean would warn)
        centre = np.nanmean(xy, axis=0) if not np.isnan(xy).all() else np.full(2, np.nan)
        place = np.nan_to_num(np.asarray(xy, dtype=float) - centre) / 1000.0
        features = np.hstack([features, place / place_km])
    from sklearn.cluster import HDBSCAN

    # "leaf": the smallest dense groups, not the large ones they merge into (a street's traffic
    # and a village's traffic are two concerns); the evaluation set's ARI 0.58 against 0.08
    samples = min(2, min_size)
    found = HDBSCAN(
        min_cluster_size=min_size, min_samples=samples,
        cluster_selection_method="leaf", copy=True,
    ).fit_predict(features)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, g in enumerate(found):
        if g >= 0:
            groups[int(g)].append(i)
    ordered = sorted(groups.values(), key=lambda members: (-len(members), members[0]))
    labels = np.full(n, -1)
    for number, members in enumerate(ordered):
        labels[members] = number
    named = concern_labels(texts, labels)
    directions = centred(vectors)
    concerns = []
    for number, members in enumerate(ordered):
        centre_of = directions[members].mean(axis=0)
        best = members[int(np.argmax(directions[members] @ centre_of))]
        shown = named.get(number, ())
        concerns.append(
            Concern(
                number=number,
                label=" · ".join(shown),
                words=shown,
                representative=ids[best],
                ids=tuple(ids[i] for i in members),
            )
        )
    v = np.asarray(vectors, dtype=np.float32)
    space = _Space(v.mean(axis=0) if len(v) > 1 else np.zeros(v.shape[1], np.float32),
                   pca.mean_, pca.components_, centre, place_km)
    return labels, concerns, (space, _core_distances(features, labels, samples))


def _core_distances(features: np.ndarray, labels: np.ndarray, samples: int) -> np.ndarray:
    """Return each clustered point's distance to its ``samples``-th neighbour (HDBSCAN's)."""
    core = np.full(len(features), np.nan)
    inside = np.flatnonzero(labels >= 0)
    if len(inside):
        from sklearn.neighbors import NearestNeighbors

        found = NearestNeighbors(n_neighbors=samples).fit(features)
        distances, _ = found.kneighbors(features[inside], samples)
        core[inside] = distances[:, -1]
    return core


def _assign_concerns(
    space: _Space,
    core: np.ndarray,
    labels: np.ndarray,
    vectors: np.ndarray,
    xy: np.ndarray | None,
    new: Sequence[int],
) -> np.ndarray:
    """Return the concern of each reaction at the positions ``new``, without clustering again.

    A new reaction joins the concern of its nearest clustered reaction when it lies within
    the widest core distance of that concern's reactions, and no concern otherwise: the idea
    of HDBSCAN's ``approximate_predict`` (a concern holds the points within the distance at
    which it formed, and that is at least its widest core distance). Against a full run at
    10,000 reactions, 26 of 30 new reactions get the same concern or none (within the
    nearest reaction's own core distance: 18). ``core``, ``labels``: per reaction, -1 and
    NaN for the new ones.
    """
    inside = np.flatnonzero((labels >= 0) & ~np.isnan(core))
    out = np.full(len(new), -1)
    if not len(inside) or not len(new):
        return out
    at = None if xy is None else xy[inside]
    known = space.points(vectors[inside], at)
    points = space.points(vectors[list(new)], None if xy is None else xy[list(new)])
    squared = ((points**2).sum(axis=1)[:, None] + (known**2).sum(axis=1)[None, :]
               - 2 * points @ known.T)
    nearest = np.argmin(squared, axis=1)
    distance = np.sqrt(np.maximum(squared[np.arange(len(new)), nearest], 0.0))
    widest: dict[int, float] = defaultdict(float)  # the concern's widest core distance
    for number, distance_of in zip(labels[inside].tolist(), core[inside].tolist(), strict=True):
        widest[number] = max(widest[number], distance_of)
    limit = np.array([widest[g] for g in labels[inside[nearest]].tolist()])
    close = distance <= limit + 1e-6  # float32 rounding: a copy is at 0
    out[close] = labels[inside[nearest[close]]]
    return out


def meaning(vectors: np.ndarray) -> np.ndarray:
    """Return the centred embeddings reduced to their :data:`DIMENSIONS` main directions."""
    return _meaning(vectors)[0]


def _meaning(vectors: np.ndarray) -> tuple[np.ndarray, Any]:
    """:func:`meaning`, with the fitted PCA (its ``mean_`` and ``components_``)."""
    centre = centred(vectors)
    keep = min(DIMENSIONS, max(1, min(centre.shape) - 1))
    from sklearn.decomposition import PCA

    pca = PCA(n_components=keep, random_state=0)
    return unit(pca.fit_transform(centre)), pca


def concern_labels(
    texts: Sequence[str], labels: np.ndarray, *, top: int = 3
) -> dict[int, tuple[str, ...]]:
    """Return, per concern, its ``top`` most typical words, as its reactions wrote them."""
    lemmas_of: list[set[str]] = []
    forms: dict[str, Counter] = defaultdict(Counter)
    for text in texts:
        seen: list[str] = []
        for w in words(text):
            if len(w) < 3 or w in STOPWORDS or w.isdigit():
                continue
            stem = lemma(w)
            if stem in STOPWORDS:
                continue
            forms[stem][w] += 1
            seen.append(stem)
        lemmas_of.append(set(seen))
    everywhere: Counter = Counter()
    for found in lemmas_of:
        everywhere.update(found)
    n = len(texts)
    named = {}
    for number in sorted({int(g) for g in labels if g >= 0}):
        members = [i for i, g in enumerate(labels) if g == number]
        inside: Counter = Counter()
        for i in members:
            inside.update(lemmas_of[i])
        score = {
            stem: (count / len(members)) * np.log(1 + n / everywhere[stem])
            for stem, count in inside.items()
            if count >= 2 or len(members) < 3
        }
        best = sorted(score, key=lambda s: (-score[s], s))[:top]
        named[number] = tuple(forms[stem].most_common(1)[0][0] for stem in best)
    return named

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
    n = len(texts)
    ids = list(ids) if ids is not None else [str(i) for i in range(n)]
    if n < min_size:
        return np.full(n, -1), []
    features = meaning(vectors)
    if xy is not None:
        place = np.nan_to_num(np.asarray(xy, dtype=float) - np.nanmean(xy, axis=0)) / 1000.0
        features = np.hstack([features, place / place_km])
    from sklearn.cluster import HDBSCAN

    # "leaf": the smallest dense groups, not the large ones they merge into (a street's traffic
    # and a village's traffic are two concerns); the evaluation set's ARI 0.58 against 0.08
    found = HDBSCAN(
        min_cluster_size=min_size, min_samples=min(2, min_size),
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
        centre = directions[members].mean(axis=0)
        best = members[int(np.argmax(directions[members] @ centre))]
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
    return labels, concerns


def meaning(vectors: np.ndarray) -> np.ndarray:
    """Return the centred embeddings reduced to their :data:`DIMENSIONS` main directions."""
    centre = centred(vectors)
    keep = min(DIMENSIONS, max(1, min(centre.shape) - 1))
    from sklearn.decomposition import PCA

    return unit(PCA(n_components=keep, random_state=0).fit_transform(centre))


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

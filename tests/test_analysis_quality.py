"""Issue 13: the analysis measured against a Dutch evaluation set with known answers.

``tests/data/evaluatie/reacties.csv`` (its README says how it was made) holds reactions as
residents write them, with the gold theme, concern and duplicates of each. The floors below
are what the method reaches on it (the closing note of issue 13 gives the figures), so a
change that makes the analysis worse fails here.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from omgeving.analysis._embed import embed
from omgeving.analysis.concerns import find_concerns
from omgeving.analysis.duplicates import duplicate_groups, duplicate_pairs
from omgeving.analysis.themes import suggest_themes
from tests.evalset import EVALSET, load

pytestmark = pytest.mark.skipif(not EVALSET.exists(), reason="the evaluation set is missing")

THEMES = ("wonen", "werken", "natuur & landschap", "water & klimaat", "energie", "mobiliteit",
          "landbouw", "voorzieningen", "erfgoed", "gezondheid")


@pytest.fixture(scope="module")
def evaluation(demo_project):
    data = load(demo_project)
    return data, embed(data.texts)


def gold_pairs(data) -> set[frozenset[str]]:
    """Every pair of reactions in one gold duplicate group."""
    group = {}
    for row in data.rows:
        group[row["id"]] = group.get(row["duplicaat_van"], row["duplicaat_van"] or row["id"])
    members: dict[str, list[str]] = {}
    for rid, first in group.items():
        members.setdefault(first, []).append(rid)
    return {frozenset((a, b)) for m in members.values() for a in m for b in m if a < b}


def found_pairs(data, pairs) -> set[frozenset[str]]:
    groups = duplicate_groups(data.ids, pairs)
    members: dict[str, list[str]] = {}
    for rid, first in groups.items():
        members.setdefault(first, []).append(rid)
    return {frozenset((a, b)) for m in members.values() for a in m for b in m if a < b}


def duplicate_scores(data, vectors) -> tuple[float, float]:
    pairs = duplicate_pairs(data.texts, vectors, data.xy, data.ids)
    gold, found = gold_pairs(data), found_pairs(data, pairs)
    hits = len(gold & found)
    return hits / max(len(found), 1), hits / max(len(gold), 1)


def concern_score(data, vectors) -> float:
    labels, _ = find_concerns(data.texts, vectors, data.xy, data.ids)
    gold = [row["zorg"] or f"los-{row['id']}" for row in data.rows]
    mine = [f"z{g}" if g >= 0 else f"los-{rid}" for g, rid in zip(labels, data.ids, strict=True)]
    return adjusted_rand_score(gold, mine)


def theme_scores(data, vectors) -> tuple[float, float, int]:
    given = [t or None for t in data.column("thema_gegeven")]
    suggestions = suggest_themes(data.texts, vectors, given, data.ids, THEMES)
    gold = dict(zip(data.ids, data.column("thema"), strict=True))
    top1 = np.mean([s.theme == gold[s.id] for s in suggestions])
    top3 = np.mean([gold[s.id] in (s.theme, *(t for t, _ in s.next)) for s in suggestions])
    return float(top1), float(top3), len(suggestions)


def test_duplicates_are_found_with_high_precision(evaluation):
    precision, recall = duplicate_scores(*evaluation)
    print(f"\nduplicates: precision {precision:.2f}, recall {recall:.2f}")
    assert precision >= 0.95 and recall >= 0.85  # measured: 0.98 and 0.89


def test_concerns_agree_with_the_gold_groups(evaluation):
    ari = concern_score(*evaluation)
    print(f"\nconcerns: adjusted Rand index {ari:.2f}")
    assert ari >= 0.5  # measured: 0.58


def test_theme_suggestions_are_mostly_right(evaluation):
    top1, top3, n = theme_scores(*evaluation)
    print(f"\ntheme suggestions for {n} reactions: top-1 {top1:.2f}, top-3 {top3:.2f}")
    assert n > 0 and top1 >= 0.75 and top3 >= 0.95  # measured: 0.81 and 0.98

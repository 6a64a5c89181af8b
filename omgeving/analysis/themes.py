"""Theme suggestions for reactions without a theme (paper forms, imports, "overig").

A logistic regression (scikit-learn) on the texts' centred embeddings learns the themes from
the reactions whose resident chose one, beside a few words per theme of the default set
(:data:`SEEDS`), so that a new project with few reactions still gets suggestions. A
suggestion comes with its probability and never replaces what a resident chose: a moderator
accepts or rejects it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from omgeving.analysis._embed import embed, unit

__all__ = ["SEEDS", "UNSPECIFIED", "Suggestion", "suggest_themes"]

#: Themes that say nothing about the subject: a reaction with one gets a suggestion too.
UNSPECIFIED = frozenset({"overig", "anders", "other"})

#: Words residents use for each of the default themes (omgeving.config's themes).
SEEDS = {
    "wonen": "woningen huizen bouwen starters ouderen huur koop appartementen wijk woningbouw",
    "werken": "werk banen bedrijven bedrijventerrein ondernemers winkels economie kantoor",
    "natuur & landschap": "natuur bos bomen groen landschap wandelen dieren heide uitzicht",
    "water & klimaat": "water overstroming droogte hitte regen beek rivier dijk klimaat",
    "energie": "zonnepanelen windmolens zonnepark energie stroom warmte windturbine",
    "mobiliteit": "verkeer fietspad auto bus parkeren snelheid oversteken weg trein",
    "landbouw": "boeren landbouw koeien akkers stikstof erf boerderij mest",
    "voorzieningen": "school huisarts winkel supermarkt dorpshuis sport bibliotheek zorg",
    "erfgoed": "monument oude kerk boerderij historisch erfgoed cultuur dorpsgezicht",
    "gezondheid": "gezondheid geluid lucht fijnstof bewegen spelen rust veilig",
}


@dataclass(frozen=True)
class Suggestion:
    """A suggested theme for one reaction, with the next best ones."""

    id: str
    theme: str
    probability: float
    next: tuple[tuple[str, float], ...]  # the runners-up, best first


def suggest_themes(
    texts: Sequence[str],
    vectors: np.ndarray,
    themes: Sequence[str | None],
    ids: Sequence[str],
    known: Sequence[str],
    *,
    top: int = 3,
) -> list[Suggestion]:
    """Return a suggestion for every reaction whose theme is missing or not in ``known``.

    ``themes`` are what residents chose (None or "" when nothing), ``known`` the project's
    themes. Without two themes to learn from, there is nothing to suggest: an empty list.
    """
    from sklearn.linear_model import LogisticRegression

    known = [t for t in known if t not in UNSPECIFIED]
    chosen = [t if t in known else None for t in themes]
    seeds = [t for t in known if t in SEEDS]
    seed_vectors = embed([SEEDS[t] for t in seeds]) if seeds else np.zeros((0, vectors.shape[1]))
    train_x = np.vstack([vectors[[i for i, t in enumerate(chosen) if t]], seed_vectors])
    train_y = [t for t in chosen if t] + seeds
    if len(set(train_y)) < 2:
        return []
    mean = vectors.mean(axis=0, keepdims=True) if len(vectors) > 1 else 0.0
    model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    model.fit(unit(train_x - mean), train_y)
    todo = [i for i, t in enumerate(chosen) if not t]
    if not todo:
        return []
    probabilities = model.predict_proba(unit(vectors[todo] - mean))
    classes = [str(c) for c in model.classes_]
    out = []
    for row, i in zip(probabilities, todo, strict=True):
        order = np.argsort(-row)[:top]
        ranked = [(classes[k], round(float(row[k]), 3)) for k in order]
        out.append(Suggestion(ids[i], ranked[0][0], ranked[0][1], tuple(ranked[1:])))
    return out

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
from omgeving.store import UNSPECIFIED_THEMES

__all__ = ["SEEDS", "UNSPECIFIED", "Suggestion", "suggest_themes"]

#: Themes that say nothing about the subject: a reaction with one gets a suggestion too.
UNSPECIFIED = UNSPECIFIED_THEMES - {""}  # the store's, without the empty theme

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
    model = _fit_themes(vectors, themes, known)
    return [] if model is None else _suggest(model, vectors, themes, ids, known, top=top)


@dataclass(frozen=True)
class _ThemeModel:
    """A fitted theme model: what it takes from the vectors, and its logistic regression."""

    mean: np.ndarray  # of the vectors it was fitted beside (1 × DIM)
    classes: tuple[str, ...]
    coef: np.ndarray  # one row per class (one row for two classes)
    intercept: np.ndarray

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Return each vector's probability of each class (scikit-learn's predict_proba)."""
        decision = unit(vectors - self.mean) @ self.coef.T + self.intercept
        if len(self.classes) == 2:  # one row of coefficients: the second class against the first
            second = 1 / (1 + np.exp(-np.clip(decision[:, 0], -500, 500)))
            return np.column_stack([1 - second, second])
        e = np.exp(decision - decision.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)


def _chosen(themes: Sequence[str | None], known: Sequence[str]) -> list[str | None]:
    """Return each reaction's theme to learn from: one of ``known`` that says something."""
    usable = {t for t in known if t not in UNSPECIFIED}
    return [t if t in usable else None for t in themes]


def _fit_themes(
    vectors: np.ndarray, themes: Sequence[str | None], known: Sequence[str]
) -> _ThemeModel | None:
    """Fit the model of :func:`suggest_themes`; None without two themes to learn from."""
    from sklearn.linear_model import LogisticRegression

    chosen = _chosen(themes, known)
    seeds = [t for t in known if t not in UNSPECIFIED and t in SEEDS]
    seed_vectors = embed([SEEDS[t] for t in seeds]) if seeds else np.zeros((0, vectors.shape[1]))
    train_x = np.vstack([vectors[[i for i, t in enumerate(chosen) if t]], seed_vectors])
    train_y = [t for t in chosen if t] + seeds
    if len(set(train_y)) < 2:
        return None
    mean = vectors.mean(axis=0, keepdims=True) if len(vectors) > 1 else 0.0
    model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    model.fit(unit(train_x - mean), train_y)
    return _ThemeModel(np.broadcast_to(np.asarray(mean, dtype=np.float32),
                                       (1, vectors.shape[1])).copy(),
                       tuple(str(c) for c in model.classes_), model.coef_, model.intercept_)


def _suggest(
    model: _ThemeModel,
    vectors: np.ndarray,
    themes: Sequence[str | None],
    ids: Sequence[str],
    known: Sequence[str],
    *,
    top: int = 3,
) -> list[Suggestion]:
    """Return :func:`suggest_themes`'s suggestions as ``model`` makes them."""
    todo = [i for i, t in enumerate(_chosen(themes, known)) if not t]
    if not todo:
        return []
    probabilities = model.probabilities(vectors[todo])
    out = []
    for row, i in zip(probabilities, todo, strict=True):
        order = np.argsort(-row)[:top]
        ranked = [(model.classes[k], round(float(row[k]), 3)) for k in order]
        out.append(Suggestion(ids[i], ranked[0][0], ranked[0][1], tuple(ranked[1:])))
    return out

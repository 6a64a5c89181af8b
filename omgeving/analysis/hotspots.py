"""Hotspots: buurten where significantly more (or more negative) reactions fall than elsewhere.

Getis-Ord Gi* (esda) on the buurten, with queen contiguity (libpysal) and the buurt itself
counted in its neighbourhood: a buurt is a hotspot when it and its neighbours together hold
more than chance would put there, judged by ``permutations`` random reshuffles (a pseudo
p-value, at most ``alpha``). The value per buurt is reactions per 1,000 inhabitants, so that
a big buurt is not a hotspot for being big; without inhabitants, the plain count.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

__all__ = ["Hotspot", "hotspots"]


@dataclass(frozen=True)
class Hotspot:
    """One buurt whose neighbourhood stands out, and the reactions there."""

    buurtcode: str
    buurtnaam: str
    kind: str  # "meer" (more reactions) or "negatiever" (more negative ones)
    z: float
    p: float
    ids: tuple[str, ...]


def hotspots(
    buurten: gpd.GeoDataFrame,
    reactions: pd.DataFrame,
    *,
    theme: str | None = None,
    alpha: float = 0.05,
    permutations: int = 999,
    seed: int = 12345,
) -> list[Hotspot]:
    """Return the hotspots of ``reactions`` (of ``theme``) over ``buurten``.

    ``buurten`` needs ``buurtcode``, ``buurtnaam`` and, if known, ``aantal_inwoners``;
    ``reactions`` needs ``id``, ``buurtcode``, ``thema`` and ``sentiment``. Fewer than four
    buurten, or no reaction, give no hotspot.
    """
    from esda.getisord import G_Local
    from libpysal.weights import Queen

    chosen = reactions if theme is None else reactions[reactions["thema"] == theme]
    if len(buurten) < 4 or chosen.empty:
        return []
    areas = buurten.reset_index(drop=True)
    codes = areas["buurtcode"].tolist()
    count = chosen.groupby("buurtcode").size().reindex(codes, fill_value=0).to_numpy(float)
    negative = (
        chosen[pd.to_numeric(chosen["sentiment"], errors="coerce") < 0]
        .groupby("buurtcode").size().reindex(codes, fill_value=0).to_numpy(float)
    )
    people = pd.to_numeric(areas.get("aantal_inwoners"), errors="coerce")
    people = people.to_numpy(float) if people is not None else np.full(len(codes), np.nan)
    per = np.where(people > 0, 1000 * count / np.where(people > 0, people, 1), count)
    share = np.where(count > 0, negative / np.maximum(count, 1), 0.0)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns about islands: a buurt alone is fine
        weights = Queen.from_dataframe(areas, use_index=False)
    found = []
    for kind, values in (("meer", per), ("negatiever", share)):
        if np.allclose(values, values[0]):
            continue  # the same everywhere: nothing stands out
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # esda's notes on its future
            g = G_Local(values, weights, transform="B", permutations=permutations, star=True,
                        seed=seed, n_jobs=1)
        for i in np.nonzero((g.Zs > 0) & (g.p_sim <= alpha))[0]:
            code = codes[i]
            found.append(
                Hotspot(
                    buurtcode=code,
                    buurtnaam=str(areas["buurtnaam"].iloc[i]),
                    kind=kind,
                    z=round(float(g.Zs[i]), 2),
                    p=round(float(g.p_sim[i]), 3),
                    ids=tuple(chosen.loc[chosen["buurtcode"] == code, "id"]),
                )
            )
    return sorted(found, key=lambda h: (h.kind, -h.z))

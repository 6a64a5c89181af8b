"""Who we heard and who we did not: the background answers against the CBS kerncijfers.

Participants may answer two optional questions after their first reaction (an age band, and
whether they live, work or visit here; :mod:`omgeving.apps._background` and the paper form).
Per age band the answers are set against the inhabitants of the project's buurten in that
band (the kerncijfers' ``percentage_personen_…`` columns times ``aantal_inwoners``). The
representation score is the lowest band's rate divided by the highest band's: 1 when every
age took part alike, near 0 when one age was hardly heard.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from omgeving.store import AGE_BANDS, RELATIONS, Profile

__all__ = ["AGE_COLUMNS", "UNDER", "Representation", "inhabitants_per_band", "representation"]

#: The kerncijfers' column of each age band (a percentage of ``aantal_inwoners``).
AGE_COLUMNS = {
    "0-14": "percentage_personen_0_tot_15_jaar",
    "15-24": "percentage_personen_15_tot_25_jaar",
    "25-44": "percentage_personen_25_tot_45_jaar",
    "45-64": "percentage_personen_45_tot_65_jaar",
    "65+": "percentage_personen_65_jaar_en_ouder",
}
#: A band whose rate is below this share of the highest band's is named under-represented.
UNDER = 0.5


@dataclass(frozen=True)
class Representation:
    """The answers per age band against the inhabitants, and the score."""

    table: pd.DataFrame  # per band: antwoorden, aandeel, inwoners, aandeel_inwoners, per_1000
    score: float | None  # lowest rate / highest rate; None without inhabitants or answers
    under: tuple[str, ...]  # the bands below UNDER of the highest rate
    answered: int  # participants who answered at least one question
    relations: dict[str, int]  # woont / werkt / bezoekt: how many ticked each
    channels: dict[str, int]  # the answers per channel


def inhabitants_per_band(buurten: pd.DataFrame) -> pd.Series | None:
    """Return the inhabitants per age band over ``buurten``, or None without the columns.

    CBS sentinels (negative values: secret or unknown) and water buurten count as nothing.
    """
    needed = ["aantal_inwoners", *AGE_COLUMNS.values()]
    if any(c not in buurten.columns for c in needed):
        return None
    table = buurten
    if "water" in table.columns:
        table = table[table["water"].astype(str).str.upper() != "JA"]
    people = pd.to_numeric(table["aantal_inwoners"], errors="coerce")
    people = people.where(people >= 0)
    out = {}
    for band, column in AGE_COLUMNS.items():
        share = pd.to_numeric(table[column], errors="coerce")
        share = share.where((share >= 0) & (share <= 100))
        out[band] = float(np.nansum(people.to_numpy(float) * share.to_numpy(float) / 100))
    return pd.Series(out)


def representation(profiles: Iterable[Profile], buurten: pd.DataFrame | None) -> Representation:
    """Set the background answers against the inhabitants per age band (see the module)."""
    profiles = list(profiles)
    ages = Counter(p.age for p in profiles if p.age)
    table = pd.DataFrame(index=pd.Index(AGE_BANDS, name="leeftijd"))
    table["antwoorden"] = [ages.get(b, 0) for b in AGE_BANDS]
    total = int(table["antwoorden"].sum())
    table["aandeel"] = table["antwoorden"] / total if total else np.nan
    people = inhabitants_per_band(buurten) if buurten is not None else None
    score: float | None = None
    under: tuple[str, ...] = ()
    if people is not None and people.sum() > 0:
        table["inwoners"] = people.reindex(AGE_BANDS).round().astype(int)
        table["aandeel_inwoners"] = people / people.sum()
        rate = table["antwoorden"] / people.where(people > 0) * 1000
        table["per_1000"] = rate
        if total and rate.max() > 0:
            score = float(rate.min() / rate.max())
            under = tuple(b for b in AGE_BANDS if rate[b] < UNDER * rate.max())
    relations = Counter(r for p in profiles for r in p.relation)
    return Representation(
        table=table,
        score=score,
        under=under,
        answered=len(profiles),
        relations={r: relations.get(r, 0) for r in RELATIONS},
        channels=dict(Counter(p.channel for p in profiles)),
    )

"""Analysing the reactions in a notebook: who took part, what was said, where.

The planner's notebook and the participatieverslag use these same functions, so a figure in
the report is the figure the planner saw. Every function takes the frame of
:func:`reactions_frame` (one row per reaction, as exported) and returns a pandas object.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from omgeving.exchange.export import reaction_table
from omgeving.participation import PUBLIC_STATUSES
from omgeving.project import Project
from omgeving.store import open_store

__all__ = [
    "counts",
    "participation_per_buurt",
    "reactions_frame",
    "top_agreed",
]

SENTIMENT_LABELS = {-2: "zeer negatief", -1: "negatief", 0: "neutraal", 1: "positief",
                    2: "zeer positief"}


def reactions_frame(project: Project, *, scenario: str | None = None,
                    visible_only: bool = False) -> gpd.GeoDataFrame:
    """Return the project's reactions (EPSG:4326), read as one snapshot of the store.

    Parameters
    ----------
    scenario
        Only the reactions on this scenario.
    visible_only
        Only what residents see on the map; by default every reaction, with its status.
    """
    with open_store(project.store_url()) as store:
        snapshot = store.snapshot()
    frame = reaction_table(project, snapshot, scenario=scenario)
    if visible_only:
        frame = frame[frame["status"].isin(PUBLIC_STATUSES)]
    return frame


def counts(frame: pd.DataFrame, by: str | list[str] = "thema") -> pd.DataFrame:
    """Count reactions (and distinct participants) per value of ``by``, most first.

    ``by`` is any column of the frame (``thema``, ``buurtnaam``, ``kanaal``, ``scenario_naam``,
    ``sentiment``, ``status``) or a list of them. Erased reactions count as reactions, not as
    participants (their token is gone).
    """
    keys = [by] if isinstance(by, str) else list(by)
    table = frame.assign(
        deelnemer=frame["deelnemer"].replace("", pd.NA)
    ).groupby(keys, dropna=False).agg(reacties=("id", "size"), deelnemers=("deelnemer", "nunique"))
    return table.sort_values("reacties", ascending=False)


def participation_per_buurt(frame: pd.DataFrame, project: Project) -> pd.DataFrame:
    """Reactions and participants per buurt against its inhabitants.

    Returns one row per buurt of the project (also buurten without a reaction) with
    ``inwoners``, ``reacties``, ``deelnemers`` and ``deelnemers_per_1000``, and
    ``ondervertegenwoordigd``: fewer than half the participants per inhabitant of the
    municipality as a whole, so under-represented buurten stand out.
    """
    buurten = pd.DataFrame(project.read_layer(
        "buurten", columns=["buurtcode", "buurtnaam", "aantal_inwoners", "geometry"]
    ).drop(columns="geometry"))
    counted = counts(frame[frame["buurtcode"] != ""], "buurtcode")
    table = buurten.merge(counted, how="left", left_on="buurtcode", right_index=True)
    table = table.rename(columns={"aantal_inwoners": "inwoners"})
    table[["reacties", "deelnemers"]] = table[["reacties", "deelnemers"]].fillna(0).astype(int)
    inhabitants = table["inwoners"].where(table["inwoners"] > 0)
    table["deelnemers_per_1000"] = (1000 * table["deelnemers"] / inhabitants).round(2)
    overall = 1000 * table["deelnemers"].sum() / inhabitants.sum()
    table["ondervertegenwoordigd"] = table["deelnemers_per_1000"] < overall / 2
    return table.sort_values("deelnemers_per_1000").reset_index(drop=True)


def top_agreed(frame: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """Return the ``n`` visible reactions most agreed with (show their text as text)."""
    shown = frame[frame["status"].isin(PUBLIC_STATUSES)]
    columns = ["id", "thema", "buurtnaam", "scenario_naam", "tekst", "instemmingen"]
    return shown.sort_values(["instemmingen", "aangemaakt"], ascending=[False, True])[
        columns].head(n).reset_index(drop=True)

"""What the analysis found, with what moderators settled of it.

The analysis proposes; a moderator decides. A pair of reactions a moderator linked counts as
one point even where the analysis saw no likeness; a pair a moderator judged different never
does, whatever the analysis says. A theme suggestion that was accepted or rejected is not
proposed again. Nothing here writes: the judgements are the store's (:meth:`Store.link`,
:meth:`Store.set_theme` and the audit log).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pandas as pd

from omgeving.analysis.duplicates import duplicate_groups
from omgeving.analysis.themes import Suggestion
from omgeving.reactions import Reaction
from omgeving.store import UNSPECIFIED_THEMES, AuditEntry, Link

if TYPE_CHECKING:
    from omgeving.analysis.run import Analysis

__all__ = ["DuplicateGroup", "judged_pairs", "open_duplicates", "open_suggestions", "settle"]

_PAIR_COLUMNS = ["a", "b", "kind", "score"]


@dataclass(frozen=True)
class DuplicateGroup:
    """Reactions the analysis found to make one point, for a moderator to settle.

    ``ids`` start with the oldest (the one the others are linked to); ``kinds`` is the
    evidence (``tekst``: a copy or small edit, ``plek``: the same wish at one place);
    ``pairs`` are the pairs the analysis found that no moderator has judged yet.
    """

    ids: tuple[str, ...]
    kinds: tuple[str, ...]
    pairs: tuple[tuple[str, str], ...]


def judged_pairs(pairs: pd.DataFrame, links: Iterable[Link]) -> pd.DataFrame:
    """Return the analysis' ``pairs`` as moderators settled them.

    Pairs judged different are dropped; pairs linked are added (kind ``beheer``, score 100)
    where the analysis had not found them.
    """
    pairs = pairs.reindex(columns=_PAIR_COLUMNS)  # an analysis of one reaction found none
    same = {frozenset((x.a, x.b)) for x in links if x.same}
    different = {frozenset((x.a, x.b)) for x in links if not x.same}
    found = [frozenset(p) for p in zip(pairs["a"], pairs["b"], strict=True)]
    kept = pairs.loc[[p not in different for p in found]]
    extra = [sorted(p) for p in same - set(found)]
    added = pd.DataFrame(
        [(a, b, "beheer", 100.0) for a, b in sorted(extra)], columns=_PAIR_COLUMNS
    )
    return pd.concat([kept, added], ignore_index=True) if len(added) else kept.reset_index(
        drop=True
    )


def settle(found: Analysis, links: Iterable[Link]) -> Analysis:
    """Return ``found`` with the moderators' links: its pairs and duplicate groups as judged.

    The reactions' ``dubbel_van`` (and so :attr:`Analysis.distinct`, "M verschillende
    punten") then count linked reactions as one point, and no pair a moderator judged
    different.
    """
    ids = found.reactions["id"].tolist()
    known = set(ids)
    pairs = judged_pairs(found.pairs, links)
    pairs = pairs.loc[pairs["a"].isin(known) & pairs["b"].isin(known)].reset_index(drop=True)
    groups = duplicate_groups(ids, pairs)
    reactions = found.reactions.copy()
    reactions["dubbel_van"] = [groups[i] for i in ids]
    return replace(found, reactions=reactions, pairs=pairs)


def open_duplicates(
    ids: Sequence[str], pairs: pd.DataFrame, links: Iterable[Link]
) -> list[DuplicateGroup]:
    """Return the duplicate groups a moderator has not settled, the largest first.

    A group is settled once its reactions are all linked to one another, or every pair the
    analysis found in it has been judged. ``ids`` are the reactions analysed, oldest first.
    """
    links = list(links)
    pairs = pairs.reindex(columns=_PAIR_COLUMNS)
    judged = {frozenset((x.a, x.b)) for x in links}
    settled = pd.DataFrame(
        [(x.a, x.b) for x in links if x.same and x.a in ids and x.b in ids], columns=["a", "b"]
    )
    linked = duplicate_groups(ids, settled)  # what moderators joined
    effective = judged_pairs(pairs, links)
    known = set(ids)
    effective = effective.loc[effective["a"].isin(known) & effective["b"].isin(known)]
    groups = duplicate_groups(ids, effective)
    members: dict[str, list[str]] = {}
    for i in ids:
        members.setdefault(groups[i], []).append(i)
    open_groups = []
    for root, group in members.items():
        if len(group) < 2 or len({linked[i] for i in group}) == 1:
            continue
        inside = pairs[pairs["a"].isin(group) & pairs["b"].isin(group)]
        unjudged = tuple(
            (a, b)
            for a, b in zip(inside["a"], inside["b"], strict=True)
            if frozenset((a, b)) not in judged
        )
        if not unjudged:
            continue
        kinds = tuple(sorted(set(inside["kind"])))
        open_groups.append(DuplicateGroup((root, *[i for i in group if i != root]), kinds,
                                          unjudged))
    return sorted(open_groups, key=lambda g: (-len(g.ids), ids.index(g.ids[0])))


def open_suggestions(
    suggestions: Iterable[Suggestion],
    reactions: Mapping[str, Reaction],
    audit: Iterable[AuditEntry],
) -> list[Suggestion]:
    """Return the theme suggestions still to decide, the surest first.

    Left out: reactions a moderator gave a theme or whose suggestion was rejected, and those
    that have a theme of their own by now.
    """
    handled = {e.reaction_id for e in audit if e.action in ("theme", "reject-theme")}
    left = [
        s
        for s in suggestions
        if s.id not in handled
        and s.id in reactions
        and reactions[s.id].theme in UNSPECIFIED_THEMES
        and reactions[s.id].status not in ("erased", "withdrawn")
    ]
    return sorted(left, key=lambda s: -s.probability)

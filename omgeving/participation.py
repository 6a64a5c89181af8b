"""The rules of participation that every app and output follows, in one place.

Which reactions the public may see is decided here and nowhere else: the resident app's map
and list, the table, the wall and the public outputs all ask :func:`shown_to` (or
:func:`public_view`), whatever the action that led to the update (a language switch, a filter,
paging, a scenario, a reconnect, a live refresh).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from omgeving.reactions import Reaction

__all__ = ["PUBLIC_STATUSES", "public_view", "shown_to"]

#: The statuses anyone may see. A pending reaction (pre-moderation) is shown to its author
#: only; hidden, withdrawn and erased reactions to nobody outside the staff app and reports.
PUBLIC_STATUSES = frozenset({"visible"})


def shown_to(reaction: Reaction, participant: str | None = None) -> bool:
    """Return whether ``participant`` (``None``: anyone, e.g. the wall) may see ``reaction``.

    Examples
    --------
    >>> from omgeving.reactions import Reaction
    >>> r = Reaction(id="a", geometry=None, theme="wonen", text="", channel="online",
    ...              participant="p1", created="2026-01-01T00:00:00+00:00", status="pending")
    >>> shown_to(r), shown_to(r, "p1"), shown_to(r, "p2")
    (False, True, False)
    """
    if reaction.status in PUBLIC_STATUSES:
        return True
    return (
        reaction.status == "pending"
        and participant is not None
        and bool(participant)
        and reaction.participant == participant
    )


def public_view(
    reactions: Mapping[str, Reaction] | Iterable[Reaction], participant: str | None = None
) -> dict[str, Reaction]:
    """Return the reactions ``participant`` may see, by id (in the order given)."""
    items = reactions.values() if isinstance(reactions, Mapping) else reactions
    return {r.id: r for r in items if shown_to(r, participant)}

"""What both backends share: the records they return, the schema version, the moderation rule.

Private to :mod:`omgeving.store`, which re-exports the public names; the backends import them
from here, so loading a backend never needs the package's own ``__init__`` half done.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime

from omgeving._errors import ValidationError
from omgeving.reactions import Reaction, clean_text

__all__ = [
    "ACTIONS",
    "MAX_REASON",
    "MIN_SQLITE",
    "SCHEMA_VERSION",
    "AuditEntry",
    "Erasure",
    "ParticipantData",
    "Snapshot",
    "check_reason",
    "moderation",
    "reaction_from_row",
]

SCHEMA_VERSION = 3
#: The oldest SQLite that is safe with several writing processes (a WAL-reset fix).
MIN_SQLITE = (3, 51, 3)
MAX_REASON = 500
#: Moderation actions: action → (the statuses it applies to, the status it sets).
ACTIONS = {
    "hide": (("visible", "pending"), "hidden"),
    "restore": (("hidden", "pending"), "visible"),
    "approve": (("pending",), "visible"),
}


@dataclass(frozen=True)
class AuditEntry:
    """One moderation action: who, when, what, why."""

    seq: int
    at: str
    actor: str
    action: str
    reaction_id: str | None
    reason: str


@dataclass(frozen=True)
class ParticipantData:
    """Everything the store holds of one participant token (for a GDPR access request)."""

    participant: str
    reactions: list[Reaction]
    agreements: list[tuple[str, str]]  # (reaction id, time)
    reports: list[tuple[str, str, str]]  # (reaction id, reason, time)

    def to_json(self) -> dict:
        """Return the data as plain JSON types, to hand to the participant."""
        return {
            "deelnemer": self.participant,
            "reacties": [r.to_record() for r in self.reactions],
            "instemmingen": [{"reactie": r, "tijd": t} for r, t in self.agreements],
            "meldingen": [{"reactie": r, "reden": why, "tijd": t} for r, why, t in self.reports],
        }


@dataclass(frozen=True)
class Erasure:
    """What an erasure removed: reactions emptied, agreements and reports deleted."""

    reactions: int
    agreements: int
    reports: int


@dataclass(frozen=True)
class Snapshot:
    """Every reaction and the audit log, read in one transaction (for exports and reports)."""

    taken: str
    reactions: list[Reaction]
    audit: list[AuditEntry]


def check_reason(
    text: object,
    *,
    what: str = "reason",
    limit: int = MAX_REASON,
    empty: str | None = "error.reason",
    too_long: str = "error.too_long",
) -> str:
    """Return a reason (or an actor) as stored; refuse an empty or too long one.

    Every reason the store keeps passes here: a report's, a moderator's, an erasure's. The
    text follows :func:`omgeving.reactions.clean_text`; ``empty`` and ``too_long`` are the
    catalogue keys of the messages, so each app can say it in its own words.

    Raises
    ------
    ValidationError
        When the text is not a text, is empty, or has more than ``limit`` characters.

    Examples
    --------
    >>> check_reason("  dubbel geplaatst ")
    'dubbel geplaatst'
    """
    return clean_text(text, limit=limit, what=what, empty=empty, too_long=too_long)


def moderation(action: str, actor: object, reason: object) -> tuple[str, str, tuple[str, ...], str]:
    """Check a moderation request for every backend; return actor, reason, from and to statuses.

    Raises
    ------
    ValidationError
        When the action is unknown or the actor or reason is empty or too long.

    Examples
    --------
    >>> moderation("hide", "Anna", "scheldwoorden")
    ('Anna', 'scheldwoorden', ('visible', 'pending'), 'hidden')
    """
    if action not in ACTIONS:
        raise ValidationError(
            f"moderation action {action!r} is not one of {', '.join(ACTIONS)}", key="error.invalid"
        )
    before, after = ACTIONS[action]
    return check_reason(actor, what="actor"), check_reason(reason), before, after


def _now() -> str:
    """Return the time now in UTC, as the store writes it (ISO 8601, to the second)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def reaction_from_row(row: tuple) -> Reaction:
    """Return the reaction of a row of the backends' reaction columns (in their order)."""
    (
        seq,
        id_,
        geometry,
        theme,
        text,
        sentiment,
        scenario,
        channel,
        participant,
        buurt,
        created,
        status,
        agrees,
        reports,
        changed,
        reason,
    ) = row
    return Reaction(
        id=id_,
        geometry=json.loads(geometry),
        theme=theme,
        text=text,
        sentiment=sentiment,
        scenario=scenario,
        channel=channel,
        participant=participant,
        buurt=buurt,
        created=created,
        status=status,
        agrees=agrees,
        reports=reports,
        seq=seq,
        changed=changed,
        reason=reason,
    )

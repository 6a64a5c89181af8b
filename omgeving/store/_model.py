"""What both backends share: the records they return, the schema version, the moderation rule.

Private to :mod:`omgeving.store`, which re-exports the public names; the backends import them
from here, so loading a backend never needs the package's own ``__init__`` half done.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from omgeving._errors import ValidationError
from omgeving.reactions import Reaction, clean_text

__all__ = [
    "ACTIONS",
    "AGE_BANDS",
    "MAX_REASON",
    "MIN_SQLITE",
    "RELATIONS",
    "SCHEMA_VERSION",
    "UNSPECIFIED_THEMES",
    "AuditEntry",
    "Erasure",
    "Link",
    "ParticipantData",
    "Profile",
    "Snapshot",
    "check_profile",
    "check_reason",
    "link_pair",
    "moderation",
    "reaction_from_row",
    "theme_change",
]

#: 4: moderators' judgements of possible duplicates (``links``) and the anonymous background
#: answers (``profiles``).
SCHEMA_VERSION = 4
#: The oldest SQLite that is safe with several writing processes (a WAL-reset fix).
MIN_SQLITE = (3, 51, 3)
MAX_REASON = 500
#: Moderation actions: action → (the statuses it applies to, the status it sets).
ACTIONS = {
    "hide": (("visible", "pending"), "hidden"),
    "restore": (("hidden", "pending"), "visible"),
    "approve": (("pending",), "visible"),
}
#: Themes that say "no theme in particular": a moderator may replace one by a theme (a
#: suggestion accepted). A theme a resident chose otherwise is never changed.
UNSPECIFIED_THEMES = frozenset({"", "overig", "anders", "other"})
#: The age bands of the background question: the CBS kerncijfers' own bands, so that who took
#: part can be set against who lives in the buurten.
AGE_BANDS = ("0-14", "15-24", "25-44", "45-64", "65+")
#: How someone is tied to the area (more than one may apply).
RELATIONS = ("woont", "werkt", "bezoekt")


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
class Link:
    """A moderator's judgement of two reactions: the same point made twice, or not.

    ``a`` sorts before ``b``; the newest judgement of a pair is the one kept.
    """

    a: str
    b: str
    same: bool
    actor: str
    at: str


@dataclass(frozen=True)
class Profile:
    """The background answers of one participant, kept apart from who they are.

    No participant token, no reaction id and only the day, so that an answer cannot be tied to
    a reaction or a person. ``age`` is one of :data:`AGE_BANDS` or None (not answered);
    ``relation`` holds those of :data:`RELATIONS` that were ticked.
    """

    day: str
    channel: str
    age: str | None
    relation: tuple[str, ...]


@dataclass(frozen=True)
class Snapshot:
    """Every reaction and the audit log, read in one transaction (for exports and reports)."""

    taken: str
    reactions: list[Reaction]
    audit: list[AuditEntry]
    links: list[Link] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)


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


def link_pair(a: object, b: object) -> tuple[str, str]:
    """Return two reaction ids in the order the store keeps a link: the smaller first.

    Raises
    ------
    ValidationError
        When an id is not a text, or both are the same reaction.

    Examples
    --------
    >>> link_pair("b2", "a1")
    ('a1', 'b2')
    """
    if not isinstance(a, str) or not isinstance(b, str) or not a or not b:
        raise ValidationError("a link needs two reaction ids", key="error.invalid")
    if a == b:
        raise ValidationError(f"reaction {a} cannot be linked to itself", key="error.invalid")
    return (a, b) if a < b else (b, a)


def check_profile(
    channel: object, age: object, relation: Iterable[object] | None
) -> tuple[str, str | None, tuple[str, ...]]:
    """Check background answers; return channel, age band and relations as stored.

    Raises
    ------
    ValidationError
        When the channel, age band or a relation is not one of the known ones, or nothing at
        all was answered (a skipped question is stored as nothing, not as an empty row).

    Examples
    --------
    >>> check_profile("online", "25-44", ["werkt", "woont"])
    ('online', '25-44', ('woont', 'werkt'))
    """
    from omgeving.reactions import CHANNELS

    if channel not in CHANNELS:
        raise ValidationError(f"channel {channel!r} is not one of {CHANNELS}", key="error.invalid")
    if age is not None and age not in AGE_BANDS:
        raise ValidationError(
            f"age band {age!r} is not one of {', '.join(AGE_BANDS)}", key="error.invalid"
        )
    ticked: tuple[object, ...] = tuple(relation or ())
    unknown = [r for r in ticked if r not in RELATIONS]
    if unknown:
        raise ValidationError(
            f"relation {unknown[0]!r} is not one of {', '.join(RELATIONS)}", key="error.invalid"
        )
    if age is None and not ticked:
        raise ValidationError("no background question was answered", key="error.invalid")
    return str(channel), None if age is None else str(age), tuple(
        r for r in RELATIONS if r in ticked
    )


def theme_change(theme: object, actor: object, reason: object) -> tuple[str, str, str]:
    """Check a moderator's theme change; return theme, actor and reason as stored.

    Raises
    ------
    ValidationError
        When the theme is empty, too long or itself "no theme", or the actor or reason is
        empty or too long.

    Examples
    --------
    >>> theme_change("verkeer", "Anna", "suggestie aanvaard")
    ('verkeer', 'Anna', 'suggestie aanvaard')
    """
    clean = check_reason(theme, what="theme", limit=100)
    if clean in UNSPECIFIED_THEMES:
        raise ValidationError(f"theme {clean!r} says no theme", key="error.invalid")
    return clean, check_reason(actor, what="actor"), check_reason(reason)


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

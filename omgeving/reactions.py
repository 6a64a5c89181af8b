"""Reactions: the participation data as stored, and the rule every stored text follows.

A :class:`Reaction` is the record the store keeps and returns. Checking what a browser sent
(the place, the theme, the project's rules) is :mod:`omgeving.participation`'s task; this
module needs no geometry library, so the store and its users load none.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from omgeving._errors import ValidationError

__all__ = [
    "CHANNELS",
    "CONTROL_CHARACTERS",
    "MAX_TEXT",
    "MAX_VERTICES",
    "STATUSES",
    "Reaction",
    "clean_text",
    "new_reaction_id",
]

MAX_TEXT = 1000
MAX_VERTICES = 2000
CHANNELS = ("online", "tafel", "papier", "staff", "openstad")
STATUSES = ("pending", "visible", "hidden", "withdrawn", "erased")
#: Control characters no stored or written text keeps (tab, newline and return stay).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def new_reaction_id() -> str:
    """Return a new random reaction id (made when the form opens)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Reaction:
    """One stored reaction. ``geometry`` is GeoJSON in EPSG:4326 (None once erased)."""

    id: str
    geometry: dict[str, Any] | None
    theme: str
    text: str
    channel: str
    participant: str
    created: str
    status: str = "visible"
    sentiment: int | None = None
    scenario: str | None = None
    buurt: str | None = None
    agrees: int = 0
    reports: int = 0
    seq: int = 0
    changed: int = 0
    reason: str | None = None  # the moderator's reason of the last status change
    round: str | None = None  # the slug of the round it was given in ([[rounds]])
    evening: str | None = None  # the id of the evening it was given at (the table)

    def to_record(self) -> dict[str, Any]:
        """Return every field as plain JSON types."""
        return asdict(self)

    def to_feature(self) -> dict[str, Any]:
        """Return the reaction as a GeoJSON feature (text stays plain; escape when showing)."""
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": self.geometry,
            "properties": {
                "id": self.id,
                "theme": self.theme,
                "text": self.text,
                "sentiment": self.sentiment,
                "scenario": self.scenario,
                "buurt": self.buurt,
                "agrees": self.agrees,
                "created": self.created,
            },
        }


def clean_text(
    value: object,
    *,
    limit: int = MAX_TEXT,
    what: str = "text",
    empty: str | None = "error.empty",
    too_long: str = "error.too_long",
) -> str:
    r"""Return ``value`` as it is stored: without control characters and surrounding space.

    The one rule for every text a person writes (a reaction, a report's or a moderator's
    reason, a moderator's name). Otherwise the text is kept as typed: it is never escaped
    here, and every output shows it as text.

    Parameters
    ----------
    value
        What a browser or a caller sent.
    limit
        The most characters the cleaned text may have.
    what
        What the text is, for the English message (``"reason"``, ``"name"``).
    empty, too_long
        The catalogue keys of the messages for an empty and for a too long text; with
        ``empty=None`` an empty text is no error (``""`` is returned).

    Raises
    ------
    ValidationError
        When ``value`` is not a text (key ``error.invalid``), is empty once cleaned (key
        ``empty``) or is longer than ``limit`` (key ``too_long``).

    Examples
    --------
    >>> clean_text("  Meer <b>bomen</b>\x07 ")
    'Meer <b>bomen</b>'
    >>> clean_text(" \x00 ", empty=None)
    ''
    """
    if not isinstance(value, str):
        kind = type(value).__name__
        raise ValidationError(f"{what} is a {kind}, not a text", key="error.invalid")
    if len(value) > limit * 4:  # refuse huge payloads before touching them
        raise ValidationError(f"{what} of {len(value)} characters is too long", key=too_long)
    clean = CONTROL_CHARACTERS.sub("", value).strip()
    if not clean and empty is not None:
        raise ValidationError(f"{what} is empty", key=empty)
    if len(clean) > limit:
        raise ValidationError(f"{what} of {len(clean)} characters is over {limit}", key=too_long)
    return clean

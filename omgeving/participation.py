"""The rules of participation that every app and output follows, in one place.

Widgets call these functions and only show what they return or the message of what they
refuse; nothing here needs Jupyter, so every rule is tested without a browser.

- **Placing and checking** a reaction: :class:`Area`, :func:`check_geometry` and
  :func:`validate_reaction`. The browser can set any widget value (Voila lets any client send
  any ``comm_msg``), so every field a resident sends is checked here, in Python.
- **Submitting**: :func:`submit_reaction` (the rate limit, and the status a new reaction gets
  by :func:`initial_status`), :func:`change_reaction` and :func:`report_reaction`.
- **Moderating** is :mod:`omgeving.moderation` (its name and reason checks are here too,
  as before); a paper form is typed in, and its audit entry written, in one transaction by
  :func:`enter_paper_form`. :func:`background_answers` stores the optional background
  questions, apart from who answered them.
- **Rounds** are :mod:`omgeving.cycle`: a new reaction, a change or an agreement outside an
  open round is refused (:func:`~omgeving.cycle.check_round`).
- **Who sees what**: which reactions the public may see is decided by :func:`shown_to` (or
  :func:`public_view`) and nowhere else: the resident app's map and list, the table, the wall
  and the public outputs all ask it, whatever the action that led to the update (a language
  switch, a filter, paging, a scenario, a reconnect, a live refresh).
"""

from __future__ import annotations

import json
import math
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import shapely
from shapely.geometry import shape

from omgeving._errors import ValidationError
from omgeving.cycle import check_round
from omgeving.i18n import t
from omgeving.moderation import (
    MAX_NAME,
    RESERVED_NAMES,
    moderate,
    moderation_reason,
    moderator_name,
)
from omgeving.reactions import CHANNELS, MAX_VERTICES, STATUSES, Reaction, clean_text
from omgeving.store import (
    AGE_BANDS,
    RELATIONS,
    Store,
    check_reason,
)

if TYPE_CHECKING:
    from omgeving.config import ProjectConfig


__all__ = [
    "MAX_NAME",
    "PUBLIC_STATUSES",
    "RATE_WINDOW",
    "RESERVED_NAMES",
    "Area",
    "background_answers",
    "change_reaction",
    "check_geometry",
    "check_rate",
    "enter_paper_form",
    "initial_status",
    "moderate",
    "moderation_reason",
    "moderator_name",
    "public_view",
    "report_reaction",
    "report_reason",
    "shown_to",
    "submit_reaction",
    "validate_reaction",
]

#: The statuses anyone may see. A pending reaction (pre-moderation) is shown to its author
#: only; hidden, withdrawn and erased reactions to nobody outside the staff app and reports.
PUBLIC_STATUSES = frozenset({"visible"})
#: The window of the rate limit: ``rate_limit`` reactions per participant in it.
RATE_WINDOW = timedelta(minutes=1)
_ID = re.compile(r"^[0-9a-f]{32}$")


# -- where a reaction may be -----------------------------------------------------------------


class Area:
    """The project area and its buurten, in EPSG:4326, for checks inside a resident kernel."""

    def __init__(self, boundary, buurten: list[tuple[str, str, Any]] | None = None) -> None:
        self.boundary = boundary
        shapely.prepare(self.boundary)
        self.buurten = buurten or []
        for _, _, geom in self.buurten:
            shapely.prepare(geom)

    @classmethod
    def from_web(cls, web_dir: str | Path) -> Area:
        """Read the baked ``area.geojson`` and ``buurten.geojson`` of a project."""
        web_dir = Path(web_dir)
        area = json.loads((web_dir / "area.geojson").read_text(encoding="utf-8"))
        boundary = shapely.union_all([shape(f["geometry"]) for f in area["features"]])
        buurten = []
        path = web_dir / "buurten.geojson"
        if path.exists():
            for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
                p = f["properties"]
                buurten.append((p.get("buurtcode"), p.get("buurtnaam"), shape(f["geometry"])))
        return cls(boundary, buurten)

    def buurt_of(self, geom) -> str | None:
        """Return the code of the buurt that holds ``geom``'s representative point."""
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        for code, _, poly in self.buurten:
            if poly.covers(point):
                return code
        return None


def check_geometry(geometry: Any, area: Area):
    """Return the shapely geometry of GeoJSON ``geometry`` if it is sound and inside ``area``.

    Raises
    ------
    ValidationError
        When it is malformed, too large, invalid or outside the area.
    """
    if not isinstance(geometry, dict) or geometry.get("type") not in (
        "Point",
        "LineString",
        "Polygon",
    ):
        raise ValidationError(
            f"geometry {str(geometry)[:80]!r} is not a point, line or area", key="error.geometry"
        )
    coords = geometry.get("coordinates")
    flat = _flatten(coords)
    if flat is None or not flat or len(flat) > MAX_VERTICES:
        raise ValidationError("geometry has no, bad or too many coordinates", key="error.geometry")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as err:
        raise ValidationError(f"geometry cannot be read: {err}", key="error.geometry") from err
    if geom.is_empty or not geom.is_valid:
        raise ValidationError("geometry is empty or not valid", key="error.geometry")
    if not area.boundary.covers(geom):
        raise ValidationError("geometry is outside the project area", key="error.outside")
    return geom


def _flatten(coords: Any, depth: int = 0) -> list[tuple[float, float]] | None:
    """Return the coordinate pairs of nested GeoJSON coordinates, or None if malformed."""
    if depth > 3 or not isinstance(coords, list | tuple):
        return None
    if len(coords) in (2, 3) and all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in coords
    ):
        x, y = float(coords[0]), float(coords[1])
        return [(x, y)] if math.isfinite(x) and math.isfinite(y) else None
    out: list[tuple[float, float]] = []
    for part in coords:
        sub = _flatten(part, depth + 1)
        if sub is None:
            return None
        out.extend(sub)
        if len(out) > MAX_VERTICES:
            return out
    return out


# -- checking what a browser sent ------------------------------------------------------------


def validate_reaction(
    *,
    id: str,
    geometry: Any,
    theme: Any,
    text: Any,
    area: Area,
    themes: tuple[str, ...],
    participant: str,
    sentiment: Any = None,
    scenario: Any = None,
    scenarios: tuple[str, ...] = (),
    channel: str = "online",
    status: str = "visible",
    now: datetime | None = None,
) -> Reaction:
    """Check every field a browser sent and return the reaction to store.

    ``now`` is its creation time (the moment of the call when not given).

    Raises
    ------
    ValidationError
        With an English message and the catalogue key of a friendly Dutch one.
    """
    if not isinstance(id, str) or not _ID.match(id):
        raise ValidationError(f"reaction id {id!r} is not 32 hex digits", key="error.invalid")
    # a paper form may name no theme: the analysis suggests one, a moderator gives it
    no_theme = channel == "papier" and theme == ""
    if not isinstance(theme, str) or (theme not in themes and not no_theme):
        raise ValidationError(
            f"theme {theme!r} is not one of the project's themes", key="error.theme"
        )
    # at the table a theme and a face are a reaction: standing people need not type
    clean = clean_text(text, empty=None if channel == "tafel" else "error.empty")
    if sentiment is not None and (
        isinstance(sentiment, bool) or not isinstance(sentiment, int) or not -2 <= sentiment <= 2
    ):
        raise ValidationError(f"sentiment {sentiment!r} is not -2..2", key="error.invalid")
    if scenario is not None and scenario not in scenarios:
        raise ValidationError(f"scenario {scenario!r} is not in the project", key="error.invalid")
    if channel not in CHANNELS or status not in STATUSES:
        raise ValidationError(
            f"channel {channel!r} or status {status!r} unknown", key="error.invalid"
        )
    geom = check_geometry(geometry, area)
    return Reaction(
        id=id,
        geometry=json.loads(shapely.to_geojson(geom)),
        theme=theme,
        text=clean,
        channel=channel,
        participant=participant,
        status=status,
        sentiment=sentiment,
        scenario=scenario,
        buurt=area.buurt_of(geom),
        created=_iso(now),
    )


# -- submitting ------------------------------------------------------------------------------


def initial_status(config: ProjectConfig, channel: str) -> str:
    """Return the status a new reaction gets: ``visible``, or ``pending`` for a moderator.

    A project with post-moderation (``moderation = "post"``) shows reactions at once; with
    pre-moderation they wait, except paper forms, which a staff member typed in and read.

    Examples
    --------
    >>> from omgeving.config import ProjectConfig
    >>> pre = ProjectConfig(title="Dorp", gemeenten=("GM0177",), moderation="pre")
    >>> initial_status(pre, "online"), initial_status(pre, "papier")
    ('pending', 'visible')
    """
    return "visible" if config.moderation == "post" or channel == "papier" else "pending"


def check_rate(store: Store, participant: str, *, limit: int, now: datetime | None = None) -> None:
    """Refuse a new reaction when ``participant`` stored ``limit`` in the last minute.

    Reactions created at or after ``now`` − :data:`RATE_WINDOW` count.

    Raises
    ------
    ValidationError
        With key ``error.rate_limit``.
    """
    since = _iso((now or datetime.now(UTC)) - RATE_WINDOW)
    stored = store.count_by(participant, since)
    if stored >= limit:
        raise ValidationError(
            f"participant stored {stored} reactions since {since}; the limit is {limit} a minute",
            key="error.rate_limit",
        )


def submit_reaction(
    store: Store,
    config: ProjectConfig,
    *,
    id: str,
    geometry: Any,
    theme: Any,
    text: Any,
    area: Area,
    participant: str,
    sentiment: Any = None,
    scenario: Any = None,
    scenarios: tuple[str, ...] = (),
    channel: str = "online",
    evening: str | None = None,
    now: datetime | None = None,
) -> Reaction:
    """Check a new reaction against the project's rules, store it, and return it.

    Outside an open round nothing is stored (:func:`check_round`); then the rate limit
    (``config.rate_limit`` a minute, :func:`check_rate`) and every field
    (:func:`validate_reaction`, with the project's themes). The reaction gets
    :func:`initial_status`, the open round and ``evening`` (the evening in progress, at the
    table). A retried submit with the same ``id`` stores nothing twice.

    Raises
    ------
    ValidationError
        When no round is open, the participant sent too many, or a field is refused.
    """
    now = now or datetime.now(UTC)
    round_slug = check_round(store, config)
    check_rate(store, participant, limit=config.rate_limit, now=now)
    reaction = validate_reaction(
        id=id,
        geometry=geometry,
        theme=theme,
        text=text,
        area=area,
        themes=config.themes,
        participant=participant,
        sentiment=sentiment,
        scenario=scenario,
        scenarios=scenarios,
        channel=channel,
        status=initial_status(config, channel),
        now=now,
    )
    reaction = replace(reaction, round=round_slug, evening=evening)
    store.add(reaction)
    return reaction


def change_reaction(
    store: Store,
    config: ProjectConfig,
    *,
    id: str,
    geometry: Any,
    theme: Any,
    text: Any,
    area: Area,
    participant: str,
    sentiment: Any = None,
    scenario: Any = None,
    scenarios: tuple[str, ...] = (),
) -> Reaction:
    """Check a participant's changed reaction, store it over the old one, and return it.

    Raises
    ------
    ValidationError
        When a field is refused, or the reaction is not the participant's or no longer
        changeable (hidden, withdrawn): key ``form.cannot_change``; or no round is open:
        key ``error.closed``.
    """
    check_round(store, config)
    reaction = validate_reaction(
        id=id,
        geometry=geometry,
        theme=theme,
        text=text,
        area=area,
        themes=config.themes,
        participant=participant,
        sentiment=sentiment,
        scenario=scenario,
        scenarios=scenarios,
    )
    if not store.update_own(reaction, participant):
        raise ValidationError(f"reaction {id} cannot be changed", key="form.cannot_change")
    return reaction


def report_reason(text: object) -> str:
    """Return a resident's reason to report a reaction, as stored.

    Raises
    ------
    ValidationError
        When it is empty (key ``list.report_needs_reason``) or over
        :data:`~omgeving.store.MAX_REASON` characters (key ``list.report_too_long``).
    """
    return check_reason(text, empty="list.report_needs_reason", too_long="list.report_too_long")


def report_reaction(
    store: Store, config: ProjectConfig, reaction_id: str, participant: str, reason: object
) -> bool:
    """Report a reaction with a reason; return False if ``participant`` reported it before.

    At ``config.report_threshold`` reports the reaction leaves the map until a moderator
    decides (see :meth:`omgeving.store.Store.report`).

    Raises
    ------
    ValidationError
        When the reason is refused (:func:`report_reason`).
    """
    why = report_reason(reason)
    return store.report(reaction_id, participant, why, threshold=config.report_threshold)


# -- moderating ------------------------------------------------------------------------------


def background_answers(
    store: Store,
    config: ProjectConfig,
    channel: str,
    *,
    age: object = None,
    relation: Sequence[object] = (),
) -> bool:
    """Store one participant's background answers, if the project asks them; skipped is fine.

    Only what the project asks (``[project] background``) is kept, apart from who answered
    (:meth:`Store.add_profile`). Returns False, storing nothing, when nothing was answered.

    Raises
    ------
    ValidationError
        When an answer is not one the question offers (a tampered page).
    """
    age = age if "leeftijd" in config.background and age not in ("", None) else None
    ticked = tuple(relation) if "binding" in config.background else ()
    if (age is not None and age not in AGE_BANDS) or any(r not in RELATIONS for r in ticked):
        raise ValidationError(f"background answer {age!r} {ticked!r} is not offered",
                              key="error.invalid")
    if age is None and not ticked:
        return False
    store.add_profile(channel, age=age if isinstance(age, str) else None,
                      relation=tuple(str(r) for r in ticked))
    return True


def enter_paper_form(
    store: Store,
    config: ProjectConfig,
    *,
    id: str,
    geometry: Any,
    theme: Any,
    text: Any,
    area: Area,
    actor: object,
    sentiment: Any = None,
    lang: str = "nl",
) -> bool:
    """Store a paper form typed in by ``actor``, and its audit entry, in one transaction.

    Each form is its own participant (a new token); channel ``papier``, so it is visible
    whatever the project's moderation (:func:`initial_status`). Returns False, storing
    nothing, when the form ``id`` was stored before (a retried save).

    Raises
    ------
    ValidationError
        When the name or a field is refused.
    StoreError
        When the store refuses the write; then neither the reaction nor its entry is stored.
    """
    name = moderator_name(actor)
    reaction = validate_reaction(
        id=id,
        geometry=geometry,
        theme=theme,
        text=text,
        area=area,
        themes=config.themes,
        participant=secrets.token_hex(16),
        sentiment=sentiment,
        channel="papier",
        status=initial_status(config, "papier"),
    )
    return store.add_logged(
        reaction, action="papier", actor=name, reason=t("staff.paper.log_reason", lang)
    )


# -- who sees what ---------------------------------------------------------------------------


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


def _iso(moment: datetime | None) -> str:
    """Return ``moment`` (default: now) in UTC as the store writes times, to the second."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")

"""The rules of participation that every app and output follows, in one place.

Widgets call these functions and only show what they return or the message of what they
refuse; nothing here needs Jupyter, so every rule is tested without a browser.

- **Placing and checking** a reaction: :class:`Area`, :func:`check_geometry` and
  :func:`validate_reaction`. The browser can set any widget value (Voila lets any client send
  any ``comm_msg``), so every field a resident sends is checked here, in Python.
- **Submitting**: :func:`submit_reaction` (the rate limit, and the status a new reaction gets
  by :func:`initial_status`), :func:`change_reaction` and :func:`report_reaction`.
- **Moderating**: :func:`moderator_name`, :func:`moderation_reason` and :func:`moderate`; a
  paper form is typed in, and its audit entry written, in one transaction by
  :func:`enter_paper_form`.
- **What the analysis suggests**: a moderator accepts or rejects a theme suggestion
  (:func:`accept_theme`, :func:`reject_theme`) and judges a possible duplicate
  (:func:`judge_duplicate`); :func:`background_answers` stores the optional background
  questions, apart from who answered them.
- **Rounds**: :func:`round_now` says which round is open (the period in ``omgeving.toml``,
  or a staff member's decision in the store), and which came before and comes next; a new
  reaction outside an open round is refused.
- **Who sees what**: which reactions the public may see is decided by :func:`shown_to` (or
  :func:`public_view`) and nowhere else: the resident app's map and list, the table, the wall
  and the public outputs all ask it, whatever the action that led to the update (a language
  switch, a filter, paging, a scenario, a reconnect, a live refresh).
"""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import shapely
from shapely.geometry import shape

from omgeving import settings
from omgeving._errors import ValidationError
from omgeving.config import RoundConfig
from omgeving.i18n import t
from omgeving.reactions import CHANNELS, MAX_VERTICES, STATUSES, Reaction, clean_text
from omgeving.store import (
    AGE_BANDS,
    RELATIONS,
    UNSPECIFIED_THEMES,
    Evening,
    Response,
    RoundPlan,
    Store,
    check_reason,
)

if TYPE_CHECKING:
    from omgeving.config import ProjectConfig
    from omgeving.project import Project

log = logging.getLogger(__name__)

_LOCAL = ZoneInfo(settings.TIMEZONE)

__all__ = [
    "MAX_NAME",
    "PUBLIC_STATUSES",
    "RATE_WINDOW",
    "RESERVED_NAMES",
    "Area",
    "RoundNow",
    "accept_theme",
    "background_answers",
    "change_options",
    "change_reaction",
    "check_changes",
    "check_geometry",
    "check_rate",
    "check_round",
    "enter_paper_form",
    "evening_today",
    "initial_status",
    "judge_duplicate",
    "moderate",
    "moderation_reason",
    "moderator_name",
    "plan_round",
    "public_view",
    "reject_theme",
    "report_reaction",
    "report_reason",
    "responses_for",
    "round_now",
    "rounds_of",
    "shown_to",
    "submit_reaction",
    "validate_reaction",
]

#: The statuses anyone may see. A pending reaction (pre-moderation) is shown to its author
#: only; hidden, withdrawn and erased reactions to nobody outside the staff app and reports.
PUBLIC_STATUSES = frozenset({"visible"})
#: The window of the rate limit: ``rate_limit`` reactions per participant in it.
RATE_WINDOW = timedelta(minutes=1)
#: The longest moderator's name, and the names that are the system's own in the audit log.
MAX_NAME = 60
RESERVED_NAMES = ("systeem", "system")
_ID = re.compile(r"^[0-9a-f]{32}$")


# -- rounds ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundNow:
    """Where a project stands: the open round, and the one before and after (or None).

    A project without rounds is always open, in no round (``current`` None, ``open`` True).
    """

    open: bool
    current: RoundConfig | None = None
    previous: RoundConfig | None = None
    next: RoundConfig | None = None


def round_now(
    config: ProjectConfig, decided: Mapping[str, bool], today: date | None = None
) -> RoundNow:
    """Return which round is open ``today`` (local date), given staff's ``decided`` states.

    A round is open when a staff member opened it (:meth:`Store.set_round`), or, without a
    decision, when ``open = true`` in ``omgeving.toml`` or today lies in its period. When
    several are open, the one that started last counts.

    Examples
    --------
    >>> from omgeving.config import ProjectConfig, RoundConfig
    >>> config = ProjectConfig(title="T", gemeenten=("GM0177",), rounds=(
    ...     RoundConfig("ideeen", "Ideeën", "2027-01-01", "2027-02-28"),
    ...     RoundConfig("visie", "Concept-visie", "2027-05-01", "2027-06-30")))
    >>> now = round_now(config, {}, date(2027, 3, 15))
    >>> now.open, now.previous.slug, now.next.slug
    (False, 'ideeen', 'visie')
    >>> round_now(config, {"visie": True}, date(2027, 3, 15)).current.slug
    'visie'
    """
    if not config.rounds:
        return RoundNow(open=True)
    day = (today or datetime.now(_LOCAL).date()).isoformat()

    def is_open(r: RoundConfig) -> bool:
        if r.slug in decided:
            return decided[r.slug]
        if r.open is not None:
            return r.open
        return r.start <= day <= r.end

    opened = [r for r in config.rounds if is_open(r)]
    if opened:
        current = max(opened, key=lambda r: r.start)
        index = config.rounds.index(current)
        before = config.rounds[index - 1] if index else None
        after = config.rounds[index + 1] if index + 1 < len(config.rounds) else None
        return RoundNow(open=True, current=current, previous=before, next=after)
    started = [r for r in config.rounds if r.start <= day]
    later = [r for r in config.rounds if r.start > day]
    return RoundNow(open=False, previous=started[-1] if started else None,
                    next=later[0] if later else None)


def rounds_of(config: ProjectConfig, plans: Iterable[RoundPlan]) -> ProjectConfig:
    """Return ``config`` with the rounds planned in the staff app beside its own, by start.

    A planned round with the slug of one in ``omgeving.toml`` is left out: the file wins
    (:func:`plan_round` refuses such a slug, but the file may gain it later).
    """
    own = {r.slug for r in config.rounds}
    planned = [RoundConfig(p.slug, p.title, p.start, p.end, title_en=p.title_en,
                           scenarios=p.scenarios) for p in plans if p.slug not in own]
    if not planned:
        return config
    rounds = sorted([*config.rounds, *planned], key=lambda r: (r.start, r.end))
    return replace(config, rounds=tuple(rounds))


def plan_round(
    store: Store, config: ProjectConfig, *, title: str, start: date | str, end: date | str,
    scenarios: Iterable[str] = (), title_en: str = "", slug: str | None = None, actor: str,
) -> str:
    """Plan a round from the staff app (or change one planned there); return its slug.

    The slug is made from the title for a new round (``slug`` None), and must be new; a
    planned round is changed by its ``slug``. A round of ``omgeving.toml`` is changed in that
    file, not here.

    Raises
    ------
    ValidationError
        When the moderator's name is missing, a field is refused, a scenario is not one of
        the project's, the slug is that of a round in ``omgeving.toml``, or a new round's
        title gives the slug of one planned before.
    """
    import unicodedata

    actor = moderator_name(actor)
    if slug is None:  # "Ideeën voor het dorp" → "ideeen-voor-het-dorp"
        plain = unicodedata.normalize("NFKD", str(title or "")).encode("ascii", "ignore")
        slug = re.sub(r"[^a-z0-9]+", "-", plain.decode().lower()).strip("-")[:63].strip("-")
        if slug in {p.slug for p in store.round_plans()}:  # a new round, not a silent change
            raise ValidationError(f"a round {slug!r} was planned already; change that one",
                                  key="staff.error.round_exists")
    if slug in {r.slug for r in config.rounds}:
        raise ValidationError(f"round {slug!r} is set in omgeving.toml; change it there",
                              key="staff.error.round_file")
    known = {s.slug for s in config.scenarios}
    unknown = [s for s in scenarios if s not in known]
    if unknown:
        raise ValidationError(f"scenario {unknown[0]!r} is not one of the project's "
                              f"({', '.join(sorted(known)) or 'none'})", key="error.invalid")
    days = [d.isoformat() if isinstance(d, date) else d for d in (start, end)]
    store.save_round_plan(RoundPlan(slug, title, days[0], days[1], title_en=title_en,
                                    scenarios=tuple(scenarios)), actor=actor)
    return slug


def evening_today(store: Store, today: date | None = None) -> Evening | None:
    """Return the evening in progress: today's in the register (the last registered), or None.

    The table, the wall and the phones that scan the wall's QR code give their reactions
    this evening, so the report counts what was said in the hall.
    """
    day = (today or datetime.now(_LOCAL).date()).isoformat()
    found = [e for e in store.evenings() if e.day == day]
    return found[-1] if found else None


def check_round(store: Store, config: ProjectConfig) -> str | None:
    """Return the slug of the open round (None without rounds); refuse when none is open.

    Raises
    ------
    ValidationError
        With key ``error.closed`` when the project has rounds and none is open now.
    """
    config = rounds_of(config, store.round_plans())
    now = round_now(config, store.round_states() if config.rounds else {})
    if not now.open:
        raise ValidationError("no round is open now; nothing is stored", key="error.closed")
    return now.current.slug if now.current else None


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


def moderator_name(name: object) -> str:
    """Return a moderator's name for the audit log; refuse an empty, long or reserved one.

    Raises
    ------
    ValidationError
        With key ``staff.error.name`` (empty), ``staff.error.name_long`` (over
        :data:`MAX_NAME` characters) or ``staff.error.name_reserved`` (the system's own name,
        in :data:`RESERVED_NAMES`).

    Examples
    --------
    >>> moderator_name("  Anna de Vries ")
    'Anna de Vries'
    """
    clean = check_reason(
        name,
        what="name",
        limit=MAX_NAME,
        empty="staff.error.name",
        too_long="staff.error.name_long",
    )
    if clean.casefold() in RESERVED_NAMES:
        raise ValidationError(f"name {clean!r} is reserved", key="staff.error.name_reserved")
    return clean


def moderation_reason(action: str, reason: object, *, lang: str = "nl") -> str:
    """Return the reason of a moderation action; an approval without one is "goedgekeurd".

    Raises
    ------
    ValidationError
        With key ``staff.error.reason`` (empty) or ``staff.error.reason_long`` (over
        :data:`~omgeving.store.MAX_REASON` characters).

    Examples
    --------
    >>> moderation_reason("approve", " "), moderation_reason("hide", "reclame")
    ('goedgekeurd', 'reclame')
    """
    optional = action == "approve"
    clean = check_reason(
        reason,
        empty=None if optional else "staff.error.reason",
        too_long="staff.error.reason_long",
    )
    return clean or t("staff.approve.reason", lang)


def moderate(
    store: Store,
    reaction_id: str,
    action: str,
    *,
    actor: object,
    reason: object,
    lang: str = "nl",
) -> bool:
    """Hide, restore or approve a reaction as ``actor``, with a reason, and audit it.

    Returns False when the action no longer applies (another moderator, or the author
    withdrawing, was first).

    Raises
    ------
    ValidationError
        When the name (:func:`moderator_name`) or the reason (:func:`moderation_reason`) is
        refused, the name first.
    """
    name = moderator_name(actor)
    why = moderation_reason(action, reason, lang=lang)
    return store.moderate(reaction_id, action, actor=name, reason=why)


def accept_theme(
    store: Store,
    config: ProjectConfig,
    reaction_id: str,
    theme: object,
    *,
    actor: object,
    lang: str = "nl",
) -> bool:
    """Give a reaction without a theme the suggested ``theme``, as ``actor``, audited.

    Returns False when the reaction has a theme of its own by now (a resident's choice is
    never overwritten; see :meth:`Store.set_theme`) or is gone.

    Raises
    ------
    ValidationError
        When the name is refused, or ``theme`` is not one of the project's themes.
    """
    name = moderator_name(actor)
    if theme not in config.themes or theme in UNSPECIFIED_THEMES:
        raise ValidationError(f"theme {theme!r} is not one of the project's", key="error.theme")
    reason = t("staff.suggest.accepted_reason", lang)
    return store.set_theme(reaction_id, str(theme), actor=name, reason=reason)


def reject_theme(
    store: Store, reaction_id: str, theme: object, *, actor: object, lang: str = "nl"
) -> None:
    """Note in the audit log that a moderator rejected the theme suggested for a reaction.

    The staff app then suggests no theme for it again.
    """
    name = moderator_name(actor)
    reason = t("staff.suggest.rejected_reason", lang, theme=check_reason(theme, what="theme"))
    store.log("reject-theme", actor=name, reason=reason, reaction_id=reaction_id)


def judge_duplicate(
    store: Store,
    a: str,
    b: str,
    *,
    same: bool,
    actor: object,
    reason: object = "",
    lang: str = "nl",
) -> bool:
    """Record that reactions ``a`` and ``b`` make the same point (``same``), or not, audited.

    Nothing is deleted or hidden: the report counts linked reactions as one point. Without a
    reason the log says "zelfde punt" or "geen dubbel".

    Raises
    ------
    ValidationError
        When the name is refused, the reason too long, or ``a`` is ``b``.
    """
    name = moderator_name(actor)
    why = check_reason(reason, empty=None, too_long="staff.error.reason_long")
    why = why or t("staff.link.same_reason" if same else "staff.link.other_reason", lang)
    return store.link(a, b, same=same, actor=name, reason=why)


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


def change_options(project: Project) -> list[tuple[str, str]]:
    """Return what a response can say it changed: ``(label, key)``, to pick from.

    Every named intervention of the scenarios, as ``scenario:<slug>/<name>``, and every area
    of a GIO exported from a layer (``omgeving gio --layer``), as ``gio:<work id>/<name>``:
    the keys the GIO export reads. A scenario that cannot be read offers nothing (the staff
    app still opens).
    """
    from omgeving._errors import OmgevingError
    from omgeving.scenario import Scenario

    options: list[tuple[str, str]] = []
    for s in project.config.scenarios:
        try:
            frame = Scenario.load(project, s.slug).interventions
        except (OmgevingError, OSError, ValueError) as err:
            log.warning("scenario %s offers no interventions to a response: %s", s.slug, err)
            continue
        names = frame["naam"] if "naam" in frame.columns else ()
        for name in dict.fromkeys(str(n).strip() for n in names if isinstance(n, str)):
            if name:
                options.append((f"{s.name}: {name}", f"scenario:{s.slug}/{name}"))
    # the areas of the vision exported as GIO (a scenario's own GIO is its interventions)
    from omgeving.exchange.gio import exported_areas

    slugs = {s.slug for s in project.config.scenarios}
    for title, work, name in exported_areas(project):
        if re.sub(r"-(punten|lijnen)$", "", work) not in slugs:
            options.append((f"{title}: {name}", f"gio:{work}/{name}"))
    return list(dict.fromkeys(options))


def check_changes(
    project: Project, changes: Iterable[str], options: list[tuple[str, str]] | None = None
) -> tuple[str, ...]:
    """Return the changes of a response; refuse an intervention the scenarios do not have.

    ``gio:<identifier>`` may name any area of the vision (its GIO may be exported later).

    Raises
    ------
    ValidationError
        When a ``scenario:`` change names no intervention of the project's scenarios.
    """
    changes = tuple(dict.fromkeys(str(c).strip() for c in changes if str(c).strip()))
    known = {key for _, key in (change_options(project) if options is None else options)}
    for c in changes:
        if c.startswith("scenario:") and c not in known:
            example = next(iter(sorted(known)), "scenario:<slug>/<naam van de ingreep>")
            raise ValidationError(
                f"change {c!r} names no intervention of the project's scenarios; choose one "
                f"from the list, for example {example!r}", key="staff.error.change_unknown")
    return changes


def responses_for(reaction: Reaction, responses: Iterable[Response]) -> list[Response]:
    """Return the responses that answer ``reaction``: its own, its concern's, its theme's.

    A theme's response answers every reaction of that theme (in its round, when it names
    one); a concern's the reactions it lists; a reaction's that one.
    """
    found = []
    for r in responses:
        own = r.kind == "reaction" and r.target == reaction.id
        concern = r.kind == "concern" and reaction.id in r.ids
        theme = (r.kind == "theme" and r.target == reaction.theme
                 and (r.round is None or r.round == reaction.round))
        if own or concern or theme:
            found.append(r)
    order = {"reaction": 0, "concern": 1, "theme": 2}
    return sorted(found, key=lambda r: order[r.kind])


def public_view(
    reactions: Mapping[str, Reaction] | Iterable[Reaction], participant: str | None = None
) -> dict[str, Reaction]:
    """Return the reactions ``participant`` may see, by id (in the order given)."""
    items = reactions.values() if isinstance(reactions, Mapping) else reactions
    return {r.id: r for r in items if shown_to(r, participant)}


def _iso(moment: datetime | None) -> str:
    """Return ``moment`` (default: now) in UTC as the store writes times, to the second."""
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")

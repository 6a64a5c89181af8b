"""What both backends share: the records they return, the schema version, the moderation rule.

Private to :mod:`omgeving.store`, which re-exports the public names; the backends import them
from here, so loading a backend never needs the package's own ``__init__`` half done.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from omgeving._errors import ValidationError
from omgeving.reactions import Reaction, clean_text

__all__ = [
    "ACTIONS",
    "AGE_BANDS",
    "EVENING_COLUMNS",
    "EVENING_FIELDS",
    "MAX_REASON",
    "MAX_RESPONSE",
    "MIN_SQLITE",
    "RELATIONS",
    "RESPONSE_KINDS",
    "RESPONSE_VALUES",
    "ROUND_COLUMNS",
    "ROUND_FIELDS",
    "SCHEMA_VERSION",
    "UNSPECIFIED_THEMES",
    "VERDICTS",
    "AuditEntry",
    "Erasure",
    "Evening",
    "Link",
    "ParticipantData",
    "Profile",
    "Response",
    "RoundPlan",
    "Snapshot",
    "check_evening",
    "check_profile",
    "check_reason",
    "check_response",
    "check_round_plan",
    "evening_entry",
    "evening_from_row",
    "evening_values",
    "link_pair",
    "moderation",
    "profile_from_row",
    "reaction_from_row",
    "response_entry",
    "response_from_row",
    "response_values",
    "round_plan_entry",
    "round_plan_from_row",
    "round_plan_values",
    "theme_change",
    "upsert_sql",
]

#: 4: moderators' judgements of possible duplicates (``links``), the anonymous background
#: answers (``profiles``), rounds (a reaction's ``round``, staff's ``round_state``, the
#: rounds staff planned in the staff app ``round_plans``), the
#: evening register (``evenings``, a reaction's ``evening``) and the municipality's
#: ``responses``.
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
#: What the municipality did with what was said (a response's ``verdict``).
VERDICTS = ("overgenomen", "deels overgenomen", "niet overgenomen", "buiten de visie")
#: What a response answers: a theme, a concern of the analysis, or one reaction.
RESPONSE_KINDS = ("theme", "concern", "reaction")
MAX_RESPONSE = 2000
_HEX_ID = re.compile(r"^[0-9a-f]{32}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: What a response may say it changed: a scenario's intervention, or an area of the vision.
_CHANGE = re.compile(
    r"^(scenario:[a-z0-9][a-z0-9-]{0,62}(/\S(.{0,198}\S)?)?|gio:\S(.{0,198}\S)?)$"
)


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
class Evening:
    """One participation evening in the register: when, where, how many came (no names)."""

    id: str
    day: str  # ISO date, local
    place: str
    visitors: int
    scenarios: tuple[str, ...] = ()
    notes: str = ""
    actor: str = ""
    at: str = ""


@dataclass(frozen=True)
class RoundPlan:
    """A round planned in the staff app (beside the ``[[rounds]]`` of ``omgeving.toml``)."""

    slug: str
    title: str
    start: str  # ISO date, local
    end: str  # ISO date, local, included
    title_en: str = ""
    scenarios: tuple[str, ...] = ()  # the scenarios it shows; () = all
    actor: str = ""
    at: str = ""


@dataclass(frozen=True)
class Response:
    """The municipality's response: what it did with a theme, a concern or one reaction.

    ``ids`` are the reactions it answers (a concern's, a theme's when written, or the one);
    ``changes`` what it changed: ``scenario:<slug>/<intervention>`` or ``gio:<identifier>``
    of an area of the vision, so that reaction → response → area is on record.
    """

    id: str
    kind: str  # one of RESPONSE_KINDS
    target: str  # the theme, the concern's label, or the reaction id
    verdict: str  # one of VERDICTS
    text: str  # what was done and why, in B1 Dutch
    ids: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    round: str | None = None
    text_en: str = ""
    actor: str = ""
    at: str = ""


@dataclass(frozen=True)
class Snapshot:
    """Every reaction and the audit log, read in one transaction (for exports and reports)."""

    taken: str
    reactions: list[Reaction]
    audit: list[AuditEntry]
    links: list[Link] = field(default_factory=list)
    profiles: list[Profile] = field(default_factory=list)
    rounds: dict[str, bool] = field(default_factory=dict)  # staff's open/closed, by slug
    plans: list[RoundPlan] = field(default_factory=list)  # rounds planned in the staff app
    evenings: list[Evening] = field(default_factory=list)
    responses: list[Response] = field(default_factory=list)


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


def check_evening(evening: Evening) -> Evening:
    """Return an evening as stored: its texts cleaned; refuse a wrong field.

    Raises
    ------
    ValidationError
        With the field and the value (key ``error.invalid``, or the text's own keys).
    """
    if not isinstance(evening.id, str) or not _HEX_ID.match(evening.id):
        raise ValidationError(f"evening id {evening.id!r} is not 32 hex digits",
                              key="error.invalid")
    if not isinstance(evening.day, str) or not _DAY.match(evening.day):
        raise ValidationError(f"evening day {evening.day!r} is not a date like 2026-03-12",
                              key="staff.error.day")
    visitors = evening.visitors
    if isinstance(visitors, bool) or not isinstance(visitors, int) or not 0 <= visitors <= 100_000:
        raise ValidationError(f"visitors {visitors!r} is not a count from 0 to 100000",
                              key="staff.error.visitors")
    return Evening(
        id=evening.id,
        day=evening.day,
        place=check_reason(
            evening.place, what="place", limit=200, empty="staff.error.evening_place"
        ),
        visitors=visitors,
        scenarios=tuple(check_reason(s, what="scenario", limit=63) for s in evening.scenarios),
        notes=check_reason(evening.notes, what="notes", limit=MAX_RESPONSE, empty=None),
        actor=evening.actor,
        at=evening.at,
    )


def check_response(response: Response) -> Response:
    """Return a response as stored: its texts cleaned; refuse a wrong field.

    Raises
    ------
    ValidationError
        With the field and the value.
    """
    r = response
    if not isinstance(r.id, str) or not _HEX_ID.match(r.id):
        raise ValidationError(f"response id {r.id!r} is not 32 hex digits", key="error.invalid")
    if r.kind not in RESPONSE_KINDS:
        raise ValidationError(f"response kind {r.kind!r} is not one of {RESPONSE_KINDS}",
                              key="error.invalid")
    if r.verdict not in VERDICTS:
        raise ValidationError(f"verdict {r.verdict!r} is not one of {', '.join(VERDICTS)}",
                              key="staff.error.verdict")
    ids = tuple(r.ids)
    if any(not isinstance(i, str) or not i or len(i) > 100 for i in ids):
        raise ValidationError("a response's reaction ids must be texts", key="error.invalid")
    changes = tuple(r.changes)
    bad = [c for c in changes if not isinstance(c, str) or not _CHANGE.match(c)]
    if bad:
        raise ValidationError(
            f"change {bad[0]!r} is neither scenario:<slug>/<intervention> nor gio:<identifier>",
            key="staff.error.change",
        )
    return Response(
        id=r.id,
        kind=r.kind,
        target=check_reason(r.target, what="target", limit=300, empty="error.invalid"),
        verdict=r.verdict,
        text=check_reason(r.text, what="response", limit=MAX_RESPONSE,
                          empty="staff.error.response"),
        ids=ids,
        changes=changes,
        round=None if r.round in (None, "") else check_reason(r.round, what="round", limit=63),
        text_en=check_reason(r.text_en, what="response", limit=MAX_RESPONSE, empty=None),
        actor=r.actor,
        at=r.at,
    )


#: The columns of an evening, in :class:`Evening`'s order (both backends).
EVENING_COLUMNS = "id, day, place, visitors, scenarios, notes, actor, at"
EVENING_FIELDS = ("day", "place", "visitors", "scenarios", "notes")  # what a change compares
#: The columns of a response that a change compares (all but id, actor and time).
RESPONSE_VALUES = "kind, target, verdict, text, text_en, ids, changes, round"


_ROUND_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: The columns of ``round_plans`` in the order :func:`round_plan_from_row` reads them, and
#: those a staff member changes.
ROUND_COLUMNS = "slug, title, title_en, start_day, end_day, scenarios, actor, at"
ROUND_FIELDS = ("title", "title_en", "start_day", "end_day", "scenarios")


def check_round_plan(plan: RoundPlan) -> RoundPlan:
    """Return a planned round as stored: its titles cleaned; refuse a wrong field.

    Raises
    ------
    ValidationError
        With the field and the value: a slug that is not lower-case letters, digits and
        dashes, an empty title, a day that is no date, or an end before the start.
    """
    if not isinstance(plan.slug, str) or not _ROUND_SLUG.match(plan.slug):
        raise ValidationError(f"round slug {plan.slug!r} is not lower-case letters, digits and "
                              "dashes (at most 63)", key="staff.error.round_title")
    for what, day in (("start", plan.start), ("end", plan.end)):
        if not isinstance(day, str) or not _DAY.match(day):
            raise ValidationError(f"round {what} {day!r} is not a date like 2027-03-12",
                                  key="staff.error.round_day")
    if plan.end < plan.start:
        raise ValidationError(f"round {plan.slug!r} ends ({plan.end}) before it starts "
                              f"({plan.start})", key="staff.error.round_end")
    return RoundPlan(
        slug=plan.slug,
        title=check_reason(plan.title, what="round title", limit=120,
                           empty="staff.error.round_title"),
        start=plan.start,
        end=plan.end,
        title_en=check_reason(plan.title_en, what="round title", limit=120, empty=None),
        scenarios=tuple(check_reason(s, what="scenario", limit=63) for s in plan.scenarios),
        actor=plan.actor,
        at=plan.at,
    )


def round_plan_values(p: RoundPlan) -> tuple:
    """Return a planned round's :data:`ROUND_FIELDS` as stored."""
    return (p.title, p.title_en, p.start, p.end, json.dumps(list(p.scenarios)))


def evening_values(e: Evening) -> tuple:
    """Return an evening's :data:`EVENING_FIELDS` as stored."""
    return (e.day, e.place, e.visitors, json.dumps(list(e.scenarios)), e.notes)


def upsert_sql(table: str, key: str, fields: tuple[str, ...], mark: str) -> tuple[str, str]:
    """Return the SQL that reads a row's ``fields`` by ``key``, and writes the row anew.

    The table's columns are ``key``, ``fields``, ``actor``, ``at``, in that order (the
    register of evenings, the planned rounds). ``mark`` is the driver's placeholder.

    Examples
    --------
    >>> read, write = upsert_sql("evenings", "id", ("day", "place"), "?")
    >>> read
    'SELECT day, place FROM evenings WHERE id=?'
    >>> write
    'INSERT INTO evenings VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET day=excluded.day, place=excluded.place, actor=excluded.actor, at=excluded.at'
    """  # noqa: E501
    columns = (*fields, "actor", "at")
    marks = ", ".join([mark] * (len(columns) + 1))
    update = ", ".join(f"{c}=excluded.{c}" for c in columns)
    return (f"SELECT {', '.join(fields)} FROM {table} WHERE {key}={mark}",
            f"INSERT INTO {table} VALUES ({marks}) ON CONFLICT ({key}) DO UPDATE SET {update}")


def round_plan_from_row(
    slug: str, title: str, title_en: str, start: str, end: str, scenarios: str, actor: str,
    at: str,
) -> RoundPlan:
    """Return the planned round of a row of :data:`ROUND_COLUMNS`."""
    return RoundPlan(slug, title, start, end, title_en, tuple(json.loads(scenarios)), actor, at)


def round_plan_entry(p: RoundPlan) -> str:
    """Return the audit log's line of a round planned or changed."""
    shown = ", ".join(p.scenarios) or "alle toekomstbeelden"
    return f"{p.slug}: {p.title}, {p.start} tot en met {p.end} ({shown})"


def evening_from_row(
    id_: str, day: str, place: str, visitors: int, scenarios: str, notes: str, actor: str,
    at: str,
) -> Evening:
    """Return the evening of a row of :data:`EVENING_COLUMNS`."""
    return Evening(id_, day, place, int(visitors), tuple(json.loads(scenarios)), notes, actor,
                   at)


def profile_from_row(day: str, channel: str, age: str | None, relation: str) -> Profile:
    """Return the background answers of a row: day, channel, age, the relations joined by ,."""
    return Profile(day, channel, age, tuple(r for r in relation.split(",") if r))


def response_values(r: Response) -> tuple:
    """Return a response's :data:`RESPONSE_VALUES` as stored."""
    return (r.kind, r.target, r.verdict, r.text, r.text_en, json.dumps(list(r.ids)),
            json.dumps(list(r.changes)), r.round)


def response_from_row(
    id_: str, kind: str, target: str, verdict: str, text: str, text_en: str, ids: str,
    changes: str, round_: str | None, actor: str, at: str,
) -> Response:
    """Return the response of a row: id, :data:`RESPONSE_VALUES`, actor, time."""
    return Response(id_, kind, target, verdict, text, tuple(json.loads(ids)),
                    tuple(json.loads(changes)), round_, text_en, actor, at)


def evening_entry(e: Evening) -> str:
    """Return the audit log's line of an evening registered or corrected."""
    shown = ", ".join(e.scenarios) or "geen toekomstbeelden"
    return f"{e.day}, {e.place}: {e.visitors} bezoekers ({shown}). {e.notes}".strip()


def response_entry(r: Response) -> str:
    """Return the audit log's line of a response: whole, so the log keeps what it said."""
    changed = f" Veranderd: {', '.join(r.changes)}." if r.changes else ""
    answers = f" ({len(r.ids)} reacties)" if r.ids else ""
    return f"{r.kind} {r.target!r}{answers}: {r.verdict}. {r.text}{changed}"


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
        round_,
        evening,
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
        round=round_,
        evening=evening,
    )

"""The participation cycle: rounds, evenings, and what the municipality did with the input.

- **Rounds**: :func:`round_now` says which round is open (the period in ``omgeving.toml`` or
  planned in the staff app, :func:`rounds_of` and :func:`plan_round`, or a staff member's
  decision in the store), and which came before and comes next; :func:`check_round` refuses
  new input outside an open round.
- **Evenings**: :func:`evening_today` is the evening in progress, which the table, the wall
  and the phones from its QR code give their reactions.
- **Responses**: what a response may say it changed (:func:`change_options`,
  :func:`check_changes`), and which responses answer a reaction (:func:`responses_for`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from omgeving import settings
from omgeving._errors import ValidationError
from omgeving.config import RoundConfig
from omgeving.moderation import moderator_name
from omgeving.reactions import Reaction
from omgeving.store import Evening, Response, RoundPlan, Store

if TYPE_CHECKING:
    from omgeving.config import ProjectConfig
    from omgeving.project import Project

__all__ = [
    "RoundNow",
    "change_options",
    "check_changes",
    "check_round",
    "evening_today",
    "plan_round",
    "responses_for",
    "round_now",
    "rounds_of",
]

log = logging.getLogger(__name__)

_LOCAL = ZoneInfo(settings.TIMEZONE)


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


# -- responses -------------------------------------------------------------------------------


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

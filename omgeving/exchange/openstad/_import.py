"""Store OpenStad's inzendingen as reactions: stable ids, no personal data, hidden spam."""

from __future__ import annotations

import hashlib
import math
import os
import re
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from omgeving._errors import OmgevingError, ValidationError
from omgeving.exchange.openstad._read import (
    _ACTOR,
    _DELETED,
    _LLL_EN,
    _LLL_NL,
    _MONTHS_EN,
    _MONTHS_NL,
    _NAMESPACE,
    _OUR_ID,
    _SPAM,
    _TEXTS,
    _TZ,
    _text,
    read_openstad,
)
from omgeving.participation import Area, initial_status, validate_reaction
from omgeving.project import Project
from omgeving.reactions import CONTROL_CHARACTERS, MAX_TEXT, Reaction
from omgeving.store import Store, open_store

# -- importing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportedRow:
    """What the import did with one row of the file."""

    row: int  # the row number in the spreadsheet (the header is row 1)
    inzending_id: str
    outcome: str  # "stored", "already stored", "valid" (dry run) or "refused"
    reason: str = ""  # why refused, or why hidden
    reaction_id: str | None = None
    status: str | None = None  # as stored: visible, pending or hidden
    likes: int = 0
    created_from: str = ""  # the column the time came from, or "import time"
    shortened_from: int | None = None  # the text's length when it was shortened

    def label(self) -> str:
        """Return "row N (Inzending ID X)", to find the row in the file."""
        return f"row {self.row} (Inzending ID {self.inzending_id or '?'})"


@dataclass(frozen=True)
class ImportReport:
    """The outcome of :func:`import_openstad`, one :class:`ImportedRow` per row of the file."""

    source: Path
    rows: list[ImportedRow]
    dry_run: bool = False

    def outcome(self, outcome: str) -> list[ImportedRow]:
        """Return the rows with ``outcome`` ("stored", "already stored", "valid", "refused")."""
        return [r for r in self.rows if r.outcome == outcome]

    def summary(self) -> str:
        """Return a few lines for a person: counts, hidden rows, likes, refused rows and why."""
        kept = [r for r in self.rows if r.outcome != "refused"]
        hidden = [r for r in kept if r.reason]
        refused = self.outcome("refused")
        counts = (
            f"{len(kept)} valid"
            if self.dry_run
            else f"{len(self.outcome('stored'))} stored, "
            f"{len(self.outcome('already stored'))} already stored"
        )
        lines = [
            f"OpenStad import of {self.source}"
            + (" (dry run: nothing stored)" if self.dry_run else ""),
            f"{len(self.rows)} rows: {counts}, {len(refused)} refused.",
        ]
        if hidden:
            lines.append(f"Hidden, as deleted or spam in OpenStad: {len(hidden)}")
            lines += [f"  {r.label()}: {r.reason}" for r in hidden]
        likes = [r for r in kept if r.likes]
        if likes:
            lines.append(
                f"Likes: {sum(r.likes for r in likes)} OpenStad likes on {len(likes)} "
                "reactions are not agreements here (OpenStad exports counts, not who "
                "liked); each count is in the moderation log."
            )
        lines += [
            f"Shortened to {MAX_TEXT} characters: {r.label()}, was {r.shortened_from}"
            for r in kept
            if r.shortened_from
        ]
        sources = {
            s: sum(r.created_from == s for r in kept)
            for s in ("Datum aangemaakt (leesbaar)", "Laatst bijgewerkt", "import time")
        }
        lines.append(
            "Time of writing: "
            + ", ".join(
                f"{n} from '{s}'" if s != "import time" else f"{n} unknown (set to the import time)"
                for s, n in sources.items()
                if n
            )
            if kept
            else "Nothing to store."
        )
        if refused:
            lines.append("Refused, not stored:")
            lines += [f"  {r.label()}: {r.reason}" for r in refused]
        return "\n".join(lines)


@dataclass(frozen=True)
class _Planned:
    row: ImportedRow
    reaction: Reaction | None = None
    provenance: str = ""


def import_openstad(
    project: Project,
    path: str | os.PathLike[str],
    *,
    theme_map: Mapping[str, str] | None = None,
    default_theme: str | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Store every located inzending of an OpenStad export as a reaction (channel ``openstad``).

    Parameters
    ----------
    project
        The project; reactions must lie inside its area and have one of its themes.
    path
        The OpenStad resource export (.xlsx or .csv), see :func:`read_openstad`.
    theme_map
        OpenStad ``tags.theme`` names (any case) → project themes. A tag that is itself a
        project theme (any case) needs no entry.
    default_theme
        The theme of rows whose tags map to none; without it such rows are refused.
    dry_run
        Check every row, store nothing (the store is not opened).

    Rows without a location, outside the area, without text or theme, or otherwise invalid
    are refused and listed in the report with the reason. Deleted and spam inzendingen are
    stored hidden (see the module's notes). New reactions are visible, or pending when the
    project moderates beforehand (``moderation = "pre"``).

    Raises
    ------
    OmgevingError
        When the file cannot be read, ``theme_map`` or ``default_theme`` names a theme the
        project does not have, or the project's web layers are not baked.
    """
    pick_theme = _ThemePicker(project.config.themes, theme_map or {}, default_theme)
    frame = read_openstad(path)
    if not (project.web_dir / "area.geojson").is_file():
        raise OmgevingError(
            f"project {project.root} has no web/area.geojson to check places "
            f"against; run 'omgeving publish {project.root}' first"
        )
    area = Area.from_web(project.web_dir)
    status = initial_status(project.config, "openstad")
    seen: dict[str, int] = {}
    plans = [
        _plan(number, row, project, area, pick_theme, status, seen)
        for number, row in zip(frame.index, frame.to_dict("records"), strict=True)
    ]
    if dry_run:
        return ImportReport(Path(path), [p.row for p in plans], dry_run=True)
    with open_store(project.store_url()) as store:
        hidden_before = {
            e.reaction_id for e in store.audit_log() if e.actor == _ACTOR and e.action == "hide"
        }
        done = [_store(store, p, hidden_before) if p.reaction else (p.row, False) for p in plans]
        report = ImportReport(Path(path), [row for row, _ in done])
        if any(changed for _, changed in done):
            _log_import(store, report)
    return report


def _plan(
    number: int,
    row: dict[str, Any],
    project: Project,
    area: Area,
    pick_theme: _ThemePicker,
    status: str,
    seen: dict[str, int],
) -> _Planned:
    """Check one row; return the reaction to store, or the row refused with its reason."""
    iid = _text(row.get("Inzending ID"))
    likes = _count(row.get("Aantal likes"))
    refused = ImportedRow(number, iid, "refused", likes=likes)
    try:
        reaction_id = _reaction_id(_text(row.get("Project ID")), iid)
        if iid in seen:
            raise ValueError(f"the same Inzending ID as row {seen[iid]}")
        seen[iid] = number
        geometry = _point(row.get("Locatie (lat)"), row.get("Locatie (lng)"))
        text, shortened_from = _compose_text(row)
        reaction = validate_reaction(
            id=reaction_id,
            geometry=geometry,
            theme=pick_theme(row.get("tags.theme")),
            text=text,
            area=area,
            themes=project.config.themes,
            participant=_participant(_text(row.get("Project ID")), row.get("Gebruiker ID")),
            channel="openstad",
            status=status,
        )
    except (ValueError, ValidationError) as err:
        return _Planned(replace(refused, reason=str(err)))
    created, created_from = _created(row)
    hide = "; ".join(
        why
        for why, yes in (
            (_DELETED, bool(_text(row.get("Verwijderd op")))),
            (_SPAM, _yes(row.get("Waarschijnlijk spam"))),
        )
        if yes
    )
    if hide:
        reaction = replace(reaction, status="pending")  # never public, then hidden with reason
    reaction = replace(reaction, created=created or reaction.created)
    outcome = ImportedRow(
        number,
        iid,
        "valid",
        hide,
        reaction.id,
        "hidden" if hide else status,
        likes,
        created_from,
        shortened_from,
    )
    provenance = "; ".join(
        filter(
            None,
            (
                f"geïmporteerd uit OpenStad (inzending {iid[:40]}); {likes} likes in OpenStad, "
                "niet als instemmingen overgenomen",
                f"tekst ingekort van {shortened_from} tot {MAX_TEXT} tekens"
                if shortened_from
                else "",
                "tijd onbekend, importtijd gebruikt" if not created else "",
            ),
        )
    )
    return _Planned(outcome, reaction, provenance)


def _store(store, plan: _Planned, hidden_before: set[str | None]) -> tuple[ImportedRow, bool]:
    """Store a planned reaction (once), log where it came from, hide it if OpenStad did.

    Returns the row's outcome, and whether the store changed. A reaction stored by an earlier
    import that OpenStad has deleted since is hidden now; one the import hid before and a
    moderator restored stays restored.
    """
    reaction, row = plan.reaction, plan.row
    assert reaction is not None
    added = store.add(reaction)
    if added:
        store.log("openstad", actor=_ACTOR, reason=plan.provenance, reaction_id=reaction.id)
    hidden = (
        bool(row.reason)
        and reaction.id not in hidden_before
        and store.moderate(reaction.id, "hide", actor=_ACTOR, reason=row.reason)
    )
    stored = store.get(reaction.id)
    return replace(
        row,
        outcome="stored" if added else "already stored",
        status=stored.status if stored else row.status,
    ), added or hidden


def _log_import(store: Store, report: ImportReport) -> None:
    stored = report.outcome("stored")
    hidden = [r for r in report.rows if r.reason and r.outcome != "refused"]
    store.log(
        "openstad-import",
        actor=_ACTOR,
        reason=(
            f"OpenStad-export {report.source.name[:120]}: {len(stored)} reacties opgeslagen, "
            f"{len(report.outcome('already stored'))} al aanwezig, "
            f"{len(hidden)} verwijderd of spam, {len(report.outcome('refused'))} geweigerd"
        ),
    )


class _ThemePicker:
    """Map a ``tags.theme`` cell (tags joined with " | ") to a project theme."""

    def __init__(
        self, themes: tuple[str, ...], theme_map: Mapping[str, str], default: str | None
    ) -> None:
        wrong = [
            f"theme map {tag!r}={theme!r}"
            for tag, theme in theme_map.items()
            if theme not in themes
        ]
        if default is not None and default not in themes:
            wrong.append(f"default theme {default!r}")
        if wrong:
            raise OmgevingError(
                f"{', '.join(wrong)}: not a theme of the project; use one of {', '.join(themes)}"
            )
        self.known = {t.lower(): t for t in themes}
        self.known.update({k.strip().lower(): v for k, v in theme_map.items()})
        self.default = default

    def __call__(self, cell: Any) -> str:
        tags = [t.strip() for t in _text(cell).split("|") if t.strip()]
        for tag in tags:
            if tag.lower() in self.known:
                return self.known[tag.lower()]
        if self.default:
            return self.default
        if not tags:
            raise ValueError("no tags.theme; give a default theme")
        raise ValueError(
            f"tags.theme {tags[0]!r} is not a project theme; map it with "
            f"--theme-map '{tags[0]}=THEMA' or give a default theme"
        )


def _reaction_id(project_id: str, inzending_id: str) -> str:
    if not inzending_id:
        raise ValueError("no Inzending ID, so no stable reaction id")
    if _OUR_ID.match(inzending_id):  # our own id, from export_openstad
        return inzending_id
    return uuid.uuid5(_NAMESPACE, f"openstad:{project_id}:{inzending_id}").hex


def _participant(project_id: str, user_id: Any) -> str:
    """Return a one-way token of the OpenStad user, or a random one when there is none."""
    user = _text(user_id)
    if not user or user == "0":  # OpenStad's anonymous user has id 0
        return secrets.token_hex(16)
    return hashlib.sha256(f"openstad:{project_id}:{user}".encode()).hexdigest()[:32]


def _point(lat: Any, lng: Any) -> dict[str, Any]:
    if not _text(lat) and not _text(lng):
        raise ValueError("no location (Locatie (lat) and Locatie (lng) are empty)")
    y, x = _degrees(lat, "Locatie (lat)", 90), _degrees(lng, "Locatie (lng)", 180)
    return {"type": "Point", "coordinates": [x, y]}


def _degrees(value: Any, column: str, limit: float) -> float:
    raw = _text(value)
    try:
        number = float(raw.replace(",", ".") if "." not in raw else raw)
    except ValueError:
        raise ValueError(f"{column} {raw[:30]!r} is not a number") from None
    if not math.isfinite(number) or abs(number) > limit:
        raise ValueError(f"{column} {raw[:30]!r} is not in degrees (WGS 84)")
    return number


def _compose_text(row: dict[str, Any]) -> tuple[str, int | None]:
    """Return Titel, Samenvatting and Beschrijving as one plain text, and its length before.

    The length is the one the text was shortened from (or None). A title or summary that only
    repeats the start of a longer part (as our own export writes them) is left out.
    """
    parts = [_html_to_text(_text(row.get(c))) for c in _TEXTS]
    kept = []
    for i, part in enumerate(parts):
        later = [p for p in parts[i + 1 :] if p]
        if part and not any(_squash(p).startswith(_squash(part.removesuffix("…"))) for p in later):
            kept.append(part)
    text = CONTROL_CHARACTERS.sub("", "\n\n".join(kept)).strip()
    if len(text) <= MAX_TEXT:
        return text, None
    return text[: MAX_TEXT - 1].rstrip() + "…", len(text)


def _squash(text: str) -> str:
    return " ".join(text.split())


class _TextOnly(HTMLParser):
    """Collect the text of HTML: tags dropped, script and style skipped, entities decoded."""

    BREAKS = frozenset(
        {
            "br",
            "p",
            "div",
            "li",
            "tr",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "blockquote",
            "ul",
            "ol",
            "table",
        }
    )
    SKIP = frozenset({"script", "style", "template", "iframe", "noscript"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.tags = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags += 1
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        self.tags += 1
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def _html_to_text(value: str) -> str:
    if "<" not in value and "&" not in value:
        return value.strip()
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    if parser.tags:  # HTML layout: tidy the lines its tags left
        lines = [" ".join(line.split()) for line in text.splitlines()]
        text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()


def _created(row: dict[str, Any]) -> tuple[str | None, str]:
    """Return the UTC time of writing and the column it came from, or (None, "import time")."""
    for column in ("Datum aangemaakt (leesbaar)", "Laatst bijgewerkt"):
        moment = _parse_time(row.get(column))
        if moment is not None:
            return moment.astimezone(UTC).isoformat(timespec="seconds"), column
    return None, "import time"


def _parse_time(value: Any) -> datetime | None:
    moment: datetime | None
    if isinstance(value, datetime):
        moment = value
    else:
        text = _text(value).lower()
        moment = _from_iso(text) or _from_lll(text)
        if moment is None:
            return None
    return moment if moment.tzinfo else moment.replace(tzinfo=_TZ)


def _from_iso(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.upper()) if text[:4].isdigit() else None
    except ValueError:
        return None


def _from_lll(text: str) -> datetime | None:
    """Read moment's 'LLL' in Dutch ("3 maart 2025 14:05") or English ("March 3, 2025 2:05 PM")."""
    try:
        if found := _LLL_NL.match(text):
            day, month, year, hour, minute = found.groups()
            return datetime(
                int(year), _MONTHS_NL.index(month) + 1, int(day), int(hour), int(minute)
            )
        if found := _LLL_EN.match(text):
            month, day, year, hour, minute, half = found.groups()
            hour24 = int(hour) % 12 + (12 if half == "pm" else 0)
            return datetime(int(year), _MONTHS_EN.index(month) + 1, int(day), hour24, int(minute))
    except ValueError:  # an unknown month, or 31 februari
        return None
    return None


def _count(value: Any) -> int:
    try:
        return max(0, int(float(_text(value).replace(",", ".") or 0)))
    except ValueError:
        return 0


def _yes(value: Any) -> bool:
    return value is True or _text(value).lower() in ("ja", "true", "1", "yes", "waar")

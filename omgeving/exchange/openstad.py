"""OpenStad side by side: import its resource export as reactions, export ours in its shape.

OpenStad's admin exports a project's inzendingen ("Exporteer inzendingen") as XLSX, one sheet
``Sheet1``, with Dutch headers (``Inzending ID``, ``Titel``, ``Locatie (lat)`` ...); its import
reads the same headers back. :func:`import_openstad` stores each located inzending as a
reaction with channel ``openstad``, through :func:`~omgeving.participation.validate_reaction`, so
every check a resident's reaction gets applies here too. :func:`export_openstad` writes the
visible reactions with OpenStad's headers, for an OpenStad admin to import.

What crosses, and what does not:

- **Personal data never does.** Every ``Gebruiker *`` column (name, e-mail, phone, address,
  city, postcode, role) is dropped as the file is read. ``Gebruiker ID`` only becomes a
  one-way participant token (sha256 of ``openstad:<Project ID>:<Gebruiker ID>``), so the
  inzendingen of one OpenStad user count as one participant; a row without it gets a random
  token. The export has no ``Gebruiker`` columns at all.
- **Ids are stable**: a reaction's id is a uuid5 of the Project ID and Inzending ID, so a
  second import of the same file stores nothing twice. An Inzending ID that is already one of
  our ids (32 hex digits, as our export writes) is kept as it is.
- **Text** is plain text here and HTML in OpenStad: on import the tags of Titel, Samenvatting
  and Beschrijving are dropped (script and style with their content) and entities decoded; on
  export ``<``, ``>`` and ``&`` are encoded, and a first ``=``, ``+``, ``-`` or ``@`` becomes a
  character reference, so spreadsheets run no formula, OpenStad shows what the resident typed
  and the round trip gives the same text back. A text over ``MAX_TEXT`` characters is
  shortened and ends in "…"; the report and the moderation log say so.
- **Likes are not agreements**: an agreement here is one per participant, and OpenStad exports
  a count, not who liked. The count of each inzending is kept in the report and in the
  moderation log (one ``openstad`` entry per imported reaction); no agreement is invented.
- **Deleted and spam** inzendingen are stored, hidden, with the reason "verwijderd in
  OpenStad" or "spam volgens OpenStad" in the moderation log, because the participatieverslag
  accounts for every reaction received.
- **The export** holds the visible reactions only (what residents may see anyway, and what an
  OpenStad admin would publish), with their agreements as ``Aantal likes``, the theme as
  ``tags.theme`` and the buurt's name as ``tags.area``; sentiment and scenario have no
  OpenStad column and stay here.
"""

from __future__ import annotations

import csv
import hashlib
import html
import io
import math
import os
import re
import secrets
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from omgeving import settings
from omgeving._errors import OmgevingError, ValidationError
from omgeving.exchange.export import formula_safe, reaction_table
from omgeving.files import atomic_path
from omgeving.participation import Area, initial_status, validate_reaction
from omgeving.project import Project, open_project
from omgeving.reactions import CONTROL_CHARACTERS, MAX_TEXT, Reaction
from omgeving.store import Store, open_store

__all__ = [
    "EXPORT_HEADERS",
    "HEADERS",
    "ImportReport",
    "ImportedRow",
    "export_openstad",
    "import_openstad",
    "parse_theme_map",
    "read_openstad",
    "run_openstad",
]

#: The headers of OpenStad's resource export that the import knows (``tags.<type>`` besides).
HEADERS = (
    "Inzending ID",
    "Project ID",
    "Widget ID",
    "Titel",
    "Samenvatting",
    "Beschrijving",
    "Budget",
    "Locatie (lat)",
    "Locatie (lng)",
    "Datum aangemaakt (leesbaar)",
    "Laatst bijgewerkt",
    "Verwijderd op",
    "Aantal likes",
    "Aantal dislikes",
    "Voortgang",
    "Waarschijnlijk spam",
    "Statussen",
    "Moderatie berichten",
    "Afbeeldingen",
    "Documenten",
    "Embedded URL",
    "Extra gegevens",
    "Gebruiker ID",
)
#: The headers :func:`export_openstad` writes, in this order.
EXPORT_HEADERS = (
    "Inzending ID",
    "Titel",
    "Samenvatting",
    "Beschrijving",
    "Locatie (lat)",
    "Locatie (lng)",
    "Datum aangemaakt (leesbaar)",
    "Aantal likes",
    "tags.theme",
    "tags.area",
)
_REQUIRED = ("Inzending ID", "Locatie (lat)", "Locatie (lng)")
_TEXTS = ("Titel", "Samenvatting", "Beschrijving")
_ACTOR = "OpenStad-import"
_DELETED, _SPAM = "verwijderd in OpenStad", "spam volgens OpenStad"
_OUR_ID = re.compile(r"^[0-9a-f]{32}$")
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://openstad.org/resource")
_TZ = ZoneInfo(settings.TIMEZONE)  # moment's 'LLL' in OpenStad has no zone; assume Dutch time
_MONTHS_NL = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)
_MONTHS_EN = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_LLL_NL = re.compile(r"^(\d{1,2}) ([a-z]+) (\d{4}),? (\d{1,2}):(\d{2})$")
_LLL_EN = re.compile(r"^([a-z]+) (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}) ?(am|pm)$")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # as in omgeving.exchange.export
TITLE_LENGTH, SUMMARY_LENGTH = 50, 140  # OpenStad's default maximum lengths


# -- reading -----------------------------------------------------------------------------------


def read_openstad(path: str | os.PathLike[str]):
    """Read an OpenStad resource export (XLSX or CSV) as a DataFrame, personal columns dropped.

    XLSX: sheet ``Sheet1``, else the first. CSV: ``,``, ``;`` or tab, UTF-8 with or without
    a byte order mark, or UTF-16 with one (Excel's "Unicode-tekst"). Values stay as read
    (empty cells are None); the index is the row number in the spreadsheet (the header is row
    1). Every ``Gebruiker *`` column but ``Gebruiker ID`` is dropped here, so names, e-mail
    addresses, phone numbers and addresses go no further.

    Raises
    ------
    OmgevingError
        When the file is empty, is not the kind its name says, is binary or in another
        encoding, lacks ``Inzending ID``, ``Locatie (lat)`` or ``Locatie (lng)``, has none of
        Titel, Samenvatting and Beschrijving, or has no inzendingen under its headers; each
        message names the file and the fix.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".xlsm", ".csv", ".txt"):
        raise OmgevingError(
            f"{path} is not an OpenStad export this can read; use the .xlsx "
            "that 'Exporteer inzendingen' writes, or a .csv of it"
        )
    if not path.is_file():
        raise OmgevingError(f"{path} does not exist")
    data = path.read_bytes()
    if not data.strip():
        raise OmgevingError(f"{path} is empty: {_EXPORT_AGAIN}")
    frame = _read_xlsx(path, data) if suffix in (".xlsx", ".xlsm") else _read_csv(path, data)
    frame.columns = [_canonical(c) for c in frame.columns]
    personal = [c for c in frame.columns if c.startswith("Gebruiker") and c != "Gebruiker ID"]
    frame = frame.drop(columns=personal)
    _check_headers(path, list(frame.columns))
    frame.index = range(2, len(frame) + 2)
    frame = frame.astype(object)
    frame = frame.where(frame.notna(), None)
    frame = frame.loc[[any(_text(v) for v in row) for row in frame.itertuples(index=False)]]
    if frame.empty:
        raise OmgevingError(
            f"{path} has OpenStad's headers but no inzendingen under them: export the "
            "inzendingen again from OpenStad's admin (Exporteer inzendingen) once there are "
            "some, and pass that file"
        )
    return frame


_EXPORT_AGAIN = (
    "export the inzendingen again from OpenStad's admin (Exporteer inzendingen) and pass that file"
)
_ZIP = b"PK\x03\x04"  # every XLSX is a zip archive


def _read_xlsx(path: Path, data: bytes):
    import zipfile

    import pandas as pd

    if not data.startswith(_ZIP):
        hint = (
            f"it holds text: if it is a CSV, rename it to {path.with_suffix('.csv').name}"
            if _looks_like_text(data)
            else _EXPORT_AGAIN
        )
        raise OmgevingError(
            f"{path} cannot be read as XLSX (it is not a zip archive, as every XLSX is); {hint}"
        )
    try:
        with pd.ExcelFile(io.BytesIO(data), engine="openpyxl") as book:
            sheet = "Sheet1" if "Sheet1" in book.sheet_names else book.sheet_names[0]
            frame = pd.read_excel(book, sheet_name=sheet, dtype=object)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError) as err:
        raise OmgevingError(
            f"{path} cannot be read as XLSX ({err}); export it again from "
            "OpenStad, or save it from Excel as .xlsx"
        ) from err
    if frame.empty and not len(frame.columns):
        raise OmgevingError(f"{path} is empty (sheet {sheet!r} has no rows): {_EXPORT_AGAIN}")
    return frame


def _looks_like_text(data: bytes) -> bool:
    head = data[:4096]
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as err:
        return err.start > len(head) - 4  # a character cut off at the end of the sample
    return True


def _decode(path: Path, data: bytes) -> str:
    """Return the text of a CSV export, or refuse binary data and other encodings."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a BOM: Excel's Unicode text
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as err:
            raise OmgevingError(
                f"{path} is broken UTF-16 text ({err.reason}); {_EXPORT_AGAIN}"
            ) from err
    if data.startswith(_ZIP):
        raise OmgevingError(
            f"{path} is an XLSX file, not CSV: rename it to "
            f"{path.with_suffix('.xlsx').name} and pass that"
        )
    if b"\x00" in data[:65536]:
        raise OmgevingError(
            f"{path} is not text (it holds binary data): pass the .xlsx or "
            ".csv that OpenStad's 'Exporteer inzendingen' writes"
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        row = data[: err.start].count(b"\n") + 1
        try:
            data.decode("cp1252")
            guess = (
                " it looks like Windows-1252, as Excel's 'CSV (gescheiden door "
                "lijstscheidingsteken)' saves;"
            )
        except UnicodeDecodeError:
            guess = ""
        raise OmgevingError(
            f"{path} is not UTF-8 text (byte 0x{data[err.start]:02x} in row "
            f"{row});{guess} save it as 'CSV UTF-8' in Excel, or use the .xlsx "
            "export"
        ) from err


def _read_csv(path: Path, data: bytes):
    import pandas as pd

    text = _decode(path, data)
    if not text.strip():
        raise OmgevingError(f"{path} is empty: {_EXPORT_AGAIN}")
    header = text.lstrip("\r\n").split("\n", 1)[0]
    known = {h.lower() for h in HEADERS}

    def rank(sep: str) -> tuple[int, int]:
        """Known headers first; when none is known, the separator that splits the most."""
        cells = header.split(sep)
        return sum(c.strip().strip('"').lower() in known for c in cells), len(cells)

    sep = max((",", ";", "\t"), key=rank)
    try:
        return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError as err:
        raise OmgevingError(f"{path} is empty: {_EXPORT_AGAIN}") from err
    except (ValueError, csv.Error) as err:  # pandas' ParserError is a ValueError
        raise OmgevingError(f"{path} cannot be read as CSV ({err}); {_EXPORT_AGAIN}") from err


def _canonical(header: Any) -> str:
    name = str(header).strip()
    known = {h.lower(): h for h in HEADERS}
    return known.get(name.lower(), name)


def _check_headers(path: Path, columns: list[str]) -> None:
    missing = [h for h in _REQUIRED if h not in columns]
    if not any(h in columns for h in _TEXTS):
        missing.append("Titel, Samenvatting or Beschrijving")
    if not missing:
        return
    hint = (
        "; it looks like the comments export ('Exporteer reacties'), not the inzendingen"
        if "Reactie ID" in columns
        else ""
    )
    location = (
        " OpenStad leaves the location columns out when no inzending has a location,"
        " and this import needs one."
        if "Locatie (lat)" in missing
        else ""
    )
    raise OmgevingError(
        f"{path} has no column {', '.join(repr(m) for m in missing)}{hint}. Expected OpenStad's "
        f"resource export ('Exporteer inzendingen') with the headers {', '.join(_REQUIRED)} "
        f"and Titel/Beschrijving.{location} Found: {', '.join(columns) or 'no header row'}"
    )


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


def _text(value: Any) -> str:
    """Return a cell as stripped text ('' when empty; 12.0 as '12')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _count(value: Any) -> int:
    try:
        return max(0, int(float(_text(value).replace(",", ".") or 0)))
    except ValueError:
        return 0


def _yes(value: Any) -> bool:
    return value is True or _text(value).lower() in ("ja", "true", "1", "yes", "waar")


# -- exporting ---------------------------------------------------------------------------------


def export_openstad(
    project: Project, path: str | os.PathLike[str], *, scenario: str | None = None
) -> Path:
    """Write the visible reactions with OpenStad's resource headers, for its admin import.

    The suffix chooses the format: ``.xlsx`` (sheet ``Sheet1``, as OpenStad writes) or
    ``.csv`` (semicolons, UTF-8 with a byte order mark). Only visible reactions go out: what
    residents may see publicly, since an OpenStad admin publishes what it imports. There are no
    ``Gebruiker`` columns. Texts are HTML-encoded (OpenStad's fields are HTML) and
    formula-safe; Titel and Samenvatting are the first words of the text. The file is written
    beside the target and renamed when complete.

    Raises
    ------
    OmgevingError
        For another suffix, or a scenario the project does not have.
    """
    path = Path(path)
    writer = {".xlsx": _write_xlsx, ".csv": _write_csv}.get(path.suffix.lower())
    if writer is None:
        raise OmgevingError(f"{path}: write .xlsx (as OpenStad exports) or .csv")
    slugs = [s.slug for s in project.config.scenarios]
    if scenario is not None and scenario not in slugs:
        raise OmgevingError(
            f"scenario {scenario!r} is not in {project.root / 'omgeving.toml'};"
            f" use one of {', '.join(slugs) or '(none listed)'}"
        )
    with open_store(project.store_url()) as store:
        snapshot = store.snapshot()
    table = reaction_table(project, snapshot, scenario=scenario)
    rows = [_openstad_row(r) for r in table[table["status"] == "visible"].itertuples()]
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path, exists=False) as tmp:
        writer(rows, tmp)
    return path


def _openstad_row(r: Any) -> list[Any]:
    point = r.geometry.representative_point()
    created = datetime.fromisoformat(r.aangemaakt).astimezone(_TZ)
    readable = f"{created.day} {_MONTHS_NL[created.month - 1]} {created.year} {created:%H:%M}"
    return [
        r.id,
        _html(_first_words(r.tekst, TITLE_LENGTH)),
        _html(_first_words(r.tekst, SUMMARY_LENGTH)),
        _html(r.tekst),
        point.y,
        point.x,
        readable,
        int(r.instemmingen),
        r.thema,
        r.buurtnaam or None,
    ]


def _html(text: str) -> str:
    """Return plain text as HTML, with no first character a spreadsheet takes for a formula.

    Such a character becomes a character reference (``-2`` → ``&#45;2``), which OpenStad shows
    as the character and our import decodes, where an apostrophe would stay in the text.
    """
    encoded = html.escape(text, quote=False)
    if encoded.startswith(_FORMULA_START):
        return f"&#{ord(encoded[0])};{encoded[1:]}"
    return encoded


def _first_words(text: str, limit: int) -> str:
    line = _squash(text)
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut).rstrip() + "…"


def _write_xlsx(rows: list[list[Any]], path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(list(EXPORT_HEADERS))
    for row in rows:
        sheet.append([formula_safe(v) for v in row])
    book.save(path)


def _write_csv(rows: list[list[Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(EXPORT_HEADERS)
        writer.writerows([["" if v is None else formula_safe(v) for v in row] for row in rows])


# -- the command line --------------------------------------------------------------------------


def parse_theme_map(pairs: Iterable[str]) -> dict[str, str]:
    """Read ``--theme-map`` values ``tag=thema`` into a dict.

    Raises
    ------
    OmgevingError
        For a value without ``=`` or with an empty side.
    """
    mapping = {}
    for pair in pairs:
        tag, sep, theme = pair.partition("=")
        if not sep or not tag.strip() or not theme.strip():
            raise OmgevingError(f"--theme-map {pair!r} is not TAG=THEMA, e.g. 'Verkeer=mobiliteit'")
        mapping[tag.strip()] = theme.strip()
    return mapping


def run_openstad(
    project_dir: str | os.PathLike[str],
    *,
    import_path: str | os.PathLike[str] | None = None,
    export_path: str | os.PathLike[str] | None = None,
    theme_map: Iterable[str] = (),
    default_theme: str | None = None,
    dry_run: bool = False,
    scenario: str | None = None,
) -> str:
    """Run ``omgeving openstad DIR --import FILE ... | --export FILE``; return what to print.

    Raises
    ------
    OmgevingError
        When neither or both of ``import_path`` and ``export_path`` are given, or any step
        fails.
    """
    if (import_path is None) == (export_path is None):
        raise OmgevingError("give either --import FILE or --export FILE")
    project = open_project(project_dir)
    if export_path is not None:
        path = export_openstad(project, export_path, scenario=scenario)
        return f"Written: {path} (visible reactions only, with OpenStad's headers)"
    assert import_path is not None
    return import_openstad(
        project,
        import_path,
        theme_map=parse_theme_map(theme_map),
        default_theme=default_theme,
        dry_run=dry_run,
    ).summary()

"""Write our visible reactions in OpenStad's shape, and the ``omgeving openstad`` command."""

from __future__ import annotations

import csv
import html
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from omgeving._errors import OmgevingError
from omgeving.exchange.export import formula_safe, reaction_table
from omgeving.exchange.openstad._import import _squash, import_openstad
from omgeving.exchange.openstad._read import (
    _FORMULA_START,
    _MONTHS_NL,
    _TZ,
    EXPORT_HEADERS,
    SUMMARY_LENGTH,
    TITLE_LENGTH,
)
from omgeving.files import atomic_path
from omgeving.project import Project, open_project
from omgeving.store import open_store

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

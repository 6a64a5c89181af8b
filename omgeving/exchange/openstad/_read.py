"""Read OpenStad's resource export (XLSX or CSV) into rows, checking its headers."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from omgeving import settings
from omgeving._errors import OmgevingError

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


def _text(value: Any) -> str:
    """Return a cell as stripped text ('' when empty; 12.0 as '12')."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()

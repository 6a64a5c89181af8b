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

from omgeving.exchange.openstad._export import export_openstad, parse_theme_map, run_openstad
from omgeving.exchange.openstad._import import ImportedRow, ImportReport, import_openstad
from omgeving.exchange.openstad._read import EXPORT_HEADERS, HEADERS, read_openstad

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

"""Where the layers come from: PDOK, CBS StatLine, Locatieserver; one HTTP/JSON client under them.

========================  ==============================================================
:mod:`.catalogue`         the Dutch layers of a project and ``omgeving init`` / ``fetch``
:mod:`.pdok`              PDOK's OGC API Features: paging, RD New, ``Content-Crs``
:mod:`.cbs`               the CBS kerncijfers per buurt from StatLine, joined to buurten
:mod:`.locatieserver`     address and postcode search for the resident app
``_http``                 the client they share: disk cache, offline mode, retries
========================  ==============================================================

Nothing here imports a map or a widget. The names below are the ones a notebook needs; the
modules have the rest.

Examples
--------
>>> from omgeving.sources import init_project, refresh_project
>>> project = init_project("raalte", ["GM0177"])  # doctest: +SKIP
>>> refresh_project(project)  # doctest: +SKIP
"""

from __future__ import annotations

from omgeving.sources.catalogue import (
    BUURTEN,
    CATALOGUE,
    GEMEENTEGEBIED,
    NATURA2000,
    PANDEN,
    SENTINELS,
    Layer,
    fetch_gemeenten_layers,
    init_project,
    read_buurten,
    read_gebouwen,
    read_gemeenten,
    read_natura2000,
    refresh_project,
)
from omgeving.sources.cbs import CBSClient, join_kerncijfers
from omgeving.sources.locatieserver import Place, search_places
from omgeving.sources.pdok import PDOKClient, RequestRefusedError

__all__ = [
    "BUURTEN",
    "CATALOGUE",
    "GEMEENTEGEBIED",
    "NATURA2000",
    "PANDEN",
    "SENTINELS",
    "CBSClient",
    "Layer",
    "PDOKClient",
    "Place",
    "RequestRefusedError",
    "fetch_gemeenten_layers",
    "init_project",
    "join_kerncijfers",
    "read_buurten",
    "read_gebouwen",
    "read_gemeenten",
    "read_natura2000",
    "refresh_project",
    "search_places",
]

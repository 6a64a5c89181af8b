"""Serving the apps with Voila: the public server, the staff server, and their checks.

``omgeving serve`` runs :func:`serve` with the public apps (``/``, ``/scherm``, ``/tafel``,
``/vergelijken``, ``/antwoorden``); ``omgeving staff`` the moderation app behind a token.
:mod:`.preflight` checks the store and the baked web layers before either starts; the private
``_voila`` module is the routed Voila they run, with its template in ``_share/``.
"""

from __future__ import annotations

from omgeving.server.launch import (
    PUBLIC_APPS,
    STAFF_APPS,
    ServeOptions,
    check_port,
    kernel_cap,
    serve,
    voila_config,
)
from omgeving.server.preflight import check_store, check_web_layers, preflight

__all__ = [
    "PUBLIC_APPS",
    "STAFF_APPS",
    "ServeOptions",
    "check_port",
    "check_store",
    "check_web_layers",
    "kernel_cap",
    "preflight",
    "serve",
    "voila_config",
]

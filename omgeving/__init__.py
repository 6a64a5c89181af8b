"""omgeving: participation on the map for a Dutch municipality's omgevingsvisie.

Importing the package has no side effects and loads no geo stack; the names below are
imported on first use.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_EXPORTS = {
    "ConfigError": "omgeving._errors",
    "LayerError": "omgeving._errors",
    "OmgevingError": "omgeving._errors",
    "ProjectError": "omgeving._errors",
    "ServiceError": "omgeving._errors",
    "StoreError": "omgeving._errors",
    "ValidationError": "omgeving._errors",
    "ProjectConfig": "omgeving.config",
    "read_config": "omgeving.config",
    "Project": "omgeving.project",
    "open_project": "omgeving.project",
    "build_project": "omgeving.project",
    "read_layer": "omgeving.layers",
    "LayerCRSWarning": "omgeving.layers",
    "bake_web_layers": "omgeving.web",
    "open_store": "omgeving.store",
    "Reaction": "omgeving.reactions",
    "Scenario": "omgeving.scenario",
    "evaluate": "omgeving.indicators",
    "compare": "omgeving.indicators",
    "indicator": "omgeving.indicators",
    "reactions_frame": "omgeving.outputs.analysis",
    "export_reactions": "omgeving.exchange.export",
    "build_report": "omgeving.outputs.report",
    "respond": "omgeving.outputs.report",
    "export_maps": "omgeving.outputs.staticmap",
    "export_gio": "omgeving.exchange.gio",
    "import_openstad": "omgeving.exchange.openstad",
    "export_openstad": "omgeving.exchange.openstad",
    "build_demo": "omgeving.demo",
    "init_project": "omgeving.sources",
    "refresh_project": "omgeving.sources",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'omgeving' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return __all__

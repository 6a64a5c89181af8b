"""Check a project before a server starts: its store, its baked web layers, its logo and photo.

A server that starts on a damaged store or a missing web layer shows every resident Voila's
English "There was an error when executing cell"; :func:`preflight` refuses to start instead,
with the fix, before a kernel is started. ``omgeving serve`` and ``omgeving staff`` run it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from omgeving._errors import LayerError, StoreError
from omgeving.identity import identity_files
from omgeving.project import Project

__all__ = ["check_identity", "check_store", "check_web_layers", "preflight"]

_FIRST = "area.geojson"  # every app checks places against the project area
_INDICATORS = "indicators.json"  # the compare app reads it when it is there


def preflight(project: Project) -> None:
    """Check the web layers, logo, photo and store of ``project``; raise with the fix.

    The first serve of a project that has no store at all (no ``*.sqlite`` beside the one
    ``[store] url`` names, or a PostgreSQL database without the tables) creates it.

    Raises
    ------
    LayerError
        When ``web/manifest.json`` or a file it names is missing or not JSON.
    ConfigError
        When the logo or photo of ``[identity]`` is missing, too large, or not what it says.
    StoreError
        When the store is missing (and another is there), damaged, or unreachable.

    Examples
    --------
    >>> from omgeving import open_project
    >>> preflight(open_project("demo-project"))  # doctest: +SKIP
    """
    check_web_layers(project)
    check_identity(project)
    check_store(project, create=_first_serve(project))


def check_identity(project: Project) -> dict[str, Path]:
    """Check the logo and photo that ``[identity]`` names, and return them.

    Returns
    -------
    dict of str to Path
        The absolute file by its name under ``/huisstijl/`` (``"logo"``, ``"foto"``).

    Raises
    ------
    ConfigError
        Naming the file, what is wrong with it (missing, too large, not the type its suffix
        says, an SVG with a script or a link) and how to fix it.
    """
    return identity_files(project.root, project.config.identity)


def check_web_layers(project: Project) -> None:
    """Check that ``web/manifest.json`` and every file it names exist and are JSON.

    Raises
    ------
    LayerError
        Naming the first missing or broken file, and ``omgeving publish`` to bake them again.
    """
    from omgeving.web import read_manifest

    fix = f"run 'omgeving publish {project.root}' to bake the web layers again"
    try:
        manifest = read_manifest(project.web_dir)
    except ValueError as err:  # json.JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise LayerError(
            f"the baked web layers' web/manifest.json is broken ({err}): {fix}"
        ) from err
    try:
        names = _named_files(manifest)
    except (AttributeError, KeyError, TypeError, ValueError) as err:
        raise LayerError(
            f"the baked web layers' web/manifest.json lists its files wrongly ({err!r}): {fix}"
        ) from err
    if (project.web_dir / _INDICATORS).exists():
        names.append(_INDICATORS)
    for name in names:
        problem = _json_problem(project.web_dir / name)
        if problem:
            raise LayerError(f"the baked web layer web/{name} is {problem}: {fix}")


def check_store(project: Project, *, create: bool = False) -> None:
    """Open the store, check its schema version and run its quick integrity check.

    Raises
    ------
    StoreError
        When the store is missing (unless ``create``), damaged, too new, or unreachable.
    """
    from omgeving.store import SCHEMA_VERSION, open_store
    from omgeving.store import repair_hint as _damaged
    from omgeving.store import sqlite_path as _sqlite_path

    url = project.store_url()
    with open_store(url, create=create) as store:
        version = store.schema_version()
        answer = store.quick_check()
    path = _sqlite_path(url)
    where = path if path is not None else getattr(store, "url", url)
    if version != SCHEMA_VERSION:
        raise StoreError(
            f"the reaction store {where} has schema version {version}, not "
            f"{SCHEMA_VERSION}; open it once with this omgeving's open_store to upgrade it"
        )
    if answer == "ok":
        return
    if path is not None:
        raise StoreError(
            f"the reaction store {path} is damaged ({answer[:300]}); "
            f"{_damaged(path, 'the server was not started')}"
        )
    raise StoreError(
        f"the reaction store {where} fails its health check ({answer[:300]}); restore the "
        "database from a backup (pg_restore), or point [store] url at a new database to start "
        "an empty store (the server was not started)"
    )


def _first_serve(project: Project) -> bool:
    """Return whether serving may create the store.

    It may when its folder has no SQLite store at all, or for a PostgreSQL database (one
    without omgeving's tables is a new store).
    """
    from omgeving.store import sqlite_path as _sqlite_path

    path = _sqlite_path(project.store_url())
    if path is None:
        return True
    return not path.exists() and path.parent.is_dir() and not any(path.parent.glob("*.sqlite"))


def _named_files(manifest: dict[str, Any]) -> list[str]:
    names = [_FIRST]
    names += [str(layer["file"]) for layer in manifest.get("layers", [])]
    names += [str(scenario["file"]) for scenario in manifest.get("scenarios", [])]
    buildings = manifest.get("buildings") or {}
    names += [
        f"{buildings['dir']}/{int(x)}_{int(y)}.geojson" for x, y in buildings.get("tiles", [])
    ]
    return list(dict.fromkeys(names))


def _json_problem(path: Path) -> str | None:
    """Return what is wrong with a baked JSON file, or None."""
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return "missing"
    except OSError as err:
        return f"unreadable ({err.strerror})"
    except ValueError as err:
        return f"broken (not JSON: {err})"
    if path.suffix == ".geojson" and not (
        isinstance(data, dict) and isinstance(data.get("features"), list)
    ):
        return "broken (not a GeoJSON FeatureCollection)"
    return None

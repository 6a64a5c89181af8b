"""The project folder: the unit of work that holds everything an evening needs.

Layout::

    omgeving.toml        configuration (see :mod:`omgeving.config`)
    layers/<name>.parquet  cached layers, GeoParquet in EPSG:28992
    web/                 baked web layers (EPSG:4326, simplified, small)
    scenarios/<slug>.geojson  scenario interventions (EPSG:28992, with a ``crs`` member)
    reactions.sqlite     the reaction store (default)
    cache/               raw responses of remote services, so a second run needs no network
    exports/             what ``omgeving export`` writes
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from omgeving._errors import LayerError, ProjectError
from omgeving.config import CONFIG_NAME, ProjectConfig, StaffConfig, read_config, write_config
from omgeving.files import atomic_path
from omgeving.layers import RD, looks_like_degrees, looks_like_rd

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = [
    "RD",
    "Project",
    "build_project",
    "fetch_and_build",
    "open_project",
    "write_layer",
    "write_scenario_file",
]

#: The internal CRS of every layer: Amersfoort / RD New.


@dataclass(frozen=True)
class Project:
    """An opened project folder."""

    root: Path
    config: ProjectConfig

    @property
    def layers_dir(self) -> Path:
        """The ``layers/`` folder: the cached layers, GeoParquet in EPSG:28992."""
        return self.root / "layers"

    @property
    def web_dir(self) -> Path:
        """The ``web/`` folder: the baked web layers of the apps (EPSG:4326, small)."""
        return self.root / "web"

    @property
    def scenarios_dir(self) -> Path:
        """The ``scenarios/`` folder: one GeoJSON file of interventions per scenario."""
        return self.root / "scenarios"

    @property
    def cache_dir(self) -> Path:
        """The ``cache/`` folder: raw responses of remote services, for a run offline."""
        return self.root / "cache"

    @property
    def exports_dir(self) -> Path:
        """The ``exports/`` folder: what ``omgeving export`` and the reports write."""
        return self.root / "exports"

    def layer_path(self, name: str) -> Path:
        """Return the file of layer ``name`` (it may not exist)."""
        return self.layers_dir / f"{name}.parquet"

    def layer_names(self) -> list[str]:
        """Return the names of the cached layers, sorted."""
        return sorted(p.stem for p in self.layers_dir.glob("*.parquet"))

    def read_layer(self, name: str, *, columns: list[str] | None = None) -> gpd.GeoDataFrame:
        """Read a cached layer as a GeoDataFrame in EPSG:28992.

        Raises
        ------
        LayerError
            When the project has no such layer; the message lists the layers it has.
        """
        import geopandas as gpd

        path = self.layer_path(name)
        if not path.exists():
            raise LayerError(
                f"project {self.root} has no layer {name!r}; it has: "
                f"{', '.join(self.layer_names()) or 'none'}"
            )
        return gpd.read_parquet(path, columns=columns)

    def scenario_path(self, slug: str) -> Path:
        """Return the interventions file of scenario ``slug``."""
        return self.scenarios_dir / f"{slug}.geojson"

    def store_url(self) -> str:
        """Return the store URL with a relative SQLite path resolved against the folder."""
        url = self.config.store_url
        prefix = "sqlite:///"
        if url.startswith(prefix) and not Path(url[len(prefix) :]).is_absolute():
            return prefix + str(self.root / url[len(prefix) :])
        return url


def open_project(path: str | os.PathLike[str] = ".") -> Project:
    """Open the project folder at ``path``.

    Raises
    ------
    ProjectError
        When the folder does not exist or holds no ``omgeving.toml``.
    ConfigError
        When the configuration is wrong.
    """
    root = Path(path).resolve()
    if not root.is_dir():
        raise ProjectError(
            f"{root} is not a folder; make a project there with "
            f"'omgeving demo {path}' or 'omgeving init {path} --gemeente GM0177'"
        )
    if not (root / CONFIG_NAME).is_file():
        raise ProjectError(
            f"{root} is not an omgeving project (it has no {CONFIG_NAME}); "
            f"make one with 'omgeving demo {path}' or 'omgeving init {path} --gemeente GM0177'"
        )
    return Project(root=root, config=read_config(root / CONFIG_NAME))


def write_layer(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write ``gdf`` as GeoParquet in EPSG:28992, via a temporary file and a rename."""
    if gdf.crs is None:
        raise _no_crs(f"layer {path.stem!r}", gdf)
    if gdf.crs.to_epsg() != RD:
        gdf = gdf.to_crs(RD)
    with atomic_path(path) as tmp:
        gdf.to_parquet(tmp, write_covering_bbox=True, index=False)
    return path


@contextmanager
def _staging(target: Path) -> Iterator[Path]:
    """Yield a fresh folder beside ``target``; on success it becomes ``target``.

    On any error the staging folder is removed, so no half-written project is left.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    umask = os.umask(0)
    os.umask(umask)
    stage.chmod(0o777 & ~umask)  # mkdtemp makes it private; a project is an ordinary folder
    try:
        yield stage
    except BaseException:
        shutil.rmtree(stage, ignore_errors=True)
        raise
    try:
        if target.exists():
            _replace_keeping_store(stage, target)
        else:
            os.replace(stage, target)
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _replace_keeping_store(stage: Path, target: Path) -> None:
    """Move the rebuilt parts of ``stage`` into an existing project, keeping its reactions."""
    for child in stage.iterdir():
        dest = target / child.name
        if dest.is_dir():
            shutil.rmtree(dest)
        elif dest.exists():
            dest.unlink()
        os.replace(child, dest)


def build_project(
    target: str | os.PathLike[str],
    config: ProjectConfig,
    layers: Mapping[str, gpd.GeoDataFrame],
    *,
    scenarios: Mapping[str, gpd.GeoDataFrame] | None = None,
    overwrite: bool = False,
    extra: Callable[[Project], object] | None = None,
) -> Project:
    """Write a complete project folder in one step.

    Everything is written into a staging folder first and moved into place only when all of
    it succeeded. A new project gets an empty reaction store (``reactions.sqlite``).
    Rebuilding an existing project (``overwrite=True``) replaces its layers and web layers,
    and keeps its reactions, cache, exports and scenario files (``scenarios`` given here
    replace those of the same slug).

    Parameters
    ----------
    target
        The project folder to create.
    config
        The configuration to write as ``omgeving.toml``.
    layers
        Layer name → GeoDataFrame (any CRS; stored in EPSG:28992).
    scenarios
        Scenario slug → interventions GeoDataFrame.
    overwrite
        Rebuild a folder that already is a project.
    extra
        Called with the staged project before it is moved into place (to bake web layers).
    """
    target = Path(target).resolve()
    if not config.staff.token:  # every project gets its own staff login token
        config = replace(config, staff=StaffConfig(token=secrets.token_urlsafe(18)))
    if target.exists():
        if not target.is_dir():
            raise ProjectError(f"{target} is a file; choose a folder name for the project")
        is_project = (target / CONFIG_NAME).is_file()
        if any(target.iterdir()) and not (is_project and overwrite):
            hint = (
                "pass --force to rebuild it (its reactions are kept)"
                if is_project
                else ("choose an empty or new folder")
            )
            raise ProjectError(f"{target} is not empty; {hint}")
    rebuild = (target / CONFIG_NAME).is_file()
    with _staging(target) as stage:
        for sub in ("layers", "web", "scenarios", "cache", "exports"):
            (stage / sub).mkdir()
        if rebuild:  # a planner's scenarios survive a rebuild; new files of the same name win
            shutil.copytree(target / "scenarios", stage / "scenarios", dirs_exist_ok=True)
        write_config(config, stage / CONFIG_NAME)
        for name, gdf in layers.items():
            write_layer(gdf, stage / "layers" / f"{name}.parquet")
        for slug, gdf in (scenarios or {}).items():
            write_scenario_file(gdf, stage / "scenarios" / f"{slug}.geojson")
        if extra is not None:
            extra(Project(root=stage, config=config))
        if rebuild:  # keep the existing cache, exports and store; rebuild the rest
            for keep in ("cache", "exports"):
                if (target / keep).is_dir():
                    shutil.rmtree(stage / keep)
        else:
            _create_store(Project(root=stage, config=config))
    return open_project(target)


def fetch_and_build(
    target: str | os.PathLike[str],
    fetch: Callable[
        [Path, Project | None], tuple[ProjectConfig, Mapping[str, gpd.GeoDataFrame]]
    ],
    *,
    overwrite: bool = False,
    keep: tuple[str, ...] = (),
    fresh_cache: bool = True,
    extra: Callable[[Project], object] | None = None,
) -> Project:
    """Build a project from layers that ``fetch`` downloads, with its raw answers as the cache.

    The cache is filled in a new folder beside ``target`` and becomes the project's ``cache/``
    only when the whole build succeeded (with :func:`build_project`'s staging folder). A failure
    leaves no new folder, no temporary files and, for a rebuild, the old project as it was.

    Parameters
    ----------
    target
        The project folder (new or empty; an existing project only with ``overwrite``).
    fetch
        ``fetch(cache, old)`` returns ``(config, layers)`` for :func:`build_project`. ``cache``
        is the folder to keep the raw answers in: a new, empty one, or without
        ``fresh_cache`` the project's own ``cache/``. ``old`` is the project already at
        ``target``, or ``None``.
    overwrite
        Rebuild a folder that already is a project (its reactions and scenario files are
        kept, as by :func:`build_project`).
    keep
        Folders of the old project to copy into the rebuilt one, e.g. ``("web",)``.
    fresh_cache
        ``False`` builds from the cache the project has (offline) and keeps it.
    extra
        Called with the staged project before it is moved into place (to bake web layers).

    Raises
    ------
    ProjectError
        When ``target`` is a file, a folder that is neither empty nor a project, a project
        without ``overwrite``, or (without ``fresh_cache``) no project.
    """
    target = Path(target).resolve()
    old = _check_target(target, overwrite=overwrite)
    if not fresh_cache:
        if old is None:
            raise ProjectError(
                f"{target} is not a project yet, so it has no cache to build from; "
                "fetch its layers while online"
            )
        config, layers = fetch(old.cache_dir, old)
        finish = _finisher(old, None, keep, extra)
        return build_project(target, config, layers, overwrite=True, extra=finish)
    in_place = target.exists()
    created = _make_parents(target.parent)
    cache = Path(tempfile.mkdtemp(prefix=f".{target.name}.cache-", dir=target.parent))
    done = False
    try:
        config, layers = fetch(cache, old)
        # a new folder gets the cache while it is staged; an existing folder (which
        # build_project rebuilds in place, keeping its cache) gets it swapped in afterwards
        finish = _finisher(old, None if in_place else cache, keep, extra)
        project = build_project(target, config, layers, overwrite=old is not None, extra=finish)
        if in_place:
            _swap_folder(cache, project.cache_dir)
        done = True
        return project
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if not done:
            _remove_empty(created)


def _finisher(
    old: Project | None,
    cache: Path | None,
    keep: tuple[str, ...],
    extra: Callable[[Project], object] | None,
) -> Callable[[Project], None]:
    """Return the step run on the staged project: keep old parts, move the cache in."""

    def finish(staged: Project) -> None:
        if old is not None:
            for name in keep:
                if (old.root / name).is_dir():
                    shutil.copytree(old.root / name, staged.root / name, dirs_exist_ok=True)
        if cache is not None:
            staged.cache_dir.rmdir()
            os.replace(cache, staged.cache_dir)
        if extra is not None:
            extra(staged)

    return finish


def _check_target(target: Path, *, overwrite: bool) -> Project | None:
    """Refuse a target that cannot become the project; return it if it is one to rebuild."""
    if not target.exists():
        return None
    if not target.is_dir():
        raise ProjectError(f"{target} is a file; choose a folder name for the project")
    if not any(target.iterdir()):
        return None
    if not (target / CONFIG_NAME).is_file():
        raise ProjectError(f"{target} is not empty; choose an empty or new folder")
    if not overwrite:
        raise ProjectError(
            f"{target} is already a project; pass --force (overwrite=True) to rebuild it "
            "(its reactions are kept)"
        )
    return open_project(target)


def _swap_folder(new: Path, dest: Path) -> None:
    """Replace the folder ``dest`` by ``new``, putting the old one back if that fails."""
    trash = Path(tempfile.mkdtemp(prefix=f".{dest.name}-old-", dir=dest.parent))
    try:
        if dest.exists():
            os.replace(dest, trash / dest.name)
        try:
            os.replace(new, dest)
        except OSError:
            if (trash / dest.name).exists():
                os.replace(trash / dest.name, dest)
            raise
    finally:
        shutil.rmtree(trash, ignore_errors=True)


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return the ones created, deepest first."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


def _remove_empty(folders: list[Path]) -> None:
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


def _create_store(project: Project) -> None:
    """Give a new project its empty SQLite store, if the store lies in the project folder.

    Only here, and at the first ``omgeving serve`` of a project without any store, is a store
    made; everything else refuses a missing one, so a typo in ``[store] url`` never starts an
    empty store unseen. A rebuild keeps the store it has; a PostgreSQL store gets its tables
    at the first serve.
    """
    from omgeving.store import open_store
    from omgeving.store import sqlite_path as _sqlite_path

    path = _sqlite_path(project.store_url())
    if path is not None and path.resolve().is_relative_to(project.root.resolve()):
        open_store(project.store_url(), create=True).close()


def write_scenario_file(gdf: gpd.GeoDataFrame, path: Path) -> Path:
    """Write scenario interventions as GeoJSON in EPSG:28992 with an explicit ``crs`` member."""
    if gdf.crs is None:
        raise _no_crs(f"scenario {path.stem!r}", gdf)
    gdf = gdf.to_crs(RD)
    with atomic_path(path, exists=False) as tmp:
        gdf.to_file(tmp, driver="GeoJSON", RFC7946="NO", WRITE_NAME="NO")
    return path


def _no_crs(what: str, gdf: gpd.GeoDataFrame) -> LayerError:
    """Return the error for a frame without a CRS, with the ``set_crs`` its coordinates want."""
    minx, miny, maxx, maxy = (float(v) for v in gdf.total_bounds)
    bounds = (minx, miny, maxx, maxy)
    if looks_like_rd(bounds):
        fix = "its coordinates are RD New: set it with gdf.set_crs(28992)"
    elif looks_like_degrees(bounds):
        fix = "its coordinates are longitude/latitude: set it with gdf.set_crs(4326)"
    else:
        fix = "set the EPSG code of its coordinates with gdf.set_crs(...) (RD New is 28992)"
    return LayerError(f"{what} has no CRS; {fix}, then write it again")

"""Scenarios: a name, a description and the planned interventions, stored in the project.

An intervention is a geometry in EPSG:28992 with a ``functie`` (one of :data:`FUNCTIONS`) and
the quantities that function needs (``woningen``, ``mw``, ``tiphoogte_m``). Hectares are
always computed from the geometry, never stored. A scenario is checked when it is saved:
inside the project area, valid geometry, the quantities its functions need, credible ranges;
every message names the intervention, the value and the fix.

Files: ``scenarios/<slug>.geojson`` holds the interventions; name and description live in
``[[scenarios]]`` of ``omgeving.toml``.
"""

from __future__ import annotations

import os
import re
import unicodedata
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from omgeving._errors import LayerError, ProjectError, ValidationError
from omgeving._scenario_rules import (
    _QUANTITIES,
    _UNSET,
    COLUMNS,
    FUNCTIONS,
    Density,
    Function,
    Issue,
    Quantity,
    ScenarioWarning,
    _area,
    _hectares,
    _issues,
    _same,
    _who,
)
from omgeving.config import CONFIG_NAME, SLUG, ScenarioRef, read_config, write_scenario_entry
from omgeving.layers import _with_crs, looks_like_degrees
from omgeving.project import RD, Project, open_project, write_scenario_file

__all__ = [
    "COLUMNS",
    "FUNCTIONS",
    "Density",
    "Function",
    "Issue",
    "Quantity",
    "Scenario",
    "ScenarioWarning",
    "list_scenarios",
]

class Scenario:
    """A scenario: slug, name, description and its interventions.

    Parameters
    ----------
    slug
        The file name in ``scenarios/``: lower-case letters, digits and dashes.
    name
        The name residents see.
    interventions
        A GeoDataFrame with ``naam``, ``functie`` and the quantity columns (missing quantity
        columns are unset; other columns are left out); any CRS, kept in EPSG:28992.
    description
        What the scenario means, in plain language.

    Examples
    --------
    >>> from shapely.geometry import box
    >>> s = Scenario("proef", "Proef")
    >>> s.add("Nieuwbouw Noord", "wonen", box(211000, 490000, 211300, 490300), woningen=250)
    >>> s.table()[["naam", "hectare", "woningen"]].to_dict("records")
    [{'naam': 'Nieuwbouw Noord', 'hectare': 9.0, 'woningen': 250}]
    """

    def __init__(
        self,
        slug: str,
        name: str,
        interventions: gpd.GeoDataFrame | None = None,
        *,
        description: str = "",
    ) -> None:
        self.slug = slug
        self.name = name
        self.description = description
        self.interventions = _empty() if interventions is None else interventions

    @property
    def slug(self) -> str:
        """The scenario's file name in ``scenarios/`` (without ``.geojson``)."""
        return self._slug

    @slug.setter
    def slug(self, value: str) -> None:
        if not isinstance(value, str) or not SLUG.match(value):
            raise ValidationError(
                f"scenario slug {value!r} must be lower-case letters, digits and dashes "
                "(at most 63), for example 'compact-bouwen'"
            )
        self._slug = value

    @property
    def interventions(self) -> gpd.GeoDataFrame:
        """The interventions: EPSG:28992, the columns :data:`COLUMNS` and ``geometry``."""
        return self._interventions

    @interventions.setter
    def interventions(self, frame: gpd.GeoDataFrame) -> None:
        self._interventions = _normalise(frame)

    def __repr__(self) -> str:
        return f"Scenario({self.slug!r}, {self.name!r}, {len(self.interventions)} interventions)"

    # -- reading ---------------------------------------------------------------------------

    @classmethod
    def from_file(
        cls,
        path: str | os.PathLike[str],
        *,
        name: str | None = None,
        description: str = "",
        slug: str | None = None,
        layer: str | None = None,
        crs: int | str | None = None,
    ) -> Scenario:
        """Read interventions from a file: GeoJSON, GeoPackage, anything pyogrio reads, GeoParquet.

        The CRS is handled as by :func:`omgeving.read_layer` (a GeoJSON in RD New without a
        ``crs`` member is read as RD, with a warning), but geometries are *not* repaired:
        :meth:`issues` reports invalid ones. Columns other than :data:`COLUMNS` are left out.

        Parameters
        ----------
        path
            The file.
        name, description
            Name and description; ``name`` defaults to the file name.
        slug
            The slug; made from the file name when not given.
        layer
            The layer inside a GeoPackage with several layers.
        crs
            The CRS of the coordinates, when the file does not say or says it wrongly.

        Raises
        ------
        LayerError
            When the file is missing or unreadable, or its CRS cannot be known.
        ValidationError
            When it lacks ``naam`` or ``functie``, or a quantity is not a number.
        """
        path = Path(path)
        frame = _read(path, layer=layer, crs=crs)
        name = path.stem if name is None else name
        return cls(slug or _slugify(path.stem), name, frame, description=description)

    @classmethod
    def load(cls, project: Project | str | os.PathLike[str], slug: str) -> Scenario:
        """Read scenario ``slug`` of ``project``: its file and its entry in ``omgeving.toml``.

        Raises
        ------
        ProjectError
            When the project lists no such scenario, or its file is missing.
        """
        project = _project(project)
        refs = {ref.slug: ref for ref in list_scenarios(project)}
        if slug not in refs:
            raise ProjectError(
                f"project {project.root} has no scenario {slug!r}; it has: "
                f"{', '.join(refs) or 'none'}"
            )
        path = project.scenario_path(slug)
        if not path.is_file():
            raise ProjectError(
                f"scenario {slug!r} is listed in {CONFIG_NAME} but {path} is missing; save the "
                "scenario again or remove its [[scenarios]] entry"
            )
        ref = refs[slug]
        return cls.from_file(path, slug=slug, name=ref.name, description=ref.description)

    # -- editing ---------------------------------------------------------------------------

    def add(self, naam: str, functie: str, geometry: Any, **quantities: float) -> None:
        """Add an intervention.

        Parameters
        ----------
        naam
            A name unique in the scenario.
        functie
            One of :data:`FUNCTIONS`.
        geometry
            A shapely geometry or GeoJSON-like mapping in EPSG:28992 (RD New): a
            (Multi)Polygon, or a Point for a wind turbine.
        **quantities
            ``woningen``, ``mw``, ``tiphoogte_m``: those the function needs.

        Raises
        ------
        ValidationError
            When the intervention is wrong on its own (the project area is checked by
            :meth:`save`); the scenario is then unchanged. Unusual values give a
            :class:`ScenarioWarning`.
        """
        _check_names(quantities)
        row = {"naam": naam, "functie": functie, **_UNSET, **quantities}
        row["geometry"] = _geometry(geometry)
        self._apply([*self.interventions.to_dict("records"), row], naam)

    def update(self, naam: str, /, **changes: Any) -> None:
        """Change intervention ``naam``: its ``naam``, ``functie``, ``geometry`` or quantities.

        When ``functie`` changes, the quantities the new function does not take are unset
        (unless given).

        Raises
        ------
        ValidationError
            When there is no such intervention, or the changed one is wrong on its own; the
            scenario is then unchanged.
        """
        _check_names(changes, also=("naam", "functie", "geometry"))
        index = self._index(naam)
        rows = self.interventions.to_dict("records")
        row = rows[index] | changes
        if "geometry" in changes:
            row["geometry"] = _geometry(changes["geometry"])
        function = FUNCTIONS.get(row["functie"])
        if "functie" in changes and function is not None:
            keep = {q.column for q in function.quantities} | changes.keys()
            row |= {column: value for column, value in _UNSET.items() if column not in keep}
        rows[index] = row
        self._apply(rows, row["naam"])

    def remove(self, naam: str) -> None:
        """Remove intervention ``naam``.

        Raises
        ------
        ValidationError
            When there is no such intervention.
        """
        index = self._index(naam)
        self._interventions = self.interventions.drop(index).reset_index(drop=True)

    def copy(
        self, slug: str, *, name: str | None = None, description: str | None = None
    ) -> Scenario:
        """Return a variant: the same interventions under a new slug and name.

        Examples
        --------
        >>> Scenario("basis", "Basis").copy("basis-b", name="Basis, variant B")
        Scenario('basis-b', 'Basis, variant B', 0 interventions)
        """
        return Scenario(
            slug,
            f"{self.name} (variant)" if name is None else name,
            self.interventions.copy(),
            description=self.description if description is None else description,
        )

    # -- checking --------------------------------------------------------------------------

    def issues(self, area: Any = None) -> list[Issue]:
        """Return every problem and unusual value, in the order of the interventions.

        Parameters
        ----------
        area
            The project area: a :class:`~omgeving.Project` (its ``gemeente`` layer), a shapely
            geometry in EPSG:28992, or a GeoDataFrame/GeoSeries. Not checked when None.
        """
        return _issues(self.interventions, _area(area))

    def validate(self, area: Any = None) -> list[Issue]:
        """Check the scenario and return its warnings.

        Parameters
        ----------
        area
            As for :meth:`issues`.

        Raises
        ------
        ValidationError
            Listing every error: which intervention, which value, and the fix.
        """
        issues = self.issues(area)
        errors = [i.message for i in issues if i.level == "error"]
        if len(errors) == 1:
            raise ValidationError(f"scenario {self.slug!r}: {errors[0]}")
        if errors:
            listed = "\n- ".join(errors)
            raise ValidationError(f"scenario {self.slug!r} has {len(errors)} problems:\n- {listed}")
        return [i for i in issues if i.level == "warning"]

    # -- writing ---------------------------------------------------------------------------

    def save(self, project: Project | str | os.PathLike[str]) -> Path:
        """Validate against the project area, then write the file and the ``omgeving.toml`` entry.

        Each is written to a temporary file that is then renamed. Warnings are issued as
        :class:`ScenarioWarning`. The residents' apps show the change once the web layers are
        baked again: ``bake_web_layers(open_project(folder))`` (a :class:`~omgeving.Project`
        opened before the save still lists the scenarios it had).

        Returns
        -------
        Path
            The scenario file.

        Raises
        ------
        ValidationError
            When the scenario has errors; nothing is written then.
        """
        project = _project(project)
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValidationError(
                f"scenario {self.slug!r} has no name; set one, e.g. scenario.name = 'Compact'"
            )
        for issue in self.validate(project):
            warnings.warn(issue.message, ScenarioWarning, stacklevel=2)
        project.scenarios_dir.mkdir(exist_ok=True)
        path = write_scenario_file(self.interventions, project.scenario_path(self.slug))
        ref = ScenarioRef(self.slug, self.name, self.description)
        write_scenario_entry(project.root / CONFIG_NAME, ref)
        return path

    # -- comparing -------------------------------------------------------------------------

    def table(self) -> pd.DataFrame:
        """Return the interventions without geometry, with ``hectare`` computed from it."""
        frame = pd.DataFrame(self.interventions.drop(columns="geometry"))
        frame.insert(2, "hectare", _hectares(self.interventions.geometry.to_numpy()).round(2))
        return frame

    def diff(self, other: Scenario) -> pd.DataFrame:
        """Return what ``other`` changes: interventions added, removed and changed.

        Interventions are matched by ``naam``. A changed one has a row per changed attribute;
        for ``geometry``, ``before`` and ``after`` are hectares (areas) or RD coordinates
        (points); geometries equal to 1 cm count as unchanged.

        Returns
        -------
        DataFrame
            Columns ``naam``, ``functie``, ``change`` (``added``, ``removed``, ``changed``),
            ``attribute``, ``before``, ``after``.

        Examples
        --------
        >>> from shapely.geometry import box
        >>> a = Scenario("a", "A")
        >>> a.add("Park", "natuur", box(211000, 490000, 211100, 490100))
        >>> b = a.copy("b")
        >>> b.update("Park", geometry=box(211000, 490000, 211200, 490100))
        >>> a.diff(b).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
        {'naam': 'Park', 'functie': 'natuur', 'change': 'changed', 'attribute': 'geometry',
         'before': 1.0, 'after': 2.0}
        """
        old = self.interventions.drop_duplicates("naam").set_index("naam")
        new = other.interventions.drop_duplicates("naam").set_index("naam")
        both = old.index.intersection(new.index, sort=False)
        moved = ~shapely.equals_exact(
            shapely.normalize(old.geometry[both].to_numpy()),
            shapely.normalize(new.geometry[both].to_numpy()),
            tolerance=0.01,
        )
        gone = old.index.difference(new.index, sort=False)
        added = new.index.difference(old.index, sort=False)
        rows: list[tuple[Any, ...]] = [
            (n, old.functie[n], "removed", None, None, None) for n in gone
        ]
        for naam, geometry_changed in zip(both, moved, strict=True):
            before, after = old.loc[naam], new.loc[naam]
            rows += [
                (naam, after.functie, "changed", column, before[column], after[column])
                for column in COLUMNS[1:]
                if not _same(before[column], after[column])
            ]
            if geometry_changed:
                sizes = _size(before.geometry), _size(after.geometry)
                rows.append((naam, after.functie, "changed", "geometry", *sizes))
        rows += [(n, new.functie[n], "added", None, None, None) for n in added]
        columns = ["naam", "functie", "change", "attribute", "before", "after"]
        return pd.DataFrame(rows, columns=columns, dtype=object)

    # -- internals -------------------------------------------------------------------------

    def _index(self, naam: str) -> int:
        hits = np.flatnonzero(self.interventions["naam"].to_numpy() == naam)
        if len(hits) > 1:
            raise ValidationError(
                f"{len(hits)} interventions are called {naam!r}; give them unique names "
                "(in the file, or in scenario.interventions)"
            )
        if not len(hits):
            known = ", ".join(repr(n) for n in self.interventions["naam"]) or "none"
            raise ValidationError(
                f"scenario {self.slug!r} has no intervention {naam!r}; it has: {known}"
            )
        return int(hits[0])

    def _apply(self, rows: list[dict[str, Any]], naam: str) -> None:
        """Take ``rows`` as the interventions when intervention ``naam`` has no errors."""
        frame = _normalise(gpd.GeoDataFrame(rows, geometry="geometry", crs=RD))
        naam = naam.strip() if isinstance(naam, str) else None
        mine = [i for i in _issues(frame, None) if i.naam == naam]
        errors = [i.message for i in mine if i.level == "error"]
        if errors:
            raise ValidationError("; ".join(errors))
        for issue in mine:
            warnings.warn(issue.message, ScenarioWarning, stacklevel=3)
        self._interventions = frame


def list_scenarios(project: Project | str | os.PathLike[str]) -> tuple[ScenarioRef, ...]:
    """Return the scenarios of ``project``, as its ``omgeving.toml`` lists them now."""
    return read_config(_project(project).root / CONFIG_NAME).scenarios


def _project(project: Project | str | os.PathLike[str]) -> Project:
    return project if isinstance(project, Project) else open_project(project)


# -- frames ---------------------------------------------------------------------------------


def _empty() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"naam": [], "functie": []}, geometry=gpd.GeoSeries([], crs=RD))


def _normalise(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Return ``frame`` in EPSG:28992 with exactly :data:`COLUMNS` (typed) and ``geometry``."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ValidationError(
            f"interventions must be a GeoDataFrame, not {type(frame).__name__}; "
            "make one with geopandas.GeoDataFrame(..., geometry=..., crs=28992)"
        )
    if frame.crs is None:
        raise ValidationError("the interventions have no CRS; set it, e.g. .set_crs(28992)")
    frame = frame.to_crs(RD).reset_index(drop=True)
    for column in ("naam", "functie"):
        if column not in frame.columns and len(frame):
            raise ValidationError(
                f"the interventions have no column {column!r}; every intervention needs a naam "
                f"and a functie (one of {', '.join(FUNCTIONS)})"
            )
    names = _texts(frame, "naam")
    data = {
        "naam": names,
        "functie": _texts(frame, "functie"),
        "woningen": _numbers(frame, "woningen", names).astype("int64"),
        "mw": _numbers(frame, "mw", names),
        "tiphoogte_m": _numbers(frame, "tiphoogte_m", names),
    }
    return gpd.GeoDataFrame(data, geometry=frame.geometry.to_numpy(), crs=RD)


def _texts(frame: pd.DataFrame, column: str) -> pd.Series:
    values = frame[column] if column in frame.columns else [None] * len(frame)
    return pd.Series([v.strip() if isinstance(v, str) else None for v in values], dtype=object)


def _numbers(frame: pd.DataFrame, column: str, names: pd.Series) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(np.full(len(frame), _UNSET[column]))
    raw = frame[column].astype(object)
    values = pd.to_numeric(raw, errors="coerce").astype(float)
    bad = values.isna() & raw.notna()
    if column == "woningen":
        bad |= (values % 1 != 0) & values.notna()
    if bad.any():
        i = int(np.argmax(bad.to_numpy()))
        what = "a whole number of homes" if column == "woningen" else "a number"
        raise ValidationError(f"{_who(names[i], i)} has {column}={raw[i]!r}; give {what}")
    return values.fillna(_UNSET[column])


def _geometry(value: Any) -> BaseGeometry:
    """Return a shapely geometry for ``value`` (a geometry or a GeoJSON-like mapping in RD)."""
    if isinstance(value, Mapping):
        try:
            value = shapely.geometry.shape(value)
        except (shapely.errors.ShapelyError, AttributeError, KeyError, TypeError, ValueError) as e:
            raise ValidationError(f"geometry {value!r} is not GeoJSON ({e}); draw it again") from e
    if not isinstance(value, BaseGeometry):
        raise ValidationError(
            f"geometry must be a shapely geometry or a GeoJSON mapping, not {type(value).__name__}"
        )
    if not value.is_empty and looks_like_degrees(value.bounds):
        raise ValidationError(
            f"geometry coordinates {value.bounds} look like longitude/latitude; give RD New "
            "(EPSG:28992) metres, e.g. gpd.GeoSeries([geometry], crs=4326).to_crs(28992)[0]"
        )
    return value


def _check_names(given: Mapping[str, Any], *, also: tuple[str, ...] = ()) -> None:
    unknown = [key for key in given if key not in _QUANTITIES and key not in also]
    if unknown:
        raise ValidationError(
            f"{unknown[0]!r} is not a scenario attribute; use {', '.join((*also, *_QUANTITIES))}"
        )


def _read(path: Path, *, layer: str | None, crs: int | str | None) -> gpd.GeoDataFrame:
    from pyogrio.errors import DataLayerError, DataSourceError

    if not path.is_file():
        raise LayerError(f"scenario file {path} does not exist; check the path")
    try:
        if path.suffix.lower() in (".parquet", ".geoparquet"):
            frame = gpd.read_parquet(path)
        else:
            frame = gpd.read_file(path, layer=layer, engine="pyogrio")
    except (DataSourceError, DataLayerError, OSError, ValueError) as err:
        raise LayerError(
            f"cannot read scenario file {path}: {err}; check that it is a complete "
            "GeoJSON, GeoPackage, GeoParquet or Shapefile"
        ) from err
    if frame.empty:  # nothing to tell the CRS from; an empty scenario is in RD
        return frame.set_crs(crs or frame.crs or RD, allow_override=True)
    return _with_crs(frame, path, crs)


def _slugify(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:63] or "scenario"


# -- comparing ------------------------------------------------------------------------------


def _size(geom: BaseGeometry | None) -> float | tuple[int, int] | None:
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type == "Point":
        return (round(geom.x), round(geom.y))
    return round(geom.area / 1e4, 2)

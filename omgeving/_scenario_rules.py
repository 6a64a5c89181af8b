"""The rules a scenario's interventions must keep: functions, quantities, ranges, checks.

Every message names the intervention, the value and the fix. :mod:`omgeving.scenario`
applies them when an intervention is added or changed and when a scenario is saved.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from omgeving._errors import ValidationError
from omgeving.project import RD, Project

#: The attribute columns of ``Scenario.interventions``, besides ``geometry``.
COLUMNS = ("naam", "functie", "woningen", "mw", "tiphoogte_m")
_QUANTITIES = COLUMNS[2:]
#: The value of a quantity an intervention does not have.
_UNSET = {"woningen": 0, "mw": 0.0, "tiphoogte_m": math.nan}
_POINT, _POLYGONAL = 0, (3, 6)  # shapely type ids: Point; Polygon and MultiPolygon


class ScenarioWarning(UserWarning):
    """A scenario value is possible but unusual; check it."""


@dataclass(frozen=True)
class Quantity:
    """A quantity a function needs, and the range in which it is credible."""

    column: str
    what: str  # "the number of new homes", for messages
    unit: str
    low: float
    high: float = math.inf
    above: bool = False  # ``low`` itself is not allowed ("more than 0")
    example: float = 1

    def allows(self, value: float) -> bool:
        """Return whether ``value`` is in the range."""
        return (value > self.low if self.above else value >= self.low) and value <= self.high

    def describe(self) -> str:
        """Return the range in words: ``"0.5 to 10 MW"``, ``"at least 1"``."""
        unit = f" {self.unit}" if self.unit else ""
        if self.high == math.inf:
            return f"{'more than' if self.above else 'at least'} {self.low:g}{unit}"
        return f"{self.low:g} to {self.high:g}{unit}"


@dataclass(frozen=True)
class Density:
    """A quantity per hectare: a warning outside ``typical``, an error outside ``limits``."""

    column: str
    unit: str  # "woningen/ha"
    what: str  # "new housing", for messages
    typical: tuple[float, float]
    limits: tuple[float, float]


@dataclass(frozen=True)
class Function:
    """A function of an intervention: its labels, its geometry and the quantities it needs."""

    name: str
    label_nl: str
    label_en: str
    point: bool = False  # drawn as one point per turbine; otherwise as an area
    quantities: tuple[Quantity, ...] = ()  # needed; every other quantity must be unset
    density: Density | None = None


_HOMES = Quantity("woningen", "the number of new homes", "", low=1, example=120)
_SOLAR_MW = Quantity("mw", "the installed power", "MW", low=0, above=True, example=15)
_TURBINE_MW = Quantity("mw", "the power of one turbine", "MW", low=0.5, high=10, example=5.6)
_TIP = Quantity("tiphoogte_m", "the tip height of the turbine", "m", low=50, high=300, example=200)
# Gross density of a housing site, streets and green included: Dutch villages build about
# 20-35 homes/ha, towns 30-60, inner-city sites up to 100; over 150 on a whole site means the
# number or the outline is wrong.
_HOUSING = Density("woningen", "woningen/ha", "new housing", (10, 100), (0, 150))
# Ground-mounted solar in the Netherlands has about 0.5-1.5 MWp per hectare of field (rows
# facing south with spacing near 0.7-1, dense east-west layouts up to 1.5); below 0.25 or above
# 2 the number or the outline is wrong.
_SOLAR = Density("mw", "MW/ha", "ground-mounted solar", (0.5, 1.5), (0.25, 2.0))

#: The functions an intervention can have, by name.
FUNCTIONS: dict[str, Function] = {
    f.name: f
    for f in (
        Function("wonen", "Wonen", "Housing", quantities=(_HOMES,), density=_HOUSING),
        Function("werken", "Werken", "Work"),
        Function(
            "energie-zon", "Zonne-energie", "Solar energy", quantities=(_SOLAR_MW,), density=_SOLAR
        ),
        Function(
            "energie-wind", "Windenergie", "Wind energy", point=True, quantities=(_TURBINE_MW, _TIP)
        ),
        Function("natuur", "Natuur", "Nature"),
        Function("water", "Water", "Water"),
        Function("recreatie", "Recreatie", "Recreation"),
        Function("mobiliteit", "Mobiliteit", "Mobility"),
        Function("landbouw", "Landbouw", "Agriculture"),
        Function("voorzieningen", "Voorzieningen", "Amenities"),
    )
}


@dataclass(frozen=True)
class Issue:
    """A problem (``level="error"``) or an unusual value (``"warning"``) of one intervention."""

    naam: str | None
    level: str
    message: str




def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float | int | np.number) and isinstance(b, float | int | np.number):
        return bool(np.isclose(a, b, equal_nan=True))
    return a == b


# -- checks ---------------------------------------------------------------------------------


def _hectares(geoms: np.ndarray) -> np.ndarray:
    return np.nan_to_num(shapely.area(geoms)) / 1e4


def _area(area: Any) -> BaseGeometry | None:
    if area is None or isinstance(area, BaseGeometry):
        return area
    if isinstance(area, Project):
        area = area.read_layer("gemeente")
    if isinstance(area, gpd.GeoDataFrame | gpd.GeoSeries):
        return (area.to_crs(RD) if area.crs is not None else area).union_all()
    raise ValidationError(
        f"area must be a Project, a shapely geometry or a GeoDataFrame, not {type(area).__name__}"
    )


def _outside(geoms: np.ndarray, sound: np.ndarray, area: BaseGeometry | None) -> np.ndarray:
    """Return per geometry the m² (areas) or metres (points) outside ``area``; 0 inside."""
    result = np.zeros(len(geoms))
    if area is None:
        return result
    shapely.prepare(area)
    check = np.flatnonzero(sound & ~shapely.covers(area, geoms))
    parts = geoms[check]
    points = shapely.get_type_id(parts) == _POINT
    result[check] = np.where(
        points, shapely.distance(parts, area), shapely.area(shapely.difference(parts, area))
    )
    return result


def _issues(frame: gpd.GeoDataFrame, area: BaseGeometry | None) -> list[Issue]:
    """Return the issues of every intervention; the geometry measures are vectorised."""
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    valid = shapely.is_valid(geoms)
    reasons = shapely.is_valid_reason(geoms)
    kinds = shapely.get_type_id(geoms)
    hectares = _hectares(geoms)
    outside = _outside(geoms, valid & ~missing, area)
    counts = frame["naam"].value_counts()
    issues: list[Issue] = []
    for i, row in enumerate(frame.itertuples(index=False)):
        naam, function = row.naam, FUNCTIONS.get(row.functie)
        who = f"{_who(naam, i)} ({row.functie})" if row.functie else _who(naam, i)
        errors = list(_naam_errors(who, naam, counts))
        if function is None:
            errors.append(_unknown_function(_who(naam, i), row.functie))
        else:
            errors += _geometry_errors(who, function, missing[i], valid[i], reasons[i], kinds[i])
            errors += _quantity_errors(who, function, row)
        errors += _outside_errors(who, kinds[i], outside[i], hectares[i])
        issues += [Issue(naam, "error", message) for message in errors]
        if function is not None and function.density and valid[i] and not missing[i]:
            issues += _density_issues(who, naam, function.density, row, hectares[i])
    return issues


def _who(naam: str | None, index: int) -> str:
    return f"intervention {naam!r}" if naam else f"intervention #{index + 1}"


def _naam_errors(who: str, naam: str | None, counts: pd.Series) -> Iterator[str]:
    if not naam:
        yield f"{who} has no naam: give it a name"
    elif counts[naam] > 1:
        yield f"{counts[naam]} interventions are called {naam!r}: give each a unique naam"


def _unknown_function(who: str, functie: str | None) -> str:
    if not functie:
        return f"{who} has no functie: give one of {', '.join(FUNCTIONS)}"
    text = functie.lower().strip()
    close = [f for f in FUNCTIONS if text in f] or difflib.get_close_matches(text, FUNCTIONS, 1)
    hint = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
    return f"{who} has functie {functie!r}; use one of {', '.join(FUNCTIONS)}{hint}"


def _geometry_errors(
    who: str, function: Function, missing: bool, valid: bool, reason: str | None, kind: int
) -> Iterator[str]:
    if missing:
        yield f"{who} has no geometry: draw it on the map or pass a geometry"
        return
    name = shapely.GeometryType(kind).name.title().replace("string", "String")
    if function.point and kind != _POINT:
        yield (
            f"{who} is a {name}; {function.name} is one point (a marker) per turbine: "
            "place a marker for each turbine"
        )
    elif not function.point and kind not in _POLYGONAL:
        yield f"{who} is a {name}; {function.name} needs an area: draw its outline as a polygon"
    elif not valid:
        yield (
            f"{who} has an invalid geometry ({reason}): redraw the outline so that its edges "
            "do not cross, or repair it with shapely.make_valid and check the result (it is "
            "not repaired silently: a repair can change the area)"
        )


def _quantity_errors(who: str, function: Function, row: Any) -> Iterator[str]:
    for q in function.quantities:
        value = getattr(row, q.column)
        if _same(value, _UNSET[q.column]):
            example = f"{q.column}={q.example:g}"
            yield f"{who} has no {q.column}: give {q.what} ({q.describe()}), e.g. {example}"
        elif not q.allows(value):
            yield f"{who} has {q.column}={value:g}, but {q.what} is {q.describe()}: check it"
    needed = {q.column for q in function.quantities}
    for column in _QUANTITIES:
        value = getattr(row, column)
        if column not in needed and not _same(value, _UNSET[column]):
            yield (
                f"{who} has {column}={value:g}, but {function.name} takes no {column}: "
                "remove it or change the functie"
            )


def _outside_errors(who: str, kind: int, outside: float, hectares: float) -> Iterator[str]:
    if kind == _POINT and outside > 0:
        yield f"{who} lies {outside:.0f} m outside the project area: move it inside the boundary"
    elif outside >= 1.0:  # less than a square metre is rounding along the boundary
        yield (
            f"{who} lies {outside / 1e4:.2f} ha ({outside / 1e4 / hectares:.0%} of it) outside "
            "the project area: redraw it inside the gemeente boundary, or clip it to the boundary"
        )


def _density_issues(
    who: str, naam: str | None, density: Density, row: Any, hectares: float
) -> list[Issue]:
    value = getattr(row, density.column)
    if not value > 0 or not hectares > 0:
        return []
    per_ha = value / hectares
    (low, high), (least, most) = density.typical, density.limits
    if low <= per_ha <= high:
        return []
    refused = not least <= per_ha <= most
    shown = f"{per_ha:.1f}" if per_ha < 10 else f"{per_ha:.0f}"
    message = (
        f"{who} has {density.column}={value:g} on {hectares:.1f} ha, {shown} {density.unit}; "
        f"{density.what} {'is' if refused else 'is usually'} {low:g}–{high:g} {density.unit}: "
        f"check {density.column} or the outline"
    )
    return [Issue(naam, "error" if refused else "warning", message)]



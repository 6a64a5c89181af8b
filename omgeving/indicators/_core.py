"""The indicator machinery: lazy layers, results, the registry, evaluate and compare."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from omgeving._errors import LayerError
from omgeving.project import RD
from omgeving.scenario import FUNCTIONS

__all__ = [  # re-exported by omgeving.indicators
    "FARMLAND_CLASSES",
    "FUNCTIES",
    "HOUSEHOLD_KWH",
    "INDICATORS",
    "SOLAR_FULL_LOAD_HOURS",
    "WALKING_DISTANCE_M",
    "WIND_DISTANCE_M",
    "WIND_FULL_LOAD_HOURS",
    "Indicator",
    "Layers",
    "Result",
    "compare",
    "compute",
    "evaluate",
    "indicator",
    "interventions_of",
    "register",
]

#: The functions an intervention can have, in the order of every breakdown.
FUNCTIES = tuple(FUNCTIONS)
#: Distance (m) from a wind turbine within which homes and buildings count as near. 500 m is a
#: common distance in Dutch plans and in the debate on the national wind turbine norms; some
#: gemeenten use more for tall turbines (e.g. 4 × the tip height).
WIND_DISTANCE_M = 500.0
#: Walking distance (m, as the crow flies) to a village core: about 10 minutes on foot.
WALKING_DISTANCE_M = 800.0
#: Average electricity supplied to a home per year (kWh): CBS StatLine table 81528NED
#: "Energieverbruik particuliere woningen", Nederland, 2024 (provisional): 2,550 kWh
#: (Overijssel 2,720). Own solar generation is not included.
HOUSEHOLD_KWH = 2550.0
#: Full-load hours per year of solar parks; the middle of the 900-1,000 h commonly used in
#: the Netherlands. An assumption: replace it with the figures of the RES or the developer.
SOLAR_FULL_LOAD_HOURS = 950.0
#: Full-load hours per year of onshore wind turbines; the middle of the 2,500-3,000 h commonly
#: used in the Netherlands. An assumption, as for solar.
WIND_FULL_LOAD_HOURS = 2750.0
#: Classes of the ``landgebruik`` layer (column ``klasse``) that are farmland.
FARMLAND_CLASSES = ("landbouw",)

# functions that make room for nature and water: they belong in protected and flood-prone land
_GREEN_BLUE = ("natuur", "water")
_LANGUAGES = ("nl", "en")


# -- layers and results ---------------------------------------------------------------------


class Layers(Mapping[str, gpd.GeoDataFrame]):
    """The project's layers by name, each read once and only when an indicator asks for it.

    Parameters
    ----------
    source
        A :class:`~omgeving.project.Project` (layers are read from its folder) or a mapping of
        name to GeoDataFrame. Every layer comes out in EPSG:28992.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely.geometry import box
    >>> layers = Layers({"gemeente": gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=28992)})
    >>> "gemeente" in layers, layers.loaded
    (True, ())
    """

    def __init__(self, source: Any) -> None:
        self._source = source
        self._frames: dict[str, gpd.GeoDataFrame] = {}
        self._cache: dict[Hashable, Any] = {}

    def _names(self) -> list[str]:
        if hasattr(self._source, "layer_names"):
            return self._source.layer_names()
        return list(self._source)

    def __getitem__(self, name: str) -> gpd.GeoDataFrame:
        if name not in self._frames:
            if hasattr(self._source, "read_layer"):
                frame = self._source.read_layer(name)
            elif name in self._source:
                frame = self._source[name]
            else:
                raise LayerError(
                    f"there is no layer {name!r}; there are: {', '.join(self._names()) or 'none'}"
                )
            self._frames[name] = _in_rd(frame, f"layer {name!r}")
        return self._frames[name]

    def __contains__(self, name: object) -> bool:
        return name in self._frames or name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @property
    def loaded(self) -> tuple[str, ...]:
        """The names of the layers read so far."""
        return tuple(self._frames)

    def cached(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """Return ``build()``, computed once per :class:`Layers` (a spatial index, a union).

        Indicators share such structures through it; they must not change what they get.
        """
        if key not in self._cache:
            self._cache[key] = build()
        return self._cache[key]


@dataclass(frozen=True, eq=False)
class Result:
    """What an indicator found.

    Attributes
    ----------
    value
        The figure for the whole project area.
    unit
        Its unit (set from the indicator's registration).
    per_buurt
        The figure per buurt (index ``buurtcode``, named after the indicator), or ``None``.
    by
        A breakdown, e.g. per function, or ``None``.
    """

    value: float
    unit: str = ""
    per_buurt: pd.Series | None = None
    by: pd.Series | None = None


def _in_rd(frame: Any, what: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise LayerError(f"{what} is a {type(frame).__name__}, not a GeoDataFrame")
    if frame.crs is None:
        raise LayerError(f"{what} has no CRS; set it, e.g. frame.set_crs(28992)")
    return frame if frame.crs.to_epsg() == RD else frame.to_crs(RD)


def interventions_of(scenario: Any) -> gpd.GeoDataFrame:
    """Return a scenario's interventions, checked, in EPSG:28992 with every column filled.

    Parameters
    ----------
    scenario
        An object with an ``interventions`` GeoDataFrame (a ``Scenario``), or that frame.
        It needs a ``functie`` column; missing ``naam``, ``woningen``, ``mw`` and
        ``tiphoogte_m`` are taken as empty, 0, 0 and NaN. Invalid geometries are repaired
        and missing or empty ones dropped.

    Raises
    ------
    LayerError
        When the frame has no CRS or no ``functie`` column.
    """
    frame = (
        scenario
        if isinstance(scenario, gpd.GeoDataFrame)
        else getattr(scenario, "interventions", scenario)
    )
    frame = _in_rd(frame, "the scenario's interventions")
    if "functie" not in frame:
        raise LayerError(
            "the scenario's interventions have no column 'functie'; give every intervention "
            f"a function: {', '.join(FUNCTIES)}"
        )
    geoms = frame.geometry.to_numpy()
    geoms = np.where(shapely.is_valid(geoms) | shapely.is_missing(geoms), geoms,
                     shapely.make_valid(geoms))  # fmt: skip
    keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))

    def number(name: str, default: float) -> np.ndarray:
        if name not in frame:
            return np.full(len(frame), default)
        return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float, na_value=default)

    data = {
        "naam": frame["naam"].astype(str) if "naam" in frame else "",
        "functie": frame["functie"].astype(str).str.strip(),
        "woningen": number("woningen", 0.0),
        "mw": number("mw", 0.0),
        "tiphoogte_m": number("tiphoogte_m", np.nan),
    }
    out = gpd.GeoDataFrame(data, geometry=geoms, crs=RD, index=frame.index)
    return out.loc[keep]


def _measure(geoms: np.ndarray, dims: np.ndarray) -> np.ndarray:
    """Area of polygons, length of lines, number of points, by the dimension in ``dims``."""
    size = np.select(
        [dims == 2, dims == 1],
        [shapely.area(geoms), shapely.length(geoms)],
        shapely.get_num_geometries(geoms),
    )
    return np.where(shapely.is_empty(geoms) | shapely.is_missing(geoms), 0.0, size)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    """Return which share of each geometry in ``whole`` its ``part`` is."""
    dims = shapely.get_dimensions(whole)
    total = _measure(whole, dims)
    return np.divide(_measure(part, dims), total, out=np.zeros(len(whole)), where=total > 0)


def _area(layers: Layers) -> Any:
    def build() -> Any:
        area = shapely.union_all(layers["gemeente"].geometry.to_numpy())
        shapely.prepare(area)
        return area

    return layers.cached("area", build)


def _clip(interventions: gpd.GeoDataFrame, layers: Layers) -> gpd.GeoDataFrame:
    """Return the interventions clipped to the project area, quantities scaled to the part."""
    geoms = interventions.geometry.to_numpy()
    inside = shapely.intersection(geoms, _area(layers))
    share = _share(inside, geoms)
    out = interventions.assign(
        geometry=inside, woningen=interventions["woningen"] * share, mw=interventions["mw"] * share
    )
    return out.loc[share > 0]


# -- the registry ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Indicator:
    """A registered indicator; call it as ``indicator(scenario, layers, **params)``.

    ``function(interventions, layers, **params)`` gets the interventions clipped to the
    project area (see the module's description) and returns a :class:`Result` or a number.
    Its keyword parameters with defaults are the indicator's parameters.
    """

    key: str
    function: Callable[..., Any]
    name_nl: str
    name_en: str
    unit: str
    explanation_nl: str
    explanation_en: str
    needs: tuple[str, ...] = ()
    unit_en: str | None = None
    params: dict[str, Any] = field(init=False)

    def __post_init__(self) -> None:
        found = {
            name: p.default
            for name, p in inspect.signature(self.function).parameters.items()
            if p.kind is p.KEYWORD_ONLY and p.default is not p.empty
        }
        object.__setattr__(self, "params", found)

    def __call__(self, scenario: Any, layers: Any, **params: Any) -> Result:
        layers = _as_layers(layers)
        return self._run(_clip(interventions_of(scenario), layers), layers, params)

    def _run(self, inside: gpd.GeoDataFrame, layers: Layers, params: Mapping[str, Any]) -> Result:
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise ValueError(
                f"indicator {self.key!r} has no parameter {', '.join(unknown)}; "
                f"it has: {', '.join(self.params) or 'none'}"
            )
        result = self.function(inside, layers, **params)
        if not isinstance(result, Result):
            result = Result(result)
        value = result.value.item() if isinstance(result.value, np.generic) else result.value
        return replace(
            result,
            value=value,
            unit=self.unit,
            per_buurt=None if result.per_buurt is None else result.per_buurt.rename(self.key),
            by=None if result.by is None else result.by.rename(self.key),
        )

    def title(self, language: str = "nl") -> str:
        """Return the indicator's name in ``language`` (``"nl"`` or ``"en"``)."""
        return self.name_nl if _language(language) == "nl" else self.name_en

    def unit_in(self, language: str = "nl") -> str:
        """Return the unit in ``language``."""
        return self.unit if _language(language) == "nl" else (self.unit_en or self.unit)

    def explain(self, language: str = "nl", **params: Any) -> str:
        """Return the explanation in ``language``, filled with the parameters in use.

        Examples
        --------
        >>> INDICATORS["homes_near_wind"].explain("en", wind_distance_m=400)[:46]
        'The number of homes within 400 m of a wind tur'
        """
        text = self.explanation_nl if _language(language) == "nl" else self.explanation_en
        values = {**self.params, **params}
        return text.format(**{k: _text(v) for k, v in values.items()})


def _text(value: Any) -> Any:
    if isinstance(value, str) or not isinstance(value, Iterable):
        return value
    return ", ".join(str(v) for v in value)


def _language(language: str) -> str:
    if language not in _LANGUAGES:
        raise ValueError(f"language {language!r} is not one of {_LANGUAGES}")
    return language


#: Every registered indicator by key, in the order of registration.
INDICATORS: dict[str, Indicator] = {}


def register(
    key: str,
    function: Callable[..., Any],
    *,
    name_nl: str,
    name_en: str,
    unit: str,
    explanation_nl: str,
    explanation_en: str,
    needs: Sequence[str] = (),
    unit_en: str | None = None,
    replace: bool = False,
) -> Indicator:
    """Register ``function`` as the indicator ``key`` and return the :class:`Indicator`.

    Parameters
    ----------
    key
        A short identifier, e.g. ``"homes"``.
    function
        ``function(interventions, layers, **params) -> Result | float``.
    name_nl, name_en, unit, explanation_nl, explanation_en
        What a reader sees. Explanations may name parameters as ``{wind_distance_m:g}``.
    needs
        The layers it reads; ``gemeente`` (the project area) is always needed.
    unit_en
        The unit in English, when it differs.
    replace
        Replace an indicator registered under ``key`` before.
    """
    if key in INDICATORS and not replace:
        raise ValueError(f"an indicator {key!r} is registered already; pass replace=True")
    found = Indicator(
        key=key,
        function=function,
        name_nl=name_nl,
        name_en=name_en,
        unit=unit,
        explanation_nl=explanation_nl,
        explanation_en=explanation_en,
        needs=tuple(dict.fromkeys(["gemeente", *needs])),
        unit_en=unit_en,
    )
    INDICATORS[key] = found
    return found


def indicator(key: str, **meta: Any) -> Callable[[Callable[..., Any]], Indicator]:
    """Register the decorated function as an indicator; takes the options of :func:`register`."""

    def decorate(function: Callable[..., Any]) -> Indicator:
        return register(key, function, **meta)

    return decorate


# -- evaluating -----------------------------------------------------------------------------


def _as_layers(layers: Any) -> Layers:
    return layers if isinstance(layers, Layers) else Layers(layers)


def _chosen(keys: Iterable[str] | None, layers: Layers) -> list[Indicator]:
    if keys is None:  # all the project has the layers for
        return [i for i in INDICATORS.values() if all(n in layers for n in i.needs)]
    if isinstance(keys, str):
        keys = [keys]
    chosen = []
    for key in keys:
        if key not in INDICATORS:
            raise ValueError(f"there is no indicator {key!r}; there are: {', '.join(INDICATORS)}")
        missing = [n for n in INDICATORS[key].needs if n not in layers]
        if missing:
            raise LayerError(
                f"indicator {key!r} needs the layer(s) {', '.join(missing)}, which the project "
                "does not have; add them or leave the indicator out"
            )
        chosen.append(INDICATORS[key])
    return chosen


def compute(
    scenario: Any,
    layers: Any,
    keys: Iterable[str] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
) -> dict[str, Result]:
    """Compute indicators for one scenario.

    Parameters
    ----------
    scenario
        A ``Scenario`` (anything with ``interventions``) or a GeoDataFrame of interventions.
    layers
        A :class:`Layers`, a :class:`~omgeving.project.Project` or a dict of GeoDataFrames.
    keys
        The indicators to compute; ``None``: every registered indicator whose layers exist.
    params
        Parameters, each passed to the indicators that take it.

    Returns
    -------
    dict of str to Result
    """
    layers = _as_layers(layers)
    chosen = _chosen(keys, layers)
    params = dict(params or {})
    known = {name for i in chosen for name in i.params}
    unknown = sorted(set(params) - known)
    if unknown:
        raise ValueError(
            f"no indicator takes the parameter(s) {', '.join(unknown)}; "
            f"they take: {', '.join(sorted(known)) or 'none'}"
        )
    inside = _clip(interventions_of(scenario), layers)
    return {
        i.key: i._run(inside, layers, {k: v for k, v in params.items() if k in i.params})
        for i in chosen
    }


def evaluate(
    scenario: Any,
    layers: Any,
    keys: Iterable[str] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    language: str = "nl",
) -> pd.DataFrame:
    """Return a table of indicators for one scenario: ``key``, ``name``, ``unit``, ``value``.

    The arguments are those of :func:`compute`; ``language`` picks the names and units.
    """
    results = compute(scenario, layers, keys, params=params)
    rows = [
        (key, INDICATORS[key].title(language), INDICATORS[key].unit_in(language), r.value)
        for key, r in results.items()
    ]
    return pd.DataFrame(rows, columns=["key", "name", "unit", "value"])


def compare(
    scenarios: Mapping[str, Any],
    layers: Any,
    keys: Iterable[str] | None = None,
    *,
    params: Mapping[str, Any] | None = None,
    language: str = "nl",
    baseline: str | None = None,
) -> pd.DataFrame:
    """Return one table of indicators for several scenarios, with their differences.

    Parameters
    ----------
    scenarios
        Name → scenario (or interventions GeoDataFrame).
    layers, keys, params, language
        As in :func:`evaluate`; the layers are read once for all scenarios.
    baseline
        The scenario the others are compared with; the first one by default.

    Returns
    -------
    pandas.DataFrame
        Columns ``key``, ``name``, ``unit``, one per scenario, then ``"<name> - <baseline>"``
        for every other scenario.
    """
    if not scenarios:
        raise ValueError("give at least one scenario to compare")
    baseline = next(iter(scenarios)) if baseline is None else baseline
    if baseline not in scenarios:
        raise ValueError(f"baseline {baseline!r} is not one of {', '.join(scenarios)}")
    layers = _as_layers(layers)
    found = {
        name: evaluate(scenario, layers, keys, params=params, language=language)
        for name, scenario in scenarios.items()
    }
    table = next(iter(found.values())).drop(columns="value")
    for name, frame in found.items():
        table[name] = frame["value"].to_numpy()
    for name in scenarios:
        if name != baseline:
            table[f"{name} - {baseline}"] = table[name] - table[baseline]
    return table



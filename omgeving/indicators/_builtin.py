"""The built-in indicators (registered when :mod:`omgeving.indicators` is imported)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from omgeving._errors import LayerError
from omgeving.indicators._core import (
    _GREEN_BLUE,
    FARMLAND_CLASSES,
    FUNCTIES,
    HOUSEHOLD_KWH,
    SOLAR_FULL_LOAD_HOURS,
    WALKING_DISTANCE_M,
    WIND_DISTANCE_M,
    WIND_FULL_LOAD_HOURS,
    Layers,
    Result,
    _share,
    indicator,
)

# -- shared geometry ------------------------------------------------------------------------


def _buurten(layers: Layers) -> gpd.GeoDataFrame:
    buurten = layers["buurten"]
    if "buurtcode" not in buurten:
        raise LayerError("layer 'buurten' has no column 'buurtcode'; read it from CBS or PDOK")
    return buurten


def _per_buurt(values: np.ndarray, buurten: gpd.GeoDataFrame) -> pd.Series:
    series = pd.Series(values, index=pd.Index(buurten["buurtcode"], name="buurtcode"))
    return series.groupby(level=0, sort=False).sum(min_count=1)


def _distribute(geoms: np.ndarray, amounts: np.ndarray, layers: Layers) -> pd.Series:
    """Spread ``amounts`` over the buurten by the share of each geometry in each buurt."""
    buurten = _buurten(layers)
    cells = buurten.geometry.to_numpy()
    tree = layers.cached("buurten tree", lambda: shapely.STRtree(cells))
    i, j = tree.query(geoms, predicate="intersects")
    share = _share(shapely.intersection(geoms[i], cells[j]), geoms[i])
    # a point on the border of two buurten is in both: never count more than the whole
    total = np.bincount(i, weights=share, minlength=len(geoms))
    share = share / np.maximum(total[i], 1.0)
    return _per_buurt(np.bincount(j, weights=amounts[i] * share, minlength=len(cells)), buurten)


def _union_of(layers: Layers, name: str, column: str | None = None, values=()) -> Any:
    """Return the union of a layer (of its rows whose ``column`` is in ``values``), prepared."""

    def build() -> Any:
        frame = layers[name]
        if column is not None:
            if column not in frame:
                raise LayerError(f"layer {name!r} has no column {column!r}")
            frame = frame[frame[column].isin(values)]
        union = shapely.union_all(frame.geometry.to_numpy())
        shapely.prepare(union)
        return union

    return layers.cached(("union", name, column, tuple(values)), build)


def _overlap(inside, layers, zone=None, *, exclude: Sequence[str] = ()) -> Result:
    """Hectares of the intervention areas (in ``zone``), per function and per buurt."""
    areas = inside[(shapely.get_dimensions(inside.geometry.to_numpy()) == 2)
                   & ~inside["functie"].isin(exclude)]  # fmt: skip

    def hectares(geoms: np.ndarray) -> tuple[Any, float]:
        union = shapely.union_all(geoms)
        if zone is not None:
            union = shapely.intersection(union, zone)
        return union, shapely.area(union) / 1e4

    by = {f: hectares(g.geometry.to_numpy())[1] for f, g in areas.groupby("functie")}
    union, total = hectares(areas.geometry.to_numpy())
    buurten = _buurten(layers)
    per = shapely.area(shapely.intersection(buurten.geometry.to_numpy(), union)) / 1e4
    return Result(total, per_buurt=_per_buurt(per, buurten), by=_by_functie(by, exclude))


def _by_functie(values: Mapping[str, float], exclude: Sequence[str] = ()) -> pd.Series:
    """Return a breakdown over every function (0 where none), unknown functions last."""
    order = [f for f in FUNCTIES if f not in exclude] + sorted(set(values) - set(FUNCTIES))
    return pd.Series(values, index=order, dtype=float).fillna(0.0)


def _of(inside: gpd.GeoDataFrame, functie: str) -> gpd.GeoDataFrame:
    return inside[inside["functie"] == functie]


class _Buildings(NamedTuple):
    """The footprints with a spatial index, their homes and the row of their buurt (-1: none)."""

    geoms: np.ndarray
    tree: shapely.STRtree
    homes: np.ndarray
    buurt: np.ndarray


def _buildings(layers: Layers) -> _Buildings:
    def build() -> _Buildings:
        gebouwen = layers["gebouwen"]
        if "gebruiksdoel" not in gebouwen:
            raise LayerError("layer 'gebouwen' has no column 'gebruiksdoel'; read it from BAG")
        geoms = gebouwen.geometry.to_numpy()
        residential = gebouwen["gebruiksdoel"].astype(str).str.contains("woonfunctie").to_numpy()
        vbo = pd.to_numeric(gebouwen.get("aantal_verblijfsobjecten", 1), errors="coerce")
        homes = np.where(residential, np.broadcast_to(vbo, len(geoms)), 0.0)
        cells = _buurten(layers).geometry.to_numpy()
        j, i = shapely.STRtree(shapely.centroid(geoms)).query(cells, predicate="covers")
        buurt = np.full(len(geoms), -1)
        buurt[i] = j
        return _Buildings(geoms, shapely.STRtree(geoms), np.nan_to_num(homes, nan=1.0), buurt)

    return layers.cached("buildings", build)


def _count_per_buurt(bld: _Buildings, index: np.ndarray, weights, layers: Layers) -> pd.Series:
    buurten = _buurten(layers)
    rows = bld.buurt[index]
    found = rows >= 0
    w = None if weights is None else weights[index][found]
    return _per_buurt(np.bincount(rows[found], weights=w, minlength=len(buurten)), buurten)


def _affected(inside: gpd.GeoDataFrame, bld: _Buildings, distance: float) -> tuple:
    """Return pairs (function, building) for every building an intervention affects."""
    geoms = inside.geometry.to_numpy()
    functie = inside["functie"].to_numpy()
    wind = functie == "energie-wind"
    i, j = bld.tree.query(geoms[~wind], predicate="intersects")
    overlap = ~shapely.touches(geoms[~wind][i], bld.geoms[j])
    wi, wj = bld.tree.query(geoms[wind], predicate="dwithin", distance=distance)
    return (
        np.concatenate([functie[~wind][i[overlap]], functie[wind][wi]]),
        np.concatenate([j[overlap], wj]),
    )


# -- the indicators -------------------------------------------------------------------------


@indicator(
    "hectares",
    name_nl="Grond voor de plannen",
    name_en="Land for the plans",
    unit="ha",
    needs=("buurten",),
    explanation_nl=(
        "Hoeveel grond de plannen van dit toekomstbeeld samen innemen, in hectare (1 ha is "
        "ongeveer twee voetbalvelden). Alleen grond binnen de gemeente telt. Liggen twee "
        "plannen op dezelfde grond, dan telt die grond één keer. Windturbines tellen hier "
        "niet mee: ze nemen weinig grond in."
    ),
    explanation_en=(
        "How much land the plans of this scenario take up together, in hectares (1 ha is "
        "about two football pitches). Only land inside the municipality counts. Where two "
        "plans lie on the same land, that land counts once. Wind turbines do not count here: "
        "they take up little land."
    ),
)
def _hectares(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _overlap(inside, layers)


@indicator(
    "homes",
    name_nl="Nieuwe woningen",
    name_en="New homes",
    unit="woningen",
    unit_en="homes",
    needs=("buurten",),
    explanation_nl=(
        "Hoeveel nieuwe woningen dit toekomstbeeld bouwt: de woningen van alle bouwplannen "
        "bij elkaar. Ligt een bouwplan voor een deel buiten de gemeente, dan tellen alleen de "
        "woningen op het deel binnen de gemeente. Voor een buurt tellen de woningen op het "
        "deel van het plan in die buurt."
    ),
    explanation_en=(
        "How many new homes this scenario builds: the homes of all building plans together. "
        "Of a plan partly outside the municipality only the homes on the part inside count. "
        "For a neighbourhood, the homes on the part of the plan in that neighbourhood count."
    ),
)
def _homes(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    amounts = inside["woningen"].to_numpy()
    per = _distribute(inside.geometry.to_numpy(), amounts, layers)
    return Result(float(amounts.sum()), per_buurt=per)


def _power(inside: gpd.GeoDataFrame, layers: Layers, functie: str) -> Result:
    rows = _of(inside, functie)
    amounts = rows["mw"].to_numpy()
    return Result(
        float(amounts.sum()), per_buurt=_distribute(rows.geometry.to_numpy(), amounts, layers)
    )


@indicator(
    "solar_mw",
    name_nl="Zonne-energie",
    name_en="Solar power",
    unit="MW",
    needs=("buurten",),
    explanation_nl=(
        "Hoeveel vermogen de nieuwe zonneparken en zonnepanelen op daken van dit "
        "toekomstbeeld samen hebben, in megawatt (MW): hoeveel stroom ze tegelijk kunnen "
        "maken als de zon volop schijnt. Alleen panelen binnen de gemeente tellen."
    ),
    explanation_en=(
        "How much capacity the new solar parks and rooftop panels of this scenario have "
        "together, in megawatts (MW): how much electricity they can make at once in full "
        "sunshine. Only panels inside the municipality count."
    ),
)
def _solar_mw(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _power(inside, layers, "energie-zon")


@indicator(
    "wind_mw",
    name_nl="Windenergie",
    name_en="Wind power",
    unit="MW",
    needs=("buurten",),
    explanation_nl=(
        "Hoeveel vermogen de nieuwe windturbines van dit toekomstbeeld samen hebben, in "
        "megawatt (MW): hoeveel stroom ze tegelijk kunnen maken als het hard genoeg waait. "
        "Alleen turbines binnen de gemeente tellen."
    ),
    explanation_en=(
        "How much capacity the new wind turbines of this scenario have together, in megawatts "
        "(MW): how much electricity they can make at once when the wind blows hard enough. "
        "Only turbines inside the municipality count."
    ),
)
def _wind_mw(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _power(inside, layers, "energie-wind")


@indicator(
    "electricity_share",
    name_nl="Stroom uit zon en wind",
    name_en="Electricity from sun and wind",
    unit="%",
    needs=("buurten",),
    explanation_nl=(
        "Welk deel van de stroom die alle huishoudens in de gemeente samen in een jaar "
        "gebruiken, de nieuwe zonneparken en windturbines opwekken. Meer dan 100% betekent: "
        "meer stroom dan de huishoudens gebruiken. We rekenen met {solar_hours:g} uur per "
        "jaar dat zonnepanelen op vol vermogen draaien en {wind_hours:g} uur voor "
        "windturbines: het midden van wat in Nederland gangbaar is. Een huishouden gebruikt "
        "gemiddeld {household_kwh:g} kWh stroom per jaar (CBS, 2024). Stroom voor bedrijven "
        "telt niet mee."
    ),
    explanation_en=(
        "Which share of the electricity all households in the municipality use in a year the "
        "new solar parks and wind turbines generate. More than 100% means: more electricity "
        "than the households use. We count {solar_hours:g} hours a year at full power for "
        "solar panels and {wind_hours:g} hours for wind turbines: the middle of what is usual "
        "in the Netherlands. A household uses {household_kwh:g} kWh of electricity a year on "
        "average (CBS, 2024). Electricity for businesses does not count."
    ),
)
def _electricity_share(
    inside: gpd.GeoDataFrame,
    layers: Layers,
    *,
    solar_hours: float = SOLAR_FULL_LOAD_HOURS,
    wind_hours: float = WIND_FULL_LOAD_HOURS,
    household_kwh: float = HOUSEHOLD_KWH,
    electricity_use_mwh: float | None = None,
) -> Result:
    """Share of the yearly use that new solar and wind generate (capacity × full-load hours).

    The use is the households' only (CBS ``aantal_huishoudens`` × ``household_kwh``); pass
    the municipality's total as ``electricity_use_mwh`` (e.g. from the Klimaatmonitor).
    """
    if electricity_use_mwh is None:
        buurten = _buurten(layers)
        if "aantal_huishoudens" not in buurten:
            raise LayerError(
                "layer 'buurten' has no column 'aantal_huishoudens' to estimate the electricity "
                "use; join the CBS kerncijfers or pass electricity_use_mwh"
            )
        electricity_use_mwh = np.nansum(buurten["aantal_huishoudens"]) * household_kwh / 1000
    mwh = pd.Series({
        "energie-zon": _of(inside, "energie-zon")["mw"].sum() * solar_hours,
        "energie-wind": _of(inside, "energie-wind")["mw"].sum() * wind_hours,
    })  # fmt: skip
    if not electricity_use_mwh > 0:
        return Result(np.nan, by=mwh * np.nan)
    share = 100 * mwh / electricity_use_mwh
    return Result(float(share.sum()), by=share)


@indicator(
    "farmland",
    name_nl="Landbouwgrond voor iets anders",
    name_en="Farmland used for something else",
    unit="ha",
    needs=("buurten", "landgebruik"),
    explanation_nl=(
        "Hoeveel hectare landbouwgrond dit toekomstbeeld nodig heeft voor iets anders, zoals "
        "woningen, bedrijven, zonneparken of natuur. Landbouwgrond is de grond die op de "
        "kaart van het grondgebruik als landbouw staat. Plannen waarbij de grond "
        "landbouwgrond blijft, tellen niet mee."
    ),
    explanation_en=(
        "How many hectares of farmland this scenario needs for something else, such as homes, "
        "businesses, solar parks or nature. Farmland is the land shown as farming on the land "
        "use map. Plans that keep the land as farmland do not count."
    ),
)
def _farmland(
    inside: gpd.GeoDataFrame, layers: Layers, *, farmland_classes: Sequence[str] = FARMLAND_CLASSES
) -> Result:
    """Hectares of farmland (``klasse`` in ``farmland_classes`` of ``landgebruik``) given up."""
    zone = _union_of(layers, "landgebruik", "klasse", farmland_classes)
    return _overlap(inside, layers, zone, exclude=("landbouw",))


@indicator(
    "natura2000",
    name_nl="Plannen in beschermde natuur",
    name_en="Plans in protected nature",
    unit="ha",
    needs=("buurten", "natura2000"),
    explanation_nl=(
        "Hoeveel hectare van de plannen in een Natura 2000-gebied ligt: natuur die in heel "
        "Europa beschermd is. Plannen voor natuur en water tellen niet mee, want die passen "
        "daar juist. Windturbines nemen bijna geen grond in en tellen hier niet mee."
    ),
    explanation_en=(
        "How many hectares of the plans lie in a Natura 2000 area: nature protected across "
        "Europe. Plans for nature and water do not count: they belong there. Wind turbines "
        "take up hardly any land and do not count here."
    ),
)
def _natura2000(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _overlap(inside, layers, _union_of(layers, "natura2000"), exclude=_GREEN_BLUE)


@indicator(
    "flood_zone",
    name_nl="Plannen op grond die kan overstromen",
    name_en="Plans on land that may flood",
    unit="ha",
    needs=("buurten", "overstroming"),
    explanation_nl=(
        "Hoeveel hectare van de plannen op grond ligt die onder water kan lopen als de rivier "
        "of een beek overstroomt. Plannen voor natuur en water tellen niet mee: ruimte voor "
        "water hoort juist daar."
    ),
    explanation_en=(
        "How many hectares of the plans lie on land that may be flooded when the river or a "
        "stream overflows. Plans for nature and water do not count: room for water belongs "
        "there."
    ),
)
def _flood_zone(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _overlap(inside, layers, _union_of(layers, "overstroming"), exclude=_GREEN_BLUE)


@indicator(
    "homes_near_wind",
    name_nl="Woningen dicht bij een windturbine",
    name_en="Homes near wind turbines",
    unit="woningen",
    unit_en="homes",
    needs=("buurten", "gebouwen"),
    explanation_nl=(
        "Hoeveel woningen binnen {wind_distance_m:g} meter van een nieuwe windturbine staan: "
        "bestaande woningen (gemeten tot de rand van het huis) en nieuwe woningen uit dit "
        "toekomstbeeld. {wind_distance_m:g} meter is een afstand die veel gemeenten "
        "gebruiken; bij hoge turbines kiezen sommige gemeenten meer."
    ),
    explanation_en=(
        "The number of homes within {wind_distance_m:g} m of a wind turbine of this scenario: "
        "existing homes (measured to the edge of the house) and the scenario's new homes. "
        "{wind_distance_m:g} m is a distance many Dutch municipalities use; for tall turbines "
        "some choose more."
    ),
)
def _homes_near_wind(
    inside: gpd.GeoDataFrame, layers: Layers, *, wind_distance_m: float = WIND_DISTANCE_M
) -> Result:
    turbines = _of(inside, "energie-wind").geometry.to_numpy()
    bld = _buildings(layers)
    near = np.unique(bld.tree.query(turbines, predicate="dwithin", distance=wind_distance_m)[1])
    near = near[bld.homes[near] > 0]
    new = inside[inside["woningen"] > 0]
    geoms = new.geometry.to_numpy()
    reach = shapely.union_all(shapely.buffer(turbines, wind_distance_m, quad_segs=32))
    parts = shapely.intersection(geoms, reach)
    amounts = new["woningen"].to_numpy() * _share(parts, geoms)
    per = _count_per_buurt(bld, near, bld.homes, layers) + _distribute(parts, amounts, layers)
    by = pd.Series({"bestaand": bld.homes[near].sum(), "nieuw": amounts.sum()})
    return Result(float(by.sum()), per_buurt=per, by=by)


@indicator(
    "homes_near_core",
    name_nl="Nieuwe woningen op loopafstand van een dorpskern",
    name_en="New homes within walking distance of a village centre",
    unit="%",
    needs=("kernen",),
    explanation_nl=(
        "Welk deel van de nieuwe woningen op loopafstand van een dorps- of stadskern ligt: "
        "binnen {walking_distance_m:g} meter in een rechte lijn, ongeveer 10 minuten lopen. "
        "Zonder nieuwe woningen is er geen cijfer."
    ),
    explanation_en=(
        "Which share of the new homes lies within walking distance of a village or town "
        "centre: within {walking_distance_m:g} m in a straight line, about 10 minutes on "
        "foot. Without new homes there is no figure."
    ),
)
def _homes_near_core(
    inside: gpd.GeoDataFrame, layers: Layers, *, walking_distance_m: float = WALKING_DISTANCE_M
) -> Result:
    new = inside[inside["woningen"] > 0]
    homes = new["woningen"].to_numpy()
    if not homes.sum():
        return Result(np.nan)
    kernen = _union_of(layers, "kernen")
    reach = layers.cached(("walk", walking_distance_m), lambda: kernen.buffer(walking_distance_m))
    geoms = new.geometry.to_numpy()
    near = homes * _share(shapely.intersection(geoms, reach), geoms)
    return Result(100 * near.sum() / homes.sum())


@indicator(
    "buildings_affected",
    name_nl="Gebouwen die de plannen raken",
    name_en="Buildings affected",
    unit="gebouwen",
    unit_en="buildings",
    needs=("buurten", "gebouwen"),
    explanation_nl=(
        "Hoeveel bestaande gebouwen met de plannen te maken krijgen: het gebouw staat (voor "
        "een deel) op de plek van een plan, of binnen {wind_distance_m:g} meter van een "
        "nieuwe windturbine. Voor een buurt telt het gebouw mee in de buurt waar het midden "
        "van het gebouw ligt."
    ),
    explanation_en=(
        "How many existing buildings the plans affect: the building stands (partly) where a "
        "plan is, or within {wind_distance_m:g} m of a new wind turbine. For a neighbourhood, "
        "a building counts where its middle is."
    ),
)
def _buildings_affected(
    inside: gpd.GeoDataFrame, layers: Layers, *, wind_distance_m: float = WIND_DISTANCE_M
) -> Result:
    bld = _buildings(layers)
    functie, index = _affected(inside, bld, wind_distance_m)
    hit = np.unique(index)
    pairs = pd.DataFrame({"functie": functie, "gebouw": index}).drop_duplicates()
    by = _by_functie(pairs.groupby("functie").size().to_dict())
    return Result(len(hit), per_buurt=_count_per_buurt(bld, hit, None, layers), by=by)


@indicator(
    "inhabitants_affected",
    name_nl="Inwoners die de plannen raken",
    name_en="Inhabitants affected",
    unit="inwoners",
    unit_en="inhabitants",
    needs=("buurten", "gebouwen"),
    explanation_nl=(
        "Een schatting van het aantal mensen dat woont in de gebouwen die met de plannen te "
        "maken krijgen (zie: gebouwen die de plannen raken). Per buurt: het aantal woningen "
        "in die gebouwen, keer het gemiddelde aantal bewoners per woning in die buurt (CBS)."
    ),
    explanation_en=(
        "An estimate of the number of people living in the buildings the plans affect (see: "
        "buildings affected). Per neighbourhood: the homes in those buildings times the "
        "average number of residents per home in that neighbourhood (CBS)."
    ),
)
def _inhabitants_affected(
    inside: gpd.GeoDataFrame, layers: Layers, *, wind_distance_m: float = WIND_DISTANCE_M
) -> Result:
    bld = _buildings(layers)
    buurten = _buurten(layers)
    if "aantal_inwoners" not in buurten:
        raise LayerError(
            "layer 'buurten' has no column 'aantal_inwoners'; join the CBS kerncijfers"
        )
    hit = np.unique(_affected(inside, bld, wind_distance_m)[1])
    everyone = np.flatnonzero(bld.buurt >= 0)
    homes_hit = _count_per_buurt(bld, hit, bld.homes, layers)
    homes_all = _count_per_buurt(bld, everyone, bld.homes, layers)
    inwoners = _per_buurt(pd.to_numeric(buurten["aantal_inwoners"]).to_numpy(float), buurten)
    per_home = inwoners / homes_all.where(homes_all > 0)
    per = (homes_hit * per_home).where(homes_hit > 0, 0.0)
    return Result(float(per.sum()), per_buurt=per)

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
    name_nl="Oppervlakte per functie",
    name_en="Area per function",
    unit="ha",
    needs=("buurten",),
    explanation_nl=(
        "Hoeveel hectare de ingrepen van het scenario beslaan binnen de gemeente, per functie. "
        "Overlappen ingrepen met verschillende functies, dan telt die grond bij elke functie, "
        "maar in het totaal één keer. Windturbines zijn punten: zij tellen hier niet mee."
    ),
    explanation_en=(
        "How many hectares the scenario's interventions cover inside the municipality, per "
        "function. Where interventions of different functions overlap, the land counts for each "
        "function but once in the total. Wind turbines are points and do not count here."
    ),
)
def _hectares(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _overlap(inside, layers)


@indicator(
    "homes",
    name_nl="Nieuwe woningen",
    name_en="Homes added",
    unit="woningen",
    unit_en="homes",
    needs=("buurten",),
    explanation_nl=(
        "Het aantal woningen dat het scenario toevoegt: de som van 'woningen' van alle ingrepen. "
        "Ligt een ingreep deels buiten de gemeente, dan tellen alleen de woningen op het deel "
        "binnen de gemeente (naar oppervlakte). Per buurt: naar het deel van de ingreep in die "
        "buurt."
    ),
    explanation_en=(
        "The number of homes the scenario adds: the sum of 'woningen' over all interventions. "
        "Of an intervention partly outside the municipality only the homes on the part inside "
        "count (by area). Per buurt: by the part of the intervention in that buurt."
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
    name_nl="Zonne-energie (vermogen)",
    name_en="Solar power (capacity)",
    unit="MW",
    needs=("buurten",),
    explanation_nl=(
        "Het vermogen van de nieuwe zonneparken en zon op daken (functie energie-zon), in "
        "megawatt piek: de som van 'mw', voor het deel binnen de gemeente."
    ),
    explanation_en=(
        "The capacity of new solar parks and rooftop solar (function energie-zon) in megawatt "
        "peak: the sum of 'mw', for the part inside the municipality."
    ),
)
def _solar_mw(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _power(inside, layers, "energie-zon")


@indicator(
    "wind_mw",
    name_nl="Windenergie (vermogen)",
    name_en="Wind power (capacity)",
    unit="MW",
    needs=("buurten",),
    explanation_nl=(
        "Het vermogen van de nieuwe windturbines (functie energie-wind) in megawatt: de som van "
        "'mw' van de turbines binnen de gemeente."
    ),
    explanation_en=(
        "The capacity of new wind turbines (function energie-wind) in megawatt: the sum of 'mw' "
        "over the turbines inside the municipality."
    ),
)
def _wind_mw(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _power(inside, layers, "energie-wind")


@indicator(
    "electricity_share",
    name_nl="Dekking elektriciteitsverbruik",
    name_en="Share of electricity use covered",
    unit="%",
    needs=("buurten",),
    explanation_nl=(
        "Welk deel van het elektriciteitsverbruik per jaar de nieuwe zon en wind opwekken. "
        "Opwek: vermogen × vollasturen; aangenomen zon {solar_hours:g} en wind {wind_hours:g} "
        "uur per jaar (het midden van wat in Nederland gangbaar is: zon 900-1000, wind op land "
        "2500-3000). Verbruik: het aantal huishoudens in de buurten (CBS) × {household_kwh:g} "
        "kWh per jaar (CBS, gemiddelde levering aan een woning in 2024, tabel 81528NED). Dat is "
        "alleen het verbruik van huishoudens; geef het totale verbruik van de gemeente (in MWh, "
        "bijvoorbeeld uit de Klimaatmonitor) op als electricity_use_mwh."
    ),
    explanation_en=(
        "Which share of the yearly electricity use the new solar and wind generate. "
        "Generation: capacity × full-load hours; assumed solar {solar_hours:g} and wind "
        "{wind_hours:g} hours a year (the middle of the usual Dutch range: solar 900-1000, "
        "onshore wind 2500-3000). Use: the number of households in the buurten (CBS) × "
        "{household_kwh:g} kWh a year (CBS, average supply to a home in 2024, table 81528NED). "
        "That is households only; give the municipality's total use (in MWh, e.g. from the "
        "Klimaatmonitor) as electricity_use_mwh."
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
    name_nl="Landbouwgrond omgezet",
    name_en="Farmland converted",
    unit="ha",
    needs=("buurten", "landgebruik"),
    explanation_nl=(
        "Hoeveel hectare landbouwgrond (klasse {farmland_classes} in de laag landgebruik) het "
        "scenario een andere functie geeft. Ingrepen met de functie landbouw tellen niet mee."
    ),
    explanation_en=(
        "How many hectares of farmland (class {farmland_classes} in the land use layer) the "
        "scenario gives another function. Interventions with the function landbouw do not count."
    ),
)
def _farmland(
    inside: gpd.GeoDataFrame, layers: Layers, *, farmland_classes: Sequence[str] = FARMLAND_CLASSES
) -> Result:
    zone = _union_of(layers, "landgebruik", "klasse", farmland_classes)
    return _overlap(inside, layers, zone, exclude=("landbouw",))


@indicator(
    "natura2000",
    name_nl="Overlap met Natura 2000",
    name_en="Overlap with Natura 2000",
    unit="ha",
    needs=("buurten", "natura2000"),
    explanation_nl=(
        "Hoeveel hectare van de ingrepen in een Natura 2000-gebied ligt. Ingrepen voor natuur en "
        "water tellen niet mee: die passen daar. Windturbines hebben geen oppervlakte."
    ),
    explanation_en=(
        "How many hectares of the interventions lie in a Natura 2000 area. Interventions for "
        "nature and water do not count: they belong there. Wind turbines have no area."
    ),
)
def _natura2000(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _overlap(inside, layers, _union_of(layers, "natura2000"), exclude=_GREEN_BLUE)


@indicator(
    "flood_zone",
    name_nl="In overstromingsgebied",
    name_en="In the flood-prone zone",
    unit="ha",
    needs=("buurten", "overstroming"),
    explanation_nl=(
        "Hoeveel hectare van de ingrepen in gebied ligt dat kan overstromen (laag overstroming). "
        "Ingrepen voor natuur en water tellen niet mee: ruimte voor water hoort juist daar."
    ),
    explanation_en=(
        "How many hectares of the interventions lie in land that may flood (the overstroming "
        "layer). Interventions for nature and water do not count: room for water belongs there."
    ),
)
def _flood_zone(inside: gpd.GeoDataFrame, layers: Layers) -> Result:
    return _overlap(inside, layers, _union_of(layers, "overstroming"), exclude=_GREEN_BLUE)


@indicator(
    "homes_near_wind",
    name_nl="Woningen bij windturbines",
    name_en="Homes near wind turbines",
    unit="woningen",
    unit_en="homes",
    needs=("buurten", "gebouwen"),
    explanation_nl=(
        "Het aantal woningen binnen {wind_distance_m:g} m van een windturbine: bestaande "
        "woningen (verblijfsobjecten in panden met een woonfunctie, gemeten tot de rand van het "
        "pand) plus nieuwe woningen uit het scenario (naar het deel van hun ingreep binnen die "
        "afstand). {wind_distance_m:g} m is een gangbare afstand in Nederlandse plannen; bij "
        "hoge turbines kiezen gemeenten soms meer, zoals 4 × de tiphoogte."
    ),
    explanation_en=(
        "The number of homes within {wind_distance_m:g} m of a wind turbine: existing homes "
        "(dwellings in buildings with a residential use, measured to the building's edge) plus "
        "the scenario's new homes (by the part of their intervention within that distance). "
        "{wind_distance_m:g} m is a common distance in Dutch plans; for tall turbines some "
        "municipalities choose more, such as 4 × the tip height."
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
    name_nl="Nieuwe woningen op loopafstand van een kern",
    name_en="New homes within walking distance of a village core",
    unit="%",
    needs=("kernen",),
    explanation_nl=(
        "Welk deel van de nieuwe woningen binnen {walking_distance_m:g} m hemelsbreed (ongeveer "
        "10 minuten lopen) van een dorps- of stadskern ligt. De woningen zijn gelijk verdeeld "
        "over hun ingreep; het deel van de ingreep binnen die afstand telt. Zonder nieuwe "
        "woningen is er geen aandeel (leeg)."
    ),
    explanation_en=(
        "Which share of the new homes lies within {walking_distance_m:g} m as the crow flies "
        "(about 10 minutes on foot) of a village or town core. Homes are spread evenly over "
        "their intervention; the part of the intervention within that distance counts. Without "
        "new homes there is no share (empty)."
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
    name_nl="Geraakte gebouwen",
    name_en="Buildings affected",
    unit="gebouwen",
    unit_en="buildings",
    needs=("buurten", "gebouwen"),
    explanation_nl=(
        "Het aantal bestaande gebouwen dat het scenario raakt: hun plattegrond overlapt een "
        "ingreep (alleen een gedeelde rand telt niet), of ze staan binnen {wind_distance_m:g} m "
        "van een windturbine. Per functie telt een gebouw bij elke functie die het raakt; per "
        "buurt telt de buurt waarin het midden van het gebouw ligt."
    ),
    explanation_en=(
        "The number of existing buildings the scenario affects: their footprint overlaps an "
        "intervention (only sharing an edge does not count), or they stand within "
        "{wind_distance_m:g} m of a wind turbine. Per function a building counts for every "
        "function that affects it; per buurt it counts where its centre lies."
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
    name_nl="Geraakte inwoners",
    name_en="Inhabitants affected",
    unit="inwoners",
    unit_en="inhabitants",
    needs=("buurten", "gebouwen"),
    explanation_nl=(
        "Een schatting van het aantal inwoners in geraakte gebouwen (zie Geraakte gebouwen, "
        "met {wind_distance_m:g} m tot een windturbine), per buurt: de woningen in geraakte "
        "gebouwen × het aantal inwoners per woning in die buurt (aantal_inwoners van CBS "
        "gedeeld door de woningen in de gebouwenlaag in die buurt)."
    ),
    explanation_en=(
        "An estimate of the number of inhabitants of affected buildings (see Buildings "
        "affected, with {wind_distance_m:g} m to a wind turbine), per buurt: the homes in "
        "affected buildings × the inhabitants per home in that buurt (CBS aantal_inwoners "
        "divided by the homes in the buildings layer in that buurt)."
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

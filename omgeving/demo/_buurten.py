"""Wijken and buurten of the demo municipality, with CBS-style kerncijfers.

The buurten form an exact coverage of the gemeente: every core is split into a few buurten
(Voronoi cells of seeds around its centre), the business park is a buurt of its own and the
countryside is split into four. Their figures follow from the buildings in each buurt.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from omgeving.demo._buildings import Buildings
from omgeving.demo._geometry import coverage_faces, dissolve_faces, nearest
from omgeving.demo._land import CENTRE, Land

__all__ = ["BUURT_COLUMNS", "kern_inhabitants", "make_buurten"]

GEMEENTECODE = "GM9999"
GEMEENTENAAM = "Voorbeeldgemeente (fictief)"

_WIJKEN = ("Eskerlo", "Veldermarke", "Ravelsloo", "Brinkhaar", "Buitengebied")
_BUSINESS_PARK = "Bedrijventerrein Eskerveld"
# kern, name, seed direction (degrees, None: the centre), seed distance (fraction of radius)
_CORE_BUURTEN = (
    (0, "Eskerlo-Centrum", None, 0.0),
    (0, "Eskerlo-Noord", 90, 0.6),
    (0, "Eskerlo-Oost", 0, 0.6),
    (0, "Eskerlo-Zuid", 270, 0.6),
    (0, "Eskerlo-West", 180, 0.6),
    (1, "Veldermarke-Dorp", None, 0.0),
    (1, "Veldermarke-Noord", 90, 0.6),
    (1, "Veldermarke-Zuid", 270, 0.6),
    (2, "Ravelsloo-Dorp", 180, 0.3),
    (2, "Ravelsloo-Oost", 0, 0.5),
    (3, "Brinkhaar", None, 0.0),
)
# the countryside is quartered by the river and the main road
_RURAL_BUURTEN = (
    ("Buitengebied Noordwest", 135),
    ("Buitengebied Noordoost", 45),
    ("Buitengebied Zuidoost", 315),
    ("Buitengebied Zuidwest", 225),
)
_AGE_BANDS = ("0_tot_15", "15_tot_25", "25_tot_45", "45_tot_65", "65_jaar_en_ouder")
# share of each age band (%) and household size, by kind of buurt
_PROFILES = {
    "centrum": ((10, 12, 23, 25, 30), 1.85),
    "oud": ((13, 10, 21, 27, 29), 2.15),
    "dorp": ((16, 11, 22, 28, 23), 2.35),
    "nieuw": ((21, 10, 30, 26, 13), 2.65),
    "bedrijf": ((10, 12, 30, 30, 18), 2.2),
    "buiten": ((15, 11, 19, 32, 23), 2.5),
}

#: The columns of the buurten layer, in CBS naming.
BUURT_COLUMNS = (
    "buurtcode", "buurtnaam", "wijkcode", "wijknaam", "gemeentecode", "gemeentenaam",
    "aantal_inwoners", "mannen", "vrouwen", "aantal_huishoudens", "gemiddelde_huishoudsgrootte",
    *(f"percentage_personen_{band}" + ("" if band.endswith("ouder") else "_jaar")
      for band in _AGE_BANDS),
    "oppervlakte_totaal_in_ha", "bevolkingsdichtheid_inwoners_per_km2",
)  # fmt: skip


def _catalogue() -> pd.DataFrame:
    rows = [(k, name) for k, name, *_ in _CORE_BUURTEN]
    rows.insert(5, (0, _BUSINESS_PARK))
    rows += [(4, name) for name, _ in _RURAL_BUURTEN]
    table = pd.DataFrame(rows, columns=["wijk", "buurtnaam"])
    table["nr"] = table.groupby("wijk").cumcount()
    table["wijkcode"] = [f"WK9999{w + 1:02d}" for w in table["wijk"]]
    table["wijknaam"] = [f"Wijk {w + 1:02d} {_WIJKEN[w]}" for w in table["wijk"]]
    codes = zip(table.wijk, table.nr, strict=True)
    table["buurtcode"] = [f"BU9999{w + 1:02d}{n:02d}" for w, n in codes]
    return table


def _seeds(rng, centre, radius, spec):
    seeds = []
    for direction, reach in spec:
        if direction is None:
            seeds.append(centre)
            continue
        a = np.radians(direction) + rng.normal(0, 0.15)
        seeds.append(centre + reach * radius * np.array([np.cos(a), np.sin(a)]))
    return np.array(seeds)


def _voronoi_edges(seeds, around):
    if len(seeds) < 2:
        return []
    cells = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=around)
    return list(shapely.boundary(shapely.get_parts(cells)))


def _partition(rng, land: Land, table: pd.DataFrame) -> np.ndarray:
    """Return one geometry per row of ``table``: an exact coverage of the gemeente."""
    around = land.gemeente.buffer(3000)
    zones = [shapely.intersection(k.buffer(150).simplify(5), land.gemeente) for k in land.kernen]
    park = shapely.intersection(land.business_park.buffer(80), land.gemeente)
    rural = CENTRE + 5000 * np.array(
        [[np.cos(np.radians(a)), np.sin(np.radians(a))] for _, a in _RURAL_BUURTEN]
    )
    dividers = [land.river, *(line for _, kind, line in land.roads if kind == "hoofdweg")]
    quarters = coverage_faces(land.gemeente, dividers)
    quarter_seed = nearest(shapely.centroid(quarters), rural)
    lines = [park.boundary, *shapely.boundary(zones), *dividers]
    core_seeds = []
    for k in range(len(land.kernen)):
        spec = [(d, r) for kern, _, d, r in _CORE_BUURTEN if kern == k]
        core_seeds.append(_seeds(rng, land.kern_centres[k], land.kern_radii[k], spec))
        lines += _voronoi_edges(core_seeds[-1], around)
    faces = coverage_faces(land.gemeente, lines)
    rep = shapely.point_on_surface(faces)
    x, y = shapely.get_coordinates(rep).T
    index = {name: i for i, name in enumerate(table.buurtnaam)}
    rural_ids = np.array([index[name] for name, _ in _RURAL_BUURTEN])
    label = np.full(len(faces), rural_ids[0])
    face, quarter = shapely.STRtree(quarters).query(rep, predicate="within")
    label[face] = rural_ids[quarter_seed[quarter]]
    for k, zone in enumerate(zones):
        inside = shapely.contains_xy(zone, x, y)
        ids = np.array([index[name] for kern, name, *_ in _CORE_BUURTEN if kern == k])
        label[inside] = ids[nearest(rep[inside], core_seeds[k])]
    label[shapely.contains_xy(park, x, y)] = index[_BUSINESS_PARK]
    keys, geoms = dissolve_faces(faces, label)
    out = np.empty(len(table), dtype=object)
    out[keys] = geoms
    return out


def _kind(name: str, mean_year: float) -> str:
    if name.startswith("Buitengebied"):
        return "buiten"
    if name == _BUSINESS_PARK:
        return "bedrijf"
    if name.endswith("Centrum"):
        return "centrum"
    if mean_year >= 1990:
        return "nieuw"
    return "oud" if mean_year < 1960 else "dorp"


def _percentages(rng, profile) -> np.ndarray:
    """Return five integer percentages near ``profile`` that sum to exactly 100."""
    share = np.clip(np.asarray(profile, float) + rng.normal(0, 1.5, 5), 2, None)
    share = 100 * share / share.sum()
    whole = np.floor(share).astype(int)
    whole[np.argsort(whole - share)[: 100 - whole.sum()]] += 1
    return whole


def _buurt_of(points: np.ndarray, geoms: np.ndarray) -> np.ndarray:
    """Return the buurt index of each point (the first buurt that holds it)."""
    i, j = shapely.STRtree(geoms).query(points, predicate="intersects")
    first = np.unique(i, return_index=True)[1]
    where = np.full(len(points), -1)
    where[i[first]] = j[first]
    return where


def make_buurten(rng: np.random.Generator, land: Land, buildings: Buildings) -> pd.DataFrame:
    """Return the buurten as a DataFrame with CBS columns and a ``geometry`` column."""
    table = _catalogue()
    geoms = _partition(rng, land, table)
    homes = np.where(buildings.use == 0, buildings.vbo, 0)
    where = _buurt_of(shapely.centroid(buildings.geometry), geoms)
    n = len(table)
    n_homes = np.bincount(where, weights=homes, minlength=n)
    mean_year = np.bincount(where, weights=homes * buildings.bouwjaar, minlength=n) / np.maximum(
        n_homes, 1
    )
    area = shapely.area(geoms)
    land_area = area - shapely.area(shapely.intersection(geoms, land.water))
    rows = []
    for b in range(n):
        ages, size = _PROFILES[_kind(table.buurtnaam[b], mean_year[b])]
        households = round(n_homes[b] * rng.uniform(0.955, 0.985))
        people = round(households * (size + rng.normal(0, 0.06)))
        men = round(people * rng.uniform(0.485, 0.51))
        mean_size = round(people / households, 1) if households else 0.0
        hectare, density = round(area[b] / 1e4), round(people / (land_area[b] / 1e6))
        rows.append([people, men, people - men, households, mean_size,
                     *_percentages(rng, ages), hectare, density])  # fmt: skip
    figures = pd.DataFrame(rows, columns=list(BUURT_COLUMNS[6:]))
    table["gemeentecode"], table["gemeentenaam"] = GEMEENTECODE, GEMEENTENAAM
    result = pd.concat([table, figures], axis=1)[list(BUURT_COLUMNS)]
    result["geometry"] = geoms
    return result


def kern_inhabitants(land: Land, buildings: Buildings, buurten: pd.DataFrame) -> np.ndarray:
    """Return the inhabitants of each core: its homes times the people per home of its buurt."""
    homes = np.where(buildings.use == 0, buildings.vbo, 0)
    points = shapely.centroid(buildings.geometry)
    where = _buurt_of(points, buurten.geometry.to_numpy())
    n_homes = np.bincount(where, weights=homes, minlength=len(buurten))
    per_home = buurten.aantal_inwoners.to_numpy() / np.maximum(n_homes, 1)
    result = []
    for kern in land.kernen:
        inside = shapely.contains_xy(kern, *shapely.get_coordinates(points).T)
        result.append(int(round((homes[inside] * per_home[where[inside]]).sum(), -1)))
    return np.array(result, dtype=np.int64)

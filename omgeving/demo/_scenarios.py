"""The three scenarios of the demo municipality, drawn on its layers.

Each scenario is a GeoDataFrame of interventions: housing sites, business parks, solar
fields, wind turbines, nature and water. They are placed by rules on the layers (at the edge
of a core, on farmland, away from houses), so they fit whatever seed made the layers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import shapely
from shapely import ops
from shapely.geometry.base import BaseGeometry

from omgeving.demo._geometry import blob, polygonal

__all__ = ["SCENARIO_COLUMNS", "make_scenarios"]

#: Columns of every scenario, besides ``geometry``.
SCENARIO_COLUMNS = ("naam", "functie", "woningen", "mw", "tiphoogte_m")

# homes per hectare (gross; spreiden shares the homes of compact-bouwen) and MW per hectare
_DENSITY = {"compact-bouwen": 34.0, "energielandschap": 32.0}
_SOLAR_ROOF, _SOLAR_FIELD = 0.9, 1.0
_FIELD_NAMES = ("Zonneveld Oude Kampen", "Zonneveld Het Lange Veld", "Zonneveld De Broekhoek")


class _Context:
    """The layer geometries the scenario rules need, read once."""

    def __init__(self, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
        self.gemeente = layers["gemeente"].union_all()
        kernen = layers["kernen"].sort_values("inwoners", ascending=False)
        self.kern = dict(zip(kernen.naam, kernen.geometry, strict=True))
        self.main = kernen.naam.iloc[0]
        self.kernen = kernen.union_all()
        use = layers["landgebruik"]
        self.water = use.loc[use.klasse == "water"].union_all()
        self.farmland = use.loc[use.klasse == "landbouw"]
        self.green = use.loc[use.klasse.isin(["bos", "natuur"])].union_all()
        buurten = layers["buurten"]
        park = buurten.loc[buurten.buurtnaam.str.startswith("Bedrijventerrein")]
        self.park_name = park.buurtnaam.iloc[0]
        park = park.union_all()
        self.business_park = polygonal(shapely.intersection(park, self.kern[self.main]))
        self.natura2000 = layers["natura2000"].union_all()
        self.n2k_name = layers["natura2000"].naam_n2k.iloc[0].replace(" (fictief)", "")
        self.flood = layers["overstroming"].union_all()
        rivers = layers["waterlopen"].sort_values("breedte_m", ascending=False)
        self.river, self.river_name = rivers.geometry.iloc[0], rivers.naam.iloc[0]
        self.brooks = rivers.iloc[1:]
        self.roads = layers["wegen"].union_all()
        homes = layers["gebouwen"]
        self.buildings = homes.geometry.to_numpy()
        self.building_tree = shapely.STRtree(self.buildings)
        self.homes = homes.geometry[homes.gebruiksdoel == "woonfunctie"].to_numpy()
        self.room = shapely.difference(self.gemeente.buffer(-40), self.water.buffer(25))
        self.blocked = shapely.union_all([self.kernen, self.green]).buffer(1)
        shapely.prepare([self.room, self.blocked])

    def clean(self, geom: BaseGeometry, *, taken: Sequence[BaseGeometry] = ()) -> BaseGeometry:
        """Clip ``geom`` to the gemeente outside water and earlier sites; keep its largest part."""
        geom = shapely.intersection(geom, self.room)
        if taken:
            geom = shapely.difference(geom, shapely.union_all(list(taken)).buffer(10))
        parts = shapely.get_parts(polygonal(geom))
        if not len(parts):
            return shapely.Polygon()
        return parts[np.argmax(shapely.area(parts))]

    def around_buildings(self, geom: BaseGeometry, *, margin: float = 25.0) -> BaseGeometry:
        """Return ``geom`` with a margin cut out around every building in it."""
        hit = self.buildings[self.building_tree.query(geom, predicate="dwithin", distance=margin)]
        return shapely.difference(geom, shapely.union_all(shapely.buffer(hit, margin, quad_segs=2)))

    def edge_site(self, rng, core, direction: float, radius: float, taken) -> BaseGeometry:
        """Return a site just outside ``core`` (a kern name or polygon) near ``direction``.

        ``direction`` is in degrees, 0 = east, 90 = north.

        When that side is blocked (water, forest, nature, an earlier site), the site turns
        around the core until it finds room.
        """
        core = self.kern[core] if isinstance(core, str) else core
        centre = np.array(shapely.get_coordinates(core.centroid)[0])
        best = shapely.Polygon()
        for turn in (0, 25, -25, 50, -50, 75, -75, 100, -100, 135, -135, 180):
            a = np.radians(direction + turn)
            way = np.array([np.cos(a), np.sin(a)])
            ray = shapely.LineString([centre, centre + 8000 * way])
            edge = shapely.get_coordinates(shapely.intersection(ray, core.boundary))
            reach = np.max(np.hypot(*(edge - centre).T)) if len(edge) else 0.0
            site = blob(
                rng,
                centre + (reach + 0.45 * radius) * way,
                radius,
                roughness=0.12,
                harmonics=3,
                vertices=48,
            )
            site = shapely.difference(site, self.blocked)
            site = self.clean(site, taken=taken)
            if site.area > best.area and site.distance(core) < 1.0:
                best = site
            if best.area > 0.4 * np.pi * radius**2:
                break
        return best


def _row(naam, functie, geom, *, woningen=0, mw=0.0, tiphoogte_m=np.nan):
    return {
        "naam": naam,
        "functie": functie,
        "woningen": int(woningen),
        "mw": float(mw),
        "tiphoogte_m": float(tiphoogte_m),
        "geometry": geom,
    }


def _hectare(geom: BaseGeometry) -> float:
    return geom.area / 1e4


def _homes(geom: BaseGeometry, density: float) -> int:
    return int(round(_hectare(geom) * density, -1))


def _housing(rng, ctx, sites, density, taken):
    rows = []
    for kern, label, direction, radius in sites:
        geom = ctx.edge_site(rng, kern, direction, radius, taken)
        taken.append(geom)
        rows.append(
            _row(f"Nieuwbouw {kern}-{label}", "wonen", geom, woningen=_homes(geom, density))
        )
    return rows


def _compact(rng, ctx: _Context) -> list[dict]:
    main = ctx.main
    taken: list[BaseGeometry] = []
    rows = _housing(
        rng,
        ctx,
        [
            (main, "Noord", 95, 270),
            (main, "Noordwest", 140, 260),
            (main, "West", 185, 260),
            (main, "Zuidwest", 230, 250),
        ],
        _DENSITY["compact-bouwen"],
        taken,
    )
    park = ctx.business_park
    ((px, py),) = shapely.get_coordinates(park.centroid)
    ((mx, my),) = shapely.get_coordinates(ctx.kern[main].centroid)
    away = np.degrees(np.arctan2(py - my, px - mx))
    extension = ctx.edge_site(rng, park, away - 90, 300, taken)
    taken.append(extension)
    rows.append(_row(f"Uitbreiding {ctx.park_name}", "werken", extension))
    roofs = ctx.clean(
        shapely.intersection(park.buffer(-100), shapely.box(px - 160, py - 90, px + 160, py + 90))
    )
    rows.append(
        _row(
            f"Zon op daken {ctx.park_name.split()[-1]}",
            "energie-zon",
            roofs,
            mw=round(_hectare(roofs) * _SOLAR_ROOF, 1),
        )
    )
    brook = ctx.brooks.iloc[0]
    corridor = shapely.difference(
        shapely.buffer(brook.geometry, 90), shapely.union(ctx.kernen.buffer(40), ctx.natura2000)
    )
    rows.append(_row(f"Natuurverbinding {brook.naam}", "natuur", ctx.clean(corridor)))
    lakes = [p for p in shapely.get_parts(ctx.water) if not p.intersects(ctx.river)]
    if lakes:
        lake = max(lakes, key=lambda p: p.area)
        rows.append(
            _row(
                "Recreatiegebied Eskerlose Plas",
                "recreatie",
                ctx.clean(shapely.difference(lake.buffer(160), lake), taken=taken),
            )
        )
    ((cx, cy),) = shapely.get_coordinates(ctx.kern[main].centroid)
    rows.append(
        _row(
            f"Gezondheidscentrum {main}",
            "voorzieningen",
            ctx.clean(shapely.box(cx + 150, cy - 50, cx + 250, cy + 50)),
        )
    )
    return rows


def _spread(rng, ctx: _Context, total: int) -> list[dict]:
    """Spread the same number of homes as ``total`` over a site at every core."""
    others = [k for k in ctx.kern if k != ctx.main]
    river = min(others, key=lambda k: ctx.kern[k].distance(ctx.river))
    second, fourth = sorted((k for k in others if k != river), key=lambda k: -ctx.kern[k].area)
    taken: list[BaseGeometry] = []
    sites = [
        (ctx.main, "Noord", 80, 300),
        (ctx.main, "West", 200, 300),
        (second, "Zuid", 270, 330),
        (fourth, "Zuid", 250, 280),
    ]
    rows = _housing(rng, ctx, sites, 0.0, taken)
    # the river village grows towards the river: partly in the flood zone
    geom = ctx.edge_site(rng, river, 180, 320, taken)
    taken.append(geom)
    rows.append(_row(f"Nieuwbouw {river}-Rivierzijde", "wonen", geom))
    area = np.array([row["geometry"].area for row in rows])
    for row, share in zip(rows, area / area.sum(), strict=True):
        row["woningen"] = int(round(total * share, -1))
    work = ctx.edge_site(rng, second, 0, 140, taken)
    taken.append(work)
    rows.append(_row(f"Werklocatie {second}-Oost", "werken", work))
    ((bx, by),) = shapely.get_coordinates(ctx.kern[fourth].centroid)
    rows.append(
        _row(
            f"Kulturhus {fourth}",
            "voorzieningen",
            ctx.clean(shapely.box(bx - 40, by - 35, bx + 40, by + 35)),
        )
    )
    hub = ctx.edge_site(rng, river, 90, 110, taken)
    rows.append(_row(f"Mobiliteitshub {river}", "mobiliteit", hub))
    return rows


def _solar_fields(rng, ctx: _Context, taken) -> list[dict]:
    parcels = ctx.farmland.explode(index_parts=False).geometry.to_numpy()
    far = (shapely.distance(parcels, ctx.kernen) > 600) & ~shapely.intersects(parcels, ctx.flood)
    far &= (shapely.area(parcels) > 40e4) & (shapely.distance(parcels, ctx.natura2000) > 300)
    candidates = parcels[far][rng.permutation(int(far.sum()))]
    fields: list[tuple[shapely.Point, BaseGeometry]] = []
    for parcel in candidates:
        point = shapely.point_on_surface(parcel)
        if len(fields) == len(_FIELD_NAMES) or any(point.distance(p) < 1800 for p, _ in fields):
            continue
        field = shapely.intersection(parcel, blob(rng, point.coords[0], 290, roughness=0.08))
        field = shapely.difference(field, ctx.roads.buffer(15))
        field = ctx.clean(ctx.around_buildings(field), taken=taken)
        taken.append(field)
        fields.append((point, field))
    # one field at the edge of the Natura 2000 area, partly inside it
    edge = shapely.intersection(ctx.natura2000.boundary, ctx.gemeente.buffer(-400))
    spot = ops.nearest_points(edge, ctx.kernen)[0]
    field = blob(rng, spot.coords[0], 260, roughness=0.1)
    field = shapely.difference(field, ctx.kernen.buffer(150))
    field = ctx.clean(ctx.around_buildings(field), taken=taken)
    taken.append(field)
    named = [
        *zip(_FIELD_NAMES, (f for _, f in fields), strict=False),
        ("Zonneveld Veenrand", field),
    ]
    return [
        _row(name, "energie-zon", geom, mw=round(_hectare(geom) * _SOLAR_FIELD, 1))
        for name, geom in named
    ]


def _wind(ctx: _Context, count: int) -> list[dict]:
    """Place ``count`` turbines on farmland far from cores, at least 300 m from homes."""
    minx, miny, maxx, maxy = ctx.gemeente.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, 100.0), np.arange(miny, maxy, 100.0))
    points = shapely.points(gx.ravel(), gy.ravel())
    farmland = ctx.farmland.union_all()
    shapely.prepare(farmland)
    ok = shapely.contains(farmland, points)
    points = points[ok]
    tree = shapely.STRtree(ctx.homes)
    near_home = tree.query(points, predicate="dwithin", distance=300)[0]
    near_any = shapely.STRtree(ctx.buildings).query(points, predicate="dwithin", distance=120)[0]
    ok = np.ones(len(points), dtype=bool)
    ok[np.concatenate([near_home, near_any])] = False
    ok &= shapely.distance(points, ctx.kernen) > 1200
    ok &= shapely.distance(points, ctx.natura2000) > 600
    ok &= shapely.distance(points, ctx.roads) > 150
    ok &= shapely.distance(points, ctx.gemeente.boundary) > 300
    points = points[ok]
    ((cx, cy),) = shapely.get_coordinates(ctx.gemeente.centroid)
    target = shapely.Point(cx + 3500, cy - 3500)
    order = np.argsort(shapely.distance(points, target))
    chosen: list[shapely.Point] = []
    for point in points[order]:
        if all(point.distance(c) >= 550 for c in chosen):
            chosen.append(point)
        if len(chosen) == count:
            break
    return [
        _row(f"Windpark Hoge Marke, turbine {i}", "energie-wind", p, mw=5.6, tiphoogte_m=246.0)
        for i, p in enumerate(chosen, start=1)
    ]


def _energy(rng, ctx: _Context) -> list[dict]:
    taken: list[BaseGeometry] = []
    rows = _housing(rng, ctx, [(ctx.main, "Noord", 95, 250)], _DENSITY["energielandschap"], taken)
    rows += _solar_fields(rng, ctx, taken)
    rows += _wind(ctx, 6)
    ring = shapely.difference(ctx.natura2000.buffer(250), ctx.natura2000)
    ring = shapely.difference(ring, ctx.kernen.buffer(50))
    rows.append(_row(f"Bufferzone {ctx.n2k_name}", "natuur", ctx.clean(ring, taken=taken)))
    length = ctx.river.length
    stretch = ops.substring(ctx.river, 0.72 * length, 0.9 * length)
    basin = shapely.intersection(stretch.buffer(230), ctx.flood)
    basin = shapely.difference(basin, ctx.kernen.buffer(100))
    rows.append(_row(f"Waterberging {ctx.river_name}", "water", ctx.clean(basin, taken=taken)))
    return rows


def make_scenarios(
    rng: np.random.Generator, layers: Mapping[str, gpd.GeoDataFrame]
) -> dict[str, list[dict]]:
    """Return the interventions of each scenario as rows (dicts with a geometry)."""
    ctx = _Context(layers)
    compact = _compact(rng, ctx)
    return {
        "compact-bouwen": compact,
        "spreiden": _spread(rng, ctx, sum(row["woningen"] for row in compact)),
        "energielandschap": _energy(rng, ctx),
    }

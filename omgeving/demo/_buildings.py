"""Building footprints (BAG-like panden) of the fictional demo municipality.

Houses stand in rows along street patterns that differ per neighbourhood (sector) of a core;
farms with their barns are scattered over the farmland; houses line the country roads. All
of it is built in a few dozen vectorised batches, never one building at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from omgeving.demo._geometry import boxes, ell_shapes, polygonal
from omgeving.demo._land import LANDUSE_CLASSES, Land

__all__ = ["USES", "Buildings", "make_buildings"]

#: BAG gebruiksdoelen, in the order of their integer codes.
USES = (
    "woonfunctie",
    "industriefunctie",
    "winkelfunctie",
    "bijeenkomstfunctie",
    "overige gebruiksfunctie",
)
_WOON, _INDUSTRIE, _WINKEL, _BIJEENKOMST, _OVERIG = range(5)
_TARGET = 20_000


class _Style(NamedTuple):
    """A street pattern; all lengths in metres."""

    width: tuple[float, float]  # footprint along the street
    depth: tuple[float, float]  # footprint across the street
    gap: tuple[float, float]  # between neighbours
    street: float  # between parallel streets
    setback: tuple[float, float]  # from the street
    curve: float  # sideways swing of the streets
    shed: float  # chance of a shed behind the house


# fmt: off
_STYLES = {
    "centrum": _Style((8, 15), (12, 20), (0.8, 2.5), 50, (0, 1), 25, 0.0),
    "oud": _Style((8, 11), (9, 13), (1.5, 4), 62, (2, 5), 30, 0.35),
    "rijtjes": _Style((7.6, 8.4), (9, 11), (0.8, 1.2), 62, (4, 6), 0, 0.3),
    "bloemkool": _Style((8, 10), (9, 12), (1.5, 3), 64, (3, 6), 70, 0.3),
    "vinex": _Style((8, 12), (9, 13), (2, 5), 64, (3, 7), 25, 0.2),
    "villa": _Style((11, 15), (11, 15), (8, 16), 84, (8, 12), 35, 0.4),
    "flats": _Style((30, 55), (11, 13), (16, 26), 90, (8, 12), 0, 0.0),
    "bedrijf": _Style((25, 70), (30, 60), (12, 30), 130, (10, 20), 0, 0.0),
}
# fmt: on
_ROAD_HALF = {"hoofdweg": 16.0, "provinciale weg": 11.0, "lokale weg": 6.0}


@dataclass(frozen=True)
class Buildings:
    """Footprints and their BAG attributes, as parallel arrays."""

    geometry: np.ndarray
    bouwjaar: np.ndarray
    use: np.ndarray
    vbo: np.ndarray


class _Collector:
    """Gathers batches of buildings with a priority (lower wins an overlap)."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []

    def add(self, geoms, year, use, vbo, rank: int, shed: float = 0.0) -> None:
        """Add a batch; ``shed`` > 0 marks optional outbuildings and weighs their chance."""
        n = len(geoms)
        if n:
            self.parts.append(
                (
                    geoms,
                    np.broadcast_to(year, n),
                    np.broadcast_to(use, n),
                    np.broadcast_to(vbo, n),
                    np.full(n, rank),
                    np.full(n, shed),
                )
            )

    def arrays(self) -> list[np.ndarray]:
        return [np.concatenate(column) for column in zip(*self.parts, strict=True)]


def _forbidden(land: Land) -> BaseGeometry:
    roads = [shapely.buffer(line, _ROAD_HALF[kind]) for _, kind, line in land.roads]
    brooks = [shapely.buffer(line, width / 2 + 4) for _, width, line in land.brooks]
    outside = shapely.difference(land.gemeente.envelope.buffer(1000), land.gemeente.buffer(-10))
    area = shapely.union_all([land.water.buffer(8), *roads, *brooks, outside])
    shapely.prepare(area)
    return area


def _rows(rng, region, angle, style):
    """Return house centres, angles, widths, depths and street sides filling ``region``."""
    cx, cy = shapely.get_coordinates(shapely.centroid(region))[0]
    minx, miny, maxx, maxy = region.bounds
    half = 0.5 * np.hypot(maxx - minx, maxy - miny) + 20
    streets = np.arange(-half, half, style.street) + rng.uniform(0, style.street)
    n_rows = 2 * len(streets)
    k = int(2 * half / (style.width[0] + style.gap[0])) + 2
    width = rng.uniform(*style.width, (n_rows, k))
    pitch = width + rng.uniform(*style.gap, (n_rows, k))
    u = -half - rng.uniform(0, 20, (n_rows, 1)) + np.cumsum(pitch, axis=1) - pitch / 2
    every = rng.integers(9, 15)
    keep = (u < half) & ((np.arange(k) + rng.integers(0, every, (n_rows, 1))) % every != 0)
    side = np.tile([-1.0, 1.0], len(streets))[:, None]
    depth = rng.uniform(*style.depth, (n_rows, 1)) * rng.uniform(0.92, 1.08, (n_rows, k))
    setback = rng.uniform(*style.setback, (n_rows, 1))
    v = np.repeat(streets, 2)[:, None] + side * (5.0 + setback + depth / 2)
    lam, phase = rng.uniform(250, 500), rng.uniform(0, 2 * np.pi)
    amp = style.curve * rng.uniform(0.5, 1.0)
    v = v + amp * np.sin(2 * np.pi * u / lam + phase)
    slope = np.arctan(amp * 2 * np.pi / lam * np.cos(2 * np.pi * u / lam + phase))
    c, s = np.cos(angle), np.sin(angle)
    x, y = cx + u * c - v * s, cy + u * s + v * c
    pick = keep.ravel()
    return (
        x.ravel()[pick],
        y.ravel()[pick],
        (angle + slope).ravel()[pick],
        width.ravel()[pick],
        depth.ravel()[pick],
        np.broadcast_to(side, u.shape).ravel()[pick],
    )


def _fits(geoms, inner, forbidden):
    # the prepared geometry must be the first argument to be used
    ok = shapely.contains(inner, geoms)
    ok[ok] = ~shapely.intersects(forbidden, geoms[ok])
    return ok


def _sector_style(rng, distance, main):
    year = 1925 + 95 * distance + rng.normal(0, 8)
    if year < 1950:
        return "oud", year
    if year < 1972:
        return ("flats" if main and rng.uniform() < 0.3 else "rijtjes"), year
    if year < 1992:
        return ("bloemkool" if rng.uniform() < 0.6 else "rijtjes"), year
    return ("villa" if rng.uniform() < 0.2 else "vinex"), min(year, 2023)


def _street_block(rng, out, region, style_name, year, angle, forbidden, *, rank):
    """Fill ``region`` with one street pattern and add the houses and sheds to ``out``."""
    style = _STYLES[style_name]
    inner = region.buffer(-3)
    shapely.prepare(inner)
    x, y, theta, w, d, side = _rows(rng, region, angle, style)
    ell = rng.uniform(size=len(x)) < (0.25 if style_name in ("oud", "villa", "vinex") else 0)
    geoms = np.where(
        ell,
        ell_shapes(x, y, w, d, theta, rng.uniform(0.3, 0.5, len(x)), rng.uniform(0.3, 0.5, len(x))),
        boxes(x, y, w, d, theta),
    )
    ok = _fits(geoms, inner, forbidden)
    n = int(ok.sum())
    spread = 30 if style_name in ("oud", "centrum") else 3
    years = np.round(year + rng.normal(0, spread, n)).clip(1600, 2024).astype(int)
    use, vbo = _uses(rng, style_name, n, w[ok])
    out.add(geoms[ok], years, use, vbo, rank)
    if style.shed:
        sw, sd = rng.uniform(2.5, 4.0, len(x)), rng.uniform(3.0, 4.5, len(x))
        off = d / 2 + rng.uniform(3, 6, len(x)) + sd / 2
        sx, sy = x - side * off * np.sin(theta), y + side * off * np.cos(theta)
        sheds = boxes(sx, sy, sw, sd, theta)
        okay = ok & _fits(sheds, inner, forbidden)
        shed_years = np.minimum(year + rng.integers(0, 40, int(okay.sum())), 2024)
        out.add(sheds[okay], shed_years.astype(int), _OVERIG, 0, rank + 5, shed=style.shed)


def _uses(rng, style_name, n, width):
    if style_name == "bedrijf":
        use = rng.choice([_INDUSTRIE, _OVERIG, _WINKEL, _WOON], n, p=[0.8, 0.09, 0.06, 0.05])
        return use, np.where(use == _INDUSTRIE, rng.integers(1, 4, n), 1)
    if style_name == "centrum":
        use = rng.choice([_WOON, _WINKEL, _BIJEENKOMST, _OVERIG], n, p=[0.5, 0.36, 0.05, 0.09])
        return use, np.where(use == _WOON, rng.integers(1, 5, n), 1)
    if style_name == "flats":
        return np.full(n, _WOON), (np.round(width / 7) * rng.integers(3, 5, n)).astype(int)
    use = rng.choice([_WOON, _WINKEL, _BIJEENKOMST, _OVERIG], n, p=[0.975, 0.005, 0.005, 0.015])
    return use, np.where(use == _WOON, 1 + (rng.uniform(size=n) < 0.02), 1)


def _specials(rng, out, kern, centre, radius, forbidden):
    """Add a church at the centre and schools, a supermarket and a sports hall in the core."""
    specs = [
        ("kerk", 14, 32, _BIJEENKOMST, (1450, 1900), 0.0),
        ("supermarkt", 38, 55, _WINKEL, (1975, 2020), 0.35),
    ]
    specs += [("school", 30, 55, _BIJEENKOMST, (1960, 2018), 0.8)] * max(
        1, round(kern.area / 1.2e6)
    )
    if radius > 600:
        specs.append(("sporthal", 36, 48, _BIJEENKOMST, (1970, 2015), 0.8))
    placed, room = [], kern.buffer(-20)
    for _, w, d, use, years, reach in specs:
        for _ in range(50):
            r, a = reach * radius * np.sqrt(rng.uniform()), rng.uniform(0, 2 * np.pi)
            geom = boxes(
                [centre[0] + r * np.cos(a)],
                [centre[1] + r * np.sin(a)],
                [w],
                [d],
                [rng.uniform(0, np.pi)],
            )[0]
            clear = not any(geom.distance(p) < 40 for p in placed)
            if clear and room.contains(geom) and not forbidden.intersects(geom):
                placed.append(geom)
                out.add(np.array([geom]), rng.integers(*years), use, 1, 0)
                break
    return shapely.union_all(placed).buffer(6) if placed else shapely.Polygon()


def _sample(rng, region, n):
    """Return ``n`` random points (as an (n, 2) array) inside ``region``."""
    if region.is_empty:
        return np.empty((0, 2))
    minx, miny, maxx, maxy = region.bounds
    xy = rng.uniform((minx, miny), (maxx, maxy), (n * 20 + 100, 2))
    return xy[shapely.contains_xy(region, *xy.T)][:n]


def _kern(rng, out, land, k, forbidden):
    kern, centre, radius = land.kernen[k], land.kern_centres[k], land.kern_radii[k]
    forbidden = shapely.union(forbidden, _specials(rng, out, kern, centre, radius, forbidden))
    shapely.prepare(forbidden)
    homes = shapely.difference(kern, land.business_park.buffer(25)) if k == 0 else kern
    n = max(3, round(homes.area / 4.5e5))
    seeds = _sample(rng, homes.buffer(-80), n)
    if len(seeds) < 2:
        seeds = np.vstack([_sample(rng, homes, 2), seeds])
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=kern.buffer(500), ordered=True
        )
    )
    dist = np.hypot(*(seeds - centre).T) / radius
    park = int(np.argsort(dist)[len(dist) // 2]) if k == 0 else -1
    base = rng.uniform(0, np.pi)
    for i, cell in enumerate(cells):
        sector = polygonal(shapely.intersection(cell, homes))
        if i == park or sector.is_empty:
            continue
        angle = base + rng.choice([0, np.pi / 2]) + rng.normal(0, 0.35)
        if dist[i] == dist.min():
            heart = shapely.Point(centre).buffer(0.3 * radius)
            for part, style in (
                (shapely.intersection(sector, heart), "centrum"),
                (shapely.difference(sector, heart), "oud"),
            ):
                part = polygonal(part)
                if not part.is_empty:
                    _street_block(rng, out, part, style, 1890.0, angle, forbidden, rank=1)
            continue
        style, year = _sector_style(rng, dist[i], k == 0)
        _street_block(rng, out, sector, style, year, angle, forbidden, rank=1)
    if k == 0:
        corners = shapely.get_coordinates(shapely.oriented_envelope(land.business_park))
        angle = np.arctan2(*(corners[1] - corners[0])[::-1])
        _street_block(rng, out, land.business_park, "bedrijf", 1990.0, angle, forbidden, rank=1)


def _farms(rng, out, land, forbidden):
    """Add farmsteads: a farmhouse with up to four barns, on a jittered grid over farmland."""
    area = shapely.difference(
        land.landuse_of(LANDUSE_CLASSES.index("landbouw")),
        shapely.union_all(land.kernen).buffer(250),
    ).buffer(-40)
    shapely.prepare(area)
    minx, miny, maxx, maxy = land.gemeente.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, 390.0), np.arange(miny, maxy, 390.0))
    x, y = gx.ravel() + rng.uniform(-90, 90, gx.size), gy.ravel() + rng.uniform(-90, 90, gx.size)
    sparse = (x - land.kern_centres[1][0] > 0) & (y - land.kern_centres[1][1] < -2500)
    keep = shapely.contains_xy(area, x, y) & (rng.uniform(size=x.size) < np.where(sparse, 0.4, 0.8))
    x, y = x[keep], y[keep]
    n, theta = len(x), rng.uniform(0, np.pi, len(x))
    hw, hd = rng.uniform(10, 14, n), rng.uniform(12, 18, n)
    house = ell_shapes(x, y, hw, hd, theta, rng.uniform(0.3, 0.5, n), rng.uniform(0.3, 0.5, n))
    ok = ~shapely.intersects(forbidden, house)
    out.add(
        house[ok],
        rng.integers(1850, 1985, int(ok.sum())),
        _WOON,
        1 + (rng.uniform(size=int(ok.sum())) < 0.1),
        2,
    )
    c, s = np.cos(theta), np.sin(theta)
    wa, da = rng.uniform(16, 26, n), rng.uniform(30, 70, n)
    barns = [  # (presence, width, depth, local x, local y)
        (0.95, wa, da, 0 * wa, -(hd / 2 + 10 + da / 2)),
    ]
    wb, db = rng.uniform(12, 22, n), rng.uniform(20, 50, n)
    barns.append((0.7, wb, db, wa / 2 + 8 + wb / 2, -(hd / 2 + 10 + db / 2)))
    wc, dc = rng.uniform(8, 14, n), rng.uniform(10, 18, n)
    barns.append((0.45, wc, dc, -(hw / 2 + 8 + wc / 2), 0 * wc))
    wd, dd = rng.uniform(20, 30, n), rng.uniform(50, 90, n)
    barns.append((0.3, wd, dd, -(wa / 2 + 8 + wd / 2), -(hd / 2 + 10 + dd / 2)))
    for p, w, d, lx, ly in barns:
        geoms = boxes(x + lx * c - ly * s, y + lx * s + ly * c, w, d, theta)
        ok = (rng.uniform(size=n) < p) & ~shapely.intersects(forbidden, geoms)
        m = int(ok.sum())
        use = np.where(rng.uniform(size=m) < 0.08, _INDUSTRIE, _OVERIG)
        out.add(geoms[ok], rng.integers(1955, 2020, m), use, (use == _INDUSTRIE).astype(int), 3)


def _ribbons(rng, out, land, forbidden):
    """Add houses (and their sheds) along the country roads outside the cores."""
    away = shapely.union_all([*land.kernen, land.natura2000]).buffer(100)
    inside = land.gemeente.buffer(-30)
    shapely.prepare([away, inside])
    for _, kind, line in land.roads:
        s = np.cumsum(rng.uniform(45, 190, int(line.length / 45)))
        s = s[s < line.length - 5]
        p = shapely.get_coordinates(shapely.line_interpolate_point(line, s))
        q = shapely.get_coordinates(shapely.line_interpolate_point(line, s + 2))
        theta = np.arctan2(q[:, 1] - p[:, 1], q[:, 0] - p[:, 0])
        n = len(s)
        side = rng.choice([-1.0, 1.0], n)
        w, d = rng.uniform(9, 14, n), rng.uniform(9, 13, n)
        off = side * (_ROAD_HALF[kind] + rng.uniform(10, 22, n) + d / 2)
        x, y = p[:, 0] - off * np.sin(theta), p[:, 1] + off * np.cos(theta)
        geoms = boxes(x, y, w, d, theta)
        ok = (
            shapely.contains(inside, geoms)
            & ~shapely.intersects(away, geoms)
            & ~shapely.intersects(forbidden, geoms)
        )
        m = int(ok.sum())
        years = (1890 + 130 * rng.beta(2.2, 1.6, m)).astype(int)
        out.add(geoms[ok], years, _WOON, 1, 4)
        back = side * (d / 2 + rng.uniform(4, 9, n) + 3)
        sheds = boxes(
            x - back * np.sin(theta),
            y + back * np.cos(theta),
            rng.uniform(4, 8, n),
            rng.uniform(5, 9, n),
            theta,
        )
        ok &= ~shapely.intersects(forbidden, sheds)
        out.add(sheds[ok], rng.integers(1950, 2024, int(ok.sum())), _OVERIG, 0, 6, shed=0.5)


def _drop_overlaps(geoms: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Return a mask that drops every footprint overlapping one of better (lower) rank."""
    order = np.argsort(rank, kind="stable")
    i, j = shapely.STRtree(geoms[order]).query(geoms[order], predicate="intersects")
    loser = np.unique(np.maximum(i, j)[i != j])
    keep = np.ones(len(geoms), dtype=bool)
    keep[order[loser]] = False
    return keep


def make_buildings(rng: np.random.Generator, land: Land) -> Buildings:
    """Return about 20,000 building footprints for ``land``."""
    forbidden = _forbidden(land)
    out = _Collector()
    for k in range(len(land.kernen)):
        _kern(rng, out, land, k, forbidden)
    _farms(rng, out, land, forbidden)
    _ribbons(rng, out, land, forbidden)
    geoms, year, use, vbo, rank, shed = out.arrays()
    keep = _drop_overlaps(geoms, rank)
    # sheds and garages fill up the count, so every seed gives the same number of panden
    sheds = np.flatnonzero(keep & (shed > 0))
    surplus = min(int(keep.sum()) - _TARGET, len(sheds))
    if surplus > 0:
        weight = 1.0 - shed[sheds]
        drop = rng.choice(sheds, size=surplus, replace=False, p=weight / weight.sum())
        keep[drop] = False
    return Buildings(
        geoms[keep], year[keep].astype(np.int64), use[keep], vbo[keep].astype(np.int64)
    )

"""The landscape of the fictional demo municipality: boundary, cores, water, roads, nature.

The layout (where the cores, the river and the roads roughly run) is fixed below, so every
seed gives the same kind of municipality; the seed only changes the shapes. All coordinates
are RD New (EPSG:28992) metres, written relative to :data:`CENTRE`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from omgeving.demo._geometry import (
    blob,
    coverage_faces,
    dissolve_faces,
    longest_part,
    polygonal,
    wiggly_line,
)

__all__ = ["CENTRE", "LANDUSE_CLASSES", "Land", "make_land"]

#: Centre of the demo municipality in RD New: the east of the Netherlands (Salland).
CENTRE = np.array([203_000.0, 488_000.0])

#: Land-use classes, in the order of their integer codes.
LANDUSE_CLASSES = ("landbouw", "bos", "natuur", "water", "bebouwd")
_LANDBOUW, _BOS, _NATUUR, _WATER, _BEBOUWD = range(5)

_AREA_M2 = 150e6

# name, centre relative to CENTRE or ("river", y, metres east of the river), core radius
_KERNEN = (
    ("Eskerlo", (-2800.0, 1300.0), 1150.0),
    ("Veldermarke", (3600.0, 1200.0), 720.0),
    ("Ravelsloo", ("river", -2600.0, 700.0), 580.0),
    ("Brinkhaar", ("river", 4100.0, 1250.0), 430.0),
)
RIVER_NAME, RIVER_WIDTH = "Ravel", 36.0

# name, type, waypoints; a waypoint given as an int is the centre of that kern
_ROADS = (
    (
        "Rijksweg",
        "hoofdweg",
        [
            (-11000, -200),
            (-5600, -700),
            (-2300, -750),
            (0, -1250),
            (3000, -950),
            (6200, -1300),
            (11000, -900),
        ],
    ),
    (
        "Markeweg",
        "provinciale weg",
        [0, (-500, 1750), (1600, 1500), 1, (6500, 1900), (11000, 2300)],
    ),
    ("Noorderweg", "provinciale weg", [0, (-3300, 4000), (-3700, 11000)]),
    ("Ravelsloseweg", "provinciale weg", [0, (-2100, -900), 2]),
    ("Zuiderweg", "provinciale weg", [2, (-300, -5200), (300, -11000)]),
    ("Brinkhaarderweg", "lokale weg", [1, (3000, 2800), 3]),
    ("Esweg", "lokale weg", [3, (500, 3500), (-1500, 2600), 0]),
    ("Veenweg", "lokale weg", [3, (3100, 6500), (3900, 11000)]),
    ("Markerweg", "lokale weg", [2, (1600, -2300), 1]),
    ("Westerweg", "lokale weg", [0, (-6000, 2600), (-11000, 3100)]),
    ("Broekweg", "lokale weg", [2, (-4400, -3600), (-6400, -6200), (-9000, -9000)]),
    ("Heideweg", "lokale weg", [1, (5100, -2600), (4600, -6000), (6000, -11000)]),
    ("Kampweg", "lokale weg", [(-5600, -700), (-6200, -4000), (-4200, -6400)]),
    ("Molenweg", "lokale weg", [(0, -1250), (2600, -4000), (1500, -7200)]),
    ("Hoeveweg", "lokale weg", [(-3300, 4000), (-1000, 5600), (500, 7200)]),
)
_ROAD_WIGGLE = {"hoofdweg": 50.0, "provinciale weg": 80.0, "lokale weg": 110.0}

_BROOKS = (
    ("Brinkhaarder Beek", 6.0, [(5600, 3300), (3600, 3200), (1900, 2500), "river"]),
    ("Veldermarkse Beek", 4.0, [(6800, 300), (4600, -600), (2300, -2000), "river"]),
)

N2K_NAME = "Brinkhaarder Veen (fictief)"


@dataclass(frozen=True)
class Land:
    """Every landscape geometry of the demo municipality (shapely, RD New)."""

    gemeente: shapely.Polygon
    kern_names: tuple[str, ...]
    kern_centres: np.ndarray
    kern_radii: np.ndarray
    kernen: np.ndarray
    business_park: shapely.Polygon
    river: shapely.LineString
    water: BaseGeometry
    brooks: tuple[tuple[str, float, shapely.LineString], ...]
    roads: tuple[tuple[str, str, shapely.LineString], ...]
    natura2000: shapely.Polygon
    flood: BaseGeometry
    landuse_class: np.ndarray
    landuse: np.ndarray

    def landuse_of(self, code: int) -> BaseGeometry:
        """Return the union of the land-use polygons of class ``code``."""
        return shapely.coverage_union_all(self.landuse[self.landuse_class == code])


def _rel(x: float, y: float) -> tuple[float, float]:
    return (CENTRE[0] + x, CENTRE[1] + y)


def _scaled(shape: shapely.Polygon) -> shapely.Polygon:
    factor = np.sqrt(_AREA_M2 / shape.area)
    return affinity.scale(shape, factor, factor, origin=tuple(CENTRE))


def _gemeente(rng: np.random.Generator, centres: np.ndarray, radii: np.ndarray):
    """Return an irregular boundary of 150 km² that keeps every core 1 km from its edge."""
    shape = blob(
        rng,
        CENTRE,
        6800.0,
        roughness=0.5,
        harmonics=60,
        decay=1.35,
        aspect=1.3,
        angle=rng.uniform(-0.2, 0.2),
        vertices=720,
    )
    room = [
        blob(rng, c, r + 1400, roughness=0.1, vertices=96)
        for c, r in zip(centres, radii, strict=True)
    ]
    # simplifying leaves straight stretches and corners, as boundaries along ditches and roads
    shape = shapely.union_all([_scaled(shape), *room]).simplify(90.0)
    return _scaled(shape)


def _river(rng: np.random.Generator) -> shapely.LineString:
    points = [_rel(2600, 9500), _rel(1300, 3000), _rel(-600, -1500), _rel(-3800, -9500)]
    return wiggly_line(rng, points, amplitude=360.0, wavelength=1400.0, step=25.0, taper=50.0)


def _kern_centres(river: shapely.LineString) -> np.ndarray:
    centres = []
    for _, rel, _ in _KERNEN:
        if rel[0] == "river":
            _, y, east = rel
            cross = shapely.intersection(river, shapely.LineString([_rel(-9000, y), _rel(9000, y)]))
            centres.append((shapely.get_coordinates(cross)[:, 0].max() + east, CENTRE[1] + y))
        else:
            centres.append(_rel(*rel))
    return np.array(centres)


def _business_park(rng, core, centre):
    """Return a business park of about 60 ha that overlaps the south edge of ``core``."""
    x = centre[0] + 500.0
    south = shapely.get_coordinates(
        shapely.intersection(core, shapely.LineString([(x, centre[1]), (x, centre[1] - 5000)]))
    )[:, 1].min()
    park = affinity.rotate(shapely.box(-520, -310, 520, 310), rng.uniform(4, 12), origin=(0, 0))
    return affinity.translate(park, x, south - 160)


def _kernen(rng, gemeente, centres, water):
    radii = np.array([r for *_, r in _KERNEN])
    allowed = shapely.difference(gemeente.buffer(-250), water.buffer(30))
    kernen, park = [], None
    for i, (centre, radius) in enumerate(zip(centres, radii, strict=True)):
        shape = blob(
            rng,
            centre,
            radius,
            roughness=0.2,
            harmonics=5,
            aspect=rng.uniform(1, 1.4),
            angle=rng.uniform(0, np.pi),
            vertices=72,
        )
        if i == 0:
            park = _business_park(rng, shape, centre)
            shape = shapely.union(shape, park)
        parts = shapely.get_parts(polygonal(shapely.intersection(shape, allowed)))
        kernen.append(parts[np.argmax(shapely.area(parts))])
    return radii, np.array(kernen, dtype=object), park


def _roads(rng, gemeente, centres):
    area = gemeente.buffer(800)
    roads = []
    for name, kind, waypoints in _ROADS:
        points = [centres[p] if isinstance(p, int) else _rel(*p) for p in waypoints]
        line = wiggly_line(rng, points, amplitude=_ROAD_WIGGLE[kind], wavelength=1800.0)
        roads.append((name, kind, longest_part(shapely.intersection(line, area))))
    return tuple(roads)


def _brooks(rng, river):
    brooks = []
    for name, width, waypoints in _BROOKS:
        points = [_rel(*p) for p in waypoints[:-1]]
        end = shapely.line_interpolate_point(river, river.project(shapely.Point(points[-1])))
        points.append(tuple(shapely.get_coordinates(end)[0]))
        line = wiggly_line(rng, points, amplitude=70.0, wavelength=500.0, step=15.0, taper=150.0)
        brooks.append((name, width, line))
    return tuple(brooks)


def _natura2000(rng, kernen, water):
    shape = blob(
        rng,
        _rel(5700, 3500),
        1900.0,
        roughness=0.22,
        harmonics=8,
        aspect=2.0,
        angle=2.3,
        vertices=160,
    )
    shape = shapely.difference(shape, shapely.union_all([*kernen, water]).buffer(300))
    parts = shapely.get_parts(polygonal(shape))
    return parts[np.argmax(shapely.area(parts))]


def _flood(rng, gemeente, river):
    s = np.arange(0.0, river.length, 120.0)
    points = shapely.line_interpolate_point(river, s)
    lam, phase = rng.uniform(1500, 4000, 3), rng.uniform(0, 2 * np.pi, 3)
    wave = np.sin(2 * np.pi * s / lam[:, None] + phase[:, None]).sum(axis=0) / 3
    radii = 430.0 + 260.0 * wave
    zone = shapely.union_all(shapely.buffer(points, radii, quad_segs=8))
    zone = zone.buffer(150, quad_segs=4).buffer(-150, quad_segs=4).simplify(5.0)
    return polygonal(shapely.intersection(zone, gemeente))


def _parcel_classes(rng, seeds, river, natura2000, kernen):
    n = len(seeds)
    pts = shapely.points(seeds)
    classes = np.full(n, _LANDBOUW)
    far = shapely.distance(pts, shapely.union_all(kernen)) > 900
    estates = seeds[rng.choice(np.flatnonzero(far), size=3, replace=False)]
    d_estate = np.sqrt(((seeds[:, None, :] - estates[None]) ** 2).sum(-1)).min(axis=1)
    d_n2k = shapely.distance(pts, natura2000)
    d_river = shapely.distance(pts, river)
    p_bos = np.where(d_estate < 1300, 0.75, np.where(d_n2k < 1200, 0.45, 0.06))
    p_natuur = np.where(d_river < 500, 0.35, 0.04)
    draw = rng.uniform(size=n)
    classes[draw < p_bos] = _BOS
    classes[(draw >= p_bos) & (draw < p_bos + p_natuur)] = _NATUUR
    classes[d_estate == 0] = _BOS
    return classes


def _landuse(rng, gemeente, water, kernen, natura2000, river):
    minx, miny, maxx, maxy = gemeente.bounds
    gx, gy = np.meshgrid(np.arange(minx, maxx, 950.0), np.arange(miny, maxy, 950.0))
    seeds = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-320, 320, (gx.size, 2))
    cells = shapely.get_parts(
        shapely.voronoi_polygons(
            shapely.multipoints(seeds), extend_to=gemeente.buffer(3000), ordered=True
        )
    )
    parcel_class = _parcel_classes(rng, seeds, river, natura2000, kernen)
    lines = [
        *shapely.boundary(cells),
        water.boundary,
        natura2000.boundary,
        *shapely.boundary(kernen),
    ]
    faces = coverage_faces(gemeente, lines)
    rep = shapely.point_on_surface(faces)
    x, y = shapely.get_coordinates(rep).T
    cell = np.zeros(len(faces), dtype=int)
    hit_face, hit_cell = shapely.STRtree(cells).query(rep, predicate="within")
    cell[hit_face] = hit_cell
    code = parcel_class[cell] * 100_000 + cell
    code[shapely.contains_xy(natura2000, x, y)] = _NATUUR * 100_000 + 99_999
    for k, kern in enumerate(kernen):
        code[shapely.contains_xy(kern, x, y)] = _BEBOUWD * 100_000 + k
    code[shapely.contains_xy(water, x, y)] = _WATER * 100_000
    keys, geoms = dissolve_faces(faces, code)
    parts, index = shapely.get_parts(geoms, return_index=True)
    return (keys[index] // 100_000).astype(int), parts


def make_land(rng: np.random.Generator) -> Land:
    """Return the landscape of the demo municipality for one random generator."""
    river = _river(rng)
    centres = _kern_centres(river)
    gemeente = _gemeente(rng, centres, np.array([r for *_, r in _KERNEN]))
    river = longest_part(shapely.intersection(river, gemeente.buffer(900)))
    lake = blob(rng, _rel(-5300, -2000), 260.0, roughness=0.25, harmonics=4, aspect=1.6)
    river_area = shapely.buffer(river, RIVER_WIDTH / 2, cap_style="flat")
    water = polygonal(shapely.intersection(shapely.union(river_area, lake), gemeente))
    radii, kernen, park = _kernen(rng, gemeente, centres, water)
    natura2000 = _natura2000(rng, kernen, water)
    landuse_class, landuse = _landuse(rng, gemeente, water, kernen, natura2000, river)
    return Land(
        gemeente=gemeente,
        kern_names=tuple(name for name, *_ in _KERNEN),
        kern_centres=centres,
        kern_radii=radii,
        kernen=kernen,
        business_park=shapely.intersection(park, kernen[0]),
        river=river,
        water=water,
        brooks=_brooks(rng, river),
        roads=_roads(rng, gemeente, centres),
        natura2000=natura2000,
        flood=_flood(rng, gemeente, river),
        landuse_class=landuse_class,
        landuse=landuse,
    )

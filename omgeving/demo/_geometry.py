"""Small vectorised geometry helpers for the fictional demo municipality.

Everything here is pure: numbers in, shapely geometries out. Randomness comes only from the
``numpy.random.Generator`` passed in, so the demo is the same on every machine.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = [
    "blob",
    "boxes",
    "coverage_faces",
    "dissolve_faces",
    "ell_shapes",
    "longest_part",
    "nearest",
    "polygonal",
    "wiggly_line",
]

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)


def blob(
    rng: np.random.Generator,
    centre: Sequence[float] | np.ndarray,
    radius: float,
    *,
    roughness: float = 0.15,
    harmonics: int = 6,
    decay: float = 1.0,
    aspect: float = 1.0,
    angle: float = 0.0,
    vertices: int = 96,
) -> shapely.Polygon:
    """Return an irregular star-shaped polygon around ``centre``.

    The radius varies with a few random harmonics (amplitude ``roughness / k**decay``); the
    shape is stretched by ``aspect`` along ``angle`` (radians). A star-shaped ring with a
    positive radius never crosses itself, so the polygon is always valid.
    """
    t = np.linspace(0.0, 2.0 * np.pi, vertices, endpoint=False)
    k = np.arange(2, harmonics + 2)
    amp = roughness * rng.normal(size=k.size) / k**decay
    phase = rng.uniform(0.0, 2.0 * np.pi, size=k.size)
    r = 1.0 + (amp[:, None] * np.cos(k[:, None] * t + phase[:, None])).sum(axis=0)
    r = radius * np.clip(r, 0.4, None)
    x = r * np.cos(t) * np.sqrt(aspect)
    y = r * np.sin(t) / np.sqrt(aspect)
    c, s = np.cos(angle), np.sin(angle)
    return shapely.Polygon(np.column_stack([centre[0] + x * c - y * s, centre[1] + x * s + y * c]))


def _smooth(coords: np.ndarray, iterations: int) -> np.ndarray:
    """Chaikin corner cutting that keeps the two end points."""
    for _ in range(iterations):
        a, b = coords[:-1], coords[1:]
        cut = np.empty((2 * len(a), 2))
        cut[0::2] = 0.75 * a + 0.25 * b
        cut[1::2] = 0.25 * a + 0.75 * b
        coords = np.vstack([coords[:1], cut, coords[-1:]])
    return coords


def wiggly_line(
    rng: np.random.Generator,
    waypoints: Sequence[Sequence[float]],
    *,
    amplitude: float,
    wavelength: float,
    step: float = 40.0,
    taper: float = 400.0,
) -> shapely.LineString:
    """Return a smoothed line through ``waypoints`` that meanders sideways.

    The sideways offset is a sum of three sines around ``wavelength`` with total amplitude
    about ``amplitude``; it fades to zero over ``taper`` metres at both ends, so a road still
    starts and ends where it should.
    """
    base = shapely.LineString(_smooth(np.asarray(waypoints, dtype=float), 4))
    length = base.length
    s = np.linspace(0.0, length, max(int(length / step), 8))
    here = shapely.get_coordinates(shapely.line_interpolate_point(base, s))
    ahead = shapely.get_coordinates(shapely.line_interpolate_point(base, np.minimum(s + 1, length)))
    behind = shapely.get_coordinates(shapely.line_interpolate_point(base, np.maximum(s - 1, 0)))
    tangent = ahead - behind
    tangent /= np.linalg.norm(tangent, axis=1, keepdims=True)
    normal = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    lam = wavelength * rng.uniform(0.6, 1.6, size=3)
    amp = amplitude * rng.uniform(0.3, 1.0, size=3) / np.array([1.0, 1.6, 2.4])
    phase = rng.uniform(0.0, 2.0 * np.pi, size=3)
    offset = (amp[:, None] * np.sin(2 * np.pi * s / lam[:, None] + phase[:, None])).sum(axis=0)
    fade = np.clip(np.minimum(s, length - s) / max(taper, 1.0), 0.0, 1.0)
    return shapely.LineString(here + normal * (offset * fade)[:, None])


def longest_part(geom: BaseGeometry) -> shapely.LineString:
    """Return the longest LineString of a (multi)line, e.g. after clipping."""
    parts = shapely.get_parts(shapely.line_merge(geom))
    return parts[np.argmax(shapely.length(parts))]


def polygonal(geom: BaseGeometry) -> BaseGeometry:
    """Return only the polygon parts of ``geom`` (drop lines and points left by clipping)."""
    parts = shapely.get_parts(geom)
    parts = parts[np.isin(shapely.get_type_id(parts), _POLYGONAL) & ~shapely.is_empty(parts)]
    parts = parts[shapely.area(parts) > 1.0]
    if len(parts) == 1:
        return parts[0]
    return shapely.make_valid(shapely.multipolygons(parts))


def _frame(cx, cy, theta, x, y):
    c, s = np.cos(theta)[:, None], np.sin(theta)[:, None]
    return np.stack([cx[:, None] + x * c - y * s, cy[:, None] + x * s + y * c], axis=-1)


def boxes(cx, cy, width, depth, theta) -> np.ndarray:
    """Return rotated rectangles: ``width`` along angle ``theta``, ``depth`` across it."""
    ux = np.array([-0.5, 0.5, 0.5, -0.5])
    uy = np.array([-0.5, -0.5, 0.5, 0.5])
    w, d = np.asarray(width)[:, None], np.asarray(depth)[:, None]
    return shapely.polygons(
        _frame(np.asarray(cx), np.asarray(cy), np.asarray(theta), ux * w, uy * d)
    )


def ell_shapes(cx, cy, width, depth, theta, notch_x, notch_y) -> np.ndarray:
    """Return rotated L shapes: a rectangle with one corner cut away.

    ``notch_x`` and ``notch_y`` are the fractions (0–1, exclusive) of width and depth cut.
    """
    w, d = np.asarray(width)[:, None], np.asarray(depth)[:, None]
    a, b = np.asarray(notch_x)[:, None] * w, np.asarray(notch_y)[:, None] * d
    x = np.hstack([-w / 2, w / 2, w / 2, w / 2 - a, w / 2 - a, -w / 2])
    y = np.hstack([-d / 2, -d / 2, d / 2 - b, d / 2 - b, d / 2, d / 2])
    return shapely.polygons(_frame(np.asarray(cx), np.asarray(cy), np.asarray(theta), x, y))


def coverage_faces(region: BaseGeometry, lines: Sequence[BaseGeometry]) -> np.ndarray:
    """Cut ``region`` by ``lines`` into faces that form an exact coverage.

    All lines and the region's boundary are noded together and polygonised, so neighbouring
    faces share identical vertices; faces outside ``region`` are dropped.
    """
    noded = shapely.union_all([region.boundary, *lines])
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    shapely.prepare(region)
    return faces[shapely.contains(region, shapely.point_on_surface(faces))]


def dissolve_faces(faces: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Merge faces of a coverage that share a label; return ``(labels, geometries)``."""
    keys = np.unique(labels)
    geoms = np.array([shapely.coverage_union_all(faces[labels == k]) for k in keys], dtype=object)
    return keys, geoms


def nearest(points: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Return for each point the index of the nearest seed (``points`` as shapely Points)."""
    xy = shapely.get_coordinates(points)
    d2 = ((xy[:, None, :] - np.asarray(seeds)[None, :, :]) ** 2).sum(axis=-1)
    return d2.argmin(axis=1)

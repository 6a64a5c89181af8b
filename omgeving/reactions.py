"""Reactions: the participation data, and the server-side validation of every one.

The browser can set any widget value (Voila lets any client send any ``comm_msg``), so every
field a resident sends is checked here, in Python, before anything is stored.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import shape

from omgeving._errors import ValidationError

__all__ = [
    "CHANNELS",
    "MAX_TEXT",
    "MAX_VERTICES",
    "Area",
    "Reaction",
    "check_geometry",
    "new_reaction_id",
    "validate_reaction",
]

MAX_TEXT = 1000
MAX_VERTICES = 2000
CHANNELS = ("online", "tafel", "papier", "staff", "openstad")
STATUSES = ("pending", "visible", "hidden", "withdrawn", "erased")
_ID = re.compile(r"^[0-9a-f]{32}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def new_reaction_id() -> str:
    """Return a new random reaction id (made when the form opens)."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Reaction:
    """One stored reaction. ``geometry`` is GeoJSON in EPSG:4326 (None once erased)."""

    id: str
    geometry: dict[str, Any] | None
    theme: str
    text: str
    channel: str
    participant: str
    created: str
    status: str = "visible"
    sentiment: int | None = None
    scenario: str | None = None
    buurt: str | None = None
    agrees: int = 0
    reports: int = 0
    seq: int = 0
    changed: int = 0
    reason: str | None = None  # the moderator's reason of the last status change

    def to_record(self) -> dict[str, Any]:
        """Return every field as plain JSON types."""
        return asdict(self)

    def to_feature(self) -> dict[str, Any]:
        """Return the reaction as a GeoJSON feature (text stays plain; escape when showing)."""
        return {
            "type": "Feature",
            "id": self.id,
            "geometry": self.geometry,
            "properties": {
                "id": self.id,
                "theme": self.theme,
                "text": self.text,
                "sentiment": self.sentiment,
                "scenario": self.scenario,
                "buurt": self.buurt,
                "agrees": self.agrees,
                "created": self.created,
            },
        }


class Area:
    """The project area and its buurten, in EPSG:4326, for checks inside a resident kernel."""

    def __init__(self, boundary, buurten: list[tuple[str, str, Any]] | None = None) -> None:
        self.boundary = boundary
        shapely.prepare(self.boundary)
        self.buurten = buurten or []
        for _, _, geom in self.buurten:
            shapely.prepare(geom)

    @classmethod
    def from_web(cls, web_dir: str | Path) -> Area:
        """Read the baked ``area.geojson`` and ``buurten.geojson`` of a project."""
        web_dir = Path(web_dir)
        area = json.loads((web_dir / "area.geojson").read_text(encoding="utf-8"))
        boundary = shapely.union_all([shape(f["geometry"]) for f in area["features"]])
        buurten = []
        path = web_dir / "buurten.geojson"
        if path.exists():
            for f in json.loads(path.read_text(encoding="utf-8"))["features"]:
                p = f["properties"]
                buurten.append((p.get("buurtcode"), p.get("buurtnaam"), shape(f["geometry"])))
        return cls(boundary, buurten)

    def buurt_of(self, geom) -> str | None:
        """Return the code of the buurt that holds ``geom``'s representative point."""
        point = geom if geom.geom_type == "Point" else geom.representative_point()
        for code, _, poly in self.buurten:
            if poly.covers(point):
                return code
        return None


def validate_reaction(
    *,
    id: str,
    geometry: Any,
    theme: Any,
    text: Any,
    area: Area,
    themes: tuple[str, ...],
    participant: str,
    sentiment: Any = None,
    scenario: Any = None,
    scenarios: tuple[str, ...] = (),
    channel: str = "online",
    status: str = "visible",
) -> Reaction:
    """Check every field a browser sent and return the reaction to store.

    Raises
    ------
    ValidationError
        With an English message and the catalogue key of a friendly Dutch one.
    """
    if not isinstance(id, str) or not _ID.match(id):
        raise ValidationError(f"reaction id {id!r} is not 32 hex digits", key="error.invalid")
    if not isinstance(theme, str) or theme not in themes:
        raise ValidationError(
            f"theme {theme!r} is not one of the project's themes", key="error.theme"
        )
    clean = _clean_text(text)
    if sentiment is not None and (
        isinstance(sentiment, bool) or not isinstance(sentiment, int) or not -2 <= sentiment <= 2
    ):
        raise ValidationError(f"sentiment {sentiment!r} is not -2..2", key="error.invalid")
    if scenario is not None and scenario not in scenarios:
        raise ValidationError(f"scenario {scenario!r} is not in the project", key="error.invalid")
    if channel not in CHANNELS or status not in STATUSES:
        raise ValidationError(
            f"channel {channel!r} or status {status!r} unknown", key="error.invalid"
        )
    geom = check_geometry(geometry, area)
    return Reaction(
        id=id,
        geometry=json.loads(shapely.to_geojson(geom)),
        theme=theme,
        text=clean,
        channel=channel,
        participant=participant,
        status=status,
        sentiment=sentiment,
        scenario=scenario,
        buurt=area.buurt_of(geom),
        created=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _clean_text(text: Any) -> str:
    if not isinstance(text, str):
        raise ValidationError(f"text is a {type(text).__name__}, not a text", key="error.invalid")
    if len(text) > MAX_TEXT * 4:  # refuse huge payloads before touching them
        raise ValidationError(f"text of {len(text)} characters is too long", key="error.too_long")
    clean = _CONTROL.sub("", text).strip()
    if not clean:
        raise ValidationError("text is empty", key="error.empty")
    if len(clean) > MAX_TEXT:
        raise ValidationError(
            f"text of {len(clean)} characters is over {MAX_TEXT}", key="error.too_long"
        )
    return clean


def check_geometry(geometry: Any, area: Area):
    """Return the shapely geometry of GeoJSON ``geometry`` if it is sound and inside ``area``.

    Raises
    ------
    ValidationError
        When it is malformed, too large, invalid or outside the area.
    """
    if not isinstance(geometry, dict) or geometry.get("type") not in (
        "Point",
        "LineString",
        "Polygon",
    ):
        raise ValidationError(
            f"geometry {str(geometry)[:80]!r} is not a point, line or area", key="error.geometry"
        )
    coords = geometry.get("coordinates")
    flat = _flatten(coords)
    if flat is None or not flat or len(flat) > MAX_VERTICES:
        raise ValidationError("geometry has no, bad or too many coordinates", key="error.geometry")
    try:
        geom = shape(geometry)
    except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException) as err:
        raise ValidationError(f"geometry cannot be read: {err}", key="error.geometry") from err
    if geom.is_empty or not geom.is_valid:
        raise ValidationError("geometry is empty or not valid", key="error.geometry")
    if not area.boundary.covers(geom):
        raise ValidationError("geometry is outside the project area", key="error.outside")
    return geom


def _flatten(coords: Any, depth: int = 0) -> list[tuple[float, float]] | None:
    """Return the coordinate pairs of nested GeoJSON coordinates, or None if malformed."""
    if depth > 3 or not isinstance(coords, list | tuple):
        return None
    if len(coords) in (2, 3) and all(
        isinstance(c, int | float) and not isinstance(c, bool) for c in coords
    ):
        x, y = float(coords[0]), float(coords[1])
        return [(x, y)] if math.isfinite(x) and math.isfinite(y) else None
    out: list[tuple[float, float]] = []
    for part in coords:
        sub = _flatten(part, depth + 1)
        if sub is None:
            return None
        out.extend(sub)
        if len(out) > MAX_VERTICES:
            return out
    return out

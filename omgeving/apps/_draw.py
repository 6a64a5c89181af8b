"""Placing a point, a line or an area on the map, one tap (or Enter) per vertex.

The kernel draws: every tap on the map arrives as a click with its coordinates, and the shape
so far is shown as a GeoJSON layer. So the controls are our own Dutch buttons outside the
map (Punt / Lijn / Vlak, Klaar / Stap terug / Stoppen), a point ends the mode after one tap,
a line only ends on *Klaar*, and every vertex is checked against the municipality at once,
with the message over the map next to the vertex it is about (:class:`ipyleaflet.Popup`).
The keyboard places a vertex at the crosshair in the map's centre (the page's script turns
Enter on the focused map into a click on the *hier* button).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import ipywidgets as w
from ipyleaflet import Popup
from shapely.geometry import LineString, Point

from omgeving._errors import ValidationError
from omgeving.apps._context import Context
from omgeving.apps._mapview import Layer, ProjectMap, empty
from omgeving.apps._widgets import lean
from omgeving.participation import check_geometry

__all__ = ["MODES", "Drawing", "collection"]

#: A drawing mode and the fewest vertices that make its shape.
MODES = {"Point": 1, "LineString": 2, "Polygon": 3}


class Drawing:
    """The shape being placed on ``pmap`` and the message about it."""

    def __init__(
        self, ctx: Context, pmap: ProjectMap, *, on_done: Callable[[dict[str, Any]], None]
    ) -> None:
        self.ctx = ctx
        self.pmap = pmap
        self.on_done = on_done
        self.mode: str | None = None
        self.vertices: list[tuple[float, float]] = []  # lon, lat
        self.on_change: list[Callable[[], None]] = []
        self.layer = Layer(
            data=empty(),
            name="uw plek",
            style={"color": "#000000", "weight": 4, "fillColor": "#ffd700", "fillOpacity": 0.35},
            point_style={
                "radius": 9,
                "color": "#000000",
                "weight": 3,
                "fillColor": "#ffd700",
                "fillOpacity": 1,
            },
        )
        self.message = lean(w.HTML, "omg-map-message")
        self.popup = Popup(
            child=self.message,
            close_button=False,
            auto_close=False,
            close_on_escape_key=False,
            auto_pan=True,
            max_width=260,
            min_width=180,
        )
        self.popup_open = False
        pmap.map.add(self.layer)
        pmap.map.on_interaction(self._on_interaction)

    # -- the mode ------------------------------------------------------------------------

    def start(self, mode: str) -> None:
        """Begin placing a ``mode`` shape (``"Point"``, ``"LineString"``, ``"Polygon"``)."""
        if mode not in MODES:
            raise ValueError(f"drawing mode {mode!r} is not one of {sorted(MODES)}")
        self.mode = mode
        self.vertices = []
        self.layer.data = empty()
        self.close_message()
        self.pmap.map.double_click_zoom = False  # two quick taps are two vertices
        self._changed()

    def stop(self) -> None:
        """Leave the drawing mode, dropping what was drawn."""
        self.mode = None
        self.vertices = []
        self.pmap.map.double_click_zoom = True
        self._changed()

    def clear(self) -> None:
        """Remove the shape and its message from the map."""
        self.stop()
        self.layer.data = empty()
        self.close_message()

    def show(self, geometry: dict[str, Any]) -> None:
        """Show a placed ``geometry`` (chosen by buurt or address, or a reaction to change)."""
        self.stop()
        self.layer.data = collection(geometry)

    # -- vertices ------------------------------------------------------------------------

    def add(self, lon: float, lat: float) -> None:
        """Add a vertex; a point is done at once, a line or an area waits for :meth:`finish`."""
        if self.mode is None:
            return
        if not self.ctx.area.boundary.covers(Point(lon, lat)):
            if self.mode == "Point":
                self.say((lon, lat), "error.outside", error=True)
                return
            self.vertices.append((lon, lat))
            self._draw()
            self.say((lon, lat), "draw.vertex_outside", error=True)
            return
        self.vertices.append((lon, lat))
        if self.mode == "Point":
            self.finish()
            return
        self._draw()
        if len(self.vertices) >= 2 and not self.ctx.area.boundary.covers(
            LineString(self.vertices[-2:])
        ):
            self.say((lon, lat), "draw.vertex_outside", error=True)
            return
        left = MODES[self.mode] - len(self.vertices)
        if left > 0:
            self.say((lon, lat), f"draw.{self.mode}.more", n=left)
        else:
            self.say((lon, lat), f"draw.{self.mode}.ready")

    def add_at_centre(self) -> None:
        """Add a vertex at the map's centre (the crosshair): the keyboard's way to place."""
        lat, lon = self.pmap.map.center
        self.add(float(lon), float(lat))

    def undo(self) -> None:
        """Remove the last vertex (*Stap terug*)."""
        if self.vertices:
            self.vertices.pop()
        self._draw()
        if self.vertices:
            self.say(self.vertices[-1], "draw.undone")
        else:
            self.close_message()

    def finish(self) -> None:
        """End the line or area (*Klaar*) and hand the checked shape to ``on_done``."""
        if self.mode is None:
            return
        if len(self.vertices) < MODES[self.mode]:
            key = f"draw.{self.mode}.too_few"
            if self.vertices:
                raise self._refuse(self.vertices[-1], key)
            raise ValidationError(f"{self.mode} needs more points", key=key)
        geometry = self.geometry()
        try:
            geom = check_geometry(geometry, self.ctx.area)
        except ValidationError as err:
            key = err.key
            if key == "error.outside" and self.mode != "Point":
                key = f"draw.{self.mode}.outside"
            raise self._refuse(self.vertices[-1], key or "error.geometry") from err
        self.mode = None
        self.pmap.map.double_click_zoom = True
        self.layer.data = collection(geometry)
        at = geom.representative_point()
        self.say((at.x, at.y), "react.point_set")
        self._changed()
        self.on_done(geometry)

    def geometry(self) -> dict[str, Any]:
        """Return the shape so far as GeoJSON (an area is closed)."""
        coords = [list(v) for v in self.vertices]
        if self.mode == "Point" or len(coords) == 1:
            return {"type": "Point", "coordinates": coords[0]}
        if self.mode == "Polygon" and len(coords) >= 3:
            return {"type": "Polygon", "coordinates": [[*coords, coords[0]]]}
        return {"type": "LineString", "coordinates": coords}

    # -- messages over the map -----------------------------------------------------------

    def say(
        self, where: tuple[float, float], key: str, *, error: bool = False, **values: object
    ) -> None:
        """Show the catalogue text ``key`` over the map at ``where`` (lon, lat)."""
        kind = "omg-err" if error else "omg-ok"
        role = "alert" if error else "status"
        self.message.value = (
            f"<span class='{kind}' role='{role}'>{self.ctx.say(key, **values)}</span>"
        )
        self.popup.location = (where[1], where[0])
        if not self.popup_open:
            self.pmap.map.add(self.popup)
            self.popup_open = True

    def close_message(self) -> None:
        """Remove the message from the map."""
        if self.popup_open:
            self.pmap.map.remove(self.popup)
            self.popup_open = False

    # -- internals -----------------------------------------------------------------------

    def _refuse(self, where: tuple[float, float], key: str) -> ValidationError:
        self.say(where, key, error=True)
        return ValidationError(f"shape refused: {key}", key=key)

    def _on_interaction(self, **event: Any) -> None:
        if event.get("type") == "click":
            if not self.pmap.map.scroll_wheel_zoom:  # the wheel zooms once the map is clicked
                self.pmap.map.scroll_wheel_zoom = True
            coords: Any = event.get("coordinates")
            if self.mode is not None and _is_latlng(coords):
                with contextlib.suppress(ValidationError):  # its message is on the map
                    self.add(float(coords[1]), float(coords[0]))

    def _draw(self) -> None:
        features = []
        if len(self.vertices) >= 2:
            line = [list(v) for v in self.vertices]
            if self.mode == "Polygon" and len(line) >= 3:
                features.append(_feature({"type": "Polygon", "coordinates": [[*line, line[0]]]}))
            else:
                features.append(_feature({"type": "LineString", "coordinates": line}))
        features += [_feature({"type": "Point", "coordinates": list(v)}) for v in self.vertices]
        self.layer.data = {"type": "FeatureCollection", "features": features}
        self._changed()

    def _changed(self) -> None:
        for callback in self.on_change:
            callback()


def _feature(geometry: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {}}


def collection(geometry: dict[str, Any]) -> dict[str, Any]:
    """Return a feature collection of one ``geometry`` (a layer's ``data``)."""
    return {"type": "FeatureCollection", "features": [_feature(geometry)]}


def _is_latlng(coords: Any) -> bool:
    return (
        isinstance(coords, list | tuple)
        and len(coords) == 2
        and all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
        and -90 <= coords[0] <= 90
        and -180 <= coords[1] <= 180
    )


"""The project map shared by the apps: background, context layers, buildings, legend.

Reads only the baked web layers (:mod:`omgeving.web`) with :mod:`json`; building footprints
are loaded per tile once the map is zoomed in.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

import ipywidgets as w
from ipyleaflet import (
    AttributionControl,
    GeoJSON,
    Map,
    ScaleControl,
    TileLayer,
    ZoomControl,
    basemaps,
)

from omgeving.apps._widgets import lean
from omgeving.palette import function_colour, theme_colour
from omgeving.web import tiles_for_bounds

__all__ = ["Layer", "ProjectMap", "empty", "fit_zoom", "scenario_features", "theme_colour"]

MAX_DETAIL_TILES = 6


class Layer(GeoJSON):
    """An ipyleaflet GeoJSON layer whose data goes to the browser once, as it is.

    ipyleaflet's own GeoJSON, given a ``style``, deep-copies its data, writes the style into
    every feature and sends the data a second time; the browser applies ``style`` over each
    feature's own style in the same way (jupyter-leaflet's ``LeafletGeoJSONView``). For the
    context layers that copy doubled what every visitor's page had to carry.
    """

    def _get_data(self) -> Any:
        return self.data


def empty() -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": []}


def scenario_features(
    web_dir: Path, manifest: dict[str, Any], slug: str, *, opacity: float = 0.5
) -> dict[str, Any]:
    """Return a scenario's baked interventions, each styled in its function's colour."""
    spec = next((s for s in manifest["scenarios"] if s["slug"] == slug), None)
    if spec is None:
        return empty()
    data = json.loads((web_dir / spec["file"]).read_text(encoding="utf-8"))
    colours = manifest.get("function_colors", {})
    for feature in data["features"]:
        colour = function_colour(feature["properties"].get("functie"), colours)
        feature["properties"]["style"] = {
            "color": colour,
            "fillColor": colour,
            "weight": 2,
            "fillOpacity": opacity,
        }
    return data


class ProjectMap:
    """An ipyleaflet map of a project with its context layers and a fit to the area."""

    def __init__(
        self,
        web_dir: Path,
        manifest: dict[str, Any],
        *,
        height: str = "60vh",
        zoom_position: str = "topleft",
        defer_layers: bool = False,
    ) -> None:
        self.web_dir = web_dir
        self.manifest = manifest
        minx, miny, maxx, maxy = manifest["bounds"]
        brt = basemaps.nlmaps.standaard
        background = TileLayer(
            url=brt.build_url(),
            attribution=brt.attribution,
            name="BRT achtergrondkaart",
            max_zoom=19,
            min_zoom=6,
            base=True,
        )
        # layers whose data has not been sent: those off at the start (until switched on) and,
        # with ``defer_layers``, all until the page has drawn the map
        self.pending: dict[str, dict[str, Any]] = {}
        self.defer_layers = defer_layers
        self.layers = self._context_layers()
        self.map = Map(  # layers and controls given at once: each add is one more message
            center=((miny + maxy) / 2, (minx + maxx) / 2),
            zoom=11,
            basemap=background,
            layers=(background, *self.layers.values()),
            controls=(
                ZoomControl(position=zoom_position),
                ScaleControl(position="bottomleft", imperial=False),
                AttributionControl(position="bottomright"),
            ),
            scroll_wheel_zoom=True,
            max_zoom=19,
            min_zoom=8,
            zoom_control=False,
            attribution_control=False,
            layout=w.Layout(height=height, min_height="200px", width="100%"),
        )
        self.detail_tiles: tuple[tuple[int, int], ...] = ()
        self.fitted = False
        self.on_first_view: list[Any] = []
        self.map.observe(self._on_view, names=["zoom", "bounds"])

    def _context_layers(self) -> dict[str, GeoJSON]:
        layers = {}
        for spec in self.manifest["layers"]:
            if spec["visible"] and not self.defer_layers:
                data = self._layer_data(spec)
            else:  # sent when the map is shown or the layer switched on (:meth:`show_layer`)
                data = empty()
                self.pending[spec["name"]] = spec
            layers[spec["name"]] = Layer(
                data=data, name=spec["name"], style=spec["style"], visible=spec["visible"]
            )
        if "gebouwen" in layers:
            layers["gebouwen-detail"] = Layer(
                data=empty(),
                name="gebouwen-detail",
                visible=False,
                style={"color": "#7f2704", "weight": 1, "fillColor": "#d94801", "fillOpacity": 0.6},
            )
        return layers

    def _layer_data(self, spec: dict[str, Any]) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.web_dir / spec["file"]).read_text(encoding="utf-8"))
        for feature in data["features"]:
            feature["properties"]["style"] = _feature_style(
                spec, feature, self.manifest["buildings"]
            )
        return data

    def show_layer(self, name: str, visible: bool) -> None:
        """Switch the context layer ``name`` on or off (its data goes out the first time)."""
        layer = self.layers[name]
        spec = self.pending.pop(name, None) if visible else None
        if spec is not None:
            layer.data = self._layer_data(spec)
        layer.visible = visible

    def add(self, *layers: Any) -> None:
        """Put ``layers`` on the map, over what is there, in one message."""
        self.map.layers = (*self.map.layers, *layers)

    def fit(self) -> None:
        """Zoom to the project area (needs the map's size, known after the first view)."""
        if self.map.bounds:
            self.map.zoom = fit_zoom(self.map.bounds, self.map.zoom, self.manifest["bounds"])
            minx, miny, maxx, maxy = self.manifest["bounds"]
            self.map.center = ((miny + maxy) / 2, (minx + maxx) / 2)

    def legend(self, lang: str, title: str) -> list[w.Widget]:
        """Return the rows of a legend with layer toggles, labelled in ``lang``."""
        rows: list[w.Widget] = [lean(w.HTML, value=f"<h3>{html.escape(title)}</h3>")]
        key = "label_nl" if lang == "nl" else "label_en"
        for spec in self.manifest["layers"]:
            name = spec["name"]
            box = lean(
                w.Checkbox, f"omg-toggle-{name}", value=self.layers[name].visible,
                description=spec[key], indent=False,
            )
            box.observe(
                lambda change, name=name: self.show_layer(name, change["new"]), names="value"
            )
            rows.append(lean(w.HBox, children=[lean(w.HTML, value=_swatch(spec)), box]))
            if spec.get("colors"):
                rows.append(lean(w.HTML, value="<br>".join(
                    f"<span style='margin-left:28px'><span class='omg-swatch' "
                    f"style='background:{html.escape(colour)}'></span>"
                    f"{html.escape(value)}</span>"
                    for value, colour in spec["colors"].items()
                )))
        return rows

    def _on_view(self, _change: dict[str, Any]) -> None:
        if not self.fitted and self.map.bounds:
            # the first view event: a browser has drawn the map (a pre-started kernel ran
            # the notebook long before anyone looked)
            self.fitted = True
            self.fit()
            for name, spec in list(self.pending.items()):
                if spec["visible"]:
                    self.show_layer(name, True)
            for callback in self.on_first_view:
                callback()
            return
        self._update_buildings()

    def _update_buildings(self) -> None:
        info = self.manifest["buildings"]
        if not info or "gebouwen" not in self.layers:
            return
        bounds = self.map.bounds
        zoomed = self.map.zoom >= info["min_zoom"] and bool(bounds)
        wanted: tuple[tuple[int, int], ...] = ()
        if zoomed:
            (south, west), (north, east) = bounds
            wanted = tuple(
                tiles_for_bounds(south, west, north, east, info["zoom"], info["tiles"])[
                    :MAX_DETAIL_TILES
                ]
            )
        detail = self.layers["gebouwen-detail"]
        if wanted != self.detail_tiles:
            self.detail_tiles = wanted
            features = []
            for x, y in wanted:
                path = self.web_dir / info["dir"] / f"{x}_{y}.geojson"
                features += json.loads(path.read_text(encoding="utf-8"))["features"]
            detail.data = {"type": "FeatureCollection", "features": features}
        detail.visible = zoomed
        self.layers["gebouwen"].visible = not zoomed


def fit_zoom(view: Any, zoom: float, area: list[float]) -> int:
    """Return the largest zoom at which ``area`` (lon/lat box) fits the current ``view``.

    ``view`` is the map's ``bounds`` ((south, west), (north, east)) at ``zoom``: it tells the
    size of the map in pixels, which the kernel cannot know before the page has drawn it.
    """
    (south, west), (north, east) = view
    minx, miny, maxx, maxy = area

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    scale = 2**zoom
    width_px = (east - west) / 360 * 256 * scale
    height_px = (merc(north) - merc(south)) / (2 * math.pi) * 256 * scale
    fit_x = math.log2(width_px * 360 / (256 * max(maxx - minx, 1e-9)))
    fit_y = math.log2(height_px * 2 * math.pi / (256 * max(merc(maxy) - merc(miny), 1e-9)))
    return int(max(8, min(16, math.floor(min(fit_x, fit_y)))))


def _feature_style(
    spec: dict[str, Any], feature: dict[str, Any], buildings: dict[str, Any]
) -> dict[str, Any]:
    props = feature["properties"]
    if spec.get("color_by"):
        colour = spec["colors"].get(props.get(spec["color_by"]), "#cccccc")
        return {"fillColor": colour, "color": colour}
    if spec["name"] == "gebouwen" and "fillOpacity" in props:  # baked in shades
        return {"fillOpacity": props["fillOpacity"]}
    if spec["name"] == "gebouwen" and buildings:  # a cell per feature: baked by an older omgeving
        share = math.sqrt(props.get("aantal", 0) / max(buildings["max_density"], 1))
        return {"fillOpacity": round(0.05 + 0.75 * share, 2)}
    return {}


def _swatch(spec: dict[str, Any]) -> str:
    style = spec["style"]
    colour = style.get("fillColor") or style.get("color", "#444444")
    if spec.get("colors"):
        colour = "#ffffff"
    return f"<span class='omg-swatch' style='background:{html.escape(colour)}'></span>"

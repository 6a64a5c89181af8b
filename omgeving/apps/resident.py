"""The resident app (*verkennen en reageren*): explore the map, place a point reaction.

A thin composition of widgets over :mod:`omgeving.reactions` and :mod:`omgeving.store`. The
kernel stays light: it reads the baked web layers with :mod:`json` (no geopandas), and loads
building footprints only for the tiles in view once the map is zoomed in.
"""

from __future__ import annotations

import html
import json
import logging
import math
import os
import secrets
import sys
from typing import Any

import ipywidgets as w
from ipyleaflet import GeoJSON, GeomanDrawControl, Map, ScaleControl, TileLayer, basemaps

from omgeving._errors import ValidationError
from omgeving.apps._safe import friendly
from omgeving.i18n import t
from omgeving.project import open_project
from omgeving.reactions import Area, check_geometry, new_reaction_id, validate_reaction
from omgeving.store import open_store
from omgeving.web import read_manifest, tiles_for_bounds

__all__ = ["ResidentApp", "resident"]

log = logging.getLogger(__name__)

REACTION_STYLE = {
    "radius": 8,
    "color": "#ffffff",
    "weight": 2,
    "fillColor": "#c51b7d",
    "fillOpacity": 0.9,
    "className": "omg-reactie",
}
MAX_DETAIL_TILES = 6
_CSS = """<style>
.omg-app { font-size: 16px; max-width: 1400px; }
.omg-app .widget-button { min-height: 44px; font-size: 16px; }
.omg-app select, .omg-app textarea { font-size: 16px; }
.omg-swatch { display:inline-block; width:14px; height:14px; margin-right:6px;
  border:1px solid #333; vertical-align:middle; }
.omg-status { font-weight: bold; min-height: 1.5em; }
.omg-ok { color: #1a7f37; } .omg-err { color: #b00020; }
.omg-fictief { background:#fff3cd; padding:4px 8px; border-radius:4px; }
</style>"""


def resident(project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"):
    """Return the resident app widget for a project (``OMGEVING_PROJECT`` when not given)."""
    _log_to_server()
    return ResidentApp(project_dir, lang=lang).widget


def _log_to_server() -> None:
    """Send the apps' log to the server's terminal, never into the page."""
    logger = logging.getLogger("omgeving")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


class ResidentApp:
    """State and widgets of one resident's visit (one kernel per page load in Voila)."""

    def __init__(
        self, project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"
    ) -> None:
        project_dir = project_dir or os.environ.get("OMGEVING_PROJECT", ".")
        self.project = open_project(project_dir)
        self.lang = lang
        self.manifest = read_manifest(self.project.web_dir)
        self.area = Area.from_web(self.project.web_dir)
        self.store = open_store(self.project.store_url())
        self.participant = secrets.token_hex(16)
        self.form_id = new_reaction_id()
        self.point: dict[str, Any] | None = None
        self.cursor = 0
        self.texts: dict[str, tuple[str, str]] = {}
        self.detail_tiles: tuple[tuple[int, int], ...] = ()
        self.fitted = False
        self.status = w.HTML(layout=w.Layout(min_height="1.5em")).add_class("omg-status")
        self.map = self._map()
        self.layers = self._context_layers()
        self.scenario_layer = GeoJSON(data=_empty(), name="scenario")
        self.reactions_layer = GeoJSON(data=_empty(), name="reacties", point_style=REACTION_STYLE)
        self.reactions_layer.on_click(self._on_reaction_click)
        for layer in [*self.layers.values(), self.scenario_layer, self.reactions_layer]:
            self.map.add(layer)
        self.draw = self._draw_control()
        self.map.add(self.draw)
        self.map.add(ScaleControl(position="bottomleft", imperial=False))
        self.map.observe(self._on_view, names=["zoom", "bounds"])
        self.widget = self._compose()
        self.refresh()

    # -- building blocks ------------------------------------------------------------------

    def _say(self, key: str, **values: object) -> str:
        return html.escape(t(key, self.lang, **values))

    def _map(self) -> Map:
        minx, miny, maxx, maxy = self.manifest["bounds"]
        center = ((miny + maxy) / 2, (minx + maxx) / 2)
        zoom = max(8, min(14, int(math.log2(360 * 380 / (256 * max(maxx - minx, 1e-6))))))
        brt = basemaps.nlmaps.standaard
        background = TileLayer(
            url=brt.build_url(),
            attribution=brt.attribution,
            name="BRT achtergrondkaart",
            max_zoom=19,
            min_zoom=6,
            base=True,
        )
        m = Map(
            center=center,
            zoom=zoom,
            basemap=background,
            scroll_wheel_zoom=True,
            max_zoom=19,
            min_zoom=8,
            layout=w.Layout(height="60vh", min_height="340px"),
        )
        m.attribution_control = True
        return m

    def _context_layers(self) -> dict[str, GeoJSON]:
        layers = {}
        web = self.project.web_dir
        for spec in self.manifest["layers"]:
            data = json.loads((web / spec["file"]).read_text(encoding="utf-8"))
            for feature in data["features"]:
                feature["properties"]["style"] = _feature_style(
                    spec, feature, self.manifest["buildings"]
                )
            layers[spec["name"]] = GeoJSON(
                data=data, name=spec["name"], style=spec["style"], visible=spec["visible"]
            )
        if "gebouwen" in layers:
            self.buildings_detail = GeoJSON(
                data=_empty(),
                name="gebouwen-detail",
                visible=False,
                style={"color": "#7f2704", "weight": 1, "fillColor": "#d94801", "fillOpacity": 0.6},
            )
            layers["gebouwen-detail"] = self.buildings_detail
        return layers

    def _draw_control(self) -> GeomanDrawControl:
        draw = GeomanDrawControl(position="topleft")
        draw.marker = {"markerStyle": {}}
        draw.polyline = {}
        draw.polygon = {}
        draw.circlemarker = {}
        draw.circle = {}
        draw.rectangle = {}
        draw.text = {}
        draw.edit = draw.drag = draw.cut = draw.rotate = False
        draw.remove = True
        draw.on_draw(friendly(self._show_error)(self._on_draw))
        return draw

    def _compose(self) -> w.Widget:
        cfg = self.project.config
        head = [
            w.HTML(_CSS),
            w.HTML(
                f"<h2>{self._say('app.title', title=cfg.title)}</h2><p>{self._say('app.intro')}</p>"
            ),
        ]
        if cfg.fictional:
            head.append(w.HTML(f"<p class='omg-fictief'>{self._say('app.fictional')}</p>"))
        options = [(t("scenario.none", self.lang), "")] + [
            (s["name"], s["slug"]) for s in self.manifest["scenarios"]
        ]
        self.scenario = w.Dropdown(
            options=options,
            value="",
            description=t("scenario.label", self.lang),
            style={"description_width": "initial"},
        )
        self.scenario.add_class("omg-scenario")
        self.scenario.observe(friendly(self._show_error)(self._on_scenario), names="value")
        self.scenario_text = w.HTML()
        self.theme = w.Dropdown(
            options=list(cfg.themes),
            value=None,
            description=t("react.theme", self.lang),
            style={"description_width": "initial"},
        )
        self.theme.add_class("omg-theme")
        self.text = w.Textarea(
            placeholder=t("react.text_placeholder", self.lang),
            rows=4,
            layout=w.Layout(width="100%"),
        )
        self.text.add_class("omg-text")
        self.submit = w.Button(
            description=t("react.submit", self.lang),
            button_style="primary",
            icon="paper-plane",
            layout=w.Layout(height="44px", width="auto"),
        )
        self.submit.add_class("omg-submit")
        self.submit.on_click(friendly(self._show_error)(self._on_submit))
        self.count = w.HTML().add_class("omg-count")
        self.shown = w.HTML().add_class("omg-shown")
        form = w.VBox(
            [
                w.HTML(
                    f"<h3>{self._say('react.title')}</h3><p>{self._say('react.step_point')}</p>"
                ),
                self.theme,
                w.HTML(f"<label>{self._say('react.text')}</label>"),
                self.text,
                self.submit,
                self.status,
                self.count,
                self.shown,
            ],
            layout=w.Layout(flex="1 1 320px", padding="0 8px"),
        )
        side = w.VBox(
            [self.scenario, self.scenario_text, form, self._toggles()],
            layout=w.Layout(flex="1 1 320px"),
        )
        body = w.Box(
            [w.Box([self.map], layout=w.Layout(flex="2 1 480px")), side],
            layout=w.Layout(flex_flow="row wrap", width="100%"),
        )
        return w.VBox([*head, body]).add_class("omg-app")

    def _toggles(self) -> w.Widget:
        rows = [w.HTML(f"<h3>{self._say('layers.title')}</h3>")]
        key = "label_nl" if self.lang == "nl" else "label_en"
        for spec in self.manifest["layers"]:
            layer = self.layers[spec["name"]]
            box = w.Checkbox(value=spec["visible"], description=spec[key], indent=False)
            box.add_class(f"omg-toggle-{spec['name']}")
            swatch = _swatch(spec)
            box.observe(
                lambda change, layer=layer: setattr(layer, "visible", change["new"]), names="value"
            )
            rows.append(w.HBox([w.HTML(swatch), box]))
            for value, colour in spec.get("colors", {}).items():
                rows.append(
                    w.HTML(
                        f"<span style='margin-left:28px'>"
                        f"<span class='omg-swatch' style='background:{colour}'></span>"
                        f"{html.escape(value)}</span>"
                    )
                )
        if self.manifest["buildings"]:
            rows.append(w.HTML(f"<small>{self._say('layers.buildings_hint')}</small>"))
        return w.VBox(rows, layout=w.Layout(padding="0 8px"))

    # -- callbacks ---------------------------------------------------------------------------

    def _show_error(self, key: str) -> None:
        self.status.value = f"<span class='omg-err'>{self._say(key)}</span>"

    def _on_draw(self, _control: Any, action: str, geo_json: Any) -> None:
        if action not in ("create", "edit") or not isinstance(geo_json, list) or not geo_json:
            if action == "remove":
                self.point = None
            return
        feature = geo_json[-1]
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            raise ValidationError("only a point can be placed here", key="error.geometry")
        self.point = None
        check_geometry(geometry, self.area)  # the same check runs again on submit
        self.point = geometry
        if len(geo_json) > 1:  # keep one pending point: the last one placed
            self.draw.data = [feature]
        self.status.value = f"<span class='omg-ok'>{self._say('react.point_set')}</span>"

    def _on_submit(self, _button: Any) -> None:
        if self.point is None:
            raise ValidationError("no point placed", key="react.no_point")
        cfg = self.project.config
        reaction = validate_reaction(
            id=self.form_id,
            geometry=self.point,
            theme=self.theme.value,
            text=self.text.value,
            area=self.area,
            themes=cfg.themes,
            participant=self.participant,
            scenario=self.scenario.value or None,
            scenarios=tuple(s["slug"] for s in self.manifest["scenarios"]),
            status="visible" if cfg.moderation == "post" else "pending",
        )
        self.store.add(reaction)  # a retried submit with the same id stores nothing twice
        self.form_id = new_reaction_id()
        self.point = None
        self.text.value = ""
        self.draw.clear()
        self.refresh()
        self.status.value = f"<span class='omg-ok'>{self._say('react.thanks')}</span>"

    def _on_scenario(self, change: dict[str, Any]) -> None:
        slug = change["new"]
        spec = next((s for s in self.manifest["scenarios"] if s["slug"] == slug), None)
        if spec is None:
            self.scenario_layer.data = _empty()
            self.scenario_text.value = ""
            return
        data = json.loads((self.project.web_dir / spec["file"]).read_text(encoding="utf-8"))
        colours = self.manifest["function_colors"]
        for feature in data["features"]:
            colour = colours.get(feature["properties"].get("functie"), "#444444")
            feature["properties"]["style"] = {
                "color": colour,
                "fillColor": colour,
                "weight": 2,
                "fillOpacity": 0.5,
            }
        self.scenario_layer.point_style = {"radius": 7, "weight": 2, "fillOpacity": 0.9}
        self.scenario_layer.data = data
        self.scenario_text.value = (
            f"<p><b>{html.escape(spec['name'])}</b>: {html.escape(spec['description'])}</p>"
        )

    def _on_reaction_click(self, feature: dict[str, Any] | None = None, **_: Any) -> None:
        rid = (feature or {}).get("properties", {}).get("id")
        if rid in self.texts:
            theme, text = self.texts[rid]
            self.shown.value = (
                f"<p><b>{self._say('react.shown', theme=theme)}</b><br>{html.escape(text)}</p>"
            )

    def _on_view(self, _change: dict[str, Any]) -> None:
        if not self.fitted and self.map.bounds:
            # the first view event: a resident's browser has drawn the map. A pre-started
            # kernel ran the notebook long before, so fetch what was stored since then.
            self.fitted = True
            self.refresh()
            self.map.zoom = fit_zoom(self.map.bounds, self.map.zoom, self.manifest["bounds"])
            return
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
        if wanted != self.detail_tiles:
            self.detail_tiles = wanted
            features = []
            for x, y in wanted:
                path = self.project.web_dir / info["dir"] / f"{x}_{y}.geojson"
                features += json.loads(path.read_text(encoding="utf-8"))["features"]
            self.buildings_detail.data = {"type": "FeatureCollection", "features": features}
        self.buildings_detail.visible = zoomed
        self.layers["gebouwen"].visible = not zoomed

    # -- data ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Add the reactions stored since the last refresh to the map."""
        new = self.store.visible(since=self.cursor)
        if new:
            features = list(self.reactions_layer.data.get("features", []))
            for r in new:
                self.texts[r.id] = (r.theme, r.text)
                features.append(
                    {"type": "Feature", "geometry": r.geometry, "properties": {"id": r.id}}
                )
            self.cursor = new[-1].seq
            self.reactions_layer.data = {"type": "FeatureCollection", "features": features}
        self.count.value = self._say("react.count", n=len(self.texts))


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


def _empty() -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": []}


def _feature_style(
    spec: dict[str, Any], feature: dict[str, Any], buildings: dict[str, Any]
) -> dict[str, Any]:
    props = feature["properties"]
    if spec.get("color_by"):
        colour = spec["colors"].get(props.get(spec["color_by"]), "#cccccc")
        return {"fillColor": colour, "color": colour}
    if spec["name"] == "gebouwen" and buildings:
        share = math.sqrt(props.get("aantal", 0) / max(buildings["max_density"], 1))
        return {"fillOpacity": round(0.05 + 0.75 * share, 2)}
    return {}


def _swatch(spec: dict[str, Any]) -> str:
    style = spec["style"]
    colour = style.get("fillColor") or style.get("color", "#444444")
    if spec.get("colors"):
        colour = "#ffffff"
    return f"<span class='omg-swatch' style='background:{html.escape(colour)}'></span>"

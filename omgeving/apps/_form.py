"""The reaction form: a resident's reaction sent, or changed later.

Place a point, line or area (by drawing, by buurt or by address), choose a theme and a
sentiment, write a text, send; also change one's own reaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import shapely
from ipyleaflet import GeoJSON, GeomanDrawControl

from omgeving._errors import ServiceError, ValidationError
from omgeving.apps._context import Context
from omgeving.apps._mapview import ProjectMap, empty
from omgeving.apps._safe import friendly
from omgeving.participation import change_reaction, check_geometry, submit_reaction
from omgeving.reactions import Reaction, new_reaction_id

__all__ = ["ReactionForm"]

SENTIMENTS = (-2, -1, 0, 1, 2)


class ReactionForm:
    """Widgets and state of one reaction being written (or changed)."""

    def __init__(
        self,
        ctx: Context,
        pmap: ProjectMap,
        *,
        scenario: Callable[[], str | None],
        on_saved: Callable[[Reaction], None],
    ) -> None:
        self.ctx = ctx
        self.pmap = pmap
        self.scenario = scenario
        self.on_saved = on_saved
        self.form_id = new_reaction_id()
        self.editing: str | None = None
        self.geometry: dict[str, Any] | None = None
        self.found: dict[str, tuple[float, float]] = {}
        self.status = w.HTML().add_class("omg-status")
        self.draw = self._draw_control()
        self.chosen = GeoJSON(
            data=empty(),
            name="gekozen plek",
            point_style={
                "radius": 10,
                "color": "#000",
                "weight": 3,
                "fillColor": "#ffd700",
                "fillOpacity": 1,
            },
        )
        pmap.map.add(self.draw)
        pmap.map.add(self.chosen)
        self.widget = w.VBox(layout=w.Layout(padding="0 8px"))
        self.build()

    def _draw_control(self) -> GeomanDrawControl:
        draw = GeomanDrawControl(position="topleft")
        draw.marker = {"markerStyle": {}}
        draw.polyline = {"pathOptions": {"color": "#000", "weight": 4}}
        draw.polygon = {"pathOptions": {"color": "#000", "weight": 3}}
        draw.circlemarker = {}
        draw.circle = {}
        draw.rectangle = {}
        draw.text = {}
        draw.drag = draw.cut = draw.rotate = False
        draw.edit = draw.remove = True
        draw.on_draw(friendly(self.show_error)(self._on_draw))
        return draw

    def build(self) -> None:
        """(Re)create the widgets in the context's language, keeping what was typed."""
        ctx = self.ctx
        old = getattr(self, "text", None)
        old_theme = getattr(self, "theme", None)
        old_sentiment = getattr(self, "sentiment", None)
        self.buurt = w.Dropdown(
            options=[
                (ctx.text("form.buurt_none"), ""),
                *sorted(((name, code) for code, name in ctx.buurten.items()), key=lambda o: o[0]),
            ],
            value="",
            description=ctx.text("form.by_buurt"),
            style={"description_width": "initial"},
        ).add_class("omg-buurt")
        self.buurt.observe(friendly(self.show_error)(self._on_buurt), names="value")
        self.query = w.Text(
            placeholder=ctx.text("form.search_placeholder"),
            description=ctx.text("form.search"),
            style={"description_width": "initial"},
        ).add_class("omg-search")
        self.search = w.Button(
            description=ctx.text("form.search_button"), icon="search", layout=w.Layout(width="auto")
        ).add_class("omg-search-button")
        self.search.on_click(friendly(self.show_error)(self._on_search))
        self.results = w.Dropdown(
            options=[],
            description=ctx.text("form.results"),
            layout=w.Layout(display="none"),
            style={"description_width": "initial"},
        ).add_class("omg-results")
        self.results.observe(friendly(self.show_error)(self._on_result), names="value")
        self.theme = w.Dropdown(
            options=list(ctx.themes),
            value=old_theme.value if old_theme else None,
            description=ctx.text("react.theme"),
            style={"description_width": "initial"},
        ).add_class("omg-theme")
        self.sentiment = w.ToggleButtons(
            options=[(ctx.sentiment_label(v), v) for v in SENTIMENTS],
            value=old_sentiment.value if old_sentiment else None,
            description=ctx.text("form.sentiment"),
            style={"description_width": "initial", "button_width": "auto"},
        ).add_class("omg-sentiment")
        self.text = w.Textarea(
            value=old.value if old else "",
            rows=4,
            placeholder=ctx.text("react.text_placeholder"),
            layout=w.Layout(width="100%"),
        ).add_class("omg-text")
        self.submit = w.Button(
            description=ctx.text("react.submit"),
            button_style="primary",
            icon="paper-plane",
            layout=w.Layout(height="44px", width="auto"),
        ).add_class("omg-submit")
        self.submit.on_click(friendly(self.show_error)(self._on_submit))
        self.cancel = w.Button(
            description=ctx.text("form.cancel_edit"),
            layout=w.Layout(height="44px", width="auto", display="" if self.editing else "none"),
        )
        self.cancel.add_class("omg-cancel")
        self.cancel.on_click(friendly(self.show_error)(lambda _b: self.reset()))
        title = "form.edit_title" if self.editing else "react.title"
        self.widget.children = [
            w.HTML(f"<h3>{ctx.say(title)}</h3><p>{ctx.say('form.how')}</p>"),
            self.buurt,
            w.HBox([self.query, self.search]),
            self.results,
            self.theme,
            self.sentiment,
            w.HTML(f"<label>{ctx.say('react.text')}</label>"),
            self.text,
            w.HBox([self.submit, self.cancel]),
            self.status,
        ]

    # -- placing -------------------------------------------------------------------------

    def show_error(self, key: str) -> None:
        self.status.value = f"<span class='omg-err' role='alert'>{self.ctx.say(key)}</span>"

    def show_ok(self, key: str) -> None:
        self.status.value = f"<span class='omg-ok' role='status'>{self.ctx.say(key)}</span>"

    def _place(self, geometry: Any, *, drawn: bool) -> None:
        # geometry comes from the browser unchecked (None for a feature without one)
        self.geometry = None
        check_geometry(geometry, self.ctx.area)  # the same check runs again on submit
        self.geometry = geometry
        if not drawn:
            self.chosen.data = {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": geometry, "properties": {}}],
            }
        self.show_ok("react.point_set")

    def _on_draw(self, _control: Any, action: str, geo_json: Any) -> None:
        if action == "remove":
            self.geometry = None
            return
        if action not in ("create", "edit") or not isinstance(geo_json, list) or not geo_json:
            return
        feature = geo_json[-1]
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        self.chosen.data = empty()
        self._place(geometry, drawn=True)
        if len(geo_json) > 1:  # keep one shape: the last one drawn
            self.draw.data = [feature]

    def _on_buurt(self, change: dict[str, Any]) -> None:
        code = change["new"]
        poly = next((g for c, _, g in self.ctx.area.buurten if c == code), None)
        if poly is None:
            return
        self.draw.clear()
        self._place(json.loads(shapely.to_geojson(poly.representative_point())), drawn=False)

    def _on_search(self, _button: Any) -> None:
        from omgeving.sources.locatieserver import search_places

        codes = tuple(c[2:] for c in self.ctx.project.config.gemeenten)
        try:
            places = search_places(self.query.value, gemeenten=codes)
        except ServiceError as err:
            raise ValidationError(str(err), key="form.search_offline") from err
        self.found = {p.label: (p.lon, p.lat) for p in places}
        if not places:
            self.results.layout.display = "none"
            raise ValidationError("no places found", key="form.search_none")
        self.results.options = [("", "")] + [(label, label) for label in self.found]
        self.results.value = ""
        self.results.layout.display = ""
        self.show_ok("form.search_pick")

    def _on_result(self, change: dict[str, Any]) -> None:
        lonlat = self.found.get(change["new"])
        if lonlat is not None:
            self.draw.clear()
            self._place({"type": "Point", "coordinates": list(lonlat)}, drawn=False)

    # -- sending -------------------------------------------------------------------------

    def _on_submit(self, _button: Any) -> None:
        ctx = self.ctx
        if self.geometry is None:
            raise ValidationError("nothing placed", key="react.no_point")
        fields: dict[str, Any] = {
            "geometry": self.geometry,
            "theme": self.theme.value,
            "text": self.text.value,
            "sentiment": self.sentiment.value,
            "area": ctx.area,
            "participant": ctx.participant,
            "scenario": self.scenario(),
            "scenarios": tuple(ctx.scenarios),
        }
        if self.editing is None:  # a retried submit with the same id stores nothing twice
            reaction = submit_reaction(
                ctx.store, ctx.project.config, id=self.form_id, channel=ctx.channel, **fields
            )
            key = "react.thanks" if reaction.status == "visible" else "react.thanks_pending"
        else:
            reaction = change_reaction(ctx.store, ctx.project.config, id=self.editing, **fields)
            key = "form.changed"
        self.reset()
        self.show_ok(key)
        self.on_saved(reaction)

    def start_edit(self, reaction: Reaction) -> None:
        """Load the participant's own ``reaction`` into the form to change it."""
        if reaction.participant != self.ctx.participant:
            raise ValidationError("not your reaction", key="form.cannot_change")
        self.editing = reaction.id
        self.build()
        self.theme.value = reaction.theme
        self.sentiment.value = reaction.sentiment
        self.text.value = reaction.text
        self.geometry = reaction.geometry
        self.chosen.data = {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": reaction.geometry, "properties": {}}],
        }
        self.show_ok("form.editing")

    def reset(self) -> None:
        """Empty the form for a new reaction (with a new id)."""
        self.form_id = new_reaction_id()
        self.editing = None
        self.geometry = None
        self.text.value = ""
        self.theme.value = None
        self.sentiment.value = None
        self.draw.clear()
        self.chosen.data = empty()
        self.found = {}
        self.build()
        self.status.value = ""

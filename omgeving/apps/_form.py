"""The reaction in three short steps over the map: place it, say what you think, send.

*Place*: a point, line or area drawn with our own buttons (:mod:`._draw`), or a buurt, or an
address. *Write*: a theme, a face for the sentiment, a text. *Thanks*: a card that says what
happens next. A resident's own reaction can be changed in the same steps.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import ipywidgets as w
import shapely

from omgeving._errors import ServiceError, ValidationError
from omgeving.apps._context import Context
from omgeving.apps._draw import Drawing
from omgeving.apps._mapview import ProjectMap
from omgeving.apps._safe import friendly
from omgeving.apps._widgets import lean
from omgeving.participation import change_reaction, check_geometry, submit_reaction
from omgeving.reactions import Reaction, new_reaction_id

__all__ = ["SENTIMENTS", "ReactionForm", "button"]

SENTIMENTS = (-2, -1, 0, 1, 2)
#: Font Awesome faces (bundled with Voila) for the sentiments, from very bad to very good.
FACES = ("angry", "frown", "meh", "smile", "grin-stars")
#: The drawing buttons: mode, CSS class, Font Awesome icon, catalogue key.
MODE_BUTTONS = (
    ("Point", "omg-draw-point", "map-marker", "draw.point"),
    ("LineString", "omg-draw-line", "pencil", "draw.line"),
    ("Polygon", "omg-draw-area", "square-o", "draw.area"),
)


def button(
    label: str, css: str, *, icon: str = "", primary: bool = False, own_layout: bool = False
) -> w.Button:
    """Return one of the apps' buttons: its own class ``css``, sized by ``omg-button``."""
    return lean(
        w.Button, css, "omg-button", description=label, icon=icon,
        button_style="primary" if primary else "", layout={"width": "auto"},
        own_layout=own_layout,
    )


def html_widget(value: str = "", *css: str) -> w.HTML:
    """Return an HTML widget with the classes ``css`` and the shared layout and style."""
    return lean(w.HTML, *css, value=value)


#: The form's widgets made when the resident first places something (the *place* step) and
#: first writes (the *write* step): the start of a visit sends neither (:meth:`__getattr__`).
PLACE_WIDGETS = frozenset(
    {"instruction", "undo", "done", "stop", "here", "buurt", "query", "search", "results"}
)
WRITE_WIDGETS = frozenset({"where", "move", "theme", "sentiment", "text", "submit", "cancel"})


class ReactionForm:
    """Widgets and state of one reaction being placed, written and sent (or changed)."""

    def __init__(
        self,
        ctx: Context,
        pmap: ProjectMap,
        *,
        scenario: Callable[[], str | None],
        on_saved: Callable[[Reaction], None],
        on_step: Callable[[str], None] = lambda _step: None,
    ) -> None:
        self.ctx = ctx
        self.pmap = pmap
        self.scenario = scenario
        self.on_saved = on_saved
        self.on_step = on_step
        self.form_id = new_reaction_id()
        self.editing: str | None = None
        self.geometry: dict[str, Any] | None = None
        self.found: dict[str, tuple[float, float]] = {}
        self.status = html_widget("", "omg-status")
        self.drawing = Drawing(ctx, pmap, on_done=friendly(self.show_error)(self._on_drawn))
        self.drawing.on_change.append(self._show_mode)
        self.modes = lean(w.HBox, "omg-modes")
        self.place_panel = lean(w.VBox, "omg-place", own_layout=True)
        self.write_panel = lean(w.VBox, "omg-write", own_layout=True)
        self.built: set[str] = set()  # "place", "write": the steps whose widgets exist
        self.build()

    def __getattr__(self, name: str) -> Any:
        # a step's widgets are made the first time anything asks for them
        if name in PLACE_WIDGETS or name in WRITE_WIDGETS:
            self.build_step("place" if name in PLACE_WIDGETS else "write")
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    # -- widgets ---------------------------------------------------------------------------

    def build(self) -> None:
        """(Re)create the widgets in the context's language, keeping what was chosen and typed.

        The start needs only the three drawing buttons; the place and write steps are made
        again only if they were made before (:meth:`build_step`).
        """
        ctx = self.ctx
        handle = friendly(self.show_error)
        buttons = []
        for mode, css, icon, key in MODE_BUTTONS:
            mode_button = button(ctx.text(key), css, icon=icon)
            mode_button.on_click(handle(lambda _b, mode=mode: self.begin(mode)))
            buttons.append(mode_button)
        self.modes.children = buttons
        for step in sorted(self.built):
            self.build_step(step)

    def build_step(self, step: str) -> None:
        """(Re)create the widgets of ``step`` (``"place"`` or ``"write"``) in the panel."""
        self.built.add(step)
        if step == "place":
            self._build_place()
            self._show_mode()
        else:
            self._build_write()
            self._show_where()

    def _build_place(self) -> None:
        ctx = self.ctx
        handle = friendly(self.show_error)
        self.instruction = html_widget("", "omg-instruction")
        self.undo = button(ctx.text("draw.undo"), "omg-undo", icon="undo", own_layout=True)
        self.undo.on_click(handle(lambda _b: self.drawing.undo()))
        self.done = button(
            ctx.text("draw.done"), "omg-done", icon="check", primary=True, own_layout=True
        )
        self.done.on_click(handle(lambda _b: self._finish()))
        self.stop = button(ctx.text("draw.stop"), "omg-stop", icon="times")
        self.stop.on_click(handle(lambda _b: self.reset()))
        self.here = button(ctx.text("draw.here"), "omg-here", icon="crosshairs")
        self.here.on_click(handle(lambda _b: self.drawing.add_at_centre()))
        self.buurt = lean(
            w.Dropdown,
            "omg-buurt",
            options=[
                (ctx.text("form.buurt_none"), ""),
                *sorted(((name, code) for code, name in ctx.buurten.items()), key=lambda o: o[0]),
            ],
            value="",
            description=ctx.text("form.by_buurt"),
            style={"description_width": "initial"},
        )
        self.buurt.observe(handle(self._on_buurt), names="value")
        self.query = lean(
            w.Text,
            "omg-search",
            placeholder=ctx.text("form.search_placeholder"),
            description=ctx.text("form.search"),
            continuous_update=False,  # Enter (or leaving the field) searches
            style={"description_width": "initial"},
        )
        self.query.observe(handle(lambda _c: self._on_search(None)), names="value")
        self.search = button(ctx.text("form.search_button"), "omg-search-button", icon="search")
        self.search.on_click(handle(self._on_search))
        self.results = lean(
            w.Dropdown,
            "omg-results",
            own_layout=True,
            options=[],
            description=ctx.text("form.results"),
            layout={"display": "none"},
            style={"description_width": "initial"},
        )
        self.results.observe(handle(self._on_result), names="value")
        self.place_panel.children = [
            self.instruction,
            lean(w.HBox, "omg-draw-buttons", children=[self.undo, self.done, self.stop]),
            self.here,
            html_widget(f"<p class='omg-or'>{ctx.say('form.or_choose')}</p>"),
            self.buurt,
            lean(w.HBox, "omg-search-row", children=[self.query, self.search]),
            self.results,
        ]

    def _build_write(self) -> None:
        ctx = self.ctx
        handle = friendly(self.show_error)
        made = self.__dict__  # what was chosen and typed before, if the step was made
        old_text: str = made["text"].value if "text" in made else ""
        old_theme: str | None = made["theme"].value if "theme" in made else None
        old_sentiment: int | None = made["sentiment"].value if "sentiment" in made else None
        self.where = html_widget("", "omg-where")
        self.move = button(ctx.text("form.other_place"), "omg-move", icon="map-marker")
        self.move.on_click(handle(lambda _b: self.begin(_mode_of(self.geometry))))
        self.theme = lean(
            w.ToggleButtons,
            "omg-theme",
            options=[(ctx.theme_label(t), t) for t in ctx.themes],
            value=old_theme if old_theme in ctx.themes else None,
            description=ctx.text("react.theme"),
            style={"description_width": "initial", "button_width": "auto"},
        )
        self.sentiment = lean(
            w.ToggleButtons,
            "omg-sentiment",
            options=[(ctx.sentiment_label(v), v) for v in SENTIMENTS],
            value=old_sentiment,
            icons=list(FACES),
            description=ctx.text("form.sentiment"),
            style={"description_width": "initial", "button_width": "auto"},
        )
        optional = ctx.channel == "tafel"
        self.text = lean(
            w.Textarea,
            "omg-text",
            value=old_text,
            rows=3 if optional else 4,
            placeholder=ctx.text("react.text_placeholder"),
            continuous_update=False,  # one message when the field is left, not one per key
            layout={"width": "100%"},
        )
        label = "react.text_optional" if optional else "react.text"
        self.submit = button(ctx.text("react.submit"), "omg-submit", icon="paper-plane",
                              primary=True)
        self.submit.on_click(handle(self._on_submit))
        self.cancel = button(
            ctx.text("form.cancel_edit" if self.editing else "form.back"), "omg-cancel",
            icon="arrow-left",
        )
        self.cancel.on_click(handle(lambda _b: self.reset()))
        title = "form.edit_title" if self.editing else "form.what"
        self.write_panel.children = [
            html_widget(f"<h2 class='omg-step-title'>{ctx.say(title)}</h2>"),
            lean(w.HBox, "omg-where-row", children=[self.where, self.move]),
            self.theme,
            self.sentiment,
            html_widget(f"<span class='omg-label'>{ctx.say(label)}</span>"),
            self.text,
            lean(w.HBox, "omg-send-row", children=[self.submit, self.cancel]),
        ]

    # -- messages --------------------------------------------------------------------------

    def show_error(self, key: str) -> None:
        self.status.value = f"<span class='omg-err' role='alert'>{self.ctx.say(key)}</span>"

    def show_ok(self, key: str, **values: object) -> None:
        self.status.value = (
            f"<span class='omg-ok' role='status'>{self.ctx.say(key, **values)}</span>"
        )

    # -- placing ---------------------------------------------------------------------------

    def begin(self, mode: str) -> None:
        """Start placing a point, line or area: the sheet says how, the map takes taps."""
        self.status.value = ""
        if "place" not in self.built:
            self.build_step("place")
        self.drawing.start(mode)
        self.on_step("place")

    def _show_mode(self) -> None:
        mode = self.drawing.mode
        if "place" not in self.built:
            return
        if mode is None:
            self.instruction.value = ""
            return
        n = len(self.drawing.vertices)
        self.instruction.value = (
            f"<h2 class='omg-step-title'>{self.ctx.say('draw.where')}</h2>"
            f"<p role='status'>{self.ctx.say(f'draw.{mode}.how')}</p>"
        )
        point = mode == "Point"
        self.undo.layout.display = "none" if point else ""
        self.done.layout.display = "none" if point else ""
        self.undo.disabled = n == 0
        self.here.description = self.ctx.text("draw.here" if point else "draw.here_vertex")

    def _finish(self) -> None:
        if not self.drawing.vertices:
            raise ValidationError("nothing placed", key="react.no_point")
        self.drawing.finish()

    def _on_drawn(self, geometry: dict[str, Any]) -> None:
        self._place(geometry, drawn=True)

    def _place(self, geometry: Any, *, drawn: bool) -> None:
        # geometry comes from the browser or a list, unchecked (None for a feature without one)
        self.geometry = None
        check_geometry(geometry, self.ctx.area)  # the same check runs again on submit
        self.geometry = geometry
        if not drawn:
            self.drawing.show(geometry)
            p = shapely.geometry.shape(geometry).representative_point()
            self.drawing.say((p.x, p.y), "react.point_set")
        if "write" not in self.built:
            self.build_step("write")
        self._show_where()
        self.show_ok("react.point_set")
        self.on_step("write")

    def _show_where(self) -> None:
        if "write" not in self.built:
            return
        kind = _mode_of(self.geometry) if self.geometry else ""
        key = {"Point": "form.where_point", "LineString": "form.where_line",
               "Polygon": "form.where_area"}.get(kind, "react.no_point")
        self.where.value = f"<p>{self.ctx.say(key)}</p>"

    def _on_buurt(self, change: dict[str, Any]) -> None:
        code = change["new"]
        poly = next((g for c, _, g in self.ctx.area.buurten if c == code), None)
        if poly is None:
            return
        self._place(json.loads(shapely.to_geojson(poly.representative_point())), drawn=False)

    def _on_search(self, _button: Any) -> None:
        from omgeving.sources.locatieserver import search_places

        if not self.query.value.strip():
            return
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
            self._place({"type": "Point", "coordinates": list(lonlat)}, drawn=False)

    # -- sending ---------------------------------------------------------------------------

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
                ctx.store, ctx.project.config, id=self.form_id, channel=ctx.channel,
                evening=ctx.evening, **fields,
            )
            key = "react.thanks" if reaction.status == "visible" else "react.thanks_pending"
        else:
            reaction = change_reaction(ctx.store, ctx.project.config, id=self.editing, **fields)
            key = "form.changed"
        self.reset(step=None)
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
        if reaction.geometry is not None:
            self.drawing.show(reaction.geometry)
        self._show_where()
        self.show_ok("form.editing")
        self.on_step("write")

    def reset(self, *, step: str | None = "start") -> None:
        """Empty the form for a new reaction (with a new id) and go back to ``step``."""
        self.form_id = new_reaction_id()
        self.editing = None
        self.geometry = None
        if "write" in self.built:
            self.text.value = ""
            self.theme.value = None
            self.sentiment.value = None
        self.drawing.clear()
        self.found = {}
        self.build()
        self.status.value = ""
        if step is not None:
            self.on_step(step)


def _mode_of(geometry: dict[str, Any] | None) -> str:
    kind = (geometry or {}).get("type")
    return kind if kind in ("LineString", "Polygon") else "Point"

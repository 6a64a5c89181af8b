"""The resident app (*verkennen en reageren*), and the table kiosk (*tafel*) built on it.

A thin composition of widgets over the package: the project map (:mod:`._mapview`), the
reaction form (:mod:`._form`) and the list that equals the map (:mod:`._list`). The kernel
stays light: it reads the baked web layers with :mod:`json` (no geopandas), and loads building
footprints only for the tiles in view once the map is zoomed in.
"""

from __future__ import annotations

import html
import logging
import os
import secrets
import sys
import time
from typing import Any

import ipywidgets as w
from ipyleaflet import GeoJSON

from omgeving import settings
from omgeving.apps._context import REACTION_OPACITY, Context
from omgeving.apps._form import ReactionForm
from omgeving.apps._list import ReactionList
from omgeving.apps._live import Poller
from omgeving.apps._mapview import ProjectMap, empty, fit_zoom, scenario_features
from omgeving.apps._safe import friendly
from omgeving.palette import theme_colour
from omgeving.participation import Area, public_view
from omgeving.project import open_project
from omgeving.reactions import Reaction
from omgeving.store import open_store
from omgeving.web import read_manifest

__all__ = ["ResidentApp", "fit_zoom", "resident", "table"]

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
TABLE_IDLE_SECONDS = 60.0
_CSS = """<style>
.omg-app { font-size: 16px; max-width: 1400px; --jp-widgets-font-size: 16px;
  --jp-widgets-inline-height: 36px; --jp-widgets-inline-label-width: 150px; }
.omg-app h2 { line-height: 1.25; }
.omg-app .widget-dropdown, .omg-app .widget-text { width: 100%; max-width: 560px; }
.omg-app .widget-button, .omg-app .widget-toggle-button { min-height: 44px; font-size: 16px; }
.omg-app select, .omg-app textarea, .omg-app input { font-size: 16px; }
.omg-swatch { display:inline-block; width:14px; height:14px; margin-right:6px;
  border:1px solid #333; vertical-align:middle; }
.omg-status { font-weight: bold; min-height: 1.5em; }
.omg-ok { color: #1a7f37; } .omg-err { color: #b00020; }
.omg-fictief { background:#fff3cd; color:#3d2e00; padding:4px 8px; border-radius:4px; }
.omg-card h4 { margin: 4px 0; font-size: 15px; } .omg-card-open { background: #fff8d6; }
.omg-card-text { white-space: pre-wrap; overflow-wrap: anywhere; }
</style>"""
_TABLE_CSS = """<style>
.omg-tafel { font-size: 24px; --jp-widgets-font-size: 22px; --jp-widgets-inline-height: 60px;
  --jp-widgets-inline-label-width: 220px; }
.omg-tafel.omg-app { max-width: none; }
.omg-tafel p, .omg-tafel label, .omg-tafel .widget-label { font-size: 22px; line-height: 1.35; }
.omg-tafel h2 { font-size: 40px; } .omg-tafel h3 { font-size: 30px; }
.omg-tafel .widget-button, .omg-tafel .widget-toggle-button { min-height: 72px; min-width: 72px;
  font-size: 24px; }
.omg-tafel select, .omg-tafel textarea, .omg-tafel input { font-size: 24px; min-height: 56px; }
.omg-tafel .leaflet-control-zoom a, .omg-tafel .leaflet-pm-toolbar a { width: 56px !important;
  height: 56px !important; line-height: 56px !important; }
.omg-tafel *:hover { transition: none !important; }
</style>"""


def resident(project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"):
    """Return the resident app widget for a project (``OMGEVING_PROJECT`` when not given)."""
    _log_to_server()
    return ResidentApp(project_dir, lang=lang).start().widget


def table(project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"):
    """Return the table (kiosk) app widget: large targets, channel ``tafel``, resets itself."""
    _log_to_server()
    return ResidentApp(project_dir, lang=lang, kiosk=True).start().widget


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
    """State and widgets of one visit (one kernel per page load in Voila)."""

    def __init__(
        self,
        project_dir: str | os.PathLike[str] | None = None,
        *,
        lang: str = "nl",
        kiosk: bool = False,
    ) -> None:
        project = open_project(settings.project_dir(project_dir))
        self.kiosk = kiosk
        self.ctx = Context(
            project=project,
            manifest=read_manifest(project.web_dir),
            area=Area.from_web(project.web_dir),
            store=open_store(project.store_url()),
            lang=lang,
            channel="tafel" if kiosk else "online",
        )
        self.cursor = 0
        self.reactions: dict[str, Reaction] = {}  # every change seen, any status
        self.last_activity = time.monotonic()
        self.pmap = ProjectMap(
            project.web_dir, self.ctx.manifest, height="65vh" if kiosk else "60vh"
        )
        self.scenario_layer = GeoJSON(
            data=empty(),
            name="scenario",
            point_style={"radius": 7, "weight": 2, "fillOpacity": 0.9},
        )
        self.reactions_layer = GeoJSON(
            data=empty(),
            name="reacties",
            point_style={
                "radius": 8,
                "color": "#ffffff",
                "weight": 2,
                "fillOpacity": 0.9,
                "opacity": REACTION_OPACITY,
                "className": "omg-reactie",
            },
        )
        self.reactions_layer.on_click(friendly(self._show_map_error)(self._on_reaction_click))
        self.pmap.map.add(self.scenario_layer)
        self.pmap.map.add(self.reactions_layer)
        self.scenario = w.Dropdown()
        self.form = ReactionForm(
            self.ctx,
            self.pmap,
            scenario=lambda: self.scenario.value or None,
            on_saved=self._on_saved,
        )
        self.list = ReactionList(self.ctx, on_edit=self._on_edit, on_change=self.refresh)
        self.widget = w.VBox().add_class("omg-app")
        if kiosk:
            self.widget.add_class("omg-tafel")
        self.poller = Poller(self._tick, REFRESH_SECONDS)
        self.pmap.on_first_view.append(self._on_connected)
        self.compose()
        self.refresh()

    def start(self) -> ResidentApp:
        """Start the live refresh (others' reactions; the table's idle reset)."""
        self.poller.start()
        return self

    # -- composition -----------------------------------------------------------------------

    def compose(self) -> None:
        """(Re)build every text widget in the current language."""
        ctx, cfg = self.ctx, self.ctx.project.config
        for lang in ("nl", "en"):  # the page's own script (counters) speaks the app's language
            self.widget.remove_class(f"omg-lang-{lang}")
        self.widget.add_class(f"omg-lang-{ctx.lang}")
        self.form.build()
        self.list.build()
        head = [
            w.HTML(_CSS + (_TABLE_CSS if self.kiosk else "")),
            w.HTML(
                f"<h2>{ctx.say('app.title', title=cfg.title)}</h2><p>{ctx.say('app.intro')}</p>"
            ),
        ]
        if cfg.fictional:
            head.append(w.HTML(f"<p class='omg-fictief'>{ctx.say('app.fictional')}</p>"))
        language = w.ToggleButtons(
            options=[("Nederlands", "nl"), ("English", "en")],
            value=ctx.lang,
            description=ctx.text("react.language"),
            style={"description_width": "initial"},
        )
        language.add_class("omg-language")
        language.observe(friendly(self.form.show_error)(self._on_language), names="value")
        old = self.scenario.value or ""
        self.scenario = w.Dropdown(
            options=[(ctx.text("scenario.none"), "")] + [(n, s) for s, n in ctx.scenarios.items()],
            value=old,
            description=ctx.text("scenario.label"),
            style={"description_width": "initial"},
        ).add_class("omg-scenario")
        self.scenario.observe(friendly(self.form.show_error)(self._on_scenario), names="value")
        self.scenario_text = w.HTML(self._scenario_html(old))
        side = w.VBox(
            [
                self.scenario,
                self.scenario_text,
                self.form.widget,
                self.list.widget,
                self.pmap.legend(ctx.lang, ctx.text("layers.title")),
                *([] if self.kiosk else [self._privacy()]),
            ],
            layout=w.Layout(flex="1 1 340px"),
        )
        body = w.Box(
            [w.Box([self.pmap.map], layout=w.Layout(flex="2 1 480px")), side],
            layout=w.Layout(flex_flow="row wrap", width="100%"),
        )
        self.widget.children = [*head, language, body]
        if self.kiosk:  # any touch on the form counts as activity
            for widget in (self.form.text, self.form.theme, self.form.sentiment, self.form.buurt):
                widget.observe(lambda _change: self.touch(), names="value")

    def _privacy(self) -> w.Accordion:
        """Return what we store, how long, and this window's participant code (folded)."""
        ctx = self.ctx
        code = " ".join(ctx.participant[i : i + 4] for i in range(0, len(ctx.participant), 4))
        days = ctx.project.config.privacy.retention_days
        body = w.HTML(
            f"<p>{ctx.say('privacy.text')}</p><p><code>{html.escape(code)}</code></p>"
            f"<p>{ctx.say('privacy.retention', days=days)}</p>"
        )
        box = w.Accordion(children=[body], titles=(ctx.text("privacy.title"),))
        return box.add_class("omg-privacy")

    def _scenario_html(self, slug: str) -> str:
        spec = next((s for s in self.ctx.manifest["scenarios"] if s["slug"] == slug), None)
        if spec is None:
            return ""
        return f"<p><b>{html.escape(spec['name'])}</b>: {html.escape(spec['description'])}</p>"

    # -- callbacks ---------------------------------------------------------------------------

    def _show_map_error(self, key: str) -> None:
        self.form.show_error(key)

    def _on_language(self, change: dict[str, Any]) -> None:
        if change["new"] in ("nl", "en"):
            self.ctx.lang = change["new"]
            self.compose()
            self.list.update(self._listed())

    def _on_scenario(self, change: dict[str, Any]) -> None:
        self.touch()
        slug = change["new"]
        self.scenario_text.value = self._scenario_html(slug)
        self.scenario_layer.data = scenario_features(
            self.ctx.project.web_dir, self.ctx.manifest, slug
        )

    def _on_reaction_click(self, feature: dict[str, Any] | None = None, **_: Any) -> None:
        self.touch()
        rid = (feature or {}).get("properties", {}).get("id")
        if isinstance(rid, str):
            self.list.open(rid)

    def _on_edit(self, reaction: Reaction) -> None:
        self.touch()
        self.form.start_edit(reaction)

    def _on_saved(self, _reaction: Reaction) -> None:
        self.refresh()
        if self.kiosk:
            self.reset_visit(keep_message=True)

    def _on_connected(self) -> None:
        # a pre-started kernel ran long before this page: fetch what was stored since
        self.refresh()

    def _tick(self) -> None:
        if self.kiosk and time.monotonic() - self.last_activity > TABLE_IDLE_SECONDS:
            self.reset_visit()
        if self.pmap.fitted:
            self.refresh()

    def touch(self) -> None:
        """Note activity (the table resets after a minute without any)."""
        self.last_activity = time.monotonic()

    def reset_visit(self, *, keep_message: bool = False) -> None:
        """Start clean for the next person at the table: new participant, empty form."""
        message = self.form.status.value
        self.ctx.participant = secrets.token_hex(16)
        self.ctx.lang = "nl"
        self.scenario.value = ""
        self.form.reset()
        self.list.opened = self.list.reporting = None
        self.compose()
        self.show(self._listed())
        self.pmap.fit()
        self.touch()
        if keep_message:
            self.form.status.value = message

    # -- data ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Apply the changes stored since the last refresh to the map and the list."""
        changed = self.ctx.store.changes(self.cursor)
        if not changed:
            return
        for r in changed:
            self.reactions[r.id] = r
        self.cursor = changed[-1].changed
        self.show(self._listed())

    def show(self, listed: dict[str, Reaction]) -> None:
        """Draw ``listed`` on the map and in the list (each keeps only what may be seen)."""
        themes = self.ctx.themes
        features = [
            {
                "type": "Feature",
                "geometry": r.geometry,
                "properties": {"id": r.id, "style": _reaction_style(themes, r.theme)},
            }
            for r in public_view(listed).values()  # the map: what anyone may see
        ]
        self.reactions_layer.data = {"type": "FeatureCollection", "features": features}
        self.list.update(listed)

    def _listed(self) -> dict[str, Reaction]:
        """Return the reactions this visitor may see: visible ones and their own pending ones."""
        return public_view(self.reactions, self.ctx.participant)


def _reaction_style(themes: tuple[str, ...], theme: str) -> dict[str, Any]:
    colour = theme_colour(themes, theme)
    return {
        "color": colour,
        "fillColor": colour,
        "weight": 4,
        "fillOpacity": 0.35,
        "opacity": REACTION_OPACITY,
    }

"""The wall (*scherm*): every visible reaction, live, on a projector in the village hall.

One kernel drives the screen. A :class:`~omgeving.apps._live.Poller` asks the store twice a
second for what changed since a cursor; the wall keeps the visible reactions in a plain dict
and sends the map one new GeoJSON only when something it shows changed. Beside the map: the
counts per theme and per sentiment, the latest reactions, and a QR code (made here, by segno)
that opens the resident app on a phone. Optionally the map cycles through the scenarios.
Every text from residents, the configuration or the manifest is escaped.
"""

from __future__ import annotations

import html
import math
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable
from typing import Any

import ipywidgets as w
import segno
from ipyleaflet import GeoJSON

from omgeving import settings
from omgeving.apps._context import REACTION_OPACITY
from omgeving.apps._live import Poller
from omgeving.apps._mapview import ProjectMap, empty, scenario_features
from omgeving.apps._safe import friendly
from omgeving.apps.resident import _log_to_server
from omgeving.config import ProjectConfig
from omgeving.cycle import evening_today
from omgeving.i18n import t
from omgeving.palette import sentiment_colour, theme_colour
from omgeving.participation import shown_to
from omgeving.project import open_project
from omgeving.reactions import Reaction
from omgeving.store import Evening, open_store
from omgeving.web import read_manifest

__all__ = [
    "WallApp",
    "banner_html",
    "evening_url",
    "header_html",
    "public_url",
    "qr_html",
    "reaction_feature",
    "sentiment_label",
    "sentiment_text",
    "stats_html",
    "ticker_html",
    "wall",
]

#: The context layers a wall shows (calm outlines; the reactions are what matters).
WALL_LAYERS = ("waterlopen", "kernen", "buurten", "gemeente")
TICKER_SIZE = 8
TICKER_CHARS = 200
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8866/"
#: How often the wall looks for the evening in progress in the register.
EVENING_SECONDS = 30.0
POINT_STYLE = {"radius": 11, "className": "omg-wall-reactie"}
SCENARIO_POINT_STYLE = {"radius": 9, "weight": 2, "fillOpacity": 0.9}
_HEX = re.compile(r"^#[0-9a-fA-F]{3,8}$")
_DRAW_ORDER = {"Polygon": 0, "LineString": 1, "Point": 2}  # points on top
#: Sizes are in em of a type that scales with the screen: 28 px on a 1920 × 1080 projector,
#: and just as large on the wall at 1280 × 720 (a projected picture does not grow with pixels).
_CSS = """<style>
body, #rendered_cells, #rendered_cells > div, .jp-Cell, .jp-OutputArea,
.jp-OutputArea-child, .jp-OutputArea-output {
  background: #0d1117 !important; margin: 0 !important; padding: 0 !important;
  border: 0 !important; }
.omg-wall, .omg-wall .widget-html, .omg-wall .widget-html-content {
  color: #f0f3f6 !important; font-size: min(2.6vh, 1.46vw) !important;
  line-height: 1.25 !important; height: auto !important; }
.omg-wall { background: #0d1117; width: 100%; }
.omg-wall .widget-box { overflow: hidden; }
.omg-wall .omg-wall-grid { display: grid; width: 100%; height: 100vh; box-sizing: border-box;
  grid-template-columns: minmax(0, 46fr) minmax(0, 26fr) minmax(0, 28fr);
  grid-template-rows: auto minmax(0, 1fr); gap: 0 28px; padding: 10px 20px 16px; }
.omg-wall-head { grid-column: 1 / -1; }
.omg-wall h1 { font-size: 1.35em; margin: 0; line-height: 1.15; color: #ffffff; }
.omg-wall-sub { margin: 0 0 10px; color: #d0d7de; }
.omg-wall-fictief { display: inline-block; background: #ffd866; color: #111111;
  padding: 0 12px; border-radius: 6px; margin-left: 16px; font-size: 0.8em; }
.omg-wall-mapcol { min-height: 0; height: 100%; }
.omg-wall-mapcol .leaflet-container { flex: 1 1 auto; height: 100% !important;
  border-radius: 8px; }
.omg-wall-banner .widget-html-content:empty { display: none; }
.omg-wall-scenario { font-weight: bold; font-size: 1.1em; }
.omg-wall-fn { display: inline-block; font-size: 0.8em; margin-right: 18px; }
.omg-wall h2 { font-size: 1em; margin: 14px 0 8px; color: #ffffff; font-weight: bold; }
.omg-wall-total { display: flex; align-items: baseline; gap: 14px; }
.omg-wall-total b { font-size: 2.6em; line-height: 1; }
.omg-wall-bars { display: grid; gap: 6px 12px; align-items: center;
  grid-template-columns: minmax(0, max-content) minmax(40px, 1fr) max-content; }
.omg-wall-label { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.omg-wall-track { display: block; height: 0.75em; background: #262c36; border-radius: 4px; }
.omg-wall-fill { display: block; height: 100%; border-radius: 4px;
  box-shadow: inset 0 0 0 2px rgba(255, 255, 255, 0.6); }
.omg-wall-n { font-weight: bold; text-align: right; font-variant-numeric: tabular-nums; }
.omg-wall-swatch { display: inline-block; width: 0.7em; height: 0.7em; margin-right: 8px;
  border-radius: 3px; outline: 2px solid rgba(255, 255, 255, 0.6); }
.omg-wall-qr { display: flex; gap: 20px; align-items: center; }
.omg-wall-qr svg { width: 8.5em; height: auto; flex: none;
  shape-rendering: crispEdges; border-radius: 6px; }
.omg-wall-qr h2 { margin-top: 0; }
.omg-wall-evening { font-weight: bold; color: #ffd866; margin: 4px 0 0; }
.omg-wall-url { font-family: monospace; font-weight: bold; overflow-wrap: anywhere; }
.omg-wall-side > .omg-wall-ticker { flex: 1 1 0; min-height: 0; overflow: hidden;
  -webkit-mask-image: linear-gradient(to bottom, #000 82%, transparent);
  mask-image: linear-gradient(to bottom, #000 82%, transparent); }
.omg-wall-ticker ol { list-style: none; margin: 0; padding: 0; }
.omg-wall-item { border-left: 10px solid #8b949e; padding: 0 0 0 14px; margin: 0 0 14px; }
.omg-wall-meta { font-weight: bold; color: #d0d7de; }
.omg-wall-text { overflow-wrap: anywhere; }
@media (max-width: 1100px) {
  .omg-wall .omg-wall-grid { display: block; height: auto; }
  .omg-wall-mapcol { height: 70vh; }
}
</style>"""


def wall(project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"):
    """Return the wall widget for a project (``OMGEVING_PROJECT`` when not given)."""
    _log_to_server()
    return WallApp(project_dir, lang=lang).widget


def public_url(config: ProjectConfig) -> str:
    """Return the address phones in the hall open: configured, set by the server, or local."""
    return settings.public_url(config.evening.public_url, DEFAULT_PUBLIC_URL)


def sentiment_text(sentiment: int | None, lang: str = "nl") -> str:
    """Return a sentiment as text: ``"+2"``, ``"0"``, ``"−1"`` or the word for none."""
    if sentiment is None:
        return t("wall.sentiment_none", lang)
    if sentiment > 0:
        return f"+{sentiment}"
    return f"−{-sentiment}" if sentiment < 0 else "0"


def sentiment_label(sentiment: int | None, lang: str = "nl") -> str:
    """Return a sentiment with the words of the resident's form: ``"+2 heel goed"``."""
    if sentiment is None:
        return sentiment_text(None, lang)
    return f"{sentiment_text(sentiment, lang)} {t(f'sentiment.{sentiment}', lang).lower()}"


class WallApp:
    """State and widgets of the wall: the visible reactions by id, kept in plain Python."""

    def __init__(
        self,
        project_dir: str | os.PathLike[str] | None = None,
        *,
        lang: str = "nl",
        interval: float = 0.5,
    ) -> None:
        self.project = open_project(settings.project_dir(project_dir))
        self.config = self.project.config
        self.lang = lang
        self.manifest = read_manifest(self.project.web_dir)
        self.store = open_store(self.project.store_url())
        self.reactions: dict[str, Reaction] = {}
        self.cursor = 0
        self.started = False
        self.scenario_index = -1
        self.poller = Poller(self.tick, interval)
        self._lock = threading.RLock()  # the poller's thread and the kernel's both refresh
        self._scenarios: dict[str, dict[str, Any]] = {}
        self._next_cycle = math.inf
        self.evening = evening_today(self.store)  # the evening in progress, if registered
        self._evening_checked = time.monotonic()
        self.pmap = self._project_map()
        self.map = self.pmap.map
        # no layer ``style``: Leaflet lets it override the features' own colours, and
        # ipyleaflet would deep-copy every push to merge it in
        self.scenario_layer = GeoJSON(
            data=empty(), name="scenario", point_style=SCENARIO_POINT_STYLE
        )
        self.reactions_layer = GeoJSON(data=empty(), name="reacties", point_style=POINT_STYLE)
        self.map.add(self.scenario_layer)
        self.map.add(self.reactions_layer)
        self.pmap.on_first_view.append(friendly(self._show_error)(self._on_connected))
        self.widget = self._compose()
        if self.config.evening.cycle_seconds > 0:
            self.cycle_once()
        self.refresh(force=True)  # what is there now; the poller follows once a page shows

    # -- building blocks ------------------------------------------------------------------

    def _project_map(self) -> ProjectMap:
        pmap = ProjectMap(self.project.web_dir, self.manifest, height="100%")
        for name in [n for n in pmap.layers if n not in WALL_LAYERS]:
            layer = pmap.layers.pop(name)  # out of the page entirely, not just hidden
            pmap.map.remove(layer)
            layer.close()
        for name in pmap.layers:
            pmap.show_layer(name, True)
        return pmap

    def _compose(self) -> w.Widget:
        self.header = w.HTML(header_html(self.config, self.lang))
        self.status = w.HTML().add_class("omg-wall-status")
        self.banner = w.HTML().add_class("omg-wall-banner")
        self.stats = w.HTML().add_class("omg-wall-stats")
        self.ticker = w.HTML().add_class("omg-wall-ticker")
        # the phones that scan it give their reactions the evening in progress (?avond)
        url = public_url(self.config)
        self.qr = w.HTML(qr_html(evening_url(url), self.lang, shown=url)).add_class("omg-wall-qr")
        grid = w.Box(
            [
                w.VBox([self.header, self.status]).add_class("omg-wall-head"),
                w.VBox([self.banner, self.map]).add_class("omg-wall-mapcol"),
                self.stats,
                w.VBox([self.qr, self.ticker]).add_class("omg-wall-side"),
            ]
        ).add_class("omg-wall-grid")
        return w.VBox([w.HTML(_CSS), grid]).add_class("omg-wall")

    # -- callbacks ---------------------------------------------------------------------------

    def _show_error(self, key: str) -> None:
        self.status.value = f"<p>{html.escape(t(key, self.lang))}</p>"

    def _on_connected(self) -> None:
        """Follow the store from the first view event on: a browser now shows the wall.

        Voila pre-starts kernels, long before anyone opens the page.
        """
        if self.started:
            return
        self.started = True
        self.poller.start()  # first: a failing tick below must not stop live updates
        self._evening_checked = -math.inf  # the evening may have been registered since
        if self.config.evening.cycle_seconds > 0:  # the first scenario gets its full time
            self._next_cycle = time.monotonic() + self.config.evening.cycle_seconds
        self.tick()

    # -- live data -----------------------------------------------------------------------------

    def tick(self) -> None:
        """Apply what changed in the store; advance the scenario cycle when it is due."""
        with self._lock:
            self.refresh()
            if self.status.value:  # the store answers again: the error line has done its job
                self.status.value = ""
            if time.monotonic() >= self._next_cycle:
                self.cycle_once()
            if time.monotonic() - self._evening_checked > EVENING_SECONDS:
                self._evening_checked = time.monotonic()
                evening = evening_today(self.store)
                if evening != self.evening:  # registered (or corrected) during the evening
                    self.evening = evening
                    self._render()

    def refresh(self, *, force: bool = False) -> bool:
        """Apply the store's changes since the cursor; redraw only if something shown changed."""
        with self._lock:
            changes = self.store.changes(self.cursor)
            dirty = force
            for reaction in changes:
                dirty = self._apply(reaction) or dirty
            if changes:
                self.cursor = changes[-1].changed
            if dirty:
                self._render()
            return dirty

    def _apply(self, reaction: Reaction) -> bool:
        """Keep a visible reaction, drop any other; return whether the wall must change."""
        old = self.reactions.get(reaction.id)
        if not shown_to(reaction):  # the wall is public: what anyone may see
            return self.reactions.pop(reaction.id, None) is not None
        self.reactions[reaction.id] = reaction
        return old is None or _shown(old) != _shown(reaction)

    def _render(self) -> None:
        themes = self.config.themes
        shown = sorted(self.reactions.values(), key=lambda r: r.seq)
        drawn = sorted(shown, key=lambda r: _DRAW_ORDER.get(_kind(r), 3))
        features = [reaction_feature(r, theme_colour(themes, r.theme)) for r in drawn]
        self.reactions_layer.data = {"type": "FeatureCollection", "features": features}
        self.stats.value = stats_html(shown, themes, self.lang)
        self.ticker.value = ticker_html(shown[::-1][:TICKER_SIZE], themes, self.lang)
        tonight = (sum(1 for r in shown if r.evening == self.evening.id)
                   if self.evening is not None else 0)
        self.header.value = header_html(self.config, self.lang, self.evening, tonight)

    # -- scenarios ---------------------------------------------------------------------------

    def cycle_once(self) -> str | None:
        """Show the next scenario's interventions; return its slug (None without scenarios)."""
        scenarios = self.manifest.get("scenarios", [])
        if not scenarios:
            return None
        with self._lock:
            self.scenario_index = (self.scenario_index + 1) % len(scenarios)
            spec = scenarios[self.scenario_index]
            data = self._scenario(spec)
            self.scenario_layer.data = data
            functions = sorted({f["properties"]["functie"] for f in data["features"]} - {""})
            colours = self.manifest.get("function_colors", {})
            self.banner.value = banner_html(spec["name"], functions, colours, self.lang)
            seconds = self.config.evening.cycle_seconds
            self._next_cycle = time.monotonic() + seconds if seconds > 0 else math.inf
            return spec["slug"]

    def _scenario(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Return a scenario's interventions coloured by function (each file read once)."""
        if spec["slug"] not in self._scenarios:
            data = scenario_features(
                self.project.web_dir, self.manifest, spec["slug"], opacity=0.55
            )
            for feature in data["features"]:
                props = feature["properties"]
                feature["properties"] = {"functie": str(props.get("functie") or ""),
                                         "style": props["style"]}
            self._scenarios[spec["slug"]] = data
        return self._scenarios[spec["slug"]]

    def close(self) -> None:
        """Stop polling and close the store connection."""
        self.poller.stop()
        with self._lock:
            self.store.close()


# -- what the wall shows: pure functions -------------------------------------------------------


def _shown(r: Reaction) -> tuple[Any, ...]:
    """Return what the wall shows of a reaction (an agreement alone changes nothing)."""
    return (r.geometry, r.theme, r.text, r.sentiment)


def _kind(reaction: Reaction) -> str:
    """Return the GeoJSON type of a reaction's geometry ("" once erased: it has none)."""
    return "" if reaction.geometry is None else str(reaction.geometry.get("type", ""))


def reaction_feature(reaction: Reaction, colour: str) -> dict[str, Any]:
    """Return a reaction as a map feature: its id and style only, no text."""
    kind = _kind(reaction)
    if kind == "Point":
        style = {"color": "#ffffff", "weight": 3, "fillColor": colour, "fillOpacity": 0.95}
    elif kind == "LineString":
        style = {"color": colour, "weight": 7}
    else:
        style = {"color": colour, "weight": 4, "fillColor": colour, "fillOpacity": 0.35}
    # className in the feature's style reaches lines and areas too (set before Leaflet
    # draws the path), so a browser test can count every reaction shape
    style.update(opacity=REACTION_OPACITY, className="omg-wall-reactie")
    return {
        "type": "Feature",
        "geometry": reaction.geometry,
        "properties": {"id": reaction.id, "style": style},
    }


def header_html(config: ProjectConfig, lang: str, evening: Evening | None = None,
                tonight: int = 0) -> str:
    """Return the title, a subtitle, the notice of a fictional municipality, the evening."""
    notice = ""
    if config.fictional:
        notice = f"<span class='omg-wall-fictief'>{html.escape(t('wall.fictional', lang))}</span>"
    hall = ""
    if evening is not None:  # the evening in progress, and what the hall said so far
        word = t("wall.total_one" if tonight == 1 else "wall.total_many", lang)
        said = t("wall.evening", lang, place=evening.place, n=f"{tonight} {word}")
        hall = f"<p class='omg-wall-evening'>{html.escape(said)}</p>"
    return (
        f"<h1>{html.escape(config.title)}</h1>"
        f"<p class='omg-wall-sub'>{html.escape(t('wall.subtitle', lang))}{notice}</p>{hall}"
    )


def evening_url(url: str) -> str:
    """Return the address the wall's QR code opens: ``url`` that says it came from the hall.

    Examples
    --------
    >>> evening_url("http://192.168.1.20:8866/")
    'http://192.168.1.20:8866/?avond'
    >>> evening_url("https://raalte.example/kaart?x=1")
    'https://raalte.example/kaart?x=1&avond'
    """
    return url + ("&" if "?" in url else "?") + "avond"


def _bars(rows: Iterable[tuple[str, str, int]]) -> str:
    """Return (label, colour, count) rows as bars; the largest count fills its track."""
    rows = list(rows)
    top = max((n for _, _, n in rows), default=0) or 1
    cells = [
        f"<span class='omg-wall-label'>{html.escape(label)}</span>"
        f"<span class='omg-wall-track'><span class='omg-wall-fill' style='width:"
        f"{round(100 * n / top)}%;background:{html.escape(colour)}'></span></span>"
        f"<span class='omg-wall-n'>{int(n)}</span>"
        for label, colour, n in rows
    ]
    return f"<div class='omg-wall-bars'>{''.join(cells)}</div>"


def stats_html(reactions: list[Reaction], themes: tuple[str, ...], lang: str) -> str:
    """Return the total, and bars per theme and per sentiment (+2 … −2, then none)."""
    by_theme = Counter(r.theme for r in reactions)
    by_sentiment = Counter(r.sentiment for r in reactions)
    names = list(themes) + sorted(set(by_theme) - set(themes))
    theme_rows = [(name, theme_colour(themes, name), by_theme[name]) for name in names]
    sentiment_rows = [
        (sentiment_label(s, lang), sentiment_colour(s), by_sentiment[s])
        for s in (2, 1, 0, -1, -2, None)
    ]
    n = len(reactions)
    word = t("wall.total_one" if n == 1 else "wall.total_many", lang)
    return (
        f"<div class='omg-wall-total'><b>{n}</b><span>{html.escape(word)}</span></div>"
        f"<h2>{html.escape(t('wall.by_theme', lang))}</h2>{_bars(theme_rows)}"
        f"<h2>{html.escape(t('wall.by_sentiment', lang))}</h2>{_bars(sentiment_rows)}"
    )


def _colour(value: object, default: str = "#444444") -> str:
    """Return ``value`` if it is a hex colour, else ``default`` (manifest data goes into CSS)."""
    return value if isinstance(value, str) and _HEX.match(value) else default


def _shorten(text: str, limit: int = TICKER_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ticker_html(latest: list[Reaction], themes: tuple[str, ...], lang: str) -> str:
    """Return the latest reactions, newest first: theme, sentiment and shortened text."""
    title = f"<h2>{html.escape(t('wall.latest', lang))}</h2>"
    if not latest:
        return f"{title}<p>{html.escape(t('wall.none_yet', lang))}</p>"
    items = []
    for r in latest:
        meta = (
            r.theme if r.sentiment is None else f"{r.theme} · {sentiment_text(r.sentiment, lang)}"
        )
        items.append(
            f"<li class='omg-wall-item' style='border-left-color:"
            f"{html.escape(theme_colour(themes, r.theme))}'>"
            f"<div class='omg-wall-meta'>{html.escape(meta)}</div>"
            f"<div class='omg-wall-text'>{html.escape(_shorten(r.text))}</div></li>"
        )
    return f"{title}<ol>{''.join(items)}</ol>"


def qr_html(url: str, lang: str, shown: str | None = None) -> str:
    """Return a QR code (SVG made here by segno) that opens ``url``, and ``shown`` as text.

    ``shown`` is the address to type, ``url`` when None.
    """
    svg = segno.make(url, error="m").svg_inline(
        border=4, omitsize=True, dark="#000000", light="#ffffff", lineclass=None
    )
    label = html.escape(f"QR: {shown or url}", quote=True)
    return (
        f"<div role='img' aria-label='{label}'>{svg}</div>"
        f"<div><h2>{html.escape(t('wall.join', lang))}</h2>"
        f"<div>{html.escape(t('wall.join_hint', lang))}</div>"
        f"<div class='omg-wall-url'>{html.escape(shown or url)}</div></div>"
    )


def banner_html(name: str, functions: list[str], colours: dict[str, str], lang: str) -> str:
    """Return the scenario's name, large, and a legend of the functions it places."""
    legend = "".join(
        f"<span class='omg-wall-fn'><span class='omg-wall-swatch' style='background:"
        f"{_colour(colours.get(fn))}'></span>{html.escape(fn)}</span>"
        for fn in functions
    )
    return (
        f"<div class='omg-wall-scenario'>{html.escape(t('wall.scenario', lang, name=name))}</div>"
        f"<div>{legend}</div>"
    )

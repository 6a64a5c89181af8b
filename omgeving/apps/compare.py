"""The compare app (*vergelijken*): two scenarios side by side, for residents and councillors.

Two maps, one per scenario, share one view: they are linked in the browser (``jslink`` of
centre and zoom), so panning one pans the other without a round trip to the kernel. Below: a
table of every indicator with the difference, a bar chart of one indicator over all scenarios,
and "what does this mean for my buurt", the figures of one buurt per scenario.

The kernel stays light: the indicators were computed when the web layers were baked
(``web/indicators.json``, see :func:`omgeving.web.bake_indicators`), so it reads JSON and
imports no geopandas. Every text from the configuration or the manifest is escaped.
"""

from __future__ import annotations

import html
import json
import math
import os
from pathlib import Path
from typing import Any

import ipywidgets as w
from ipyleaflet import GeoJSON

from omgeving import settings
from omgeving.apps._mapview import ProjectMap, scenario_features
from omgeving.apps._safe import friendly
from omgeving.apps.resident import _log_to_server
from omgeving.i18n import t
from omgeving.project import open_project
from omgeving.web import read_manifest

__all__ = [
    "CompareApp",
    "bar_chart_svg",
    "compare",
    "format_number",
    "read_indicators",
]

_CSS = """<style>
.omg-compare { font-size: 16px; max-width: 1400px; --jp-widgets-font-size: 16px;
  --jp-widgets-inline-height: 36px; }
.omg-compare h2 { line-height: 1.25; }
.omg-compare .widget-dropdown { width: 100%; max-width: 460px; }
.omg-compare .widget-toggle-button { min-height: 44px; font-size: 16px; }
.omg-compare table { border-collapse: collapse; width: 100%; max-width: 1100px; }
.omg-compare th, .omg-compare td { border-bottom: 1px solid #ccc; padding: 6px 8px;
  text-align: right; vertical-align: top; line-height: 1.4; }
.omg-compare td { white-space: nowrap; }
.omg-compare th:first-child, .omg-compare td:first-child { text-align: left; }
.omg-compare .omg-explain { color: #444; font-size: 0.85em; font-weight: normal;
  line-height: 1.4; }
.omg-compare .omg-more { color: #8a1c00; } .omg-compare .omg-less { color: #0b4f9c; }
.omg-compare .omg-map-title { font-weight: bold; margin: 4px 0; }
</style>"""
#: The bar colours of the left and right scenario in the chart (and of the others).
LEFT, RIGHT, OTHER = "#1f5fa8", "#c2410c", "#9a9a9a"


def compare(project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"):
    """Return the compare app widget (``OMGEVING_PROJECT`` when no folder is given)."""
    _log_to_server()
    return CompareApp(project_dir, lang=lang).widget


def read_indicators(web_dir: Path) -> dict[str, Any]:
    """Read ``web/indicators.json``; an empty table when the project has none yet."""
    path = web_dir / "indicators.json"
    if not path.exists():
        return {"scenarios": [], "indicators": [], "buurten": {}}
    return json.loads(path.read_text(encoding="utf-8"))


def format_number(value: float | None, lang: str, *, signed: bool = False) -> str:
    """Format a figure the Dutch or English way, with sensible precision.

    Examples
    --------
    >>> format_number(1234567.8, "nl")
    '1.234.568'
    >>> format_number(12.5, "nl")
    '12,5'
    >>> format_number(-0.25, "en", signed=True)
    '−0.25'
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    size = abs(value)
    digits = 0 if size >= 100 or float(value).is_integer() else 1 if size >= 10 else 2
    text = f"{size:,.{digits}f}"
    if lang == "nl":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
    sign = "−" if value < 0 else ("+" if signed and value > 0 else "")
    return sign + text


def bar_chart_svg(title: str, unit: str, bars: list[tuple[str, float, str]], lang: str) -> str:
    """Return an accessible horizontal bar chart (inline SVG) of ``(label, value, colour)``."""
    width, label_w, row_h = 640, 220, 34
    height = row_h * len(bars) + 16
    top = max([abs(v) for _, v, _ in bars if not math.isnan(v)] + [1e-9])
    rows = []
    for i, (label, value, colour) in enumerate(bars):
        y = 8 + i * row_h
        length = 0 if math.isnan(value) else (width - label_w - 110) * abs(value) / top
        rows.append(
            f"<text x='0' y='{y + 21}' font-size='15'>{html.escape(label)}</text>"
            f"<rect x='{label_w}' y='{y + 6}' width='{length:.1f}' height='{row_h - 12}' "
            f"fill='{colour}'></rect>"
            f"<text x='{label_w + length + 6:.1f}' y='{y + 21}' font-size='15'>"
            f"{html.escape(format_number(value, lang))} {html.escape(unit)}</text>"
        )
    return (
        f"<svg class='omg-chart' role='img' aria-label='{html.escape(title, quote=True)}' "
        f"viewBox='0 0 {width} {height}' width='100%' style='max-width:{width}px'>"
        f"<title>{html.escape(title)}</title>{''.join(rows)}</svg>"
    )


def _number(value: float | None) -> float:
    return math.nan if value is None else float(value)


class CompareApp:
    """Two scenarios side by side: maps with one view, indicators, a chart, one buurt."""

    def __init__(self, project_dir: str | os.PathLike[str] | None = None, *,
                 lang: str = "nl") -> None:
        self.project = open_project(settings.project_dir(project_dir))
        self.manifest = read_manifest(self.project.web_dir)
        self.table = read_indicators(self.project.web_dir)
        self.lang = lang
        self.names = {s["slug"]: s["name"] for s in self.manifest["scenarios"]}
        slugs = [s for s in self.table["scenarios"] if s in self.names] or list(self.names)
        self.slugs = slugs
        self.maps = [ProjectMap(self.project.web_dir, self.manifest, height="48vh")
                     for _ in range(2)]
        self.layers = [GeoJSON(data={"type": "FeatureCollection", "features": []},
                               name="scenario", point_style={"radius": 7, "weight": 2})
                       for _ in range(2)]
        for pmap, layer in zip(self.maps, self.layers, strict=True):
            pmap.map.add(layer)
        left, right = self.maps[0].map, self.maps[1].map
        self.links = [w.jslink((left, "center"), (right, "center")),
                      w.jslink((left, "zoom"), (right, "zoom"))]
        self.choice = [w.Dropdown(), w.Dropdown()]
        self.indicator = w.Dropdown()
        self.buurt = w.Dropdown()
        self.status = w.HTML()
        self.titles = [w.HTML(), w.HTML()]
        self.indicator_table = w.HTML().add_class("omg-compare-table")
        self.chart = w.HTML().add_class("omg-compare-chart")
        self.buurt_table = w.HTML().add_class("omg-compare-buurt")
        self.widget = w.VBox().add_class("omg-compare")
        self.compose()

    def _t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def _say(self, key: str, **values: object) -> str:
        return html.escape(t(key, self.lang, **values))

    # -- composition -----------------------------------------------------------------------

    def compose(self) -> None:
        """(Re)build the widgets in the current language, keeping the choices."""
        guard = friendly(self._show_error)
        old = [c.value for c in self.choice]
        defaults = [self.slugs[0] if self.slugs else None,
                    self.slugs[1] if len(self.slugs) > 1 else None]
        options = [(self.names[s], s) for s in self.slugs]
        for i, side in enumerate(("left", "right")):
            value = old[i] if old[i] in self.slugs else defaults[i]
            self.choice[i] = w.Dropdown(
                options=options, value=value, description=self._t(f"compare.{side}"),
                style={"description_width": "initial"},
            ).add_class(f"omg-compare-{side}")
            self.choice[i].observe(guard(self._on_choice), names="value")
        indicators = self.table["indicators"]
        keep = self.indicator.value
        self.indicator = w.Dropdown(
            options=[(self._name(spec), spec["key"]) for spec in indicators],
            value=keep if any(s["key"] == keep for s in indicators) else
            (indicators[0]["key"] if indicators else None),
            description=self._t("compare.indicator"), style={"description_width": "initial"},
        ).add_class("omg-compare-indicator")
        self.indicator.observe(guard(lambda _c: self._render_chart()), names="value")
        buurten = sorted((name, code) for code, name in self.table.get("buurten", {}).items())
        keep = self.buurt.value
        self.buurt = w.Dropdown(
            options=[(self._t("compare.buurt.pick"), ""), *buurten],
            value=keep if keep in dict(buurten).values() else "",
            description=self._t("compare.buurt"), style={"description_width": "initial"},
        ).add_class("omg-compare-buurt-choice")
        self.buurt.observe(guard(lambda _c: self._render_buurt()), names="value")
        self.language = w.ToggleButtons(options=[("Nederlands", "nl"), ("English", "en")],
                                        value=self.lang).add_class("omg-language")
        self.language.observe(guard(self._on_language), names="value")
        title = self.project.config.title
        head = [w.HTML(_CSS), w.HTML(f"<h2>{self._say('compare.title', title=title)}</h2>"
                                     f"<p>{self._say('compare.intro')}</p>")]
        if self.project.config.fictional:
            head.append(w.HTML(f"<p>{self._say('app.fictional')}</p>"))
        columns = [w.VBox([self.choice[i], self.maps[i].map, self.titles[i]],
                          layout=w.Layout(flex="1 1 420px", margin="0 8px 8px 0"))
                   for i in range(2)]
        self.widget.children = [
            *head, self.language, self.status,
            w.Box(columns, layout=w.Layout(flex_flow="row wrap", width="100%")),
            w.HTML(f"<h3>{self._say('compare.table')}</h3>"), self.indicator_table,
            w.HTML(f"<h3>{self._say('compare.chart')}</h3>"), self.indicator, self.chart,
            w.HTML(f"<h3>{self._say('compare.buurt.title')}</h3>"), self.buurt,
            self.buurt_table,
            w.HTML(f"<p class='omg-explain'>{self._say('compare.source')}</p>"),
        ]
        self.render()

    def _name(self, spec: dict[str, Any]) -> str:
        return spec["name"].get(self.lang) or spec["name"].get("nl", spec["key"])

    def _unit(self, spec: dict[str, Any]) -> str:
        return spec["unit"].get(self.lang) or spec["unit"].get("nl", "")

    # -- callbacks ---------------------------------------------------------------------------

    def _show_error(self, key: str) -> None:
        self.status.value = f"<p role='alert'>{self._say(key)}</p>"

    def _on_choice(self, _change: dict[str, Any]) -> None:
        self.render()

    def _on_language(self, change: dict[str, Any]) -> None:
        if change["new"] in ("nl", "en"):
            self.lang = change["new"]
            self.compose()

    # -- rendering -------------------------------------------------------------------------

    @property
    def pair(self) -> tuple[str | None, str | None]:
        """The slugs of the two chosen scenarios, left and right (None: none chosen)."""
        return self.choice[0].value, self.choice[1].value

    def render(self) -> None:
        """Show the chosen scenarios on the maps and every figure for them."""
        for i, slug in enumerate(self.pair):
            self.layers[i].data = scenario_features(
                self.project.web_dir, self.manifest, slug or "", opacity=0.55
            )
            spec = next((s for s in self.manifest["scenarios"] if s["slug"] == slug), None)
            self.titles[i].value = (
                f"<p class='omg-map-title'>{html.escape(spec['name'])}</p>"
                f"<p class='omg-explain'>{html.escape(spec.get('description', ''))}</p>"
                if spec else ""
            )
        self.status.value = ""
        self.indicator_table.value = self.table_html()
        self._render_chart()
        self._render_buurt()

    def table_html(self) -> str:
        """Return the indicator table: a row per indicator, both scenarios, the difference."""
        a, b = self.pair
        if not self.table["indicators"] or a is None or b is None:
            return f"<p>{self._say('compare.none')}</p>"
        head = (f"<tr><th scope='col'>{self._say('compare.col.indicator')}</th>"
                f"<th scope='col'>{html.escape(self.names[a])}</th>"
                f"<th scope='col'>{html.escape(self.names[b])}</th>"
                f"<th scope='col'>{self._say('compare.col.difference')}</th></tr>")
        rows = []
        for spec in self.table["indicators"]:
            va, vb = spec["values"].get(a), spec["values"].get(b)
            rows.append(self._row(spec, va, vb))
        return f"<table class='omg-compare-indicators'>{head}{''.join(rows)}</table>"

    def _row(self, spec: dict[str, Any], va: float | None, vb: float | None, *,
             explain: bool = True) -> str:
        unit = html.escape(self._unit(spec))
        diff = None if va is None or vb is None else vb - va
        kind = "" if not diff else " class='omg-more'" if diff > 0 else " class='omg-less'"
        text = spec.get("explanation", {}).get(self.lang, "") if explain else ""
        note = f"<div class='omg-explain'>{html.escape(text)}</div>" if text else ""
        return (
            f"<tr data-key='{html.escape(spec['key'], quote=True)}'>"
            f"<th scope='row'>{html.escape(self._name(spec))}{note}</th>"
            f"<td>{html.escape(format_number(va, self.lang))} {unit}</td>"
            f"<td>{html.escape(format_number(vb, self.lang))} {unit}</td>"
            f"<td{kind}>{html.escape(format_number(diff, self.lang, signed=True))} {unit}</td>"
            "</tr>"
        )

    def _render_chart(self) -> None:
        spec = next((s for s in self.table["indicators"] if s["key"] == self.indicator.value),
                    None)
        if spec is None:
            self.chart.value = ""
            return
        a, b = self.pair
        bars = [(self.names[s], _number(spec["values"].get(s)),
                 LEFT if s == a else RIGHT if s == b else OTHER) for s in self.slugs]
        self.chart.value = bar_chart_svg(self._name(spec), self._unit(spec), bars, self.lang)

    def _render_buurt(self) -> None:
        code = self.buurt.value
        a, b = self.pair
        if not code or a is None or b is None:
            self.buurt_table.value = f"<p>{self._say('compare.buurt.hint')}</p>"
            return
        rows = [self._row(spec, spec["per_buurt"].get(a, {}).get(code, 0),
                          spec["per_buurt"].get(b, {}).get(code, 0), explain=False)
                for spec in self.table["indicators"] if spec.get("per_buurt")]
        name = self.table["buurten"].get(code, code)
        head = (f"<tr><th scope='col'>{self._say('compare.buurt.in', buurt=name)}</th>"
                f"<th scope='col'>{html.escape(self.names[a])}</th>"
                f"<th scope='col'>{html.escape(self.names[b])}</th>"
                f"<th scope='col'>{self._say('compare.col.difference')}</th></tr>")
        self.buurt_table.value = f"<table>{head}{''.join(rows)}</table>"

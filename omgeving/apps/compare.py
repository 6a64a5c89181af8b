"""The compare app (*vergelijken*): two scenarios, what differs, for residents, phone first.

A resident picks two scenarios and reads one card per indicator: a plain headline ("Spreiden:
30 ha minder landbouwgrond nodig dan Compact"), the two values and how it is calculated
(folded). Below: all scenarios in one chart, and the figures of one buurt.

On a laptop or a projector the two maps stand side by side and move together (``jslink`` of
centre and zoom, in the browser). On a phone (narrower than
:data:`~omgeving.apps._compare_html.BREAKPOINT`) the page shows one map and a switch between
the two scenarios. The CSS decides which (media queries); the switch is a pair of radio
buttons whose checked state the CSS reads with ``:has()``, so it answers at once, without a
round trip to the kernel: the first map carries the second scenario too, hidden until asked.

The kernel stays light: the indicators were computed when the web layers were baked
(``web/indicators.json``, see :func:`omgeving.web.bake_indicators`), so it reads JSON and
imports no geopandas. Every text from the configuration or the manifest is escaped.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ipywidgets as w
from ipyleaflet import GeoJSON

from omgeving import settings
from omgeving.apps._compare_html import (
    CSS,
    bar_chart_svg,
    buurt_html,
    card_html,
    legend_html,
    method_html,
    title_html,
)
from omgeving.apps._compare_text import format_number, unit_of
from omgeving.apps._mapview import ProjectMap, scenario_features
from omgeving.apps._safe import friendly
from omgeving.apps.resident import _log_to_server
from omgeving.i18n import t
from omgeving.project import open_project
from omgeving.web import read_manifest

__all__ = [
    "Card",
    "CompareApp",
    "bar_chart_svg",
    "compare",
    "format_number",
    "read_indicators",
]

#: The colours of the first and the second scenario (the municipality's), and of the others.
LEFT = "var(--omg-primary, #154273)"
RIGHT = "var(--omg-accent, #e17000)"
OTHER = "#8a8a8a"


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


@dataclass(frozen=True)
class Card:
    """The widgets of one indicator's card: the figures, the fold and how it is calculated."""

    box: w.VBox
    body: w.HTML
    how: w.Checkbox
    method: w.HTML


def _css_name(key: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", key.lower())


def _html(value: str, *classes: str) -> w.HTML:
    widget = w.HTML(value)
    for name in classes:
        widget.add_class(name)
    return widget


class CompareApp:
    """Two scenarios compared: maps with one view, a card per indicator, a chart, one buurt."""

    def __init__(
        self, project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"
    ) -> None:
        self.project = open_project(settings.project_dir(project_dir))
        self.manifest = read_manifest(self.project.web_dir)
        self.table = read_indicators(self.project.web_dir)
        self.lang = lang
        self.specs = {s["slug"]: s for s in self.manifest["scenarios"]}
        self.names = {slug: spec["name"] for slug, spec in self.specs.items()}
        self.slugs = [s for s in self.table["scenarios"] if s in self.names] or list(self.names)
        self.maps = [
            ProjectMap(self.project.web_dir, _without_buildings(self.manifest), height="50vh")
            for _ in range(2)
        ]
        self.maps[1].fitted = True  # it follows the first map's view (and may be hidden)
        self.layers = [self._scenario_layer(f"omg-scen-{side}") for side in "ab"]
        #: the second scenario on the first map, for the phone's switch
        self.overlay = self._scenario_layer("omg-scen-b-on-a")
        self.maps[0].map.add(self.layers[0])
        self.maps[0].map.add(self.overlay)
        self.maps[1].map.add(self.layers[1])
        left, right = self.maps[0].map, self.maps[1].map
        self.links = [
            w.jslink((left, "center"), (right, "center")),
            w.jslink((left, "zoom"), (right, "zoom")),
        ]
        self.choice = [w.Dropdown(), w.Dropdown()]
        self.show = w.RadioButtons()
        self.indicator = w.Dropdown()
        self.buurt = w.Dropdown()
        self.status = _html("", "omg-compare-status")
        self.titles = [
            _html("", "omg-title-a-on-a"),
            _html("", "omg-title-b-on-a"),
            _html("", "omg-title-b"),
        ]
        self.legend = _html("", "omg-compare-legend")
        self.summary = _html("", "omg-compare-summary")
        self.cards: dict[str, Card] = {}
        self.chart = _html("", "omg-compare-chart")
        self.buurt_table = _html("", "omg-compare-buurt")
        self.widget = w.VBox().add_class("omg-compare")
        self._busy = False
        self.compose()

    def _scenario_layer(self, css_class: str) -> GeoJSON:
        return GeoJSON(
            data={"type": "FeatureCollection", "features": []},
            name="scenario",
            style={"className": css_class},
            point_style={"radius": 8, "weight": 3},
        )

    def _t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def _say(self, key: str, **values: object) -> str:
        return html.escape(t(key, self.lang, **values))

    # -- composition -----------------------------------------------------------------------

    def compose(self) -> None:
        """(Re)build the widgets in the current language, keeping the choices."""
        guard = friendly(self._show_error)
        self._compose_choices(guard)
        self._compose_more(guard)
        self.language = w.ToggleButtons(
            options=[("Nederlands", "nl"), ("English", "en")], value=self.lang
        ).add_class("omg-language")
        self.language.observe(guard(self._on_language), names="value")
        self.swap = w.Button(description=self._t("compare.swap"), icon="exchange")
        self.swap.add_class("omg-swap")
        self.swap.on_click(guard(self._on_swap))
        self._compose_cards()
        columns = [
            w.VBox([self.maps[0].map, *self.titles[:2]])
            .add_class("omg-col")
            .add_class("omg-col-a"),
            w.VBox([self.maps[1].map, self.titles[2]]).add_class("omg-col").add_class("omg-col-b"),
        ]
        self.widget.children = [
            w.HTML(CSS),
            w.HBox([_html(self._head()), self.language]).add_class("omg-compare-top"),
            self.status,
            w.Box([self.choice[0], self.swap, self.choice[1]]).add_class("omg-compare-choose"),
            self.show,
            w.Box(columns).add_class("omg-compare-maps"),
            self.legend,
            self.summary,
            w.Box([c.box for c in self.cards.values()]).add_class("omg-cards"),
            w.Box(
                [
                    w.VBox(
                        [
                            _html(f"<h2>{self._say('compare.chart')}</h2>"),
                            self.indicator,
                            self.chart,
                        ]
                    ),
                    w.VBox(
                        [
                            _html(f"<h2>{self._say('compare.buurt.title')}</h2>"),
                            self.buurt,
                            self.buurt_table,
                        ]
                    ),
                ]
            ).add_class("omg-compare-more"),
            _html(f"<p class='omg-note'>{self._say('compare.source')}</p>"),
        ]
        self.render()

    def _head(self) -> str:
        head = (
            f"<p class='omg-project'>{html.escape(self.project.config.title)}</p>"
            f"<h1>{self._say('compare.heading')}</h1>"
            f"<p class='omg-intro'>{self._say('compare.intro')}</p>"
        )
        if self.project.config.fictional:
            head += f"<p class='omg-fictief'>{self._say('app.fictional')}</p>"
        return head

    def _compose_choices(self, guard: Any) -> None:
        old = [c.value for c in self.choice]
        defaults = [
            self.slugs[0] if self.slugs else None,
            self.slugs[1] if len(self.slugs) > 1 else None,
        ]
        options = [(self.names[s], s) for s in self.slugs]
        for i, side in enumerate(("left", "right")):
            value = old[i] if old[i] in self.slugs else defaults[i]
            self.choice[i] = w.Dropdown(
                options=options,
                value=value,
                description=self._t(f"compare.{side}"),
                style={"description_width": "initial"},
            ).add_class(f"omg-compare-{side}")
            self.choice[i].observe(guard(self._on_choice), names="value")
        shown = self.show.value if self.show.value in (0, 1) else 0
        self.show = w.RadioButtons(
            options=self._show_options(), value=shown, description=self._t("compare.show")
        )
        self.show.add_class("omg-compare-show")

    def _show_options(self) -> list[tuple[str, int]]:
        a, b = self.pair
        return [(self.names.get(a or "", "–"), 0), (self.names.get(b or "", "–"), 1)]

    def _compose_more(self, guard: Any) -> None:
        indicators = self.table["indicators"]
        keep = self.indicator.value
        self.indicator = w.Dropdown(
            options=[(self._name(spec), spec["key"]) for spec in indicators],
            value=keep
            if any(s["key"] == keep for s in indicators)
            else (indicators[0]["key"] if indicators else None),
            description=self._t("compare.indicator"),
            style={"description_width": "initial"},
        ).add_class("omg-compare-indicator")
        self.indicator.observe(guard(lambda _c: self._render_chart()), names="value")
        buurten = sorted((name, code) for code, name in self.table.get("buurten", {}).items())
        keep = self.buurt.value
        self.buurt = w.Dropdown(
            options=[(self._t("compare.buurt.pick"), ""), *buurten],
            value=keep if keep in dict(buurten).values() else "",
            description=self._t("compare.buurt"),
            style={"description_width": "initial"},
        ).add_class("omg-compare-buurt-choice")
        self.buurt.observe(guard(lambda _c: self._render_buurt()), names="value")

    def _compose_cards(self) -> None:
        self.cards = {}
        for spec in self.table["indicators"]:
            body = _html("", "omg-card-body")
            how = w.Checkbox(value=False, description=self._t("compare.how"), indent=False)
            how.add_class("omg-how")
            method = _html(method_html(spec, self.lang), "omg-method")
            box = w.VBox([body, how, method]).add_class("omg-card")
            box.add_class(f"omg-card-{_css_name(spec['key'])}")
            self.cards[spec["key"]] = Card(box, body, how, method)

    def _name(self, spec: dict[str, Any]) -> str:
        return spec["name"].get(self.lang) or spec["name"].get("nl", spec["key"])

    # -- callbacks ---------------------------------------------------------------------------

    def _show_error(self, key: str) -> None:
        self.status.value = f"<p role='alert'>{self._say(key)}</p>"

    def _on_choice(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        other = self.choice[1] if change["owner"] is self.choice[0] else self.choice[0]
        if other.value == change["new"] and change["old"] in self.slugs:
            self._busy = True  # the same scenario twice: the two swap places
            try:
                other.value = change["old"]
            finally:
                self._busy = False
        self.render()

    def _on_swap(self, _button: w.Button) -> None:
        a, b = self.pair
        self._busy = True
        try:
            self.choice[0].value, self.choice[1].value = b, a
        finally:
            self._busy = False
        self.render()

    def _on_language(self, change: dict[str, Any]) -> None:
        if change["new"] in ("nl", "en"):
            self.lang = change["new"]
            self.compose()

    # -- rendering -------------------------------------------------------------------------

    @property
    def pair(self) -> tuple[str | None, str | None]:
        """The slugs of the two chosen scenarios, first and second (None: none chosen)."""
        return self.choice[0].value, self.choice[1].value

    @property
    def shown(self) -> str | None:
        """The slug of the scenario the phone's single map shows."""
        return self.pair[1] if self.show.value == 1 else self.pair[0]

    def render(self) -> None:
        """Show the chosen scenarios on the maps and every figure for them."""
        a, b = self.pair
        data = [
            _bold(scenario_features(self.project.web_dir, self.manifest, slug or ""))
            for slug in (a, b)
        ]
        self.layers[0].data, self.layers[1].data, self.overlay.data = data[0], data[1], data[1]
        self.titles[0].value = title_html(self.specs.get(a or ""), "a")
        self.titles[1].value = self.titles[2].value = title_html(self.specs.get(b or ""), "b")
        shown = self.show.value
        self.show.options = self._show_options()
        self.show.value = shown if shown in (0, 1) else 0
        functions = dict.fromkeys(
            f["properties"].get("functie", "") for d in data for f in d["features"]
        )
        self.legend.value = legend_html(
            functions, self.manifest.get("function_colors", {}), self.lang
        )
        self.status.value = ""
        self._render_cards()
        self._render_chart()
        self._render_buurt()

    def _render_cards(self) -> None:
        a, b = self.pair
        if not self.table["indicators"] or a is None or b is None:
            self.summary.value = (
                f"<h2>{self._say('compare.cards')}</h2><p>{self._say('compare.none')}</p>"
            )
            return
        names = (self.names[a], self.names[b])
        self.summary.value = (
            f"<h2>{self._say('compare.cards')}</h2><p class='omg-pair'>"
            f"{self._say('compare.pair', a=names[0], b=names[1])}</p>"
        )
        for spec in self.table["indicators"]:
            values = (spec["values"].get(a), spec["values"].get(b))
            self.cards[spec["key"]].body.value = card_html(spec, names, values, self.lang)

    def _render_chart(self) -> None:
        spec = next((s for s in self.table["indicators"] if s["key"] == self.indicator.value), None)
        if spec is None:
            self.chart.value = ""
            return
        a, b = self.pair
        bars = [
            (
                self.names[s],
                _number(spec["values"].get(s)),
                LEFT if s == a else RIGHT if s == b else OTHER,
            )
            for s in self.slugs
        ]
        self.chart.value = bar_chart_svg(
            self._name(spec), unit_of(spec, self.lang), bars, self.lang
        )

    def _render_buurt(self) -> None:
        code = self.buurt.value
        a, b = self.pair
        if not code or a is None or b is None:
            self.buurt_table.value = f"<p>{self._say('compare.buurt.hint')}</p>"
            return
        self.buurt_table.value = buurt_html(
            self.table, code, (a, b), (self.names[a], self.names[b]), self.lang
        )


def _without_buildings(manifest: dict[str, Any]) -> dict[str, Any]:
    """Return the manifest for the compare maps: no building layer under the plans.

    The buildings hide the plans at the scale of the whole gemeente, and they would be sent
    to the page twice (once per map); the compare page is about what the plans change.
    """
    layers = [spec for spec in manifest["layers"] if spec["name"] != "gebouwen"]
    return {**manifest, "layers": layers, "buildings": None}


def _bold(data: dict[str, Any]) -> dict[str, Any]:
    """Draw a scenario's interventions strongly, over the context layers."""
    for feature in data["features"]:
        feature["properties"]["style"].update(weight=3, fillOpacity=0.7)
    return data


def _number(value: float | None) -> float:
    return float("nan") if value is None else float(value)

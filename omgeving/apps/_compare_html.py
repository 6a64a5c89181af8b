"""The compare app's markup: the page's CSS, a card per indicator, the chart, one buurt.

Each function returns HTML in which every text that comes from a project (scenario and buurt
names, indicator names, units and explanations) is escaped. Narrow or wide is decided in CSS
(media queries and ``:has()``), so switching the map on a phone needs no kernel round trip.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from typing import Any

from omgeving.apps._compare_text import (
    amount,
    difference,
    format_number,
    headline,
    people_round,
    unit_of,
)
from omgeving.i18n import t
from omgeving.palette import function_colour

__all__ = [
    "BREAKPOINT",
    "CSS",
    "bar_chart_svg",
    "buurt_html",
    "card_html",
    "legend_html",
    "method_html",
    "title_html",
]

#: Below this width (CSS px) the page shows one map with a switch; from it, two side by side.
BREAKPOINT = 760
_PRIMARY = "var(--omg-primary, #154273)"
_ACCENT = "var(--omg-accent, #e17000)"
_FONT = 'var(--omg-font, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif)'
_NARROW = f"@media (max-width: {BREAKPOINT - 0.02}px)"
_WIDE = f"@media (min-width: {BREAKPOINT}px)"
_SHOW_B = ".omg-compare:has(.omg-compare-show input[value='1']:checked)"
_RADIO = ".omg-compare .omg-compare-show .widget-radio-box"

CSS = f"""<style>
.omg-compare {{ font-family: {_FONT}; font-size: 17px; line-height: 1.45; color: #1d1d1b;
  max-width: 1760px; margin: 0 auto; padding: 0 4px 24px; box-sizing: border-box;
  --jp-widgets-font-size: 17px; --jp-widgets-inline-height: 44px;
  --jp-ui-font-family: {_FONT}; --jp-content-font-family: {_FONT};
  --jp-widgets-inline-label-width: auto; }}
.omg-compare *, .omg-compare *::before {{ box-sizing: border-box; }}
.omg-compare, .omg-compare .widget-box, .omg-compare .widget-html,
.omg-compare .widget-html-content {{ min-width: 0; max-width: 100%; }}
.omg-compare .widget-html-content {{ font-family: {_FONT}; font-size: inherit;
  line-height: 1.45; white-space: normal; }}
.omg-compare h1, .omg-compare h2, .omg-compare h3 {{ font-family: {_FONT}; color: #1d1d1b; }}
.omg-compare h1 {{ font-size: 26px; line-height: 1.2; margin: 4px 0 6px; }}
.omg-compare h2 {{ font-size: 22px; line-height: 1.25; margin: 20px 0 4px; }}
.omg-compare p {{ margin: 0 0 8px; }}
.omg-compare :focus-visible, .omg-compare .leaflet-container:focus {{
  outline: 3px solid {_ACCENT} !important; outline-offset: 2px; }}
.omg-compare .omg-project {{ font-weight: 600; color: #4a4a4a; margin: 0; font-size: 15px; }}
.omg-compare .omg-fictief {{ display: inline-block; background: #fff3cd; color: #3d2e00;
  padding: 2px 8px; border-radius: 4px; font-size: 15px; }}
.omg-compare-top {{ flex-wrap: wrap; align-items: flex-start; gap: 4px 16px;
  justify-content: space-between; }}
.omg-compare-top > .widget-html {{ flex: 1 1 280px; }}
.omg-compare .omg-language {{ flex: 0 0 auto; width: auto; margin: 8px 0 0; }}
.omg-compare .widget-toggle-button, .omg-compare .widget-button {{ min-height: 48px;
  min-width: 48px; font-size: 17px; font-family: {_FONT}; border-radius: 10px; margin: 0 6px 6px 0;
  padding: 0 14px; width: auto; height: auto; line-height: 1.2; color: #1d1d1b;
  background: #fff; border: 2px solid #6b6b6b; }}
.omg-compare .widget-toggle-button.mod-active {{ background: {_PRIMARY}; color: #fff;
  border-color: {_PRIMARY}; }}
.omg-compare .widget-dropdown {{ width: 100%; height: auto; margin: 0; align-items: center; }}
.omg-compare .widget-dropdown > .widget-label {{ flex: 0 0 auto; min-width: 4.8em; width: auto;
  text-align: left; font-weight: 600; margin: 0 8px 0 0; overflow: visible; }}
.omg-compare select {{ flex: 1 1 auto; min-width: 0; width: 100%; min-height: 48px;
  font-size: 17px !important; font-family: {_FONT} !important; border-radius: 8px;
  border: 2px solid #6b6b6b; padding: 0 10px; background-color: #fff; color: #1d1d1b; }}
.omg-compare-choose {{ display: flex; flex-flow: row wrap; gap: 8px 12px; align-items: center;
  margin: 8px 0; }}
.omg-compare-choose > .widget-dropdown {{ flex: 1 1 260px; }}
.omg-compare-choose .omg-compare-left > .widget-label {{ border-left: 8px solid {_PRIMARY};
  padding-left: 6px; }}
.omg-compare-choose .omg-compare-right > .widget-label {{ border-left: 8px solid {_ACCENT};
  padding-left: 6px; }}
.omg-compare .omg-swap {{ flex: 0 0 auto; margin: 0; }}
.omg-compare .omg-compare-show {{ width: 100%; margin: 0 0 10px; display: block; height: auto; }}
.omg-compare .omg-compare-show > .widget-label {{ display: block; width: auto; height: auto;
  min-height: 0; font-weight: 600; margin: 0 0 4px; line-height: 1.3; font-size: 15px;
  color: #3b3b3b; }}
{_RADIO} {{ display: flex; flex-direction: row; gap: 0; width: 100%;
  margin: 0 !important; padding: 0 !important; height: auto; }}
{_RADIO} label {{ position: relative; flex: 1 1 0; min-width: 0; min-height: 48px;
  height: auto; display: flex; align-items: center; justify-content: center; gap: 8px;
  text-align: center; padding: 6px 10px; line-height: 1.25; white-space: normal;
  font-size: 17px; font-weight: 600; border: 2px solid {_PRIMARY}; background: #fff;
  color: {_PRIMARY}; cursor: pointer; margin: 0; }}
{_RADIO} label:first-child {{ border-radius: 10px 0 0 10px; }}
{_RADIO} label:last-child {{ border-radius: 0 10px 10px 0; border-left: 0; }}
{_RADIO} label:has(input:checked) {{ background: {_PRIMARY}; color: #fff; }}
{_RADIO} label:has(input:focus-visible) {{ outline: 3px solid {_ACCENT}; outline-offset: 2px;
  z-index: 1; }}
{_RADIO} input {{ position: absolute; inset: 0; width: 100%; height: 100%; margin: 0;
  opacity: 0; cursor: pointer; }}
.omg-compare-maps {{ display: flex !important; flex-flow: row nowrap; gap: 16px; width: 100%; }}
.omg-compare-maps > .omg-col {{ flex: 1 1 0; min-width: 0; }}
.omg-compare .omg-col > .leaflet-widgets {{ width: 100%; border-radius: 10px;
  overflow: hidden; border: 3px solid {_PRIMARY}; }}
.omg-compare .omg-col-b > .leaflet-widgets {{ border-color: {_ACCENT}; }}
.omg-compare .leaflet-control-zoom a {{ width: 44px !important; height: 44px !important;
  line-height: 44px !important; font-size: 22px !important; }}
.omg-compare .leaflet-control-attribution {{ font-size: 12px; }}
.omg-compare .omg-map-title {{ font-weight: 700; margin: 8px 0 2px; font-size: 18px; }}
.omg-compare .omg-map-desc {{ color: #3b3b3b; font-size: 16px; }}
.omg-compare .omg-dot {{ display: inline-block; width: 14px; height: 14px; border-radius: 50%;
  margin-right: 8px; vertical-align: -1px; }}
.omg-compare .omg-dot-a {{ background: {_PRIMARY}; }}
.omg-compare .omg-dot-b {{ background: {_ACCENT}; }}
.omg-compare .omg-scen-b-on-a, .omg-compare .omg-title-b-on-a {{ display: none; }}
.omg-compare .omg-legend {{ display: flex; flex-wrap: wrap; gap: 4px 16px; list-style: none;
  padding: 0; margin: 4px 0 0; font-size: 16px; }}
.omg-compare .omg-legend-title {{ font-weight: 600; margin: 10px 0 0; font-size: 16px; }}
.omg-compare .omg-swatch {{ display: inline-block; width: 16px; height: 16px; margin-right: 6px;
  border: 1px solid #333; vertical-align: -2px; border-radius: 3px; }}
.omg-compare .omg-pair {{ color: #3b3b3b; }}
.omg-compare .omg-cards {{ display: grid !important;
  grid-template-columns: repeat(auto-fill, minmax(min(100%, 330px), 1fr)); gap: 14px;
  width: 100%; }}
.omg-compare .omg-card {{ border: 1px solid #c9ced6; border-top: 5px solid {_PRIMARY};
  border-radius: 12px; padding: 12px 16px 6px; background: #fff; min-width: 0; }}
.omg-compare .omg-card-name {{ font-size: 15px; font-weight: 600; color: #4a4a4a;
  margin: 0 0 2px; }}
.omg-compare .omg-headline {{ font-size: 19px; line-height: 1.3; margin: 0 0 10px;
  font-weight: 700; overflow-wrap: anywhere; }}
.omg-compare .omg-values {{ margin: 0; }}
.omg-compare .omg-values > div {{ display: flex; flex-wrap: wrap; align-items: baseline;
  justify-content: space-between; gap: 0 12px; margin: 0 0 6px; }}
.omg-compare .omg-values dt, .omg-compare .omg-values dd {{ float: none; width: auto;
  padding: 0; }}
.omg-compare .omg-values dt {{ flex: 1 1 8em; min-width: 0; overflow-wrap: break-word;
  font-size: 16px; font-weight: 400; }}
.omg-compare .omg-values dd {{ flex: 0 0 auto; margin: 0; font-weight: 700; text-align: right;
  white-space: nowrap; font-variant-numeric: tabular-nums; }}
.omg-compare .omg-bar {{ flex: 1 1 100%; height: 10px; border-radius: 5px; margin-top: 2px;
  background: #e6e8eb; overflow: hidden; }}
.omg-compare .omg-bar > span {{ display: block; height: 100%; border-radius: 5px; }}
.omg-compare .omg-row-a .omg-bar > span {{ background: {_PRIMARY}; }}
.omg-compare .omg-row-b .omg-bar > span {{ background: {_ACCENT}; }}
.omg-compare .omg-row-diff {{ border-top: 1px solid #d8dbe0; padding-top: 6px; color: #3b3b3b; }}
.omg-compare .omg-how {{ width: auto; margin: 0; height: auto; }}
.omg-compare .omg-how > .widget-label {{ display: none; }}
.omg-compare .omg-how label {{ display: inline-flex; align-items: center; min-height: 44px;
  color: {_PRIMARY}; font-weight: 600; text-decoration: underline; cursor: pointer;
  font-size: 16px; }}
.omg-compare .omg-how input {{ appearance: none; -webkit-appearance: none; width: 0; height: 0;
  margin: 0 10px 0 2px; border-style: solid; border-width: 6px 0 6px 9px;
  border-color: transparent transparent transparent currentColor; transition: transform .15s; }}
.omg-compare .omg-how input:checked {{ transform: rotate(90deg); }}
.omg-compare .omg-how label:has(input:focus-visible) {{ outline: 3px solid {_ACCENT};
  outline-offset: 2px; }}
.omg-compare .omg-method {{ display: none; font-size: 16px; color: #2b2b2b; }}
.omg-compare .omg-card:has(.omg-how input:checked) .omg-method {{ display: block; }}
.omg-compare-more {{ display: flex !important; flex-flow: row wrap; gap: 0 32px; width: 100%; }}
.omg-compare-more > .widget-box {{ flex: 1 1 420px; min-width: 0; }}
.omg-compare .omg-chart text {{ font-family: {_FONT}; fill: #1d1d1b; }}
.omg-compare .omg-buurt-list {{ list-style: none; padding: 0; margin: 8px 0 0; }}
.omg-compare .omg-buurt-list li {{ border-bottom: 1px solid #d8dbe0; padding: 8px 0; }}
.omg-compare .omg-buurt-list p {{ margin: 0; }}
.omg-compare .omg-buurt-head {{ font-weight: 700; }}
.omg-compare .omg-buurt-values {{ color: #3b3b3b; font-size: 16px; }}
.omg-compare .omg-buurt-name {{ font-size: 19px; margin: 12px 0 0; }}
.omg-compare .omg-note {{ color: #4a4a4a; font-size: 15px; margin-top: 20px; }}
.omg-compare [role='alert'] {{ color: #b00020; font-weight: 600; }}
{_NARROW} {{
  .omg-compare h1 {{ font-size: 24px; margin: 0 0 4px; }}
  .omg-compare .omg-project {{ font-size: 14px; }}
  .omg-compare .omg-intro {{ font-size: 16px; line-height: 1.4; }}
  .omg-compare .omg-fictief {{ font-size: 14px; margin: 0; }}
  .omg-compare-top {{ flex-direction: column-reverse; gap: 0; }}
  .omg-compare-top > .widget-html {{ flex: 0 0 auto; width: 100%; }}
  .omg-compare .omg-language {{ align-self: flex-end; margin: 0 0 4px; }}
  .omg-compare .omg-language .widget-toggle-button {{ min-height: 44px; font-size: 15px;
    padding: 0 10px; margin: 0 0 0 6px; }}
  .omg-compare-choose {{ gap: 8px; }}
  .omg-compare-choose > .widget-dropdown {{ flex: 1 1 100%; }}
  .omg-compare-choose > .omg-compare-right {{ flex: 1 1 0; order: 2; }}
  .omg-compare-choose > .omg-swap {{ order: 3; font-size: 0; width: 48px; padding: 0; }}
  .omg-compare-choose > .omg-swap i {{ font-size: 20px; margin: 0; }}
  .omg-compare .omg-col > .leaflet-widgets {{ height: 46vh !important; min-height: 260px; }}
  .omg-compare .omg-col-b {{ display: none !important; }}
  {_SHOW_B} .omg-col-a .omg-scen-a, {_SHOW_B} .omg-title-a-on-a {{ display: none; }}
  {_SHOW_B} .omg-scen-b-on-a {{ display: inline; }}
  {_SHOW_B} .omg-title-b-on-a {{ display: block; }}
  {_SHOW_B} .omg-col-a > .leaflet-widgets {{ border-color: {_ACCENT}; }}
}}
{_WIDE} {{
  .omg-compare {{ padding: 0 12px 32px; }}
  .omg-compare .omg-compare-show {{ display: none !important; }}
  .omg-compare .omg-col > .leaflet-widgets {{ height: 56vh !important; }}
}}
@media (prefers-reduced-motion: reduce) {{ .omg-compare .omg-how input {{ transition: none; }} }}
</style>"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def title_html(spec: dict[str, Any] | None, side: str) -> str:
    """Return a scenario's name and description for under its map (``side``: a or b)."""
    if spec is None:
        return ""
    return (
        f"<p class='omg-map-title'><span class='omg-dot omg-dot-{side}' aria-hidden='true'>"
        f"</span>{_e(spec['name'])}</p>"
        f"<p class='omg-map-desc'>{_e(spec.get('description', ''))}</p>"
    )


def legend_html(functions: Iterable[str], colours: dict[str, str], lang: str) -> str:
    """Return what the colours on the maps mean, for the ``functions`` shown."""
    items = []
    for name in functions:
        key = f"compare.fn.{name}"
        try:
            label = t(key, lang)
        except KeyError:
            label = t("compare.fn.other", lang)
        colour = function_colour(name, colours)
        items.append(
            f"<li><span class='omg-swatch' style='background:{_e(colour)}' "
            f"aria-hidden='true'></span>{_e(label)}</li>"
        )
    if not items:
        return ""
    return (
        f"<p class='omg-legend-title'>{_e(t('compare.legend', lang))}</p>"
        f"<ul class='omg-legend'>{''.join(items)}</ul>"
    )


def _name(spec: dict[str, Any], lang: str) -> str:
    names = spec.get("name") or {}
    return names.get(lang) or names.get("nl") or spec.get("key", "")


def _bar(value: float | None, top: float) -> str:
    share = 0.0 if value is None or math.isnan(value) or not top else abs(value) / top
    return (
        f"<span class='omg-bar' aria-hidden='true'><span style='width:{100 * share:.1f}%'>"
        "</span></span>"
    )


def _figure(value: float | None, unit: str, lang: str, *, signed: bool = False) -> str:
    if value is None or math.isnan(value):
        return t("compare.nofigure", lang)
    return amount(value, unit, lang, signed=signed)


def _difference(va: float | None, vb: float | None, unit: str, lang: str) -> str:
    if va is None or vb is None:
        return t("compare.nofigure", lang)
    diff_unit = t("compare.unit.points", lang) if unit == "%" else unit
    return amount(difference(va, vb, unit), diff_unit, lang, signed=True)


def card_html(
    spec: dict[str, Any],
    names: tuple[str, str],
    values: tuple[float | None, float | None],
    lang: str,
) -> str:
    """Return one indicator's card: its name, the headline, both values and the difference."""
    (a, b), (va, vb) = names, values
    unit = unit_of(spec, lang)
    top = max([abs(v) for v in values if v is not None and not math.isnan(v)] + [0.0])
    rows = [
        f"<div class='omg-row-{side}'><dt>{_e(name)}</dt>"
        f"<dd class='omg-value omg-value-{side}'>{_e(_figure(value, unit, lang))}</dd>"
        f"{_bar(value, top) if top else ''}</div>"
        for side, name, value in (("a", a, va), ("b", b, vb))
    ]
    rows.append(
        f"<div class='omg-row-diff'><dt>{_e(t('compare.difference', lang))}</dt>"
        f"<dd class='omg-value omg-diff'>{_e(_difference(va, vb, unit, lang))}</dd></div>"
    )
    return (
        f"<p class='omg-card-name'>{_e(_name(spec, lang))}</p>"
        f"<h3 class='omg-headline'>{_e(headline(spec, names, values, lang))}</h3>"
        f"<dl class='omg-values'>{''.join(rows)}</dl>"
    )


def method_html(spec: dict[str, Any], lang: str) -> str:
    """Return how an indicator is calculated, in plain words (from its definition)."""
    text = (spec.get("explanation") or {}).get(lang, "")
    return f"<p>{_e(text)}</p>" if text else ""


def buurt_html(
    table: dict[str, Any],
    code: str,
    slugs: tuple[str, str],
    names: tuple[str, str],
    lang: str,
) -> str:
    """Return the figures of one buurt: a short list, a sentence and the two values each."""
    items = []
    for spec in table["indicators"]:
        if not spec.get("per_buurt"):
            continue
        va, vb = (float(spec["per_buurt"].get(s, {}).get(code) or 0) for s in slugs)
        unit = unit_of(spec, lang)
        if not people_round(va, unit) and not people_round(vb, unit):
            continue
        figures = " · ".join(
            f"{_e(name)}: <b>{_e(_figure(v, unit, lang))}</b>"
            for name, v in zip(names, (va, vb), strict=True)
        )
        figures += (
            f" · {_e(t('compare.difference', lang))}: <b>{_e(_difference(va, vb, unit, lang))}</b>"
        )
        items.append(
            f"<li data-key='{_e(spec['key'])}'><p class='omg-buurt-head'>"
            f"{_e(headline(spec, names, (va, vb), lang))}</p>"
            f"<p class='omg-buurt-values'>{figures}</p></li>"
        )
    buurt = table.get("buurten", {}).get(code, code)
    head = f"<h3 class='omg-buurt-name'>{_e(t('compare.buurt.in', lang, buurt=buurt))}</h3>"
    if not items:
        return head + f"<p>{_e(t('compare.buurt.same', lang, a=names[0], b=names[1]))}</p>"
    return head + f"<ul class='omg-buurt-list'>{''.join(items)}</ul>"


def bar_chart_svg(title: str, unit: str, bars: list[tuple[str, float, str]], lang: str) -> str:
    """Return an accessible bar chart (inline SVG) of ``(label, value, colour)``.

    Each bar has its label above it, so the chart stays readable on a phone's width.

    Examples
    --------
    >>> svg = bar_chart_svg("Woningen", "woningen", [("A", 2190.0, "#154273")], "nl")
    >>> "aria-label='Woningen'" in svg and "2.190 woningen" in svg
    True
    """
    width, row_h, room = 360, 46, 118
    top = max([abs(v) for _, v, _ in bars if not math.isnan(v)] + [1e-9])
    rows, said = [], []
    for i, (label, value, colour) in enumerate(bars):
        y = 4 + i * row_h
        length = 0 if math.isnan(value) else (width - room) * abs(value) / top
        figure = format_number(value, lang) if math.isnan(value) else amount(value, unit, lang)
        said.append(f"{label}: {figure}")
        rows.append(
            f"<text x='0' y='{y + 15}' font-size='15'>{_e(label)}</text>"
            f"<rect x='0' y='{y + 22}' width='{max(length, 2):.1f}' height='16' rx='3' "
            f"style='fill:{_e(colour)}'></rect>"
            f"<text x='{max(length, 2) + 6:.1f}' y='{y + 35}' font-size='15' "
            f"font-weight='600'>{_e(figure)}</text>"
        )
    height = row_h * len(bars) + 8
    return (
        f"<svg class='omg-chart' role='img' aria-label='{_e(title)}' "
        f"viewBox='0 0 {width} {height}' width='100%' style='max-width:{width * 1.35:.0f}px'>"
        f"<title>{_e(title)}</title><desc>{_e('; '.join(said))}</desc>{''.join(rows)}</svg>"
    )

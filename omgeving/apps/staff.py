"""The staff app (*beheer*): moderate, settle what the analysis suggests, read the log, type.

Moderators moderate reactions, settle the analysis' possible duplicates and theme suggestions,
read the audit log and type in paper forms.

A thin composition of widgets over :mod:`omgeving.store`; the rules (a moderator's name and
reason, a paper form) are :mod:`omgeving.participation`'s. It is served only by the
token-protected staff server, never by the public one. Every action needs the moderator's
name, which the audit log keeps as the actor. User text (reactions, report reasons, names)
is shown only as ``textContent`` (:class:`~omgeving.apps._plain.PlainText`, and the log's
fold with a reaction's whole text) and in disabled ``Textarea`` widgets, which the browser
shows as text; never in a ``Label`` or a description, which the page typesets as LaTeX.
"""

from __future__ import annotations

import html
import json
import math
import os
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import traitlets
from ipyleaflet import GeoJSON, GeomanDrawControl, Map, TileLayer, basemaps
from shapely.geometry import shape

from omgeving import settings
from omgeving._errors import ValidationError
from omgeving.apps._cycle import CycleTabs
from omgeving.apps._plain import PlainText, plain
from omgeving.apps._safe import friendly
from omgeving.apps._suggest import SHORT_TEXT, Suggestions, _Findings, _shorten, _when
from omgeving.apps._widgets import replace_children
from omgeving.apps.resident import _log_to_server
from omgeving.i18n import catalogue, t
from omgeving.participation import (
    Area,
    background_answers,
    check_geometry,
    enter_paper_form,
    moderate,
    moderator_name,
)
from omgeving.project import open_project
from omgeving.reactions import Reaction, new_reaction_id
from omgeving.store import (
    AGE_BANDS,
    RELATIONS,
    AuditEntry,
    Snapshot,
    open_store,
)

if TYPE_CHECKING:

    pass

__all__ = ["PAGE_SIZE", "SHORT_TEXT", "StaffApp", "staff"]  # SHORT_TEXT: from ._suggest

PAGE_SIZE = 20
#: The tabs that are pages of rows (queue, all reactions, log, Suggesties): drawn when opened.
SUGGEST_TAB = 4
LISTS = (0, 1, 2, SUGGEST_TAB)
FILTERS = ("all", "visible", "pending", "hidden", "withdrawn", "erased")
#: Which moderation buttons a row gets, by the reaction's status.
ROW_ACTIONS = {
    "pending": ("approve", "hide"),
    "visible": ("hide",),
    "hidden": ("restore",),
    "withdrawn": (),
}
_SENTIMENT_KEYS = {None: "none", -2: "n2", -1: "n1", 0: "0", 1: "p1", 2: "p2"}
_CSS = """<style>
.omg-staff { font-size: 16px; max-width: 1200px; }
.omg-staff .widget-button { min-height: 40px; font-size: 16px; }
.omg-staff select, .omg-staff textarea, .omg-staff input { font-size: 16px; }
.omg-staff .lm-TabBar-tab { color: #1a1a1a; background: #e9e9e9; opacity: 1; }
.omg-staff .lm-TabBar-tab .lm-TabBar-tabLabel { color: #1a1a1a; }
.omg-staff-row { border: 1px solid #bbb; border-radius: 4px; padding: 6px; margin: 4px 0; }
.omg-staff .omg-staff-multiline { white-space: pre-line; height: auto; line-height: 1.4;
  overflow: visible; }
.omg-staff .omg-staff-text textarea:disabled { color: #1a1a1a; background: #f6f6f6;
  opacity: 1; }
.omg-staff-status { font-weight: bold; min-height: 1.5em; }
.omg-ok { color: #1a7f37; } .omg-err { color: #b00020; }
.omg-staff-settled { color: #1a7f37; font-weight: 600; margin: 4px 0; }
.omg-staff-audit-entry { border-bottom: 1px solid #ccc; padding: 6px 0; }
.omg-staff-fold summary { display: inline-flex; align-items: center; min-height: 44px;
  color: #154273; text-decoration: underline; cursor: pointer; }
.omg-staff-fold summary:focus-visible { outline: 3px solid #154273; outline-offset: 2px; }
.omg-staff-fold p { margin: 0 0 4px; padding: 6px 8px; background: #f6f6f6; }
</style>"""


def staff(project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl") -> w.Widget:
    """Return the staff app widget for a project (``OMGEVING_PROJECT`` when not given)."""
    _log_to_server()
    return StaffApp(project_dir, lang=lang).widget


@dataclass
class _Row:
    """The widgets of one reaction in a list: its box, reason field and action buttons."""

    box: w.Widget
    reason: w.Textarea | None = None
    buttons: dict[str, w.Button] = field(default_factory=dict)


class _Folded(PlainText):
    """A text shown as typed, with a longer one under it in a fold (``<details>``).

    Both are set as ``textContent``, like :class:`PlainText`: the browser never parses what
    residents wrote. Without ``whole`` there is no fold.
    """

    _esm = """
    function render({ model, el }) {
      el.classList.add("omg-plain");
      const show = () => {
        el.textContent = model.get("text");
        const whole = model.get("whole");
        if (!whole) return;
        const fold = document.createElement("details");
        const summary = document.createElement("summary");
        const body = document.createElement("p");
        fold.className = "omg-staff-fold";
        summary.textContent = model.get("more");
        body.textContent = whole;
        fold.append(summary, body);
        el.append(fold);
      };
      model.on("change:text change:whole change:more", show);
      show();
    }
    export default { render };
    """
    whole = traitlets.Unicode("").tag(sync=True)
    more = traitlets.Unicode("").tag(sync=True)


class StaffApp(Suggestions):
    """State and widgets of one moderator's session."""

    def __init__(
        self, project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl"
    ) -> None:
        project_dir = settings.project_dir(project_dir)
        self.project = open_project(project_dir)
        self.lang = lang
        self.area = Area.from_web(self.project.web_dir)
        self.buurt_names = {code: name for code, name, _ in self.area.buurten}
        self.store = open_store(self.project.store_url())
        self.form_id = new_reaction_id()
        self.point: dict[str, Any] | None = None
        self.pages = {"queue": 0, "all": 0, "audit": 0, "dups": 0, "themes": 0}
        self.findings: _Findings | None = None  # the analysis, run when its tab is opened
        self.hints: dict[str, list[str]] = {}  # reaction id → lines its row shows
        self.stale: set[int] = set()  # the list tabs to draw again when they are opened
        self._drawn_from: tuple[Snapshot, list] = (Snapshot("", [], []), [])
        self.queue_rows: dict[str, _Row] = {}
        self.all_rows: dict[str, _Row] = {}
        self._guard = friendly(self._show_error)
        self._moderate = self._guard(self._on_moderate)
        self._turn_page = self._guard(self._on_page)
        self.status = w.HTML(layout=w.Layout(min_height="1.5em")).add_class("omg-staff-status")
        self.cycle = CycleTabs(self)  # rounds, evenings, responses
        self.widget = self._compose()
        self.refresh()

    # -- building blocks ------------------------------------------------------------------

    def _t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def _say(self, key: str, **values: object) -> str:
        return html.escape(self._t(key, **values))

    def _compose(self) -> w.Widget:
        title = self._say("staff.title", title=self.project.config.title)
        self.name = w.Text(
            description=self._t("staff.name"),
            placeholder=self._t("staff.name_placeholder"),
            style={"description_width": "initial"},
        ).add_class("omg-staff-name")
        self.refresh_button = w.Button(
            description=self._t("staff.refresh"), icon="refresh"
        ).add_class("omg-staff-refresh")
        self.refresh_button.on_click(self._guard(self._on_refresh))
        self.queue_info, self.all_info, self.audit_info = w.Label(), w.Label(), w.Label()
        self.queue_list = w.VBox().add_class("omg-staff-queue")
        self.all_list = w.VBox().add_class("omg-staff-all")
        self.audit_list = w.VBox().add_class("omg-staff-audit")
        self.filter = w.Dropdown(
            options=[(self._t(f"staff.filter.{f}"), f) for f in FILTERS],
            value="all",
            description=self._t("staff.filter"),
        ).add_class("omg-staff-filter")
        self.filter.observe(self._guard(self._on_filter), names="value")
        scenarios = [(s.name, s.slug) for s in self.project.config.scenarios]
        self.scenario_filter = w.Dropdown(
            options=[(self._t("staff.filter.all"), ""), *scenarios],
            value="",
            description=self._t("staff.filter.scenario"),
        ).add_class("omg-staff-filter-scenario")
        self.scenario_filter.observe(self._guard(self._on_filter), names="value")
        self.navs: dict[str, tuple[w.Button, w.Label, w.Button, w.Box]] = {}
        self.tabs = w.Tab(
            children=[
                w.VBox([self.queue_info, self.queue_list, self._nav("queue")]),
                w.VBox([
                    w.HBox([self.filter, self.scenario_filter],
                           layout=w.Layout(flex_flow="row wrap")),
                    self.all_info, self.all_list, self._nav("all"),
                ]),
                w.VBox([self.audit_info, self.audit_list, self._nav("audit")]),
                self._paper_form(),
                self._suggest_tab(),
                self.cycle.rounds_tab,
                self.cycle.evenings_tab,
                self.cycle.responses_tab,
            ],
            titles=[self._t(f"staff.section.{k}", n=0)
                    for k in ("queue", "all", "audit", "paper", "suggest_new", "rounds",
                              "evenings", "responses")],
        ).add_class("omg-staff-tabs")
        self.tabs.observe(self._guard(self._on_tab), names="selected_index")
        head = w.HTML(f"<h2>{title}</h2><p>{self._say('staff.intro')}</p>")
        name_hint = w.Label(self._t("staff.name_hint"))
        top = w.HBox([self.name, self.refresh_button], layout=w.Layout(flex_flow="row wrap"))
        parts = [w.HTML(_CSS), head, top, name_hint, self.status, self.tabs]
        return w.VBox(parts).add_class("omg-staff")

    def _nav(self, kind: str) -> w.Box:
        prev = w.Button(description=self._t("staff.page.prev"), icon="arrow-left")
        nxt = w.Button(description=self._t("staff.page.next"), icon="arrow-right")
        prev.add_class("omg-staff-prev").add_class(f"omg-staff-{kind}-prev")
        nxt.add_class("omg-staff-next").add_class(f"omg-staff-{kind}-next")
        prev.on_click(partial(self._turn_page, kind, -1))
        nxt.on_click(partial(self._turn_page, kind, 1))
        label = w.Label()
        box = w.HBox([prev, label, nxt])
        self.navs[kind] = (prev, label, nxt, box)
        return box

    def _paper_form(self) -> w.Widget:
        cfg = self.project.config
        buurten = sorted((name, code) for code, name, _ in self.area.buurten)
        self.paper_buurt = w.Dropdown(
            options=[(self._t("staff.paper.buurt_none"), ""), *buurten],
            value="",
            description=self._t("staff.paper.buurt"),
            style={"description_width": "initial"},
        ).add_class("omg-staff-paper-buurt")
        self.paper_buurt.observe(self._guard(self._on_paper_buurt), names="value")
        self.paper_theme = w.Dropdown(
            options=[*((x, x) for x in cfg.themes), (self._t("staff.paper.theme_none"), "")],
            value=None,
            description=self._t("staff.paper.theme"),
            style={"description_width": "initial"},
        ).add_class("omg-staff-paper-theme")
        self.paper_sentiment = w.Dropdown(
            options=[(self._sentiment(s), "" if s is None else s) for s in _SENTIMENT_KEYS],
            value="",
            description=self._t("staff.paper.sentiment"),
            style={"description_width": "initial"},
        ).add_class("omg-staff-paper-sentiment")
        self.paper_text = w.Textarea(
            placeholder=self._t("staff.paper.text_placeholder"),
            rows=6,
            layout=w.Layout(width="100%"),
        ).add_class("omg-staff-paper-text")
        self.paper_age = w.Dropdown(
            options=[(self._t("staff.paper.age_none"), ""),
                     *((self._t(f"background.age.{b}"), b) for b in AGE_BANDS)],
            value="",
            description=self._t("staff.paper.age"),
            style={"description_width": "initial"},
        ).add_class("omg-staff-paper-age")
        self.paper_relation = {
            r: w.Checkbox(value=False, description=self._t(f"background.relation.{r}"),
                          indent=False).add_class(f"omg-staff-paper-{r}")
            for r in RELATIONS
        }
        self.paper_save = w.Button(
            description=self._t("staff.paper.save"), button_style="primary", icon="save"
        ).add_class("omg-staff-paper-save")
        self.paper_save.on_click(self._guard(self._on_paper_save))
        self.paper_number = w.Label().add_class("omg-staff-paper-number")
        self.paper_place = w.Label().add_class("omg-staff-paper-place")
        self.paper_map = self._paper_map()
        self._show_paper_state()
        form = w.VBox(
            [
                w.HTML(f"<p>{self._say('staff.paper.intro')}</p>"),
                self.paper_number,
                self.paper_buurt,
                self.paper_place,
                self.paper_theme,
                self.paper_sentiment,
                w.Label(self._t("staff.paper.text")),
                self.paper_text,
                *self._paper_background(),
                self.paper_save,
            ],
            layout=w.Layout(flex="1 1 320px", padding="0 8px"),
        )
        body = [w.Box([self.paper_map], layout=w.Layout(flex="2 1 420px")), form]
        return w.Box(body, layout=w.Layout(flex_flow="row wrap", width="100%"))

    def _paper_background(self) -> list[w.Widget]:
        """Return the form's background questions, where the project asks them (maybe none)."""
        asked = self.project.config.background
        parts: list[w.Widget] = []
        if asked:
            parts.append(w.HTML(f"<p>{self._say('staff.paper.background')}</p>"))
        if "leeftijd" in asked:
            parts.append(self.paper_age)
        if "binding" in asked:
            parts.append(w.HBox(list(self.paper_relation.values()),
                                layout=w.Layout(flex_flow="row wrap")))
        return parts

    def _paper_map(self) -> Map:
        minx, miny, maxx, maxy = self.area.boundary.bounds
        brt = basemaps.nlmaps.standaard
        background = TileLayer(
            url=brt.build_url(), attribution=brt.attribution, max_zoom=19, min_zoom=6, base=True
        )
        m = Map(
            center=((miny + maxy) / 2, (minx + maxx) / 2),
            zoom=11,
            basemap=background,
            scroll_wheel_zoom=True,
            layout=w.Layout(height="420px"),
        ).add_class("omg-staff-paper-map")
        path = self.project.web_dir / "buurten.geojson"
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            style = {"color": "#555555", "weight": 1, "fillOpacity": 0.05}
            m.add(GeoJSON(data=data, name="buurten", style=style))
        self.draw = GeomanDrawControl(position="topleft")
        self.draw.marker = {"markerStyle": {}}
        self.draw.polyline = self.draw.polygon = self.draw.circlemarker = {}
        self.draw.circle = self.draw.rectangle = self.draw.text = {}
        self.draw.edit = self.draw.drag = self.draw.cut = self.draw.rotate = False
        self.draw.on_draw(self._guard(self._on_paper_draw))
        m.add(self.draw)
        return m

    def _sentiment(self, value: int | None) -> str:
        return self._t(f"staff.sentiment.{_SENTIMENT_KEYS.get(value, 'none')}")

    def _describe(self, r: Reaction) -> str:
        buurt = self.buurt_names.get(r.buurt or "", self._t("staff.buurt.none"))
        head = self._t(
            "staff.row.head",
            theme=r.theme,
            sentiment=self._sentiment(r.sentiment),
            channel=self._t(f"staff.channel.{r.channel}"),
            buurt=buurt,
            when=_when(r.created),
        )
        counts = self._t(
            "staff.row.counts",
            agrees=r.agrees,
            reports=r.reports,
            status=self._t(f"staff.status.{r.status}"),
        )
        return f"{head}\n{counts}"

    def _row(self, r: Reaction, actions: tuple[str, ...]) -> _Row:
        parts: list[w.Widget] = [
            plain(self._describe(r)).add_class("omg-staff-multiline"),
            w.Textarea(
                value=r.text, disabled=True, rows=3, layout=w.Layout(width="100%")
            ).add_class("omg-staff-text"),
        ]
        if r.reports:
            lines = [self._t("staff.row.reports")] + [
                self._t("staff.row.report", when=_when(at), reason=why)
                for why, at in self.store.reports_for(r.id)
            ]
            parts.append(
                plain("\n".join(lines))
                .add_class("omg-staff-multiline")
                .add_class("omg-staff-reports")
            )
        if r.reason:
            parts.append(plain(self._t("staff.row.last_reason", reason=r.reason)))
        if self.hints.get(r.id):
            parts.append(plain("\n".join(self.hints[r.id])).add_class("omg-staff-multiline")
                         .add_class("omg-staff-hints"))
        row = _Row(box=w.VBox())
        if actions:
            row.reason = w.Textarea(
                placeholder=self._t("staff.row.reason"), rows=2, layout=w.Layout(width="100%")
            ).add_class("omg-staff-reason")
            for action in actions:
                button = w.Button(description=self._t(f"staff.action.{action}"))
                button.add_class(f"omg-staff-{action}")
                button.on_click(partial(self._moderate, r.id, action, row.reason))
                row.buttons[action] = button
            parts += [row.reason, w.HBox(list(row.buttons.values()))]
        row.box.children = parts
        row.box.add_class("omg-staff-row").add_class(f"omg-staff-row-{r.id}")
        return row

    # -- rendering -------------------------------------------------------------------------

    def refresh(self, *, lists: bool = True) -> None:
        """Read the store again: update every tab's count, and draw the open tab again.

        The queue, "Alle reacties", the log and Suggesties are each a page of rows (hundreds
        of widgets for the browser); they are drawn again when they are opened next
        (:meth:`_draw`). Unless ``lists`` is false: after a decision in a suggestion's row,
        which shows it in place, the open Suggesties keeps its rows.
        """
        snapshot = self.store.snapshot()  # the reactions and the log as of one moment
        groups = self._groups(snapshot)  # once: the rows' hints and the Suggesties tab
        self.hints = self._hints(snapshot, groups)
        self._drawn_from = (snapshot, groups)
        pending = sum(1 for r in snapshot.reactions if r.status == "pending")
        self.tabs.set_title(0, self._t("staff.section.queue", n=pending))
        self._count_suggestions(snapshot, groups)
        self.cycle.render(snapshot)  # rounds, evenings, responses: short lists
        self.stale = set(LISTS)
        current = self.tabs.selected_index
        if current in LISTS and (lists or current != SUGGEST_TAB):
            self._draw(current)

    def _draw(self, index: int) -> None:
        """Draw the list tab ``index`` from the last refresh's snapshot."""
        snapshot, groups = self._drawn_from
        if index == 0:
            self._render_queue()
        elif index == 1:
            self._render_all(snapshot.reactions)
        elif index == 2:
            self._render_audit(snapshot)
        elif index == SUGGEST_TAB:
            self._render_suggestions(snapshot, groups)

    def _page(self, kind: str, items: list, size: int = PAGE_SIZE) -> list:
        """Return the items of the current page of list ``kind`` and update its navigation."""
        pages = max(1, math.ceil(len(items) / size))
        page = self.pages[kind] = max(0, min(self.pages[kind], pages - 1))
        prev, label, nxt, box = self.navs[kind]
        label.value = self._t("staff.page", page=page + 1, pages=pages)
        prev.disabled, nxt.disabled = page == 0, page >= pages - 1
        box.layout.display = "none" if pages == 1 else ""
        return items[page * size : (page + 1) * size]

    def _render_queue(self) -> None:
        self.stale.discard(0)
        items = self.store.queue()
        self.queue_rows = {
            r.id: self._row(r, ROW_ACTIONS["pending"]) for r in self._page("queue", items)
        }
        self.queue_info.value = self._t("staff.queue.count", n=len(items))
        boxes = [row.box for row in self.queue_rows.values()]
        replace_children(self.queue_list, boxes or [w.Label(self._t("staff.queue.empty"))])
        self.tabs.set_title(0, self._t("staff.section.queue", n=len(items)))

    def _render_all(self, reactions: list[Reaction] | None = None) -> None:
        self.stale.discard(1)
        wanted, scenario = self.filter.value, self.scenario_filter.value
        reactions = self.store.all() if reactions is None else reactions
        items = [r for r in reversed(reactions)
                 if wanted in ("all", r.status) and scenario in ("", r.scenario)]
        self.all_rows = {
            r.id: self._row(r, ROW_ACTIONS.get(r.status, ())) for r in self._page("all", items)
        }
        self.all_info.value = self._t("staff.all.count", n=len(items))
        boxes = [row.box for row in self.all_rows.values()]
        replace_children(self.all_list, boxes or [w.Label(self._t("staff.all.empty"))])

    def _render_audit(self, snapshot: Snapshot | None = None) -> None:
        """Redraw the log: each entry with the text and theme of the reaction it is about.

        The texts come with the log, in one read (:meth:`Store.snapshot`), however many
        entries there are; hidden and withdrawn reactions show theirs, erased ones none.
        """
        self.stale.discard(2)
        snapshot = self.store.snapshot() if snapshot is None else snapshot
        reactions = {r.id: r for r in snapshot.reactions}
        entries = list(reversed(snapshot.audit))
        labels = [
            self._audit_entry(e, reactions.get(e.reaction_id or ""))
            for e in self._page("audit", entries)
        ]
        self.audit_info.value = self._t("staff.audit.count", n=len(entries))
        replace_children(self.audit_list, labels or [w.Label(self._t("staff.audit.empty"))])

    def _audit_entry(self, e: AuditEntry, reaction: Reaction | None) -> PlainText:
        action = f"staff.log.{e.action}"
        lines = [
            self._t(
                "staff.audit.entry",
                when=_when(e.at),
                actor=e.actor,
                action=self._t(action) if action in catalogue(self.lang) else e.action,
            )
        ]
        whole = ""
        if e.reaction_id:
            short_id = e.reaction_id[:8]
            if reaction is None or reaction.status == "erased" or not reaction.text:
                lines.append(self._t("staff.audit.erased", reaction=short_id))
            else:
                text = _shorten(reaction.text)
                whole = reaction.text if text != reaction.text else ""
                lines.append(
                    self._t("staff.audit.reaction", reaction=short_id, theme=reaction.theme,
                            text=text)
                )
        lines.append(self._t("staff.audit.reason", reason=e.reason))
        entry = _Folded("\n".join(lines), whole=whole, more=self._t("staff.audit.more"))
        return entry.add_class("omg-staff-multiline").add_class("omg-staff-audit-entry")

    def _show_paper_state(self) -> None:
        self.paper_number.value = self._t("staff.paper.number", number=self.form_id[:8])
        code = self.paper_buurt.value
        if self.point is not None:
            buurt = self.area.buurt_of(shape(self.point))
            name = self.buurt_names.get(buurt or "", self._t("staff.buurt.none"))
            self.paper_place.value = self._t("staff.paper.place_point", buurt=name)
        elif code:
            name = self.buurt_names[code]
            self.paper_place.value = self._t("staff.paper.place_buurt", buurt=name)
        else:
            self.paper_place.value = self._t("staff.paper.place_none")

    # -- checks ----------------------------------------------------------------------------

    def actor(self) -> str:
        """Return the moderator's name, or raise when it is empty, too long or reserved."""
        return moderator_name(self.name.value)

    # -- callbacks ---------------------------------------------------------------------------

    def _show_error(self, key: str) -> None:
        known = catalogue(self.lang)
        key = next((k for k in (f"staff.{key}", key) if k in known), "staff.error.unexpected")
        self.status.value = f"<span class='omg-err'>{self._say(key)}</span>"

    def _show_ok(self, key: str) -> None:
        self.status.value = f"<span class='omg-ok'>{self._say(key)}</span>"

    def _on_refresh(self, _button: Any) -> None:
        self.refresh()
        self._show_ok("staff.refreshed")

    def _on_filter(self, _change: dict[str, Any]) -> None:
        self.pages["all"] = 0
        self._render_all()

    def _on_page(self, kind: str, step: int, _button: Any) -> None:
        self.pages[kind] += step
        {"queue": self._render_queue, "all": self._render_all, "audit": self._render_audit,
         "dups": self._render_suggestions, "themes": self._render_suggestions}[kind]()

    def _on_moderate(
        self, reaction_id: str, action: str, reason_box: w.Textarea, _button: Any
    ) -> None:
        done = moderate(
            self.store,
            reaction_id,
            action,
            actor=self.name.value,
            reason=reason_box.value,
            lang=self.lang,
        )
        self.refresh()
        if done:
            self._show_ok(f"staff.done.{action}")
        else:  # another moderator (or a resident withdrawing) was first
            self._show_error("staff.error.stale")

    def _on_paper_buurt(self, change: dict[str, Any]) -> None:
        if change["new"]:  # a buurt replaces a point placed on the map
            self.point = None
            self.draw.clear()
        self._show_paper_state()

    def _on_paper_draw(self, _control: Any, action: str, geo_json: Any) -> None:
        if action == "remove":
            self.point = None
        if action not in ("create", "edit") or not isinstance(geo_json, list) or not geo_json:
            self._show_paper_state()
            return
        feature = geo_json[-1]
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(geometry, dict) or geometry.get("type") != "Point":
            raise ValidationError("only a point can be placed here", key="error.geometry")
        self.point = None
        check_geometry(geometry, self.area)  # checked again when the form is saved
        self.paper_buurt.value = ""
        self.point = geometry
        if len(geo_json) > 1:  # keep one point: the last one placed
            self.draw.data = [feature]
        self._show_paper_state()

    def _paper_geometry(self) -> dict[str, Any]:
        if self.point is not None:
            return self.point
        code = self.paper_buurt.value
        polygon = next((g for c, _, g in self.area.buurten if code and c == code), None)
        if polygon is None:
            raise ValidationError("no place chosen for the paper form", key="staff.error.place")
        point = polygon.representative_point()
        return {"type": "Point", "coordinates": [point.x, point.y]}

    def _on_paper_save(self, _button: Any) -> None:
        actor = self.actor()  # the name first, then the place
        stored = enter_paper_form(  # a retried save with the same form id stores nothing
            self.store,
            self.project.config,
            id=self.form_id,
            geometry=self._paper_geometry(),
            theme=self.paper_theme.value,
            text=self.paper_text.value,
            sentiment=None
            if self.paper_sentiment.value in ("", None)
            else self.paper_sentiment.value,
            area=self.area,
            actor=actor,
            lang=self.lang,
        )
        if stored:  # the background answers, apart from the form (no id, no token)
            background_answers(
                self.store, self.project.config, "papier", age=self.paper_age.value or None,
                relation=[r for r, box in self.paper_relation.items() if box.value],
            )
        self.form_id = new_reaction_id()
        self.point = None
        self.draw.clear()
        self.paper_text.value = ""
        self.paper_theme.value = None
        self.paper_sentiment.value = self.paper_buurt.value = self.paper_age.value = ""
        for box in self.paper_relation.values():
            box.value = False
        self._show_paper_state()
        self.refresh()
        self._show_ok("staff.paper.saved")



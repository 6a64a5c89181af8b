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
import re
import secrets
import sys
import time
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from omgeving import settings
from omgeving.apps._answer import response_card
from omgeving.apps._background import BackgroundCard
from omgeving.apps._context import REACTION_OPACITY, Context
from omgeving.apps._draw import collection
from omgeving.apps._form import ReactionForm, button
from omgeving.apps._list import ReactionList
from omgeving.apps._live import Poller
from omgeving.apps._mapview import Layer, ProjectMap, empty, fit_zoom, scenario_features
from omgeving.apps._safe import friendly
from omgeving.apps._widgets import lean
from omgeving.cycle import RoundNow, evening_today, responses_for, round_now, rounds_of
from omgeving.i18n import day_text
from omgeving.palette import theme_colour
from omgeving.participation import Area, public_view
from omgeving.project import open_project
from omgeving.reactions import Reaction
from omgeving.store import open_store
from omgeving.web import read_manifest

if TYPE_CHECKING:
    from omgeving.config import RoundConfig

__all__ = ["ResidentApp", "fit_zoom", "resident", "table"]

log = logging.getLogger(__name__)

REFRESH_SECONDS = 2.0
#: How often an open page asks whether a round was opened or closed since.
ROUND_SECONDS = 10.0
#: Responses the closed map shows of the round before (the answers page has them all).
OUTCOME_CARDS = 3
TABLE_IDLE_SECONDS = 60.0
#: The steps of a visit; the shell's class ``omg-step-<step>`` lays the page out for each.
STEPS = ("start", "place", "write", "thanks", "list")
_VISITOR = re.compile(r"^[0-9a-f]{32}$")


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
    """State and widgets of one visit (one kernel per page load in Voila).

    The page is a shell: the map fills the screen (the project's title over it) and a sheet
    holds one step at a time (:data:`STEPS`): *start* (the invitation: point, line or area),
    *place*, *write*, *thanks*, and the *list* of reactions. The layout for phone, laptop and
    table is CSS (``omgeving.css`` in the page template), keyed on the shell's classes.
    """

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
        self.step = "start"
        self.highlighted: str | None = None
        self.reactions: dict[str, Reaction] = {}  # every change seen, any status
        self.asked = False  # the background questions, asked once a visit
        self.rounds = self._round_now()
        self._round_checked = time.monotonic()
        if kiosk:  # the table's reactions carry the evening in progress
            evening = evening_today(self.ctx.store)
            self.ctx.evening = evening.id if evening else None
        self.last_activity = time.monotonic()
        # the layers' data goes out once the page shows the map, straight to the browser:
        # sent while Voila runs the notebook, the server would parse it for every visitor
        self.pmap = ProjectMap(
            project.web_dir, self.ctx.manifest, height="100%", zoom_position="bottomright",
            defer_layers=True,
        )
        self.pmap.map.scroll_wheel_zoom = False  # the wheel scrolls the page until a click
        self.scenario_layer = Layer(
            data=empty(),
            name="scenario",
            point_style={"radius": 7, "weight": 2, "fillOpacity": 0.9},
        )
        self.reactions_layer = Layer(
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
        self.new_layer = Layer(
            data=empty(),
            name="uw reactie",
            style={"color": "#000000", "weight": 5, "fillOpacity": 0.2, "className": "omg-new"},
            point_style={"radius": 13, "color": "#000000", "weight": 4, "fillOpacity": 0,
                         "className": "omg-new"},
        )
        self.reactions_layer.on_click(friendly(self._show_map_error)(self._on_reaction_click))
        self.pmap.add(self.scenario_layer, self.reactions_layer, self.new_layer)
        self.form = ReactionForm(
            self.ctx,
            self.pmap,
            scenario=lambda: self.scenario.value or None,
            on_saved=self._on_saved,
            on_step=self.go,
        )
        self.list = ReactionList(self.ctx, on_edit=self._on_edit, on_change=self.refresh)
        self.visitor = lean(w.Text, "omg-visitor", layout={"display": "none"})
        if not kiosk:  # the page's script fills in this browser's pseudonymous id
            self.visitor.observe(friendly(self.form.show_error)(self._on_visitor), names="value")
        self.widget = lean(w.Box)  # its classes: :meth:`_classes`
        self.thanks = lean(w.HTML, "omg-thanks-card")
        self.panels: dict[str, w.Box] = {}
        self.closed: w.HTML | None = None  # what the start says when no round is open
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
        """(Re)build every text widget in the current language.

        Only what the start shows is made here; the thanks and list steps are made when a
        visitor first reaches them (:meth:`_panel`), and the layers legend when it is opened.
        """
        ctx, cfg = self.ctx, self.ctx.project.config
        identity = ctx.identity
        self._classes()
        self.form.build()
        self.list.build()
        handle = friendly(self.form.show_error)
        name = identity.get("name") or cfg.title
        logo = (
            f"<img class='omg-logo' src='huisstijl/logo' alt='{html.escape(name, quote=True)}'>"
            if identity.get("logo") else ""
        )
        fictional = (
            f"<p class='omg-fictief'>{ctx.say('app.fictional')}</p>" if cfg.fictional else ""
        )
        colours = "".join(
            f"--omg-{var}:{html.escape(identity[key])};"
            for var, key in (("primary", "colour"), ("accent", "accent"))
            if identity.get(key)
        )
        head = lean(
            w.HTML,
            "omg-head",
            value=(f"<style>.omg-shell{{{colours}}}</style>" if colours else "")
            + f"<div class='omg-head-card'>{logo}<div><h1>{ctx.say('app.title', title=cfg.title)}"
            "</h1></div></div>",
        )
        other = "en" if ctx.lang == "nl" else "nl"
        switch = button(
            {"en": "English", "nl": "Nederlands"}[other], f"omg-to-{other}", icon="globe"
        )
        switch.on_click(handle(lambda _b: self._on_language({"new": other})))
        language = lean(w.Box, "omg-language", children=[switch])
        home = button(ctx.text("map.home"), "omg-home", icon="arrows-alt")
        home.on_click(handle(lambda _b: self.pmap.fit()))
        crosshair = lean(w.HTML, "omg-crosshair", value="<div aria-hidden='true'></div>")
        topbar = lean(w.HBox, "omg-topbar", children=[head, language])
        mapbox = lean(w.Box, "omg-mapbox", children=[self.pmap.map, topbar, home, crosshair])

        old = self.__dict__["scenario"].value if "scenario" in self.__dict__ else ""
        old = old if self._shows(old) else ""
        self.scenario = lean(
            w.Dropdown,
            "omg-scenario",
            options=[(ctx.text("scenario.none"), "")] + [
                (n, s) for s, n in ctx.scenarios.items() if self._shows(s)
            ],
            value=old,
            description=ctx.text("scenario.label"),
            style={"description_width": "initial"},
        )
        self.scenario.observe(handle(self._on_scenario), names="value")
        self.scenario_text = lean(w.HTML, value=self._scenario_html(old))
        self.open_list = button(
            ctx.text("list.open", n=len(self._listed())), "omg-open-list", icon="comments"
        )
        self.open_list.on_click(handle(lambda _b: self.go("list")))
        welcome = identity.get("welcome") or ctx.text("app.intro")
        photo = (
            "<img class='omg-photo' src='huisstijl/foto' alt=''>" if identity.get("photo") else ""
        )
        invite: list[w.Widget] = [
            lean(
                w.HTML,
                value=f"{photo}<p class='omg-welcome'>{html.escape(welcome)}</p>{fictional}"
                + (f"<h2 class='omg-cta'>{ctx.say('app.cta')}</h2>{self._round_html()}"
                   if self.rounds.open else ""),
            ),
        ]
        if self.rounds.open:
            invite.append(self.form.modes)
        else:  # drawn again when the browser says whose it is (their own reactions' answers)
            self.closed = lean(w.HTML, value=self._closed_html())
            invite.append(self.closed)
        self.start_panel = lean(
            w.VBox,
            "omg-start",
            own_layout=True,  # go() shows and hides the panels
            children=[
                *invite,
                lean(w.HBox, "omg-start-links", children=[self.open_list]),
                self.scenario,
                self.scenario_text,
                self._more(),
            ],
        )
        made = [step for step in ("thanks", "list") if step in self.panels]
        self.panels = {
            "start": self.start_panel,
            "place": self.form.place_panel,
            "write": self.form.write_panel,
        }
        self.sheet = lean(
            w.VBox, "omg-sheet", children=[self.form.status, *self.panels.values(), self.visitor]
        )
        for step in made:  # made before, in the other language: made anew
            self._panel(step)
        self.widget.children = [mapbox, self.sheet]
        self.go(self.step)
        if self.kiosk:  # any touch on the form counts as activity
            for widget in (self.form.text, self.form.theme, self.form.sentiment, self.form.buurt):
                widget.observe(lambda _change: self.touch(), names="value")

    def _panel(self, step: str) -> w.Box:
        """Return the panel of ``step``, made (and put in the sheet) the first time."""
        panel = self.panels.get(step)
        if panel is not None:
            return panel
        ctx = self.ctx
        handle = friendly(self.form.show_error)
        if step == "thanks":
            again = button(ctx.text("thanks.again"), "omg-again", icon="plus", primary=True)
            again.on_click(handle(lambda _b: self._again()))
            see = button(ctx.text("thanks.see"), "omg-see", icon="comments")
            see.on_click(handle(lambda _b: self.go("list")))
            self.background = lean(w.VBox, "omg-background-slot")
            panel = lean(
                w.VBox, "omg-thanks", own_layout=True,
                children=[self.thanks, lean(w.HBox, "omg-send-row", children=[again, see]),
                          self.background],  # the questions under what comes next
            )
        elif step == "list":
            self.list.ensure()
            back = button(ctx.text("list.back"), "omg-back", icon="map")
            back.on_click(handle(lambda _b: self.go("start")))
            panel = lean(
                w.VBox, "omg-list-panel", own_layout=True, children=[back, self.list.widget]
            )
        else:
            raise ValueError(f"step {step!r} has no panel of its own")
        panel.layout.display = "none"
        self.panels[step] = panel
        *others, visitor = self.sheet.children
        self.sheet.children = [*others, panel, visitor]
        return panel

    def _classes(self) -> None:
        """Set the shell's classes (kind, language, step: the CSS lays the page out) at once."""
        classes = ("omg-shell", "omg-app", *(("omg-tafel",) if self.kiosk else ()),
                   f"omg-lang-{self.ctx.lang}", f"omg-step-{self.step}")
        if tuple(self.widget._dom_classes) != classes:
            self.widget._dom_classes = classes

    def _more(self) -> w.Accordion:
        """Return the folded extras: the map's layers, and (not at the table) privacy.

        The legend's rows are made when it is first opened.
        """
        ctx = self.ctx
        legend = lean(w.VBox, layout={"padding": "0 8px"})
        parts: list[w.Widget] = [legend]
        titles = [ctx.text("layers.title")]
        if not self.kiosk:
            self.privacy = self._privacy()
            parts.append(self.privacy)
            titles.append(ctx.text("privacy.title"))
        more = lean(w.Accordion, "omg-more", children=parts, titles=tuple(titles))

        def opened(change: dict[str, Any]) -> None:
            if change["new"] == 0 and not legend.children:
                legend.children = self.pmap.legend(ctx.lang, ctx.text("layers.title"))

        more.observe(friendly(self.form.show_error)(opened), names="selected_index")
        return more

    def _privacy(self) -> w.HTML:
        """Return what we store, how long, and this browser's participant code."""
        return lean(w.HTML, "omg-privacy", value=self._privacy_html())

    def _privacy_html(self) -> str:
        ctx = self.ctx
        code = " ".join(ctx.participant[i : i + 4] for i in range(0, len(ctx.participant), 4))
        days = ctx.project.config.privacy.retention_days
        return (
            f"<p>{ctx.say('privacy.text')}</p><p><code>{html.escape(code)}</code></p>"
            f"<p>{ctx.say('privacy.retention', days=days)}</p>"
        )

    def _scenario_html(self, slug: str) -> str:
        spec = next((s for s in self.ctx.manifest["scenarios"] if s["slug"] == slug), None)
        if spec is None:
            return ""
        return f"<p><b>{html.escape(spec['name'])}</b>: {html.escape(spec['description'])}</p>"

    def go(self, step: str) -> None:
        """Show ``step`` in the sheet (the shell's class lays the page out for it)."""
        if step not in STEPS:
            raise ValueError(f"step {step!r} is not one of {STEPS}")
        self.touch()
        if step != "place" and self.form.drawing.mode is not None:
            self.form.drawing.clear()
        if step in ("start", "list"):
            self.new_layer.data = empty()
        if self.step == "thanks" and step != "thanks":
            self.form.status.value = ""  # the thank-you was said; it does not follow to the list
        if step in ("thanks", "list"):
            self._panel(step)
        self.step = step
        self._classes()
        for name, panel in self.panels.items():
            panel.layout.display = "" if name == step else "none"

    # -- callbacks ---------------------------------------------------------------------------

    def _show_map_error(self, key: str) -> None:
        self.form.show_error(key)

    def _on_language(self, change: dict[str, Any]) -> None:
        if change["new"] in ("nl", "en"):
            self.ctx.lang = change["new"]
            self.compose()
            self.list.update(self._listed())
            self._count()

    def _on_visitor(self, change: dict[str, Any]) -> None:
        # "<participant id>", and " avond" when the page was opened from the wall's QR code
        value, _, via = str(change["new"] or "").partition(" ")
        if via == "avond" and self.ctx.evening is None:  # their reactions carry the evening
            evening = evening_today(self.ctx.store)
            self.ctx.evening = evening.id if evening else None
        if _VISITOR.match(value) and value != self.ctx.participant:
            self.ctx.participant = value  # the same browser as before: its own reactions
            self.privacy.value = self._privacy_html()
            self.show(self._listed())
            if not self.rounds.open and self.closed is not None:
                self.closed.value = self._closed_html()

    def _on_scenario(self, change: dict[str, Any]) -> None:
        self.touch()
        slug = change["new"]
        self.scenario_text.value = self._scenario_html(slug)
        self.scenario_layer.data = scenario_features(
            self.ctx.project.web_dir, self.ctx.manifest, slug
        )

    def _on_reaction_click(self, feature: dict[str, Any] | None = None, **_: Any) -> None:
        self.touch()
        if self.step in ("place", "write"):
            return  # a tap while placing is a place, not a question about a reaction
        rid = (feature or {}).get("properties", {}).get("id")
        if isinstance(rid, str):
            self.list.open(rid)
            self.go("list")

    def _on_edit(self, reaction: Reaction) -> None:
        self.touch()
        self.form.start_edit(reaction)

    def _on_saved(self, reaction: Reaction) -> None:
        self.refresh()
        self.new_layer.data = collection(reaction.geometry) if reaction.geometry else empty()
        ctx = self.ctx
        answer = ctx.identity.get("answer_by") or ""
        answer = answer[:1].upper() + answer[1:]  # it opens the sentence
        next_key = "thanks.next_when" if answer else "thanks.next"
        title = "thanks.title" if reaction.status == "visible" else "thanks.title_pending"
        self.thanks.value = (
            f"<div role='status'><h2 class='omg-step-title'>{ctx.say(title)}</h2>"
            f"<p>{ctx.say(next_key, when=answer)}</p></div>"
        )
        ask = self._ask_background()
        self.go("thanks")
        if self.kiosk:
            self.reset_visit(keep_message=True)
        if ask:
            self.asked = not self.kiosk  # at the table each reaction is the next person's
            card = BackgroundCard(ctx, on_done=self._on_background,
                                  guard=friendly(self.form.show_error))
            self.background.children = [card.widget]

    def _ask_background(self) -> bool:
        """Ask the background questions after a participant's first reaction, once a visit."""
        if self.asked or not self.ctx.project.config.background:
            return False
        return self.ctx.store.count_by(self.ctx.participant, "0") == 1

    def _on_background(self, how: str) -> None:
        self.touch()
        key = "background.thanks" if how == "saved" else "background.skipped"
        self.background.children = [
            lean(w.HTML, "omg-background-done", value=f"<p role='status'>{self.ctx.say(key)}</p>")
        ]

    def _again(self) -> None:
        self.form.status.value = ""
        self.go("start")

    def _on_connected(self) -> None:
        # a pre-started kernel ran long before this page: fetch what was stored since, and
        # whether a round opened or closed meanwhile
        self.refresh()
        self._check_round()

    def _tick(self) -> None:
        if self.kiosk and time.monotonic() - self.last_activity > TABLE_IDLE_SECONDS:
            self.reset_visit()
        if self.pmap.fitted:
            self.refresh()
        if time.monotonic() - self._round_checked > ROUND_SECONDS:  # a round opened or closed
            self._check_round()

    def _check_round(self) -> None:
        """Show the round as it is now, if it opened or closed since the page was made."""
        self._round_checked = time.monotonic()
        now = self._round_now()
        if now != self.rounds:
            self.rounds = now
            if not now.open and self.step in ("place", "write"):
                self.form.reset(step=None)
                self.step = "start"
            self.compose()

    # -- rounds ----------------------------------------------------------------------------

    def _round_now(self) -> RoundNow:
        # the rounds of omgeving.toml and those planned in the staff app since
        config = rounds_of(self.ctx.project.config, self.ctx.store.round_plans())
        return round_now(config, self.ctx.store.round_states() if config.rounds else {})

    def _shows(self, slug: str) -> bool:
        """Whether the scenario ``slug`` is shown in the open round (all, without rounds)."""
        current = self.rounds.current
        return not slug or current is None or not current.scenarios or slug in current.scenarios

    def _round_title(self, r: RoundConfig) -> str:
        return (r.title_en or r.title) if self.ctx.lang == "en" else r.title

    def _round_html(self) -> str:
        r = self.rounds.current
        if r is None:
            return ""
        said = self.ctx.say("round.open", title=self._round_title(r), end=day_text(r.end))
        return f"<p class='omg-round'>{said}</p>"

    def _closed_html(self) -> str:
        """Return the invitation's place when no round is open: what was, what comes, answers."""
        ctx, now = self.ctx, self.rounds
        parts = [f"<h2 class='omg-cta'>{ctx.say('round.closed_title')}</h2>"]
        if now.previous is not None:
            was = now.previous
            said = ctx.say("round.closed", title=self._round_title(was), start=day_text(was.start),
                           end=day_text(was.end))
            parts.append(f"<p>{said}</p>")
        if now.next is not None:
            said = ctx.say("round.next", title=self._round_title(now.next),
                           start=day_text(now.next.start))
            parts.append(f"<p>{said}</p>")
        if now.previous is not None:
            parts.append(self._outcome_html(now.previous))
        parts.append(f"<p><a class='omg-answers-link' href='antwoorden'>"
                     f"{ctx.say('round.answers')}</a></p>")
        return f"<div class='omg-closed' role='status'>{''.join(parts)}</div>"

    def _outcome_html(self, was: RoundConfig) -> str:
        """Return what came of the round ``was``: its reactions, the responses, your own."""
        ctx = self.ctx
        given = [r for r in self.reactions.values() if r.round == was.slug and r.status != "erased"]
        responses = [r for r in ctx.store.responses() if r.round in (None, was.slug)]
        answered = sum(1 for r in given if responses_for(r, responses))
        said = ctx.say("round.outcome", n=len(given), answered=answered)
        parts = [f"<p class='omg-outcome'>{said}</p>"]
        own = [r for r in given if ctx.participant and r.participant == ctx.participant]
        if own:
            mine = sum(1 for r in own if responses_for(r, responses))
            parts.append(f"<p class='omg-outcome-mine'>"
                         f"{ctx.say('round.outcome_mine', n=len(own), answered=mine)}</p>")
        # a few responses to themes and concerns (else to reactions), the newest first; the
        # rest is a tap away, on the answers page
        general = [r for r in responses if r.kind != "reaction"]
        shown = (general or responses)[-OUTCOME_CARDS:][::-1]
        parts += [response_card(r, self.reactions, ctx.project.config, ctx.lang) for r in shown]
        if not shown:
            parts.append(f"<p>{ctx.say('round.outcome_none')}</p>")
        return "".join(parts)

    def touch(self) -> None:
        """Note activity (the table resets after a minute without any)."""
        self.last_activity = time.monotonic()

    def reset_visit(self, *, keep_message: bool = False) -> None:
        """Start clean for the next person at the table: new participant, empty form."""
        message = self.form.status.value
        thanks = self.thanks.value
        self.ctx.participant = secrets.token_hex(16)
        self.asked = False  # the next person at the table is asked again
        self.ctx.lang = "nl"
        self.scenario.value = ""
        self.form.reset(step=None)
        self.list.opened = self.list.reporting = None
        step = "thanks" if keep_message else "start"
        self.step = step
        self.compose()
        self.show(self._listed())
        self.pmap.fit()
        self.touch()
        if keep_message:
            self.form.status.value = message
            self.thanks.value = thanks

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
        self._count()

    def _count(self) -> None:
        n = len(self.list.reactions)
        text = self.ctx.text("list.open", n=n)
        if self.open_list.description != text:
            self.open_list.description = text

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

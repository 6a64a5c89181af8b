"""The public page *Wat is er met de reacties gedaan?* (``/antwoorden`` of ``omgeving serve``).

The municipality's responses per theme and per concern, on a map and in a list, in B1 Dutch
and in English. A resident finds the response to their own reactions here without an
account: in the same browser (its pseudonymous participant id, as the resident app keeps it)
or by typing the participant code that the resident app's privacy note shows.

Only what anyone may see is shown (:func:`omgeving.participation.public_view`): a hidden or
erased reaction is never quoted, but it may be counted. Every text is escaped.
"""

from __future__ import annotations

import html
import os
import re
from collections import defaultdict
from typing import Any

import ipywidgets as w

from omgeving import settings
from omgeving.apps._answer import VERDICT_COLOURS, response_card
from omgeving.apps._form import button
from omgeving.apps._mapview import Layer, ProjectMap, empty
from omgeving.apps._safe import friendly
from omgeving.apps._widgets import lean
from omgeving.apps.resident import _log_to_server
from omgeving.cycle import responses_for
from omgeving.i18n import t
from omgeving.participation import public_view
from omgeving.project import open_project
from omgeving.reactions import Reaction
from omgeving.store import VERDICTS, Response, open_store
from omgeving.web import read_manifest

__all__ = ["VERDICT_COLOURS", "AnswersApp", "answers"]

_CODE = re.compile(r"^[0-9a-f]{32}$")


def answers(project_dir: str | os.PathLike[str] | None = None, *, lang: str = "nl") -> w.Widget:
    """Return the answers page widget for a project (``OMGEVING_PROJECT`` when not given)."""
    _log_to_server()
    return AnswersApp(project_dir, lang=lang).widget


class AnswersApp:
    """State and widgets of one visit to the answers page."""

    def __init__(self, project_dir: str | os.PathLike[str] | None = None, *,
                 lang: str = "nl") -> None:
        self.project = open_project(settings.project_dir(project_dir))
        self.store = open_store(self.project.store_url())
        self.lang = lang
        self.participant: str | None = None
        manifest = read_manifest(self.project.web_dir)
        self.pmap = ProjectMap(self.project.web_dir, manifest, height="100%",
                               zoom_position="bottomright")
        self.answered = Layer(data=empty(), name="beantwoord",
                              point_style={"radius": 8, "color": "#ffffff", "weight": 2,
                                           "fillOpacity": 0.9})
        self.pmap.add(self.answered)
        self.visitor = lean(w.Text, "omg-visitor", layout={"display": "none"})
        guard = friendly(self._show_error)
        self.visitor.observe(guard(self._on_visitor), names="value")
        self.code = lean(w.Text, "omg-answers-code", layout={"width": "auto"})
        self.find = button("", "omg-answers-find", icon="search")
        self.find.on_click(guard(lambda _b: self._on_code()))
        self.status = lean(w.HTML, "omg-status")
        self.mine = lean(w.HTML, "omg-answers-mine")
        self.body = lean(w.HTML, "omg-answers-list")
        self.widget = lean(w.Box)
        self.compose()

    def _t(self, key: str, **values: object) -> str:
        return t(key, self.lang, **values)

    def _say(self, key: str, **values: object) -> str:
        return html.escape(self._t(key, **values))

    def compose(self) -> None:
        """(Re)build the page in the current language."""
        cfg = self.project.config
        self.widget._dom_classes = ("omg-shell", "omg-app", "omg-answers", "omg-step-list",
                                    f"omg-lang-{self.lang}")
        other = "en" if self.lang == "nl" else "nl"
        switch = button({"en": "English", "nl": "Nederlands"}[other], f"omg-to-{other}",
                        icon="globe")
        switch.on_click(friendly(self._show_error)(lambda _b: self._switch(other)))
        head = lean(w.HTML, "omg-head", value=(
            f"<div class='omg-head-card'><div><h1>{self._say('answers.title')}</h1>"
            f"<p>{html.escape(cfg.title)}</p></div></div>"))
        topbar = lean(w.HBox, "omg-topbar", children=[head, lean(w.Box, "omg-language",
                                                                 children=[switch])])
        mapbox = lean(w.Box, "omg-mapbox", children=[self.pmap.map, topbar])
        self.code.placeholder = self._t("answers.code_hint")
        self.code.description = ""
        self.find.description = self._t("answers.find")
        intro = lean(w.HTML, value=(f"<p class='omg-welcome'>{self._say('answers.intro')}</p>"
                                    f"{self._legend()}"))
        code_row = lean(w.HBox, "omg-answers-code-row", children=[self.code, self.find])
        code_label = lean(w.HTML, "omg-label", value=self._say("answers.code"))
        find = lean(w.VBox, "omg-answers-find-box", children=[code_label, code_row])
        sheet = lean(w.VBox, "omg-sheet", children=[
            intro, self.status, self.mine, find, self.body, self.visitor])
        self.widget.children = [mapbox, sheet]
        self.render()

    def _legend(self) -> str:
        items = "".join(
            f"<li><span class='omg-verdict' style='background:{VERDICT_COLOURS[v]}'>"
            f"{self._say(f'verdict.{v}')}</span></li>" for v in VERDICTS)
        return f"<ul class='omg-verdicts' aria-label='{self._say('answers.legend')}'>{items}</ul>"

    # -- data ------------------------------------------------------------------------------

    def render(self) -> None:
        """Read the store and show the responses (and the visitor's own reactions)."""
        snapshot = self.store.snapshot()
        everyone = {r.id: r for r in snapshot.reactions}
        visible = public_view(everyone)
        responses = snapshot.responses
        self.body.value = self._list_html(responses, visible, everyone)
        self.answered.data = self._features(responses, visible)
        self.mine.value = self._mine_html(responses, everyone) if self.participant else ""
        self.pmap.fit()

    def _features(self, responses: list[Response], visible: dict[str, Reaction]) -> dict:
        features = []
        for r in visible.values():
            found = responses_for(r, responses)
            if not found or r.geometry is None:
                continue
            colour = VERDICT_COLOURS.get(found[0].verdict, "#555555")
            features.append({"type": "Feature", "geometry": r.geometry,
                             "properties": {"id": r.id, "style": {
                                 "color": colour, "fillColor": colour, "weight": 4,
                                 "fillOpacity": 0.35}}})
        return {"type": "FeatureCollection", "features": features}

    def _response_html(self, r: Response, everyone: dict[str, Reaction]) -> str:
        return response_card(r, everyone, self.project.config, self.lang)

    def _list_html(self, responses: list[Response], visible: dict[str, Reaction],
                   everyone: dict[str, Reaction]) -> str:
        if not responses:
            return f"<p>{self._say('answers.none')}</p>"
        by_kind: dict[str, list[Response]] = defaultdict(list)
        for r in responses:
            by_kind[r.kind].append(r)
        parts = []
        for kind in ("theme", "concern", "reaction"):
            if by_kind[kind]:
                cards = "".join(self._response_html(r, everyone) for r in by_kind[kind])
                parts.append(f"<h2 class='omg-step-title'>{self._say(f'answers.section.{kind}')}"
                             f"</h2>{cards}")
        answered = sum(1 for r in visible.values() if responses_for(r, responses))
        total = self._say("answers.total", n=answered, of=len(visible))
        parts.insert(0, f"<p role='status'>{total}</p>")
        return "".join(parts)

    def _mine_html(self, responses: list[Response], everyone: dict[str, Reaction]) -> str:
        own = [r for r in everyone.values()
               if r.participant == self.participant and r.status not in ("erased",)]
        if not own:
            return f"<div class='omg-card omg-mine'><p>{self._say('answers.mine_none')}</p></div>"
        items = []
        for r in own:
            found = responses_for(r, responses)
            said = ("".join(self._response_html(x, everyone) for x in found) if found else
                    f"<p class='omg-no-answer'>{self._say('answers.not_yet')}</p>")
            items.append(f"<div class='omg-card omg-mine-item'><p class='omg-card-text'>"
                         f"<strong>{self._say('answers.you_said')}</strong> "
                         f"{html.escape(r.text)}</p>{said}</div>")
        return (f"<section class='omg-mine'><h2 class='omg-step-title'>"
                f"{self._say('answers.mine_title', n=len(own))}</h2>{''.join(items)}</section>")

    # -- callbacks -------------------------------------------------------------------------

    def _show_error(self, key: str) -> None:
        self.status.value = f"<p class='omg-err' role='alert'>{self._say(key)}</p>"

    def _switch(self, lang: str) -> None:
        self.lang = lang
        self.compose()

    def _on_visitor(self, change: dict[str, Any]) -> None:
        value = str(change["new"] or "").partition(" ")[0]  # "<id>" or "<id> avond"
        if _CODE.match(value):
            self.participant = value
            self.render()

    def _on_code(self) -> None:
        code = re.sub(r"[\s-]", "", self.code.value or "").lower()
        if not _CODE.match(code):
            self.status.value = ""
            self._show_error("answers.code_wrong")
            return
        self.status.value = ""
        self.participant = code
        self.render()

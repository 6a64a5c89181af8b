"""The background questions after a first reaction: who we hear, and who we do not.

Optional and skippable, in plain Dutch: an age band (the CBS kerncijfers' own, so that the
report can set who took part against who lives in the buurten) and how one is tied to the
area. Asked once, after a participant's first reaction, when the project asks them
(``[project] background``). The answers are stored apart from the reaction and the
participant (:meth:`Store.add_profile`): no token, no reaction id, only the day.
"""

from __future__ import annotations

from collections.abc import Callable

import ipywidgets as w

from omgeving.apps._context import Context
from omgeving.apps._form import button
from omgeving.apps._widgets import lean
from omgeving.participation import background_answers
from omgeving.store import AGE_BANDS, RELATIONS

__all__ = ["BackgroundCard"]


class BackgroundCard:
    """The card in the *thanks* step with the project's background questions."""

    def __init__(
        self,
        ctx: Context,
        *,
        on_done: Callable[[str], None],
        guard: Callable[[Callable], Callable],
    ) -> None:
        self.ctx = ctx
        self.on_done = on_done  # called with "saved" or "skipped"
        asked = ctx.project.config.background
        say = ctx.say
        parts: list[w.Widget] = [
            lean(
                w.HTML,
                value=f"<h3>{say('background.title')}</h3><p>{say('background.why')}</p>",
            )
        ]
        self.age: w.ToggleButtons | None = None
        self.relation: list[w.ToggleButton] = []
        if "leeftijd" in asked:
            self.age = lean(
                w.ToggleButtons,
                "omg-theme",
                "omg-background-age",
                options=[(ctx.text(f"background.age.{band}"), band) for band in AGE_BANDS],
                value=None,
                description=ctx.text("background.age"),
                style={"description_width": "initial", "button_width": "auto"},
            )
            parts.append(self.age)
        if "binding" in asked:
            self.relation = [
                lean(w.ToggleButton, "omg-toggle", f"omg-background-{r}",
                     description=ctx.text(f"background.relation.{r}"), value=False,
                     layout={"width": "auto"})
                for r in RELATIONS
            ]
            parts += [
                lean(w.HTML, "omg-label", value=say("background.relation")),
                lean(w.HBox, "omg-background-relations", children=self.relation),
            ]
        save = button(ctx.text("background.save"), "omg-background-save", primary=True)
        skip = button(ctx.text("background.skip"), "omg-background-skip")
        save.on_click(guard(lambda _b: self.save()))
        skip.on_click(guard(lambda _b: self.on_done("skipped")))
        parts.append(lean(w.HBox, "omg-send-row", children=[save, skip]))
        self.widget = lean(w.VBox, "omg-background", "omg-card", children=parts)

    def save(self) -> None:
        """Store what was answered (nothing, if nothing was), then say thanks."""
        ticked = [r for r, toggle in zip(RELATIONS, self.relation, strict=False) if toggle.value]
        background_answers(
            self.ctx.store,
            self.ctx.project.config,
            self.ctx.channel,
            age=self.age.value if self.age is not None else None,
            relation=ticked,
        )
        self.on_done("saved")

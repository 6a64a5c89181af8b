"""The list of reactions, equal to the map: filter, open one, agree, report, change, withdraw.

Plain widgets only (buttons, dropdowns, headings), so it works with a keyboard and a screen
reader; every user text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from omgeving._errors import ValidationError
from omgeving.apps._context import Context
from omgeving.apps._safe import friendly
from omgeving.apps._widgets import lean
from omgeving.cycle import check_round
from omgeving.participation import public_view, report_reaction
from omgeving.reactions import Reaction

__all__ = ["ReactionList"]

PAGE = 10
#: The list's widgets, made the first time the list is shown or asked for (:meth:`ensure`).
LIST_WIDGETS = frozenset({"theme", "scenario", "buurt", "more", "back", "status", "cards"})


class ReactionList:
    """Visible reactions as a filtered, paged list of cards."""

    def __init__(
        self, ctx: Context, *, on_edit: Callable[[Reaction], None], on_change: Callable[[], None]
    ) -> None:
        self.ctx = ctx
        self.on_edit = on_edit
        self.on_change = on_change
        self.reactions: dict[str, Reaction] = {}
        self.page = 0
        self.opened: str | None = None
        self.reporting: str | None = None
        self.built = False
        self.widget = lean(w.VBox, layout={"padding": "0 8px"})

    def __getattr__(self, name: str) -> Any:
        if name in LIST_WIDGETS:  # asked before the list was shown: make it now
            self.ensure()
            return self.__dict__[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def ensure(self) -> None:
        """Make the list's widgets, the first time it is shown (a visit may never open it)."""
        if not self.built:
            self.built = True
            self.build()

    def build(self) -> None:
        """(Re)create the filters in the context's language (once the list was made)."""
        if not self.built:
            return
        ctx = self.ctx
        self.status = lean(w.HTML, "omg-list-status")
        self.cards = lean(w.VBox, "omg-list")
        every = ctx.text("list.all")

        def dropdown(label: str, options: list[tuple[str, str]], css: str) -> w.Dropdown:
            box = lean(
                w.Dropdown,
                css,
                options=[(every, ""), *options],
                value="",
                description=ctx.text(label),
                style={"description_width": "initial"},
            )
            box.observe(friendly(self.show_error)(self._on_filter), names="value")
            return box

        self.theme = dropdown("react.theme", [(t, t) for t in ctx.themes], "omg-filter-theme")
        self.scenario = dropdown(
            "scenario.label", [(n, s) for s, n in ctx.scenarios.items()], "omg-filter-scenario"
        )
        self.buurt = dropdown(
            "list.buurt", sorted((n, c) for c, n in ctx.buurten.items()), "omg-filter-buurt"
        )
        self.more = lean(w.Button, description=ctx.text("list.next"), layout={"width": "auto"})
        self.more.on_click(friendly(self.show_error)(self._on_next))
        self.back = lean(
            w.Button, description=ctx.text("list.previous"), layout={"width": "auto"}
        )
        self.back.on_click(friendly(self.show_error)(self._on_previous))
        self.widget.children = [
            lean(w.HTML, value=f"<h2 id='omg-list-title'>{ctx.say('list.title')}</h2>"),
            lean(w.HBox, "omg-filters", children=[self.theme, self.scenario, self.buurt]),
            self.status,
            self.cards,
            lean(w.HBox, children=[self.back, self.more]),
        ]
        self.render()

    def show_error(self, key: str) -> None:
        self.status.value = f"<span class='omg-err' role='alert'>{self.ctx.say(key)}</span>"

    def show_ok(self, key: str) -> None:
        self.status.value = f"<span class='omg-ok' role='status'>{self.ctx.say(key)}</span>"

    def update(self, reactions: dict[str, Reaction]) -> None:
        """Show those of ``reactions`` (id → reaction) that this visitor may see.

        Whatever a caller passes, hidden, withdrawn, erased and others' pending reactions
        never reach the list (:func:`omgeving.participation.shown_to` decides).
        """
        self.reactions = public_view(reactions, self.ctx.participant)
        self.render()

    def selected(self) -> list[Reaction]:
        """Return the reactions that pass the filters, newest first."""
        theme, scenario, buurt = self.theme.value, self.scenario.value, self.buurt.value
        chosen = [
            r
            for r in self.reactions.values()
            if (not theme or r.theme == theme)
            and (not scenario or r.scenario == scenario)
            and (not buurt or r.buurt == buurt)
        ]
        chosen.sort(key=lambda r: r.seq, reverse=True)
        if self.opened in self.reactions:
            opened = self.reactions[self.opened]
            chosen = [opened] + [r for r in chosen if r.id != opened.id]
        return chosen

    def render(self) -> None:
        if not self.built:
            return  # drawn when it is first shown
        chosen = self.selected()
        last = max((len(chosen) - 1) // PAGE, 0)
        self.page = min(self.page, last)
        shown = chosen[self.page * PAGE : (self.page + 1) * PAGE]
        self.cards.children = [self._card(r) for r in shown] or [
            lean(w.HTML, value=f"<p>{self.ctx.say('list.empty')}</p>")
        ]
        self.more.disabled = self.page >= last
        self.back.disabled = self.page == 0
        self.status.value = (
            f"<span role='status'>{self.ctx.say('list.count', n=len(chosen))}</span>"
        )

    def open(self, reaction_id: str) -> None:
        """Put the reaction clicked on the map at the top of the list, opened."""
        if reaction_id in self.reactions:
            self.opened = reaction_id
            self.page = 0
            self.render()

    def _card(self, r: Reaction) -> w.Widget:
        ctx = self.ctx
        mine = r.participant == ctx.participant
        facts = [
            html.escape(r.theme),
            html.escape(ctx.sentiment_label(r.sentiment)),
            html.escape(ctx.buurten.get(r.buurt or "", "")),
            html.escape(ctx.scenarios.get(r.scenario or "", "")),
        ]
        head = " · ".join(f for f in facts if f)
        note = f"<em>{ctx.say('list.pending')}</em><br>" if r.status == "pending" else ""
        opened = " omg-card-open" if r.id == self.opened else ""
        body = lean(
            w.HTML,
            value=f"<div class='omg-card{opened}' role='article'><h3>{head}</h3>{note}"
            f"<p class='omg-card-text'>{html.escape(r.text)}</p></div>",
        )
        auto = {"width": "auto"}
        agree = lean(
            w.Button, "omg-agree", description=ctx.text("list.agree", n=r.agrees), layout=auto
        )
        agree.on_click(friendly(self.show_error)(lambda _b, rid=r.id: self._agree(rid)))
        buttons = [agree]
        if mine:
            edit = lean(w.Button, "omg-edit", description=ctx.text("list.edit"), layout=auto)
            edit.on_click(friendly(self.show_error)(lambda _b, rr=r: self.on_edit(rr)))
            withdraw = lean(
                w.Button, "omg-withdraw", description=ctx.text("list.withdraw"), layout=auto
            )
            withdraw.on_click(friendly(self.show_error)(lambda _b, rid=r.id: self._withdraw(rid)))
            buttons += [edit, withdraw]
        else:
            report = lean(
                w.Button, "omg-report", description=ctx.text("list.report"), layout=auto
            )
            report.on_click(friendly(self.show_error)(lambda _b, rid=r.id: self._ask(rid)))
            buttons.append(report)
        parts: list[w.Widget] = [body, lean(w.HBox, children=buttons)]
        if self.reporting == r.id:
            parts.append(self._report_panel(r.id))
        return lean(
            w.VBox, children=parts,
            layout={"border": "1px solid #bbb", "margin": "4px 0", "padding": "4px"},
        )

    def _report_panel(self, reaction_id: str) -> w.Widget:
        reason = lean(
            w.Textarea, "omg-report-reason", placeholder=self.ctx.text("list.report_reason"),
            rows=2, layout={"width": "100%"},
        )
        send = lean(
            w.Button, "omg-report-send", description=self.ctx.text("list.report_send"),
            button_style="warning",
        )
        send.on_click(friendly(self.show_error)(lambda _b: self._report(reaction_id, reason.value)))
        return lean(w.VBox, children=[reason, send])

    def _agree(self, reaction_id: str) -> None:
        check_round(self.ctx.store, self.ctx.project.config)  # a closed round takes nothing new
        done = self.ctx.store.agree(reaction_id, self.ctx.participant)
        self.on_change()
        self.show_ok("list.agreed" if done else "list.agreed_before")

    def _ask(self, reaction_id: str) -> None:
        self.reporting = reaction_id
        self.render()

    def _report(self, reaction_id: str, reason: str) -> None:
        ctx = self.ctx
        done = report_reaction(ctx.store, ctx.project.config, reaction_id, ctx.participant, reason)
        self.reporting = None
        self.on_change()
        self.show_ok("list.reported" if done else "list.reported_before")

    def _withdraw(self, reaction_id: str) -> None:
        if not self.ctx.store.withdraw(reaction_id, self.ctx.participant):
            raise ValidationError("cannot withdraw", key="form.cannot_change")
        self.on_change()
        self.show_ok("list.withdrawn")

    def _on_filter(self, _change: dict[str, Any]) -> None:
        self.page = 0
        self.opened = None
        self.render()

    def _on_next(self, _button: Any) -> None:
        self.page += 1
        self.render()

    def _on_previous(self, _button: Any) -> None:
        self.page = max(self.page - 1, 0)
        self.render()

"""The staff app's tabs that close the loop: rounds, the evening register, the responses.

Every action goes through the store with the moderator's name (the audit log keeps it, and
what was written). The texts staff write are shown back only as text
(:class:`~omgeving.apps._plain.PlainText` and disabled text areas), never as HTML.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import ipywidgets as w

from omgeving import settings
from omgeving._errors import ValidationError
from omgeving.apps._plain import plain
from omgeving.apps._widgets import replace_children
from omgeving.cycle import change_options, check_changes, plan_round, round_now, rounds_of
from omgeving.i18n import day_text
from omgeving.participation import moderator_name
from omgeving.reactions import new_reaction_id
from omgeving.store import VERDICTS, Evening, Response, RoundPlan, Snapshot

if TYPE_CHECKING:
    from omgeving.apps.staff import StaffApp

__all__ = ["CycleTabs"]

KINDS = ("theme", "concern", "reaction")


class CycleTabs:
    """Rounds, evenings and responses, for one staff session (:class:`StaffApp`)."""

    def __init__(self, app: StaffApp) -> None:
        self.app = app
        self.editing_evening: str | None = None
        self.editing_round: str | None = None  # the slug of a planned round being changed
        self.editing_response: str | None = None
        guard: Callable[[Callable], Callable] = app._guard
        self._guard = guard
        self.rounds_box = w.VBox().add_class("omg-staff-rounds")
        self.evenings_box = w.VBox().add_class("omg-staff-evenings")
        self.responses_box = w.VBox().add_class("omg-staff-responses")
        self.rounds_tab = w.VBox([w.HTML(f"<p>{app._say('staff.rounds.intro')}</p>"),
                                  self.rounds_box, self._round_form()])
        self.evenings_tab = w.VBox([w.HTML(f"<p>{app._say('staff.evening.intro')}</p>"),
                                    self._evening_form(), self.evenings_box])
        self.responses_tab = w.VBox([w.HTML(f"<p>{app._say('staff.response.intro')}</p>"),
                                     self._response_form(), self.responses_box])

    # -- rounds ----------------------------------------------------------------------------

    def render(self, snapshot: Snapshot) -> None:
        """Redraw the three tabs from one snapshot."""
        self._render_rounds(snapshot)
        self._render_evenings(snapshot)
        self._render_responses(snapshot)

    def _render_rounds(self, snapshot: Snapshot) -> None:
        app = self.app
        config = rounds_of(app.project.config, snapshot.plans)
        self.response_round.options = [(app._t("staff.response.round_all"), "")] + [
            (r.title, r.slug) for r in config.rounds]
        if not config.rounds:
            replace_children(self.rounds_box, [w.HTML(f"<p>{app._say('staff.rounds.none')}</p>")])
            return
        now = round_now(config, snapshot.rounds)
        planned = {p.slug: p for p in snapshot.plans}
        own = {r.slug for r in app.project.config.rounds}
        names = {s.slug: s.name for s in app.project.config.scenarios}
        rows: list[w.Widget] = []
        for r in config.rounds:
            is_open = now.current is not None and now.current.slug == r.slug
            how = ("staff.rounds.decided" if r.slug in snapshot.rounds else
                   "staff.rounds.by_file" if r.open is not None else "staff.rounds.by_period")
            counted = sum(1 for x in snapshot.reactions if x.round == r.slug)
            text = app._t(
                "staff.rounds.row", title=r.title, start=day_text(r.start), end=day_text(r.end),
                state=app._t("staff.rounds.state_open" if is_open else "staff.rounds.state_closed"),
                how=app._t(how), n=counted,
                scenarios=", ".join(names.get(x, x) for x in r.scenarios)
                or app._t("staff.rounds.all"),
            )
            where = app._t("staff.rounds.in_file" if r.slug in own else "staff.rounds.in_app")
            reason = w.Textarea(placeholder=app._t("staff.rounds.reason"), rows=1,
                                layout=w.Layout(width="100%")).add_class("omg-staff-round-reason")
            action = "close" if is_open else "open"
            button = w.Button(description=app._t(f"staff.rounds.do_{action}"),
                              button_style="warning" if is_open else "primary",
                              layout=w.Layout(width="auto"))
            button.add_class(f"omg-staff-round-{action}").add_class(f"omg-staff-round-{r.slug}")
            button.on_click(self._guard(partial(self._on_round, r.slug, not is_open, reason)))
            buttons = [button]
            if r.slug in planned:
                edit = w.Button(description=app._t("staff.rounds.edit"),
                                layout=w.Layout(width="auto")).add_class("omg-staff-round-edit")
                edit.on_click(self._guard(partial(self._edit_round, planned[r.slug])))
                buttons.append(edit)
            rows.append(w.VBox([plain(f"{text}\n{where}").add_class("omg-staff-multiline"),
                                reason, w.HBox(buttons, layout=w.Layout(flex_flow="row wrap"))])
                        .add_class("omg-staff-row"))
        replace_children(self.rounds_box, rows)

    def _round_form(self) -> w.Widget:
        app = self.app
        style = {"description_width": "initial"}
        self.round_heading = w.HTML(f"<h3>{app._say('staff.rounds.new')}</h3>")
        self.round_title = w.Text(description=app._t("staff.rounds.title"), style=style,
                                  placeholder=app._t("staff.rounds.title_hint"),
                                  layout=w.Layout(width="min(100%, 520px)")
                                  ).add_class("omg-staff-round-title")
        self.round_title_en = w.Text(description=app._t("staff.rounds.title_en"), style=style,
                                     layout=w.Layout(width="min(100%, 520px)")
                                     ).add_class("omg-staff-round-title-en")
        self.round_start = w.DatePicker(description=app._t("staff.rounds.start"), style=style
                                        ).add_class("omg-staff-round-start")
        self.round_end = w.DatePicker(description=app._t("staff.rounds.end"), style=style
                                      ).add_class("omg-staff-round-end")
        self.round_scenarios = {
            s.slug: w.Checkbox(value=False, description=s.name, indent=False)
            for s in app.project.config.scenarios
        }
        save = w.Button(description=app._t("staff.rounds.save"), button_style="primary",
                        icon="save", layout=w.Layout(width="auto")
                        ).add_class("omg-staff-round-save")
        save.on_click(self._guard(self._on_plan))
        shown = w.HBox(list(self.round_scenarios.values()), layout=w.Layout(flex_flow="row wrap"))
        return w.VBox([self.round_heading, self.round_title, self.round_title_en,
                       w.HBox([self.round_start, self.round_end],
                              layout=w.Layout(flex_flow="row wrap")),
                       w.Label(app._t("staff.rounds.scenarios")), shown, w.HBox([save])]
                      ).add_class("omg-staff-round-form")

    def _on_plan(self, _button: Any) -> None:
        app = self.app
        start, end = self.round_start.value, self.round_end.value
        if not isinstance(start, date) or not isinstance(end, date):
            raise ValidationError("no start or end chosen for the round",
                                  key="staff.error.round_day")
        plan_round(app.store, app.project.config, title=self.round_title.value,
                   title_en=self.round_title_en.value, start=start, end=end,
                   scenarios=[s for s, box in self.round_scenarios.items() if box.value],
                   slug=self.editing_round, actor=app.name.value)
        self.editing_round = None
        self.round_heading.value = f"<h3>{app._say('staff.rounds.new')}</h3>"
        self.round_title.value = self.round_title_en.value = ""
        self.round_start.value = self.round_end.value = None
        for box in self.round_scenarios.values():
            box.value = False
        app.refresh()
        app._show_ok("staff.done.round_plan")

    def _edit_round(self, plan: RoundPlan, _button: Any) -> None:
        app = self.app
        self.editing_round = plan.slug
        self.round_heading.value = f"<h3>{app._say('staff.rounds.change', title=plan.title)}</h3>"
        self.round_title.value, self.round_title_en.value = plan.title, plan.title_en
        self.round_start.value = date.fromisoformat(plan.start)
        self.round_end.value = date.fromisoformat(plan.end)
        for slug, box in self.round_scenarios.items():
            box.value = slug in plan.scenarios

    def _on_round(self, slug: str, open_: bool, reason: w.Textarea, _button: Any) -> None:
        app = self.app
        actor = app.actor()
        why = reason.value.strip() or app._t(f"staff.rounds.{'open' if open_ else 'close'}_reason")
        app.store.set_round(slug, open_, actor=actor, reason=why)
        app.refresh()
        app._show_ok("staff.done.round_open" if open_ else "staff.done.round_close")

    # -- evenings --------------------------------------------------------------------------

    def _evening_form(self) -> w.Widget:
        app = self.app
        style = {"description_width": "initial"}
        self.evening_day = w.DatePicker(description=app._t("staff.evening.day"), style=style,
                                        value=_today()).add_class("omg-staff-evening-day")
        self.evening_place = w.Text(description=app._t("staff.evening.place"), style=style,
                                    placeholder=app._t("staff.evening.place_hint")
                                    ).add_class("omg-staff-evening-place")
        self.evening_visitors = w.BoundedIntText(
            value=0, min=0, max=100_000, description=app._t("staff.evening.visitors"),
            style=style).add_class("omg-staff-evening-visitors")
        self.evening_scenarios = {
            s.slug: w.Checkbox(value=False, description=s.name, indent=False)
            for s in app.project.config.scenarios
        }
        self.evening_notes = w.Textarea(placeholder=app._t("staff.evening.notes"), rows=3,
                                        layout=w.Layout(width="100%")
                                        ).add_class("omg-staff-evening-notes")
        save = w.Button(description=app._t("staff.evening.save"), button_style="primary",
                        icon="save", layout=w.Layout(width="auto")
                        ).add_class("omg-staff-evening-save")
        save.on_click(self._guard(self._on_evening))
        shown = w.HBox(list(self.evening_scenarios.values()),
                       layout=w.Layout(flex_flow="row wrap"))
        return w.VBox([self.evening_day, self.evening_place, self.evening_visitors,
                       w.Label(app._t("staff.evening.scenarios")), shown, self.evening_notes,
                       w.HBox([save])]).add_class("omg-staff-evening-form")

    def _on_evening(self, _button: Any) -> None:
        app = self.app
        actor = app.actor()
        day = self.evening_day.value
        if not isinstance(day, date):
            raise ValidationError("no day chosen for the evening", key="staff.error.day")
        evening = Evening(
            id=self.editing_evening or new_reaction_id(), day=day.isoformat(),
            place=self.evening_place.value, visitors=int(self.evening_visitors.value or 0),
            scenarios=tuple(s for s, box in self.evening_scenarios.items() if box.value),
            notes=self.evening_notes.value,
        )
        app.store.save_evening(evening, actor=actor)
        self.editing_evening = None
        self.evening_place.value = self.evening_notes.value = ""
        self.evening_visitors.value = 0
        for box in self.evening_scenarios.values():
            box.value = False
        app.refresh()
        app._show_ok("staff.done.evening")

    def _render_evenings(self, snapshot: Snapshot) -> None:
        app = self.app
        rows: list[w.Widget] = []
        for e in reversed(snapshot.evenings):
            at_table = sum(1 for r in snapshot.reactions if r.evening == e.id)
            text = app._t("staff.evening.row", day=day_text(e.day), place=e.place,
                          visitors=e.visitors, n=at_table,
                          scenarios=", ".join(e.scenarios) or "-", notes=e.notes or "-")
            edit = w.Button(description=app._t("staff.evening.edit"),
                            layout=w.Layout(width="auto")).add_class("omg-staff-evening-edit")
            edit.on_click(self._guard(partial(self._edit_evening, e)))
            rows.append(w.VBox([plain(text).add_class("omg-staff-multiline"), edit])
                        .add_class("omg-staff-row"))
        replace_children(self.evenings_box, rows or [w.Label(app._t("staff.evening.empty"))])

    def _edit_evening(self, e: Evening, _button: Any) -> None:
        self.editing_evening = e.id
        self.evening_day.value = date.fromisoformat(e.day)
        self.evening_place.value, self.evening_notes.value = e.place, e.notes
        self.evening_visitors.value = e.visitors
        for slug, box in self.evening_scenarios.items():
            box.value = slug in e.scenarios

    # -- responses -------------------------------------------------------------------------

    def _response_form(self) -> w.Widget:
        app = self.app
        config = app.project.config
        style = {"description_width": "initial"}
        self.response_kind = w.ToggleButtons(
            options=[(app._t(f"staff.response.kind.{k}"), k) for k in KINDS], value="theme",
            description=app._t("staff.response.kind"), style={**style, "button_width": "auto"},
        ).add_class("omg-staff-response-kind")
        self.response_theme = w.Dropdown(options=list(config.themes), value=None,
                                         description=app._t("staff.response.theme"),
                                         style=style).add_class("omg-staff-response-theme")
        self.response_concern = w.Dropdown(options=[], value=None,
                                           description=app._t("staff.response.concern"),
                                           style=style, layout=w.Layout(width="min(100%, 640px)")
                                           ).add_class("omg-staff-response-concern")
        self.response_reaction = w.Text(description=app._t("staff.response.reaction"),
                                        placeholder=app._t("staff.response.reaction_hint"),
                                        style=style).add_class("omg-staff-response-reaction")
        self.response_round = w.Dropdown(
            options=[(app._t("staff.response.round_all"), "")]
            + [(r.title, r.slug) for r in config.rounds],
            value="", description=app._t("staff.response.round"), style=style,
        ).add_class("omg-staff-response-round")
        self.response_verdict = w.ToggleButtons(
            options=[(app._t(f"verdict.{v}"), v) for v in VERDICTS], value=None,
            description=app._t("staff.response.verdict"),
            style={**style, "button_width": "auto"},
        ).add_class("omg-staff-response-verdict")
        self.response_text = w.Textarea(placeholder=app._t("staff.response.text"), rows=4,
                                        layout=w.Layout(width="100%")
                                        ).add_class("omg-staff-response-text")
        self.response_text_en = w.Textarea(placeholder=app._t("staff.response.text_en"), rows=2,
                                           layout=w.Layout(width="100%")
                                           ).add_class("omg-staff-response-text-en")
        # what it changed: an intervention of a scenario, picked; or an area of the vision
        self.change_options = change_options(app.project)
        self.response_pick = w.SelectMultiple(
            options=self.change_options, value=(), rows=min(8, max(2, len(self.change_options))),
            description=app._t("staff.response.pick"), style=style,
            layout=w.Layout(width="min(100%, 640px)"),
        ).add_class("omg-staff-response-pick")
        self.response_changes = w.Text(description=app._t("staff.response.changes"),
                                       placeholder="gio:visiegebied-dorpskern",
                                       style=style, layout=w.Layout(width="min(100%, 640px)")
                                       ).add_class("omg-staff-response-changes")
        save = w.Button(description=app._t("staff.response.save"), button_style="primary",
                        icon="save", layout=w.Layout(width="auto")
                        ).add_class("omg-staff-response-save")
        save.on_click(self._guard(self._on_response))
        self.response_kind.observe(self._guard(lambda _c: self._show_target()), names="value")
        self.response_target = w.VBox()
        self._show_target()
        return w.VBox([self.response_kind, self.response_target, self.response_round,
                       self.response_verdict, self.response_text, self.response_text_en,
                       self.response_pick, self.response_changes,
                       w.HTML(f"<p>{app._say('staff.response.changes_hint')}</p>"),
                       w.HBox([save])]
                      ).add_class("omg-staff-response-form")

    def _show_target(self) -> None:
        kind = self.response_kind.value
        target = {"theme": self.response_theme, "concern": self.response_concern,
                  "reaction": self.response_reaction}[kind]
        if kind == "concern" and not self.response_concern.options:
            self.app.analyse_if_needed()
        self.response_target.children = [target]

    def opened(self) -> None:
        """Offer again what a response can change (a GIO may have been exported since)."""
        options = change_options(self.app.project)
        if options != self.change_options:
            chosen = [v for v in self.response_pick.value if v in {k for _, k in options}]
            self.change_options = options
            self.response_pick.options = options
            self.response_pick.value = tuple(chosen)

    def set_concerns(self, concerns: list[tuple[str, tuple[str, ...]]]) -> None:
        """Offer the analysis' concerns (label, ids) as targets of a response."""
        self.concern_ids = {label: ids for label, ids in concerns}
        self.response_concern.options = [f"{label} ({len(ids)})" for label, ids in concerns]
        self._concern_labels = {f"{label} ({len(ids)})": label for label, ids in concerns}

    def _on_response(self, _button: Any) -> None:
        app = self.app
        actor = moderator_name(app.name.value)
        kind = self.response_kind.value
        snapshot = app.store.snapshot()
        round_ = self.response_round.value or None
        if kind == "theme":
            target = self.response_theme.value
            if target not in app.project.config.themes:
                raise ValidationError("no theme chosen", key="staff.error.response_target")
            ids = tuple(r.id for r in snapshot.reactions if r.theme == target
                        and r.status not in ("erased",) and (round_ is None or r.round == round_))
        elif kind == "concern":
            shown = self.response_concern.value
            labels = getattr(self, "_concern_labels", {})
            if shown not in labels:
                raise ValidationError("no concern chosen", key="staff.error.response_target")
            target = labels[shown]
            ids = tuple(self.concern_ids[target])
        else:
            target = self.response_reaction.value.strip().lstrip("#")
            match = [r.id for r in snapshot.reactions if r.id.startswith(target)] if target else []
            if len(match) != 1:
                raise ValidationError(f"no single reaction starts with {target!r}",
                                      key="staff.error.response_reaction")
            target = match[0]
            ids = (target,)
        areas = [c.strip() for c in self.response_changes.value.split(",") if c.strip()]
        changes = check_changes(app.project, [*self.response_pick.value, *areas],
                                self.change_options)
        response = Response(
            id=self.editing_response or new_reaction_id(), kind=kind, target=str(target),
            verdict=self.response_verdict.value or "", text=self.response_text.value, ids=ids,
            changes=changes, round=round_, text_en=self.response_text_en.value,
        )
        app.store.save_response(response, actor=actor)
        self.editing_response = None
        self.response_text.value = self.response_text_en.value = ""
        self.response_changes.value = self.response_reaction.value = ""
        self.response_pick.value = ()
        self.response_verdict.value = None
        app.refresh()
        app._show_ok("staff.done.response")

    def _render_responses(self, snapshot: Snapshot) -> None:
        app = self.app
        rows: list[w.Widget] = []
        for r in reversed(snapshot.responses):
            text = app._t("staff.response.row", kind=app._t(f"staff.response.kind.{r.kind}"),
                          target=r.target if r.kind != "reaction" else f"#{r.target[:8]}",
                          verdict=app._t(f"verdict.{r.verdict}"), n=len(r.ids), text=r.text,
                          changes=", ".join(r.changes) or "-", actor=r.actor)
            withdraw = w.Button(description=app._t("staff.response.withdraw"),
                                layout=w.Layout(width="auto")
                                ).add_class("omg-staff-response-withdraw")
            withdraw.on_click(self._guard(partial(self._on_withdraw, r.id)))
            rows.append(w.VBox([plain(text).add_class("omg-staff-multiline"), withdraw])
                        .add_class("omg-staff-row"))
        replace_children(self.responses_box, rows or [w.Label(app._t("staff.response.empty"))])

    def _on_withdraw(self, response_id: str, _button: Any) -> None:
        app = self.app
        app.store.delete_response(response_id, actor=app.actor(),
                                  reason=app._t("staff.response.withdrawn_reason"))
        app.refresh()
        app._show_ok("staff.done.response_withdrawn")


def _today() -> date:
    return datetime.now(ZoneInfo(settings.TIMEZONE)).date()



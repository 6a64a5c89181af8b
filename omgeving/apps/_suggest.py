"""The staff app's *Suggesties*: what the analysis proposes, for a moderator to settle.

Possible duplicates (link them as one point, or note they differ) and theme suggestions
(give one, or reject it), each audited; and the lines the queue's rows get ("lijkt op #…").
A part of :class:`~omgeving.apps.staff.StaffApp`, which mixes it in (:class:`Suggestions`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ipywidgets as w

from omgeving import settings
from omgeving.apps._plain import plain
from omgeving.apps._widgets import close_tree, replace_children
from omgeving.moderation import accept_theme, judge_duplicate, reject_theme
from omgeving.reactions import Reaction
from omgeving.store import UNSPECIFIED_THEMES, Snapshot, Store

if TYPE_CHECKING:
    import pandas as pd

    from omgeving.analysis.moderated import DuplicateGroup
    from omgeving.analysis.themes import Suggestion
    from omgeving.apps._cycle import CycleTabs
    from omgeving.project import Project

__all__ = ["SHORT_TEXT", "SUGGEST_PAGE", "Suggestions"]

#: A reaction's text in an audit entry is cut to this many characters (one or two lines).
SHORT_TEXT = 120
#: Suggestions per page of each list: a row has a dozen widgets. A decision settles its own
#: row in place (the lists are drawn again only for another page or a new search), so the
#: rows under the moderator's finger do not move.
SUGGEST_PAGE = 8


@dataclass
class _Findings:
    """What the analysis found, as the staff app keeps it between refreshes."""

    ids: list[str]
    pairs: pd.DataFrame
    suggestions: list[Suggestion]
    concern: dict[str, str]  # reaction id → the label of its concern ("" for none)


class Suggestions:
    """The *Suggesties* tab and the analysis behind it, mixed into the staff app."""

    # what the staff app provides (see :class:`~omgeving.apps.staff.StaffApp`)
    project: Project
    store: Store
    lang: str
    tabs: w.Tab
    cycle: CycleTabs
    findings: _Findings | None
    hints: dict[str, list[str]]
    _guard: Callable[[Callable], Callable]
    _t: Callable[..., str]
    _say: Callable[..., str]
    _nav: Callable[[str], w.Box]
    _page: Callable[..., list]
    _show_ok: Callable[[str], None]
    _show_error: Callable[[str], None]
    actor: Callable[[], str]
    refresh: Callable[..., None]
    stale: set[int]
    _draw: Callable[[int], None]

    def _suggest_tab(self) -> w.Widget:
        self.suggest_info = w.HTML(f"<p>{self._say('staff.suggest.intro')}</p>").add_class(
            "omg-staff-suggest-info")
        self.dups_title, self.themes_title = w.HTML(), w.HTML()
        self.dups_list = w.VBox().add_class("omg-staff-suggest").add_class("omg-staff-dups")
        self.themes_list = w.VBox().add_class("omg-staff-suggest").add_class("omg-staff-themes")
        self.suggest_run = w.Button(
            description=self._t("staff.suggest.run"), icon="search",
            layout=w.Layout(width="auto"),
        ).add_class("omg-staff-suggest-run")
        self.suggest_run.on_click(self._guard(lambda _b: self.analyse()))
        self.suggest_bar = w.IntProgress(
            description=self._t("staff.suggest.read"), style={"description_width": "initial"},
            layout=w.Layout(display="none", width="100%"),
        ).add_class("omg-staff-suggest-bar")
        return w.VBox([self.suggest_info, self.suggest_bar, w.HBox([self.suggest_run]),
                       self.dups_title, self.dups_list, self._nav("dups"),
                       self.themes_title, self.themes_list, self._nav("themes")])

    def analyse(self) -> None:
        """Run the analysis (embeddings cached in the project) and show what is to settle."""
        from omgeving.analysis.run import analyse

        self.suggest_run.disabled = True
        self.suggest_info.value = f"<p role='status'>{self._say('staff.suggest.busy')}</p>"
        self.suggest_bar.layout.display = ""

        def progress(done: int, total: int) -> None:  # the texts read (new ones only)
            self.suggest_bar.max, self.suggest_bar.value = max(total, 1), done

        try:
            result = analyse(self.project, progress=progress)
        finally:
            self.suggest_run.disabled = False
            self.suggest_bar.layout.display = "none"
        self.cycle.set_concerns([(c.label, tuple(c.ids)) for c in result.concerns])
        self.findings = _Findings(
            ids=result.reactions["id"].tolist(),
            pairs=result.pairs,
            suggestions=result.suggestions,
            concern={i: str(z) for i, z in zip(result.reactions["id"],
                                               result.reactions["zorg_label"], strict=True)},
        )
        self._render_suggestions()

    def analyse_if_needed(self) -> None:
        """Run the analysis unless it ran in this session (a response to a concern needs it)."""
        if self.findings is None:
            self.analyse()

    def _render_suggestions(
        self, snapshot: Snapshot | None = None, groups: list[DuplicateGroup] | None = None
    ) -> None:
        """Redraw the open duplicate groups and theme suggestions (after the analysis ran)."""
        self.stale.discard(4)
        if self.findings is None:
            return
        snapshot = self.store.snapshot() if snapshot is None else snapshot
        reactions = {r.id: r for r in snapshot.reactions}
        groups, themes = self._count_suggestions(snapshot, groups)
        dups = [self._duplicate_row(g, reactions)
                for g in self._page("dups", groups, SUGGEST_PAGE)]
        rows = [self._theme_row(s, reactions)
                for s in self._page("themes", themes, SUGGEST_PAGE)]
        empty = self._t("staff.suggest.empty")
        replace_children(self.dups_list, dups or [w.Label(empty)])
        replace_children(self.themes_list, rows or [w.Label(empty)])

    def _count_suggestions(
        self, snapshot: Snapshot, groups: list[DuplicateGroup] | None = None
    ) -> tuple[list[DuplicateGroup], list[Suggestion]]:
        """Say how many groups and suggestions are open (titles and tab), and return them."""
        if self.findings is None:
            return [], []
        from omgeving.analysis.moderated import open_suggestions

        reactions = {r.id: r for r in snapshot.reactions}
        groups = self._groups(snapshot) if groups is None else groups
        themes = open_suggestions(self.findings.suggestions, reactions, snapshot.audit)
        count = self._say("staff.suggest.count", groups=len(groups), themes=len(themes))
        self.suggest_info.value = (f"<p>{self._say('staff.suggest.intro')}</p>"
                                   f"<p role='status'><strong>{count}</strong></p>")
        self.dups_title.value = f"<h3>{self._say('staff.suggest.dups', n=len(groups))}</h3>"
        self.themes_title.value = f"<h3>{self._say('staff.suggest.themes', n=len(themes))}</h3>"
        self.tabs.set_title(4, self._t("staff.section.suggest", n=len(groups) + len(themes)))
        return groups, themes

    def _groups(self, snapshot: Snapshot) -> list[DuplicateGroup]:
        if self.findings is None:
            return []
        from omgeving.analysis.moderated import open_duplicates

        return open_duplicates(self.findings.ids, self.findings.pairs, snapshot.links)

    def _hints(self, snapshot: Snapshot, groups: list[DuplicateGroup]) -> dict[str, list[str]]:
        """Return the lines a reaction's row gets: linked to, looks like, its concern."""
        hints: dict[str, list[str]] = {}
        for link in snapshot.links:
            if link.same:
                hints.setdefault(link.a, []).append(self._t("staff.row.linked", other=link.b[:8]))
                hints.setdefault(link.b, []).append(self._t("staff.row.linked", other=link.a[:8]))
        for group in groups:
            for i in group.ids:
                others = " ".join(f"#{o[:8]}" for o in group.ids if o != i)
                hints.setdefault(i, []).append(self._t("staff.row.like", others=others))
        for i, label in (self.findings.concern.items() if self.findings else ()):
            if label:
                hints.setdefault(i, []).append(self._t("staff.row.concern", label=label))
        return hints

    def _quote(self, r: Reaction | None, limit: int = 300) -> str:
        if r is None:
            return ""
        theme = r.theme or self._t("staff.suggest.no_theme")
        return self._t("staff.suggest.quote", reaction=r.id[:8], theme=theme,
                       when=_when(r.created), text=_shorten(r.text, limit))

    def _duplicate_row(self, group: DuplicateGroup, reactions: dict[str, Reaction]) -> w.Widget:
        first, *others = group.ids
        kinds = ", ".join(self._t(f"staff.suggest.kind.{k}") for k in group.kinds)
        lines = [
            self._t("staff.suggest.group", n=len(group.ids), kinds=kinds),
            self._quote(reactions.get(first)),
            self._t("staff.suggest.others"),
            *(f"· {self._quote(reactions.get(i), 110)}" for i in others),
        ]
        wide = w.Layout(width="auto")  # the whole label, however long
        same = w.Button(description=self._t("staff.suggest.link", n=len(group.ids)),
                        button_style="primary", layout=wide).add_class("omg-staff-link")
        differ = w.Button(description=self._t("staff.suggest.unlink"), layout=wide).add_class(
            "omg-staff-unlink")
        box = w.VBox([plain("\n".join(lines)).add_class("omg-staff-multiline"),
                      w.HBox([same, differ], layout=w.Layout(flex_flow="row wrap"))])
        same.on_click(self._guard(partial(self._on_link, group, True, box)))
        differ.on_click(self._guard(partial(self._on_link, group, False, box)))
        return box.add_class("omg-staff-row").add_class(f"omg-staff-dup-{first}")

    def _theme_row(self, s: Suggestion, reactions: dict[str, Reaction]) -> w.Widget:
        r = reactions.get(s.id)
        runners = ", ".join(f"{theme} ({p:.0%})" for theme, p in s.next)
        text = "\n".join([
            self._quote(r),
            self._t("staff.suggest.theme", theme=s.theme, p=f"{s.probability:.0%}",
                    others=runners or "-"),
        ])
        options = list(dict.fromkeys(
            [s.theme, *(theme for theme, _ in s.next),
             *(x for x in self.project.config.themes if x not in UNSPECIFIED_THEMES)]
        ))
        choice = w.Dropdown(options=options, value=s.theme,
                            description=self._t("staff.suggest.choice"),
                            style={"description_width": "initial"}).add_class(
            "omg-staff-theme-choice")
        wide = w.Layout(width="auto")
        accept = w.Button(description=self._t("staff.suggest.accept"),
                          button_style="primary", layout=wide).add_class("omg-staff-accept")
        reject = w.Button(description=self._t("staff.suggest.reject"), layout=wide).add_class(
            "omg-staff-reject")
        box = w.VBox([plain(text).add_class("omg-staff-multiline"), choice,
                      w.HBox([accept, reject], layout=w.Layout(flex_flow="row wrap"))])
        accept.on_click(self._guard(partial(self._on_theme, s, choice, True, box)))
        reject.on_click(self._guard(partial(self._on_theme, s, choice, False, box)))
        return box.add_class("omg-staff-row").add_class(f"omg-staff-suggest-{s.id}")

    def _on_tab(self, change: dict[str, Any]) -> None:
        index = change["new"]
        if index == 4 and self.findings is None:  # the suggestions: analyse once
            self.analyse()
        elif index in self.stale:  # a list tab, changed since it was drawn
            self._draw(index)
        if index == 7:  # Antwoorden: what a response can change, as it is now
            self.cycle.opened()

    def _on_link(self, group: DuplicateGroup, same: bool, row: w.Box, _button: Any) -> None:
        actor = self.actor()
        first, *others = group.ids
        # the same point: every one linked to the first; different: each pair found, judged so
        pairs = [(first, other) for other in others] if same else list(group.pairs)
        for a, b in pairs:
            judge_duplicate(self.store, a, b, same=same, actor=actor, lang=self.lang)
        self._settled(row, "staff.done.link" if same else "staff.done.unlink")

    def _on_theme(
        self, s: Suggestion, choice: w.Dropdown, accept: bool, row: w.Box, _button: Any
    ) -> None:
        actor = self.actor()
        if not accept:
            reject_theme(self.store, s.id, s.theme, actor=actor, lang=self.lang)
            self._settled(row, "staff.done.reject_theme")
        elif accept_theme(self.store, self.project.config, s.id, choice.value, actor=actor,
                          lang=self.lang):
            self._settled(row, "staff.done.theme")
        else:  # the reaction has a theme of its own by now
            self._settled(row, "staff.error.stale", ok=False)

    def _settled(self, row: w.Box, key: str, *, ok: bool = True) -> None:
        """Show a decision in its own row, in place of its buttons, and update the rest.

        The lists are not drawn again: the rows under the moderator's finger stay where they
        are, and the next page or a new search leaves the settled ones out.
        """
        text, *controls = row.children
        row.children = [text, w.HTML(
            f"<p class='{'omg-staff-settled' if ok else 'omg-err'}' role='status'>"
            f"{'✓ ' if ok else ''}{self._say(key)}</p>")]
        for control in controls:
            close_tree(control)
        self.refresh(lists=False)
        (self._show_ok if ok else self._show_error)(key)


def _shorten(text: str, limit: int = SHORT_TEXT) -> str:
    r"""Return ``text`` on one line, cut at a word to at most ``limit`` characters with "…".

    Examples
    --------
    >>> _shorten("Meer bomen\nin de straat", 40)
    'Meer bomen in de straat'
    >>> _shorten("Meer bomen in de straat", 16)
    'Meer bomen in…'
    """
    line = " ".join(text.split())
    if len(line) <= limit:
        return line
    cut = line[: limit - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,.;:") + "…"


def _when(iso: str) -> str:
    """Return an ISO time in UTC as local Dutch time, ``dd-mm-jjjj uu:mm``."""
    try:
        moment = datetime.fromisoformat(iso).astimezone(ZoneInfo(settings.TIMEZONE))
    except (ValueError, TypeError, ZoneInfoNotFoundError):
        return str(iso)
    return moment.strftime("%d-%m-%Y %H:%M")

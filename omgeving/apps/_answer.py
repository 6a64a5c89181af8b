"""One response of the municipality as a card: on the answers page and the closed map.

Everything shown is escaped; a reaction that anyone may not see is not quoted.
"""

from __future__ import annotations

import html

from omgeving.config import ProjectConfig
from omgeving.i18n import t
from omgeving.reactions import Reaction
from omgeving.store import Response

__all__ = ["VERDICT_COLOURS", "change_label", "response_card"]

#: A colour per verdict, for the map and the badges (white text passes 4.5:1 on each).
VERDICT_COLOURS = {
    "overgenomen": "#1a6b32",
    "deels overgenomen": "#8a5a00",
    "niet overgenomen": "#a01c1c",
    "buiten de visie": "#555555",
}


def response_card(r: Response, everyone: dict[str, Reaction], config: ProjectConfig,
                  lang: str = "nl") -> str:
    """Return ``r`` as an HTML card: its verdict, what it answers, its text, what changed."""
    def say(key: str, **values: object) -> str:
        return html.escape(t(key, lang, **values))

    text = r.text_en if lang == "en" and r.text_en else r.text
    colour = VERDICT_COLOURS.get(r.verdict, "#555555")
    target = config.theme_label(r.target, lang) if r.kind == "theme" else r.target
    if r.kind == "reaction":
        reaction = everyone.get(r.target)
        target = (reaction.text[:80] + ("…" if len(reaction.text) > 80 else "")
                  if reaction is not None and reaction.status == "visible" else "")
    changed = ""
    if r.changes:
        said = "; ".join(change_label(c, config, lang) for c in r.changes)
        changed = f"<p class='omg-changed'>{say('answers.changed')} {html.escape(said)}</p>"
    n = len(r.ids)
    if r.kind == "theme":  # every reaction of the theme (in its round), now
        n = sum(1 for x in everyone.values() if x.status != "erased" and x.theme == r.target
                and (r.round is None or x.round == r.round))
    count = (f"<span class='omg-count'>{say('answers.count', n=n)}</span>"
             if r.kind != "reaction" else "")
    return (
        f"<article class='omg-card omg-answer omg-answer-{r.kind}'>"
        f"<p><span class='omg-verdict' style='background:{colour}'>"
        f"{say(f'verdict.{r.verdict}')}</span> {count}</p>"
        f"<h3>{say(f'answers.kind.{r.kind}')}: {html.escape(target)}</h3>"
        f"<p class='omg-card-text'>{html.escape(text)}</p>{changed}</article>")


def change_label(change: str, config: ProjectConfig, lang: str = "nl") -> str:
    """Return what a response changed in words: the scenario's name and the intervention's.

    Examples
    --------
    >>> from omgeving.config import ProjectConfig, ScenarioRef
    >>> config = ProjectConfig(title="T", gemeenten=("GM0177",),
    ...     scenarios=(ScenarioRef("compact", "Compact bouwen"),))
    >>> change_label("scenario:compact/Zebrapad Schoolstraat", config)
    'Compact bouwen: Zebrapad Schoolstraat'
    >>> change_label("gio:visiegebied-dorpskern", config)
    'gebied in de visie visiegebied-dorpskern'
    >>> change_label("gio:kernen/Eskerlo", config)
    'gebied Eskerlo in de visie (kernen)'
    """
    kind, _, rest = change.partition(":")
    if kind == "scenario":
        slug, _, name = rest.partition("/")
        scenario = next((s.name for s in config.scenarios if s.slug == slug), slug)
        return f"{scenario}: {name}"
    if kind == "gio":
        work, _, name = rest.partition("/")
        if name:  # an area of a GIO exported from a layer: its name, and the GIO's
            return t("answers.change.gio_area", lang, area=name, gio=work)
        return t("answers.change.gio", lang, area=rest)
    return change

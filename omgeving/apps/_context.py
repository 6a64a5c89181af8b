"""What every component of an app shares: the project, its store, the visit, the language."""

from __future__ import annotations

import html
import secrets
from dataclasses import dataclass, field
from typing import Any

from omgeving.i18n import t
from omgeving.participation import Area
from omgeving.project import Project
from omgeving.store import Store

__all__ = ["REACTION_OPACITY", "Context"]

#: Stroke opacity of reaction shapes on a map (slightly translucent, so the map shows through).
REACTION_OPACITY = 0.95


@dataclass
class Context:
    """The state one visit's components share."""

    project: Project
    manifest: dict[str, Any]
    area: Area
    store: Store
    lang: str = "nl"
    channel: str = "online"
    participant: str = field(default_factory=lambda: secrets.token_hex(16))
    evening: str | None = None  # the evening in progress, at the table (the register's id)

    def text(self, key: str, **values: object) -> str:
        """Return a catalogue text (plain, for widget descriptions and options)."""
        return t(key, self.lang, **values)

    def say(self, key: str, **values: object) -> str:
        """Return a catalogue text escaped for an HTML widget (values escaped too)."""
        return html.escape(t(key, self.lang, **values))

    @property
    def themes(self) -> tuple[str, ...]:
        return self.project.config.themes

    @property
    def scenarios(self) -> dict[str, str]:
        return {s["slug"]: s["name"] for s in self.manifest["scenarios"]}

    @property
    def buurten(self) -> dict[str, str]:
        return {code: name for code, name, _ in self.area.buurten if code}

    def theme_label(self, theme: str) -> str:
        """Return a theme's name in the visit's language (the stored value stays Dutch)."""
        label = getattr(self.project.config, "theme_label", None)
        return label(theme, self.lang) if callable(label) else theme

    @property
    def identity(self) -> dict[str, str]:
        """Return the municipality's identity for this visit's language (empty when unset)."""
        ident = getattr(self.project.config, "identity", None)
        if ident is None:
            return {}
        return {
            "name": ident.name,
            "logo": ident.logo,
            "photo": ident.photo,
            "colour": ident.colour,
            "accent": ident.accent,
            "welcome": ident.welcome_text(self.lang),
            "answer_by": ident.answer_by_text(self.lang),
        }

    def sentiment_label(self, value: int | None) -> str:
        return self.text(f"sentiment.{value}") if value is not None else ""

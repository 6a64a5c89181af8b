"""The Voila apps: thin widget compositions over the package."""

from __future__ import annotations

__all__ = ["resident"]


def __getattr__(name: str):
    if name == "resident":
        from omgeving.apps.resident import resident

        return resident
    raise AttributeError(name)

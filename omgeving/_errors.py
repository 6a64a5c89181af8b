"""The few exception classes of omgeving.

Every message says what was wrong, with which value, and how to fix it.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "LayerError",
    "OmgevingError",
    "ProjectError",
    "ServiceError",
    "StoreError",
    "ValidationError",
]


class OmgevingError(Exception):
    """Base class of every error omgeving raises on purpose."""


class ConfigError(OmgevingError):
    """The project configuration (``omgeving.toml``) is wrong."""


class ProjectError(OmgevingError):
    """A folder is not a project, or a project cannot be written."""


class LayerError(OmgevingError):
    """A layer cannot be read, has no usable CRS, or is empty."""


class ServiceError(OmgevingError):
    """A remote service (PDOK, CBS) failed or answered something unusable."""


class StoreError(OmgevingError):
    """The reaction store cannot be opened or written."""


class ValidationError(OmgevingError):
    """Input from a resident or a browser was refused.

    Parameters
    ----------
    message
        English explanation for logs and developers.
    key
        Key of the friendly message in the language catalogues, shown to residents.
    """

    def __init__(self, message: str, *, key: str = "error.invalid") -> None:
        super().__init__(message)
        self.key = key

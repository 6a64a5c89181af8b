"""The boundary between widget callbacks and residents: friendly messages, never tracebacks."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

from omgeving._errors import StoreError, ValidationError

__all__ = ["friendly"]

log = logging.getLogger("omgeving.apps")


def friendly(show: Callable[[str], None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a widget callback so that any error reaches the resident as a catalogue key.

    ``show`` receives the catalogue key of the message (``"error.outside"``, ...). The full
    error goes to the server log only; residents never see a traceback or a server path.
    """

    def wrap(callback: Callable[..., Any]) -> Callable[..., Any]:
        name = getattr(callback, "__name__", type(callback).__name__)  # a partial has none

        @functools.wraps(callback)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except ValidationError as err:
                log.info("refused input in %s: %s", name, err)
                show(err.key)
            except StoreError:
                log.exception("store error in %s", name)
                show("error.busy")
            except Exception as err:
                log.exception("unexpected %s in %s", type(err).__name__, name)
                show("error.unexpected")
            return None

        return guarded

    return wrap

"""The boundary between widget callbacks and residents: friendly messages, never tracebacks."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any

import anywidget
import traitlets

from omgeving._errors import StoreError, ValidationError

__all__ = ["PlainText", "friendly", "plain"]

log = logging.getLogger("omgeving.apps")


def friendly(show: Callable[[str], None]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Wrap a widget callback so that any error reaches the resident as a catalogue key.

    ``show`` receives the catalogue key of the message (``"error.outside"``, ...). The full
    error goes to the server log only; residents never see a traceback or a server path.
    """

    def wrap(callback: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(callback)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            try:
                return callback(*args, **kwargs)
            except ValidationError as err:
                log.info("refused input in %s: %s", callback.__name__, err)
                show(err.key)
            except StoreError:
                log.exception("store error in %s", callback.__name__)
                show("error.busy")
            except Exception as err:
                log.exception("unexpected %s in %s", type(err).__name__, callback.__name__)
                show("error.unexpected")
            return None

        return guarded

    return wrap




class PlainText(anywidget.AnyWidget):
    r"""A text shown as the characters typed, on the lines as written (``textContent``).

    Not a ``Label`` or a description, which the page typesets as LaTeX (``$…$``, and MathJax's
    ``\style`` takes effect), and not HTML: the browser never parses what residents or
    moderators wrote. ``text`` is what the reader sees.
    """

    _esm = """
    function render({ model, el }) {
      el.classList.add("omg-plain");
      const show = () => { el.textContent = model.get("text"); };
      model.on("change:text", show);
      show();
    }
    export default { render };
    """
    _css = ".omg-plain { white-space: pre-line; overflow-wrap: anywhere; line-height: 1.4; }"
    text = traitlets.Unicode("").tag(sync=True)

    def __init__(self, text: str = "", **kwargs: Any) -> None:
        super().__init__(text=text, **kwargs)

    @property
    def value(self) -> str:
        """The text shown (as ``Label.value`` is), for code that reads widgets' texts."""
        return self.text


def plain(text: str) -> PlainText:
    """Return a :class:`PlainText` showing ``text``."""
    return PlainText(text)

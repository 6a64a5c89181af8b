"""Text shown exactly as typed: a tiny widget of our own (anywidget), for the staff app.

Its own module, so that the resident app's kernels do not load anywidget.
"""

from __future__ import annotations

from typing import Any

import anywidget
import traitlets

__all__ = ["PlainText", "plain"]


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

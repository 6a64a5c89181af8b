"""Lean widgets for the pages a crowd opens at once.

Every ipywidgets widget is a model: the kernel sends it (``comm_open``), Voila reads it while
it runs the notebook, and every browser asks for it and draws it. A plain ``Button`` is three
models (itself, its ``Layout``, its ``ButtonStyle``), and ``add_class`` after it was made is
one more message. When a hall scans the QR code at once these messages are the server's work,
so the resident app's widgets share one layout and one style of each kind wherever nothing
changes them per widget, and get their CSS classes when they are made (:func:`lean`).
"""

from __future__ import annotations

from typing import Any, TypeVar

import ipywidgets as w

__all__ = ["close_tree", "lean", "replace_children", "shared"]

W = TypeVar("W", bound=w.Widget)

_SHARED: dict[tuple[Any, ...], w.Widget] = {}


def shared(kind: type[W], **traits: Any) -> W:
    """Return this process's one open ``kind(**traits)`` (a layout or style nobody changes)."""
    key = (kind, tuple(sorted(traits.items())))
    made = _SHARED.get(key)
    if made is None or made.comm is None:  # not made yet, or closed since
        made = _SHARED[key] = kind(**traits)
    return made


def lean(kind: type[W], *css: str, own_layout: bool = False, **traits: Any) -> W:
    """Return a ``kind`` widget with the CSS classes ``css``, sharing its layout and style.

    ``layout`` and ``style`` given as dicts name a shared one with those traits; a widget whose
    layout is changed later (``layout.display`` to show and hide it) asks ``own_layout``.
    """
    layout = traits.pop("layout", {})
    if isinstance(layout, dict):
        layout = w.Layout(**layout) if own_layout else shared(w.Layout, **layout)
    style_trait = kind.class_traits().get("style")
    if style_trait is not None:
        style = traits.pop("style", {})
        if isinstance(style, dict):
            style = shared(style_trait.klass, **style)
        traits["style"] = style
    return kind(layout=layout, _dom_classes=css, **traits)


def replace_children(box: w.Box, children: list[w.Widget]) -> None:
    """Put ``children`` in ``box`` and close the widgets they replace (no leak in the kernel)."""
    old = box.children
    box.children = children
    for child in old:
        close_tree(child)


def close_tree(widget: w.Widget) -> None:
    """Close ``widget`` and every widget in it (once it has left the page).

    Their own layouts and styles too (each is a model of its own, and would stay in the
    kernel); a :func:`shared` one stays open for the widgets that use it.
    """
    for child in getattr(widget, "children", ()):
        close_tree(child)
    shared_ones = {id(x) for x in _SHARED.values()}
    for part in (getattr(widget, "layout", None), getattr(widget, "style", None)):
        if isinstance(part, w.Widget) and id(part) not in shared_ones:
            part.close()
    widget.close()

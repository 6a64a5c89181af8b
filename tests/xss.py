"""XSS payloads, and a check that no widget shows one as HTML."""

from __future__ import annotations

import re

import ipywidgets as w

#: Each tries to set ``window.__xss`` (browser tests check that it stays unset).
PAYLOADS = [
    "<script>window.__xss=1</script>",
    '<img src=x onerror="window.__xss=2">',
    '<svg onload="window.__xss=3"></svg>',
    '<a href="javascript:window.__xss=4">klik</a>',
    '<iframe src="javascript:parent.__xss=5"></iframe>',
    "<body onload=window.__xss=6>",
    "&lt;img src=x onerror=window.__xss=7&gt;",
    '<details open ontoggle="window.__xss=8">',
    '"><img src=x onerror=window.__xss=9>',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=10>",
    "'-alert(1)-'<input autofocus onfocus=\"window.__xss=11\">",
    "<style>@import 'javascript:window.__xss=12';</style>",
]
_RAW = re.compile(r"<\s*(script|img|svg|iframe|body|details|math|input|a\s|style)", re.IGNORECASE)


def widgets(root: w.Widget):
    """Yield every widget under ``root``."""
    yield root
    for child in getattr(root, "children", ()):
        yield from widgets(child)


def assert_no_raw_html(root: w.Widget) -> None:
    """Assert that no HTML widget under ``root`` holds a payload's markup unescaped."""
    for widget in widgets(root):
        if isinstance(widget, w.HTML):
            value = re.sub(r"^<style>.*?</style>", "", widget.value, flags=re.S)  # our own CSS
            value = re.sub(r"<svg[^>]*class=\"segno\".*?</svg>", "", value, flags=re.S)
            value = value.replace("<svg class='omg-chart'", "")  # our chart; its texts checked
            # the municipality's logo and photo: our own tags, the alt text escaped
            value = re.sub(r"<img class='omg-(logo|photo)' src='huisstijl/(logo|foto)'", "", value)
            assert not _RAW.search(value), value[:300]

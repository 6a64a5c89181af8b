"""The municipality's logo and photo (``[identity]``): checked before a server starts.

``omgeving serve`` and ``omgeving staff`` serve them at ``/huisstijl/logo`` and
``/huisstijl/foto``, to every visitor, as they are on disk. So they are checked first, by
their bytes and not by their name: the file is there, in the project folder, of the type its
suffix says and not too large, and an SVG is a plain picture (no script, no event attribute,
no link to anything outside it). :func:`identity_files` refuses with the file, what is
wrong and how to fix it.

Examples
--------
>>> from omgeving.config import IdentityConfig
>>> identity_files(Path("."), IdentityConfig())
{}
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

from lxml import etree

from omgeving._errors import ConfigError
from omgeving.config import CONFIG_NAME, IdentityConfig

__all__ = ["IMAGE_LIMITS", "ROUTE_NAMES", "identity_files", "image_kind", "svg_problem"]

#: The largest logo and photo, in bytes.
IMAGE_LIMITS = {"logo": 512 * 1024, "photo": 2 * 1024 * 1024}
#: The ``[identity]`` key of each file → its name in the address ``/huisstijl/<name>``.
ROUTE_NAMES = {"logo": "logo", "photo": "foto"}

SVG_NS = "http://www.w3.org/2000/svg"
_KIND_OF_SUFFIX = {".svg": "SVG", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WebP"}
_SUFFIX_OF_KIND = {"SVG": ".svg", "PNG": ".png", "JPEG": ".jpg", "WebP": ".webp"}
#: First bytes of the raster images we take, and of some we do not (to say what a file is).
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"%PDF", "PDF"),
    (b"PK\x03\x04", "ZIP (a Word, Excel or PowerPoint file?)"),
)
_INSIDE = re.compile(r"^\s*(#|data:image/(png|jpeg|webp|gif)[;,])", re.I)
#: CSS that fetches something: @import, or url(...) not to a part of the SVG or embedded data.
_CSS_FETCH = re.compile(r"@import|url\(\s*['\"]?(?!\s*#|\s*data:image/(png|jpeg|webp|gif)[;,])",
                        re.I)


def identity_files(root: Path, identity: IdentityConfig) -> dict[str, Path]:
    """Check the logo and photo of ``identity`` in the project folder ``root``.

    Returns
    -------
    dict of str to Path
        The absolute file of each configured image, by its name under ``/huisstijl/``
        (``"logo"``, ``"foto"``); empty when ``[identity]`` names none.

    Raises
    ------
    ConfigError
        Naming the file and the ``[identity]`` key, what is wrong, and how to fix it.
    """
    files = {}
    for key, name in ROUTE_NAMES.items():
        relative = getattr(identity, key)
        if relative:
            files[name] = _checked(Path(root), key, relative)
    return files


def image_kind(data: bytes) -> str | None:
    r"""Return what the bytes are by their start: ``"PNG"``, ``"JPEG"``, ``"WebP"``, … or None.

    An SVG is text: for it (and for anything else unknown) this returns None.

    Examples
    --------
    >>> image_kind(b"\x89PNG\r\n\x1a\n..."), image_kind(b"RIFF\x00\x00\x00\x00WEBPVP8 ")
    ('PNG', 'WebP')
    """
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WebP"
    return next((kind for magic, kind in _MAGIC if data.startswith(magic)), None)


def svg_problem(data: bytes) -> str | None:
    """Return what keeps ``data`` from being a plain SVG picture, or None when it is one.

    A plain picture parses as XML with an ``<svg>`` root in the SVG namespace and has no
    ``<script>``, no ``<foreignObject>``, no ``on…=`` event attribute, no entity
    declaration, no style sheet instruction and no link (``href``, CSS ``url()`` or
    ``@import``) to anything but its own parts (``#id``) or an embedded raster image.

    Examples
    --------
    >>> svg_problem(b'<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>') is None
    True
    >>> svg_problem(b'<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>')
    'it holds a <script>; remove it (a picture needs no script)'
    """
    if b"<!ENTITY" in data or b"<?xml-stylesheet" in data:
        return "it declares XML entities or a style sheet; save it again as a plain SVG"
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        return f"it is not valid XML ({err}); save it again as SVG"
    if root is None or etree.QName(root).localname != "svg":
        return "its root is not an <svg> element; save it again as SVG"
    if etree.QName(root).namespace != SVG_NS:
        return f'its <svg> has no xmlns="{SVG_NS}"; add that to the <svg> tag'
    for element in root.iter():
        if isinstance(element.tag, str):
            problem = _element_problem(etree.QName(element).localname, element)
            if problem:
                return problem
    return None


def _element_problem(tag: str, element: Any) -> str | None:
    if tag.lower() == "script":
        return "it holds a <script>; remove it (a picture needs no script)"
    if tag.lower() == "foreignobject":
        return "it holds a <foreignObject> (a web page inside the picture); remove it"
    if tag.lower() == "style" and _CSS_FETCH.search(element.text or ""):
        return "its <style> fetches a file (url() or @import); embed the file or remove it"
    for attribute, value in element.attrib.items():
        name = etree.QName(attribute).localname.lower()
        if name.startswith("on"):
            return f"its <{tag}> has the event attribute {name}=; remove it"
        if name == "href" and not _INSIDE.match(value):
            return (f"its <{tag}> links to {value[:80]!r}; a picture may only point at its "
                    "own parts (#id) or embed an image (data:image/png;base64,...)")
        if _CSS_FETCH.search(value):
            return f"its <{tag}> has {name}= that fetches a file (url() or @import); remove it"
    return None


def _checked(root: Path, key: str, relative: str) -> Path:
    """Return the absolute file of ``[identity] key``, or raise with what is wrong with it."""
    where = f"{root / relative} ([identity] {key} in {root / CONFIG_NAME})"
    path = (root / relative).resolve()
    if not path.is_relative_to(root.resolve()):
        raise ConfigError(f"{where} points outside the project folder; copy the file into it")
    if not path.is_file():
        missing = "is a folder" if path.is_dir() else "does not exist"
        raise ConfigError(f"{where} {missing}; put the image there, or fix {key} = ...")
    size, limit = path.stat().st_size, IMAGE_LIMITS[key]
    if size > limit:
        raise ConfigError(
            f"{where} is {_kb(size)}; a {key} may be at most {_kb(limit)}, so it loads fast on "
            "a phone: save it smaller (fewer pixels, or JPEG/WebP for a photo)"
        )
    problem = _content_problem(path.read_bytes(), path.suffix.lower())
    if problem:
        raise ConfigError(f"{where}: {problem}")
    return path


def _content_problem(data: bytes, suffix: str) -> str | None:
    """Return what is wrong with ``data`` as a file of ``suffix``, or None."""
    expected, found = _KIND_OF_SUFFIX.get(suffix), image_kind(data)
    if expected is None:
        return f"{suffix or 'a file without a suffix'} cannot be shown; use .svg, .png, .jpg, .webp"
    if expected == "SVG":
        if found in _SUFFIX_OF_KIND:
            return f"it is a {found} file, not an SVG; rename it to {_SUFFIX_OF_KIND[found]}"
        if found:
            return f"it is a {found} file, not an SVG; save it as SVG, PNG, JPEG or WebP"
        return svg_problem(data)
    if found == expected:
        return None
    if found is None and b"<svg" in data[:4096]:
        found = "SVG"
    what = f"{_a(found)} {found} file" if found else "not an image omgeving knows"
    return f"it is {what}, not {_a(expected)} {expected} image; save it as {expected}" + (
        f" or rename it to {_SUFFIX_OF_KIND[found]}" if found in _SUFFIX_OF_KIND else ""
    )


def _a(kind: str) -> str:
    return "an" if kind == "SVG" else "a"


def _kb(size: int) -> str:
    """Return a size in KB or MB, rounded up: a file just over the limit reads as over it."""
    if size >= 2**20:
        return f"{math.ceil(size / 2**20 * 10) / 10:.1f} MB"
    return f"{math.ceil(size / 1024)} KB"

"""Self-contained HTML maps of the scenarios and the reactions, for the municipal website.

Each map is one folium HTML file: the PDOK BRT background, the project's light context
layers, the interventions of a scenario coloured by function or the reactions coloured by
theme, a legend, and popups. The maps are built from the baked web layers (``web/``), so they
stay small: no building footprints, and a context layer with more than
:data:`MAX_CONTEXT_FEATURES` features is left out.

Text is shown as text. folium 0.20 puts the values of ``GeoJsonPopup``/``GeoJsonTooltip``
fields into the page with ``innerHTML``, and Leaflet does the same with layer names and
attributions, so every value and label is HTML-escaped here, in Python, once. Nothing else
ever carries text into the page: context layers keep only their style.

folium loads Leaflet, jQuery and Bootstrap from CDNs. With ``offline=True`` the page loads
only Leaflet (all these maps need), from ``kaart-assets/`` beside the HTML file, copied there
from an installed package (:func:`leaflet_dir`); the background tiles then simply stay away.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import shutil
from collections.abc import Iterable, Iterator
from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from omgeving._errors import OmgevingError
from omgeving.files import atomic_path, atomic_write
from omgeving.palette import function_colour
from omgeving.participation import PUBLIC_STATUSES
from omgeving.web import read_manifest

if TYPE_CHECKING:
    import branca.element
    import folium

    from omgeving.project import Project

__all__ = [
    "ASSETS_DIR",
    "MAX_CONTEXT_FEATURES",
    "PDOK_BRT_URL",
    "export_maps",
    "folium_reaction_map",
    "leaflet_dir",
    "save_map",
    "scenario_map",
]

log = logging.getLogger("omgeving.outputs.staticmap")

PDOK_BRT_URL = (
    "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png"
)
PDOK_ATTRIBUTION = "Kaartgegevens &copy; Kadaster"
#: The folder beside an offline map that holds Leaflet's files.
ASSETS_DIR = "kaart-assets"
#: Context layers drawn under the interventions or reactions, bottom first.
CONTEXT_LAYERS = ("natura2000", "waterlopen", "wegen", "kernen", "buurten", "gemeente")
#: A context layer with more features is left out (Leaflet draws one SVG path per feature).
MAX_CONTEXT_FEATURES = 2000
#: From this many reactions on, Leaflet draws on a canvas instead of SVG paths.
CANVAS_FROM = 5000
#: folium's default scripts and styles that these maps do not use (only Leaflet is needed).
_UNUSED_DEFAULTS = {
    "jquery",
    "bootstrap",
    "awesome_markers",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers_font_css",
    "awesome_markers_css",
    "awesome_rotate_css",
}
_LOCAL = {"leaflet": "leaflet.js", "leaflet_css": "leaflet.css"}
_DEBIAN_LEAFLET = Path("/usr/share/javascript/leaflet")  # Debian's libjs-leaflet
#: Dutch labels (the maps are for the municipality's Dutch website).
_NL = {
    "background": "BRT Achtergrondkaart",
    "interventions": "Ingrepen",
    "function": "Functie",
    "name": "Naam",
    "homes": "Woningen",
    "power": "Vermogen (MW)",
    "reactions": "Reacties",
    "reactions_on": "Reacties op {name}",
    "count": "{n} reacties op de kaart",
    "theme": "Onderwerp",
    "sentiment": "Mening",
    "text": "Reactie",
    "buurt": "Buurt",
    "agrees": "Mee eens",
    "legend": "Legenda",
}
_CSS = """<style>
.omg-legend {position: fixed; right: 10px; bottom: 28px; z-index: 1000; max-width: 45vw;
  max-height: 55vh; overflow: auto; padding: 8px 10px; background: rgba(255,255,255,.93);
  border-radius: 4px; box-shadow: 0 1px 5px rgba(0,0,0,.4); font: 14px/1.35 sans-serif;}
.omg-legend h2 {font-size: 15px; margin: 0 0 4px;}
.omg-legend h3 {font-size: 13px; margin: 6px 0 2px;}
.omg-legend ul {list-style: none; margin: 0; padding: 0;}
.omg-legend p {margin: 2px 0;}
.omg-swatch {display: inline-block; width: 14px; height: 14px; margin-right: 6px;
  vertical-align: -2px; border: 1px solid rgba(0,0,0,.35);}
.leaflet-popup-content td {white-space: pre-wrap; overflow-wrap: anywhere;}
</style>"""


def scenario_map(project: Project, slug: str, *, offline: bool = False) -> folium.Map:
    """Return a folium map of scenario ``slug``: its interventions coloured by function.

    Parameters
    ----------
    project
        The project; its baked web layers (``web/``) are read.
    slug
        A scenario of the project.
    offline
        Load Leaflet from ``kaart-assets/`` beside the HTML file instead of from a CDN
        (:func:`save_map` copies the files there).

    Raises
    ------
    OmgevingError
        When the project has no baked scenario ``slug``.
    LayerError
        When the project has no baked web layers at all.

    Examples
    --------
    >>> from omgeving.project import open_project
    >>> project = open_project("voorbeeld")  # doctest: +SKIP
    >>> save_map(scenario_map(project, "spreiden"), "kaart-spreiden.html")  # doctest: +SKIP
    PosixPath('kaart-spreiden.html')
    """
    manifest = read_manifest(project.web_dir)
    spec = _scenario_spec(manifest, slug)
    m = _base_map(project, manifest, f"{project.config.title}: {spec['name']}", offline=offline)
    functions = _add_interventions(m, project.web_dir, manifest, spec)
    _finish(m, spec["name"], [(_NL["function"], functions)])
    return m


def folium_reaction_map(
    project: Project,
    *,
    scenario: str | None = None,
    offline: bool = False,
    include: Iterable[str] = tuple(PUBLIC_STATUSES),
) -> folium.Map:
    """Return a folium map of the reactions (points, lines and areas), coloured by theme.

    Parameters
    ----------
    project
        The project; its store is read once.
    scenario
        Only the reactions on this scenario, drawn over its interventions.
    offline
        As in :func:`scenario_map`.
    include
        The statuses shown; by default only what residents see (a public website shows no
        hidden or pending reaction).

    Raises
    ------
    OmgevingError
        For an unknown status or scenario.

    Examples
    --------
    >>> from omgeving.project import open_project
    >>> m = folium_reaction_map(open_project("voorbeeld"), offline=True)  # doctest: +SKIP
    >>> save_map(m, "site/kaart-reacties.html")  # doctest: +SKIP
    PosixPath('site/kaart-reacties.html')
    """
    from omgeving.outputs.analysis import reactions_frame
    from omgeving.reactions import STATUSES

    include = (include,) if isinstance(include, str) else tuple(dict.fromkeys(include))
    unknown = [s for s in include if s not in STATUSES]
    if unknown or not include:
        raise OmgevingError(
            f"reaction status {', '.join(unknown) or '(none)'} is not known; "
            f"use one or more of {', '.join(STATUSES)}"
        )
    manifest = read_manifest(project.web_dir)
    spec = _scenario_spec(manifest, scenario) if scenario is not None else None
    title = _NL["reactions_on"].format(name=spec["name"]) if spec else _NL["reactions"]
    frame = reactions_frame(project, scenario=scenario)
    frame = frame[frame["status"].isin(include) & frame.geometry.notna()]
    m = _base_map(
        project,
        manifest,
        f"{project.config.title}: {title}",
        offline=offline,
        canvas=len(frame) >= CANVAS_FROM,
    )
    sections = []
    if spec is not None:
        sections.append((_NL["function"], _add_interventions(m, project.web_dir, manifest, spec)))
    sections.append((_NL["theme"], _add_reactions(m, project, frame)))
    _finish(m, title, sections, note=_NL["count"].format(n=len(frame)))
    return m


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write ``m`` as one HTML file (through a temporary file and a rename); return its path.

    An offline map gets Leaflet's files in ``kaart-assets/`` beside it.

    Examples
    --------
    >>> import folium, pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save_map(folium.Map(tiles=None), folder / "kaart.html").stat().st_size > 1000
    True
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_offline(m):
        _use_local_assets(m)  # also for elements added after the map was made
        _copy_assets(path.parent / ASSETS_DIR)
    atomic_write(path, m.get_root().render())
    return path


def export_maps(
    project: Project, out_dir: str | os.PathLike[str] | None = None, *, offline: bool = False
) -> list[Path]:
    """Write ``kaart-<scenario>.html`` for every scenario and ``kaart-reacties.html``.

    Parameters
    ----------
    project
        The project.
    out_dir
        The folder to write to (default: the project's ``exports/``).
    offline
        Load Leaflet from ``kaart-assets/`` in that folder, for an evening without internet.

    Returns
    -------
    list of Path
        The HTML files written, the scenarios first.
    """
    folder = Path(out_dir) if out_dir is not None else project.exports_dir
    written = [
        save_map(
            scenario_map(project, spec["slug"], offline=offline),
            folder / f"kaart-{spec['slug']}.html",
        )
        for spec in read_manifest(project.web_dir)["scenarios"]
    ]
    written.append(
        save_map(folium_reaction_map(project, offline=offline), folder / "kaart-reacties.html")
    )
    return written


def leaflet_dir() -> Path:
    """Return the installed folder with Leaflet's ``leaflet.js``, ``leaflet.css`` and images.

    Looked for in the ``xstatic-leaflet`` package (from PyPI), then in Debian's
    ``libjs-leaflet``.

    Raises
    ------
    OmgevingError
        When neither is installed.

    Examples
    --------
    >>> (leaflet_dir() / "leaflet.js").is_file()
    True
    """
    candidates = []
    with contextlib.suppress(ImportError):
        candidates.append(Path(import_module("xstatic.pkg.leaflet").BASE_DIR))
    candidates.append(_DEBIAN_LEAFLET)
    for folder in candidates:
        if all((folder / name).is_file() for name in _LOCAL.values()):
            return folder
    raise OmgevingError(
        "an offline map needs Leaflet's own files and none are installed; install them with "
        "'pip install xstatic-leaflet' (on Debian also 'apt-get install libjs-leaflet')"
    )


def _scenario_spec(manifest: dict[str, Any], slug: str) -> dict[str, Any]:
    for spec in manifest["scenarios"]:
        if spec["slug"] == slug:
            return spec
    slugs = ", ".join(s["slug"] for s in manifest["scenarios"]) or "(none baked)"
    raise OmgevingError(
        f"scenario {slug!r} has no baked web layer; use one of {slugs}, or rebuild the web "
        "layers ('omgeving fetch DIR') after adding it to omgeving.toml"
    )


def _base_map(
    project: Project,
    manifest: dict[str, Any],
    title: str,
    *,
    offline: bool,
    canvas: bool = False,
) -> folium.Map:
    """Return a map fitted to the project area, with the background and the context layers."""
    import branca.element
    import folium

    minx, miny, maxx, maxy = manifest["bounds"]
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        zoom_start=11,
        tiles=None,
        control_scale=True,
        prefer_canvas=canvas,
    )
    page = _page(m)
    page.title = _text(title)
    page.header.add_child(branca.element.Element(_CSS), name="omg_css")
    folium.TileLayer(
        tiles=PDOK_BRT_URL,
        attr=PDOK_ATTRIBUTION,
        name=_NL["background"],
        min_zoom=6,
        max_zoom=19,
        max_native_zoom=19,
        control=False,
    ).add_to(m)
    for spec in _context_specs(manifest):
        _add_context_layer(m, project.web_dir, spec)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    if offline:
        _use_local_assets(m)
    return m


def _context_specs(manifest: dict[str, Any]) -> list[dict[str, Any]]:
    by_name = {spec["name"]: spec for spec in manifest["layers"]}
    return [by_name[name] for name in CONTEXT_LAYERS if name in by_name]


def _add_context_layer(m: folium.Map, web_dir: Path, spec: dict[str, Any]) -> None:
    """Add one context layer: its shapes and style only, not clickable, no text."""
    import folium

    data = json.loads((web_dir / spec["file"]).read_text(encoding="utf-8"))
    if len(data["features"]) > MAX_CONTEXT_FEATURES:
        log.info("context layer %s left out: %d features", spec["name"], len(data["features"]))
        return
    style = {**spec["style"], "opacity": 0.8 * spec["style"].get("opacity", 1.0)}
    features = [
        {"type": "Feature", "properties": {"style": style}, "geometry": f["geometry"]}
        for f in data["features"]
        if f.get("geometry")
    ]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_text(spec["label_nl"]),
        interactive=False,
        class_name=f"omg-context omg-context-{spec['name']}",
    ).add_to(m)


def _add_interventions(
    m: folium.Map, web_dir: Path, manifest: dict[str, Any], spec: dict[str, Any]
) -> list[tuple[str, str]]:
    """Add a scenario's interventions; return (function, colour) of those on the map."""
    import folium

    data = json.loads((web_dir / spec["file"]).read_text(encoding="utf-8"))
    colours = manifest.get("function_colors", {})
    features: list[dict[str, Any]] = []
    used: dict[str, str] = {}
    for i, feature in enumerate(data["features"]):
        props = feature["properties"]
        function = str(props.get("functie") or "")
        colour = function_colour(function, colours)
        used[function] = colour
        features.append(
            _feature(
                i,
                feature["geometry"],
                {"color": colour, "fillColor": colour, "weight": 2, "fillOpacity": 0.5},
                naam=props.get("naam"),
                functie=function,
                woningen=_amount(props.get("woningen"), "{:.0f}"),
                mw=_amount(props.get("mw"), "{:g}"),
            )
        )
    if not features:
        return []
    fields = ["naam", "functie", "woningen", "mw"]
    labels = [_NL["name"], _NL["function"], _NL["homes"], _NL["power"]]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_text(f"{_NL['interventions']}: {spec['name']}"),
        class_name="omg-ingreep",
        popup=_popup(fields, labels),
        tooltip=folium.GeoJsonTooltip(["naam"], labels=False),
    ).add_to(m)
    order = list(colours)
    return sorted(used.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 99)


def _add_reactions(m: folium.Map, project: Project, frame: Any) -> list[tuple[str, str]]:
    """Add the reactions of ``frame``; return (theme, colour) of those on the map."""
    import folium

    from omgeving.i18n import t
    from omgeving.palette import theme_colour

    themes = project.config.themes
    rank = {"Polygon": 0, "MultiPolygon": 0, "LineString": 1, "MultiLineString": 1}
    rows = sorted(
        zip(
            frame["thema"],
            frame["sentiment"],
            frame["tekst"],
            frame["buurtnaam"],
            frame["instemmingen"],
            frame.geometry,
            strict=True,
        ),
        key=lambda row: rank.get(row[5].geom_type, 2),  # areas below lines below points
    )
    features: list[dict[str, Any]] = []
    used: dict[str, str] = {}
    for i, (theme, sentiment, text, buurt, agrees, geom) in enumerate(rows):
        colour = used.setdefault(theme, theme_colour(themes, theme))
        opinion = "" if _missing(sentiment) else t(f"sentiment.{int(sentiment)}")
        style = {"color": colour, "fillColor": colour, "weight": 2, "fillOpacity": 0.6}
        features.append(
            _feature(
                i,
                geom.__geo_interface__,
                style,
                thema=theme,
                mening=opinion,
                tekst=text,
                buurt=buurt,
                instemmingen=agrees,
            )
        )
    if not features:  # folium's popups need a feature to find their fields in
        return []
    fields = ["thema", "mening", "tekst", "buurt", "instemmingen"]
    labels = [_NL["theme"], _NL["sentiment"], _NL["text"], _NL["buurt"], _NL["agrees"]]
    folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=_text(_NL["reactions"]),
        class_name="omg-reactie",
        marker=folium.CircleMarker(radius=7, fill=True, class_name="omg-reactie"),
        popup=_popup(fields, labels),
        tooltip=folium.GeoJsonTooltip(["thema"], labels=False),
    ).add_to(m)
    order = {theme: i for i, theme in enumerate(themes)}
    return sorted(used.items(), key=lambda kv: order.get(kv[0], len(order)))


def _popup(fields: list[str], labels: list[str]) -> folium.GeoJsonPopup:
    """Return a popup with a table of ``fields`` (escaped values) under their escaped ``labels``."""
    import folium

    aliases = [_text(label) for label in labels]
    return folium.GeoJsonPopup(fields, aliases=aliases, max_width=320, min_width=220)


def _feature(i: int, geometry: Any, style: dict[str, Any], **props: Any) -> dict[str, Any]:
    """Return a GeoJSON feature whose properties are escaped text, ready for ``innerHTML``."""
    escaped = {key: _text(value) for key, value in props.items()}
    return {
        "type": "Feature",
        "id": str(i),
        "properties": {**escaped, "style": style},
        "geometry": geometry,
    }


def _finish(
    m: folium.Map,
    title: str,
    sections: list[tuple[str, list[tuple[str, str]]]],
    *,
    note: str | None = None,
) -> None:
    """Add the layer control (after every layer: its script names them) and the legend.

    The legend has a heading, then per section its labels with their colour swatch.
    """
    import branca.element
    import folium

    folium.LayerControl(collapsed=True).add_to(m)

    parts = [
        f'<section class="omg-legend" aria-label="{_text(_NL["legend"])}">',
        f"<h2>{_text(title)}</h2>",
    ]
    if note:
        parts.append(f'<p class="omg-legend-note">{_text(note)}</p>')
    for heading, items in sections:
        parts.append(f"<h3>{_text(heading)}</h3><ul>")
        parts += [
            f'<li><span class="omg-swatch" style="background:{_text(colour)}"></span>'
            f"{_text(label) or '–'}</li>"
            for label, colour in items
        ]
        parts.append("</ul>")
    parts.append("</section>")
    _page(m).html.add_child(branca.element.Element("".join(parts)), name="omg_legend")


def _page(m: folium.Map) -> branca.element.Figure:
    """Return the HTML page (a branca ``Figure``) that folium draws the map ``m`` into."""
    import branca.element

    page = m.get_root()
    if not isinstance(page, branca.element.Figure):  # a folium.Map always makes one
        raise TypeError(f"the map is not on an HTML page but in a {type(page).__name__}")
    return page


def _text(value: Any) -> str:
    """Return ``value`` as escaped HTML text (empty for a missing value)."""
    return "" if _missing(value) else html.escape(str(value), quote=True)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)  # NaN
    except TypeError:  # pandas.NA refuses to be a bool
        return True


def _amount(value: Any, fmt: str) -> str:
    """Format a quantity, or a dash for none."""
    if _missing(value) or not value:
        return "–"
    return fmt.format(float(value))


def _walk(element: Any) -> Iterator[Any]:
    yield element
    for child in element._children.values():
        yield from _walk(child)


def _is_offline(m: folium.Map) -> bool:
    return any(url.startswith(f"{ASSETS_DIR}/") for _, url in m.default_js)


def _use_local_assets(m: folium.Map) -> None:
    """Point every element's scripts and styles at ``kaart-assets/``; drop what is unused.

    Raises
    ------
    OmgevingError
        When an element needs a script that is not part of Leaflet (a folium plugin).
    """
    for element in _walk(m):
        for attr in ("default_js", "default_css"):
            links = getattr(element, attr, None)
            if not links:
                continue
            needed = [name for name, _ in links if name not in _UNUSED_DEFAULTS]
            strange = [name for name in needed if name not in _LOCAL]
            if strange:
                raise OmgevingError(
                    f"{type(element).__name__} needs {', '.join(strange)} from the internet; "
                    "an offline map can only use Leaflet itself"
                )
            # an instance attribute: folium's lists are shared by every map
            setattr(element, attr, [(n, f"{ASSETS_DIR}/{_LOCAL[n]}") for n in needed])


def _copy_assets(target: Path) -> None:
    """Copy Leaflet's script, style sheet and images into ``target``."""
    source = leaflet_dir()
    (target / "images").mkdir(parents=True, exist_ok=True)
    files = [*_LOCAL.values(), *(f"images/{p.name}" for p in (source / "images").glob("*.png"))]
    for name in files:
        with atomic_path(target / name) as tmp:
            shutil.copyfile(source / name, tmp)

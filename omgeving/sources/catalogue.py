"""The layer catalogue: the Dutch layers omgeving reads from PDOK, and projects built of them.

Each layer is asked for one gemeente at a time with a property filter
(``gemeentecode=GM0177``). When the server refuses the filter (HTTP 400) the layer is read by
the bounding box of the gemeente instead. Either way the answer is checked client-side,
because servers sometimes ignore a filter silently. Every layer comes back in EPSG:28992.

Examples
--------
>>> from omgeving.sources import init_project
>>> project = init_project("raalte", ["GM0177"])  # doctest: +SKIP
>>> project.read_layer("buurten").crs.to_epsg()  # doctest: +SKIP
28992
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from omgeving._errors import ConfigError, ServiceError
from omgeving.config import ProjectConfig, SourcesConfig, normalise_gemeentecode
from omgeving.project import RD, Project, fetch_and_build, open_project
from omgeving.sources.pdok import CRS84_URI, PDOKClient, RequestRefusedError, crs_uri

if TYPE_CHECKING:
    import geopandas as gpd
    from shapely.geometry.base import BaseGeometry

__all__ = [
    "BUURTEN",
    "CATALOGUE",
    "GEMEENTEGEBIED",
    "NATURA2000",
    "PANDEN",
    "SENTINELS",
    "Layer",
    "fetch_gemeenten_layers",
    "init_project",
    "read_buurten",
    "read_gebouwen",
    "read_gemeenten",
    "read_natura2000",
    "refresh_project",
]

#: CBS codes for "secret" (-99997), "no information" (-99995) and the old WFS "missing".
SENTINELS = (-99997, -99995, -99999999)
#: BAG statuses of panden that do not stand (any more).
_GONE = ("Pand gesloopt", "Niet gerealiseerd pand", "Pand ten onrechte opgevoerd")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layer:
    """Where a layer lives at PDOK and how to ask for one gemeente's part of it.

    Parameters
    ----------
    title
        Name for messages.
    base
        The dataset's API below the PDOK root; ``{year}`` is filled in for CBS editions.
    collection
        The collection id.
    code_fields
        Properties that hold the gemeente code (checked client-side, normalised).
    filter_params
        Property filters to ask with, in order.
    limit
        Features per page (big polygons: fewer).
    tile
        Read by bbox tiles of this size in metres (for BAG).
    """

    title: str
    base: str
    collection: str
    code_fields: tuple[str, ...] = ()
    filter_params: tuple[str, ...] = ()
    limit: int = 1000
    tile: float | None = None

    def base_path(self, year: int | None = None) -> str:
        """Return the dataset's path below the PDOK root."""
        return self.base.format(year=year)


GEMEENTEGEBIED = Layer(
    "bestuurlijke gebieden",
    "kadaster/brk-bestuurlijke-gebieden/ogc/v1",
    "gemeentegebied",
    code_fields=("code", "identificatie"),
    filter_params=("code", "identificatie"),
    limit=100,
)
BUURTEN = Layer(
    "CBS wijken en buurten",
    "cbs/wijken-en-buurten-{year}/ogc/v1",
    "buurten",
    code_fields=("gemeentecode",),
    filter_params=("gemeentecode",),
    limit=500,
)
NATURA2000 = Layer("Natura 2000", "rvo/natura2000/ogc/v1", "natura2000", limit=100)
PANDEN = Layer("BAG panden", "kadaster/bag/ogc/v2", "pand", limit=1000, tile=2000.0)

#: Project layer name → where it comes from.
CATALOGUE = {
    "gemeente": GEMEENTEGEBIED,
    "buurten": BUURTEN,
    "natura2000": NATURA2000,
    "gebouwen": PANDEN,
}


# -- reading layers -------------------------------------------------------------------------


def fetch_gemeenten_layers(
    codes: str | Iterable[str],
    *,
    client: PDOKClient | None = None,
    year: int = 2024,
    bag: bool = False,
) -> dict[str, gpd.GeoDataFrame]:
    """Read the layers of a project for one or more gemeenten, all in EPSG:28992.

    Parameters
    ----------
    codes
        Gemeente codes such as ``"GM0177"`` (``"0177"`` and ``"177"`` work too).
    client
        The PDOK client; by default one without a cache.
    year
        The edition of CBS wijken en buurten.
    bag
        Also read the BAG panden (slow: thousands per gemeente).

    Returns
    -------
    dict
        ``gemeente``, ``buurten``, ``natura2000`` and, with ``bag``, ``gebouwen``.
    """
    own = client is None
    client = client if client is not None else PDOKClient()
    try:
        gemeente = read_gemeenten(codes, client=client)
        layers = {
            "gemeente": gemeente,
            "buurten": read_buurten(gemeente, client=client, year=year),
            "natura2000": read_natura2000(gemeente, client=client),
        }
        if bag:
            layers["gebouwen"] = read_gebouwen(gemeente, client=client)
        return layers
    finally:
        if own:
            client.close()


def read_gemeenten(codes: str | Iterable[str], *, client: PDOKClient) -> gpd.GeoDataFrame:
    """Read the boundaries of gemeenten from the Kadaster's bestuurlijke gebieden.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``gemeentecode`` (``GM`` + 4 digits), ``gemeentenaam`` and geometry, in
        the order of ``codes``.

    Raises
    ------
    ConfigError
        When a code is malformed or not known at PDOK.
    """
    everything = None
    rows = []
    refused: set[str] = set()
    for code in _codes(codes):
        found = _by_code(client, GEMEENTEGEBIED, code, refused=refused)
        if found is None:  # every filter refused: read them all once, pick client-side
            if everything is None:
                everything = _read(client, GEMEENTEGEBIED)
            found = _keep_code(everything, GEMEENTEGEBIED.code_fields, code)
        if found.empty:
            raise ConfigError(
                f"gemeente {code} is not known at PDOK (bestuurlijke gebieden); "
                "check the code, e.g. GM0177 for Raalte"
            )
        rows.append(_gemeente_row(found, code))
    return _concat(rows)


def read_buurten(
    gemeenten: gpd.GeoDataFrame, *, client: PDOKClient, year: int = 2024
) -> gpd.GeoDataFrame:
    """Read the CBS buurten with their kerncijfers for the gemeenten of ``gemeenten``.

    Water buurten (``water == 'JA'``) are dropped and the CBS sentinels
    (:data:`SENTINELS`) in numeric columns become NaN.

    Raises
    ------
    ConfigError
        When PDOK has no wijken en buurten of ``year``.
    ServiceError
        When PDOK returns no buurten for a gemeente.
    """
    parts = []
    refused: set[str] = set()
    try:
        for row in gemeenten.itertuples():
            code = row.gemeentecode
            found = _by_code(client, BUURTEN, code, year=year, refused=refused)
            if found is None:
                around = _read(client, BUURTEN, year=year, bbox=row.geometry.bounds)
                found = _keep_code(around, BUURTEN.code_fields, code)
            parts.append(found)
    except RequestRefusedError as err:
        if err.status != 404:
            raise
        raise ConfigError(
            f"CBS wijken en buurten {year} is not at PDOK ({err.url}); use a year PDOK "
            "publishes, e.g. 2024 (sources.wijken_en_buurten in omgeving.toml)"
        ) from err
    found = _concat(parts)
    buurten = _clean_buurten(found) if len(found) else found
    present = set(buurten["gemeentecode"]) if "gemeentecode" in buurten else set()
    missing = [code for code in gemeenten["gemeentecode"] if code not in present]
    if missing:
        raise ServiceError(
            f"PDOK returned no buurten for {', '.join(missing)} in wijken-en-buurten-{year}; "
            "check that CBS published this edition for the gemeente, or try another year"
        )
    return buurten


def read_natura2000(gemeenten: gpd.GeoDataFrame, *, client: PDOKClient) -> gpd.GeoDataFrame:
    """Read the Natura 2000 areas that intersect the gemeenten (may be empty)."""
    area = gemeenten.geometry.union_all()
    found = _read(client, NATURA2000, bbox=area.bounds)
    found = found[found.geometry.notna() & found.intersects(area)]
    for column in ("naam_n2k", "bescherming"):
        if column not in found:
            if len(found):
                logger.warning("PDOK's natura2000 features have no %r property", column)
            found[column] = None
    return found.reset_index(drop=True)


def read_gebouwen(gemeenten: gpd.GeoDataFrame, *, client: PDOKClient) -> gpd.GeoDataFrame:
    """Read the BAG panden of the gemeenten by bbox tiles, tagged with ``gemeentecode``.

    Panden that were demolished or never built are left out.
    """
    parts = []
    for row in gemeenten.itertuples():
        tiles = _tiles(row.geometry, PANDEN.tile or 2000.0)
        found = _concat([_read(client, PANDEN, bbox=tile.bounds) for tile in tiles])
        found = found[found.geometry.notna()]
        found = found[found.intersects(row.geometry)].copy()
        found["gemeentecode"] = row.gemeentecode
        parts.append(found)
    panden = _concat(parts)
    key = "identificatie" if "identificatie" in panden else None
    panden = panden.loc[~(panden[key] if key else panden.geometry.to_wkb()).duplicated()]
    if "status" in panden:
        panden = panden[~panden["status"].isin(_GONE)]
    return panden.reset_index(drop=True)


def _read(
    client: PDOKClient,
    layer: Layer,
    *,
    year: int | None = None,
    bbox: Sequence[float] | None = None,
    filters: dict[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Read a layer in RD, asking in CRS84 only when the collection offers no RD."""
    from pyproj import Transformer

    base = layer.base_path(year)
    crs = _output_crs(client, base, layer.collection)
    if bbox is not None and crs != RD:
        left, bottom, right, top = bbox
        to_crs84 = Transformer.from_crs(RD, "OGC:CRS84", always_xy=True)
        bbox = to_crs84.transform_bounds(left, bottom, right, top)
    found = client.read_collection(
        base, layer.collection, bbox=bbox, filters=filters, limit=layer.limit, crs=crs
    )
    return found if found.crs.to_epsg() == RD else found.to_crs(RD)


def _output_crs(client: PDOKClient, base: str, collection: str) -> int | str:
    offered = client.collection_info(base, collection).get("crs") or []
    if not offered or crs_uri(RD) in offered:
        return RD
    if CRS84_URI in offered:
        logger.info("%s/%s offers no RD New; reading CRS84 and projecting", base, collection)
        return "CRS84"
    raise ServiceError(
        f"PDOK's {base}/collections/{collection} offers neither RD New nor CRS84 "
        f"({', '.join(offered)}); report this to omgeving"
    )


def _by_code(
    client: PDOKClient, layer: Layer, code: str, *, year: int | None = None, refused: set[str]
) -> gpd.GeoDataFrame | None:
    """Ask with each property filter; return the gemeente's features, None if all refused.

    Filters the server refused are added to ``refused`` and not asked again.
    """
    answer = None
    for value in (code, code[2:]):
        for param in layer.filter_params:
            if param in refused:
                continue
            try:
                got = _read(client, layer, year=year, filters={param: value})
            except RequestRefusedError as err:
                if err.status != 400:
                    raise
                logger.info("PDOK refused %s=%s (%s); trying another way", param, value, err.detail)
                refused.add(param)
                continue
            answer = _keep_code(got, layer.code_fields, code)
            if len(answer) < len(got):
                logger.warning(
                    "PDOK ignored the filter %s=%s on %s; kept %d of %d features",
                    param, value, layer.collection, len(answer), len(got),
                )  # fmt: skip
            if len(answer):
                return answer
    return answer


def _keep_code(found: gpd.GeoDataFrame, fields: Sequence[str], code: str) -> gpd.GeoDataFrame:
    """Keep the rows whose code in any of ``fields`` normalises to ``code``."""
    import pandas as pd

    mask = pd.Series(False, index=found.index)
    for field in fields:
        if field in found:
            mask |= found[field].map(_safe_code) == code
    return found[mask]


def _safe_code(value: object) -> str | None:
    try:
        return normalise_gemeentecode(str(value))
    except ConfigError:
        return None


def _codes(codes: str | Iterable[str]) -> list[str]:
    values = [codes] if isinstance(codes, str) else list(codes)
    result = list(dict.fromkeys(normalise_gemeentecode(v) for v in values))
    if not result:
        raise ConfigError("no gemeente given; name at least one, e.g. GM0177 for Raalte")
    return result


def _gemeente_row(found: gpd.GeoDataFrame, code: str) -> gpd.GeoDataFrame:
    import geopandas as gpd

    geometry = found.geometry.union_all()
    if geometry is None or geometry.is_empty:
        raise ServiceError(f"PDOK returned gemeente {code} without a boundary; try again later")
    name = str(found["naam"].iloc[0]) if "naam" in found else code
    return gpd.GeoDataFrame(
        {"gemeentecode": [code], "gemeentenaam": [name]}, geometry=[geometry], crs=RD
    )


def _clean_buurten(buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    for column in ("buurtcode", "gemeentecode"):
        if column not in buurten:
            raise ServiceError(
                f"PDOK's buurten have no {column!r} column (columns: "
                f"{', '.join(map(str, buurten.columns))}); the CBS schema changed, report this"
            )
    buurten = buurten.copy()
    buurten["gemeentecode"] = buurten["gemeentecode"].map(_safe_code)
    if "water" in buurten:
        buurten = buurten[buurten["water"].astype(str).str.strip().str.upper() != "JA"].copy()
    for column in buurten.select_dtypes("number").columns:
        buurten[column] = buurten[column].mask(buurten[column].isin(SENTINELS))
    buurten = buurten[buurten.geometry.notna()].drop_duplicates("buurtcode")
    return buurten.reset_index(drop=True)


def _concat(parts: list[gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    import geopandas as gpd
    import pandas as pd

    full = [p for p in parts if len(p)]
    if not full:
        return parts[0] if parts else gpd.GeoDataFrame(geometry=[], crs=RD)
    return gpd.GeoDataFrame(pd.concat(full, ignore_index=True), crs=RD)


def _tiles(geometry: BaseGeometry, size: float) -> list:
    """Return square boxes of ``size`` metres covering ``geometry`` (only those touching it)."""
    import numpy as np
    import shapely

    minx, miny, maxx, maxy = geometry.bounds
    corners = [(x, y) for x in np.arange(minx, maxx, size) for y in np.arange(miny, maxy, size)]
    boxes = [shapely.box(x, y, min(x + size, maxx), min(y + size, maxy)) for x, y in corners]
    return [box for box in boxes if box.intersects(geometry)]


# -- building projects ----------------------------------------------------------------------


def init_project(
    target: str | os.PathLike[str],
    codes: str | Iterable[str],
    *,
    client: PDOKClient | None = None,
    year: int = 2024,
    bag: bool = False,
    overwrite: bool = False,
    extra: Callable[[Project], object] | None = None,
) -> Project:
    """Make a project folder for real gemeenten, with layers fetched from PDOK.

    The raw PDOK pages end up in the project's ``cache/`` folder, so the project can be
    rebuilt offline later. A failure leaves no folder and no temporary files behind.

    Parameters
    ----------
    target
        The project folder (new or empty; an existing project only with ``overwrite``,
        which keeps its reactions and scenarios).
    codes
        Gemeente codes, e.g. ``["GM0177", "GM0150"]``.
    client
        A :class:`~omgeving.sources.pdok.PDOKClient` whose options (time-outs, retries) to
        use; its cache folder is replaced by the project's.
    year, bag
        As in :func:`fetch_gemeenten_layers`.
    overwrite
        Rebuild ``target`` when it already is a project.
    extra
        Called with the staged project before it is moved into place (to bake web layers).

    Returns
    -------
    Project
        The opened project.
    """
    codes = _codes(codes)

    def fetch(
        cache: Path, old: Project | None
    ) -> tuple[ProjectConfig, dict[str, gpd.GeoDataFrame]]:
        with _fetcher(client, cache) as fetcher:
            layers = fetch_gemeenten_layers(codes, client=fetcher, year=year, bag=bag)
        config = ProjectConfig(
            title=f"Omgevingsvisie {_join(layers['gemeente']['gemeentenaam'].tolist())}",
            gemeenten=tuple(codes),
            sources=SourcesConfig(wijken_en_buurten=year, bag=bag),
            scenarios=old.config.scenarios if old is not None else (),
        )
        return config, layers

    return fetch_and_build(target, fetch, overwrite=overwrite, extra=extra)


def refresh_project(
    project: Project | str | os.PathLike[str],
    *,
    client: PDOKClient | None = None,
    extra: Callable[[Project], object] | None = None,
) -> Project:
    """Fetch a project's layers again from PDOK and rebuild it in place.

    Reactions, scenarios, exports and (unless ``extra`` bakes new ones) the web layers are
    kept; the cache is replaced only when everything succeeded. With an offline ``client``
    the layers are rebuilt from the project's cache instead.

    Parameters
    ----------
    project
        The project, or its folder.
    client
        As in :func:`init_project`.
    extra
        Called with the staged project before it is moved into place (to bake web layers).

    Returns
    -------
    Project
        The rebuilt project.
    """
    project = project if isinstance(project, Project) else open_project(project)
    config = project.config

    def fetch(
        cache: Path, _old: Project | None
    ) -> tuple[ProjectConfig, dict[str, gpd.GeoDataFrame]]:
        sources = config.sources
        with _fetcher(client, cache) as fetcher:
            layers = fetch_gemeenten_layers(
                config.gemeenten, client=fetcher, year=sources.wijken_en_buurten, bag=sources.bag
            )
        return config, layers

    offline = client is not None and client.offline
    return fetch_and_build(
        project.root, fetch, overwrite=True, keep=("web",), fresh_cache=not offline, extra=extra
    )


@contextmanager
def _fetcher(client: PDOKClient | None, cache: Path) -> Iterator[PDOKClient]:
    """Yield a client that keeps its answers in ``cache``: with ``client``'s options, or ours.

    Online it asks PDOK again for everything (``refresh``); offline it reads ``cache``.
    """
    if client is None:
        with PDOKClient(cache_dir=cache, refresh=True) as own:
            yield own
    else:
        yield client.replace(cache_dir=cache, refresh=not client.offline)


def _join(names: list[str]) -> str:
    """Join names the Dutch way: ``"Raalte, Deventer en Olst-Wijhe"``."""
    if len(names) < 2:
        return "".join(names)
    return f"{', '.join(names[:-1])} en {names[-1]}"

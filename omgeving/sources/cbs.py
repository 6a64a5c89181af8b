"""Read the CBS kerncijfers per buurt from StatLine (OData v3) and join them to buurten.

The PDOK wijken-en-buurten layer already carries the main kerncijfers; the StatLine table
"Kerncijfers wijken en buurten" has more (WOZ value, income, …). This client asks the bulk feed
(``/ODataFeed/odata/{table}``) for the ``TypedDataSet`` rows of the gemeenten's buurten,
follows ``odata.nextLink`` exactly as sent, resolves column names from ``DataProperties``
(their ``_N`` suffix changes every year), strips the space padding of the region keys, retries
what is worth retrying and keeps every answer in a disk cache.

The only environment variable is ``OMGEVING_CBS_ROOT`` (default ``https://opendata.cbs.nl``);
tests point it at a local fake server.

Examples
--------
>>> from omgeving.sources.cbs import CBSClient, join_kerncijfers
>>> with CBSClient(cache_dir="cache") as client:  # doctest: +SKIP
...     frame = client.read_kerncijfers(["GM0177"], year=2024)
>>> buurten = join_kerncijfers(project.read_layer("buurten"), frame)  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import requests

from omgeving._errors import LayerError, ServiceError
from omgeving.config import normalise_gemeentecode
from omgeving.sources._http import JSONClient, service_root

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

__all__ = [
    "DEFAULT_CBS_ROOT",
    "KERNCIJFERS",
    "KERNCIJFERS_TABLES",
    "CBSClient",
    "cbs_root",
    "join_kerncijfers",
]

#: The root of CBS's open data; override with the environment variable ``OMGEVING_CBS_ROOT``.
DEFAULT_CBS_ROOT = "https://opendata.cbs.nl"
ROOT_VARIABLE = "OMGEVING_CBS_ROOT"
FEED = "ODataFeed/odata"
#: The StatLine table "Kerncijfers wijken en buurten" of each year.
KERNCIJFERS_TABLES = {
    2017: "83765NED",
    2018: "84286NED",
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}
#: The columns :meth:`CBSClient.read_kerncijfers` returns by default: our name → the start of
#: the CBS column name. These are not in the PDOK layer; values as CBS publishes them.
KERNCIJFERS = {
    "gemiddelde_woz_waarde": "GemiddeldeWOZWaardeVanWoningen_",
    "gemiddeld_inkomen_per_inkomensontvanger": "GemiddeldInkomenPerInkomensontvanger_",
    "gemiddeld_inkomen_per_inwoner": "GemiddeldInkomenPerInwoner_",
}
KEY = "WijkenEnBuurten"
MAX_PAGES = 500


def cbs_root() -> str:
    """Return the root URL of CBS open data, from ``OMGEVING_CBS_ROOT`` or the default.

    Raises
    ------
    ConfigError
        When the variable is set to something that is not an http(s) URL.
    """
    return service_root(ROOT_VARIABLE, DEFAULT_CBS_ROOT)


class CBSClient(JSONClient):
    """A client for the StatLine OData v3 feed of CBS.

    Parameters
    ----------
    **options
        ``cache_dir`` (answers are kept in ``<cache_dir>/cbs/<hash>.json``), ``offline``,
        ``refresh``, ``timeout``, ``retries``, ``backoff`` and ``session``, as in
        :class:`~omgeving.sources._http.JSONClient`.
    """

    service = "CBS"
    root_variable = ROOT_VARIABLE
    default_root = DEFAULT_CBS_ROOT
    root_title = "CBS open data"
    offline_hint = "fetch the kerncijfers once while online"

    def _refused(self, response: requests.Response, url: str) -> Exception:
        return ServiceError(
            f"CBS refused {url} with HTTP {response.status_code} ({response.reason}); check the "
            "table id and the $filter/$select options"
        )

    def iter_rows(
        self, table: str, entity: str, *, params: Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Yield the rows (``value``) of a table's entity set, following ``odata.nextLink``.

        Parameters
        ----------
        table
            The table id, e.g. ``"85984NED"``.
        entity
            ``"TypedDataSet"``, ``"DataProperties"``, a dimension such as ``"WijkenEnBuurten"``.
        params
            OData options of the first request (``$filter``, ``$select``); ``$format=json`` is
            always added. Later requests are the ``odata.nextLink`` exactly as sent.
        """
        url = f"{cbs_root()}/{FEED}/{table}/{entity}"
        query: dict[str, Any] | None = {"$format": "json", **(params or {})}
        for _ in range(MAX_PAGES):
            body = self.get_json(url, params=query).body
            rows = body.get("value")
            if not isinstance(rows, list):
                raise ServiceError(f"CBS answered {url} without a list of rows ('value')")
            yield from rows
            next_link = body.get("odata.nextLink")
            if not next_link:
                return
            url, query = next_link, None
        raise ServiceError(f"CBS kept sending next links for {table}/{entity}; try again later")

    def read_kerncijfers(
        self,
        gemeenten: str | Iterable[str],
        *,
        year: int = 2024,
        table: str | None = None,
        measures: Mapping[str, str] = KERNCIJFERS,
    ) -> pd.DataFrame:
        """Read the kerncijfers of every buurt of the gemeenten.

        Parameters
        ----------
        gemeenten
            Gemeente codes, e.g. ``["GM0177"]``.
        year
            The year of the table (see :data:`KERNCIJFERS_TABLES`); use the year of the buurten.
        table
            A table id, instead of the year's.
        measures
            Column name → the start of the CBS column name (the part before the number).

        Returns
        -------
        pandas.DataFrame
            Index ``buurtcode`` (padding stripped), one column per measure; missing values NaN.

        Raises
        ------
        ServiceError
            When the table lacks a measure or has no buurten of the gemeenten.
        """
        import pandas as pd

        if table is None:
            if year not in KERNCIJFERS_TABLES:
                years = f"{min(KERNCIJFERS_TABLES)}..{max(KERNCIJFERS_TABLES)}"
                raise ValueError(
                    f"no kerncijfers table is known for {year}; pass table= or {years}"
                )
            table = KERNCIJFERS_TABLES[year]
        codes = [normalise_gemeentecode(g) for g in _as_list(gemeenten)]
        prefixes = tuple(f"BU{code[2:]}" for code in codes)
        columns = _resolve(
            table, measures, [row.get("Key") for row in self.iter_rows(table, "DataProperties")]
        )
        params = {
            "$filter": " or ".join(f"startswith({KEY},'{p}')" for p in prefixes),
            "$select": ",".join([KEY, *columns]),
        }
        rows = list(self.iter_rows(table, "TypedDataSet", params=params))
        frame = pd.DataFrame.from_records(rows, columns=[KEY, *columns])
        frame["buurtcode"] = frame.pop(KEY).astype(str).str.strip()
        frame = frame[frame["buurtcode"].str.startswith(prefixes)]  # a filter may be ignored
        if frame.empty:
            raise ServiceError(
                f"CBS table {table} has no buurten of {', '.join(codes)}; check the codes and "
                "the year (buurt codes change between years)"
            )
        frame = frame.rename(columns=columns).set_index("buurtcode")
        return frame.apply(pd.to_numeric, errors="coerce")


def _as_list(values: str | Iterable[str]) -> list[str]:
    return [values] if isinstance(values, str) else list(values)


def _resolve(table: str, measures: Mapping[str, str], keys: list[Any]) -> dict[str, str]:
    """Return CBS column → our name, finding each measure's column by its start."""
    found = {}
    for name, start in measures.items():
        matches = [k for k in keys if isinstance(k, str) and k.startswith(start)]
        if len(matches) != 1:
            what = "no column" if not matches else f"several columns ({', '.join(matches)})"
            raise ServiceError(
                f"CBS table {table} has {what} starting with {start!r} for {name!r}; look up "
                f"its DataProperties and pass measures={{{name!r}: '<start of the column>'}}"
            )
        found[matches[0]] = name
    return found


def join_kerncijfers(
    buurten: gpd.GeoDataFrame,
    frame: pd.DataFrame,
    *,
    allow_missing: bool = False,
    overwrite: bool = False,
) -> gpd.GeoDataFrame:
    """Return ``buurten`` with the columns of ``frame`` joined on ``buurtcode``.

    Parameters
    ----------
    buurten
        A buurten layer with a ``buurtcode`` column.
    frame
        Kerncijfers with index (or column) ``buurtcode``, e.g. from
        :meth:`CBSClient.read_kerncijfers`. Space padding of the codes is stripped.
    allow_missing
        Keep buurten that ``frame`` lacks, with empty values, instead of refusing.
    overwrite
        Replace columns ``buurten`` already has, instead of refusing.

    Raises
    ------
    LayerError
        When codes do not match (none at all, some buurten missing, or codes twice in
        ``frame``) or columns clash; the message names examples and the fix.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd
    >>> from shapely.geometry import box
    >>> buurten = gpd.GeoDataFrame({"buurtcode": ["BU01770000"]}, geometry=[box(0, 0, 1, 1)])
    >>> cbs = pd.DataFrame({"gemiddelde_woz_waarde": [312.0]},
    ...                    index=pd.Index(["BU01770000"], name="buurtcode"))
    >>> join_kerncijfers(buurten, cbs)["gemiddelde_woz_waarde"].tolist()
    [312.0]
    """
    if "buurtcode" not in buurten:
        raise LayerError("the buurten have no column 'buurtcode' to join the kerncijfers on")
    frame = frame.set_index("buurtcode") if "buurtcode" in frame.columns else frame
    frame = frame.set_axis(frame.index.astype(str).str.strip())
    twice = frame.index[frame.index.duplicated()].unique()
    if len(twice):
        raise LayerError(f"the kerncijfers have buurtcodes twice ({', '.join(twice[:5])})")
    clash = sorted(set(frame.columns) & set(buurten.columns))
    if clash and not overwrite:
        raise LayerError(
            f"the buurten already have the column(s) {', '.join(clash)}; pass overwrite=True to "
            "replace them, or drop them from the kerncijfers"
        )
    codes = buurten["buurtcode"].astype(str).str.strip()
    missing = codes[~codes.isin(frame.index)]
    if len(missing) == len(codes) and len(codes):
        raise LayerError(
            f"none of the {len(codes)} buurtcodes (e.g. {codes.iloc[0]}) is in the kerncijfers "
            f"(e.g. {frame.index[0] if len(frame) else 'none'}); are both of the same year and "
            "the same gemeenten?"
        )
    if len(missing) and not allow_missing:
        raise LayerError(
            f"{len(missing)} buurten have no kerncijfers ({', '.join(missing[:5])}); the years "
            "may differ; pass allow_missing=True to keep them with empty values"
        )
    joined = buurten.drop(columns=clash).copy()
    for column in frame.columns:
        joined[column] = frame[column].reindex(codes).to_numpy()
    return joined

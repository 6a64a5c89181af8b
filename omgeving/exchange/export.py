"""Exports of the reaction store: GeoPackage, GeoJSON and CSV, for planners and the archive.

Every export is made from one consistent snapshot of the store (one read transaction) by one
process, and written to a temporary file beside the target that replaces it only when
complete, so a reader never sees half a file and many kernels never append to one GeoPackage.

Every reaction is in it, hidden, withdrawn and erased ones too, with its status and the
moderator's reason: the participatieverslag must account for all input. Participant tokens
are not exported; a ``deelnemer`` column holds a one-way pseudonym of the token instead, so
reactions of one participant can be counted together without handing out the token.

CSV cells that a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return) get a leading apostrophe (OWASP's advice on CSV injection). The CSV
uses semicolons and UTF-8 with a byte order mark, so Excel with Dutch settings opens it with a
double click, accents intact.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from omgeving._errors import OmgevingError
from omgeving.files import atomic_path
from omgeving.project import Project
from omgeving.store import Snapshot, open_store

__all__ = [
    "FORMATS",
    "audit_table",
    "export_reactions",
    "formula_safe",
    "pseudonym",
    "reaction_table",
]

FORMATS = ("gpkg", "geojson", "csv")
#: The first characters that make a spreadsheet treat a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_RD = "EPSG:28992"


def formula_safe(value: Any) -> Any:
    r"""Return ``value`` with a leading apostrophe if a spreadsheet would run it as a formula.

    Examples
    --------
    >>> formula_safe('=HYPERLINK("http://x")')
    '\'=HYPERLINK("http://x")'
    >>> formula_safe(-2)
    -2
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def pseudonym(participant: str) -> str:
    """Return a short one-way pseudonym of a participant token (empty once erased)."""
    if not participant:
        return ""
    return hashlib.sha256(participant.encode()).hexdigest()[:12]


def reaction_table(project: Project, snapshot: Snapshot, *, scenario: str | None = None):
    """Return the snapshot's reactions as a GeoDataFrame in EPSG:4326, one row each.

    Columns: id, aangemaakt, kanaal, status, reden, thema, sentiment, scenario,
    scenario_naam, buurtcode, buurtnaam, tekst, instemmingen, meldingen, deelnemer,
    geometrietype, ronde, avond; erased reactions have no geometry. A reaction stored without
    a buurt gets the buurt that holds its representative point, if any.
    """
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry import shape

    names = {s.slug: s.name for s in project.config.scenarios}
    rows = [r for r in snapshot.reactions if scenario is None or r.scenario == scenario]
    frame = gpd.GeoDataFrame(
        {
            "id": [r.id for r in rows],
            "aangemaakt": [r.created for r in rows],
            "kanaal": [r.channel for r in rows],
            "status": [r.status for r in rows],
            "reden": [r.reason or "" for r in rows],
            "thema": [r.theme for r in rows],
            "sentiment": pd.array([r.sentiment for r in rows], dtype="Int8"),
            "scenario": [r.scenario or "" for r in rows],
            "scenario_naam": [names.get(r.scenario or "", "") for r in rows],
            "buurtcode": [r.buurt or "" for r in rows],
            "tekst": [r.text for r in rows],
            "instemmingen": [r.agrees for r in rows],
            "meldingen": [r.reports for r in rows],
            "deelnemer": [pseudonym(r.participant) for r in rows],
            "geometrietype": [r.geometry["type"] if r.geometry else "" for r in rows],
            "ronde": [r.round or "" for r in rows],
            "avond": [r.evening or "" for r in rows],
        },
        geometry=[shape(r.geometry) if r.geometry else None for r in rows],
        crs="EPSG:4326",
    )
    return _attach_buurten(project, frame)


def _attach_buurten(project: Project, frame):
    """Add ``buurtnaam``, and the buurt of reactions stored without one."""
    if "buurten" not in project.layer_names():
        frame.insert(frame.columns.get_loc("buurtcode") + 1, "buurtnaam", "")
        return frame
    buurten = project.read_layer("buurten", columns=["buurtcode", "buurtnaam", "geometry"])
    missing = (frame["buurtcode"] == "") & frame.geometry.notna()
    if missing.any():
        points = frame.loc[missing].geometry.to_crs(buurten.crs).representative_point()
        found = buurten.sindex.query(points.to_numpy(), predicate="within")
        codes = buurten["buurtcode"].to_numpy()
        for point_i, buurt_i in zip(*found, strict=True):
            frame.loc[points.index[point_i], "buurtcode"] = codes[buurt_i]
    names = dict(zip(buurten["buurtcode"], buurten["buurtnaam"], strict=True))
    frame.insert(frame.columns.get_loc("buurtcode") + 1, "buurtnaam",
                 frame["buurtcode"].map(names).fillna(""))
    return frame


def audit_table(snapshot: Snapshot):
    """Return the audit log as a DataFrame (who, when, what, why)."""
    import pandas as pd

    return pd.DataFrame(
        {
            "volgnummer": [e.seq for e in snapshot.audit],
            "tijd": [e.at for e in snapshot.audit],
            "door": [e.actor for e in snapshot.audit],
            "actie": [e.action for e in snapshot.audit],
            "reactie": [e.reaction_id or "" for e in snapshot.audit],
            "reden": [e.reason for e in snapshot.audit],
        }
    )


def export_reactions(
    project: Project,
    formats: Iterable[str] = FORMATS,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    scenario: str | None = None,
    progress: bool = False,
) -> list[Path]:
    """Write the project's reactions in each of ``formats``; return the files written.

    Parameters
    ----------
    project
        The project; its store is read once, as one snapshot.
    formats
        Any of ``"gpkg"`` (layers ``reacties`` and ``moderatie``, EPSG:28992),
        ``"geojson"`` (EPSG:4326, as RFC 7946 asks) and ``"csv"`` (the columns of
        :func:`reaction_table`, with the geometry as WKT in EPSG:28992).
    out_dir
        The folder to write to (default: the project's ``exports/``). Files are named
        ``reacties.<format>``, or ``reacties-<scenario>.<format>``.
    scenario
        Only the reactions on this scenario (a slug of the project).

    Raises
    ------
    OmgevingError
        For an unknown format or scenario.
    """
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise OmgevingError(f"export format {', '.join(unknown) or '(none)'} is not known; "
                            f"use one or more of {', '.join(FORMATS)}")
    slugs = [s.slug for s in project.config.scenarios]
    if scenario is not None and scenario not in slugs:
        raise OmgevingError(f"scenario {scenario!r} is not in {project.root / 'omgeving.toml'};"
                            f" use one of {', '.join(slugs) or '(none listed)'}")
    folder = Path(out_dir) if out_dir is not None else project.exports_dir
    folder.mkdir(parents=True, exist_ok=True)
    with open_store(project.store_url()) as store:
        snapshot = store.snapshot()
    table = reaction_table(project, snapshot, scenario=scenario)
    stem = f"reacties-{scenario}" if scenario else "reacties"
    written = []
    steps: Iterable[str] = formats
    if progress:
        from tqdm import tqdm

        steps = tqdm(formats, desc="export", unit="file")
    for fmt in steps:
        target = folder / f"{stem}.{fmt}"
        with atomic_path(target, exists=False) as tmp:
            _WRITERS[fmt](table, snapshot, tmp)
        written.append(target)
    return written


def _write_gpkg(table, snapshot: Snapshot, path: Path) -> None:
    import pyogrio

    pyogrio.write_dataframe(table.to_crs(_RD), path, layer="reacties", driver="GPKG",
                            geometry_type="Unknown")
    pyogrio.write_dataframe(audit_table(snapshot), path, layer="moderatie", driver="GPKG")


def _write_geojson(table, snapshot: Snapshot, path: Path) -> None:
    features = json.loads(table.to_json(na="null", drop_id=True))["features"]
    collection = {
        "type": "FeatureCollection",
        "name": "reacties",
        "omgeving:export": {"tijd": snapshot.taken, "aantal": len(features)},
        "features": features,
    }
    with path.open("w", encoding="utf-8") as out:
        json.dump(collection, out, ensure_ascii=False)


def _write_csv(table, snapshot: Snapshot, path: Path) -> None:
    import pandas as pd

    columns = [c for c in table.columns if c != "geometry"]
    wkt = table.geometry.to_crs(_RD).to_wkt(rounding_precision=2).fillna("")
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow([*columns, "geometrie_wkt_rd"])
        for values, shape_wkt in zip(table[columns].itertuples(index=False), wkt, strict=True):
            cells = ["" if pd.isna(v) else formula_safe(v) for v in values]
            writer.writerow([*cells, shape_wkt])


_WRITERS: dict[str, Callable[[Any, Snapshot, Path], None]] = {
    "gpkg": _write_gpkg,
    "geojson": _write_geojson,
    "csv": _write_csv,
}

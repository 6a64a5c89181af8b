"""The Dutch evaluation set of ``tests/data/evaluatie/`` with its places on the demo's map.

Each reaction's ``plek`` names a buurt, road, brook or nature area of the demo municipality;
its point is that feature's representative point (a road's or brook's middle), moved up to
150 m by its id (the same every run), as residents put their points near, not on, a place.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tests.conftest import ROOT

EVALSET = ROOT / "tests" / "data" / "evaluatie" / "reacties.csv"
_KINDS = {"buurt": ("buurten", "buurtnaam"), "weg": ("wegen", "naam"),
          "water": ("waterlopen", "naam"), "natuur": ("natura2000", "naam_n2k")}


@dataclass
class EvalSet:
    rows: list[dict[str, str]]
    xy: np.ndarray  # RD New, metres

    @property
    def ids(self) -> list[str]:
        return [r["id"] for r in self.rows]

    @property
    def texts(self) -> list[str]:
        return [r["tekst"] for r in self.rows]

    def column(self, name: str) -> list[str]:
        return [r[name] for r in self.rows]


def places(project_dir: Path) -> dict[str, tuple[float, float]]:
    """Return every ``plek`` key of the demo with its point (RD New)."""
    from omgeving.project import open_project

    project = open_project(project_dir)
    found = {}
    for kind, (layer, column) in _KINDS.items():
        frame = project.read_layer(layer)
        for name, geometry in zip(frame[column], frame.geometry, strict=True):
            if geometry.geom_type.endswith("LineString"):
                point = geometry.interpolate(0.5, normalized=True)
            else:
                point = geometry.representative_point()
            found[f"{kind}:{name}"] = (point.x, point.y)
            if kind == "natuur":  # the set calls the demo's one Natura 2000 area so
                found["natuur:Het Markeveld"] = (point.x, point.y)
    return found


def load(project_dir: Path, path: Path = EVALSET) -> EvalSet:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    where = places(project_dir)
    xy = np.zeros((len(rows), 2))
    for i, row in enumerate(rows):
        x, y = where[row["plek"]]
        digest = hashlib.sha256(row["id"].encode()).digest()
        angle = digest[0] / 255 * 2 * np.pi
        radius = 150 * digest[1] / 255
        xy[i] = (x + radius * np.cos(angle), y + radius * np.sin(angle))
    return EvalSet(rows, xy)


def seed_store(project_dir: Path, data: EvalSet | None = None) -> list[str]:
    """Store the evaluation set's reactions in the project's store; return their store ids.

    A reaction without a given theme is a paper form that named none (theme ``""``); the
    rest keep the channel and theme the set gives them. Ids are the store's own (32 hex).
    """
    from dataclasses import replace

    from pyproj import Transformer

    from omgeving.participation import Area, validate_reaction
    from omgeving.project import open_project
    from omgeving.reactions import new_reaction_id
    from omgeving.store import open_store

    project = open_project(project_dir)
    data = data or load(project_dir)
    area = Area.from_web(project.web_dir)
    to_wgs = Transformer.from_crs(28992, 4326, always_xy=True)
    themes = (*project.config.themes, "overig")
    ids = []
    with open_store(project.store_url()) as store:
        for row, (x, y) in zip(data.rows, data.xy, strict=True):
            lon, lat = to_wgs.transform(x, y)
            given = row["thema_gegeven"]
            channel = row["kanaal"] if given else "papier"
            r = validate_reaction(
                id=new_reaction_id(), geometry={"type": "Point", "coordinates": [lon, lat]},
                theme=given or "", text=row["tekst"], area=area, themes=themes,
                participant=hashlib.sha256(row["deelnemer"].encode()).hexdigest()[:32],
                sentiment=int(row["sentiment"]) if row["sentiment"] else None,
                channel=channel if channel in ("online", "tafel", "papier") else "online",
            )
            store.add(replace(r, theme=given))
            ids.append(r.id)
    return ids

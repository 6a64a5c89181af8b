"""Benchmark: the building-based indicators on 100,000 footprints, vectorised vs a naive loop.

The fictional demo municipality (20,000 BAG-like footprints, 16 buurten) is laid out five
times side by side, as a region of five gemeenten: 100,000 footprints, 80 buurten and the
interventions of one demo scenario in every copy. It then times the three indicators that
look at every building (``buildings_affected``, ``homes_near_wind``,
``inhabitants_affected``), median of N runs:

- ``naive loop``: pure Python, for each building for each intervention a shapely predicate,
  and for each building the buurten until one covers its centre;
- ``vectorised, cold``: :func:`omgeving.indicators.compute` on fresh layers, so building the
  spatial index and placing every building in its buurt is counted;
- ``vectorised, warm``: the same on layers that already have the index (a compare app
  switching scenarios).

Both give the same figures; the script checks that. Aim (issue 5): about a second.

Usage::

    .venv/bin/python benchmarks/indicators.py [--runs 3] [--copies 5] [--scenario energielandschap]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from omgeving.demo import demo_layers, demo_scenarios  # noqa: E402
from omgeving.indicators import WIND_DISTANCE_M, Layers, compute, interventions_of  # noqa: E402
from omgeving.indicators._core import _clip  # noqa: E402

KEYS = ["buildings_affected", "homes_near_wind", "inhabitants_affected"]


def region(copies: int, scenario: str) -> tuple[dict[str, gpd.GeoDataFrame], gpd.GeoDataFrame]:
    """Return the demo layers and scenario repeated ``copies`` times from west to east."""
    layers = demo_layers()
    plan = demo_scenarios(layers)[scenario]
    minx, _, maxx, _ = layers["gemeente"].total_bounds
    step = maxx - minx + 1000

    def repeat(gdf: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
        parts = []
        for k in range(copies):
            part = gdf.copy()
            part["geometry"] = shapely.transform(
                gdf.geometry.to_numpy(), lambda xy, k=k: xy + np.array([k * step, 0.0])
            )
            if name == "buurten":  # every copy its own gemeente code in the buurtcode
                part["buurtcode"] = [f"BU{9999 - k:04d}{code[6:]}" for code in gdf["buurtcode"]]
            parts.append(part)
        return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=gdf.crs)

    return {name: repeat(gdf, name) for name, gdf in layers.items()}, repeat(plan, "scenario")


def naive(inside: gpd.GeoDataFrame, gebouwen: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame):
    """The three figures the way a first notebook would compute them: loops over shapely."""
    interventions = list(zip(inside["functie"], inside.geometry, strict=True))
    cells = list(zip(buurten["buurtcode"], buurten.geometry, strict=True))
    inwoners = dict(zip(buurten["buurtcode"], buurten["aantal_inwoners"], strict=True))
    homes_in, homes_hit = defaultdict(float), defaultdict(float)
    affected, near_homes = 0, 0.0
    rows = zip(
        gebouwen.geometry,
        gebouwen["gebruiksdoel"],
        gebouwen["aantal_verblijfsobjecten"],
        strict=True,
    )
    for building, use, vbo in rows:
        homes = vbo if "woonfunctie" in use else 0
        centre = building.centroid
        code = next((c for c, cell in cells if cell.covers(centre)), None)
        homes_in[code] += homes
        hit = near = False
        for functie, geom in interventions:
            if functie == "energie-wind":
                if building.distance(geom) <= WIND_DISTANCE_M:
                    hit = near = True
            elif building.intersects(geom) and not building.touches(geom):
                hit = True
        if hit:
            affected += 1
            homes_hit[code] += homes
        if near:
            near_homes += homes
    people = sum(homes_hit[c] * inwoners[c] / homes_in[c] for c in homes_hit if homes_hit[c] > 0)
    return affected, near_homes, people


def vectorised(layers: Layers, plan: gpd.GeoDataFrame):
    found = compute(plan, layers, KEYS)
    return (
        found["buildings_affected"].value,
        found["homes_near_wind"].by["bestaand"],
        found["inhabitants_affected"].value,
    )


def timed(function, runs: int) -> tuple[float, tuple]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each method (median)")
    parser.add_argument("--copies", type=int, default=5, help="copies of the demo (20,000 each)")
    parser.add_argument("--scenario", default="energielandschap")
    args = parser.parse_args()

    frames, plan = region(args.copies, args.scenario)
    inside = _clip(interventions_of(plan), Layers(frames))
    warm = Layers(frames)
    vectorised(warm, plan)
    print(
        f"{len(frames['gebouwen']):,} footprints, {len(frames['buurten'])} buurten, "
        f"{len(inside)} interventions ({args.scenario} × {args.copies}); median of {args.runs} runs"
    )
    rows = [
        (
            "naive loop",
            timed(lambda: naive(inside, frames["gebouwen"], frames["buurten"]), args.runs),
        ),
        ("vectorised, cold", timed(lambda: vectorised(Layers(frames), plan), args.runs)),
        ("vectorised, warm", timed(lambda: vectorised(warm, plan), args.runs)),
    ]
    slow, expected = rows[0][1]
    print(
        f"{'method':<18}{'median s':>10}{'× faster':>10}   buildings, homes near wind, inhabitants"
    )
    for name, (seconds, result) in rows:
        figures = f"{result[0]:,}, {result[1]:,.0f}, {result[2]:,.1f}"
        print(f"{name:<18}{seconds:>10.3f}{slow / seconds:>10.0f}   {figures}", flush=True)
        assert result[:2] == expected[:2] and abs(result[2] - expected[2]) < 1e-6 * max(
            1, expected[2]
        )


if __name__ == "__main__":
    main()

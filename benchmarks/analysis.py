"""Benchmark: the analysis (issue 13) of 1,000 and 10,000 reactions, cold and incremental.

Reactions are made from the Dutch evaluation set (``tests/data/evaluatie/reacties.csv``): the
set itself, then new texts that join a sentence of one reaction to a sentence of another of
the same theme, each placed near its reaction's place, stored in a fresh demo project.

- **cold**: a new Python process analyses the project with no embedding cache (imports, the
  model, every text embedded, duplicates, concerns, suggestions), timed to its end, with its
  peak memory (``ru_maxrss``); targets: 1,000 in ≤ 60 s, 10,000 in ≤ 10 min and ≤ 2 GB;
- **10 new**: in a warm process that analysed the project once, 10 reactions are added and
  the project analysed again: incrementally (what ``omgeving analyse`` and the notebook do:
  the embedding cache, and the saved state of the last analysis that only the new reactions
  join), and the naive ways: everything analysed anew with the embedding cache
  (``full=True``), and without any cache (every text embedded again); target ≤ 2 s.

Each figure is the median of ``--runs`` runs. ``--skip-cold`` leaves out what embeds every
text (the cold runs and the naive "10 new" without a cache), about two minutes each at 10,000.

Usage::

    .venv/bin/python benchmarks/analysis.py [--sizes 1000,10000] [--runs 3] [--skip-cold]
"""

from __future__ import annotations

import argparse
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.evalset import load  # noqa: E402  (the set's places on the demo's map)

COLD = """
import sys, time
t0 = time.monotonic()
from omgeving.analysis.run import analyse
from omgeving.project import open_project
result = analyse(open_project(sys.argv[1]))
print(len(result.reactions), len(result.concerns), time.monotonic() - t0)
"""


def sentences(text: str) -> list[str]:
    parts = [p.strip() for p in re.split(r"(?<=[.!?])\s+", text) if p.strip()]
    return parts or [text]


def reactions(project_dir: Path, n: int, seed: int = 1) -> list[dict]:
    """Return ``n`` reactions (text, theme, lon/lat point) made from the evaluation set."""
    from pyproj import Transformer

    data = load(project_dir)
    to_wgs = Transformer.from_crs(28992, 4326, always_xy=True)
    rng = random.Random(seed)
    by_theme: dict[str, list[int]] = {}
    for i, row in enumerate(data.rows):
        by_theme.setdefault(row["thema"], []).append(i)
    made = []
    for k in range(n):
        i = k % len(data.rows)
        row = data.rows[i]
        text = row["tekst"]
        if k >= len(data.rows):  # a new text: a sentence of this one and one of a neighbour
            other = data.rows[rng.choice(by_theme[row["thema"]])]["tekst"]
            text = f"{rng.choice(sentences(text))} {rng.choice(sentences(other))}"
        x, y = data.xy[i] + [rng.uniform(-300, 300), rng.uniform(-300, 300)]
        lon, lat = to_wgs.transform(x, y)
        made.append({"text": text[:2000], "theme": row["thema_gegeven"] or "overig",
                     "point": {"type": "Point", "coordinates": [lon, lat]},
                     "participant": f"{row['deelnemer']}-{k // len(data.rows)}"})
    return made


def fill(project_dir: Path, rows: list[dict]) -> None:
    from omgeving.participation import Area, validate_reaction
    from omgeving.project import open_project
    from omgeving.reactions import new_reaction_id
    from omgeving.store import open_store

    project = open_project(project_dir)
    area = Area.from_web(project.web_dir)
    themes = (*project.config.themes, "overig")
    with open_store(project.store_url()) as store:
        for row in rows:
            store.add(validate_reaction(
                id=new_reaction_id(), geometry=row["point"], theme=row["theme"],
                text=row["text"], area=area, themes=themes, participant=row["participant"],
                scenario=None, scenarios=(),
            ))


def cold(project_dir: Path) -> tuple[float, float]:
    """Seconds and peak MB of a fresh process analysing ``project_dir`` with no cache."""
    shutil.rmtree(project_dir / "analyse", ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t0 = time.monotonic()
    subprocess.run([sys.executable, "-c", COLD, str(project_dir)], check=True,
                   capture_output=True, text=True)
    seconds = time.monotonic() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def incremental(project_dir: Path, extra: list[dict], runs: int, *,
                uncached: bool = True) -> dict[str, float]:
    """Median seconds to analyse again after 10 new reactions: incrementally, and naively."""
    from omgeving.analysis.run import analyse
    from omgeving.project import open_project

    project = open_project(project_dir)
    analyse(project)  # analysed once: the cache and the state hold every reaction
    times: dict[str, list[float]] = {"incremental": [], "full": [], "uncached": []}
    for run in range(runs):
        fill(project_dir, extra[run * 10 : run * 10 + 10])
        t0 = time.monotonic()
        analyse(project)
        times["incremental"].append(time.monotonic() - t0)
        t0 = time.monotonic()
        analyse(project, full=True)
        times["full"].append(time.monotonic() - t0)
        if not uncached:
            continue
        saved = project.root / "analyse"
        shutil.move(saved, project.root / "analyse-kept")
        t0 = time.monotonic()
        analyse(project, full=True)
        times["uncached"].append(time.monotonic() - t0)
        shutil.rmtree(saved, ignore_errors=True)
        shutil.move(project.root / "analyse-kept", saved)
    return {k: statistics.median(v) for k, v in times.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-cold", action="store_true",
                        help="leave out the runs that embed every text")
    args = parser.parse_args()
    from omgeving.demo import build_demo
    from omgeving.web import bake_web_layers

    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        base = build_demo(Path(tmp) / "demo", extra=bake_web_layers).root
        print(f"Analysis benchmark, {args.runs} runs, {len(load(base).rows)} reactions in the "
              "evaluation set", flush=True)
        for n in sizes:
            project_dir = Path(tmp) / f"p{n}"
            shutil.copytree(base, project_dir)
            rows = reactions(project_dir, n + 10 * args.runs)
            t0 = time.monotonic()
            fill(project_dir, rows[:n])
            print(f"  {n} reactions stored in {time.monotonic() - t0:.0f} s", flush=True)
            if not args.skip_cold:
                runs = [cold(project_dir) for _ in range(args.runs)]
                seconds = statistics.median(r[0] for r in runs)
                memory = statistics.median(r[1] for r in runs)
                print(f"  {n}: cold {seconds:.1f} s (runs "
                      f"{', '.join(f'{r[0]:.1f}' for r in runs)}), peak {memory:.0f} MB",
                      flush=True)
            found = incremental(project_dir, rows[n:], args.runs, uncached=not args.skip_cold)
            quick = found["incremental"]
            line = (f"  {n} + 10 new: {quick:.2f} s incrementally; naively {found['full']:.2f} s"
                    f" with the embedding cache (x{found['full'] / quick:.1f})")
            if "uncached" in found:
                line += f", {found['uncached']:.1f} s without (x{found['uncached'] / quick:.0f})"
            print(line, flush=True)

if __name__ == "__main__":
    main()

"""Benchmark: what one moderator's action costs the staff app (the kernel and the browser).

After every action (a decision, a response, an evening saved) the staff app reads the store
again. It updates every tab's count and draws only the open tab again; the list tabs (the
queue, "Alle reacties", the log, Suggesties) are drawn when they are opened. The naive way
draws every list again at each action. Measured on the demo project with the Dutch
evaluation set (348 reactions), with the Antwoorden tab open:

- **models opened**: the widget models one action sends to the browser (each one the
  browser must make and draw; a row of a list is a dozen);
- **kernel time**: the action's refresh in the kernel (median of ``--runs``);
- **models left**: the models open after the runs and one more redraw of every list,
  against before them, when every list was drawn once (closed widgets' layouts and styles
  were once left behind, about 190 a redraw).

Usage::

    .venv/bin/python benchmarks/staff_redraw.py [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.evalset import seed_store  # noqa: E402  (the evaluation set on the demo's map)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    import ipywidgets as w
    from ipywidgets.widgets.widget import _instances

    from omgeving.apps.staff import StaffApp
    from omgeving.demo import build_demo
    from omgeving.project import open_project
    from omgeving.store import open_store
    from omgeving.web import bake_web_layers

    with tempfile.TemporaryDirectory() as tmp:
        root = build_demo(Path(tmp) / "demo", extra=bake_web_layers).root
        open_store(open_project(root).store_url(), create=True).close()
        seed_store(root)
        app = StaffApp(root)
        app.tabs.selected_index = 7  # Antwoorden, where a response was just saved
        opened = [0]
        real_open = w.Widget.open

        def counting(widget: w.Widget) -> None:
            opened[0] += 1
            real_open(widget)

        def naive() -> None:  # every list drawn again
            app.refresh()
            for tab in sorted(app.stale):
                app._draw(tab)

        naive()  # every list drawn once: what stays open is counted from here
        w.Widget.open = counting  # type: ignore[method-assign]
        results = {}
        try:
            for name, action in (("open tab only", app.refresh), ("every list (naive)", naive)):
                times, models = [], []
                before = len(_instances)
                for _ in range(args.runs):
                    opened[0] = 0
                    t0 = time.perf_counter()
                    action()
                    times.append(time.perf_counter() - t0)
                    models.append(opened[0])
                naive()  # then every list once more, as a moderator who looks at each tab
                results[name] = (statistics.median(models), statistics.median(times),
                                 len(_instances) - before)
        finally:
            w.Widget.open = real_open  # type: ignore[method-assign]
        print(f"One action in the staff app, {len(app.store.all())} reactions, "
              f"median of {args.runs}")
        for name, (models, seconds, left) in results.items():
            print(f"  {name:20} {models:5.0f} models opened  {seconds * 1000:6.1f} ms in the "
                  f"kernel  {left:+d} models left after {args.runs + 1} redraws")
        lazy, full = results["open tab only"], results["every list (naive)"]
        print(f"  ratio: {full[0] / max(lazy[0], 1):.0f}x fewer models, "
              f"{full[1] / lazy[1]:.0f}x less kernel time")
        app.store.close()


if __name__ == "__main__":
    main()

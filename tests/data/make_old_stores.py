"""Write the reaction stores of earlier schema versions that the upgrade tests open.

The files in this folder were made by the omgeving that wrote each schema, not by hand::

    git archive 0bfb370~1 omgeving | tar -x -C /tmp/v1     # schema 1
    PYTHONPATH=/tmp/v1 python tests/data/make_old_stores.py tests/data/store-v1.sqlite
    git archive b596e6a omgeving | tar -x -C /tmp/v2       # schema 2
    PYTHONPATH=/tmp/v2 python tests/data/make_old_stores.py tests/data/store-v2.sqlite

Each holds the same six reactions (point, line, polygon; visible, hidden, pending), and from
schema 2 on also agreements, reports, a withdrawn reaction and audit entries.
"""

from __future__ import annotations

import sys

from omgeving import store as store_module
from omgeving.reactions import Reaction

POINT = {"type": "Point", "coordinates": [6.1, 52.3]}
LINE = {"type": "LineString", "coordinates": [[6.1, 52.3], [6.11, 52.31]]}
POLYGON = {"type": "Polygon", "coordinates": [[[6.1, 52.3], [6.11, 52.3], [6.11, 52.31],
                                              [6.1, 52.3]]]}
ROWS = [
    ("a" * 32, POINT, "wonen", "Meer starterswoningen bij de kerk", 2, "visible"),
    ("b" * 32, LINE, "mobiliteit", "Fietspad langs de beek, graag verlicht", 1, "visible"),
    ("c" * 32, POLYGON, "natuur & landschap", "Dit weiland moet open blijven", -2, "visible"),
    ("d" * 32, POINT, "energie", "=HYPERLINK(\"http://x\") <script>alert(1)</script>", 0,
     "hidden"),
    ("e" * 32, POINT, "water & klimaat", "Hier staat het water elke winter", -1, "pending"),
    ("f" * 32, POLYGON, "wonen", "Tiny houses op dit terrein?", None, "visible"),
]


def main(path: str) -> None:
    with store_module.open_store(path if "://" in path else f"sqlite:///{path}") as store:
        for n, (rid, geometry, theme, text, sentiment, status) in enumerate(ROWS):
            store.add(Reaction(id=rid, geometry=geometry, theme=theme, text=text,
                               sentiment=sentiment, channel="online" if n % 2 else "tafel",
                               participant=f"{n % 3:032x}", buurt="BU99990001",
                               created=f"2026-03-0{n + 1}T19:30:00+00:00", status=status,
                               scenario="compact-bouwen" if n < 3 else None))
        if store_module.SCHEMA_VERSION >= 2:
            store.agree("a" * 32, "1" * 32)
            store.agree("a" * 32, "2" * 32)
            store.report("c" * 32, "2" * 32, "scheldwoord")
            store.moderate("d" * 32, "restore", actor="moderator", reason="toch niet kwetsend")
            store.moderate("d" * 32, "hide", actor="moderator", reason="kwetsend")
            store.withdraw("f" * 32, f"{5 % 3:032x}")


if __name__ == "__main__":
    main(sys.argv[1])

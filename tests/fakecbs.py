"""A local fake of CBS StatLine's OData v3 bulk feed (``/ODataFeed/odata/{table}``), for tests.

It serves the table "Kerncijfers wijken en buurten" 2024 (``85984NED``) for the gemeenten,
wijken and buurten of :mod:`tests.fakepdok` (same buurtcodes, same ``AantalInwoners_5`` as the
fake PDOK's ``aantal_inwoners``), in the shapes ``../shared/DATA-SOURCES.md`` §3 and the
``cbsodata`` source describe:

- ``DataProperties`` rows with a ``Key``; ``TypedDataSet`` rows with the v3 column names of
  85984NED and space-padded region keys (``'GM0177    '``, ``'BU01770000'``); numbers typed,
  privacy-hidden values ``null``;
- every answer is a JSON object with the rows under ``value`` and, when more follow, an
  ``odata.nextLink`` (a full URL; its real form is unknown, so the client follows it verbatim);
- ``$filter`` with ``startswith(WijkenEnBuurten,'…')`` terms joined by ``or``, ``$select``;
  without ``$format=json`` the answer is Atom XML, as the real feed's default.

Unknown, so left out: other DataProperties fields (``Type``, ``Unit``, …), the ``ID`` and
``odata.metadata`` members, the real page size, and the body of error answers (plain text
here). Table ``85618NED`` (2023) serves the same rows under other ``_N`` numbers (made up) to
test that names are resolved from ``DataProperties``.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest

from tests.fakepdok import GEMEENTEN, Recorded, seed_features
from tests.fakeserver import FakeHandler, LoopbackFake

__all__ = ["FEED", "FakeCBS", "fake_cbs"]

FEED = "/ODataFeed/odata"
# the numbered columns of 85984NED (DATA-SOURCES §3), and a made-up renumbering for 2023
COLUMNS_2024 = {
    "Gemeentenaam_1": "gemeentenaam",
    "SoortRegio_2": "soort",
    "Codering_3": "code",
    "IndelingswijzigingWijkenEnBuurten_4": "indeling",
    "AantalInwoners_5": "aantal_inwoners",
    "Mannen_6": "mannen",
    "Vrouwen_7": "vrouwen",
    "GemiddeldeWOZWaardeVanWoningen_39": "woz",
    "GemiddeldInkomenPerInkomensontvanger_77": "inkomen_ontvanger",
    "GemiddeldInkomenPerInwoner_78": "inkomen_inwoner",
}
COLUMNS_2023 = {re.sub(r"_(\d+)$", lambda m: f"_{int(m.group(1)) + 3}", k): v
                for k, v in COLUMNS_2024.items()}  # fmt: skip
TABLES = {"85984NED": COLUMNS_2024, "85618NED": COLUMNS_2023}
_TERM = re.compile(r"startswith\(WijkenEnBuurten,'([A-Z0-9]+)'\)")


def _pad(code: str) -> str:
    return code.ljust(10)


def _regions() -> list[dict[str, Any]]:
    """Return one record per gemeente, wijk and buurt of the fake PDOK, with figures."""
    rng = random.Random(150)
    buurten = [f["properties"] for f in seed_features()["buurten"]]
    records = []
    for code, (name, _) in GEMEENTEN.items():
        mine = [b for b in buurten if b["gemeentecode"] == code]
        wijken = sorted({b["wijkcode"] for b in mine})
        inwoners = sum(max(b["aantal_inwoners"], 0) for b in mine)
        records.append({"code": code, "gemeentenaam": name, "soort": "Gemeente",
                        "aantal_inwoners": inwoners})  # fmt: skip
        records += [{"code": w, "gemeentenaam": name, "soort": "Wijk"} for w in wijken]
        for b in mine:
            hidden = b["aantal_inwoners"] < 0 or b["buurtnaam"] == "Heino"  # privacy: null
            records.append({
                "code": b["buurtcode"],
                "gemeentenaam": name,
                "soort": "Buurt",
                "aantal_inwoners": None if b["aantal_inwoners"] < 0 else b["aantal_inwoners"],
                "mannen": None if b["mannen"] < 0 else b["mannen"],
                "vrouwen": None if b["vrouwen"] < 0 else b["vrouwen"],
                "woz": None if hidden else rng.randrange(220, 520),
                "inkomen_ontvanger": None if hidden else round(rng.uniform(30, 48), 1),
                "inkomen_inwoner": None if hidden else round(rng.uniform(22, 36), 1),
            })  # fmt: skip
    for record in records:
        record.setdefault("indeling", "1")
    return records


@dataclass
class _Fault:
    match: str
    status: int
    times: int


class FakeCBS(LoopbackFake):
    """A StatLine OData v3 look-alike on ``127.0.0.1``; ``page_size`` rows per answer."""

    handler = FakeHandler  # it answers with FakeCBS.respond

    def __init__(self, *, page_size: int = 7) -> None:
        self.page_size = page_size
        self.records = _regions()
        self.requests: list[Recorded] = []
        self.faults: list[_Fault] = []
        self.ignore_filter = False
        self._lock = threading.Lock()



    def fail(self, match: str, *, status: int = 503, times: int = 1) -> None:
        """Answer ``status`` to the next ``times`` requests whose path contains ``match``."""
        self.faults.append(_Fault(match, status, times))

    def respond(self, raw_path: str) -> tuple[int, dict[str, str], bytes]:
        split = urlsplit(raw_path)
        params = dict(parse_qsl(split.query, keep_blank_values=True))
        with self._lock:
            self.requests.append(Recorded(split.path, split.query))
            fault = next((f for f in self.faults if f.match in split.path and f.times > 0), None)
            if fault is not None:
                fault.times -= 1
        if fault is not None:
            return _text(fault.status, "Service Unavailable")
        parts = split.path[len(FEED) :].strip("/").split("/")
        if not split.path.startswith(FEED + "/") or len(parts) != 2 or parts[0] not in TABLES:
            return _text(404, f"no such resource {split.path}")
        if params.get("$format") != "json":
            atom = b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"/>'
            return 200, {"Content-Type": "application/atom+xml;charset=utf-8"}, atom
        columns = TABLES[parts[0]]
        if parts[1] == "DataProperties":
            rows = [{"Key": key} for key in [*columns]]
        elif parts[1] == "TypedDataSet":
            found = self._dataset(columns, params)
            if isinstance(found, str):
                return _text(400, found)
            rows = found
        else:
            return _text(404, f"the fake has no {parts[1]}")
        return self._page(split.path, params, rows)

    def _dataset(self, columns: dict[str, str], params: dict[str, str]) -> list | str:
        prefixes: tuple[str, ...] = ("",)
        if "$filter" in params and not self.ignore_filter:
            terms = [t.strip() for t in params["$filter"].split(" or ")]
            if not all(_TERM.fullmatch(t) for t in terms):
                return f"the fake understands only startswith(WijkenEnBuurten,'…') or …: {terms}"
            prefixes = tuple(_TERM.fullmatch(t).group(1) for t in terms)
        keys = ["WijkenEnBuurten", *columns]
        select = params.get("$select", ",".join(keys)).split(",")
        unknown = [s for s in select if s not in keys]
        if unknown:
            return f"unknown column(s) in $select: {unknown}"
        rows = []
        for record in self.records:
            if record["code"].startswith(prefixes):
                full = {"WijkenEnBuurten": _pad(record["code"])}
                full |= {k: record.get(v) for k, v in columns.items()}
                full |= {k: _pad(record["code"]) for k, v in columns.items() if v == "code"}
                rows.append({k: full[k] for k in select})
        return rows

    def _page(self, path: str, params: dict[str, str], rows: list) -> tuple:
        skip = int(params.get("$skip", 0))
        body: dict[str, Any] = {"value": rows[skip : skip + self.page_size]}
        if skip + self.page_size < len(rows):
            following = {**params, "$skip": str(skip + self.page_size)}
            body["odata.nextLink"] = f"{self.url}{path}?{urlencode(following)}"
        return 200, {"Content-Type": "application/json;charset=utf-8"}, json.dumps(body).encode()


def _text(status: int, message: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "text/plain"}, message.encode()


@pytest.fixture
def fake_cbs(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeCBS]:
    """A started :class:`FakeCBS`, with ``OMGEVING_CBS_ROOT`` pointing at it."""
    fake = FakeCBS().start()
    monkeypatch.setenv("OMGEVING_CBS_ROOT", fake.url)
    try:
        yield fake
    finally:
        fake.stop()

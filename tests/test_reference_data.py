"""data/reference.toml and the package's constants agree (data/README.md says why)."""

from __future__ import annotations

import importlib
import tomllib

import pytest

from tests.conftest import ROOT

REFERENCE = tomllib.loads((ROOT / "data" / "reference.toml").read_text(encoding="utf-8"))


def _entries():
    for group, table in REFERENCE.items():
        if "constant" in table:
            yield group, table
        else:
            for name, entry in table.items():
                yield f"{group}.{name}", entry


@pytest.mark.parametrize(("name", "entry"), list(_entries()), ids=lambda x: str(x)[:40])
def test_constant_equals_reference(name, entry):
    module, _, attribute = entry["constant"].rpartition(".")
    value = getattr(importlib.import_module(module), attribute)
    expected = entry.get("value", entry.get("values"))
    assert (list(value) if isinstance(value, tuple) else value) == expected, (
        f"{entry['constant']} is {value!r}, data/reference.toml [{name}] says {expected!r}"
    )
    assert entry["source"] and entry["licence"]

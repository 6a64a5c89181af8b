"""The code's habits: mypy finds no type errors in the package, ruff no lint or docstring slips.

Both read their settings from pyproject.toml (``[tool.mypy]``, ``[tool.ruff]``). A laptop
without the tool skips; CI (``CI=true``) fails, as the ``test`` extra installs both.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import ROOT, need


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_mypy_finds_no_type_errors():
    need(importlib.util.find_spec("mypy") is not None, "mypy is not installed (pip install mypy)")
    done = _run([sys.executable, "-m", "mypy", "omgeving"])
    assert done.returncode == 0, f"mypy omgeving:\n{done.stdout}{done.stderr}"


def test_ruff_finds_nothing():
    need(importlib.util.find_spec("ruff") is not None, "ruff is not installed (pip install ruff)")
    done = _run([sys.executable, "-m", "ruff", "check", "--no-cache", "omgeving", "tests",
                 "benchmarks"])
    assert done.returncode == 0, f"ruff check:\n{done.stdout}{done.stderr}"

"""The package's public surface and its two dependency lists."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib

import omgeving
from tests.conftest import ROOT


def _requirements(lines: list[str]) -> dict[str, str]:
    out = {}
    for line in lines:
        match = re.match(r"^\s*([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*(.*)$", line)  # no [extra]
        if match:
            out[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return out


def test_environment_yml_matches_pyproject_dependencies():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    runtime = _requirements(pyproject["project"]["dependencies"])
    text = (ROOT / "environment.yml").read_text()
    deps = re.findall(r"^\s*-\s*([^\s#]+)\s*$", text.split("dependencies:", 1)[1], re.M)
    conda = _requirements([d for d in deps if not d.startswith(("python", "pip"))])
    assert conda == runtime


def test_python_version_agrees():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert pyproject["project"]["requires-python"] == ">=3.11"
    assert "python>=3.11" in (ROOT / "environment.yml").read_text()


def test_exported_names_resolve():
    for name in omgeving.__all__:
        assert getattr(omgeving, name) is not None, name


def test_import_has_no_side_effects_and_loads_no_geo_stack():
    code = (
        "import sys, omgeving; heavy = [m for m in ('geopandas', 'pandas', 'pyproj', "
        "'shapely', 'ipyleaflet') if m in sys.modules]; print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "[]"
    assert out.stderr == ""


def test_voila_has_cve_2024_30265_fixed():
    from importlib.metadata import version

    major, minor, patch = (int(p) for p in version("voila").split(".")[:3])
    assert (major, minor, patch) >= (0, 5, 6)  # the file-handler fix landed in 0.5.6


def test_bundled_sqlite_has_the_wal_reset_fix():
    import apsw

    assert tuple(int(p) for p in apsw.sqlite_lib_version().split(".")[:3]) >= (3, 51, 3)

"""The house's layout (issue 10): imports run one way, and every module says what it exports.

- the store loads no map, widget or geometry library, and the outputs and exchange formats no
  widget: a report builds on a server without ipywidgets;
- no import cycle anywhere in ``omgeving/``;
- a private module or name (``_x``) is used only inside its own subpackage;
- each public module's ``__all__`` is exactly what it defines for its users (HTTPX's
  ``test_exported_members``), and each subpackage says its role in one line.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "omgeving"
WIDGETS = ("ipywidgets", "ipyleaflet", "anywidget")
GEO = ("shapely", "geopandas", "pyproj", "pyogrio")


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _loaded_after(code: str) -> list[str]:
    probe = (
        f"import sys; {code}; "
        f"print(__import__('json').dumps(sorted(m for m in sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return json.loads(out.stdout)


def _top(modules: list[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def test_the_store_loads_no_map_widget_or_geometry_library():
    loaded = _top(_loaded_after("import omgeving.store"))
    assert not loaded & {*WIDGETS, *GEO}, loaded & {*WIDGETS, *GEO}


@pytest.mark.parametrize(
    "module",
    [
        "omgeving.outputs.report",
        "omgeving.outputs.figures",
        "omgeving.outputs.staticmap",
        "omgeving.outputs.analysis",
        "omgeving.exchange.export",
        "omgeving.exchange.openstad",
        "omgeving.exchange.gio",
    ],
)
def test_outputs_import_no_widgets(module):
    loaded = _loaded_after(f"import {module}")
    assert not _top(loaded) & set(WIDGETS), [m for m in loaded if m.split(".")[0] in WIDGETS]
    assert not [m for m in loaded if m.startswith("omgeving.apps")]


def _imports(path: Path, name: str) -> list[tuple[str, list[str]]]:
    """(module imported, names imported) for every import that runs (not TYPE_CHECKING)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found += [(a.name, []) for a in node.names if a.name.startswith("omgeving")]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            if target.startswith("omgeving"):
                found.append((target, [a.name for a in node.names]))
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        deps = set()
        for target, names in _imports(path, name):
            for imported in names or [None]:
                sub = f"{target}.{imported}" if imported else None
                deps.add(sub if sub in MODULES else target)
        graph[name] = {d for d in deps if d in MODULES and d != name}
    return graph


def test_no_import_cycle():
    graph = _graph()
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph[node]):
            # a package's __init__ may re-export its own modules; that is not a cycle
            if node.startswith(dep + ".") or dep.startswith(node + "."):
                continue
            if state.get(dep) == 1:
                cycles.append([*trail[trail.index(dep):], dep] if dep in trail else [node, dep])
            elif not state.get(dep):
                visit(dep, [*trail, dep])
        state[node] = 2

    for module in sorted(graph):
        if not state.get(module):
            visit(module, [module])
    assert cycles == []


def _owner(module: str) -> str:
    """The package a private module or name belongs to."""
    parts = module.split(".")
    while parts and not parts[-1].startswith("_"):
        parts.pop()
    return ".".join(parts[:-1]) if parts else module.rsplit(".", 1)[0]


def test_private_names_stay_in_their_subpackage():
    borrowed = []
    for name, path in MODULES.items():
        for target, names in _imports(path, name):
            private_module = any(p.startswith("_") for p in target.split(".")[1:])
            home = _owner(target) if private_module else target.rsplit(".", 1)[0]
            if private_module and not (name + ".").startswith(home + "."):
                borrowed.append(f"{name} imports {target}")
            package = target if MODULES.get(target, Path()).name == "__init__.py" else (
                target.rsplit(".", 1)[0]
            )
            for imported in names:
                if (
                    imported.startswith("_")
                    and not imported.startswith("__")
                    and not (name + ".").startswith(package + ".")
                ):
                    borrowed.append(f"{name} imports {imported} from {target}")
    assert borrowed == []


PUBLIC = sorted(
    name
    for name in MODULES
    if not any(p.startswith("_") for p in name.split(".")) and name != "omgeving"
)


@pytest.mark.parametrize("module", PUBLIC)
def test_exported_members(module):
    mod = importlib.import_module(module)
    assert hasattr(mod, "__all__"), f"{module} has no __all__"
    exported = set(mod.__all__)
    defined = {
        n
        for n, obj in vars(mod).items()
        if not n.startswith("_")
        and (inspect.isfunction(obj) or inspect.isclass(obj))
        and getattr(obj, "__module__", None) == module
    }
    missing = {n for n in exported if not hasattr(mod, n)}
    assert missing == set(), f"{module}.__all__ names what it does not have: {missing}"
    assert defined <= exported, f"{module} defines public {defined - exported} not in __all__"


def test_the_package_exports_what_it_lists():
    import omgeving

    public = [n for n in dir(omgeving) if not n.startswith("_")]
    assert public == sorted(n for n in omgeving.__all__ if not n.startswith("_"))
    for name in omgeving.__all__:
        assert getattr(omgeving, name) is not None


@pytest.mark.parametrize(
    "package", sorted(n for n, p in MODULES.items() if p.name == "__init__.py")
)
def test_each_subpackage_says_its_role(package):
    doc = ast.get_docstring(ast.parse(MODULES[package].read_text(encoding="utf-8")))
    assert doc and doc.strip(), f"{package} has no docstring"


def test_environment_variables_are_read_in_settings_only():
    """``omgeving.settings`` reads every variable; others only pass the environment on."""
    readers = []
    for name, path in MODULES.items():
        text = path.read_text(encoding="utf-8")
        for call in ("os.environ.get(", "os.getenv(", "os.environ["):
            if call in text and name not in ("omgeving.settings", "omgeving.server._voila"):
                readers.append(f"{name}: {call}")
    assert readers == []

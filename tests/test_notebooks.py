"""The planner's notebooks in notebooks/ run from top to bottom on the demo, so they never rot."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from omgeving.project import open_project
from omgeving.store import open_store
from tests.test_export import add

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def planner_project(demo_project, tmp_path_factory):
    """A copy of the demo with reactions of every kind, for the analysis notebook."""
    root = tmp_path_factory.mktemp("planner") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    project = open_project(root)
    open_store(project.store_url(), create=True).close()  # its own, empty store
    themes = project.config.themes
    for n in range(40):
        add(project, f"Reactie {n}", participant=f"{n % 9:032x}", theme=themes[n % 4],
            scenario=("compact-bouwen", None)[n % 2], sentiment=n % 5 - 2,
            channel=("online", "tafel")[n % 2])
    with open_store(project.store_url()) as store:
        first, second = store.all()[:2]
        store.agree(first.id, "f" * 32)
        store.moderate(second.id, "hide", actor="moderator", reason="kwetsend")
    return root


def test_the_notebooks_are_committed_without_outputs():
    assert len(NOTEBOOKS) >= 4
    for path in NOTEBOOKS:
        book = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and not c.get("execution_count")
                   for c in book.cells if c.cell_type == "code"), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_on_the_demo(path, planner_project, monkeypatch):
    monkeypatch.setenv("OMGEVING_PROJECT", str(planner_project))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    book = nbformat.read(path, as_version=4)
    NotebookClient(book, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    assert os.environ["OMGEVING_PROJECT"] == str(planner_project)

"""The scenario editor in a real browser: draw an area, fill the form, save to the project.

Planners use the editor in JupyterLab; the widgets are the same in Voila, which is lighter to
start, so a one-cell notebook with the editor is served by plain ``voila`` here.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from omgeving.scenario import FUNCTIONS, Scenario
from tests.conftest import LAPTOP, free_port, offline_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def editor_server(project_copy, tmp_path):
    book = nbformat.v4.new_notebook()
    book.cells = [nbformat.v4.new_code_cell(
        "from omgeving.apps.editor import ScenarioEditor\n"
        f"ScenarioEditor({str(project_copy)!r}, 'spreiden')"
    )]
    book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                   "language": "python"}
    nbformat.write(book, tmp_path / "editor.ipynb")
    port = free_port()
    log = (tmp_path / "voila.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "voila", "editor.ipynb", "--no-browser", f"--port={port}",
         "--Voila.ip=127.0.0.1"],
        cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while "Voilà is running at" not in (tmp_path / "voila.log").read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((tmp_path / "voila.log").read_text()[-2000:])
        time.sleep(0.2)
    yield f"http://127.0.0.1:{port}/", project_copy
    proc.terminate()
    proc.wait(20)
    log.close()


def test_draw_an_area_and_save_it_into_the_scenario(browser, editor_server, output_dir):
    url, project = editor_server
    before = len(Scenario.load(project, "spreiden").interventions)
    page = offline_page(browser, url, **LAPTOP)
    page.goto(url, timeout=120_000)
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=120_000)
    page.wait_for_timeout(800)
    container = page.locator(".leaflet-container").first
    container.scroll_into_view_if_needed()
    page.locator(".leaflet-pm-icon-polygon").first.click()
    box = container.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-25, -18), (25, -18), (25, 20), (-25, 20), (-25, -18)):
        page.mouse.click(cx + dx, cy + dy)
        page.wait_for_timeout(150)
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('Vorm getekend')",
        timeout=15_000)
    page.locator(".omg-naam input").fill("Natuurstrook uit de browser")
    nature = f"{FUNCTIONS['natuur'].label_nl} (natuur)"  # as the dropdown shows it
    page.locator(".omg-functie select").select_option(label=nature)
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_function(
        "document.querySelector('.omg-status').innerText.includes('is opgeslagen')",
        timeout=15_000)
    page.screenshot(path=str(output_dir / "screenshots" / "scenario-editor.png"))
    saved = Scenario.load(project, "spreiden").interventions
    assert len(saved) == before + 1
    added = saved[saved.naam == "Natuurstrook uit de browser"].iloc[0]
    assert added.functie == "natuur" and added.geometry.area > 10_000  # m², RD
    page.context.close()
    shutil.rmtree(project / "web" / "gebouwen", ignore_errors=True)  # keep tmp small

"""Issue 13 in a real browser: a moderator settles the analysis' suggestions in the staff app.

The demo holds the Dutch evaluation set (348 reactions, 90 without a theme); the staff server
runs the analysis when the tab opens. Screenshots at laptop and projector-wide sizes.
"""

from __future__ import annotations

import re
import shutil

import pytest

from omgeving.project import open_project
from omgeving.store import open_store
from tests.conftest import LAPTOP, offline_page
from tests.evalset import EVALSET, seed_store
from tests.test_evening_e2e import StaffServer

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not EVALSET.exists(), reason="the evaluation set is missing")]


@pytest.fixture(scope="module")
def staff(demo_project, tmp_path_factory):
    root = tmp_path_factory.mktemp("suggesties") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    open_store(open_project(root).store_url(), create=True).close()
    seed_store(root)
    server = StaffServer(root, root.parent / "staff.log")
    yield server, root
    server.stop()


def log_in(browser, server, **size):
    page = offline_page(browser, server.url, **size)
    page.goto(server.url + "login?next=%2F", timeout=60_000)
    page.get_by_label("Toegangscode").fill(server.token)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_selector(".omg-staff-name", timeout=120_000)
    return page


def test_a_moderator_links_duplicates_and_gives_a_suggested_theme(browser, staff, output_dir):
    server, root = staff
    page = log_in(browser, server, **LAPTOP)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.get_by_label("Uw naam").fill("Anna de Vries")
    page.locator(".lm-TabBar-tab", has_text="Suggesties").click()
    page.wait_for_selector(".omg-staff-suggest .omg-staff-row", timeout=180_000)
    title = page.locator(".lm-TabBar-tab", has_text="Suggesties").inner_text()
    info = page.locator(".omg-staff-suggest-info").inner_text()
    assert "groepen mogelijk dubbele reacties" in info and "voorstellen voor een onderwerp" in info
    groups, themes = map(int, re.search(r"(\d+) groepen .* (\d+) voorstellen", info).groups())
    page.screenshot(path=str(output_dir / "screenshots" / "staff-suggesties.png"), full_page=True)
    first = page.locator(".omg-staff-suggest .omg-staff-row").first
    text = first.inner_text()
    assert "reacties lijken op elkaar" in text and "Lijken hierop:" in text
    first.locator(".omg-staff-link").click()
    # the decision shows in its own row, in place of its buttons; the rows do not move
    first.locator(".omg-staff-settled", has_text="één punt").wait_for(timeout=30_000)
    assert first.locator(".omg-staff-link").count() == 0
    first.screenshot(path=str(output_dir / "screenshots" / "staff-suggestie-gekoppeld.png"))
    try:
        page.locator(".omg-staff-status", has_text="één punt").wait_for(timeout=30_000)
    except Exception as err:
        raise AssertionError(page.locator(".omg-staff-status").all_inner_texts()) from err
    with open_store(open_project(root).store_url()) as store:
        links = store.links()
        assert links and all(x.same and x.actor == "Anna de Vries" for x in links)
        assert [e.action for e in store.audit_log()].count("link") == len(links)
    page.wait_for_function(  # one group fewer in the tab's count
        "t => document.querySelector('.lm-TabBar-tab.lm-mod-current').innerText.trim() != t",
        arg=title.strip(), timeout=30_000)
    assert page.locator(".lm-TabBar-tab", has_text="Suggesties").inner_text() != title
    # a theme suggestion: given with one tap
    row = page.locator(".omg-staff-themes .omg-staff-row").first
    row.scroll_into_view_if_needed(timeout=20_000)
    chosen = row.locator("select").input_value()
    row.locator(".omg-staff-accept").click()
    try:
        row.locator(".omg-staff-settled", has_text="onderwerp is gegeven").wait_for(
            timeout=30_000)
    except Exception as err:
        page.screenshot(path=str(output_dir / "screenshots" / "debug-themes.png"), full_page=True)
        raise AssertionError(f"{page.locator('.omg-staff-status').inner_text()} | "
                             f"{row.inner_text()[:300]}") from err
    # a new search leaves the settled ones out
    page.locator(".omg-staff-suggest-run").click()
    page.locator(".omg-staff-settled").first.wait_for(state="detached", timeout=120_000)
    info = page.locator(".omg-staff-suggest-info").inner_text()
    assert f"{groups - 1} groepen mogelijk dubbele reacties en {themes - 1} " in info
    with open_store(open_project(root).store_url()) as store:
        (entry,) = [e for e in store.audit_log() if e.action == "theme"]
        assert entry.reason.endswith(f"→ {chosen}: voorstel van de analyse aanvaard")
        assert store.get(entry.reaction_id).theme == chosen
    page.screenshot(path=str(output_dir / "screenshots" / "staff-suggesties-na.png"))
    assert errors == []
    page.context.close()

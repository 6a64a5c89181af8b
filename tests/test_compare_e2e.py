"""The compare app end to end: /vergelijken on the demo, in Debian's Chromium."""

from __future__ import annotations

import pytest

from tests.conftest import LAPTOP, PHONE, offline_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def open_compare(browser, server, **options):
    page = offline_page(browser, server.url, **options)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(server.url + "vergelijken", timeout=120_000)
    page.wait_for_selector(".omg-compare-indicators", timeout=120_000)
    page.wait_for_function("document.querySelectorAll('.leaflet-container').length == 2",
                           timeout=60_000)
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=60_000)
    return page, errors


def cell(page, key: str, column: int) -> str:
    return page.locator(f".omg-compare-indicators tr[data-key='{key}'] td").nth(column).inner_text()


def scale(page, which: int) -> str:
    return page.locator(".leaflet-control-scale-line").nth(which).inner_text()


def test_pick_two_scenarios_and_read_the_difference(browser, resident_server, output_dir):
    page, errors = open_compare(browser, resident_server, **LAPTOP)
    page.locator(".omg-compare-right select").select_option(label="Energielandschap")
    page.wait_for_function(
        "document.querySelector(\".omg-compare-indicators tr[data-key='homes'] td:nth-child(3)\")"
        ".innerText.includes('490')", timeout=15_000)
    assert cell(page, "homes", 0) == "2.190 woningen"
    assert cell(page, "homes", 2) == "−1.700 woningen"
    assert cell(page, "wind_mw", 2).startswith("+33,6")
    page.locator(".omg-compare-buurt-choice select").select_option(index=1)
    page.wait_for_selector(".omg-compare-buurt table", timeout=15_000)
    page.screenshot(path=str(output_dir / "screenshots" / "compare-laptop.png"), full_page=True)
    page.locator(".omg-compare-indicators").scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "screenshots" / "compare-laptop-table.png"))
    page.locator(".omg-compare-buurt table").scroll_into_view_if_needed()
    page.screenshot(path=str(output_dir / "screenshots" / "compare-laptop-buurt.png"))

    before = scale(page, 1)
    page.locator(".leaflet-control-zoom-in").first.click()  # zoom the left map only
    page.wait_for_function(
        f"document.querySelectorAll('.leaflet-control-scale-line')[1].innerText != '{before}'",
        timeout=10_000)
    assert scale(page, 0) == scale(page, 1)  # the right map followed
    assert errors == []
    page.context.close()


def test_compare_on_a_phone(browser, resident_server, output_dir):
    page, errors = open_compare(browser, resident_server, **PHONE)
    boxes = [page.locator(".leaflet-container").nth(i).bounding_box() for i in range(2)]
    assert boxes[1]["y"] >= boxes[0]["y"] + boxes[0]["height"] - 1  # stacked, not squeezed
    assert boxes[0]["width"] >= PHONE["viewport"]["width"] * 0.85
    page.screenshot(path=str(output_dir / "screenshots" / "compare-phone.png"), full_page=True)
    assert errors == []
    page.context.close()

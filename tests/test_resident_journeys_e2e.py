"""Issue 11: the resident's journeys on a phone, a laptop, the touch table and a keyboard.

Each journey runs in Debian's Chromium on the real public server and counts its taps (or key
presses); every step is saved as a screenshot in ``test-output/screenshots/``.
"""

from __future__ import annotations

import pytest

from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.conftest import (
    LAPTOP,
    PHONE,
    PROJECTOR,
    TOUCH_TABLE,
    Taps,
    offline_page,
    served_copy,
)
from tests.test_evening_e2e import AXE, axe_violations, goto, inside_point, need, wait_stored

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def hall(demo_project, tmp_path_factory):
    """A public server on a private copy of the demo."""
    yield from served_copy(demo_project, tmp_path_factory.mktemp("journeys"), pool=2)


def arrive(browser, server, path="", **size):
    page = offline_page(browser, server.url, **size)
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    goto(page, server.url + path, selector=".omg-step-start .omg-draw-point")
    page.wait_for_selector(".leaflet-overlay-pane path", state="attached", timeout=60_000)
    page.wait_for_timeout(800)
    return page, errors


def in_view(page, selector: str) -> bool:
    """Whether the first visible ``selector`` lies wholly inside the viewport."""
    box = page.locator(selector).first.bounding_box()
    size = page.viewport_size
    return bool(box) and box["x"] >= 0 and box["y"] >= 0 and (
        box["x"] + box["width"] <= size["width"] + 1
        and box["y"] + box["height"] <= size["height"] + 1
    )


def shot(page, output_dir, name):
    page.screenshot(path=str(output_dir / "screenshots" / f"{name}.png"))


def map_view(page) -> str:
    """The map's view: its scale (the zoom), and where a reaction sits from the map's centre.

    The map's box grows and shrinks with the sheet; Leaflet keeps the centre, so the same
    view puts a reaction at the same distance from the centre.
    """
    return page.evaluate(
        """() => {
        const box = document.querySelector('.omg-mapbox').getBoundingClientRect();
        const dot = document.querySelector('.omg-mapbox path.omg-reactie').getBoundingClientRect();
        const scale = document.querySelector('.omg-mapbox .leaflet-control-scale-line');
        const dx = Math.round(dot.x + dot.width / 2 - (box.x + box.width / 2));
        const dy = Math.round(dot.y + dot.height / 2 - (box.y + box.height / 2));
        return `${scale.textContent} ${scale.style.width} ${dx},${dy}`;
    }"""
    )


def test_phone_point_reaction_in_at_most_eight_taps(browser, hall, output_dir):
    server, root = hall
    page, errors = arrive(browser, server, **PHONE)
    shot(page, output_dir, "phone-1-start")
    mapbox = page.locator(".omg-mapbox").bounding_box()
    assert mapbox["height"] >= 0.5 * 844 and mapbox["width"] >= 389  # the map fills the screen
    assert in_view(page, ".omg-head h1") and in_view(page, ".omg-cta")
    assert in_view(page, ".omg-draw-point") and in_view(page, ".omg-draw-area")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "Finish" not in page.locator("body").inner_text()  # no English drawing hints

    taps = Taps(page)
    taps.tap(".omg-draw-point")
    page.wait_for_selector(".omg-step-place", timeout=15_000)
    shot(page, output_dir, "phone-2-place")
    taps.tap_map(12, 8)
    page.wait_for_selector(".omg-step-write", timeout=15_000)
    message = page.locator(".leaflet-popup .omg-map-message")
    message.wait_for(timeout=15_000)
    assert "plek staat op de kaart" in message.inner_text()
    assert in_view(page, ".leaflet-popup")  # over the map, next to the pin
    shot(page, output_dir, "phone-3-write")
    taps.tap(".omg-theme button", text="mobiliteit")
    taps.tap(".omg-sentiment button", text="Goed")
    taps.tap(".omg-text textarea")
    page.keyboard.type("Een zebrapad bij de bakker, graag.")
    taps.tap(".omg-submit")
    stored = wait_stored(root, "zebrapad bij de bakker")
    assert stored
    page.wait_for_selector(".omg-step-thanks", timeout=15_000)
    assert in_view(page, ".omg-thanks-card") and in_view(page, ".omg-again")
    assert "Bedankt" in page.locator(".omg-thanks-card").inner_text()
    page.wait_for_selector("path.omg-new", state="attached", timeout=15_000)  # highlighted
    shot(page, output_dir, "phone-4-thanks")
    assert taps.n <= 8, f"a point reaction took {taps.n} taps"
    with open_store(open_project(root).store_url()) as store:
        r = next(x for x in store.all() if "zebrapad" in x.text)
    assert (r.theme, r.sentiment, r.geometry["type"]) == ("mobiliteit", 1, "Point")

    # the list is one tap away and comes back to the same map view
    before = map_view(page)
    taps.tap(".omg-see")
    page.wait_for_selector(".omg-step-list", timeout=15_000)
    page.locator(".omg-list", has_text="zebrapad").wait_for(timeout=15_000)
    shot(page, output_dir, "phone-5-list")
    taps.tap(".omg-back")
    page.wait_for_selector(".omg-step-start", timeout=15_000)
    page.wait_for_timeout(500)
    assert map_view(page) == before
    assert errors == []
    page.context.close()


def test_a_line_with_a_step_back_and_a_vertex_outside(browser, hall, output_dir):
    server, root = hall
    page, _ = arrive(browser, server, **PHONE)
    taps = Taps(page)
    taps.tap(".omg-mapbox .leaflet-control-zoom-out")  # the whole municipality, with room around
    page.wait_for_timeout(800)
    taps.tap(".omg-draw-line")
    page.wait_for_selector(".omg-step-place", timeout=15_000)
    assert page.locator(".omg-done").is_visible() and page.locator(".omg-undo").is_visible()
    taps.tap_map(-40, 0)
    taps.tap_map(40, 10)
    taps.tap_map(150, 20)  # a mistap beside it, outside the municipality
    message = page.locator(".leaflet-popup .omg-map-message")
    shot(page, output_dir, "phone-line-outside")
    page.wait_for_function(
        "() => (document.querySelector('.leaflet-popup .omg-map-message') || {}).innerText"
        "?.includes('buiten de gemeente')",
        timeout=15_000,
    )
    assert "Stap terug" in message.inner_text()
    shot(page, output_dir, "phone-line-outside")
    taps.tap(".omg-undo")
    taps.tap(".omg-done")
    page.wait_for_selector(".omg-step-write", timeout=15_000)
    assert "lijn staat op de kaart" in page.locator(".omg-where").inner_text()
    taps.tap(".omg-theme button", text="natuur & landschap")
    taps.tap(".omg-text textarea")
    page.keyboard.type("Een wandelpad langs de rivier")
    taps.tap(".omg-submit")
    wait_stored(root, "wandelpad langs de rivier")
    with open_store(open_project(root).store_url()) as store:
        r = next(x for x in store.all() if "wandelpad" in x.text)
    assert r.geometry["type"] == "LineString" and len(r.geometry["coordinates"]) == 2
    page.context.close()


def test_coming_back_in_the_same_browser(browser, hall):
    server, root = hall
    project = open_project(root)
    with open_store(project.store_url()) as store:
        store.add(validate_reaction(
            id=new_reaction_id(), geometry=inside_point(root), theme="wonen",
            text="Een wandelpad van de buren", area=Area.from_web(root / "web"),
            themes=project.config.themes, participant="buren",
        ))
    page, _ = arrive(browser, server, **PHONE)
    taps = Taps(page)
    taps.tap(".omg-draw-point")
    taps.tap_map(-20, 20)
    page.wait_for_selector(".omg-step-write", timeout=15_000)
    taps.tap(".omg-theme button", text="wonen")
    page.locator(".omg-text textarea").fill("Tiny houses achter de kerk")
    taps.tap(".omg-submit")
    wait_stored(root, "Tiny houses achter de kerk")
    page.reload()  # the same browser (its storage) comes back
    goto(page, server.url, selector=".omg-step-start .omg-open-list")
    page.wait_for_timeout(800)
    page.locator(".omg-open-list").click()
    card = page.locator(".omg-list > div", has_text="Tiny houses achter de kerk").first
    card.wait_for(timeout=15_000)
    assert card.locator(".omg-edit").count() == 1  # still one's own: changeable
    other = page.locator(".omg-list > div", has_text="wandelpad van de buren").first
    other.locator(".omg-agree").click()
    page.wait_for_function(
        "document.querySelector('.omg-list-status').innerText.includes('eens')", timeout=15_000
    )
    page.reload()
    goto(page, server.url, selector=".omg-step-start .omg-open-list")
    page.wait_for_timeout(800)
    page.locator(".omg-open-list").click()
    other = page.locator(".omg-list > div", has_text="wandelpad van de buren").first
    other.wait_for(timeout=15_000)
    other.locator(".omg-agree").click()
    page.wait_for_function(
        "document.querySelector('.omg-list-status').innerText.includes('al mee eens')",
        timeout=15_000,
    )  # once per browser, not per page load
    with open_store(open_project(root).store_url()) as store:
        r = next(x for x in store.all() if "wandelpad van de buren" in x.text)
    assert r.agrees == 1
    page.context.close()


def tab_to(page, selector: str, limit: int = 80) -> int:
    """Press Tab until the focus is on ``selector``; return the presses."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement?.matches(s)", selector):
            return n
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_places_a_point_a_line_and_an_area_on_the_map(browser, hall, output_dir):
    server, root = hall
    page, _ = arrive(browser, server, **LAPTOP)
    keys = 0
    for mode, moves in (
        ("omg-draw-point", [["ArrowRight"]]),
        ("omg-draw-line", [["ArrowLeft"], ["ArrowRight", "ArrowRight"]]),
        ("omg-draw-area", [["ArrowUp"], ["ArrowRight", "ArrowDown"], ["ArrowLeft", "ArrowLeft"]]),
    ):
        keys += tab_to(page, f".{mode}")
        page.keyboard.press("Enter")
        page.wait_for_selector(".omg-step-place", timeout=15_000)
        keys += 1 + tab_to(page, ".omg-mapbox .leaflet-container")
        focus = page.evaluate(
            "getComputedStyle(document.activeElement).outlineStyle"
        )
        assert focus != "none"  # the focus is visible
        assert page.locator(".omg-crosshair").is_visible()
        for vertex in moves:
            for key in vertex:
                page.keyboard.press(key)
                page.wait_for_timeout(350)  # the pan ends, the kernel hears the new centre
            page.keyboard.press("Enter")
            keys += len(vertex) + 1
            page.wait_for_timeout(400)
        if mode != "omg-draw-point":
            shot(page, output_dir, f"keyboard-{mode}")
            keys += tab_to(page, ".omg-done")
            page.keyboard.press("Enter")
            keys += 1
        page.wait_for_selector(".omg-step-write", timeout=15_000)
        keys += tab_to(page, ".omg-theme button")
        page.keyboard.press("Enter")
        keys += tab_to(page, ".omg-text textarea") + 1
        page.keyboard.type(f"Met het toetsenbord: {mode}")
        keys += tab_to(page, ".omg-submit") + 1
        page.keyboard.press("Enter")
        try:
            wait_stored(root, f"Met het toetsenbord: {mode}", timeout=30)
        except AssertionError:
            shot(page, output_dir, f"keyboard-failed-{mode}")
            with open_store(open_project(root).store_url()) as store:
                print([x.text for x in store.all()])
            raise
        page.wait_for_selector(".omg-step-thanks", timeout=15_000)
        keys += tab_to(page, ".omg-again") + 1
        page.keyboard.press("Enter")
        page.wait_for_selector(".omg-step-start", timeout=15_000)
    with open_store(open_project(root).store_url()) as store:
        kinds = {x.text.rsplit(" ", 1)[-1]: x.geometry["type"] for x in store.all()
                 if x.text.startswith("Met het toetsenbord")}
    assert kinds == {"omg-draw-point": "Point", "omg-draw-line": "LineString",
                     "omg-draw-area": "Polygon"}
    print(f"keyboard: three reactions in {keys} key presses besides the typing")
    page.context.close()


def test_the_table_needs_no_typing_and_has_big_targets(browser, hall, output_dir):
    server, root = hall
    page, errors = arrive(browser, server, "tafel", **TOUCH_TABLE)
    shot(page, output_dir, "table-1-start")
    taps = Taps(page)
    taps.tap(".omg-draw-point")
    page.wait_for_selector(".omg-step-place", timeout=15_000)
    taps.tap_map(30, 30)
    page.wait_for_selector(".omg-step-write", timeout=15_000)
    sizes = page.evaluate(
        "() => Array.from(document.querySelectorAll('.omg-shell button, .omg-shell select,"
        " .omg-shell .leaflet-control-zoom a')).filter(e => e.offsetParent)"
        ".map(e => { const r = e.getBoundingClientRect(); return [r.width, r.height]; })"
    )
    assert sizes and all(w >= 44 and h >= 44 for w, h in sizes), sizes
    big = sum(w >= 64 and h >= 64 for w, h in sizes)
    assert big >= 0.6 * len(sizes), f"{big} of {len(sizes)} targets are 64 px or more"
    shot(page, output_dir, "table-3-write")
    taps.tap(".omg-theme button", text="voorzieningen")
    taps.tap(".omg-sentiment button", text="Heel goed")
    taps.tap(".omg-submit")  # no text: the table needs no typing
    page.wait_for_selector(".omg-step-thanks", timeout=15_000)
    # the table resets itself for the next person: the sheet is drawn anew, card included
    page.locator(".omg-thanks-card", has_text="Bedankt").wait_for(timeout=15_000)
    page.wait_for_timeout(500)
    assert in_view(page, ".omg-thanks-card")
    shot(page, output_dir, "table-4-thanks")
    assert taps.n <= 5
    with open_store(open_project(root).store_url()) as store:
        r = max((x for x in store.all() if x.channel == "tafel"), key=lambda x: x.seq)
    assert (r.theme, r.sentiment, r.text) == ("voorzieningen", 2, "")
    assert errors == []
    page.context.close()


@pytest.mark.parametrize(("size", "options"), [("phone", PHONE), ("laptop", LAPTOP),
                                               ("projector", PROJECTOR)])
def test_every_step_at_three_sizes_has_no_axe_violation(browser, hall, size, options, output_dir):
    need(AXE.exists(), f"{AXE} is missing (scripts/setup --test installs axe-core from npm)")
    server, _ = hall
    page, _ = arrive(browser, server, **options)
    found = {"start": axe_violations(page, output_dir / f"axe-resident-{size}-start.json",
                                     every=True)}
    shot(page, output_dir, f"resident-{size}-start")
    page.locator(".omg-draw-point").click()
    Taps(page).tap_map(5, 5)
    page.wait_for_selector(".omg-step-write", timeout=15_000)
    page.wait_for_timeout(500)
    shot(page, output_dir, f"resident-{size}-write")
    found["write"] = axe_violations(page, output_dir / f"axe-resident-{size}-write.json",
                                    every=True)
    page.locator(".omg-cancel").click()
    page.locator(".omg-open-list").click()
    page.wait_for_selector(".omg-step-list", timeout=15_000)
    shot(page, output_dir, f"resident-{size}-list")
    found["list"] = axe_violations(page, output_dir / f"axe-resident-{size}-list.json",
                                   every=True)
    assert found == {"start": [], "write": [], "list": []}, found
    page.context.close()


def test_the_wheel_scrolls_until_the_map_is_clicked(browser, hall):
    server, _ = hall
    page, _ = arrive(browser, server, **LAPTOP)
    box = page.locator(".omg-mapbox .leaflet-container").bounding_box()
    page.mouse.move(box["x"] + 200, box["y"] + 200)
    page.wait_for_selector("path.omg-reactie", state="attached", timeout=15_000)
    before = map_view(page)
    page.mouse.wheel(0, -600)
    page.wait_for_timeout(800)
    assert map_view(page) == before  # no accidental zoom
    page.mouse.click(box["x"] + 200, box["y"] + 200)
    page.wait_for_timeout(500)
    page.mouse.wheel(0, -600)
    page.wait_for_timeout(1000)
    assert map_view(page) != before
    page.context.close()


def test_the_background_questions_on_a_phone_are_two_taps_and_may_be_skipped(
    browser, hall, output_dir
):
    server, root = hall
    page, errors = arrive(browser, server, **PHONE)
    taps = Taps(page)
    taps.tap(".omg-draw-point")
    page.wait_for_selector(".omg-step-place", timeout=15_000)
    taps.tap_map(-20, 10)
    page.wait_for_selector(".omg-step-write", timeout=15_000)
    taps.tap(".omg-theme button", text="voorzieningen")
    taps.tap(".omg-text textarea")
    page.keyboard.type("Een bankje bij de bushalte.")
    taps.tap(".omg-submit")
    page.wait_for_selector(".omg-step-thanks .omg-background", timeout=15_000)
    assert in_view(page, ".omg-again")  # what comes next stays in view, the card under it
    page.locator(".omg-background").scroll_into_view_if_needed()
    shot(page, output_dir, "phone-6-background")
    card = page.locator(".omg-background").inner_text()
    assert "Het mag ook niet" in card and "zonder uw naam" in card
    for label in ("jonger dan 15", "65 of ouder", "Ik woon hier", "Ik kom hier op bezoek"):
        assert label in card
    for selector in (".omg-background-age button", ".omg-background-save"):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 44, selector  # a thumb's target
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    taps.n = 0
    taps.tap(".omg-background-age button", text="45 tot 65")
    taps.tap(".omg-background-save")
    page.locator(".omg-background-done", has_text="Dank u wel").wait_for(timeout=15_000)
    assert taps.n == 2
    with open_store(open_project(root).store_url()) as store:
        assert [(p.channel, p.age, p.relation) for p in store.profiles()][-1] == (
            "online", "45-64", ())
    shot(page, output_dir, "phone-7-background-done")
    assert errors == []
    page.context.close()

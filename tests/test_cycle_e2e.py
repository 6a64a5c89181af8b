"""Issue 14 end to end in Chromium: a resident reacts in round 1; a staff member closes the
round and answers a concern that holds that reaction; the resident reads the answer on the
public page in the same browser; the map says the round is closed and a stale page stores
nothing."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.conftest import LAPTOP, PHONE, Taps, VoilaServer, offline_page
from tests.evalset import EVALSET, seed_store
from tests.test_evening_e2e import StaffServer, goto, wait_stored
from tests.test_rounds import with_rounds
from tests.xss import PAYLOADS

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not EVALSET.exists(), reason="the evaluation set is missing")]

SAID = "Het is gevaarlijk oversteken bij de school, de auto's rijden er veel te hard."
SAME = ["Oversteken bij de school is gevaarlijk, auto's rijden te hard.",
        "Bij de school rijden auto's veel te hard, oversteken is gevaarlijk voor kinderen.",
        "Gevaarlijk oversteken bij de school: de auto's rijden er te hard.",
        "De auto's rijden te hard bij de school, oversteken is gevaarlijk.",
        "Kinderen kunnen niet veilig oversteken bij de school, auto's rijden te hard.",
        "Het oversteken bij de school is gevaarlijk want de auto's rijden te hard."]


@pytest.fixture(scope="module")
def servers(demo_project, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cyclus")
    root = folder / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    with_rounds(root)
    open_store(open_project(root).store_url(), create=True).close()
    seed_store(root)  # the evaluation set: a project with concerns
    public = VoilaServer(root, folder / "voila.log", pool=1)
    staff = StaffServer(root, folder / "staff.log")
    yield public, staff, root
    public.stop()
    staff.stop()


def react(page, text):
    taps = Taps(page)
    taps.tap(".omg-draw-point")
    page.wait_for_selector(".omg-step-place", timeout=15_000)
    taps.tap_map(10, 5)
    page.wait_for_selector(".omg-step-write", timeout=15_000)
    taps.tap(".omg-theme button", text="mobiliteit")
    taps.tap(".omg-text textarea")
    page.keyboard.type(text)


def test_round_response_and_the_residents_own_answer(browser, servers, output_dir):
    public, staff, root = servers
    shots = output_dir / "screenshots"
    resident = offline_page(browser, public.url, **PHONE)
    errors: list[str] = []
    resident.on("pageerror", lambda err: errors.append(str(err)))
    goto(resident, public.url, selector=".omg-step-start .omg-draw-point")
    assert "U reageert in de ronde" in resident.locator(".omg-round").inner_text()
    react(resident, SAID)
    resident.locator(".omg-submit").click()
    wait_stored(root, "gevaarlijk oversteken bij de school, de auto")
    project = open_project(root)
    with open_store(project.store_url()) as store:
        mine = next(r for r in store.all() if r.text == SAID)
        assert mine.round == "ideeen"
        area = Area.from_web(project.web_dir)
        for k, text in enumerate(SAME):  # neighbours who said the same at that place
            r = validate_reaction(id=new_reaction_id(), geometry=mine.geometry,
                                  theme="mobiliteit", text=text, area=area,
                                  themes=project.config.themes, participant=f"{k + 7:032x}")
            store.add(replace(r, round="ideeen"))
    # a second phone is writing when the round closes: a stale page
    stale = offline_page(browser, public.url, **PHONE)
    goto(stale, public.url, selector=".omg-step-start .omg-draw-point")
    react(stale, "Te laat, maar toch.")

    # the staff member: close the round, answer the concern that holds the reaction
    from omgeving.analysis.run import analyse

    label = next(c.label for c in analyse(project).concerns if mine.id in c.ids)
    desk = offline_page(browser, staff.url, **LAPTOP)
    desk.goto(staff.url + "login?next=%2F", timeout=60_000)
    desk.get_by_label("Toegangscode").fill(staff.token)
    desk.get_by_role("button", name="Inloggen").click()
    desk.wait_for_selector(".omg-staff-name", timeout=120_000)
    desk.get_by_label("Uw naam").fill("Anna de Vries")
    desk.locator(".lm-TabBar-tab", has_text="Rondes").click()
    desk.locator(".omg-staff-round-close").first.click()
    desk.locator(".omg-staff-status", has_text="De ronde is gesloten").wait_for(timeout=30_000)
    # the stale page sends its reaction anyway; it may have noticed the close first (it asks
    # every 10 s), then its form is gone: either way nothing is stored
    try:
        stale.locator(".omg-submit").click(timeout=5_000)
        refused = stale.locator(".omg-status, .omg-map-message", has_text="Deze ronde is gesloten")
        refused.first.wait_for(timeout=15_000)
    except PlaywrightTimeout:
        stale.wait_for_selector(".omg-closed", timeout=15_000)
    stale.wait_for_selector(".omg-closed", timeout=30_000)  # and then it says so itself
    desk.locator(".lm-TabBar-tab", has_text="Antwoorden").click()
    desk.locator(".omg-staff-response-kind button", has_text="een zorg").click()
    select = desk.locator(".omg-staff-response-concern select")
    desk.wait_for_function("() => document.querySelectorAll("
                           "'.omg-staff-response-concern option').length > 0", timeout=180_000)
    options = [o.replace("\xa0", " ") for o in select.locator("option").all_inner_texts()]
    index = next((k for k, o in enumerate(options) if o.startswith(label + " (")), None)
    assert index is not None, (label, options)
    select.select_option(index=index)
    desk.locator(".omg-staff-response-verdict button", has_text="deels overgenomen").click()
    answer = f"Er komt een zebrapad bij de school, en 30 km per uur. {PAYLOADS[0]}"
    desk.locator(".omg-staff-response-text textarea").fill(answer)
    desk.locator(".omg-staff-response-pick select").select_option(
        label="Compact bouwen: Nieuwbouw Eskerlo-Noord")  # what it changed: picked
    desk.locator(".omg-staff-response-changes input").fill("gio:visiegebied-dorpskern")
    desk.locator(".omg-staff-response-save").click()
    desk.locator(".omg-staff-status", has_text="Het antwoord is opgeslagen").wait_for(
        timeout=30_000)
    desk.screenshot(path=str(shots / "staff-antwoorden.png"))
    with open_store(project.store_url()) as store:
        (response,) = store.responses()
        assert response.kind == "concern" and mine.id in response.ids
        assert response.changes == ("scenario:compact-bouwen/Nieuwbouw Eskerlo-Noord",
                                    "gio:visiegebied-dorpskern")
        assert response.actor == "Anna de Vries" and store.round_states() == {"ideeen": False}
        assert not any(r.text == "Te laat, maar toch." for r in store.all())

    # the resident, in the same browser: the public page shows the answer to their reaction
    goto(resident, public.url + "antwoorden", selector=".omg-answers-list")
    resident.locator(".omg-mine", has_text="Uw reacties (1)").wait_for(timeout=30_000)
    mine_text = resident.locator(".omg-mine").inner_text()
    assert SAID in mine_text and "Er komt een zebrapad bij de school" in mine_text
    assert "deels overgenomen" in mine_text and PAYLOADS[0] in mine_text  # as text
    assert resident.evaluate("window.__xss") is None
    resident.screenshot(path=str(shots / "phone-antwoorden.png"))
    # and the map: the round is closed, nothing to draw, a link to the answers
    goto(resident, public.url, selector=".omg-closed")
    resident.locator(".omg-outcome-mine").wait_for(timeout=30_000)  # once it knows whose
    closed = resident.locator(".omg-closed").inner_text()
    assert "Reageren kan nu niet" in closed and "De volgende ronde" in closed
    # the round's outcome: its reactions, the answers so far, yours, the newest answer
    assert "Uw reacties in deze ronde: 1. Een antwoord kregen er al 1." in closed
    assert "Er komt een zebrapad bij de school" in closed and PAYLOADS[0] in closed
    assert ("Compact bouwen: Nieuwbouw Eskerlo-Noord; gebied in de visie "
            "visiegebied-dorpskern") in closed  # in words, not keys
    assert resident.evaluate("window.__xss") is None
    assert resident.locator(".omg-draw-point").count() == 0
    resident.screenshot(path=str(shots / "phone-ronde-gesloten.png"))
    resident.locator(".omg-closed .omg-answer").first.scroll_into_view_if_needed()
    resident.screenshot(path=str(shots / "phone-ronde-uitkomst.png"))
    resident.locator(".omg-answers-link").click()
    resident.wait_for_selector(".omg-answers-list", timeout=120_000)
    goto(resident, public.url, selector=".omg-closed")  # the closed map stays open
    # the staff member plans the next round in the staff app, open from today
    desk.locator(".lm-TabBar-tab", has_text="Rondes").click()
    desk.locator(".omg-staff-round-title input").fill("Evaluatie met de buurt")
    today = date.today()
    desk.locator(".omg-staff-round-start input").fill(today.isoformat())
    desk.locator(".omg-staff-round-end input").fill((today + timedelta(days=14)).isoformat())
    desk.locator(".omg-staff-round-form .widget-checkbox", has_text="Compact bouwen").locator(
        "input").check()
    desk.locator(".omg-staff-round-save").click()
    desk.locator(".omg-staff-status", has_text="De ronde is opgeslagen").wait_for(timeout=30_000)
    desk.locator(".omg-staff-rounds", has_text="Evaluatie met de buurt").wait_for(timeout=30_000)
    desk.screenshot(path=str(shots / "staff-rondes.png"), full_page=True)
    with open_store(project.store_url()) as store:
        (plan,) = store.round_plans()
        assert (plan.slug, plan.start, plan.scenarios) == (
            "evaluatie-met-de-buurt", today.isoformat(), ("compact-bouwen",))
        assert plan.actor == "Anna de Vries"
    # the resident's open map notices within ROUND_SECONDS: it invites again, in that round
    resident.locator(".omg-round", has_text="Evaluatie met de buurt").wait_for(timeout=30_000)
    assert resident.locator(".omg-draw-point").count() == 1
    assert errors == []
    for page in (resident, stale, desk):
        page.context.close()

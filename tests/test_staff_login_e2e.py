"""The staff server's login page (omgeving.server._login), in real Chromium and over HTTP; and
the audit log with the reactions' texts in the moderation app behind it.

The first tests need no server: the lock-out's arithmetic on a fake clock, and ``next=``.
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.server._login import LoginThrottle, local_next, wait_text
from omgeving.store import open_store
from tests.conftest import LAPTOP, PHONE, need, offline_page
from tests.test_evening_e2e import AXE, StaffServer, axe_violations, inside_point
from tests.xss import PAYLOADS

SCREEN = {"phone": {**PHONE}, "laptop": {"viewport": {"width": 1366, "height": 768}}}
WRONG = "Deze code klopt niet. Controleer de code en probeer het opnieuw."
LONG = "Het fietspad langs de dijk is te smal voor fietsers en wandelaars samen. " * 6


# -- without a server ------------------------------------------------------------------------


def test_the_lock_out_starts_after_five_wrong_codes_doubles_and_stops_at_five_minutes():
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    assert [throttle.failed("10.0.0.1") for _ in range(4)] == [0.0] * 4
    assert throttle.failed("10.0.0.1") == 30.0
    assert throttle.wait("10.0.0.2") == 0.0  # another client types on
    now[0] += 30
    waits = []
    for _ in range(6):
        waits.append(throttle.failed("10.0.0.1"))
        now[0] += waits[-1]
    assert waits == [60.0, 120.0, 240.0, 300.0, 300.0, 300.0]
    throttle.succeeded("10.0.0.1")
    assert throttle.wait("10.0.0.1") == 0.0 and throttle.failed("10.0.0.1") == 0.0


def test_the_lock_out_forgets_a_client_and_keeps_no_address():
    now = [0.0]
    throttle = LoginThrottle(free=2, clients=3, clock=lambda: now[0])
    throttle.failed("192.0.2.7")
    now[0] += 901  # 15 minutes without a wrong code
    assert throttle.failed("192.0.2.7") == 0.0  # counting starts again
    for i in range(10):
        throttle.failed(f"192.0.2.{i + 10}")
    assert len(throttle._tries) == 3  # bounded
    assert not any("192.0.2" in key for key in throttle._tries)  # keyed hashes only


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/", "/"),
        ("/?tab=log", "/?tab=log"),
        ("/?token=geheim", "/"),
        ("/?token=geheim&x=1#top", "/?x=1#top"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("///evil.example/", "/evil.example/"),  # a path here, not the other host
        ("/\\evil.example", "/"),
        ("\\\\evil.example", "/"),
        ("https:/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("/\t/evil.example", "/"),
        ("evil.example", "/"),
        ("", "/"),
    ],
)
def test_next_is_a_local_path_without_a_token(given, expected):
    assert local_next(given) == expected


def test_waits_in_words():
    assert [wait_text(s) for s in (1, 29.2, 90, 91, 300)] == [
        "1 seconde", "30 seconden", "90 seconden", "2 minuten", "5 minuten"
    ]


# -- a staff server, over HTTP and in Chromium -----------------------------------------------


class Client:
    """A browser without a browser: cookies, the XSRF field, redirects not followed."""

    def __init__(self, server: StaffServer) -> None:
        self.port = server.port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.monotonic()
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        took = time.monotonic() - started
        for value in resp.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        conn.close()
        return resp.status, resp.headers, text, took

    def login_form(self, next_url: str = "/") -> str:
        _, _, page, _ = self.request("GET", "/login?" + urllib.parse.urlencode(
            {"next": next_url}))  # 200, or 429 while this client waits: the form is there
        return re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)

    def log_in(self, code: str, next_url: str = "/"):
        xsrf = self.login_form(next_url)
        return self.request("POST", "/login", {"_xsrf": xsrf, "password": code, "next": next_url})


def _project(demo_project, folder: Path) -> Path:
    """A copy of the demo whose store holds hostile, long, hidden, withdrawn, erased reactions."""
    root = folder / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    project = open_project(root)
    area = Area.from_web(root / "web")
    themes = project.config.themes
    with open_store(project.store_url(), create=True) as store:
        ids = []
        for i, text in enumerate([*PAYLOADS, LONG, "Weg ermee", "Mijn adres is Dorpsstraat 1"]):
            r = validate_reaction(
                id=new_reaction_id(), geometry=inside_point(root), theme=themes[i % 3],
                text=text, area=area, themes=themes, participant=f"p{i}",
            )
            store.add(r)
            ids.append(r.id)
            store.moderate(r.id, "hide", actor=PAYLOADS[i % len(PAYLOADS)][:60],
                           reason=f"Reden {PAYLOADS[(i + 1) % len(PAYLOADS)]}")
        store.moderate(ids[-2], "restore", actor="Anna", reason="toch goed")
        store.withdraw(ids[-2], "p13")
        store.erase_participant("p14", actor="privacy", reason="AVG-verzoek")
    return root


@pytest.fixture(scope="module")
def staff(demo_project, tmp_path_factory):
    root = _project(demo_project, tmp_path_factory.mktemp("login"))
    server = StaffServer(root, root.parent / "staff.log")
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("screen", ["phone", "laptop"])
def test_the_login_page_is_ours_in_dutch_self_contained_and_accessible(
    browser, staff, screen, output_dir
):
    need(AXE.exists(), f"{AXE} is missing (scripts/setup --test installs axe-core from npm)")
    page = offline_page(browser, staff.url, **SCREEN[screen])
    elsewhere: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(staff.url) else elsewhere.append(r.url))
    page.goto(staff.url, timeout=60_000)
    assert urllib.parse.urlsplit(page.url).path == "/login"
    assert page.locator("html").get_attribute("lang") == "nl"
    assert page.locator("main").count() == 1
    assert page.locator("h1").inner_text() == "Inloggen voor medewerkers"
    assert page.locator("label[for=omg-code]").inner_text() == "Toegangscode"
    field = page.locator("#omg-code")
    assert (field.get_attribute("type"), field.get_attribute("autocomplete")) == (
        "password", "current-password")
    assert page.get_by_role("button", name="Inloggen").count() == 1
    assert page.get_by_label("Toegangscode").count() == 1
    text = page.locator("main").inner_text()
    assert "Omgevingsvisie Voorbeeldgemeente" in text  # the project's title
    assert "functioneel beheerder" in text and "omgeving.toml" in text and "[staff] token" in text
    assert page.locator("p[lang=en]").count() == 1
    assert "Password or token" not in page.content()
    for target in (field, page.get_by_role("button", name="Inloggen")):
        box = target.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44, box
    page.keyboard.press("Tab")  # from the field (autofocus) to the button
    outline = page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement); "
        "return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth)]; }"
    )
    assert outline[0] == "BUTTON" and outline[1] != "none" and outline[2] >= 2, outline
    page.screenshot(path=str(output_dir / "screenshots" / f"staff-login-{screen}.png"))
    axe_violations(page, output_dir / f"axe-staff-login-{screen}.json")
    every = json.loads((output_dir / f"axe-staff-login-{screen}.json").read_text())
    assert every == [], every  # none of any impact
    assert elsewhere == []
    page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_wrong_code_is_said_on_the_same_page_and_never_shown(browser, staff, output_dir):
    need(AXE.exists(), f"{AXE} is missing (scripts/setup --test installs axe-core from npm)")
    page = offline_page(browser, staff.url, **LAPTOP)
    page.goto(staff.url + "login", timeout=60_000)
    page.get_by_label("Toegangscode").fill("fout-geheim-1234")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Inloggen").click()
    assert answer.value.status == 401
    page.wait_for_selector("[role=alert]")
    assert WRONG in page.locator("[role=alert]").inner_text()
    assert "not correct" in page.locator("[role=alert] [lang=en]").inner_text()
    assert "fout-geheim-1234" not in page.content()
    assert page.get_by_label("Toegangscode").input_value() == ""
    assert page.get_by_label("Toegangscode").get_attribute("aria-invalid") == "true"
    assert "Traceback" not in page.content()
    every = axe_violations(page, output_dir / "axe-staff-login-wrong.json")
    assert every == [] and json.loads((output_dir / "axe-staff-login-wrong.json").read_text()) == []
    page.screenshot(path=str(output_dir / "screenshots" / "staff-login-wrong.png"))
    page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_right_code_opens_the_app_and_the_log_shows_texts_as_text(browser, staff, output_dir):
    page = offline_page(browser, staff.url, **LAPTOP)
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(staff.url + "login?next=%2F", timeout=60_000)
    page.get_by_label("Toegangscode").fill(staff.token)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_selector(".omg-staff-name", timeout=120_000)
    assert urllib.parse.urlsplit(page.url).path == "/"
    page.locator(".lm-TabBar-tab", has_text="Logboek").click()
    page.wait_for_selector(".omg-staff-audit-entry", timeout=15_000)
    log = page.locator(".omg-staff-audit").inner_text()
    assert "Het fietspad langs de dijk" in log and "(gewist)" in log
    assert "Dorpsstraat" not in log  # erased
    assert "Weg ermee" in log  # withdrawn since: staff still read it
    assert PAYLOADS[0] in log and "Reden " + PAYLOADS[1] in log  # as typed
    fold = page.locator(".omg-staff-fold summary").first
    fold.click()
    whole = page.locator(".omg-staff-fold[open] p").first.inner_text()
    assert whole.strip() == LONG.strip()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None and dialogs == []
    page.screenshot(path=str(output_dir / "screenshots" / "staff-log-texts.png"), full_page=True)
    page.context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_next_to_another_host_is_refused(browser, staff):
    page = offline_page(browser, staff.url, **LAPTOP)
    page.goto(staff.url + "login?next=https%3A%2F%2Fevil.example%2Fsteal", timeout=60_000)
    assert page.locator("input[name=next]").input_value() == "/"
    page.get_by_label("Toegangscode").fill(staff.token)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_selector(".omg-staff-name", timeout=120_000)
    assert page.url.startswith(staff.url)
    page.context.close()
    for foreign in ("https://evil.example/", "//evil.example/", "/\\evil.example",
                    "https:///evil.example/", "http:evil.example"):
        client = Client(staff)
        status, headers, _, _ = client.log_in(staff.token, foreign)
        assert (status, headers["Location"]) == (302, "/"), (foreign, headers["Location"])


@pytest.mark.slow
def test_the_token_link_and_the_cookie_still_work_and_xsrf_is_checked(staff):
    client = Client(staff)
    status, headers, _, _ = client.request("GET", f"/?token={staff.token}")
    assert status == 200 and client.cookies  # logged in by the link, with a cookie
    status, _, body, _ = client.request("GET", "/")
    assert status == 200 and "Toegangscode" not in body
    stranger = Client(staff)
    status, headers, _, _ = stranger.request("GET", "/?token=niet-de-goede-code")
    assert status == 302 and headers["Location"].startswith("/login?next=")
    status, _, body, _ = stranger.request("GET", headers["Location"])
    assert status == 401 and WRONG in body
    assert "niet-de-goede-code" not in body and 'value="/"' in body
    forger = Client(staff)
    status, _, body, _ = forger.request("POST", "/login", {"password": staff.token})
    assert status == 403 and "Traceback" not in body  # no XSRF field: refused, not logged in
    status, headers, _, _ = forger.request("GET", "/")
    assert status == 302 and "/login" in headers["Location"]


@pytest.fixture
def fresh_staff(demo_project, tmp_path):
    """A staff server of its own: the lock-out below holds for every test's 127.0.0.1."""
    root = tmp_path / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    server = StaffServer(root, tmp_path / "staff.log")
    yield server
    server.stop()


@pytest.mark.browser
@pytest.mark.slow
def test_many_wrong_codes_lock_the_client_out_for_a_short_time(browser, fresh_staff, output_dir):
    client = Client(fresh_staff)
    statuses = [client.log_in(f"fout-{i}")[0] for i in range(4)]
    assert statuses == [401] * 4
    status, headers, body, took = client.log_in("fout-5")
    assert status == 429 and headers["Retry-After"] == "30", (status, dict(headers))
    assert "Wacht 30 seconden" in body and "fout-5" not in body
    assert took < 1.0  # answered at once: a lock-out, not a hanging page
    status, headers, _, _ = client.log_in(fresh_staff.token)  # not even the right code now
    assert status == 429 and 25 <= int(headers["Retry-After"]) <= 30
    status, headers, _, _ = client.request("GET", f"/?token={fresh_staff.token}")
    assert status == 302 and "/login" in headers["Location"]  # the link is not checked either
    page = offline_page(browser, fresh_staff.url, **PHONE)
    page.goto(fresh_staff.url + "login", timeout=60_000)
    assert "te vaak een verkeerde code" in page.locator("[role=alert]").inner_text()
    page.screenshot(path=str(output_dir / "screenshots" / "staff-login-locked.png"))
    page.context.close()
    time.sleep(int(client.log_in(fresh_staff.token)[1]["Retry-After"]) + 0.5)
    status, headers, _, _ = client.log_in(fresh_staff.token)  # the wait is over
    assert status == 302 and headers["Location"] == "/"
    status, _, body, _ = client.request("GET", "/")
    assert status == 200 and "Toegangscode" not in body
    log = fresh_staff.log.read_text()
    assert "too many wrong codes" in log
    # the server's own address is printed once; a client's never
    assert [line for line in log.splitlines() if re.search(r"(?<!//)127\.0\.0\.1", line)] == []

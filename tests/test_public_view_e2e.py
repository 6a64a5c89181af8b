"""Issue 15, F1 in a real browser: the language switch never brings back a hidden reaction."""

from __future__ import annotations

import pytest

from tests.conftest import LAPTOP, VoilaServer, offline_page
from tests.test_public_view import SECRET, leaky  # noqa: F401  (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _count(page) -> str:
    return page.locator(".omg-list-status").first.inner_text()


@pytest.mark.parametrize("path", ["", "tafel"])
def test_language_switch_keeps_moderation(browser, leaky, tmp_path, path):  # noqa: F811
    project_dir, ids = leaky
    visible = sum(label.startswith("ZICHTBAAR") for label in ids)
    server = VoilaServer(project_dir, tmp_path / "voila.log")
    try:
        page = offline_page(browser, server.url, **LAPTOP)
        page.goto(server.url + path, timeout=120_000)
        page.locator(".omg-open-list").first.click(timeout=120_000)
        page.wait_for_selector(".omg-list-status", state="attached", timeout=60_000)
        page.wait_for_function(
            "document.querySelector('.omg-list-status').innerText.includes('reacties')",
            timeout=30_000,
        )
        assert _count(page) == f"{visible} reacties"
        for label, expected in (("English", "reactions"), ("Nederlands", "reacties")):
            page.locator(".omg-language button", has_text=label).click()
            page.wait_for_function(
                f"document.querySelector('.omg-list-status').innerText.includes('{expected}')",
                timeout=30_000,
            )
            page.wait_for_timeout(300)
            assert _count(page) == f"{visible} {expected}"
            body = page.locator("body").inner_text()
            assert not any(s in body for s in SECRET)
        page.context.close()
    finally:
        server.stop()

"""Issue 15, F11: residents' and moderators' texts are shown literally, never typeset as LaTeX.

Voila's page typesets ``$…$`` in widget labels and descriptions with MathJax, and MathJax's
``\\style`` takes effect (a red background). Every text a resident or a moderator wrote must
show as the characters they typed, in the staff app and in the public apps.
"""

from __future__ import annotations

import shutil

import pytest

from omgeving.participation import Area, validate_reaction
from omgeving.project import open_project
from omgeving.reactions import new_reaction_id
from omgeving.store import open_store
from tests.conftest import PROJECTOR, VoilaServer, offline_page, open_list
from tests.test_evening_e2e import StaffServer, goto, inside_point

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEX = (
    r"$\style{background:red}{rood}$",
    r"$$\frac{a}{b}$$",
    r"\(x^2\) en \[y\]",
)


@pytest.fixture(scope="module")
def texy(demo_project, tmp_path_factory):
    root = tmp_path_factory.mktemp("tex") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    project = open_project(root)
    area = Area.from_web(root / "web")
    with open_store(project.store_url(), create=True) as store:
        for i, tex in enumerate(TEX):
            r = validate_reaction(
                id=new_reaction_id(), geometry=inside_point(root), theme=project.config.themes[0],
                text=f"Reactie {tex}", area=area, themes=project.config.themes,
                participant=f"p{i}",
            )
            store.add(r)
            store.report(r.id, "melder", f"Melding {tex}")
        store.moderate(r.id, "hide", actor=TEX[0], reason=f"Reden {TEX[0]}")
    return root


def assert_literal(page, expected: list[str]) -> None:
    assert page.locator("mjx-container, .MathJax, .MathJax_Display, .MJX_Assistive_MathML"
                        ).count() == 0
    body = page.locator("body").inner_text() + "\n".join(
        page.eval_on_selector_all("textarea", "els => els.map(e => e.value)")
    )
    for text in expected:
        assert text in body, text


def test_staff_app_shows_tex_literally(browser, texy, output_dir):
    server = StaffServer(texy, texy.parent / "staff.log")
    try:
        page = offline_page(browser, server.url, **PROJECTOR)
        goto(page, f"{server.url}?token={server.token}", selector=".omg-staff-name")
        for tab in ("Alle reacties", "Logboek", "Wachtrij"):
            page.locator(".lm-TabBar-tab", has_text=tab).click()
            page.wait_for_timeout(1500)  # MathJax typesets asynchronously
            texts = {
                "Alle reacties": [f"Reactie {t}" for t in TEX] + [f"Melding {t}" for t in TEX],
                "Logboek": [f"Reden {TEX[0]}", TEX[0]],
                "Wachtrij": [],  # nothing waits (one report each): still nothing typeset
            }[tab]
            assert_literal(page, texts)
        page.screenshot(path=str(output_dir / "screenshots" / "staff-tex.png"), full_page=True)
        page.context.close()
    finally:
        server.stop()


def test_public_apps_show_tex_literally(browser, texy):
    server = VoilaServer(texy, texy.parent / "voila.log")
    try:
        for path in ("", "scherm"):
            page = offline_page(browser, server.url, **PROJECTOR)
            goto(page, server.url + path)
            page.wait_for_timeout(2000)
            if path == "":
                open_list(page)  # the reactions are one tap from the map
                page.wait_for_timeout(500)
            # the hidden one is not shown to the public; the two others are, literally
            assert_literal(page, [f"Reactie {TEX[0]}", f"Reactie {TEX[1]}"])
            page.context.close()
    finally:
        server.stop()

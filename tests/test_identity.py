"""The municipality's own look (``[identity]``): colours, texts, English themes, files, routes."""

from __future__ import annotations

import colorsys
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from omgeving._errors import ConfigError
from omgeving.config import (
    DEFAULT_THEMES,
    DEFAULT_THEMES_EN,
    IdentityConfig,
    ProjectConfig,
    read_config,
    write_config,
)
from omgeving.demo import demo_config
from omgeving.identity import identity_files, svg_problem
from omgeving.palette import IDENTITY_ACCENT, IDENTITY_COLOUR, contrast_ratio, passing_shade
from tests.conftest import VoilaServer, free_port

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="4"/></svg>'
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 20
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 20
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 20
NOT_FOUND = "Deze pagina bestaat niet"

TOML = """\
[project]
title = "Omgevingsvisie Raalte"
gemeenten = ["GM0177"]

[[scenarios]]
slug = "compact"
name = "Compact"

[identity]
name = "Gemeente Raalte"
{extra}
"""


def write_toml(folder: Path, extra: str) -> Path:
    (folder / "omgeving.toml").write_text(TOML.format(extra=extra), encoding="utf-8")
    return folder


def hue(colour: str) -> float:
    return colorsys.rgb_to_hls(*(int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)))[0]


# -- contrast ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
        ("#777777", "#ffffff", 4.48),
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#000000", 21.0),  # the order does not matter
        ("#154273", "#154273", 1.0),
        ("#0000ff", "#ffffff", 8.59),
        ("#ff0000", "#ffffff", 4.0),
        ("#595959", "#ffffff", 7.0),  # AAA for normal text
    ],
)
def test_contrast_ratio_has_the_wcag_values(a, b, expected):
    assert contrast_ratio(a, b) == pytest.approx(expected, abs=0.01)


def test_contrast_ratio_refuses_other_notations():
    with pytest.raises(ValueError, match=r"'#fff' is not written as #rrggbb"):
        contrast_ratio("#fff", "#000000")


def test_the_default_colours_pass():
    assert contrast_ratio(IDENTITY_COLOUR, "#ffffff") >= 4.5
    assert contrast_ratio(IDENTITY_ACCENT, "#ffffff") >= 3.0
    assert IdentityConfig().colour == IDENTITY_COLOUR


@pytest.mark.parametrize("colour", ["#7fd3ff", "#ffcc00", "#ff0000", "#8fbc8f", "#ffffff",
                                    "#e0e0e0", "#ff66cc", "#777777"])
@pytest.mark.parametrize("ratio", [4.5, 3.0])
def test_the_suggested_shade_passes_keeps_the_hue_and_is_near(colour, ratio):
    shade = passing_shade(colour, ratio)
    assert contrast_ratio(shade, "#ffffff") >= ratio
    if colour not in ("#ffffff", "#e0e0e0", "#777777"):  # greys have no hue
        assert hue(shade) == pytest.approx(hue(colour), abs=0.02)
    if contrast_ratio(colour, "#ffffff") >= ratio:
        assert shade == colour
        return
    # a little lighter would hardly pass: it is the nearest
    h, lightness, s = colorsys.rgb_to_hls(*(int(shade[i : i + 2], 16) / 255 for i in (1, 3, 5)))
    lighter = colorsys.hls_to_rgb(h, min(1.0, lightness + 0.01), s)
    assert contrast_ratio("#" + "".join(f"{round(c * 255):02x}" for c in lighter),
                          "#ffffff") < ratio + 0.3


def test_a_passing_colour_is_its_own_shade():
    assert passing_shade("#154273", 4.5) == "#154273"
    assert passing_shade("#777777", 4.5) == "#767676"


# -- [identity] in omgeving.toml ---------------------------------------------------------------


def test_a_project_without_identity_gets_the_neutral_one(tmp_path):
    (tmp_path / "omgeving.toml").write_text(TOML.split("[identity]")[0], encoding="utf-8")
    assert read_config(tmp_path).identity == IdentityConfig()
    plain = ProjectConfig(title="T", gemeenten=("GM0177",))
    assert plain.identity == IdentityConfig()
    assert "[identity]" not in plain.to_toml()


def test_identity_round_trips(tmp_path):
    config = replace(
        demo_config(),
        themes=("wonen", "dorpshuis"),
        themes_en=("housing", "village hall"),
        identity=replace(demo_config().identity, welcome="Welkom\nin het dorp!", logo=""),
    )
    write_config(config, tmp_path)
    assert read_config(tmp_path) == config
    assert "[identity]" in config.to_toml() and 'logo = ""' not in config.to_toml()


def test_colours_are_read_in_lower_case(tmp_path):
    config = read_config(write_toml(tmp_path, 'colour = "#1E6B3C"\naccent = "#B35900"'))
    assert (config.identity.colour, config.identity.accent) == ("#1e6b3c", "#b35900")


def test_a_light_colour_is_refused_with_the_contrast_and_a_darker_one(tmp_path):
    write_toml(tmp_path, 'colour = "#7fd3ff"')
    with pytest.raises(ConfigError) as caught:
        read_config(tmp_path)
    message = str(caught.value)
    assert re.search(
        r'omgeving\.toml, \[identity\] colour = "#7fd3ff" \(line 11\): white text on it has a '
        r"contrast of 1\.7:1, WCAG AA needs at least 4\.5:1\. A darker colour that passes: "
        r'"#[0-9a-f]{6}"\.$',
        message,
    ), message
    suggested = re.findall(r'"(#[0-9a-f]{6})"', message)[-1]
    assert contrast_ratio(suggested, "#ffffff") >= 4.5
    write_toml(tmp_path, f'colour = "{suggested}"')
    assert read_config(tmp_path).identity.colour == suggested


def test_a_ratio_just_below_the_line_is_not_rounded_up(tmp_path):
    write_toml(tmp_path, 'colour = "#777777"')
    with pytest.raises(ConfigError, match=r'contrast of 4\.47:1, .* passes: "#767676"'):
        read_config(tmp_path)


def test_a_pale_accent_is_refused_for_non_text_contrast(tmp_path):
    write_toml(tmp_path, 'accent = "#ffa500"')
    with pytest.raises(ConfigError) as caught:
        read_config(tmp_path)
    message = str(caught.value)
    assert '[identity] accent = "#ffa500" (line 11): against white it has a contrast of 2.0:1' in (
        message
    )
    assert "needs at least 3:1" in message
    assert contrast_ratio(re.findall(r'"(#[0-9a-f]{6})"', message)[-1], "#ffffff") >= 3


@pytest.mark.parametrize(
    ("extra", "match"),
    [
        ('colour = "blue"', r'colour = "blue" \(line 11\): write the colour as "#rrggbb"'),
        ('colour = "#fff"', r'write the colour as "#rrggbb", for example colour = "#154273"'),
        ("accent = 12", r'accent = 12 \(line 11\): write the colour as "#rrggbb"'),
        ('logo = "/etc/logo.svg"', r"give a path inside the project folder"),
        ('photo = "../buiten.jpg"', r"photo = \"../buiten.jpg\" \(line 11\): give a path inside"),
        ('logo = "logo.gif"', r"a \.gif cannot be shown; use an SVG, PNG, JPEG or WebP file"),
        ('logo = "logo"', r"a file without a suffix cannot be shown"),
        ("welcome = " + repr("x" * 401), r"'welcome' has 401 characters; residents read at most"),
        ("answer_by = 2027", r"'answer_by' must be a text in quotes, not 2027"),
        ('color = "#154273"', r"unknown key 'color' in \[identity\].*did you mean 'colour'\?"),
    ],
)
def test_wrong_identity_values_say_what_to_do(tmp_path, extra, match):
    write_toml(tmp_path, extra)
    with pytest.raises(ConfigError, match=match):
        read_config(tmp_path)


def test_the_name_line_is_found_in_its_own_table(tmp_path):
    write_toml(tmp_path, "")
    text = (tmp_path / "omgeving.toml").read_text().replace(
        'name = "Gemeente Raalte"', 'name = "Gemeente Raalte"\nwelcome = ' + repr("w" * 500)
    )
    (tmp_path / "omgeving.toml").write_text(text)
    with pytest.raises(ConfigError, match=r"\[identity\] welcome \(line 11\)"):
        read_config(tmp_path)


def test_welcome_and_answer_by_fall_back_to_dutch():
    identity = IdentityConfig(welcome="Welkom!", answer_by="in juni 2027")
    assert identity.welcome_text("en") == "Welkom!"
    assert identity.answer_by_text("en") == "in juni 2027"
    english = replace(identity, welcome_en="Welcome!", answer_by_en="in June 2027")
    assert (english.welcome_text("en"), english.welcome_text("nl")) == ("Welcome!", "Welkom!")
    assert english.answer_by_text("en") == "in June 2027"


# -- English theme names -----------------------------------------------------------------------


def test_built_in_themes_have_english_names():
    config = ProjectConfig(title="T", gemeenten=("GM0177",))
    assert len(DEFAULT_THEMES_EN) == len(DEFAULT_THEMES)
    assert [config.theme_label(t, "en") for t in DEFAULT_THEMES] == list(DEFAULT_THEMES_EN)
    assert config.theme_label("water & klimaat", "en") == "water & climate"
    assert config.theme_label("water & klimaat", "nl") == "water & klimaat"


def test_custom_themes_show_dutch_without_themes_en(tmp_path):
    write_toml(tmp_path, "")
    text = (tmp_path / "omgeving.toml").read_text().replace(
        'gemeenten = ["GM0177"]', 'gemeenten = ["GM0177"]\nthemes = ["dorpshuis", "wonen"]'
    )
    (tmp_path / "omgeving.toml").write_text(text)
    config = read_config(tmp_path)
    assert config.themes_en == ()
    assert config.theme_label("dorpshuis", "en") == "dorpshuis"
    assert config.theme_label("wonen", "en") == "housing"  # a built-in theme keeps its name


def test_themes_en_names_each_theme(tmp_path):
    write_toml(tmp_path, "")
    text = (tmp_path / "omgeving.toml").read_text().replace(
        'gemeenten = ["GM0177"]',
        'gemeenten = ["GM0177"]\nthemes = ["dorpshuis", "wonen", "dorpshuis"]\n'
        'themes_en = ["village hall", "homes", "ignored"]',
    )
    (tmp_path / "omgeving.toml").write_text(text)
    config = read_config(tmp_path)
    assert config.themes == ("dorpshuis", "wonen")
    assert config.themes_en == ("village hall", "homes")
    assert config.theme_label("wonen", "en") == "homes"
    assert config.theme_label("iets anders", "en") == "iets anders"
    write_config(config, tmp_path)
    assert read_config(tmp_path) == config


@pytest.mark.parametrize(
    ("lines", "match"),
    [
        ('themes = ["a", "b"]\nthemes_en = ["a"]',
         r"line 5: 'themes_en' has 1 names for 2 themes; give one English name for each theme"),
        ('themes_en = ["housing"]', r"1 names for 10 themes.*the 10 built-in themes"),
        ('themes = ["a"]\nthemes_en = [" "]', r"theme name ' ' must be 1 to 60 characters"),
        ('themes = ["a"]\nthemes_en = "a"', r"'themes_en' must be a non-empty list of texts"),
    ],
)
def test_themes_en_of_the_wrong_length_is_refused(tmp_path, lines, match):
    write_toml(tmp_path, "")
    text = (tmp_path / "omgeving.toml").read_text().replace(
        'gemeenten = ["GM0177"]', 'gemeenten = ["GM0177"]\n' + lines
    )
    (tmp_path / "omgeving.toml").write_text(text)
    with pytest.raises(ConfigError, match=match):
        read_config(tmp_path)


# -- the files, checked before a server starts --------------------------------------------------


def files_in(tmp_path: Path, **named: bytes) -> IdentityConfig:
    """Write ``name=bytes`` files (``logo_svg=...`` → ``huisstijl/logo.svg``) and name them."""
    keys = {}
    for name, data in named.items():
        key, suffix = name.split("_")
        path = tmp_path / "huisstijl" / f"{key}.{suffix}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        keys[key] = f"huisstijl/{key}.{suffix}"
    return IdentityConfig(**keys)


@pytest.mark.parametrize(
    ("named", "routes"),
    [
        ({"logo_svg": SVG}, ["logo"]),
        ({"logo_png": PNG, "photo_jpg": JPEG}, ["logo", "foto"]),
        ({"logo_jpeg": JPEG, "photo_webp": WEBP}, ["logo", "foto"]),
        ({"photo_svg": SVG}, ["foto"]),
    ],
)
def test_good_files_pass(tmp_path, named, routes):
    found = identity_files(tmp_path, files_in(tmp_path, **named))
    assert list(found) == routes
    assert all(p.is_absolute() and p.is_file() for p in found.values())


@pytest.mark.parametrize(
    ("named", "match"),
    [
        ({"logo_svg": PNG}, r"logo\.svg \(\[identity\] logo in .*omgeving\.toml\): it is a PNG "
                            r"file, not an SVG; rename it to \.png"),
        ({"logo_png": JPEG}, r"logo\.png .*: it is a JPEG file, not a PNG image; save it as PNG "
                             r"or rename it to \.jpg"),
        ({"photo_jpg": SVG}, r"it is an SVG file, not a JPEG image; save it as JPEG or rename "
                             r"it to \.svg"),
        ({"photo_webp": b"just text"}, r"it is not an image omgeving knows, not a WebP image"),
        ({"logo_svg": b"GIF89a...."}, r"it is a GIF file, not an SVG; save it as SVG, PNG"),
        ({"logo_svg": SVG.replace(b"<circle", b"<script>alert(1)</script><circle")},
         r"logo\.svg .*: it holds a <script>; remove it"),
        ({"logo_svg": SVG.replace(b"<circle", b'<circle onclick="x()"')},
         r"has the event attribute onclick=; remove it"),
        ({"logo_svg": SVG.replace(b"<circle", b'<image href="https://example.org/a.png"/><circle')},
         r"its <image> links to 'https://example\.org/a\.png'"),
        ({"logo_svg": b"<svg><circle/></svg>"}, r'has no xmlns="http://www\.w3\.org/2000/svg"'),
        ({"logo_svg": b"<html></html>"}, r"its root is not an <svg> element"),
        ({"logo_svg": b"<svg"}, r"it is not valid XML"),
        ({"logo_png": PNG + b"\x00" * (512 * 1024)}, r"logo\.png .* is 513 KB; a logo may be "
                                                       r"at most 512 KB"),
        ({"photo_jpg": JPEG + b"\x00" * (2 * 2**20)}, r"is 2\.1 MB; a photo may be at most 2\.0"),
    ],
)
def test_wrong_files_are_refused_with_the_file_and_the_fix(tmp_path, named, match):
    with pytest.raises(ConfigError, match=match):
        identity_files(tmp_path, files_in(tmp_path, **named))


def test_a_missing_file_a_folder_and_a_link_outside_are_refused(tmp_path):
    project = tmp_path / "project"
    (project / "huisstijl" / "map.svg").mkdir(parents=True)
    with pytest.raises(ConfigError, match=r"logo\.svg \(\[identity\] logo in .*\) does not exist"):
        identity_files(project, IdentityConfig(logo="huisstijl/logo.svg"))
    with pytest.raises(ConfigError, match=r"map\.svg .* is a folder"):
        identity_files(project, IdentityConfig(logo="huisstijl/map.svg"))
    (tmp_path / "elders.svg").write_bytes(SVG)
    (project / "huisstijl" / "link.svg").symlink_to(tmp_path / "elders.svg")
    with pytest.raises(ConfigError, match=r"points outside the project folder"):
        identity_files(project, IdentityConfig(photo="huisstijl/link.svg"))


def test_svg_problem_allows_own_parts_and_embedded_images():
    own = SVG.replace(
        b"<circle",
        b'<defs><linearGradient id="g"/></defs><rect fill="url(#g)"/><use href="#g"/>'
        b'<image href="data:image/png;base64,iVBORw0KGgo="/><circle',
    )
    assert svg_problem(own) is None
    assert "fetches a file" in svg_problem(SVG.replace(b"<circle", b'<rect fill="url(a.svg#g)"/'
                                                       b"><circle"))
    assert "fetches a file" in svg_problem(SVG.replace(b"<circle", b"<style>@import 'a.css';"
                                                       b"</style><circle"))
    assert "foreignObject" in svg_problem(SVG.replace(b"<circle", b"<foreignObject/><circle"))
    assert "entities" in svg_problem(b'<!DOCTYPE svg [<!ENTITY a "b">]>' + SVG)


# -- the demo's own identity --------------------------------------------------------------------


def test_the_demo_has_a_fictional_identity_that_passes():
    identity = demo_config().identity
    assert identity.name == "Gemeente Voorbeeld"
    assert contrast_ratio(identity.colour, "#ffffff") >= 4.5
    assert contrast_ratio(identity.accent, "#ffffff") >= 3
    assert identity.answer_by == "in juni 2027" and identity.answer_by_en == "in June 2027"
    for text in (identity.welcome, identity.welcome_en):
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
        assert 1 <= len(sentences) <= 3 and len(text) <= 400
        assert max(len(s.split()) for s in sentences) <= 15  # short sentences (B1)


def test_the_demo_project_holds_its_logo_and_picture(demo_project):
    config = read_config(demo_project)
    found = identity_files(demo_project, config.identity)
    assert set(found) == {"logo", "foto"}
    for path in found.values():
        data = path.read_bytes()
        assert path.suffix == ".svg" and svg_problem(data) is None
        assert len(data) < 20_000
    assert b"Voorbeeld" in found["logo"].read_bytes()
    assert b'class="church"' in found["foto"].read_bytes()


# -- served: /huisstijl/logo and /huisstijl/foto ------------------------------------------------


def fetch(url: str, method: str = "GET") -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:
            return resp.status, dict(resp.headers), resp.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


@pytest.fixture(scope="module")
def served(demo_project, tmp_path_factory):
    """The demo project, with a PNG logo instead of its SVG one, on a real public server."""
    import shutil

    root = tmp_path_factory.mktemp("identity") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    (root / "huisstijl" / "logo.png").write_bytes(PNG)
    config = read_config(root)
    write_config(replace(config, identity=replace(config.identity, logo="huisstijl/logo.png")),
                 root)
    server = VoilaServer(root, root.parent / "voila.log", pool=0)
    yield server, root
    server.stop()


@pytest.mark.slow
def test_the_public_server_serves_exactly_the_configured_images(served):
    server, root = served
    status, headers, body = fetch(server.url + "huisstijl/foto")
    assert status == 200
    assert body == (root / "huisstijl" / "landschap.svg").read_bytes()
    assert headers["Content-Type"] == "image/svg+xml"
    assert headers["Cache-Control"] == "public, max-age=3600"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    status, headers, body = fetch(server.url + "huisstijl/logo")
    assert (status, headers["Content-Type"], body) == (200, "image/png", PNG)
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert fetch(server.url + "huisstijl/logo", "HEAD")[0] == 200
    for path in ("huisstijl/", "huisstijl", "huisstijl/logo.svg", "huisstijl/landschap.svg",
                 "huisstijl/../omgeving.toml", "huisstijl/logo/x", "huisstijl/foto%2F..%2F.."):
        status, _, body = fetch(server.url + path)
        assert status == 404, path
        assert NOT_FOUND in body.decode(), path


@pytest.mark.slow
def test_without_identity_the_images_are_404(project_copy, tmp_path):
    config = read_config(project_copy)
    write_config(replace(config, identity=IdentityConfig()), project_copy)
    server = VoilaServer(project_copy, tmp_path / "voila.log", pool=0)
    try:
        for path in ("huisstijl/logo", "huisstijl/foto"):
            status, headers, body = fetch(server.url + path)
            assert status == 404 and NOT_FOUND in body.decode(), path
            assert "image" not in headers.get("Content-Type", "")
    finally:
        server.stop()


@pytest.mark.slow
def test_the_staff_server_shows_the_logo_without_a_login(project_copy, tmp_path):
    port = free_port()
    log = tmp_path / "staff.log"
    with log.open("w") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "omgeving.cli", "staff", str(project_copy), "--port", str(port)],
            stdout=fh, stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 120
            while "is at http" not in log.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
            url = f"http://127.0.0.1:{port}/"
            status, headers, body = fetch(url + "huisstijl/logo")
            assert (status, headers["Content-Type"]) == (200, "image/svg+xml")
            assert body == (project_copy / "huisstijl" / "logo.svg").read_bytes()
            status, _, body = fetch(url + "huisstijl/iets")
            assert status in (302, 404) or b"login" in body.lower()
        finally:
            proc.terminate()
            proc.wait(20)


def test_serve_refuses_to_start_naming_the_broken_logo(project_copy, capsys, monkeypatch):
    import omgeving.server.launch
    from omgeving.cli import main

    def refuse(*args, **kwargs):
        raise AssertionError("Voila must not start")

    monkeypatch.setattr(omgeving.server.launch.subprocess, "Popen", refuse)
    (project_copy / "huisstijl" / "logo.svg").write_bytes(PNG)
    assert main(["serve", str(project_copy), "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert "huisstijl/logo.svg ([identity] logo in" in err
    assert "it is a PNG file, not an SVG; rename it to .png" in err


def test_the_voila_configuration_names_the_files():
    from omgeving.server.launch import ServeOptions, voila_config

    options = ServeOptions(identity_files={"logo": "/p/huisstijl/logo.svg"})
    assert voila_config(options)["OmgevingVoila"]["identity_files"] == {
        "logo": "/p/huisstijl/logo.svg"
    }
    assert voila_config(ServeOptions())["OmgevingVoila"]["identity_files"] == {}

from __future__ import annotations

import pytest

from omgeving._errors import ConfigError
from omgeving.config import (
    DEFAULT_THEMES,
    ProjectConfig,
    ScenarioRef,
    normalise_gemeentecode,
    read_config,
    write_config,
)

GOOD = """
[project]
title = "Omgevingsvisie Raalte"
gemeenten = ["GM0177", "150"]

[store]
url = "sqlite:///reactions.sqlite"
"""


def test_round_trip(tmp_path):
    config = ProjectConfig(
        title="Test",
        gemeenten=("GM0177",),
        scenarios=(ScenarioRef("compact-bouwen", "Compact bouwen", "x"),),
    )
    write_config(config, tmp_path)
    assert read_config(tmp_path) == config


def test_defaults_and_code_normalisation(tmp_path):
    (tmp_path / "omgeving.toml").write_text(GOOD)
    config = read_config(tmp_path)
    assert config.gemeenten == ("GM0177", "GM0150")
    assert config.themes == DEFAULT_THEMES
    assert config.moderation == "post"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("GM0177", "GM0177"), ("gm177", "GM0177"), ("0150", "GM0150"), (" 1773 ", "GM1773")],
)
def test_normalise_gemeentecode(value, expected):
    assert normalise_gemeentecode(value) == expected


@pytest.mark.parametrize("value", ["", "GMXYZ", "BU01770000", "GM01770", "Raalte"])
def test_normalise_gemeentecode_refuses(value):
    with pytest.raises(ConfigError, match="GM followed by four digits"):
        normalise_gemeentecode(value)


def test_unknown_key_names_key_and_line(tmp_path):
    (tmp_path / "omgeving.toml").write_text(GOOD + "\n[sources]\nbagg = true\n")
    with pytest.raises(ConfigError, match=r"line 10: unknown key 'bagg' in \[sources\]"):
        read_config(tmp_path)


def test_broken_toml_names_the_line(tmp_path):
    (tmp_path / "omgeving.toml").write_text('[project]\ntitle = "x\n')
    with pytest.raises(ConfigError, match="line 2"):
        read_config(tmp_path)


def test_wrong_value_says_what_to_use(tmp_path):
    (tmp_path / "omgeving.toml").write_text(GOOD.replace("[store]", 'moderation = "soms"\n[store]'))
    with pytest.raises(ConfigError, match="'moderation' is 'soms'; use one of 'post', 'pre'"):
        read_config(tmp_path)


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        read_config(tmp_path / "nope.toml")


def test_round_trip_with_identity_and_english_themes(tmp_path):
    from omgeving.config import IdentityConfig

    config = ProjectConfig(
        title="Test",
        gemeenten=("GM0177",),
        themes=("wonen", "dorpshuis"),
        themes_en=("homes", "village hall"),
        identity=IdentityConfig(name="Gemeente Raalte", colour="#1e6b3c", welcome="Welkom!",
                                answer_by="in juni 2027"),
    )
    write_config(config, tmp_path)
    assert read_config(tmp_path) == config
    assert config.theme_label("dorpshuis", "en") == "village hall"
    assert "[identity]" not in ProjectConfig(title="T", gemeenten=("GM0177",)).to_toml()

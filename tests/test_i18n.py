from __future__ import annotations

import re

from omgeving.i18n import catalogue, t


def test_every_key_in_both_languages_with_the_same_placeholders():
    nl, en = catalogue("nl"), catalogue("en")
    assert nl.keys() == en.keys()
    for key in nl:
        assert set(re.findall(r"{(\w+)}", nl[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_t_fills_values():
    assert t("react.count", "en", n=2) == "2 reactions on the map"

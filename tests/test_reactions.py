from __future__ import annotations

import pytest

from omgeving._errors import ValidationError
from omgeving.participation import Area, validate_reaction
from omgeving.reactions import MAX_TEXT, clean_text, new_reaction_id
from tests.geoms import AREA, BOWTIE, BUURT_OOST, BUURT_WEST, INSIDE, INSIDE_OOST, OUTSIDE, TRIANGLE

THEMES = ("wonen", "natuur & landschap")


@pytest.fixture(scope="module")
def area():
    return Area(AREA, [BUURT_WEST, BUURT_OOST])


def make(area, **changes):
    fields = {
        "id": new_reaction_id(),
        "geometry": INSIDE,
        "theme": "wonen",
        "text": "Hier graag meer bomen.",
        "area": area,
        "themes": THEMES,
        "participant": "p1",
        **changes,
    }
    return validate_reaction(**fields)


def test_valid_point_gets_buurt_and_time(area):
    reaction = make(area)
    assert reaction.buurt == "BU99990001"
    assert reaction.geometry == {"type": "Point", "coordinates": [6.22, 52.37]}
    assert reaction.created.endswith("+00:00")
    assert make(area, geometry=INSIDE_OOST).buurt == "BU99990002"


def test_polygon_is_accepted(area):
    assert make(area, geometry=TRIANGLE).geometry["type"] == "Polygon"


def test_text_is_cleaned_not_escaped(area):
    reaction = make(area, text="  <b>Meer</b> bomen\x00 \x07 ")
    assert reaction.text == "<b>Meer</b> bomen"  # stored as typed; escaped when shown


@pytest.mark.parametrize(
    ("changes", "key"),
    [
        ({"geometry": OUTSIDE}, "error.outside"),
        ({"geometry": BOWTIE}, "error.geometry"),
        ({"geometry": {"type": "Point", "coordinates": [float("nan"), 52.0]}}, "error.geometry"),
        ({"geometry": {"type": "Point", "coordinates": "6.2,52.3"}}, "error.geometry"),
        ({"geometry": {"type": "GeometryCollection", "geometries": []}}, "error.geometry"),
        (
            {
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[6.2 + i * 1e-7, 52.36] for i in range(100_000)],
                }
            },
            "error.geometry",
        ),
        ({"theme": "<script>"}, "error.theme"),
        ({"theme": None}, "error.theme"),
        ({"text": "   "}, "error.empty"),
        ({"text": "x" * (MAX_TEXT + 1)}, "error.too_long"),
        ({"text": "x" * 10_000_000}, "error.too_long"),
        ({"text": 42}, "error.invalid"),
        ({"sentiment": 3}, "error.invalid"),
        ({"sentiment": True}, "error.invalid"),
        ({"scenario": "onbekend"}, "error.invalid"),
        ({"id": "not-an-id"}, "error.invalid"),
        ({"channel": "email"}, "error.invalid"),
    ],
)
def test_refusals(area, changes, key):
    with pytest.raises(ValidationError) as info:
        make(area, **changes)
    assert info.value.key == key


def test_max_text_is_accepted(area):
    assert len(make(area, text="é" * MAX_TEXT).text) == MAX_TEXT


@pytest.mark.parametrize(
    ("value", "options", "key"),
    [
        ("   ", {}, "error.empty"),
        ("x" * 11, {"limit": 10}, "error.too_long"),
        ("\x00", {"empty": "error.reason"}, "error.reason"),
        (b"bytes", {}, "error.invalid"),
    ],
)
def test_clean_text_refuses_with_the_key_asked_for(value, options, key):
    with pytest.raises(ValidationError) as info:
        clean_text(value, **options)
    assert info.value.key == key


def test_clean_text_keeps_the_text_as_typed():
    assert clean_text(" <i>tien</i>\x1b ", limit=11) == "<i>tien</i>"
    assert clean_text("\t\x7f", empty=None) == ""

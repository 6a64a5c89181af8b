"""Address and postcode search against a local fake of PDOK Locatieserver (real HTTP)."""

from __future__ import annotations

import time

import pytest
import requests

from omgeving._errors import ServiceError, ValidationError
from omgeving.sources import locatieserver as geocode
from omgeving.sources.locatieserver import KINDS, Place, search_places
from omgeving.sources.pdok import RequestRefusedError
from tests.fakelocatie import PATH, FakeLocatie

PROJECT = ("GM0177", "GM0150")  # Raalte and Deventer


def _sent(fake: FakeLocatie, name: str) -> list[str]:
    """Return the values of a query parameter in the fake's last request."""
    return [value for key, value in fake.requests[-1] if key == name]


def test_public_names_resolve():
    for name in geocode.__all__:
        assert getattr(geocode, name) is not None


def test_a_postcode_gives_places_in_the_netherlands(fake_locatie):
    places = search_places("8102EA", gemeenten=PROJECT)
    assert places
    assert all(isinstance(p, Place) and p.kind in KINDS for p in places)
    assert all(3.2 < p.lon < 7.3 and 50.7 < p.lat < 53.7 for p in places)
    assert "Kerkstraat, 8102EA Raalte" in [p.label for p in places]
    postcode = next(p for p in places if p.kind == "postcode")
    assert (postcode.lon, postcode.lat) == (6.27443, 52.38608)


def test_a_postcode_with_a_space_and_lower_case_is_found(fake_locatie):
    labels = [p.label for p in search_places("8102 ea", gemeenten=PROJECT, rows=10)]
    assert "Kerkstraat, 8102EA Raalte" in labels
    assert "Stationsstraat, 8101BC Raalte" not in labels


def test_the_request_asks_free_for_the_fields_and_kinds_it_needs(fake_locatie):
    search_places("  8102   ea ", gemeenten=PROJECT)
    assert _sent(fake_locatie, "q") == ["8102 ea"]
    assert _sent(fake_locatie, "fl") == [geocode._FIELDS]
    assert "centroide_ll" in geocode._FIELDS.split()
    assert "type:(adres OR postcode OR weg OR woonplaats)" in _sent(fake_locatie, "fq")


@pytest.mark.parametrize(
    ("gemeenten", "sent", "towns"),
    [
        (["GM0177"], ["gemeentecode:(0177)"], {"Raalte"}),
        ([177, "0150"], ["gemeentecode:(0150 OR 0177)"], {"Raalte", "Deventer"}),
        ("GM0150", ["gemeentecode:(0150)"], {"Deventer"}),
        ((), [], {"Raalte", "Deventer", "Olst", "Voorbeeld"}),
    ],
)
def test_the_gemeente_filter_is_sent_and_applied(fake_locatie, gemeenten, sent, towns):
    places = search_places("Kerkstraat", gemeenten=gemeenten, rows=50)
    fq = [v for v in _sent(fake_locatie, "fq") if v.startswith("gemeentecode:")]
    assert fq == sent
    assert {p.label.rsplit(" ", 1)[-1] for p in places} == towns


def test_places_outside_the_gemeenten_are_dropped_when_the_server_ignores_the_filter(
    fake_locatie,
):
    fake_locatie.ignored.add("gemeentecode")
    places = search_places("Kerkstraat", gemeenten=["GM0177"], rows=50)
    assert places
    assert all(p.label.endswith("Raalte") for p in places)


@pytest.mark.parametrize("rows", [1, 2, 5])
def test_rows_is_honoured(fake_locatie, rows):
    places = search_places("Kerkstraat", gemeenten=PROJECT, rows=rows)
    assert len(places) == rows
    assert _sent(fake_locatie, "rows") == [str(rows)]


@pytest.mark.parametrize("rows", [0, 101])
def test_rows_outside_what_the_server_serves_is_refused(rows):
    with pytest.raises(ValueError, match=r"rows=\d+ is outside 1\.\.100"):
        search_places("Kerkstraat", rows=rows)


@pytest.mark.parametrize("code", ["GM01770", "Raalte", "GM", ""])
def test_a_bad_gemeente_code_is_refused(code):
    with pytest.raises(ValueError, match="is not like 'GM0177'"):
        search_places("Kerkstraat", gemeenten=[code])


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("", "0 characters"),
        ("   ", "0 characters"),
        ("a", "1 characters"),
        (" a ", "1 characters"),
        ("x" * 101, "101 characters"),
        ("Kerk\x00straat", "control characters"),
        ("Kerkstraat\n1", "control characters"),
        ("Kerk\x1bstraat", "control characters"),
        (None, "not text"),
        (8102, "not text"),
    ],
)
def test_a_bad_query_is_refused_with_the_key_and_sends_nothing(fake_locatie, query, why):
    with pytest.raises(ValidationError, match=why) as caught:
        search_places(query)
    assert caught.value.key == "geocode.bad_query"
    assert fake_locatie.requests == []


@pytest.mark.parametrize("query", ["zq", "x" * 100, "Mariënheem", "’t Wooldhuis"])
def test_queries_at_the_edges_are_accepted(fake_locatie, query):
    assert search_places(query) == []


def test_solr_syntax_in_a_query_is_escaped(fake_locatie):
    places = search_places('Kerkstraat 1 (Raalte) "x:y', gemeenten=PROJECT)
    assert _sent(fake_locatie, "q") == [r"Kerkstraat 1 \(Raalte\) \"x\:y"]
    assert places == []
    assert search_places("Kerkstraat 1 (Raalte)", gemeenten=PROJECT)[0].label.startswith(
        "Kerkstraat 1, 8102EA"
    )


def test_no_match_is_an_empty_list(fake_locatie):
    assert search_places("Nergensstraat 99", gemeenten=PROJECT) == []


@pytest.mark.parametrize(
    "centroid", [None, "", "POINT EMPTY", "POINT(6.2)", "POINT(nan 52.4)", "POINT(6.2 952)", 6.2]
)
def test_answers_without_a_usable_centroid_are_skipped(fake_locatie, centroid):
    broken = dict(fake_locatie.docs[0], weergavenaam="Kerkstraat 11, 8102EA Raalte")
    if centroid is None:
        del broken["centroide_ll"]
    else:
        broken["centroide_ll"] = centroid
    fake_locatie.docs.append(broken)
    labels = [p.label for p in search_places("Kerkstraat", gemeenten=PROJECT, rows=50)]
    assert "Kerkstraat 1, 8102EA Raalte" in labels
    assert "Kerkstraat 11, 8102EA Raalte" not in labels


def test_a_centroid_with_odd_spacing_is_read(fake_locatie):
    fake_locatie.docs[0]["centroide_ll"] = "point ( 6.27431   52.38612 )"
    places = search_places("Kerkstraat 1,", gemeenten=PROJECT, rows=50)
    place = next(p for p in places if p.label == "Kerkstraat 1, 8102EA Raalte")
    assert (place.lon, place.lat) == (6.27431, 52.38612)


def test_one_500_is_retried_once(fake_locatie):
    fake_locatie.add_fault(500, times=1)
    assert search_places("8102EA", gemeenten=PROJECT)
    assert len(fake_locatie.requests) == 2


def test_two_500s_give_a_service_error_naming_the_url(fake_locatie):
    fake_locatie.add_fault(503, times=None)
    with pytest.raises(ServiceError, match=r"answered HTTP 503 to http://127\.0\.0\.1:\d+/") as e:
        search_places("8102EA", gemeenten=PROJECT)
    assert f"{PATH}/free?q=8102EA" in str(e.value)
    assert "tried twice" in str(e.value)
    assert "buurt" in str(e.value)
    assert len(fake_locatie.requests) == 2


def test_a_slow_server_gives_a_service_error_with_the_url(fake_locatie):
    fake_locatie.add_fault(None, times=None, delay=1.5)
    started = time.monotonic()
    with pytest.raises(
        ServiceError, match=r"did not answer http://127\.0\.0\.1:\d+/.*within 0\.2 s"
    ):
        search_places("8102EA", gemeenten=PROJECT, timeout=0.2)
    assert time.monotonic() - started < 1.4
    assert len(fake_locatie.requests) == 2


def test_one_slow_answer_is_retried(fake_locatie):
    fake_locatie.add_fault(None, times=1, delay=1.0)
    assert search_places("8102EA", gemeenten=PROJECT, timeout=0.3)


def test_an_unreachable_server_gives_a_service_error(monkeypatch):
    fake = FakeLocatie().start()
    fake.stop()
    monkeypatch.setenv("OMGEVING_PDOK_ROOT", fake.url)
    with pytest.raises(ServiceError, match=r"could not be reached at http://127\.0\.0\.1"):
        search_places("8102EA")


def test_a_refusal_is_not_retried_and_carries_solrs_message(fake_locatie):
    fake_locatie.add_fault(400, times=None)
    with pytest.raises(RequestRefusedError, match=r"HTTP 400 \(fault injected") as caught:
        search_places("8102EA")
    assert caught.value.status == 400
    assert caught.value.detail == "fault injected by the test (400)"
    assert len(fake_locatie.requests) == 1


@pytest.mark.parametrize(
    ("kind", "body", "message"),
    [
        ("text/html", b"<html>proxy login</html>", "not JSON .text/html"),
        ("application/json", b'{"responseHeader": {}}', "without response.docs"),
        ("application/json", b'{"response": {"docs": {}}}', "without response.docs"),
        ("application/json", b"[]", "without response.docs"),
    ],
)
def test_an_unusable_answer_gives_a_service_error(fake_locatie, monkeypatch, kind, body, message):
    monkeypatch.setattr(fake_locatie, "respond", lambda raw: (0.0, 200, kind, body))
    with pytest.raises(ServiceError, match=message):
        search_places("8102EA")


def test_a_given_session_is_used_and_left_open(fake_locatie):
    calls = []

    class CountingSession(requests.Session):
        def get(self, *args, **kwargs):
            calls.append(args[0])
            return super().get(*args, **kwargs)

    with CountingSession() as session:
        search_places("8102EA", session=session)
        search_places("Kerkstraat", session=session)
    assert len(calls) == 2


# -- the fake itself: what it copies from the real Locatieserver ----------------------------


def test_fake_suggest_requires_q_and_answers_plain_text(fake_locatie):
    answer = requests.get(f"{fake_locatie.url}{PATH}/suggest", timeout=5)
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/plain")
    assert 'parameter "q" in query has an error: value is required but missing' in answer.text


def test_fake_refuses_unknown_parameters_and_too_many_rows(fake_locatie):
    base = f"{fake_locatie.url}{PATH}/free"
    assert requests.get(base, params={"q": "Raalte", "foo": "1"}, timeout=5).status_code == 400
    assert requests.get(base, params={"q": "Raalte", "rows": "101"}, timeout=5).status_code == 400


def test_fake_answers_solr_errors_in_solrs_shape(fake_locatie):
    answer = requests.get(
        f"{fake_locatie.url}{PATH}/free", params={"q": "Raalte", "fq": "nope:1"}, timeout=5
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["msg"] == "undefined field nope"


def test_fake_suggest_sends_no_centroid_unless_asked(fake_locatie):
    url = f"{fake_locatie.url}{PATH}/suggest"
    body = requests.get(url, params={"q": "Raalte"}, timeout=5).json()
    assert body["response"]["docs"]
    assert "centroide_ll" not in body["response"]["docs"][0]
    assert set(body) == {"response", "highlighting", "spellcheck"}
    asked = requests.get(url, params={"q": "Raalte", "fl": "id centroide_ll"}, timeout=5).json()
    assert asked["response"]["docs"][0]["centroide_ll"].startswith("POINT(")


def test_fake_free_without_q_and_lookup_by_id(fake_locatie):
    body = requests.get(f"{fake_locatie.url}{PATH}/free", params={"rows": 3}, timeout=5).json()
    assert body["response"]["numFound"] == len(fake_locatie.docs)  # the default fq: all kinds
    assert len(body["response"]["docs"]) == 3
    doc_id = body["response"]["docs"][0]["id"]
    found = requests.get(f"{fake_locatie.url}{PATH}/lookup", params={"id": doc_id}, timeout=5)
    assert found.json()["response"]["docs"][0]["id"] == doc_id

"""Tests of omgeving.sources.pdok against the local fake of PDOK's GoKoala server (real HTTP)."""

from __future__ import annotations

import json
import logging
import time
from itertools import islice

import pytest

from omgeving._errors import ConfigError, ServiceError
from omgeving.sources.pdok import (
    CRS84_URI,
    DEFAULT_PDOK_ROOT,
    PDOKClient,
    RequestRefusedError,
    crs_uri,
    features_frame,
    pdok_root,
)
from tests.fakepdok import BAG, N2K, FakePDOK, seed_features, shared_file

RD_URI = "http://www.opengis.net/def/crs/EPSG/0/28992"
PAND = BAG.strip("/")


@pytest.fixture
def client():
    with PDOKClient(progress=False, timeout=5, backoff=0.01) as client:
        yield client


def _full(fake: FakePDOK, recorded) -> str:
    return f"{fake.url}{recorded.path}?{recorded.query}"


def _next(body: dict) -> str | None:
    return next((link["href"] for link in body["links"] if link["rel"] == "next"), None)


# -- settings -------------------------------------------------------------------------------


def test_pdok_root_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("OMGEVING_PDOK_ROOT", raising=False)
    assert pdok_root() == DEFAULT_PDOK_ROOT
    monkeypatch.setenv("OMGEVING_PDOK_ROOT", "http://127.0.0.1:9/")
    assert pdok_root() == "http://127.0.0.1:9"
    monkeypatch.setenv("OMGEVING_PDOK_ROOT", "api.pdok.nl")
    with pytest.raises(ConfigError, match=r"OMGEVING_PDOK_ROOT is 'api\.pdok\.nl'"):
        pdok_root()


@pytest.mark.parametrize(
    ("crs", "uri"),
    [(28992, RD_URI), ("EPSG:28992", RD_URI), ("CRS84", CRS84_URI), (RD_URI, RD_URI)],
)
def test_crs_uri(crs, uri):
    assert crs_uri(crs) == uri


@pytest.mark.parametrize("limit", [0, 1001])
def test_limit_outside_1_to_1000_is_refused_before_asking(fake_pdok, client, limit):
    with pytest.raises(ValueError, match=f"limit={limit} is outside 1..1000"):
        client.read_collection(PAND, "pand", limit=limit)
    assert fake_pdok.requests == []


# -- paging ---------------------------------------------------------------------------------


def test_paging_follows_the_next_links_verbatim(fake_pdok, client):
    pages = list(client.iter_pages(PAND, "pand", params={"limit": 1000, "crs": RD_URI}))
    requests = fake_pdok.item_requests("pand")
    assert len(pages) == len(requests) == 4
    assert requests[0].params == {"f": "json", "limit": "1000", "crs": RD_URI}
    for page, later in zip(pages, requests[1:], strict=False):
        assert _full(fake_pdok, later) == _next(page.body)  # exactly the href, nothing added
        assert "cursor" in later.params
        assert "offset" not in later.params
    assert _next(pages[-1].body) is None


def test_a_multi_page_collection_comes_back_whole_and_once(fake_pdok, client):
    panden = client.read_collection(PAND, "pand")
    expected = {f["properties"]["identificatie"] for f in seed_features()["pand"]}
    assert len(fake_pdok.item_requests("pand")) == 4
    assert len(panden) == len(expected) == 3300
    assert set(panden["identificatie"]) == expected


def test_first_request_carries_limit_crs_bbox_crs_and_filters(fake_pdok, client):
    client.read_collection(N2K, "natura2000", bbox=(200000, 470000, 225000, 499000), limit=2)
    first = fake_pdok.item_requests("natura2000")[0].params
    assert first == {
        "f": "json",
        "limit": "2",
        "crs": RD_URI,
        "bbox-crs": RD_URI,
        "bbox": "200000,470000,225000,499000",
    }


def test_a_page_cap_stops_endless_paging(fake_pdok):
    with (
        PDOKClient(progress=False, max_pages=2) as client,
        pytest.raises(ServiceError, match="after 2 pages"),
    ):
        client.read_collection(PAND, "pand")


def test_a_progress_bar_can_be_forced_on(fake_pdok, capsys):
    with PDOKClient(progress=True) as client:
        client.read_collection(N2K, "natura2000")
    assert "PDOK natura2000" in capsys.readouterr().err


# -- CRS ------------------------------------------------------------------------------------


def test_content_crs_becomes_the_crs_rd(fake_pdok, client):
    gdf = client.read_collection(N2K, "natura2000")
    assert gdf.crs.to_epsg() == 28992
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 0 < minx < maxx < 300_000
    assert 300_000 < miny < maxy < 640_000


def test_content_crs_becomes_the_crs_crs84(fake_pdok, client):
    rd = client.read_collection(N2K, "natura2000")
    lonlat = client.read_collection(N2K, "natura2000", crs="CRS84")
    assert lonlat.crs.to_string() == "OGC:CRS84"
    assert fake_pdok.item_requests()[-1].params["crs"] == CRS84_URI
    assert 5 < lonlat.total_bounds[0] < 7
    assert 52 < lonlat.total_bounds[1] < 53
    back = lonlat.to_crs(28992)
    assert back.geom_equals_exact(rd, tolerance=0.5).all()


def test_missing_content_crs_falls_back_to_the_requested_crs(fake_pdok, client, caplog):
    fake_pdok.send_content_crs = False
    with caplog.at_level(logging.WARNING, logger="omgeving.sources.pdok"):
        gdf = client.read_collection(N2K, "natura2000")
    assert gdf.crs.to_epsg() == 28992
    assert "no Content-Crs header" in caplog.text


# -- errors and retries ---------------------------------------------------------------------


def test_a_500_is_retried(fake_pdok, client):
    fake_pdok.fail("/natura2000/items", status=500, times=2)
    gdf = client.read_collection(N2K, "natura2000")
    assert len(gdf) == 4
    assert len(fake_pdok.item_requests("natura2000")) == 3


def test_a_500_every_time_names_the_url_and_gokoala_detail(fake_pdok, client):
    fake_pdok.fail("/natura2000/items", status=500, times=None)
    with pytest.raises(ServiceError) as caught:
        client.read_collection(N2K, "natura2000")
    message = str(caught.value)
    assert f"{fake_pdok.url}/rvo/natura2000/ogc/v1/collections/natura2000/items?" in message
    assert "querying the features took too long" in message
    assert "after 4 tries" in message
    assert "works offline" in message


def test_a_429_waits_as_long_as_retry_after_says(fake_pdok, client):
    fake_pdok.fail("/natura2000/items", status=429, retry_after="1")
    start = time.monotonic()
    client.read_collection(N2K, "natura2000")
    assert time.monotonic() - start >= 0.9
    assert len(fake_pdok.item_requests("natura2000")) == 2


def test_a_timeout_is_retried(fake_pdok):
    fake_pdok.delay("/natura2000/items", 1.0)
    with PDOKClient(progress=False, timeout=0.3, backoff=0.01) as client:
        assert len(client.read_collection(N2K, "natura2000")) == 4
    assert len(fake_pdok.item_requests("natura2000")) == 2


def test_a_timeout_every_time_raises_with_the_url(fake_pdok):
    fake_pdok.delay("/natura2000/items", 0.8, times=None)
    with (
        PDOKClient(progress=False, timeout=0.2, retries=2, backoff=0.01) as client,
        pytest.raises(
            ServiceError, match=r"did not answer http://127\.0\.0\.1:\d+/rvo/.*items"
        ) as caught,
    ):
        client.read_collection(N2K, "natura2000")
    assert "within 0.2 s after 2 tries" in str(caught.value)


def test_a_server_that_is_down_raises_a_clear_error(fake_pdok):
    fake_pdok.stop()
    with (
        PDOKClient(progress=False, retries=2, backoff=0.01) as client,
        pytest.raises(ServiceError, match=r"could not be reached at .* after 2 tries"),
    ):
        client.read_collection(N2K, "natura2000")


def test_a_4xx_is_not_retried_and_carries_the_detail(fake_pdok, client):
    with pytest.raises(RequestRefusedError, match="unknown query parameter") as caught:
        client.read_collection(N2K, "natura2000", filters={"gemeentecode": "GM0177"})
    assert caught.value.status == 400
    assert len(fake_pdok.item_requests("natura2000")) == 1


def test_the_fake_refuses_limit_above_1000_like_gokoala(fake_pdok, client):
    url = f"{fake_pdok.url}/kadaster/bag/ogc/v2/collections/pand/items"
    with pytest.raises(RequestRefusedError, match="number must be at most 1000"):
        client.get_json(url, params={"f": "json", "limit": 1001})


# -- the cache ------------------------------------------------------------------------------


def test_the_cache_makes_a_second_run_work_without_the_server(fake_pdok, tmp_path):
    with PDOKClient(cache_dir=tmp_path, progress=False) as client:
        first = client.read_collection(PAND, "pand")
    files = list((tmp_path / "pdok").iterdir())
    assert len(files) == 4
    assert all(f.suffix == ".json" for f in files)
    fake_pdok.stop()
    for offline in (False, True):
        with PDOKClient(cache_dir=tmp_path, offline=offline, retries=1) as client:
            again = client.read_collection(PAND, "pand")
        assert again.equals(first)
        assert again.crs == first.crs


def test_a_cache_entry_holds_the_body_and_content_crs(fake_pdok, tmp_path):
    with PDOKClient(cache_dir=tmp_path, progress=False) as client:
        client.read_collection(N2K, "natura2000")
    (entry,) = (tmp_path / "pdok").iterdir()
    record = json.loads(entry.read_text(encoding="utf-8"))
    assert record["content_crs"] == RD_URI
    assert record["url"].startswith(f"{fake_pdok.url}/rvo/natura2000/ogc/v1/")
    assert record["body"]["type"] == "FeatureCollection"


def test_offline_cache_miss_says_to_fetch_while_online(fake_pdok, tmp_path):
    with (
        PDOKClient(cache_dir=tmp_path, offline=True) as client,
        pytest.raises(ServiceError, match=r"not in the cache.*run 'omgeving fetch DIR'"),
    ):
        client.read_collection(N2K, "natura2000")
    assert fake_pdok.requests == []


def test_refresh_asks_the_server_again(fake_pdok, tmp_path):
    with PDOKClient(cache_dir=tmp_path, progress=False) as client:
        client.read_collection(N2K, "natura2000")
        client.read_collection(N2K, "natura2000")
    assert len(fake_pdok.item_requests()) == 1
    with PDOKClient(cache_dir=tmp_path, refresh=True, progress=False) as client:
        client.read_collection(N2K, "natura2000")
    assert len(fake_pdok.item_requests()) == 2


# -- real GoKoala pages, replayed -----------------------------------------------------------


def test_real_gokoala_rd_page_gives_rd_points(fake_pdok, client):
    fake_pdok.replay("features__expected_multiple_gpkgs_rd.json")
    params = {"limit": 2, "crs": RD_URI}
    page = next(client.iter_pages(f"{fake_pdok.url}/gokoala", "dutch-addresses", params=params))
    gdf = features_frame(page.body["features"], page.crs)
    assert gdf.crs.to_epsg() == 28992
    assert list(gdf.geom_type) == ["Point", "Point"]
    assert gdf.geometry.x.between(0, 300_000).all()
    assert gdf.geometry.y.between(3e5, 6.4e5).all()


def test_real_gokoala_bbox_page_reads_as_a_collection(fake_pdok, client):
    fake_pdok.replay("features__expected_multiple_gpkgs_bbox_rd_output_also_rd.json")
    bbox = (120379.69, 566718.72, 120396.30, 566734.62)
    gdf = client.read_collection(f"{fake_pdok.url}/gokoala", "dutch-addresses", bbox=bbox, limit=10)
    assert len(gdf) == 6
    assert gdf.crs.to_epsg() == 28992
    assert gdf.geometry.x.between(bbox[0], bbox[2]).all()
    assert "component_thoroughfarename" in gdf.columns


def test_real_gokoala_next_link_is_followed_verbatim(fake_pdok, client):
    fake_pdok.replay("features__expected_foo_collection_with_limit.json")
    fake_pdok.replay("features__expected_foo_collection_with_cursor.json")
    base = f"{fake_pdok.url}/gokoala"
    pages = client.iter_pages(base, "foo", params={"limit": 2})
    first, second = islice(pages, 2)
    assert second.url == _next(first.body)
    assert "cursor=Dv4%7CNwyr1Q" in second.url
    with pytest.raises(RequestRefusedError, match="HTTP 404"):  # the third page is not recorded
        next(pages)
    assert features_frame(second.body["features"], second.crs).crs.to_string() == "OGC:CRS84"


def test_a_null_geometry_is_kept_as_missing(fake_pdok):
    feature = json.loads(
        shared_file(
            "data", "pdok-fixtures", "features__expected_feature_geom_null.json"
        ).read_text()
    )
    gdf = features_frame([feature], CRS84_URI)
    assert len(gdf) == 1
    assert gdf.geometry.isna().all()


@pytest.mark.parametrize(
    ("fixture", "fault"),
    [
        ("features__expected_query_timeout_features.json", 500),
        ("features__expected_straatnaam_not_allowed_value.json", 400),
    ],
)
def test_the_fake_error_bodies_have_gokoala_shape(fake_pdok, fixture, fault):
    import requests

    real = json.loads(shared_file("data", "pdok-fixtures", fixture).read_text())
    if fault == 500:
        fake_pdok.fail("/items", status=500)
        url = f"{fake_pdok.url}/kadaster/bag/ogc/v2/collections/pand/items?f=json"
    else:
        url = f"{fake_pdok.url}/kadaster/bag/ogc/v2/collections/pand/items?limit=0"
    answer = requests.get(url, timeout=5)
    assert answer.status_code == real["status"]
    assert set(answer.json()) == set(real)
    assert answer.json()["title"] == real["title"]


def test_the_fake_page_has_gokoala_shape(fake_pdok):
    import requests

    real = json.loads(
        shared_file(
            "data", "pdok-fixtures", "features__expected_foo_collection_with_cursor.json"
        ).read_text()
    )
    url = f"{fake_pdok.url}/kadaster/bag/ogc/v2/collections/pand/items?f=json&limit=2"
    first = requests.get(url, timeout=5).json()
    fake = requests.get(_next(first), timeout=5).json()  # a middle page: next and prev
    assert list(fake) == list(real)
    shape = [(link["rel"], link["title"], link["type"]) for link in fake["links"]]
    assert shape == [(link["rel"], link["title"], link["type"]) for link in real["links"]]
    assert list(fake["features"][0]) == list(real["features"][0])

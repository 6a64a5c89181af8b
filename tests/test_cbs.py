"""Tests of omgeving.sources.cbs against a local fake of the StatLine OData v3 feed (real HTTP)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from omgeving._errors import ConfigError, LayerError, ServiceError
from omgeving.sources.cbs import KERNCIJFERS, CBSClient, cbs_root, join_kerncijfers
from omgeving.sources.pdok import PDOKClient
from tests.fakecbs import FEED
from tests.fakepdok import CBS, seed_features

RAALTE = sorted(
    f["properties"]["buurtcode"]
    for f in seed_features()["buurten"]
    if f["properties"]["gemeentecode"] == "GM0177"
)


@pytest.fixture
def client():
    with CBSClient(timeout=5, backoff=0.01) as client:
        yield client


def _dataset_requests(fake):
    return [r for r in fake.requests if r.path.endswith("/TypedDataSet")]


def test_kerncijfers_of_one_gemeente_keyed_by_stripped_buurtcode(fake_cbs, client):
    frame = client.read_kerncijfers("GM0177")
    assert frame.index.name == "buurtcode"
    assert sorted(frame.index) == RAALTE
    assert list(frame.columns) == list(KERNCIJFERS)
    assert all(dtype.kind == "f" for dtype in frame.dtypes)
    assert frame["gemiddelde_woz_waarde"].isna().any()  # privacy-hidden values are null


def test_the_first_request_filters_and_selects_and_later_ones_follow_next_links(fake_cbs, client):
    client.read_kerncijfers("GM0177")
    first, *later = _dataset_requests(fake_cbs)
    assert first.params["$format"] == "json"
    assert first.params["$filter"] == "startswith(WijkenEnBuurten,'BU0177')"
    assert first.params["$select"].split(",") == [
        "WijkenEnBuurten",
        "GemiddeldeWOZWaardeVanWoningen_39",
        "GemiddeldInkomenPerInkomensontvanger_77",
        "GemiddeldInkomenPerInwoner_78",
    ]
    assert len(later) == -(-len(RAALTE) // fake_cbs.page_size) - 1
    assert [r.params["$skip"] for r in later] == [str(7 * k) for k in range(1, len(later) + 1)]


def test_several_gemeenten_and_other_measures(fake_cbs, client):
    frame = client.read_kerncijfers(["GM0177", "1773"], measures={"inwoners": "AantalInwoners_"})
    assert {code[:6] for code in frame.index} == {"BU0177", "BU1773"}
    filter_ = _dataset_requests(fake_cbs)[0].params["$filter"]
    assert filter_ == "startswith(WijkenEnBuurten,'BU0177') or startswith(WijkenEnBuurten,'BU1773')"
    pdok = {f["properties"]["buurtcode"]: f["properties"]["aantal_inwoners"]
            for f in seed_features()["buurten"]}  # fmt: skip
    known = frame["inwoners"].dropna()
    assert len(known) > 10
    assert all(known[code] == pdok[code] for code in known.index)


def test_column_numbers_are_resolved_per_year(fake_cbs, client):
    frame = client.read_kerncijfers("GM0177", year=2023)
    select = _dataset_requests(fake_cbs)[0].params["$select"]
    assert "GemiddeldeWOZWaardeVanWoningen_42" in select
    assert "/85618NED/" in _dataset_requests(fake_cbs)[0].path
    assert sorted(frame.index) == RAALTE


def test_a_measure_the_table_lacks_is_named(fake_cbs, client):
    with pytest.raises(ServiceError, match=r"no column starting with 'Fietsen_'.*measures="):
        client.read_kerncijfers("GM0177", measures={"fietsen": "Fietsen_"})
    with pytest.raises(ServiceError, match="several columns"):
        client.read_kerncijfers("GM0177", measures={"inkomen": "GemiddeldInkomenPer"})


def test_an_ignored_filter_is_applied_client_side(fake_cbs, client):
    fake_cbs.ignore_filter = True
    assert sorted(client.read_kerncijfers("GM0177").index) == RAALTE


def test_unknown_year_and_gemeente_without_buurten(fake_cbs, client):
    with pytest.raises(ValueError, match="no kerncijfers table is known for 2016"):
        client.read_kerncijfers("GM0177", year=2016)
    with pytest.raises(ServiceError, match="has no buurten of GM0001"):
        client.read_kerncijfers("GM0001")
    with pytest.raises(ConfigError, match="not a CBS gemeente code"):
        client.read_kerncijfers("Raalte")


def test_a_503_is_retried_and_a_lasting_one_explained(fake_cbs, client):
    fake_cbs.fail("/TypedDataSet", times=2)
    assert len(client.read_kerncijfers("GM0177")) == len(RAALTE)
    fake_cbs.fail("/DataProperties", times=10)
    with pytest.raises(ServiceError, match=r"CBS answered HTTP 503 .* after 4 tries"):
        client.read_kerncijfers("GM0177")


def test_refusals_and_non_json_answers_are_explained(fake_cbs, client):
    with pytest.raises(ServiceError, match=r"refused .*HTTP 404.*table id"):
        client.read_kerncijfers("GM0177", table="99999NED")
    with pytest.raises(ServiceError, match=r"not JSON \(application/atom\+xml.*OMGEVING_CBS_ROOT"):
        client.get_json(f"{fake_cbs.url}{FEED}/85984NED/DataProperties")


def test_an_unreachable_server_is_named(monkeypatch, client):
    monkeypatch.setenv("OMGEVING_CBS_ROOT", "http://127.0.0.1:9")
    with pytest.raises(ServiceError, match=r"could not be reached.*after 4 tries"):
        client.read_kerncijfers("GM0177")


def test_the_cache_serves_a_second_client_offline(fake_cbs, tmp_path):
    with CBSClient(cache_dir=tmp_path) as online:
        first = online.read_kerncijfers("GM0177")
    asked = len(fake_cbs.requests)
    with CBSClient(cache_dir=tmp_path, offline=True) as offline:
        pd.testing.assert_frame_equal(offline.read_kerncijfers("GM0177"), first)
        with pytest.raises(ServiceError, match=r"not in the cache .* offline"):
            offline.read_kerncijfers("GM1773")
    assert len(fake_cbs.requests) == asked


def test_the_root_must_be_a_url(monkeypatch):
    monkeypatch.setenv("OMGEVING_CBS_ROOT", "opendata.cbs.nl")
    with pytest.raises(ConfigError, match=r"OMGEVING_CBS_ROOT .* not a URL"):
        cbs_root()


# -- joining ----------------------------------------------------------------------------------


def test_kerncijfers_join_to_the_buurten_of_the_fake_pdok(fake_cbs, fake_pdok, client):
    with PDOKClient(progress=False) as pdok:
        buurten = pdok.read_collection(CBS, "buurten", filters={"gemeentecode": "GM0177"})
    joined = join_kerncijfers(buurten, client.read_kerncijfers("GM0177"))
    assert len(joined) == len(buurten)
    assert joined.crs == buurten.crs
    assert list(joined.columns[-3:]) == list(KERNCIJFERS)
    assert joined["gemiddelde_woz_waarde"].notna().sum() > 5


def _buurten(*codes: str) -> gpd.GeoDataFrame:
    geoms = [box(k, 0, k + 1, 1) for k in range(len(codes))]
    return gpd.GeoDataFrame({"buurtcode": list(codes)}, geometry=geoms, crs=28992)


def _frame(codes, values) -> pd.DataFrame:
    return pd.DataFrame({"woz": values}, index=pd.Index(codes, name="buurtcode"))


def test_join_strips_padding_and_keeps_order():
    joined = join_kerncijfers(
        _buurten("BU01770001", "BU01770000 "), _frame(["BU01770000", "BU01770001"], [1.0, 2.0])
    )
    assert joined["woz"].tolist() == [2.0, 1.0]
    frame = _frame(["BU01770001", "BU01770000"], [2.0, 1.0]).reset_index()  # a column will do
    assert join_kerncijfers(_buurten("BU01770000"), frame)["woz"].tolist() == [1.0]


def test_join_refuses_codes_that_do_not_match():
    with pytest.raises(
        LayerError, match=r"none of the 2 buurtcodes \(e.g. BU99990100\).*same year"
    ):
        join_kerncijfers(_buurten("BU99990100", "BU99990101"), _frame(["BU01770000"], [1.0]))
    partly = _buurten("BU01770000", "BU01770099")
    with pytest.raises(LayerError, match=r"1 buurten have no kerncijfers \(BU01770099\)"):
        join_kerncijfers(partly, _frame(["BU01770000"], [1.0]))
    kept = join_kerncijfers(partly, _frame(["BU01770000"], [1.0]), allow_missing=True)
    assert kept["woz"].tolist()[0] == 1.0
    assert np.isnan(kept["woz"].tolist()[1])
    with pytest.raises(LayerError, match="twice"):
        join_kerncijfers(partly, _frame(["BU01770000", "BU01770000 "], [1.0, 2.0]))


def test_join_refuses_to_overwrite_columns_unless_asked():
    buurten = _buurten("BU01770000").assign(woz=5.0)
    with pytest.raises(LayerError, match=r"already have the column.*woz.*overwrite=True"):
        join_kerncijfers(buurten, _frame(["BU01770000"], [1.0]))
    assert join_kerncijfers(buurten, _frame(["BU01770000"], [1.0]), overwrite=True).woz[0] == 1.0
    with pytest.raises(LayerError, match="no column 'buurtcode'"):
        join_kerncijfers(buurten.drop(columns="buurtcode"), _frame(["BU01770000"], [1.0]))

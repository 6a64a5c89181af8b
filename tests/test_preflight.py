"""The checks a server runs before Voila starts: the store and the baked web layers."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from omgeving._errors import LayerError, StoreError
from omgeving.config import read_config, write_config
from omgeving.project import open_project
from omgeving.server.preflight import check_store, check_web_layers, preflight
from omgeving.store import open_store


def test_a_healthy_project_passes(project_copy):
    preflight(open_project(project_copy))


def test_the_first_serve_creates_the_store_only_when_there_is_none(project_copy):
    for path in project_copy.glob("reactions.sqlite*"):
        path.unlink()
    project = open_project(project_copy)
    preflight(project)
    assert (project_copy / "reactions.sqlite").is_file()
    write_config(replace(project.config, store_url="sqlite:///nieuw.sqlite"), project_copy)
    with pytest.raises(StoreError, match=r"nieuw\.sqlite .*its folder has reactions\.sqlite"):
        preflight(open_project(project_copy))
    assert not (project_copy / "nieuw.sqlite").exists()


def test_a_damaged_page_is_found_by_the_quick_check(project_copy):
    import apsw

    project = open_project(project_copy)
    with open_store(project.store_url()) as store:
        for n in range(50):
            store.log("export", actor="m", reason=f"verslag {n} " + "x" * 300)
    db = apsw.Connection(str(project_copy / "reactions.sqlite"))
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name='audit'").fetchone()
    page = db.execute("PRAGMA page_size").fetchone()[0]
    db.close()
    with (project_copy / "reactions.sqlite").open("r+b") as fh:  # scribble over audit's root
        fh.seek((root - 1) * page)
        fh.write(b"\xff" * 12)
    with pytest.raises(StoreError, match=r"reactions\.sqlite.*damaged.*restore it from a backup"):
        check_store(project)


def test_a_postgresql_store_is_created_at_the_first_serve_then_checked(project_copy, pg_server):
    url = pg_server.create_database()
    write_config(replace(read_config(project_copy), store_url=url), project_copy)
    project = open_project(project_copy)
    preflight(project)  # a database without the tables: the first serve makes them
    with open_store(url) as store:
        assert store.count() == 0
        with store._db.transaction():
            store._db.execute("ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    with pytest.raises(StoreError, match=r"fails its health check \(trigger audit_no_update"):
        preflight(project)


@pytest.mark.parametrize(
    ("manifest", "match"),
    [
        ({"layers": "buurten"}, r"web/manifest\.json lists its files wrongly"),
        ({"layers": [{"file": "nergens.geojson"}]}, r"web/nergens\.geojson is missing"),
    ],
)
def test_a_manifest_that_names_wrong_files(project_copy, manifest, match):
    path = project_copy / "web" / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **manifest}))
    with pytest.raises(LayerError, match=match) as caught:
        check_web_layers(open_project(project_copy))
    assert caught.match("run 'omgeving publish ")


def test_json_that_is_no_feature_collection_or_broken_indicators_are_found(project_copy):
    (project_copy / "web" / "kernen.geojson").write_text("[1, 2]")
    with pytest.raises(LayerError, match=r"web/kernen\.geojson is broken \(not a GeoJSON"):
        check_web_layers(open_project(project_copy))
    (project_copy / "web" / "kernen.geojson").write_text('{"features": []}')
    (project_copy / "web" / "indicators.json").write_text("{")
    with pytest.raises(LayerError, match=r"web/indicators\.json is broken \(not JSON"):
        check_web_layers(open_project(project_copy))


def test_the_logo_and_photo_of_identity_are_checked(project_copy):
    from omgeving._errors import ConfigError
    from omgeving.server.preflight import check_identity

    project = open_project(project_copy)
    assert set(check_identity(project)) == {"logo", "foto"}
    (project_copy / "huisstijl" / "landschap.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    )
    with pytest.raises(ConfigError, match=r"landschap\.svg \(\[identity\] photo in .*\): it "
                                          r"holds a <script>"):
        preflight(project)
    (project_copy / "huisstijl" / "landschap.svg").unlink()
    with pytest.raises(ConfigError, match=r"landschap\.svg .* does not exist"):
        preflight(project)

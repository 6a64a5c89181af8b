"""The command line: one clear line and a non-zero exit for every mistake."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from omgeving.cli import main


def run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "omgeving.cli", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
    )


def one_error_line(result):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("omgeving: error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return errors[0]


def test_help_lists_the_commands():
    result = run("--help")
    assert result.returncode == 0
    for command in ("demo", "init", "fetch", "serve"):
        assert command in result.stdout


def test_serve_a_folder_that_is_not_a_project(tmp_path):
    result = run("serve", tmp_path)
    assert result.returncode == 2
    assert "is not an omgeving project" in one_error_line(result)
    assert "omgeving demo" in result.stderr


def test_serve_a_corrupt_config_names_the_line(tmp_path):
    (tmp_path / "omgeving.toml").write_text(
        '[project]\ntitle = "x"\ngemeenten = ["GM0177"]\nthemas = ["wonen"]\n'
    )
    result = run("serve", tmp_path)
    assert result.returncode == 2
    line = one_error_line(result)
    assert "line 4" in line and "unknown key 'themas'" in line


def test_serve_on_a_port_in_use(demo_project):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run("serve", demo_project, "--port", port)
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in one_error_line(result)
    assert f"--port {port + 1}" in result.stderr


@pytest.mark.parametrize("code", ["GMXX", "BU0177", ""])
def test_init_with_a_wrong_gemeente_code(tmp_path, code):
    result = run("init", tmp_path / "p", "--gemeente", code)
    assert result.returncode == 2
    assert "GM0177" in one_error_line(result)
    assert not (tmp_path / "p").exists()


def test_demo_refuses_a_non_empty_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    result = run("demo", tmp_path)
    assert result.returncode == 2
    assert "is not empty" in one_error_line(result)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_main_returns_exit_codes(tmp_path, capsys):
    assert main(["serve", str(tmp_path)]) == 2
    assert "is not an omgeving project" in capsys.readouterr().err


def test_init_then_serve_offline_from_the_fake_pdok(tmp_path, fake_pdok):
    target = tmp_path / "salland"
    result = run("init", target, "--gemeente", "GM0177,GM0150")
    assert result.returncode == 0, result.stderr
    assert "Project written to" in result.stdout
    manifest = (target / "web" / "manifest.json").read_text()
    assert "buurten" in manifest and "gemeente" in manifest
    assert any((target / "cache").rglob("*.json"))  # the evening needs no network
    fake_pdok.stop()
    again = run("init", target, "--gemeente", "GM0177,GM0150")
    assert again.returncode == 2
    assert "--force" in one_error_line(again)


def test_init_unknown_gemeente_leaves_nothing(tmp_path, fake_pdok):
    result = run("init", tmp_path / "p", "--gemeente", "GM9998")
    assert result.returncode == 2
    assert "GM9998 is not known at PDOK" in one_error_line(result)
    assert list(tmp_path.iterdir()) == []


def test_init_with_pdok_unreachable_leaves_nothing(tmp_path, monkeypatch):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nobody listens here once the socket is closed
    monkeypatch.setenv("OMGEVING_PDOK_ROOT", f"http://127.0.0.1:{port}")
    result = run("init", tmp_path / "p", "--gemeente", "GM0177")
    assert result.returncode == 2
    line = one_error_line(result)
    assert f"127.0.0.1:{port}" in line and "check the network" in line
    assert list(tmp_path.iterdir()) == []


def test_fetch_refreshes_and_keeps_reactions(tmp_path, fake_pdok):
    target = tmp_path / "raalte"
    assert run("init", target, "--gemeente", "GM0177").returncode == 0
    (target / "reactions.sqlite").write_bytes(b"")
    result = run("fetch", target)
    assert result.returncode == 0, result.stderr
    assert (target / "reactions.sqlite").exists()


# -- the store that [store] url names ---------------------------------------------------------


def _three_reactions(project_dir):
    """Store three reactions in the project's reactions.sqlite."""
    from omgeving.project import open_project
    from omgeving.reactions import Reaction
    from omgeving.store import open_store

    with open_store(open_project(project_dir).store_url()) as store:
        for n in range(3):
            store.add(
                Reaction(
                    id=f"{n:032x}",
                    geometry={"type": "Point", "coordinates": [6.5, 52.3]},
                    theme="wonen",
                    text=f"reactie {n}",
                    channel="online",
                    participant=f"{n:032x}",
                    created="2026-03-01T19:30:00+00:00",
                )
            )


def _error_line(stderr: str) -> str:
    """The one ``omgeving: error:`` line (a progress bar may share stderr)."""
    lines = [line for line in stderr.replace("\r", "\n").splitlines() if "omgeving: error:" in line]
    assert len(lines) == 1, stderr
    return lines[0][lines[0].index("omgeving: error:") :]


@pytest.fixture
def typo_project(project_copy):
    """A project whose reactions.sqlite holds 3 reactions, and whose url says reactons.sqlite."""
    from dataclasses import replace

    from omgeving.config import read_config, write_config

    _three_reactions(project_copy)
    config = read_config(project_copy / "omgeving.toml")
    write_config(replace(config, store_url="sqlite:///reactons.sqlite"), project_copy)
    return project_copy


@pytest.fixture
def no_voila(monkeypatch):
    """Make starting Voila fail the test: a refused server must not get that far."""
    import omgeving.server.launch

    def refuse(*args, **kwargs):
        raise AssertionError(f"Voila was started: {args}")

    monkeypatch.setattr(omgeving.server.launch.subprocess, "Popen", refuse)


@pytest.mark.parametrize(
    "command",
    [
        ["report", "{dir}", "--no-pdf"],
        ["export", "{dir}"],
        ["maps", "{dir}"],
        ["participant", "{dir}", "0" * 32, "--export", "{dir}/deelnemer.json"],
        ["purge", "{dir}", "--dry-run"],
        ["openstad", "{dir}", "--export", "{dir}/voor-openstad.csv"],
        ["staff", "{dir}"],
        ["serve", "{dir}"],
    ],
    ids=lambda c: c[0],
)
def test_a_typo_in_the_store_url_is_an_error_naming_both_stores(
    typo_project, no_voila, capsys, command
):
    argv = [part.format(dir=typo_project) for part in command]
    assert main(argv) == 2
    err = _error_line(capsys.readouterr().err)
    assert err.startswith("omgeving: error: the reaction store ")
    assert "reactons.sqlite (from [store] url in omgeving.toml) does not exist" in err
    assert "its folder has reactions.sqlite — correct the url" in err
    assert not (typo_project / "reactons.sqlite").exists()


def test_report_with_a_typo_in_the_store_url_exits_non_zero(typo_project):
    result = run("report", typo_project, "--no-pdf")
    assert result.returncode == 2
    line = one_error_line(result)
    assert "reactons.sqlite" in line and "reactions.sqlite" in line
    assert "accounts for all" not in result.stdout


def test_the_first_serve_of_a_project_without_a_store_creates_it(project_copy, monkeypatch):
    import omgeving.server.launch
    from omgeving._errors import OmgevingError

    for path in project_copy.glob("reactions.sqlite*"):
        path.unlink()  # a project made before projects got their store at init

    def stop(host, port):
        raise OmgevingError("stopped after the checks")

    monkeypatch.setattr(omgeving.server.launch, "check_port", stop)
    assert main(["serve", str(project_copy)]) == 2
    assert (project_copy / "reactions.sqlite").exists()
    assert main(["report", str(project_copy), "--no-pdf"]) == 0  # the store now opens


def test_demo_and_init_create_the_store(tmp_path, fake_pdok):
    from omgeving.project import open_project
    from omgeving.store import open_store

    assert run("demo", tmp_path / "demo").returncode == 0
    assert run("init", tmp_path / "raalte", "--gemeente", "GM0177").returncode == 0
    for name in ("demo", "raalte"):
        assert (tmp_path / name / "reactions.sqlite").is_file()
        with open_store(open_project(tmp_path / name).store_url()) as store:
            assert store.count() == 0


# -- a damaged store or web layer stops serve before Voila starts ------------------------------


def _break(project_dir, damage: str) -> None:
    from tests.test_store import damage_store

    store = project_dir / "reactions.sqlite"
    if damage in ("garbage", "truncated", "empty"):
        for path in project_dir.glob("reactions.sqlite*"):
            path.unlink()
        damage_store(store, damage)
    elif damage == "missing-layer":
        (project_dir / "web" / "buurten.geojson").unlink()
    elif damage == "broken-layer":
        text = (project_dir / "web" / "buurten.geojson").read_text()
        (project_dir / "web" / "buurten.geojson").write_text(text[: len(text) // 2])
    elif damage == "broken-tile":
        tile = sorted((project_dir / "web" / "gebouwen").glob("*.geojson"))[0]
        tile.write_bytes(b"\x00" * 10)
    elif damage == "broken-manifest":
        (project_dir / "web" / "manifest.json").write_text('{"layers": [')


DAMAGE = {
    "garbage": r"reactions\.sqlite: it is damaged \(file is not a database\); restore it from",
    "truncated": r"reactions\.sqlite: it is damaged \(database disk image is malformed\)",
    "empty": r"reactions\.sqlite is empty \(0 bytes\).*restore it from a backup",
    "missing-layer": r"the baked web layer web/buurten\.geojson is missing: run 'omgeving "
    r"publish .*project'",
    "broken-layer": r"the baked web layer web/buurten\.geojson is broken \(not JSON.*omgeving "
    r"publish",
    "broken-tile": r"the baked web layer web/gebouwen/\d+_\d+\.geojson is broken.*omgeving publish",
    "broken-manifest": r"web/manifest\.json is broken.*omgeving publish",
}


@pytest.mark.parametrize("damage", list(DAMAGE))
@pytest.mark.parametrize("command", ["serve", "staff"])
def test_serve_refuses_a_damaged_store_or_web_layer(
    project_copy, no_voila, capsys, damage, command
):
    import re

    _break(project_copy, damage)
    assert main([command, str(project_copy)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("omgeving: error: ") and len(err.strip().splitlines()) == 1, err
    assert re.search(DAMAGE[damage], err), err


def test_serve_on_garbage_exits_quickly_with_the_message(project_copy):
    import time

    _break(project_copy, "garbage")
    start = time.monotonic()
    with socket.socket() as sock:  # a port in use: were the store not checked, serve would stop
        sock.bind(("127.0.0.1", 0))  # at the port, never starting Voila either
        sock.listen()
        result = run("serve", project_copy, "--port", sock.getsockname()[1])
    assert result.returncode == 2
    assert time.monotonic() - start < 60
    assert "is damaged (file is not a database)" in one_error_line(result)
    assert "is at http" not in result.stdout

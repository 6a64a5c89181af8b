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

"""Serve the apps with Voila: the public server, and the staff server behind a login.

The public server (``omgeving serve``) has the resident app at ``/``, the wall at
``/scherm`` and the table at ``/tafel``, configured for the public: tracebacks off, theme and
template overrides off, no static files, no file tree, pre-started kernels, idle kernels culled
(Voila does not end a kernel when its tab closes). Any other path is a 404: the staff app is
never served there. The staff server (``omgeving staff``) serves only the moderation app, on
127.0.0.1 by default, and asks for the project's staff token.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from omgeving._errors import OmgevingError
from omgeving.project import Project
from omgeving.web import read_manifest

__all__ = ["PUBLIC_APPS", "STAFF_APPS", "ServeOptions", "check_port", "serve", "voila_config"]

#: URL path → notebook of each server.
PUBLIC_APPS = {
    "/": "kaart.ipynb",
    "/scherm": "scherm.ipynb",
    "/tafel": "tafel.ipynb",
    "/vergelijken": "vergelijken.ipynb",
}
STAFF_APPS = {"/": "beheer.ipynb"}
RESIDENT_NOTEBOOK = "kaart.ipynb"
#: Our Voila template: the lab template plus accessible names for the map's icon buttons
#: (``omgeving/_share/voila/templates/omgeving``; :mod:`omgeving._voila` finds it).
TEMPLATE = "omgeving"


@dataclass(frozen=True)
class ServeOptions:
    """How to serve: address, apps, kernel pools, culling and login."""

    host: str = "127.0.0.1"
    port: int = 8866
    pool_size: int = 2
    cull_idle_timeout: int = 600
    cull_interval: int = 60
    apps: Mapping[str, str] = field(default_factory=lambda: dict(PUBLIC_APPS))
    token: str = ""  # empty: no login (the public server)


def voila_config(options: ServeOptions) -> dict[str, Any]:
    """Return the Voila configuration (``voila.json``) for a server of ``options``."""
    pools = {
        nb: {"pool_size": options.pool_size if path == "/" else min(options.pool_size, 1)}
        for path, nb in options.apps.items()
    }
    return {
        "Voila": {
            "ip": options.host,
            "port": options.port,
            "open_browser": False,
            "token": options.token,
        },
        "OmgevingVoila": {"routes": dict(options.apps)},
        "VoilaConfiguration": {
            "show_tracebacks": False,
            "allow_theme_override": "NO",
            "allow_template_override": "NO",
            "strip_sources": True,
            "template": TEMPLATE,
            "theme": "light",
            "preheat_kernel": options.pool_size > 0,
            "default_pool_size": options.pool_size,
            "file_allowlist": [],
            "file_denylist": [".*"],
        },
        "VoilaKernelManager": {"fill_delay": 0, "kernel_pools_config": pools},
        "VoilaExecutor": {"timeout": 120},
        "MappingKernelManager": {
            "cull_interval": options.cull_interval,
            "cull_idle_timeout": options.cull_idle_timeout,
            "cull_connected": False,
            "cull_busy": False,
        },
    }


def check_port(host: str, port: int) -> None:
    """Raise :class:`OmgevingError` when ``host:port`` cannot be bound."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        try:
            sock.bind((host, port))
        except OSError as err:
            if err.errno == errno.EADDRINUSE:
                raise OmgevingError(
                    f"port {port} on {host} is in use; stop the other server or pass "
                    f"--port {port + 1}"
                ) from err
            raise OmgevingError(
                f"cannot listen on {host}:{port}: {err.strerror}; pass another --host or --port"
            ) from err


def voila_command(runtime: Path, notebook: Path | None = None) -> list[str]:
    """Return the command that starts our Voila with the configuration in ``runtime``.

    Without ``notebook`` it serves the apps named in the configuration (``routes``) from
    ``runtime``; with one it serves that notebook at every path (benchmarks use this).
    """
    target = runtime if notebook is None else notebook
    return [
        sys.executable,
        "-m",
        "omgeving._voila",
        str(target),
        "--no-browser",
        f"--Voila.config_file_paths={runtime}",
    ]


def prepare_runtime(runtime: Path, options: ServeOptions) -> None:
    """Write the apps' notebooks and ``voila.json`` into the folder ``runtime``."""
    package = resources.files("omgeving.apps")
    for notebook in options.apps.values():
        text = package.joinpath(notebook).read_text("utf-8")
        (runtime / notebook).write_text(text, encoding="utf-8")
    (runtime / "voila.json").write_text(json.dumps(voila_config(options), indent=1))


def serve(
    project: Project, options: ServeOptions, *, ready: Callable[[str], None] | None = None
) -> int:
    """Run Voila for ``project`` until it stops or Ctrl+C; return its exit code.

    ``ready(url)`` is called once the server accepts connections.
    """
    read_manifest(project.web_dir)  # fail now, with the fix, rather than in every kernel
    check_port(options.host, options.port)
    host = f"[{options.host}]" if ":" in options.host else options.host
    url = f"http://{host}:{options.port}/"
    runtime = Path(tempfile.mkdtemp(prefix="omgeving-serve-"))
    try:
        prepare_runtime(runtime, options)
        env = {
            **os.environ,
            "OMGEVING_PROJECT": str(project.root),
            "PYOGRIO_USE_ARROW": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        env.setdefault("OMGEVING_PUBLIC_URL", url)
        proc = subprocess.Popen(voila_command(runtime), cwd=runtime, env=env)
        previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
        try:
            if _wait_until_up(options.host, options.port, proc) and ready is not None:
                ready(url)
            return proc.wait()
        except (KeyboardInterrupt, SystemExit):
            return 0
        finally:  # never leave Voila and its kernels running without us
            signal.signal(signal.SIGTERM, previous)
            _stop(proc)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


def _exit_on_sigterm(_signum: int, _frame: object) -> None:
    raise SystemExit(0)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_until_up(host: str, port: int, proc: subprocess.Popen, timeout: float = 180.0) -> bool:
    """Wait until the port accepts connections (without rendering a page, which uses a kernel)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection((host, port), timeout=2):
                return True
        except OSError:
            time.sleep(0.3)
    return False

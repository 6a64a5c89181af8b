"""Serve the resident app with Voila, configured for the public.

Tracebacks off, theme and template overrides off, no static files, pre-started kernels, and
idle kernels culled (Voila does not end a kernel when its tab closes). Only the resident
notebook is served; staff apps are never reachable from this server.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from omgeving._errors import OmgevingError
from omgeving.project import Project
from omgeving.web import read_manifest

__all__ = ["ServeOptions", "check_port", "serve", "voila_config"]

RESIDENT_NOTEBOOK = "kaart.ipynb"


@dataclass(frozen=True)
class ServeOptions:
    """How to serve: address, kernel pool and culling."""

    host: str = "127.0.0.1"
    port: int = 8866
    pool_size: int = 2
    cull_idle_timeout: int = 600
    cull_interval: int = 60


def voila_config(options: ServeOptions) -> dict[str, Any]:
    """Return the Voila configuration (``voila.json``) for a public resident server."""
    return {
        "Voila": {"ip": options.host, "port": options.port, "open_browser": False},
        "VoilaConfiguration": {
            "show_tracebacks": False,
            "allow_theme_override": "NO",
            "allow_template_override": "NO",
            "strip_sources": True,
            "template": "lab",
            "theme": "light",
            "preheat_kernel": options.pool_size > 0,
            "default_pool_size": options.pool_size,
            "file_allowlist": [],
            "file_denylist": [".*"],
        },
        "VoilaKernelManager": {"fill_delay": 0},
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


def voila_command(runtime: Path, notebook: Path) -> list[str]:
    """Return the command that starts Voila with the configuration in ``runtime``."""
    return [
        sys.executable,
        "-m",
        "voila",
        str(notebook),
        "--no-browser",
        f"--Voila.config_file_paths={runtime}",
    ]


def serve(project: Project, options: ServeOptions, *, ready=None) -> int:
    """Run Voila for ``project`` until it stops or Ctrl+C; return its exit code.

    ``ready(url)`` is called once the server answers.
    """
    read_manifest(project.web_dir)  # fail now, with the fix, rather than in every kernel
    check_port(options.host, options.port)
    runtime = Path(tempfile.mkdtemp(prefix="omgeving-serve-"))
    try:
        notebook = runtime / RESIDENT_NOTEBOOK
        source = resources.files("omgeving.apps").joinpath(RESIDENT_NOTEBOOK)
        notebook.write_text(source.read_text("utf-8"), encoding="utf-8")
        (runtime / "voila.json").write_text(json.dumps(voila_config(options), indent=1))
        env = {
            **os.environ,
            "OMGEVING_PROJECT": str(project.root),
            "PYOGRIO_USE_ARROW": "1",
            "JUPYTER_PLATFORM_DIRS": "1",
        }
        proc = subprocess.Popen(voila_command(runtime, notebook), cwd=runtime, env=env)
        try:
            host = f"[{options.host}]" if ":" in options.host else options.host
            url = f"http://{host}:{options.port}/"
            if _wait_until_up(options.host, options.port, proc) and ready is not None:
                ready(url)
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            return 0
    finally:
        shutil.rmtree(runtime, ignore_errors=True)


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

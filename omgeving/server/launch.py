"""Start the Voila servers: the public one for residents, and the staff one behind a login.

The public server (``omgeving serve``) has the resident app at ``/``, the wall at
``/scherm`` and the table at ``/tafel``, configured for the public: tracebacks off, theme and
template overrides off, no static files, no file tree, pre-started kernels, idle kernels culled
(Voila does not end a kernel when its tab closes), at most ``max_kernels`` kernels at a time
(by default what the free memory holds, :func:`kernel_cap`) and the kernel of a page that
never connected ended after ``connect_timeout`` seconds (:mod:`omgeving.server._voila`). Of
files it serves only the logo and photo of ``[identity]`` (``/huisstijl/logo``,
``/huisstijl/foto``), checked before it starts. Any other
path is a 404: the staff app is never served there. The staff server (``omgeving staff``)
serves only the moderation app, on 127.0.0.1 by default, and asks for the project's staff
token.
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
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from omgeving._errors import OmgevingError
from omgeving.project import Project
from omgeving.web import read_manifest

__all__ = [
    "PUBLIC_APPS",
    "STAFF_APPS",
    "ServeOptions",
    "available_memory",
    "check_port",
    "default_pool",
    "kernel_cap",
    "prepare_runtime",
    "serve",
    "voila_command",
    "voila_config",
]

#: URL path → notebook of each server.
PUBLIC_APPS = {
    "/": "kaart.ipynb",
    "/scherm": "scherm.ipynb",
    "/tafel": "tafel.ipynb",
    "/vergelijken": "vergelijken.ipynb",
    "/antwoorden": "antwoorden.ipynb",
}
STAFF_APPS = {"/": "beheer.ipynb"}
RESIDENT_NOTEBOOK = "kaart.ipynb"
#: Our Voila template: the lab template plus accessible names for the map's icon buttons
#: (``omgeving/server/_share/voila/templates/omgeving``; :mod:`omgeving.server._voila` finds it).
TEMPLATE = "omgeving"
#: Memory one more visitor costs (a kernel running an app: ~120 MB of its own, measured as
#: USS), and what the server, the pools' refills and the system keep (Voila itself ~130 MB).
KERNEL_BYTES = 120 * 2**20
RESERVE_BYTES = 600 * 2**20


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
    max_kernels: int = 0  # at most this many kernels at a time; 0: what the memory holds
    connect_timeout: int = 60  # seconds a rendered page has to connect to its kernel
    # "logo", "foto" -> absolute file served at /huisstijl/<name>; serve() sets them from
    # the project's [identity] once they passed the checks
    identity_files: Mapping[str, str] = field(default_factory=dict)


def available_memory() -> int:
    """Return the bytes of memory available for new processes.

    Linux: MemAvailable, or less when this process's cgroup has a memory limit (systemd's
    ``MemoryMax``, a container's limit), since the kernels share that limit.
    """
    free = _meminfo_available()
    room = _cgroup_room()
    return free if room is None else min(free, room)


def _meminfo_available() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return 2 * 2**30  # unknown: assume a small machine


def _cgroup_room() -> int | None:
    """Return the memory limit of this process's cgroup minus its use, or None (no limit)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _id, controllers, path = line.split(":", 2)
        if controllers == "":  # cgroup v2
            folders, files = ("/sys/fs/cgroup",), ("memory.max", "memory.current")
        elif "memory" in controllers.split(","):  # cgroup v1
            folders, files = (
                ("/sys/fs/cgroup/memory",),
                ("memory.limit_in_bytes", "memory.usage_in_bytes"),
            )
        else:
            continue
        for folder in (Path(folders[0] + path), Path(folders[0])):
            try:
                limit, used = ((folder / name).read_text().strip() for name in files)
            except OSError:
                continue
            if limit.isdigit() and used.isdigit() and int(limit) < 2**60:
                return max(0, int(limit) - int(used))
            break
    return None


def default_pool(cores: int, available: int) -> int:
    """Return how many resident-app kernels to keep ready on a machine of ``cores``, memory.

    A ready kernel serves one visitor at once; the others of a crowd each start one, and
    every start takes about a core for half a second, pool refills included. So a kernel
    per core (at least 2, at most 8), and no more than an eighth of what memory holds.

    Examples
    --------
    >>> default_pool(2, 24 * 2**30), default_pool(8, 16 * 2**30), default_pool(4, 2**30)
    (2, 8, 2)
    """
    return max(2, min(cores, 8, kernel_cap(available) // 8))


def kernel_cap(available: int) -> int:
    """Return how many kernels ``available`` bytes of memory hold, keeping a reserve.

    Examples
    --------
    >>> kernel_cap(8 * 2**30)
    63
    """
    return max(2, (available - RESERVE_BYTES) // KERNEL_BYTES)


def voila_config(options: ServeOptions) -> dict[str, Any]:
    """Return the Voila configuration (``voila.json``) for a server of ``options``.

    Raises
    ------
    OmgevingError
        When ``options.max_kernels`` leaves no kernel beside the pre-started ones.
    """
    pools = {
        nb: {"pool_size": options.pool_size if path == "/" else min(options.pool_size, 1)}
        for path, nb in options.apps.items()
    }
    pooled = sum(p["pool_size"] for p in pools.values()) if options.pool_size > 0 else 0
    cap = options.max_kernels or max(kernel_cap(available_memory()), pooled + 1)
    if cap <= pooled:
        raise OmgevingError(
            f"max_kernels {cap} leaves no kernel for visitors: the pools pre-start {pooled} "
            f"(--pool {options.pool_size}); use {pooled + 1} or more, or a smaller --pool"
        )
    return {
        "Voila": {
            "ip": options.host,
            "port": options.port,
            "open_browser": False,
            "token": options.token,
        },
        "OmgevingVoila": {
            "routes": dict(options.apps),
            "identity_files": dict(options.identity_files),
        },
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
        # nbclient waits 4 s for a cell's output after its reply, then renders without it: a
        # busy machine pre-starting kernels then gave pages without a map (an empty page)
        "VoilaExecutor": {"timeout": 120, "iopub_timeout": 60},
        # kernels talk to the server over Unix sockets beside their connection files: TCP
        # ports are picked free and bound later by the kernel, so kernels started at one
        # moment (a QR rush) could pick the same port, and one of them died with its page
        **({"KernelManager": {"transport": "ipc"}} if os.name == "posix" else {}),
        "OmgevingKernelManager": {
            "max_kernels": cap,
            "connect_timeout": options.connect_timeout,
        },
        "MappingKernelManager": {
            "cull_interval": options.cull_interval,
            "cull_idle_timeout": options.cull_idle_timeout,
            "cull_connected": False,
            "cull_busy": False,
        },
    }


def check_port(host: str, port: int) -> None:
    """Raise :class:`OmgevingError` when ``host:port`` cannot be bound.

    The port is bound the way tornado binds it (``SO_REUSEADDR`` on POSIX), so connections a
    stopped server left behind (TIME_WAIT, for a minute after a crash with a wall connected)
    do not count; a server listening there does.
    """
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        if os.name != "nt":  # on Windows SO_REUSEADDR would let two servers share a port
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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
        "omgeving.server._voila",
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

    ``ready(url)`` is called once the server accepts connections. Before Voila starts, the
    store, the web layers, the logo and the photo are checked
    (:func:`omgeving.server.preflight.preflight`); the logo and photo are then served at
    ``/huisstijl/logo`` and ``/huisstijl/foto``.
    """
    from omgeving.server.preflight import check_identity, preflight

    preflight(project)  # the store and every web layer: fail now, with the fix, not in kernels
    files = check_identity(project)
    options = replace(options, identity_files={name: str(p) for name, p in files.items()})
    read_manifest(project.web_dir)
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

"""The public server under attack: kernel cap, restarts, logs, odd paths and the websocket.

Every test here runs the real ``omgeving serve`` (Voila in a subprocess) or Debian's nginx
with the shipped configuration; none mocks the part it is about.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import io
import json
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest

from omgeving._errors import ConfigError, OmgevingError
from omgeving.config import read_config, write_config
from omgeving.server.launch import (
    ServeOptions,
    available_memory,
    check_port,
    default_pool,
    kernel_cap,
    voila_config,
)
from tests.conftest import free_port, need

pytestmark = [pytest.mark.slow]

KERNEL_ID = re.compile(r'"kernelId": "([0-9a-f-]{36})"')
BUSY_NL = "Het is erg druk, probeer het over een minuut opnieuw"
BUSY_EN = "It is very busy"
ZERO = "00000000-0000-0000-0000-000000000000"


class Served:
    """``omgeving serve PROJECT --host HOST --port PORT OPTIONS...`` in a subprocess."""

    def __init__(
        self,
        project: Path,
        log: Path,
        *options: str,
        host: str = "127.0.0.1",
        port: int | None = None,
    ) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        self._fh = log.open("a")
        command = [
            sys.executable,
            "-m",
            "omgeving.cli",
            "serve",
            str(project),
            "--host",
            host,
            "--port",
            str(self.port),
            *options,
        ]
        self.proc = subprocess.Popen(command, stdout=self._fh, stderr=subprocess.STDOUT)
        self._wait("is at http", 120)

    def _wait(self, text: str, timeout: float, count: int = 1) -> None:
        deadline = time.monotonic() + timeout
        while self.log.read_text().count(text) < count:
            if self.proc.poll() is not None:
                raise RuntimeError(f"omgeving serve exited: {self.log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"no {text!r} within {timeout} s: {self.log.read_text()[-3000:]}"
                )
            time.sleep(0.2)

    def voila(self) -> psutil.Process:
        """The Voila process (``python -m omgeving.server._voila``) under ``omgeving serve``."""
        for child in psutil.Process(self.proc.pid).children():
            if "omgeving.server._voila" in " ".join(child.cmdline()):
                return child
        raise AssertionError("omgeving serve has no Voila process")

    def kernels(self) -> dict[str, psutil.Process]:
        """The running kernels, by kernel id (from their connection file's name)."""
        found = {}
        for child in self.voila().children(recursive=True):
            try:
                match = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(child.cmdline()))
            except psutil.NoSuchProcess:
                continue
            if match:
                found[match.group(1)] = child
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._fh.close()


def fetch(
    url: str, *, method: str = "GET", headers: dict | None = None, timeout: float = 120
) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, dict(resp.headers), resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode("utf-8", "replace")


def raw_request(port: int, line: str, headers: dict | None = None) -> int:
    """Send one request line as it is (no normalising of ``..``) and return the status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    method, path = line.split(" ", 1)
    conn.putrequest(method, path, skip_accept_encoding=True)
    for key, value in (headers or {}).items():
        conn.putheader(key, value)
    conn.endheaders()
    status = conn.getresponse().status
    conn.close()
    return status


def with_serve_table(project: Path, **serve: int) -> None:
    """Write ``[serve]`` settings into the project's omgeving.toml."""
    config = read_config(project)
    write_config(replace(config, serve=replace(config.serve, **serve)), project)


# -- F3: a restart right after a crash ---------------------------------------------------------


def test_check_port_accepts_a_port_whose_last_server_was_killed(project_copy, tmp_path):
    server = Served(project_copy, tmp_path / "first.log", "--pool", "0")
    port = server.port
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # keep-alive, as a wall
    client.request("GET", "/voila/static/voila.js")
    response = client.getresponse()
    assert response.status == 200 and response.read()
    voila = server.voila()
    runtime = voila.cwd()  # serve's folder, which a crash leaves behind
    voila.send_signal(signal.SIGKILL)  # a crash, with a wall still connected
    server.proc.send_signal(signal.SIGKILL)
    voila.wait(10)
    server.proc.wait(10)
    client.close()
    time.sleep(0.2)
    states = {c.status for c in psutil.net_connections("tcp") if c.laddr and c.laddr.port == port}
    assert states & {psutil.CONN_TIME_WAIT, psutil.CONN_FIN_WAIT2}, states  # the case we test
    check_port("127.0.0.1", port)  # no "is in use": nothing listens there any more
    again = Served(project_copy, tmp_path / "again.log", "--pool", "0", port=port)
    try:
        assert fetch(again.url + "voila/static/voila.js")[0] == 200
    finally:
        again.stop()
        shutil.rmtree(runtime, ignore_errors=True)


def test_check_port_refuses_a_port_a_server_listens_on():
    with socket.socket() as other:
        other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as tornado binds
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        with pytest.raises(
            OmgevingError,
            match=rf"port {port} on 127.0.0.1 is in use; stop the "
            rf"other server or pass --port {port + 1}",
        ):
            check_port("127.0.0.1", port)
        with pytest.raises(OmgevingError, match="is in use"):
            check_port("0.0.0.0", port)


# -- F2: a cap on kernels, from memory, and the busy page --------------------------------------


def test_the_default_cap_comes_from_available_memory():
    mib = 1024 * 1024
    assert kernel_cap(24_000 * mib) == (24_000 - 600) // 120
    assert kernel_cap(1_000 * mib) == 3  # a small machine still serves a few
    assert kernel_cap(100 * mib) == 2
    config = voila_config(ServeOptions())
    cap = config["OmgevingKernelManager"]["max_kernels"]
    assert 2 <= cap < 10_000
    assert config["OmgevingKernelManager"]["connect_timeout"] == 60
    assert voila_config(ServeOptions(max_kernels=7))["OmgevingKernelManager"]["max_kernels"] == 7


def test_a_cap_below_the_pre_started_kernels_is_refused():
    with pytest.raises(
        OmgevingError,
        match=r"max_kernels 6 leaves no kernel for visitors: the "
        r"pools pre-start 6 \(--pool 2\); use 7 or more, or a smaller --pool",
    ):  # 2 for the resident app, 1 for each of the wall, table, compare and answers pages
        voila_config(ServeOptions(pool_size=2, max_kernels=6))
    assert voila_config(ServeOptions(pool_size=2, max_kernels=7))


def test_the_serve_table_of_omgeving_toml(project_copy):
    assert read_config(project_copy).serve.pool == -1  # not in the file: from the machine
    assert "pool" not in (project_copy / "omgeving.toml").read_text()
    with_serve_table(project_copy, max_kernels=12, connect_timeout=45)
    assert "pool" not in (project_copy / "omgeving.toml").read_text()
    with_serve_table(project_copy, pool=6)
    assert read_config(project_copy).serve.max_kernels == 12
    assert read_config(project_copy).serve.connect_timeout == 45
    assert read_config(project_copy).serve.pool == 6
    path = project_copy / "omgeving.toml"
    text = path.read_text().replace("max_kernels = 12", "max_kernel = 12")
    path.write_text(text)
    with pytest.raises(
        ConfigError,
        match=r"unknown key 'max_kernel' in \[serve\]; known keys "
        r"are connect_timeout, max_kernels, pool",
    ):
        read_config(project_copy)
    path.write_text(text.replace("max_kernel = 12", "max_kernels = -1"))
    with pytest.raises(ConfigError, match=r"'max_kernels' is -1; use a whole number from 0"):
        read_config(project_copy)
    path.write_text(text.replace("max_kernel = 12", "max_kernels = 12").replace(
        "pool = 6", "pool = 100"))
    with pytest.raises(ConfigError, match=r"'pool' is 100; use a whole number from 0 to 64"):
        read_config(project_copy)


def _sample(server: Served, samples: list, stop: threading.Event) -> None:
    while not stop.is_set():
        kernels = server.kernels()
        rss = 0
        for proc in kernels.values():
            with contextlib.suppress(psutil.NoSuchProcess):
                rss += proc.memory_info().rss
        samples.append((len(kernels), rss))
        time.sleep(0.1)


def test_kernels_are_capped_busy_pages_get_503_and_unconnected_kernels_end(project_copy, tmp_path):
    with_serve_table(project_copy, connect_timeout=8)
    server = Served(project_copy, tmp_path / "voila.log", "--pool", "1", "--max-kernels", "7")
    try:
        server._wait("is filled with 1 kernel", 180, count=5)  # the five apps' pools
        pool = server.kernels()
        assert len(pool) == 5
        samples: list[tuple[int, int]] = []
        stop = threading.Event()
        sampler = threading.Thread(target=_sample, args=(server, samples, stop))
        sampler.start()
        results: list[tuple[int, dict, str]] = []

        def load() -> None:
            results.append(fetch(server.url))

        loads = [threading.Thread(target=load) for _ in range(10)]
        for thread in loads:
            thread.start()
            time.sleep(0.05)
        for thread in loads:
            thread.join(180)
        stop.set()
        sampler.join()

        statuses = sorted(status for status, _, _ in results)
        assert set(statuses) == {200, 503}, statuses
        most = max(n for n, _ in samples)
        rss = max(r for _, r in samples)
        print(
            f"\n10 loads, cap 7: statuses {statuses}; at most {most} kernels, "
            f"{rss / 2**20:.0f} MB RSS of kernels at most"
        )
        assert most <= 7
        assert rss < 7 * 600 * 2**20
        for status, headers, body in results:
            if status == 503:
                assert headers["Retry-After"] == "60"
                assert headers["Content-Type"].startswith("text/html")
                assert BUSY_NL in body and BUSY_EN in body
                assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", body), body
                assert "<script" not in body and "Traceback" not in body
            else:
                assert KERNEL_ID.search(body), body[-500:]
        pages = [KERNEL_ID.search(b).group(1) for s, _, b in results if s == 200]
        connected = pages[-1]  # the last page rendered: its websocket connects now
        hang_up = threading.Event()
        holder = ThreadPoolExecutor(1)
        held = holder.submit(asyncio.run, _hold(server.url, connected, hang_up))

        # The other pages never connect: their kernels end after the connect timeout (8 s);
        # the connected one and the pools that no visitor got stay
        visitors = set(pages) - {connected}
        deadline = time.monotonic() + 40
        while visitors & set(server.kernels()) and time.monotonic() < deadline:
            time.sleep(0.5)
        left = server.kernels()
        assert not visitors & set(left), f"unconnected kernels still running: {visitors & left}"
        assert connected in left
        kept = {k for k in pool if k not in pages}
        # scherm, tafel, vergelijken, antwoorden: not ended
        assert len(kept) >= 4 and kept <= set(left)
        hang_up.set()
        assert held.result(30) > 0  # the held websocket got the kernel's answer
        log = server.log.read_text()
        assert "at most 7 kernels" in log
        assert "did not connect within 8 s" in log
        assert "Traceback" not in log
    finally:
        server.stop()


async def _hold(url: str, kernel: str, hang_up: threading.Event) -> int:
    """Keep a page's kernel websocket open until ``hang_up``; return the messages it got."""
    from tornado.websocket import websocket_connect

    ws_url = url.replace("http", "ws", 1) + f"api/kernels/{kernel}/channels?session_id=held"
    ws = await websocket_connect(ws_url)
    await ws.write_message(json.dumps(_ws_message("kernel_info_request", {})))
    got = 0
    while not hang_up.is_set():
        with contextlib.suppress(TimeoutError):
            got += await asyncio.wait_for(ws.read_message(), 0.5) is not None
    ws.close()
    return got


# -- F4 and F6: one public server, its odd paths, its log and its websocket -------------------


@pytest.fixture(scope="module")
def public(demo_project, tmp_path_factory):
    """``omgeving serve`` on ``localhost`` (so a 127.0.0.1 in its log is a client's address)."""
    root = tmp_path_factory.mktemp("hardening") / "project"
    shutil.copytree(demo_project, root, ignore=shutil.ignore_patterns("reactions.sqlite*"))
    server = Served(root, root.parent / "voila.log", "--pool", "0", host="localhost")
    yield server
    server.stop()


ODD = [
    "GET /logout",
    "GET /login",
    "GET /login?next=//evil.example",
    "POST /login",
    "GET /voila/templates/a/b",
    "GET /voila/templates/a",
    "GET /voila/templates/lab/static/index.css",
    "GET /voila/templates/../static/x",
    "GET /voila/templates/omgeving/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "GET /voila/templates/omgeving/static/../../../../etc/passwd",
    "GET /voila/static/../../etc/passwd",
    "GET /voila/static/%2e%2e/%2e%2e/etc/passwd",
    "GET /voila/static/",
    "GET /voila/labextensions/../../etc/passwd",
    "GET /voila/labextensions/",
    "GET /voila/api/themes/../../etc/passwd",
    "GET /voila/api/themes/x",
    f"GET /voila/api/shutdown/{ZERO}",
    f"POST /voila/api/shutdown/{ZERO}",
    f"GET /voila/query/{ZERO}",
    "GET /voila/render/kaart.ipynb",
    "GET /voila/render/beheer.ipynb",
    "GET /voila/tree",
    "GET /voila/files/omgeving.toml",
    "GET /voila/api/contents/",
    "GET /api",
    "GET /api/kernels",
    "POST /api/kernels",
    "GET /api/kernels/abc",
    f"GET /api/kernels/{ZERO}",
    f"DELETE /api/kernels/{ZERO}",
    f"POST /api/kernels/{ZERO}/interrupt",
    f"POST /api/kernels/{ZERO}/restart",
    f"GET /api/kernels/{ZERO}/channels",
    "GET /api/sessions",
    "GET /api/contents",
    "GET /api/kernelspecs",
    "GET /api/me",
    "GET /api/status",
    "GET /api/config/notebook",
    "GET /static/base/images/favicon.ico",
    "GET /lab",
    "GET /tree",
    "GET /files/omgeving.toml",
    "GET /kaart.ipynb",
    "GET /beheer",
    "GET /scherm/extra",
    "GET /%00",
    "GET /%ff%fe",
    "GET /" + "a" * 3000,
    "POST /",
    "PUT /scherm",
    "DELETE /",
    "OPTIONS /",
    "PATCH /tafel",
]


def test_odd_paths_are_404_never_500_and_the_log_names_no_address(public):
    spoof = {
        "X-Forwarded-For": "10.20.30.40",
        "X-Real-IP": "2001:db8::7",
        "Origin": "http://10.20.30.41",
        "Referer": "http://10.20.30.42/",
    }
    got = {}
    for line in ODD:
        got[line] = raw_request(public.port, line, spoof)
    assert not [line for line, status in got.items() if status >= 500], got
    for line in (
        "GET /logout",
        "GET /login",
        "GET /voila/templates/a/b",
        "GET /voila/templates/a",
        "GET /voila/templates/lab/static/index.css",
        "GET /api",
        "GET /api/kernels",
        f"GET /api/kernels/{ZERO}",
        "GET /voila/render/kaart.ipynb",
        "GET /lab",
    ):
        assert got[line] == 404, (line, got[line])
    # what the pages need still works
    assert raw_request(public.port, "GET /voila/static/voila.js") == 200
    status, _, body = fetch(public.url + "niet-hier")
    assert status == 404 and "Deze pagina bestaat niet" in body and "does not exist" in body
    assert "Traceback" not in body and "site-packages" not in body
    time.sleep(1)
    log = public.log.read_text()
    assert "404 GET /logout" in log  # the log still says what happened
    for address in ("127.0.0.1", "10.20.30.4", "2001:db8::7", "::1"):
        assert address not in log, [line for line in log.splitlines() if address in line][:5]
    assert "remote_ip" not in log
    assert "Uncaught exception" not in log and "Traceback" not in log


def test_the_log_scrubber_removes_addresses_from_messages_and_tracebacks():
    from omgeving.server._voila import scrub_record

    def record(msg, *args, exc=None):
        return logging.LogRecord("tornado.application", logging.ERROR, __file__, 1, msg, args, exc)

    try:
        raise ValueError(
            "bad header {'X-Forwarded-For': '203.0.113.9', 'Host': '[2001:db8::1]:80'}"
        )
    except ValueError:
        exc = sys.exc_info()
    rec = record("Uncaught exception GET /x (%s)\n%r", "198.51.100.4", _Request(), exc=exc)
    scrub_record(rec)
    text = logging.Formatter().format(rec)
    for address in ("198.51.100.4", "203.0.113.9", "2001:db8::1", "192.0.2.1", "remote_ip"):
        assert address not in text, text
    assert "Uncaught exception GET /x" in text and "ValueError: bad header" in text
    rec = record("Kernel started: %s at 12:30:45", "6d5e9773-9fe8-4028-8cb1-b73cb47ce39a")
    scrub_record(rec)
    assert rec.getMessage() == "Kernel started: 6d5e9773-9fe8-4028-8cb1-b73cb47ce39a at 12:30:45"


class _Request:
    def __repr__(self) -> str:
        return (
            "HTTPServerRequest(protocol='http', host='192.0.2.1:8866', method='GET', "
            "uri='/a)b', version='HTTP/1.1', remote_ip='192.0.2.1')"
        )


def _ws_message(msg_type: str, content: dict, metadata: dict | None = None) -> dict:
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "msg_type": msg_type,
            "username": "x",
            "session": uuid.uuid4().hex,
            "date": "",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": metadata or {},
        "content": content,
        "channel": "shell",
        "buffers": [],
    }


HOSTILE = [
    (
        "comm_open",
        {"comm_id": "c1", "target_name": "jupyter.widget", "data": {}},
        {"version": "0.0.0"},
    ),
    (
        "comm_open",
        {
            "comm_id": "c2",
            "target_name": "jupyter.widget",
            "data": {"state": {"_model_name": "NoSuchModel"}},
        },
        {"version": "2.1.0"},
    ),
    (
        "comm_open",
        {"comm_id": "c3", "target_name": "jupyter.widget", "data": {"nostate": 1}},
        {"version": "2.1.0"},
    ),
    ("comm_open", {"comm_id": "c4", "target_name": "no.such.target", "data": {}}, {}),
    ("comm_msg", {"comm_id": "nope", "data": {"method": "update", "state": {}}}, {}),
    ("execute_request", {"code": "1/0", "silent": False}, {}),
    ("comm_info_request", {}, {}),
]


async def _talk(url: str, kernel: str, protocol: str | None) -> list[dict]:
    from jupyter_client.session import Session
    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    ws_url = url.replace("http", "ws", 1) + f"api/kernels/{kernel}/channels?session_id=probe"
    ws = await websocket_connect(HTTPRequest(ws_url), subprotocols=[protocol] if protocol else None)
    session = Session(key=b"")
    for msg_type, content, metadata in HOSTILE:
        msg = _ws_message(msg_type, content, metadata)
        if protocol:
            parts = [
                session.pack(msg[k]) for k in ("header", "parent_header", "metadata", "content")
            ]
            await ws.write_message(serialize_msg_to_ws_v1(parts, "shell"), binary=True)
        else:
            await ws.write_message(json.dumps(msg))
    got: list[dict] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + 5
    while (left := end - loop.time()) > 0:
        try:
            raw = await asyncio.wait_for(ws.read_message(), left)
        except TimeoutError:
            break
        if raw is None:
            break
        if isinstance(raw, bytes):
            channel, parts = deserialize_msg_from_ws_v1(raw)
            msg = {
                k: json.loads(p)
                for k, p in zip(
                    ("header", "parent_header", "metadata", "content"), parts[:4], strict=True
                )
            }
            msg["channel"] = channel
            msg["raw"] = raw.decode("utf-8", "replace")
        else:
            msg = json.loads(raw)
            msg["raw"] = raw
        got.append(msg)
    ws.close()
    return got


@pytest.mark.parametrize(
    "protocol", ["v1.kernel.websocket.jupyter.org", None], ids=["v1", "legacy"]
)
def test_no_traceback_path_or_stderr_reaches_the_public_websocket(public, protocol):
    status, _, html = fetch(public.url)
    assert status == 200
    kernel = KERNEL_ID.search(html).group(1)
    # in a thread of its own: Playwright's sync API may hold this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        got = pool.submit(asyncio.run, _talk(public.url, kernel, protocol)).result(60)
    types = [m["header"]["msg_type"] for m in got]
    assert "comm_info_reply" in types, types  # the websocket works
    for msg in got:
        assert "Traceback" not in msg["raw"], msg["raw"][:500]
        assert "site-packages" not in msg["raw"] and "/work/" not in msg["raw"], msg["raw"][:500]
        assert msg["header"]["msg_type"] != "error"
        assert not (
            msg["header"]["msg_type"] == "stream" and msg["content"].get("name") == "stderr"
        ), msg["content"]
    time.sleep(0.5)
    assert "not sent to the page" in public.log.read_text()  # the operator still sees it


# -- F2 (c): nginx limits page loads per client, not static files or websockets ---------------


class _Upstream(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def limited_nginx():
    from tests.test_deploy import NGINX, Nginx

    need(NGINX.exists(), f"{NGINX} is missing: Debian's nginx (scripts/setup --test installs it)")
    upstream = ThreadingHTTPServer(("127.0.0.1", 0), _Upstream)
    thread = threading.Thread(target=upstream.serve_forever, daemon=True)
    thread.start()
    site = Nginx(free_port(), [f"127.0.0.1:{upstream.server_address[1]}"])
    try:
        yield site
    finally:
        site.stop()
        upstream.shutdown()


def test_nginx_limits_page_loads_per_address_with_room_for_a_village_hall(limited_nginx):
    site = limited_nginx
    pages = [fetch(site.url + ("", "scherm", "tafel")[i % 3], timeout=10) for i in range(140)]
    ok = sum(1 for status, _, _ in pages if status == 200)
    limited = [(s, h, b) for s, h, b in pages if s != 200]
    print(f"\n140 page loads from one address: {ok} passed, {len(limited)} limited")
    assert ok >= 90  # 60 phones behind one NAT address, and their reloads
    assert limited, "no page load was limited"
    status, headers, body = limited[0]
    assert status == 429
    assert headers.get("Retry-After") == "60"
    assert BUSY_NL in body and BUSY_EN in body
    # the page's static files, kernel calls and websockets are not limited
    for path in (
        "voila/static/voila.js",
        f"api/kernels/{ZERO}",
        f"api/kernels/{ZERO}/channels",
        "voila/templates/omgeving/static/index.css",
    ):
        statuses = {fetch(site.url + path, timeout=10)[0] for _ in range(150)}
        assert statuses == {200}, (path, statuses)


def test_serve_kernel_options_reach_voila(project_copy, monkeypatch):
    """``--max-kernels`` and ``[serve]`` get to the Voila configuration."""
    import omgeving.server.launch
    from omgeving.cli import main

    with_serve_table(project_copy, max_kernels=10, connect_timeout=30)  # pools of 5 + 4 fit
    seen = {}
    real = omgeving.server.launch.voila_config

    def capture(options):
        seen["config"] = real(options)
        return seen["config"]

    monkeypatch.setattr(omgeving.server.launch, "voila_config", capture)
    monkeypatch.setattr(omgeving.server.launch, "check_port", lambda host, port: None)
    monkeypatch.setattr(omgeving.server.launch.subprocess, "Popen", _Refuse)
    assert main(["serve", str(project_copy), "--port", str(free_port())]) == 2
    assert seen["config"]["OmgevingKernelManager"] == {"max_kernels": 10, "connect_timeout": 30}
    assert main(["serve", str(project_copy), "--max-kernels", "11"]) == 2
    assert seen["config"]["OmgevingKernelManager"]["max_kernels"] == 11
    pools = seen["config"]["VoilaKernelManager"]["kernel_pools_config"]
    expected = default_pool(os.cpu_count() or 1, available_memory())
    assert pools["kaart.ipynb"] == {"pool_size": expected}  # no [serve] pool: the machine's
    with_serve_table(project_copy, pool=5)
    assert main(["serve", str(project_copy)]) == 2
    pools = seen["config"]["VoilaKernelManager"]["kernel_pools_config"]
    assert pools["kaart.ipynb"] == {"pool_size": 5} and pools["scherm.ipynb"] == {"pool_size": 1}
    assert main(["serve", str(project_copy), "--pool", "3"]) == 2
    pools = seen["config"]["VoilaKernelManager"]["kernel_pools_config"]
    assert pools["kaart.ipynb"] == {"pool_size": 3}
    assert main(["serve", str(project_copy), "--pool", "-1"]) == 2  # a clear error, no server


class _Refuse:
    def __init__(self, *args, **kwargs):
        raise OmgevingError("Voila not started in this test")


def test_every_record_is_scrubbed_when_shown_and_a_dropped_one_is_never_formatted():
    from omgeving.server._voila import _scrub_every_record

    class Costly:
        formatted = 0

        def __str__(self) -> str:
            Costly.formatted += 1
            return "a kernel message from 198.51.100.4"

    before = logging.getLogRecordFactory()
    logger = logging.getLogger("test.scrub")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setLevel(logging.INFO)  # as Voila's: the logger takes DEBUG, the handler shows INFO
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    try:
        _scrub_every_record()
        logger.debug("content: %s", Costly())
        assert Costly.formatted == 0 and stream.getvalue() == ""
        logger.info("content: %s", Costly())
        try:
            raise ValueError("from 203.0.113.9")
        except ValueError:
            logger.exception("failed for %s", "192.0.2.7")
    finally:
        logging.setLogRecordFactory(before)
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert Costly.formatted == 1 and "content: a kernel message from -" in text
    assert "failed for -" in text and "ValueError: from -" in text
    for address in ("198.51.100.4", "203.0.113.9", "192.0.2.7"):
        assert address not in text, text


def test_a_page_whose_kernel_dies_ends_with_a_message_and_reloads(project_copy, tmp_path):
    """Voila kept such a page open for ever (a heartbeat every 10 s): the visitor waited."""
    server = Served(project_copy, tmp_path / "voila.log", "--pool", "0")
    try:
        got: dict = {}
        page = threading.Thread(target=lambda: got.update(page=fetch(server.url, timeout=90)))
        t0 = time.monotonic()
        page.start()
        killed = None
        while killed is None and time.monotonic() - t0 < 60:
            for kernel in server.kernels().values():  # the page's kernel, as soon as it runs
                kernel.kill()
                killed = kernel
            time.sleep(0.01)
        page.join(90)
        seconds = time.monotonic() - t0
        assert killed is not None and "page" in got
        status, _, body = got["page"]
        print(f"\nthe page of a killed kernel ended after {seconds:.1f} s with {status}")
        assert seconds < 60
        assert "De kaart kon niet worden geladen" in body and "Trying again" in body
        assert "location.reload" in body and "sessionStorage" in body
        assert "Traceback" not in body and "RuntimeError" not in body
        assert "could not be rendered" in server.log.read_text()
    finally:
        server.stop()

"""The multi-server deployment of ``deploy/``, for real: two ``omgeving serve`` instances of one
project on one PostgreSQL store, behind Debian's nginx running ``deploy/nginx/omgeving.conf``.

A reaction placed through one instance must show on a wall served by the other, and each
browser must stay on its own instance (Voila's kernel lives in the instance that served the
page, so its websocket must get there too).
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pytest

from omgeving.config import read_config, write_config
from omgeving.project import open_project
from omgeving.store import open_store
from tests.conftest import (
    LAPTOP,
    PROJECTOR,
    ROOT,
    VoilaServer,
    choose,
    free_port,
    need,
    offline_page,
)
from tests.test_evening_e2e import draw_polygon, goto, wait_status

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NGINX = Path("/usr/sbin/nginx")
SHIPPED = ROOT / "deploy" / "nginx" / "omgeving.conf"
ROUTE_COOKIE = "omgeving_route"
#: A small static file every instance serves without starting a kernel: the first request of
#: a new browser, which gives it its route cookie.
PROBE = "voila/static/voila.js"
#: A page's kernel API calls and its kernel websocket (``/channels``).
KERNEL_API = re.compile(r"/api/kernels/(?P<kernel>[0-9a-f-]+)(?P<channels>/channels)?")
CHANNELS = re.compile(r"/api/kernels/[0-9a-f-]+/channels")
#: The test's nginx: in the foreground, all files in its prefix, and the shipped site
#: (``omgeving.conf``, included from beside this file) with a log of the routes.
MAIN_CONF = """\
daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    client_body_temp_path {prefix}/temp/client_body;
    proxy_temp_path {prefix}/temp/proxy;
    fastcgi_temp_path {prefix}/temp/fastcgi;
    uwsgi_temp_path {prefix}/temp/uwsgi;
    scgi_temp_path {prefix}/temp/scgi;
    log_format omgeving_test_routes '$omgeving_route "$upstream_addr" $status "$uri"';
    include omgeving.conf;
}}
"""


def render_site(upstreams: list[str], listen: str, logs: Path) -> str:
    """Return the shipped site with this test's instances, listen address and log files.

    Only these lines change, so what runs is what we ship. When the shipped file changes
    them, this fails with the line it looked for instead of testing something else.
    """
    text = SHIPPED.read_text(encoding="utf-8")
    text = _replace_lines(text, r"server 127\.0\.0\.1:\d+;", [f"server {u};" for u in upstreams])
    text = _replace_lines(
        text, r"listen (\[::\]:)?80 default_server;", [f"listen {listen} default_server;"]
    )
    return _replace_lines(
        text,
        r"access_log /var/log/nginx/omgeving\.access\.log omgeving;",
        [
            f"access_log {logs / 'access.log'} omgeving;",
            f"access_log {logs / 'routes.log'} omgeving_test_routes;",  # see MAIN_CONF
        ],
    )


def _replace_lines(text: str, pattern: str, new: list[str]) -> str:
    """Replace the uncommented lines that are ``pattern`` with ``new``, where the first was."""
    lines = text.splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if re.fullmatch(rf"\s*{pattern}\s*", line)]
    if not hits:
        raise AssertionError(
            f"{SHIPPED} has no line matching {pattern!r}; update render_site() in "
            f"{Path(__file__).name} to what the shipped file now says"
        )
    indent = re.match(r"\s*", lines[hits[0]]).group()
    out: list[str] = []
    for i, line in enumerate(lines):
        if i == hits[0]:
            out.extend(f"{indent}{n}\n" for n in new)
        elif i not in hits:
            out.append(line)
    return "".join(out)


class Nginx:
    """Debian's nginx in the foreground on 127.0.0.1:``port``, running the shipped site.

    Everything lives in a private prefix folder: the main configuration, which includes the
    rendered site, the pid file, the logs and the temp folders. As root, nginx's workers run
    as ``nobody``, so the prefix sits outside pytest's owner-only tmp folders and is
    world-readable (the temp folders inside are made for ``nobody`` by nginx itself).
    """

    def __init__(self, port: int, upstreams: list[str]) -> None:
        self.url = f"http://127.0.0.1:{port}/"
        self.prefix = Path(tempfile.mkdtemp(prefix="omgeving-nginx-"))
        self.prefix.chmod(0o755)
        self.routes_log = self.prefix / "routes.log"
        self.access_log = self.prefix / "access.log"
        self.error_log = self.prefix / "error.log"
        self.proc: subprocess.Popen | None = None
        try:
            self._start(port, upstreams)
        except BaseException:
            self.stop()
            raise

    def _start(self, port: int, upstreams: list[str]) -> None:
        (self.prefix / "omgeving.conf").write_text(
            render_site(upstreams, f"127.0.0.1:{port}", self.prefix)
        )
        (self.prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=self.prefix))
        (self.prefix / "temp").mkdir()
        self._out = (self.prefix / "nginx.out").open("w")
        self.proc = subprocess.Popen(
            [
                str(NGINX),
                "-p",
                str(self.prefix),
                "-c",
                str(self.prefix / "nginx.conf"),
                "-e",
                str(self.error_log),
            ],
            stdout=self._out,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"nginx did not start on port {port}:\n{self.logs()}")

    def logs(self) -> str:
        """The end of nginx's own output and error log, for failure messages."""
        return "".join(
            path.read_text()[-2000:]
            for path in (self.prefix / "nginx.out", self.error_log)
            if path.exists()
        )

    def routes(self) -> list[tuple[str, str, int, str]]:
        """Every logged request as (route, upstream, status, path)."""
        pattern = re.compile(r'(\S+) "([^"]*)" (\d+) "([^"]*)"')
        found = []
        for line in self.routes_log.read_text().splitlines():
            match = pattern.fullmatch(line)
            assert match, f"unexpected line in {self.routes_log}: {line!r}"
            route, upstream, status, path = match.groups()
            found.append((route, upstream, int(status), path))
        return found

    def requests_of(self, route: str, *, until_path: re.Pattern, timeout: float = 15.0) -> list:
        """The logged requests of ``route``, once one with a path like ``until_path`` is there.

        nginx logs a request when it ends: a websocket only once its tab is closed.
        """
        deadline = time.monotonic() + timeout
        while True:
            mine = [r for r in self.routes() if r[0] == route]
            if any(until_path.fullmatch(r[3]) for r in mine):
                return mine
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"nginx logged no request like {until_path.pattern} for route {route} "
                    f"within {timeout} s; its requests: {mine}\n{self.logs()}"
                )
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: nginx's fast shutdown
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self._out.close()
        shutil.rmtree(self.prefix, ignore_errors=True)


@pytest.fixture(scope="session")
def nginx_binary() -> Path:
    need(NGINX.exists(), f"{NGINX} is missing: Debian's nginx (scripts/setup --test installs it)")
    return NGINX


@pytest.fixture
def deployment(nginx_binary, pg_server, project_copy, tmp_path):
    """Two instances of one project on a fresh PostgreSQL database, behind nginx.

    The project's ``omgeving.toml`` names the store (``[store] url``) and, for the wall's QR
    code, nginx's address (``[evening] public_url``), as deploy/README.md says to.
    """
    store_url = pg_server.create_database()
    port = free_port()
    config = read_config(project_copy)
    write_config(
        replace(
            config,
            store_url=store_url,
            evening=replace(config.evening, public_url=f"http://127.0.0.1:{port}/"),
        ),
        project_copy,
    )
    servers: list[VoilaServer] = []
    try:
        for n in (1, 2):
            servers.append(VoilaServer(project_copy, tmp_path / f"serve-{n}.log", pool=1))
        site = Nginx(port, [f"127.0.0.1:{s.port}" for s in servers])
        try:
            yield site, project_copy
        finally:
            site.stop()
    finally:
        for server in servers:
            server.stop()


def open_routed(browser, site: Nginx, avoid: str | None, **options):
    """Return a new page (its own cookie jar), the instance nginx routes it to, and its route.

    Routes are random, so with ``avoid`` new contexts are tried until one is routed to
    another instance. A probe of one static file gives the context its route cookie; the
    test's route log tells where that route goes.
    """
    tried = []
    for _ in range(16):  # two instances: each try lands elsewhere with probability 1/2
        page = offline_page(browser, site.url, **options)
        response = page.context.request.get(site.url + PROBE)
        assert response.ok, f"{site.url}{PROBE} answered {response.status}\n{site.logs()}"
        route = next(c["value"] for c in page.context.cookies() if c["name"] == ROUTE_COOKIE)
        upstream = site.requests_of(route, until_path=re.compile(re.escape("/" + PROBE)))[0][1]
        if upstream != avoid:
            return page, upstream, route
        tried.append(upstream)
        page.context.close()
    raise AssertionError(f"16 new browsers were all routed to {avoid}: {tried}")


def test_a_reaction_through_one_instance_shows_on_the_wall_of_the_other(
    browser, deployment, output_dir
):
    site, root = deployment
    wall, wall_upstream, wall_route = open_routed(browser, site, None, **PROJECTOR)
    goto(wall, site.url + "scherm")
    # the QR code leads to nginx, not to the instance that serves the wall
    assert wall.locator(".omg-wall-url").inner_text(timeout=10_000) == site.url

    resident, resident_upstream, resident_route = open_routed(
        browser, site, wall_upstream, **LAPTOP
    )
    assert resident_upstream != wall_upstream
    goto(resident, site.url)
    draw_polygon(resident)
    wait_status(resident, "plek staat op de kaart")
    choose(resident, "omg-theme", "mobiliteit")
    resident.locator(".omg-text textarea").fill("Een veilige oversteek bij de school via nginx")
    resident.locator(".omg-submit").click()
    wait_status(resident, "Bedankt")
    wall.wait_for_function(
        "document.body.innerText.includes('veilige oversteek bij de school')", timeout=10_000
    )
    wall.screenshot(path=str(output_dir / "screenshots" / "deploy-wall.png"))
    store_url = open_project(root).store_url()
    assert store_url.startswith("postgresql://")
    with open_store(store_url) as store:
        assert [r.text for r in store.all()] == ["Een veilige oversteek bij de school via nginx"]

    resident.context.close()  # ends the websockets, which nginx logs only then
    wall.context.close()
    for route, upstream, app in (
        (resident_route, resident_upstream, "/"),
        (wall_route, wall_upstream, "/scherm"),
    ):
        requests = site.requests_of(route, until_path=CHANNELS)
        assert {u for _, u, _, _ in requests} == {upstream}, f"not sticky: {requests}"
        paths = {path for _, _, _, path in requests}
        assert app in paths, requests
        assert any(p.startswith("/voila/") for p in paths), requests  # the page's static files
        kernel_calls = [
            (m["kernel"], bool(m["channels"]), status)
            for _, _, status, path in requests
            if (m := KERNEL_API.fullmatch(path))
        ]
        assert len({kernel for kernel, _, _ in kernel_calls}) == 1, kernel_calls  # one page
        assert {(channels, s) for _, channels, s in kernel_calls} == {(False, 200), (True, 101)}

    # The shipped access log names the instance that answered, never the client's address.
    access = site.access_log.read_text().splitlines()
    assert len(access) == len(site.routes()), "the access log missed requests"
    for line in access:
        without_upstream = re.sub(r'"[^"]*"$', "", line)
        assert "127.0.0.1" not in without_upstream, line

"""Voila with explicit routes, hardened for the public: each app at its own path, nothing else.

Voila serves either one notebook at every path or a directory with a file tree. We want a
few named apps (``/`` the resident app, ``/scherm`` the wall, ``/tafel`` the table) and no
tree, no contents API and no other notebook: a path that is not an app is a 404, answered
with our own page. The staff server uses the same class with only ``/`` (the moderation
app) and a login token, asked for on our own page (:mod:`omgeving.server._login`); the
public server has no login route at all.

What the public may not do to the server, it cannot do here:

- start kernels without end: at most ``OmgevingKernelManager.max_kernels`` run at a time
  (pre-started pools included); past it a page gets "Het is erg druk" (HTTP 503,
  ``Retry-After: 60``), and a kernel whose page never connected its websocket within
  ``connect_timeout`` seconds is ended (pooled kernels wait for a visitor and are kept);
- read a kernel's stderr or tracebacks: the kernel websocket drops ``stream`` messages
  other than stdout and ``error`` messages, and logs them on the server's terminal instead;
- leave its address in the server's log: every log record of this process is scrubbed of
  IPv4 and IPv6 addresses, in its message and in its traceback.

Run as ``python -m omgeving.server._voila ROOT --Voila.config_file_paths=DIR``; the routes come from
``OmgevingVoila.routes`` in that folder's ``voila.json``.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import time
import types
from pathlib import Path
from typing import Any

import jinja2
from jupyter_server import DEFAULT_TEMPLATE_PATH_LIST
from jupyter_server.auth.identity import IdentityProvider
from jupyter_server.auth.login import LoginFormHandler
from jupyter_server.auth.logout import LogoutHandler
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.services.kernels.connection.base import BaseKernelWebsocketConnection
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.ioloop import PeriodicCallback
from traitlets import Dict, Float, Int, Type
from voila.app import Voila
from voila.handler import VoilaHandler
from voila.static_file_handler import AllowListFileHandler, TemplateStaticFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

from omgeving._errors import OmgevingError
from omgeving.i18n import LANGUAGES, catalogue
from omgeving.server._assets import identity_handlers
from omgeving.server._login import StaffIdentity

__all__ = [
    "KernelLimitError",
    "OmgevingKernelManager",
    "OmgevingVoila",
    "PublicChannels",
    "main",
    "page_config",
    "scrub_addresses",
    "scrub_record",
]

#: Where our Voila template lives (a Jupyter data folder: ``voila/templates/omgeving``).
TEMPLATES = Path(__file__).resolve().parent / "_share"
TEMPLATE_DIR = TEMPLATES / "voila" / "templates" / "omgeving"

_DROPPED = (TornadoVoilaTreeHandler, VoilaContentsHandler, VoilaHandler, AllowListFileHandler)


# -- no addresses in the log -----------------------------------------------------------------

#: tornado's repr of a request (in "Uncaught exception" lines): host, uri and remote_ip.
_REQUEST = re.compile(r"HTTPServerRequest\(.*?remote_ip=(?:'[^']*'|\"[^\"]*\"|None)\)", re.S)
_REMOTE_IP = re.compile(r"remote_ip\s*[=:]\s*\S+")
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
#: A run of hex digits, colons and dots with at least two colons (IPv6, maybe IPv4-mapped).
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]*:[0-9A-Fa-f]*:[0-9A-Fa-f:.]*(?![\w:])")


def _ipv6(match: re.Match) -> str:
    token = match.group()
    groups = [g for g in token.split(":") if "." not in g]
    looks = "::" in token or token.count(":") >= 3  # not a time such as 12:30:45
    return "-" if looks and all(len(g) <= 4 for g in groups) else token


def scrub_addresses(text: str) -> str:
    """Return ``text`` without IPv4 or IPv6 addresses and without tornado's request repr.

    Examples
    --------
    >>> scrub_addresses("403 GET /x (10.1.2.3) from [2001:db8::1]:80 at 12:30:45")
    '403 GET /x (-) from [-]:80 at 12:30:45'
    """
    text = _REMOTE_IP.sub("", _REQUEST.sub("", text))
    return _IPV6.sub(_ipv6, _IPV4.sub("-", text))


def scrub_record(record: logging.LogRecord) -> None:
    """Scrub addresses from a log record's message, its traceback and its stack, in place."""
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a broken format string: logging reports it itself
        return
    clean = scrub_addresses(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub_addresses(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub_addresses(record.stack_info)


def _scrubbed_message(record: logging.LogRecord) -> str:
    return scrub_addresses(logging.LogRecord.getMessage(record))


def _scrub_every_record() -> None:
    """Make every log record of this process pass :func:`scrub_record`.

    A record with a traceback or a stack is scrubbed when it is made; any other scrubs its
    message when a handler asks for it. Most records are never shown: Voila's logger takes
    debug records (the notebook executor logs every kernel message, the web layers in it),
    and formatting and scrubbing each of them was most of the server's work in a crowd.
    """
    make = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        if record.exc_info or record.stack_info:
            scrub_record(record)
        else:
            record.getMessage = types.MethodType(_scrubbed_message, record)  # type: ignore[method-assign]
        return record

    logging.setLogRecordFactory(factory)


def log_request(handler) -> None:
    """Log a request's status, method, path and time, without the client's address."""
    status = handler.get_status()
    if status < 400:
        return
    logging.getLogger("omgeving.server").warning(
        "%d %s %s %.0f ms",
        status,
        handler.request.method,
        handler.request.path,
        1000.0 * handler.request.request_time(),
    )


# -- what the page and the error pages say ---------------------------------------------------


def page_texts() -> dict[str, dict[str, str]]:
    """Return the server's own texts (busy, error pages, text limits) in every language."""
    return {
        lang: {k: v for k, v in catalogue(lang).items() if k.startswith(("serve.", "input."))}
        for lang in LANGUAGES
    }


def text_limits() -> dict[str, int]:
    """Return the longest text of each limited textarea, by the CSS class of its widget."""
    from omgeving.reactions import MAX_TEXT
    from omgeving.store import MAX_REASON

    return {
        "omg-text": MAX_TEXT,
        "omg-report-reason": MAX_REASON,
        "omg-staff-paper-text": MAX_TEXT,
        "omg-staff-reason": MAX_REASON,
    }


def page_config(config: dict[str, Any], **_context: Any) -> dict[str, Any]:
    """Add our limits and texts to a page's configuration (Voila's ``page_config_hook``).

    The page's script reads them from ``jupyter-config-data``; they hold no user data. The
    MathJax address is unset, so the page uses Voila's bundled MathJax, not a CDN.
    """
    config["fullMathjaxUrl"] = config["mathjaxConfig"] = "null"
    config["omgeving"] = {"limits": text_limits(), "texts": page_texts()}
    return config


class TemplateCode(jinja2.BytecodeCache):
    """The page templates' compiled code, kept for the life of the server process.

    Voila makes a new template environment for every page it renders, so jinja2 would parse
    and compile the same templates again for every visitor (about 0.1 s each, on the one
    thread that serves everybody). The cache's key is the template's name and file, checked
    against its source, so a changed template is compiled anew.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


def _keep_compiled_templates() -> None:
    """Let every Voila page environment of this process share one :class:`TemplateCode`."""
    from voila.exporter import VoilaExporter

    if getattr(VoilaExporter, "_omgeving_code", None) is not None:
        return
    create = VoilaExporter._create_environment
    code = TemplateCode()

    def _create_environment(self: VoilaExporter) -> jinja2.Environment:
        env = create(self)
        env.bytecode_cache = code
        return env

    VoilaExporter._create_environment = _create_environment
    VoilaExporter._omgeving_code = code


#: How often a page whose kernel died reloads itself before it only offers "try again".
PAGE_RETRIES = 3


def lost_page() -> str:
    """Return the end of a page whose kernel died while Voila rendered it.

    It says so in Dutch and English, shows itself (Voila keeps the page's cells hidden until
    they are done) and reloads the page after a few seconds, at most :data:`PAGE_RETRIES`
    times per tab; the page's script forgets the count once an app has shown.
    """
    nl, en = catalogue("nl"), catalogue("en")
    return (
        "<div class='omg-failed' role='alert'>"
        f"<p>{html.escape(nl['serve.lost'])}</p>"
        f"<p class='en' lang='en'>{html.escape(en['serve.lost'])}</p>"
        f"<p><a href=''>{html.escape(nl['serve.retry'])} <span lang='en'>/ "
        f"{html.escape(en['serve.retry'])}</span></a></p></div>"
        "<script>(function () {"
        "var wait = document.getElementById('loading'); if (wait) { wait.remove(); }"
        "var cells = document.getElementById('rendered_cells');"
        "if (cells) { cells.style.display = ''; }"
        "var n = 0; try { n = +(sessionStorage.getItem('omgeving-retry') || 0);"
        f" if (n < {PAGE_RETRIES}) {{ sessionStorage.setItem('omgeving-retry', n + 1);"
        " setTimeout(function () { location.reload(); }, 2000 + 3000 * n); } }"
        " catch (err) {}"
        "})();</script>"
    )


async def _ending(parts: Any, log: logging.Logger) -> Any:
    """Pass a page's parts on; when rendering fails, end the page with :func:`lost_page`."""
    try:
        async for part in parts:
            yield part
    except Exception as err:  # noqa: BLE001  (any failure: the page must end, not hang)
        log.error("A page could not be rendered (%s: %s); it reloads", type(err).__name__, err)
        yield lost_page(), {}


def _end_failed_pages() -> None:
    """Make Voila end a page whose rendering fails, instead of keeping it open for ever.

    Voila renders a page in a task that queues its parts and then an end marker. When the
    kernel dies before it answered (killed, out of memory), the task raises, the marker never
    comes, and Voila sends its heartbeat every 10 s for ever: the visitor waits at the
    loading screen and nobody knows why. Our renderer ends the page with a message and a
    reload instead (:func:`_ending`).
    """
    import voila.handler
    from voila.notebook_renderer import NotebookRenderer

    if getattr(voila.handler.NotebookRenderer, "_omgeving_ends", False):
        return

    class EndingRenderer(NotebookRenderer):
        _omgeving_ends = True

        def generate_content_generator(
            self, kernel_id: str | None = None, kernel_future: Any = None
        ) -> Any:
            parts = super().generate_content_generator(kernel_id, kernel_future)
            return _ending(parts, self.log)

    voila.handler.NotebookRenderer = EndingRenderer


def _error_pages() -> jinja2.Environment:
    """Return the templates of our error pages and of the staff login (then jupyter_server's)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(TEMPLATE_DIR), *DEFAULT_TEMPLATE_PATH_LIST]),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
    )
    # jinja2.ext.i18n adds install_null_translations at run time; jinja2's types lack it
    env.install_null_translations(newstyle=False)  # type: ignore[attr-defined]
    env.globals["omg"] = page_texts()
    return env


# -- a cap on kernels ------------------------------------------------------------------------


class KernelLimitError(OmgevingError):
    """Every kernel this server may run is in use (or the server is stopping)."""


class OmgevingKernelManager(AsyncMappingKernelManager):
    """The kernel manager: a cap on kernels, and an end to kernels no page connected to.

    Voila's pools (``VoilaKernelManager``) are built on top of this class, so pooled kernels
    count towards the cap; a pool waits for room rather than pass it.
    """

    max_kernels = Int(0, config=True, help="At most this many kernels at a time (0: no cap).")
    connect_timeout = Float(
        60.0, config=True, help="Seconds a rendered page has to connect to its kernel."
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._starting = 0
        self._closing = False
        self._rendered: dict[str, float] = {}  # kernel id -> when its page was rendered
        self._connected: set[str] = set()
        self._reaper: PeriodicCallback | None = None
        self._told_busy = 0.0
        self.log.info(
            "Serving at most %s kernels at a time, pools included; a page that does not "
            "connect to its kernel within %d s has it ended",
            self.max_kernels or "unlimited",
            self.connect_timeout,
        )

    def kernel_count(self) -> int:
        """Return the kernels running or starting."""
        return len(self._kernels) + self._starting

    def has_room(self) -> bool:
        """Return whether one more kernel may start."""
        return self.max_kernels <= 0 or self.kernel_count() < self.max_kernels

    def can_serve(self, notebook: str) -> bool:
        """Return whether a page of ``notebook`` gets a kernel now (a pooled one, or room)."""
        if self.ready_kernels(notebook) or self.has_room():
            return True
        self._tell_busy()
        return False

    def ready_kernels(self, notebook: str) -> int:
        """Return the kernels of ``notebook``'s pool that have run it and wait for a visitor.

        Voila hands a page the first kernel of the pool, ready or still starting; one that is
        still starting may wait for room under the cap, and its page with it. So a page gets
        a pooled kernel only when one is ready (:meth:`put_ready_first`), else a new one.
        """
        return sum(map(_ready, getattr(self, "_pools", {}).get(notebook, ())))

    def put_ready_first(self, notebook: str) -> None:
        """Order ``notebook``'s pool so that Voila hands out a ready kernel."""
        getattr(self, "_pools", {}).get(notebook, []).sort(key=lambda task: not _ready(task))

    # jupyter_client types the async manager's start_kernel/shutdown_all as its sync base's
    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        """Start a kernel; a pool's waits for room, a page's raises when there is none."""
        pooled = (kwargs.get("env") or {}).get("VOILA_PREHEAT") == "True"
        while pooled and not self.has_room() and not self._closing:
            await asyncio.sleep(1)
        if self._closing:
            raise KernelLimitError("the server is stopping")
        if not self.has_room():
            self._tell_busy()
            raise KernelLimitError(f"all {self.max_kernels} kernels are in use")
        self._starting += 1
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1
        self._start_reaper()
        return kernel_id

    async def shutdown_all(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        self._closing = True
        if self._reaper is not None:
            self._reaper.stop()
        await super().shutdown_all(*args, **kwargs)

    def notify_connect(self, kernel_id: str) -> None:
        self._connected.add(kernel_id)
        self._rendered.pop(kernel_id, None)
        super().notify_connect(kernel_id)

    def page_rendered(self, kernel_id: str) -> None:
        """Start the clock: the page of ``kernel_id`` must connect within the timeout."""
        if kernel_id in self._kernels and kernel_id not in self._connected:
            self._rendered[kernel_id] = time.monotonic()

    def _tell_busy(self) -> None:
        if time.monotonic() - self._told_busy > 60:
            self._told_busy = time.monotonic()
            self.log.warning(
                "All %d kernels are in use: new visitors see 'Het is erg druk' (HTTP 503) "
                "until one ends; raise [serve] max_kernels in omgeving.toml or pass "
                "--max-kernels if this machine has memory to spare",
                self.max_kernels,
            )

    def _start_reaper(self) -> None:
        if self._reaper is None and self.connect_timeout > 0:
            interval = max(1.0, min(10.0, self.connect_timeout / 4))
            self._reaper = PeriodicCallback(self._end_unconnected, 1000 * interval)
            self._reaper.start()

    async def _end_unconnected(self) -> None:
        """End the kernels of pages rendered long enough ago that never connected."""
        now = time.monotonic()
        self._connected &= set(self._kernels)
        for kernel_id, since in list(self._rendered.items()):
            if kernel_id not in self._kernels or kernel_id in self._connected:
                self._rendered.pop(kernel_id, None)
            elif now - since > self.connect_timeout:
                self._rendered.pop(kernel_id, None)
                self.log.info(
                    "Ending kernel %s: its page did not connect within %d s",
                    kernel_id,
                    self.connect_timeout,
                )
                try:
                    await self.shutdown_kernel(kernel_id)
                except (KeyError, RuntimeError, web.HTTPError) as err:
                    self.log.warning("Could not end kernel %s: %s", kernel_id, err)


def _ready(task: asyncio.Future) -> bool:
    return task.done() and not task.cancelled() and task.exception() is None


# -- the kernel websocket: no stderr, no tracebacks ------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class PublicChannels(ZMQChannelsWebsocketConnection):
    """The kernel websocket, without what only the server's terminal should see.

    A kernel's stderr (``stream`` messages other than stdout) and ``error`` messages hold
    tracebacks with the server's paths; anyone who loads a page can provoke them (a
    ``comm_open`` with a bad widget version). They go to the server's log instead, the first
    few of each connection.
    """

    _LOGGED = 5

    def handle_outgoing_message(self, stream: Any, outgoing_msg: list) -> None:
        text = self._private_text(outgoing_msg)
        if text is None:
            super().handle_outgoing_message(stream, outgoing_msg)
            return
        self._dropped = getattr(self, "_dropped", 0) + 1
        if self._dropped <= self._LOGGED:
            self.log.warning(
                "Kernel %s wrote this, not sent to the page:\n%s",
                self.kernel_id,
                _ANSI.sub("", text)[:2000],
            )

    def _private_text(self, msg_list: list) -> str | None:
        """Return the text of a message for the server only (stderr, an error), else None."""
        try:
            _idents, parts = self.session.feed_identities(msg_list)
            header = self.session.unpack(_as_bytes(parts[1]))
            kind = header.get("msg_type")
            if kind not in ("stream", "error"):
                return None
            content = self.session.unpack(_as_bytes(parts[4]))
        except (ValueError, IndexError, TypeError, AttributeError):
            return None  # not ours to judge: jupyter_server handles a malformed message
        if kind == "error":
            lines = content.get("traceback") or [f"{content.get('ename')}: {content.get('evalue')}"]
            return "\n".join(map(str, lines))
        if content.get("name") == "stdout":
            return None
        return str(content.get("text", ""))


def _as_bytes(part: Any) -> bytes:
    return part.bytes if hasattr(part, "bytes") else part


# -- handlers ----------------------------------------------------------------------------------


class _PageKernels:
    """The kernel manager as one page sees it: it notes which kernel the page got."""

    def __init__(self, manager: Any, page: _PageHandler) -> None:
        self._manager = manager
        self._page = page

    def __getattr__(self, name: str) -> Any:
        return getattr(self._manager, name)

    def get_pool_size(self, notebook_name: str) -> int:
        return self._manager.ready_kernels(notebook_name)  # Voila: > 0 means "use the pool"

    async def start_kernel(self, **kwargs: Any) -> str:
        self._page.kernel_id = await self._manager.start_kernel(**kwargs)
        return self._page.kernel_id

    async def get_rendered_notebook(self, notebook_name: str, **kwargs: Any) -> tuple:
        self._manager.put_ready_first(notebook_name)
        task, cache, kernel_id = await self._manager.get_rendered_notebook(
            notebook_name=notebook_name, **kwargs
        )
        self._page.kernel_id = kernel_id
        return task, cache, kernel_id


class _PageHandler(TornadoVoilaHandler):
    """An app's page: a kernel when the server has room for one, else "Het is erg druk"."""

    kernel_id: str | None = None

    @property
    def kernel_manager(self) -> Any:
        return _PageKernels(self.settings["kernel_manager"], self)

    def get_template(self, name: str) -> jinja2.Template:
        return self.settings["jinja2_env"].get_template(name)  # our error pages

    @web.authenticated
    async def get(self, path: str | None = None) -> None:
        kernels = self.settings["kernel_manager"]
        if not kernels.can_serve(self.notebook_path):
            self._busy()
            return
        try:
            async for html in self.get_generator(path=path):
                self.write(html)
                self.flush()
        except KernelLimitError:  # raised before the page's first byte
            self._busy()
        finally:
            if self.kernel_id:
                kernels.page_rendered(self.kernel_id)

    def _busy(self) -> None:
        self.clear()
        self.set_status(503)
        self.set_header("Retry-After", "60")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        page = self.get_template("busy.html").render(base_url=self.base_url)
        self.finish(page)


class _TemplateStatic(TemplateStaticFileHandler):
    """The static files of our template only (``/voila/templates/omgeving/static/...``)."""

    def initialize(self, template: str) -> None:
        self.template = template
        super().initialize()

    def parse_url_path(self, path: str) -> str:
        clean = os.path.normpath(path).replace(os.sep, "/")
        if clean != path or not clean.startswith(f"{self.template}/static/"):
            raise web.HTTPError(404)
        return super().parse_url_path(path)


class _NotFound(JupyterHandler):
    """Any other path: 404, with our page."""

    async def prepare(self, *, _redirect_to_login: bool = True) -> None:
        # the staff server sends a visitor without login to log in
        await super().prepare(_redirect_to_login=_redirect_to_login)
        if not self._finished:
            raise web.HTTPError(404)


class OmgevingVoila(Voila):
    """Voila serving a fixed set of notebooks at fixed paths, hardened for the public."""

    routes = Dict(
        {}, config=True, help="URL path (e.g. '/scherm') -> notebook file in the root folder"
    )
    identity_files = Dict(
        {}, config=True, help="'logo', 'foto' -> absolute file served at /huisstijl/<name>"
    )
    identity_provider_class = Type(
        default_value=StaffIdentity,
        klass=IdentityProvider,
        config=True,
        help="The login: jupyter_server's token login with our page and a lock-out.",
    )
    kernel_websocket_connection_class = Type(
        default_value=PublicChannels,
        klass=BaseKernelWebsocketConnection,
        config=True,
        help="The kernel websocket: ours drops a kernel's stderr and tracebacks.",
    )

    @property
    def display_url(self) -> str:
        # Voila logs "running at" this; its address would be scrubbed (omgeving prints the URL)
        return f"port {self.port}"

    def initialize(self, argv: Any = None) -> None:
        super().initialize(argv)
        # traitlets gives the app's logger DEBUG and its handler log_level: every debug record
        # (the executor logs each kernel message whole) would be made only to be dropped
        self.log.setLevel(self.log_level)
        _keep_compiled_templates()
        _end_failed_pages()
        self.voila_configuration.multi_kernel_manager_class = OmgevingKernelManager
        self.voila_configuration.page_config_hook = page_config

    def start(self) -> None:
        self.tornado_settings: dict[str, Any] = {
            **self.tornado_settings,
            "log_function": log_request,  # tornado would log each client's address
            "jinja2_env": _error_pages(),  # jupyter_server's need settings Voila lacks: 500
            "default_handler_class": _NotFound,
        }
        super().start()

    def init_handlers(self) -> list:
        if self.notebook_path or not self.routes:  # one notebook given: Voila's own routing
            return super().init_handlers()
        handlers = []
        for handler in super().init_handlers():
            kind = handler[1] if len(handler) > 1 and isinstance(handler[1], type) else None
            if kind is None:
                handlers.append(handler)
            elif issubclass(kind, (*_DROPPED, LogoutHandler)):
                continue  # no tree, files, render or logout (jupyter_server's page: a 500)
            elif issubclass(kind, LoginFormHandler) and not self.identity_provider.auth_enabled:
                continue
            elif kind is TemplateStaticFileHandler:
                handlers.append(
                    (handler[0], _TemplateStatic, {"template": self.voila_configuration.template})
                )
            else:
                handlers.append(handler)
        settings = {
            "template_paths": self.template_paths,
            "config": self.config,
            "voila_configuration": self.voila_configuration,
        }
        handlers += identity_handlers(self.server_url, self.identity_files)
        for path, notebook in self.routes.items():
            handlers.append(
                (
                    url_path_join(self.server_url, path),
                    _PageHandler,
                    {**settings, "notebook_path": notebook},
                )
            )
        return handlers


def main() -> None:
    """Start the routed Voila (this process only: our template folder joins JUPYTER_PATH)."""
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p
    )
    _scrub_every_record()
    OmgevingVoila.launch_instance()


if __name__ == "__main__":
    main()

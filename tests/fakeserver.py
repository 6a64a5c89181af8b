"""A loopback HTTP server in a thread: what the fake PDOK, Locatieserver and CBS share."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

__all__ = ["FakeHTTPServer", "FakeHandler", "LoopbackFake"]


class FakeHTTPServer(ThreadingHTTPServer):
    """The server of a fake; its handler reaches the fake's state as ``self.server.fake``."""

    daemon_threads = True
    fake: Any


class FakeHandler(BaseHTTPRequestHandler):
    """A fake's request handler: a GET sends what ``answer`` returns; the log stays quiet."""

    server: FakeHTTPServer

    def do_GET(self) -> None:
        self.reply(*self.answer())

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        """Return the status, headers and body for this request."""
        return self.server.fake.respond(self.path)

    def reply(self, status: int, headers: dict[str, str], body: bytes) -> None:
        """Send ``body``; a client that already gave up (a time-out test) is no error."""
        try:
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""


class LoopbackFake:
    """A fake service on a free port of 127.0.0.1: ``start()``, ``url``, ``stop()``.

    A subclass names its request handler in ``handler``; the server runs in a daemon thread.
    """

    handler: ClassVar[type[BaseHTTPRequestHandler]]
    port: int = 0
    _server: FakeHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The root URL to put in the service's environment variable."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        """Start serving on a free port."""
        self._server = FakeHTTPServer(("127.0.0.1", 0), self.handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket (a second call does nothing)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None

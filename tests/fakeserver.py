"""A loopback HTTP server in a thread: what the fake PDOK, Locatieserver and CBS share."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Self

__all__ = ["FakeHTTPServer", "LoopbackFake"]


class FakeHTTPServer(ThreadingHTTPServer):
    """The server of a fake; its handler reaches the fake's state as ``self.server.fake``."""

    daemon_threads = True
    fake: Any


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

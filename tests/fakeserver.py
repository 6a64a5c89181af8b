"""A loopback HTTP server in a thread: what the fake PDOK, Locatieserver and CBS share."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FakeHTTPServer", "LoopbackServer"]


class FakeHTTPServer(ThreadingHTTPServer):
    """The server of a fake; its handler reaches the fake's state as ``self.server.fake``."""

    daemon_threads = True
    fake: Any


class LoopbackServer:
    """Serve ``handler`` for ``fake`` on a free port of 127.0.0.1, in a daemon thread."""

    def __init__(self, fake: Any, handler: type[BaseHTTPRequestHandler]) -> None:
        self.fake = fake
        self.handler = handler
        self._server: FakeHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> int:
        """Start serving; return the port."""
        self._server = FakeHTTPServer(("127.0.0.1", 0), self.handler)
        self._server.fake = self.fake
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self._server.server_address[1]

    def stop(self) -> None:
        """Stop serving and close the socket (a second call does nothing)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None

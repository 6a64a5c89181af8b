"""Voila with explicit routes: each app at its own path, nothing else.

Voila serves either one notebook at every path or a directory with a file tree. We want a
few named apps (``/`` the resident app, ``/scherm`` the wall, ``/tafel`` the table) and no
tree, no contents API and no other notebook: a path that is not an app is a 404. The staff
server uses the same class with only ``/`` (the moderation app) and a login token.

Run as ``python -m omgeving._voila ROOT --Voila.config_file_paths=DIR``; the routes come from
``OmgevingVoila.routes`` in that folder's ``voila.json``.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path

from jupyter_server.utils import url_path_join
from traitlets import Dict
from voila.app import Voila
from voila.handler import VoilaHandler
from voila.static_file_handler import AllowListFileHandler
from voila.tornado.contentshandler import VoilaContentsHandler
from voila.tornado.handler import TornadoVoilaHandler
from voila.tornado.treehandler import TornadoVoilaTreeHandler

__all__ = ["OmgevingVoila", "main"]

_DROPPED = (TornadoVoilaTreeHandler, VoilaContentsHandler, VoilaHandler, AllowListFileHandler)
_ADDRESS = re.compile(r"\((?:\d{1,3}\.){3}\d{1,3}\)|\([0-9a-fA-F:]*:[0-9a-fA-F:]+\)")


class _NoAddresses(logging.Filter):
    """Remove client addresses from log lines that tornado and Voila write themselves."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _ADDRESS.search(message):
            record.msg, record.args = _ADDRESS.sub("(-)", message), ()
        return True


class OmgevingVoila(Voila):
    """Voila serving a fixed set of notebooks at fixed paths."""

    routes = Dict(
        {}, config=True, help="URL path (e.g. '/scherm') -> notebook file in the root folder"
    )

    def start(self) -> None:
        # tornado logs each request with the client's IP address; we log none
        self.tornado_settings = {**self.tornado_settings, "log_function": log_request}
        super().start()

    def init_handlers(self) -> list:
        if self.notebook_path or not self.routes:  # one notebook given: Voila's own routing
            return super().init_handlers()
        handlers = [
            h
            for h in super().init_handlers()
            if not (len(h) > 1 and isinstance(h[1], type) and issubclass(h[1], _DROPPED))
        ]
        settings = {
            "template_paths": self.template_paths,
            "config": self.config,
            "voila_configuration": self.voila_configuration,
        }
        for path, notebook in self.routes.items():
            handlers.append(
                (
                    url_path_join(self.server_url, path),
                    TornadoVoilaHandler,
                    {**settings, "notebook_path": notebook},
                )
            )
        return handlers


def log_request(handler) -> None:
    """Log a request's status, method, path and time, without the client's address."""
    status = handler.get_status()
    if status < 400:
        return
    logging.getLogger("omgeving.server").warning(
        "%d %s %s %.0f ms", status, handler.request.method, handler.request.path,
        1000.0 * handler.request.request_time())


#: Where our Voila template lives (a Jupyter data folder: ``voila/templates/omgeving``).
TEMPLATES = Path(__file__).resolve().parent / "_share"


def main() -> None:
    """Start the routed Voila (this process only: our template folder joins JUPYTER_PATH)."""
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(TEMPLATES), os.environ.get("JUPYTER_PATH", "")) if p)
    scrub = _NoAddresses()
    for name in ("", "tornado", "tornado.access", "tornado.general", "tornado.application",
                 "Voila", "OmgevingVoila"):
        logging.getLogger(name).addFilter(scrub)
    OmgevingVoila.launch_instance()


if __name__ == "__main__":
    main()

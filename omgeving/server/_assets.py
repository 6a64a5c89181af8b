"""The municipality's logo and photo at ``/huisstijl/logo`` and ``/huisstijl/foto``.

Only the files that ``[identity]`` names, checked before the server started
(:func:`omgeving.identity.identity_files`), reach the handler: their absolute paths come
from ``OmgevingVoila.identity_files`` in ``voila.json``. Any other name, or an image that is
not configured, is our 404 page. Both servers answer without a login: the staff login page
shows the logo too. An SVG gets a Content-Security-Policy that lets it run nothing and
fetch nothing, even when it is opened on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web

from omgeving.config import IMAGE_TYPES

__all__ = ["IdentityFileHandler", "identity_handlers"]

PREFIX = "huisstijl"
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'"
CACHE = "public, max-age=3600"


class IdentityFileHandler(JupyterHandler):
    """Send one configured image, by its name under ``/huisstijl/``."""

    def initialize(self, files: Mapping[str, str]) -> None:
        self.files = dict(files)

    @allow_unauthenticated
    def get(self, name: str) -> None:
        """Send the image ``name`` (``logo`` or ``foto``), or our 404 page."""
        path = self.files.get(name)
        if path is None:
            raise web.HTTPError(404)
        try:
            data = Path(path).read_bytes()
        except OSError as err:  # checked at the start, gone since: say so on the terminal
            self.log.warning("The %s %s cannot be read (%s); restart the server after "
                             "fixing [identity] in omgeving.toml", name, path, err.strerror)
            raise web.HTTPError(404) from err
        kind = IMAGE_TYPES[Path(path).suffix.lower()]
        self.set_header("Content-Type", kind)
        self.set_header("Cache-Control", CACHE)
        self.set_header("X-Content-Type-Options", "nosniff")
        if kind == "image/svg+xml":
            self.set_header("Content-Security-Policy", SVG_POLICY)
        self.finish(data)  # tornado adds an ETag and answers If-None-Match with 304

    head = get


def identity_handlers(server_url: str, files: Mapping[str, str]) -> list[tuple]:
    """Return the route of the images: ``/huisstijl/logo`` and ``/huisstijl/foto``."""
    pattern = url_path_join(server_url, PREFIX, "(logo|foto)")
    return [(pattern, IdentityFileHandler, {"files": files})]

"""Live updates in a Voila kernel: a small background poller.

Voila has no server push of our own data; a daemon thread that asks the store for changes
since a cursor (a cheap indexed query) and updates widgets works in Voila and costs almost
nothing when nothing changed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

__all__ = ["Poller"]

log = logging.getLogger("omgeving.apps")


class Poller:
    """Call ``tick()`` every ``interval`` seconds in a daemon thread until :meth:`stop`.

    An exception in ``tick`` is logged to the server and the poller goes on.
    """

    def __init__(self, tick: Callable[[], None], interval: float = 0.5) -> None:
        self.tick = tick
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="omgeving-poller", daemon=True)

    def start(self) -> Poller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.tick()
            except Exception as err:
                log.exception("live update failed: %s", type(err).__name__)

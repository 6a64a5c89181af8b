"""The staff server's login: our own page in Dutch over jupyter_server's login, and a lock-out.

jupyter_server checks the code (:class:`StaffIdentity` is its ``PasswordIdentityProvider``)
and sets the login cookie; a link with ``?token=`` logs in as before. What is ours:

- the page (``login.html`` in our template folder): Dutch (B1) with one English line, no
  script, no font or address elsewhere; a wrong code gets a friendly line on the same page
  (HTTP 401), never the code typed;
- ``next=`` leads only to a path on this server, and a ``token`` in it is dropped;
- a short lock-out (:class:`LoginThrottle`): after :attr:`LoginThrottle.free` wrong codes
  from one client, codes from it are not checked for 30 seconds (HTTP 429 with
  ``Retry-After``), doubling with each further wrong code up to 5 minutes. Wrong codes in a
  ``?token=`` link count too. The throttle keeps no address, only a keyed hash of it,
  forgotten 15 minutes after the last wrong code and lost when the server stops;
- no "set a password" from the login form (``allow_password_change`` is off).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from jupyter_server.auth.decorator import allow_unauthenticated
from jupyter_server.auth.identity import PasswordIdentityProvider, User
from jupyter_server.auth.login import LoginFormHandler
from tornado import web
from traitlets import Bool

from omgeving import settings
from omgeving._errors import ConfigError
from omgeving.config import read_config
from omgeving.i18n import LANGUAGES, catalogue

__all__ = ["LoginThrottle", "StaffIdentity", "StaffLogin", "local_next", "wait_text"]

_TEXTS = "staff.login."


@dataclass
class _Tries:
    wrong: int = 0
    last: float = 0.0  # when the last wrong code came
    until: float = 0.0  # no code is checked before this moment


class LoginThrottle:
    """Wrong codes per client, and a short, bounded lock-out after too many.

    Parameters
    ----------
    free
        Wrong codes a client may type before it has to wait.
    lock
        The first wait, in seconds; each further wrong code doubles it...
    longest
        ...up to this many seconds.
    forget
        Seconds after its last wrong code that a client is forgotten.
    clients
        At most this many clients are remembered (the oldest go first).
    clock
        The time in seconds (``time.monotonic``; tests pass their own).

    Examples
    --------
    >>> now = [0.0]
    >>> throttle = LoginThrottle(free=2, clock=lambda: now[0])
    >>> throttle.failed("10.0.0.1"), throttle.failed("10.0.0.1")
    (0.0, 30.0)
    >>> throttle.wait("10.0.0.1"), throttle.wait("10.0.0.2")
    (30.0, 0.0)
    """

    def __init__(
        self,
        *,
        free: int = 5,
        lock: float = 30.0,
        longest: float = 300.0,
        forget: float = 900.0,
        clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.lock, self.longest, self.forget = free, lock, longest, forget
        self._clients = clients
        self._clock = clock
        self._salt = secrets.token_bytes(32)  # so the keys say nothing of the addresses
        self._tries: OrderedDict[str, _Tries] = OrderedDict()

    def wait(self, address: str) -> float:
        """Return the seconds ``address`` must wait before its next code is checked (0: none)."""
        tries = self._current(self._key(address))
        return max(0.0, tries.until - self._clock()) if tries else 0.0

    def failed(self, address: str) -> float:
        """Count a wrong code from ``address``; return the seconds it must now wait."""
        key, now = self._key(address), self._clock()
        tries = self._current(key) or _Tries()
        tries.wrong += 1
        tries.last = now
        if tries.wrong >= self.free:
            tries.until = now + min(self.longest, self.lock * 2 ** (tries.wrong - self.free))
        self._tries[key] = tries
        self._tries.move_to_end(key)
        while len(self._tries) > self._clients:
            self._tries.popitem(last=False)
        return self.wait(address)

    def succeeded(self, address: str) -> None:
        """Forget the wrong codes of ``address`` (it typed the right one)."""
        self._tries.pop(self._key(address), None)

    def _key(self, address: str) -> str:
        return hmac.new(self._salt, address.encode(), hashlib.sha256).hexdigest()

    def _current(self, key: str) -> _Tries | None:
        tries = self._tries.get(key)
        now = self._clock()
        if tries is not None and now - tries.last > self.forget and now >= tries.until:
            del self._tries[key]
            return None
        return tries


def local_next(url: str, base_url: str = "/") -> str:
    """Return ``url`` when it is a path on this server, without a ``token``; else ``base_url``.

    Examples
    --------
    >>> local_next("/?token=geheim&tab=2")
    '/?tab=2'
    >>> local_next("//evil.example/"), local_next("https://evil.example/")
    ('/', '/')
    """
    if not url or "\\" in url or any(ord(c) < 32 or ord(c) == 127 for c in url):
        return base_url
    parts = urlsplit(url)
    path = parts.path
    if parts.scheme or parts.netloc or not path.startswith(base_url) or path.startswith("//"):
        return base_url
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "token"]
    return urlunsplit(("", "", path, urlencode(query), parts.fragment))


def _carries_token(url: str) -> bool:
    return any(k == "token" for k, _ in parse_qsl(urlsplit(url).query, keep_blank_values=True))


def wait_text(seconds: float, lang: str = "nl") -> str:
    """Return a wait in words: seconds up to a minute and a half, else whole minutes.

    Examples
    --------
    >>> wait_text(29.2), wait_text(300), wait_text(1, "en")
    ('30 seconden', '5 minuten', '1 second')
    """
    texts = catalogue(lang)
    n = max(1, math.ceil(seconds))
    if n == 1:
        return texts[f"{_TEXTS}second"]
    if n <= 90:
        return texts[f"{_TEXTS}seconds"].format(n=n)
    return texts[f"{_TEXTS}minutes"].format(n=math.ceil(n / 60))


def _page_texts() -> dict[str, dict[str, str]]:
    return {
        lang: {k[len(_TEXTS) :]: v for k, v in catalogue(lang).items() if k.startswith(_TEXTS)}
        for lang in LANGUAGES
    }


def _project_title() -> str:
    try:
        return read_config(Path(settings.project_dir())).title
    except (ConfigError, OSError):
        return ""  # the login works without a title; the server's log says what is wrong


class StaffLogin(LoginFormHandler):
    """The login page of the staff server, and the form it posts."""

    @property
    def _throttle(self) -> LoginThrottle:
        identity = self.identity_provider
        return identity.throttle if isinstance(identity, StaffIdentity) else _FALLBACK

    @property
    def _client(self) -> str:
        return self.request.remote_ip or ""

    @allow_unauthenticated
    def get(self) -> None:
        """Show the login page (or go on, when this browser is logged in)."""
        if self.current_user:
            self._redirect_safe(self.get_argument("next", default=self.base_url))
            return
        wait = self._throttle.wait(self._client)
        if wait:
            self._locked(wait)
        elif _carries_token(self.get_argument("next", default="")):  # a link with a wrong code
            self._page("wrong", status=401)
        else:
            self._page()

    @allow_unauthenticated
    def post(self) -> None:
        """Check the code typed; log in and go on, or say what is wrong on the same page."""
        wait = self._throttle.wait(self._client)
        if wait:
            self._locked(wait)
            return
        if not self.get_argument("password", default="").strip():
            self._page("empty", status=400)
            return
        user = self.identity_provider.process_login_form(self)
        if user is None:
            wait = self._throttle.failed(self._client)
            if wait:
                self.log.warning(
                    "Staff login: too many wrong codes; one client waits %d s", math.ceil(wait)
                )
                self._locked(wait)
            else:
                self._page("wrong", status=401)
            return
        self._throttle.succeeded(self._client)
        self.current_user = user
        self.identity_provider.set_login_cookie(self, user)
        self._redirect_safe(self.get_argument("next", default=self.base_url))

    def _redirect_safe(self, url: str, default: str | None = None) -> None:
        # jupyter_server's own check follows; ours lets through a local path only
        super()._redirect_safe(local_next(url, self.base_url), default)

    def _render(self, message: Any = None) -> None:
        self._page("wrong" if message else None)

    def _locked(self, wait: float) -> None:
        self.set_header("Retry-After", str(math.ceil(wait)))
        self._page("locked", status=429, wait=wait)

    def _page(self, problem: str | None = None, *, status: int = 200, wait: float = 0) -> None:
        """Render our login page, with the problem's message (a catalogue key's last part)."""
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        message = None
        if problem:
            key = f"{_TEXTS}{problem}"
            message = {
                lang: catalogue(lang)[key].format(wait=wait_text(wait, lang))
                for lang in LANGUAGES
            }
        self.finish(
            self.render_template(
                "login.html",
                texts=_page_texts(),
                title=_project_title(),
                next=local_next(self.get_argument("next", default=self.base_url), self.base_url),
                problem=message,
            )
        )


class StaffIdentity(PasswordIdentityProvider):
    """jupyter_server's token login, with our login page and the lock-out on wrong codes."""

    allow_password_change = Bool(
        False, config=True, help="Never: the staff code is the token in omgeving.toml."
    )

    def __init__(self, **kwargs: Any) -> None:
        kwargs["login_handler_class"] = StaffLogin  # Voila passes its own, with Jupyter's page
        super().__init__(**kwargs)
        self.throttle = LoginThrottle()

    async def get_user_token(self, handler: web.RequestHandler) -> User | None:
        """Log in by a ``?token=`` link or header, counting wrong codes like the form's."""
        if not self.token or not self.get_token(handler):
            return None
        client = handler.request.remote_ip or ""
        if self.throttle.wait(client):
            return None  # not checked: the login page says how long to wait
        user = await super().get_user_token(handler)
        if user is None:
            self.throttle.failed(client)
        else:
            self.throttle.succeeded(client)
        return user


#: Used only if a server runs StaffLogin under another identity provider.
_FALLBACK = LoginThrottle()

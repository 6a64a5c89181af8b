"""A real PostgreSQL server with PostGIS for the tests, started in a temporary directory.

Debian's binaries (``/usr/lib/postgresql/<version>/bin``, installed by ``scripts/setup
--test``) run a private cluster on 127.0.0.1 and a free port, as the ``postgres`` user when
we are root (PostgreSQL refuses to run as root). Each test gets a fresh database, copied from
a template that already has PostGIS and amcheck.

The benchmarks import :class:`PostgresServer` too, so this module does not import
``tests.conftest`` at the top.
"""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import pytest

__all__ = ["PostgresServer", "find_bin_dir", "pg_server", "pg_url", "store_url"]

TEMPLATE = "omg_template"
_numbers = itertools.count(1)


def find_bin_dir() -> Path | None:
    """Return the newest ``/usr/lib/postgresql/*/bin`` that has PostGIS, or None."""
    found = []
    for pg_ctl in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"):
        version = pg_ctl.parent.parent.name
        share = Path("/usr/share/postgresql") / version / "extension"
        if version.isdigit() and (share / "postgis.control").exists():
            found.append((int(version), pg_ctl.parent))
    return max(found)[1] if found else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (``initdb``, ``pg_ctl start``/``stop``).

    Parameters
    ----------
    bin_dir
        The folder of ``initdb`` and ``pg_ctl``.
    settings
        Extra server settings (``-c name=value``).
    """

    def __init__(self, bin_dir: Path, **settings: str | int) -> None:
        self.bin_dir = bin_dir
        self.port = _free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="omgeving-pg-"))
        self.settings = {"max_connections": 300, **settings}
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:  # PostgreSQL refuses root: the postgres user owns the cluster
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if self._as_postgres else []
        cmd = [*prefix, str(self.bin_dir / args[0]), *args[1:]]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.dir)
        if done.returncode:
            log = self.dir / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{done.stdout}{done.stderr}{tail}")

    def start(self) -> PostgresServer:
        """Create the cluster, start it, and make the template and ``omgeving`` databases."""
        data = self.dir / "data"
        self._run(
            "initdb",
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "omg",
            "-E",
            "UTF8",
            "--no-locale",
            "--data-checksums",
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir}"
        options += "".join(f" -c {k}={v}" for k, v in self.settings.items())
        self._run(
            "pg_ctl",
            "-D",
            str(data),
            "-l",
            str(self.dir / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        )
        self.sql(f"CREATE DATABASE {TEMPLATE}")
        self.sql("CREATE EXTENSION postgis; CREATE EXTENSION amcheck", database=TEMPLATE)
        self.sql(f"ALTER DATABASE {TEMPLATE} IS_TEMPLATE true")
        self.create_database("omgeving")
        return self

    def url(self, database: str = "omgeving") -> str:
        """Return the URL of ``database`` on this server."""
        return f"postgresql://omg@127.0.0.1:{self.port}/{database}"

    def sql(self, sql: str, *, database: str = "postgres") -> None:
        """Run ``sql`` in autocommit (CREATE DATABASE needs it)."""
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str | None = None) -> str:
        """Create an empty database with PostGIS (a copy of the template); return its URL."""
        name = name or f"omg_{os.getpid()}_{next(_numbers)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
        return self.url(name)

    def restore(self, dump: Path) -> str:
        """Load a plain ``pg_dump`` file into a new database (no template); return its URL."""
        name = f"omg_restored_{os.getpid()}_{next(_numbers)}"
        self.sql(f"CREATE DATABASE {name} TEMPLATE template0")
        done = subprocess.run(
            [str(self.bin_dir / "psql"), "-q", "-v", "ON_ERROR_STOP=1", "-d", self.url(name),
             "-f", str(dump)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"psql could not load {dump}:\n{done.stderr}")
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (``pg_ctl stop -m fast``) and remove its directory."""
        try:
            if (self.dir / "data" / "postmaster.pid").exists():
                self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL + PostGIS server for the whole session (skips on a laptop without one)."""
    from tests.conftest import need

    bin_dir = find_bin_dir()
    need(
        bin_dir is not None,
        "PostgreSQL with PostGIS is not installed under "
        "/usr/lib/postgresql (scripts/setup --test installs postgresql and postgis)",
    )
    try:
        import psycopg  # noqa: F401
    except ImportError:
        need(False, "psycopg is not installed (scripts/setup installs it)")
    server = PostgresServer(bin_dir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_url(pg_server) -> str:
    """``postgresql://omg@127.0.0.1:PORT/omgeving``: a database with PostGIS."""
    return pg_server.url("omgeving")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """The URL of a new, empty reaction store: a SQLite file, or a fresh PostgreSQL database."""
    from omgeving.store import open_store

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'reactions.sqlite'}"
    else:
        url = request.getfixturevalue("pg_server").create_database()
    open_store(url, create=True).close()  # a store is made on purpose, never by a typo
    return url

"""The ``omgeving`` command: demo, init, fetch, serve, staff.

Every failure ends in one line that says what was wrong and what to do, and a non-zero exit.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import warnings
from pathlib import Path

from omgeving._errors import OmgevingError

__all__ = ["main"]

EXIT_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    warnings.simplefilter("default")
    try:
        return args.run(args)
    except OmgevingError as err:
        print(f"omgeving: error: {err}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("omgeving: stopped", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="omgeving",
        description="Participation on the map for a Dutch municipality's omgevingsvisie.",
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    demo = sub.add_parser("demo", help="write the fictional demo project (Voorbeeldgemeente)")
    demo.add_argument(
        "dir",
        nargs="?",
        default="demo-project",
        type=Path,
        help="project folder to write (default: demo-project)",
    )
    demo.add_argument(
        "--force",
        action="store_true",
        help="rebuild an existing demo project (its reactions are kept)",
    )
    demo.set_defaults(run=_demo)

    init = sub.add_parser("init", help="make a project for real municipalities from PDOK")
    init.add_argument("dir", type=Path, help="project folder to create")
    init.add_argument(
        "--gemeente",
        required=True,
        help="CBS gemeente codes, comma separated, e.g. GM0177,GM0150,GM1773",
    )
    init.add_argument(
        "--year", type=int, default=2024, help="edition of CBS wijken en buurten (default 2024)"
    )
    init.add_argument("--bag", action="store_true", help="also fetch BAG building footprints")
    init.add_argument(
        "--force", action="store_true", help="rebuild an existing project (its reactions are kept)"
    )
    init.set_defaults(run=_init)

    fetch = sub.add_parser("fetch", help="download a project's PDOK layers again")
    fetch.add_argument("dir", nargs="?", default=Path("."), type=Path)
    fetch.set_defaults(run=_fetch)

    serve = sub.add_parser("serve", help="serve the resident app with Voila")
    serve.add_argument("dir", nargs="?", default=Path("."), type=Path)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for a hall)",
    )
    serve.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    serve.add_argument(
        "--pool", type=int, default=2, help="pre-started kernels kept ready (default 2)"
    )
    serve.add_argument(
        "--cull-after",
        type=int,
        default=600,
        metavar="SECONDS",
        help="end kernels idle this long with no tab open (default 600)",
    )
    serve.set_defaults(run=_serve)

    staff = sub.add_parser("staff", help="serve the moderation app (staff only, with a login)")
    staff.add_argument("dir", nargs="?", default=Path("."), type=Path)
    staff.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    staff.add_argument("--port", type=int, default=8867, help="port (default 8867)")
    staff.set_defaults(run=_staff)
    return parser


def _demo(args: argparse.Namespace) -> int:
    from omgeving.demo import build_demo
    from omgeving.web import bake_web_layers

    start = time.perf_counter()
    project = build_demo(args.dir, overwrite=args.force, extra=bake_web_layers)
    print(
        f"Demo project written to {project.root} in {time.perf_counter() - start:.1f} s "
        "(Voorbeeldgemeente is fictional)"
    )
    print(f"Serve it with: omgeving serve {args.dir}")
    return 0


def _codes(text: str) -> list[str]:
    from omgeving.config import normalise_gemeentecode

    codes = [c.strip() for c in text.split(",") if c.strip()]
    if not codes:
        raise OmgevingError("--gemeente is empty; give codes like GM0177,GM0150")
    return [normalise_gemeentecode(c) for c in codes]


def _init(args: argparse.Namespace) -> int:
    from omgeving.sources import init_project
    from omgeving.web import bake_web_layers

    project = init_project(
        args.dir,
        _codes(args.gemeente),
        year=args.year,
        bag=args.bag,
        overwrite=args.force,
        extra=bake_web_layers,
    )
    print(f"Project written to {project.root}: {', '.join(project.layer_names())}")
    print(f"Serve it with: omgeving serve {args.dir}")
    return 0


def _fetch(args: argparse.Namespace) -> int:
    from omgeving.project import open_project
    from omgeving.sources import refresh_project
    from omgeving.web import bake_web_layers

    project = refresh_project(open_project(args.dir), extra=bake_web_layers)
    print(f"Layers of {project.root} refreshed: {', '.join(project.layer_names())}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from omgeving.project import open_project
    from omgeving.serve import ServeOptions, serve

    project = open_project(args.dir)
    if not 0 < args.port < 65536:
        raise OmgevingError(f"--port {args.port} is not a port number; use 1024-65535")
    options = ServeOptions(
        host=args.host,
        port=args.port,
        pool_size=max(args.pool, 0),
        cull_idle_timeout=args.cull_after,
    )

    def ready(url: str) -> None:
        print(
            f"\nThe resident app of '{project.config.title}' is at {url}\n"
            "Open it in a browser; press Ctrl+C to stop.\n",
            flush=True,
        )

    return serve(project, options, ready=ready)


def _staff(args: argparse.Namespace) -> int:
    import secrets

    from omgeving.project import open_project
    from omgeving.serve import STAFF_APPS, ServeOptions, serve

    project = open_project(args.dir)
    token = project.config.staff.token
    if len(token) < 16:
        raise OmgevingError(
            f"{project.root / 'omgeving.toml'} has no staff token of 16 or more characters; "
            f'add [staff] token = "{secrets.token_urlsafe(18)}" (keep it secret)'
        )
    options = ServeOptions(
        host=args.host, port=args.port, pool_size=0, apps=STAFF_APPS, token=token
    )

    def ready(url: str) -> None:
        print(
            f"\nThe moderation app of '{project.config.title}' is at {url}\n"
            f"Log in with the token in omgeving.toml ([staff] token), or open "
            f"{url}?token=... ; press Ctrl+C to stop.\n",
            flush=True,
        )

    return serve(project, options, ready=ready)


if __name__ == "__main__":
    sys.exit(main())

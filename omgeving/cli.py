"""The ``omgeving`` command and its subcommands.

demo, init, fetch, publish, serve, staff, export, report, maps, gio, openstad, participant,
purge.

Every failure ends in one line that says what was wrong and what to do, and a non-zero exit.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import warnings
from pathlib import Path

from omgeving._errors import OmgevingError

__all__ = ["main"]

EXIT_ERROR = 2
_Subparsers = argparse._SubParsersAction  # the type argparse gives add_subparsers()


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
    for add in (
        _add_demo,
        _add_init,
        _add_fetch,
        _add_publish,
        _add_serve,
        _add_staff,
        _add_export,
        _add_analyse,
        _add_report,
        _add_maps,
        _add_gio,
        _add_openstad,
        _add_participant,
        _add_purge,
    ):
        add(sub)
    return parser


def _project_dir(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "dir", nargs="?", default=Path("."), type=Path, help="project folder (default: here)"
    )


def _add_demo(sub: _Subparsers) -> None:
    """Add the ``demo`` subcommand: its options, and the function that runs it."""
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


def _add_init(sub: _Subparsers) -> None:
    """Add the ``init`` subcommand: its options, and the function that runs it."""
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


def _add_fetch(sub: _Subparsers) -> None:
    """Add the ``fetch`` subcommand: its options, and the function that runs it."""
    fetch = sub.add_parser("fetch", help="download a project's PDOK layers again")
    _project_dir(fetch)
    fetch.set_defaults(run=_fetch)


def _add_publish(sub: _Subparsers) -> None:
    """Add the ``publish`` subcommand: its options, and the function that runs it."""
    publish = sub.add_parser(
        "publish",
        help="show edited scenarios and layers to residents (bakes web layers and indicators)",
    )
    _project_dir(publish)
    publish.set_defaults(run=_publish)


def _add_serve(sub: _Subparsers) -> None:
    """Add the ``serve`` subcommand: its options, and the function that runs it."""
    serve = sub.add_parser("serve", help="serve the resident app with Voila")
    _project_dir(serve)
    serve.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; 0.0.0.0 for a hall)",
    )
    serve.add_argument("--port", type=int, default=8866, help="port (default 8866)")
    serve.add_argument(
        "--pool",
        type=int,
        default=None,
        help="resident-app kernels kept ready, each a visitor served at once (default: [serve] "
        "pool, else one per core, 2 to 8)",
    )
    serve.add_argument(
        "--cull-after",
        type=int,
        default=600,
        metavar="SECONDS",
        help="end kernels idle this long with no tab open (default 600)",
    )
    serve.add_argument(
        "--max-kernels",
        type=int,
        default=None,
        metavar="N",
        help="at most N open pages (kernels) at a time; more visitors are asked to come back "
        "in a minute (default: [serve] max_kernels, else what the free memory holds)",
    )
    serve.set_defaults(run=_serve)


def _add_staff(sub: _Subparsers) -> None:
    """Add the ``staff`` subcommand: its options, and the function that runs it."""
    staff = sub.add_parser("staff", help="serve the moderation app (staff only, with a login)")
    _project_dir(staff)
    staff.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1: this machine only)",
    )
    staff.add_argument("--port", type=int, default=8867, help="port (default 8867)")
    staff.set_defaults(run=_staff)


def _add_export(sub: _Subparsers) -> None:
    """Add the ``export`` subcommand: its options, and the function that runs it."""
    export = sub.add_parser("export", help="export every reaction (GeoPackage, GeoJSON, CSV)")
    _project_dir(export)
    export.add_argument(
        "--format",
        default="gpkg",
        help="gpkg, geojson or csv, or several with commas: gpkg,geojson,csv (default gpkg)",
    )
    export.add_argument(
        "--out", type=Path, help="folder to write to (default: the project's exports/)"
    )
    export.add_argument("--scenario", help="only the reactions on this scenario (its slug)")
    export.set_defaults(run=_export)


def _add_analyse(sub: _Subparsers) -> None:
    """Add the ``analyse`` subcommand: its options, and the function that runs it."""
    analyse = sub.add_parser(
        "analyse", help="find duplicates, concerns and theme suggestions (GeoPackage, CSV)"
    )
    _project_dir(analyse)
    analyse.add_argument(
        "--out", type=Path, help="folder to write to (default: the project's exports/analyse/)"
    )
    analyse.add_argument(
        "--opnieuw", action="store_true",
        help="analyse every reaction anew (by default a few new ones join the last analysis)",
    )
    analyse.set_defaults(run=_analyse)


def _add_report(sub: _Subparsers) -> None:
    """Add the ``report`` subcommand: its options, and the function that runs it."""
    report = sub.add_parser("report", help="write the participatieverslag (HTML and PDF)")
    _project_dir(report)
    report.add_argument(
        "--out", type=Path, help="folder to write to (default: the project's exports/)"
    )
    report.add_argument(
        "--no-pdf", action="store_true", help="only the HTML (the PDF needs Chromium)"
    )
    report.add_argument(
        "--round", help="only the reactions of this round (a slug of [[rounds]] in omgeving.toml)"
    )
    report.set_defaults(run=_report)


def _add_maps(sub: _Subparsers) -> None:
    """Add the ``maps`` subcommand: its options, and the function that runs it."""
    maps = sub.add_parser(
        "maps", help="static HTML maps of every scenario and of the reactions, for a website"
    )
    _project_dir(maps)
    maps.add_argument("--out", type=Path, help="folder (default: the project's exports/)")
    maps.add_argument(
        "--offline",
        action="store_true",
        help="load Leaflet from a folder beside the maps, not from the internet",
    )
    maps.set_defaults(run=_maps)


def _add_gio(sub: _Subparsers) -> None:
    """Add the ``gio`` subcommand: its options, and the function that runs it."""
    gio = sub.add_parser(
        "gio", help="export areas as a STOP GIO with its IO and OW files, for the DSO"
    )
    _project_dir(gio)
    source = gio.add_mutually_exclusive_group(required=True)
    source.add_argument("--scenario", help="a scenario's interventions (its slug)")
    source.add_argument("--layer", help="a layer of the project, e.g. visiegebieden")
    gio.add_argument("--out", type=Path, help="folder (default: exports/gio/<work id>/)")
    gio.set_defaults(run=_gio)


def _add_openstad(sub: _Subparsers) -> None:
    """Add the ``openstad`` subcommand: its options, and the function that runs it."""
    openstad = sub.add_parser(
        "openstad", help="import an OpenStad export as reactions, or export ours for OpenStad"
    )
    openstad.add_argument("dir", type=Path, help="project folder")
    way = openstad.add_mutually_exclusive_group(required=True)
    way.add_argument("--import", dest="import_path", type=Path, metavar="FILE",
                     help="OpenStad's 'Exporteer inzendingen' file (.xlsx or .csv)")
    way.add_argument("--export", dest="export_path", type=Path, metavar="FILE",
                     help="write our visible reactions for OpenStad (.xlsx or .csv)")
    openstad.add_argument("--theme-map", nargs="*", default=(), metavar="TAG=THEMA",
                          help="map OpenStad theme tags to project themes, e.g. Verkeer=mobiliteit")
    openstad.add_argument("--default-theme", help="theme for rows whose tag maps to none")
    openstad.add_argument("--dry-run", action="store_true", help="check the file, store nothing")
    openstad.add_argument("--scenario", help="export: only the reactions on this scenario")
    openstad.set_defaults(run=_openstad)


def _add_participant(sub: _Subparsers) -> None:
    """Add the ``participant`` subcommand: its options, and the function that runs it."""
    person = sub.add_parser(
        "participant",
        help="export or erase everything of one participant (GDPR requests)",
        description="A resident finds their participant code under 'Privacy' in the app. "
        "Give it here to hand them their data (--export) or to erase it (--erase).",
    )
    person.add_argument("dir", type=Path, help="project folder")
    person.add_argument("code", help="the participant code the resident gave")
    what = person.add_mutually_exclusive_group(required=True)
    what.add_argument("--export", type=Path, metavar="FILE", help="write their data as JSON")
    what.add_argument("--erase", action="store_true", help="erase their data (audited)")
    person.add_argument("--by", help="who handles the request (for the audit log)")
    person.add_argument("--reason", help="why, e.g. the request's date and number")
    person.set_defaults(run=_participant)


def _add_purge(sub: _Subparsers) -> None:
    """Add the ``purge`` subcommand: its options, and the function that runs it."""
    purge = sub.add_parser(
        "purge", help="erase reactions older than the retention period ([privacy])"
    )
    _project_dir(purge)
    purge.add_argument(
        "--dry-run", action="store_true", help="only say how many would be erased"
    )
    purge.set_defaults(run=_purge)


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


def _publish(args: argparse.Namespace) -> int:
    from omgeving.project import open_project
    from omgeving.web import bake_web_layers

    start = time.perf_counter()
    project = open_project(args.dir)
    bake_web_layers(project)
    names = ", ".join(s.name for s in project.config.scenarios) or "no scenarios"
    print(f"Published {project.root} in {time.perf_counter() - start:.1f} s ({names}); "
          "running apps show it on their next page load")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from omgeving.project import open_project
    from omgeving.server.launch import ServeOptions, available_memory, default_pool, serve

    project = open_project(args.dir)
    if args.pool is not None and args.pool < 0:
        raise OmgevingError(f"--pool {args.pool} is below 0; use 0 (none kept ready) or more")
    if not 0 < args.port < 65536:
        raise OmgevingError(f"--port {args.port} is not a port number; use 1024-65535")
    if args.max_kernels is not None and args.max_kernels < 1:
        raise OmgevingError(f"--max-kernels {args.max_kernels} allows no visitor; use 1 or more")
    pool = args.pool if args.pool is not None else project.config.serve.pool
    if pool < 0:
        pool = default_pool(os.cpu_count() or 1, available_memory())
    options = ServeOptions(
        host=args.host,
        port=args.port,
        pool_size=pool,
        cull_idle_timeout=args.cull_after,
        max_kernels=args.max_kernels or project.config.serve.max_kernels,
        connect_timeout=project.config.serve.connect_timeout,
    )

    def ready(url: str) -> None:
        print(
            f"\nThe resident app of '{project.config.title}' is at {url}\n"
            f"{pool} kernels are kept ready for it (--pool, or [serve] pool in omgeving.toml).\n"
            "Open it in a browser; press Ctrl+C to stop.\n",
            flush=True,
        )

    return serve(project, options, ready=ready)


def _staff(args: argparse.Namespace) -> int:
    import secrets

    from omgeving.project import open_project
    from omgeving.server.launch import STAFF_APPS, ServeOptions, serve

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


def _export(args: argparse.Namespace) -> int:
    from omgeving.exchange.export import export_reactions
    from omgeving.project import open_project

    project = open_project(args.dir)
    _check_store(project)
    formats = [f.strip().lower() for f in args.format.split(",") if f.strip()]
    for path in export_reactions(
        project, formats, out_dir=args.out, scenario=args.scenario, progress=True
    ):
        print(f"Written: {path}")
    return 0


def _analyse(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from omgeving.analysis.moderated import settle
    from omgeving.analysis.run import analyse, write_analysis
    from omgeving.project import open_project
    from omgeving.store import open_store

    project = open_project(args.dir)
    _check_store(project)
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="Teksten lezen", unit=" reacties", file=sys.stderr)
        bar.update(done - bar.n)

    started = time.monotonic()
    result = analyse(project, progress=progress, full=args.opnieuw)
    if bar is not None:
        bar.close()
    with open_store(project.store_url()) as store:  # what moderators linked is one point
        result = settle(result, store.links())
    for path in write_analysis(result, args.out or project.exports_dir / "analyse"):
        print(f"Written: {path}")
    n = len(result.reactions)
    print(
        f"{n} reacties, {result.distinct} verschillende punten; {len(result.concerns)} zorgen; "
        f"{len(result.suggestions)} themasuggesties ({time.monotonic() - started:.1f} s)"
    )
    return 0


def _report(args: argparse.Namespace) -> int:
    from omgeving.outputs.report import build_report
    from omgeving.project import open_project

    project = open_project(args.dir)
    _check_store(project)
    files = build_report(project, args.out, pdf=not args.no_pdf, progress=True,
                         round=args.round)
    print(f"Written: {files.html}" + (f" and {files.pdf}" if files.pdf else ""))
    where = f"of round {args.round}" if args.round else "in the store"
    print(f"The report accounts for all {files.reactions} reactions {where}")
    return 0


def _check_store(project) -> None:
    """Refuse a missing or unreadable store before a progress bar starts."""
    from omgeving.store import open_store

    open_store(project.store_url()).close()


def _maps(args: argparse.Namespace) -> int:
    from omgeving.outputs.staticmap import export_maps
    from omgeving.project import open_project

    for path in export_maps(open_project(args.dir), args.out, offline=args.offline):
        print(f"Written: {path}")
    return 0


def _gio(args: argparse.Namespace) -> int:
    from omgeving.exchange.gio import export_gio

    for path in export_gio(args.dir, scenario=args.scenario, layer=args.layer,
                           out_dir=args.out):
        print(f"Written: {path}")
    return 0


def _openstad(args: argparse.Namespace) -> int:
    from omgeving.exchange.openstad import run_openstad

    print(run_openstad(args.dir, import_path=args.import_path, export_path=args.export_path,
                       theme_map=args.theme_map, default_theme=args.default_theme,
                       dry_run=args.dry_run, scenario=args.scenario))
    return 0


def _participant(args: argparse.Namespace) -> int:
    import json
    import re

    from omgeving.project import open_project
    from omgeving.store import open_store

    project = open_project(args.dir)
    code = re.sub(r"[\s-]", "", args.code).lower()
    if not re.fullmatch(r"[0-9a-f]{32}", code):
        raise OmgevingError(
            f"participant code {args.code!r} is not a code from the app; it has 32 "
            "characters 0-9 and a-f (spaces and dashes are ignored)"
        )
    with open_store(project.store_url()) as store:
        if args.export:
            data = store.participant_data(code)
            args.export.write_text(
                json.dumps(data.to_json(), ensure_ascii=False, indent=2), encoding="utf-8"
            )
            print(
                f"Written: {args.export} ({len(data.reactions)} reactions, "
                f"{len(data.agreements)} agreements, {len(data.reports)} reports)"
            )
            return 0
        if not args.by or not args.reason:
            raise OmgevingError(
                "--erase needs --by NAME and --reason TEXT, for the audit log "
                "(e.g. --by 'J. de Vries' --reason 'AVG-verzoek 2026-041')"
            )
        done = store.erase_participant(code, actor=args.by, reason=args.reason)
    print(
        f"Erased: {done.reactions} reactions (kept as 'erased' for the record), "
        f"{done.agreements} agreements, {done.reports} reports"
    )
    return 0


def _purge(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime, timedelta

    from omgeving.project import open_project
    from omgeving.store import open_store

    project = open_project(args.dir)
    days = project.config.privacy.retention_days
    before = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with open_store(project.store_url()) as store:
        if args.dry_run:
            due = sum(
                1
                for r in store.snapshot().reactions
                if r.created < before and r.status != "erased"
            )
            print(f"{due} reactions are older than {days} days (before {before}); "
                  "run without --dry-run to erase them")
            return 0
        erased = store.purge(before, actor="omgeving purge")
    print(f"Erased {erased} reactions older than {days} days (before {before})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

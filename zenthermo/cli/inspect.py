"""``zenthermo inspect SOURCES_FILE``: what a saved SourceSet holds, one table row per source.

The rows come from :mod:`zenthermo.report.sources_table` (usable and testable without the
CLI); the handler only loads the file and prints (a rich table on a terminal, plain text
otherwise, or JSON with ``--json``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TextIO

from zenthermo.sources import SourceSet


def _models(source_set: SourceSet, args: argparse.Namespace) -> list[tuple[str, ...]]:
    """The models each source gets with the given physics options (empty if they fail)."""
    from zenthermo.cli._options import physics_options
    from zenthermo.errors import ZenthermoError
    from zenthermo.physics.free_energy import build_source_free_energies
    from zenthermo.report.sources_table import model_rows

    try:
        return model_rows(build_source_free_energies(source_set, **physics_options(args)))
    except ZenthermoError as error:
        print(f"zenthermo: warning: models not shown: {error}", file=sys.stderr)
        return []


def _print_rich(source_set: SourceSet, path: str, stream: TextIO,
                models: list[tuple[str, ...]]) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from zenthermo.report.sources_table import header_lines, sections

    console = Console(file=stream)
    for line in header_lines(source_set, path):
        console.print(line, highlight=False)
    for title, columns, rows in sections(source_set, models):
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
        # Columns with nothing in them (labels equal to names) are left out on screen.
        shown = [i for i in range(len(columns)) if any(row[i] for row in rows)]
        columns = tuple(columns[i] for i in shown)
        rows = [tuple(row[i] for i in shown) for row in rows]
        for index, column in enumerate(columns):
            widest = max((len(row[index]) for row in rows), default=0)
            title = column.replace(" (", "\n(").replace("volumes ", "volumes\n")
            # Names stay whole; the other columns fold on narrow terminals.
            table.add_column(title, overflow="fold",
                             min_width=min(widest, 16) if index == 0 else None)
        for row in rows:
            table.add_row(*row)
        console.print(table)


def _handle(args: argparse.Namespace, progress) -> int:
    from zenthermo.io.sourcefile import load_sources
    from zenthermo.report.sources_table import render_plain, summary_document

    source_set = load_sources(args.sources_file)
    path = str(args.sources_file)
    models = _models(source_set, args) if args.models and len(source_set) else []
    stream = sys.stdout
    if args.json:
        stream.write(json.dumps(summary_document(source_set, path, models), indent=1) + "\n")
    elif stream.isatty():
        _print_rich(source_set, path, stream, models)
    else:
        stream.write(render_plain(source_set, path, models))
    return 0


def register(subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``zenthermo inspect`` to the command line."""
    parser = subparsers.add_parser(
        "inspect", parents=[common],
        help="show what a sources file holds (sources, volumes, exclusions, warnings)",
        description="Print one row per source of a sources file written by `zenthermo "
                    "ingest` or SourceSet.save: multiplicity and its origin, magnetic order, "
                    "volumes kept and excluded, volume range, minimum energy, phonons, "
                    "with --models the free-energy models of each source (vibrations and their "
                    "data, electronic part, volume forms with their leave-one-out error, "
                    "extrapolation), then every exclusion with its reason and every warning.",
    )
    parser.add_argument("sources_file", metavar="SOURCES_FILE",
                        help="the sources file (.json or .json.gz)")
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON instead of tables")
    parser.add_argument("--models", action="store_true",
                        help="also show the free-energy models each source gets with the "
                             "physics options below (builds them: slower)")
    from zenthermo.cli._options import add_physics_options

    add_physics_options(parser)  # the models table shows what these options give
    parser.set_defaults(handler=_handle)

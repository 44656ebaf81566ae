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


def _print_rich(source_set: SourceSet, path: str, stream: TextIO) -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from zenthermo.report.sources_table import header_lines, sections

    console = Console(file=stream)
    for line in header_lines(source_set, path):
        console.print(line, highlight=False)
    for title, columns, rows in sections(source_set):
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
    stream = sys.stdout
    if args.json:
        stream.write(json.dumps(summary_document(source_set, path), indent=1) + "\n")
    elif stream.isatty():
        _print_rich(source_set, path, stream)
    else:
        stream.write(render_plain(source_set, path))
    return 0


def register(subparsers, common: argparse.ArgumentParser) -> None:
    """Add ``zenthermo inspect`` to the command line."""
    parser = subparsers.add_parser(
        "inspect", parents=[common],
        help="show what a sources file holds (sources, volumes, exclusions, warnings)",
        description="Print one row per source of a sources file written by `zenthermo "
                    "ingest` or SourceSet.save: multiplicity and its origin, magnetic order, "
                    "volumes kept and excluded, volume range, minimum energy, phonons, "
                    "then every exclusion with its reason and every warning.",
    )
    parser.add_argument("sources_file", metavar="SOURCES_FILE",
                        help="the sources file (.json or .json.gz)")
    parser.add_argument("--json", action="store_true",
                        help="print the summary as JSON instead of tables")
    parser.set_defaults(handler=_handle)

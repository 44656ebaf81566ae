"""``zenthermo batch``: many materials on Dask, one output folder each, one table for all.

    zenthermo batch screen.toml -o out                  # LocalCluster, one worker per core
    zenthermo batch screen.toml -o out --workers 2 --methods exact --tstep 5
    zenthermo batch screen.toml -o out --scheduler tcp://10.0.0.5:8786
    zenthermo batch materials.csv -o out --force        # recompute up-to-date materials

Exit status 0 when every material is ok or skipped, 1 when some failed (their reasons are
in OUT_DIR/batch.csv and OUT_DIR/index.html), 130 when interrupted (finished materials are
kept).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zenthermo.cli._options import parse_pressures
from zenthermo.console import EXIT_INTERRUPTED, ignore_further_interrupts
from zenthermo.progress import Progress

EXIT_SOME_FAILED = 1


def _at_least(lowest: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = lowest - 1
        if value < lowest:
            raise argparse.ArgumentTypeError(f"expected an integer >= {lowest}, got {text!r}")
        return value
    return parse


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    from zenthermo.cli.run import _methods

    parser = subparsers.add_parser(
        "batch", parents=[common],
        help="run many materials on Dask: one folder each, batch.csv and index.html",
        description="Run every material of a batch file (TOML: [defaults] + [[material]] "
        "workflow entries; or CSV: name,paths) as its own Dask task. OUT_DIR/<material>/ "
        "holds what `zenthermo run` writes; OUT_DIR/batch.csv, batch.parquet (with pyarrow) "
        "and index.html compare them. Materials whose inputs and options did not change are "
        "skipped. Options given here apply to every material.")
    parser.add_argument("batch_file", metavar="BATCH_FILE", help="batch file (.toml or .csv)")
    parser.add_argument("-o", "--output", required=True, metavar="OUT_DIR",
                        help="output folder (one subfolder per material)")
    engine = parser.add_mutually_exclusive_group()
    engine.add_argument("--workers", type=_at_least(1), default=None, metavar="N",
                        help="worker processes of the local Dask cluster (one per core)")
    engine.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="address of a running Dask scheduler, e.g. tcp://host:8786")
    parser.add_argument("--force", action="store_true",
                        help="recompute materials that are up to date")
    parser.add_argument("--retries", type=_at_least(0), default=1,
                        help="Dask retries of a task that raised (default 1)")
    parser.add_argument("--methods", type=_methods, default=None,
                        help="exact,zenn for every material (default: the file's)")
    parser.add_argument("--pressures", type=parse_pressures, default=None,
                        help="comma-separated pressures, GPa, for every material")
    parser.add_argument("--tmax", type=float, default=None, help="highest temperature, K")
    parser.add_argument("--tstep", type=float, default=None, help="temperature step, K")
    parser.set_defaults(handler=run)


def overrides_from_args(args: argparse.Namespace) -> dict[str, Any]:
    """RunConfig fields that the command line sets on every material."""
    values = {"methods": args.methods,
              "pressures_GPa": tuple(args.pressures) if args.pressures else None,
              "tmax_K": args.tmax, "tstep_K": args.tstep}
    return {key: value for key, value in values.items() if value is not None}


def run(args: argparse.Namespace, progress: Progress) -> int:
    from zenthermo.batch import execute_batch

    def announce(line: str) -> None:
        if not args.quiet:
            print(line, file=sys.stderr)

    try:
        batch = execute_batch(args.batch_file, args.output, scheduler=args.scheduler,
                              workers=args.workers, force=args.force, retries=args.retries,
                              overrides=overrides_from_args(args), progress=progress,
                              announce=announce)
    except KeyboardInterrupt:
        ignore_further_interrupts()
        print(f"zenthermo: interrupted; finished materials are kept in {args.output}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    for outcome in batch.outcomes:
        if outcome.status == "failed":
            print(f"zenthermo: {outcome.name} failed: {outcome.error}", file=sys.stderr)
            if args.debug and outcome.detail:
                print(outcome.detail, file=sys.stderr)
    if not args.quiet:
        print(f"{len(batch.outcomes)} materials: {batch.count('ok')} ok, "
              f"{batch.count('skipped')} skipped, {batch.count('failed')} failed")
        print(f"wrote {Path(args.output) / 'index.html'}")
    return EXIT_SOME_FAILED if batch.count("failed") else 0


__all__ = ["overrides_from_args", "register", "run"]

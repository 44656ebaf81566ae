"""``zenthermo run``: the main job, from inputs to ``OUT_DIR/report.html``.

    zenthermo run                                   # the embedded Fe3Pt default
    zenthermo run results/ -o out --pressures 0,2,4 --reference lcte.csv
    zenthermo run e-v.dat thermal_properties.yaml-*  # phonopy-qha inputs
    zenthermo run workflows/fe3pt.toml              # a declarative workflow
    zenthermo run --uncertainty 100 --ci 2.5,50,97.5  # error bars on the exact analysis

Options given on the command line override the workflow's values.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from zenthermo.cli._options import (
    add_physics_options,
    add_uncertainty_options,
    parse_pressures,
    physics_options,
)
from zenthermo.cli.ingest import accounting_options, add_accounting_options, problems
from zenthermo.pipeline.config import METHODS
from zenthermo.progress import Progress


def _methods(text: str) -> tuple[str, ...]:
    values = tuple(part.strip() for part in text.split(",") if part.strip())
    bad = [v for v in values if v not in METHODS]
    if bad or not values:
        raise argparse.ArgumentTypeError(
            f"methods must be a comma-separated subset of {','.join(METHODS)}, got {text!r}")
    return values


def _components(text: str) -> tuple[str, ...]:
    return tuple(part.strip().upper() for part in text.split(",") if part.strip())


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "run", parents=[common],
        help="the main job: landscapes, analysis, figures and the HTML report",
        description="Ingest (or load) the inputs, build per-source free energies, the exact "
        "zentropy and ZENN landscapes, analyse them at a set of pressures, and write "
        "OUT_DIR/report.html, OUT_DIR/<method>/summary.json, CSV tables and figures. "
        "With no PATH, runs the embedded Fe3Pt data.")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="results tree, phonopy-qha files, a sources file or a workflow "
                        ".toml (default: the embedded Fe3Pt data)")
    parser.add_argument("-o", "--output", default=None, metavar="OUT_DIR",
                        help="output folder, replaced as a whole; must be new, empty or "
                        "written by zenthermo, and apart from every input (default "
                        "zenthermo-out)")
    parser.add_argument("--manifest", default=None, help="a zenthermo.toml for ingestion")
    add_accounting_options(parser)
    parser.add_argument("--pressures", type=parse_pressures, default=None,
                        help="comma-separated pressures, GPa (default 0,2,4)")
    parser.add_argument("--tmin", type=float, default=None, help="lowest temperature, K (0)")
    parser.add_argument("--tmax", type=float, default=None,
                        help="highest temperature, K (1000, clipped to the data's domain)")
    parser.add_argument("--tstep", type=float, default=None, help="temperature step, K (1)")
    parser.add_argument("--methods", type=_methods, default=None,
                        help="exact,zenn (default: both where the sources allow)")
    add_physics_options(parser, with_defaults=False)
    parser.add_argument("--no-phase-diagram", action="store_true",
                        help="skip the critical point and phase lines")
    parser.add_argument("--reference", action="append", default=None, metavar="CSV",
                        help="measured LCTE or volume to overlay (repeatable)")
    parser.add_argument("--tdb", default=None, help="CALPHAD database to compare with")
    parser.add_argument("--phase", default=None, help="CALPHAD phase name")
    parser.add_argument("--components", type=_components, default=None,
                        help="CALPHAD components, e.g. SI or AL,VA")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed of the ZENN fit and of the error bars' members (0)")
    add_uncertainty_options(parser, with_defaults=False, seed=False)
    parser.add_argument("--ensemble", type=int, default=None, metavar="M",
                        help="ZENN networks trained with seeds seed, seed+1, ... (a deep "
                        "ensemble: the ZENN landscape is their mean; default 1)")
    parser.add_argument("--zenn-epochs", type=int, default=None,
                        help="Adam steps of the ZENN fit (default: TrainingSettings)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the job as a task on this Dask scheduler (tcp://host:8786)")
    parser.set_defaults(handler=run)


def config_from_args(args: argparse.Namespace):
    """The :class:`~zenthermo.pipeline.config.RunConfig` for parsed arguments (workflow +
    overrides)."""
    from zenthermo.pipeline.config import RunConfig
    from zenthermo.pipeline.workflow import workflow_config

    overrides: dict[str, Any] = {
        "output_dir": args.output, "manifest": args.manifest,
        "pressures_GPa": tuple(args.pressures) if args.pressures else None,
        "tmin_K": args.tmin, "tmax_K": args.tmax, "tstep_K": args.tstep,
        "methods": args.methods, **physics_options(args),
        "phase_diagram": False if args.no_phase_diagram else None,
        "references": tuple(args.reference) if args.reference else None,
        "tdb": args.tdb, "phase": args.phase, "components": args.components,
        "seed": args.seed,
        "uncertainty_members": args.uncertainty, "uncertainty_method": args.uncertainty_method,
        "uncertainty_ci": args.ci, "zenn_ensemble": args.ensemble,
    }
    paths = list(args.paths)
    if len(paths) == 1 and Path(paths[0]).suffix.lower() == ".toml" \
            and Path(paths[0]).name != "zenthermo.toml":
        config = workflow_config(paths[0], **overrides)
    else:
        given = {k: v for k, v in overrides.items() if v is not None}
        config = RunConfig(inputs=tuple(paths), **given)
    from dataclasses import replace

    if accounting_options(args):
        config = replace(config, ingest_options={**config.ingest_options,
                                                 **accounting_options(args)})
    if args.zenn_epochs is not None:
        config = replace(config, zenn_settings={**config.zenn_settings,
                                                "adam_epochs": args.zenn_epochs})
    return config


def run(args: argparse.Namespace, progress: Progress) -> int:
    from zenthermo.io.output_guard import check_output_folder
    from zenthermo.pipeline.outputs import run_inputs
    from zenthermo.pipeline.run import run_pipeline

    config = config_from_args(args)
    check_output_folder(config.output_dir, (*args.paths, *run_inputs(config)))
    if args.scheduler is not None:
        from zenthermo.batch.single import run_on_scheduler

        result = run_on_scheduler(config, args.scheduler, progress)
    else:
        result = run_pipeline(config, progress)
    for line in problems(result.source_set):
        print(f"zenthermo run: {line}", file=sys.stderr)
    if not args.quiet:
        print(terminal_summary(result))
    return 0


def terminal_summary(result: Any) -> str:
    """A few lines: per method the NTE windows at each pressure and the critical point."""
    lines = []
    for method, analysis in result.analyses.items():
        cp = analysis.phase_diagram.critical_point
        critical = ("critical point not computed (--no-phase-diagram)"
                    if not analysis.phase_diagram.computed else
                    "no critical point" if cp is None else
                    f"critical point {cp.T_K:.0f} K, {cp.P_GPa:.2f} GPa, {cp.V_A3:.2f} A^3")
        lines.append(f"{method}: {critical}")
        for isobar in analysis.isobars:
            windows = ", ".join(f"{w.T_start_K:.0f}-{w.T_end_K:.0f} K" for w in
                                isobar.nte_windows) or "none"
            lines.append(f"  {isobar.P_GPa:g} GPa: NTE {windows}")
    uncertainty = getattr(result, "uncertainty", None)
    if uncertainty is not None and "exact" in result.analyses:
        from zenthermo.report.intervals import uncertainty_lines

        lines += [f"exact {line}" for line in
                  uncertainty_lines(result.analyses["exact"], uncertainty)]
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.timings_s.items())
    lines.append(f"time: {stages}")
    lines.append(f"wrote {result.report}")
    return "\n".join(lines)


__all__ = ["config_from_args", "register", "run", "terminal_summary"]

if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: zenthermo run")

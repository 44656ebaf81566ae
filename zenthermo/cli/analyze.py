"""``zenthermo analyze``: isobars, NTE windows and the phase diagram of a landscape.

    zenthermo analyze SOURCES_FILE -o OUT_DIR [--pressures 0,2,4] [--tmin 0 --tmax 1000
        --tstep 1] [--eos bm4] [--vibrations auto] [--debye-scaling 0.617] [--debye-x 0.6667]
        [--debye-volume cell|atom]
        [--uncertainty N [--uncertainty-method bootstrap|eos|both] [--ci 2.5,50,97.5]
         [--seed S] [--scheduler tcp://host:8786]]
    zenthermo analyze MODEL_FILE -o OUT_DIR ...      # a trained ZENN/DNN model

With ``--uncertainty N`` the exact analysis gets error bars from N members
(:mod:`zenthermo.uncertainty`): summary.json's ``uncertainty`` object; the other keys stay
the plain analysis. The members run on local processes, or as tasks of the Dask scheduler
given by ``--scheduler``.

Writes ``OUT_DIR/summary.json`` and the CSV tables; the whole OUT_DIR is replaced
atomically, so a failed run leaves no half-written folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.cli._options import (
    add_physics_options,
    add_uncertainty_options,
    parse_pressures,
    physics_options,
)
from zenthermo.landscape.loading import LANDSCAPE_METHODS
from zenthermo.progress import Progress
from zenthermo.thermo.temperatures import DEFAULT_TMAX_K


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "analyze",
        parents=[common],
        help="isobars, thermal expansion, NTE windows and the phase diagram",
        description="Analyse a SourceSet file (exact zentropy) or a trained model file: "
        "isobars at the given pressures, NTE windows, critical point and phase lines. "
        "Writes OUT_DIR/summary.json and CSV tables.",
    )
    parser.add_argument("input", metavar="SOURCES_FILE",
                        help="SourceSet file (zenthermo ingest) or trained model file")
    parser.add_argument("-o", "--output", required=True, metavar="OUT_DIR",
                        help="output folder, replaced as a whole; must be new, empty or "
                        "written by zenthermo, and apart from the input")
    parser.add_argument("--method", choices=LANDSCAPE_METHODS, default=None,
                        help="landscape: exact for a SourceSet file (default); a model file "
                        "brings its own")
    parser.add_argument("--pressures", type=parse_pressures, default=[0.0],
                        help="comma-separated pressures in GPa, e.g. 0,2,4 or -2,0,2 "
                        "(default 0)")
    parser.add_argument("--tmin", type=float, default=None,
                        help="lowest temperature, K (default 0 or the domain's lower bound)")
    parser.add_argument("--tmax", type=float, default=None,
                        help=f"highest temperature, K (default {DEFAULT_TMAX_K:g}, clipped to "
                        "the landscape's temperature domain)")
    parser.add_argument("--tstep", type=float, default=1.0, help="temperature step, K (1)")
    add_physics_options(parser, with_defaults=False)  # a model file brings its own physics
    parser.add_argument("--no-phase-diagram", action="store_true",
                        help="skip the critical point and phase lines")
    add_uncertainty_options(parser)
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="with --uncertainty: run the members on this Dask scheduler "
                        "(tcp://host:8786); default local processes")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, progress: Progress) -> int:
    from zenthermo.io.atomic import atomic_directory
    from zenthermo.io.output_guard import check_output_folder
    from zenthermo.landscape.loading import landscape_notes, load_landscape
    from zenthermo.report.source_energies import write_source_energies
    from zenthermo.report.tables import write_analysis
    from zenthermo.thermo.analysis import analyze
    from zenthermo.thermo.temperatures import choose_temperatures, clipped_note

    check_output_folder(args.output, [args.input])
    landscape = load_landscape(args.input, args.method, **physics_options(args))
    temperatures = choose_temperatures(landscape.temperature_domain, args.tmin, args.tmax,
                                       args.tstep)
    for note in [*landscape_notes(landscape), clipped_note(temperatures, args.tmax)]:
        if note:
            _warn(note)
    if args.uncertainty is not None and landscape.method != "exact":
        from zenthermo.errors import ConfigurationError

        raise ConfigurationError(
            f"--uncertainty resamples the data of a sources file; {args.input} holds a trained "
            f"{landscape.method} model", hint="give the sources file the model was fitted to")
    analysis = analyze(landscape, args.pressures, temperatures,
                       phase_diagram=not args.no_phase_diagram, progress=progress)
    uncertainty = None
    if args.uncertainty is not None:
        uncertainty = _uncertainty(args, analysis, progress)
    elif hasattr(landscape, "members"):
        # a deep ensemble (zenthermo fit --ensemble M): error bars from its members' spread
        from zenthermo.uncertainty.ensemble import ensemble_intervals

        with progress.stage("ensemble intervals"):
            uncertainty = ensemble_intervals(
                analysis, landscape, **({"ci": args.ci} if args.ci is not None else {}),
                phase_diagram=not args.no_phase_diagram)
    if uncertainty is not None:
        for note in uncertainty.warnings:
            _warn(f"error bars: {note}")
    with atomic_directory(args.output) as tmp:
        write_analysis(analysis, tmp, uncertainty=uncertainty)
        write_source_energies(landscape, analysis, tmp)  # ZENN only: F_k, E_k, S_k
    if not args.quiet:
        print(human_summary(analysis, Path(args.output),
                            phase_diagram=not args.no_phase_diagram, uncertainty=uncertainty))
    return 0


def _uncertainty(args: argparse.Namespace, analysis: Any, progress: Progress) -> Any:
    """Error bars of the exact ``analysis`` of ``args.input`` as the options ask."""
    from zenthermo.io.sourcefile import load_sources
    from zenthermo.uncertainty import UncertaintySettings, estimate_uncertainty
    from zenthermo.uncertainty.parallel import engine_map, local_process_map

    settings = UncertaintySettings(
        members=args.uncertainty, method=args.uncertainty_method, seed=args.seed,
        **({"ci": args.ci} if args.ci is not None else {}))
    source_set = load_sources(args.input)
    options = physics_options(args)
    if args.scheduler is None:
        return estimate_uncertainty(source_set, analysis, settings, options,
                                    phase_diagram=not args.no_phase_diagram,
                                    map_fn=local_process_map(), progress=progress)
    from zenthermo import engine

    with engine.client(scheduler=args.scheduler) as client:
        return estimate_uncertainty(source_set, analysis, settings, options,
                                    phase_diagram=not args.no_phase_diagram,
                                    map_fn=engine_map(client), progress=progress)


def human_summary(analysis: Any, out_dir: Path, phase_diagram: bool = True,
                  uncertainty: Any = None) -> str:
    """A few lines for the terminal: per isobar V(300 K) and NTE windows, critical point
    (with its intervals where ``uncertainty`` is given)."""
    lines = [f"{analysis.method} landscape, {analysis.natoms} atoms per cell, "
             f"{len(analysis.configurations)} configurations"]
    for isobar in analysis.isobars:
        head = f"  P = {isobar.P_GPa:g} GPa:"
        T = isobar.T_K
        if T[0] <= 300.0 <= T[-1]:
            head += f" V(300 K) = {float(np.interp(300.0, T, isobar.V_A3)):.3f} A^3;"
        if isobar.nte_windows:
            windows = ", ".join(
                f"{'<=' if w.open_start else ''}{w.T_start_K:.1f}-{w.T_end_K:.1f} K"
                f"{'+' if w.open_end else ''} (alpha min {w.alpha_min_per_K:.3g}/K at "
                f"{w.T_alpha_min_K:.1f} K)" for w in isobar.nte_windows)
            head += f" NTE {windows}"
        else:
            head += " no NTE"
        n_extrapolated = int(isobar.extrapolated.sum())
        if n_extrapolated:
            head += f"; {n_extrapolated} temperatures extrapolated (minimum at the volume edge)"
        n_near = int(np.asarray(isobar.near_edge, bool).sum())
        if n_near:
            head += f"; {n_near} temperatures within the last data spacing of the volume range"
        lines.append(head)
    cp = analysis.phase_diagram.critical_point
    if not phase_diagram:
        lines.append("  critical point: not computed (--no-phase-diagram)")
    else:
        lines.append("  critical point: none found" if cp is None else
                     f"  critical point: T = {cp.T_K:.1f} K, P = {cp.P_GPa:.3f} GPa, "
                     f"V = {cp.V_A3:.3f} A^3")
    if uncertainty is not None:
        from zenthermo.report.intervals import uncertainty_lines

        lines += [f"  {line}" for line in uncertainty_lines(analysis, uncertainty)]
    lines.append(f"wrote {out_dir}/summary.json and CSV tables")
    return "\n".join(lines)


def _warn(message: str) -> None:
    print(f"zenthermo: warning: {message}", file=sys.stderr)


__all__ = ["human_summary", "register", "run"]

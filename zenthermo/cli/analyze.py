"""``zenthermo analyze``: isobars, NTE windows and the phase diagram of a landscape.

    zenthermo analyze SOURCES_FILE -o OUT_DIR [--pressures 0,2,4] [--tmin 0 --tmax 1000
        --tstep 1] [--eos bm4] [--vibrations auto] [--debye-scaling 0.617] [--debye-x 0.6667]
        [--debye-volume cell|atom]
    zenthermo analyze MODEL_FILE -o OUT_DIR ...      # a trained ZENN/DNN model

Writes ``OUT_DIR/summary.json`` and the CSV tables; the whole OUT_DIR is replaced
atomically, so a failed run leaves no half-written folder.
"""

from __future__ import annotations

import argparse
import importlib
import math
import sys
from pathlib import Path
from typing import Any

from zenthermo.cli._options import (
    add_physics_options,
    allow_negative_values,
    parse_pressures,
    physics_options,
)
from zenthermo.errors import ConfigurationError, InputError
from zenthermo.progress import Progress

#: Default upper temperature, K (clipped to the landscape's temperature domain).
DEFAULT_TMAX_K = 1000.0
def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "analyze",
        parents=[common],
        help="isobars, thermal expansion, NTE windows and the phase diagram",
        description="Analyse a SourceSet file (exact zentropy) or a trained model file: "
        "isobars at the given pressures, NTE windows, critical point and phase lines. "
        "Writes OUT_DIR/summary.json and CSV tables.",
    )
    allow_negative_values(parser)
    parser.add_argument("input", metavar="SOURCES_FILE",
                        help="SourceSet file (zenthermo ingest) or trained model file")
    parser.add_argument("-o", "--output", required=True, metavar="OUT_DIR",
                        help="output folder (replaced as a whole)")
    parser.add_argument("--method", choices=("exact", "zenn", "dnn"), default=None,
                        help="landscape: exact for a SourceSet file (default); a model file "
                        "brings its own")
    parser.add_argument("--pressures", type=parse_pressures, default=[0.0],
                        help="comma-separated pressures in GPa, e.g. 0,2,4 or -2,0,2 "
                        "(default 0)")
    parser.add_argument("--tmin", type=float, default=None,
                        help="lowest temperature, K (default 0 or the domain's lower bound)")
    parser.add_argument("--tmax", type=float, default=None,
                        help=f"highest temperature, K (default {DEFAULT_TMAX_K:g}, clipped to "
                        "the domain; a model's whole domain)")
    parser.add_argument("--tstep", type=float, default=1.0, help="temperature step, K (1)")
    add_physics_options(parser)
    parser.add_argument("--no-phase-diagram", action="store_true",
                        help="skip the critical point and phase lines")
    parser.set_defaults(handler=run)


def load_landscape(path: Path, args: argparse.Namespace) -> tuple[Any, bool]:
    """The landscape in ``path`` and whether it came from a trained model file."""
    if not path.exists():
        raise InputError("file not found", path=path)
    try:
        model_file = importlib.import_module("zenthermo.landscape.model_file")
    except ModuleNotFoundError as error:
        if error.name != "zenthermo.landscape.model_file":
            raise
        model_file = None
    if model_file is not None and model_file.is_model_file(path):
        landscape = model_file.load_model(path)
        if args.method is not None and args.method != landscape.method:
            raise ConfigurationError(
                f"--method {args.method} but the model file holds a {landscape.method} model",
                path=path, hint="leave --method out for a model file")
        return landscape, True
    if args.method not in (None, "exact"):
        raise ConfigurationError(
            f"--method {args.method} needs a trained model file, and this is not one",
            path=path, hint=f"train one with 'zenthermo fit --method {args.method}' first")
    from zenthermo.io.sourcefile import load_sources
    from zenthermo.landscape.exact import ExactZentropy

    try:
        source_set = load_sources(path)
    except InputError as error:
        if model_file is None:
            raise InputError(
                f"{error.reason}; this build of zenthermo cannot read trained model files "
                "(zenthermo.landscape.model_file is not installed)", path=path,
                hint=error.hint) from None
        raise
    landscape = ExactZentropy.from_sources(source_set, **physics_options(args))
    return landscape, False


def choose_temperatures(args: argparse.Namespace, landscape: Any, from_model: bool) -> Any:
    """The temperature grid from --tmin/--tmax/--tstep and the landscape's domain."""
    from zenthermo.thermo.analysis import temperature_grid

    low, high = (float(t) for t in landscape.temperature_domain)
    tmin = max(0.0, low) if args.tmin is None else args.tmin
    tmax = args.tmax
    if tmax is None:
        tmax = high if from_model and math.isfinite(high) else DEFAULT_TMAX_K
        if tmax > high:
            _warn(f"tmax {tmax:g} K is beyond the landscape's temperature domain; "
                  f"using {high:g} K")
            tmax = high
    return temperature_grid(tmin, tmax, args.tstep, temperature_domain=(low, high))


def run(args: argparse.Namespace, progress: Progress) -> int:
    from zenthermo.io.atomic import atomic_directory
    from zenthermo.report.summary import write_summary
    from zenthermo.report.tables import write_tables
    from zenthermo.thermo.analysis import analyze

    landscape, from_model = load_landscape(Path(args.input), args)
    if getattr(landscape, "history", {}).get("system_target") == "density":
        _warn("this model was trained on a volume density: its F is known only up to a "
              "constant per temperature, so V(T), alpha, B_T, the transition and the "
              "critical point are meaningful, absolute F, G, S and C_P are not")
    temperatures = choose_temperatures(args, landscape, from_model)
    analysis = analyze(landscape, args.pressures, temperatures,
                       phase_diagram=not args.no_phase_diagram, progress=progress)
    with atomic_directory(args.output) as tmp:
        write_summary(analysis, tmp / "summary.json")
        write_tables(analysis, tmp)
    if not args.quiet:
        print(human_summary(analysis, Path(args.output),
                            phase_diagram=not args.no_phase_diagram))
    return 0


def human_summary(analysis: Any, out_dir: Path, phase_diagram: bool = True) -> str:
    """A few lines for the terminal: per isobar V(300 K) and NTE windows, critical point."""
    lines = [f"{analysis.method} landscape, {analysis.natoms} atoms per cell, "
             f"{len(analysis.configurations)} configurations"]
    for isobar in analysis.isobars:
        head = f"  P = {isobar.P_GPa:g} GPa:"
        T = isobar.T_K
        if T[0] <= 300.0 <= T[-1]:
            import numpy as np

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
        lines.append(head)
    cp = analysis.phase_diagram.critical_point
    if not phase_diagram:
        lines.append("  critical point: not computed (--no-phase-diagram)")
    else:
        lines.append("  critical point: none found" if cp is None else
                     f"  critical point: T = {cp.T_K:.1f} K, P = {cp.P_GPa:.3f} GPa, "
                     f"V = {cp.V_A3:.3f} A^3")
    lines.append(f"wrote {out_dir}/summary.json and CSV tables")
    return "\n".join(lines)


def _warn(message: str) -> None:
    print(f"zenthermo: warning: {message}", file=sys.stderr)


__all__ = ["choose_temperatures", "human_summary", "load_landscape", "parse_pressures",
           "register", "run"]

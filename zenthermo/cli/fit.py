"""``zenthermo fit``: train ZENN (or the plain-DNN baseline) and write a model file.

    zenthermo fit SOURCES_FILE -o MODEL.pt --method zenn|dnn [--seed N] [--device cpu|cuda]
        [--eos bm4 --vibrations auto] [--tmax 1000] [--epochs N --lbfgs N] [--ensemble M]
    zenthermo fit --mode system --target TABLE.csv -o MODEL.pt --method zenn|dnn
        [--sources K] [--natoms N]

Per-source mode learns each configuration's F_k from its own data (static energies and
vibrational free energies on its own volumes and temperatures). System mode learns from
system-level data only, with K latent sources whose multiplicities are learned: either a
table of total F(V,T) (columns V_A3,T_K,F_eV) or a Boltzmann density over V per
temperature (columns V_A3,T_K,density; any normalisation, renormalised per temperature),
fitted by Jensen-Shannon divergence. The kind is told from the header. A density fixes F
only up to a constant per temperature: its model gives V(T), alpha, B_T, the transition
and the critical point, not absolute F, G, S or C_P (the model file records
``system_target``). Analyse the result with ``zenthermo analyze MODEL.pt -o OUT_DIR``.

``--ensemble M`` trains M networks with seeds N, N+1, ... (a deep ensemble) and writes them
as one model file: the landscape analysed is their mean, their spread its uncertainty
(:mod:`zenthermo.landscape.ensemble`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from zenthermo.cli._options import add_physics_options, physics_options
from zenthermo.errors import ConfigurationError
from zenthermo.progress import Progress


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "fit", parents=[common],
        help="train ZENN or the DNN baseline and write a model file",
        description="Train a ZENN (zentropy-enhanced neural network) or the plain-DNN "
        "baseline on a SourceSet file (per-source mode) or on a system-level table of total "
        "F(V,T) or of a Boltzmann density over V per temperature (system mode), and write "
        "the trained model file.")
    parser.add_argument("sources", nargs="?", metavar="SOURCES_FILE",
                        help="SourceSet file (zenthermo ingest); per-source mode")
    parser.add_argument("-o", "--output", required=True, metavar="MODEL.pt",
                        help="model file to write")
    parser.add_argument("--method", choices=("zenn", "dnn"), default="zenn",
                        help="zenn (default) or the plain-DNN baseline")
    parser.add_argument("--mode", choices=("per-source", "system"), default="per-source",
                        help="per-source (a SourceSet file) or system (--target table)")
    parser.add_argument("--target", metavar="TABLE.csv",
                        help="system mode: CSV table of total F (columns V_A3,T_K,F_eV) or "
                        "of a volume density per temperature (V_A3,T_K,density; fitted by "
                        "Jensen-Shannon divergence, F then known up to a constant per T), "
                        "told apart by the header")
    parser.add_argument("--sources", dest="n_sources", type=int, default=2, metavar="K",
                        help="system mode: number of latent sources (2)")
    parser.add_argument("--natoms", type=int, default=1,
                        help="system mode: atoms per cell of the table (1)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (0)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    add_physics_options(parser)
    parser.add_argument("--tmax", type=float, default=None,
                        help="per-source mode: highest training temperature, K (1000)")
    parser.add_argument("--epochs", type=int, default=None, help="Adam steps")
    parser.add_argument("--lbfgs", type=int, default=None, help="L-BFGS iterations")
    parser.add_argument("--ensemble", type=int, default=1, metavar="M",
                        help="train M networks with seeds N, N+1, ... (a deep ensemble; the "
                        "model is their mean, their spread its uncertainty; default 1)")
    parser.set_defaults(handler=run_fit)


def _settings(args: argparse.Namespace):
    from zenthermo.landscape.train import TrainingSettings

    options: dict[str, Any] = {"seed": args.seed, "device": args.device,
                               "n_latent_sources": args.n_sources}
    if args.tmax is not None:
        options["max_temperature"] = args.tmax
    if args.epochs is not None:
        options["adam_epochs"] = args.epochs
    if args.lbfgs is not None:
        options["lbfgs_iterations"] = args.lbfgs
    return TrainingSettings(**options)


def _system_data(target: str, settings, natoms: int):
    """System-mode TrainingData from a total-F or a density table (told by its header)."""
    from zenthermo.io.density_table import DensityTable, read_system_target
    from zenthermo.landscape.system_data import (
        system_density_training_data,
        system_training_data,
    )

    table = read_system_target(target)
    make = (system_density_training_data if isinstance(table, DensityTable)
            else system_training_data)
    return make(table, settings.n_latent_sources,
                validation_fraction=settings.validation_fraction, seed=settings.seed,
                natoms=natoms)


def run_fit(args: argparse.Namespace, progress: Progress) -> int:
    import zenthermo
    from zenthermo.io.output_guard import check_output_file
    from zenthermo.landscape.model_file import save_model
    from zenthermo.landscape.train import DnnFitter, ZennFitter
    from zenthermo.landscape.train_data import training_data_from_sources

    check_output_file(args.output, [args.sources, args.target])
    if args.n_sources < 1:
        raise ConfigurationError(f"--sources must be at least 1, not {args.n_sources}")
    if args.ensemble < 1:
        raise ConfigurationError(f"--ensemble must be at least 1, not {args.ensemble}")
    settings = _settings(args)
    if args.mode == "system":
        if not args.target:
            raise ConfigurationError("--mode system needs --target TABLE.csv")
        if args.sources:
            raise ConfigurationError("--mode system takes no SOURCES_FILE",
                                     hint="give the table with --target")
        data = _system_data(args.target, settings, args.natoms)
    else:
        if not args.sources:
            raise ConfigurationError("per-source mode needs a SOURCES_FILE",
                                     hint="or use --mode system --target TABLE.csv")
        if args.target:
            raise ConfigurationError("--target is for --mode system")
        source_set = zenthermo.load_sources(args.sources)
        data = training_data_from_sources(
            source_set, **physics_options(args), **settings.data_options())
    fitter_class = ZennFitter if args.method == "zenn" else DnnFitter
    if args.ensemble > 1:
        from zenthermo.landscape.ensemble import fit_ensemble

        landscape = fit_ensemble(fitter_class, settings, data, args.ensemble, progress)
        histories = landscape.history["members"]
    else:
        fitter = fitter_class(settings)
        landscape = fitter.fit(data, progress=progress).landscape_
        histories = [fitter.history_]
    save_model(landscape, Path(args.output))
    if not args.quiet:
        target = f", {data.system_target} target" if data.mode == "system" else ""
        members = f" x {args.ensemble} seeds" if args.ensemble > 1 else ""
        losses = ", ".join(f"{h['final_train_loss']:.3g}" for h in histories)
        validation = ", ".join(f"{h.get('best_validation_loss', float('nan')):.3g}"
                               for h in histories)
        seconds = sum(h["wall_time_s"] for h in histories)
        print(f"{args.method}{members} ({data.mode}{target}, {len(data.source_names)} sources) "
              f"-> {args.output}: training loss {losses}, validation loss {validation}, "
              f"{seconds:.1f} s")
        if data.mode == "system" and data.system_target == "F":
            print(f"  {curvature_targets(data)}")
    return 0


def curvature_targets(data) -> str:
    """One line on whether a total-F table taught the fit its curvature (spline F_V and
    F_VV targets, :func:`zenthermo.landscape.system_data.spline_targets`) or only F."""
    import numpy as np

    weights = data.combined.weights
    if not weights or "F_VV" not in weights:
        return ("curvature from F alone: the table does not resolve F_VV well enough for "
                "spline targets (too coarse or noisy; docs/zenn.md, System mode)")
    rows = int(sum(np.count_nonzero(weights[name]) for name in ("F_V", "F_VV")
                   if name in weights))
    return f"curvature targets: F_V and F_VV from splines of the table along V ({rows} targets)"

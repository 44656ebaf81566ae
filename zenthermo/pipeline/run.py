"""The main job (``zenthermo run``): inputs -> per-source F_k -> exact zentropy and ZENN
landscapes -> analysis at a set of pressures -> figures, tables and the HTML report.

    from zenthermo.pipeline import RunConfig, run_pipeline
    result = run_pipeline(RunConfig(inputs=("results/",), output_dir="out"))
    result.analyses["exact"].isobar(0.0).nte_windows

The exact analysis calls the same library functions, with the same defaults, as
``zenthermo analyze`` (temperatures from
:func:`~zenthermo.thermo.temperatures.choose_temperatures`), so ``OUT_DIR/exact/summary.json``
is the file ``zenthermo analyze`` writes for the same data and options. Everything is
computed first and then written atomically (:mod:`zenthermo.pipeline.outputs`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from zenthermo.pipeline.config import RunConfig
from zenthermo.pipeline.inputs import choose_methods, load_inputs
from zenthermo.pipeline.outputs import RunResult, check_run_output, write_outputs
from zenthermo.progress import SILENT, Progress, Stopwatch
from zenthermo.sources import SourceSet
from zenthermo.thermo.temperatures import choose_temperatures, clipped_note

__all__ = ["estimate_run_uncertainty", "fit_zenn", "run_pipeline", "temperatures_for"]


def temperatures_for(config: RunConfig, landscape: Any) -> np.ndarray:
    """The temperature grid of ``config`` for ``landscape``, as ``zenthermo analyze`` builds it."""
    return choose_temperatures(landscape.temperature_domain, config.tmin_K, config.tmax_K,
                               config.tstep_K)


def fit_zenn(source_set: SourceSet, config: RunConfig, temperatures: np.ndarray,
             progress: Progress | None = None) -> Any:
    """Train ZENN in per-source mode with the fitter's default settings.

    Each source's physics model (the same recipe as the exact path, ``config``'s physics
    options) is distilled on a dense volume grid over its data and on temperatures up to
    ``temperatures[-1]`` (:func:`zenthermo.landscape.train_data.training_data_from_sources`).
    ``config.zenn_settings`` override the fitter's parameters; ``config.seed`` seeds it.
    With ``config.zenn_ensemble`` M > 1, M networks with seeds seed, seed + 1, ... are
    trained and their mean is the landscape.

    Returns
    -------
    ZennLandscape or EnsembleLandscape
    """
    from zenthermo.landscape.train import ZennFitter
    from zenthermo.landscape.train_data import training_data_from_sources

    fitter = ZennFitter(**{**dict(config.zenn_settings), "seed": config.seed,
                           "max_temperature": float(temperatures[-1])})
    data = training_data_from_sources(source_set, **config.physics_options(),
                                      **fitter.settings.data_options())
    if config.zenn_ensemble > 1:
        from zenthermo.landscape.ensemble import fit_ensemble
        from zenthermo.uncertainty.parallel import inside_dask_task, member_map

        # On a cluster (run --scheduler) the members are tasks of it; here, one after another
        # (each fit already uses the cores through torch's threads).
        map_fn = member_map() if inside_dask_task() else None
        return fit_ensemble(ZennFitter, fitter.settings, data, config.zenn_ensemble, progress,
                            map_fn=map_fn)
    return fitter.fit(data, progress=progress).landscape_


def run_pipeline(config: RunConfig, progress: Progress | None = None) -> RunResult:
    """Run the whole job and write ``config.output_dir`` atomically.

    Parameters
    ----------
    config : RunConfig
    progress : Progress, optional
        Progress display (silent by default).

    Returns
    -------
    RunResult
        The source set, landscapes and analyses per method, the figures, stage timings and
        warnings; the files are in ``config.output_dir``.

    Raises
    ------
    ZenthermoError
        Bad input or options, or an output folder the output rule refuses
        (:func:`~zenthermo.pipeline.outputs.check_run_output`); nothing is written then.
    """
    from zenthermo.io.experiment import read_reference_csv
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.physics.free_energy import build_source_free_energies
    from zenthermo.thermo.analysis import analyze, configurations_of

    progress = SILENT if progress is None else progress
    check_run_output(config)  # before any work: outputs never touch inputs
    clock = Stopwatch()
    with clock("load inputs"), progress.stage("load inputs"):
        source_set = load_inputs(config.inputs, config.manifest, progress,
                                 **config.ingest_options)
        references = [read_reference_csv(p, natoms=source_set.natoms) for p in config.references]
    methods, warnings = choose_methods(config, source_set)
    with clock("free energies"), progress.stage("free energies F_k(V,T)"):
        free_energies = build_source_free_energies(source_set, **config.physics_options())
        exact = ExactZentropy(free_energies)
    temperatures = temperatures_for(config, exact)
    note = clipped_note(temperatures, config.tmax_K)
    if note:
        warnings.append(note)
    landscapes: dict[str, Any] = {}
    if "exact" in methods:
        landscapes["exact"] = exact
    if "zenn" in methods:
        with clock("ZENN fit"):
            landscapes["zenn"] = fit_zenn(source_set, config, temperatures, progress)
    analyses: dict[str, Any] = {}
    configurations = configurations_of(exact)
    for method, landscape in landscapes.items():
        with clock(f"analysis ({method})"):
            # every method on the user's grid (clipped to its domain only if narrower)
            grid = temperatures if method == "exact" else temperatures_for(config, landscape)
            analyses[method] = analyze(
                landscape, config.pressures_GPa, grid,
                configurations=() if method == "exact" else configurations,
                phase_diagram=config.phase_diagram, progress=progress)
    uncertainty = None
    if config.uncertainty_members and "exact" in analyses:
        with clock("uncertainty"):
            uncertainty = estimate_run_uncertainty(config, source_set, analyses["exact"],
                                                   progress)
        warnings += [f"error bars: {w}" for w in uncertainty.warnings]
    ensemble = None
    if "zenn" in analyses and hasattr(landscapes["zenn"], "members"):
        from zenthermo.uncertainty.ensemble import ensemble_intervals

        with clock("ensemble intervals (zenn)"), progress.stage("ZENN ensemble intervals"):
            ensemble = ensemble_intervals(analyses["zenn"], landscapes["zenn"],
                                          config.uncertainty_ci,
                                          phase_diagram=config.phase_diagram,
                                          configurations=configurations)
    for fe in free_energies:
        warnings += [f"{fe.label or fe.name}: {w}" for w in fe.eos_fit.warnings]
    return write_outputs(config, source_set, free_energies, landscapes, analyses, references,
                         warnings, clock, progress, uncertainty=uncertainty,
                         ensemble_uncertainty=ensemble)


def estimate_run_uncertainty(config: RunConfig, source_set: SourceSet, exact: Any,
                             progress: Progress | None = None) -> Any:
    """Error bars of the exact analysis ``exact`` (:mod:`zenthermo.uncertainty`).

    The members run as tasks of the Dask cluster when this job is itself a Dask task
    (``zenthermo run --scheduler``), on local processes otherwise
    (:func:`~zenthermo.uncertainty.parallel.member_map`).
    """
    from zenthermo.uncertainty import estimate_uncertainty, member_map

    return estimate_uncertainty(source_set, exact, config.uncertainty_settings(),
                                config.physics_options(), phase_diagram=config.phase_diagram,
                                map_fn=member_map(), progress=progress)

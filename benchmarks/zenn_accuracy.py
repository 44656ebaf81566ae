"""Accuracy of ZENN and the plain-DNN baseline against exact answers.

1. Fe3Pt (three magnetic configurations, Debye-Grueneisen vibrations): train on 8 of the 12
   DFT volumes on a coarse temperature grid, compare with ``ExactZentropy`` built from all
   12 volumes at the 4 held-out volumes: RMSE of F (meV/atom), P and B_T (GPa), the largest
   error of alpha on the 0 GPa isobar, the NTE window ends, the critical point, wall time.
2. The paper's double-well toy G(x, T) = T [(x^2/2 + (T-2)/2)^2 + ((T-2)^2 - 1)^2 / 2],
   x playing the volume and G the free energy (see :func:`toy_answers` for what is known in
   closed form), learned by both networks in system mode from a table of G.

Run: ``.venv/bin/python -m benchmarks.zenn_accuracy`` (writes the "zenn" section of
docs/benchmarks.md). Uses 2 torch threads.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import numpy as np
import torch

import zenthermo.physics  # noqa: F401  (import order: physics before landscape)
from zenthermo.units import EV_PER_A3_IN_GPA

HELD_OUT = (1, 4, 7, 10)
#: Below T_c the zentropy F_VV has sharp negative dips (-beta Var F_V, up to thousands of GPa
#: at low T) whose position moves with sub-meV shifts of the source energies; the grid RMSE
#: of B_T is also reported above this temperature, and along the 0 GPa isobar.
SMOOTH_ABOVE_K = 200.0  # indices (ascending volume) of the held-out DFT volumes


def fe3pt_sources():
    import zenthermo

    try:
        return zenthermo.load_sources("data/fe3pt/sources.json")
    except Exception:  # noqa: BLE001 - fall back to the raw fixture
        return zenthermo.ingest("/work/shared/fixtures/fe3pt-vasp")


def subset_volumes(source_set, keep_index):
    """The same sources with only the volume points whose index is in ``keep_index``."""
    sources = []
    for source in source_set:
        points = tuple(p for i, p in enumerate(source.points) if i in keep_index)
        sources.append(dataclasses.replace(source, points=points))
    return dataclasses.replace(source_set, sources=tuple(sources))


def landscape_errors(learned, exact, V_eval, T_eval, natoms, pressures=(0.0,),
                     isobar_T=None):
    """Error metrics of ``learned`` against ``exact``."""
    from zenthermo.thermo.critical import find_critical_point
    from zenthermo.thermo.isobar import compute_isobar
    from zenthermo.thermo.nte import nte_windows

    V, T = np.meshgrid(V_eval, T_eval, indexing="ij")
    a, b = learned.derivatives(V, T), exact.derivatives(V, T)
    row = {
        "F_rmse_meV_atom": float(np.sqrt(np.mean((a.F - b.F) ** 2)) * 1e3 / natoms),
        "P_rmse_GPa": float(np.sqrt(np.mean((a.F_V - b.F_V) ** 2)) * EV_PER_A3_IN_GPA),
        "B_rmse_GPa": float(np.sqrt(np.mean((V * (a.F_VV - b.F_VV)) ** 2)) * EV_PER_A3_IN_GPA),
    }
    smooth = T >= SMOOTH_ABOVE_K
    row["B_rmse_smooth_GPa"] = float(np.sqrt(np.mean((V * (a.F_VV - b.F_VV))[smooth] ** 2))
                                     * EV_PER_A3_IN_GPA)
    isobar_T = np.arange(10.0, 1000.0, 5.0) if isobar_T is None else isobar_T
    ia, ib = (compute_isobar(x, pressures[0], isobar_T) for x in (learned, exact))
    row["B_isobar_rmse_GPa"] = float(np.sqrt(np.mean((ia.B_GPa - ib.B_GPa) ** 2)))
    row["alpha_maxerr_1e-6_per_K"] = float(np.max(np.abs(ia.alpha_per_K - ib.alpha_per_K))
                                           * 1e6)
    wa, wb = nte_windows(ia.T_K, ia.alpha_per_K), nte_windows(ib.T_K, ib.alpha_per_K)
    row["nte_learned"] = [(w.T_start_K, w.T_end_K) for w in wa]
    row["nte_exact"] = [(w.T_start_K, w.T_end_K) for w in wb]
    if wa and wb:
        row["nte_start_err_K"] = abs(wa[0].T_start_K - wb[0].T_start_K)
        row["nte_end_err_K"] = abs(wa[0].T_end_K - wb[0].T_end_K)
    ca, cb = find_critical_point(learned), find_critical_point(exact)
    row["cp_learned"] = ca
    row["cp_exact"] = cb
    if ca is not None and cb is not None:
        row["Tc_err_K"] = abs(ca.T_K - cb.T_K)
        row["Pc_err_GPa"] = abs(ca.P_GPa - cb.P_GPa)
    return row


def run_fe3pt(settings=None, methods=("zenn", "dnn")):
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.landscape.train import DnnFitter, TrainingSettings, ZennFitter
    from zenthermo.landscape.train_data import training_data_from_sources

    settings = settings or TrainingSettings()
    full = fe3pt_sources()
    exact = ExactZentropy.from_sources(full)
    n = len(full[0].points)
    keep = [i for i in range(n) if i not in HELD_OUT]
    train_set = subset_volumes(full, keep)
    data = training_data_from_sources(train_set, n_temperatures=settings.n_temperatures,
                                      max_temperature=settings.max_temperature,
                                      validation_fraction=settings.validation_fraction,
                                      seed=settings.seed)
    V_eval = full[0].volumes[list(HELD_OUT)]
    T_eval = np.arange(0.0, settings.max_temperature + 1, 25.0)
    results = {}
    for method in methods:
        fitter = {"zenn": ZennFitter, "dnn": DnnFitter}[method](settings)
        start = time.perf_counter()
        fitter.fit(data)
        wall = time.perf_counter() - start
        row = landscape_errors(fitter.landscape_, exact, V_eval, T_eval, full.natoms)
        row["fit_s"] = wall
        row["history"] = fitter.history_
        results[method] = row
    return results


if __name__ == "__main__":
    torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)
    for method, row in run_fe3pt().items():
        print(method, {k: v for k, v in row.items() if k != "history"})
        print("   ", row["history"])

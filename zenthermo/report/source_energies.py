"""The learned split of every configuration's free energy along a ZENN isobar: F_k, E_k, S_k.

``sources_P{p}GPa.csv`` per isobar (next to ``isobar_P{p}GPa.csv``): ``T_K``, ``V_A3`` (the
isobar's equilibrium volume), ``extrapolated``, then per source ``F_<name>_eV``,
``E_<name>_eV`` and ``S_<name>_eV_per_K``, per cell like the isobar tables, with
F_k = E_k - T S_k at (V, T). A model trained with the sources' entropies
(``weight_intrinsic_entropy`` > 0, per-source mode) has S_k = -dF_k/dT, the source's
vibrational plus electronic entropy, and E_k = F_k + T S_k its internal energy; otherwise
the split is whatever the fit left. Empty cells where the isobar has no volume.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.io.atomic import write_text_atomic

__all__ = ["source_energy_columns", "source_table_name", "write_source_energies"]


def source_table_name(P_GPa: float) -> str:
    """File name of one isobar's per-source table, e.g. ``sources_P0GPa.csv``."""
    return f"sources_P{float(P_GPa) + 0.0:.10g}GPa.csv"


def source_energy_columns(landscape: Any, isobar: Any) -> dict[str, np.ndarray]:
    """The columns of one isobar's table (name -> array over the isobar's temperatures)."""
    T = np.asarray(isobar.T_K, dtype=np.float64)
    V = np.asarray(isobar.V_A3, dtype=np.float64)
    known = np.isfinite(V)
    F, E, S = landscape.source_energy_entropy(np.where(known, V, np.nanmean(V) if known.any()
                                                       else landscape.volume_domain[0]), T)
    columns = {"T_K": T, "V_A3": V,
               "extrapolated": np.asarray(isobar.extrapolated, dtype=bool)}
    for k, name in enumerate(landscape.source_names):
        for label, values, unit in (("F", F, "eV"), ("E", E, "eV"), ("S", S, "eV_per_K")):
            columns[f"{label}_{name}_{unit}"] = np.where(known, values[k], np.nan)
    return columns


def write_source_energies(landscape: Any, analysis: Any,
                          out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write one ``sources_P{p}GPa.csv`` per isobar of ``analysis``; returns the paths.

    Writes nothing (returns []) for a landscape without per-source energies and entropies
    (the exact path, the DNN, an ensemble).
    """
    if not hasattr(landscape, "source_energy_entropy"):
        return []
    import pandas as pd

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for isobar in analysis.isobars:
        frame = pd.DataFrame(source_energy_columns(landscape, isobar))
        frame["extrapolated"] = frame["extrapolated"].map({True: "true", False: "false"})
        path = out / source_table_name(isobar.P_GPa)
        write_text_atomic(path, frame.to_csv(index=False, na_rep="", float_format="%.12g"))
        written.append(path)
    return written

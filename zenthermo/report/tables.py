"""CSV tables of an :class:`~zenthermo.thermo.results.Analysis`, for spreadsheets and plots.

One file per isobar, the phase diagram in long format, and the configurations; units in the
column names, empty cells for NaN or missing values. Every file is written atomically.
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.io.atomic import write_text_atomic
from zenthermo.report.summary import ISOBAR_ARRAYS, write_summary
from zenthermo.thermo.results import Analysis, Isobar, PhaseDiagram

__all__ = ["CONFIGURATION_COLUMNS", "isobar_table_name", "write_analysis", "write_tables"]

#: Columns of ``configurations.csv`` (fields of ConfigurationSummary).
CONFIGURATION_COLUMNS = ("name", "label", "multiplicity", "magnetic_order", "E0_eV", "V0_A3",
                         "B0_GPa", "B0_prime")


def isobar_table_name(P_GPa: float) -> str:
    """File name of one isobar's CSV table, e.g. ``isobar_P0GPa.csv``, ``isobar_P-2.5GPa.csv``."""
    return f"isobar_P{float(P_GPa) + 0.0:.10g}GPa.csv"


def _csv_cell(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value)) if math.isfinite(value) else ""
    return str(value)


def _csv_text(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    return buffer.getvalue()


def write_tables(analysis: Analysis, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write the CSV tables of ``analysis`` into ``out_dir`` (each file atomically).

    * ``isobar_P{p}GPa.csv`` per isobar: T, every property, the metastable volume and Gibbs
      energy (empty where there is none), ``extrapolated`` and one ``p_<source>`` column
      per source; units in the column names.
    * ``phase_diagram.csv``: long format ``piece,T_K,P_GPa,V_A3`` with pieces
      ``critical_point``, ``coexistence_low``, ``coexistence_high``, ``spinodal_low``,
      ``spinodal_high`` (header only when there is no transition).
    * ``configurations.csv``: one row per source with its EOS summary.

    Empty cells stand for NaN / missing values. Returns the paths written.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for isobar in analysis.isobars:
        path = out / isobar_table_name(isobar.P_GPa)
        write_text_atomic(path, _isobar_csv(isobar))
        written.append(path)
    path = out / "phase_diagram.csv"
    write_text_atomic(path, _phase_diagram_csv(analysis.phase_diagram))
    written.append(path)
    path = out / "configurations.csv"
    rows = [[getattr(c, f) for f in CONFIGURATION_COLUMNS] for c in analysis.configurations]
    write_text_atomic(path, _csv_text(CONFIGURATION_COLUMNS, rows))
    written.append(path)
    return written


def write_analysis(analysis: Analysis, out_dir: str | os.PathLike[str],
                   uncertainty: Any = None) -> list[Path]:
    """Write ``out_dir/summary.json`` and the CSV tables of ``analysis``; returns the paths.

    What ``zenthermo analyze`` writes, and what ``zenthermo run`` writes per method.
    ``uncertainty`` (error bars of ``analysis``, optional) goes into summary.json.
    """
    summary = write_summary(analysis, Path(out_dir) / "summary.json", uncertainty)
    return [summary, *write_tables(analysis, out_dir)]


def _isobar_csv(isobar: Isobar) -> str:
    T = np.asarray(isobar.T_K, dtype=np.float64)
    meta_V = np.full(T.shape, np.nan)
    meta_G = np.full(T.shape, np.nan)
    if isobar.metastable is not None:
        index = np.searchsorted(T, isobar.metastable.T_K)
        meta_V[index] = isobar.metastable.V_A3
        meta_G[index] = isobar.metastable.G_eV
    columns = {"T_K": T}
    columns.update({name: np.asarray(getattr(isobar, name)) for name in ISOBAR_ARRAYS})
    columns["lcte_per_K"] = np.asarray(isobar.lcte_per_K)
    columns["V_metastable_A3"] = meta_V
    columns["G_metastable_eV"] = meta_G
    columns.update({f"p_{name}": np.asarray(p) for name, p in isobar.probabilities.items()})
    headers = [*columns, "extrapolated"]
    extrapolated = np.asarray(isobar.extrapolated, dtype=bool)
    rows = [[float(columns[h][i]) for h in columns] + [bool(extrapolated[i])]
            for i in range(T.size)]
    return _csv_text(headers, rows)


def _phase_diagram_csv(diagram: PhaseDiagram) -> str:
    rows: list[list[Any]] = []
    cp = diagram.critical_point
    if cp is not None:
        rows.append(["critical_point", cp.T_K, cp.P_GPa, cp.V_A3])
    co = diagram.coexistence
    if co is not None:
        for piece, volumes in (("coexistence_low", co.V_low_A3),
                               ("coexistence_high", co.V_high_A3)):
            rows += [[piece, float(t), float(p), float(v)]
                     for t, p, v in zip(co.T_K, co.P_GPa, volumes, strict=True)]
    sp = diagram.spinodal
    if sp is not None:
        for piece, volumes, pressures in (("spinodal_low", sp.V_low_A3, sp.P_low_GPa),
                                          ("spinodal_high", sp.V_high_A3, sp.P_high_GPa)):
            rows += [[piece, float(t), float(p), float(v)]
                     for t, p, v in zip(sp.T_K, pressures, volumes, strict=True)]
    return _csv_text(["piece", "T_K", "P_GPa", "V_A3"], rows)

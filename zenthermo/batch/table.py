"""The batch table: one row per material x method x pressure, written as batch.csv (+ Parquet).

Columns (units in the names; empty where a value does not exist):

==================  ======================================================================
material            the material's name (its folder in OUT_DIR)
method              exact or zenn (empty for a material that failed before any analysis)
P_GPa               the isobar's pressure
status              ok, failed or skipped (up to date: outputs of an earlier run kept)
error               why the material failed, on one line
T_c_K, P_c_GPa      critical point of the method's landscape (same on every pressure row)
nte_start_K/end_K   the first NTE window on this isobar
nte_windows         every NTE window on this isobar, e.g. ``285-440``
V0_A3, B0_GPa       equilibrium volume (per cell) and isothermal bulk modulus at the
                    isobar's lowest temperature (0 K unless tmin_K says otherwise)
V_300K_A3           equilibrium volume at 300 K (empty if 300 K is outside the isobar)
lcte_300K_per_K     linear thermal expansion alpha/3 at 300 K, 1/K
wall_s              wall time of the material's task, s (the check only, when skipped)
report              the material's report, relative to OUT_DIR
==================  ======================================================================
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from zenthermo.io.atomic import atomic_path

COLUMNS = ("material", "method", "P_GPa", "status", "error", "T_c_K", "P_c_GPa",
           "nte_start_K", "nte_end_K", "nte_windows", "V0_A3", "B0_GPa", "V_300K_A3",
           "lcte_300K_per_K", "wall_s", "report")
STATUSES = ("ok", "failed", "skipped")
_TEXT = ("material", "method", "status", "error", "nte_windows", "report")


def _finite(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _at(T_K: np.ndarray, values: np.ndarray, at_K: float) -> float | None:
    T_K, values = np.asarray(T_K, dtype=np.float64), np.asarray(values, dtype=np.float64)
    if T_K.size == 0 or not T_K[0] <= at_K <= T_K[-1]:
        return None
    return _finite(np.interp(at_K, T_K, values))


def headline_rows(analyses: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The numbers of each analysis at each pressure (no material, status or timing yet).

    ``analyses`` maps a method name to its :class:`~zenthermo.thermo.results.Analysis`.
    Values are plain floats or None (JSON-ready).
    """
    rows = []
    for method, analysis in analyses.items():
        cp = analysis.phase_diagram.critical_point
        for isobar in analysis.isobars:
            windows = isobar.nte_windows
            first = windows[0] if windows else None
            rows.append({
                "method": method, "P_GPa": float(isobar.P_GPa),
                "T_c_K": None if cp is None else _finite(cp.T_K),
                "P_c_GPa": None if cp is None else _finite(cp.P_GPa),
                "nte_start_K": None if first is None else _finite(first.T_start_K),
                "nte_end_K": None if first is None else _finite(first.T_end_K),
                "nte_windows": "; ".join(f"{w.T_start_K:.0f}-{w.T_end_K:.0f}" for w in windows),
                "V0_A3": _finite(isobar.V_A3[0]) if len(isobar.V_A3) else None,
                "B0_GPa": _finite(isobar.B_GPa[0]) if len(isobar.B_GPa) else None,
                "V_300K_A3": _at(isobar.T_K, isobar.V_A3, 300.0),
                "lcte_300K_per_K": _at(isobar.T_K, isobar.lcte_per_K, 300.0),
            })
    return rows


def material_rows(name: str, status: str, rows: Sequence[Mapping[str, Any]] = (),
                  error: str = "", wall_s: float | None = None,
                  report: str = "") -> list[dict[str, Any]]:
    """Complete rows of one material (a single row without numbers when there are none)."""
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    base = {"material": name, "status": status, "error": error, "wall_s": wall_s,
            "report": report}
    return [{**dict(row), **base} for row in rows] or [base]


def batch_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The batch table with :data:`COLUMNS` in order (missing values as NaN / empty text)."""
    frame = pd.DataFrame(list(rows), columns=list(COLUMNS))
    for column in COLUMNS:
        if column in _TEXT:
            frame[column] = frame[column].fillna("").astype(str)
        else:
            frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(np.float64)
    return frame


def has_parquet() -> bool:
    """Whether pandas can write Parquet here (pyarrow installed)."""
    try:
        import pyarrow  # noqa: F401
    except ModuleNotFoundError:
        return False
    return True


def write_batch_table(frame: pd.DataFrame, out_dir: str | os.PathLike[str]) -> list[Path]:
    """Write ``OUT_DIR/batch.csv`` and, with pyarrow, ``OUT_DIR/batch.parquet`` atomically."""
    folder = Path(out_dir)
    written = []
    with atomic_path(folder / "batch.csv") as tmp:
        frame.to_csv(tmp, index=False, float_format="%.10g")
    written.append(folder / "batch.csv")
    if has_parquet():
        with atomic_path(folder / "batch.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
        written.append(folder / "batch.parquet")
    return written


def read_batch_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a batch.csv back with the column types of :func:`batch_frame`."""
    frame = pd.read_csv(path, keep_default_na=False, na_values={
        c: [""] for c in COLUMNS if c not in _TEXT})
    return batch_frame(frame.to_dict("records"))


__all__ = ["COLUMNS", "STATUSES", "batch_frame", "has_parquet", "headline_rows",
           "material_rows", "read_batch_table", "write_batch_table"]

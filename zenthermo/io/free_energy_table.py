"""Reader of a system-level free-energy table: total F(V,T) for ZENN's system mode.

The file is CSV with a header and the columns ``V_A3`` (volume, A^3 per cell), ``T_K``
(temperature, K) and ``F_eV`` (Helmholtz energy, eV per cell); other columns are ignored,
lines starting with ``#`` are comments. The points need not form a full grid, but there
must be at least three distinct volumes, two distinct temperatures and
:data:`MIN_POINTS` points in all.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError

REQUIRED_COLUMNS = ("V_A3", "T_K", "F_eV")
MIN_POINTS = 10


@dataclass(frozen=True, eq=False)
class FreeEnergyTable:
    """Total free energy at scattered (V, T) points; arrays of shape (n,), float64.

    Attributes
    ----------
    V_A3 : ndarray
        A^3 per cell.
    T_K : ndarray
        K.
    F_eV : ndarray
        eV per cell.
    path : str
        The file read.
    """

    V_A3: np.ndarray
    T_K: np.ndarray
    F_eV: np.ndarray
    path: str = ""

    def __len__(self) -> int:
        return int(self.V_A3.size)


def read_free_energy_table(path: str | os.PathLike[str]) -> FreeEnergyTable:
    """Read and check a ``V_A3,T_K,F_eV`` table.

    Raises
    ------
    InputError
        The file is missing or not CSV, a required column is missing, a value is not a
        finite number, a volume is not positive or a temperature negative, a (V, T) point
        is repeated, or there are too few points.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError("free-energy table not found", path=path)
    try:
        frame = pd.read_csv(path, comment="#", skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"not a readable CSV table ({error.__class__.__name__})", path=path,
                         hint=f"expected a header with columns {', '.join(REQUIRED_COLUMNS)}"
                         ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=path,
                         hint=f"the table needs the columns {', '.join(REQUIRED_COLUMNS)}")
    columns = {}
    for name in REQUIRED_COLUMNS:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            lines = ", ".join(str(i + 2) for i in bad[:5])  # +2: header line, 1-based
            raise InputError(f"column {name} has {bad.size} missing, NaN or non-numeric "
                             f"value(s) (data line(s) {lines})", path=path)
        columns[name] = values
    V, T, F = columns["V_A3"], columns["T_K"], columns["F_eV"]
    if (V <= 0).any():
        raise InputError("volumes (V_A3) must be positive", path=path)
    if (T < 0).any():
        raise InputError("temperatures (T_K) must not be negative", path=path)
    if len(np.unique(np.stack([V, T], axis=1), axis=0)) < V.size:
        raise InputError("a (V_A3, T_K) point appears more than once", path=path)
    n_v, n_t = np.unique(V).size, np.unique(T).size
    if V.size < MIN_POINTS or n_v < 3 or n_t < 2:
        raise InputError(
            f"too few points to learn F(V,T): {V.size} points, {n_v} volume(s), "
            f"{n_t} temperature(s)", path=path,
            hint=f"give at least {MIN_POINTS} points with 3 or more volumes and 2 or more "
            "temperatures")
    return FreeEnergyTable(V, T, F, str(path))

"""Reader of a system-level free-energy table: total F(V,T) for ZENN's system mode.

The file is CSV with a header and the columns ``V_A3`` (volume, A^3 per cell), ``T_K``
(temperature, K) and ``F_eV`` (Helmholtz energy, eV per cell); other columns are ignored,
lines starting with ``#`` are comments. The points need not form a full grid, but there
must be at least three distinct volumes, two distinct temperatures and
:data:`MIN_POINTS` points in all.

:func:`read_csv_columns` and :func:`check_points` are shared with the density-table
reader (:mod:`zenthermo.io.density_table`).
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_text

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


def data_lines(path: Path, n_rows: int) -> np.ndarray:
    """The 1-based file line of each of the ``n_rows`` data rows, shape (n_rows,).

    Comment (``#``) and blank lines are skipped as the CSV reader skips them; if the count
    does not match, the lines are assumed to follow the header directly.
    """
    text = read_text(path)[0].splitlines()
    lines = [i for i, line in enumerate(text, 1) if line.split("#", 1)[0].strip()]
    if len(lines) == n_rows + 1:
        return np.asarray(lines[1:], dtype=np.int64)
    return np.arange(2, n_rows + 2)


def line_list(lines: np.ndarray, rows: np.ndarray) -> str:
    """The file lines of the data rows ``rows`` (indices) as text, at most five."""
    return ", ".join(str(int(lines[i])) for i in rows[:5])


def read_csv_frame(path: Path, what: str, expected: str, nrows: int | None = None):
    """The CSV table in ``path`` as a pandas DataFrame, column names stripped.

    ``what`` names the kind of table and ``expected`` its columns in the messages;
    ``nrows`` = 0 reads the header only.

    Raises
    ------
    InputError
        The file is missing or is not readable as CSV.
    """
    import pandas as pd

    if not path.is_file():
        raise InputError(f"{what} not found", path=path)
    text = read_text(path)[0]  # any compression, recognised by content
    try:
        frame = pd.read_csv(io.StringIO(text), comment="#", skipinitialspace=True, nrows=nrows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise InputError(f"not a readable CSV table ({error.__class__.__name__})", path=path,
                         hint=f"expected a header with columns {expected}") from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def read_csv_columns(path: Path, required: Sequence[str],
                     what: str) -> dict[str, np.ndarray]:
    """The ``required`` columns of a CSV table as finite float64 arrays of shape (n,).

    ``what`` names the kind of table in the messages (e.g. ``"free-energy table"``). The
    result also holds ``"line"``: the file line of each row (int, shape (n,)).

    Raises
    ------
    InputError
        The file is missing or not CSV, a required column is missing, or a value is not a
        finite number (the message gives the file lines).
    """
    import pandas as pd

    frame = read_csv_frame(path, what, ", ".join(required))
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"missing column(s) {', '.join(missing)}", path=path,
                         hint=f"the table needs the columns {', '.join(required)}")
    columns = {"line": data_lines(path, len(frame))}
    for name in required:
        values = pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=np.float64)
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise InputError(f"column {name} has {bad.size} missing, NaN or non-numeric "
                             f"value(s) (line(s) {line_list(columns['line'], bad)})",
                             path=path)
        columns[name] = values
    return columns


def check_points(V: np.ndarray, T: np.ndarray, path: Path) -> None:
    """Refuse non-positive volumes, negative temperatures and repeated (V, T) points."""
    if (V <= 0).any():
        raise InputError("volumes (V_A3) must be positive", path=path)
    if (T < 0).any():
        raise InputError("temperatures (T_K) must not be negative", path=path)
    if len(np.unique(np.stack([V, T], axis=1), axis=0)) < V.size:
        raise InputError("a (V_A3, T_K) point appears more than once", path=path)


def read_free_energy_table(path: str | os.PathLike[str]) -> FreeEnergyTable:
    """Read and check a ``V_A3,T_K,F_eV`` table.

    Raises
    ------
    InputError
        The file is missing or not CSV, a required column is missing, a value is not a
        finite number, a volume is not positive or a temperature negative, a (V, T) point
        is repeated, or there are too few points.
    """
    path = Path(path)
    columns = read_csv_columns(path, REQUIRED_COLUMNS, "free-energy table")
    V, T, F = columns["V_A3"], columns["T_K"], columns["F_eV"]
    check_points(V, T, path)
    n_v, n_t = np.unique(V).size, np.unique(T).size
    if V.size < MIN_POINTS or n_v < 3 or n_t < 2:
        raise InputError(
            f"too few points to learn F(V,T): {V.size} points, {n_v} volume(s), "
            f"{n_t} temperature(s)", path=path,
            hint=f"give at least {MIN_POINTS} points with 3 or more volumes and 2 or more "
            "temperatures")
    return FreeEnergyTable(V, T, F, str(path))

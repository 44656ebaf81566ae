"""Reader of a system-level density table: a Boltzmann density over volume per temperature.

The alternative target of ZENN's system mode (see
:func:`zenthermo.landscape.train_data.system_density_training_data`): the probability
p(V|T) of the cell volume at each temperature, e.g. a histogram of the volume in an NPT
simulation at P = 0 or the Boltzmann weights exp(-F(V,T)/k_B T) on a volume grid. It
fixes F(V,T) only up to a constant per temperature.

The file is CSV with a header and the columns ``V_A3`` (volume, A^3 per cell), ``T_K``
(temperature, K) and ``density`` (p(V|T), any normalisation, >= 0); other columns are
ignored, lines starting with ``#`` are comments. On reading, each temperature's densities
are renormalised to sum to one: a discrete distribution on the given volumes (which need
not be evenly spaced, nor the same at every temperature). Zero densities are allowed. Each
temperature needs at least :data:`MIN_VOLUMES` volumes and a positive density somewhere;
there must be at least two temperatures.

:func:`read_system_target` reads either this table or a table of total F
(:mod:`zenthermo.io.free_energy_table`), told apart by the header.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.free_energy_table import (
    FreeEnergyTable,
    check_points,
    line_list,
    read_csv_columns,
    read_csv_frame,
    read_free_energy_table,
)

REQUIRED_COLUMNS = ("V_A3", "T_K", "density")
#: Fewest volumes per temperature: a distribution over fewer says nothing about curvature.
MIN_VOLUMES = 3


@dataclass(frozen=True, eq=False)
class DensityTable:
    """Volume densities at scattered (V, T) points; arrays of shape (n,), float64.

    Attributes
    ----------
    V_A3 : ndarray
        A^3 per cell.
    T_K : ndarray
        K (all > 0).
    density : ndarray
        p(V|T) >= 0, normalised to sum to one over the rows of each temperature.
    path : str
        The file read.
    """

    V_A3: np.ndarray
    T_K: np.ndarray
    density: np.ndarray
    path: str = ""

    def __len__(self) -> int:
        return int(self.V_A3.size)


def normalise_per_temperature(T: np.ndarray, density: np.ndarray) -> np.ndarray:
    """``density`` divided by its sum over the rows of the same temperature, shape (n,)."""
    _, group = np.unique(T, return_inverse=True)
    totals = np.bincount(group, weights=density)
    return density / totals[group]


def _check_densities(T: np.ndarray, density: np.ndarray, lines: np.ndarray,
                     path: Path) -> None:
    """Refuse negative densities, T = 0 and temperatures with too few or no-weight rows."""
    negative = np.flatnonzero(density < 0)
    if negative.size:
        raise InputError(f"column density has {negative.size} negative value(s) "
                         f"(line(s) {line_list(lines, negative)})", path=path,
                         hint="a density is a probability weight: zero or positive")
    if (T == 0).any():
        raise InputError("temperatures (T_K) must be positive: a Boltzmann density over "
                         "volume is not defined at T = 0", path=path)
    temps, group = np.unique(T, return_inverse=True)
    counts = np.bincount(group)
    totals = np.bincount(group, weights=density)
    few = temps[counts < MIN_VOLUMES]
    if few.size:
        raise InputError(f"too few volumes at T_K = {_listed(few)}: each temperature needs "
                         f"at least {MIN_VOLUMES}", path=path)
    empty = temps[totals <= 0]
    if empty.size:
        raise InputError(f"the density is zero at every volume at T_K = {_listed(empty)}",
                         path=path, hint="drop that temperature or give its weights")
    if temps.size < 2:
        raise InputError(f"too few temperatures to learn F(V,T): {temps.size}", path=path,
                         hint="give densities at 2 or more temperatures")


def _listed(values: np.ndarray) -> str:
    """At most five numbers as text."""
    return ", ".join(f"{v:g}" for v in values[:5]) + (", ..." if values.size > 5 else "")


def read_density_table(path: str | os.PathLike[str]) -> DensityTable:
    """Read and check a ``V_A3,T_K,density`` table, renormalised per temperature.

    Raises
    ------
    InputError
        The file is missing or not CSV, a required column is missing, a value is not a
        finite number, a density is negative, a volume is not positive or a temperature
        not positive, a (V, T) point is repeated, a temperature has fewer than
        :data:`MIN_VOLUMES` volumes or zero density at all of them, or there is only one
        temperature.
    """
    path = Path(path)
    columns = read_csv_columns(path, REQUIRED_COLUMNS, "density table")
    V, T, density = columns["V_A3"], columns["T_K"], columns["density"]
    check_points(V, T, path)
    _check_densities(T, density, columns["line"], path)
    return DensityTable(V, T, normalise_per_temperature(T, density), str(path))


def system_target_kind(path: str | os.PathLike[str]) -> str:
    """``"F"`` or ``"density"``: the kind of system-level table, from its header.

    Raises
    ------
    InputError
        The file is missing or unreadable, or its header has both an ``F_eV`` and a
        ``density`` column, or neither.
    """
    path = Path(path)
    names = set(read_csv_frame(path, "system target table",
                               "V_A3,T_K,F_eV or V_A3,T_K,density", nrows=0).columns)
    has_f, has_density = "F_eV" in names, "density" in names
    if has_f and has_density:
        raise InputError("the table has both an F_eV and a density column: it must be one "
                         "kind of target", path=path,
                         hint="keep F_eV (total free energy) or density (volume density)")
    if not (has_f or has_density):
        raise InputError("missing column(s) F_eV or density", path=path,
                         hint="a system target is V_A3,T_K,F_eV (total free energy) or "
                         "V_A3,T_K,density (Boltzmann density over V per temperature)")
    return "F" if has_f else "density"


def read_system_target(path: str | os.PathLike[str]) -> FreeEnergyTable | DensityTable:
    """Read a system-mode target: a total-F table or a density table, told by its header."""
    if system_target_kind(path) == "F":
        return read_free_energy_table(path)
    return read_density_table(path)

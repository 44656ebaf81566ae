"""The report's decomposition of C_P and alpha (:mod:`zenthermo.thermo.decomposition`):
one CSV per isobar and a table at a few temperatures, with what each part is."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zenthermo.report.html import Table
from zenthermo.thermo.decomposition import PARTS, Decomposition

__all__ = ["NOTE", "decomposition_table", "decomposition_table_name", "write_decomposition"]

#: What each part is, shown under the table.
NOTE = ("Exact split of the zentropy sum along each isobar (per cell). Lattice: the "
        "quasi-harmonic vibrations of the static lattice (phonons or Debye-Grueneisen; the "
        "static energy acts through the bulk modulus). Electronic: thermal electronic "
        "excitations from the electronic DOS (Fermi-Dirac). Configurational: the zentropy "
        "fluctuation term, configurations exchanging population as T changes "
        "(Var(U_k)/k_B T^2 in C_V, Cov(U_k, dF_k/dV)/k_B T^2 in dP/dT). alpha is linear in "
        "these parts; the dilation term of C_P, T V B_T alpha^2, is shared in proportion to "
        "each part's alpha. The parts add up to the totals of the isobar tables.")
_TEMPERATURES = (10.0, 50.0, 100.0, 300.0, 600.0, 1000.0, 1500.0)


def decomposition_table_name(P_GPa: float) -> str:
    """``decomposition_P0GPa.csv``, as the isobar tables are named."""
    return f"decomposition_P{float(P_GPa) + 0.0:.10g}GPa.csv"


def write_decomposition(decomposition: Decomposition, out_dir: str | os.PathLike[str]) -> Path:
    """One CSV: T, V and every part of C_P, C_V (eV/K per cell) and alpha (1/K)."""
    d = decomposition
    headers = ["T_K", "V_A3"]
    columns = [d.T_K, d.V_A3]
    for quantity, values, unit in (("Cp", d.Cp_eV_per_K, "eV_per_K"),
                                   ("Cv", d.Cv_eV_per_K, "eV_per_K"),
                                   ("alpha", d.alpha_per_K, "per_K")):
        for part in PARTS:
            headers.append(f"{quantity}_{part}_{unit}")
            columns.append(values[part])
    path = Path(out_dir) / decomposition_table_name(d.P_GPa)
    lines = [",".join(headers)]
    lines += [",".join(repr(float(x)) for x in row) for row in np.column_stack(columns)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def decomposition_table(decompositions: Sequence[Decomposition]) -> Table:
    """The report table: each isobar at a few temperatures inside its range."""
    rows: list[tuple[str, ...]] = []
    for d in decompositions:
        inside = [T for T in _TEMPERATURES if d.T_K[0] <= T <= d.T_K[-1]]
        rows += [(f"{d.P_GPa:g}", *row) for row in d.rows(inside)]
    headers = ("P (GPa)", "T (K)", *(f"C_P {p} (k_B)" for p in PARTS), "C_P (k_B)",
               *(f"alpha {p} (1e-6/K)" for p in PARTS), "alpha (1e-6/K)")
    return Table("Where C_P and the thermal expansion come from", headers, tuple(rows),
                 note=NOTE)

"""Physical constants and unit conversions, in one place.

Interfaces use eV per cell, A^3 per cell, K and GPa. Per-atom and J/mol values appear only
in reports and CALPHAD code, and are converted with the helpers here.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
from scipy import constants as _c

#: A scalar or an array of values: the conversions below return the same kind.
Values = TypeVar("Values", float, np.ndarray)

#: Boltzmann constant in eV/K.
KB_EV_PER_K: float = _c.k / _c.e
#: Reduced Planck constant in eV s.
HBAR_EV_S: float = _c.hbar / _c.e
#: Energy h nu of a vibration of 1 THz, in eV.
THZ_IN_EV: float = _c.h * 1e12 / _c.e
#: Atomic mass unit in kg.
AMU_KG: float = _c.atomic_mass
#: Avogadro constant in 1/mol.
AVOGADRO: float = _c.N_A
#: 1 eV/A^3 in GPa.
EV_PER_A3_IN_GPA: float = _c.e / 1e-30 / 1e9
#: 1 eV in J/mol (per particle -> per mole of particles).
EV_IN_J_PER_MOL: float = _c.e * _c.N_A
#: 1 kJ/mol in eV.
KJ_PER_MOL_IN_EV: float = 1e3 / EV_IN_J_PER_MOL
#: 1 J/(K mol) in eV/K.
J_PER_K_MOL_IN_EV_PER_K: float = 1.0 / EV_IN_J_PER_MOL
#: One standard atmosphere in GPa.
ATM_IN_GPA: float = 101325.0e-9


def gpa_to_ev_per_a3(pressure_gpa: Values) -> Values:
    """Convert a pressure (or bulk modulus) from GPa to eV/A^3."""
    return pressure_gpa / EV_PER_A3_IN_GPA


def ev_per_a3_to_gpa(pressure_ev_a3: Values) -> Values:
    """Convert a pressure (or bulk modulus) from eV/A^3 to GPa."""
    return pressure_ev_a3 * EV_PER_A3_IN_GPA


def ev_per_cell_to_j_per_mol_atoms(value_ev: Values, natoms: int) -> Values:
    """Convert an energy (or entropy, heat capacity, in eV/K) per cell to J per mole of atoms."""
    return value_ev * EV_IN_J_PER_MOL / natoms


def ev_per_cell_to_mev_per_atom(value_ev: Values, natoms: int) -> Values:
    """Convert an energy per cell (eV) to meV per atom."""
    return value_ev * 1e3 / natoms

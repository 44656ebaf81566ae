"""Physical constants and unit conversions, in one place.

Interfaces use eV per cell, A^3 per cell, K and GPa. Per-atom and J/mol values appear only
in reports and CALPHAD code, and are converted with the helpers here.
"""

from __future__ import annotations

import math
from typing import TypeVar

import numpy as np

#: Values of ``scipy.constants`` written out, so that importing the package needs no scipy
#: (its import costs a third of a second at start-up): k, e, h and N_A are exact in the SI
#: since 2019; the atomic mass unit is CODATA 2022. A test checks them against scipy.
_K_J_PER_K = 1.380649e-23
_E_C = 1.602176634e-19
_H_J_S = 6.62607015e-34
_N_A = 6.02214076e23
_AMU_KG = 1.66053906892e-27

#: A scalar or an array of values: the conversions below return the same kind.
Values = TypeVar("Values", float, np.ndarray)

#: Boltzmann constant in J/K.
KB_J_PER_K: float = _K_J_PER_K
#: Reduced Planck constant in J s.
HBAR_J_S: float = _H_J_S / (2 * math.pi)
#: Boltzmann constant in eV/K.
KB_EV_PER_K: float = _K_J_PER_K / _E_C
#: Reduced Planck constant in eV s.
HBAR_EV_S: float = HBAR_J_S / _E_C
#: Energy h nu of a vibration of 1 THz, in eV.
THZ_IN_EV: float = _H_J_S * 1e12 / _E_C
#: Atomic mass unit in kg.
AMU_KG: float = _AMU_KG
#: Avogadro constant in 1/mol.
AVOGADRO: float = _N_A
#: 1 eV/A^3 in GPa.
EV_PER_A3_IN_GPA: float = _E_C / 1e-30 / 1e9
#: 1 eV in J/mol (per particle -> per mole of particles).
EV_IN_J_PER_MOL: float = _E_C * _N_A
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

"""Frozen results of the thermodynamic analysis. Data only: functions compute, plots draw.

Units are in the field names: ``T_K``, ``P_GPa``, ``V_A3`` (per cell), energies in eV per
cell, entropies and heat capacities in eV/K per cell, ``alpha_per_K`` is the volumetric
thermal expansion coefficient (LCTE = alpha / 3).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class ConfigurationSummary:
    """One source's static equation of state fit (E0 in eV per cell, V0 in A^3 per cell)."""

    name: str
    multiplicity: float
    magnetic_order: str
    E0_eV: float | None = None
    V0_A3: float | None = None
    B0_GPa: float | None = None
    B0_prime: float | None = None
    label: str = ""


@dataclass(frozen=True)
class NteWindow:
    """A temperature interval where alpha < 0 on one isobar.

    ``T_start_K`` / ``T_end_K`` are interpolated zero crossings of alpha; where alpha is
    already negative at the first (last) temperature analysed, the window is open on that
    side and the bound is that temperature (``open_start`` / ``open_end`` say so).
    """

    T_start_K: float
    T_end_K: float
    alpha_min_per_K: float
    T_alpha_min_K: float
    open_start: bool = False
    open_end: bool = False


@dataclass(frozen=True)
class MetastableBranch:
    """Local (not global) minima of G = F + PV on one isobar, one per temperature listed."""

    T_K: np.ndarray
    V_A3: np.ndarray
    G_eV: np.ndarray


@dataclass(frozen=True)
class Isobar:
    """Equilibrium properties along one isobar; every array has shape (nT,).

    ``extrapolated[i]`` is True where the equilibrium volume sits at the edge of the
    volume domain (the true minimum may lie outside the data). ``near_edge[i]`` is True
    where it lies inside the domain but within the last data spacing of either end, where
    the curvature is set by the end points (empty when the landscape gives no data
    spacing; see :func:`~zenthermo.thermo.isobar.compute_isobar`). ``probabilities`` maps a
    source name to p_k at equilibrium (empty for landscapes without sources).
    """

    P_GPa: float
    T_K: np.ndarray
    V_A3: np.ndarray
    G_eV: np.ndarray
    F_eV: np.ndarray
    S_eV_per_K: np.ndarray
    H_eV: np.ndarray
    Cp_eV_per_K: np.ndarray
    Cv_eV_per_K: np.ndarray
    B_GPa: np.ndarray
    alpha_per_K: np.ndarray
    extrapolated: np.ndarray
    probabilities: Mapping[str, np.ndarray] = field(default_factory=dict)
    nte_windows: tuple[NteWindow, ...] = ()
    metastable: MetastableBranch | None = None
    near_edge: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def lcte_per_K(self) -> np.ndarray:
        """Linear coefficient of thermal expansion, alpha / 3, 1/K."""
        return self.alpha_per_K / 3.0


@dataclass(frozen=True)
class CriticalPoint:
    """Where F_VV = 0 and F_VVV = 0: the end of the first-order transition line."""

    T_K: float
    P_GPa: float
    V_A3: float


@dataclass(frozen=True)
class Spinodal:
    """Limits of mechanical stability (F_VV = 0) below the critical temperature.

    Arrays of shape (n,): at each ``T_K`` the low- and high-volume spinodal points and
    their pressures.
    """

    T_K: np.ndarray
    V_low_A3: np.ndarray
    V_high_A3: np.ndarray
    P_low_GPa: np.ndarray
    P_high_GPa: np.ndarray


@dataclass(frozen=True)
class Coexistence:
    """The first-order transition line (binodal): equal P and equal G at two volumes."""

    T_K: np.ndarray
    P_GPa: np.ndarray
    V_low_A3: np.ndarray
    V_high_A3: np.ndarray


@dataclass(frozen=True)
class PhaseDiagram:
    """T-P and T-V phase diagram as data; every part is None when there is no transition.

    ``computed`` is False when the phase diagram was skipped (``phase_diagram=False``,
    ``--no-phase-diagram``): then a None critical point says nothing about the landscape.
    """

    critical_point: CriticalPoint | None = None
    spinodal: Spinodal | None = None
    coexistence: Coexistence | None = None
    computed: bool = True


@dataclass(frozen=True)
class Analysis:
    """Everything the thermodynamic analysis of one landscape found."""

    method: str
    natoms: int
    configurations: tuple[ConfigurationSummary, ...]
    isobars: tuple[Isobar, ...]
    phase_diagram: PhaseDiagram
    volume_domain: tuple[float, float]
    temperature_domain: tuple[float, float]
    composition: Mapping[str, int] = field(default_factory=dict)

    def isobar(self, P_GPa: float) -> Isobar:
        """The isobar at pressure ``P_GPa`` (closest match within 1e-9 GPa)."""
        for isobar in self.isobars:
            if abs(isobar.P_GPa - P_GPa) < 1e-9:
                return isobar
        raise KeyError(f"no isobar at {P_GPa} GPa; have {[i.P_GPa for i in self.isobars]}")

"""Frozen results of an uncertainty analysis: intervals as percentiles over the members.

Every interval is an array whose first axis holds the three percentiles of
``UncertaintyResult.ci`` (low, middle, high; by default 2.5, 50, 97.5): shape (3,) for a
scalar, (3, nT) along an isobar. Units are in the field names as in
:mod:`zenthermo.thermo.results`. NaN marks an interval no member could give. The central
values are not here: they stay those of the plain (non-resampled) analysis.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class CriticalPointInterval:
    """Intervals of T_c, P_c, V_c over the members that have a critical point.

    Attributes
    ----------
    T_K, P_GPa, V_A3 : ndarray, shape (3,)
    present_fraction : float
        Fraction of the successful members that have a critical point.
    lost_members : int
        Members without a critical point where the plain analysis has one.
    gained_members : int
        Members with a critical point where the plain analysis has none.
    """

    T_K: np.ndarray
    P_GPa: np.ndarray
    V_A3: np.ndarray
    present_fraction: float
    lost_members: int = 0
    gained_members: int = 0


@dataclass(frozen=True, eq=False)
class NteWindowInterval:
    """Intervals of one NTE window of the plain analysis, over the members that have it.

    A member has the window when one of its windows on the same isobar overlaps it in
    temperature (the one with the largest overlap is taken).

    Attributes
    ----------
    T_start_K, T_end_K, alpha_min_per_K : ndarray, shape (3,)
    present_fraction : float
        Fraction of the successful members that have the window.
    """

    T_start_K: np.ndarray
    T_end_K: np.ndarray
    alpha_min_per_K: np.ndarray
    present_fraction: float


@dataclass(frozen=True, eq=False)
class IsobarIntervals:
    """Intervals along one isobar, on the members' temperatures ``T_K`` (shape (nT,)).

    Attributes
    ----------
    P_GPa : float
    T_K : ndarray, shape (nT,)
    V_A3, alpha_per_K, B_GPa, Cp_eV_per_K : ndarray, shape (3, nT)
    probabilities : Mapping[str, ndarray of shape (3, nT)]
        Per source name (empty for landscapes without sources).
    nte_windows : tuple of NteWindowInterval
        One per window of the plain analysis on this isobar, in the same order.
    unmatched_window_fraction : float
        Fraction of the successful members with an NTE window that overlaps none of the
        plain analysis's windows (a window the plain analysis does not have).
    """

    P_GPa: float
    T_K: np.ndarray
    V_A3: np.ndarray
    alpha_per_K: np.ndarray
    B_GPa: np.ndarray
    Cp_eV_per_K: np.ndarray
    probabilities: Mapping[str, np.ndarray] = field(default_factory=dict)
    nte_windows: tuple[NteWindowInterval, ...] = ()
    unmatched_window_fraction: float = 0.0

    @property
    def lcte_per_K(self) -> np.ndarray:
        """Interval of the linear coefficient of thermal expansion alpha / 3, 1/K."""
        return self.alpha_per_K / 3.0


@dataclass(frozen=True, eq=False)
class CoexistenceInterval:
    """Interval of the transition pressure at the plain analysis's coexistence temperatures.

    Attributes
    ----------
    T_K : ndarray, shape (n,)
        Ascending, as the plain coexistence line.
    P_GPa : ndarray, shape (3, n)
        Over the members whose line reaches T (each member's line interpolated in T).
    present_fraction : ndarray, shape (n,)
        Fraction of the successful members whose line reaches each T.
    """

    T_K: np.ndarray
    P_GPa: np.ndarray
    present_fraction: np.ndarray


@dataclass(frozen=True, eq=False)
class UncertaintyResult:
    """Everything an uncertainty analysis found.

    Attributes
    ----------
    method : str
        ``bootstrap``, ``eos`` or ``both``.
    members : int
        Members made (N).
    failed_members : int
        Members that could not be built or analysed (left out of every interval).
    ci : (float, float, float)
        The percentiles (low, middle, high).
    seed : int
    critical_point : CriticalPointInterval or None
        None when no phase diagram was asked for.
    isobars : tuple of IsobarIntervals
        In the order of the plain analysis's isobars.
    coexistence : CoexistenceInterval or None
        None without a coexistence line in the plain analysis (or without phase lines).
    failures : Mapping[str, int]
        Reason -> number of members that failed for it.
    eos_weights : Mapping[str, Mapping[str, float]]
        Source -> {EOS kind: Akaike weight} used to draw the kinds (the central kind with
        weight 1 for the bootstrap alone).
    eos_kind_counts : Mapping[str, Mapping[str, int]]
        Source -> {EOS kind: members that drew it}.
    debye_spreads : Mapping[str, Mapping[str, float | str]]
        ``debye_scaling`` / ``debye_x`` -> the spread used (absent when none).
    warnings : tuple of str
        What a user should know to read the intervals (e.g. a central EOS kind that the
        data disfavour, so that model-averaged intervals need not contain the plain values).
    """

    method: str
    members: int
    failed_members: int
    ci: tuple[float, float, float]
    seed: int
    critical_point: CriticalPointInterval | None
    isobars: tuple[IsobarIntervals, ...]
    coexistence: CoexistenceInterval | None = None
    failures: Mapping[str, int] = field(default_factory=dict)
    eos_weights: Mapping[str, Mapping[str, float]] = field(default_factory=dict)
    eos_kind_counts: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    debye_spreads: Mapping[str, Mapping[str, float | str]] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def successful_members(self) -> int:
        return self.members - self.failed_members

    def isobar(self, P_GPa: float) -> IsobarIntervals:
        """The intervals of the isobar at ``P_GPa`` (within 1e-9 GPa)."""
        for isobar in self.isobars:
            if abs(isobar.P_GPa - P_GPa) < 1e-9:
                return isobar
        raise KeyError(f"no isobar at {P_GPa} GPa; have {[i.P_GPa for i in self.isobars]}")

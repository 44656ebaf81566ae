"""Thermal electronic free energy of one volume from its total electronic DOS.

With the total DOS n(E) (states/eV per cell, E measured from the Fermi level E_F = 0),
Fermi-Dirac occupation f = 1 / (1 + exp((E - mu) / k_B T)) and the chemical potential mu(T)
that keeps the electron count N0 = int_{-inf}^{0} n(E) dE of T = 0:

    U_el(T) = int n E f dE - int_{-inf}^{0} n E dE,
    S_el(T) = -k_B int n [f ln f + (1 - f) ln(1 - f)] dE,
    F_el = U_el - T S_el,   C_el = dU_el/dT = T dS_el/dT = k_B [M2 - M1^2 / M0],

with M_k = int n f (1 - f) x^k dE / (k_B T), x = (E - mu) / k_B T (the last form follows
from dN/dT = 0, which fixes dmu/dT = -k_B M1 / M0). All are exactly zero at T = 0.

Numerics. The DOS is taken as piecewise linear between its points (the trapezoid rule's
model) and zero outside them. Every integral is one fixed quadrature on a set of *levels*:
the DOS's own points plus a mesh graded around E_F (E = a sinh(t), uniform in t) whose
spacing is a quarter of k_B T within 40 k_B T of E_F for every temperature down to the
lowest one asked for (1 K at the finest). Integrals of the piecewise-linear DOS are then
exact at T = 0 (the count N0 is), the thermal kernels are resolved at every temperature,
and, because nodes and weights do not depend on T, the results are the exact
thermodynamics of that discrete level system: S = -dF/dT and C = T dS/dT hold to the
tolerance of mu(T), whatever the DOS's noise. mu(T) is found for every temperature at once
by a safeguarded Newton iteration (bisection inside a shrinking bracket where a Newton step
would leave it or stalls, as in a gap). Only the levels within 40 k_B T of mu and E_F enter
each sum (beyond, f - theta vanishes to 4e-18), and exponentials never overflow: f,
f (1 - f) and the entropy kernel are written with ``expit`` and ``log1p`` of e^-|x|.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zenthermo.errors import DomainError, FitError
from zenthermo.units import KB_EV_PER_K

_WINDOW = 40.0  # k_B T either side of mu and E_F where f - theta is not zero
_SPACING = 0.25  # largest level spacing within 20 k_B T of E_F, in k_B T
_GRADED = 20.0  # ... out to this many k_B T (then it grows: 0.5 k_B T at 40 k_B T)
_FERMI_SPACING = 0.01  # level spacing at E_F, in k_B T of the lowest temperature
_FINEST_K = 1.0  # the graded mesh resolves temperatures down to this one
_CHUNK = 32  # temperatures solved together (bounds the padded windows)
_PI2_3 = np.pi**2 / 3.0


@dataclass(frozen=True)
class ElectronicThermodynamics:
    """F_el, S_el, C_el of one DOS on a temperature grid (per cell).

    Attributes
    ----------
    temperatures : ndarray, shape (nT,)
        K.
    free_energy : ndarray, shape (nT,)
        F_el(T) - F_el(0), eV.
    entropy : ndarray, shape (nT,)
        S_el, eV/K.
    heat_capacity : ndarray, shape (nT,)
        C_el = T dS_el/dT, eV/K.
    free_energy_tt : ndarray, shape (nT,)
        d2F_el/dT2 = -C_el / T, eV/K^2; at T = 0 its limit -(pi^2/3) k_B^2 n(E_F).
    chemical_potential : ndarray, shape (nT,)
        mu(T) - E_F, eV.
    electron_count : float
        N0, electrons per cell (the DOS integrated up to E_F).
    """

    temperatures: np.ndarray
    free_energy: np.ndarray
    entropy: np.ndarray
    heat_capacity: np.ndarray
    free_energy_tt: np.ndarray
    chemical_potential: np.ndarray
    electron_count: float


class ElectronLevels:
    """The fixed quadrature of a piecewise-linear DOS (see the module docstring).

    Parameters
    ----------
    energies : array_like, shape (n,)
        E - E_F, eV, strictly ascending, n >= 2.
    dos : array_like, shape (n,)
        States/eV per cell.
    lowest_temperature : float
        K (> 0): the mesh resolves temperatures from here up.

    Attributes
    ----------
    levels : ndarray, shape (m,)
        Level energies, eV, ascending; E_F = 0 is one of them.
    weights : ndarray, shape (m,)
        States at each level (trapezoid weight x DOS).
    filled : ndarray, shape (m,)
        Occupation at T = 0: 1 below E_F, 1/2 at E_F, 0 above.
    """

    def __init__(self, energies, dos, lowest_temperature: float = _FINEST_K) -> None:
        E = np.asarray(energies, dtype=np.float64)
        n = np.asarray(dos, dtype=np.float64)
        if E.ndim != 1 or E.shape != n.shape or E.size < 2:
            raise FitError("an electronic DOS needs matching 1-D energy and DOS arrays "
                           "of at least two points")
        if not (np.isfinite(E).all() and np.isfinite(n).all()) or np.any(np.diff(E) <= 0):
            raise FitError("an electronic DOS needs finite values and strictly ascending "
                           "energies")
        # E = a sinh(t), t = k dt: spacing ~ sqrt(a^2 + E^2) dt, i.e. _SPACING k_B T at
        # |E| = _GRADED k_B T and _FERMI_SPACING k_B T_lowest at E_F (where the T = 0 step
        # makes the integrand of U kink); up to where the DOS's own points are that dense.
        dt = _SPACING / _GRADED
        a = _FERMI_SPACING * KB_EV_PER_K * max(lowest_temperature, _FINEST_K) / dt
        widest = float(np.max(np.diff(E)))
        graded = a * np.sinh(np.arange(1.0, np.arcsinh(widest / (dt * a)) / dt + 2.0) * dt)
        graded = graded[graded < max(-E[0], E[-1])]
        nodes = np.unique(np.concatenate([E, -graded, [0.0], graded]))
        nodes = nodes[(nodes >= E[0]) & (nodes <= E[-1])]
        widths = np.diff(nodes)
        trapezoid = np.zeros_like(nodes)
        trapezoid[:-1] += 0.5 * widths
        trapezoid[1:] += 0.5 * widths
        self.levels = nodes
        self.weights = trapezoid * np.interp(nodes, E, n)
        self.filled = np.where(nodes < 0.0, 1.0, np.where(nodes == 0.0, 0.5, 0.0))
        self.fermi_dos = float(np.interp(0.0, E, n))
        #: N0: the weights below E_F and half the one at E_F (exact for the DOS).
        self.electron_count = float(np.sum(self.weights * self.filled))

    def window(self, mu: np.ndarray, kT: np.ndarray):
        """Levels within the thermal window of each (mu, kT): padded (rows, width) arrays.

        Returns energies, weights (0 on padding) and T = 0 occupations.
        """
        lo = np.searchsorted(self.levels, np.minimum(mu, 0.0) - _WINDOW * kT, side="left")
        hi = np.searchsorted(self.levels, np.maximum(mu, 0.0) + _WINDOW * kT, side="right")
        width = max(int(np.max(hi - lo)), 1)
        index = lo[:, None] + np.arange(width)
        valid = index < hi[:, None]
        index = np.minimum(index, self.levels.size - 1)
        return (self.levels[index], np.where(valid, self.weights[index], 0.0),
                self.filled[index])


def electronic_thermodynamics(energies, dos, temperatures, tolerance: float = 1e-12,
                              max_iterations: int = 200) -> ElectronicThermodynamics:
    """F_el, S_el, C_el and mu on a temperature grid, for one total DOS.

    Parameters
    ----------
    energies : array_like, shape (n,)
        E - E_F, eV, strictly ascending.
    dos : array_like, shape (n,)
        Total DOS (both spins), states/eV per cell.
    temperatures : array_like, shape (nT,)
        K, finite, >= 0, any order.
    tolerance : float
        Electron-count tolerance of mu(T), relative to max(N0, 1).
    max_iterations : int

    Returns
    -------
    ElectronicThermodynamics

    Raises
    ------
    FitError
        A DOS that cannot be integrated, or mu(T) that does not converge.
    DomainError
        Negative or non-finite temperatures.
    """
    T = np.asarray(temperatures, dtype=np.float64)
    if T.ndim != 1 or not np.isfinite(T).all() or (T < 0).any():
        raise DomainError("temperatures must be a 1-D array of finite values >= 0 K")
    hot = np.flatnonzero(T > 0.0)
    lowest = float(T[hot].min()) if hot.size else _FINEST_K
    levels = ElectronLevels(energies, dos, lowest)
    F, S, C, mu = (np.zeros_like(T) for _ in range(4))
    order = hot[np.argsort(T[hot])]
    for start in range(0, order.size, _CHUNK):
        rows = order[start:start + _CHUNK]
        kT = KB_EV_PER_K * T[rows]
        mu[rows] = _chemical_potential(levels, kT, tolerance, max_iterations)
        F[rows], S[rows], C[rows] = _at_mu(levels, mu[rows], kT)
    f_tt = np.where(T > 0.0, -C / np.where(T > 0.0, T, 1.0),
                    -_PI2_3 * KB_EV_PER_K**2 * levels.fermi_dos)
    return ElectronicThermodynamics(
        temperatures=T.copy(), free_energy=F, entropy=S, heat_capacity=C,
        free_energy_tt=f_tt, chemical_potential=mu, electron_count=levels.electron_count,
    )


def _excess(levels: ElectronLevels, mu: np.ndarray, kT: np.ndarray):
    """N(mu, T) - N0 and dN/dmu for each (mu, kT) pair."""
    from scipy.special import expit  # here: importing this module needs no scipy

    energy, weight, filled = levels.window(mu, kT)
    x = (energy - mu[:, None]) / kT[:, None]
    occupation = expit(-x)
    excess = np.sum(weight * (occupation - filled), axis=1)
    slope = np.sum(weight * occupation * (1.0 - occupation), axis=1) / kT
    return excess, slope


def _chemical_potential(levels: ElectronLevels, kT: np.ndarray, tolerance: float,
                        max_iterations: int) -> np.ndarray:
    """mu for every kT > 0 at once: Newton steps kept inside a shrinking bracket.

    A Newton step is taken only while it lands inside the bracket and the previous one at
    least halved the residual; otherwise the bracket is bisected (rtsafe's rule).
    """
    E = levels.levels
    mu = np.zeros_like(kT)
    lo = np.full_like(kT, E[0] - _WINDOW * kT.max())
    hi = np.full_like(kT, E[-1] + _WINDOW * kT.max())
    previous = np.full_like(kT, np.inf)
    goal = tolerance * max(levels.electron_count, 1.0)
    active = np.arange(kT.size)
    for _ in range(max_iterations):
        residual, slope = _excess(levels, mu[active], kT[active])
        m, a_lo, a_hi = mu[active], lo[active], hi[active]
        a_lo = np.where(residual < 0.0, m, a_lo)
        a_hi = np.where(residual > 0.0, m, a_hi)
        lo[active], hi[active] = a_lo, a_hi
        done = (np.abs(residual) <= goal) | (a_hi - a_lo <= 1e-14 * (1.0 + np.abs(m)))
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = m - residual / slope
        useful = (np.isfinite(newton) & (newton > a_lo) & (newton < a_hi)
                  & (np.abs(residual) <= 0.5 * previous[active]))
        previous[active] = np.abs(residual)
        mu[active] = np.where(done, m, np.where(useful, newton, 0.5 * (a_lo + a_hi)))
        active = active[~done]
        if active.size == 0:
            return mu
    raise FitError(
        f"the chemical potential did not converge at {active.size} temperature(s) "
        f"(up to {kT[active].max() / KB_EV_PER_K:.4g} K)",
        hint="check the DOS: it must hold the electron count below E_F and states above it",
    )


def _at_mu(levels: ElectronLevels, mu: np.ndarray, kT: np.ndarray):
    """F_el, S_el, C_el at converged mu (each shape (m,))."""
    from scipy.special import expit

    energy, weight, filled = levels.window(mu, kT)
    x = (energy - mu[:, None]) / kT[:, None]
    occupation = expit(-x)
    internal = np.sum(weight * energy * (occupation - filled), axis=1)
    ax = np.abs(x)
    kernel = np.log1p(np.exp(-ax)) + ax * expit(-ax)  # -f ln f - (1 - f) ln(1 - f)
    entropy = KB_EV_PER_K * np.sum(weight * kernel, axis=1)
    spread = weight * occupation * (1.0 - occupation)
    m0 = np.sum(spread, axis=1)
    m1 = np.sum(spread * x, axis=1)
    m2 = np.sum(spread * x * x, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        correlated = np.where(m0 > 0.0, m1 * m1 / m0, 0.0)
    heat_capacity = KB_EV_PER_K * (m2 - correlated)
    return internal - (kT / KB_EV_PER_K) * entropy, entropy, heat_capacity

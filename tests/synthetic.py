"""Analytic test landscapes and sources with known answers, for tests across the package.

Everything here is exact and cheap, and satisfies the duck types the package uses:

* :class:`PolynomialSource` is a per-source free energy (what
  ``zenthermo.physics.free_energy.build_source_free_energies`` returns):
  ``F_k(V,T) = sum_ij c[i, j] (V - v_ref)^i T^j`` with exact derivatives, and the same
  expression in torch (:meth:`PolynomialSource.torch_free_energy`) for autograd checks.
* :func:`mean_field_sources` gives two parabolas in V (the mean-field double well); with
  ``ExactZentropy`` their zentropy sum has a first-order transition whose critical point,
  spinodal and coexistence line are known in closed form (:class:`MeanFieldAnswer`).
* :func:`landau_source` gives a single source that is itself a Landau double well in V
  (a landscape that is non-convex without any configurational mixing), again with closed
  forms for everything (:class:`LandauAnswer`).
* :func:`three_source_set` gives three T-dependent quartic sources for derivative checks.

Units follow the package: eV per cell, A^3 per cell, K, GPa.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.units import EV_PER_A3_IN_GPA, KB_EV_PER_K, gpa_to_ev_per_a3

__all__ = [
    "LandauAnswer",
    "MeanFieldAnswer",
    "PolynomialSource",
    "landau_source",
    "mean_field_sources",
    "three_source_set",
]


@dataclass(frozen=True)
class PolynomialSource:
    """A source free energy F(V,T) = sum_ij c[i, j] (V - v_ref)^i T^j, eV per cell.

    Parameters
    ----------
    name : str
    coefficients : ndarray, shape (nV, nT)
        ``c[i, j]`` in eV / (A^3i K^j).
    v_ref : float
        Expansion volume, A^3.
    multiplicity : float
    volume_domain, temperature_domain : (float, float)
    magnetic_order : str
    natoms : int
    """

    name: str
    coefficients: np.ndarray
    v_ref: float
    multiplicity: float = 1.0
    volume_domain: tuple[float, float] = (100.0, 200.0)
    temperature_domain: tuple[float, float] = (0.0, 2000.0)
    magnetic_order: str = "unknown"
    natoms: int = 4

    def __post_init__(self) -> None:
        c = np.atleast_2d(np.asarray(self.coefficients, dtype=np.float64))
        object.__setattr__(self, "coefficients", c)
        # coefficient arrays of F, F_V, F_VV, F_VVV, F_T, F_TT, F_VT (padded, never empty)
        padded = np.pad(c, ((0, 4), (0, 3)))
        derived = []
        for dv, dt in ((0, 0), (1, 0), (2, 0), (3, 0), (0, 1), (0, 2), (1, 1)):
            d = np.polynomial.polynomial.polyder(padded, dv, axis=0)
            d = np.polynomial.polynomial.polyder(d, dt, axis=1)
            rows = max(1, int(np.max(np.nonzero(d.any(axis=1))[0], initial=0)) + 1)
            cols = max(1, int(np.max(np.nonzero(d.any(axis=0))[0], initial=0)) + 1)
            derived.append(d[:rows, :cols])
        object.__setattr__(self, "_derived", tuple(derived))

    def derivatives(self, V, T) -> FreeEnergyDerivatives:
        """F and its exact partial derivatives, broadcast over ``V`` and ``T``."""
        V, T = np.broadcast_arrays(np.asarray(V, dtype=np.float64), np.asarray(T, np.float64))
        x = V - self.v_ref
        values = (np.polynomial.polynomial.polyval2d(x, T, c) for c in self._derived)
        return FreeEnergyDerivatives(*values)

    def torch_free_energy(self, V, T):
        """The same F(V,T) on torch tensors (float64), for autograd cross-checks."""
        x = V - self.v_ref
        total = 0.0 * x * T
        for (i, j), c in np.ndenumerate(self.coefficients):
            if c != 0.0:
                total = total + float(c) * x**i * T**j
        return total


@dataclass(frozen=True)
class MeanFieldAnswer:
    """Closed-form phase behaviour of :func:`mean_field_sources`.

    With x = V - V_mid, h = ln(g1/g2)/2 and beta = 1/(k_B T), the zentropy sum is
    F = k x^2/2 + k d^2/2 - p0 x - k_B T ln(2 sqrt(g1 g2) cosh(beta k d x - h)),
    so F_VV = k - beta k^2 d^2 / cosh^2(beta k d x - h) is smallest at beta k d x = h.
    """

    k: float
    d: float
    v_mid: float
    p0_ev_a3: float
    h: float

    @property
    def T_c(self) -> float:
        """k d^2 / k_B, K."""
        return self.k * self.d**2 / KB_EV_PER_K

    @property
    def V_c(self) -> float:
        return self.v_mid + self.h * self.d

    @property
    def P_c_GPa(self) -> float:
        return (self.p0_ev_a3 - self.k * self.h * self.d) * EV_PER_A3_IN_GPA

    def spinodal_volumes(self, T: float) -> tuple[float, float]:
        """cosh^2(beta k d x - h) = T_c / T on each side."""
        u = np.arccosh(np.sqrt(self.T_c / T))
        scale = KB_EV_PER_K * T / (self.k * self.d)
        return self.v_mid + (self.h - u) * scale, self.v_mid + (self.h + u) * scale

    def coexistence(self, T: float) -> tuple[float, float, float]:
        """(V_low, V_high, P_GPa) from the mean-field equation y = d tanh(T_c y / (T d)).

        The volumes are V_mid + s -+ y with s = h k_B T / (k d); the pressure p0 - k s.
        """
        from scipy.optimize import brentq

        ratio = self.T_c / T
        y = brentq(lambda y: y - self.d * np.tanh(ratio * y / self.d), 1e-9 * self.d, self.d,
                   xtol=1e-14, rtol=1e-15)
        shift = self.h * KB_EV_PER_K * T / (self.k * self.d)
        pressure = (self.p0_ev_a3 - self.k * shift) * EV_PER_A3_IN_GPA
        return self.v_mid + shift - y, self.v_mid + shift + y, pressure


def mean_field_sources(
    k: float = 0.01,
    v1: float = 142.0,
    v2: float = 148.0,
    p0_GPa: float = 0.0,
    g1: float = 1.0,
    g2: float = 1.0,
    volume_domain=(120.0, 170.0),
    temperature_domain=(0.0, 2000.0),
) -> tuple[tuple[PolynomialSource, PolynomialSource], MeanFieldAnswer]:
    """Two equal-curvature parabolas F_k = k/2 (V - v_k)^2 - p0 V (same minimum energy).

    ``k`` in eV/A^6 (0.01 eV/A^6 is about 1.6 GPa/A^3, a bulk modulus near 230 GPa at
    145 A^3). The defaults give T_c = k d^2 / k_B with d = (v2 - v1)/2: about 1044 K.
    Returns the two sources and the closed-form answer.
    """
    p0 = gpa_to_ev_per_a3(p0_GPa)
    d = 0.5 * (v2 - v1)
    v_mid = 0.5 * (v1 + v2)
    # Both written about v_mid so that the shared -p0 x term is the same function of V.
    sources = []
    for name, vk, g, order in (("low", v1, g1, "AFM"), ("high", v2, g2, "FM")):
        coeffs = np.array([[0.5 * k * (v_mid - vk) ** 2], [k * (v_mid - vk) - p0], [0.5 * k]])
        sources.append(
            PolynomialSource(name, coeffs, v_mid, g, volume_domain, temperature_domain, order)
        )
    answer = MeanFieldAnswer(k=k, d=d, v_mid=v_mid, p0_ev_a3=p0, h=0.5 * np.log(g1 / g2))
    return (sources[0], sources[1]), answer


@dataclass(frozen=True)
class LandauAnswer:
    """Closed forms for :func:`landau_source`: F = a(T-T0)x^2/2 + b x^4/4 - (p0 + s(T-T0)) x."""

    a: float
    b: float
    T0: float
    p0_ev_a3: float
    s: float
    v_ref: float

    @property
    def T_c(self) -> float:
        return self.T0

    @property
    def V_c(self) -> float:
        return self.v_ref

    @property
    def P_c_GPa(self) -> float:
        return self.p0_ev_a3 * EV_PER_A3_IN_GPA

    def spinodal_volumes(self, T: float) -> tuple[float, float]:
        x = np.sqrt(self.a * (self.T0 - T) / (3 * self.b))
        return self.v_ref - x, self.v_ref + x

    def coexistence(self, T: float) -> tuple[float, float, float]:
        x = np.sqrt(self.a * (self.T0 - T) / self.b)
        pressure = (self.p0_ev_a3 + self.s * (T - self.T0)) * EV_PER_A3_IN_GPA
        return self.v_ref - x, self.v_ref + x, pressure


def landau_source(
    a: float = 2e-5,
    b: float = 1e-3,
    T0: float = 600.0,
    p0_GPa: float = -1.5,
    s: float = 2e-6,
    v_ref: float = 150.0,
    e0: float = -80.0,
    volume_domain=(135.0, 165.0),
    temperature_domain=(0.0, 1500.0),
) -> tuple[PolynomialSource, LandauAnswer]:
    """One source that is a tilted Landau double well in x = V - v_ref.

    F = e0 + a (T - T0) x^2 / 2 + b x^4 / 4 - (p0 + s (T - T0)) x, so the critical point is
    (T0, v_ref, p0) and the coexistence line is P = p0 + s (T - T0) with
    x = +-sqrt(a (T0 - T) / b). The defaults put the critical pressure at -1.5 GPa.
    """
    p0 = gpa_to_ev_per_a3(p0_GPa)
    # polynomial in x (rows) and T (columns)
    c = np.zeros((5, 2))
    c[0, 0] = e0
    c[1, 0] = -(p0 - s * T0)
    c[1, 1] = -s
    c[2, 0] = -0.5 * a * T0
    c[2, 1] = 0.5 * a
    c[4, 0] = 0.25 * b
    source = PolynomialSource("landau", c, v_ref, 1.0, volume_domain, temperature_domain, "FM")
    return source, LandauAnswer(a=a, b=b, T0=T0, p0_ev_a3=p0, s=s, v_ref=v_ref)


def three_source_set() -> tuple[PolynomialSource, ...]:
    """Three quartic-in-V, cubic-in-T sources with different multiplicities (Fe3Pt-like scale).

    Nothing is known in closed form; use it to check derivatives against finite
    differences and autograd. Energies are about -100 eV per cell, volumes 140-165 A^3.
    """
    dom_v, dom_t = (135.0, 170.0), (0.0, 1500.0)

    def coeffs(e0: float, k: float, k3: float, k4: float, s1: float, c2: float, c3: float,
               a1: float, a2: float) -> np.ndarray:
        c = np.zeros((5, 4))
        c[0, :] = [e0, -s1, -c2, c3]
        c[1, 1] = a1
        c[1, 2] = a2
        c[2, 0] = 0.5 * k
        c[2, 1] = -1e-6
        c[3, 0] = k3
        c[4, 0] = k4
        return c

    return (
        PolynomialSource("fm", coeffs(-100.00, 0.012, -2e-4, 5e-6, 1e-4, 2e-7, 1e-11,
                                      -2e-5, -1e-9), 155.0, 1.0, dom_v, dom_t, "FM"),
        PolynomialSource("afm", coeffs(-99.98, 0.010, -1.5e-4, 4e-6, 3e-4, 3e-7, 2e-11,
                                       -1e-5, -2e-9), 148.0, 3.0, dom_v, dom_t, "AFM"),
        PolynomialSource("fim", coeffs(-99.95, 0.011, -1e-4, 3e-6, 5e-4, 1e-7, 0.0,
                                       -3e-5, 0.0), 151.0, 6.0, (130.0, 168.0), (0.0, 1800.0),
                         "FiM"),
    )

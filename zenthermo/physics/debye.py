"""Debye-Grueneisen vibrational free energy with exact derivatives in V and T.

The recipe of Moruzzi, Janak and Schwarz, Phys. Rev. B 37, 790 (1988), with DFTTK's defaults
(PhasesResearchLab/dfttk, ``dfttk/debye/debye_gruneisen.py``):

    theta_D(V) = s (6 pi^2)^(1/3) (hbar / k_B) V0^(1/6) (B0 / M)^(1/2) (V0 / V)^gamma,
    gamma = (1 + B0') / 2 - x,  s = 0.617,  x = 2/3,

with V0, B0, B0' from the source's static equation of state, M the geometric mean of the
atomic masses of the composition, SI units inside the formula (V0 m^3, B0 Pa, M kg).

Which V0 goes into the prefactor V0^(1/6)? DFTTK's code (``Configuration.process_debye``)
passes the equilibrium volume of the whole cell, and published zentropy results were made
with it, so that is the default (``volume_convention="cell"``): our numbers reproduce DFTTK's.
Moruzzi et al. meant the volume per atom (their Wigner-Seitz radius), which makes theta_D
independent of the supercell chosen; ``volume_convention="atom"`` gives that form (theta_D
smaller by natoms^(1/6)). For a one-atom cell the two agree.

Per atom, with y = theta / T and the Debye function D3(y) = 3/y^3 int_0^y t^3/(e^t - 1) dt:

    F = (9/8) k_B theta + k_B T [3 ln(1 - e^-y) - D3(y)],
    S = k_B [4 D3(y) - 3 ln(1 - e^-y)],   C_V = 3 k_B [4 D3(y) - 3 y / (e^y - 1)].

Everything is written so that T = 0 is exact (F = 9/8 k_B theta, S = C_V = 0, no NaN) and
high T is stable. Derivatives in V go through theta(V) by the chain rule.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from zenthermo.errors import DomainError, FitError
from zenthermo.physics.derivatives import FreeEnergyDerivatives, wanted_fields
from zenthermo.physics.eos import EosFit
from zenthermo.physics.options import DEFAULT_SCALING, DEFAULT_X, VOLUME_CONVENTIONS
from zenthermo.units import AMU_KG, HBAR_J_S, KB_EV_PER_K, KB_J_PER_K

# Series of D3 for small y: D3 = 1 - 3y/8 + sum_k a_k y^(2k), a_k = 3 B_2k / ((2k+3)(2k)!).
_SMALL_Y = 3.0
_NSERIES = 30


def _bernoulli_numbers(n: int) -> list[Fraction]:
    """B_0..B_n exactly (Akiyama-Tanigawa); scipy's floats lose ~1e-13 at high order."""
    numbers, row = [], [Fraction(0)] * (n + 1)
    for m in range(n + 1):
        row[m] = Fraction(1, m + 1)
        for j in range(m, 0, -1):
            row[j - 1] = j * (row[j - 1] - row[j])
        numbers.append(row[0])
    return numbers  # B_1 = +1/2 here; only even indices are used


_B = _bernoulli_numbers(2 * _NSERIES)
_SERIES = np.array(
    [float(3 * _B[2 * k] / ((2 * k + 3) * math.factorial(2 * k))) for k in range(1, _NSERIES)]
)
_PI4_5 = np.pi**4 / 5.0


def debye_function(y) -> np.ndarray:
    """The Debye function D3(y) = 3/y^3 int_0^y t^3/(e^t - 1) dt, elementwise, y >= 0.

    Accurate to ~1e-15 relative: a Bernoulli series for y <= 3 and the exponentially
    convergent tail series for y > 3 (D3(inf) = 0, D3(0) = 1).
    """
    y = np.asarray(y, dtype=np.float64)
    out = np.empty_like(y)
    small = y <= _SMALL_Y
    ys = y[small]
    y2 = ys * ys
    acc = np.zeros_like(ys)
    for a in _SERIES[::-1]:
        acc = acc * y2 + a
    out[small] = 1.0 - 0.375 * ys + acc * y2
    out[~small] = _debye_tail(y[~small])
    return out


def _debye_tail(y: np.ndarray) -> np.ndarray:
    """D3(y) for y > 3: pi^4/(5 y^3) - 3/y^3 sum_k e^(-ky) (y^3/k + 3y^2/k^2 + 6y/k^3 + 6/k^4).

    The sum runs to the k where e^(-k y) < 1e-17 relative at the smallest y (k > 39.2 / y,
    at most 14 terms), as a Horner scheme in q = e^-y for all points at once (the extra
    terms of the larger y are below the rounding); y is capped at 1000 inside the sum,
    where q = 0 already, so huge y give no inf * 0.
    """
    finite = np.isfinite(y)
    result = np.zeros_like(y)
    yf = y[finite]
    if yf.size:
        yc = np.minimum(yf, 1000.0)
        q = np.exp(-yc)
        acc = np.zeros_like(yc)
        for k in range(int(np.ceil(39.2 / yc.min())), 0, -1):
            acc = (acc + (((yc * (1.0 / k) + 3.0 / k**2) * yc + 6.0 / k**3) * yc
                          + 6.0 / k**4)) * q
        with np.errstate(over="ignore"):  # y^3 = inf: D3 = 0
            result[finite] = (_PI4_5 - 3.0 * acc) / yf**3
    return result


@dataclass(frozen=True)
class _ReducedFunctions:
    """Functions of y = theta/T that the free energy and its derivatives are made of (None
    where not asked for by :func:`_reduced`)."""

    d3: np.ndarray  # D3(y)
    log_term: Any  # ln(1 - e^-y)
    c: Any  # C_V per atom / k_B = 3 (4 D3 - 3 y/(e^y - 1))
    c_prime: Any  # dc/dy
    d3_over_y: Any  # D3 / y
    c_over_y: Any  # c / y


def _reduced(y: np.ndarray, log: bool = True, over_y: bool = True, c: bool = True,
             c_prime: bool = True) -> _ReducedFunctions:
    """D3(y) and what is asked for: ``log`` ln(1 - e^-y), ``over_y`` D3/y, ``c`` c and c/y,
    ``c_prime`` dc/dy; each computed by the same expression whatever else is asked for."""
    d3 = debye_function(y)
    log_term: Any = None
    c_value: Any = None
    c_p: Any = None
    d3_over_y: Any = None
    c_over_y: Any = None
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        infinite = np.isinf(y)
        if over_y or c_prime:
            d3_over_y = np.where(infinite, 0.0, d3 / y)
        if log or c or c_prime:
            em = np.exp(-y)  # 0 at y = inf
            if log:
                log_term = np.log1p(-em)
        if c or c_prime:
            one_minus = -np.expm1(-y)  # 1 - e^-y
            e1 = em / one_minus  # 1/(e^y - 1)
            y_e1 = np.where(infinite, 0.0, y * e1)  # y/(e^y - 1)
            c_value = 3.0 * (4.0 * d3 - 3.0 * y_e1)
            c_over_y = np.where(infinite, 0.0, c_value / y)
        if c_prime:
            y_e2 = y_e1 / one_minus  # y e^y/(e^y - 1)^2
            c_p = 3.0 * (9.0 * e1 - 12.0 * d3_over_y + 3.0 * y_e2)
    return _ReducedFunctions(d3, log_term, c_value, c_p, d3_over_y, c_over_y)


def geometric_mean_mass_amu(composition: Mapping[str, int]) -> float:
    """Geometric mean of the atomic masses (amu) of a composition {element: count}."""
    from pymatgen.core import Element

    counts = {el: int(n) for el, n in composition.items() if int(n) > 0}
    if not counts:
        raise ValueError("empty composition")
    total = sum(counts.values())
    log_mass = sum(n * np.log(float(Element(el).atomic_mass)) for el, n in counts.items())
    return float(np.exp(log_mass / total))


@dataclass(frozen=True)
class DebyeGrueneisen:
    """Debye-Grueneisen F_vib(V, T) of one cell of ``natoms`` atoms.

    Attributes
    ----------
    natoms : int
    v0_A3 : float
        Equilibrium volume of the cell, A^3.
    theta0_K : float
        Debye temperature at ``v0_A3``, K.
    gamma : float
        Grueneisen parameter (1 + B0')/2 - x.
    b0_GPa, b0_prime, mass_amu, scaling, x : float
        The inputs of the recipe (M is the geometric-mean atomic mass).
    volume_convention : str
        ``"cell"`` (DFTTK's cell V0 in the prefactor, the default) or ``"atom"`` (V0 per atom).
    """

    natoms: int
    v0_A3: float
    theta0_K: float
    gamma: float
    b0_GPa: float
    b0_prime: float
    mass_amu: float
    scaling: float = DEFAULT_SCALING
    x: float = DEFAULT_X
    volume_convention: str = "cell"

    @classmethod
    def from_parameters(
        cls,
        natoms: int,
        v0_A3: float,
        b0_GPa: float,
        b0_prime: float,
        mass_amu: float,
        scaling: float = DEFAULT_SCALING,
        x: float = DEFAULT_X,
        volume_convention: str = "cell",
    ) -> DebyeGrueneisen:
        """Build the model from V0 (A^3 per cell), B0 (GPa), B0', M (amu)."""
        if volume_convention not in VOLUME_CONVENTIONS:
            raise ValueError(f"volume_convention must be one of {VOLUME_CONVENTIONS}")
        if not (np.isfinite(v0_A3) and v0_A3 > 0 and np.isfinite(b0_GPa) and b0_GPa > 0):
            raise FitError(
                f"Debye-Grueneisen needs a positive V0 and B0 (got V0 = {v0_A3}, B0 = {b0_GPa})"
            )
        v_prefactor = v0_A3 / natoms if volume_convention == "atom" else v0_A3
        theta0 = (
            scaling
            * (6.0 * np.pi**2) ** (1.0 / 3.0)
            * (HBAR_J_S / KB_J_PER_K)
            * (v_prefactor * 1e-30) ** (1.0 / 6.0)
            * np.sqrt(b0_GPa * 1e9 / (mass_amu * AMU_KG))
        )
        gamma = (1.0 + b0_prime) / 2.0 - x
        return cls(
            natoms=int(natoms), v0_A3=float(v0_A3), theta0_K=float(theta0), gamma=float(gamma),
            b0_GPa=float(b0_GPa), b0_prime=float(b0_prime), mass_amu=float(mass_amu),
            scaling=float(scaling), x=float(x), volume_convention=volume_convention,
        )

    @classmethod
    def from_eos(
        cls,
        eos_fit: EosFit,
        composition: Mapping[str, int],
        natoms: int,
        scaling: float = DEFAULT_SCALING,
        x: float = DEFAULT_X,
        volume_convention: str = "cell",
    ) -> DebyeGrueneisen:
        """The model of one source from its static EOS fit and its composition."""
        if not eos_fit.has_minimum:
            raise FitError(
                "its static equation of state has no minimum, so V0, B0 and B0' for the "
                "Debye-Grueneisen model are undefined",
                path=eos_fit.name or None,
                hint="check the energy-volume data or give phonon free energies",
            )
        return cls.from_parameters(
            natoms, eos_fit.v0_A3, eos_fit.b0_GPa, eos_fit.b0_prime,
            geometric_mean_mass_amu(composition), scaling, x, volume_convention,
        )

    def debye_temperature(self, V) -> np.ndarray:
        """theta_D(V) in K for cell volumes V (A^3), any shape."""
        V = np.asarray(V, dtype=np.float64)
        return self.theta0_K * (self.v0_A3 / V) ** self.gamma

    def derivatives(self, V, T, fields=None) -> FreeEnergyDerivatives:
        """F_vib and its exact derivatives, eV per cell, at broadcast (V A^3, T K).

        Requires V > 0 and 0 <= T < inf (T = 0 is exact). ``fields`` (names such as
        ``("F", "F_V")``; None: all) chooses what is computed; the others are None. Each
        field is the same expression whatever else is asked for (bit-identical).
        """
        want = wanted_fields(fields)
        V, T = _checked(V, T)
        V, T = np.broadcast_arrays(V, T)
        kn = KB_EV_PER_K * self.natoms
        g = self.gamma
        theta = self.theta0_K * (self.v0_A3 / V) ** g
        with np.errstate(divide="ignore"):
            y = theta / T  # inf at T = 0
        in_v = want & {"F_V", "F_VV", "F_VVV"}
        r = _reduced(y, log=bool(want & {"F", "F_T"}), over_y=bool(in_v),
                     c=bool(want & {"F_VV", "F_VVV", "F_TT", "F_VT"}),
                     c_prime="F_VVV" in want)
        out: dict[str, np.ndarray] = {}
        # Per-cell f(theta, T) and its partial derivatives (see module docstring).
        if "F" in want:
            out["F"] = kn * (1.125 * theta + T * (3.0 * r.log_term - r.d3))
        if "F_T" in want:
            out["F_T"] = kn * (3.0 * r.log_term - 4.0 * r.d3)
        if "F_TT" in want:
            with np.errstate(invalid="ignore"):
                f_tt = -kn * r.c * y / theta  # -k c / T, written without dividing by T
            out["F_TT"] = _finite_at_zero(f_tt, T)
        if not (in_v or "F_VT" in want):
            return FreeEnergyDerivatives.partial(out)
        # theta(V) derivatives.
        inv_v = 1.0 / V
        th_v = -g * theta * inv_v
        if "F_VT" in want:
            out["F_VT"] = kn * r.c / theta * th_v
        if not in_v:
            return FreeEnergyDerivatives.partial(out)
        f_th = kn * (1.125 + 3.0 * r.d3_over_y)
        out["F_V"] = f_th * th_v
        if want & {"F_VV", "F_VVV"}:
            f_thth = -kn * r.c_over_y / theta
            th_vv = -(g + 1.0) * th_v * inv_v
            th_v2 = th_v * th_v
            out["F_VV"] = f_thth * th_v2 + f_th * th_vv
        if "F_VVV" in want:
            f_ththth = kn * (-r.c_prime + 2.0 * r.c_over_y) / (theta * theta)
            th_vvv = -(g + 2.0) * th_vv * inv_v
            out["F_VVV"] = (f_ththth * th_v2 + 3.0 * f_thth * th_vv) * th_v + f_th * th_vvv
        return FreeEnergyDerivatives.partial({k: v for k, v in out.items() if k in want})


def _finite_at_zero(values: np.ndarray, T: np.ndarray) -> np.ndarray:
    """c/T * ... is 0 at T = 0 (c ~ T^3); guard the 0 * inf of the generic expression."""
    return np.where(T == 0.0, 0.0, values)


def _checked(V, T) -> tuple[np.ndarray, np.ndarray]:
    V = np.asarray(V, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if np.isnan(V).any() or np.isnan(T).any():
        raise DomainError("volume or temperature contains NaN")
    if (V <= 0).any() or not np.isfinite(V).all():
        raise DomainError("volumes must be positive and finite (A^3 per cell)")
    if (T < 0).any() or not np.isfinite(T).all():
        raise DomainError("temperatures must be finite and >= 0 K")
    return V, T

"""Equations of state E(V) with exact analytic derivatives, and their robust fits.

Kinds (parameter counts follow Shang et al., Comput. Mater. Sci. 47, 1040 (2010), as DFTTK):

``bm3``, ``bm4``, ``bm5``
    Birch-Murnaghan family, polynomials of degree 2, 3, 4 in x = V^(-2/3):
    E = a + b V^(-2/3) + c V^(-4/3) (+ d V^(-2)) (+ e V^(-8/3)). Linear least squares, so the
    fit is unique and needs no starting point. ``bm4`` (the default, DFTTK's "BM4") is the
    classical third-order Birch-Murnaghan equation (E0, V0, B0, B0'), the same family as
    phonopy's ``birch_murnaghan``; ``bm3`` is the second-order one (B0' = 4 exactly).
``vinet``, ``murnaghan``
    The Vinet (Rydberg) and Murnaghan equations in (E0, V0, B0, B0'); nonlinear least squares
    (scipy) started from the ``bm4`` solution.

Every kind gives E, E_V, E_VV, E_VVV in closed form for arrays of any shape. Units: V in A^3
per cell, E in eV per cell, so E_V is eV/A^3 (= -P), E_VV eV/A^6, E_VVV eV/A^9.

B0' from derivatives: B = V E_VV and P = -E_V, so
B' = dB/dP = (E_VV + V E_VVV) / (-E_VV) = -1 - V E_VVV / E_VV, evaluated at V0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.polynomial import Polynomial

from zenthermo.errors import FitError, InputError
from zenthermo.physics.options import EOS_KINDS
from zenthermo.units import EV_PER_A3_IN_GPA

_BM_DEGREE = {"bm3": 2, "bm4": 3, "bm5": 4}

EnergyDerivatives = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@dataclass(frozen=True, eq=False)
class EosFit:
    """A fitted equation of state and its diagnostics.

    Attributes
    ----------
    kind : str
        One of :data:`EOS_KINDS`.
    parameters : tuple of float
        Kind-specific. Birch-Murnaghan kinds: coefficients of the polynomial P(s) in
        s = (V/V_ref)^(-2/3) - 1, lowest order first (eV). Vinet and Murnaghan:
        (E0 eV, V0 A^3, B0 eV/A^3, B0').
    reference_volume : float
        V_ref in A^3 (Birch-Murnaghan kinds; the mean data volume), else V0.
    e0_eV, v0_A3, b0_GPa, b0_prime : float
        Energy, volume, bulk modulus V0 E_VV(V0) and its pressure derivative at the minimum of
        the fitted curve; NaN when the curve has no minimum (see ``warnings``).
    volumes, energies : ndarray, shape (n,)
        The data fitted, A^3 and eV per cell, ascending volume.
    residuals_eV : ndarray, shape (n,)
        Fitted minus data energy, eV per cell.
    warnings : tuple of str
        Everything a user should know about this fit (extrapolated minimum, no minimum,
        irregular data).
    name : str
        What was fitted (a source name), used in messages.
    """

    kind: str
    parameters: tuple[float, ...]
    reference_volume: float
    e0_eV: float
    v0_A3: float
    b0_GPa: float
    b0_prime: float
    volumes: np.ndarray
    energies: np.ndarray
    residuals_eV: np.ndarray
    warnings: tuple[str, ...] = ()
    name: str = ""

    @property
    def rms_eV(self) -> float:
        """Root-mean-square residual of the fit, eV per cell."""
        return float(np.sqrt(np.mean(self.residuals_eV**2)))

    @property
    def has_minimum(self) -> bool:
        """True when the fitted curve has a minimum (finite V0, B0 > 0)."""
        return bool(np.isfinite(self.v0_A3) and self.b0_GPa > 0)

    @property
    def volume_range(self) -> tuple[float, float]:
        """(min, max) of the data volumes, A^3 per cell."""
        return float(self.volumes[0]), float(self.volumes[-1])

    def energy(self, V) -> np.ndarray:
        """E(V) in eV per cell for volumes V (A^3 per cell), any shape."""
        return self.energy_derivatives(V)[0]

    def energy_derivatives(self, V, order: int = 3) -> EnergyDerivatives:
        """E, E_V, E_VV, E_VVV at volumes V (A^3 per cell, any shape), exact.

        Returns arrays of V's shape in eV, eV/A^3, eV/A^6, eV/A^9; with ``order`` < 3 the
        derivatives above that order are None (not computed; the others are unchanged).
        """
        return eos_derivatives(self.kind, self.parameters, self.reference_volume, V, order)

    def pressure_GPa(self, V) -> np.ndarray:
        """Static pressure -E_V in GPa at volumes V."""
        return -self.energy_derivatives(V)[1] * EV_PER_A3_IN_GPA

    def bulk_modulus_GPa(self, V) -> np.ndarray:
        """Static bulk modulus V E_VV in GPa at volumes V."""
        V = np.asarray(V, dtype=np.float64)
        return V * self.energy_derivatives(V)[2] * EV_PER_A3_IN_GPA


def eos_derivatives(kind: str, parameters, reference_volume: float, V,
                    order: int = 3) -> EnergyDerivatives:
    """Closed-form E, E_V, E_VV, E_VVV of an equation of state (see :class:`EosFit`).

    ``order`` (0..3): the highest V-derivative wanted; the ones above it are None.
    """
    V = np.asarray(V, dtype=np.float64)
    if kind in _BM_DEGREE:
        return _bm_derivatives(np.asarray(parameters, dtype=np.float64), reference_volume, V,
                               order)
    e0, v0, b0, bp = (float(p) for p in parameters)
    if kind == "vinet":
        values = _vinet_derivatives(V, e0, v0, b0, bp)
    elif kind == "murnaghan":
        values = _murnaghan_derivatives(V, e0, v0, b0, bp)
    else:
        raise ValueError(f"unknown equation of state {kind!r}; known: {sorted(EOS_KINDS)}")
    return _up_to(values, order)


def _up_to(values, order: int) -> EnergyDerivatives:
    """The derivatives up to ``order``, None above it."""
    return tuple(v if i <= order else None  # type: ignore[return-value]
                 for i, v in enumerate(values))


def _bm_derivatives(coefficients: np.ndarray, vref: float, V: np.ndarray,
                    order: int = 3) -> EnergyDerivatives:
    # E = P(s), s = u^(-2/3) - 1, u = V / vref; Horner for P and its first ``order``
    # derivatives (the higher ones are left out: the lower ones do not depend on them).
    inv_v = 1.0 / V
    t = np.cbrt(vref * inv_v) ** 2
    s = t - 1.0
    p = [np.full_like(s, coefficients[-1])] + [np.zeros_like(s) for _ in range(order)]
    for c in coefficients[coefficients.size - 2 :: -1]:
        for r in range(order, 0, -1):
            p[r] = p[r] * s + (float(r) * p[r - 1] if r > 1 else p[r - 1])
        p[0] = p[0] * s + c
    if order == 0:
        return p[0], None, None, None  # type: ignore[return-value]
    s1 = (-2.0 / 3.0) * t * inv_v
    E_V = p[1] * s1
    if order == 1:
        return p[0], E_V, None, None  # type: ignore[return-value]
    s2 = (-5.0 / 3.0) * s1 * inv_v  # (10/9) t / V^2
    E_VV = p[2] * s1 * s1 + p[1] * s2
    if order == 2:
        return p[0], E_V, E_VV, None  # type: ignore[return-value]
    s3 = (-8.0 / 3.0) * s2 * inv_v  # (-80/27) t / V^3
    E_VVV = p[3] * s1 * s1 * s1 + 3.0 * p[2] * s1 * s2 + p[1] * s3
    return p[0], E_V, E_VV, E_VVV


def _vinet_derivatives(V: np.ndarray, e0: float, v0: float, b0: float, bp: float):
    # E = E0 + 9 B0 V0 / xi^2 [1 + (xi (1 - eta) - 1) exp(xi (1 - eta))], eta = (V/V0)^(1/3)
    # P = -E_V = 3 B0 (1 - eta) eta^-2 exp(xi (1 - eta))
    xi = 1.5 * (bp - 1.0)
    eta = np.cbrt(V / v0)
    g = np.exp(xi * (1.0 - eta))
    energy = e0 + 9.0 * b0 * v0 / xi**2 * (1.0 + (xi * (1.0 - eta) - 1.0) * g)
    inv = 1.0 / eta
    f = (inv**2 - inv) * g
    h = -2.0 * inv**3 + (1.0 - xi) * inv**2 + xi * inv  # f' = g h
    h1 = 6.0 * inv**4 - 2.0 * (1.0 - xi) * inv**3 - xi * inv**2
    f1 = g * h
    f2 = g * (h1 - xi * h)
    deta = inv**2 / (3.0 * v0)
    d2eta = -2.0 * inv**5 / (9.0 * v0**2)
    pressure = 3.0 * b0 * f
    dP = 3.0 * b0 * f1 * deta
    d2P = 3.0 * b0 * (f2 * deta**2 + f1 * d2eta)
    return energy, -pressure, -dP, -d2P


def _murnaghan_derivatives(V: np.ndarray, e0: float, v0: float, b0: float, bp: float):
    r = (v0 / V) ** bp
    energy = e0 + b0 * V / bp * (r / (bp - 1.0) + 1.0) - b0 * v0 / (bp - 1.0)
    E_V = -b0 / bp * (r - 1.0)
    E_VV = b0 * r / V
    E_VVV = -b0 * (bp + 1.0) * r / V**2
    return energy, E_V, E_VV, E_VVV


def _check_data(volumes, energies, kind: str, name: str) -> tuple[np.ndarray, np.ndarray]:
    label = name or "energy-volume data"
    if kind not in EOS_KINDS:
        raise FitError(
            f"unknown equation of state {kind!r}",
            path=name or None,
            hint=f"choose one of {', '.join(EOS_KINDS)}",
        )
    V = np.asarray(volumes, dtype=np.float64).ravel()
    E = np.asarray(energies, dtype=np.float64).ravel()
    if V.shape != E.shape:
        raise InputError(
            f"{V.size} volumes but {E.size} energies", path=name or None,
            hint="give one energy per volume",
        )
    if not (np.all(np.isfinite(V)) and np.all(np.isfinite(E))):
        raise InputError(
            f"{label} contains NaN or infinite volumes/energies", path=name or None,
            hint="remove or fix the failed calculations",
        )
    if np.any(V <= 0):
        raise InputError("volumes must be positive", path=name or None)
    order = np.argsort(V)
    V, E = V[order], E[order]
    if np.any(np.diff(V) <= 1e-10 * V[1:]):
        raise InputError(
            f"{label} has repeated volumes", path=name or None,
            hint="keep one calculation per volume",
        )
    needed = EOS_KINDS[kind] + 1
    if V.size < needed:
        raise FitError(
            f"{V.size} volume points are too few for a {kind} fit ({EOS_KINDS[kind]} "
            f"parameters need at least {needed} points)",
            path=name or None,
            hint="add volumes or choose an equation of state with fewer parameters (bm3)",
        )
    return V, E


def fit_eos(volumes, energies, kind: str = "bm4", name: str = "") -> EosFit:
    """Fit an equation of state to energy-volume points.

    Parameters
    ----------
    volumes : array_like, shape (n,)
        Cell volumes, A^3 per cell (any order; distinct).
    energies : array_like, shape (n,)
        Static energies, eV per cell.
    kind : str
        One of :data:`EOS_KINDS` (default ``"bm4"``).
    name : str
        What is fitted (a source name), quoted in errors and warnings.

    Returns
    -------
    EosFit

    Raises
    ------
    InputError
        NaN/inf, non-positive or repeated volumes, mismatched lengths.
    FitError
        Unknown kind, fewer than (parameters + 1) points, a nonlinear fit that fails.
    """
    V, E = _check_data(volumes, energies, kind, name)
    if kind in _BM_DEGREE:
        return _fit_birch_murnaghan(V, E, _BM_DEGREE[kind], name)
    return _fit_nonlinear(V, E, kind, name)


def _fit_birch_murnaghan(V: np.ndarray, E: np.ndarray, degree: int, name: str) -> EosFit:
    vref = float(np.mean(V))
    s = (V / vref) ** (-2.0 / 3.0) - 1.0
    # Scale s to [-1, 1]-ish for a well-conditioned design matrix.
    scale = float(np.max(np.abs(s))) or 1.0
    design = np.vander(s / scale, degree + 1, increasing=True)
    e_shift = float(np.mean(E))
    solution, *_ = np.linalg.lstsq(design, E - e_shift, rcond=None)
    coefficients = solution / scale ** np.arange(degree + 1)
    coefficients[0] += e_shift
    params = tuple(float(c) for c in coefficients)
    residuals = _bm_derivatives(coefficients, vref, V)[0] - E
    warnings = list(_data_shape_warnings(V, E, name))
    v0 = _bm_minimum(coefficients, vref, V)
    if v0 is None:
        warnings.append(
            f"{name or 'the data'}: the fitted bm{degree + 1} curve has no energy minimum; "
            "E0, V0, B0, B0' are undefined (check the volume range and the data)"
        )
        return EosFit(
            kind=f"bm{degree + 1}", parameters=params, reference_volume=vref,
            e0_eV=float("nan"), v0_A3=float("nan"), b0_GPa=float("nan"),
            b0_prime=float("nan"), volumes=V, energies=E, residuals_eV=residuals,
            warnings=tuple(warnings), name=name,
        )
    return _finish(f"bm{degree + 1}", params, vref, v0, V, E, residuals, warnings, name)


def _bm_minimum(coefficients: np.ndarray, vref: float, V: np.ndarray) -> float | None:
    """Volume of the minimum of the BM polynomial nearest the data, or None."""
    poly = Polynomial(coefficients)
    d1, d2 = poly.deriv(1), poly.deriv(2)
    roots = d1.roots()
    real = roots[np.abs(roots.imag) <= 1e-9 * np.maximum(1.0, np.abs(roots.real))].real
    candidates = [r for r in real if r > -1.0 and d2(r) > 0]
    if not candidates:
        return None
    volumes = [vref * (1.0 + r) ** (-1.5) for r in candidates]
    lo, hi = float(V[0]), float(V[-1])
    centre = 0.5 * (lo + hi)
    # Prefer a minimum inside the data, then the one closest to it.
    return min(volumes, key=lambda v: (not lo <= v <= hi, abs(np.log(v / centre))))


def _finish(kind, params, vref, v0, V, E, residuals, warnings, name) -> EosFit:
    e, _, evv, evvv = eos_derivatives(kind, params, vref, np.float64(v0))
    b0 = float(v0 * evv * EV_PER_A3_IN_GPA)
    bp = float(-1.0 - v0 * evvv / evv)
    lo, hi = float(V[0]), float(V[-1])
    if not lo <= v0 <= hi:
        side = "below" if v0 < lo else "above"
        warnings.append(
            f"{name or 'the data'}: equilibrium volume V0 = {v0:.4f} A^3 lies {side} the "
            f"data range [{lo:.4f}, {hi:.4f}] A^3; E0, V0, B0 and B0' are extrapolated "
            "(add volumes around the minimum)"
        )
    if b0 <= 0:
        warnings.append(f"{name or 'the data'}: bulk modulus at V0 is not positive")
    return EosFit(
        kind=kind, parameters=tuple(float(p) for p in params), reference_volume=vref,
        e0_eV=float(e), v0_A3=float(v0), b0_GPa=b0, b0_prime=bp, volumes=V, energies=E,
        residuals_eV=residuals, warnings=tuple(warnings), name=name,
    )


def _data_shape_warnings(V: np.ndarray, E: np.ndarray, name: str) -> list[str]:
    """Warn when the data are not a single well (decreasing then increasing)."""
    slopes = np.sign(np.diff(E))
    slopes = slopes[slopes != 0]
    changes = int(np.count_nonzero(np.diff(slopes) != 0))
    label = name or "the data"
    if changes == 0:
        trend = "decreases" if slopes.size and slopes[0] < 0 else "increases"
        return [
            f"{label}: the energy {trend} monotonically with volume over the data; the "
            "minimum is not bracketed by the data"
        ]
    if changes > 1:
        return [
            f"{label}: the energies are not a single well ({changes} changes of slope "
            "direction); check for outliers or a change of magnetic state"
        ]
    return []


def _initial_guess(V: np.ndarray, E: np.ndarray) -> tuple[float, float, float, float]:
    try:
        start = _fit_birch_murnaghan(V, E, 3, "")
    except (np.linalg.LinAlgError, ValueError):
        start = None
    if start is not None and start.has_minimum and 2.0 > start.v0_A3 / np.mean(V) > 0.5:
        bp = start.b0_prime if 1.5 < start.b0_prime < 15 else 4.0
        return start.e0_eV, start.v0_A3, start.b0_GPa / EV_PER_A3_IN_GPA, bp
    # Parabola in V through the data as a fallback.
    c2, c1, c0 = np.polyfit(V, E, 2)
    v0 = -c1 / (2 * c2) if c2 > 0 else float(V[np.argmin(E)])
    v0 = float(np.clip(v0, 0.5 * V[0], 2.0 * V[-1]))
    b0 = max(2 * c2 * v0, 1e-3) if c2 > 0 else 0.5
    return float(np.polyval([c2, c1, c0], v0)), v0, float(b0), 4.0


def _fit_nonlinear(V: np.ndarray, E: np.ndarray, kind: str, name: str) -> EosFit:
    from scipy.optimize import least_squares  # here: the linear BM fits need no scipy

    e0, v0, b0, bp = _initial_guess(V, E)
    e_shift = float(np.mean(E))
    func = _vinet_derivatives if kind == "vinet" else _murnaghan_derivatives

    def residuals(p: np.ndarray) -> np.ndarray:
        return func(V, p[0] + e_shift, p[1], p[2], p[3])[0] - E

    start = np.array([e0 - e_shift, v0, b0, bp])
    scale = np.array([max(np.ptp(E), 1e-6), np.mean(V) * 0.05, max(abs(b0), 1e-3), 1.0])
    with np.errstate(all="ignore"):
        result = least_squares(
            residuals, start, x_scale=scale, method="lm", xtol=1e-15, ftol=1e-15, gtol=1e-15,
            max_nfev=20000,
        )
    p = result.x
    if not (result.success and np.all(np.isfinite(p)) and p[1] > 0 and p[2] > 0):
        raise FitError(
            f"the {kind} fit did not converge ({result.message})",
            path=name or None,
            hint="check the data, or use the linear Birch-Murnaghan fit (eos='bm4')",
        )
    params = (float(p[0] + e_shift), float(p[1]), float(p[2]), float(p[3]))
    res = func(V, *params)[0] - E
    warnings = list(_data_shape_warnings(V, E, name))
    return _finish(kind, params, params[1], params[1], V, E, res, warnings, name)

"""Fitting a Gibbs energy G(T) to the SGTE polynomial over joined temperature ranges.

In each range ``[T_i, T_i+1)``

    G(T) = a + b T + c T ln T + d T^2 + e / T + f T^3,

so that S = -dG/dT = -(b + c (1 + ln T) + 2 d T - e / T^2 + 3 f T^2) and
C_P = -T d2G/dT2 = -(c + 2 d T + 2 e / T^2 + 6 f T^2). G is linear in the coefficients, and so
are S and C_P: the fit is a linear least-squares problem on stacked G, S and C_P rows, each
block divided by its own scale (so that C_P and S weigh as much as G does), subject to
equality constraints that make G, dG/dT and d2G/dT2 continuous at every breakpoint (C_P and
S continuous). The constraints are homogeneous, so the solution is sought in their null space
(exact, no penalty weights), and the columns are scaled to unit norm before solving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.linalg

from zenthermo.errors import ConfigurationError, FitError

#: Names of the six SGTE coefficients, in the order of :func:`sgte_basis`.
SGTE_TERMS = ("1", "T", "T*LN(T)", "T**2", "T**(-1)", "T**3")


def sgte_basis(T: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows mapping the six coefficients to G, S and C_P at ``T``; each of shape (nT, 6)."""
    T = np.asarray(T, dtype=np.float64).reshape(-1, 1)[:, 0]
    ln = np.log(T)
    one, zero = np.ones_like(T), np.zeros_like(T)
    G = np.column_stack([one, T, T * ln, T**2, 1.0 / T, T**3])
    S = -np.column_stack([zero, one, 1.0 + ln, 2.0 * T, -1.0 / T**2, 3.0 * T**2])
    Cp = -np.column_stack([zero, zero, one, 2.0 * T, 2.0 / T**2, 6.0 * T**2])
    return G, S, Cp


def _second_derivative_basis(T: float) -> np.ndarray:
    """d2G/dT2 row at one temperature."""
    return np.array([0.0, 0.0, 1.0 / T, 2.0, 2.0 / T**3, 6.0 * T])


@dataclass(frozen=True)
class SgteFit:
    """A piecewise SGTE polynomial for G(T), J/mol of atoms.

    Attributes
    ----------
    bounds_K
        Shape (n_ranges + 1,): T_min, the breakpoints, T_max.
    coefficients
        Shape (n_ranges, 6): a, b, c, d, e, f of each range (see :data:`SGTE_TERMS`).
    rmse, max_abs
        Fit errors on the data: keys "G" (J/mol), "S" and "Cp" (J/(K mol)).
    """

    bounds_K: np.ndarray
    coefficients: np.ndarray
    rmse: dict
    max_abs: dict

    def _range_index(self, T: np.ndarray) -> np.ndarray:
        inner = self.bounds_K[1:-1]
        return np.searchsorted(inner, T, side="right")

    def evaluate(self, T_K: np.ndarray) -> dict[str, np.ndarray]:
        """G (J/mol), S and C_P (J/(K mol)) at ``T_K``; shapes (nT,)."""
        T = np.asarray(T_K, dtype=np.float64).reshape(-1)
        G_rows, S_rows, Cp_rows = sgte_basis(T)
        coeff = self.coefficients[self._range_index(T)]
        return {
            "G": np.sum(G_rows * coeff, axis=1),
            "S": np.sum(S_rows * coeff, axis=1),
            "Cp": np.sum(Cp_rows * coeff, axis=1),
        }


def fit_sgte(
    T_K: np.ndarray,
    G_J_per_mol: np.ndarray,
    S_J_per_K_mol: np.ndarray,
    Cp_J_per_K_mol: np.ndarray,
    breakpoints_K: Sequence[float] = (),
    weights: tuple[float, float, float] = (1.0, 1.0, 1.0),
) -> SgteFit:
    """Fit the piecewise SGTE polynomial to G, S and C_P along temperature.

    Parameters
    ----------
    T_K
        Shape (nT,), strictly increasing, positive.
    G_J_per_mol, S_J_per_K_mol, Cp_J_per_K_mol
        Shape (nT,), per mole of atoms.
    breakpoints_K
        Interior temperatures where one range ends and the next begins.
    weights
        Relative weights of the G, S and C_P blocks; each block is first divided by its
        own scale (the RMS of G - mean(G), of S and of C_P over the data).

    Raises
    ------
    ConfigurationError
        Breakpoints outside (T_min, T_max), or unsorted/non-positive temperatures.
    FitError
        A range holds too few data points, or the data are not finite.
    """
    T = np.asarray(T_K, dtype=np.float64).reshape(-1)
    data = {
        "G": np.asarray(G_J_per_mol, dtype=np.float64).reshape(-1),
        "S": np.asarray(S_J_per_K_mol, dtype=np.float64).reshape(-1),
        "Cp": np.asarray(Cp_J_per_K_mol, dtype=np.float64).reshape(-1),
    }
    if T.size < 2 or np.any(np.diff(T) <= 0) or T[0] <= 0:
        raise ConfigurationError("fit temperatures must be positive and strictly increasing")
    if any(values.shape != T.shape for values in data.values()):
        raise ConfigurationError("G, S and C_P must have the shape of the temperatures")
    if not all(np.all(np.isfinite(values)) for values in data.values()):
        raise FitError("G, S or C_P holds non-finite values; cannot fit the SGTE polynomial")
    breaks = np.sort(np.asarray(list(breakpoints_K), dtype=np.float64))
    if breaks.size and (breaks[0] <= T[0] or breaks[-1] >= T[-1]):
        raise ConfigurationError(
            f"breakpoints {', '.join(f'{b:g}' for b in breaks)} K must lie strictly inside the "
            f"fitted range {T[0]:g}-{T[-1]:g} K"
        )
    bounds = np.concatenate([[T[0]], breaks, [T[-1]]])
    n_ranges = bounds.size - 1
    index = np.searchsorted(breaks, T, side="right")
    for r in range(n_ranges):
        if np.count_nonzero(index == r) < 3:
            raise FitError(
                f"range {bounds[r]:g}-{bounds[r + 1]:g} K holds fewer than 3 temperatures",
                hint="use fewer breakpoints or a finer temperature grid",
            )

    blocks = dict(zip(("G", "S", "Cp"), sgte_basis(T), strict=True))
    scales = {
        "G": float(np.sqrt(np.mean((data["G"] - data["G"].mean()) ** 2))) or 1.0,
        "S": float(np.sqrt(np.mean(data["S"] ** 2))) or 1.0,
        "Cp": float(np.sqrt(np.mean(data["Cp"] ** 2))) or 1.0,
    }
    rows, rhs = [], []
    for (key, basis), weight in zip(blocks.items(), weights, strict=True):
        if weight <= 0:
            continue
        factor = weight / scales[key] / np.sqrt(T.size)
        full = np.zeros((T.size, 6 * n_ranges))
        for r in range(n_ranges):
            mask = index == r
            full[mask, 6 * r: 6 * r + 6] = basis[mask]
        rows.append(full * factor)
        rhs.append(data[key] * factor)
    A, y = np.vstack(rows), np.concatenate(rhs)

    constraints = []
    for r, Tb in enumerate(breaks):
        g, s, _ = (b[0] for b in sgte_basis(np.array([Tb])))
        for row in (g, s, _second_derivative_basis(Tb)):
            c = np.zeros(6 * n_ranges)
            c[6 * r: 6 * r + 6] = row
            c[6 * (r + 1): 6 * (r + 1) + 6] = -row
            constraints.append(c)

    column_scale = np.linalg.norm(A, axis=0)
    column_scale[column_scale == 0] = 1.0
    A_scaled = A / column_scale
    if constraints:
        C_scaled = np.array(constraints) / column_scale
        C_scaled /= np.linalg.norm(C_scaled, axis=1, keepdims=True)
        null = scipy.linalg.null_space(C_scaled)
        z, *_ = np.linalg.lstsq(A_scaled @ null, y, rcond=None)
        solution = null @ z
    else:
        solution, *_ = np.linalg.lstsq(A_scaled, y, rcond=None)
    coefficients = (solution / column_scale).reshape(n_ranges, 6)

    fit = SgteFit(bounds_K=bounds, coefficients=coefficients, rmse={}, max_abs={})
    fitted = fit.evaluate(T)
    rmse = {k: float(np.sqrt(np.mean((fitted[k] - data[k]) ** 2))) for k in data}
    max_abs = {k: float(np.max(np.abs(fitted[k] - data[k]))) for k in data}
    return SgteFit(bounds_K=bounds, coefficients=coefficients, rmse=rmse, max_abs=max_abs)

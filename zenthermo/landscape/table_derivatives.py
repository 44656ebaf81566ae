"""Volume derivatives of a table of total F(V, T) from splines, with their estimated errors.

A system-mode fit learns F(V, T) from a table of it, and its critical point is set by the
curvature F_VV there (docs/zenn.md, "System mode"): a fit with an F RMSE of 0.02 meV/atom
still had F_VV off by up to 1.6 x 10^-4 eV/A^6 at the critical point, 2 % of the two
parts that cancel there. An exact table determines F_VV much better than that: along V at
each temperature, a quintic interpolating spline through 91 volumes gives F_VV within
6 x 10^-6 eV/A^6 of the truth near the critical point of ``benchmarks/zenn_system_mode.py``.
But an interpolating spline amplifies noise by about 1/h^2: Gaussian noise of 0.001
meV/atom in F already costs 1.4 x 10^-4 eV/A^6, and the sharp low-temperature mixing of
configurations (a kink of width k_B T between them) is not resolved at all.

So each derivative comes with an estimate of its own error (:func:`volume_derivatives`),
from the table alone: the truncation error from the difference between the splines through
all volumes and through every other volume (an upper bound: for a smooth F the error of
the k-th-degree spline's m-th derivative falls as h^(k+1-m), so the difference is about
2^(k+1-m) - 1 = 15 times the error of F_VV; Richardson's division by that underestimated
the error 10-40 fold at the unresolved low-temperature kinks), and the noise error from
the scatter of F about the every-other-volume spline, propagated through the spline (it
is linear in F).
:func:`trust_weights` turns those into per-row weights of the Sobolev terms, so that a
noisy or coarse table turns the terms down by itself.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.interpolate import make_interp_spline

__all__ = ["DEGREE", "noise_level", "trust_weights", "volume_derivatives"]

#: Degree of the splines along V (quintic: F_VV converges as h^4).
DEGREE = 5
#: Derivative order of each field.
_ORDER = {"F_V": 1, "F_VV": 2}


@lru_cache(maxsize=64)
def _operators(volumes: tuple[float, ...], degree: int) -> tuple[np.ndarray, np.ndarray]:
    """The spline's first- and second-derivative operators at its knots, (n, n) each."""
    v = np.asarray(volumes)
    spline = make_interp_spline(v, np.eye(v.size), k=degree, axis=0)
    return spline(v, 1), spline(v, 2)


def _line(volumes: np.ndarray, F: np.ndarray, degree: int) -> dict[str, np.ndarray]:
    """Spline derivatives along one temperature: values and truncation estimates, and the
    residuals of the every-other-volume spline at the volumes it leaves out."""
    d1, d2 = _operators(tuple(volumes.tolist()), degree)
    full = {"F_V": d1 @ F, "F_VV": d2 @ F}
    half = make_interp_spline(volumes[::2], F[::2], k=degree)
    out = {}
    for name, order in _ORDER.items():
        difference = np.abs(half(volumes, order) - full[name])
        # the maximum over neighbours: the difference crosses zero where the error does not
        difference = np.maximum.reduce([difference, np.roll(difference, 1),
                                        np.roll(difference, -1)])
        out[name] = full[name]
        out[f"{name} truncation"] = difference
        operator = d1 if order == 1 else d2
        out[f"{name} gain"] = np.sqrt(np.sum(operator ** 2, axis=1))
    out["residual"] = F[1::2] - half(volumes[1::2])
    return out


def noise_level(residuals: np.ndarray) -> float:
    """Robust standard deviation of F's noise from the every-other-volume residuals (eV).

    Median absolute residual / 0.6745: the residual of a smooth F is its noise plus the
    interpolation's, so this is an upper bound on the noise (about 1.2 x it); the median
    ignores the rows where the spline does not resolve F (the low-temperature mixing).
    """
    r = np.abs(np.asarray(residuals, float))
    r = r[np.isfinite(r)]
    return float(np.median(r) / 0.6745) if r.size else 0.0


def volume_derivatives(V: np.ndarray, T: np.ndarray, F: np.ndarray, rows: np.ndarray,
                       degree: int = DEGREE) -> dict[str, np.ndarray]:
    """F_V and F_VV of the ``rows`` of a table along V at each temperature, with errors.

    For each temperature among the ``rows`` (bool mask, shape (n,)) that has at least
    ``2 * (degree + 1) + 1`` distinct volumes, an interpolating spline of degree ``degree``
    through F of those rows (any spacing). Returns, each shape (n,) and NaN outside the
    ``rows`` and at temperatures with too few volumes: ``F_V`` (eV/A^3), ``F_VV``
    (eV/A^6), and their estimated errors ``F_V error``, ``F_VV error``: the truncation
    estimate (the difference between the splines through all volumes and through every
    other volume, the larger of it and its neighbours')
    and the noise (:func:`noise_level` of the whole table, propagated through the
    spline), added in quadrature; and ``noise`` (shape (), eV), the noise level used.
    """
    V, T, F = (np.asarray(x, float) for x in (V, T, F))
    names = ("F_V", "F_VV", "F_V error", "F_VV error")
    out = {name: np.full(V.shape, np.nan) for name in names}
    lines = []
    for temperature in np.unique(T[rows]):
        index = np.flatnonzero(rows & (T == temperature))
        index = index[np.argsort(V[index], kind="stable")]
        if np.unique(V[index]).size != index.size or index.size < 2 * (degree + 1) + 1:
            continue
        lines.append((index, _line(V[index], F[index], degree)))
    residuals = np.concatenate([line["residual"] for _, line in lines] or [np.zeros(0)])
    noise = noise_level(residuals)
    for index, line in lines:
        for name in _ORDER:
            out[name][index] = line[name]
            out[f"{name} error"][index] = np.hypot(line[f"{name} truncation"],
                                                   noise * line[f"{name} gain"])
    out["noise"] = np.asarray(noise)
    return out


def trust_weights(error: np.ndarray, tolerance: float) -> np.ndarray:
    """Per-row weights 1 / (1 + (error / tolerance)^2) of a derivative target, in [0, 1].

    About 1 where the target's estimated ``error`` is below the ``tolerance`` (same units),
    falling as (tolerance / error)^2 above it; 0 where the error is NaN (no target).
    """
    error = np.asarray(error, float)
    with np.errstate(invalid="ignore", over="ignore"):
        w = 1.0 / (1.0 + (error / tolerance) ** 2) if tolerance > 0 else np.zeros(error.shape)
    return np.where(np.isfinite(error), w, 0.0)

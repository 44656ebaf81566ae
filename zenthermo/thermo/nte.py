"""Negative thermal expansion windows: temperature intervals where alpha < 0 on an isobar.

A window is a maximal run of temperatures with alpha < 0. Its ends are the zero crossings
of alpha, located inside the bracketing grid interval with the cubic that interpolates
the four surrounding points (alpha is smooth, so the error is fourth order in the grid
step: far below 0.01 K on a 1 K grid), falling back to linear interpolation where fewer
points or non-finite values are at hand. The most negative alpha of a window is refined
with the parabola through the lowest grid point and its two neighbours. A window that
already holds at the first (last) temperature is open on that side: its bound is that
temperature and ``open_start`` (``open_end``) is True.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from zenthermo.errors import DomainError
from zenthermo.thermo.results import NteWindow

__all__ = ["nte_windows"]


def nte_windows(T_K: ArrayLike, alpha_per_K: ArrayLike) -> tuple[NteWindow, ...]:
    """Intervals where the thermal expansion coefficient is negative.

    Parameters
    ----------
    T_K : array_like, shape (nT,)
        Temperatures, K, strictly ascending.
    alpha_per_K : array_like, shape (nT,)
        Thermal expansion coefficient, 1/K (volumetric or linear: the sign is what counts).
        Non-finite values count as "not negative" and end a window.

    Returns
    -------
    tuple of NteWindow
        In order of temperature; empty when alpha is nowhere negative.

    Raises
    ------
    DomainError
        Mismatched shapes or temperatures that are not strictly ascending.
    """
    T = np.asarray(T_K, dtype=np.float64).ravel()
    alpha = np.asarray(alpha_per_K, dtype=np.float64).ravel()
    if T.shape != alpha.shape:
        raise DomainError(f"T_K has {T.size} values but alpha_per_K has {alpha.size}")
    if T.size > 1 and not np.all(np.diff(T) > 0):
        raise DomainError("temperatures must be strictly ascending to find NTE windows")
    negative = np.isfinite(alpha) & (alpha < 0)
    if not negative.any():
        return ()
    padded = np.concatenate(([False], negative, [False])).astype(np.int8)
    starts = np.nonzero(np.diff(padded) == 1)[0]  # first negative index of each run
    ends = np.nonzero(np.diff(padded) == -1)[0] - 1  # last negative index of each run
    windows = []
    for first, last in zip(starts.tolist(), ends.tolist(), strict=True):
        open_start = first == 0
        open_end = last == T.size - 1
        T_start = T[0] if open_start else _zero_crossing(T, alpha, first - 1)
        T_end = T[-1] if open_end else _zero_crossing(T, alpha, last)
        T_min, alpha_min = _refined_minimum(T, alpha, first, last)
        windows.append(NteWindow(
            T_start_K=float(T_start),
            T_end_K=float(T_end),
            alpha_min_per_K=float(alpha_min),
            T_alpha_min_K=float(T_min),
            open_start=bool(open_start),
            open_end=bool(open_end),
        ))
    return tuple(windows)


def _zero_crossing(T: np.ndarray, alpha: np.ndarray, i: int) -> float:
    """The zero of alpha between T[i] and T[i+1], where alpha changes sign."""
    t0, t1, a0, a1 = T[i], T[i + 1], alpha[i], alpha[i + 1]
    if not np.isfinite(a0):  # nothing known before the window: it starts at its first point
        return float(t1)
    if not np.isfinite(a1):
        return float(t0)
    linear = t0 - a0 * (t1 - t0) / (a1 - a0) if a1 != a0 else 0.5 * (t0 + t1)
    if a0 == 0.0:
        return float(t0)
    if a1 == 0.0:
        return float(t1)
    lo, hi = max(i - 1, 0), min(i + 3, T.size)
    if hi - lo < 4 or not np.all(np.isfinite(alpha[lo:hi])):
        return float(linear)
    # the cubic through the four points around the interval, in a centred, scaled variable
    centre, half = 0.5 * (t0 + t1), 0.5 * (t1 - t0)
    x = (T[lo:hi] - centre) / half
    scale = max(abs(a0), abs(a1))
    coefficients = np.polyfit(x, alpha[lo:hi] / scale, 3)
    roots = np.roots(coefficients)
    real = roots[np.abs(roots.imag) < 1e-9].real
    inside = real[(real >= -1.0) & (real <= 1.0)]
    if inside.size != 1:
        return float(linear)
    return float(centre + half * inside[0])


def _refined_minimum(
    T: np.ndarray, alpha: np.ndarray, first: int, last: int
) -> tuple[float, float]:
    """The lowest alpha of the run first..last, refined with a parabola through three points."""
    k = first + int(np.argmin(alpha[first:last + 1]))
    if k == 0 or k == T.size - 1 or not np.all(np.isfinite(alpha[k - 1:k + 2])):
        return float(T[k]), float(alpha[k])
    t = T[k - 1:k + 2]
    a = alpha[k - 1:k + 2]
    # parabola through the three points (Newton divided differences)
    d01 = (a[1] - a[0]) / (t[1] - t[0])
    d12 = (a[2] - a[1]) / (t[2] - t[1])
    curvature = (d12 - d01) / (t[2] - t[0])
    if not curvature > 0:
        return float(T[k]), float(alpha[k])
    # a(t) = a0 + d01 (t - t0) + curvature (t - t0)(t - t1)
    t_min = 0.5 * (t[0] + t[1]) - d01 / (2.0 * curvature)
    if not t[0] <= t_min <= t[2]:
        return float(T[k]), float(alpha[k])
    a_min = a[0] + d01 * (t_min - t[0]) + curvature * (t_min - t[0]) * (t_min - t[1])
    return float(t_min), float(min(a_min, alpha[k]))

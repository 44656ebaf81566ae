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

__all__ = ["nte_windows", "nte_windows_of_rows"]


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
    return nte_windows_of_rows(T, alpha[None, :])[0]


def nte_windows_of_rows(T_K: ArrayLike, alpha_per_K: ArrayLike) -> list[tuple[NteWindow, ...]]:
    """:func:`nte_windows` of every row of ``alpha_per_K`` (shape (m, nT)) on one grid of
    temperatures ``T_K`` (nT,), strictly ascending (not checked here): the runs of every
    row found at once."""
    T = np.asarray(T_K, dtype=np.float64)
    alphas = np.asarray(alpha_per_K, dtype=np.float64)
    negative = np.isfinite(alphas) & (alphas < 0)
    result: list[tuple[NteWindow, ...]] = [()] * alphas.shape[0]
    if not negative.any():
        return result
    padded = np.zeros((alphas.shape[0], T.size + 2), dtype=np.int8)
    padded[:, 1:-1] = negative
    step = np.diff(padded, axis=1)
    rows, starts = np.nonzero(step == 1)  # first negative index of each run
    ends = np.nonzero(step == -1)[1] - 1  # last negative index of each run (same order)
    for row in np.unique(rows).tolist():
        mine = rows == row
        result[row] = _windows(T, alphas[row], starts[mine], ends[mine])
    return result


def _windows(T: np.ndarray, alpha: np.ndarray, starts: np.ndarray, ends: np.ndarray
             ) -> tuple[NteWindow, ...]:
    """The windows of the runs ``starts[i]..ends[i]`` of negative alpha."""
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
    scale = max(abs(a0), abs(a1))
    x = [float((T[k] - centre) / half) for k in range(lo, hi)]
    y = [float(alpha[k] / scale) for k in range(lo, hi)]
    root = _single_root_inside(_cubic_through(x, y))
    return float(linear) if root is None else float(centre + half * root)


def _cubic_through(x: list[float], y: list[float]) -> tuple[float, float, float, float]:
    """Power coefficients (c0, c1, c2, c3) of the cubic through four points (Newton's
    divided differences, expanded); plain floats: no array overhead for four points."""
    d = list(y)
    for level in range(1, 4):
        for i in range(3, level - 1, -1):
            d[i] = (d[i] - d[i - 1]) / (x[i] - x[i - level])
    # p(t) = d0 + (t - x0)(d1 + (t - x1)(d2 + (t - x2) d3)), expanded from the inside out
    poly = [d[3]]  # ascending powers
    for k in (2, 1, 0):
        grown = [0.0] * (len(poly) + 1)
        for i, coefficient in enumerate(poly):
            grown[i + 1] += coefficient
            grown[i] -= x[k] * coefficient
        grown[0] += d[k]
        poly = grown
    return poly[0], poly[1], poly[2], poly[3]


def _single_root_inside(c: tuple[float, float, float, float]) -> float | None:
    """The root in [-1, 1] of c0 + c1 t + c2 t^2 + c3 t^3 where there is exactly one (the
    cubic split into monotone pieces at its turning points), else None."""
    c0, c1, c2, c3 = c

    def value(t: float) -> float:
        return c0 + t * (c1 + t * (c2 + t * c3))

    cuts = [-1.0]
    a, b, q = 3.0 * c3, 2.0 * c2, c1  # derivative a t^2 + b t + q
    if a != 0.0:
        disc = b * b - 4.0 * a * q
        if disc > 0.0:
            r = disc ** 0.5
            turns = sorted(((-b - r) / (2.0 * a), (-b + r) / (2.0 * a)))
            cuts += [t for t in turns if -1.0 < t < 1.0]
    elif b != 0.0 and -1.0 < -q / b < 1.0:
        cuts.append(-q / b)
    cuts.append(1.0)
    found = [(lo, hi) for lo, hi in zip(cuts[:-1], cuts[1:], strict=True)
             if (value(lo) <= 0.0 <= value(hi)) or (value(hi) <= 0.0 <= value(lo))]
    if len(found) != 1:
        return None
    lo, hi = found[0]
    rising = value(hi) >= value(lo)
    t = 0.5 * (lo + hi)
    for _ in range(100):  # Newton kept inside the shrinking bracket, else bisection
        f = value(t)
        if f == 0.0:
            return t
        if (f < 0.0) == rising:
            lo = t
        else:
            hi = t
        slope = c1 + t * (2.0 * c2 + 3.0 * t * c3)
        step = t - f / slope if slope != 0.0 else lo - 1.0
        following = step if lo < step < hi else 0.5 * (lo + hi)
        if abs(following - t) <= 1e-16 * max(1.0, abs(t)) or following in (lo, hi):
            return following
        t = following
    return t


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

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

from functools import partial

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
    # both ends of every run at once: the zero before its first point, after its last
    inner = np.r_[starts - 1, ends].clip(0, max(T.size - 2, 0))
    crossing = _zero_crossings(T, alphas, np.r_[rows, rows], inner) if T.size > 1 else inner
    T_start, T_end = np.split(np.asarray(crossing, dtype=np.float64), 2)
    per_row: dict[int, list[NteWindow]] = {}
    for k, (row, first, last) in enumerate(zip(rows.tolist(), starts.tolist(), ends.tolist(),
                                               strict=True)):
        open_start, open_end = first == 0, last == T.size - 1
        T_min, alpha_min = _refined_minimum(T, alphas[row], first, last)
        per_row.setdefault(row, []).append(NteWindow(
            T_start_K=float(T[0] if open_start else T_start[k]),
            T_end_K=float(T[-1] if open_end else T_end[k]),
            alpha_min_per_K=float(alpha_min),
            T_alpha_min_K=float(T_min),
            open_start=bool(open_start),
            open_end=bool(open_end),
        ))
    for row, windows in per_row.items():
        result[row] = tuple(windows)
    return result


def _zero_crossings(T: np.ndarray, alphas: np.ndarray, rows: np.ndarray, i: np.ndarray
                    ) -> np.ndarray:
    """The zero of alpha between T[i] and T[i+1] (where it changes sign) in the rows
    ``rows`` of ``alphas``, every crossing at once: the single root in the interval of the
    cubic through the four points around it (centred and scaled), found by a Newton
    iteration kept inside its bracket; the linear interpolation where fewer points or
    non-finite values are at hand or the cubic has more than one root there; an end of the
    interval where alpha is 0 there or not finite on the other side."""
    n = T.size
    t0, t1, a0, a1 = T[i], T[i + 1], alphas[rows, i], alphas[rows, i + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = np.where(a1 != a0, t0 - a0 * (t1 - t0) / (a1 - a0), 0.5 * (t0 + t1))
        near = np.clip(i[:, None] - 1 + np.arange(4), 0, n - 1)
        y = alphas[rows[:, None], near]
        cubic = (i >= 1) & (i + 2 <= n - 1) & np.all(np.isfinite(y), axis=1)
        centre, half = 0.5 * (t0 + t1), 0.5 * (t1 - t0)
        scale = np.maximum(np.abs(a0), np.abs(a1))
        root = _single_roots_inside(_cubics_through((T[near] - centre[:, None]) / half[:, None],
                                                    y / scale[:, None]))
    out = np.where(cubic & np.isfinite(root), centre + half * root, linear)
    out = np.where(a1 == 0.0, t1, out)
    out = np.where(a0 == 0.0, t0, out)
    out = np.where(np.isfinite(a1), out, t0)
    return np.where(np.isfinite(a0), out, t1)


def _cubics_through(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """Power coefficients (c0, c1, c2, c3), each (m,), of the cubics through the four points
    of every row of x, y (shape (m, 4)): Newton's divided differences, expanded."""
    d = [y[:, k].copy() for k in range(4)]
    for level in range(1, 4):
        for k in range(3, level - 1, -1):
            d[k] = (d[k] - d[k - 1]) / (x[:, k] - x[:, k - level])
    poly = [d[3]]  # ascending powers
    for k in (2, 1, 0):
        grown = [np.zeros_like(d[0]) for _ in range(len(poly) + 1)]
        for j, coefficient in enumerate(poly):
            grown[j + 1] = grown[j + 1] + coefficient
            grown[j] = grown[j] - x[:, k] * coefficient
        grown[0] = grown[0] + d[k]
        poly = grown
    return poly[0], poly[1], poly[2], poly[3]


def _single_roots_inside(c: tuple[np.ndarray, ...]) -> np.ndarray:
    """The root in [-1, 1] of each cubic c0 + c1 t + c2 t^2 + c3 t^3 (coefficients (m,))
    where it has exactly one there (the cubic split into monotone pieces at its turning
    points), else NaN."""
    c0, c1, c2, c3 = c
    m = c0.size
    value = partial(_cubic_at, c)

    a, b, q = 3.0 * c3, 2.0 * c2, c1  # derivative a t^2 + b t + q
    turns = np.full((m, 2), np.nan)
    disc = b * b - 4.0 * a * q
    two = (a != 0.0) & (disc > 0.0)
    r = np.sqrt(np.where(two, disc, 0.0))
    turns[two, 0] = np.minimum((-b - r) / (2.0 * a), (-b + r) / (2.0 * a))[two]
    turns[two, 1] = np.maximum((-b - r) / (2.0 * a), (-b + r) / (2.0 * a))[two]
    one = (a == 0.0) & (b != 0.0)
    turns[one, 0] = (-q / b)[one]
    turns[~((turns > -1.0) & (turns < 1.0))] = np.nan
    cuts = np.sort(np.column_stack([np.full(m, -1.0), turns, np.full(m, 1.0)]), axis=1)
    cuts = np.where(np.isnan(cuts), 1.0, cuts)  # repeated 1.0: empty pieces, never found
    lo_cut, hi_cut = cuts[:, :-1], cuts[:, 1:]
    v_lo, v_hi = value(lo_cut), value(hi_cut)
    found = (hi_cut > lo_cut) & (((v_lo <= 0.0) & (0.0 <= v_hi)) | ((v_hi <= 0.0) & (0.0 <= v_lo)))
    single = found.sum(axis=1) == 1
    piece = np.argmax(found, axis=1)
    rows = np.arange(m)
    lo, hi = lo_cut[rows, piece], hi_cut[rows, piece]
    rising = value(hi) >= value(lo)
    t = 0.5 * (lo + hi)
    result = np.full(m, np.nan)
    active = single.copy()
    for _ in range(100):  # Newton kept inside the shrinking bracket, else bisection
        if not active.any():
            break
        f = value(t)
        hit = active & (f == 0.0)
        result[hit] = t[hit]
        active &= ~hit
        up = (f < 0.0) == rising
        lo = np.where(active & up, t, lo)
        hi = np.where(active & ~up, t, hi)
        slope = c1 + t * (2.0 * c2 + 3.0 * t * c3)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(slope != 0.0, t - f / slope, lo - 1.0)
        following = np.where((lo < step) & (step < hi), step, 0.5 * (lo + hi))
        stop = active & ((np.abs(following - t) <= 1e-16 * np.maximum(1.0, np.abs(t)))
                         | (following == lo) | (following == hi))
        result[stop] = following[stop]
        active &= ~stop
        t = np.where(active, following, t)
    result[active] = t[active]
    return result


def _cubic_at(c: tuple[np.ndarray, ...], t: np.ndarray) -> np.ndarray:
    """The cubics c (coefficients (m,) each) at t, shape (m,) or (m, k): row i at t[i]."""
    c0, c1, c2, c3 = (x.reshape(x.shape + (1,) * (t.ndim - 1)) for x in c)
    return c0 + t * (c1 + t * (c2 + t * c3))


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

"""The volume scan of the isobars: F_V on a (volume grid x temperature) grid, refined where needed.

The isobars bracket every minimum of G(V) = F(V,T) + PV between two grid volumes where
``g = F_V + P`` turns from negative to non-negative (:mod:`zenthermo.thermo.isobar`). On a
fine temperature grid these brackets move by a grid step or less from one temperature to
the next, so most of the grid is not needed:

1. Full columns (every volume) at *coarse* temperatures no more than
   :data:`COARSE_SPACING_K` apart (every temperature when the grid is coarser than that).
2. Between two coarse temperatures whose brackets match (for every pressure: the same
   number, each moved by at most :data:`WINDOW_MARGIN` grid steps, the same boundary
   minima), only windows of volumes around those brackets (reaching
   :data:`WINDOW_MARGIN` steps beyond them) and the two end volumes are evaluated (full
   columns where the windows of all pressures would cover half the grid).
3. Check: every column in between must show, inside its windows, as many brackets as its
   coarse neighbours and the same boundary minima; where a column does not (a minimum
   appears, vanishes or jumps: a phase transition), the whole interval gets full columns.

Where the check passes, the brackets are those of the full grid unless a pair of extra
extrema of G appears *and* vanishes between two coarse temperatures away from the windows
(a metastable minimum living less than :data:`COARSE_SPACING_K`). The entries not
evaluated are NaN, which never bracket a minimum.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from zenthermo.thermo.evaluate import derivatives_of

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["COARSE_SPACING_K", "MAX_POINTS_PER_CALL", "WINDOW_MARGIN", "bracket_minima",
           "root_guesses", "scan_slopes"]

#: Largest number of (V, T) points evaluated in one ``derivatives`` call.
MAX_POINTS_PER_CALL = 400_000
#: Largest spacing of the full (coarse) columns of the scan, K; 0 turns the refinement off.
COARSE_SPACING_K = 16.0
#: Grid steps a window reaches beyond the brackets of its coarse neighbours (and the most a
#: bracket may move between them).
WINDOW_MARGIN = 2


def scan_slopes(landscape: Landscape, grid: np.ndarray, T: np.ndarray,
                pressures_eV: list[float],
                coarse_spacing_K: float | None = None) -> np.ndarray:
    """F_V (eV/A^3) on the scan, shape (nV, nT); NaN where the brackets do not need it.

    ``grid`` (nV,) volumes A^3, ``T`` (nT,) ascending temperatures K, ``pressures_eV`` the
    pressures (eV/A^3) whose brackets are kept; ``coarse_spacing_K`` defaults to
    :data:`COARSE_SPACING_K` (0: every column in full). See the module docstring.
    """
    nT = T.size
    pressures = np.asarray(pressures_eV, dtype=np.float64)
    spacing = COARSE_SPACING_K if coarse_spacing_K is None else coarse_spacing_K
    step = _coarse_step(T, spacing)
    if step < 2:
        return _full_columns(landscape, grid, T)
    F_V = np.full((grid.size, nT), np.nan)
    coarse = np.unique(np.r_[np.arange(0, nT, step), nT - 1])
    F_V[:, coarse] = _full_columns(landscape, grid, T[coarse])

    windowed: list[tuple[np.ndarray, np.ndarray]] = []
    full: list[np.ndarray] = []
    for c0, c1 in zip(coarse[:-1], coarse[1:], strict=True):
        if c1 - c0 < 2:
            continue
        columns = np.arange(c0 + 1, c1)
        rows = _window_rows(F_V[:, c0], F_V[:, c1], pressures)
        if rows is None:
            full.append(columns)
        else:
            windowed.append((columns, rows))

    if windowed:
        v_index = np.concatenate([np.tile(rows, cols.size) for cols, rows in windowed])
        t_index = np.concatenate([np.repeat(cols, rows.size) for cols, rows in windowed])
        F_V[v_index, t_index] = _points(landscape, grid[v_index], T[t_index])
        for columns, _ in windowed:
            if not _consistent(F_V, columns, pressures):
                full.append(columns)
    if full:
        columns = np.sort(np.concatenate(full))
        F_V[:, columns] = _full_columns(landscape, grid, T[columns])
    return F_V


def _coarse_step(T: np.ndarray, spacing_K: float) -> int:
    """Temperatures per coarse step: the most that keeps the coarse spacing <= spacing_K."""
    if spacing_K <= 0.0 or T.size < 3:
        return 1
    widest = float(np.max(np.diff(T)))
    return max(1, int(np.floor(spacing_K / widest + 1e-9))) if widest > 0 else 1


def _window_rows(f0: np.ndarray, f1: np.ndarray, pressures_eV: np.ndarray
                 ) -> np.ndarray | None:
    """Volume indices to evaluate between two coarse columns of F_V, or None where the
    brackets of the two do not match or the windows would cover half the grid (the interval
    gets full columns)."""
    n = f0.size
    if not (np.all(np.isfinite(f0)) and np.all(np.isfinite(f1))):
        return None
    g0, g1 = f0[:, None] + pressures_eV, f1[:, None] + pressures_eV  # (nV, nP)
    if np.any((g0[0] >= 0) != (g1[0] >= 0)) or np.any((g0[-1] < 0) != (g1[-1] < 0)):
        return None
    up0, up1 = _rising(g0), _rising(g1)
    if np.any(up0.sum(axis=0) != up1.sum(axis=0)):
        return None
    # the k-th bracket of each pressure at one end against the k-th at the other
    j0, j1 = np.nonzero(up0.T)[1], np.nonzero(up1.T)[1]
    if np.any(np.abs(j0 - j1) > WINDOW_MARGIN):
        return None
    change = np.zeros(n + 1, dtype=np.int64)
    np.add.at(change, np.maximum(np.minimum(j0, j1) - WINDOW_MARGIN, 0), 1)
    np.add.at(change, np.minimum(np.maximum(j0, j1) + 2 + WINDOW_MARGIN, n), -1)
    mask = np.cumsum(change[:n]) > 0
    mask[[0, n - 1]] = True
    if mask.sum() > n // 2:
        return None
    return np.flatnonzero(mask)


def _rising(g: np.ndarray) -> np.ndarray:
    """Where g turns from negative to non-negative between grid volumes j and j+1."""
    return (g[:-1] < 0) & (g[1:] >= 0)


def _consistent(F_V: np.ndarray, columns: np.ndarray, pressures_eV: np.ndarray) -> bool:
    """Whether windowed ``columns`` show their coarse neighbours' brackets (count and
    boundary minima) for every pressure."""
    g0 = F_V[:, columns[0] - 1, None] + pressures_eV  # (nV, nP)
    g = F_V[:, columns, None] + pressures_eV  # (nV, ncols, nP)
    if np.any(_rising(g).sum(axis=0) != _rising(g0).sum(axis=0)):
        return False
    return bool(np.all((g[0] >= 0) == (g0[0] >= 0)) and np.all((g[-1] < 0) == (g0[-1] < 0)))


def _full_columns(landscape: Landscape, grid: np.ndarray, T: np.ndarray) -> np.ndarray:
    """F_V at every grid volume for the temperatures T, shape (nV, nT), in chunks."""
    chunk = max(1, MAX_POINTS_PER_CALL // grid.size)
    columns = []
    for start in range(0, T.size, chunk):
        T_chunk = T[start:start + chunk]
        F_V = derivatives_of(landscape, grid[:, None], T_chunk[None, :], ("F_V",)).F_V
        columns.append(np.broadcast_to(np.asarray(F_V, dtype=np.float64),
                                       (grid.size, T_chunk.size)))
    return np.concatenate(columns, axis=1)


def _points(landscape: Landscape, V: np.ndarray, T: np.ndarray) -> np.ndarray:
    """F_V at the points (V, T) (flat arrays), in chunks."""
    parts = [np.asarray(derivatives_of(landscape, V[i:i + MAX_POINTS_PER_CALL],
                                       T[i:i + MAX_POINTS_PER_CALL], ("F_V",)).F_V,
                        dtype=np.float64)
             for i in range(0, V.size, MAX_POINTS_PER_CALL)]
    return np.concatenate(parts) if parts else np.empty(0)


def bracket_minima(F_V: np.ndarray, pressures_eV: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every local minimum of G = F + PV on the scan, for all pressures and temperatures.

    ``F_V`` (nV, nT) from :func:`scan_slopes` (NaN entries bracket nothing), ``pressures_eV``
    (nP,) eV/A^3. An interior minimum lies between grid volumes j and j+1 where
    ``g = F_V + P`` is negative at j and non-negative at j+1, i.e. ``-F_V[j+1] <= P <
    -F_V[j]`` (exact in floating point: the sign of a rounded sum is the sign of the sum);
    the smallest volume is a boundary minimum where ``g >= 0`` there, the largest where
    ``g < 0``. Returns flat candidate arrays (pressure index, temperature index, grid index
    j, kind: 0 interior, 1 low edge (j = 0), 2 high edge (j = nV - 1)), ordered by pressure,
    kind, j, temperature.
    """
    nV = F_V.shape[0]
    order = np.argsort(pressures_eV, kind="stable")
    sorted_p = pressures_eV[order]
    f0, f1 = F_V[:-1], F_V[1:]
    j, t = np.nonzero(f0 < f1)  # NaN compares False: an unevaluated pair brackets nothing
    start = np.searchsorted(sorted_p, -f1[j, t], side="left")
    stop = np.searchsorted(sorted_p, -f0[j, t], side="left")
    low = np.nonzero(np.isfinite(F_V[0]))[0]
    high = np.nonzero(np.isfinite(F_V[-1]))[0]
    starts = np.concatenate([start, np.searchsorted(sorted_p, -F_V[0, low], side="left"),
                             np.zeros(high.size, dtype=np.intp)])
    stops = np.concatenate([stop, np.full(low.size, sorted_p.size, dtype=np.intp),
                            np.searchsorted(sorted_p, -F_V[-1, high], side="left")])
    rows = np.concatenate([j, np.zeros(low.size, np.intp), np.full(high.size, nV - 1)])
    cols = np.concatenate([t, low, high])
    kinds = np.repeat(np.array([0, 1, 2], dtype=np.int8), [j.size, low.size, high.size])
    counts = np.maximum(stops - starts, 0)
    owner = np.repeat(np.arange(counts.size), counts)
    rank = np.arange(owner.size) - np.repeat(np.cumsum(counts) - counts, counts)
    p_idx = order[starts[owner] + rank]
    t_idx, j_idx, kind = cols[owner], rows[owner], kinds[owner]
    final = np.lexsort((t_idx, j_idx, kind, p_idx))
    return p_idx[final], t_idx[final].astype(np.intp), j_idx[final].astype(np.intp), kind[final]


def root_guesses(F_V: np.ndarray, grid: np.ndarray, p: np.ndarray, t: np.ndarray,
                 j: np.ndarray) -> np.ndarray:
    """Starting volumes (A^3) for the roots of ``F_V + p = 0`` bracketed in [grid[j],
    grid[j+1]] at the temperature indices ``t``: the root of the cubic through ``F_V + p``
    at four grid volumes around the bracket (the secant where one of them was not
    evaluated), clipped into the bracket. Flat arrays of one length; needs nV >= 4 for
    the cubic.
    """
    nV = grid.size
    if nV < 4:
        k0 = j
        g = np.stack([F_V[j, t] + p, F_V[j + 1, t] + p, F_V[j + 1, t] + p, F_V[j + 1, t] + p])
    else:
        k0 = np.clip(j - 1, 0, nV - 4)
        g = np.stack([F_V[k0 + i, t] + p for i in range(4)])  # (4, n) at s = 0..3
    x0 = (j - k0).astype(np.float64)  # the bracket is [x0, x0 + 1] in s
    ga, gb = F_V[j, t] + p, F_V[j + 1, t] + p
    s = x0 + ga / (ga - gb)  # secant
    d1 = g[1] - g[0]
    d2 = (g[2] - 2.0 * g[1] + g[0]) / 2.0
    d3 = (g[3] - 3.0 * g[2] + 3.0 * g[1] - g[0]) / 6.0
    cubic = np.all(np.isfinite(g), axis=0) & (nV >= 4)
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(4):  # Newton on the cubic, from the secant root
            value = g[0] + s * (d1 + (s - 1.0) * (d2 + (s - 2.0) * d3))
            slope = d1 + d2 * (2.0 * s - 1.0) + d3 * (3.0 * s * s - 6.0 * s + 2.0)
            s = np.where(cubic, np.clip(s - value / slope, x0, x0 + 1.0), s)
    u = np.where(np.isfinite(s), s - x0, 0.5)
    lo, hi = grid[j], grid[np.minimum(j + 1, nV - 1)]
    return np.clip(lo + u * (hi - lo), lo, hi)

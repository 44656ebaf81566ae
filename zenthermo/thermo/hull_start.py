"""The convex-hull start of the common-tangent Newton (coexistence), refined from a coarse grid.

At each temperature below T_c the lower convex hull of F(., T) on a volume grid has an edge
that spans the unstable interval; its ends are the grid's estimate of the two coexisting
volumes (:func:`hull_guess`). F is evaluated on a coarse grid first and in full only in the
grid cells where a volume could lie below the edge's line, so the edges are those of the
full grid (see :func:`hull_guess` for the one assumption) at a fraction of the points.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from zenthermo.thermo.evaluate import derivatives_of

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["HULL_COARSE_STEP", "HULL_CURVATURE_SAFETY", "hull_guess", "lower_edge_over"]

#: F is evaluated on every HULL_COARSE_STEP-th volume first, then only in the grid cells
#: where the hull edge can be (1: the whole grid).
HULL_COARSE_STEP = 8
#: Safety factor on the largest F_VV seen on that coarse grid (see :func:`hull_guess`).
HULL_CURVATURE_SAFETY = 4.0
#: Refinement rounds; a row not settled after them is evaluated in full.
_HULL_ROUNDS = 4


def hull_guess(
    landscape: Landscape, volumes: np.ndarray, T: np.ndarray, s_low: np.ndarray,
    s_high: np.ndarray, min_steps: int = 8,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Lower-convex-hull edge over the unstable interval, per temperature.

    Returns V1, V2, whether an edge at least ``min_steps`` grid steps long was found, and
    whether it ends inside the grid (an edge ending on the first or last grid volume means
    that the true tangent point lies outside the domain).

    F is evaluated on every :data:`HULL_COARSE_STEP`-th grid volume (and the last) first.
    Then, around the edge of the volumes evaluated so far, a cell between two evaluated
    volumes V_p < V_q is evaluated in full where a volume inside could lie below the edge's
    line: where min(r_p, r_q) <= :data:`HULL_CURVATURE_SAFETY` kappa (V_q - V_p)^2 / 8, r the
    height of F above the line and kappa the largest second difference of F on the coarse
    grid of that temperature (F - line >= chord - kappa (V - V_p)(V_q - V) / 2 where
    F_VV <= kappa). Repeated until no cell is left, so the edges are those of the full grid
    unless F_VV somewhere exceeds that safety factor times the largest coarse estimate.
    """
    n = volumes.size
    mid = 0.5 * (s_low + s_high)
    F = np.full((T.size, n), np.nan)
    coarse = np.unique(np.r_[np.arange(0, n, max(int(HULL_COARSE_STEP), 1)), n - 1])
    F[:, coarse] = derivatives_of(landscape, volumes[None, coarse], T[:, None], ("F",)).F
    Vc = volumes[coarse]
    slope = np.diff(F[:, coarse], axis=1) / np.diff(Vc)
    kappa = (np.max(np.diff(slope, axis=1) / (0.5 * (Vc[2:] - Vc[:-2])), axis=1, initial=0.0)
             if coarse.size > 2 else np.zeros(T.size))
    edges: list[tuple[int, int] | None] = [None] * T.size
    pending = np.arange(T.size)
    for attempt in range(_HULL_ROUNDS + 1):
        rows, columns = [], []
        for row in pending:
            edges[row], cells = _hull_edge(volumes, F[row], mid[row],
                                           HULL_CURVATURE_SAFETY * kappa[row])
            if cells.size:
                if attempt == _HULL_ROUNDS:  # not settled: the whole row
                    cells = np.flatnonzero(np.isnan(F[row]))
                rows.append(np.full(cells.size, row))
                columns.append(cells)
        if not rows:
            break
        t_index, v_index = np.concatenate(rows), np.concatenate(columns)
        F[t_index, v_index] = derivatives_of(landscape, volumes[v_index], T[t_index],
                                             ("F",)).F
        pending = np.unique(t_index)
    else:  # the last round filled its rows in full: their edges on the full grid
        for row in pending:
            edges[row] = _hull_edge(volumes, F[row], mid[row], 0.0)[0]
    V1, V2 = np.full(T.shape, np.nan), np.full(T.shape, np.nan)
    found = np.zeros(T.shape, dtype=bool)
    inside = np.ones(T.shape, dtype=bool)
    for k, edge in enumerate(edges):
        if edge is not None and edge[1] - edge[0] >= min_steps:
            i, j = edge
            found[k], inside[k] = True, i > 0 and j < n - 1
            V1[k], V2[k] = volumes[i], volumes[j]
    return np.where(found, V1, s_low), np.where(found, V2, s_high), found, inside


def _hull_edge(
    volumes: np.ndarray, F: np.ndarray, V: float, curvature: float
) -> tuple[tuple[int, int] | None, np.ndarray]:
    """The lower-convex-hull edge over V of the evaluated (not NaN) points of a grid row,
    and the grid indices not evaluated yet that could lie below its line (see
    :func:`hull_guess`; ``curvature`` is the bound on F_VV, eV/A^6)."""
    known = np.flatnonzero(~np.isnan(F))
    x, y = volumes[known], F[known]
    edge = lower_edge_over(x, y, V)
    if edge is None:
        return None, np.empty(0, dtype=np.int64)
    a, b = edge
    r = y - (y[a] + (y[b] - y[a]) * ((x - x[a]) / (x[b] - x[a])))  # height above the line
    gaps = np.flatnonzero(np.diff(known) > 1)
    width = x[gaps + 1] - x[gaps]
    beside = np.isin(gaps, (a - 1, a, b - 1, b))  # the cells at the edge's ends, always
    open_cells = gaps[beside | (np.minimum(r[gaps], r[gaps + 1]) <= curvature * width**2 / 8.0)]
    cells = [np.arange(known[g] + 1, known[g + 1]) for g in open_cells]
    return (int(known[a]), int(known[b])), (np.concatenate(cells) if cells
                                            else np.empty(0, dtype=np.int64))


def lower_edge_over(x: np.ndarray, F: np.ndarray, V: float) -> tuple[int, int] | None:
    """Indices (a, b) into ``x`` (ascending) of the lower-convex-hull edge of (x, F) over V:
    of all chords from a point at or left of V to one right of it, the lowest at V (the
    lower hull is the lower envelope of the chords). None when V is outside (x[0], x[-1])."""
    left, right = np.flatnonzero(x <= V), np.flatnonzero(x > V)
    if not (left.size and right.size):
        return None
    u = (x - x[0]) / (x[-1] - x[0])
    y = F - (F[0] + (F[-1] - F[0]) * u)  # an affine shear keeps the hull, and the digits
    ul, yl = u[left, None], y[left, None]
    ur, yr = u[None, right], y[None, right]
    w = (V - x[0]) / (x[-1] - x[0])
    chord = yl + (yr - yl) * ((w - ul) / (ur - ul))
    a, b = np.unravel_index(int(np.argmin(chord)), chord.shape)
    return int(left[a]), int(right[b])

"""The volume scan of the isobars: F_V on a (volume grid x temperature) grid, where it is needed.

The isobars bracket every minimum of G(V) = F(V,T) + PV between two grid volumes where
``g = F_V + P`` turns from negative to non-negative (:mod:`zenthermo.thermo.isobar`). On a
fine temperature grid these brackets move by a grid step or less from one temperature to
the next, and F_V itself does not depend on P, so most of the grid is not needed:

1. Full columns (every volume) at *coarse* temperatures no more than
   :data:`COARSE_SPACING_K` apart (every temperature when the grid is coarser than that).
2. Between two coarse temperatures whose brackets match (for every pressure: the same
   number, the k-th moved by at most :data:`WINDOW_MARGIN` grid steps, the same boundary
   minima) only the two end volumes are evaluated (the boundary minima stay exact): the
   minima in between are *continued* from the polished minima at the two coarse
   temperatures (:func:`span_tracks`: the volumes the bracket swept, widened by
   WINDOW_MARGIN steps, as the search interval; the Newton starts Hermites in T of V and
   dV/dT, :func:`hermite_weights`, see :mod:`zenthermo.thermo.minima`). The
   span is pressure-free: its cost does not grow with the pressures.
3. Where the brackets do not match (a minimum appears, vanishes or jumps: a phase
   transition), the middle column is evaluated in full and both halves are tried again,
   down to spans of three steps, whose inner columns are evaluated in full; wherever a
   continued minimum fails (no convergence, a root on the edge of its interval or with
   F_VV <= 0, two continued minima on one root), the columns of its span are evaluated in
   full too; minima on full columns are bracketed on the grid.

Where the spans are continued, the minima are those of the full grid unless a pair of
extra extrema of G appears *and* vanishes between two coarse temperatures (a metastable
minimum living less than :data:`COARSE_SPACING_K`). The entries not evaluated are NaN,
which never bracket a minimum.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from zenthermo.thermo.evaluate import derivatives_of

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["COARSE_SPACING_K", "MAX_POINTS_PER_CALL", "ROOT_GUESS_POINTS", "WINDOW_MARGIN",
           "SpanTracks", "VolumeScan", "bracket_minima", "full_columns", "hermite_weights",
           "key_then_value_order", "root_guesses", "scan_slopes", "span_tracks"]

#: Largest number of (V, T) points evaluated in one ``derivatives`` call.
MAX_POINTS_PER_CALL = 400_000
#: Largest spacing of the full (coarse) columns of the scan, K; 0 turns the refinement off.
COARSE_SPACING_K = 16.0
#: Grid volumes through which the polynomial whose root starts a bracket's polish passes
#: (:func:`root_guesses`): 10 (degree 9) put the bracketed starts a median 2e-15 of V from
#: the root on Fe3Pt (a cubic: 1.3e-10), so 77 % of those searches end at their first
#: evaluation under the gated polish's 1e-12 (docs/benchmarks.md).
ROOT_GUESS_POINTS = 10
#: The most a bracket may move (grid steps) between two coarse columns for the minima in
#: between to be continued, and how far their search interval reaches beyond it.
WINDOW_MARGIN = 2


class VolumeScan(NamedTuple):
    """F_V (eV/A^3) on the scan, shape (nV, nT), NaN where not evaluated; ``spans`` (m, 2)
    the coarse column indices (c0, c1) whose columns strictly in between hold only the two
    end volumes (their interior minima are continued)."""

    F_V: np.ndarray
    spans: np.ndarray


def scan_slopes(landscape: Landscape, grid: np.ndarray, T: np.ndarray,
                pressures_eV: list[float],
                coarse_spacing_K: float | None = None) -> VolumeScan:
    """The volume scan: F_V on ``grid`` (nV,) A^3 at the ascending temperatures ``T`` (nT,)
    K, where the brackets of ``pressures_eV`` (eV/A^3) need it (see the module docstring);
    ``coarse_spacing_K`` defaults to :data:`COARSE_SPACING_K` (0: every column in full).
    """
    nT = T.size
    pressures = np.asarray(pressures_eV, dtype=np.float64)
    spacing = COARSE_SPACING_K if coarse_spacing_K is None else coarse_spacing_K
    step = _coarse_step(T, spacing)
    if step < 2:
        return VolumeScan(full_columns(landscape, grid, T), np.empty((0, 2), dtype=np.intp))
    F_V = np.full((grid.size, nT), np.nan)
    coarse = np.unique(np.r_[np.arange(0, nT, step), nT - 1])
    F_V[:, coarse] = full_columns(landscape, grid, T[coarse])
    spans, full = [], []
    pending = list(zip(coarse[:-1], coarse[1:], strict=True))
    while pending:  # halve a span that does not match until it does or is short
        pending = [(c0, c1) for c0, c1 in pending if c1 - c0 >= 2]
        ends = np.array(pending, dtype=np.intp).reshape(-1, 2)
        matching = _matching(F_V, ends, pressures)
        halves, middles = [], []
        for (c0, c1), match in zip(pending, matching, strict=True):
            if match:
                spans.append((c0, c1))
            elif c1 - c0 < 4:
                full.append(np.arange(c0 + 1, c1))
            else:
                middle = (c0 + c1) // 2
                middles.append(middle)
                halves += [(c0, middle), (middle, c1)]
        if middles:
            F_V[:, middles] = full_columns(landscape, grid, T[middles])
        pending = halves
    spans.sort()
    # the spans' end volumes and the short spans' full columns: one landscape call
    rows, columns = [], []
    if spans:
        inner = np.concatenate([np.arange(c0 + 1, c1) for c0, c1 in spans])
        rows.append(np.repeat([[0], [grid.size - 1]], inner.size, axis=1).reshape(-1))
        columns.append(np.tile(inner, 2))
    if full:
        inner = np.concatenate(full)
        rows.append(np.repeat(np.arange(grid.size), inner.size))
        columns.append(np.tile(inner, grid.size))
    if rows:
        row, column = np.concatenate(rows), np.concatenate(columns)
        F_V[row, column] = _points_F_V(landscape, grid[row], T[column])
    return VolumeScan(F_V, np.array(spans, dtype=np.intp).reshape(-1, 2))


def _points_F_V(landscape: Landscape, V: np.ndarray, T: np.ndarray) -> np.ndarray:
    """F_V at the flat points (V, T) (A^3, K), at most :data:`MAX_POINTS_PER_CALL` a call."""
    F_V = np.empty(V.size)
    for start in range(0, V.size, MAX_POINTS_PER_CALL):
        part = slice(start, start + MAX_POINTS_PER_CALL)
        F_V[part] = np.asarray(derivatives_of(landscape, V[part], T[part], ("F_V",)).F_V,
                               dtype=np.float64)
    return F_V


def _coarse_step(T: np.ndarray, spacing_K: float) -> int:
    """Temperatures per coarse step: the most that keeps the coarse spacing <= spacing_K."""
    if spacing_K <= 0.0 or T.size < 3:
        return 1
    widest = float(np.max(np.diff(T)))
    return max(1, int(np.floor(spacing_K / widest + 1e-9))) if widest > 0 else 1


def _matching(F_V: np.ndarray, pairs: np.ndarray, pressures_eV: np.ndarray) -> np.ndarray:
    """Per pair of columns (c0, c1) of F_V (``pairs`` (n, 2) column indices), whether they
    show the same brackets for every pressure: the same boundary minima, the same number of
    interior ones, the k-th moved by at most :data:`WINDOW_MARGIN` grid steps (and its
    search interval under half the grid). Each column is bracketed once, however many
    pairs it ends. Shape (n,)."""
    nV = F_V.shape[0]
    nP = pressures_eV.size
    columns, which = np.unique(pairs.reshape(-1), return_inverse=True)
    c0, c1 = which.reshape(-1, 2).T  # indices into columns
    f = F_V[:, columns]
    nC = columns.size
    p, t, j, kind = bracket_minima(f, pressures_eV)
    key = t * nP + p  # one per (column, pressure)
    inner = kind == 0
    count = np.bincount(key[inner], minlength=nC * nP).reshape(nC, nP)
    low = np.bincount(key[kind == 1], minlength=nC * nP).reshape(nC, nP)
    high = np.bincount(key[kind == 2], minlength=nC * nP).reshape(nC, nP)
    finite = np.all(np.isfinite(f), axis=0)
    ok = (finite[c0] & finite[c1]
          & np.all((count[c0] == count[c1]) & (low[c0] == low[c1]) & (high[c0] == high[c1]),
                   axis=1))
    # the k-th bracket of each pressure at one end against the k-th at the other: the
    # interior brackets ordered by (column, pressure, j), each column's in one run
    ordered = j[inner][np.argsort(key[inner].astype(np.int64) * nV + j[inner], kind="stable")]
    total = count.sum(axis=1)
    first = np.cumsum(total) - total
    pair = np.flatnonzero(ok)
    length = total[c0[pair]]
    rank = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
    moved = np.abs(ordered[np.repeat(first[c0[pair]], length) + rank]
                   - ordered[np.repeat(first[c1[pair]], length) + rank])
    # a search interval (the swept volumes and WINDOW_MARGIN steps each side) over half of
    # a coarse grid would be no narrower than the grid's own brackets
    bad = (moved > WINDOW_MARGIN) | (moved + 2 + 2 * WINDOW_MARGIN > nV // 2)
    ok[np.repeat(pair, length)[bad]] = False
    return ok


def full_columns(landscape: Landscape, grid: np.ndarray, T: np.ndarray) -> np.ndarray:
    """F_V at every volume of ``grid`` for the temperatures T, shape (nV, nT), in chunks."""
    chunk = max(1, MAX_POINTS_PER_CALL // grid.size)
    columns = []
    for start in range(0, T.size, chunk):
        T_chunk = T[start:start + chunk]
        F_V = derivatives_of(landscape, grid[:, None], T_chunk[None, :], ("F_V",)).F_V
        columns.append(np.broadcast_to(np.asarray(F_V, dtype=np.float64),
                                       (grid.size, T_chunk.size)))
    return np.concatenate(columns, axis=1)


class SpanTracks(NamedTuple):
    """The interior minima of the continued spans, one track per (pressure, span, k-th
    minimum by volume): the indices (into the polished minima given to
    :func:`span_tracks`) of its minimum at the span's first and last column, whether the
    last exists (False: the k-th minimum at c0 has no partner at c1), and the search
    interval of its continued minima (A^3; lo == hi where unpaired)."""

    p: np.ndarray
    span: np.ndarray
    first: np.ndarray
    last: np.ndarray
    paired: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def span_tracks(spans: np.ndarray, nT: int, grid: np.ndarray, p: np.ndarray, t: np.ndarray,
                j: np.ndarray, V: np.ndarray) -> SpanTracks:
    """Pair the polished interior minima at the ends of the continued ``spans``.

    ``p, t, j, V`` describe the polished interior minima (pressure index, temperature
    index, grid bracket index, volume A^3) of at least the spans' end columns; the k-th
    minimum (by volume) of a pressure at c0 is paired with the k-th at c1. The search
    interval of a track is the grid volumes from WINDOW_MARGIN steps below the lower of its
    two end brackets to WINDOW_MARGIN steps above the higher.
    """
    nV = grid.size
    span_of = np.full(nT, -1, dtype=np.intp)
    span_of[spans[:, 0]] = np.arange(spans.shape[0])
    order = key_then_value_order(p.astype(np.int64) * nT + t, V)
    key = p[order] * nT + t[order]
    first = np.r_[True, key[1:] != key[:-1]]
    rank = np.arange(key.size) - np.maximum.accumulate(np.where(first, np.arange(key.size), 0))
    ranks = int(rank.max()) + 1 if rank.size else 1
    full_key = key * ranks + rank
    start = order[span_of[t[order]] >= 0]
    start_key = full_key[span_of[t[order]] >= 0]
    s = span_of[t[start]]
    partner_key = (p[start] * nT + spans[s, 1]) * ranks + (start_key % ranks)
    at = np.minimum(np.searchsorted(full_key, partner_key), order.size - 1)
    end = order[at]
    paired = full_key[at] == partner_key  # always, as the spans' brackets match
    lo = grid[np.maximum(np.minimum(j[start], j[end]) - WINDOW_MARGIN, 0)]
    hi = grid[np.minimum(np.maximum(j[start], j[end]) + 1 + WINDOW_MARGIN, nV - 1)]
    hi = np.where(paired, hi, lo)  # an empty interval: the span is scanned instead
    return SpanTracks(p[start], s, start, end, paired, lo, hi)


def hermite_weights(T: np.ndarray, nodes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The weights of the Hermite interpolant at T through n nodes (T_i, V_i, dV/dT = D_i):
    ``(w_V, w_D)``, each (n, m), such that ``sum_i w_V[i] V_i + w_D[i] D_i`` is the
    polynomial of degree 2n - 1 through them (n = 2: the cubic; n = 3: a quintic, whose
    error falls as h^6 against the cubic's h^4). ``T`` and each node (m,)
    K, distinct nodes in any order (NaN weights where two coincide)."""
    w_V, w_D = [], []
    with np.errstate(divide="ignore", invalid="ignore"):
        for i, Ti in enumerate(nodes):
            lagrange, slope = np.ones_like(T), np.zeros_like(T)
            for j, Tj in enumerate(nodes):
                if j != i:
                    lagrange = lagrange * ((T - Tj) / (Ti - Tj))
                    slope = slope + 1.0 / (Ti - Tj)
            squared, u = lagrange * lagrange, T - Ti
            w_V.append((1.0 - 2.0 * slope * u) * squared)
            w_D.append(u * squared)
    return np.array(w_V), np.array(w_D)


def key_then_value_order(key: np.ndarray, value: np.ndarray) -> np.ndarray:
    """``np.lexsort((value, key))``: the order by the integer ``key``, ties by ``value``
    (then by position), for flat arrays of one length.

    A stable sort of the integer key (fast on the runs of sorted keys the candidates come
    in), with the float ``value`` sorted only inside the runs of equal keys (a few points
    with a second minimum): lexsort sorts all the floats first, which on 50k candidates
    cost more than everything else done with them.
    """
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    same = ordered[1:] == ordered[:-1]
    if same.any():
        tied = np.flatnonzero(np.r_[same, False] | np.r_[False, same])
        sub = order[tied]
        order[tied] = sub[np.lexsort((value[sub], key[sub]))]
    return order


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
    F_V = np.ascontiguousarray(F_V)
    f0, f1 = F_V[:-1], F_V[1:]
    # NaN compares False: an unevaluated pair brackets nothing; flat indices (row-major,
    # as np.nonzero's) gather faster than pairs of indices
    flat = np.flatnonzero(f0 < f1)
    j, t = np.divmod(flat, F_V.shape[1])
    start = np.searchsorted(sorted_p, -f1.reshape(-1)[flat], side="left")
    stop = np.searchsorted(sorted_p, -f0.reshape(-1)[flat], side="left")
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
    nT = F_V.shape[1]
    final = np.argsort(((p_idx.astype(np.int64) * 3 + kind) * nV + j_idx) * nT + t_idx,
                       kind="stable")  # one key: (pressure, kind, j, temperature), unique
    return p_idx[final], t_idx[final].astype(np.intp), j_idx[final].astype(np.intp), kind[final]


def root_guesses(F_V: np.ndarray, grid: np.ndarray, p: np.ndarray, t: np.ndarray,
                 j: np.ndarray) -> np.ndarray:
    """Starting volumes (A^3) for the roots of ``F_V + p = 0`` bracketed in [grid[j],
    grid[j+1]] at the temperature indices ``t``: the root of the polynomial through
    ``F_V + p`` at :data:`ROOT_GUESS_POINTS` grid volumes around the bracket (fewer on a
    smaller grid; the secant where one of them was not evaluated), clipped into the
    bracket. Flat arrays of one length; the grid evenly spaced.
    """
    nV = grid.size
    m = max(2, min(ROOT_GUESS_POINTS, nV))
    k0 = np.clip(j - (m - 1) // 2, 0, nV - m)
    # the Newton forward form on s = 0..m-1: c_k = (k-th forward difference) / k!
    diffs = F_V[k0 + np.arange(m)[:, None], t] + p  # (m, n) at s = 0..m-1
    x0 = (j - k0).astype(np.float64)  # the bracket is [x0, x0 + 1] in s
    ga, gb = F_V[j, t] + p, F_V[j + 1, t] + p
    polynomial = np.all(np.isfinite(diffs), axis=0) & (m > 2)
    coefficients = [diffs[0]]
    for k in range(1, m):
        diffs = np.diff(diffs, axis=0)
        coefficients.append(diffs[0] / math.factorial(k))
    s = x0 + ga / (ga - gb)  # secant
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(4):  # Newton on the polynomial, from the secant root
            value, slope = coefficients[-1], np.zeros_like(s)
            for k in range(m - 2, -1, -1):
                slope = value + (s - k) * slope
                value = coefficients[k] + (s - k) * value
            s = np.where(polynomial, np.clip(s - value / slope, x0, x0 + 1.0), s)
    u = np.where(np.isfinite(s), s - x0, 0.5)
    lo, hi = grid[j], grid[np.minimum(j + 1, nV - 1)]
    return np.clip(lo + u * (hi - lo), lo, hi)

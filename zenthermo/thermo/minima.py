"""The minima of G(V) = F(V,T) + PV along isobars: found on the volume scan, polished.

Candidates are every local minimum of G at every (pressure, temperature): on the scan's
full columns those its grid brackets (:func:`zenthermo.thermo.scan.bracket_minima`),
polished from the root of the cubic through ``g = F_V + P`` at the four grid volumes around
the bracket; inside its continued spans those continued from the polished minima at the
spans' ends (:func:`zenthermo.thermo.scan.continued_brackets`), with a span where one fails
scanned in full and bracketed instead; and the domain edges where G rises from them.
Every candidate is polished by :func:`polish_roots`, whose last evaluation gives the
property fields (:data:`FINAL_FIELDS`) at the root, so the isobar needs no further call for
them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from zenthermo.thermo.newton import (
    FINAL_FIELDS,
    PRESSURE_TOLERANCE,
    CandidateFields,
    RootPolish,
    polish_roots,
)
from zenthermo.thermo.scan import (
    VolumeScan,
    bracket_minima,
    full_columns,
    hermite_in_T,
    key_then_value_order,
    root_guesses,
    span_tracks,
)

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["CONTINUED_DEPTH", "FINAL_FIELDS", "LEVELS_MIN_POINTS", "PRESSURE_TOLERANCE",
           "CandidateFields", "candidate_minima", "lowest_per_slot", "polish_roots"]

#: The bisection depth of a continued span whose columns are polished first, level by
#: level, each from its nearest polished neighbours; the others then follow from theirs
#: (:func:`_continued`). Each level costs one more round of landscape calls.
CONTINUED_DEPTH = 3
#: Fewer continued minima than this are polished in one level, from the spans' ends: a
#: landscape call costs about as much as evaluating 2000 points on the exact landscape
#: (Fe3Pt: 0.8 ms against 0.35 us a point), more than the levels would save.
LEVELS_MIN_POINTS = 8000


def candidate_minima(landscape: Landscape, scan: VolumeScan, grid: np.ndarray, T: np.ndarray,
                     P: np.ndarray, probabilities: bool = False) -> tuple:
    """Every local minimum of G for the pressures ``P`` (nP,) eV/A^3 at the temperatures
    ``T`` (nT,) K, from the volume scan on ``grid`` (nV,) A^3, polished.

    Returns flat arrays ordered by pressure, temperature, kind and volume: pressure index,
    temperature index, kind (0 interior, 1/2 the low/high domain edge), V (A^3), and
    :class:`CandidateFields`, the :data:`FINAL_FIELDS` at each, with ``"p"`` (K, n), the
    source probabilities, where ``probabilities`` is asked and the landscape gives them with
    its derivatives (see :func:`polish_roots`). ``scan.F_V`` is filled in where a continued
    span had to be scanned.
    """
    first = _bracketed(landscape, scan.F_V, np.arange(T.size), grid, T, P,
                       probabilities=probabilities)
    parts = [first[:5] + (None,)]
    if scan.spans.size:
        parts += _continued(landscape, scan, grid, T, P, first, probabilities)
    cand_p, cand_t, kind, V = (np.concatenate([part[i] for part in parts]) for i in range(4))
    order = key_then_value_order((cand_p.astype(np.int64) * T.size + cand_t) * 3 + kind, V)
    fields = CandidateFields.joined([part[4] if part[5] is None else part[4].subset(part[5])
                                     for part in parts])
    return cand_p[order], cand_t[order], kind[order], V[order], fields.subset(order)


def _bracketed(landscape: Landscape, F_V: np.ndarray, columns: np.ndarray, grid: np.ndarray,
               T: np.ndarray, P: np.ndarray, interior_only: bool = False,
               probabilities: bool = False) -> tuple:
    """The minima bracketed on the scan's ``columns`` (temperature indices), polished:
    (pressure index, temperature index, kind, V, fields, grid index j) flat arrays; kind 0
    interior, 1/2 the low/high domain edge (left out with ``interior_only``)."""
    cand_p, local_t, cand_j, kind = bracket_minima(F_V[:, columns], P)
    if interior_only:
        keep = kind == 0
        cand_p, local_t, cand_j, kind = cand_p[keep], local_t[keep], cand_j[keep], kind[keep]
    edge = kind > 0
    cand_t = columns[local_t]
    lo = grid[cand_j]
    hi = np.where(edge, lo, grid[np.minimum(cand_j + 1, grid.size - 1)])
    start = lo.copy()
    inner = np.flatnonzero(~edge)
    start[inner] = root_guesses(F_V[:, columns], grid, P[cand_p[inner]], local_t[inner],
                                cand_j[inner])
    V, fields, _ = polish_roots(landscape, T[cand_t], lo, hi, P[cand_p], start, probabilities,
                               gate=True)
    return cand_p, cand_t, kind, V, fields, cand_j


def _continued(landscape: Landscape, scan: VolumeScan, grid: np.ndarray, T: np.ndarray,
               P: np.ndarray, bracketed: tuple, probabilities: bool = False) -> list[tuple]:
    """The interior minima inside the scan's continued spans (see
    :func:`zenthermo.thermo.scan.span_tracks`), as parts (pressure index, temperature
    index, kind, V, the polish's fields, the rows of those fields that are the part's or None
    for all); a span where one fails is evaluated in full (``scan.F_V`` filled in) and
    bracketed instead.

    A span's columns are polished in two levels (:func:`_two_levels`): those of the first
    :data:`CONTINUED_DEPTH` halvings from the cubic Hermite in T through V and dV/dT at the
    span's ends, then, after their first Newton step (which puts them within O(step^2) of
    their roots), every other column from the Hermite through its nearest polished columns,
    a start about 256 times closer, polished with the gate: mostly one evaluation each. The
    two levels share the polish's evaluations from the second on.
    """
    cand_p, cand_t, kind, V, fields, cand_j = bracketed
    inner = np.flatnonzero(kind == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        dV_dT = -fields["F_VT"][inner] / fields["F_VV"][inner]
    tracks = span_tracks(scan.spans, T.size, grid, cand_p[inner], cand_t[inner],
                         cand_j[inner], V[inner])
    failed = np.zeros(scan.spans.shape[0], dtype=bool)
    failed[tracks.span[~tracks.paired | ~(tracks.hi > tracks.lo)]] = True
    tracks = tracks._replace(**{name: getattr(tracks, name)[~failed[tracks.span]]
                                for name in tracks._fields})
    c0, c1 = scan.spans[tracks.span, 0], scan.spans[tracks.span, 1]
    width = int(np.max(c1 - c0, initial=0)) + 1
    rows = np.arange(tracks.span.size)
    V_track = np.full((rows.size, width), np.nan)
    D_track = np.full((rows.size, width), np.nan)
    V_track[:, 0], D_track[:, 0] = V[inner][tracks.first], dV_dT[tracks.first]
    V_track[rows, c1 - c0] = V[inner][tracks.last]
    D_track[rows, c1 - c0] = dV_dT[tracks.last]
    depth = CONTINUED_DEPTH if int(np.sum(c1 - c0 - 1)) >= LEVELS_MIN_POINTS else 0
    levels = _levels(c1 - c0, depth)
    track, mid, left, right = (np.concatenate([level[i] for level in levels]) if levels
                               else np.empty(0, dtype=np.intp) for i in range(4))
    bounds = np.cumsum([0] + [level[0].size for level in levels])
    t = c0[track] + mid
    polish = RootPolish(landscape, T[t], tracks.lo[track], tracks.hi[track],
                        P[tracks.p[track]], depth > 0, probabilities)
    for k in range(len(levels)):
        if k:  # the level before has taken its first step: its volumes are nearly roots
            polish.round()
            done = slice(bounds[k - 1], bounds[k])
            V_track[track[done], mid[done]] = polish.V[done]
            D_track[track[done], mid[done]] = polish.slope_T[done]
        part = slice(bounds[k], bounds[k + 1])
        tr, base = track[part], c0[track[part]]
        start = hermite_in_T(T[t[part]], T[base + left[part]], T[base + right[part]],
                             V_track[tr, left[part]], V_track[tr, right[part]],
                             D_track[tr, left[part]], D_track[tr, right[part]])
        lo, hi = tracks.lo[tr], tracks.hi[tr]
        polish.begin(part, np.clip(np.where(np.isfinite(start), start, 0.5 * (lo + hi)),
                                   lo, hi))
    V_c, fields_c, converged = polish.finish()
    c_p, c_span = tracks.p[track], tracks.span[track]
    lo, hi = tracks.lo[track], tracks.hi[track]
    bad = ~converged | (V_c <= lo) | (V_c >= hi) | ~(fields_c["F_VV"] > 0)
    key = c_p.astype(np.int64) * T.size + t
    order = key_then_value_order(key, V_c)  # two continued minima on one root: not continued
    same = ((key[order][1:] == key[order][:-1])
            & (np.diff(V_c[order]) <= 1e-9 * V_c[order][1:]))
    bad[order[1:][same]] = True
    failed[c_span[bad]] = True
    keep = ~failed[c_span]
    parts = [(c_p[keep], t[keep], np.zeros(int(keep.sum()), dtype=np.int8), V_c[keep],
              fields_c, None if keep.all() else np.flatnonzero(keep))]
    if np.any(failed):
        columns = np.concatenate([np.arange(c0 + 1, c1) for c0, c1 in scan.spans[failed]])
        scan.F_V[:, columns] = full_columns(landscape, grid, T[columns])
        parts.append(_bracketed(landscape, scan.F_V, columns, grid, T, P, interior_only=True,
                                probabilities=probabilities)[:5] + (None,))
    return parts


def _levels(lengths: np.ndarray, depth: int) -> list[tuple[np.ndarray, ...]]:
    """The inner columns of spans of ``lengths`` (columns 0..L, L >= 2) in the order they are
    polished, as levels of (track row i, column offset m, offsets of its nearest columns
    polished before it, left and right): level k < ``depth`` holds the middles of the
    intervals left by k halvings (for L = 16: 8; 4 and 12; 2, 6, 10 and 14), the last level
    every other inner column (for L = 16 and depth 3 the odd offsets)."""
    levels: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(depth + 1)]
    for length in np.unique(lengths):
        which = np.flatnonzero(lengths == length)
        for level, (m, left, right) in enumerate(_span_schedule(int(length), depth)):
            if m.size:
                levels[level].append((np.repeat(which, m.size), np.tile(m, which.size),
                                      np.tile(left, which.size), np.tile(right, which.size)))
    return [tuple(np.concatenate(x) for x in zip(*level, strict=True)) for level in levels
            if level]


@lru_cache(maxsize=256)
def _span_schedule(L: int, depth: int) -> tuple[tuple[np.ndarray, ...], ...]:
    """:func:`_levels` for one span length: per level (offsets, left, right)."""
    known, intervals = [0, L], [(0, L)]
    schedule = []
    for _ in range(depth):
        mids = [((a + b) // 2, a, b) for a, b in intervals if b - a >= 2]
        schedule.append(mids)
        known += [m for m, _, _ in mids]
        intervals = [half for m, a, b in mids for half in ((a, m), (m, b))]
    known_arr = np.unique(known)
    rest = np.setdiff1d(np.arange(1, L), known_arr)
    at = np.searchsorted(known_arr, rest)
    schedule.append(list(zip(rest, known_arr[at - 1], known_arr[at], strict=True)))
    return tuple(tuple(np.array(x, dtype=np.intp).reshape(-1) for x in
                       (zip(*points, strict=True) if points else ((), (), ())))
                 for points in schedule)


def lowest_per_slot(slot: np.ndarray, G: np.ndarray, n_slots: int,
                     allowed: np.ndarray) -> np.ndarray:
    """Index of the allowed candidate with the lowest G per slot (-1 where none); ``slot``
    non-decreasing. Ties go to the first candidate; NaN counts as higher than any G."""
    result = np.full(n_slots, -1, dtype=np.intp)
    if slot.size == 0:
        return result
    change = np.r_[True, slot[1:] != slot[:-1]]
    starts = np.flatnonzero(change)
    group = np.cumsum(change) - 1
    lowest = np.minimum.reduceat(np.where(allowed & ~np.isnan(G), G, np.inf), starts)
    for pick in (allowed & (G == lowest[group]), allowed):  # then an all-NaN slot's first
        if pick is allowed and (result[slot[starts]] >= 0)[
                np.logical_or.reduceat(allowed, starts)].all():
            break  # every slot with an allowed candidate has its lowest: no all-NaN slot
        index = np.flatnonzero(pick)
        picked = group[index]  # non-decreasing: the first of each group starts a run
        first = np.flatnonzero(np.r_[True, picked[1:] != picked[:-1]]) if picked.size else picked
        groups = picked[first]
        free = result[slot[starts[groups]]] < 0
        result[slot[starts[groups[free]]]] = index[first[free]]
    return result



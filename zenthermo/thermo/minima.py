"""The minima of G(V) = F(V,T) + PV along isobars: found on the volume scan, polished.

Candidates are every local minimum of G at every (pressure, temperature): on the scan's
full columns those its grid brackets (:func:`zenthermo.thermo.scan.bracket_minima`),
polished from the root of the polynomial through ``g = F_V + P`` at the grid volumes around
the bracket (:func:`zenthermo.thermo.scan.root_guesses`); inside its continued spans those
continued from the minima at the spans' ends (:func:`zenthermo.thermo.scan.span_tracks`),
level by level from the nearest columns polished before (:func:`_continued`), with a span
where one fails scanned in full and bracketed instead; and the domain edges where G rises
from them. Every candidate is polished by a :class:`~zenthermo.thermo.newton.RootPolish`
search, gated where its start is good, whose last evaluation gives the property fields
(:data:`FINAL_FIELDS`) at the root, so the isobar needs no further call for them.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from zenthermo.thermo.newton import (
    FINAL_FIELDS,
    PRESSURE_TOLERANCE,
    CandidateFields,
    RootPolish,
    polish_roots,
)
from zenthermo.thermo.scan import (
    SpanTracks,
    VolumeScan,
    bracket_minima,
    full_columns,
    hermite_weights,
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

    The minima bracketed on the scan's full columns start at the root of the polynomial
    through its F_V (:func:`~zenthermo.thermo.scan.root_guesses`); those inside the
    continued spans are continued from them (:func:`_continued`); every search is a
    :class:`~zenthermo.thermo.newton.RootPolish` one, gated where its start is good. With
    at least :data:`LEVELS_MIN_POINTS` continued minima, all searches share one polish, so
    its rounds (each a landscape call) serve the bracketed and the continued minima alike.

    Returns flat arrays ordered by pressure, temperature, kind and volume: pressure index,
    temperature index, kind (0 interior, 1/2 the low/high domain edge), V (A^3), and
    :class:`CandidateFields`, the :data:`FINAL_FIELDS` at each, with ``"p"`` (K, n), the
    source probabilities, where ``probabilities`` is asked and the landscape gives them with
    its derivatives (see :func:`polish_roots`). ``scan.F_V`` is filled in where a continued
    span had to be scanned.
    """
    coarse = _brackets(scan.F_V, np.arange(T.size), grid, P)
    n = coarse.p.size
    tracks, levels = None, []
    if scan.spans.size:
        inner = np.flatnonzero(coarse.kind == 0)
        tracks = span_tracks(scan.spans, T.size, grid, coarse.p[inner], coarse.t[inner],
                             coarse.j[inner], coarse.j[inner].astype(np.float64))
        tracks = tracks._replace(first=inner[tracks.first], last=inner[tracks.last])
        lengths = scan.spans[tracks.span, 1] - scan.spans[tracks.span, 0]
        depth = CONTINUED_DEPTH if int(np.sum(lengths - 1)) >= LEVELS_MIN_POINTS else 0
        levels = _levels(tracks.span, lengths, depth)
    together = len(levels) > 1
    count = n + (sum(level[0].size for level in levels) if together else 0)
    polish = RootPolish(landscape, count, True, probabilities)
    polish.begin(slice(0, n), coarse.start, T[coarse.t], coarse.lo, coarse.hi, P[coarse.p])
    parts: list[tuple] = []
    if together and tracks is not None:  # the coarse minima's first round, then the levels
        polish.round()
        parts = _continued(polish, n, scan, grid, T, P, tracks, levels)
    V, fields, _ = polish.finish()
    if tracks is not None and not together:  # one level, from the coarse minima's roots
        with np.errstate(divide="ignore", invalid="ignore"):
            slope = -fields["F_VT"] / fields["F_VV"]
        alone = RootPolish(landscape, levels[0][0].size if levels else 0, False,
                           probabilities)
        parts = _continued(alone, 0, scan, grid, T, P, tracks, levels, (V[:n], slope[:n]))
    parts.insert(0, (coarse.p, coarse.t, coarse.kind, V[:n], fields, np.arange(n)))
    cand_p, cand_t, kind, V = (np.concatenate([part[i] for part in parts]) for i in range(4))
    order = key_then_value_order((cand_p.astype(np.int64) * T.size + cand_t) * 3 + kind, V)
    fields = CandidateFields.joined([part[4].subset(part[5]) for part in parts])
    return cand_p[order], cand_t[order], kind[order], V[order], fields.subset(order)


class _Brackets(NamedTuple):
    """The minima bracketed on some columns of the scan: pressure index, temperature index,
    kind (0 interior, 1/2 the low/high domain edge), grid index j, search interval (A^3;
    lo == hi at an edge) and Newton start (A^3)."""

    p: np.ndarray
    t: np.ndarray
    kind: np.ndarray
    j: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    start: np.ndarray


def _brackets(F_V: np.ndarray, columns: np.ndarray, grid: np.ndarray, P: np.ndarray,
              interior_only: bool = False) -> _Brackets:
    """The minima bracketed on the scan's ``columns`` (temperature indices), with their
    starts (edges left out with ``interior_only``)."""
    cand_p, local_t, cand_j, kind = bracket_minima(F_V[:, columns], P)
    if interior_only:
        keep = kind == 0
        cand_p, local_t, cand_j, kind = cand_p[keep], local_t[keep], cand_j[keep], kind[keep]
    edge = kind > 0
    lo = grid[cand_j]
    hi = np.where(edge, lo, grid[np.minimum(cand_j + 1, grid.size - 1)])
    start = lo.copy()
    inner = np.flatnonzero(~edge)
    start[inner] = root_guesses(F_V[:, columns], grid, P[cand_p[inner]], local_t[inner],
                                cand_j[inner])
    return _Brackets(cand_p, columns[local_t], kind, cand_j, lo, hi, start)


def _continued(polish: RootPolish, offset: int, scan: VolumeScan, grid: np.ndarray,
               T: np.ndarray, P: np.ndarray, tracks: SpanTracks,
               levels: list[tuple[np.ndarray, ...]],
               ends: tuple[np.ndarray, np.ndarray] | None = None) -> list[tuple]:
    """The interior minima inside the scan's continued spans (:func:`span_tracks`' tracks,
    indexing ``coarse``), polished in ``polish`` from point ``offset`` on, as parts
    (pressure index, temperature index, kind, V, fields, the rows of those fields); a span
    where one fails is evaluated in full (``scan.F_V`` filled in) and bracketed instead.

    The columns are polished level by level (:func:`_levels`), each from the cubic Hermite
    in T through V and dV/dT of its nearest columns polished before; a level starts when
    the one before has taken its first Newton step, which puts it within O(step^2) of its
    roots. The span ends' V and dV/dT come from ``ends`` (those of the polished coarse
    minima) or from ``polish`` (the coarse minima its first ``offset`` points, after one
    round). With more than one level, the start of a column is about 16
    times closer a level, so the last levels mostly end at their first evaluation.
    """
    failed = np.zeros(scan.spans.shape[0], dtype=bool)
    failed[tracks.span[~tracks.paired | ~(tracks.hi > tracks.lo)]] = True
    c0, c1 = scan.spans[tracks.span, 0], scan.spans[tracks.span, 1]
    rows = np.arange(tracks.span.size)
    V_track = np.full((rows.size, int(np.max(c1 - c0, initial=0)) + 1), np.nan)
    D_track = np.full(V_track.shape, np.nan)
    V_end, D_end = (polish.V[:offset], polish.slope_T[:offset]) if ends is None else ends
    V_track[:, 0], D_track[:, 0] = V_end[tracks.first], D_end[tracks.first]
    V_track[rows, c1 - c0], D_track[rows, c1 - c0] = V_end[tracks.last], D_end[tracks.last]
    track, mid, left, right, far, entry, first = (
        np.concatenate([level[i] for level in levels]) if levels
        else np.empty(0, dtype=np.intp) for i in range(7))
    sizes = [level[0].size for level in levels]
    bounds = offset + np.cumsum([0] + sizes)
    entries = np.cumsum([0] + [level[6].size for level in levels])
    entry += np.repeat(entries[:-1], sizes)  # one numbering over the levels
    first += np.repeat(bounds[:-1] - offset, [level[6].size for level in levels])
    t = c0[track] + mid
    w_V, w_D = _start_weights(T, t[first], c0[track[first]], left[first], right[first],
                              far[first])
    cells = track * V_track.shape[1]  # flat positions of the known columns in V_track
    known = (cells + left, cells + right, cells + np.where(far >= 0, far, left))
    V_flat, D_flat = V_track.reshape(-1), D_track.reshape(-1)  # views: filled level by level
    for k in range(len(levels)):
        if k:  # the level before has taken its first step: its volumes are nearly roots
            polish.round()
            done = slice(bounds[k - 1], bounds[k])
            at = slice(bounds[k - 1] - offset, bounds[k] - offset)
            V_track[track[at], mid[at]] = polish.V[done]
            D_track[track[at], mid[at]] = polish.slope_T[done]
        at = slice(bounds[k] - offset, bounds[k + 1] - offset)
        tr, e = track[at], entry[at]
        with np.errstate(invalid="ignore", over="ignore"):  # NaN (a slope 1/0): no start
            start = sum(w_V[i].take(e) * V_flat.take(known[i][at])
                        + w_D[i].take(e) * D_flat.take(known[i][at]) for i in range(3))
        alone = np.flatnonzero(far[at] < 0) if ends is None else np.empty(0, np.intp)
        if alone.size:  # levels: the middles reach across the spans' ends
            start[alone] = _across_spans(T, tracks, c0, c1, tr[alone], t[at][alone], V_end,
                                         D_end)
        lo, hi = tracks.lo[tr], tracks.hi[tr]
        start = np.clip(np.where(np.isfinite(start), start, 0.5 * (lo + hi)), lo, hi)
        polish.begin(slice(bounds[k], bounds[k + 1]), start, T[t[at]], lo, hi,
                     P[tracks.p[tr]])
    V_c, fields_c, converged = polish.finish()
    every = slice(offset, bounds[-1])
    V_c, converged = V_c[every], converged[every]
    F_VV = polish.F_VV[every]
    c_p, c_span = tracks.p[track], tracks.span[track]
    lo, hi = tracks.lo[track], tracks.hi[track]
    bad = ~converged | (V_c <= lo) | (V_c >= hi) | ~(F_VV > 0)
    key = c_p.astype(np.int64) * T.size + t
    order = key_then_value_order(key, V_c)  # two continued minima on one root: not continued
    same = ((key[order][1:] == key[order][:-1])
            & (np.diff(V_c[order]) <= 1e-9 * V_c[order][1:]))
    bad[order[1:][same]] = True
    failed[c_span[bad]] = True
    keep = np.flatnonzero(~failed[c_span])
    parts = [(c_p[keep], t[keep], np.zeros(keep.size, dtype=np.int8), V_c[keep], fields_c,
              offset + keep)]
    if np.any(failed):
        columns = np.concatenate([np.arange(a + 1, b) for a, b in scan.spans[failed]])
        scan.F_V[:, columns] = full_columns(polish.landscape, grid, T[columns])
        again = _brackets(scan.F_V, columns, grid, P, interior_only=True)
        V, fields, _ = polish_roots(polish.landscape, T[again.t], again.lo, again.hi,
                                    P[again.p], again.start, polish.probabilities, gate=True)
        parts.append((again.p, again.t, again.kind, V, fields, np.arange(V.size)))
    return parts


def _across_spans(T: np.ndarray, tracks: SpanTracks, c0: np.ndarray, c1: np.ndarray,
                  tr: np.ndarray, t: np.ndarray, V_end: np.ndarray,
                  D_end: np.ndarray) -> np.ndarray:
    """Starts at the temperature indices ``t`` of the tracks ``tr`` from their span's two
    ends and, where the track goes on through the neighbouring spans, those spans' far ends
    (V and dV/dT of the coarse minima, ``V_end``, ``D_end``): the Hermite through 2 to 4
    columns (degree 3 to 7)."""
    n_coarse = V_end.size
    paired = np.flatnonzero(tracks.paired)
    starting, ending = np.full(n_coarse, -1), np.full(n_coarse, -1)
    starting[tracks.first[paired]] = paired
    ending[tracks.last[paired]] = paired
    prev, after = ending[tracks.first[tr]], starting[tracks.last[tr]]
    nodes = [np.where(prev >= 0, tracks.first[np.maximum(prev, 0)], -1),
             tracks.first[tr], tracks.last[tr],
             np.where(after >= 0, tracks.last[np.maximum(after, 0)], -1)]
    columns = [np.where(prev >= 0, c0[np.maximum(prev, 0)], -1), c0[tr], c1[tr],
               np.where(after >= 0, c1[np.maximum(after, 0)], -1)]
    start = np.empty(tr.size)
    for use in ((False, False), (True, False), (False, True), (True, True)):
        k = np.flatnonzero(((prev >= 0) == use[0]) & ((after >= 0) == use[1]))
        if not k.size:
            continue
        which = [i for i, on in zip(range(4), (use[0], True, True, use[1]), strict=True)
                 if on]
        w_V, w_D = hermite_weights(T[t[k]], [T[columns[i][k]] for i in which])
        with np.errstate(invalid="ignore", over="ignore"):
            start[k] = sum(w_V[j] * V_end[nodes[i][k]] + w_D[j] * D_end[nodes[i][k]]
                           for j, i in enumerate(which))
    return start


def _start_weights(T: np.ndarray, t: np.ndarray, base: np.ndarray, left: np.ndarray,
                   right: np.ndarray, far: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per entry (one point of it given: its temperature index ``t``, its track's first
    column ``base`` and its known columns' offsets), the Hermite weights (w_V, w_D), each
    (3, n), on V and dV/dT at its left, right and far columns: the quintic through all three
    (its error falls as h^6), the cubic through left and right (far weights 0) where there
    is no ``far`` (-1)."""
    w_V, w_D = np.zeros((3, t.size)), np.zeros((3, t.size))
    for k, nodes in ((np.flatnonzero(far < 0), (left, right)),
                     (np.flatnonzero(far >= 0), (left, right, far))):
        if k.size:
            w_V[:len(nodes), k], w_D[:len(nodes), k] = hermite_weights(
                T[t[k]], [T[base[k] + node[k]] for node in nodes])
    return w_V, w_D


def _levels(track_span: np.ndarray, lengths: np.ndarray,
            depth: int) -> list[tuple[np.ndarray, ...]]:
    """The inner columns of the spans of the tracks (``track_span``, the span index of each;
    ``lengths`` L >= 2 of those spans, columns 0..L) in the order they are polished, as
    levels of (track row i, column offset m, the offsets of the known columns its start
    interpolates, left, right and far (-1: none, :func:`_span_schedule`), its *entry* (the
    points of one span at one offset share the entry, and its Hermite weights) and one point
    of each entry): level k < ``depth`` holds the middles of the intervals left by k
    halvings (for L = 16: 8; 4 and 12; 2, 6, 10 and 14), the last level every other inner
    column (for L = 16 and depth 3 the odd offsets)."""
    levels: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(depth + 1)]
    points, entries = [0] * (depth + 1), [0] * (depth + 1)
    for length in np.unique(lengths):
        which = np.flatnonzero(lengths == length)
        _, first, rank = np.unique(track_span[which], return_index=True, return_inverse=True)
        for level, (m, left, right, far) in enumerate(_span_schedule(int(length), depth)):
            if m.size:
                n, j = which.size, np.arange(m.size)
                levels[level].append((np.repeat(which, m.size), np.tile(m, n), np.tile(left, n),
                                      np.tile(right, n), np.tile(far, n),
                                      entries[level] + (rank[:, None] * m.size + j).ravel(),
                                      points[level] + (first[:, None] * m.size + j).ravel()))
                points[level] += n * m.size
                entries[level] += first.size * m.size
    return [tuple(np.concatenate(x) for x in zip(*level, strict=True)) for level in levels
            if level]


@lru_cache(maxsize=256)
def _span_schedule(L: int, depth: int) -> tuple[tuple[np.ndarray, ...], ...]:
    """:func:`_levels` for one span length: per level (offsets, left, right, far)."""
    known, intervals = [0, L], [(0, L)]
    schedule = []
    for _ in range(depth):
        mids = [((a + b) // 2, a, b) for a, b in intervals if b - a >= 2]
        schedule.append(_with_far(mids, known))
        known += [m for m, _, _ in mids]
        intervals = [half for m, a, b in mids for half in ((a, m), (m, b))]
    known_arr = np.unique(known)
    rest = np.setdiff1d(np.arange(1, L), known_arr)
    at = np.searchsorted(known_arr, rest)
    schedule.append(_with_far(list(zip(rest, known_arr[at - 1], known_arr[at], strict=True)),
                              known))
    return tuple(tuple(np.array(x, dtype=np.intp).reshape(-1) for x in
                       (zip(*points, strict=True) if points else ((), (), (), ())))
                 for points in schedule)


def _with_far(points: list, known: list[int]) -> list[tuple[int, int, int, int]]:
    """(m, left, right) -> (m, left, right, far): ``far`` the known offset next beyond the
    nearer of left and right (the right on a tie; beyond the other where none), -1 where
    neither side has one."""
    ordered = sorted(set(known))
    out = []
    for m, left, right in points:
        i, j = ordered.index(left), ordered.index(right)
        beyond_left = ordered[i - 1] if i > 0 else -1
        beyond_right = ordered[j + 1] if j + 1 < len(ordered) else -1
        prefer_left = (m - left) < (right - m)
        first, second = ((beyond_left, beyond_right) if prefer_left
                         else (beyond_right, beyond_left))
        out.append((m, left, right, first if first >= 0 else second))
    return out


def lowest_per_slot(slot: np.ndarray, G: np.ndarray, n_slots: int,
                     allowed: np.ndarray) -> np.ndarray:
    """Index of the allowed candidate with the lowest G per slot (-1 where none); ``slot``
    non-decreasing. Ties go to the first candidate; NaN counts as higher than any G."""
    result = np.full(n_slots, -1, dtype=np.intp)
    if slot.size == 0:
        return result
    change = np.r_[True, slot[1:] != slot[:-1]]
    alone = change & np.r_[change[1:], True]  # the only candidate of its slot
    if alone.any():  # most slots: their one allowed candidate, no reduction needed
        index = np.flatnonzero(alone & allowed)
        result[slot[index]] = index
        shared = np.flatnonzero(~alone)
        if shared.size:
            inner = lowest_per_slot(slot[shared], G[shared], n_slots, allowed[shared])
            hit = inner >= 0
            result[hit] = shared[inner[hit]]
        return result
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



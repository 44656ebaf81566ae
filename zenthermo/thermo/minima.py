"""The minima of G(V) = F(V,T) + PV along isobars: found on the volume scan, polished.

Candidates are every local minimum of G at every (pressure, temperature): on the scan's
full columns those its grid brackets (:func:`zenthermo.thermo.scan.bracket_minima`),
polished from the root of the polynomial through ``g = F_V + P`` at the grid volumes around
the bracket (:func:`zenthermo.thermo.scan.root_guesses`); inside its continued spans those
continued from the minima at the spans' ends (:func:`zenthermo.thermo.scan.span_tracks`),
level by level from Hermites in T through columns polished before (:func:`_continued`),
with a span where one fails scanned in full and bracketed instead; and the domain edges
where G rises from them. Every candidate is polished by a
:class:`~zenthermo.thermo.newton.RootPolish` search, gated where its start is good, whose
last evaluation gives the property fields (:data:`FINAL_FIELDS`) at the root, so the
isobar needs no further call for them.
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


class _Level(NamedTuple):
    """A level of the continued minima (:func:`_levels`), as two tables of arrays.

    ``points``: (track row, column offset m, the offsets of the known columns its start
    interpolates, left, right and far (-1: none), its entry), each (n,); ``entries``:
    (span, m, left, right, far), each (e,): the points of one span at one offset share an
    entry, and its Hermite weights.
    """

    points: tuple[np.ndarray, ...]
    entries: tuple[np.ndarray, ...]

    @property
    def size(self) -> int:
        """Number of points."""
        return int(self.points[0].size)


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
        levels = _levels(scan.spans, tracks.span, depth)
    together = len(levels) > 1
    count = n + (sum(level.size for level in levels) if together else 0)
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
        alone = RootPolish(landscape, levels[0].size if levels else 0, False,
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
               levels: list[_Level],
               ends: tuple[np.ndarray, np.ndarray] | None = None) -> list[tuple]:
    """The interior minima inside the scan's continued spans (:func:`span_tracks`' tracks,
    indexing ``coarse``), polished in ``polish`` from point ``offset`` on, as parts
    (pressure index, temperature index, kind, V, fields, the rows of those fields); a span
    where one fails is evaluated in full (``scan.F_V`` filled in) and bracketed instead.

    The columns are polished level by level (:func:`_levels`), each from a Hermite in T
    through V and dV/dT of columns polished before: the quintic through three of its span
    (its nearest on each side and the next beyond the nearer), where only the span's ends
    are known (the middles) the cubic through them, or with levels the Hermite of degree
    5-7 that adds the far ends of the neighbouring spans the track goes on into
    (:func:`_across_spans`). A level starts when the one before has taken its first Newton
    step, which puts it within O(step^2) of its roots. The span ends' V and dV/dT come
    from ``ends`` (those of the polished coarse minima) or from ``polish`` (the coarse
    minima its first ``offset`` points, after one round). On Fe3Pt at 50 pressures 78 %
    of the middles, 86 % of the quarters, 96 % of the eighths and 99 % of the rest end at
    their first evaluation under the gate (the cubics from the nearest columns: 7, 25, 60
    and 85 %; docs/benchmarks.md).
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
    track, mid, left, right, far, entry = (
        np.concatenate([level.points[i] for level in levels]) if levels
        else np.empty(0, dtype=np.intp) for i in range(6))
    sizes = [level.size for level in levels]
    bounds = offset + np.cumsum([0] + sizes)
    table = [np.concatenate([level.entries[i] for level in levels]) if levels
             else np.empty(0, dtype=np.intp) for i in range(5)]
    entry += np.repeat(np.cumsum([0] + [level.entries[0].size for level in levels])[:-1],
                       sizes)
    t = c0[track] + mid
    w_V, w_D = _start_weights(T, scan.spans, *table)
    # with levels, the entries with no third known column (the middles) reach across spans
    alone = np.flatnonzero(table[4] < 0) if ends is None else np.empty(0, np.intp)
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
        points = np.flatnonzero(far[at] < 0) if alone.size else alone
        if points.size:  # levels: the middles reach across the spans' ends
            start[points] = _across_spans(T, scan.spans, tracks, table, alone, tr[points],
                                          e[points], V_end, D_end)
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


def _across_spans(T: np.ndarray, spans: np.ndarray, tracks: SpanTracks, table: list,
                  alone: np.ndarray, tr: np.ndarray, e: np.ndarray, V_end: np.ndarray,
                  D_end: np.ndarray) -> np.ndarray:
    """Starts of the points of the tracks ``tr`` at the entries ``e`` (of ``table``, whose
    ``alone`` ones have no third known column in their span) from their span's two ends
    and, where the track goes on through a neighbouring span, that span's far end (V and
    dV/dT of the coarse minima, ``V_end``, ``D_end``): the Hermite through 2 to 4 columns
    (degree 3 to 7), with weights per entry and case (which neighbours there are)."""
    span, mid = table[0][alone], table[1][alone]
    c0, c1 = spans[span, 0], spans[span, 1]
    # the neighbouring spans' far columns (a track goes on only into an adjacent span; the
    # spans are sorted and disjoint, so the one ending at c0 is the first ending at >= c0)
    last_span = spans.shape[0] - 1
    before = spans[np.minimum(np.searchsorted(spans[:, 1], c0), last_span), 0]
    after = spans[np.minimum(np.searchsorted(spans[:, 0], c1), last_span), 1]
    columns = (before, c0, c1, after)
    w = np.zeros((4, 2, 4, alone.size))  # case (prev + 2 next), V/D, node, entry
    for case in range(4):
        which = [i for i, on in enumerate((case & 1, 1, 1, case & 2)) if on]
        w_V, w_D = hermite_weights(T[c0 + mid], [T[columns[i]] for i in which])
        w[case, 0, which], w[case, 1, which] = w_V, w_D
    paired = np.flatnonzero(tracks.paired)
    starting, ending = np.full(V_end.size, -1), np.full(V_end.size, -1)
    starting[tracks.first[paired]] = paired
    ending[tracks.last[paired]] = paired
    first, last = tracks.first[tr], tracks.last[tr]
    prev, nxt = ending[first], starting[last]
    case = (prev >= 0) + 2 * (nxt >= 0)
    nodes = (np.where(prev >= 0, tracks.first[prev], first), first, last,
             np.where(nxt >= 0, tracks.last[nxt], last))  # a missing node: weight 0
    entry = np.searchsorted(alone, e)
    with np.errstate(invalid="ignore", over="ignore"):
        return sum(w[case, 0, i, entry] * V_end[nodes[i]]
                   + w[case, 1, i, entry] * D_end[nodes[i]] for i in range(4))


def _start_weights(T: np.ndarray, spans: np.ndarray, span: np.ndarray, mid: np.ndarray,
                   left: np.ndarray, right: np.ndarray,
                   far: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per entry (a ``span`` and the column offsets from its first column: ``mid``, whose
    start it gives, and the known ``left``, ``right`` and ``far``), the Hermite weights
    (w_V, w_D), each (3, n), on V and dV/dT at the known columns: the quintic through all
    three (its error falls as h^6), the cubic through left and right (far weights 0) where
    there is no ``far`` (-1)."""
    base = spans[span, 0]
    w_V, w_D = np.zeros((3, span.size)), np.zeros((3, span.size))
    for k, nodes in ((np.flatnonzero(far < 0), (left, right)),
                     (np.flatnonzero(far >= 0), (left, right, far))):
        if k.size:
            w_V[:len(nodes), k], w_D[:len(nodes), k] = hermite_weights(
                T[base[k] + mid[k]], [T[base[k] + node[k]] for node in nodes])
    return w_V, w_D


def _levels(spans: np.ndarray, track_span: np.ndarray, depth: int) -> list[_Level]:
    """The inner columns of the ``spans`` (m, 2) of the tracks (``track_span``, the span
    index of each) in the order they are polished, as :class:`_Level` tables (far from
    :func:`_span_schedule`). Level k < ``depth`` holds the middles of the intervals
    left by k halvings (for L = 16: 8; 4 and 12; 2, 6, 10 and 14), the last level every
    other inner column (for L = 16 and depth 3 the odd offsets)."""
    lengths = spans[:, 1] - spans[:, 0]
    used = np.zeros(lengths.size, dtype=bool)
    used[track_span] = True
    track_length = lengths[track_span]
    rank_of = np.zeros(lengths.size, dtype=np.intp)
    points: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(depth + 1)]
    entries: list[list[tuple[np.ndarray, ...]]] = [[] for _ in range(depth + 1)]
    counts = [0] * (depth + 1)
    for length in np.unique(lengths[used]):
        of_length = np.flatnonzero(used & (lengths == length))
        rank_of[of_length] = np.arange(of_length.size)
        which = np.flatnonzero(track_length == length)
        rank = rank_of[track_span[which]]
        n, s = which.size, of_length.size
        for level, (m, left, right, far) in enumerate(_span_schedule(int(length), depth)):
            if m.size:
                points[level].append((np.repeat(which, m.size), np.tile(m, n), np.tile(left, n),
                                      np.tile(right, n), np.tile(far, n),
                                      (rank[:, None] * m.size + (counts[level] + np.arange(
                                          m.size))).reshape(-1)))
                entries[level].append((np.repeat(of_length, m.size), np.tile(m, s),
                                       np.tile(left, s), np.tile(right, s), np.tile(far, s)))
                counts[level] += s * m.size
    return [_Level(tuple(np.concatenate(x) for x in zip(*p, strict=True)),
                   tuple(np.concatenate(x) for x in zip(*e, strict=True)))
            for p, e in zip(points, entries, strict=True) if p]


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



"""Spinodal and coexistence (binodal) lines of any Landscape below its critical point.

* Spinodal: at each T < T_c the two volumes where F_VV = 0 that bound the unstable
  interval around the critical volume (tracked downward from V_c), with P = -F_V there.
* Coexistence: two volumes V1 < V2 with equal pressure and equal G = F + PV, i.e. the
  common tangent of F(., T):

      F_V(V1) = F_V(V2),    F(V1) = F(V2) + F_V(V2) (V1 - V2).

  The starting guess at each T is the lower convex hull of F on a fine volume grid (the
  hull edge that spans the unstable interval; F evaluated on a coarse grid first and in
  full only in the cells where the edge can be), or, close to T_c where that edge is only a
  few grid steps long, the mean-field scaling V_binodal - V_mid = sqrt(3) (V_spinodal -
  V_mid). Newton on the 2x2 system (analytic Jacobian from F_V, F_VV) then converges to
  1e-12 relative in volume where the rounding of F allows (accepted below 1e-9).
  Solutions that collapse (V1 = V2) or sit on an unstable branch are rejected. All
  temperatures are solved together (one landscape call per iteration).

Both lines run from T_c downward and stop where they leave the volume domain (nothing is
extrapolated); the arrays returned are in ascending T and end at the critical point.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

import numpy as np

from zenthermo.thermo.evaluate import derivatives_of
from zenthermo.thermo.hull_start import hull_guess
from zenthermo.thermo.results import Coexistence, CriticalPoint, Spinodal
from zenthermo.units import EV_PER_A3_IN_GPA

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["compute_coexistence", "compute_spinodal", "phase_line_temperatures"]

_REL_TOL = 1e-12
#: The common-tangent Newton accepts a last step below this (relative); a temperature that
#: has made _FLOOR_ITERATIONS steps below it stops there.
_ACCEPTED_STEP = 1e-9
_FLOOR_ITERATIONS = 5
#: Spinodal temperatures evaluated together on one window of the volume grid.
TRACE_BLOCK = 10
#: Least number of grid steps the spinodal window reaches beyond the previous interval.
TRACE_MARGIN = 10


def phase_line_temperatures(
    landscape: Landscape, critical_point: CriticalPoint, n_temperatures: int = 100,
    lowest_fraction: float = 0.02,
) -> np.ndarray:
    """Temperatures from T_c down to max(T_min of the domain, lowest_fraction T_c), K.

    Spaced as T_c - (T_c - T_low) u^2 with u uniform, so they crowd near T_c where the
    lines curve fastest. Descending, first element T_c; shape (n_temperatures,).
    """
    T_c = critical_point.T_K
    T_low = max(float(landscape.temperature_domain[0]), lowest_fraction * T_c)
    u = np.linspace(0.0, 1.0, int(n_temperatures))
    return T_c - (T_c - T_low) * u**2


def compute_spinodal(
    landscape: Landscape,
    critical_point: CriticalPoint,
    temperatures: np.ndarray | None = None,
    n_temperatures: int = 100,
    n_volumes: int = 1200,
) -> Spinodal:
    """The spinodal (F_VV = 0) below T_c, traced from the critical point downward.

    Parameters
    ----------
    landscape : Landscape
    critical_point : CriticalPoint
        From :func:`zenthermo.thermo.critical.find_critical_point`.
    temperatures : array, optional
        Temperatures below T_c, K (default :func:`phase_line_temperatures`).
    n_volumes : int
        Grid that brackets the roots; the roots are converged to 1e-12 relative.

    Returns
    -------
    Spinodal
        Ascending T, ending with the critical point itself (V_low = V_high = V_c).
    """
    T_c, V_c = critical_point.T_K, critical_point.V_A3
    if temperatures is None:
        temperatures = phase_line_temperatures(landscape, critical_point, n_temperatures)
    temperatures = np.sort(np.asarray(temperatures, dtype=np.float64))[::-1]
    temperatures = temperatures[temperatures < T_c]
    volumes = np.linspace(*landscape.volume_domain, int(n_volumes))
    low_brackets, high_brackets, kept = _trace_unstable(landscape, volumes, temperatures, V_c)
    T_kept = np.array(kept)
    if T_kept.size:  # both roots of every temperature in one batch
        roots = _roots_of_curvature(landscape, low_brackets + high_brackets,
                                    np.r_[T_kept, T_kept])
        V_low, V_high = roots[:T_kept.size], roots[T_kept.size:]
    else:
        V_low = V_high = np.empty(0)
    T_all = np.append(T_kept[::-1], T_c)
    V_low = np.append(V_low[::-1], V_c)
    V_high = np.append(V_high[::-1], V_c)
    P_low = -derivatives_of(landscape, V_low, T_all, ("F_V",)).F_V * EV_PER_A3_IN_GPA
    P_high = -derivatives_of(landscape, V_high, T_all, ("F_V",)).F_V * EV_PER_A3_IN_GPA
    P_low[-1] = P_high[-1] = critical_point.P_GPa
    return Spinodal(T_K=T_all, V_low_A3=V_low, V_high_A3=V_high, P_low_GPa=P_low,
                    P_high_GPa=P_high)


def compute_coexistence(
    landscape: Landscape,
    critical_point: CriticalPoint,
    spinodal: Spinodal | None = None,
    n_volumes: int = 500,
    max_iterations: int = 60,
) -> Coexistence:
    """The coexistence line (common tangent of F) below T_c, at the spinodal's temperatures.

    Parameters
    ----------
    landscape : Landscape
    critical_point : CriticalPoint
    spinodal : Spinodal, optional
        Computed with default settings when not given; coexistence is solved at its
        temperatures (below T_c) and brackets the unstable interval.
    n_volumes : int
        Grid of the convex-hull starting guess.

    Returns
    -------
    Coexistence
        Ascending T, ending with the critical point; cut where V1 or V2 would leave the
        volume domain (the part adjacent to T_c that lies inside is kept). A temperature
        where Newton does not converge (in practice only within a fraction of a kelvin of
        T_c, where V2 - V1 -> 0 and the rounding of F dominates) is left out.
    """
    if spinodal is None:
        spinodal = compute_spinodal(landscape, critical_point)
    T = spinodal.T_K[:-1][::-1]  # descending, without T_c
    s_low, s_high = spinodal.V_low_A3[:-1][::-1], spinodal.V_high_A3[:-1][::-1]
    V_lo, V_hi = (float(x) for x in landscape.volume_domain)
    volumes = np.linspace(V_lo, V_hi, int(n_volumes))

    hull_V1, hull_V2, hull_found, hull_inside = hull_guess(landscape, volumes, T, s_low, s_high)
    scaled_V1, scaled_V2 = _scaling_guess(s_low, s_high, volumes[1] - volumes[0])
    # Newton from both starts in one batch (from the hull only where it found an edge: its
    # answer is used nowhere else); the hull start wins where both converge
    n = T.size
    runs = np.r_[np.flatnonzero(hull_found), n + np.arange(n)]
    both = lambda a, b: np.r_[a, b][runs]  # noqa: E731 - the runs of two per-T arrays
    V1, V2, ok = np.full(2 * n, np.nan), np.full(2 * n, np.nan), np.zeros(2 * n, dtype=bool)
    V1[runs], V2[runs], ok[runs] = _newton_common_tangent(
        landscape, both(T, T), both(hull_V1, scaled_V1), both(hull_V2, scaled_V2),
        both(s_low, s_low), both(s_high, s_high), max_iterations,
    )
    use_hull = ok[:n] & hull_found
    good = use_hull | ok[n:]
    V1 = np.where(use_hull, V1[:n], V1[n:])
    V2 = np.where(use_hull, V2[:n], V2[n:])
    # The line ends (going down from T_c) where the tangent leaves the volume domain. Only
    # the convex hull (a global construction) can say so: a Newton run that failed and hit
    # the domain edge is no evidence where the hull saw no edge (close to T_c the unstable
    # interval is narrower than the hull grid and Newton may wander off).
    clipped = (V1 - V_lo <= 0.0) | (V_hi - V2 <= 0.0)
    leaves = hull_found & (~hull_inside | (~good & clipped))
    n_inside = int(np.argmax(leaves)) if leaves.any() else n
    keep = good & (np.arange(n) < n_inside)
    T, V1, V2 = T[keep], V1[keep], V2[keep]
    P = (-derivatives_of(landscape, V1, T, ("F_V",)).F_V * EV_PER_A3_IN_GPA if T.size
         else np.empty(0))
    return Coexistence(
        T_K=np.append(T[::-1], critical_point.T_K),
        P_GPa=np.append(P[::-1], critical_point.P_GPa),
        V_low_A3=np.append(V1[::-1], critical_point.V_A3),
        V_high_A3=np.append(V2[::-1], critical_point.V_A3),
    )


# -- spinodal helpers --------------------------------------------------------------------------

Bracket = tuple[float, float]


def _trace_unstable(
    landscape: Landscape, volumes: np.ndarray, temperatures: np.ndarray, V_c: float
) -> tuple[list[Bracket], list[Bracket], list[float]]:
    """Brackets of the two F_VV roots at each temperature (descending from T_c) until the
    unstable interval vanishes or reaches an edge; the temperatures kept.

    F_VV is evaluated, :data:`TRACE_BLOCK` temperatures at a time, only on a window of the
    grid around the previous interval (half as wide again on either side, at least
    :data:`TRACE_MARGIN` steps). A row whose answer the window cannot settle (a negative
    run touching the window, none inside it, or one farther from the centre than the
    window's edge) is evaluated on the whole grid, so the brackets are those of the whole
    grid.
    """
    low_brackets: list[Bracket] = []
    high_brackets: list[Bracket] = []
    kept: list[float] = []
    centre, previous = V_c, (V_c, V_c)
    n, k = volumes.size, 0
    while k < temperatures.size:
        i_lo = int(np.searchsorted(volumes, previous[0]))
        i_hi = int(np.searchsorted(volumes, previous[1]))
        margin = max(TRACE_MARGIN, (i_hi - i_lo) // 2)
        lo, hi = max(i_lo - margin, 0), min(i_hi + margin, n - 1)
        block = temperatures[k:k + TRACE_BLOCK]
        window = derivatives_of(landscape, volumes[None, lo:hi + 1], block[:, None],
                                ("F_VV",)).F_VV
        for row, T in zip(window, block, strict=True):
            k += 1
            interval = _windowed_interval(volumes, row, lo, centre)
            settled = interval is not False
            if interval is False:
                row = derivatives_of(landscape, volumes, T, ("F_VV",)).F_VV
                interval = _unstable_interval(landscape, volumes, row, T, centre, previous)
            if interval is None:
                return low_brackets, high_brackets, kept  # vanished or reached an edge
            low, high = interval
            low_brackets.append(low)
            high_brackets.append(high)
            kept.append(T)
            previous = (low[0], high[1])
            centre = 0.5 * (low[1] + high[0])
            if not settled:
                break  # a new window around the new interval
    return low_brackets, high_brackets, kept


def _windowed_interval(
    volumes: np.ndarray, row: np.ndarray, lo: int, centre: float
) -> tuple[Bracket, Bracket] | None | Literal[False]:
    """:func:`_unstable_interval` from the part ``row`` of a grid row starting at index
    ``lo``; False where that part cannot tell (the whole row is needed)."""
    hi, n = lo + row.size - 1, volumes.size
    runs = [(a + lo, b + lo) for a, b in _negative_runs(row)]
    if not runs:
        return False
    a, b = min(runs, key=lambda r: _distance(volumes, r, centre))
    touches = [(x, y) for x, y in runs if (x == lo and lo > 0) or (y == hi and hi < n - 1)]
    if touches:
        return False  # a run may go on beyond the window
    nearest_outside = min(centre - volumes[lo - 1] if lo > 0 else np.inf,
                          volumes[hi + 1] - centre if hi < n - 1 else np.inf)
    if not _distance(volumes, (a, b), centre) < nearest_outside:
        return False  # a run outside the window could be nearer to the centre
    if a == 0 or b == n - 1:
        return None
    return (volumes[a - 1], volumes[a]), (volumes[b], volumes[b + 1])


def _negative_runs(row: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of F_VV < 0 in a grid row."""
    negative = np.concatenate(([False], row < 0.0, [False]))
    edges = np.flatnonzero(np.diff(negative.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _unstable_interval(
    landscape: Landscape, volumes: np.ndarray, row: np.ndarray, T: float, centre: float,
    previous: Bracket,
) -> tuple[Bracket, Bracket] | None:
    """Volume brackets of the two F_VV roots around ``centre``; None where there are none
    or where the unstable interval reaches the edge of the volume domain."""
    grid, runs = volumes, _negative_runs(row)
    if not runs:
        # narrower than the grid (low T): look again on a fine grid over the previous one
        lo = max(int(np.searchsorted(volumes, previous[0])) - 1, 0)
        hi = min(int(np.searchsorted(volumes, previous[1])) + 1, len(volumes) - 1)
        grid = np.linspace(volumes[lo], volumes[hi], 801)
        runs = _negative_runs(derivatives_of(landscape, grid, T, ("F_VV",)).F_VV)
        if not runs:
            return None
    a, b = min(runs, key=lambda r: _distance(grid, r, centre))
    if a == 0 or b == len(grid) - 1:
        return None
    return (grid[a - 1], grid[a]), (grid[b], grid[b + 1])


def _distance(volumes: np.ndarray, run: tuple[int, int], centre: float) -> float:
    lo, hi = volumes[run[0]], volumes[run[1]]
    return 0.0 if lo <= centre <= hi else min(abs(lo - centre), abs(hi - centre))


def _roots_of_curvature(
    landscape: Landscape, brackets: list[Bracket], T: np.ndarray
) -> np.ndarray:
    a = np.array([x for x, _ in brackets])
    b = np.array([y for _, y in brackets])

    def curvature(V: np.ndarray, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        d = derivatives_of(landscape, V, T[index], ("F_VV", "F_VVV"))
        return d.F_VV, d.F_VVV

    return _bracketed_newton(curvature, a, b)


def _bracketed_newton(
    f: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    a: np.ndarray,
    b: np.ndarray,
    max_iterations: int = 100,
) -> np.ndarray:
    """Roots of f in [a, b] (f(a), f(b) of opposite sign), elementwise: Newton steps kept
    inside the bracket, bisection otherwise; converged to 1e-12 relative.

    ``f(x, index)`` gives the value and slope at x for the elements ``index``; an element
    that has converged leaves the iteration (its root is final: iterating on, a Newton step
    that rounding puts just outside the shrunken bracket would send it back to bisection).
    """
    a, b = a.astype(np.float64).copy(), b.astype(np.float64).copy()
    f_a = f(a, np.arange(a.size))[0]
    x = 0.5 * (a + b)
    active = np.arange(a.size)
    for _ in range(max_iterations):
        if active.size == 0:
            break
        xa, aa, ba, fa = x[active], a[active], b[active], f_a[active]
        value, slope = f(xa, active)
        same = np.sign(value) == np.sign(fa)
        aa, fa, ba = np.where(same, xa, aa), np.where(same, value, fa), np.where(same, ba, xa)
        with np.errstate(divide="ignore", invalid="ignore"):
            step = xa - value / slope
        # a step onto the bracket's end is allowed: that end is x itself when the step is
        # below the rounding of x (converged; bisecting instead would start over)
        bad = ~np.isfinite(step) | (step < np.minimum(aa, ba)) | (step > np.maximum(aa, ba))
        x_new = np.where(bad, 0.5 * (aa + ba), step)
        x_new = np.where(value == 0.0, xa, x_new)
        done = np.abs(x_new - xa) <= _REL_TOL * np.abs(xa)
        x[active], a[active], b[active], f_a[active] = x_new, aa, ba, fa
        active = active[~done]
    return x


# -- coexistence helpers -----------------------------------------------------------------------


def _cycles(paths: dict[int, list[tuple[float, float, float]]], active: np.ndarray,
            V1: np.ndarray, V2: np.ndarray, last_step: np.ndarray, iteration: int,
            max_iterations: int) -> np.ndarray:
    """Which ``active`` runs of the common-tangent Newton are caught in an exact cycle.

    A run whose (V1, V2) repeats an earlier state exactly, with every step in between above
    the accepted size, would go round that cycle to the last iteration and end there
    unconverged: it gets the state and step it would have at the last iteration now (and
    is marked, to leave the iteration). ``paths`` keeps each run's states.
    """
    cycling = np.zeros(active.size, dtype=bool)
    for n, r in enumerate(active):
        path = paths.setdefault(int(r), [])
        state = (float(V1[r]), float(V2[r]))
        earlier = [j for j, (a, b, _) in enumerate(path) if (a, b) == state]
        path.append((*state, float(last_step[r])))
        if not earlier or min(step for _, _, step in path[earlier[-1] + 1:]) <= _ACCEPTED_STEP:
            continue
        j, period = earlier[-1], iteration - earlier[-1]
        k = j + 1 + (max_iterations - 2 - j) % period  # same phase as the last iteration
        V1[r], V2[r], last_step[r] = path[k]
        cycling[n] = True
    return cycling


def _scaling_guess(
    s_low: np.ndarray, s_high: np.ndarray, step: float
) -> tuple[np.ndarray, np.ndarray]:
    """Close to T_c: binodal half-width = sqrt(3) x spinodal half-width (mean field)."""
    mid = 0.5 * (s_low + s_high)
    return mid - np.sqrt(3.0) * (mid - s_low) - step, mid + np.sqrt(3.0) * (s_high - mid) + step


def _newton_common_tangent(
    landscape: Landscape, T: np.ndarray, V1: np.ndarray, V2: np.ndarray, s_low: np.ndarray,
    s_high: np.ndarray, max_iterations: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newton on F_V(V1) = F_V(V2), F(V1) = F(V2) + F_V(V2)(V1 - V2), all T at once.

    A temperature whose step has fallen below 1e-12 relative is converged and leaves the
    iteration (only the others are evaluated again); so does one that has made
    :data:`_FLOOR_ITERATIONS` steps below the accepted 1e-9 (the rounding of F keeps it from
    1e-12: more iterations would only move it about by that rounding).
    """
    V_lo, V_hi = (float(x) for x in landscape.volume_domain)
    V1, V2 = V1.astype(np.float64).copy(), V2.astype(np.float64).copy()
    n = T.size
    last_step = np.full(n, np.inf)
    at_floor = np.zeros(n, dtype=np.int64)  # steps so far below the accepted size
    active = np.arange(n)
    paths: dict[int, list[tuple[float, float, float]]] = {}  # per run: (V1, V2, step)
    for iteration in range(max_iterations):
        if active.size == 0:
            break
        m = active.size
        a1, a2, lo, hi = V1[active], V2[active], s_low[active], s_high[active]
        d = derivatives_of(landscape, np.concatenate([a1, a2]), np.r_[T[active], T[active]],
                           ("F", "F_V", "F_VV"))
        F1, F2 = d.F[:m], d.F[m:]
        G1, G2 = d.F_V[:m], d.F_V[m:]
        H1, H2 = d.F_VV[:m], d.F_VV[m:]
        r1 = G1 - G2
        r2 = F1 - F2 - G2 * (a1 - a2)
        J11, J12, J21, J22 = H1, -H2, G1 - G2, -H2 * (a1 - a2)
        det = J11 * J22 - J12 * J21
        with np.errstate(divide="ignore", invalid="ignore"):
            dV1 = -(J22 * r1 - J12 * r2) / det
            dV2 = -(J11 * r2 - J21 * r1) / det
        dV1 = np.where(np.isfinite(dV1), dV1, 0.0)
        dV2 = np.where(np.isfinite(dV2), dV2, 0.0)
        new1, new2 = a1 + dV1, a2 + dV2
        # stay on the stable branches and inside the domain (halve the way to a limit)
        new1 = np.where(new1 >= lo, 0.5 * (a1 + lo), new1)
        new2 = np.where(new2 <= hi, 0.5 * (a2 + hi), new2)
        new1 = np.maximum(new1, V_lo)
        new2 = np.minimum(new2, V_hi)
        last_step[active] = np.maximum(np.abs(new1 - a1) / a1, np.abs(new2 - a2) / a2)
        V1[active], V2[active] = new1, new2
        at_floor[active] += last_step[active] <= _ACCEPTED_STEP
        cycling = _cycles(paths, active, V1, V2, last_step, iteration, max_iterations)
        active = active[(last_step[active] > _REL_TOL) & (at_floor[active] < _FLOOR_ITERATIONS)
                        & ~cycling]
    TT = np.concatenate([T, T])
    # F(V1) - F(V2) carries the rounding of F itself (eV per cell), which limits the volumes
    # to ~1e-12 |F| / (F_VV (V2 - V1)); accept a last step below 1e-9 relative
    converged = last_step <= _ACCEPTED_STEP
    d = derivatives_of(landscape, np.concatenate([V1, V2]), TT, ("F_VV",))
    stable = (d.F_VV[:n] > 0.0) & (d.F_VV[n:] > 0.0)
    in_domain = (V_lo < V1) & (V_hi > V2)
    off_spinodal = (s_low > V1) & (s_high < V2)
    return V1, V2, converged & stable & in_domain & off_spinodal

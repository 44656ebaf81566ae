"""The critical point of any Landscape: where F_VV = 0 and F_VVV = 0 together.

Below the critical temperature T_c the landscape is non-convex in V over some interval
(F_VV < 0: mechanically unstable); at T_c that interval shrinks to the single volume V_c
where the minimum of F_VV over V touches zero. With m(T) = min_V F_VV(V, T):

1. Scan: F_VV on a grid of temperatures x volumes (every twelfth temperature first, the
   others only next to a row with a low or negative F_VV; :func:`_curvature_scan`). m(T)
   is taken over *interior* local minima of F_VV only, so a landscape that is merely soft
   at the edge of its volume domain does not fake a transition.
2. Bracket: the highest temperature step where m changes sign from negative to
   non-negative. Where several such steps exist the highest is the physically relevant
   one (the end of the transition line that survives to the highest T); the others are
   kept in :attr:`CriticalPointSearch.candidates`.
3. Start: V at the minimum of F_VV at the lower bracket temperature (brentq on F_VVV = 0
   between the grid neighbours), T by linear interpolation of m across the bracket.
4. Polish: 2-D Newton on (F_VV, F_VVV) = 0 in (V, T), with the analytic F_VVV for
   dF_VV/dV and central differences of the analytic F_VV, F_VVV for the rest, to
   |dT| < 1e-6 K and |dV| < 1e-8 A^3. Should Newton leave the bracket or stall, brentq on
   the continuous m(T) (each m by brentq on F_VVV = 0) finishes the job to 1e-7 K.
5. Check: the residual |F_VV| must be < 1e-8 of the typical |F_VV| on the grid.
   P_c = -F_V (GPa).

Only ``derivatives``, ``volume_domain`` and ``temperature_domain`` of the landscape are
used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from zenthermo.errors import ConfigurationError, DomainError
from zenthermo.thermo.evaluate import derivatives_of
from zenthermo.thermo.results import CriticalPoint
from zenthermo.units import EV_PER_A3_IN_GPA

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["CriticalPointSearch", "find_critical_point", "locate_critical_point"]

#: Where an unbounded temperature domain is searched first (K), and how far it is widened
#: (doubling) while the landscape is still non-convex at the top.
UNBOUNDED_FIRST_SEARCH_K = 2000.0
UNBOUNDED_SEARCH_LIMIT_K = 16000.0
#: The curvature scan evaluates every COARSE_ROWS-th temperature, and the ones between only
#: next to a non-convex row (1: every temperature).
COARSE_ROWS = 12
#: Below this fraction of a row's median |F_VV| the curvature scan counts F_VV as low.
LOW_CURVATURE = 0.1
#: Volume steps the curvature scan's windows reach beyond the non-convex region.
SCAN_MARGIN = 10


@dataclass(frozen=True)
class CriticalPointSearch:
    """What the critical-point search found, and why.

    Attributes
    ----------
    critical_point : CriticalPoint or None
        The reported critical point (highest T_c inside the domain), or None.
    reason : str
        One sentence: what was found, or why there is no critical point.
    candidates : tuple of CriticalPoint
        Every critical point found inside the domain, highest T_c first.
    residual_F_VV, residual_F_VVV : float
        |F_VV| (eV/A^6) and |F_VVV| (eV/A^9) at the reported point (NaN without one).
    """

    critical_point: CriticalPoint | None
    reason: str
    candidates: tuple[CriticalPoint, ...] = ()
    residual_F_VV: float = float("nan")
    residual_F_VVV: float = float("nan")


def find_critical_point(
    landscape: Landscape, T_range: tuple[float, float] | None = None, **options: int
) -> CriticalPoint | None:
    """The critical point (T_c in K, P_c in GPa, V_c in A^3), or None for a convex landscape.

    See :func:`locate_critical_point` for the options and for the reason when None.
    """
    return locate_critical_point(landscape, T_range, **options).critical_point


def locate_critical_point(
    landscape: Landscape,
    T_range: tuple[float, float] | None = None,
    n_temperatures: int = 240,
    n_volumes: int = 320,
) -> CriticalPointSearch:
    """Search the landscape's domain for F_VV = F_VVV = 0.

    Parameters
    ----------
    landscape : Landscape
    T_range : (float, float), optional
        Temperatures to search, K; default the landscape's temperature domain. An
        unbounded domain (T_max = inf, e.g. Debye-model sources) is searched up to
        2000 K, widened by doubling up to 16000 K while F_VV < 0 persists at the top.
    n_temperatures, n_volumes : int
        Scan grid; the answer is converged by root finding, the grid only brackets it.

    Returns
    -------
    CriticalPointSearch
    """
    T_lo, T_hi = _temperature_range(landscape, T_range)
    search = _search(landscape, (T_lo, T_hi), n_temperatures, n_volumes)
    # an unbounded domain is searched up to 2000 K first, then wider while still unstable
    while (T_range is None and np.isinf(landscape.temperature_domain[1])
           and search.critical_point is None and search.reason.startswith("F_VV < 0 still")
           and T_hi < UNBOUNDED_SEARCH_LIMIT_K):
        T_lo, T_hi = T_hi, min(2.0 * T_hi, UNBOUNDED_SEARCH_LIMIT_K)
        search = _search(landscape, (T_lo, T_hi), n_temperatures, n_volumes)
    return search


def _search(
    landscape: Landscape, T_range: tuple[float, float], n_temperatures: int, n_volumes: int
) -> CriticalPointSearch:
    V_lo, V_hi = (float(x) for x in landscape.volume_domain)
    T_lo, T_hi = T_range
    volumes = np.linspace(V_lo, V_hi, int(n_volumes))
    # T = 0 exactly has no fluctuation term; start the scan one step above it.
    temperatures = np.linspace(T_lo, T_hi, int(n_temperatures) + (T_lo == 0.0))
    temperatures = temperatures[temperatures > 0.0]

    temperatures, F_VV = _curvature_scan(landscape, volumes, temperatures)
    m_interior, _ = _interior_minima(F_VV)
    if not np.any(F_VV < 0.0):
        return CriticalPointSearch(None, "the landscape is convex in V everywhere in its domain")
    cells = _vanishing_dips(F_VV)

    # a residual this far below the typical curvature counts as a root
    tolerance = 1e-8 * float(np.nanpercentile(np.abs(F_VV), 90))
    found: list[tuple[CriticalPoint, float, float]] = []
    for j, i in cells:
        point = _refine(landscape, volumes, temperatures, F_VV, j, i)
        if point is not None and point[1] <= tolerance:
            found.append(point)
    found.sort(key=lambda item: -item[0].T_K)

    if found:
        best, r2, r3 = found[0]
        reason = f"critical point at {best.T_K:.3f} K, {best.P_GPa:.4f} GPa, {best.V_A3:.4f} A^3"
        if len(found) > 1:
            reason += f" (highest of {len(found)} found)"
        return CriticalPointSearch(best, reason, tuple(f[0] for f in found), r2, r3)
    if m_interior[-1] < 0.0:
        reason = (f"F_VV < 0 still at the top of the temperature range ({temperatures[-1]:g} K):"
                  " the critical point lies above it")
    else:
        reason = ("F_VV < 0 only where the non-convex region reaches the edge of the volume "
                  f"domain {V_lo:g}-{V_hi:g} A^3: the critical point lies outside it")
    return CriticalPointSearch(None, reason)


def _curvature_scan(
    landscape: Landscape, volumes: np.ndarray, temperatures: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """F_VV on the scan grid, shape (nT', nV), at the temperatures that can hold a bracket.

    Every :data:`COARSE_ROWS`-th temperature (and the last) in full first; the temperatures
    between two of them only where either shows a low F_VV somewhere (negative, or below
    :data:`LOW_CURVATURE` times the row's median |F_VV|: a dip can only close between rows of
    which the lower one is non-convex, and a dip that opens between two rows is on its way
    at one of them), and there only on the volumes from :data:`SCAN_MARGIN` steps below the
    first low value of the two to as far above the last (NaN elsewhere). Rows with a
    negative value within :data:`SCAN_MARGIN` // 2 steps of that window's edge are evaluated
    in full. Returns the temperatures kept (ascending) and their rows: the brackets are those
    of the full grid unless F_VV falls from above a tenth of its typical value to below zero
    and back between two coarse rows (or outside the window).
    """
    n, n_V = temperatures.size, volumes.size
    evaluated = np.zeros(n, dtype=bool)
    evaluated[::max(int(COARSE_ROWS), 1)] = True
    evaluated[-1] = True
    rows = np.full((n, n_V), np.nan)

    def fill(index: np.ndarray) -> None:
        if index.size:
            rows[index] = derivatives_of(landscape, volumes[None, :], temperatures[index, None],
                                         ("F_VV",)).F_VV

    coarse = np.flatnonzero(evaluated)
    fill(coarse)
    # "low": negative, or below a tenth of the row's typical curvature (a dip on its way)
    low = rows[coarse] < LOW_CURVATURE * np.median(np.abs(rows[coarse]), axis=1)[:, None]
    windows = []
    for k, (a, b) in enumerate(zip(coarse[:-1], coarse[1:], strict=True)):
        dip = np.flatnonzero(low[k] | low[k + 1])
        if dip.size and b > a + 1:
            windows.append((np.arange(a + 1, b), max(dip[0] - SCAN_MARGIN, 0),
                            min(dip[-1] + SCAN_MARGIN, n_V - 1)))
    if not windows:
        return temperatures[evaluated], rows[evaluated]
    t_index = np.concatenate([np.repeat(r, hi - lo + 1) for r, lo, hi in windows])
    v_index = np.concatenate([np.tile(np.arange(lo, hi + 1), r.size) for r, lo, hi in windows])
    rows[t_index, v_index] = derivatives_of(landscape, volumes[v_index], temperatures[t_index],
                                            ("F_VV",)).F_VV
    edge = SCAN_MARGIN // 2
    full = [r for r, lo, hi in windows
            if (lo > 0 and np.any(rows[r, lo:lo + edge] < 0.0))
            or (hi < n_V - 1 and np.any(rows[r, hi - edge + 1:hi + 1] < 0.0))]
    if full:
        fill(np.concatenate(full))
    for r, _, _ in windows:
        evaluated[r] = True
    return temperatures[evaluated], rows[evaluated]


def _temperature_range(
    landscape: Landscape, T_range: tuple[float, float] | None
) -> tuple[float, float]:
    dom_lo, dom_hi = (float(x) for x in landscape.temperature_domain)
    if T_range is None:
        lo, hi = dom_lo, dom_hi if np.isfinite(dom_hi) else max(UNBOUNDED_FIRST_SEARCH_K, dom_lo)
    else:
        lo, hi = (float(x) for x in T_range)
    if not (np.isfinite(lo) and np.isfinite(hi)):
        raise ConfigurationError(
            f"cannot scan an unbounded temperature range {lo:g}-{hi:g} K",
            hint="pass T_range=(T_min, T_max)",
        )
    if not (dom_lo <= lo < hi <= dom_hi):
        raise DomainError(
            f"temperature range {lo:g}-{hi:g} K is not inside the landscape's domain "
            f"{dom_lo:g}-{dom_hi:g} K"
        )
    return lo, hi


def _interior_minima(F_VV: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the lowest interior local minimum of F_VV and its index (inf, -1 if none)."""
    inner = F_VV[:, 1:-1]
    is_min = (inner <= F_VV[:, :-2]) & (inner <= F_VV[:, 2:])
    masked = np.where(is_min, inner, np.inf)
    index = masked.argmin(axis=1)
    value = masked[np.arange(len(masked)), index]
    return value, np.where(np.isfinite(value), index + 1, -1)


def _vanishing_dips(F_VV: np.ndarray, reach: int = 3) -> list[tuple[int, int]]:
    """Grid cells (j, i) where a negative interior local minimum of F_VV(., T_j) at V_i has
    no negative value within ``reach`` volume steps at T_{j+1}: a dip that closes there.

    Each dip is followed on its own, so several critical points are all found (a minimum
    over all volumes would hide a lower-T one behind a deeper dip elsewhere). Highest T
    first; one cell per closing dip.
    """
    n_T, n_V = F_VV.shape
    inner = F_VV[:-1, 1:-1]
    is_min = (inner <= F_VV[:-1, :-2]) & (inner <= F_VV[:-1, 2:]) & (inner < 0.0)
    cells = []
    for j, i in zip(*np.nonzero(is_min), strict=True):
        i = int(i) + 1
        window = F_VV[j + 1, max(i - reach, 0): min(i + reach + 1, n_V)]
        if np.all(window >= 0.0) and reach <= i < n_V - 1 - reach:
            cells.append((int(j), i))
    return sorted(cells, reverse=True)


def _curvature_minimum(
    landscape: Landscape,
    volumes: np.ndarray,
    T: float,
    guess_index: int | None = None,
    near: float | None = None,
) -> tuple[float, float] | None:
    """(V, F_VV) at an interior local minimum of F_VV(., T): the one at grid index
    ``guess_index``, else the one nearest to volume ``near``; None if there is none."""
    if guess_index is None:
        F_VV = derivatives_of(landscape, volumes, T, ("F_VV",)).F_VV
        inner = F_VV[1:-1]
        minima = np.flatnonzero((inner <= F_VV[:-2]) & (inner <= F_VV[2:])) + 1
        if minima.size == 0:
            return None
        guess_index = int(minima[np.argmin(np.abs(volumes[minima] - near))])
    from scipy.optimize import brentq  # here: a convex landscape never needs scipy

    a, b = volumes[guess_index - 1], volumes[guess_index + 1]

    def third(V: float) -> float:
        return float(derivatives_of(landscape, V, T, ("F_VVV",)).F_VVV)

    fa, fb = third(a), third(b)
    if fa < 0.0 < fb:
        V = brentq(third, a, b, xtol=1e-12, rtol=1e-14)
    else:  # flat or kinked minimum: keep the grid point
        V = float(volumes[guess_index])
    return V, float(derivatives_of(landscape, V, T, ("F_VV",)).F_VV)


def _refine(
    landscape: Landscape,
    volumes: np.ndarray,
    temperatures: np.ndarray,
    F_VV: np.ndarray,
    j: int,
    i: int,
) -> tuple[CriticalPoint, float, float] | None:
    """Bracket -> 2-D Newton (fallback: brentq on m(T)); None if nothing converges inside."""
    T_a, T_b = float(temperatures[j]), float(temperatures[j + 1])
    start = _curvature_minimum(landscape, volumes, T_a, i)
    if start is None or not start[1] < 0.0:
        return None
    m_a, m_b = F_VV[j, i], F_VV[j + 1, i - 1: i + 2].min()
    T_guess = T_a + (T_b - T_a) * m_a / (m_a - m_b)
    polished = _newton_polish(landscape, start[0], T_guess, volumes, (T_a, T_b))
    if polished is None:
        polished = _bisect_minimum_curvature(landscape, volumes, temperatures, j, start[0])
    if polished is None:
        return None
    V, T = polished
    if not (volumes[0] < V < volumes[-1] and temperatures[0] <= T <= temperatures[-1]):
        return None
    d = derivatives_of(landscape, V, T, ("F_V", "F_VV", "F_VVV"))
    point = CriticalPoint(T_K=float(T), P_GPa=float(-d.F_V * EV_PER_A3_IN_GPA), V_A3=float(V))
    return point, abs(float(d.F_VV)), abs(float(d.F_VVV))


def _bisect_minimum_curvature(
    landscape: Landscape, volumes: np.ndarray, temperatures: np.ndarray, j: int, near: float
) -> tuple[float, float] | None:
    """brentq on the continuous m(T), the local minimum of F_VV near ``near`` (robust)."""
    from scipy.optimize import brentq

    def m(T: float) -> float:
        found = _curvature_minimum(landscape, volumes, T, near=near)
        return 1.0 if found is None else min(found[1], 1.0)

    T_a = float(temperatures[j])
    k = j + 1  # the grid may miss a dip just above the bracket: walk up until m >= 0
    while m(float(temperatures[k])) < 0.0:
        if k + 1 >= len(temperatures):
            return None
        k += 1
    T = brentq(m, T_a, float(temperatures[k]), xtol=1e-7, rtol=1e-14)
    found = _curvature_minimum(landscape, volumes, T, near=near)
    return None if found is None else (found[0], T)


def _newton_polish(
    landscape: Landscape,
    V: float,
    T: float,
    volumes: np.ndarray,
    bracket: tuple[float, float],
    max_iterations: int = 40,
) -> tuple[float, float] | None:
    """Solve F_VV = F_VVV = 0 in (V, T) from a close start; None if it does not converge."""
    h_V = 1e-4 * (volumes[-1] - volumes[0])
    span = bracket[1] - bracket[0]
    h_T0 = 1e-3 * span
    max_dV, max_dT = 2.0 * (volumes[1] - volumes[0]), span
    for _ in range(max_iterations):
        h_T = min(h_T0, 0.5 * T)
        Vs = np.array([V, V - h_V, V + h_V, V, V])
        Ts = np.array([T, T, T, T - h_T, T + h_T])
        d = derivatives_of(landscape, Vs, Ts, ("F_VV", "F_VVV"))
        residual = np.array([d.F_VV[0], d.F_VVV[0]])
        jacobian = np.array([
            [d.F_VVV[0], (d.F_VV[4] - d.F_VV[3]) / (2 * h_T)],
            [(d.F_VVV[2] - d.F_VVV[1]) / (2 * h_V), (d.F_VVV[4] - d.F_VVV[3]) / (2 * h_T)],
        ])
        try:
            dV, dT = np.linalg.solve(jacobian, -residual)
        except np.linalg.LinAlgError:
            return None
        if not (np.isfinite(dV) and np.isfinite(dT)) or abs(dV) > max_dV or abs(dT) > max_dT:
            return None
        V, T = V + dV, T + dT
        if abs(dT) < 1e-6 and abs(dV) < 1e-8:
            return V, T
    return None

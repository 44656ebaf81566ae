"""Isobars: the equilibrium volume V(T, P) and what follows from it, on any Landscape.

The equilibrium volume at pressure P and temperature T is the *global* minimum of the
Gibbs energy G(V) = F(V, T) + P V over the landscape's volume domain. The search is
vectorised over all temperatures:

1. ``F_V`` is evaluated on a fine volume grid for every temperature, once for all
   pressures; on fine temperature grids only in full columns a few kelvin apart (and at
   the domain edges), the minima in between being continued from theirs where the
   brackets match (:func:`zenthermo.thermo.scan.scan_slopes`). Every sign change of
   ``g = F_V + P`` from negative to positive between two grid volumes brackets one local
   minimum of G; a positive ``g`` at the smallest volume (negative at the largest) makes
   that edge of the domain a boundary minimum.
2. All brackets of all pressures and temperatures are polished together with a safeguarded
   Newton iteration on ``g = 0`` using ``F_VV`` (a bisection step whenever Newton would leave
   the bracket or ``F_VV <= 0``), started at the root of the cubic through ``g`` at the four
   scan volumes around the bracket (:func:`zenthermo.thermo.scan.root_guesses`): one step
   from there usually converges, and the evaluation that shows it also gives every
   property field, so a converged minimum costs two evaluations.
3. Per (pressure, temperature) the candidate with the lowest G is the equilibrium; the
   lowest of the other *interior* local minima is the metastable branch.

Properties then come from the analytic derivatives at the equilibrium volume; no finite
differences, so no temperature point is lost:
S = -F_T, H = G + T S, C_V = -T F_TT, B_T = V F_VV, alpha = -F_VT / (V F_VV) (volumetric),
C_P = T (-F_TT + F_VT^2 / F_VV).

Extrapolation policy: where the global minimum sits at an edge of the volume domain the
point is kept and flagged (``Isobar.extrapolated``): the true minimum may lie outside the
data. A minimum inside the domain but within the last data spacing of either end is
flagged too (``Isobar.near_edge``): there the curvature, hence B_T and alpha, is set by the
end points. If *every* temperature is extrapolated, the pressure is outside what the data can
describe and :class:`~zenthermo.errors.DomainError` is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from zenthermo.errors import DomainError
from zenthermo.thermo.evaluate import derivatives_of
from zenthermo.thermo.results import Isobar, MetastableBranch
from zenthermo.thermo.scan import (
    VolumeScan,
    bracket_minima,
    continued_brackets,
    full_columns,
    root_guesses,
    scan_slopes,
)
from zenthermo.units import ev_per_a3_to_gpa, gpa_to_ev_per_a3

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["DEFAULT_VOLUME_GRID", "compute_isobar", "compute_isobars", "validate_temperatures"]

#: Default number of volumes on which G(V) is scanned for minima.
DEFAULT_VOLUME_GRID = 201
#: A minimum closer than this fraction of the domain width to an edge counts as at the edge.
EDGE_TOLERANCE = 1e-7
#: Temperatures may exceed the temperature domain by this much (K) for round-off.
TEMPERATURE_TOLERANCE_K = 1e-9

#: |F_V + P| below this (eV/A^3, about 1e-10 GPa) is a converged equilibrium.
PRESSURE_TOLERANCE = 1e-12

_NEWTON_ITERATIONS = 60
#: What the last Newton evaluation asks for: the root test and every isobar property.
_FINAL_FIELDS = ("F", "F_V", "F_VV", "F_T", "F_TT", "F_VT")


def validate_temperatures(landscape: Landscape, T_K: ArrayLike) -> np.ndarray:
    """Check a temperature array against a landscape's temperature domain.

    Parameters
    ----------
    landscape : Landscape
    T_K : array_like, shape (nT,)
        Temperatures, K: finite, strictly ascending, inside ``landscape.temperature_domain``.

    Returns
    -------
    ndarray, shape (nT,), float64

    Raises
    ------
    DomainError
        Empty, non-finite, not ascending, or outside the temperature domain.
    """
    T = np.atleast_1d(np.asarray(T_K, dtype=np.float64))
    if T.ndim != 1:
        raise DomainError(f"temperatures must be a 1-D array, got shape {T.shape}")
    if T.size == 0:
        raise DomainError("no temperatures given", hint="pass at least one temperature in K")
    if not np.all(np.isfinite(T)):
        raise DomainError(f"temperatures contain NaN or infinity ({int(np.sum(~np.isfinite(T)))} "
                          "values)", hint="pass finite temperatures in K")
    if T.size > 1 and not np.all(np.diff(T) > 0):
        raise DomainError("temperatures must be strictly ascending",
                          hint="sort them and remove duplicates")
    t_low, t_high = (float(t) for t in landscape.temperature_domain)
    if T[0] < t_low - TEMPERATURE_TOLERANCE_K or T[-1] > t_high + TEMPERATURE_TOLERANCE_K:
        raise DomainError(
            f"temperatures {T[0]:g}..{T[-1]:g} K leave the landscape's temperature domain "
            f"{t_low:g}..{t_high:g} K",
            hint=f"choose temperatures between {t_low:g} and {t_high:g} K",
        )
    return np.clip(T, t_low, t_high)


def compute_isobar(
    landscape: Landscape,
    P_GPa: float,
    T_K: ArrayLike,
    n_volume_grid: int = DEFAULT_VOLUME_GRID,
) -> Isobar:
    """Equilibrium properties along the isobar ``P_GPa`` at the temperatures ``T_K``.

    Parameters
    ----------
    landscape : Landscape
        Any F(V,T) landscape (only the protocol is used).
    P_GPa : float
        Pressure, GPa; negative pressures (tension) are allowed.
    T_K : array_like, shape (nT,)
        Temperatures, K, strictly ascending, inside the landscape's temperature domain.
    n_volume_grid : int
        Number of volumes on which G(V) is scanned for its minima (at least 3).

    Returns
    -------
    Isobar
        Arrays of shape (nT,); ``probabilities`` keyed by source name when the landscape
        has sources; ``metastable`` holds the lowest non-global interior minimum of G at
        the temperatures where there is one (None when there is none anywhere).
        ``nte_windows`` is left empty (see :func:`zenthermo.thermo.nte.nte_windows`).

    Raises
    ------
    DomainError
        Bad temperatures, a non-finite pressure, or a pressure whose equilibrium volume is
        outside the volume domain at every temperature.
    """
    return compute_isobars(landscape, (P_GPa,), T_K, n_volume_grid)[0]


def compute_isobars(
    landscape: Landscape,
    pressures_GPa: Sequence[float],
    T_K: ArrayLike,
    n_volume_grid: int = DEFAULT_VOLUME_GRID,
) -> list[Isobar]:
    """:func:`compute_isobar` at several pressures, sharing the work that does not depend on P.

    F_V on the (volume grid x temperature) scan is evaluated once for all pressures (only
    the tangent line ``g = F_V + P`` moves with P); the brackets of all pressures come from
    it in one pass, the minima between coarse temperatures are continued from those at
    the coarse temperatures (:mod:`zenthermo.thermo.scan`), and the Newton polish (whose
    last evaluation gives the properties) and the source probabilities of all pressures
    are evaluated together. The results equal ``[compute_isobar(landscape, P, T_K,
    n_volume_grid) for P in pressures_GPa]`` to the Newton tolerance (which spans get
    continued depends on all the pressures), and the first pressure that fails raises the
    error that call would raise.
    """
    pressures = [float(p) for p in pressures_GPa]
    for P_GPa in pressures:
        if not np.isfinite(P_GPa):
            raise DomainError(f"pressure {P_GPa} GPa is not a finite number")
    if n_volume_grid < 3:
        raise DomainError(f"n_volume_grid must be at least 3, got {n_volume_grid}")
    T = validate_temperatures(landscape, T_K)
    v_low, v_high = (float(v) for v in landscape.volume_domain)
    P_eV = [float(gpa_to_ev_per_a3(p)) for p in pressures]
    grid = np.linspace(v_low, v_high, int(n_volume_grid))

    P_arr = np.asarray(P_eV, dtype=np.float64)
    scan = scan_slopes(landscape, grid, T, P_eV)
    parts = [_bracketed(landscape, scan.F_V, np.arange(T.size), grid, T, P_arr)]
    if scan.spans.size:
        parts += _continued(landscape, scan, grid, T, P_arr, parts[0])
    cand_p, cand_t, kind, V_cand = (np.concatenate([part[i] for part in parts])
                                    for i in range(4))
    fields = {name: np.concatenate([part[4][name] for part in parts]) for name in _FINAL_FIELDS}
    order = np.lexsort((V_cand, kind, cand_t, cand_p))
    cand_p, cand_t, kind, V_cand = cand_p[order], cand_t[order], kind[order], V_cand[order]
    fields = {name: value[order] for name, value in fields.items()}
    cand_edge = kind > 0
    G_cand = fields["F"] + P_arr[cand_p] * V_cand

    nT = T.size
    slot = cand_p * nT + cand_t  # one slot per (pressure, temperature)
    best = _lowest_per_slot(slot, G_cand, len(pressures) * nT, np.isfinite(G_cand))
    interior_other = ~cand_edge
    interior_other[best[best >= 0]] = False
    second = _lowest_per_slot(slot, G_cand, len(pressures) * nT, interior_other)
    outcomes = [_equilibrium(landscape, P_GPa, T, V_cand, G_cand, cand_edge,
                             best[i * nT:(i + 1) * nT], second[i * nT:(i + 1) * nT])
                for i, P_GPa in enumerate(pressures)]
    chosen = np.concatenate([best[i * nT:(i + 1) * nT] for i in range(len(pressures))])
    properties = _properties(landscape, np.repeat(P_arr, nT), np.tile(T, len(pressures)),
                             V_cand[chosen], {k: v[chosen] for k, v in fields.items()})
    isobars = []
    for i, P_GPa in enumerate(pressures):
        part = slice(i * nT, (i + 1) * nT)
        arrays = {name: value[part].copy() for name, value in properties.items()
                  if name != "probabilities"}
        probabilities = {k: p[part].copy() for k, p in properties["probabilities"].items()}
        isobars.append(Isobar(P_GPa=P_GPa, **arrays, probabilities=probabilities,
                              extrapolated=outcomes[i][0], metastable=outcomes[i][1],
                              near_edge=outcomes[i][2]))
    return isobars


def _bracketed(landscape: Landscape, F_V: np.ndarray, columns: np.ndarray, grid: np.ndarray,
               T: np.ndarray, P: np.ndarray, interior_only: bool = False) -> tuple:
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
    V, fields, _ = _polish(landscape, T[cand_t], lo, hi, P[cand_p], start)
    return cand_p, cand_t, kind, V, fields, cand_j


def _continued(landscape: Landscape, scan: VolumeScan, grid: np.ndarray, T: np.ndarray,
               P: np.ndarray, bracketed: tuple) -> list[tuple]:
    """The interior minima inside the scan's continued spans (see
    :func:`zenthermo.thermo.scan.continued_brackets`), as :func:`_bracketed` parts; a span
    where one fails is evaluated in full (``scan.F_V`` filled in) and bracketed instead."""
    cand_p, cand_t, kind, V, fields, cand_j = bracketed
    inner = kind == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        dV_dT = -fields["F_VT"][inner] / fields["F_VV"][inner]
    c_p, c_t, c_span, lo, hi, start = continued_brackets(
        scan.spans, T, grid, cand_p[inner], cand_t[inner], cand_j[inner], V[inner], dV_dT)
    V_c, fields_c, converged = _polish(landscape, T[c_t], lo, hi, P[c_p], start)
    bad = ~converged | (V_c <= lo) | (V_c >= hi) | ~(fields_c["F_VV"] > 0)
    order = np.lexsort((V_c, c_t, c_p))  # two continued minima on one root: not continued
    same = ((c_p[order][1:] == c_p[order][:-1]) & (c_t[order][1:] == c_t[order][:-1])
            & (np.diff(V_c[order]) <= 1e-9 * V_c[order][1:]))
    bad[order[1:][same]] = True
    failed = np.zeros(scan.spans.shape[0], dtype=bool)
    failed[c_span[bad]] = True
    keep = ~failed[c_span]
    parts = [(c_p[keep], c_t[keep], np.zeros(int(keep.sum()), dtype=np.int8), V_c[keep],
              {name: value[keep] for name, value in fields_c.items()})]
    if np.any(failed):
        columns = np.concatenate([np.arange(c0 + 1, c1) for c0, c1 in scan.spans[failed]])
        scan.F_V[:, columns] = full_columns(landscape, grid, T[columns])
        parts.append(_bracketed(landscape, scan.F_V, columns, grid, T, P, interior_only=True))
    return parts


def _equilibrium(
    landscape: Landscape, P_GPa: float, T: np.ndarray, V_cand: np.ndarray,
    G_cand: np.ndarray, cand_edge: np.ndarray, best: np.ndarray, second: np.ndarray,
) -> tuple[np.ndarray, MetastableBranch | None, np.ndarray]:
    """(extrapolated, metastable branch, near_edge) at one pressure from the indices of its
    global (``best``) and lowest other interior (``second``) candidate minimum per
    temperature (-1 where none); raises where the pressure has no answer."""
    v_low, v_high = (float(v) for v in landscape.volume_domain)
    if np.any(best < 0):
        bad = T[best < 0]
        raise DomainError(
            f"the landscape gives no finite Gibbs energy at {P_GPa:g} GPa for {bad.size} "
            f"temperature(s), first at {bad[0]:g} K",
            hint="the landscape returns NaN there; check its inputs",
        )
    V_eq = V_cand[best]
    width = v_high - v_low
    extrapolated = cand_edge[best] | (np.minimum(V_eq - v_low, v_high - V_eq)
                                       <= EDGE_TOLERANCE * width)
    if np.all(extrapolated):
        _raise_all_extrapolated(landscape, P_GPa, T, v_low, v_high)
    near_edge = _near_edge(landscape, V_eq, extrapolated)
    metastable = None
    has = second >= 0
    if np.any(has):
        metastable = MetastableBranch(T_K=T[has].copy(), V_A3=V_cand[second[has]].copy(),
                                      G_eV=G_cand[second[has]].copy())
    return np.asarray(extrapolated, dtype=bool), metastable, near_edge


def _near_edge(landscape: Landscape, V_eq: np.ndarray, extrapolated: np.ndarray) -> np.ndarray:
    """True where V_eq lies (inside the domain) within the last data spacing of an end.

    The spacing comes from ``landscape.edge_spacing_A3`` (low end, high end; A^3), which
    landscapes built on data points give; without it the result is empty (shape (0,)).
    """
    spacing = getattr(landscape, "edge_spacing_A3", None)
    if spacing is None:
        return np.zeros(0, dtype=bool)
    v_low, v_high = (float(v) for v in landscape.volume_domain)
    low, high = (float(s) for s in spacing)
    return ~extrapolated & ((V_eq < v_low + low) | (V_eq > v_high - high))


def _polish(
    landscape: Landscape, T: np.ndarray, lo: np.ndarray, hi: np.ndarray, P: np.ndarray,
    start: np.ndarray,
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Solve F_V(V, T) + P = 0 inside each bracket [lo, hi] (g(lo) < 0 <= g(hi)) from
    ``start``; return the roots, the property fields (:data:`_FINAL_FIELDS`) there and
    whether each converged.

    Safeguarded Newton: a Newton step on g with slope F_VV where it stays strictly inside
    the current bracket and F_VV > 0, a bisection step otherwise. The first evaluation asks
    for F_V and F_VV only; from the second on every evaluation asks for the property
    fields too, and a point is done where its evaluation shows it converged (a Newton step
    or bracket under 1e-13 of V, or |g| within :data:`PRESSURE_TOLERANCE` where no Newton
    step is possible): its root is the volume evaluated, so the properties need no further
    evaluation. Degenerate brackets (lo == hi, the domain edges) are evaluated at lo once.
    ``P`` (eV/A^3) is per bracket; all arrays flat, of one length.
    """
    n = lo.size
    a, b = lo.copy(), hi.copy()
    V = np.where(hi > lo, start, lo)
    scale = np.maximum(np.abs(a), 1.0)
    out = {name: np.full(n, np.nan) for name in _FINAL_FIELDS}
    active = np.ones(n, dtype=bool)
    for iteration in range(_NEWTON_ITERATIONS + 1):
        idx = np.flatnonzero(active if iteration else hi > lo)
        if idx.size == 0:
            if iteration:
                break
            continue
        fields = _FINAL_FIELDS if iteration else ("F_V", "F_VV")
        Vi, ai, bi = V[idx], a[idx], b[idx]
        d = derivatives_of(landscape, Vi, T[idx], fields)
        values = {name: np.broadcast_to(np.asarray(getattr(d, name), dtype=np.float64),
                                        idx.shape) for name in fields}
        g = values["F_V"] + P[idx]
        slope = values["F_VV"]
        neg = g < 0
        bracketed = hi[idx] > lo[idx]
        ai = np.where(neg & bracketed, Vi, ai)
        bi = np.where(neg | ~bracketed, bi, Vi)
        a[idx], b[idx] = ai, bi
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = Vi - g / slope
        ok = (slope > 0) & np.isfinite(newton) & (newton > ai) & (newton < bi)
        tol = 1e-13 * scale[idx]
        # |g| within tolerance ends the search only where Newton cannot refine it (near a
        # critical point F_VV -> 0 and a small g still leaves V far from the root)
        root_hit = (g == 0) | ((np.abs(g) <= PRESSURE_TOLERANCE) & ~ok)
        if iteration:
            done = (~bracketed | root_hit | (ok & (np.abs(newton - Vi) <= tol))
                    | (bi - ai <= tol))
            keep = done | root_hit
            into = idx[done]
            for name in _FINAL_FIELDS:
                out[name][into] = values[name][done]
            active[into] = False
        else:
            keep = root_hit
        V[idx] = np.where(keep, Vi, np.where(ok, newton, 0.5 * (ai + bi)))
    rest = np.flatnonzero(active)  # not converged in the iterations allowed: as it stands
    if rest.size:
        d = derivatives_of(landscape, V[rest], T[rest], _FINAL_FIELDS)
        for name in _FINAL_FIELDS:
            out[name][rest] = np.broadcast_to(np.asarray(getattr(d, name), dtype=np.float64),
                                              rest.shape)
    return V, out, ~active


def _lowest_per_slot(slot: np.ndarray, G: np.ndarray, n_slots: int,
                     allowed: np.ndarray) -> np.ndarray:
    """Index of the allowed candidate with the lowest G per slot (-1 where none); ``slot``
    non-decreasing. Ties go to the first candidate; NaN counts as higher than any G."""
    result = np.full(n_slots, -1, dtype=np.intp)
    if slot.size == 0:
        return result
    starts = np.flatnonzero(np.r_[True, slot[1:] != slot[:-1]])
    group = np.repeat(np.arange(starts.size), np.diff(np.r_[starts, slot.size]))
    lowest = np.minimum.reduceat(np.where(allowed & ~np.isnan(G), G, np.inf), starts)
    for pick in (allowed & (G == lowest[group]), allowed):  # then an all-NaN slot's first
        index = np.flatnonzero(pick)
        groups, first = np.unique(group[index], return_index=True)
        free = result[slot[starts[groups]]] < 0
        result[slot[starts[groups[free]]]] = index[first[free]]
    return result


def _properties(landscape: Landscape, P: np.ndarray, T: np.ndarray, V: np.ndarray,
                fields: dict[str, np.ndarray]) -> dict[str, Any]:
    """The isobar's property arrays at equilibrium points (V, T) under pressures P (eV/A^3),
    from the landscape's fields there (:data:`_FINAL_FIELDS`, flat arrays)."""
    F, F_VV, F_TT, F_VT = (fields[name] for name in ("F", "F_VV", "F_TT", "F_VT"))
    G = F + P * V
    S = -fields["F_T"]
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = -F_VT / (V * F_VV) + 0.0  # + 0.0 turns -0.0 (at T = 0) into 0.0
        Cp = T * (-F_TT + F_VT**2 / F_VV) + 0.0
    return {
        "T_K": T,
        "V_A3": V,
        "G_eV": G,
        "F_eV": F,
        "S_eV_per_K": S,
        "H_eV": G + T * S,
        "Cp_eV_per_K": Cp,
        "Cv_eV_per_K": -T * F_TT + 0.0,
        "B_GPa": np.asarray(ev_per_a3_to_gpa(V * F_VV), dtype=np.float64),
        "alpha_per_K": alpha,
        "probabilities": _probabilities(landscape, V, T),
    }


def _probabilities(landscape: Landscape, V: np.ndarray, T: np.ndarray) -> dict[str, np.ndarray]:
    names = tuple(getattr(landscape, "source_names", ()) or ())
    if not names:
        return {}
    try:
        p = np.asarray(landscape.probabilities(V, T), dtype=np.float64)
    except NotImplementedError:
        return {}
    return {name: p[k].copy() for k, name in enumerate(names)}


def _raise_all_extrapolated(
    landscape: Landscape, P_GPa: float, T: np.ndarray, v_low: float, v_high: float
) -> None:
    """Explain which pressures the data can describe, then raise DomainError."""
    probe_T = np.array([T[0], T[-1]])
    d = derivatives_of(landscape, np.array([[v_low], [v_high]]), probe_T[None, :], ("F_V",))
    P_edges = ev_per_a3_to_gpa(-np.asarray(d.F_V))  # rows: V low, V high; cols: T
    p_max = float(np.max(P_edges[0]))
    p_min = float(np.min(P_edges[1]))
    raise DomainError(
        f"at {P_GPa:g} GPa the equilibrium volume lies outside the volume domain "
        f"{v_low:.4g}..{v_high:.4g} A^3 at every temperature from {T[0]:g} to {T[-1]:g} K",
        hint=f"at the domain edges the landscape's pressure spans about {p_min:.3g} to "
        f"{p_max:.3g} GPa over these temperatures; choose a pressure in that range or "
        "add data at smaller/larger volumes",
    )

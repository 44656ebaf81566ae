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
   the bracket or ``F_VV <= 0``), started at the root of the polynomial through ``g`` at
   the scan volumes around the bracket, or (continued minima) from the Hermite in T through
   their polished neighbours (:mod:`zenthermo.thermo.minima`). Every evaluation gives every
   property field; a start whose Newton step is under 1e-12 of V ends there (the gate of
   :mod:`zenthermo.thermo.newton`), so most minima cost one evaluation, the rest two.
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
from zenthermo.thermo.minima import candidate_minima, lowest_per_slot
from zenthermo.thermo.nte import nte_windows_of_rows
from zenthermo.thermo.results import Isobar, MetastableBranch
from zenthermo.thermo.scan import scan_slopes
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
    nte: bool = False,
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
    error that call would raise. With ``nte``, each isobar's ``nte_windows`` are found too
    (:func:`zenthermo.thermo.nte.nte_windows_of_rows`, all isobars at once). The isobars'
    arrays are rows of arrays shared by all of them (views, not copies).
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
    cand_p, cand_t, kind, V_cand, fields = candidate_minima(
        landscape, scan_slopes(landscape, grid, T, P_eV), grid, T, P_arr, probabilities=True)
    cand_edge = kind > 0
    G_cand = fields["F"] + P_arr[cand_p] * V_cand

    nT = T.size
    slot = cand_p * nT + cand_t  # one slot per (pressure, temperature)
    best = lowest_per_slot(slot, G_cand, len(pressures) * nT, np.isfinite(G_cand))
    interior_other = ~cand_edge
    interior_other[best[best >= 0]] = False
    second = lowest_per_slot(slot, G_cand, len(pressures) * nT, interior_other)
    outcomes = _equilibria(landscape, pressures, T, V_cand, G_cand, cand_edge, best, second)
    nP = len(pressures)
    properties = _properties(landscape, np.repeat(P_arr, nT), np.tile(T, nP), V_cand[best],
                             fields.at(best))
    rows = {name: value.reshape(nP, nT) for name, value in properties.items()
            if name != "probabilities"}
    p_rows = {k: p.reshape(nP, nT) for k, p in properties["probabilities"].items()}
    windows = (nte_windows_of_rows(T, rows["alpha_per_K"]) if nte
               else [()] * nP)
    return [Isobar(P_GPa=P_GPa, **{name: value[i] for name, value in rows.items()},
                   probabilities={k: p[i] for k, p in p_rows.items()},
                   extrapolated=outcomes[i][0], metastable=outcomes[i][1],
                   near_edge=outcomes[i][2], nte_windows=windows[i])
            for i, P_GPa in enumerate(pressures)]


def _equilibria(
    landscape: Landscape, pressures: list[float], T: np.ndarray, V_cand: np.ndarray,
    G_cand: np.ndarray, cand_edge: np.ndarray, best: np.ndarray, second: np.ndarray,
) -> list[tuple[np.ndarray, MetastableBranch | None, np.ndarray]]:
    """Per pressure (extrapolated, metastable branch, near_edge) from the indices of its
    global (``best``) and lowest other interior (``second``) candidate minimum per
    temperature (-1 where none; flat, pressure by pressure); raises where a pressure has no
    answer (the first such pressure)."""
    nT = T.size
    v_low, v_high = (float(v) for v in landscape.volume_domain)
    missing = (best < 0).reshape(-1, nT)
    V_eq = V_cand[best]
    extrapolated = cand_edge[best] | (np.minimum(V_eq - v_low, v_high - V_eq)
                                       <= EDGE_TOLERANCE * (v_high - v_low))
    flat = extrapolated.reshape(-1, nT)
    failing = np.flatnonzero(missing.any(axis=1) | flat.all(axis=1))
    if failing.size:  # the first pressure without an answer raises
        i = int(failing[0])
        if missing[i].any():
            bad = T[missing[i]]
            raise DomainError(
                f"the landscape gives no finite Gibbs energy at {pressures[i]:g} GPa for "
                f"{bad.size} temperature(s), first at {bad[0]:g} K",
                hint="the landscape returns NaN there; check its inputs",
            )
        _raise_all_extrapolated(landscape, pressures[i], T, v_low, v_high)
    near_edge = _near_edge(landscape, V_eq, extrapolated)
    near = near_edge.reshape(-1, nT) if near_edge.size else None
    outcomes = []
    for i in range(len(pressures)):
        part = slice(i * nT, (i + 1) * nT)
        others = second[part]
        has = others >= 0
        metastable = None
        if has.any():
            metastable = MetastableBranch(T_K=T[has], V_A3=V_cand[others[has]],
                                          G_eV=G_cand[others[has]])
        outcomes.append((flat[i].copy(), metastable,
                         near[i].copy() if near is not None else near_edge))
    return outcomes


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


def _properties(landscape: Landscape, P: np.ndarray, T: np.ndarray, V: np.ndarray,
                fields: dict[str, np.ndarray]) -> dict[str, Any]:
    """The isobar's property arrays at equilibrium points (V, T) under pressures P (eV/A^3),
    from the landscape's fields there (:data:`zenthermo.thermo.minima.FINAL_FIELDS`; flat
    arrays; ``"p"``, the source probabilities (K, n), where the polish gave them)."""
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
        "probabilities": _probabilities(landscape, V, T, fields.get("p")),
    }


def _probabilities(landscape: Landscape, V: np.ndarray, T: np.ndarray,
                   given: np.ndarray | None = None) -> dict[str, np.ndarray]:
    names = tuple(getattr(landscape, "source_names", ()) or ())
    if not names:
        return {}
    if given is not None:
        p = given
    else:
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

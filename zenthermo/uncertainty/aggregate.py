"""Percentile intervals over members, matched to the plain (central) analysis.

* Along each isobar: percentiles over the successful members at each of their temperatures
  (NaN values, e.g. alpha where a member's F_VV vanishes, are left out per temperature).
* NTE windows: each window of the plain analysis is matched, per member, to the member's
  window on the same isobar that overlaps it most in temperature; ``present_fraction`` is
  the fraction of members that have one. Member windows that overlap no plain window are
  counted (``unmatched_window_fraction``).
* Critical point: percentiles over the members that have one; members that lose it (or
  gain one the plain analysis does not have) are counted, never dropped silently.
* Coexistence line: each member's P(T) is interpolated linearly at the plain line's
  temperatures (NaN outside the member's own line), then percentiles per temperature.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np

from zenthermo.thermo.results import Analysis, NteWindow
from zenthermo.uncertainty.members import MemberOutcome
from zenthermo.uncertainty.results import (
    CoexistenceInterval,
    CriticalPointInterval,
    IsobarIntervals,
    NteWindowInterval,
)

__all__ = [
    "coexistence_interval",
    "critical_point_interval",
    "isobar_intervals",
    "match_window",
    "percentiles",
]


def percentiles(values: np.ndarray, ci: Sequence[float]) -> np.ndarray:
    """Percentiles ``ci`` over axis 0, ignoring NaN; shape (len(ci), *values.shape[1:]).

    A column with no finite value gives NaN. An empty first axis gives NaN throughout.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.shape[0] == 0:
        return np.full((len(ci),) + values.shape[1:], np.nan)
    values = np.where(np.isfinite(values), values, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        return np.nanpercentile(values, list(ci), axis=0)


def match_window(central: NteWindow, candidates: Sequence[NteWindow]) -> NteWindow | None:
    """The candidate window that overlaps ``central`` most in temperature, or None.

    A zero-length window (an isolated negative point) matches a candidate containing it.
    """
    best, best_overlap = None, -np.inf
    for window in candidates:
        overlap = min(central.T_end_K, window.T_end_K) - max(central.T_start_K,
                                                            window.T_start_K)
        touches = overlap > 0 or (overlap == 0 and (central.T_start_K == central.T_end_K
                                                    or window.T_start_K == window.T_end_K))
        if touches and overlap > best_overlap:
            best, best_overlap = window, overlap
    return best


def isobar_intervals(
    central: Analysis,
    outcomes: Sequence[MemberOutcome],
    T_K: np.ndarray,
    ci: Sequence[float],
) -> tuple[IsobarIntervals, ...]:
    """Intervals along each isobar of ``central`` from the successful ``outcomes``."""
    result = []
    n = len(outcomes)
    names = outcomes[0].source_names if outcomes else ()
    for k, plain in enumerate(central.isobars):
        rows = [o.isobars[k] for o in outcomes]
        stack = {
            field: percentiles(np.array([getattr(r, field) for r in rows]).reshape(n, -1), ci)
            for field in ("V_A3", "alpha_per_K", "B_GPa", "Cp_eV_per_K")
        }
        probabilities = {
            name: percentiles(np.array([r.probabilities[j] for r in rows]).reshape(n, -1), ci)
            for j, name in enumerate(names)
            if rows and rows[0].probabilities.shape[0] == len(names)
        }
        windows = []
        for window in plain.nte_windows:
            matched = [match_window(window, r.nte_windows) for r in rows]
            found = [w for w in matched if w is not None]
            windows.append(NteWindowInterval(
                T_start_K=percentiles(np.array([w.T_start_K for w in found]), ci),
                T_end_K=percentiles(np.array([w.T_end_K for w in found]), ci),
                alpha_min_per_K=percentiles(np.array([w.alpha_min_per_K for w in found]), ci),
                present_fraction=len(found) / n if n else 0.0,
            ))
        unmatched = sum(
            any(match_window(w, plain.nte_windows) is None for w in r.nte_windows) for r in rows
        )
        result.append(IsobarIntervals(
            P_GPa=float(plain.P_GPa), T_K=np.asarray(T_K, dtype=np.float64).copy(),
            probabilities=probabilities, nte_windows=tuple(windows),
            unmatched_window_fraction=unmatched / n if n else 0.0, **stack,
        ))
    return tuple(result)


def critical_point_interval(
    central: Analysis, outcomes: Sequence[MemberOutcome], ci: Sequence[float]
) -> CriticalPointInterval:
    """Interval of the critical point over the members that have one."""
    points = [o.critical_point for o in outcomes if o.critical_point is not None]
    n = len(outcomes)
    has_central = central.phase_diagram.critical_point is not None
    return CriticalPointInterval(
        T_K=percentiles(np.array([p.T_K for p in points]), ci),
        P_GPa=percentiles(np.array([p.P_GPa for p in points]), ci),
        V_A3=percentiles(np.array([p.V_A3 for p in points]), ci),
        present_fraction=len(points) / n if n else 0.0,
        lost_members=(n - len(points)) if has_central else 0,
        gained_members=0 if has_central else len(points),
    )


def coexistence_interval(
    central: Analysis, outcomes: Sequence[MemberOutcome], ci: Sequence[float]
) -> CoexistenceInterval | None:
    """Interval of P along the plain coexistence line (None when there is no such line)."""
    line = central.phase_diagram.coexistence
    if line is None or np.asarray(line.T_K).size == 0:
        return None
    T = np.asarray(line.T_K, dtype=np.float64)
    rows = []
    for outcome in outcomes:
        T_m, P_m = outcome.coexistence_T_K, outcome.coexistence_P_GPa
        keep = np.isfinite(T_m) & np.isfinite(P_m)
        T_m, P_m = T_m[keep], P_m[keep]
        if T_m.size == 0:
            rows.append(np.full(T.size, np.nan))
            continue
        order = np.argsort(T_m)
        rows.append(np.interp(T, T_m[order], P_m[order], left=np.nan, right=np.nan))
    values = np.array(rows).reshape(len(outcomes), T.size)
    present = np.isfinite(values).sum(axis=0) / max(len(outcomes), 1)
    return CoexistenceInterval(T_K=T.copy(), P_GPa=percentiles(values, ci),
                               present_fraction=present.astype(np.float64))


def failure_counts(outcomes: Sequence[MemberOutcome]) -> dict[str, int]:
    """Reason -> number of failed members, most frequent first."""
    counts = Counter(o.failure for o in outcomes if o.failure is not None)
    return dict(counts.most_common())


def eos_kind_counts(
    outcomes: Sequence[MemberOutcome], source_names: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Source -> {kind: number of members (failed ones included) that drew it}."""
    result: dict[str, dict[str, int]] = {}
    for k, name in enumerate(source_names):
        counts = Counter(o.eos_kinds[k] for o in outcomes)
        result[name] = dict(sorted(counts.items()))
    return result

"""Intervals of a deep ensemble's analysis: the members' analyses, percentiles about the mean.

    from zenthermo.uncertainty.ensemble import ensemble_intervals
    central = analyze(ensemble, [0, 4], T)                # the ensemble mean's analysis
    bars = ensemble_intervals(central, ensemble)          # an UncertaintyResult

Each member of an :class:`~zenthermo.landscape.ensemble.EnsembleLandscape` (one trained
network) is analysed on the central analysis's pressures and temperatures by
:func:`zenthermo.thermo.analysis.analyze` (its phase lines at 30 temperatures, as the
members of the exact path), and the intervals are percentiles over the members, matched to
the central analysis as in :mod:`zenthermo.uncertainty.aggregate`. With a handful of seeds
the 2.5 and 97.5 percentiles are close to the smallest and largest member: they show the
spread of the training, not a calibrated 95 % interval. ``method`` is ``"ensemble"``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from zenthermo.errors import FitError
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.phase_diagram import compute_phase_diagram
from zenthermo.thermo.results import Analysis
from zenthermo.uncertainty.aggregate import (
    coexistence_interval,
    critical_point_interval,
    failure_counts,
    isobar_intervals,
)
from zenthermo.uncertainty.members import (
    MEMBER_ERRORS,
    MemberIsobar,
    MemberOutcome,
    failure_reason,
)
from zenthermo.uncertainty.results import UncertaintyResult
from zenthermo.uncertainty.settings import DEFAULT_CI, validate_ci

__all__ = ["ENSEMBLE_METHOD", "ensemble_intervals", "outcome_of"]

#: ``UncertaintyResult.method`` of intervals from a deep ensemble.
ENSEMBLE_METHOD = "ensemble"


def outcome_of(index: int, analysis: Analysis, source_names: Sequence[str],
               diagram: Any = None) -> MemberOutcome:
    """What the intervals need of one member's analysis (and its phase diagram)."""
    names = tuple(source_names)
    isobars = tuple(
        MemberIsobar(
            P_GPa=i.P_GPa, V_A3=i.V_A3, alpha_per_K=i.alpha_per_K, B_GPa=i.B_GPa,
            Cp_eV_per_K=i.Cp_eV_per_K,
            probabilities=np.stack([i.probabilities[n] for n in names])
            if names and all(n in i.probabilities for n in names)
            else np.empty((0, i.T_K.size)),
            nte_windows=i.nte_windows)
        for i in analysis.isobars)
    critical = None if diagram is None else diagram.critical_point
    T_coex = P_coex = np.empty(0)
    if diagram is not None and diagram.coexistence is not None:
        T_coex = np.asarray(diagram.coexistence.T_K, dtype=np.float64)
        P_coex = np.asarray(diagram.coexistence.P_GPa, dtype=np.float64)
    return MemberOutcome(index=index, eos_kinds=(), isobars=isobars, critical_point=critical,
                         coexistence_T_K=T_coex, coexistence_P_GPa=P_coex, source_names=names)


def ensemble_intervals(central: Analysis, ensemble: Any,
                       ci: Sequence[float] = DEFAULT_CI, phase_diagram: bool = True,
                       configurations: Sequence[Any] = (),
                       phase_line_temperatures: int = 30) -> UncertaintyResult:
    """Intervals of ``central`` (the analysis of ``ensemble``'s mean) from its members.

    Parameters
    ----------
    central : Analysis
        The analysis of the ensemble itself (its pressures and temperatures are used).
    ensemble : EnsembleLandscape
    ci : three percentiles
    phase_diagram : bool
        Also the critical point and coexistence line of every member.
    configurations : sequence of ConfigurationSummary
        Passed to :func:`~zenthermo.thermo.analysis.analyze` as for ``central``.
    phase_line_temperatures : int
        Temperatures on each member's phase lines.

    Raises
    ------
    FitError
        Every member's analysis failed.
    """
    ci = validate_ci(ci)
    T = np.asarray(central.isobars[0].T_K, dtype=np.float64)
    pressures = [float(i.P_GPa) for i in central.isobars]
    outcomes = []
    for index, member in enumerate(ensemble.members):
        try:
            with np.errstate(all="ignore"):
                analysis = analyze(member, pressures, T, configurations=configurations,
                                   phase_diagram=False)
                diagram = compute_phase_diagram(
                    member, n_temperatures=phase_line_temperatures) if phase_diagram else None
        except MEMBER_ERRORS as error:
            outcomes.append(MemberOutcome(index=index, eos_kinds=(),
                                          failure=failure_reason(error)))
            continue
        outcomes.append(outcome_of(index, analysis, ensemble.source_names, diagram))
    good = [o for o in outcomes if o.ok]
    failures = failure_counts(outcomes)
    if not good:
        raise FitError(f"the analysis of all {len(outcomes)} ensemble members failed "
                       f"({'; '.join(failures)})")
    notes = (f"{len(outcomes)} ensemble members: the {ci[0]:g}-{ci[2]:g} percentiles of so "
             "few are about their smallest and largest values (the spread of the training, "
             "not a calibrated interval)",)
    return UncertaintyResult(
        method=ENSEMBLE_METHOD, members=len(outcomes), failed_members=len(outcomes) - len(good),
        ci=ci, seed=int(dict(getattr(ensemble, "settings", {}) or {}).get("seed", 0)),
        critical_point=critical_point_interval(central, good, ci) if phase_diagram else None,
        isobars=isobar_intervals(central, good, T, ci),
        coexistence=coexistence_interval(central, good, ci) if phase_diagram else None,
        failures=failures, warnings=notes)

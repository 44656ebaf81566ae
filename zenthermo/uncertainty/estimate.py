"""The uncertainty analysis of the exact path: members -> percentile intervals.

    from zenthermo.uncertainty import UncertaintySettings, analyze_with_uncertainty
    plain, intervals = analyze_with_uncertainty(source_set, [0, 2, 4], T,
                                                UncertaintySettings(members=100))
    intervals.critical_point.T_K        # [2.5 %, 50 %, 97.5 %] of T_c over the members

Steps: fit each source's EOS family and phonon residuals once
(:func:`~zenthermo.uncertainty.resampling.plan_resampling`), draw every member's inputs
from the seed (:func:`~zenthermo.uncertainty.resampling.draw_members`), build and analyse
the members through ``map_fn`` (:func:`~zenthermo.uncertainty.members.analyse_member`),
then take percentiles matched to the plain analysis (:mod:`zenthermo.uncertainty.aggregate`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from zenthermo.errors import ConfigurationError, FitError
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.physics.eos import EOS_KINDS
from zenthermo.progress import SILENT, Progress
from zenthermo.sources import SourceSet
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.critical import find_critical_point
from zenthermo.thermo.isobar import DEFAULT_VOLUME_GRID
from zenthermo.thermo.results import Analysis
from zenthermo.uncertainty.aggregate import (
    coexistence_interval,
    critical_point_interval,
    eos_kind_counts,
    failure_counts,
    isobar_intervals,
)
from zenthermo.uncertainty.members import (
    MEMBER_ERRORS,
    MemberTask,
    analyse_member,
    build_landscape,
    failure_reason,
)
from zenthermo.uncertainty.parallel import MapFunction, serial_map
from zenthermo.uncertainty.resampling import draw_members, plan_resampling
from zenthermo.uncertainty.results import UncertaintyResult
from zenthermo.uncertainty.settings import UncertaintySettings

__all__ = ["analyze_with_uncertainty", "estimate_uncertainty", "member_temperatures"]


def member_temperatures(T_K: ArrayLike, member_tstep_K: float) -> np.ndarray:
    """Every k-th temperature of ``T_K`` (and its last), k the largest stride whose step
    stays at most ``member_tstep_K`` (K). 0, or a grid coarser already, keeps them all."""
    T = np.asarray(T_K, dtype=np.float64)
    if T.size < 3 or member_tstep_K <= 0:
        return T.copy()
    typical = float(np.median(np.diff(T)))
    stride = max(1, int(np.floor(member_tstep_K / typical + 1e-9)))
    index = np.arange(0, T.size, stride)
    if index[-1] != T.size - 1:
        index = np.append(index, T.size - 1)
    return T[index]


def estimate_uncertainty(
    source_set: SourceSet,
    central: Analysis,
    settings: UncertaintySettings | None = None,
    physics_options: Mapping[str, Any] | None = None,
    phase_diagram: bool = True,
    map_fn: MapFunction | None = None,
    progress: Progress | None = None,
    n_volume_grid: int = DEFAULT_VOLUME_GRID,
) -> UncertaintyResult:
    """Intervals on the plain analysis ``central`` of ``source_set`` from resampled members.

    Parameters
    ----------
    source_set : SourceSet
        The data the plain analysis was made from.
    central : Analysis
        The plain exact analysis (its pressures and temperatures are the members'; its NTE
        windows, critical point and coexistence line are what member results are matched
        to). It must come from ``physics_options``.
    settings : UncertaintySettings, optional
    physics_options : mapping, optional
        Options of :func:`~zenthermo.physics.free_energy.build_source_free_energies` used
        for ``central`` (``eos`` is the central kind; default bm4).
    phase_diagram : bool
        Give intervals of the critical point (and, with ``settings.phase_lines``, of the
        coexistence line); pass what the plain analysis was asked for.
    map_fn : callable, optional
        ``map_fn(func, items) -> list`` in item order (default :func:`serial_map`), e.g.
        :func:`~zenthermo.uncertainty.parallel.local_process_map` or the Dask engine's map.
    progress : Progress, optional
    n_volume_grid : int
        As for :func:`~zenthermo.thermo.analysis.analyze`.

    Returns
    -------
    UncertaintyResult

    Raises
    ------
    ConfigurationError
        A plain analysis that is not exact or has no isobars.
    FitError
        No equation of state describes some source's data, or every member failed.
    """
    settings = UncertaintySettings() if settings is None else settings
    options = dict(physics_options or {})
    if central.method != "exact" or not central.isobars:
        raise ConfigurationError(
            f"error bars by resampling need a plain exact analysis with isobars (got method "
            f"{central.method!r} with {len(central.isobars)} isobars)")
    progress = SILENT if progress is None else progress
    map_fn = serial_map if map_fn is None else map_fn
    T_members = member_temperatures(central.isobars[0].T_K, settings.member_tstep_K)

    plan = plan_resampling(source_set, settings, options)
    inputs = draw_members(plan, settings)
    member_options = {k: v for k, v in plan.physics_options.items()
                      if k not in ("debye_scaling", "debye_x")}
    tasks = [
        MemberTask(inputs=member, physics_options=member_options,
                   pressures_GPa=tuple(float(i.P_GPa) for i in central.isobars),
                   temperatures_K=T_members, phase_diagram=phase_diagram,
                   phase_lines=settings.phase_lines, n_volume_grid=n_volume_grid)
        for member in inputs
    ]
    with progress.stage(f"uncertainty ({settings.members} members)",
                        total=len(tasks)) as advance:
        outcomes = list(map_fn(analyse_member, tasks))
        advance(len(tasks))

    good = [o for o in outcomes if o.ok]
    failures = failure_counts(outcomes)
    if not good:
        listed = "; ".join(f"{count} x {reason}" for reason, count in failures.items())
        raise FitError(f"all {len(outcomes)} uncertainty members failed ({listed})",
                       hint="check the data with `zenthermo inspect`, or use fewer EOS kinds")
    weights = plan.eos_weights()
    if not settings.averages_eos:
        weights = {name: {plan.central_eos: 1.0} for name in weights}
    spreads = {name: spread.as_dict() for name, spread in (
        ("debye_scaling", settings.debye_scaling_spread), ("debye_x", settings.debye_x_spread))
        if spread is not None}
    return UncertaintyResult(
        method=settings.method,
        members=len(outcomes),
        failed_members=len(outcomes) - len(good),
        ci=settings.ci,
        seed=int(settings.seed),
        critical_point=critical_point_interval(central, good, settings.ci)
        if phase_diagram else None,
        isobars=isobar_intervals(central, good, T_members, settings.ci),
        coexistence=coexistence_interval(central, good, settings.ci)
        if phase_diagram and settings.phase_lines else None,
        failures=failures,
        eos_weights=weights,
        eos_kind_counts=eos_kind_counts(outcomes, source_set.names),
        debye_spreads=spreads,
        warnings=_warnings(plan, settings, failures, len(outcomes))
        + _flexible_warning(plan, central, phase_diagram),
    )


#: A central EOS kind with an Akaike weight below this is called disfavoured by the data.
DISFAVOURED_WEIGHT = 0.05


def _warnings(plan, settings: UncertaintySettings, failures: Mapping[str, int],
              n: int) -> tuple[str, ...]:
    notes = []
    if settings.averages_eos:
        for family in plan.families:
            weights = {c.kind: c.weight for c in family.candidates}
            central = weights.get(plan.central_eos, 0.0)
            if central < DISFAVOURED_WEIGHT:
                best = max(weights, key=lambda kind: weights[kind])
                notes.append(
                    f"{family.name}: the data favour {best} (Akaike weight "
                    f"{weights[best]:.2f}) over the plain analysis's {plan.central_eos} "
                    f"({central:.2g}); the model-averaged intervals follow the favoured "
                    "kinds and need not contain the plain values")
    failed = sum(failures.values())
    if failed:
        notes.append(f"{failed} of {n} members failed and are left out of every interval")
    return tuple(notes)


#: A kind left out of the family (more parameters than the plain kind) with an Akaike weight
#: above this, over the whole family, is called strongly favoured by the data.
STRONG_WEIGHT = 0.9


def _flexible_warning(plan, central: Analysis, phase_diagram: bool) -> tuple[str, ...]:
    """One warning when the data strongly favour a kind left out of the family, with the
    plain critical temperature those kinds would give."""
    favoured: dict[str, tuple[str, float]] = {}
    for family, weights in zip(plan.families, plan.flexible_weights, strict=False):
        left_out = {k: w for k, w in weights.items() if k not in family.kinds}
        if left_out:
            kind = max(left_out, key=lambda k: left_out[k])
            if left_out[kind] > STRONG_WEIGHT:
                favoured[family.name] = (kind, left_out[kind])
    if not favoured:
        return ()
    listed = ", ".join(f"{k} for {name} (Akaike weight {w:.2f})"
                       for name, (k, w) in favoured.items())
    note = (f"the data strongly favour equations of state with more parameters than the plain "
            f"analysis's {plan.central_eos}: {listed}; they are left out of the model average "
            f"(its family: kinds with at most {EOS_KINDS[plan.central_eos]} parameters)")
    cp = central.phase_diagram.critical_point
    if phase_diagram and cp is not None:
        kinds = tuple(favoured.get(f.name, (plan.central_eos, 0.0))[0] for f in plan.families)
        try:
            with np.errstate(all="ignore"):
                other = find_critical_point(build_landscape(plan.source_set, kinds,
                                                            plan.physics_options))
        except MEMBER_ERRORS as error:
            other, reason = None, failure_reason(error)
        else:
            reason = "no critical point"
        if other is None:
            note += f"; with them the plain analysis finds {reason} (T_c = {cp.T_K:.1f} K here)"
        else:
            note += (f"; with them the plain T_c would be {other.T_K:.1f} K instead of "
                     f"{cp.T_K:.1f} K ({other.T_K - cp.T_K:+.1f} K), a model choice these "
                     "intervals do not cover (a plain analysis with the favoured kind does)")
    return (note,)


def analyze_with_uncertainty(
    source_set: SourceSet,
    pressures_GPa: Iterable[float] | ArrayLike,
    temperatures_K: ArrayLike,
    settings: UncertaintySettings | None = None,
    physics_options: Mapping[str, Any] | None = None,
    phase_diagram: bool = True,
    map_fn: MapFunction | None = None,
    progress: Progress | None = None,
) -> tuple[Analysis, UncertaintyResult]:
    """The plain exact analysis and its intervals (see :func:`estimate_uncertainty`)."""
    options = dict(physics_options or {})
    landscape = ExactZentropy.from_sources(source_set, **options)
    central = analyze(landscape, pressures_GPa, temperatures_K, phase_diagram=phase_diagram,
                      progress=progress)
    result = estimate_uncertainty(source_set, central, settings, options, phase_diagram,
                                  map_fn, progress)
    return central, result

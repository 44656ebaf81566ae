"""One member: build its landscape from its inputs and analyse it as the main one is.

:func:`analyse_member` is a pure function of one picklable :class:`MemberTask`, so members
can run through any ``map_fn`` (serial, local processes, the Dask engine). Its landscape is
an :class:`~zenthermo.landscape.exact.ExactZentropy` of per-source free energies rebuilt by
:func:`~zenthermo.physics.free_energy.build_source_free_energies` (each source with its own
EOS kind) and it is analysed by :func:`zenthermo.thermo.analysis.analyze` (isobars, NTE
windows) and :func:`zenthermo.thermo.phase_diagram.compute_phase_diagram`, the functions of
the plain analysis, with the phase lines traced at fewer temperatures. What comes back
is only what the intervals need (:class:`MemberOutcome`); a member that cannot be built or
analysed comes back with the reason instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from zenthermo.errors import ZenthermoError
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.physics.free_energy import SourceFreeEnergy, build_source_free_energies
from zenthermo.sources import SourceSet
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.critical import find_critical_point
from zenthermo.thermo.isobar import DEFAULT_VOLUME_GRID
from zenthermo.thermo.phase_diagram import compute_phase_diagram
from zenthermo.thermo.results import CriticalPoint, NteWindow
from zenthermo.uncertainty.resampling import MemberInputs

__all__ = ["MemberIsobar", "MemberOutcome", "MemberTask", "analyse_member", "build_landscape"]

#: Errors that make a member fail (counted with their reason) instead of the whole analysis:
#: zenthermo's own (a refit without minimum, an isobar outside the data, ...), and what
#: numpy/scipy raise when a resampled landscape defeats a solver.
MEMBER_ERRORS = (ZenthermoError, np.linalg.LinAlgError, ValueError, RuntimeError,
                 FloatingPointError)


@dataclass(frozen=True, eq=False)
class MemberTask:
    """The inputs of one member and how to analyse it (plain, picklable data).

    Attributes
    ----------
    inputs : MemberInputs
    physics_options : Mapping
        Options of ``build_source_free_energies`` other than ``eos``, ``debye_scaling``,
        ``debye_x`` (which come from ``inputs``).
    pressures_GPa : tuple of float
    temperatures_K : ndarray, shape (nT,)
    phase_diagram : bool
        Find the critical point.
    phase_lines : bool
        With ``phase_diagram``: also the spinodal and coexistence line.
    phase_line_temperatures : int
        Temperatures on the member's phase lines (the plain analysis uses 100; a member's
        line is interpolated at the plain line's temperatures, which with 30 points is
        within 4e-4 GPa of the 100-point line on Fe3Pt).
    n_volume_grid : int
    """

    inputs: MemberInputs
    physics_options: Mapping[str, Any]
    pressures_GPa: tuple[float, ...]
    temperatures_K: np.ndarray
    phase_diagram: bool = True
    phase_lines: bool = True
    phase_line_temperatures: int = 30
    n_volume_grid: int = DEFAULT_VOLUME_GRID


@dataclass(frozen=True, eq=False)
class MemberIsobar:
    """What one member found along one isobar; arrays of shape (nT,) or (K, nT)."""

    P_GPa: float
    V_A3: np.ndarray
    alpha_per_K: np.ndarray
    B_GPa: np.ndarray
    Cp_eV_per_K: np.ndarray
    probabilities: np.ndarray
    nte_windows: tuple[NteWindow, ...]


@dataclass(frozen=True, eq=False)
class MemberOutcome:
    """A member's results, or why it failed (``failure`` is then set, the rest empty).

    Attributes
    ----------
    index : int
    eos_kinds : tuple of str
    failure : str or None
        ``"ErrorClass: first line of the message"`` of a failed member.
    isobars : tuple of MemberIsobar
    critical_point : CriticalPoint or None
    coexistence_T_K, coexistence_P_GPa : ndarray, shape (n,)
        The member's coexistence line (ascending T); empty without one.
    source_names : tuple of str
        Order of the rows of ``MemberIsobar.probabilities``.
    """

    index: int
    eos_kinds: tuple[str, ...]
    failure: str | None = None
    isobars: tuple[MemberIsobar, ...] = ()
    critical_point: CriticalPoint | None = None
    coexistence_T_K: np.ndarray = field(default_factory=lambda: np.empty(0))
    coexistence_P_GPa: np.ndarray = field(default_factory=lambda: np.empty(0))
    source_names: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failure is None


def build_landscape(
    source_set: SourceSet, eos_kinds: tuple[str, ...], physics_options: Mapping[str, Any]
) -> ExactZentropy:
    """The exact zentropy of ``source_set`` with one EOS kind per source."""
    free_energies: list[SourceFreeEnergy] = []
    for source, kind in zip(source_set, eos_kinds, strict=True):
        single = SourceSet(sources=(source,), root=source_set.root)
        free_energies.extend(build_source_free_energies(single, eos=kind, **physics_options))
    return ExactZentropy(free_energies)


def analyse_member(task: MemberTask) -> MemberOutcome:
    """Build and analyse one member (never raises for what :data:`MEMBER_ERRORS` covers)."""
    inputs = task.inputs
    options = dict(task.physics_options)
    options.update(debye_scaling=inputs.debye_scaling, debye_x=inputs.debye_x)
    try:
        with np.errstate(all="ignore"):
            return _analyse(task, options)
    except MEMBER_ERRORS as error:
        return MemberOutcome(index=inputs.index, eos_kinds=inputs.eos_kinds,
                             failure=failure_reason(error))


def failure_reason(error: BaseException) -> str:
    """``"ErrorClass: reason"``, one line (a zenthermo error's reason without path/hint)."""
    text = getattr(error, "reason", None) or str(error) or "no message"
    return f"{type(error).__name__}: {text.splitlines()[0]}"


def _analyse(task: MemberTask, options: dict[str, Any]) -> MemberOutcome:
    inputs = task.inputs
    landscape = build_landscape(inputs.source_set, inputs.eos_kinds, options)
    with_lines = task.phase_diagram and task.phase_lines
    analysis = analyze(landscape, task.pressures_GPa, task.temperatures_K,
                       phase_diagram=False, n_volume_grid=task.n_volume_grid)
    names = landscape.source_names
    isobars = tuple(
        MemberIsobar(
            P_GPa=isobar.P_GPa, V_A3=isobar.V_A3, alpha_per_K=isobar.alpha_per_K,
            B_GPa=isobar.B_GPa, Cp_eV_per_K=isobar.Cp_eV_per_K,
            probabilities=np.stack([isobar.probabilities[n] for n in names]) if
            isobar.probabilities else np.empty((0, isobar.T_K.size)),
            nte_windows=isobar.nte_windows,
        )
        for isobar in analysis.isobars
    )
    critical = None
    T_coex = P_coex = np.empty(0)
    if with_lines:
        diagram = compute_phase_diagram(landscape, n_temperatures=task.phase_line_temperatures)
        critical = diagram.critical_point
        if diagram.coexistence is not None:
            T_coex = np.asarray(diagram.coexistence.T_K, dtype=np.float64)
            P_coex = np.asarray(diagram.coexistence.P_GPa, dtype=np.float64)
    elif task.phase_diagram:
        critical = find_critical_point(landscape)
    return MemberOutcome(
        index=inputs.index, eos_kinds=inputs.eos_kinds, isobars=isobars,
        critical_point=critical, coexistence_T_K=T_coex, coexistence_P_GPa=P_coex,
        source_names=tuple(names),
    )

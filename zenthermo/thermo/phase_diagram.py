"""The T-P and T-V phase diagram of any Landscape as data: critical point, spinodal, binodal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from zenthermo.progress import SILENT, Progress
from zenthermo.thermo.critical import locate_critical_point
from zenthermo.thermo.phase_lines import (
    compute_coexistence,
    compute_spinodal,
    phase_line_temperatures,
)
from zenthermo.thermo.results import PhaseDiagram

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["compute_phase_diagram"]


def compute_phase_diagram(
    landscape: Landscape,
    n_temperatures: int = 100,
    T_range: tuple[float, float] | None = None,
    progress: Progress | None = None,
) -> PhaseDiagram:
    """Critical point, spinodal and coexistence line of ``landscape``.

    Parameters
    ----------
    landscape : Landscape
        Any landscape; only its derivatives and domains are used.
    n_temperatures : int
        Temperatures on the spinodal and coexistence lines, from T_c down to
        max(T_min, 0.02 T_c), crowded near T_c.
    T_range : (float, float), optional
        Where to look for the critical point, K (default the temperature domain).
    progress : Progress, optional

    Returns
    -------
    PhaseDiagram
        All parts None for a landscape that is convex in V throughout its domain (or whose
        critical point lies outside it). T-P diagram: ``coexistence.T_K, .P_GPa`` and
        ``spinodal.P_low_GPa, .P_high_GPa``; T-V diagram: the ``V_low_A3, V_high_A3``.
    """
    progress = SILENT if progress is None else progress
    with progress.stage("phase diagram", total=3) as advance:
        search = locate_critical_point(landscape, T_range)
        advance()
        if search.critical_point is None:
            advance(2)
            return PhaseDiagram()
        critical = search.critical_point
        temperatures = phase_line_temperatures(landscape, critical, n_temperatures)
        spinodal = compute_spinodal(landscape, critical, temperatures)
        advance()
        coexistence = compute_coexistence(landscape, critical, spinodal)
        advance()
    return PhaseDiagram(critical_point=critical, spinodal=spinodal, coexistence=coexistence)

"""Thermodynamic analysis of any Landscape: isobars, NTE, critical point, phase lines."""

from zenthermo.thermo.critical import (
    CriticalPointSearch,
    find_critical_point,
    locate_critical_point,
)
from zenthermo.thermo.phase_diagram import compute_phase_diagram
from zenthermo.thermo.phase_lines import compute_coexistence, compute_spinodal
from zenthermo.thermo.results import (
    Analysis,
    Coexistence,
    ConfigurationSummary,
    CriticalPoint,
    Isobar,
    MetastableBranch,
    NteWindow,
    PhaseDiagram,
    Spinodal,
)

__all__ = [
    "Analysis",
    "Coexistence",
    "ConfigurationSummary",
    "CriticalPoint",
    "CriticalPointSearch",
    "Isobar",
    "MetastableBranch",
    "NteWindow",
    "PhaseDiagram",
    "Spinodal",
    "compute_coexistence",
    "compute_phase_diagram",
    "compute_spinodal",
    "find_critical_point",
    "locate_critical_point",
]

"""Thermodynamic analysis of any Landscape: isobars, NTE, critical point, phase lines."""

from zenthermo.thermo.results import (
    Analysis,
    ConfigurationSummary,
    Coexistence,
    CriticalPoint,
    Isobar,
    MetastableBranch,
    NteWindow,
    PhaseDiagram,
    Spinodal,
)

__all__ = [
    "Analysis",
    "ConfigurationSummary",
    "Coexistence",
    "CriticalPoint",
    "Isobar",
    "MetastableBranch",
    "NteWindow",
    "PhaseDiagram",
    "Spinodal",
]

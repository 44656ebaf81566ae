"""Thermodynamic analysis of any Landscape: isobars, NTE, critical point, phase lines.

The names below are loaded on first use, so that importing one small module of the package
(e.g. :mod:`zenthermo.thermo.temperatures`) does not load scipy.
"""

from __future__ import annotations

from zenthermo._lazy import lazy_exports

_RESULTS = "zenthermo.thermo.results"
_EXPORTS = {
    "CriticalPointSearch": "zenthermo.thermo.critical",
    "find_critical_point": "zenthermo.thermo.critical",
    "locate_critical_point": "zenthermo.thermo.critical",
    "compute_phase_diagram": "zenthermo.thermo.phase_diagram",
    "compute_coexistence": "zenthermo.thermo.phase_lines",
    "compute_spinodal": "zenthermo.thermo.phase_lines",
    "analyze": "zenthermo.thermo.analysis",
    "choose_temperatures": "zenthermo.thermo.temperatures",
    "temperature_grid": "zenthermo.thermo.temperatures",
    **{name: _RESULTS for name in (
        "Analysis", "Coexistence", "ConfigurationSummary", "CriticalPoint", "Isobar",
        "MetastableBranch", "NteWindow", "PhaseDiagram", "Spinodal")},
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

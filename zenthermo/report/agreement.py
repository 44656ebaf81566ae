"""How closely one landscape follows another: RMS and largest differences of F, P and B_T
on a common (V, T) grid, for the report's agreement table and the parity figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zenthermo.landscape.base import Landscape
from zenthermo.units import EV_PER_A3_IN_GPA

__all__ = ["LandscapeAgreement", "common_grid", "landscape_agreement", "landscape_quantities"]


@dataclass(frozen=True)
class LandscapeAgreement:
    """How closely one landscape follows a reference on a common (V, T) grid.

    RMS and maximum absolute differences: F in meV/atom, P and B_T in GPa.
    """

    method: str
    reference: str
    points: int
    rms_F_meV_per_atom: float
    max_F_meV_per_atom: float
    rms_P_GPa: float
    max_P_GPa: float
    rms_B_GPa: float
    max_B_GPa: float


def common_grid(a: Landscape, b: Landscape, nv: int, nt: int):
    """An nv x nt meshgrid (V in A^3, T in K) over the common domain of two landscapes."""
    v_lo = max(a.volume_domain[0], b.volume_domain[0])
    v_hi = min(a.volume_domain[1], b.volume_domain[1])
    t_lo = max(a.temperature_domain[0], b.temperature_domain[0])
    t_hi = min(a.temperature_domain[1], b.temperature_domain[1])
    return np.meshgrid(np.linspace(v_lo, v_hi, nv), np.linspace(t_lo, t_hi, nt))


def landscape_quantities(landscape: Landscape, V, T):
    """F (meV/atom), P and B_T (GPa) of ``landscape`` at (V, T)."""
    d = landscape.derivatives(V, T)
    return {
        "F": d.F * 1e3 / landscape.natoms,
        "P": -d.F_V * EV_PER_A3_IN_GPA,
        "B": V * d.F_VV * EV_PER_A3_IN_GPA,
    }


def landscape_agreement(landscape: Landscape, reference: Landscape, nv: int = 41,
                        nt: int = 31) -> LandscapeAgreement:
    """Compare ``landscape`` with ``reference`` on an nv x nt grid over their common domain."""
    V, T = common_grid(landscape, reference, nv, nt)
    got, want = landscape_quantities(landscape, V, T), landscape_quantities(reference, V, T)
    diff = {k: got[k] - want[k] for k in got}
    rms = {k: float(np.sqrt(np.mean(v**2))) for k, v in diff.items()}
    peak = {k: float(np.max(np.abs(v))) for k, v in diff.items()}
    return LandscapeAgreement(
        method=landscape.method, reference=reference.method, points=int(V.size),
        rms_F_meV_per_atom=rms["F"], max_F_meV_per_atom=peak["F"], rms_P_GPa=rms["P"],
        max_P_GPa=peak["P"], rms_B_GPa=rms["B"], max_B_GPa=peak["B"])

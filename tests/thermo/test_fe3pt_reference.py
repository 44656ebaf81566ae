"""The exact path on Fe3Pt against an independent brute-force calculation of the same recipe.

The reference numbers come from ``benchmarks/fe3pt_reference.py``: BM4 by numpy.polyfit,
Debye by Gauss-Legendre quadrature, F_V/F_VV by finite differences of F, T_c by brentq,
V(T) by bounded minimisation. They share no code with zenthermo. Tolerances are those of
the brute force itself (its NTE ends come from a 0.5 K grid).
"""

import numpy as np
import pytest

import zenthermo
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.thermo.analysis import analyze

REFERENCE = {
    "T_c_K": 164.8724, "P_c_GPa": 4.4024, "V_c_A3": 152.3388,
    "V_100K_A3": 157.3737, "V_300K_A3": 157.7789, "V_600K_A3": 157.9605,
    "NTE_start_K": 284.5805, "NTE_end_K": 439.8243,
}


@pytest.fixture(scope="module")
def fe3pt_analysis(fe3pt_vasp_dir):
    landscape = ExactZentropy.from_sources(zenthermo.ingest(fe3pt_vasp_dir))
    return analyze(landscape, [0.0], np.arange(0.0, 1001.0, 1.0))


def test_multiplicities_are_the_symmetry_orbits(fe3pt_analysis):
    g = {c.name: c.multiplicity for c in fe3pt_analysis.configurations}
    assert g == {"config_0": 2, "config_22": 12, "config_28": 6}


def test_critical_point_matches_the_reference(fe3pt_analysis):
    point = fe3pt_analysis.phase_diagram.critical_point
    assert point.T_K == pytest.approx(REFERENCE["T_c_K"], abs=0.01)
    assert point.P_GPa == pytest.approx(REFERENCE["P_c_GPa"], abs=1e-3)
    assert point.V_A3 == pytest.approx(REFERENCE["V_c_A3"], abs=1e-3)


@pytest.mark.parametrize("T", [100, 300, 600])
def test_equilibrium_volume_at_zero_pressure(fe3pt_analysis, T):
    isobar = fe3pt_analysis.isobars[0]
    assert isobar.V_A3[T] == pytest.approx(REFERENCE[f"V_{T}K_A3"], rel=1e-6)


def test_single_nte_window_at_zero_pressure(fe3pt_analysis):
    (window,) = fe3pt_analysis.isobars[0].nte_windows
    assert window.T_start_K == pytest.approx(REFERENCE["NTE_start_K"], abs=0.1)
    assert window.T_end_K == pytest.approx(REFERENCE["NTE_end_K"], abs=0.1)
    assert window.alpha_min_per_K < 0

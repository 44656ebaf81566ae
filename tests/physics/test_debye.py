"""Debye-Grueneisen: the Debye function, exact derivatives, limits, and the DFTTK recipe."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import constants
from scipy.integrate import quad

from zenthermo.errors import DomainError, FitError
from zenthermo.physics.debye import DebyeGrueneisen, debye_function, geometric_mean_mass_amu
from zenthermo.physics.eos import fit_eos
from zenthermo.units import KB_EV_PER_K

# Copper-like parameters: V0 = 11.8 A^3/atom, B0 = 140 GPa, B0' = 5 (4-atom fcc cell).
CU = {"natoms": 4, "v0_A3": 4 * 11.8, "b0_GPa": 140.0, "b0_prime": 5.0, "mass_amu": 63.546}


@pytest.fixture(scope="module")
def copper() -> DebyeGrueneisen:
    # Moruzzi's per-atom (Wigner-Seitz) form: theta_D does not depend on the cell chosen.
    return DebyeGrueneisen.from_parameters(**CU, volume_convention="atom")


def _debye_by_quadrature(y: float) -> float:
    integral, _ = quad(lambda t: t**3 / np.expm1(t) if t > 0 else 0.0, 0.0, y,
                       epsabs=0.0, epsrel=1e-13, limit=200)
    return 3.0 * integral / y**3


@pytest.mark.parametrize("y", [1e-6, 0.3, 1.0, 2.5, 2.999, 3.0, 3.001, 4.0, 7.5, 20.0, 60.0])
def test_debye_function_matches_quadrature(y):
    assert debye_function(np.array([y]))[0] == pytest.approx(_debye_by_quadrature(y), rel=1e-13)


def test_debye_function_limits():
    assert np.array_equal(debye_function(np.array([0.0, np.inf])), [1.0, 0.0])
    y = np.array([200.0, 1e4])
    np.testing.assert_allclose(debye_function(y), np.pi**4 / (5 * y**3), rtol=1e-14)


def test_theta_for_copper_is_in_the_debye_range(copper):
    # Experimental theta_D of Cu is 343 K; Moruzzi's s = 0.617 lands close to it.
    assert 280.0 < copper.theta0_K < 360.0
    assert copper.gamma == pytest.approx(3.0 - 2.0 / 3.0)
    assert copper.debye_temperature(CU["v0_A3"]) == pytest.approx(copper.theta0_K)
    assert copper.debye_temperature(0.9 * CU["v0_A3"]) > copper.theta0_K


def test_theta_reproduces_dfttk_formula_and_cell_convention():
    # DFTTK's own arithmetic: A = (6 pi^2)^(1/3) hbar/k_B, B in g/(m s^2), mass in g.
    hbar = constants.physical_constants["Planck constant over 2 pi in eV s"][0]
    kb = constants.physical_constants["Boltzmann constant in eV/K"][0]
    a = (6 * np.pi**2) ** (1 / 3) * hbar / kb
    v0, b0, mass, natoms = 170.0, 180.0, 80.0, 12

    def dfttk_theta(v0_passed):
        root = (b0 * 1e12 / (mass * 1.66054e-24)) ** 0.5
        return 0.617 * a * (v0_passed * 1e-30) ** (1 / 6) * root

    per_cell = DebyeGrueneisen.from_parameters(natoms, v0, b0, 4.5, mass, volume_convention="cell")
    per_atom = DebyeGrueneisen.from_parameters(natoms, v0, b0, 4.5, mass, volume_convention="atom")
    default = DebyeGrueneisen.from_parameters(natoms, v0, b0, 4.5, mass)
    assert per_cell.theta0_K == pytest.approx(dfttk_theta(v0), rel=1e-6)
    assert per_atom.theta0_K == pytest.approx(dfttk_theta(v0 / natoms), rel=1e-6)
    assert per_cell.theta0_K / per_atom.theta0_K == pytest.approx(natoms ** (1 / 6))
    assert default.theta0_K == per_cell.theta0_K  # DFTTK's convention is the default


def test_geometric_mean_mass_of_fe3pt():
    expected = (55.845**3 * 195.084) ** 0.25
    assert geometric_mean_mass_amu({"Fe": 9, "Pt": 3}) == pytest.approx(expected, rel=1e-4)


# (Below ~10 K, F is all zero-point energy and finite differences of F lose F_T to
# rounding; the T^3 law test covers that regime exactly.)
@pytest.mark.parametrize("T", [10.0, 40.0, 300.0, 1500.0, 2.0e4])
@pytest.mark.parametrize("V", [0.92 * CU["v0_A3"], CU["v0_A3"], 1.1 * CU["v0_A3"]])
def test_derivatives_match_finite_differences(copper, V, T):
    d = copper.derivatives(V, T)
    hv, ht = 1e-3 * V, 1e-3 * T

    def fd(fun, x, h):
        return (fun(x - 2 * h) - 8 * fun(x - h) + 8 * fun(x + h) - fun(x + 2 * h)) / (12 * h)

    def at(name, v=V, t=T):
        return getattr(copper.derivatives(v, t), name)

    checks = {
        "F_V": fd(lambda v: at("F", v=v), V, hv),
        "F_VV": fd(lambda v: at("F_V", v=v), V, hv),
        "F_VVV": fd(lambda v: at("F_VV", v=v), V, hv),
        "F_T": fd(lambda t: at("F", t=t), T, ht),
        "F_TT": fd(lambda t: at("F_T", t=t), T, ht),
        "F_VT": fd(lambda t: at("F_V", t=t), T, ht),
    }
    scale = {"F_V": abs(d.F_V), "F_VV": abs(d.F_VV), "F_VVV": abs(d.F_VVV),
             "F_T": abs(d.F_T) + 1e-30, "F_TT": abs(d.F_TT) + 1e-30, "F_VT": abs(d.F_VT) + 1e-30}
    for name, value in checks.items():
        assert getattr(d, name) == pytest.approx(value, rel=1e-7, abs=1e-9 * scale[name]), name


def test_zero_temperature_is_exact(copper):
    V = np.array([0.95, 1.0, 1.05]) * CU["v0_A3"]
    d = copper.derivatives(V, 0.0)
    theta = copper.debye_temperature(V)
    np.testing.assert_allclose(d.F, 9 / 8 * KB_EV_PER_K * CU["natoms"] * theta, rtol=1e-15)
    for name in ("F_T", "F_TT", "F_VT"):
        assert np.array_equal(getattr(d, name), np.zeros(3)), name
    # Continuous from T > 0: a tiny temperature gives the same F and pressure.
    tiny = copper.derivatives(V, 1e-3)
    np.testing.assert_allclose(tiny.F, d.F, rtol=1e-12)
    np.testing.assert_allclose(tiny.F_V, d.F_V, rtol=1e-12)
    np.testing.assert_allclose(tiny.F_VV, d.F_VV, rtol=1e-12)
    np.testing.assert_allclose(tiny.F_VVV, d.F_VVV, rtol=1e-12)
    # Deep in the quantum regime (theta/T ~ 1e3..1e6: exp(-theta/T) underflows) all is finite.
    for T in (1e-4, 0.05, 0.4):
        cold = copper.derivatives(V, T)
        assert all(np.isfinite(value).all() for value in cold.as_dict().values()), T


def test_heat_capacity_limits(copper):
    n, kb = CU["natoms"], KB_EV_PER_K
    # Classical limit: C_V = -T F_TT -> 3 N k_B.
    hot = copper.derivatives(CU["v0_A3"], 1e5)
    cv_hot = -1e5 * hot.F_TT
    assert cv_hot == pytest.approx(3 * n * kb, rel=1e-5)
    # Debye T^3 law: C_V = (12 pi^4 / 5) N k_B (T / theta)^3 for T << theta.
    T = np.array([1.0, 2.0, 4.0])
    cold = copper.derivatives(CU["v0_A3"], T)
    expected = 12 * np.pi**4 / 5 * n * kb * (T / copper.theta0_K) ** 3
    np.testing.assert_allclose(-T * cold.F_TT, expected, rtol=1e-9)
    # Entropy is -F_T and positive; it also follows T^3 at low T (S = C_V / 3).
    np.testing.assert_allclose(-cold.F_T, expected / 3, rtol=1e-9)


def test_high_temperature_is_stable(copper):
    d = copper.derivatives(CU["v0_A3"], np.array([1e4, 1e6, 1e8]))
    for name, value in d.as_dict().items():
        assert np.all(np.isfinite(value)), name


def test_broadcasting_and_shapes(copper):
    V = np.linspace(40, 52, 5)[:, None]
    T = np.linspace(0, 1000, 7)[None, :]
    d = copper.derivatives(V, T)
    assert all(value.shape == (5, 7) for value in d.as_dict().values())
    np.testing.assert_allclose(d.F[2, 3], copper.derivatives(V[2, 0], T[0, 3]).F)


def test_bad_inputs_are_domain_errors(copper):
    with pytest.raises(DomainError, match="NaN"):
        copper.derivatives(np.nan, 300.0)
    with pytest.raises(DomainError, match=">= 0 K"):
        copper.derivatives(47.0, -1.0)
    with pytest.raises(DomainError, match="positive"):
        copper.derivatives(0.0, 300.0)


def test_from_eos_uses_the_static_fit_and_refuses_curves_without_minimum():
    V = np.linspace(40.0, 56.0, 9)
    E = 0.5 * (V - 47.2) ** 2 / 47.2 * (140 / 160.21766208) + 0.02 * (V - 47.2) ** 3 / 47.2**2
    fit = fit_eos(V, E, name="cu")
    model = DebyeGrueneisen.from_eos(fit, {"Cu": 4}, 4)
    assert model.v0_A3 == fit.v0_A3 and model.b0_GPa == fit.b0_GPa
    assert model.gamma == pytest.approx((1 + fit.b0_prime) / 2 - 2 / 3)
    flat = fit_eos(V, -0.01 * V, name="cfg_x")
    with pytest.raises(FitError, match="cfg_x"):
        DebyeGrueneisen.from_eos(flat, {"Cu": 4}, 4)

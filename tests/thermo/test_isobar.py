"""compute_isobar: the global minimum of G = F + PV on any Landscape, with analytic properties.

The stand-in landscapes here have closed-form equilibria, so every property is checked
against its exact value, not against another numerical method.
"""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import DomainError
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.thermo.isobar import compute_isobar
from zenthermo.units import EV_PER_A3_IN_GPA, ev_per_a3_to_gpa, gpa_to_ev_per_a3


class ShiftedParabola:
    """F = K/2 (V - V0 - s(T))^2 - d T^2 / 2 with s'(T) = a (T - T1)(T - T2).

    Closed forms at pressure P (eV/A^3): V = V0 + s - P/K, B = V K, alpha = s'/V,
    S = d T - P s', C_P = T (d - P s''), C_V = T (d - K s'^2 - P s''). alpha < 0 exactly
    between T1 and T2.
    """

    method = "exact"
    natoms = 12

    def __init__(self, K=0.006, V0=150.0, a=1.5e-8, T1=200.0, T2=500.0, d=1e-6,
                 source_names=()):
        self.K, self.V0, self.a, self.T1, self.T2, self.d = K, V0, a, T1, T2, d
        self.source_names = tuple(source_names)

    @property
    def multiplicities(self):
        return np.ones(len(self.source_names))

    volume_domain = (140.0, 160.0)
    temperature_domain = (0.0, 1000.0)

    def s(self, T):
        a, T1, T2 = self.a, self.T1, self.T2
        return a * (T**3 / 3 - (T1 + T2) * T**2 / 2 + T1 * T2 * T)

    def s1(self, T):
        return self.a * (T - self.T1) * (T - self.T2)

    def s2(self, T):
        return self.a * (2 * T - self.T1 - self.T2)

    def derivatives(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        K, x = self.K, V - self.V0 - self.s(T)
        s1, s2 = self.s1(T), self.s2(T)
        return FreeEnergyDerivatives(
            F=K / 2 * x**2 - self.d * T**2 / 2,
            F_V=K * x,
            F_VV=np.full_like(V, K),
            F_VVV=np.zeros_like(V),
            F_T=-K * x * s1 - self.d * T,
            F_TT=K * s1**2 - K * x * s2 - self.d,
            F_VT=-K * s1,
        )

    def probabilities(self, V, T):
        if not self.source_names:
            raise NotImplementedError
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        p0 = 1.0 / (1.0 + np.exp((V - 150.0) + T / 500.0))
        return np.stack([p0, 1.0 - p0])

    def exact(self, P_GPa, T):
        P = gpa_to_ev_per_a3(P_GPa)
        V = self.V0 + self.s(T) - P / self.K
        s1, s2 = self.s1(T), self.s2(T)
        return {
            "V_A3": V,
            "B_GPa": ev_per_a3_to_gpa(V * self.K),
            "alpha_per_K": s1 / V,
            "S_eV_per_K": self.d * T - P * s1,
            "Cp_eV_per_K": T * (self.d - P * s2),
            "Cv_eV_per_K": T * (self.d - self.K * s1**2 - P * s2),
            "G_eV": P**2 / (2 * self.K) * -1 - self.d * T**2 / 2 + P * (self.V0 + self.s(T)),
        }


class QuarticDoubleWell:
    """F = A x^4 - B(T) x^2 - h x - c T^2/2, x = V - Vc, B(T) = B0 (1 - T/Tc).

    Below Tc two wells; at P = h (eV/A^3) they are equally deep, at x = +-sqrt(B / 2A).
    """

    method = "exact"
    natoms = 4
    source_names = ()
    multiplicities = np.empty(0)
    volume_domain = (140.0, 160.0)
    temperature_domain = (0.0, 1000.0)
    A, B0, t_crit, h, c, v_center = 1e-4, 2e-3, 600.0, 0.01, 1e-6, 150.0

    def derivatives(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        x = V - self.v_center
        B, B_T = self.B0 * (1 - T / self.t_crit), -self.B0 / self.t_crit
        return FreeEnergyDerivatives(
            F=self.A * x**4 - B * x**2 - self.h * x - self.c * T**2 / 2,
            F_V=4 * self.A * x**3 - 2 * B * x - self.h,
            F_VV=12 * self.A * x**2 - 2 * B,
            F_VVV=24 * self.A * x,
            F_T=-B_T * x**2 - self.c * T,
            F_TT=np.full_like(V, -self.c),
            F_VT=-2 * B_T * x,
        )

    def probabilities(self, V, T):
        raise NotImplementedError


T_GRID = np.arange(0.0, 1001.0, 1.0)


@pytest.mark.parametrize("P_GPa", [-4.0, 0.0, 3.5])
def test_every_property_matches_the_closed_form_at_every_temperature(P_GPa):
    landscape = ShiftedParabola()
    isobar = compute_isobar(landscape, P_GPa, T_GRID)
    exact = landscape.exact(P_GPa, T_GRID)
    assert isobar.P_GPa == P_GPa
    assert isobar.T_K.shape == T_GRID.shape  # no temperature point lost
    np.testing.assert_allclose(isobar.V_A3, exact["V_A3"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(isobar.B_GPa, exact["B_GPa"], rtol=1e-10)
    np.testing.assert_allclose(isobar.alpha_per_K, exact["alpha_per_K"], rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(isobar.lcte_per_K, exact["alpha_per_K"] / 3, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(isobar.S_eV_per_K, exact["S_eV_per_K"], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(isobar.Cp_eV_per_K, exact["Cp_eV_per_K"], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(isobar.Cv_eV_per_K, exact["Cv_eV_per_K"], rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(isobar.G_eV, exact["G_eV"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(isobar.H_eV, isobar.G_eV + T_GRID * isobar.S_eV_per_K)
    np.testing.assert_allclose(isobar.F_eV, isobar.G_eV - gpa_to_ev_per_a3(P_GPa) * isobar.V_A3)
    assert not isobar.extrapolated.any()
    assert isobar.metastable is None
    assert isobar.probabilities == {}


def test_alpha_is_negative_exactly_between_the_built_in_crossings():
    isobar = compute_isobar(ShiftedParabola(T1=200.0, T2=500.0), 0.0, T_GRID)
    negative = T_GRID[isobar.alpha_per_K < 0]
    assert negative[0] == 201.0 and negative[-1] == 499.0


def test_a_coarse_volume_scan_gives_the_same_volume_because_newton_polishes_it():
    landscape = ShiftedParabola()
    fine = compute_isobar(landscape, 1.0, T_GRID)
    coarse = compute_isobar(landscape, 1.0, T_GRID, n_volume_grid=5)
    np.testing.assert_allclose(coarse.V_A3, fine.V_A3, rtol=0, atol=1e-9)


def test_probabilities_are_keyed_by_source_name_and_taken_at_the_equilibrium_volume():
    landscape = ShiftedParabola(source_names=("AFM", "FM"))
    isobar = compute_isobar(landscape, 0.0, T_GRID)
    assert set(isobar.probabilities) == {"AFM", "FM"}
    expected = landscape.probabilities(isobar.V_A3, T_GRID)
    np.testing.assert_allclose(isobar.probabilities["AFM"], expected[0])
    np.testing.assert_allclose(isobar.probabilities["AFM"] + isobar.probabilities["FM"], 1.0)


def test_the_global_minimum_wins_and_the_other_well_is_the_metastable_branch():
    well = QuarticDoubleWell()
    P_GPa = (well.h + 2e-4) * EV_PER_A3_IN_GPA  # just above coexistence: small-V well wins
    T = np.arange(0.0, 801.0, 1.0)
    isobar = compute_isobar(well, P_GPa, T)
    assert np.all(well.v_center > isobar.V_A3)  # x < 0 well below Tc, single well above
    # at T = 0 the equilibrium solves 4A x^3 - 2 B0 x - h + P = 0 in the x < 0 well
    roots = np.roots([4 * well.A, 0.0, -2 * well.B0, -well.h + gpa_to_ev_per_a3(P_GPa)])
    x_low, x_high = np.sort(roots.real)[0], np.sort(roots.real)[-1]
    assert isobar.V_A3[0] == pytest.approx(well.v_center + x_low, abs=1e-9)
    meta = isobar.metastable
    assert meta is not None
    assert meta.T_K[0] == 0.0
    assert meta.V_A3[0] == pytest.approx(well.v_center + x_high, abs=1e-9)
    assert np.all(well.v_center < meta.V_A3)
    assert np.all(well.t_crit > meta.T_K)  # one well only above the critical temperature
    G_eq = np.interp(meta.T_K, isobar.T_K, isobar.G_eV)
    assert np.all(meta.G_eV > G_eq)


def test_below_coexistence_pressure_the_large_volume_well_is_the_equilibrium():
    well = QuarticDoubleWell()
    P_GPa = (well.h - 2e-4) * EV_PER_A3_IN_GPA
    isobar = compute_isobar(well, P_GPa, np.array([0.0, 100.0, 300.0]))
    assert np.all(well.v_center < isobar.V_A3)
    assert np.all(well.v_center > isobar.metastable.V_A3)


def test_alpha_and_bulk_modulus_use_the_curvature_of_the_equilibrium_well():
    well = QuarticDoubleWell()
    P_GPa = well.h * EV_PER_A3_IN_GPA + 0.5
    isobar = compute_isobar(well, P_GPa, np.array([50.0, 300.0]))
    d = well.derivatives(isobar.V_A3, isobar.T_K)
    np.testing.assert_allclose(isobar.B_GPa, ev_per_a3_to_gpa(isobar.V_A3 * d.F_VV))
    np.testing.assert_allclose(isobar.alpha_per_K, -d.F_VT / (isobar.V_A3 * d.F_VV))
    assert np.all(isobar.B_GPa > 0)
    np.testing.assert_allclose(d.F_V + gpa_to_ev_per_a3(P_GPa), 0.0, atol=1e-14)


def test_partial_extrapolation_is_flagged_where_the_minimum_leaves_the_volume_domain():
    landscape = ShiftedParabola()
    P_GPa = -9.5  # equilibrium near the large-volume edge; s(T) pushes it out at some T
    isobar = compute_isobar(landscape, P_GPa, T_GRID)
    outside = landscape.exact(P_GPa, T_GRID)["V_A3"] > landscape.volume_domain[1]
    assert outside.any() and not outside.all()
    np.testing.assert_array_equal(isobar.extrapolated, outside)
    assert np.all(isobar.V_A3[outside] == landscape.volume_domain[1])


@pytest.mark.parametrize("P_GPa", [20.0, -30.0])
def test_a_pressure_outside_the_data_at_every_temperature_is_a_domain_error(P_GPa):
    with pytest.raises(DomainError) as info:
        compute_isobar(ShiftedParabola(), P_GPa, T_GRID)
    message = str(info.value)
    assert f"{P_GPa:g} GPa" in message and "140..160" in message


@pytest.mark.parametrize(
    "temperatures, words",
    [
        (np.array([]), "no temperatures"),
        (np.array([0.0, np.nan, 2.0]), "NaN"),
        (np.array([0.0, 1200.0]), "temperature domain"),
        (np.array([-5.0, 10.0]), "temperature domain"),
        (np.array([10.0, 5.0]), "ascending"),
    ],
)
def test_bad_temperatures_are_rejected_with_a_clear_domain_error(temperatures, words):
    with pytest.raises(DomainError, match=words):
        compute_isobar(ShiftedParabola(), 0.0, temperatures)


def test_a_non_finite_pressure_is_rejected():
    with pytest.raises(DomainError, match="pressure"):
        compute_isobar(ShiftedParabola(), float("nan"), T_GRID)

"""System mode at low temperature: every latent source obeys the quasi-harmonic Grueneisen law
(dP_k/dT = gamma_k(V) C_V,k / V with gamma_k independent of T below a few times the knee),
so that the thermal expansion the table cannot resolve takes the sign the table shows above.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zenthermo.io.free_energy_table import FreeEnergyTable
from zenthermo.landscape.jets import Jet
from zenthermo.landscape.losses import GRUENEISEN_REFERENCE, gruneisen_points, gruneisen_term
from zenthermo.landscape.system_data import system_training_data
from zenthermo.landscape.train import ZennFitter
from zenthermo.units import KB_EV_PER_K

N_T = 8


def debye_jet(V, T, gamma=1.8, theta0=300.0, v0=150.0, flip_below=None):
    """Jet (fields (1, n)) of a low-T Debye source F = E(V) - A T^4 / theta(V)^3,
    theta = theta0 (V/v0)^-gamma: its F_VT = (gamma/V) T F_TT exactly. ``flip_below``
    reverses the sign of F_VT below that temperature (a spurious thermal pressure)."""
    a = 1e-3 * (V / v0) ** (3 * gamma) / theta0 ** 3
    f_tt = -12 * a * T ** 2
    f_vt = -4 * a * 3 * gamma / V * T ** 3
    if flip_below is not None:
        f_vt = np.where(T < flip_below, -f_vt, f_vt)
    f = 0.01 * (V - v0) ** 2 - a * T ** 4
    to = lambda x: torch.as_tensor(x, dtype=torch.float64)[None]  # noqa: E731
    return Jet(to(f), None, None, None, to(f_tt), to(f_vt), None)


def test_the_points_run_from_a_quarter_of_the_knee_to_three_times_it_at_every_volume():
    V, T = gruneisen_points((140.0, 160.0), 40.0, 5, N_T)
    assert V.shape == T.shape == (5 * N_T,)
    np.testing.assert_allclose(T[:N_T], np.linspace(10.0, 120.0, N_T))
    assert T[N_T - 1] == GRUENEISEN_REFERENCE * 40.0  # the reference is each volume's last
    np.testing.assert_allclose(np.unique(V), np.linspace(140.0, 160.0, 5))


def test_a_debye_source_costs_nothing():
    V, T = gruneisen_points((140.0, 160.0), 40.0, 6, N_T)
    assert float(gruneisen_term(debye_jet(V, T), torch.as_tensor(T), N_T)) < 1e-20


def test_a_thermal_pressure_of_the_wrong_sign_at_low_temperature_costs_one_per_point():
    V, T = gruneisen_points((140.0, 160.0), 40.0, 6, N_T)
    term = float(gruneisen_term(debye_jet(V, T, flip_below=50.0), torch.as_tensor(T), N_T))
    flipped = np.mean(np.linspace(10.0, 120.0, N_T)[:-1] < 50.0)
    # about one per flipped point (a little less at the lowest, where eps takes over)
    assert 0.9 * flipped < term <= flipped


def test_a_negative_heat_capacity_at_low_temperature_is_penalised():
    # C_V and dP/dT both negative below 50 K: the Grueneisen ratio holds, C_V >= 0 does not
    V, T = gruneisen_points((140.0, 160.0), 40.0, 6, N_T)
    jet, cold = debye_jet(V, T), torch.as_tensor(T) < 50.0
    negative = Jet(jet.f, None, None, None, torch.where(cold, -jet.tt, jet.tt),
                   torch.where(cold, -jet.vt, jet.vt), None)
    term = float(gruneisen_term(negative, torch.as_tensor(T), N_T))
    # (C_V(T_j) / C_V(T_ref))^2 = (T_j / T_ref)^6 for a Debye C_V ~ T^3, over the points
    T_j = np.linspace(10.0, 120.0, N_T)[:-1]
    assert term == pytest.approx(np.mean(np.where(T_j < 50.0, (T_j / 120.0) ** 6, 0.0)))


def einstein_table(n_v=12, n_t=26):
    """Total F of one Einstein solid (gamma = 2, theta = 300 K at 150 A^3), 0-1000 K: its
    F_VT = (gamma/V) T F_TT exactly."""
    V, T = (a.ravel() for a in np.meshgrid(np.linspace(140.0, 160.0, n_v),
                                           np.linspace(0.0, 1000.0, n_t), indexing="ij"))
    theta = 300.0 * (V / 150.0) ** -2.0
    with np.errstate(divide="ignore"):
        thermal = T * np.log1p(-np.exp(-theta / T))
    F = 0.02 * (V - 150.0) ** 2 + 12 * KB_EV_PER_K * (theta / 2 + np.nan_to_num(thermal))
    return FreeEnergyTable(V, T, F)


@pytest.mark.slow
def test_a_learned_latent_source_obeys_the_third_law_and_keeps_the_sign_of_its_thermal_pressure():
    torch.set_num_threads(1)
    data = system_training_data(einstein_table(), 1, natoms=4)
    fitter = ZennFitter(n_latent_sources=1, hidden=(8, 8), adam_epochs=100,
                        lbfgs_iterations=100).fit(data)
    assert "gruneisen" in fitter.history_["final_train_terms"]
    land = fitter.landscape_
    t_knee = float(land.network.norm.t_knee)
    V, T = np.meshgrid(np.linspace(141.0, 159.0, 7), [t_knee / 2, t_knee, 2 * t_knee],
                       indexing="ij")
    d = land.source_derivatives(V, T, ("F_VT",))[0]
    reference = land.source_derivatives(V[:, :1], np.full((7, 1), 3 * t_knee), ("F_VT",))[0]
    # the table's thermal pressure at 3 x the knee is positive (gamma > 0): so below it
    assert (reference.F_VT < 0).all() and (d.F_VT < 0).all()
    # the third law (the flat input): S_k -> 0 and dS_k/dV -> 0 as T -> 0
    cold = land.source_derivatives(V[:, 0], np.full(7, 1.0), ("F_T", "F_VT"))[0]
    assert np.abs(cold.F_T).max() < 1e-3 * KB_EV_PER_K
    assert np.abs(cold.F_VT).max() < 1e-4 * KB_EV_PER_K


def test_only_a_system_table_that_reaches_into_the_knee_gets_the_term():
    from synthetic import three_source_set

    from zenthermo.landscape.train_data import per_source_training_data

    quick = dict(hidden=(4, 4), adam_epochs=2, lbfgs_iterations=0, collocation_points=(4, 3))
    table = einstein_table(6, 8)
    cold = system_training_data(table, 2, natoms=4)
    warm = system_training_data(FreeEnergyTable(table.V_A3[table.T_K > 100],
                                                table.T_K[table.T_K > 100],
                                                table.F_eV[table.T_K > 100]), 2, natoms=4)
    per_source = per_source_training_data(three_source_set(),
                                          [np.linspace(140, 165, 6)] * 3,
                                          [np.linspace(0, 1000, 6)] * 3, natoms=12)

    def terms(data, **extra):
        fitter = ZennFitter(n_latent_sources=2, **quick, **extra).fit(data)
        return fitter.history_["final_train_terms"]

    assert "gruneisen" in terms(cold)
    assert "gruneisen" not in terms(cold, weight_gruneisen=0.0)
    assert "gruneisen" not in terms(warm)  # no flat input: nothing to anchor at T -> 0
    assert "gruneisen" not in terms(per_source)  # the sources' data carry F_VT

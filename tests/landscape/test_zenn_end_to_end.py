"""Slow end-to-end checks: ZENN on Fe3Pt against exact zentropy, and system mode recovering
the critical point of a known two-source landscape from a table of its total F only."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import mean_field_sources

from zenthermo.io.free_energy_table import FreeEnergyTable
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.landscape.system_data import system_training_data
from zenthermo.landscape.train import TrainingSettings, ZennFitter
from zenthermo.thermo.critical import find_critical_point
from zenthermo.thermo.isobar import compute_isobar
from zenthermo.thermo.nte import nte_windows
from zenthermo.units import EV_PER_A3_IN_GPA

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fe3pt():
    from zenthermo.data import load_default_sources

    return load_default_sources()


@pytest.fixture(scope="module")
def fe3pt_zenn(fe3pt):
    """ZENN with the default settings on all of the Fe3Pt data (as ``zenthermo fit``)."""
    return ZennFitter(TrainingSettings()).fit(fe3pt).landscape_


def test_zenn_on_fe3pt_reproduces_the_exact_free_energy(fe3pt, fe3pt_zenn):
    exact = ExactZentropy.from_sources(fe3pt)
    V, T = np.meshgrid(np.linspace(140, 171, 12), np.arange(200.0, 1001.0, 50.0), indexing="ij")
    got, ref = fe3pt_zenn.derivatives(V, T), exact.derivatives(V, T)
    assert np.sqrt(np.mean((got.F - ref.F) ** 2)) * 1e3 / 12 < 0.5  # meV/atom
    assert np.sqrt(np.mean((V * (got.F_VV - ref.F_VV)) ** 2)) * EV_PER_A3_IN_GPA < 3.0  # GPa


def test_zenn_on_fe3pt_reproduces_the_nte_window_and_critical_point(fe3pt, fe3pt_zenn):
    """The issue's targets: NTE ends within 5 K, T_c within 3 K, P_c within 0.1 GPa, and no
    NTE window that the exact path does not have (the low-T alpha ~ T^3 keeps its sign)."""
    exact = ExactZentropy.from_sources(fe3pt)
    temperatures = np.arange(5.0, 1000.0, 5.0)
    learned = nte_windows(temperatures,
                          compute_isobar(fe3pt_zenn, 0.0, temperatures).alpha_per_K)
    truth = nte_windows(temperatures, compute_isobar(exact, 0.0, temperatures).alpha_per_K)
    assert len(truth) == 1 and len(learned) == 1
    assert abs(learned[0].T_start_K - truth[0].T_start_K) < 5
    assert abs(learned[0].T_end_K - truth[0].T_end_K) < 5
    cp, cp_exact = find_critical_point(fe3pt_zenn), find_critical_point(exact)
    assert cp is not None and abs(cp.T_K - cp_exact.T_K) < 3
    assert abs(cp.P_GPa - cp_exact.P_GPa) < 0.1


def test_fe3pt_training_is_deterministic(fe3pt):
    settings = TrainingSettings(hidden=(8, 8), adam_epochs=30, lbfgs_iterations=10, seed=5)
    a = ZennFitter(settings).fit(fe3pt).network_
    b = ZennFitter(settings).fit(fe3pt).network_
    for x, y in zip(a.parameters(), b.parameters(), strict=True):
        assert torch.equal(x, y)


def test_system_mode_recovers_the_critical_point_from_total_free_energy():
    """Total F of two parabolas (g = 3 and 1): T_c = k d^2 / k_B, P_c known in closed form."""
    sources, answer = mean_field_sources(k=0.01, v1=143.0, v2=147.0, g1=3.0, p0_GPa=1.0,
                                         temperature_domain=(0.0, 2000.0))
    exact = ExactZentropy(sources)
    V, T = np.meshgrid(np.linspace(132.0, 158.0, 27), np.linspace(100.0, 1000.0, 19),
                       indexing="ij")
    table = FreeEnergyTable(V.ravel(), T.ravel(), exact.derivatives(V, T).F.ravel())
    data = system_training_data(table, 2, validation_fraction=0.0, natoms=4)
    settings = TrainingSettings(hidden=(16, 16), adam_epochs=1500, lbfgs_iterations=400,
                                learning_rate=5e-3,
                                validation_fraction=0.0)
    landscape = ZennFitter(settings).fit(data).landscape_
    cp = find_critical_point(landscape)
    assert cp is not None
    assert abs(cp.T_K - answer.T_c) < 0.05 * answer.T_c
    assert abs(cp.P_GPa - answer.P_c_GPa) < 0.3

"""System mode with a density target: a Boltzmann density over V per temperature, fitted by
Jensen-Shannon divergence (the JSD term, the training data, fits, the CLI and, slow, the
critical point of a known two-source landscape recovered from its densities alone)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from synthetic import mean_field_sources

from zenthermo.cli import main
from zenthermo.io.density_table import DensityTable, normalise_per_temperature
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.landscape.losses import (
    DensityGroups,
    Rows,
    boltzmann_log_density,
    density_term,
    jensen_shannon,
)
from zenthermo.landscape.model_file import load_model, save_model
from zenthermo.landscape.system_data import system_density_training_data
from zenthermo.landscape.train import DnnFitter, TrainingSettings, ZennFitter
from zenthermo.landscape.train_data import TargetTable
from zenthermo.units import KB_EV_PER_K

TINY = TrainingSettings(hidden=(6, 6), dnn_hidden=(6, 6), adam_epochs=20, lbfgs_iterations=5,
                        evaluate_every=10, collocation_points=(6, 4), validation_fraction=0.0)
UNTRAINED = TrainingSettings(**{**TINY.__dict__, "adam_epochs": 0, "lbfgs_iterations": 0})


def log(values) -> torch.Tensor:
    with np.errstate(divide="ignore"):
        return torch.as_tensor(np.log(np.asarray(values, dtype=float)))


def boltzmann_table(V: np.ndarray, T: np.ndarray, F: np.ndarray) -> DensityTable:
    """Densities exp(-F/k_B T) at the points, normalised per temperature."""
    shift = np.array([F[T == t].min() for t in T])
    weights = np.exp(-(F - shift) / (KB_EV_PER_K * T))
    return DensityTable(V, T, normalise_per_temperature(T, weights))


def two_source_landscape():
    return mean_field_sources(k=0.01, v1=143.0, v2=147.0, g1=3.0, p0_GPa=1.0,
                              temperature_domain=(0.0, 2000.0))


def exact_density_table(volumes: np.ndarray, temperatures: np.ndarray) -> DensityTable:
    """Boltzmann densities of the exact total F of :func:`two_source_landscape`."""
    sources, _ = two_source_landscape()
    V, T = (a.ravel() for a in np.meshgrid(volumes, temperatures, indexing="ij"))
    return boltzmann_table(V, T, ExactZentropy(sources).derivatives(V, T).F)


@pytest.fixture(scope="module")
def small_data():
    table = exact_density_table(np.linspace(134.0, 156.0, 9), np.linspace(200.0, 1000.0, 5))
    return system_density_training_data(table, 2, validation_fraction=0.0, natoms=4)


# -- the Jensen-Shannon divergence ------------------------------------------------------

def test_jsd_of_identical_distributions_is_zero():
    p = log([[0.2, 0.3, 0.5], [0.0, 0.25, 0.75]])
    np.testing.assert_allclose(jensen_shannon(p, p).numpy(), 0.0, atol=1e-15)


def test_jsd_matches_a_hand_computed_value():
    # m = (3/8, 3/8, 1/4): KL(p||m) = ln(4/3), KL(q||m) = ln(4/3)/2, JSD = 3/4 ln(4/3)
    p, q = log([0.5, 0.5, 0.0]), log([0.25, 0.25, 0.5])
    assert float(jensen_shannon(p, q)) == pytest.approx(0.75 * math.log(4 / 3), rel=1e-13)


def test_jsd_is_symmetric_and_bounded_by_ln_2():
    rng = np.random.default_rng(0)
    p = rng.random((50, 7)) * (rng.random((50, 7)) > 0.3)
    q = rng.random((50, 7)) * (rng.random((50, 7)) > 0.3)
    p[:, 0], q[:, 1] = 1.0, 1.0  # no empty row
    p, q = p / p.sum(1, keepdims=True), q / q.sum(1, keepdims=True)
    pq, qp = jensen_shannon(log(p), log(q)), jensen_shannon(log(q), log(p))
    np.testing.assert_allclose(pq.numpy(), qp.numpy(), rtol=1e-14)
    assert (pq >= 0).all() and (pq <= math.log(2)).all()
    disjoint = jensen_shannon(log([0.5, 0.5, 0.0, 0.0]), log([0.0, 0.0, 0.1, 0.9]))
    assert float(disjoint) == pytest.approx(math.log(2), rel=1e-14)


def test_zero_probabilities_give_finite_gradients():
    log_q = torch.tensor([-1.0, -2.0, -0.5, -800.0], dtype=torch.float64, requires_grad=True)
    value = jensen_shannon(log([0.0, 0.5, 0.5, 0.0]), torch.log_softmax(log_q, 0))
    value.backward()
    assert torch.isfinite(value) and torch.isfinite(log_q.grad).all()


# -- the density term of the loss -------------------------------------------------------

def ragged_rows(F: np.ndarray) -> tuple[Rows, np.ndarray, np.ndarray, np.ndarray]:
    """Rows of two temperatures with 3 and 5 volumes, interleaved, and their targets."""
    T = np.array([300.0, 600, 300, 600, 600, 300, 600, 600])
    V = np.array([140.0, 140, 150, 145, 150, 160, 155, 160])
    p = np.array([1.0, 0.0, 2.0, 1.0, 3.0, 1.0, 2.0, 2.0])
    nan = np.full(T.size, np.nan)
    table = TargetTable(V, T, nan, nan, nan, nan, nan, np.full(T.size, -1),
                        np.zeros(T.size, bool), p)
    rows = Rows.from_table(table, np.ones(T.size, bool), "cpu")
    return rows, T, p, F


def reference_jsd(F: np.ndarray, T: np.ndarray, p: np.ndarray) -> float:
    """Mean over temperatures of JSD(p, q), one temperature at a time in numpy."""
    values = []
    for t in np.unique(T):
        at = T == t
        q = np.exp(-F[at] / (KB_EV_PER_K * t))
        q, pt = q / q.sum(), p[at] / p[at].sum()
        m = 0.5 * (pt + q)
        kl = [np.sum(a[a > 0] * np.log(a[a > 0] / m[a > 0])) for a in (pt, q)]
        values.append(0.5 * sum(kl))
    return float(np.mean(values))


def test_density_term_is_the_mean_jsd_over_temperatures_of_a_ragged_table():
    F = np.array([0.01, -0.02, 0.0, 0.03, 0.015, 0.05, -0.01, 0.02])
    rows, T, p, _ = ragged_rows(F)
    assert rows.density.index.shape == (2, 5)
    assert int(rows.density.valid.sum()) == 8
    got = density_term(torch.as_tensor(F), rows.T, rows.density)
    assert float(got) == pytest.approx(reference_jsd(F, T, p), rel=1e-12)


def test_density_term_ignores_a_constant_per_temperature():
    F = np.linspace(-0.02, 0.03, 8)
    rows, T, *_ = ragged_rows(F)
    shifted = F + np.where(T == 300, 5.0, -2.0)
    a = density_term(torch.as_tensor(F), rows.T, rows.density)
    b = density_term(torch.as_tensor(shifted), rows.T, rows.density)
    assert float(a) == pytest.approx(float(b), rel=1e-9)


def test_the_boltzmann_density_is_zero_off_the_group_and_normalised_on_it():
    F = torch.tensor([[0.0, 0.01, 99.0], [0.02, 0.0, 0.0]], dtype=torch.float64)
    valid = torch.tensor([[True, True, False], [True, True, True]])
    q = torch.exp(boltzmann_log_density(F, torch.tensor([[300.0], [600.0]]), valid))
    np.testing.assert_allclose(q.sum(1).numpy(), 1.0)
    assert float(q[0, 2]) == 0.0


def test_rows_without_a_density_have_no_density_groups():
    n = 4
    table = TargetTable(*np.ones((7, n)), np.full(n, -1), np.zeros(n, bool))
    assert np.isnan(table.density).all() and np.isnan(table.subset(np.ones(n, bool)).density).all()
    assert Rows.from_table(table, np.ones(n, bool), "cpu").density is None
    assert DensityGroups.from_table(table, np.ones(n, bool), "cpu") is None


# -- training data ----------------------------------------------------------------------

def test_density_training_data_carries_the_density_and_no_free_energy(small_data):
    c = small_data.combined
    assert small_data.mode == "system" and small_data.system_target == "density"
    assert small_data.source_names == ("latent_1", "latent_2")
    assert len(c) == 45 and np.isnan(c.F).all() and np.isfinite(c.density).all()
    for t in np.unique(c.T):
        assert c.density[c.T == t].sum() == pytest.approx(1.0)
    assert small_data.volume_domain == (134.0, 156.0)
    assert small_data.temperature_domain == (200.0, 1000.0)


def test_the_reference_free_energy_is_minus_kT_ln_p_up_to_a_constant_per_temperature(
        small_data):
    c = small_data.combined
    sources, _ = two_source_landscape()
    exact = ExactZentropy(sources).derivatives(c.V, c.T).F
    offset = c.F_reference - exact
    for t in np.unique(c.T):
        np.testing.assert_allclose(offset[c.T == t], offset[c.T == t][0], atol=1e-9)


def test_validation_holds_out_whole_interior_temperatures():
    table = exact_density_table(np.linspace(134.0, 156.0, 9), np.linspace(200.0, 1000.0, 9))
    data = system_density_training_data(table, 2, validation_fraction=0.25, seed=1)
    c = data.combined
    held = np.unique(c.T[c.validation])
    assert held.size == 2 and 200.0 not in held and 1000.0 not in held
    assert np.array_equal(c.validation, np.isin(c.T, held))  # all volumes of those T
    fitter = ZennFitter(TrainingSettings(**{**TINY.__dict__, "validation_fraction": 0.25}))
    assert 0 < fitter.fit(data).history_["best_validation_loss"] < math.log(2)


def test_a_free_energy_table_records_its_target_kind_too():
    from zenthermo.io.free_energy_table import FreeEnergyTable
    from zenthermo.landscape.system_data import system_training_data

    V, T = (a.ravel() for a in np.meshgrid(np.linspace(140, 160, 5), [0.0, 500.0]))
    data = system_training_data(FreeEnergyTable(V, T, 0.01 * (V - 150) ** 2), 2)
    assert data.system_target == "F" and np.isnan(data.combined.density).all()
    np.testing.assert_array_equal(data.combined.F_reference, data.combined.F)


# -- fits -------------------------------------------------------------------------------

def test_a_short_density_fit_lowers_the_loss_and_is_deterministic(small_data):
    # 60 + 20 steps: after 20 + 5 the loss is still where the start's rounding put it
    # (float32 and float64 training differ there; both reach 0.007 by 60 + 20)
    short = TrainingSettings(**{**TINY.__dict__, "adam_epochs": 60, "lbfgs_iterations": 20})
    untrained = ZennFitter(UNTRAINED).fit(small_data)
    a, b = ZennFitter(short).fit(small_data), ZennFitter(short).fit(small_data)
    assert a.history_["final_train_loss"] < 0.7 * untrained.history_["final_train_loss"]
    assert a.history_["final_train_terms"]["system density"] > 0
    assert a.history_["system_target"] == "density"
    for x, y in zip(a.network_.parameters(), b.network_.parameters(), strict=True):
        assert torch.equal(x, y)


def test_the_dnn_baseline_fits_a_density_too(small_data):
    untrained = DnnFitter(UNTRAINED).fit(small_data)
    trained = DnnFitter(TINY).fit(small_data)
    assert trained.history_["final_train_loss"] < untrained.history_["final_train_loss"]
    assert trained.history_["system_target"] == "density"


def test_the_model_file_records_the_target_kind(tmp_path, small_data):
    landscape = ZennFitter(UNTRAINED).fit(small_data).landscape_
    save_model(landscape, tmp_path / "m.pt")
    loaded = load_model(tmp_path / "m.pt")
    assert loaded.mode == "system" and loaded.history["system_target"] == "density"
    assert loaded.settings["weight_density"] == 1.0


def test_zenthermo_fit_takes_a_density_table(tmp_path, capsys):
    table = exact_density_table(np.linspace(134.0, 156.0, 7), np.linspace(200.0, 1000.0, 3))
    path = tmp_path / "p.csv"
    path.write_text("V_A3,T_K,density\n" + "".join(
        f"{v},{t},{p:.17g}\n" for v, t, p in zip(table.V_A3, table.T_K, table.density,
                                              strict=True)))
    model = tmp_path / "m.pt"
    assert main(["fit", "--mode", "system", "--target", str(path), "-o", str(model),
                 "--natoms", "4", "--epochs", "3", "--lbfgs", "0"]) == 0
    assert "density target" in capsys.readouterr().out
    landscape = load_model(model)
    assert landscape.history["system_target"] == "density"
    assert landscape.temperature_domain == (200.0, 1000.0)
    # its analysis warns that absolute F, S and C_P are not known
    assert main(["analyze", str(model), "-o", str(tmp_path / "out"), "--quiet",
                 "--no-phase-diagram"]) == 0
    assert "known only up to a constant per temperature" in capsys.readouterr().err


@pytest.mark.slow
def test_system_mode_recovers_the_critical_point_from_volume_densities():
    """Boltzmann densities over V of two parabolas' total F (g = 3 and 1) at each T, as the
    total-F test in test_zenn_end_to_end.py: T_c within 5 %, P_c within 0.3 GPa."""
    from zenthermo.thermo.critical import find_critical_point

    _, answer = two_source_landscape()
    table = exact_density_table(np.linspace(132.0, 158.0, 27), np.linspace(100.0, 1000.0, 19))
    data = system_density_training_data(table, 2, validation_fraction=0.0, natoms=4)
    settings = TrainingSettings(hidden=(16, 16), adam_epochs=1500, lbfgs_iterations=400,
                                learning_rate=5e-3, validation_fraction=0.0)
    landscape = ZennFitter(settings).fit(data).landscape_
    cp = find_critical_point(landscape)
    assert cp is not None
    assert abs(cp.T_K - answer.T_c) < 0.05 * answer.T_c
    assert abs(cp.P_GPa - answer.P_c_GPa) < 0.3

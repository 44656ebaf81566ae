"""Training data (ragged per-source tables) and the fitters: determinism, learning, devices."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import PolynomialSource, mean_field_sources, three_source_set

from zenthermo.errors import ConfigurationError, InputError
from zenthermo.landscape.dnn import DnnLandscape
from zenthermo.landscape.train import DnnFitter, TrainingSettings, ZennFitter
from zenthermo.landscape.train_data import per_source_training_data
from zenthermo.landscape.zenn import ZennLandscape

TINY = TrainingSettings(hidden=(6, 6), dnn_hidden=(6, 6), adam_epochs=20, lbfgs_iterations=5,
                        evaluate_every=10, collocation_points=(6, 4))


def ragged_data(validation_fraction=0.2):
    """Three sources with different volumes and temperature grids."""
    sources = three_source_set()
    volumes = [np.linspace(140, 165, 6), np.linspace(138, 164, 5), np.array([141, 150, 160.0])]
    temps = [np.linspace(0, 1500, 7), np.array([0.0, 300, 900, 1500]), np.array([0.0, 750])]
    data = per_source_training_data(sources, volumes, temps, natoms=12,
                                    validation_fraction=validation_fraction, seed=3)
    return sources, volumes, temps, data


def test_per_source_tables_keep_each_sources_own_points():
    sources, volumes, temps, data = ragged_data()
    ps = data.per_source
    for k in range(3):
        rows = ps.source == k
        assert rows.sum() == volumes[k].size * temps[k].size
        np.testing.assert_array_equal(np.unique(ps.V[rows]), volumes[k])
        expected = sources[k].derivatives(ps.V[rows], ps.T[rows])
        np.testing.assert_array_equal(ps.F[rows], expected.F)
        np.testing.assert_array_equal(ps.F_VV[rows], expected.F_VV)
        np.testing.assert_array_equal(ps.F_T[rows], expected.F_T)
    # the landscape is defined where every source has data: the intersection
    assert data.volume_domain == (141.0, 160.0)
    assert data.temperature_domain == (0.0, 750.0)


def test_sources_without_a_common_range_are_refused():
    sources = three_source_set()
    volumes = [np.linspace(140, 150, 4), np.linspace(151, 160, 4), np.linspace(140, 160, 4)]
    temps = [np.linspace(0, 1000, 5)] * 3
    with pytest.raises(InputError, match="share no volume and temperature range"):
        per_source_training_data(sources, volumes, temps, natoms=12)


def test_combined_targets_are_the_zentropy_sum_where_every_source_is_defined():
    from zenthermo.landscape.exact import ExactZentropy

    sources, _, _, data = ragged_data()
    c = data.combined
    assert len(c) > 0
    exact = ExactZentropy(sources).derivatives(c.V, c.T)
    np.testing.assert_allclose(c.F, exact.F, rtol=1e-12)
    np.testing.assert_allclose(c.F_VV, exact.F_VV, rtol=1e-9, atol=1e-12)
    # every combined point is one of some source's own points, inside every source's
    # sampled ranges (the third source spans 141-160 A^3 and 0-750 K): no extrapolation
    points = set(zip(data.per_source.V, data.per_source.T, strict=True))
    assert all(p in points for p in zip(c.V, c.T, strict=True))
    assert c.V.min() >= 141 and c.V.max() <= 160 and c.T.max() <= 750


def test_validation_holds_out_interior_volumes_and_temperatures_only():
    _, _, _, data = ragged_data(validation_fraction=0.2)
    ps = data.per_source
    assert ps.validation.any() and (~ps.validation).any()
    assert not ps.validation[(ps.V == ps.V.min()) & (ps.T == ps.T.min())].any()
    assert not ps.validation[(ps.V == ps.V.max()) & (ps.T == ps.T.max())].any()
    _, _, _, none = ragged_data(validation_fraction=0.0)
    assert not none.per_source.validation.any()


def test_a_source_with_one_volume_is_refused():
    sources = three_source_set()[:2]
    with pytest.raises(InputError, match="1 volume"):
        per_source_training_data(sources, [np.array([150.0]), np.linspace(140, 160, 5)],
                                 [np.array([0.0, 500])] * 2, natoms=12)


def params(fitter):
    return [p.detach().clone() for p in fitter.network_.parameters()]


def test_same_seed_gives_bit_identical_parameters_and_another_seed_does_not():
    *_, data = ragged_data()
    a = ZennFitter(TINY).fit(data)
    b = ZennFitter(TINY).fit(data)
    c = ZennFitter(TrainingSettings(**{**TINY.__dict__, "seed": 1, "adam_epochs": 3,
                                       "lbfgs_iterations": 0})).fit(data)
    assert all(torch.equal(x, y) for x, y in zip(params(a), params(b), strict=True))
    assert not all(torch.equal(x, y) for x, y in zip(params(a), params(c), strict=True))
    assert isinstance(a.landscape_, ZennLandscape)
    assert a.landscape_.source_names == ("fm", "afm", "fim")
    np.testing.assert_allclose(a.landscape_.multiplicities, [1.0, 3.0, 6.0])


def test_fitting_neither_reseeds_nor_reads_torchs_global_generator():
    *_, data = ragged_data()
    settings = TrainingSettings(**{**TINY.__dict__, "adam_epochs": 3, "lbfgs_iterations": 2})
    torch.manual_seed(123)
    state = torch.random.get_rng_state()
    a = ZennFitter(settings).fit(data)
    assert torch.equal(torch.random.get_rng_state(), state)  # the user's stream is untouched
    torch.manual_seed(999)
    b = ZennFitter(settings).fit(data)
    assert all(torch.equal(x, y) for x, y in zip(params(a), params(b), strict=True))
    dnn_a = DnnFitter(settings).fit(data)
    torch.manual_seed(5)
    dnn_b = DnnFitter(settings).fit(data)
    assert all(torch.equal(x, y) for x, y in zip(params(dnn_a), params(dnn_b), strict=True))


def test_the_initial_weights_are_glorot_draws_of_a_generator_seeded_with_seed():
    """The same numbers torch.manual_seed(seed) gave before the fitters had their own
    generator: models trained before this change are reproduced."""
    *_, data = ragged_data()
    settings = TrainingSettings(**{**TINY.__dict__, "seed": 4, "adam_epochs": 0,
                                   "lbfgs_iterations": 0})
    network = ZennFitter(settings).fit(data).network_
    generator = torch.Generator().manual_seed(4)
    for w in network.mlp.weights:
        m, n_in, n_out = w.shape
        expected = torch.randn(m, n_in, n_out, dtype=torch.float64, generator=generator)
        std = (2.0 / (n_in + n_out)) ** 0.5 * (0.1 if w is network.mlp.weights[-1] else 1.0)
        assert torch.equal(w.detach(), expected * std)


def test_fitters_follow_the_scikit_learn_parameter_conventions():
    fitter = ZennFitter(seed=3, hidden=(4, 4))
    params_ = fitter.get_params(deep=True)
    assert params_["seed"] == 3 and params_["hidden"] == (4, 4)
    assert set(params_) == set(TrainingSettings().to_dict())
    assert fitter.seed == 3 and fitter.hidden == (4, 4)  # each parameter is an attribute
    assert fitter.set_params(seed=5, adam_epochs=7) is fitter
    assert fitter.get_params()["seed"] == 5 and fitter.settings.adam_epochs == 7
    clone = type(fitter)(**fitter.get_params())  # what sklearn.base.clone does
    assert clone.get_params() == fitter.get_params() and not hasattr(clone, "landscape_")
    assert ZennFitter(TINY).get_params() == {k: getattr(TINY, k) for k in params_}
    assert ZennFitter(TINY, seed=9).get_params()["seed"] == 9
    assert "seed=5" in repr(fitter) and "weight_F" not in repr(fitter)
    with pytest.raises(ValueError, match="seeds"):
        fitter.set_params(seeds=1)
    with pytest.raises(TypeError, match="epochs"):
        DnnFitter(epochs=3)
    bad = ZennFitter(validation_fraction=0.7)  # nothing is checked before fit
    *_, data = ragged_data()
    with pytest.raises(ConfigurationError):
        bad.fit(data)


@pytest.mark.parametrize("setting", [
    {"weight_F": -1.0}, {"weight_B": "1.5"}, {"weight_gruneisen": float("nan")},
    {"learning_rate": 0.0}, {"max_temperature": float("inf")}, {"patience": True},
    {"adam_epochs": -1}, {"lbfgs_iterations": 2.5}, {"hidden": ()}, {"dnn_hidden": (48, 0)},
    {"collocation_points": (24,)}, {"activation": "relu"}, {"sobolev_scaling": "max"},
    {"entropy_fluctuation_gamma": -2.0}, {"validation_fraction": "0.1"},
    {"validation_fraction": 0.5}, {"training_precision": "float16"},
])
def test_a_setting_out_of_range_is_refused_by_name(setting):
    (name, value), = setting.items()
    with pytest.raises(ConfigurationError, match=f"ZENN setting {name} must be"):
        TrainingSettings(**setting)


def test_numpy_numbers_are_settings_like_any_other():
    settings = TrainingSettings(n_volumes=np.int64(5), weight_F=np.float64(2.0))
    assert settings.n_volumes == 5 and settings.weight_F == 2.0


def test_training_lowers_the_loss():
    *_, data = ragged_data(validation_fraction=0.0)
    untrained = ZennFitter(TrainingSettings(**{**TINY.__dict__, "adam_epochs": 0,
                                               "lbfgs_iterations": 0})).fit(data)
    trained = ZennFitter(TINY).fit(data)
    assert trained.history_["final_train_loss"] < 0.7 * untrained.history_["final_train_loss"]
    assert trained.history_["adam_steps"] == 20


def test_the_kept_weights_are_the_best_on_validation():
    *_, data = ragged_data(validation_fraction=0.2)
    untrained = ZennFitter(TrainingSettings(**{**TINY.__dict__, "adam_epochs": 0,
                                               "lbfgs_iterations": 0})).fit(data)
    trained = ZennFitter(TINY).fit(data)
    assert trained.history_["best_validation_loss"] <= untrained.history_["best_validation_loss"]


@pytest.mark.slow
def test_zenn_learns_a_two_source_landscape_and_its_transition():
    """Two parabolas with a mean-field critical point near 2900 K: a short fit gets F right."""
    (low, high), answer = mean_field_sources(k=0.01, v1=140, v2=150,
                                             temperature_domain=(0.0, 4000.0))
    volumes = [np.linspace(125, 165, 9)] * 2
    temps = [np.linspace(0, 4000, 9)] * 2
    data = per_source_training_data((low, high), volumes, temps, natoms=4,
                                    validation_fraction=0.0)
    settings = TrainingSettings(hidden=(12, 12), adam_epochs=300, lbfgs_iterations=150,
                                collocation_points=(8, 6), validation_fraction=0.0)
    landscape = ZennFitter(settings).fit(data).landscape_
    from zenthermo.landscape.exact import ExactZentropy

    V, T = np.meshgrid(np.linspace(130, 160, 13), np.linspace(500, 4000, 8), indexing="ij")
    got, ref = landscape.derivatives(V, T), ExactZentropy((low, high)).derivatives(V, T)
    assert np.sqrt(np.mean((got.F - ref.F) ** 2)) < 5e-3  # eV per cell
    assert np.sqrt(np.mean((got.F_V - ref.F_V) ** 2)) < 2e-3  # eV/A^3 (0.3 GPa)


def test_dnn_fits_the_combined_targets_and_has_no_sources():
    *_, data = ragged_data(validation_fraction=0.0)
    fitter = DnnFitter(TINY).fit(data)
    landscape = fitter.landscape_
    assert isinstance(landscape, DnnLandscape) and landscape.method == "dnn"
    assert landscape.source_names == () and landscape.multiplicities.size == 0
    with pytest.raises(NotImplementedError):
        landscape.probabilities(150.0, 300.0)
    untrained = DnnFitter(TrainingSettings(**{**TINY.__dict__, "adam_epochs": 0,
                                              "lbfgs_iterations": 0})).fit(data)
    assert fitter.history_["final_train_loss"] < untrained.history_["final_train_loss"]


def test_settings_round_trip_and_checks():
    s = TrainingSettings(hidden=(4, 5), seed=7)
    assert TrainingSettings.from_dict(s.to_dict()) == s
    with pytest.raises(ConfigurationError):
        TrainingSettings(validation_fraction=0.7)
    if not torch.cuda.is_available():
        with pytest.raises(ConfigurationError, match="CUDA"):
            TrainingSettings(device="cuda")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
def test_cuda_training_gives_a_landscape_that_evaluates_in_float64():
    *_, data = ragged_data()
    settings = TrainingSettings(**{**TINY.__dict__, "device": "cuda"})
    landscape = ZennFitter(settings).fit(data).landscape_
    d = landscape.derivatives(np.array([145.0, 150.0]), np.array([300.0, 600.0]))
    assert d.F.dtype == np.float64 and np.isfinite(d.F_VVV).all()


def third_law_sources() -> tuple[PolynomialSource, ...]:
    """Two sources with F = E(V) - c(V) T^2: S = 0 at T = 0 for every volume."""
    def coeffs(e0, k, c2, dc2):
        c = np.zeros((3, 3))
        c[0, 0], c[2, 0], c[0, 2], c[1, 2] = e0, 0.5 * k, -c2, -dc2
        return c

    return (PolynomialSource("a", coeffs(-100.0, 0.012, 2e-7, 1e-9), 150.0, 2.0),
            PolynomialSource("b", coeffs(-99.97, 0.010, 3e-7, 2e-9), 154.0, 6.0))


def test_the_flat_low_temperature_input_is_used_only_where_the_data_obey_the_third_law():
    grid = dict(natoms=12, validation_fraction=0.0)
    lawful = per_source_training_data(third_law_sources(), [np.linspace(140, 164, 5)] * 2,
                                      [np.linspace(0, 1000, 5)] * 2, **grid)
    *_, residual = ragged_data(validation_fraction=0.0)  # F_T(V, 0) != 0
    short = TrainingSettings(**{**TINY.__dict__, "adam_epochs": 0, "lbfgs_iterations": 0})
    assert float(ZennFitter(short).fit(lawful).network_.norm.t_knee) == pytest.approx(
        short.low_temperature_knee * 1000.0)
    assert float(ZennFitter(short).fit(residual).network_.norm.t_knee) == 0.0
    # the DNN baseline keeps the plain linear (V, T) inputs
    dnn = DnnFitter(short).fit(lawful).network_.norm
    assert float(dnn.t_knee) == 0.0 and dnn.n_inputs == 2


def test_thermal_expansion_targets_are_fitted_as_relative_errors():
    from zenthermo.landscape.jets import Jet
    from zenthermo.landscape.losses import Rows, data_terms
    from zenthermo.landscape.train_data import TargetTable

    n = 3
    table = TargetTable(np.full(n, 150.0), np.array([10.0, 100, 500]), *np.zeros((3, n)),
                        np.zeros(n), np.array([-1e-9, -1e-6, -1e-5]), np.full(n, -1),
                        np.zeros(n, bool))
    rows = Rows.from_table(table, np.ones(n, bool), "cpu")
    off_by_ten_percent = torch.as_tensor(1.1 * table.F_VT)
    jet = Jet(*(torch.zeros(n),) * 5, off_by_ten_percent, None)
    scales = dict.fromkeys(("F", "F_V", "F_VV", "F_T", "F_VT"), 1e-5)
    relative = data_terms(jet, rows, scales, "", alpha_floor=1e-6)["F_VT"]
    absolute = data_terms(jet, rows, scales, "")["F_VT"]
    # relative: each row contributes ~(0.1)^2; absolute: only the largest row counts
    assert float(relative) == pytest.approx((0.1 ** 2) * 3 / 3, rel=0.05)
    assert float(absolute) == pytest.approx((0.1 ** 2) / 3, rel=0.02)


def test_near_critical_rows_of_f_vv_count_as_much_as_the_stiff_ones_with_a_floor():
    from zenthermo.landscape.jets import Jet
    from zenthermo.landscape.losses import Rows, data_terms
    from zenthermo.landscape.train_data import TargetTable

    # F_VV of a stiff row and of one next to the critical point (F_VV -> 0), both 10 % off
    n = 2
    F_VV = np.array([1e-2, 1e-4])
    table = TargetTable(np.full(n, 150.0), np.array([100.0, 160.0]), *np.zeros((2, n)),
                        F_VV, np.zeros(n), np.zeros(n), np.full(n, -1), np.zeros(n, bool))
    rows = Rows.from_table(table, np.ones(n, bool), "cpu")
    jet = Jet(*(torch.zeros(n),) * 3, torch.as_tensor(1.1 * F_VV), None, torch.zeros(n), None)
    scales = dict.fromkeys(("F", "F_V", "F_VV", "F_T", "F_VT"), 1e-2)
    floored = data_terms(jet, rows, scales, "", stiffness_floor=1e-3)["F_VV"]
    absolute = data_terms(jet, rows, scales, "")["F_VV"]
    # absolute: the near-critical row adds (1e-5 / 1e-2)^2, nothing; floored: ~(0.1)^2 / 1.1^2
    assert float(absolute) == pytest.approx((0.1 ** 2) / 2, rel=1e-3)
    assert float(floored) == pytest.approx((0.1 ** 2 / 1.001 ** 2 + 0.1 ** 2 / 1.1 ** 2) / 2,
                                           rel=1e-6)


def test_a_phonon_grid_is_thinned_densest_at_low_temperature_and_never_interpolated():
    from types import SimpleNamespace

    from zenthermo.landscape.train_data import source_temperature_grid

    grid = np.arange(0.0, 2001.0, 10.0)
    point = SimpleNamespace(vibrations=SimpleNamespace(temperatures=grid))
    source = SimpleNamespace(has_vibrations=True, points=(point, point))
    free_energy = SimpleNamespace(temperature_domain=(0.0, 2000.0))
    picked = source_temperature_grid(source, free_energy, 21, 1000.0)
    assert set(picked) <= set(grid) and picked[0] == 0.0 and picked[-1] == 1000.0
    assert (picked < 120).sum() >= 5  # the low-T NTE of Si lies there
    assert np.all(np.diff(picked) > 0) and np.diff(picked)[-1] >= 90
    debye = SimpleNamespace(has_vibrations=False)
    spread = source_temperature_grid(debye, SimpleNamespace(temperature_domain=(0.0, np.inf)),
                                     21, 1000.0)
    np.testing.assert_allclose(spread, 1000.0 * np.linspace(0, 1, 21) ** 2)

"""A deep ensemble of ZENN fits: its landscape is the members' mean (derivatives included),
its spread a band, and it travels as one model file; the parity figure says where the exact
landscape lies inside the band."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import three_source_set

from zenthermo.errors import ConfigurationError
from zenthermo.landscape.ensemble import EnsembleLandscape, fit_ensemble
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.landscape.model_file import load_model, save_model
from zenthermo.landscape.train import DnnFitter, TrainingSettings, ZennFitter
from zenthermo.landscape.train_data import per_source_training_data

TINY = TrainingSettings(hidden=(6, 6), dnn_hidden=(6, 6), adam_epochs=8, lbfgs_iterations=0,
                        collocation_points=(4, 3), validation_fraction=0.0, seed=4)
V, T = np.meshgrid(np.linspace(142, 162, 5), np.linspace(0, 1400, 4))


@pytest.fixture(scope="module")
def sources():
    return three_source_set()


@pytest.fixture(scope="module")
def data(sources):
    return per_source_training_data(sources, [np.linspace(140, 164, 5)] * 3,
                                    [np.linspace(0, 1500, 4)] * 3, natoms=12,
                                    composition={"Fe": 9, "Pt": 3}, validation_fraction=0.0)


@pytest.fixture(scope="module")
def ensemble(data):
    return fit_ensemble(ZennFitter, TINY, data, members=3)


def test_members_differ_only_in_their_seed(ensemble):
    assert ensemble.size == 3 and ensemble.method == "zenn"
    assert [m.settings["seed"] for m in ensemble.members] == [4, 5, 6]
    first, second = (m.derivatives(V, T).F for m in ensemble.members[:2])
    assert not np.allclose(first, second)


def test_the_landscape_and_every_derivative_are_the_members_mean(ensemble):
    mean = ensemble.derivatives(V, T)
    each = ensemble.member_derivatives(V, T)
    for name, value in mean.as_dict().items():
        np.testing.assert_allclose(value, np.mean([d.as_dict()[name] for d in each], axis=0),
                                   rtol=1e-12, err_msg=name)
    p = ensemble.probabilities(V, T)
    assert p.shape == (3, *V.shape)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-12)
    # the ensemble is analysed as any landscape
    from zenthermo.thermo.analysis import analyze

    analysis = analyze(ensemble, [0.0], np.linspace(0.0, 600.0, 7), phase_diagram=False)
    assert analysis.method == "zenn" and np.all(np.isfinite(analysis.isobars[0].V_A3))


def test_the_band_is_the_mean_plus_minus_two_sample_deviations(ensemble):
    values = [np.array([1.0, 2.0]), np.array([3.0, 2.0]), np.array([5.0, 2.0])]
    low, high = ensemble.band(values)
    np.testing.assert_allclose(low, [3.0 - 4.0, 2.0])
    np.testing.assert_allclose(high, [3.0 + 4.0, 2.0])


def test_an_ensemble_is_one_model_file(ensemble, tmp_path):
    path = tmp_path / "ensemble.pt"
    save_model(ensemble, path)
    loaded = load_model(path)
    assert isinstance(loaded, EnsembleLandscape) and loaded.size == 3
    for name, value in ensemble.derivatives(V, T).as_dict().items():
        np.testing.assert_array_equal(value, loaded.derivatives(V, T).as_dict()[name])
    assert loaded.source_names == ensemble.source_names
    assert loaded.volume_domain == ensemble.volume_domain


def test_members_must_be_alike_and_at_least_two(ensemble, data):
    with pytest.raises(ConfigurationError, match="at least 2"):
        EnsembleLandscape(ensemble.members[:1])
    with pytest.raises(ConfigurationError, match="at least 2"):
        fit_ensemble(ZennFitter, TINY, data, members=1)
    dnn = DnnFitter(TINY).fit(data).landscape_
    with pytest.raises(ConfigurationError, match="differ"):
        EnsembleLandscape([ensemble.members[0], dnn])


def test_the_parity_figure_shows_the_band_and_whether_exact_is_inside(ensemble, sources,
                                                                     tmp_path):
    from zenthermo.report.figures_zenn import ensemble_coverage, plot_zenn_vs_exact

    exact = ExactZentropy(sources)
    coverage = ensemble_coverage(ensemble, exact, V, T)
    for key in ("F", "P", "B"):
        low, high, inside = coverage[key]
        assert np.all(low <= high) and 0.0 <= inside <= 1.0
    # the exact landscape as its own three-member "ensemble" lies inside its zero-width band
    same = EnsembleLandscape([exact, exact, exact])
    assert all(share == 1.0 for *_, share in ensemble_coverage(same, exact, V, T).values())
    plot_zenn_vs_exact(ensemble, exact, tmp_path, nv=6, nt=5)
    svg = (tmp_path / "zenn_vs_exact.svg").read_text(encoding="utf-8")
    assert "ensemble (mean of 3 seeds" in svg and "exact inside the band at" in svg


def test_the_members_analyses_give_intervals_about_the_ensembles(ensemble):
    from zenthermo.report.summary import summary_dict
    from zenthermo.thermo.analysis import analyze
    from zenthermo.uncertainty.ensemble import ensemble_intervals

    T_grid = np.linspace(0.0, 600.0, 7)
    central = analyze(ensemble, [0.0], T_grid, phase_diagram=False)
    bars = ensemble_intervals(central, ensemble, ci=(5.0, 50.0, 95.0), phase_diagram=False)
    assert (bars.method, bars.members, bars.failed_members) == ("ensemble", 3, 0)
    assert bars.critical_point is None and "3 ensemble members" in bars.warnings[0]
    members = np.array([analyze(m, [0.0], T_grid, phase_diagram=False).isobars[0].V_A3
                        for m in ensemble.members])
    low, _, high = bars.isobars[0].V_A3
    np.testing.assert_allclose(low, np.percentile(members, 5.0, axis=0))
    np.testing.assert_allclose(high, np.percentile(members, 95.0, axis=0))
    assert set(bars.isobars[0].probabilities) == set(ensemble.source_names)
    assert summary_dict(central, bars)["uncertainty"]["method"] == "ensemble"


def test_members_fitted_by_a_map_function_across_a_process_boundary_are_the_same(data, ensemble):
    """A map function (the Dask engine's on a cluster) gets picklable tasks and gives back
    picklable landscapes: members as if fitted here."""
    import pickle

    def pickling_map(func, items):
        return [pickle.loads(pickle.dumps(func(pickle.loads(pickle.dumps(item)))))
                for item in items]

    mapped = fit_ensemble(ZennFitter, TINY, data, members=3, map_fn=pickling_map)
    for here, there in zip(ensemble.members, mapped.members, strict=True):
        np.testing.assert_array_equal(here.derivatives(V, T).F, there.derivatives(V, T).F)


def test_zenthermo_analyze_gives_an_ensemble_model_its_members_error_bars(tmp_path, ensemble):
    import json

    from zenthermo.cli import main

    save_model(ensemble, tmp_path / "ensemble.pt")
    assert main(["analyze", str(tmp_path / "ensemble.pt"), "-o", str(tmp_path / "out"),
                 "--quiet", "--no-phase-diagram", "--tstep", "100"]) == 0
    uncertainty = json.loads((tmp_path / "out" / "summary.json").read_text())["uncertainty"]
    assert uncertainty["method"] == "ensemble" and uncertainty["members"] == 3
    # a single model has none
    save_model(ensemble.members[0], tmp_path / "one.pt")
    assert main(["analyze", str(tmp_path / "one.pt"), "-o", str(tmp_path / "out1"),
                 "--quiet", "--no-phase-diagram", "--tstep", "100"]) == 0
    assert json.loads((tmp_path / "out1" / "summary.json").read_text())["uncertainty"] is None

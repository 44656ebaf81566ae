"""ZENN's split F_k = E_k - T S_k: S_k is taught the source's entropy -dF_k/dT (so E_k is its
internal energy), the split is reported per source, and with the entropy-fluctuation term
the system-level targets are the sum the landscape evaluates."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from synthetic import PolynomialSource
from test_zenn import make_network

from zenthermo.errors import FitError
from zenthermo.landscape.jets import Jet
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.train import TrainingSettings, ZennFitter
from zenthermo.landscape.train_data import (
    per_source_training_data,
    source_entropy_jet,
    training_data_from_sources,
    zentropy_targets,
)
from zenthermo.landscape.zenn import ZennLandscape, combine_sources
from zenthermo.landscape.zentropy import fluctuation_penalty
from zenthermo.report.source_energies import write_source_energies
from zenthermo.units import KB_EV_PER_K

SHORT = TrainingSettings(hidden=(8, 8), adam_epochs=60, lbfgs_iterations=20, evaluate_every=20,
                         collocation_points=(6, 4), n_volumes=5, n_temperatures=7,
                         max_temperature=800.0, validation_fraction=0.0)


def landscape_of(network, names=("a", "b", "c")) -> ZennLandscape:
    return ZennLandscape(network, 12, names, (136.0, 164.0), (0.0, 1500.0))


def test_the_reported_energy_and_entropy_add_up_to_the_learned_free_energy():
    landscape = landscape_of(make_network(t_knee=60.0, t_low=150.0))
    V, T = np.meshgrid(np.linspace(138, 162, 5), np.linspace(0, 1400, 6), indexing="ij")
    learned = landscape.source_derivatives(V, T, fields=("F", "F_T"))
    # by default Gibbs-Helmholtz: S_k = -dF_k/dT, E_k = F_k + T S_k
    F, E, S = landscape.source_energy_entropy(V, T)
    assert F.shape == E.shape == S.shape == (3, *V.shape)
    for k in range(3):
        np.testing.assert_array_equal(F[k], learned[k].F)
        np.testing.assert_allclose(S[k], -learned[k].F_T, rtol=0, atol=1e-15)
    np.testing.assert_allclose(F, E - T * S, rtol=0, atol=1e-12)
    # the networks' own split: the same F_k, S_k >= 0 and S_k(V, 0) = 0 by construction
    F_n, E_n, S_n = landscape.source_energy_entropy(V, T, networks=True)
    np.testing.assert_allclose(F_n, F, rtol=0, atol=1e-12)
    np.testing.assert_allclose(F_n, E_n - T * S_n, rtol=0, atol=1e-12)
    assert np.all(S_n >= 0) and np.all(S_n[:, :, 0] == 0)


def _entropy_rmse(fitter) -> float:
    """RMS of the entropy networks' S_k - (-F_k,T of its source), k_B per atom."""
    ps = fitter.data_.per_source
    _, _, S = fitter.landscape_.source_energy_entropy(ps.V, ps.T, networks=True)
    learned = S[ps.source, np.arange(len(ps))]
    return float(np.sqrt(np.mean((learned + ps.F_T) ** 2)) / KB_EV_PER_K / fitter.data_.natoms)


@pytest.mark.slow
def test_taught_entropy_networks_learn_the_debye_sources_entropies():
    from zenthermo.data import load_default_sources

    data = training_data_from_sources(load_default_sources(), vibrations="debye",
                                      **SHORT.data_options())
    taught = ZennFitter(SHORT, weight_intrinsic_entropy=1.0).fit(data)
    assert "source S_k" in taught.history_["final_train_terms"]
    # Debye entropies reach ~6-7 k_B/atom at 800 K; untaught, the networks' S_k is off
    # them by ~1 k_B/atom (1.2 on the Fe3Pt benchmark)
    assert _entropy_rmse(taught) < 0.2
    # the reported (Gibbs-Helmholtz) split: the source's entropy and internal energy
    ps = data.per_source
    rows = np.arange(len(ps))
    _, E, S = taught.landscape_.source_energy_entropy(ps.V, ps.T)
    s_err = (S[ps.source, rows] + ps.F_T) / KB_EV_PER_K / data.natoms
    assert np.sqrt(np.mean(s_err ** 2)) < 0.3
    # E_k - U_k = T (S_k - S): within ~T x that error (an arbitrary split: ~66 meV/atom)
    e_err = (E[ps.source, rows] - (ps.F - ps.T * ps.F_T)) / data.natoms
    assert np.sqrt(np.mean(e_err ** 2)) < 0.015


def test_without_the_fluctuation_term_the_networks_split_is_not_taught():
    data = per_source_training_data(_sources(), [np.linspace(142, 160, 4)] * 2,
                                    [np.linspace(0, 900, 4)] * 2, natoms=12,
                                    validation_fraction=0.0)
    short = dict(adam_epochs=1, lbfgs_iterations=0, hidden=(4, 4), collocation_points=(3, 3))
    assert "source S_k" not in ZennFitter(**short).fit(data).history_["final_train_terms"]
    taught = ZennFitter(**short, weight_intrinsic_entropy=0.5).fit(data)
    assert "source S_k" in taught.history_["final_train_terms"]


def _entropy_source(source: PolynomialSource) -> PolynomialSource:
    """S = -F_T of a polynomial source, itself as a polynomial 'source' (exact derivatives)."""
    c = source.coefficients
    s = -(c[:, 1:] * np.arange(1, c.shape[1]))
    return PolynomialSource(source.name, s, source.v_ref)


def _sources() -> tuple[PolynomialSource, ...]:
    def coeffs(e0, k, c1, c2, dc2, ddc2):
        c = np.zeros((3, 3))
        c[0, 0], c[2, 0], c[0, 1], c[0, 2], c[1, 2], c[2, 2] = e0, 0.5 * k, -c1, -c2, -dc2, -ddc2
        return c

    return (PolynomialSource("a", coeffs(-100.0, 0.012, 1e-5, 2e-7, 1e-9, 3e-11), 150.0, 2.0),
            PolynomialSource("b", coeffs(-99.99, 0.010, 2e-5, 3e-7, 2e-9, 1e-11), 154.0, 6.0))


def test_with_the_fluctuation_term_the_system_targets_are_the_sum_zenn_evaluates():
    sources, gamma = _sources(), 2.0
    V, T = np.meshgrid(np.linspace(142, 160, 7), np.linspace(0, 900, 8), indexing="ij")
    V, T = V.ravel(), T.ravel()
    derivs = [s.derivatives(V, T) for s in sources]
    g = np.array([s.multiplicity for s in sources])
    got = zentropy_targets(derivs, g, V, T, gamma, [source_entropy_jet(s, V, T) for s in sources])
    # the network's own sum (ZennNetwork.combine) with exact entropy jets
    free = Jet(*(torch.as_tensor(np.stack([getattr(d, n) for d in derivs]))
                 for n in ("F", "F_V", "F_T", "F_VV", "F_TT", "F_VT", "F_VVV")))
    exact_s = [_entropy_source(s).derivatives(V, T) for s in sources]
    entropy = Jet(*(torch.as_tensor(np.stack([getattr(d, n) for d in exact_s]))
                    for n in ("F", "F_V", "F_T", "F_VV", "F_TT", "F_VT", "F_VVV")))
    T_t = torch.as_tensor(T, dtype=DTYPE)
    shifted = free.plus(fluctuation_penalty(entropy, T_t, gamma)).restrict(
        frozenset({"f", "v", "t", "vv", "vt"}))
    want, _ = combine_sources(shifted, torch.log(torch.as_tensor(g)), T_t)
    for name, field in (("F", "f"), ("F_V", "v"), ("F_VV", "vv"), ("F_T", "t"), ("F_VT", "vt")):
        expected = getattr(want, field).numpy()
        np.testing.assert_allclose(got[name], expected, rtol=1e-6,
                                   atol=1e-9 * np.abs(expected).max(), err_msg=name)
    # and the penalty matters: without it the targets differ
    plain = zentropy_targets(derivs, g, V, T)
    assert np.abs(plain["F"] - got["F"]).max() > 1e-3


def test_data_and_fit_must_agree_on_the_fluctuation_term():
    sources = _sources()
    grid = ([np.linspace(142, 160, 5)] * 2, [np.linspace(0, 900, 5)] * 2)
    data = per_source_training_data(sources, *grid, natoms=12, validation_fraction=0.0,
                                    entropy_fluctuation_gamma=2.0)
    assert data.entropy_fluctuation_gamma == 2.0
    short = dict(adam_epochs=0, lbfgs_iterations=0, hidden=(4, 4))
    with pytest.raises(FitError, match="entropy_fluctuation_gamma"):
        ZennFitter(**short).fit(data)
    fitter = ZennFitter(**short, entropy_fluctuation_gamma=2.0).fit(data)
    # the landscape's total is the sum the training compared with the targets
    landscape, c = fitter.landscape_, data.combined
    F_k, _, S_k = landscape.source_energy_entropy(c.V, c.T, networks=True)
    shifted = F_k + c.T * S_k ** 2 / (4.0 * KB_EV_PER_K)
    beta = 1 / (KB_EV_PER_K * np.maximum(c.T, 1e-300))
    x = np.log(data.multiplicities)[:, None] - beta * shifted
    top = x.max(axis=0)
    by_hand = np.where(c.T > 0, -(top + np.log(np.exp(x - top).sum(axis=0))) / beta,
                       shifted.min(axis=0))
    np.testing.assert_allclose(landscape.derivatives(c.V, c.T, fields=("F",)).F, by_hand,
                               rtol=0, atol=1e-9)


def test_the_per_source_energies_and_entropies_are_written_along_each_isobar(tmp_path):
    landscape = landscape_of(make_network(t_knee=60.0, t_low=150.0), ("cfg_a", "cfg_b", "c"))
    T = np.array([0.0, 300.0, 600.0])
    isobar = SimpleNamespace(P_GPa=0.0, T_K=T, V_A3=np.array([150.0, 151.0, np.nan]),
                             extrapolated=np.array([False, False, True]))
    paths = write_source_energies(landscape, SimpleNamespace(isobars=[isobar]), tmp_path)
    assert [p.name for p in paths] == ["sources_P0GPa.csv"]
    with open(paths[0], newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {"T_K", "V_A3", "extrapolated", "F_cfg_a_eV", "E_cfg_a_eV", "S_cfg_a_eV_per_K",
            "S_c_eV_per_K"} <= set(rows[0])
    for row in rows[:2]:
        F, E, S = (float(row[f"{q}_cfg_b_{u}"]) for q, u in (("F", "eV"), ("E", "eV"),
                                                            ("S", "eV_per_K")))
        assert F == pytest.approx(E - float(row["T_K"]) * S, abs=1e-9)
    assert rows[2]["F_cfg_a_eV"] == "" and rows[2]["extrapolated"] == "true"
    # a landscape without per-source parts (exact, DNN, ensemble) writes nothing
    assert write_source_energies(object(), SimpleNamespace(isobars=[isobar]), tmp_path) == []


def test_the_entropy_terms_measure_the_split_against_the_sources_or_itself():
    from zenthermo.landscape.losses import Rows, entropy_terms
    from zenthermo.landscape.train_data import TargetTable

    n, scale = 4, 1e-3
    F_T = -np.array([0.0, 1e-3, 2e-3, 3e-3])
    table = TargetTable(np.full(n, 150.0), np.linspace(0, 900, n), *np.zeros((3, n)), F_T,
                        np.zeros(n), np.full(n, -1), np.zeros(n, bool))
    rows = Rows.from_table(table, np.ones(n, bool), "cpu")
    exact = torch.as_tensor(-F_T)
    free = Jet(torch.zeros(n), None, torch.as_tensor(F_T), None, None, None, None)
    entropy = Jet(exact, None, None, None, None, None, None)
    # against the source's entropy (per-source mode)
    assert float(entropy_terms(free, entropy, rows, scale, "source ")["source S_k"]) == 0.0
    off = Jet(exact + 1e-3, None, None, None, None, None, None)
    assert float(entropy_terms(free, off, rows, scale, "source ")["source S_k"]) == \
        pytest.approx(1.0)
    # against the learned F_k itself (system mode: Gibbs-Helmholtz)
    assert float(entropy_terms(free, entropy, None, scale, "system ")[
        "system S_k = -F_k,T"]) == 0.0
    assert float(entropy_terms(free, off, None, scale, "system ")[
        "system S_k = -F_k,T"]) == pytest.approx(1.0)


def test_in_system_mode_only_the_fluctuation_term_asks_for_the_split():
    from synthetic import mean_field_sources

    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.landscape.system_data import system_training_data

    sources, _ = mean_field_sources()
    V, T = (x.ravel() for x in np.meshgrid(np.linspace(140, 160, 6), np.linspace(0, 900, 5),
                                           indexing="ij"))
    table = SimpleNamespace(V_A3=V, T_K=T, F_eV=ExactZentropy(sources).derivatives(V, T).F)
    data = system_training_data(table, 2, validation_fraction=0.0)
    short = dict(hidden=(6, 6), adam_epochs=2, lbfgs_iterations=0, collocation_points=(4, 3))
    plain = ZennFitter(**short).fit(data).history_["final_train_terms"]
    assert not any("S_k" in name for name in plain)
    fluctuating = ZennFitter(**short, entropy_fluctuation_gamma=3.0).fit(data)
    assert fluctuating.history_["final_train_terms"]["system S_k = -F_k,T"] > 0

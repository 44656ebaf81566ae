"""System mode's spline F_V and F_VV targets: accurate on an exact table, with an error
estimate that bounds their error, and weights that fall by themselves on a noisy or a
coarse table (docs/zenn.md, "System mode")."""

from __future__ import annotations

import numpy as np
import torch

from zenthermo.io.free_energy_table import FreeEnergyTable
from zenthermo.landscape.losses import Rows, data_terms
from zenthermo.landscape.system_data import SPLINE_LOWEST, system_training_data
from zenthermo.landscape.table_derivatives import (
    noise_level,
    trust_weights,
    volume_derivatives,
)


def smooth(V, T):
    """F (eV) with its exact F_V and F_VV: a well with a T-dependent ripple."""
    x = (V - 150.0) / 3.0
    a = 0.002 * (1 + T / 1000.0)
    return (0.01 * (V - 150) ** 2 + a * np.sin(x) - 1e-4 * T,
            0.02 * (V - 150) + a * np.cos(x) / 3.0,
            0.02 - a * np.sin(x) / 9.0)


def grid(n_v, n_t=12):
    V, T = (a.ravel() for a in np.meshgrid(np.linspace(140.0, 160.0, n_v),
                                           np.linspace(0.0, 990.0, n_t), indexing="ij"))
    return V, T


def test_an_exact_table_gives_its_curvature_to_1e_8_with_an_error_estimate_that_bounds_it():
    V, T = grid(91)
    F, F_V, F_VV = smooth(V, T)
    d = volume_derivatives(V, T, F, np.ones(V.size, bool))
    np.testing.assert_allclose(d["F_V"], F_V, atol=1e-9)
    np.testing.assert_allclose(d["F_VV"], F_VV, atol=1e-8)  # the fits' error: 1e-4
    for name, exact in (("F_V", F_V), ("F_VV", F_VV)):
        assert (np.abs(d[name] - exact) <= d[f"{name} error"] + 1e-15).all()
        assert d[f"{name} error"].max() < 1e-6


def test_noise_is_measured_and_turns_the_curvature_targets_down():
    V, T = grid(91, 30)
    F, _, F_VV = smooth(V, T)
    weights = []
    for sigma in (0.0, 1e-6, 1e-5, 1e-4):  # eV per cell; 1e-4: 0.025 meV/atom for 4 atoms
        noisy = F + np.random.default_rng(0).normal(0.0, sigma, F.shape)
        d = volume_derivatives(V, T, noisy, np.ones(V.size, bool))
        if sigma:
            assert 0.8 * sigma < float(d["noise"]) < 1.6 * sigma
            # the estimate covers the error the noise causes (all but a few rows)
            assert np.mean(np.abs(d["F_VV"] - F_VV) > 2 * d["F_VV error"]) < 0.01
        weights.append(trust_weights(d["F_VV error"], 0.01 * 0.02).mean())
    assert weights[0] > 0.99 and weights[-1] < 0.01
    assert all(a > b for a, b in zip(weights, weights[1:], strict=False))


def test_a_coarser_table_and_a_kink_are_trusted_less():
    fine, coarse = grid(91), grid(21)
    w = [trust_weights(volume_derivatives(V, T, smooth(V, T)[0], np.ones(V.size, bool))
                       ["F_VV error"], 1e-7).mean() for V, T in (fine, coarse)]
    assert w[0] > 0.9 and w[1] < 0.5 * w[0]
    # a kink at the lowest temperatures (a hard switch between two configurations)
    V, T = fine
    cold = T < 100
    F = np.where(cold, np.minimum((V - 146) ** 2, (V - 154) ** 2) * 0.01, smooth(V, T)[0])
    w = trust_weights(volume_derivatives(V, T, F, np.ones(V.size, bool))["F_VV error"], 1e-4)
    assert (w[cold & (np.abs(V - 150) < 0.5)] < 1e-3).all()
    assert (w[~cold] > 0.99).all()


def test_noise_level_is_robust_to_a_few_unresolved_rows():
    r = np.random.default_rng(1).normal(0.0, 1e-5, 1000)
    r[:50] = 1.0
    assert 0.9e-5 < noise_level(r) < 1.2e-5


def test_system_data_carry_weighted_spline_targets_from_their_own_rows():
    V, T = grid(61, 40)
    F, F_V, F_VV = smooth(V, T)
    table = FreeEnergyTable(V, T, F)
    c = system_training_data(table, 2, seed=3).combined  # on by default
    warm = c.T >= SPLINE_LOWEST * T.max()  # none below (the low-temperature mixing)
    assert 0 < (~warm).sum() < warm.sum()
    for name in ("F_V", "F_VV"):
        assert np.isfinite(getattr(c, name)[warm]).all()
        assert np.isnan(getattr(c, name)[~warm]).all()
    lookup = dict(zip(zip(V, T, strict=True), F_VV, strict=True))
    np.testing.assert_allclose(c.F_VV[warm],
                               [lookup[p] for p in zip(c.V[warm], c.T[warm], strict=True)],
                               atol=1e-6)
    assert c.weights is not None and c.weights["F_VV"][warm].min() > 0.9
    # the training rows' targets come from the training rows: spoil a validation row's F
    held = np.flatnonzero(~np.isin(V, c.V[~c.validation]))[0]
    spoilt = F.copy()
    spoilt[held] += 1.0
    d = system_training_data(FreeEnergyTable(V, T, spoilt), 2, seed=3).combined
    np.testing.assert_array_equal(d.F_VV[~d.validation], c.F_VV[~c.validation])
    off = system_training_data(table, 2, seed=3, spline_tolerance=0.0).combined
    assert np.isnan(off.F_VV).all() and np.isnan(off.F_V).all() and off.weights is None


def rippled(n_v):
    """A table with a curvature ripple of 2 pi A^3 wavelength, n_v volumes over 20 A^3."""
    V, T = grid(n_v, 40)
    F = 0.01 * (V - 150) ** 2 + 0.002 * (1 + T / 1000) * np.sin(V - 150) - 1e-4 * T
    return FreeEnergyTable(V, T, F)


def test_a_table_that_does_not_resolve_its_curvature_gets_no_spline_targets_at_all():
    """All or nothing: partly trusted targets gave no gain on a coarse or noisy table."""
    def targets(table):
        c = system_training_data(table, 2, seed=3).combined
        return c.weights is not None, int(np.isfinite(c.F_VV).sum() + np.isfinite(c.F_V).sum())

    assert targets(rippled(61))[0] and targets(rippled(61))[1] > 1000
    assert targets(rippled(41)) == (False, 0)  # 3 volumes per radian: too coarse
    smooth_table = FreeEnergyTable(*grid(61, 40), smooth(*grid(61, 40))[0])
    assert targets(smooth_table)[0]
    for sigma in (1e-5, 1e-4):  # eV per cell of noise: F_VV weights 0.09 and 0.001
        noisy = FreeEnergyTable(smooth_table.V_A3, smooth_table.T_K, smooth_table.F_eV
                                + np.random.default_rng(2).normal(0, sigma, 61 * 40))
        assert targets(noisy) == (False, 0)


def test_the_loss_weighs_each_row_by_its_trust():
    V, T = grid(61, 40)
    F, _, _ = smooth(V, T)
    c = system_training_data(FreeEnergyTable(V, T, F), 2, seed=3).combined
    assert c.weights is not None
    c.weights["F_VV"][:] = 0.0
    c.weights["F_VV"][np.flatnonzero(np.isfinite(c.F_VV))[0]] = 1.0
    rows = Rows.from_table(c, np.isfinite(c.F_VV), "cpu")
    target = rows.targets["F_VV"]
    shifted = target.clone()
    shifted[1:] += 1.0  # wrong wherever the weight is 0
    from zenthermo.landscape.jets import Jet
    jet = Jet(rows.V, None, None, shifted, None, None, None)
    term = data_terms(jet, rows, {"F": 1.0, "F_VV": 1.0}, "")["F_VV"]
    assert float(term) == 0.0
    shifted[0] += 2.0
    term = data_terms(jet, rows, {"F": 1.0, "F_VV": 1.0}, "")["F_VV"]
    assert torch.isclose(term, torch.tensor(4.0 / len(rows), dtype=term.dtype))

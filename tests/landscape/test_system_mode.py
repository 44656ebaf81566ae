"""System mode on large tables: the thinned training rows, the grid derivative targets, and
the flat low-temperature input."""

from __future__ import annotations

import numpy as np

from zenthermo.io.free_energy_table import FreeEnergyTable
from zenthermo.landscape.initialise import obeys_third_law
from zenthermo.landscape.system_data import (
    grid_derivatives,
    lattice_subsample,
    system_training_data,
)


def grid_table(n_v=91, n_t=100, t0=0.0, t1=990.0, F=None):
    V, T = (a.ravel() for a in np.meshgrid(np.linspace(140.0, 160.0, n_v),
                                           np.linspace(t0, t1, n_t), indexing="ij"))
    values = 0.01 * (V - 150.0) ** 2 - 1e-4 * T - 1e-7 * V * T if F is None else F(V, T)
    return FreeEnergyTable(V, T, values)


# -- thinning a large table ------------------------------------------------------------

def test_a_large_table_is_thinned_keeping_every_training_volume_and_temperature():
    table = grid_table()
    data = system_training_data(table, 3, seed=2, max_rows=1000)
    c = data.combined
    train, val = ~c.validation, c.validation
    assert 900 <= train.sum() <= 1100 and val.sum() <= 560
    full = system_training_data(table, 3, seed=2, max_rows=None).combined
    # every volume and temperature that the full table trains on is still trained on
    for name in ("V", "T"):
        kept = np.unique(getattr(c, name)[train])
        np.testing.assert_array_equal(kept, np.unique(getattr(full, name)[~full.validation]))
    # validation rows stay disjoint from the training rows: their V or T is held out
    held_v = set(np.unique(full.V)) - set(full.V[~full.validation])
    held_t = set(np.unique(full.T)) - set(full.T[~full.validation])
    assert held_v and held_t
    assert all(v in held_v or t in held_t for v, t in zip(c.V[val], c.T[val], strict=True))
    assert not any(v in held_v or t in held_t for v, t in zip(c.V[train], c.T[train],
                                                                strict=True))
    # the targets are the table's own rows
    lookup = dict(zip(zip(table.V_A3, table.T_K, strict=True), table.F_eV, strict=True))
    np.testing.assert_array_equal(c.F, [lookup[p] for p in zip(c.V, c.T, strict=True)])


def test_thinning_is_deterministic_for_a_seed_and_changes_with_it():
    table = grid_table()
    a, b = (system_training_data(table, 3, seed=5).combined for _ in range(2))
    np.testing.assert_array_equal(a.V, b.V)
    np.testing.assert_array_equal(a.T, b.T)
    other = system_training_data(table, 3, seed=6).combined
    assert a.V.size != other.V.size or not np.array_equal(a.V, other.V)


def test_a_small_table_keeps_every_row():
    table = grid_table(20, 15)
    assert len(system_training_data(table, 2, max_rows=1000).combined) == 300


def test_a_scattered_table_keeps_every_volume_and_temperature_too():
    rng = np.random.default_rng(0)
    V, T = rng.uniform(140, 160, 3000).round(1), rng.uniform(0, 1000, 3000).round(0)
    keep = lattice_subsample(V, T, np.ones(V.size, bool), 200, rng)
    assert keep.sum() < 1000
    assert set(V[keep]) == set(V) and set(T[keep]) == set(T)


# -- derivative targets from a full grid ----------------------------------------------

def test_grid_derivatives_are_exact_for_quadratics_and_miss_sharp_features():
    table = grid_table(41, 30, F=lambda V, T: (0.01 * (V - 150) ** 2 - 1e-8 * V * T ** 2
                                               + 1e-9 * V ** 2 * T))
    V, T = table.V_A3, table.T_K
    d = grid_derivatives(V, T, table.F_eV, np.ones(V.size, bool),
                         ("F_V", "F_VV", "F_T", "F_VT"))
    np.testing.assert_allclose(d["F_V"], 0.02 * (V - 150) - 1e-8 * T ** 2 + 2e-9 * V * T,
                               atol=1e-12)
    np.testing.assert_allclose(d["F_VV"], 0.02 + 2e-9 * T, rtol=1e-8)
    np.testing.assert_allclose(d["F_T"], -2e-8 * V * T + 1e-9 * V ** 2, atol=1e-12)
    np.testing.assert_allclose(d["F_VT"], -2e-8 * T + 2e-9 * V, atol=1e-12)
    # a kink in V (a hard minimum of two parabolas) is left without F_VV targets near it
    kinked = grid_table(41, 30, F=lambda V, T: np.minimum((V - 146) ** 2, (V - 154) ** 2))
    d = grid_derivatives(kinked.V_A3, kinked.T_K, kinked.F_eV, np.ones(V.size, bool),
                         ("F_VV",))
    assert np.isnan(d["F_VV"][np.abs(kinked.V_A3 - 150) < 0.3]).all()
    np.testing.assert_allclose(d["F_VV"][np.abs(kinked.V_A3 - 150) > 3], 2.0)


def test_training_derivatives_use_training_rows_only_and_scattered_tables_get_none():
    table = grid_table(31, 34, F=lambda V, T: 0.01 * (V - 150) ** 2 - 1e-7 * V * T)
    off = {"spline_tolerance": 0.0}  # no spline targets (tests/landscape/test_table_derivatives)
    assert np.isnan(system_training_data(table, 2, seed=1, **off).combined.F_V).all()
    fields = ("F_V", "F_T", "F_VT")
    c = system_training_data(table, 2, seed=1, derivatives=fields, **off).combined
    assert np.isfinite(c.F_V).all() and np.isfinite(c.F_VT).all() and np.isnan(c.F_VV).all()
    np.testing.assert_allclose(c.F_VT, -1e-7, rtol=1e-9)
    # spoil one validation row's F: the training rows' targets do not move
    spoilt = table.F_eV.copy()
    held = np.flatnonzero(~np.isin(table.V_A3, c.V[~c.validation]))[0]
    spoilt[held] += 1.0
    d = system_training_data(FreeEnergyTable(table.V_A3, table.T_K, spoilt), 2, seed=1,
                             derivatives=fields, **off)
    train = ~d.combined.validation
    np.testing.assert_array_equal(d.combined.F_V[train], c.F_V[~c.validation])
    scattered = FreeEnergyTable(table.V_A3[:-1], table.T_K[:-1], table.F_eV[:-1])
    assert np.isnan(system_training_data(scattered, 2, derivatives=fields,
                                         **off).combined.F_V).all()


# -- the flat low-temperature input -------------------------------------------------

def test_the_flat_input_is_used_for_an_F_table_that_reaches_low_temperatures():
    assert obeys_third_law(system_training_data(grid_table(10, 10), 2), 0.04)
    assert not obeys_third_law(system_training_data(grid_table(10, 10, t0=100.0), 2), 0.04)
    assert not obeys_third_law(system_training_data(grid_table(10, 10), 2), 0.0)

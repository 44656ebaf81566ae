"""Isobars at many pressures share the volume scan: the same numbers as one call per pressure,
and the scan is evaluated once whatever the number of pressures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from synthetic import mean_field_sources

from zenthermo.errors import DomainError
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.thermo import scan
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.isobar import compute_isobar, compute_isobars
from zenthermo.thermo.newton import FINAL_FIELDS, NEWTON_FIELDS

T_GRID = np.linspace(0.0, 1600.0, 161)
PRESSURES = (-1.0, 0.0, 0.5, 1.0, 2.0, 3.0)


class CountingLandscape:
    """An exact landscape that records the shape and fields of every derivatives call."""

    def __init__(self, inner):
        self.inner = inner
        self.calls = []
        for name in ("method", "natoms", "source_names", "multiplicities", "volume_domain",
                     "temperature_domain", "probabilities"):
            setattr(self, name, getattr(inner, name))

    def derivatives(self, V, T, fields=None):
        shape = np.broadcast_shapes(np.shape(V), np.shape(T))
        self.calls.append((shape, tuple(fields or ())))
        return self.inner.derivatives(V, T, fields=fields)


@pytest.fixture(scope="module")
def double_well():
    sources, _ = mean_field_sources()
    return ExactZentropy(sources)


def assert_isobars_equal(a, b, rtol=0.0):
    """Field by field: flags, temperatures and the metastable temperatures exactly; the
    numbers exactly or, with ``rtol``, to rtol of each array's largest magnitude."""
    def same(x, y, name):
        if rtol == 0.0 or x.dtype == bool or name in ("T_K",):
            np.testing.assert_array_equal(x, y, err_msg=name)
        else:
            finite = np.abs(x[np.isfinite(x)])
            np.testing.assert_allclose(x, y, rtol=rtol, atol=rtol * np.max(finite, initial=0),
                                       err_msg=name)

    for field in dataclasses.fields(a):
        x, y = getattr(a, field.name), getattr(b, field.name)
        if isinstance(x, np.ndarray):
            same(x, y, field.name)
        elif isinstance(x, dict):
            assert x.keys() == y.keys()
            for key in x:
                same(x[key], y[key], key)
        elif field.name == "metastable" and x is not None:
            np.testing.assert_array_equal(x.T_K, y.T_K)
            same(x.V_A3, y.V_A3, "metastable V")
            same(x.G_eV, y.G_eV, "metastable G")
        else:
            assert x == y, field.name


def test_many_pressures_equal_one_call_per_pressure(double_well):
    together = compute_isobars(double_well, PRESSURES, T_GRID)
    assert [i.P_GPa for i in together] == list(PRESSURES)
    for P, isobar in zip(PRESSURES, together, strict=True):
        assert_isobars_equal(isobar, compute_isobar(double_well, P, T_GRID))
    assert any(i.metastable is not None for i in together)  # the two-phase region is covered


def test_the_volume_scan_runs_once_for_all_pressures(double_well):
    counting = CountingLandscape(double_well)
    compute_isobars(counting, PRESSURES, T_GRID, n_volume_grid=101)
    scans = [fields for shape, fields in counting.calls if shape == (101, T_GRID.size)]
    assert scans == [("F_V",)]
    # the Newton polish asks for its step's fields or every property field; nothing for F_VVV
    assert all("F_VVV" not in fields for _, fields in counting.calls)
    assert {fields for _, fields in counting.calls} <= {("F_V",), NEWTON_FIELDS, FINAL_FIELDS}


def test_analysis_at_many_pressures_is_the_per_pressure_analysis(double_well):
    both = analyze(double_well, PRESSURES[:3], T_GRID, phase_diagram=False)
    for P, isobar in zip(PRESSURES[:3], both.isobars, strict=True):
        alone = analyze(double_well, (P,), T_GRID, phase_diagram=False).isobars[0]
        assert_isobars_equal(isobar, alone)
        assert isobar.nte_windows == alone.nte_windows


def test_the_first_failing_pressure_raises(double_well):
    with pytest.raises(DomainError, match="400 GPa"):
        compute_isobars(double_well, (0.0, 400.0, 1.0), T_GRID)
    with pytest.raises(DomainError, match="not a finite number"):
        compute_isobars(double_well, (0.0, float("inf")), T_GRID)


def test_a_converged_minimum_costs_one_or_two_evaluations(double_well):
    """The bracketed minima start at the root of the polynomial through the scan's F_V
    (:data:`~zenthermo.thermo.scan.ROOT_GUESS_POINTS` volumes) and are polished with the
    gate: the first evaluation asks for every property field and ends most of them; the
    rest take one more (these isobars pass the critical point at 0 GPa, where F_VV -> 0
    takes a few more). No separate Gibbs-energy or property call."""
    counting = CountingLandscape(double_well)
    isobars = compute_isobars(counting, PRESSURES, T_GRID)  # the default 201 volumes
    polish = [(int(np.prod(shape)), fields) for shape, fields in counting.calls
              if fields != ("F_V",)]
    assert all(fields == FINAL_FIELDS for _, fields in polish)
    grid = np.linspace(*double_well.volume_domain, 201)
    P_eV = np.array(PRESSURES) / 160.21766208
    F_V = scan.scan_slopes(double_well, grid, T_GRID, P_eV).F_V
    _, _, _, kind = scan.bracket_minima(F_V, P_eV)
    assert polish[0][0] == kind.size  # one evaluation of every candidate first
    points = sum(n for n, _ in polish)
    # under 1.6 evaluations a minimum (a full Newton search costs two or more)
    assert len(isobars) * T_GRID.size < kind.size <= points <= 1.6 * kind.size


def test_every_pressure_gets_its_own_brackets_from_one_scan():
    """The brackets of all pressures at once are those of a plain sign-change search per
    pressure, in pressure order (NaN entries of a refined scan bracket nothing)."""
    rng = np.random.default_rng(3)
    F_V = np.cumsum(rng.normal(0.0, 1.0, (40, 30)), axis=0)
    F_V[rng.random(F_V.shape) < 0.2] = np.nan
    pressures = np.array([2.0, -1.0, 0.0, 3.5, -4.0, 0.5])
    p, t, j, kind = scan.bracket_minima(F_V, pressures)
    expected = []
    for k, P in enumerate(pressures):
        g = F_V + P
        rows, cols = np.nonzero((g[:-1] < 0) & (g[1:] >= 0))
        expected += [(k, c, r, 0) for r, c in zip(rows, cols, strict=True)]
        expected += [(k, c, 0, 1) for c in np.nonzero(g[0] >= 0)[0]]
        expected += [(k, c, F_V.shape[0] - 1, 2) for c in np.nonzero(g[-1] < 0)[0]]
    assert list(zip(p, t, j, kind, strict=True)) == expected


def test_the_cubic_start_is_close_to_the_root(double_well):
    grid = np.linspace(*double_well.volume_domain, 201)
    T = np.linspace(0.0, 1600.0, 17)
    F_V = double_well.derivatives(grid[:, None], T[None, :], fields=("F_V",)).F_V
    P = np.array([0.5 / 160.21766208])
    p, t, j, kind = scan.bracket_minima(F_V, P)
    inner = kind == 0
    start = scan.root_guesses(F_V, grid, P[p[inner]], t[inner], j[inner])
    assert np.all((start >= grid[j[inner]]) & (start <= grid[j[inner] + 1]))
    isobar = compute_isobar(double_well, 0.5, T)
    roots = np.concatenate([isobar.V_A3, isobar.metastable.V_A3])
    nearest = np.min(np.abs(start[:, None] - roots[None, :]), axis=1)
    assert np.max(nearest / start) < 1e-6


def test_the_equilibrium_is_the_lowest_allowed_gibbs_energy_per_slot():
    """Per (pressure, temperature) slot: the allowed candidate with the lowest G, the first
    of equals, NaN above everything, -1 where the slot has none allowed."""
    from zenthermo.thermo.minima import lowest_per_slot

    rng = np.random.default_rng(7)
    for _ in range(500):
        n = int(rng.integers(0, 25))
        slot = np.sort(rng.integers(0, 8, n))
        G = rng.choice([0.0, 1.0, -1.0, 2.0, np.nan, np.inf, -np.inf], n)
        allowed = rng.random(n) < 0.7
        expected = np.full(8, -1)
        for s in range(8):
            members = [i for i in range(n) if slot[i] == s and allowed[i]]
            if members:
                expected[s] = min(members, key=lambda i: (np.isnan(G[i]),
                                                          0.0 if np.isnan(G[i]) else G[i], i))
        np.testing.assert_array_equal(lowest_per_slot(slot, G, 8, allowed), expected)

"""Derivatives on demand: a landscape asked for some fields computes those, with exactly the
numbers it gives when asked for all of them, and leaves the others None."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import three_source_set

from zenthermo.landscape import exact as exact_module
from zenthermo.landscape import trained
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.jets import need_for
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.zenn import ZennLandscape, ZennNetwork
from zenthermo.physics.derivatives import DERIVATIVE_FIELDS, requested_fields
from zenthermo.thermo.evaluate import derivatives_of

CHOICES = [("F_V",), ("F_V", "F_VV"), ("F_VV",), ("F_VVV",), ("F",), ("F_T", "F_TT"),
           ("F_VT",), ("F", "F_VV", "F_T", "F_TT", "F_VT")]
V = np.linspace(140.0, 165.0, 23)[:, None]
T = np.linspace(0.0, 1500.0, 31)[None, :]


def zenn_landscape(gamma=None) -> ZennLandscape:
    generator = torch.Generator().manual_seed(0)
    k = 3
    norm = Normalisation(150.0, 15.0, 1500.0,
                         torch.randn(k, 7, dtype=DTYPE, generator=generator) * 0.1,
                         torch.full((k,), 0.05, dtype=DTYPE), torch.full((k,), 1e-3, dtype=DTYPE),
                         60.0, 150.0)
    g = torch.log(torch.tensor([1.0, 3.0, 6.0], dtype=DTYPE))
    network = ZennNetwork(norm, g, (12, 12), "tanh", entropy_fluctuation_gamma=gamma,
                          generator=generator)
    return ZennLandscape(network, 4, ("a", "b", "c"), (140.0, 165.0), (0.0, 1500.0))


def assert_same_as_all_fields(landscape, fields):
    everything = landscape.derivatives(V, T)
    some = landscape.derivatives(V, T, fields=fields)
    for name in DERIVATIVE_FIELDS:
        if name in fields:
            np.testing.assert_array_equal(getattr(some, name), getattr(everything, name),
                                          err_msg=name)
        else:
            assert getattr(some, name) is None, name


@pytest.mark.parametrize("fields", CHOICES)
def test_exact_fields_equal_all_fields(fields):
    assert_same_as_all_fields(ExactZentropy(three_source_set()), fields)


@pytest.mark.parametrize("fields", CHOICES)
@pytest.mark.parametrize("gamma", [None, 3.0])
def test_zenn_fields_equal_all_fields(fields, gamma):
    assert_same_as_all_fields(zenn_landscape(gamma), fields)


def test_zenn_per_source_fields_equal_all_fields():
    landscape = zenn_landscape()
    everything = landscape.source_derivatives(V, T)
    some = landscape.source_derivatives(V, T, fields=("F_V", "F_VV"))
    for full, part in zip(everything, some, strict=True):
        np.testing.assert_array_equal(part.F_VV, full.F_VV)
        assert part.F_T is None


def test_zenn_chunks_give_the_same_numbers(monkeypatch):
    landscape = zenn_landscape()
    whole = landscape.derivatives(V, T, fields=("F_V", "F_VV"))
    monkeypatch.setattr(trained, "CHUNK_POINTS", 7)
    chunked = landscape.derivatives(V, T, fields=("F_V", "F_VV"))
    np.testing.assert_allclose(chunked.F_VV, whole.F_VV, rtol=1e-12, atol=1e-18)
    assert chunked.F_V.shape == (23, 31)


def test_exact_chunks_by_number_of_sources_give_the_same_numbers(monkeypatch):
    landscape = ExactZentropy(three_source_set())
    whole = landscape.derivatives(V, T)
    p_whole = landscape.probabilities(V, T)
    monkeypatch.setattr(exact_module, "SOURCE_POINTS", 3 * 10)  # 10 points per chunk
    chunked = landscape.derivatives(V, T)
    for name in DERIVATIVE_FIELDS:
        np.testing.assert_array_equal(getattr(chunked, name), getattr(whole, name))
    np.testing.assert_array_equal(landscape.probabilities(V, T), p_whole)
    assert landscape.probabilities(V, T).shape == (3, 23, 31)


def test_trained_evaluation_records_no_autograd_graph():
    landscape = zenn_landscape()
    seen = []
    original = landscape.network.forward

    def spy(*args, **kwargs):
        seen.append(torch.is_inference_mode_enabled())
        return original(*args, **kwargs)

    landscape.network.forward = spy
    landscape.derivatives(V, T, fields=("F",))
    assert seen and all(seen)


def test_field_names_are_checked():
    with pytest.raises(ValueError, match="F_X"):
        requested_fields(("F_V", "F_X"))
    with pytest.raises(ValueError, match="no derivative fields"):
        requested_fields(())
    assert requested_fields(None) == DERIVATIVE_FIELDS
    assert requested_fields("F_VV") == ("F_VV",)


def test_jet_needs_close_over_lower_orders():
    assert need_for(("F_VVV",)) == {"f", "v", "vv", "vvv"}
    assert need_for(("F_VT",)) == {"f", "v", "t", "vt"}
    assert need_for(("F_TT",)) == {"f", "t", "tt"}


class _LegacyLandscape:
    """A landscape written before ``fields`` existed: derivatives(V, T) only."""

    def __init__(self):
        self.inner = ExactZentropy(three_source_set())

    def derivatives(self, V, T):
        return self.inner.derivatives(V, T)


def test_landscapes_without_fields_are_still_served():
    legacy = _LegacyLandscape()
    d = derivatives_of(legacy, V, T, ("F_V",))
    np.testing.assert_array_equal(d.F_V, legacy.inner.derivatives(V, T).F_V)
    assert d.F_VV is not None  # a legacy landscape returns everything
    d = derivatives_of(legacy.inner, V, T, ("F_V",))
    assert d.F_VV is None


class _Parabola:
    """A cheap source: F = e + k/2 (V - 150)^2 - 1e-4 T, every derivative exact."""

    volume_domain, temperature_domain, natoms = (100.0, 200.0), (0.0, 2000.0), 4

    def __init__(self, i: int):
        self.name, self.multiplicity, self.e = f"c{i}", 1.0 + i % 3, 1e-3 * i

    def derivatives(self, V, T):
        from zenthermo.physics.derivatives import FreeEnergyDerivatives

        x = V - 150.0
        zero = np.zeros(np.shape(V))
        return FreeEnergyDerivatives(self.e + 0.005 * x * x - 1e-4 * T, 0.01 * x, zero + 0.01,
                                     zero, zero - 1e-4, zero, zero)


def test_exact_memory_does_not_grow_with_sources_times_points(monkeypatch):
    import tracemalloc

    landscape = ExactZentropy([_Parabola(i) for i in range(100)])
    monkeypatch.setattr(exact_module, "SOURCE_POINTS", 1 << 12)  # 40 points per chunk
    V_grid, T_grid = np.linspace(140.0, 165.0, 101)[:, None], np.linspace(0, 1500, 100)[None]
    tracemalloc.start()
    d = landscape.derivatives(V_grid, T_grid, fields=("F_V",))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert d.F_V.shape == (101, 100)
    # p_k on every point would be 100 x 10100 x 8 B = 8 MB; a chunk needs a few 100 kB
    assert peak < 3 * 2**20, peak

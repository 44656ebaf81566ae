"""The inference pass of the networks (BatchedMLP.evaluate, sources(inference=True)) gives
the training pass's function and derivatives to round-off, field by field."""

from __future__ import annotations

import pytest
import torch

from zenthermo.landscape.dnn import DnnNetwork, make_dnn_normalisation
from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.inference import Workspace
from zenthermo.landscape.jets import ALL_FIELDS, Jet, need_for
from zenthermo.landscape.mlp import DTYPE, BatchedMLP
from zenthermo.landscape.zenn import ZennNetwork
from zenthermo.physics.derivatives import DERIVATIVE_FIELDS

NEEDS = [need_for(f) for f in [("F",), ("F_V",), ("F_VV",), ("F_VVV",), ("F_T", "F_TT"),
                                ("F_VT",), DERIVATIVE_FIELDS]]


def network(activation="tanh", gamma=None, t_knee=60.0, t_low=150.0, hidden=(12, 12)):
    generator = torch.Generator().manual_seed(1)
    k = 3
    norm = Normalisation(150.0, 15.0, 1500.0,
                         torch.randn(k, 7, dtype=DTYPE, generator=generator) * 0.1,
                         torch.full((k,), 0.05, dtype=DTYPE), torch.full((k,), 1e-3, dtype=DTYPE),
                         t_knee, t_low)
    g = torch.log(torch.tensor([1.0, 3.0, 6.0], dtype=DTYPE))
    net = ZennNetwork(norm, g, hidden, activation, entropy_fluctuation_gamma=gamma,
                      generator=generator)
    with torch.no_grad():  # O(1) outputs, so that every derivative carries weight
        net.mlp.weights[-1].mul_(10.0)
    return net


def points(n=57):
    V = torch.linspace(136.0, 164.0, n, dtype=DTYPE)
    T = torch.linspace(0.0, 1500.0, n, dtype=DTYPE).flip(0)
    return V, T


def assert_close(got: Jet, expected: Jet, need, rtol=1e-12):
    for name in Jet._fields:
        x, y = getattr(got, name), getattr(expected, name)
        if name not in need:
            assert x is None, name
            continue
        assert (x is None) == (y is None), name
        if y is not None:
            scale = float(y.detach().abs().max())
            assert float((x - y).detach().abs().max()) <= rtol * scale, name


@pytest.mark.parametrize("need", NEEDS)
@pytest.mark.parametrize("activation", ["tanh", "silu", "softplus"])
def test_mlp_evaluate_equals_forward(activation, need):
    mlp = BatchedMLP(4, (9, 7), 2, activation, 3, generator=torch.Generator().manual_seed(2))
    V, T = points()
    inputs = (Jet(V / 150 - 1, torch.tensor(1 / 150, dtype=DTYPE), None, None, None, None,
                  None),
              Jet(torch.sin(T / 500), None, torch.cos(T / 500) / 500, None,
                  -torch.sin(T / 500) / 250000, None, None),
              Jet(T / 1500, None, torch.tensor(1 / 1500, dtype=DTYPE), None, None, None, None))
    with torch.inference_mode():
        got = mlp.evaluate(inputs, need)
    expected = mlp(inputs, need)
    assert got.f.shape == (4, V.numel(), 2) and got.f.dtype == DTYPE
    assert_close(got, expected.restrict(need | {"f"}), need | {"f"})


def test_mlp_without_hidden_layers_evaluates_its_linear_map():
    mlp = BatchedMLP(2, (), 1, "tanh", 2, generator=torch.Generator().manual_seed(3))
    V, T = points(5)
    inputs = (Jet(V, torch.tensor(1.0, dtype=DTYPE), None, None, None, None, None),
              Jet(T, None, torch.tensor(1.0, dtype=DTYPE), None, None, None, None))
    with torch.inference_mode():
        got = mlp.evaluate(inputs, ALL_FIELDS)
    assert got.v.shape == (2, 5, 1)
    assert_close(got, mlp(inputs), {"f", "v", "t"})


@pytest.mark.parametrize("need", NEEDS)
@pytest.mark.parametrize("activation,gamma,t_knee,t_low", [
    ("tanh", None, 60.0, 150.0), ("tanh", 3.0, 0.0, 0.0), ("silu", None, 0.0, 150.0)])
def test_zenn_inference_equals_training_pass(activation, gamma, t_knee, t_low, need):
    net = network(activation, gamma, t_knee, t_low)
    V, T = points()
    with torch.inference_mode():
        fast = net.sources(V, T, need, inference=True)
        total_fast, _, log_p_fast = net(V, T, need, inference=True)
    slow = net.sources(V, T, need)
    total, _, log_p = net(V, T, need)
    for got, expected in zip(fast, slow, strict=True):
        assert_close(got, expected, need)
    assert_close(total_fast, total, need)
    assert torch.allclose(log_p_fast, log_p, rtol=0, atol=1e-12)


def test_inference_needs_shared_points():
    net = network()
    V, T = points(6)
    per_source = net.sources(V.expand(3, -1), T.expand(3, -1), ALL_FIELDS, inference=True)
    assert_close(per_source[0], net.sources(V, T)[0], ALL_FIELDS, rtol=0)


@pytest.mark.parametrize("need", NEEDS)
def test_dnn_inference_equals_training_pass(need):
    norm = make_dnn_normalisation(150.0, 15.0, 1500.0, torch.linspace(0.1, 0.7, 7, dtype=DTYPE),
                                  0.05)
    net = DnnNetwork(norm, (10, 10), generator=torch.Generator().manual_seed(4))
    V, T = points()
    with torch.inference_mode():
        fast = net(V, T, need, inference=True)
    assert_close(fast, net(V, T, need), need)


def test_workspace_hands_out_distinct_buffers_and_reuses_them_per_pass():
    like = torch.zeros(1, dtype=DTYPE)
    space = Workspace(limit=10_000 * 8)
    first = [space.start().take((10, 20), like), space.take((5,), like)]
    assert first[0].data_ptr() != first[1].data_ptr()
    again = [space.start().take((10, 20), like), space.take((5,), like)]
    assert [x.data_ptr() for x in again] == [x.data_ptr() for x in first]
    bigger = space.start().take((30, 20), like)  # enlarged: a new buffer
    assert bigger.shape == (30, 20)
    beyond = space.take((10_000,), like)  # over the limit: allocated, not kept
    assert space.start().take((1,), like).data_ptr() == bigger.data_ptr()
    assert space.take((10_000,), like).data_ptr() != beyond.data_ptr()  # still not kept


def test_results_do_not_live_in_the_reused_buffers():
    net = network()
    V, T = points(40)
    with torch.inference_mode():
        first = net.sources(V, T, ALL_FIELDS, inference=True)[0]
        kept = first.map(lambda x: x.clone())
        net.sources(V + 1.0, T * 0.5, ALL_FIELDS, inference=True)  # overwrites the buffers
    for name in Jet._fields:
        assert torch.equal(getattr(first, name), getattr(kept, name)), name


def test_threads_evaluating_one_network_get_their_own_buffers():
    from concurrent.futures import ThreadPoolExecutor

    net = network()
    V, T = points(300)
    shifts = [0.0, 1.0, 2.0, 3.0] * 3
    with torch.inference_mode():
        expected = [net.sources(V + s, T, ALL_FIELDS, inference=True)[0].vv.clone()
                    for s in shifts]

        def run(s):
            with torch.inference_mode():
                return net.sources(V + s, T, ALL_FIELDS, inference=True)[0].vv

        with ThreadPoolExecutor(4) as pool:
            got = list(pool.map(run, shifts))
    for a, b in zip(got, expected, strict=True):
        assert torch.equal(a, b)


def test_inference_pass_runs_outside_inference_mode_too():
    net = network()
    V, T = points(30)
    with torch.inference_mode():  # leaves inference-mode buffers behind
        inside = net.sources(V, T, ALL_FIELDS, inference=True)[0]
    outside = net.sources(V, T, ALL_FIELDS, inference=True)[0]  # autograd on: no buffers
    for name in Jet._fields:
        assert torch.equal(getattr(inside, name), getattr(outside, name)), name

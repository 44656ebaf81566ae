"""The cheaper ZENN training step: float32 networks in training only, and the physics
regularisers left out of the steps while they are exactly zero."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_train import TINY, ragged_data

from zenthermo.errors import ConfigurationError
from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.losses import GatedLoss
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.train import TrainingSettings, ZennFitter
from zenthermo.landscape.zenn import ZennNetwork


def small_network() -> ZennNetwork:
    norm = Normalisation(150.0, 15.0, 1000.0, torch.zeros(2, 7, dtype=DTYPE),
                         torch.ones(2, dtype=DTYPE), torch.ones(2, dtype=DTYPE), 0.04, 100.0)
    return ZennNetwork(norm, torch.zeros(2, dtype=DTYPE), (8, 8),
                       generator=torch.Generator().manual_seed(0))


def test_a_float32_pass_gives_float64_jets_close_to_the_float64_ones_and_trains_the_weights():
    network = small_network()
    V = torch.linspace(140.0, 160.0, 7, dtype=DTYPE)
    T = torch.linspace(0.0, 900.0, 7, dtype=DTYPE)
    with torch.no_grad():
        exact = network.sources(V, T)[0]
    with network.mlp.precision(torch.float32):
        rounded = network.sources(V, T)[0]
        rounded.f.sum().backward()
    assert network.mlp.compute_dtype == torch.float64  # restored after the block
    for name in ("f", "v", "t", "vv", "tt"):
        a, b = getattr(exact, name), getattr(rounded, name).detach()
        assert b.dtype == torch.float64
        scale = float(a.abs().max())
        assert float((a - b).abs().max()) < 1e-5 * scale
        assert float((a - b).abs().max()) > 0  # really computed in float32
    assert all(p.dtype == torch.float64 and p.grad is not None and p.grad.dtype == torch.float64
               for p in network.mlp.parameters())
    assert "compute_dtype" not in str(list(network.state_dict()))  # model files unchanged


def test_a_model_trained_in_float32_is_evaluated_in_float64():
    *_, data = ragged_data()
    fitter = ZennFitter(TINY).fit(data)
    assert TINY.training_precision == "float32"
    network = fitter.network_
    assert network.mlp.compute_dtype == torch.float64
    assert all(p.dtype == torch.float64 for p in network.parameters())
    V, T = np.array([145.0, 150.0]), np.array([300.0, 600.0])
    d = fitter.landscape_.derivatives(V, T)
    with torch.inference_mode():
        jet = network(torch.as_tensor(V), torch.as_tensor(T), inference=True)[0]
    np.testing.assert_array_equal(d.F_VVV, jet.vvv.numpy())  # the float64 inference pass
    with torch.no_grad():  # ... which is the float64 training pass to round-off (float32: 1e-7)
        training = network(torch.as_tensor(V), torch.as_tensor(T))[0].vvv.numpy()
    np.testing.assert_allclose(d.F_VVV, training, rtol=0, atol=1e-11 * np.abs(training).max())


def test_the_training_precision_is_a_checked_setting_and_old_models_read_as_float64():
    with pytest.raises(ConfigurationError, match="training_precision"):
        TrainingSettings(training_precision="float16")
    old = TrainingSettings().to_dict()
    del old["training_precision"]  # a model file from before the setting
    assert TrainingSettings.from_dict(old).training_precision == "float64"


def test_the_gate_leaves_out_regularisers_only_while_every_weighted_one_is_zero():
    seen = []
    values = {"convexity": torch.tensor(0.0), "heat_capacity": torch.tensor(0.0)}

    def evaluate(physics, zeros):
        seen.append((physics, dict(zeros)))
        return torch.tensor(1.0), {}

    gate = GatedLoss(evaluate, lambda: dict(values), {"convexity": 0.1, "heat_capacity": 0.0})
    gate()
    assert seen[-1] == (True, {})  # on until the first check
    gate.checkpoint()
    gate()
    assert seen[-1][0] is False and set(seen[-1][1]) == {"convexity", "heat_capacity"}
    values["heat_capacity"] = torch.tensor(0.5)  # violated, but its weight is 0
    gate.checkpoint()
    gate()
    assert seen[-1][0] is False
    values["convexity"] = torch.tensor(1e-300, dtype=DTYPE)  # any violation of a weighted one
    gate.checkpoint()
    gate()
    assert seen[-1] == (True, {})


@pytest.mark.parametrize("active", [True, False])
def test_the_gated_loss_is_the_full_loss_and_gradient(active):
    *_, data = ragged_data()
    # at the initial weights the synthetic sources' baseline is not convex everywhere
    # (the gate stays on); with the convexity weight 0 and a zero output layer the
    # remaining C_V >= 0 term is exactly zero (the gate goes off)
    settings = TINY if active else TrainingSettings(**{**TINY.__dict__, "weight_convexity": 0.0})
    network, gated, _ = ZennFitter(settings)._build(data, settings,
                                                    torch.Generator().manual_seed(0))
    if not active:
        with torch.no_grad():
            network.mlp.weights[-1].zero_()
            network.mlp.weights[-1][:, 0, 0] = 1e-3  # nets not constant, C_V still >= 0
    gated.checkpoint()
    assert gated.active is active

    def loss_and_gradient(fn):
        network.zero_grad(set_to_none=True)
        loss, terms = fn()
        loss.backward()
        return loss.detach(), torch.cat([p.grad.ravel() for p in network.mlp.parameters()]), terms

    a, grad_a, terms = loss_and_gradient(gated)
    b, grad_b, full_terms = loss_and_gradient(lambda: gated.evaluate(True, {}))
    assert set(terms) == set(full_terms)
    torch.testing.assert_close(a, b, rtol=1e-6, atol=0.0)
    torch.testing.assert_close(grad_a, grad_b, rtol=1e-5, atol=1e-12 * float(grad_b.abs().max()))

"""ZENN network: exact forward-mode derivatives, the zentropy sum, T = 0, constraints."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import three_source_set

from zenthermo.landscape import features, trained
from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.jets import Jet
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.zenn import ZennLandscape, ZennNetwork, combine_sources
from zenthermo.units import KB_EV_PER_K


def make_network(activation="tanh", gamma=None, k=3, seed=0, t_knee=0.0,
                 t_low=0.0) -> ZennNetwork:
    torch.manual_seed(seed)
    norm = Normalisation(150.0, 15.0, 1500.0, torch.randn(k, 7, dtype=DTYPE) * 0.1,
                         torch.full((k,), 0.05, dtype=DTYPE), torch.full((k,), 1e-3, dtype=DTYPE),
                         t_knee, t_low)
    g = torch.log(torch.tensor([1.0, 3.0, 6.0][:k], dtype=DTYPE))
    return ZennNetwork(norm, g, (12, 12), activation, entropy_fluctuation_gamma=gamma)


def autograd_derivatives(F_fn, V, T):
    V = V.clone().requires_grad_(True)
    T = T.clone().requires_grad_(True)
    F = F_fn(V, T)

    def grad(y, x):
        return torch.autograd.grad(y.sum(), x, create_graph=True)[0]

    F_V, F_T = grad(F, V), grad(F, T)
    F_VV = grad(F_V, V)
    return {"v": F_V, "t": F_T, "vv": F_VV, "tt": grad(F_T, T), "vt": grad(F_V, T),
            "vvv": grad(F_VV, V)}


@pytest.mark.parametrize("activation,gamma,t_knee,t_low", [
    ("tanh", None, 0.0, 0.0), ("silu", None, 0.0, 0.0), ("softplus", None, 0.0, 0.0),
    ("tanh", 3.0, 0.0, 0.0), ("tanh", None, 60.0, 150.0), ("silu", 3.0, 0.0, 150.0)])
def test_forward_mode_derivatives_equal_autograd(activation, gamma, t_knee, t_low):
    network = make_network(activation, gamma, t_knee=t_knee, t_low=t_low)
    V = torch.linspace(136.0, 164.0, 9, dtype=DTYPE)
    T = torch.linspace(20.0, 1450.0, 9, dtype=DTYPE)
    jet, _, _ = network(V, T)
    reference = autograd_derivatives(lambda v, t: network(v, t)[0].f, V, T)
    for field, expected in reference.items():
        got = getattr(jet, field)
        scale = float(expected.detach().abs().max())
        assert torch.allclose(got, expected.detach(), rtol=0, atol=1e-9 * scale), field


@pytest.mark.parametrize("t_knee,t_low", [(0.0, 0.0), (60.0, 150.0)])
def test_per_source_jets_equal_autograd(t_knee, t_low):
    network = make_network(t_knee=t_knee, t_low=t_low)
    V = torch.linspace(136.0, 164.0, 5, dtype=DTYPE)
    T = torch.linspace(0.0, 1500.0, 5, dtype=DTYPE)
    free, _, _ = network.sources(V, T)
    for k in range(3):
        reference = autograd_derivatives(lambda v, t, k=k: network.sources(v, t)[0].f[k], V, T)
        for field in ("v", "vv", "vvv", "t", "tt", "vt"):
            assert torch.allclose(getattr(free, field)[k], reference[field].detach(),
                                  rtol=1e-11, atol=1e-14), field


def test_zentropy_sum_matches_exact_zentropy_of_known_sources():
    from zenthermo.landscape.exact import ExactZentropy

    sources = three_source_set()
    V, T = np.meshgrid(np.linspace(140, 165, 11), np.linspace(5.0, 1500.0, 13), indexing="ij")
    V, T = V.ravel(), T.ravel()
    ds = [s.derivatives(V, T) for s in sources]

    def stack(name):
        return torch.as_tensor(np.stack([getattr(d, name) for d in ds]))

    jet = Jet(stack("F"), stack("F_V"), stack("F_T"), stack("F_VV"), stack("F_TT"),
              stack("F_VT"), stack("F_VVV"))
    log_g = torch.log(torch.tensor([s.multiplicity for s in sources], dtype=DTYPE))
    total, log_p = combine_sources(jet, log_g, torch.as_tensor(T))
    exact = ExactZentropy(sources)
    ref = exact.derivatives(V, T)
    pairs = {"f": ref.F, "v": ref.F_V, "vv": ref.F_VV, "vvv": ref.F_VVV, "t": ref.F_T,
             "tt": ref.F_TT, "vt": ref.F_VT}
    for field, expected in pairs.items():
        np.testing.assert_allclose(getattr(total, field).numpy(), expected, rtol=1e-9,
                                   atol=1e-12 * np.abs(expected).max(), err_msg=field)
    np.testing.assert_allclose(torch.exp(log_p).numpy(), exact.probabilities(V, T),
                               atol=1e-12)


def test_zero_temperature_is_the_lowest_source_and_finite():
    network = make_network()
    V = torch.linspace(136.0, 164.0, 50, dtype=DTYPE)
    T = torch.zeros(50, dtype=DTYPE)
    total, free, log_p = network(V, T)
    for field in total:
        assert torch.isfinite(field).all()
    lowest = free.f.min(dim=0).values
    assert torch.equal(total.f, lowest)
    # the entropy at T -> 0+ is the configurational k_B ln g of the lowest source
    ground = free.f.argmin(dim=0)
    g = torch.tensor([1.0, 3.0, 6.0], dtype=DTYPE)[ground]
    own = free.t[ground, torch.arange(50)]
    assert torch.allclose(total.t, own - KB_EV_PER_K * torch.log(g), atol=1e-12)
    assert torch.allclose(torch.exp(log_p).sum(0), torch.ones(50, dtype=DTYPE))


def test_intrinsic_entropy_is_non_negative_and_vanishes_at_zero_kelvin():
    network = make_network()
    V, T = torch.meshgrid(torch.linspace(130, 170, 20, dtype=DTYPE),
                          torch.linspace(0, 1500, 16, dtype=DTYPE), indexing="ij")
    _, _, entropy = network.sources(V.ravel(), T.ravel())
    assert (entropy.f >= 0).all()
    at_zero = entropy.f[:, T.ravel() == 0]
    assert at_zero.abs().max() == 0.0


def test_everything_is_float64_and_sources_are_batched():
    network = make_network()
    assert all(p.dtype == torch.float64 for p in network.parameters())
    assert all(b.dtype == torch.float64 for b in network.buffers())
    # one weight tensor per layer holds all 2K networks (energy and entropy of each source)
    assert [tuple(w.shape) for w in network.mlp.weights] == [(6, 2, 12), (6, 12, 12),
                                                             (6, 12, 1)]


def test_landscape_is_numpy_float64_chunked_and_broadcast(monkeypatch):
    network = make_network()
    landscape = ZennLandscape(network, 12, ("a", "b", "c"), (136.0, 164.0), (0.0, 1500.0))
    V = np.linspace(136, 164, 7)[:, None]
    T = np.linspace(0, 1500, 5)[None, :]
    whole = landscape.derivatives(V, T)
    monkeypatch.setattr(trained, "CHUNK_POINTS", 4)
    chunked = landscape.derivatives(V, T)
    for name, value in whole.as_dict().items():
        assert value.shape == (7, 5) and value.dtype == np.float64
        np.testing.assert_allclose(value, chunked.as_dict()[name], rtol=1e-12, atol=1e-15)
    p = landscape.probabilities(V, T)
    assert p.shape == (3, 7, 5)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, atol=1e-13)
    np.testing.assert_allclose(landscape.multiplicities, [1.0, 3.0, 6.0])
    # pressure from the landscape is minus F_V, and entropy -F_T, with the right sign of C_V
    scalar = landscape.derivatives(150.0, 300.0)
    assert scalar.F.shape == ()


def test_entropy_fluctuation_raises_the_free_energy():
    plain = make_network(gamma=None)
    damped = make_network(gamma=0.5)
    damped.load_state_dict(plain.state_dict())
    V = torch.linspace(140, 160, 5, dtype=DTYPE)
    T = torch.full((5,), 800.0, dtype=DTYPE)
    assert (damped(V, T)[0].f > plain(V, T)[0].f).all()


@pytest.mark.parametrize("t_knee", [0.0, 40.0])
def test_temperature_inputs_map_the_domain_monotonically(t_knee):
    T = torch.linspace(0.0, 1000.0, 2001, dtype=DTYPE)
    t = features.temperature_feature(T, torch.tensor(1000.0, dtype=DTYPE),
                                 torch.tensor(t_knee, dtype=DTYPE))
    u = features.low_temperature_feature(T, torch.tensor(100.0, dtype=DTYPE),
                                     torch.tensor(t_knee, dtype=DTYPE))
    assert float(t.f[0]) == pytest.approx(-1.0) and float(t.f[-1]) == pytest.approx(1.0)
    assert float(u.f[0]) == pytest.approx(-1.0) and float(u.f[-1]) < 1.0
    for feature in (t, u):
        assert (torch.diff(feature.f) > 0).all()
    # u spreads the low temperatures: 0-300 K is over half of its range
    assert float(u.f[600]) > 0.0


def test_flat_temperature_input_gives_every_source_the_third_law():
    """With a knee, S_k = 0, F_k,T = 0 and F_k,VT = 0 at T = 0, and F_k,VT ~ T^3 below it."""
    network = make_network(t_knee=60.0, t_low=150.0)
    V = torch.full((4,), 152.0, dtype=DTYPE)
    T = torch.tensor([0.0, 1.0, 2.0, 4.0], dtype=DTYPE)
    free, _, entropy = network.sources(V, T)
    assert torch.equal(entropy.f[:, 0], torch.zeros(3, dtype=DTYPE))
    assert torch.equal(free.t[:, 0], torch.zeros(3, dtype=DTYPE))
    assert torch.equal(free.vt[:, 0], torch.zeros(3, dtype=DTYPE))
    ratios = free.vt[:, 2:] / free.vt[:, 1:3]  # doubling T multiplies F_VT by ~2^3
    np.testing.assert_allclose(ratios.detach().numpy(), 8.0, rtol=0.01)


def test_linear_temperature_input_leaves_a_slope_at_zero():
    """Without the knee (residual entropy allowed) F_k,T at T = 0 is a free parameter."""
    network = make_network()
    free, _, _ = network.sources(torch.full((1,), 152.0, dtype=DTYPE),
                                 torch.zeros(1, dtype=DTYPE))
    assert (free.t.abs() > 0).all()

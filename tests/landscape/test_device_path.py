"""The GPU path is device-correct: the training loss never reads a tensor back to the host
(on a GPU that would synchronise every step), the input switches of a loaded model follow
its state, and a CUDA fit evaluates like a CPU one (skipped without a GPU)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from synthetic import PolynomialSource

from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.train import DnnFitter, TrainingSettings, ZennFitter
from zenthermo.landscape.train_data import per_source_training_data

TINY = TrainingSettings(hidden=(6, 6), dnn_hidden=(6, 6), adam_epochs=4, lbfgs_iterations=2,
                        evaluate_every=2, collocation_points=(6, 4))


def lawful_data():
    """Two sources obeying the third law, so the flat low-T inputs (knee, u(T)) are on."""
    def coeffs(e0, k, c2, dc2):
        c = np.zeros((3, 3))
        c[0, 0], c[2, 0], c[0, 2], c[1, 2] = e0, 0.5 * k, -c2, -dc2
        return c

    sources = (PolynomialSource("a", coeffs(-100.0, 0.012, 2e-7, 1e-9), 150.0, 2.0),
               PolynomialSource("b", coeffs(-99.97, 0.010, 3e-7, 2e-9), 154.0, 6.0))
    return per_source_training_data(sources, [np.linspace(140, 164, 5)] * 2,
                                    [np.linspace(0, 1000, 5)] * 2, natoms=12,
                                    validation_fraction=0.2, seed=1)


def _refuse(*_args, **_kwargs):
    raise AssertionError("a tensor was read back to the host inside the training loss")


@pytest.mark.parametrize("fitter", [ZennFitter, DnnFitter])
def test_the_training_loss_reads_nothing_back_to_the_host(fitter, monkeypatch):
    data = lawful_data()
    network, loss_fn, val_fn = fitter(TINY)._build(data, TINY, torch.Generator().manual_seed(0))
    if fitter is ZennFitter:
        assert float(network.norm.t_knee) > 0  # the knee branch is exercised
    for name in ("item", "__bool__", "__float__", "__int__", "tolist", "numpy"):
        monkeypatch.setattr(torch.Tensor, name, _refuse)
    loss, terms = loss_fn()
    loss.backward()
    val_fn()
    monkeypatch.undo()
    assert np.isfinite(float(loss.detach()))
    assert all(np.isfinite(float(v.detach())) for v in terms.values())


def test_a_loaded_state_sets_the_input_switches():
    def norm(t_knee, t_low):
        return Normalisation(150.0, 15.0, 1000.0, torch.zeros(2, 7, dtype=DTYPE),
                             torch.ones(2, dtype=DTYPE), torch.ones(2, dtype=DTYPE), t_knee,
                             t_low)

    trained, blank = norm(40.0, 100.0), norm(0.0, 100.0)
    blank.load_state_dict(trained.state_dict())
    T = torch.linspace(0.0, 1000.0, 7, dtype=DTYPE)
    V = torch.full_like(T, 150.0)
    for a, b in zip(blank.features(V, T), trained.features(V, T), strict=True):
        for x, y in zip(a, b, strict=True):
            assert (x is None and y is None) or torch.equal(torch.as_tensor(x),
                                                            torch.as_tensor(y))


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU on this machine")
def test_a_cuda_fit_analyses_like_the_same_fit_on_the_cpu():
    data = lawful_data()
    cpu = ZennFitter(TINY).fit(data).landscape_
    gpu = ZennFitter(TrainingSettings(**{**TINY.__dict__, "device": "cuda"})).fit(data)
    V, T = np.linspace(141, 163, 9), np.linspace(0, 1000, 9)
    a = cpu.derivatives(V, T, fields=("F", "F_V"))
    b = gpu.landscape_.derivatives(V, T, fields=("F", "F_V"))
    np.testing.assert_allclose(b.F, a.F, rtol=1e-6)
    assert b.F.dtype == np.float64 and b.F_VV is None

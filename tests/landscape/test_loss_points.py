"""The training loss evaluates each distinct (V, T) once: per-source rows that sit on a
combined (or collocation) point reuse its evaluation, and get the same jets as evaluating
them on their own."""

from __future__ import annotations

import numpy as np
import torch
from test_train import ragged_data

from zenthermo.landscape.losses import Rows, own_points, padded_source_rows
from zenthermo.landscape.train import TrainingSettings, ZennFitter


def test_shared_per_source_points_are_not_evaluated_twice():
    *_, data = ragged_data(validation_fraction=0.0)
    K = len(data.source_names)
    mask_ps = np.ones(len(data.per_source), dtype=bool)
    ps_rows = padded_source_rows(data.per_source, mask_ps, K, "cpu")
    c_rows = Rows.from_table(data.combined, np.ones(len(data.combined), dtype=bool), "cpu")
    extra_V, extra_T, index = own_points(ps_rows, c_rows.V, c_rows.T)
    shared = set(zip(c_rows.V.tolist(), c_rows.T.tolist(), strict=True))
    for k in range(K):
        n_k = int((data.per_source.source == k).sum())
        own = list(zip(ps_rows.V[k, :n_k].tolist(), ps_rows.T[k, :n_k].tolist(), strict=True))
        missing = [p for p in own if p not in shared]
        assert list(zip(extra_V[k, :len(missing)].tolist(), extra_T[k, :len(missing)].tolist(),
                        strict=True)) == missing
    assert extra_V.shape[1] < ps_rows.V.shape[1]  # the ragged sources share most points
    V_all = torch.cat([extra_V, c_rows.V.expand(K, -1)], dim=1)
    T_all = torch.cat([extra_T, c_rows.T.expand(K, -1)], dim=1)
    real = ps_rows.masks["F"]
    np.testing.assert_array_equal(V_all.gather(1, index)[real], ps_rows.V[real])
    np.testing.assert_array_equal(T_all.gather(1, index)[real], ps_rows.T[real])


def test_reused_evaluations_give_the_per_source_jets():
    *_, data = ragged_data()
    settings = TrainingSettings(hidden=(6, 6), collocation_points=(6, 4))
    network, _, _ = ZennFitter(settings)._build(data, settings, torch.Generator().manual_seed(0))
    K = len(data.source_names)
    train = ~data.per_source.validation
    ps_rows = padded_source_rows(data.per_source, train, K, "cpu")
    c_rows = Rows.from_table(data.combined, ~data.combined.validation, "cpu")
    extra_V, extra_T, index = own_points(ps_rows, c_rows.V, c_rows.T)
    with torch.no_grad():
        direct = network.sources(ps_rows.V, ps_rows.T)[0]
        shared = network.sources(torch.cat([extra_V, c_rows.V.expand(K, -1)], dim=1),
                                 torch.cat([extra_T, c_rows.T.expand(K, -1)], dim=1))[0]
    real = ps_rows.masks["F"]
    for field in ("f", "v", "vv", "t", "tt"):
        a = getattr(direct, field)[real]
        b = getattr(shared, field).gather(1, index)[real]
        torch.testing.assert_close(b, a, rtol=1e-13, atol=0.0)

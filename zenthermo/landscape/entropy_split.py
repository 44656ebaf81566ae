"""Starting ZENN's split F_k = E_k - T S_k where the sources carry entropies.

Every per-source target is derived from F_k, so the data alone leave the split between the
energy network E_k and the entropy network S_k free; the loss term
:func:`~zenthermo.landscape.losses.entropy_terms` fixes it by teaching S_k the source's
entropy -dF_k/dT (E_k is then the internal energy F_k + T S_k, Gibbs-Helmholtz). The
energy network is a small residual (scale of a few meV) on a polynomial baseline, so it
cannot move E_k by T (S_k - S_k,init), several eV per cell at high T, during the fit: the
entropy networks are taught first (:func:`teach_initial_entropy`), and the baseline fit
that follows (:func:`~zenthermo.landscape.initialise.absorb_initial_misfit`) then puts
E_k ~ F_k + T S_k in the baseline, where it belongs.
"""

from __future__ import annotations

import numpy as np
import torch

from zenthermo.landscape.losses import padded_source_rows
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.train_data import TrainingData

__all__ = ["teach_initial_entropy"]


def teach_initial_entropy(network, data: TrainingData, steps: int = 200,
                          learning_rate: float = 2e-2) -> float | None:
    """Adam on the entropy networks alone: S_k towards -F_k,T of its source's training rows.

    Only the entropy networks receive gradients (the loss does not depend on the energy
    networks). Does nothing (returns None) without per-source entropy targets; otherwise
    returns the final mean squared relative residual (by the RMS of the targets).
    """
    ps = data.per_source
    rows = (~ps.validation) & np.isfinite(ps.F_T) & (ps.source >= 0)
    if data.mode != "per-source" or not rows.any() or steps <= 0:
        return None
    device = network.norm.v_mid.device
    # each source at its own rows only: a (K, n_max) block, padding masked out
    block = padded_source_rows(ps, rows, network.n_sources, device)
    target, known = -block.targets["F_T"], block.masks["F_T"]
    scale = float(np.sqrt(np.mean(ps.F_T[rows] ** 2))) or 1.0
    params = [p for p in network.mlp.parameters() if p.requires_grad]
    optimiser = torch.optim.Adam(params, lr=learning_rate)
    only_value = frozenset({"f"})
    loss = torch.zeros((), dtype=DTYPE)
    for _ in range(steps):
        optimiser.zero_grad(set_to_none=True)
        entropy = network.sources(block.V, block.T, only_value)[2].f
        residual = torch.where(known, (entropy - target) / scale, 0.0)
        loss = (residual * residual).sum() / known.sum()
        loss.backward()
        optimiser.step()
    return float(loss.detach())

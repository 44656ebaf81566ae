"""The plain-DNN baseline of the ZENN paper: one MLP F(V,T) with no zentropy structure.

F(V,T) = baseline(v, t) + scale * MLP(v, t), with the same input normalisation and
polynomial output baseline as :mod:`zenthermo.landscape.zenn` (so the comparison isolates
the zentropy structure), 4 hidden layers of 48 tanh units by default. Derivatives are exact
(forward-mode jets). It is trained on the same system-level targets as ZENN (in per-source
mode: the zentropy sum of the sources' free energies).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import Tensor, nn

from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.jets import ALL_FIELDS, Jet
from zenthermo.landscape.mlp import DTYPE, BatchedMLP
from zenthermo.landscape.settings import DNN_HIDDEN
from zenthermo.landscape.trained import TrainedLandscape

__all__ = ["DNN_HIDDEN", "DnnLandscape", "DnnNetwork", "make_dnn_normalisation"]


class DnnNetwork(nn.Module):
    """One MLP F(V,T) in float64; ``forward(V, T)`` gives the physical jet of F, fields (N,).

    Parameters
    ----------
    normalisation : Normalisation
        With ``baseline`` of shape (1, 7) and ``scale`` of shape (1,).
    hidden : tuple of int
    activation : str
    generator : torch.Generator, optional
        Source of the random initial weights (None: torch's global generator).
    """

    def __init__(self, normalisation: Normalisation, hidden: tuple[int, ...] = DNN_HIDDEN,
                 activation: str = "tanh", generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.norm = normalisation
        self.mlp = BatchedMLP(1, tuple(hidden), 1, activation, generator=generator)

    def forward(self, V: Tensor, T: Tensor, need: frozenset = ALL_FIELDS,
                inference: bool = False) -> Jet:
        """``inference``: :meth:`BatchedMLP.evaluate` (no autograd; the same numbers to
        round-off, fewer operations)."""
        norm = self.norm
        inputs = norm.features(V, T)
        run = self.mlp.evaluate if inference else self.mlp
        raw = run(inputs, need).map(lambda x: norm.scale[0] * x[0, :, 0])
        baseline = norm.baseline_jet(inputs[0], inputs[1], need).map(lambda x: x[0])
        return baseline.plus(raw).restrict(need)


class DnnLandscape(TrainedLandscape):
    """A trained plain DNN as a :class:`~zenthermo.landscape.base.Landscape` (``"dnn"``).

    Parameters are those of :class:`~zenthermo.landscape.trained.TrainedLandscape`, plus
    ``trained_on``: the names of the sources whose combined F it learned. It has no sources
    itself: ``source_names`` is empty, ``multiplicities`` is an empty array and
    :meth:`probabilities` raises NotImplementedError.
    """

    method = "dnn"
    source_names: tuple[str, ...] = ()
    network: DnnNetwork

    def __init__(self, network: DnnNetwork, natoms: int, volume_domain: tuple[float, float],
                 temperature_domain: tuple[float, float],
                 composition: Mapping[str, int] | None = None,
                 mode: str = "per-source", settings: dict | None = None,
                 history: dict | None = None, device: str = "cpu",
                 trained_on: tuple[str, ...] = ()) -> None:
        super().__init__(network, natoms, volume_domain, temperature_domain, composition,
                         mode, settings, history, device)
        self.trained_on = tuple(trained_on)

    @property
    def multiplicities(self) -> np.ndarray:
        return np.zeros(0, dtype=np.float64)

    def total_jet(self, V: Tensor, T: Tensor, need: frozenset = ALL_FIELDS) -> Jet:
        return self.network(V, T, need, inference=True)

    def probabilities(self, V, T) -> np.ndarray:
        raise NotImplementedError(
            "a plain DNN landscape has no sources, so it has no configuration probabilities"
        )


def make_dnn_normalisation(v_mid: float, v_half: float, t_max: float, baseline: Tensor,
                           scale: float) -> Normalisation:
    """A :class:`Normalisation` for the DNN (one output)."""
    return Normalisation(v_mid, v_half, t_max, baseline.reshape(1, -1),
                         torch.tensor([scale], dtype=DTYPE), torch.ones(1, dtype=DTYPE))

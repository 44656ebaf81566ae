"""The plain-DNN baseline of the ZENN paper: one MLP F(V,T) with no zentropy structure.

F(V,T) = baseline(v, t) + scale * MLP(v, t), with the same input normalisation and
polynomial output baseline as :mod:`zenthermo.landscape.zenn` (so the comparison isolates
the zentropy structure), 4 hidden layers of 48 tanh units by default. Derivatives are exact
(forward-mode jets). It is trained on the same system-level targets as ZENN (in per-source
mode: the zentropy sum of the sources' free energies).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor, nn

from zenthermo.landscape.zenn import (
    ALL_FIELDS,
    DTYPE,
    BatchedMLP,
    Jet,
    Normalisation,
    evaluate_jets,
    jets_to_derivatives,
)
from zenthermo.physics.derivatives import FreeEnergyDerivatives

#: The paper's baseline architecture.
DNN_HIDDEN = (48, 48, 48, 48)


class DnnNetwork(nn.Module):
    """One MLP F(V,T) in float64; ``forward(V, T)`` gives the physical jet of F, fields (N,).

    Parameters
    ----------
    normalisation : Normalisation
        With ``baseline`` of shape (1, 7) and ``scale`` of shape (1,).
    hidden : tuple of int
    activation : str
    """

    def __init__(self, normalisation: Normalisation, hidden: tuple[int, ...] = DNN_HIDDEN,
                 activation: str = "tanh") -> None:
        super().__init__()
        self.norm = normalisation
        self.mlp = BatchedMLP(1, tuple(hidden), 1, activation)

    def forward(self, V: Tensor, T: Tensor, need: frozenset = ALL_FIELDS) -> Jet:
        norm = self.norm
        inputs = norm.features(V, T)
        raw = self.mlp(inputs, need).map(lambda x: norm.scale[0] * x[0, :, 0])
        return norm.baseline_jet(*inputs[:2]).map(lambda x: x[0]).plus(raw).restrict(need)


class DnnLandscape:
    """A trained plain DNN as a :class:`~zenthermo.landscape.base.Landscape` (``"dnn"``).

    It has no sources: ``source_names`` is empty, ``multiplicities`` is an empty array and
    :meth:`probabilities` raises NotImplementedError.
    """

    method = "dnn"
    source_names: tuple[str, ...] = ()

    def __init__(self, network: DnnNetwork, natoms: int, volume_domain: tuple[float, float],
                 temperature_domain: tuple[float, float], composition: dict | None = None,
                 mode: str = "per-source", settings: dict | None = None,
                 history: dict | None = None, device: str = "cpu",
                 trained_on: tuple[str, ...] = ()) -> None:
        self.network = network.to(device).eval()
        self.natoms = int(natoms)
        self.composition = dict(composition or {})
        self.mode = mode
        self.settings = dict(settings or {})
        self.history = dict(history or {})
        self.device = device
        self.trained_on = tuple(trained_on)
        self._volume_domain = (float(volume_domain[0]), float(volume_domain[1]))
        self._temperature_domain = (float(temperature_domain[0]), float(temperature_domain[1]))

    @property
    def multiplicities(self) -> np.ndarray:
        return np.zeros(0, dtype=np.float64)

    @property
    def volume_domain(self) -> tuple[float, float]:
        return self._volume_domain

    @property
    def temperature_domain(self) -> tuple[float, float]:
        return self._temperature_domain

    def derivatives(self, V, T) -> FreeEnergyDerivatives:
        """F and its exact partial derivatives at (V, T) (numpy in, float64 numpy out)."""
        shape, outputs = evaluate_jets(lambda v, t: (self.network(v, t), None), V, T,
                                       self.device)
        return jets_to_derivatives(shape, outputs)

    def probabilities(self, V, T) -> np.ndarray:
        raise NotImplementedError(
            "a plain DNN landscape has no sources, so it has no configuration probabilities"
        )


def make_dnn_normalisation(v_mid: float, v_half: float, t_max: float, baseline: Tensor,
                           scale: float) -> Normalisation:
    """A :class:`Normalisation` for the DNN (one output)."""
    return Normalisation(v_mid, v_half, t_max, baseline.reshape(1, -1),
                         torch.tensor([scale], dtype=DTYPE), torch.ones(1, dtype=DTYPE))

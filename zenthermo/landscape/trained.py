"""What the trained landscapes (ZENN, DNN) share: chunked evaluation of a network's jets
into numpy, the training record and the training domain.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import Tensor, nn

from zenthermo.landscape.jets import ALL_FIELDS, JET_FIELD, Jet, need_for
from zenthermo.landscape.mlp import DTYPE
from zenthermo.physics.derivatives import (
    DERIVATIVE_FIELDS,
    FreeEnergyDerivatives,
    requested_fields,
)

__all__ = ["CHUNK_POINTS", "TrainedLandscape", "evaluate_jets", "jets_to_derivatives"]

#: Points evaluated per forward pass by the landscapes: small enough that a chunk's jets stay
#: in cache, large enough that the per-pass overhead is negligible.
CHUNK_POINTS = 2048


def evaluate_jets(fn, V, T, device: str = "cpu"
                  ) -> tuple[tuple[int, ...], list[tuple[Jet, Tensor | None]]]:
    """Call ``fn(V_tensor, T_tensor) -> (Jet, extra)`` on broadcast numpy inputs in chunks.

    Runs under ``torch.inference_mode`` (no autograd record). Returns the broadcast shape
    and, per chunk of :data:`CHUNK_POINTS` points, a tuple (jet, extra) with tensors on the
    CPU; the concatenation is left to the caller.
    """
    V_arr, T_arr = np.broadcast_arrays(np.asarray(V, dtype=np.float64),
                                       np.asarray(T, dtype=np.float64))
    shape = V_arr.shape
    flat_v, flat_t = V_arr.reshape(-1), T_arr.reshape(-1)
    outputs = []
    with torch.inference_mode():
        for start in range(0, max(flat_v.size, 1), CHUNK_POINTS):
            v = torch.as_tensor(flat_v[start:start + CHUNK_POINTS], dtype=DTYPE, device=device)
            t = torch.as_tensor(flat_t[start:start + CHUNK_POINTS], dtype=DTYPE, device=device)
            jet, extra = fn(v, t)
            outputs.append((jet.map(lambda x: x.cpu()), None if extra is None else extra.cpu()))
    return shape, outputs


def jets_to_derivatives(shape: tuple[int, ...], outputs,
                        fields: tuple[str, ...] = DERIVATIVE_FIELDS) -> FreeEnergyDerivatives:
    """Concatenate chunked jets into a :class:`FreeEnergyDerivatives` of ``shape``.

    Only ``fields`` are assembled; the others are None.
    """
    values = {}
    for name in fields:
        i = Jet._fields.index(JET_FIELD[name])
        values[name] = torch.cat([jet[i] for jet, _ in outputs]).numpy().reshape(shape)
    return FreeEnergyDerivatives.partial(values)


class TrainedLandscape:
    """What the ZENN and DNN landscapes share: a trained network evaluated in chunks, the
    record of its training, and the training domain (the Landscape protocol's attributes).

    Parameters
    ----------
    network : torch.nn.Module
    natoms : int
    volume_domain, temperature_domain : (float, float)
        The training data's domain, A^3 per cell and K.
    composition : mapping of element -> count
    mode : str
        ``"per-source"`` or ``"system"``.
    settings : dict
        The :class:`~zenthermo.landscape.train.TrainingSettings` used, as plain values.
    history : dict
        Training summary (losses, iterations, wall time).
    device : str
    """

    method = ""

    def __init__(self, network: nn.Module, natoms: int, volume_domain: tuple[float, float],
                 temperature_domain: tuple[float, float],
                 composition: Mapping[str, int] | None = None,
                 mode: str = "per-source", settings: dict | None = None,
                 history: dict | None = None, device: str = "cpu") -> None:
        self.network = network.to(device).eval()
        self.natoms = int(natoms)
        self.composition = dict(composition or {})
        self.mode = mode
        self.settings = dict(settings or {})
        self.history = dict(history or {})
        self.device = device
        self._volume_domain = (float(volume_domain[0]), float(volume_domain[1]))
        self._temperature_domain = (float(temperature_domain[0]), float(temperature_domain[1]))

    @property
    def volume_domain(self) -> tuple[float, float]:
        return self._volume_domain

    @property
    def temperature_domain(self) -> tuple[float, float]:
        return self._temperature_domain

    def total_jet(self, V: Tensor, T: Tensor,
                  need: frozenset = ALL_FIELDS) -> Jet:  # pragma: no cover - abstract
        """The jet of F at points V, T of shape (N,), with the jet fields ``need``."""
        raise NotImplementedError

    def derivatives(self, V, T, fields=None) -> FreeEnergyDerivatives:
        """F and its exact partial derivatives at (V, T) (numpy in, float64 numpy out).

        ``fields`` (names of :class:`FreeEnergyDerivatives` fields; None: all) chooses what
        is computed: the network propagates only the jet fields these need, and the
        others come back as None.
        """
        fields = requested_fields(fields)
        need = need_for(fields)
        shape, outputs = evaluate_jets(lambda v, t: (self.total_jet(v, t, need), None), V, T,
                                       self.device)
        return jets_to_derivatives(shape, outputs, fields)

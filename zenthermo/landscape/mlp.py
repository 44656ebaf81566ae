"""Small MLPs evaluated on jets: exact forward-mode derivatives of a batch of networks.

:class:`BatchedMLP` holds M independent MLPs with weights of shape (M, n_in, n_out) and
evaluates them together (``torch.bmm``; no Python loop over models) on
:class:`~zenthermo.landscape.jets.Jet` inputs, so every output carries its exact partial
derivatives in V and T. Activations are smooth to third order (:func:`activate`).

The weights are float64. Inside :meth:`BatchedMLP.precision` (``float32``) a forward pass
runs in float32: the weights and input fields are rounded on the way in and the outputs
widened back to float64, so the gradient still reaches the float64 weights (mixed
precision, used in training; evaluation runs in float64, see :data:`TRAINING_DTYPES`).

:meth:`BatchedMLP.evaluate` is the inference pass at points shared by every model: the
same function and derivatives (to round-off) with far fewer tensor operations, computing
only the jet fields and activation derivatives asked for (no autograd).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator

import torch
from torch import Tensor, nn

from zenthermo.landscape.inference import evaluate_layers
from zenthermo.landscape.jets import ALL_FIELDS, Jet, compose
from zenthermo.landscape.settings import ACTIVATIONS

__all__ = ["ACTIVATIONS", "DTYPE", "OUTPUT_GAIN", "TRAINING_DTYPES", "BatchedMLP", "activate"]

DTYPE = torch.float64
#: Arithmetic of the MLPs during training (``TrainingSettings.training_precision``).
TRAINING_DTYPES = {"float32": torch.float32, "float64": torch.float64}
#: Initial scale of the output layer relative to Glorot: the networks start close to the
#: fitted polynomial baseline, so that training does not first have to undo an O(1)
#: random function (with full Glorot some seeds stalled at a 100x higher loss).
OUTPUT_GAIN = 0.1


def activate(jet: Jet, kind: str, need: frozenset = ALL_FIELDS) -> Jet:
    """Apply a smooth activation (``tanh``, ``silu``, ``softplus``) to a jet."""
    h = jet.f
    third = "vvv" in need
    if kind == "tanh":
        a = torch.tanh(h)
        d1 = 1 - a * a
        d3 = -2 * d1 * (d1 - 2 * a * a) if third else None
        return compose(jet, a, d1, -2 * a * d1, d3, need)
    s = torch.sigmoid(h)
    s1 = s * (1 - s)
    if kind == "softplus":
        d3 = s1 * (1 - 2 * s) if third else None
        return compose(jet, nn.functional.softplus(h), s, s1, d3, need)
    if kind == "silu":
        d3 = 3 * s1 * (1 - 2 * s) + h * s1 * (1 - 6 * s + 6 * s * s) if third else None
        return compose(jet, h * s, s + h * s1, 2 * s1 + h * s1 * (1 - 2 * s), d3, need)
    raise ValueError(f"unknown activation {kind!r}; choose one of {ACTIVATIONS}")


class BatchedMLP(nn.Module):
    """M independent MLPs R^n_in -> R^n_out evaluated together on jets.

    Parameters
    ----------
    n_models : int
    hidden : tuple of int
        Hidden layer widths.
    n_out : int
    activation : str
    n_in : int
        Number of input features (jets in V and T, see :meth:`forward`).
    generator : torch.Generator, optional
        Source of the random initial weights (Glorot normal; the output layer scaled by
        :data:`OUTPUT_GAIN`); None draws from torch's global generator.
    """

    def __init__(self, n_models: int, hidden: tuple[int, ...], n_out: int = 1,
                 activation: str = "tanh", n_in: int = 2,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
        self.activation = activation
        sizes = (n_in, *hidden, n_out)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for layer, (n_i, n_o) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
            std = math.sqrt(2.0 / (n_i + n_o))  # Glorot normal
            if layer == len(hidden):
                std *= OUTPUT_GAIN
            self.weights.append(nn.Parameter(
                torch.randn(n_models, n_i, n_o, dtype=DTYPE, generator=generator) * std))
            self.biases.append(nn.Parameter(torch.zeros(n_models, 1, n_o, dtype=DTYPE)))
        #: Arithmetic of the forward pass (not saved: a model file holds float64 weights).
        self.compute_dtype = DTYPE

    @contextlib.contextmanager
    def precision(self, dtype: torch.dtype) -> Iterator[None]:
        """Run the forward passes inside the block in ``dtype`` (weights stay float64)."""
        before, self.compute_dtype = self.compute_dtype, dtype
        try:
            yield
        finally:
            self.compute_dtype = before

    def forward(self, inputs: tuple[Jet, ...], need: frozenset = ALL_FIELDS) -> Jet:
        """Jets of all M outputs at the input features.

        ``inputs`` are n_in jets in the physical variables (V, T), e.g. v(V) with its d/dV
        and t(T) with d/dT and d2/dT2 (see :meth:`Normalisation.features`), so the outputs'
        fields are physical partial derivatives. Input fields have shape (N,) (the same
        points for every model), (M, N) (each model its own points) or () (a constant);
        the output fields have shape (M, N, n_out), float64 whatever the arithmetic of the
        pass (:meth:`precision`).
        """
        dtype = self.compute_dtype
        weights = [w.to(dtype) for w in self.weights]
        biases = [b.to(dtype) for b in self.biases]
        w0, b0 = weights[0], biases[0]
        m = w0.shape[0]

        def lift(x: Tensor) -> Tensor:
            x = x.to(dtype)
            if x.dim() == 0:
                return x
            return x[None, :, None] if x.dim() == 1 else x[:, :, None]

        jet = None
        for i, feature in enumerate(inputs):  # the first layer is linear in the inputs
            w = w0[:, i:i + 1, :]
            term = feature.restrict(need | {"f"}).map(lambda x, w=w: lift(x) * w)
            jet = term if jet is None else jet.plus(term)
        assert jet is not None, "a network needs at least one input feature"
        h = jet.f + b0
        jet = Jet(h, *jet[1:]).map(lambda x: x.expand_as(h))
        for w, b in zip(weights[1:], biases[1:], strict=True):
            a = activate(jet, self.activation, need)
            present = [i for i, x in enumerate(a) if x is not None]
            stacked = torch.cat([a[i] for i in present], dim=1)  # one bmm for all fields
            out = torch.bmm(stacked, w).reshape(m, len(present), -1, w.shape[2])
            fields: list[Tensor | None] = [None] * 7
            # unbind: one view per field, whose backward stacks the gradients (selecting
            # out[:, j] field by field zero-fills and accumulates a full-size gradient each)
            for i, part in zip(present, out.unbind(1), strict=True):
                fields[i] = part
            fields[0] = fields[0] + b
            jet = Jet(*fields)
        return jet if dtype == DTYPE else jet.map(lambda x: x.to(DTYPE))

    def evaluate(self, inputs: tuple[Jet, ...], need: frozenset = ALL_FIELDS) -> Jet:
        """Inference: the jets of all M outputs at input features shared by every model.

        ``inputs`` as in :meth:`forward` with fields of shape (N,) or () only; float64,
        no autograd record (call it under ``torch.inference_mode``). Output fields have
        shape (M, N, n_out): :meth:`forward`'s numbers to round-off, with only the fields
        in ``need`` (and the value) computed.
        """
        with torch.no_grad():  # the activation was checked when the MLP was made
            return evaluate_layers(self, list(self.weights), list(self.biases),
                                   self.activation, inputs, need)

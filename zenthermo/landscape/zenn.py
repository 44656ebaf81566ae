"""ZENN: the zentropy-enhanced neural network (after Shang, Wang, Hao, Liu et al.,
arXiv 2505.09851), with exact forward-mode derivatives.

For each source k the network holds an energy network E_k(V,T) and an intrinsic-entropy
network S_k(V,T) >= 0, combined as F_k = E_k - T S_k and summed by zentropy::

    F(V,T) = -k_B T ln sum_k g_k exp(-F_k / k_B T)

All 2K small MLPs (K energy and K entropy networks) are evaluated as one batched computation
(:class:`~zenthermo.landscape.mlp.BatchedMLP`); there is no Python loop over sources.

Derivatives are exact and computed in forward mode: every layer propagates a
:class:`~zenthermo.landscape.jets.Jet` (the value and its partials d/dV, d/dT, d2/dV2,
d2/dT2, d2/dVdT, d3/dV3), so F and all its derivatives come out of one forward pass,
training needs only a first-order backward pass, and evaluation needs no autograd graph.
They agree with torch autograd to round-off (tested). The zentropy combination is the one
of the exact landscape (:func:`zenthermo.landscape.zentropy.zentropy_sum`, here on torch
tensors, so autograd differentiates it for training): p_k = softmax, moments about the
mean, T = 0 the hard-minimum limit (F(V,0) = min_k F_k; F_T(V,0) = -k_B ln g of the
lowest source).

Inputs and output normalisation: :mod:`zenthermo.landscape.features`
(E_k = polynomial baseline_k(v, t) + scale_k * net_k, the networks learn an O(1) residual).
The intrinsic entropy is S_k = s_scale_k * (t + 1)/2 * softplus(net), which
is >= 0 and vanishes at T = 0 exactly (so the S_k -> 0 constraint holds by construction).
F_k alone does not fix the split into the networks' E_k and T S_k; it matters only to the
entropy-fluctuation term below, with which training teaches S_k the source's entropy
-dF_k/dT (:func:`~zenthermo.landscape.losses.entropy_terms`).
:meth:`ZennLandscape.source_energy_entropy` reports each source's entropy and internal
energy from the learned F_k by Gibbs-Helmholtz (S_k = -dF_k/dT, E_k = F_k + T S_k).

Optional entropy fluctuation (the paper's extension, ``entropy_fluctuation_gamma``): the
weights become g_k exp(-F_k/k_B T - (S_k/(gamma k_B))^2), i.e. each F_k in the sum is
replaced by F_k + T S_k^2 / (gamma^2 k_B), which suppresses configurations whose intrinsic
entropy is large compared with gamma k_B. Off (None) by default.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from zenthermo.landscape.features import Normalisation
from zenthermo.landscape.jets import ALL_FIELDS, Jet, constant_jet, need_for
from zenthermo.landscape.mlp import DTYPE, BatchedMLP, activate
from zenthermo.landscape.trained import TrainedLandscape, evaluate_jets, jets_to_derivatives
from zenthermo.landscape.zentropy import fluctuation_penalty, zentropy_sum
from zenthermo.physics.derivatives import FreeEnergyDerivatives, requested_fields

__all__ = ["TORCH", "ZennLandscape", "ZennNetwork", "combine_sources"]


class _TorchOps:
    """torch as an :class:`~zenthermo.landscape.zentropy.ArrayOps`."""

    @staticmethod
    def where(condition: Tensor, x: Any, y: Any) -> Tensor:
        return torch.where(condition, x, y)

    exp = staticmethod(torch.exp)
    log = staticmethod(torch.log)

    @staticmethod
    def sum0(x: Tensor) -> Tensor:
        return x.sum(dim=0)

    @staticmethod
    def max0(x: Tensor) -> Tensor:
        return x.amax(dim=0)

    @staticmethod
    def min0(x: Tensor) -> Tensor:
        return x.amin(dim=0)

    @staticmethod
    def quiet() -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()


#: torch as the array library of the zentropy sum.
TORCH = _TorchOps()


def combine_sources(F_k: Jet, log_g: Tensor, T: Tensor) -> tuple[Jet, Tensor]:
    """Combine per-source jets (fields (K, N), physical units) into the zentropy F.

    Fields of ``F_k`` that are None give None in the result. Returns the jet of F (fields
    (N,)) and ln p_k, shape (K, N).
    """
    result = zentropy_sum(F_k, log_g, T, TORCH)
    return result.total, result.log_p


class ZennNetwork(nn.Module):
    """K sources' energy and entropy networks and their zentropy sum (torch, float64).

    Parameters
    ----------
    normalisation : Normalisation
        With ``baseline`` (K, 7), ``scale`` (K,), ``entropy_scale`` (K,) (eV/K).
    log_multiplicities : Tensor, shape (K,)
        ln g_k; a trainable parameter when ``learn_multiplicities`` (system mode).
    hidden : tuple of int
    activation : str
    entropy_fluctuation_gamma : float or None
        See the module docstring; None disables the term.
    generator : torch.Generator, optional
        Source of the random initial weights (None: torch's global generator).
    """

    log_g: Tensor  # a trainable parameter or a buffer

    def __init__(self, normalisation: Normalisation, log_multiplicities: Tensor,
                 hidden: tuple[int, ...] = (32, 32), activation: str = "tanh",
                 learn_multiplicities: bool = False,
                 entropy_fluctuation_gamma: float | None = None,
                 generator: torch.Generator | None = None) -> None:
        super().__init__()
        self.n_sources = int(log_multiplicities.shape[0])
        self.norm = normalisation
        self.mlp = BatchedMLP(2 * self.n_sources, tuple(hidden), 1, activation,
                              normalisation.n_inputs, generator=generator)
        log_g = log_multiplicities.to(DTYPE).clone()
        if learn_multiplicities:
            self.log_g = nn.Parameter(log_g)
        else:
            self.register_buffer("log_g", log_g)
        self.entropy_fluctuation_gamma = entropy_fluctuation_gamma

    def sources(self, V: Tensor, T: Tensor, need: frozenset = ALL_FIELDS,
                inference: bool = False) -> tuple[Jet, Jet, Jet]:
        """Per-source jets (fields (K, N), physical units): F_k, E_k and S_k.

        ``V`` and ``T`` have shape (N,) (every source at the same points) or (K, N) (each
        source at its own points). ``inference`` (shared points (N,), no autograd): the
        features once for all sources and :meth:`BatchedMLP.evaluate`, the same numbers to
        round-off at a fraction of the cost.
        """
        norm = self.norm
        k = self.n_sources
        if inference and V.dim() == 1:
            inputs = norm.inference_features(V, T, need)
            v, t = inputs[:2]
            raw = self.mlp.evaluate(inputs, need).map(lambda x: x[..., 0])
            return self._combine_networks(raw, v, t, T, need, norm.inference_baseline(v, t, need))
        if V.dim() == 1:
            V, T = V.expand(k, -1), T.expand(k, -1)
        inputs = norm.features(V, T)
        v, t = inputs[:2]
        doubled = tuple(x.map(lambda y: torch.cat([y, y]) if y.dim() else y) for x in inputs)
        raw = self.mlp(doubled, need).map(lambda x: x[..., 0])
        return self._combine_networks(raw, v, t, T, need)

    def _combine_networks(self, raw: Jet, v: Jet, t: Jet, T: Tensor, need: frozenset,
                          baseline: Jet | None = None) -> tuple[Jet, Jet, Jet]:
        """F_k, E_k and S_k from the 2K networks' outputs ``raw`` (fields (2K, N))."""
        norm = self.norm
        k = self.n_sources
        e_net = raw.map(lambda x: x[:k])
        s_net = raw.map(lambda x: x[k:])
        if baseline is None:
            baseline = norm.baseline_jet(v, t, need)
        energy = baseline.plus(e_net.map(lambda x: norm.scale[:, None] * x))
        # S_k = s_scale (t + 1)/2 softplus(net): >= 0, and 0 at T = 0 (t = -1).
        t_frac = t.map(lambda x: x / 2).plus(constant_jet(torch.full_like(t.f, 0.5)))
        entropy = activate(s_net, "softplus", need).times(t_frac).map(
            lambda x: norm.entropy_scale[:, None] * x)
        T_jet = Jet(T, None, torch.ones_like(T), None, None, None, None)
        free = energy.minus(entropy.times(T_jet)).restrict(need)
        return free, energy.restrict(need), entropy.restrict(need)

    def forward(self, V: Tensor, T: Tensor, need: frozenset = ALL_FIELDS,
                inference: bool = False) -> tuple[Jet, Jet, Tensor]:
        """(jet of F (N,), jets of F_k (K, N), ln p_k (K, N)) at points V, T of shape (N,);
        ``inference`` as in :meth:`sources`."""
        free, _, entropy = self.sources(V, T, need, inference)
        total, log_p = self.combine(free, entropy, T)
        return total, free, log_p

    def combine(self, free: Jet, entropy: Jet, T: Tensor) -> tuple[Jet, Tensor]:
        """The zentropy sum of per-source jets at shared points T (N,), and ln p_k."""
        weighted = free
        gamma = self.entropy_fluctuation_gamma
        if gamma is not None:
            penalty = fluctuation_penalty(entropy, T, gamma)
            weighted = free.plus(penalty).restrict(frozenset(
                name for name, x in zip(Jet._fields, free, strict=True) if x is not None))
        return combine_sources(weighted, self.log_g, T)


class ZennLandscape(TrainedLandscape):
    """A trained ZENN as a :class:`~zenthermo.landscape.base.Landscape` (method ``"zenn"``).

    Parameters are those of :class:`TrainedLandscape` with the network a
    :class:`ZennNetwork`, plus ``source_names`` (tuple of str); ``mode`` ``"system"`` means
    latent sources with learned multiplicities.
    """

    method = "zenn"
    network: ZennNetwork

    def __init__(self, network: ZennNetwork, natoms: int, source_names: tuple[str, ...],
                 volume_domain: tuple[float, float], temperature_domain: tuple[float, float],
                 composition: Mapping[str, int] | None = None, mode: str = "per-source",
                 settings: dict | None = None, history: dict | None = None,
                 device: str = "cpu") -> None:
        super().__init__(network, natoms, volume_domain, temperature_domain, composition,
                         mode, settings, history, device)
        self.source_names = tuple(source_names)

    @property
    def multiplicities(self):
        """g_k, shape (K,) (learned ones for a system-mode model)."""
        return torch.exp(self.network.log_g.detach()).cpu().numpy().astype("float64")

    def total_jet(self, V: Tensor, T: Tensor, need: frozenset = ALL_FIELDS) -> Jet:
        return self.network(V, T, need, inference=True)[0]

    def source_derivatives(self, V, T, fields=None) -> list[FreeEnergyDerivatives]:
        """The learned per-source F_k and derivatives, one entry per source (``fields`` as
        in :meth:`derivatives`)."""
        fields = requested_fields(fields)
        need = need_for(fields)
        shape, outputs = evaluate_jets(
            lambda v, t: (self.network.sources(v, t, need, inference=True)[0], None), V, T,
            self.device)
        result = []
        for k in range(self.network.n_sources):
            per_k = [(jet.map(lambda x, k=k: x[k]), None) for jet, _ in outputs]
            result.append(jets_to_derivatives(shape, per_k, fields))
        return result

    def source_energy_entropy(self, V, T, networks: bool = False
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The learned F_k, E_k and S_k of every source at (V, T), each (K, *shape).

        F_k = E_k - T S_k exactly (eV, eV and eV/K per cell). By default the split of
        the learned F_k by Gibbs-Helmholtz: S_k = -dF_k/dT (exact, from the jets) and
        E_k = F_k + T S_k, the source's entropy and internal energy (F_k,T is taught the
        sources' -S in per-source mode, so this S_k follows the source's entropy closely).
        ``networks=True``: the energy and entropy networks' own outputs, whose split the
        data fix only where it was taught (``weight_intrinsic_entropy``, see
        :func:`~zenthermo.landscape.losses.entropy_terms`).
        """
        need = frozenset({"f"}) if networks else frozenset({"f", "t"})

        def parts(v: Tensor, t: Tensor) -> tuple[Jet, Tensor]:
            free, energy, entropy = self.network.sources(v, t, need, inference=True)
            S = entropy.f if networks else -free.t
            E = energy.f if networks else free.f + t * S
            return free.restrict(frozenset({"f"})), torch.stack([free.f, E, S])

        shape, outputs = evaluate_jets(parts, V, T, self.device)
        stacked = torch.cat([extra for _, extra in outputs if extra is not None], dim=2)
        values = stacked.numpy().reshape((3, self.network.n_sources, *shape))
        return values[0], values[1], values[2]

    def probabilities(self, V, T):
        """p_k(V,T), shape (K, *broadcast_shape); rows sum to one."""
        only_f = frozenset({"f"})
        shape, outputs = evaluate_jets(
            lambda v, t: self.network(v, t, only_f, inference=True)[::2], V, T, self.device)
        log_p = torch.cat([extra for _, extra in outputs if extra is not None], dim=1)
        return torch.exp(log_p).numpy().reshape((self.network.n_sources, *shape))

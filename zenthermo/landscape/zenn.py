"""ZENN: the zentropy-enhanced neural network (after Shang, Wang, Hao, Liu et al.,
arXiv 2505.09851), with exact forward-mode derivatives.

For each source k the network holds an energy network E_k(V,T) and an intrinsic-entropy
network S_k(V,T) >= 0, combined as F_k = E_k - T S_k and summed by zentropy::

    F(V,T) = -k_B T ln sum_k g_k exp(-F_k / k_B T)

All 2K small MLPs (K energy and K entropy networks) are evaluated as one batched computation
(weights of shape (2K, n_in, n_out), ``torch.baddbmm``); there is no Python loop over sources.

Derivatives are exact and computed in forward mode: every layer propagates a :class:`Jet`
(the value and its partials d/dV, d/dT, d2/dV2, d2/dT2, d2/dVdT, d3/dV3), so F and all its
derivatives come out of one forward pass, training needs only a first-order backward pass,
and evaluation needs no autograd graph. They agree with torch autograd to round-off (tested).
The zentropy combination uses the closed forms (p_k = softmax, beta = 1/k_B T)::

    F_V   = <F_k,V>
    F_VV  = <F_k,VV> - beta Var(F_k,V)
    F_VVV = <F_k,VVV> - 3 beta Cov(F_k,V, F_k,VV) + beta^2 kappa_3(F_k,V)
    F_T   = <q_k>,  q_k = F_k,T - (F_k - F)/T = F_k,T - k_B (ln g_k - ln p_k)
    F_TT  = <F_k,TT> - beta Var(q_k),   F_VT = <F_k,VT> - beta Cov(q_k, F_k,V)

evaluated with log-softmax, so nothing overflows; T is floored at :data:`T_FLOOR_K` inside
the sum (F(V,0) = min_k F_k exactly; derivatives at T = 0 are the limits T -> 0+, so
F_T(V,0) = -k_B ln g of the lowest source).

Input normalisation: v = (V - V_mid)/V_half and t = 2T/T_max - 1, both in [-1, 1] on the
training domain. Output normalisation: E_k = polynomial baseline_k(v, t) + scale_k * net_k,
where the baseline (cubic in v, quadratic in t) is a least-squares fit to the training
targets, so the networks learn an O(1) residual. The intrinsic entropy is
S_k = s_scale_k * (T/T_max) * softplus(net), which is >= 0 and vanishes at T = 0 exactly
(so the S_k -> 0 constraint holds by construction).

Optional entropy fluctuation (the paper's extension, ``entropy_fluctuation_gamma``): the
weights become g_k exp(-F_k/k_B T - (S_k/(gamma k_B))^2), i.e. each F_k in the sum is
replaced by F_k + T S_k^2 / (gamma^2 k_B), which suppresses configurations whose intrinsic
entropy is large compared with gamma k_B. Off (None) by default.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import Tensor, nn

from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.units import KB_EV_PER_K

DTYPE = torch.float64
#: Temperature floor (K) inside the zentropy sum, so that T = 0 needs no special case.
T_FLOOR_K = 1e-4
ACTIVATIONS = ("tanh", "silu", "softplus")
#: Baseline basis in normalised (v, t): 1, v, v^2, v^3, t, t^2, v t.
N_BASIS = 7


#: Jet fields needed to train (values, slopes, curvature in V, and F_TT for C_V >= 0).
TRAINING_FIELDS = frozenset({"f", "v", "t", "vv", "tt"})
ALL_FIELDS = frozenset({"f", "v", "t", "vv", "tt", "vt", "vvv"})


def _mul(*factors):
    """Product where ``None`` stands for an identically zero field."""
    if any(x is None for x in factors):
        return None
    result = factors[0]
    for x in factors[1:]:
        result = result * x
    return result


def _add(*terms):
    """Sum where ``None`` stands for an identically zero field (None if all are)."""
    present = [x for x in terms if x is not None]
    if not present:
        return None
    result = present[0]
    for x in present[1:]:
        result = result + x
    return result


class Jet(NamedTuple):
    """A function and its partial derivatives in two variables (v, t).

    Every field is a tensor of one shape, or None for a field that is identically zero or
    was not asked for (``need``): forward mode only computes what is needed.
    """

    f: Tensor
    v: Tensor | None
    t: Tensor | None
    vv: Tensor | None
    tt: Tensor | None
    vt: Tensor | None
    vvv: Tensor | None

    def scaled(self, sv: float | Tensor, st: float | Tensor) -> Jet:
        """The jet in new variables where d/dv -> sv d/dv and d/dt -> st d/dt (linear maps)."""
        return Jet(self.f, _mul(self.v, sv), _mul(self.t, st), _mul(self.vv, sv * sv),
                   _mul(self.tt, st * st), _mul(self.vt, sv * st), _mul(self.vvv, sv ** 3))

    def plus(self, other: Jet) -> Jet:
        return Jet(*(_add(a, b) for a, b in zip(self, other, strict=True)))

    def minus(self, other: Jet) -> Jet:
        return self.plus(other.map(torch.neg))

    def times(self, other: Jet) -> Jet:
        """Product rule for the product of two jets."""
        f, g = self, other
        return Jet(
            f.f * g.f,
            _add(_mul(f.v, g.f), _mul(f.f, g.v)),
            _add(_mul(f.t, g.f), _mul(f.f, g.t)),
            _add(_mul(f.vv, g.f), _mul(2, f.v, g.v), _mul(f.f, g.vv)),
            _add(_mul(f.tt, g.f), _mul(2, f.t, g.t), _mul(f.f, g.tt)),
            _add(_mul(f.vt, g.f), _mul(f.v, g.t), _mul(f.t, g.v), _mul(f.f, g.vt)),
            _add(_mul(f.vvv, g.f), _mul(3, f.vv, g.v), _mul(3, f.v, g.vv), _mul(f.f, g.vvv)),
        )

    def map(self, fn) -> Jet:
        """Apply ``fn`` to every field that is present."""
        return Jet(*(None if x is None else fn(x) for x in self))

    def restrict(self, need: frozenset) -> Jet:
        """Drop (set to None) the fields not in ``need``."""
        return Jet(*(x if name in need else None for name, x in zip(self._fields, self,
                                                                      strict=True)))


def constant_jet(value: Tensor) -> Jet:
    return Jet(value, None, None, None, None, None, None)


def _compose(jet: Jet, d0, d1, d2, d3, need: frozenset) -> Jet:
    """Chain rule: the jet of phi(jet) given phi and its first three derivatives there."""
    return Jet(
        d0,
        _mul(d1, jet.v) if "v" in need else None,
        _mul(d1, jet.t) if "t" in need else None,
        _add(_mul(d2, jet.v, jet.v), _mul(d1, jet.vv)) if "vv" in need else None,
        _add(_mul(d2, jet.t, jet.t), _mul(d1, jet.tt)) if "tt" in need else None,
        _add(_mul(d2, jet.v, jet.t), _mul(d1, jet.vt)) if "vt" in need else None,
        _add(_mul(d3, jet.v, jet.v, jet.v), _mul(3, d2, jet.v, jet.vv), _mul(d1, jet.vvv))
        if "vvv" in need else None,
    )


def activate(jet: Jet, kind: str, need: frozenset = ALL_FIELDS) -> Jet:
    """Apply a smooth activation (``tanh``, ``silu``, ``softplus``) to a jet."""
    h = jet.f
    third = "vvv" in need
    if kind == "tanh":
        a = torch.tanh(h)
        d1 = 1 - a * a
        d3 = -2 * d1 * (d1 - 2 * a * a) if third else None
        return _compose(jet, a, d1, -2 * a * d1, d3, need)
    s = torch.sigmoid(h)
    s1 = s * (1 - s)
    if kind == "softplus":
        d3 = s1 * (1 - 2 * s) if third else None
        return _compose(jet, nn.functional.softplus(h), s, s1, d3, need)
    if kind == "silu":
        d3 = 3 * s1 * (1 - 2 * s) + h * s1 * (1 - 6 * s + 6 * s * s) if third else None
        return _compose(jet, h * s, s + h * s1, 2 * s1 + h * s1 * (1 - 2 * s), d3, need)
    raise ValueError(f"unknown activation {kind!r}; choose one of {ACTIVATIONS}")


class BatchedMLP(nn.Module):
    """M independent MLPs R^2 -> R^n_out evaluated together on jets.

    Parameters
    ----------
    n_models : int
    hidden : tuple of int
        Hidden layer widths.
    n_out : int
    activation : str
    """

    def __init__(self, n_models: int, hidden: tuple[int, ...], n_out: int = 1,
                 activation: str = "tanh") -> None:
        super().__init__()
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {ACTIVATIONS}")
        self.activation = activation
        sizes = (2, *hidden, n_out)
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for n_in, n_o in zip(sizes[:-1], sizes[1:], strict=True):
            std = math.sqrt(2.0 / (n_in + n_o))  # Glorot normal
            self.weights.append(nn.Parameter(torch.randn(n_models, n_in, n_o, dtype=DTYPE) * std))
            self.biases.append(nn.Parameter(torch.zeros(n_models, 1, n_o, dtype=DTYPE)))

    def forward(self, v: Tensor, t: Tensor, need: frozenset = ALL_FIELDS) -> Jet:
        """Jets of all M outputs at the points (v, t).

        ``v`` and ``t`` have shape (N,) (the same points for every model) or (M, N) (each
        model its own points); the fields have shape (M, N, n_out).
        """
        w0, b0 = self.weights[0], self.biases[0]
        m = w0.shape[0]
        v3 = v[None, :, None] if v.dim() == 1 else v[:, :, None]
        t3 = t[None, :, None] if t.dim() == 1 else t[:, :, None]
        h = v3 * w0[:, :1, :] + t3 * w0[:, 1:2, :] + b0
        jet = Jet(h, w0[:, :1, :] if "v" in need else None,
                  w0[:, 1:2, :] if "t" in need else None, None, None, None, None)
        for w, b in zip(self.weights[1:], self.biases[1:], strict=True):
            a = activate(jet, self.activation, need)
            present = [i for i, x in enumerate(a) if x is not None]
            stacked = torch.cat([a[i] for i in present], dim=1)  # one bmm for all fields
            out = torch.bmm(stacked, w).reshape(m, len(present), -1, w.shape[2])
            fields: list[Tensor | None] = [None] * 7
            for j, i in enumerate(present):
                fields[i] = out[:, j]
            fields[0] = fields[0] + b
            jet = Jet(*fields)
        return jet


def baseline_basis(v: Tensor, t: Tensor) -> Jet:
    """Jets of the baseline basis (1, v, v^2, v^3, t, t^2, v t); fields of shape (7, *v.shape)."""
    one, zero = torch.ones_like(v), torch.zeros_like(v)
    return Jet(
        torch.stack([one, v, v * v, v ** 3, t, t * t, v * t]),
        torch.stack([zero, one, 2 * v, 3 * v * v, zero, zero, t]),
        torch.stack([zero, zero, zero, zero, one, 2 * t, v]),
        torch.stack([zero, zero, 2 * one, 6 * v, zero, zero, zero]),
        torch.stack([zero, zero, zero, zero, zero, 2 * one, zero]),
        torch.stack([zero, zero, zero, zero, zero, zero, one]),
        torch.stack([zero, zero, zero, 6 * one, zero, zero, zero]),
    )


class Normalisation(nn.Module):
    """Affine input maps v = (V - v_mid)/v_half, t = 2T/t_max - 1 and per-output scales.

    Buffers (saved with the model): ``v_mid, v_half, t_max`` (scalars), ``baseline``
    (n_out, 7) coefficients of :func:`baseline_basis`, ``scale`` (n_out,) of the residual
    network output, ``entropy_scale`` (n_out,) for ZENN's entropy networks.
    """

    def __init__(self, v_mid: float, v_half: float, t_max: float, baseline: Tensor,
                 scale: Tensor, entropy_scale: Tensor) -> None:
        super().__init__()
        self.register_buffer("v_mid", torch.tensor(float(v_mid), dtype=DTYPE))
        self.register_buffer("v_half", torch.tensor(float(v_half), dtype=DTYPE))
        self.register_buffer("t_max", torch.tensor(float(t_max), dtype=DTYPE))
        self.register_buffer("baseline", baseline.to(DTYPE).clone())
        self.register_buffer("scale", scale.to(DTYPE).clone())
        self.register_buffer("entropy_scale", entropy_scale.to(DTYPE).clone())

    def inputs(self, V: Tensor, T: Tensor) -> tuple[Tensor, Tensor]:
        return (V - self.v_mid) / self.v_half, 2 * T / self.t_max - 1

    def to_physical(self, jet: Jet) -> Jet:
        """Jet in (v, t) -> jet in (V, T)."""
        return jet.scaled(1 / self.v_half, 2 / self.t_max)


def zentropy_sum(F_k: Jet, log_g: Tensor, T: Tensor) -> tuple[Jet, Tensor]:
    """Combine per-source jets (fields (K, N), physical units) into the zentropy F.

    Fields of ``F_k`` that are None give None in the result. Returns the jet of F (fields
    (N,)) and ln p_k, shape (K, N).
    """
    kT = KB_EV_PER_K * torch.clamp(T, min=T_FLOOR_K)
    beta = 1 / kT
    x = log_g[:, None] - F_k.f / kT
    log_z = torch.logsumexp(x, dim=0)
    log_p = x - log_z
    p = torch.exp(log_p)

    def mean(y: Tensor | None) -> Tensor | None:
        return None if y is None else (p * y).sum(dim=0)

    F_V = mean(F_k.v)
    da = None if F_V is None else F_k.v - F_V
    mean_vv = mean(F_k.vv)
    F_VV = None if mean_vv is None else mean_vv - beta * mean(da * da)
    F_VVV = None
    if F_k.vvv is not None:
        F_VVV = (mean(F_k.vvv) - 3 * beta * mean(da * (F_k.vv - mean_vv))
                 + beta * beta * mean(da ** 3))
    F_T = F_TT = F_VT = None
    if F_k.t is not None:
        q = F_k.t - KB_EV_PER_K * (log_g[:, None] - log_p)
        F_T = mean(q)
        dq = q - F_T
        if F_k.tt is not None:
            F_TT = mean(F_k.tt) - beta * mean(dq * dq)
        if F_k.vt is not None:
            F_VT = mean(F_k.vt) - beta * mean(dq * da)
    # At T = 0 exactly, F = min_k F_k (= <F_k> with the one-hot p), without the k_B T_floor
    # ln g_k offset of the floored sum; derivatives are the limits T -> 0+.
    F = torch.where(T > 0, -kT * log_z, mean(F_k.f))
    return Jet(F, F_V, F_T, F_VV, F_TT, F_VT, F_VVV), log_p


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
    """

    def __init__(self, normalisation: Normalisation, log_multiplicities: Tensor,
                 hidden: tuple[int, ...] = (32, 32), activation: str = "tanh",
                 learn_multiplicities: bool = False,
                 entropy_fluctuation_gamma: float | None = None) -> None:
        super().__init__()
        self.n_sources = int(log_multiplicities.shape[0])
        self.norm = normalisation
        self.mlp = BatchedMLP(2 * self.n_sources, tuple(hidden), 1, activation)
        log_g = log_multiplicities.to(DTYPE).clone()
        if learn_multiplicities:
            self.log_g = nn.Parameter(log_g)
        else:
            self.register_buffer("log_g", log_g)
        self.entropy_fluctuation_gamma = entropy_fluctuation_gamma

    def sources(self, V: Tensor, T: Tensor,
                need: frozenset = ALL_FIELDS) -> tuple[Jet, Jet, Jet]:
        """Per-source jets (fields (K, N), physical units): F_k, E_k and S_k.

        ``V`` and ``T`` have shape (N,) (every source at the same points) or (K, N) (each
        source at its own points).
        """
        norm = self.norm
        k = self.n_sources
        if V.dim() == 1:
            V, T = V.expand(k, -1), T.expand(k, -1)
        v, t = norm.inputs(V, T)
        raw = self.mlp(torch.cat([v, v]), torch.cat([t, t]), need).map(lambda x: x[..., 0])
        e_net = raw.map(lambda x: x[:k])
        s_net = raw.map(lambda x: x[k:])
        base = baseline_basis(v, t)  # fields (7, K, N)
        coeffs = norm.baseline.T[:, :, None]
        energy = Jet(*(None if e is None else (coeffs * b).sum(0) + norm.scale[:, None] * e
                       for b, e in zip(base, e_net, strict=True))).restrict(need)
        # S_k = s_scale (T/T_max) softplus(net); T/T_max = (t + 1)/2 in normalised t.
        t_frac = Jet((t + 1) / 2, None, torch.full_like(t, 0.5), None, None, None, None)
        entropy = activate(s_net, "softplus", need).times(t_frac).map(
            lambda x: norm.entropy_scale[:, None] * x)
        energy = norm.to_physical(energy)
        entropy = norm.to_physical(entropy)
        T_jet = Jet(T, None, torch.ones_like(T), None, None, None, None)
        free = energy.minus(entropy.times(T_jet)).restrict(need)
        return free, energy, entropy

    def forward(self, V: Tensor, T: Tensor,
                need: frozenset = ALL_FIELDS) -> tuple[Jet, Jet, Tensor]:
        """(jet of F (N,), jets of F_k (K, N), ln p_k (K, N)) at points V, T of shape (N,)."""
        free, _, entropy = self.sources(V, T, need)
        total, log_p = self.combine(free, entropy, T)
        return total, free, log_p

    def combine(self, free: Jet, entropy: Jet, T: Tensor) -> tuple[Jet, Tensor]:
        """The zentropy sum of per-source jets at shared points T (N,), and ln p_k."""
        weighted = free
        gamma = self.entropy_fluctuation_gamma
        if gamma is not None:
            T_jet = Jet(T, None, torch.ones_like(T), None, None, None, None)
            penalty = entropy.times(entropy).times(T_jet).map(
                lambda x: x / (gamma * gamma * KB_EV_PER_K))
            weighted = free.plus(penalty).restrict(frozenset(
                name for name, x in zip(Jet._fields, free, strict=True) if x is not None))
        return zentropy_sum(weighted, self.log_g, T)


#: Points evaluated per forward pass by the landscapes (bounds memory on large grids).
CHUNK_POINTS = 32768


def evaluate_jets(fn, V, T, device: str = "cpu") -> tuple[tuple[int, ...], list[Tensor]]:
    """Call ``fn(V_tensor, T_tensor) -> (Jet, extra)`` on broadcast numpy inputs in chunks.

    Returns the broadcast shape and, per chunk, the concatenation is left to the caller:
    a list of tuples (jet, extra) with tensors on the CPU.
    """
    import numpy as np

    V_arr, T_arr = np.broadcast_arrays(np.asarray(V, dtype=np.float64),
                                       np.asarray(T, dtype=np.float64))
    shape = V_arr.shape
    flat_v, flat_t = V_arr.reshape(-1), T_arr.reshape(-1)
    outputs = []
    with torch.no_grad():
        for start in range(0, max(flat_v.size, 1), CHUNK_POINTS):
            v = torch.as_tensor(flat_v[start:start + CHUNK_POINTS], dtype=DTYPE, device=device)
            t = torch.as_tensor(flat_t[start:start + CHUNK_POINTS], dtype=DTYPE, device=device)
            jet, extra = fn(v, t)
            outputs.append((jet.map(lambda x: x.cpu()), None if extra is None else extra.cpu()))
    return shape, outputs


def jets_to_derivatives(shape: tuple[int, ...], outputs) -> FreeEnergyDerivatives:
    """Concatenate chunked jets into a :class:`FreeEnergyDerivatives` of ``shape``."""
    fields = [torch.cat([jet[i] for jet, _ in outputs]).numpy().reshape(shape)
              for i in range(7)]
    f, fv, ft, fvv, ftt, fvt, fvvv = fields
    return FreeEnergyDerivatives(F=f, F_V=fv, F_VV=fvv, F_VVV=fvvv, F_T=ft, F_TT=ftt, F_VT=fvt)


class ZennLandscape:
    """A trained ZENN as a :class:`~zenthermo.landscape.base.Landscape` (method ``"zenn"``).

    Parameters
    ----------
    network : ZennNetwork
    natoms : int
    source_names : tuple of str
    volume_domain, temperature_domain : (float, float)
        The training data's domain, A^3 per cell and K.
    composition : mapping of element -> count
    mode : str
        ``"per-source"`` or ``"system"`` (latent sources, learned multiplicities).
    settings : dict
        The :class:`~zenthermo.landscape.train.TrainingSettings` used, as plain values.
    history : dict
        Training summary (losses, iterations, wall time).
    """

    method = "zenn"

    def __init__(self, network: ZennNetwork, natoms: int, source_names: tuple[str, ...],
                 volume_domain: tuple[float, float], temperature_domain: tuple[float, float],
                 composition: dict | None = None, mode: str = "per-source",
                 settings: dict | None = None, history: dict | None = None,
                 device: str = "cpu") -> None:
        self.network = network.to(device).eval()
        self.natoms = int(natoms)
        self.source_names = tuple(source_names)
        self.composition = dict(composition or {})
        self.mode = mode
        self.settings = dict(settings or {})
        self.history = dict(history or {})
        self.device = device
        self._volume_domain = (float(volume_domain[0]), float(volume_domain[1]))
        self._temperature_domain = (float(temperature_domain[0]), float(temperature_domain[1]))

    @property
    def multiplicities(self):
        """g_k, shape (K,) (learned ones for a system-mode model)."""
        return torch.exp(self.network.log_g.detach()).cpu().numpy().astype("float64")

    @property
    def volume_domain(self) -> tuple[float, float]:
        return self._volume_domain

    @property
    def temperature_domain(self) -> tuple[float, float]:
        return self._temperature_domain

    def derivatives(self, V, T) -> FreeEnergyDerivatives:
        """F and its exact partial derivatives at (V, T) (numpy in, float64 numpy out)."""
        shape, outputs = evaluate_jets(lambda v, t: (self.network(v, t)[0], None), V, T,
                                       self.device)
        return jets_to_derivatives(shape, outputs)

    def source_derivatives(self, V, T) -> list[FreeEnergyDerivatives]:
        """The learned per-source F_k and derivatives, one entry per source."""
        shape, outputs = evaluate_jets(lambda v, t: (self.network.sources(v, t)[0], None),
                                       V, T, self.device)
        result = []
        for k in range(self.network.n_sources):
            per_k = [(jet.map(lambda x, k=k: x[k]), None) for jet, _ in outputs]
            result.append(jets_to_derivatives(shape, per_k))
        return result

    def probabilities(self, V, T):
        """p_k(V,T), shape (K, *broadcast_shape); rows sum to one."""
        shape, outputs = evaluate_jets(lambda v, t: self.network(v, t)[::2], V, T, self.device)
        log_p = torch.cat([extra for _, extra in outputs], dim=1)
        return torch.exp(log_p).numpy().reshape((self.network.n_sources, *shape))

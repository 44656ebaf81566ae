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

Inputs: v = (V - V_mid)/V_half in [-1, 1], a temperature feature t(T) in [-1, 1] (linear,
or flat to third order at T = 0 for sources that obey the third law: see
:func:`temperature_feature`) and, optionally, a low-temperature feature u(T)
(:func:`low_temperature_feature`). The inputs enter as jets in the physical variables, so
every derivative that comes out is d/dV, d/dT directly. Output normalisation:
E_k = polynomial baseline_k(v, t) + scale_k * net_k, where the baseline (cubic in v,
quadratic in t) is a least-squares fit to the training targets, so the networks learn an
O(1) residual. The intrinsic entropy is S_k = s_scale_k * (t + 1)/2 * softplus(net), which
is >= 0 and vanishes at T = 0 exactly (so the S_k -> 0 constraint holds by construction).

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
#: Initial scale of the output layer relative to Glorot: the networks start close to the
#: fitted polynomial baseline, so that training does not first have to undo an O(1)
#: random function (with full Glorot some seeds stalled at a 100x higher loss).
OUTPUT_GAIN = 0.1
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
    """

    def __init__(self, n_models: int, hidden: tuple[int, ...], n_out: int = 1,
                 activation: str = "tanh", n_in: int = 2) -> None:
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
            self.weights.append(nn.Parameter(torch.randn(n_models, n_i, n_o, dtype=DTYPE) * std))
            self.biases.append(nn.Parameter(torch.zeros(n_models, 1, n_o, dtype=DTYPE)))

    def forward(self, inputs: tuple[Jet, ...], need: frozenset = ALL_FIELDS) -> Jet:
        """Jets of all M outputs at the input features.

        ``inputs`` are n_in jets in the physical variables (V, T), e.g. v(V) with its d/dV
        and t(T) with d/dT and d2/dT2 (see :meth:`Normalisation.features`), so the outputs'
        fields are physical partial derivatives. Input fields have shape (N,) (the same
        points for every model), (M, N) (each model its own points) or () (a constant);
        the output fields have shape (M, N, n_out).
        """
        w0, b0 = self.weights[0], self.biases[0]
        m = w0.shape[0]

        def lift(x: Tensor) -> Tensor:
            if x.dim() == 0:
                return x
            return x[None, :, None] if x.dim() == 1 else x[:, :, None]

        jet = None
        for i, feature in enumerate(inputs):  # the first layer is linear in the inputs
            w = w0[:, i:i + 1, :]
            term = feature.restrict(need | {"f"}).map(lambda x, w=w: lift(x) * w)
            jet = term if jet is None else jet.plus(term)
        h = jet.f + b0
        jet = Jet(h, *jet[1:]).map(lambda x: x.expand_as(h))
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


def baseline_basis(v: Jet, t: Jet) -> Jet:
    """Jets of the baseline basis (1, v, v^2, v^3, t, t^2, v t) in the input features.

    ``v`` and ``t`` are feature jets (:meth:`Normalisation.features`); the fields have
    shape (7, *v.f.shape) and are physical derivatives (None where zero for every term).
    """
    one = constant_jet(torch.ones_like(v.f))
    v2 = v.times(v)
    terms = [one, v, v2, v2.times(v), t, t.times(t), v.times(t)]
    fields = []
    for i in range(7):
        parts = [term[i] for term in terms]
        if all(x is None for x in parts):
            fields.append(None)
        else:
            fields.append(torch.stack([torch.zeros_like(v.f) if x is None
                                       else x.expand_as(v.f) for x in parts]))
    return Jet(*fields)


def _knee(T: Tensor, t_knee: Tensor) -> Jet:
    """s(T) = (T^4 + T_0^4)^(1/4) - T_0 and its dT, d2T derivatives (s = T for T_0 = 0)."""
    if float(t_knee) <= 0:
        return Jet(T, None, torch.ones_like(T), None, None, None, None)
    t0_4 = t_knee ** 4
    r = T ** 4 + t0_4
    return Jet(r ** 0.25 - t_knee, None, T ** 3 * r ** -0.75, None,
               3 * T * T * t0_4 * r ** -1.75, None, None)


def temperature_feature(T: Tensor, t_max: Tensor, t_knee: Tensor) -> Jet:
    """The network's temperature input t(T) in [-1, 1] and its dT, d2T derivatives.

    ``t_knee`` = 0: t = 2T/T_max - 1 (linear). ``t_knee`` = T_0 > 0:
    t = 2 s(T)/s(T_max) - 1 with s(T) = (T^4 + T_0^4)^(1/4) - T_0, which is
    T^4/(4 T_0^3) well below T_0 and T - T_0 well above it. Every function of t is then
    flat to third order at T = 0: F_k - F_k(V, 0) = O(T^4) and F_k,VT = O(T^3), the Debye
    law, so the learned entropy obeys the Nernst theorem (S_V -> 0, alpha -> 0) instead of
    keeping whatever slope a generic fit leaves at T = 0.
    """
    s = _knee(T, t_knee)
    s_max = _knee(t_max.reshape(1), t_knee).f[0]
    return s.map(lambda x: x * (2 / s_max)).plus(constant_jet(-torch.ones_like(T)))


def low_temperature_feature(T: Tensor, t_low: Tensor, t_knee: Tensor) -> Jet:
    """A second temperature input u(T) = (s - T_1)/(s + T_1) in [-1, 1), T_1 = ``t_low``.

    s(T) as in :func:`temperature_feature`. It spreads 0 - ~3 T_1 (where Debye-like
    vibrational functions and the configurational balance change fastest) over most of
    the input range, which the linear feature compresses into a few per cent of it.
    """
    s = _knee(T, t_knee)
    d = s.f + t_low
    dt = None if s.t is None else 2 * t_low * s.t / d ** 2
    dtt = -4 * t_low * s.t ** 2 / d ** 3
    if s.tt is not None:
        dtt = dtt + 2 * t_low * s.tt / d ** 2
    return Jet((s.f - t_low) / d, None, dt, None, dtt, None, None)


class Normalisation(nn.Module):
    """Input features v(V), t(T) (and u(T)) on the training domain, and output scales.

    v = (V - v_mid)/v_half in [-1, 1]; t(T) is :func:`temperature_feature` (linear for
    ``t_knee`` = 0, flat at T = 0 otherwise); where ``t_low`` > 0 the networks also get the
    low-temperature input u(T) of :func:`low_temperature_feature`. Buffers (saved with the
    model): ``v_mid, v_half, t_max, t_knee, t_low`` (scalars, A^3 and K), ``baseline``
    (n_out, 7) coefficients of :func:`baseline_basis` in (v, t), ``scale`` (n_out,) of the
    residual network output, ``entropy_scale`` (n_out,) for ZENN's entropy networks (eV/K).
    """

    def __init__(self, v_mid: float, v_half: float, t_max: float, baseline: Tensor,
                 scale: Tensor, entropy_scale: Tensor, t_knee: float = 0.0,
                 t_low: float = 0.0) -> None:
        super().__init__()
        self.register_buffer("v_mid", torch.tensor(float(v_mid), dtype=DTYPE))
        self.register_buffer("v_half", torch.tensor(float(v_half), dtype=DTYPE))
        self.register_buffer("t_max", torch.tensor(float(t_max), dtype=DTYPE))
        self.register_buffer("t_knee", torch.tensor(float(t_knee), dtype=DTYPE))
        self.register_buffer("t_low", torch.tensor(float(t_low), dtype=DTYPE))
        self.register_buffer("baseline", baseline.to(DTYPE).clone())
        self.register_buffer("scale", scale.to(DTYPE).clone())
        self.register_buffer("entropy_scale", entropy_scale.to(DTYPE).clone())

    @property
    def n_inputs(self) -> int:
        """Number of network inputs: v, t, and u when ``t_low`` > 0."""
        return 3 if float(self.t_low) > 0 else 2

    def features(self, V: Tensor, T: Tensor) -> tuple[Jet, ...]:
        """Jets of the network inputs: v(V) (value, d/dV), t(T) and, where ``t_low`` > 0,
        u(T) (value, d/dT, d2/dT2): physical derivatives."""
        v = Jet((V - self.v_mid) / self.v_half, 1 / self.v_half, None, None, None, None, None)
        t = temperature_feature(T, self.t_max, self.t_knee)
        if self.n_inputs == 2:
            return v, t
        return v, t, low_temperature_feature(T, self.t_low, self.t_knee)

    def baseline_jet(self, v: Jet, t: Jet) -> Jet:
        """The polynomial baseline of every output, fields (n_out, *v.f.shape)."""
        coeffs = self.baseline.T[:, :, None]  # (7, n_out, 1)
        return baseline_basis(v, t).map(
            lambda b: (coeffs * (b[:, None] if b.dim() == 2 else b)).sum(0))


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
        self.mlp = BatchedMLP(2 * self.n_sources, tuple(hidden), 1, activation,
                              normalisation.n_inputs)
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
        inputs = norm.features(V, T)
        v, t = inputs[:2]
        doubled = tuple(x.map(lambda y: torch.cat([y, y]) if y.dim() else y) for x in inputs)
        raw = self.mlp(doubled, need).map(lambda x: x[..., 0])
        e_net = raw.map(lambda x: x[:k])
        s_net = raw.map(lambda x: x[k:])
        energy = norm.baseline_jet(v, t).plus(e_net.map(lambda x: norm.scale[:, None] * x))
        # S_k = s_scale (t + 1)/2 softplus(net): >= 0, and 0 at T = 0 (t = -1).
        t_frac = t.map(lambda x: x / 2).plus(constant_jet(torch.full_like(t.f, 0.5)))
        entropy = activate(s_net, "softplus", need).times(t_frac).map(
            lambda x: norm.entropy_scale[:, None] * x)
        T_jet = Jet(T, None, torch.ones_like(T), None, None, None, None)
        free = energy.minus(entropy.times(T_jet)).restrict(need)
        return free, energy.restrict(need), entropy.restrict(need)

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
                 temperature_domain: tuple[float, float], composition: dict | None = None,
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

    def total_jet(self, V: Tensor, T: Tensor) -> Jet:  # pragma: no cover - abstract
        """The jet of F at points V, T of shape (N,)."""
        raise NotImplementedError

    def derivatives(self, V, T) -> FreeEnergyDerivatives:
        """F and its exact partial derivatives at (V, T) (numpy in, float64 numpy out)."""
        shape, outputs = evaluate_jets(lambda v, t: (self.total_jet(v, t), None), V, T,
                                       self.device)
        return jets_to_derivatives(shape, outputs)


class ZennLandscape(TrainedLandscape):
    """A trained ZENN as a :class:`~zenthermo.landscape.base.Landscape` (method ``"zenn"``).

    Parameters are those of :class:`TrainedLandscape` with the network a
    :class:`ZennNetwork`, plus ``source_names`` (tuple of str); ``mode`` ``"system"`` means
    latent sources with learned multiplicities.
    """

    method = "zenn"

    def __init__(self, network: ZennNetwork, natoms: int, source_names: tuple[str, ...],
                 volume_domain: tuple[float, float], temperature_domain: tuple[float, float],
                 composition: dict | None = None, mode: str = "per-source",
                 settings: dict | None = None, history: dict | None = None,
                 device: str = "cpu") -> None:
        super().__init__(network, natoms, volume_domain, temperature_domain, composition,
                         mode, settings, history, device)
        self.source_names = tuple(source_names)

    @property
    def multiplicities(self):
        """g_k, shape (K,) (learned ones for a system-mode model)."""
        return torch.exp(self.network.log_g.detach()).cpu().numpy().astype("float64")

    def total_jet(self, V: Tensor, T: Tensor) -> Jet:
        return self.network(V, T)[0]

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

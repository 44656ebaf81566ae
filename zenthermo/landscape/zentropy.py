"""The zentropy sum F = -k_B T ln sum_k g_k exp(-F_k / k_B T) and its exact derivatives.

One formulation serves the exact landscape (numpy) and the trained ones (torch, through
autograd): the formulas are written once against a tiny array-operations adapter
(:class:`ArrayOps`); :data:`NUMPY` is the numpy one, and the torch one lives with the
networks (:mod:`zenthermo.landscape.zenn`), so this module imports no torch.

With beta = 1/(k_B T), p_k = g_k exp(-beta F_k) / Z, <A> = sum_k p_k A_k, and
U_k = F_k - T dF_k/dT (the energy of source k)::

    F      = <F_k> - T S_mix,             S_mix = -k_B sum_k p_k ln(p_k / g_k)
    F_V    = <F_V>
    F_VV   = <F_VV> - beta Var(F_V)
    F_VVV  = <F_VVV> - 3 beta Cov(F_V, F_VV) + beta^2 kappa_3(F_V)
    F_T    = <F_T> - S_mix
    F_TT   = <F_TT> - Var(U) / (k_B T^3)
    F_VT   = <F_VT> + Cov(F_V, U) / (k_B T^2)

(from L = ln Z = logsumexp(x_k), x_k = ln g_k - beta F_k: dL/da = <x_a>,
d2L/dadb = <x_ab> + Cov(x_a, x_b), d3L/dV3 = <x_VVV> + 3 Cov(x_V, x_VV) + kappa_3(x_V)).
Moments are taken about the mean (two-pass), so nothing cancels catastrophically, and the
sum is a logsumexp, so nothing overflows at any temperature.

At T = 0 exactly the Boltzmann weights become the hard minimum: p_k is non-zero only for
the sources with the lowest F_k, shared in proportion to g_k (the T -> 0+ limit), so
F = min_k F_k and S = <S_k> + k_B ln(sum of g over the ground sources). The fluctuation
terms vanish there (they are exponentially small as T -> 0+ away from an exact degeneracy;
at an exact crossing F is not twice differentiable and the mean curvature is returned).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from zenthermo.landscape.jets import Jet
from zenthermo.units import KB_EV_PER_K

__all__ = ["NUMPY", "ArrayOps", "ZentropySum", "fluctuation_penalty", "zentropy_sum"]


class ArrayOps(Protocol):
    """The few array operations the zentropy sum needs, for one array library.

    ``where`` broadcasts like ``numpy.where`` and accepts Python floats for either branch;
    the reductions run over the first axis (the sources); ``quiet()`` is a context in which
    overflow and invalid-value warnings are not raised (the formulas select around them).
    """

    def where(self, condition: Any, x: Any, y: Any) -> Any: ...

    def exp(self, x: Any) -> Any: ...

    def log(self, x: Any) -> Any: ...

    def sum0(self, x: Any) -> Any: ...

    def max0(self, x: Any) -> Any: ...

    def min0(self, x: Any) -> Any: ...

    def quiet(self) -> contextlib.AbstractContextManager: ...


class _NumpyOps:
    where = staticmethod(np.where)
    exp = staticmethod(np.exp)
    log = staticmethod(np.log)

    @staticmethod
    def sum0(x: np.ndarray) -> np.ndarray:
        return np.sum(x, axis=0)

    @staticmethod
    def max0(x: np.ndarray) -> np.ndarray:
        return x.max(axis=0)

    @staticmethod
    def min0(x: np.ndarray) -> np.ndarray:
        return x.min(axis=0)

    @staticmethod
    def quiet() -> contextlib.AbstractContextManager:
        return np.errstate(over="ignore", invalid="ignore")


#: numpy as an :class:`ArrayOps`.
NUMPY: ArrayOps = _NumpyOps()


@dataclass(frozen=True)
class ZentropySum:
    """The zentropy sum at a set of points.

    Attributes
    ----------
    total : Jet
        F (eV per cell) and its derivatives, shape of T; a field is None where the
        per-source field it needs was None.
    p : array, shape (K, *T.shape)
        p_k; sums to one over k.
    log_p : array, shape (K, *T.shape)
        ln p_k (-inf where p_k = 0, which happens at T = 0 for the excited sources).
    s_mix : array, shape of T
        Configurational entropy S_mix = -k_B sum_k p_k ln(p_k / g_k), eV/K per cell.
    """

    total: Jet
    p: Any
    log_p: Any
    s_mix: Any


def zentropy_sum(F_k: Jet, ln_g: Any, T: Any, ops: ArrayOps = NUMPY) -> ZentropySum:
    """Combine per-source free energies F_k by zentropy, with exact derivatives.

    Parameters
    ----------
    F_k : Jet
        Per-source F_k (eV per cell) and their partial derivatives in V (A^3) and T (K),
        fields of shape (K, *T.shape); ``F_k.f`` is required, any other field may be None
        (the total's fields that need it are then None).
    ln_g : array, shape (K,)
        ln g_k.
    T : array
        Temperatures, K (>= 0; T = 0 is the hard-minimum limit).
    ops : ArrayOps
        The array library of the inputs (:data:`NUMPY` by default).

    Returns
    -------
    ZentropySum
    """
    ln_g = ln_g.reshape((-1,) + (1,) * T.ndim)
    kT = KB_EV_PER_K * T
    zero = kT <= 0.0
    beta = ops.where(zero, 0.0, 1.0 / ops.where(zero, 1.0, kT))  # 0 at T = 0: no fluctuations

    F_min = ops.min0(F_k.f)
    excess = F_k.f - F_min  # >= 0, exactly 0 for the ground sources
    with ops.quiet():
        a = ops.where(zero, ops.where(excess == 0.0, ln_g, -np.inf), ln_g - excess * beta)
    a_max = ops.max0(a)
    w = ops.exp(a - a_max)
    w_sum = ops.sum0(w)
    p = w / w_sum
    lse = a_max + ops.log(w_sum)  # ln Z + beta F_min (finite: a_max is finite)
    ln_p = ops.where(p > 0.0, a - lse, 0.0)
    s_mix = -KB_EV_PER_K * ops.sum0(p * (ln_p - ln_g))

    def mean(x: Any) -> Any:
        return ops.sum0(p * x)

    def scaled(power: int, moment: Any) -> Any:
        """beta**power * moment, exactly 0 where the moment is 0 (also when beta overflows)."""
        with ops.quiet():
            return ops.where(moment == 0.0, 0.0, beta**power * moment)

    F_V = F_VV = F_VVV = F_T = F_TT = F_VT = None
    dF_V = dU = None
    if F_k.v is not None:
        dF_V = F_k.v - mean(F_k.v)
        F_V = mean(F_k.v)
        if F_k.vv is not None:
            F_VV = mean(F_k.vv) - scaled(1, mean(dF_V**2))
            if F_k.vvv is not None:
                cov_FV_FVV = mean(dF_V * (F_k.vv - mean(F_k.vv)))
                F_VVV = (mean(F_k.vvv) - 3.0 * scaled(1, cov_FV_FVV)
                         + scaled(2, mean(dF_V**3)))
    if F_k.t is not None:
        U = F_k.f - T * F_k.t
        dU = U - mean(U)
        F_T = mean(F_k.t) - s_mix
        T_safe = ops.where(zero, 1.0, T)
        if F_k.tt is not None:
            F_TT = mean(F_k.tt) - scaled(2, KB_EV_PER_K * mean(dU**2) / T_safe)
        if F_k.vt is not None and dF_V is not None:
            F_VT = mean(F_k.vt) + scaled(2, KB_EV_PER_K * mean(dF_V * dU))
    total = Jet(F_min - kT * lse, F_V, F_T, F_VV, F_TT, F_VT, F_VVV)
    log_p = ops.where(p > 0.0, ln_p, -np.inf)
    return ZentropySum(total=total, p=p, log_p=log_p, s_mix=s_mix)


def fluctuation_penalty(entropy, T, gamma: float):
    """The entropy-fluctuation shift T S^2 / (gamma^2 k_B) of F_k, as a jet.

    ``entropy`` is the jet of S_k (numpy or torch fields), ``T`` its temperatures (K); the
    result's fields are those the product rule gives from the entropy's (eV per cell).
    ZENN's zentropy sum and the system-level targets both use it.
    """
    T_jet = Jet(T, None, T * 0 + 1, None, None, None, None)
    return entropy.times(entropy).times(T_jet).map(
        lambda x: x / (gamma * gamma * KB_EV_PER_K))

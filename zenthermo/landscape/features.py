"""The networks' inputs and output scales: features of (V, T) as jets, and the baseline.

v = (V - v_mid)/v_half in [-1, 1]; a temperature feature t(T) in [-1, 1] (linear, or flat
to third order at T = 0 for sources that obey the third law: :func:`temperature_feature`)
and, optionally, a low-temperature feature u(T) (:func:`low_temperature_feature`). The
inputs enter as jets in the physical variables, so every derivative that comes out of a
network is d/dV, d/dT directly. Output normalisation: a polynomial baseline (cubic in v,
quadratic in t; :func:`baseline_basis`) fitted to the targets plus a scaled residual
network. :class:`Normalisation` holds all of it as buffers saved with a model.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from zenthermo.landscape.jets import ALL_FIELDS, Jet, constant_jet
from zenthermo.landscape.mlp import DTYPE

__all__ = ["N_BASIS", "Normalisation", "baseline_basis", "low_temperature_feature",
           "temperature_feature"]

#: Baseline basis in normalised (v, t): 1, v, v^2, v^3, t, t^2, v t.
N_BASIS = 7


def baseline_basis(v: Jet, t: Jet) -> Jet:
    """Jets of the baseline basis (1, v, v^2, v^3, t, t^2, v t) in the input features.

    ``v`` and ``t`` are feature jets (:meth:`Normalisation.features`); the fields have
    shape (7, *v.f.shape) and are physical derivatives (None where zero for every term).
    """
    one = constant_jet(torch.ones_like(v.f))
    v2 = v.times(v)
    terms = [one, v, v2, v2.times(v), t, t.times(t), v.times(t)]
    fields: list[Tensor | None] = []
    for i in range(7):
        parts = [term[i] for term in terms]
        if all(x is None for x in parts):
            fields.append(None)
        else:
            fields.append(torch.stack([torch.zeros_like(v.f) if x is None
                                       else x.expand_as(v.f) for x in parts]))
    return Jet(*fields)


def _knee(T: Tensor, t_knee: Tensor, knee_on: bool | None = None) -> Jet:
    """s(T) = (T^4 + T_0^4)^(1/4) - T_0 and its dT, d2T derivatives (s = T for T_0 = 0).

    ``knee_on`` (whether T_0 > 0) spares reading ``t_knee`` back from the device.
    """
    if not (float(t_knee) > 0 if knee_on is None else knee_on):
        return Jet(T, None, torch.ones_like(T), None, None, None, None)
    t0_4 = t_knee ** 4
    r = T ** 4 + t0_4
    return Jet(r ** 0.25 - t_knee, None, T ** 3 * r ** -0.75, None,
               3 * T * T * t0_4 * r ** -1.75, None, None)


def temperature_feature(T: Tensor, t_max: Tensor, t_knee: Tensor,
                        knee_on: bool | None = None) -> Jet:
    """The network's temperature input t(T) in [-1, 1] and its dT, d2T derivatives.

    ``t_knee`` = 0: t = 2T/T_max - 1 (linear). ``t_knee`` = T_0 > 0:
    t = 2 s(T)/s(T_max) - 1 with s(T) = (T^4 + T_0^4)^(1/4) - T_0, which is
    T^4/(4 T_0^3) well below T_0 and T - T_0 well above it. Every function of t is then
    flat to third order at T = 0: F_k - F_k(V, 0) = O(T^4) and F_k,VT = O(T^3), the Debye
    law, so the learned entropy obeys the Nernst theorem (S_V -> 0, alpha -> 0) instead of
    keeping whatever slope a generic fit leaves at T = 0.
    """
    s = _knee(T, t_knee, knee_on)
    s_max = _knee(t_max.reshape(1), t_knee, knee_on).f[0]
    return s.map(lambda x: x * (2 / s_max)).plus(constant_jet(-torch.ones_like(T)))


def low_temperature_feature(T: Tensor, t_low: Tensor, t_knee: Tensor,
                            knee_on: bool | None = None) -> Jet:
    """A second temperature input u(T) = (s - T_1)/(s + T_1) in [-1, 1), T_1 = ``t_low``.

    s(T) as in :func:`temperature_feature`. It spreads 0 - ~3 T_1 (where Debye-like
    vibrational functions and the configurational balance change fastest) over most of
    the input range, which the linear feature compresses into a few per cent of it.
    """
    s = _knee(T, t_knee, knee_on)
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

    # the buffers registered in __init__
    v_mid: Tensor
    v_half: Tensor
    t_max: Tensor
    t_knee: Tensor
    t_low: Tensor
    baseline: Tensor
    scale: Tensor
    entropy_scale: Tensor

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
        # Python copies of the switches, so that a forward pass on a GPU never reads a
        # buffer back to the host; refreshed when a state dict is loaded.
        self._switches()
        self.register_load_state_dict_post_hook(_refresh_switches)  # module level: picklable

    def _switches(self) -> None:
        self._n_inputs = 3 if float(self.t_low) > 0 else 2
        self._knee_on = float(self.t_knee) > 0

    @property
    def n_inputs(self) -> int:
        """Number of network inputs: v, t, and u when ``t_low`` > 0."""
        return self._n_inputs

    def features(self, V: Tensor, T: Tensor) -> tuple[Jet, ...]:
        """Jets of the network inputs: v(V) (value, d/dV), t(T) and, where ``t_low`` > 0,
        u(T) (value, d/dT, d2/dT2): physical derivatives."""
        v = Jet((V - self.v_mid) / self.v_half, 1 / self.v_half, None, None, None, None, None)
        t = temperature_feature(T, self.t_max, self.t_knee, self._knee_on)
        if self._n_inputs == 2:
            return v, t
        return v, t, low_temperature_feature(T, self.t_low, self.t_knee, self._knee_on)

    def inference_features(self, V: Tensor, T: Tensor, need: frozenset) -> tuple[Jet, ...]:
        """:meth:`features` at points (N,) with only the jet fields in ``need`` (and the
        value), in few tensor operations: the knee s(T) once for every input, s(T_max)
        with it (inference; the same numbers to round-off)."""
        d_v = bool(need & {"v", "vv", "vt", "vvv"})
        d_t, d_tt = bool(need & {"t", "tt", "vt"}), "tt" in need
        v = Jet((V - self.v_mid) / self.v_half, 1 / self.v_half if d_v else None,
                None, None, None, None, None)
        TT = torch.cat([T, self.t_max.reshape(1)])  # s(T_max) along with s(T)
        if self._knee_on:
            t0_4 = self.t_knee ** 4
            r = TT ** 4 + t0_4
            s_all = r ** 0.25 - self.t_knee
            r = r[:-1]
            s_t = T ** 3 * r ** -0.75 if d_t else None
            s_tt = 3 * T * T * t0_4 * r ** -1.75 if d_tt else None
        else:
            s_all, s_t, s_tt = TT, (torch.ones_like(T) if d_t else None), None
        s, scale = s_all[:-1], 2 / s_all[-1]
        t_tt = None if s_tt is None else s_tt * scale
        t = Jet(s * scale - 1, None, None if s_t is None else s_t * scale, None, t_tt, None,
                None)
        if self._n_inputs == 2:
            return v, t
        t1 = self.t_low
        d = s + t1
        u_t = u_tt = None
        if d_t:
            assert s_t is not None  # made above whenever d_t
            k = 2 * t1 / d ** 2
            u_t = k * s_t
            if d_tt:
                u_tt = -2 * k * s_t ** 2 / d
                if s_tt is not None:
                    u_tt = u_tt + k * s_tt
        return v, t, Jet((s - t1) / d, None, u_t, None, u_tt, None, None)

    def inference_baseline(self, v: Jet, t: Jet, need: frozenset) -> Jet:
        """:meth:`baseline_jet` at points (N,) (fields (n_out, N)) from the polynomial's
        derivatives, one matmul per field (inference; the same numbers to round-off)."""
        c = self.baseline  # (n_out, 7): 1, v, v^2, v^3, t, t^2, v t
        x, y = v.f, t.f
        x2 = x * x
        fields: dict[str, Tensor] = {
            "f": c @ torch.stack([torch.ones_like(x), x, x2, x2 * x, y, y * y, x * y])}
        zero = torch.zeros_like(x)
        dv, dt, dtt = v.v, t.t, t.tt
        if dv is not None:
            if "v" in need:
                fields["v"] = (c[:, 1:4] @ torch.stack([torch.ones_like(x), 2 * x, 3 * x2])
                               + c[:, 6:7] * y) * dv
            if "vv" in need:
                fields["vv"] = (2 * c[:, 2:3] + 6 * c[:, 3:4] * x) * (dv * dv)
            if "vvv" in need:
                fields["vvv"] = (6 * c[:, 3:4] * (dv * dv * dv)).expand(-1, x.shape[0])
        if dt is not None:
            p_t = c[:, 4:7] @ torch.stack([torch.ones_like(x), 2 * y, x])  # dP/dt
            if "t" in need:
                fields["t"] = p_t * dt
            if "tt" in need:
                fields["tt"] = 2 * c[:, 5:6] * (dt * dt) + p_t * (zero if dtt is None else dtt)
            if "vt" in need and dv is not None:
                fields["vt"] = c[:, 6:7] * (dv * dt)
        return Jet(*(fields.get(name) for name in Jet._fields))

    def baseline_jet(self, v: Jet, t: Jet, need: frozenset = ALL_FIELDS) -> Jet:
        """The polynomial baseline of every output, fields (n_out, *v.f.shape); only the
        jet fields in ``need`` (and the value)."""
        coeffs = self.baseline.T[:, :, None]  # (7, n_out, 1)
        return baseline_basis(v, t).restrict(need | {"f"}).map(
            lambda b: (coeffs * (b[:, None] if b.dim() == 2 else b)).sum(0))


def _refresh_switches(module: Normalisation, _keys: object) -> None:
    """After ``load_state_dict``: the input switches follow the loaded buffers."""
    module._switches()

"""Small analytic stand-ins for the report tests: a two-configuration landscape with a
first-order transition, and an Analysis built from it by brute force (test code only).

F_k(V,T) = E_k + B_k/(2 V_k) (V - V_k)^2 - T a_k (V - V_k) - T s_k - c T^2 / 2, combined
through the zentropy sum with multiplicities g_k. Units: eV per cell, A^3 per cell, K.
"""

from __future__ import annotations

import numpy as np
from scipy.special import logsumexp

from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.thermo.results import (
    Analysis,
    Coexistence,
    ConfigurationSummary,
    CriticalPoint,
    Isobar,
    NteWindow,
    PhaseDiagram,
    Spinodal,
)
from zenthermo.units import EV_PER_A3_IN_GPA, KB_EV_PER_K


class TwoStateLandscape:
    """A low-volume high-entropy state and a high-volume ground state (Invar-like)."""

    method = "exact"
    natoms = 4
    source_names = ("fm", "afm")

    def __init__(self, E=(0.0, 0.06), V0=(50.0, 47.5), B_GPa=(160.0, 180.0),
                 a=(2.0e-5, 2.5e-5), s=(0.0, 0.0), g=(1.0, 6.0), c=2.0e-7):
        self.E, self.V0 = np.array(E), np.array(V0)
        self.K = np.array(B_GPa) / EV_PER_A3_IN_GPA / self.V0
        self.a, self.s, self.g, self.c = np.array(a), np.array(s), np.array(g), c

    @property
    def multiplicities(self):
        return self.g

    @property
    def volume_domain(self):
        return (44.0, 54.0)

    @property
    def temperature_domain(self):
        return (0.0, 1500.0)

    def _per_source(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        d = V[None] - self.V0.reshape(-1, *[1] * V.ndim)
        sh = (-1,) + (1,) * V.ndim
        E, K, a, s = (x.reshape(sh) for x in (self.E, self.K, self.a, self.s))
        F = E + 0.5 * K * d**2 - T * a * d - T * s - 0.5 * self.c * T**2
        F_V = K * d - T * a
        F_VV = K + 0 * d
        F_T = -a * d - s - self.c * T
        F_VT = -a + 0 * d
        F_TT = -self.c + 0 * d
        return V, T, F, F_V, F_VV, F_T, F_VT, F_TT

    def probabilities(self, V, T):
        V, T, F, *_ = self._per_source(V, T)
        beta = 1.0 / (KB_EV_PER_K * np.maximum(T, 1e-6))
        logw = np.log(self.g.reshape((-1,) + (1,) * V.ndim)) - beta * F
        return np.exp(logw - logsumexp(logw, axis=0))

    def derivatives(self, V, T):
        V, T, F, F_V, F_VV, F_T, F_VT, F_TT = self._per_source(V, T)
        kt = KB_EV_PER_K * np.maximum(T, 1e-6)
        g = np.log(self.g.reshape((-1,) + (1,) * V.ndim))
        logw = g - F / kt
        lz = logsumexp(logw, axis=0)
        p = np.exp(logw - lz)
        Fs = -kt * lz
        mean = lambda x: np.sum(p * x, axis=0)  # noqa: E731
        cov = lambda x, y: mean(x * y) - mean(x) * mean(y)  # noqa: E731
        # per-source total T-derivative includes the entropy from the sum: F_T = <F_T> - S_conf
        Fv = mean(F_V)
        Fvv = mean(F_VV) - cov(F_V, F_V) / kt
        Fvvv = -3 * cov(F_V, F_VV) / kt + (mean((F_V - Fv) ** 3)) / kt**2
        # d/dT of -kT ln Z = <F_T> + (Fs - <F>)/T  (entropy of mixing)
        Ft = mean(F_T) + (Fs - mean(F)) / np.maximum(T, 1e-6)
        # numerical T-derivatives for the rest (test stand-in only)
        h = 1e-3
        lo = np.maximum(T - h, 0)
        Fvt = (self._fv(V, T + h) - self._fv(V, lo)) / (T + h - lo)
        Ftt = (self._ft(V, T + h) - self._ft(V, lo)) / (T + h - lo)
        return FreeEnergyDerivatives(Fs, Fv, Fvv, Fvvv, Ft, Ftt, Fvt)

    def _fv(self, V, T):
        V, T, F, F_V, *_ = self._per_source(V, T)
        return np.sum(self.probabilities(V, T) * F_V, axis=0)

    def _ft(self, V, T):
        V, T, F, _, _, F_T, *_ = self._per_source(V, T)
        p = self.probabilities(V, T)
        kt = KB_EV_PER_K * np.maximum(T, 1e-6)
        logw = np.log(self.g.reshape((-1,) + (1,) * V.ndim)) - F / kt
        Fs = -kt * logsumexp(logw, axis=0)
        return np.sum(p * F_T, axis=0) + (Fs - np.sum(p * F, axis=0)) / np.maximum(T, 1e-6)


def _nte_windows(T, alpha):
    windows, start = [], None
    for i, neg in enumerate(alpha < 0):
        if neg and start is None:
            start = i
        if start is not None and (not neg or i == len(T) - 1):
            end = i if neg else i - 1
            seg = slice(start, end + 1)
            j = start + int(np.argmin(alpha[seg]))
            windows.append(NteWindow(float(T[start]), float(T[end]), float(alpha[j]), float(T[j]),
                                     open_start=start == 0, open_end=neg and i == len(T) - 1))
            start = None
    return tuple(windows)


def brute_force_analysis(landscape=None, pressures=(0.0, 1.0, 3.0), T=None, method="exact"):
    """An Analysis of the stand-in landscape by dense-grid minimisation (test code only)."""
    land = landscape or TwoStateLandscape()
    T = np.linspace(0.0, 1200.0, 61) if T is None else np.asarray(T, float)
    Tc = np.maximum(T, 1.0)
    Vg = np.linspace(*land.volume_domain, 1201)
    isobars = []
    for P in pressures:
        d = land.derivatives(Vg[:, None], Tc[None, :])
        G = d.F + P / EV_PER_A3_IN_GPA * Vg[:, None]
        idx = np.argmin(G, axis=0)
        V = Vg[idx]
        e = land.derivatives(V, Tc)
        B = V * e.F_VV * EV_PER_A3_IN_GPA
        alpha = -e.F_VT / (V * e.F_VV)
        Cp = Tc * (-e.F_TT + e.F_VT**2 / e.F_VV)
        isobars.append(Isobar(
            P_GPa=P, T_K=T, V_A3=V, G_eV=e.F + P / EV_PER_A3_IN_GPA * V, F_eV=e.F,
            S_eV_per_K=-e.F_T, H_eV=e.F - Tc * e.F_T, Cp_eV_per_K=Cp, Cv_eV_per_K=-Tc * e.F_TT,
            B_GPa=B, alpha_per_K=alpha,
            extrapolated=(idx == 0) | (idx == len(Vg) - 1),
            probabilities=dict(zip(land.source_names, land.probabilities(V, Tc), strict=True)),
            nte_windows=_nte_windows(T, alpha)))
    # spinodal from the sign of F_VV on the grid
    Ts = np.linspace(5.0, 1200.0, 120)
    d = land.derivatives(Vg[:, None], Ts[None, :])
    rows = []
    for j, t in enumerate(Ts):
        unstable = np.where(d.F_VV[:, j] < 0)[0]
        if unstable.size:
            lo, hi = Vg[unstable[0]], Vg[unstable[-1]]
            plo = -d.F_V[unstable[0], j] * EV_PER_A3_IN_GPA
            phi = -d.F_V[unstable[-1], j] * EV_PER_A3_IN_GPA
            rows.append((t, lo, hi, plo, phi))
    diagram = PhaseDiagram()
    if rows:
        r = np.array(rows)
        spin = Spinodal(r[:, 0], r[:, 1], r[:, 2], r[:, 3], r[:, 4])
        tc = float(r[-1, 0])
        crit = CriticalPoint(T_K=tc, P_GPa=float(0.5 * (r[-1, 3] + r[-1, 4])),
                             V_A3=float(0.5 * (r[-1, 1] + r[-1, 2])))
        width = r[:, 2] - r[:, 1]
        coex = Coexistence(r[:, 0], 0.5 * (r[:, 3] + r[:, 4]), r[:, 1] - 0.3 * width,
                           r[:, 2] + 0.3 * width)
        diagram = PhaseDiagram(crit, spin, coex)
    configs = tuple(
        ConfigurationSummary(name=n, multiplicity=float(g), magnetic_order=o, E0_eV=float(e),
                             V0_A3=float(v), B0_GPa=float(b), B0_prime=4.0, label=n.upper())
        for n, g, o, e, v, b in zip(land.source_names, land.g, ("FM", "AFM"), land.E, land.V0,
                                    (160.0, 180.0), strict=True))
    return Analysis(method=method, natoms=land.natoms, configurations=configs,
                    isobars=tuple(isobars), phase_diagram=diagram,
                    volume_domain=land.volume_domain,
                    temperature_domain=(float(T[0]), float(T[-1])),
                    composition={"Fe": 3, "Pt": 1})


def bands_around(analysis, spread=0.02, members=50, ci=(2.5, 50.0, 97.5)):
    """An UncertaintyResult whose intervals are the plain values -/+ ``spread`` (relative;
    NTE ends -/+ 10 K, the critical point -/+ 5 K and 0.1 GPa): what the figures and tables
    draw, without running members (test code only)."""
    from zenthermo.uncertainty import (
        CoexistenceInterval,
        CriticalPointInterval,
        IsobarIntervals,
        NteWindowInterval,
        UncertaintyResult,
    )

    def band(values):
        values = np.asarray(values, dtype=np.float64)
        half = spread * np.abs(values)
        return np.stack([values - half, values, values + half])

    def around(value, half):
        return np.array([value - half, value, value + half])

    isobars = tuple(
        IsobarIntervals(
            P_GPa=i.P_GPa, T_K=i.T_K, V_A3=band(i.V_A3), alpha_per_K=band(i.alpha_per_K),
            B_GPa=band(i.B_GPa), Cp_eV_per_K=band(i.Cp_eV_per_K),
            probabilities={k: band(p) for k, p in i.probabilities.items()},
            nte_windows=tuple(NteWindowInterval(around(w.T_start_K, 10.0),
                                                around(w.T_end_K, 10.0),
                                                band([w.alpha_min_per_K])[:, 0], 0.96)
                              for w in i.nte_windows))
        for i in analysis.isobars)
    diagram = analysis.phase_diagram
    cp = diagram.critical_point
    critical = None if cp is None else CriticalPointInterval(
        around(cp.T_K, 5.0), around(cp.P_GPa, 0.1), around(cp.V_A3, 0.2), 1.0)
    co = diagram.coexistence
    coexistence = None if co is None else CoexistenceInterval(
        co.T_K, np.stack([co.P_GPa - 0.1, co.P_GPa, co.P_GPa + 0.1]), np.ones(len(co.T_K)))
    return UncertaintyResult(method="both", members=members, failed_members=0, ci=ci, seed=0,
                             critical_point=critical, isobars=isobars, coexistence=coexistence)

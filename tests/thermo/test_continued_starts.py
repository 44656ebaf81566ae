"""The Newton starts of the continued minima: Hermite interpolants in T through polished columns.

The levels of a continued span after its middle (the quarters, the eighths, the rest) start
from the quintic Hermite through V and dV/dT at three columns of the span known before
them; the middles, where only the span's ends are known, from the Hermite that adds the far
ends of the neighbouring spans the track goes on into (degree 5-7). So on a landscape whose
equilibrium volume is a quintic in T every continued search ends at its first evaluation,
while the cubic through a span's ends would leave its middle a second one.
"""

from __future__ import annotations

import numpy as np

from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.thermo import minima, newton
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.scan import hermite_weights
from zenthermo.units import gpa_to_ev_per_a3

#: s(T) = AMPLITUDE (T/1000 K)^5 A^3: its fourth derivative defeats the cubic at 4 K steps
AMPLITUDE = 5.0


class QuinticWell:
    """F = K/2 (V - V0 - s(T))^2 - d T^2/2 with s a quintic: the minimum at pressure P is
    V0 + s(T) - P/K, with dV/dT = s'(T) (a quintic in T, known exactly)."""

    method = "exact"
    natoms = 12
    source_names = ()
    multiplicities = np.ones(0)
    volume_domain = (140.0, 160.0)
    temperature_domain = (0.0, 1000.0)
    K, V0, d = 0.006, 148.0, 1e-6

    @staticmethod
    def s(T, order=0):
        """s(T) (A^3) or its first or second derivative in T (order 1, 2)."""
        factor = {0: 1.0, 1: 5e-3, 2: 20e-6}[order]  # d/dT of u^5, u = T / 1000 K
        return AMPLITUDE * factor * (T / 1000.0) ** (5 - order)

    def derivatives(self, V, T, fields=None):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        K, x = self.K, V - self.V0 - self.s(T)
        s1, s2 = self.s(T, 1), self.s(T, 2)
        return FreeEnergyDerivatives(
            F=K / 2 * x**2 - self.d * T**2 / 2, F_V=K * x, F_VV=np.full_like(V, K),
            F_VVV=np.zeros_like(V), F_T=-K * x * s1 - self.d * T,
            F_TT=K * s1**2 - K * x * s2 - self.d, F_VT=-K * s1)

    def volume(self, P_GPa, T):
        return self.V0 + self.s(T) - float(gpa_to_ev_per_a3(P_GPa)) / self.K


def test_hermite_weights_reproduce_quintics_and_cubics():
    """Three nodes: exact for any quintic (nodes in any order); two: for any cubic."""
    rng = np.random.default_rng(5)
    T = np.array([0.5, 2.0, 4.0, 7.0, 9.0, 12.0, 15.5])
    nodes = [np.full(7, 8.0), np.full(7, 0.0), np.full(7, 16.0)]
    for degree, used in ((5, nodes), (3, nodes[1:])):
        f = np.poly1d(rng.normal(size=degree + 1))
        df = f.deriv()
        w_V, w_D = hermite_weights(T, used)
        value = sum(w_V[i] * f(n) + w_D[i] * df(n) for i, n in enumerate(used))
        np.testing.assert_allclose(value, f(T), rtol=0, atol=1e-9 * np.max(np.abs(f(T))))


def test_span_schedule_names_a_third_known_column_after_the_middles():
    """Level 0 (the middle of a 16-K span) knows only the ends; every later column has a
    third known column beyond its nearer neighbour, known before its level."""
    schedule = minima._span_schedule(16, 3)
    m, left, right, far = schedule[0]
    assert (m.tolist(), left.tolist(), right.tolist(), far.tolist()) == ([8], [0], [16], [-1])
    known = {0, 16, 8}
    for m, left, right, far in schedule[1:]:
        assert np.all(far >= 0)
        assert set(left) | set(right) | set(far) <= known
        assert np.all((far < left) | (far > right))
        known |= set(m.tolist())
    assert known == set(range(17))


def test_every_continued_minimum_ends_at_its_first_evaluation(monkeypatch):
    """On the quintic well every level starts within rounding of its roots (one evaluation
    each): the middles through their span's ends and the neighbouring spans' far ends
    (degree 5 to 7), the later levels through three columns of their span. The cubic
    through a span's ends would miss the middles by more than the gate."""
    monkeypatch.setattr(minima, "LEVELS_MIN_POINTS", 0)
    groups: list[tuple[newton.RootPolish, np.ndarray]] = []

    class Recording(newton.RootPolish):
        def begin(self, which, start, T, lo, hi, P):
            super().begin(which, start, T, lo, hi, P)
            groups.append((self, np.arange(self.V.size)[which]))

    monkeypatch.setattr(minima, "RootPolish", Recording)
    landscape = QuinticWell()
    T = np.arange(0.0, 1001.0)
    result = analyze(landscape, (0.0, 1.0, 2.0), T, phase_diagram=False)
    for isobar in result.isobars:
        np.testing.assert_allclose(isobar.V_A3, landscape.volume(isobar.P_GPa, T),
                                   rtol=1e-12)
    coarse, *levels = groups
    assert len(levels) == minima.CONTINUED_DEPTH + 1
    for polish, points in levels:
        assert points.size and np.all(polish._rounds[points] == 1)
    # the cubic from the ends of a 16-K span misses its middle (at 400-600 K) by over the gate
    T0, T1 = np.arange(400.0, 600.0, 16.0), np.arange(416.0, 616.0, 16.0)
    w_V, w_D = hermite_weights(T0 + 8.0, [T0, T1])
    cubic = (w_V[0] * landscape.volume(0.0, T0) + w_V[1] * landscape.volume(0.0, T1)
             + w_D[0] * landscape.s(T0, 1) + w_D[1] * landscape.s(T1, 1))
    miss = np.abs(cubic - landscape.volume(0.0, T0 + 8.0)) / cubic
    assert np.all(miss > 3 * newton.GATE_TOLERANCE)

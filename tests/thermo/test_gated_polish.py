"""The gated Newton polish gives the isobars of a tight full Newton polish to its stated bounds.

A gated search ends at its first evaluation where the Newton step there is under
:data:`~zenthermo.thermo.newton.GATE_TOLERANCE` of V (the starts: a 10-point polynomial on
the volume scan, Hermite cubics in T between polished neighbours). The reference polishes
every minimum to Newton steps under 1e-15 of V. Bounds (the module's stated ones): V within
1e-12, S, C_P, C_V and B_T within 1e-9 of themselves, G, F, H and alpha (which cross zero)
within 1e-9 of their largest magnitude on the isobar, p_k within 1e-9, NTE window ends
within 1e-6 K and the temperatures where V jumps (first-order transitions) the same; on
the embedded Fe3Pt landscape
(0-8 GPa through its critical point, 4.40 GPa at 165 K) and on a synthetic double well
whose first-order line the isobars cross.
"""

from __future__ import annotations

import numpy as np
from synthetic import mean_field_sources

from zenthermo.landscape.exact import ExactZentropy
from zenthermo.thermo import newton
from zenthermo.thermo.analysis import analyze

#: within 1e-9 of each value (1e-12 of the largest where a value is 0: S, C at 0 K)
POSITIVE = ("S_eV_per_K", "Cp_eV_per_K", "Cv_eV_per_K", "B_GPa")
#: within 1e-9 of the largest magnitude on the isobar: they cross zero
SIGNED = ("G_eV", "F_eV", "H_eV", "alpha_per_K")


class Counting:
    """Forwards to an exact landscape, counting the points of its fused evaluations."""

    def __init__(self, inner: ExactZentropy):
        self.inner, self.points = inner, 0
        for name in ("method", "natoms", "source_names", "multiplicities", "volume_domain",
                     "temperature_domain", "probabilities", "derivatives"):
            setattr(self, name, getattr(inner, name))

    def derivatives_and_probabilities(self, V, T, fields=None):
        self.points += int(np.size(V))
        return self.inner.derivatives_and_probabilities(V, T, fields)


def gated_and_tight(landscape, pressures, T, monkeypatch):
    gated = Counting(landscape)
    result = analyze(gated, pressures, T, phase_diagram=False)
    with monkeypatch.context() as m:
        m.setattr(newton, "GATE_TOLERANCE", 1e-15)
        m.setattr(newton, "STEP_TOLERANCE", 1e-15)
        tight = Counting(landscape)
        reference = analyze(tight, pressures, T, phase_diagram=False)
    return result, reference, gated.points, tight.points


def jumps(V: np.ndarray) -> np.ndarray:
    """Indices where V jumps by more than 20 times its median step (a first-order line)."""
    step = np.abs(np.diff(V))
    return np.flatnonzero(step > 20 * np.median(step))


def assert_within_bounds(result, reference):
    for a, b in zip(result.isobars, reference.isobars, strict=True):
        np.testing.assert_array_equal(a.T_K, b.T_K)
        np.testing.assert_allclose(a.V_A3, b.V_A3, rtol=1e-12, atol=0, err_msg="V")
        for name in POSITIVE:
            x, y = getattr(a, name), getattr(b, name)
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-12 * np.max(np.abs(y)),
                                       err_msg=name)
        for name in SIGNED:
            x, y = getattr(a, name), getattr(b, name)
            np.testing.assert_allclose(x, y, rtol=0, atol=1e-9 * np.max(np.abs(y)),
                                       err_msg=name)
        for k in b.probabilities:
            np.testing.assert_allclose(a.probabilities[k], b.probabilities[k], atol=1e-9)
        np.testing.assert_array_equal(a.extrapolated, b.extrapolated)
        assert len(a.nte_windows) == len(b.nte_windows)
        for x, y in zip(a.nte_windows, b.nte_windows, strict=True):
            assert abs(x.T_start_K - y.T_start_K) < 1e-6
            assert abs(x.T_end_K - y.T_end_K) < 1e-6
        np.testing.assert_array_equal(jumps(a.V_A3), jumps(b.V_A3))
        assert (a.metastable is None) == (b.metastable is None)
        if b.metastable is not None:
            np.testing.assert_array_equal(a.metastable.T_K, b.metastable.T_K)
            np.testing.assert_allclose(a.metastable.V_A3, b.metastable.V_A3, rtol=1e-12)


def test_fe3pt_isobars_through_the_critical_point_are_the_tight_polish(monkeypatch):
    from zenthermo.data import load_default_sources

    landscape = ExactZentropy.from_sources(load_default_sources())
    pressures = tuple(np.linspace(0.0, 8.0, 12)) + (4.4, 4.5)
    T = np.arange(0.0, 1001.0, 1.0)
    result, reference, points, tight_points = gated_and_tight(landscape, pressures, T,
                                                              monkeypatch)
    assert_within_bounds(result, reference)
    assert result.isobars[0].nte_windows  # the NTE window at 0 GPa is compared
    assert any(len(jumps(i.V_A3)) for i in reference.isobars)  # a jump is compared
    assert points < 0.8 * tight_points  # the gate saved evaluations


def test_double_well_isobars_across_the_transition_are_the_tight_polish(monkeypatch):
    sources, answer = mean_field_sources(g1=3.0, g2=1.0, p0_GPa=-2.0)
    landscape = ExactZentropy(sources)
    pressures = tuple(answer.P_c_GPa + np.linspace(-1.5, 0.5, 9))
    T = np.arange(0.0, 1501.0, 1.0)
    result, reference, points, tight_points = gated_and_tight(landscape, pressures, T,
                                                              monkeypatch)
    assert_within_bounds(result, reference)
    assert sum(len(jumps(i.V_A3)) for i in reference.isobars) >= 3  # crossings compared
    assert sum(i.metastable is not None for i in reference.isobars) >= 3
    assert points < 0.8 * tight_points

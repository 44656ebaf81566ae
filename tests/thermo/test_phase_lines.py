"""Spinodal, coexistence and the phase diagram: closed forms and an independent Maxwell
construction."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq
from synthetic import landau_source, mean_field_sources, three_source_set

from zenthermo.landscape import ExactZentropy
from zenthermo.thermo import (
    compute_coexistence,
    compute_phase_diagram,
    compute_spinodal,
    find_critical_point,
)
from zenthermo.units import EV_PER_A3_IN_GPA


@pytest.fixture(scope="module")
def mean_field():
    sources, answer = mean_field_sources(g1=3.0, g2=1.0, p0_GPa=-2.0)
    landscape = ExactZentropy(sources)
    return landscape, answer, find_critical_point(landscape)


def test_spinodal_matches_the_closed_form(mean_field):
    landscape, answer, critical = mean_field
    spinodal = compute_spinodal(landscape, critical)
    T = spinodal.T_K
    assert np.all(np.diff(T) > 0) and T[-1] == critical.T_K
    assert T[0] == pytest.approx(0.02 * critical.T_K)
    expected = np.array([answer.spinodal_volumes(t) for t in T[:-1]])
    np.testing.assert_allclose(spinodal.V_low_A3[:-1], expected[:, 0], rtol=1e-10)
    np.testing.assert_allclose(spinodal.V_high_A3[:-1], expected[:, 1], rtol=1e-10)
    d_low = landscape.derivatives(spinodal.V_low_A3, T)
    np.testing.assert_allclose(spinodal.P_low_GPa, -d_low.F_V * EV_PER_A3_IN_GPA, rtol=1e-12)
    # the line closes at the critical point
    assert spinodal.V_low_A3[-1] == spinodal.V_high_A3[-1] == critical.V_A3
    assert spinodal.P_low_GPa[-1] == spinodal.P_high_GPa[-1] == critical.P_GPa


def test_coexistence_matches_the_mean_field_equation(mean_field):
    landscape, answer, critical = mean_field
    coexistence = compute_coexistence(landscape, critical)
    T = coexistence.T_K
    assert T.size == 100 and np.all(np.diff(T) > 0) and T[-1] == critical.T_K
    expected = np.array([answer.coexistence(t) for t in T[:-1]])
    np.testing.assert_allclose(coexistence.V_low_A3[:-1], expected[:, 0], rtol=1e-11)
    np.testing.assert_allclose(coexistence.V_high_A3[:-1], expected[:, 1], rtol=1e-11)
    np.testing.assert_allclose(coexistence.P_GPa[:-1], expected[:, 2], atol=1e-9)
    assert np.all(coexistence.P_GPa < 0)  # negative pressures are ordinary


def test_landau_coexistence_is_the_straight_line_p0_plus_s_dT():
    source, answer = landau_source()
    landscape = ExactZentropy([source])
    diagram = compute_phase_diagram(landscape, n_temperatures=40)
    line = diagram.coexistence
    expected = np.array([answer.coexistence(t) for t in line.T_K[:-1]])
    np.testing.assert_allclose(line.V_low_A3[:-1], expected[:, 0], atol=1e-6)
    np.testing.assert_allclose(line.V_high_A3[:-1], expected[:, 1], atol=1e-6)
    np.testing.assert_allclose(line.P_GPa[:-1], expected[:, 2], atol=1e-9)
    spin = np.array([answer.spinodal_volumes(t) for t in diagram.spinodal.T_K[:-1]])
    np.testing.assert_allclose(diagram.spinodal.V_low_A3[:-1], spin[:, 0], atol=1e-8)


def _maxwell(landscape, T):
    """Equal areas under P(V) between the outer roots of P(V) = P_coex (independent route)."""
    volumes = np.linspace(*landscape.volume_domain, 2001)

    def pressure(V):
        return -landscape.derivatives(V, T).F_V

    P_grid = pressure(volumes)
    # local extremes of P(V): the van der Waals loop
    i_min = np.argmin(np.where(np.r_[False, np.diff(np.sign(np.diff(P_grid))) > 0, False],
                               P_grid, np.inf))
    i_max = np.argmax(np.where(np.r_[False, np.diff(np.sign(np.diff(P_grid))) < 0, False],
                               P_grid, -np.inf))
    lo_i, hi_i = sorted((i_min, i_max))

    def outer_roots(P):
        V1 = brentq(lambda v: pressure(v) - P, volumes[0], volumes[lo_i], xtol=1e-13)
        V2 = brentq(lambda v: pressure(v) - P, volumes[hi_i], volumes[-1], xtol=1e-13)
        return V1, V2

    def area(P):
        V1, V2 = outer_roots(P)
        return quad(lambda v: pressure(v) - P, V1, V2, epsabs=1e-14, limit=200)[0]

    P_low, P_high = sorted((P_grid[i_min], P_grid[i_max]))
    P = brentq(area, P_low + 1e-12, P_high - 1e-12, xtol=1e-15)
    return (*outer_roots(P), P * EV_PER_A3_IN_GPA)


def test_common_tangent_agrees_with_an_independent_maxwell_construction():
    landscape = ExactZentropy(three_source_set())
    critical = find_critical_point(landscape)
    line = compute_coexistence(landscape, critical)
    for k in (0, len(line.T_K) - 5):
        V1, V2, P = _maxwell(landscape, line.T_K[k])
        assert abs(line.V_low_A3[k] - V1) < 1e-6
        assert abs(line.V_high_A3[k] - V2) < 1e-6
        assert abs(line.P_GPa[k] - P) < 1e-7


def test_lines_nest_and_satisfy_their_equations():
    landscape = ExactZentropy(three_source_set())
    diagram = compute_phase_diagram(landscape)
    spinodal, line = diagram.spinodal, diagram.coexistence
    # coexistence at the spinodal's temperatures, all but at most a couple within 1 K of T_c
    common = np.isin(spinodal.T_K, line.T_K)
    assert np.all(np.isin(line.T_K, spinodal.T_K))
    assert np.all(spinodal.T_K[~common] > diagram.critical_point.T_K - 1.0)
    assert np.sum(~common) <= 2
    # binodal outside the spinodal, both closing at the critical point
    assert np.all(line.V_low_A3[:-1] < spinodal.V_low_A3[common][:-1])
    assert np.all(spinodal.V_low_A3 <= spinodal.V_high_A3)
    assert np.all(spinodal.V_high_A3[common][:-1] < line.V_high_A3[:-1])
    assert line.V_low_A3[-1] == line.V_high_A3[-1] == diagram.critical_point.V_A3
    # each spinodal volume is a sign change of F_VV to 1e-10 relative
    for V in (spinodal.V_low_A3[:-1], spinodal.V_high_A3[:-1]):
        below = landscape.derivatives(V * (1 - 1e-10), spinodal.T_K[:-1]).F_VV
        above = landscape.derivatives(V * (1 + 1e-10), spinodal.T_K[:-1]).F_VV
        assert np.all(below * above <= 0.0)
    T = line.T_K[:-1]
    d1 = landscape.derivatives(line.V_low_A3[:-1], T)
    d2 = landscape.derivatives(line.V_high_A3[:-1], T)
    P = line.P_GPa[:-1] / EV_PER_A3_IN_GPA
    np.testing.assert_allclose(-d1.F_V, P, atol=1e-12)
    np.testing.assert_allclose(-d2.F_V, P, atol=1e-12)
    np.testing.assert_allclose(d1.F + P * line.V_low_A3[:-1], d2.F + P * line.V_high_A3[:-1],
                               rtol=0, atol=1e-11)


def test_lines_stop_where_they_leave_the_volume_domain():
    # the low-volume binodal runs out to ~142 A^3 at low T: cut the domain at 143 A^3
    sources, answer = mean_field_sources(volume_domain=(143.0, 160.0))
    landscape = ExactZentropy(sources)
    diagram = compute_phase_diagram(landscape)
    line = diagram.coexistence
    assert np.all(line.V_low_A3 > 143.0)
    assert line.T_K.size > 5
    T_cut = brentq(lambda t: answer.coexistence(t)[0] - 143.0, 10.0, answer.T_c - 1e-6)
    assert line.T_K[0] > T_cut  # nothing below the temperature where V1 leaves the domain
    assert line.T_K[0] - T_cut < 60.0  # ... and the inside part is kept
    expected = np.array([answer.coexistence(t) for t in line.T_K[:-1]])
    np.testing.assert_allclose(line.V_low_A3[:-1], expected[:, 0], rtol=1e-11)


def test_convex_landscape_has_an_empty_phase_diagram():
    diagram = compute_phase_diagram(ExactZentropy(three_source_set()[:1]))
    assert diagram.critical_point is None
    assert diagram.spinodal is None and diagram.coexistence is None


def test_fe3pt_phase_diagram(fe3pt_vasp_dir):
    import zenthermo

    landscape = ExactZentropy.from_sources(zenthermo.ingest(fe3pt_vasp_dir))
    diagram = compute_phase_diagram(landscape)
    critical = diagram.critical_point
    assert critical is not None
    line = diagram.coexistence
    assert line.T_K.size > 50 and line.T_K[-1] == critical.T_K
    assert np.all(np.diff(line.T_K) > 0)
    lo, hi = landscape.volume_domain
    assert np.all((lo < line.V_low_A3) & (line.V_high_A3 < hi))
    T = line.T_K[:-1]
    d1 = landscape.derivatives(line.V_low_A3[:-1], T)
    d2 = landscape.derivatives(line.V_high_A3[:-1], T)
    P = line.P_GPa[:-1] / EV_PER_A3_IN_GPA
    np.testing.assert_allclose(-d1.F_V, P, atol=1e-11)
    np.testing.assert_allclose(d1.F + P * line.V_low_A3[:-1], d2.F + P * line.V_high_A3[:-1],
                               rtol=0, atol=1e-10)


def test_bracketed_newton_leaves_converged_roots_alone():
    from zenthermo.thermo.phase_lines import _bracketed_newton

    # x^3 - c: Newton converges in a few steps; the kinked |x - c| (slope 0 at the root
    # side) needs bisection for many more. The quick roots must stay where they converged
    # while the slow one goes on, and only the unconverged roots are evaluated.
    roots = np.array([2.0, 3.0, 1.7])
    evaluated = []

    def f(x, index):
        evaluated.append(index.copy())
        kinked = index == 2
        value = np.where(kinked, np.where(x < roots[index], x - roots[index],
                                          1e-3 * (x - roots[index])), x**3 - roots[index]**3)
        slope = np.where(kinked, 0.0, 3 * x**2)
        return value, slope

    x = _bracketed_newton(f, np.array([1.0, 2.5, 1.0]), np.array([3.0, 4.0, 3.0]))
    np.testing.assert_allclose(x, roots, rtol=1e-12)
    assert len(evaluated) > 20 and all(index.tolist() == [2] for index in evaluated[10:])


class _Counting:
    """A landscape that counts the points it is asked for."""

    def __init__(self, landscape):
        self.landscape, self.points = landscape, 0
        self.volume_domain = landscape.volume_domain
        self.temperature_domain = landscape.temperature_domain

    def derivatives(self, V, T, fields=None):
        self.points += np.broadcast(V, T).size
        return self.landscape.derivatives(V, T, fields=fields)


@pytest.mark.parametrize("case", ["mean field", "cut domain", "landau", "three sources"])
def test_hull_start_refined_equals_the_full_grid(case, monkeypatch):
    from zenthermo.thermo import hull_start

    if case == "landau":
        landscape = ExactZentropy([landau_source()[0]])
    elif case == "three sources":
        landscape = ExactZentropy(three_source_set())
    else:
        domain = (143.0, 160.0) if case == "cut domain" else None
        sources, _ = (mean_field_sources(volume_domain=domain) if domain
                      else mean_field_sources(g1=3.0, g2=1.0, p0_GPa=-2.0))
        landscape = ExactZentropy(sources)
    critical = find_critical_point(landscape)
    spinodal = compute_spinodal(landscape, critical)
    T = spinodal.T_K[:-1][::-1]
    s_low, s_high = spinodal.V_low_A3[:-1][::-1], spinodal.V_high_A3[:-1][::-1]
    volumes = np.linspace(*landscape.volume_domain, 500)
    counting = _Counting(landscape)
    refined = hull_start.hull_guess(counting, volumes, T, s_low, s_high)
    monkeypatch.setattr(hull_start, "HULL_COARSE_STEP", 1)
    full = hull_start.hull_guess(landscape, volumes, T, s_low, s_high)
    for got, expected in zip(refined, full, strict=True):
        np.testing.assert_array_equal(got, expected)
    assert refined[2].sum() > 0.8 * T.size  # edges found: the comparison says something
    assert counting.points < 0.5 * T.size * volumes.size
    if case == "cut domain":
        assert not refined[3].all()  # edges ending on the grid's first volume


def test_lower_edge_over_is_the_convex_hull_edge():
    from scipy.spatial import ConvexHull

    from zenthermo.thermo.hull_start import lower_edge_over

    rng = np.random.default_rng(5)
    for _ in range(20):
        x = np.sort(rng.uniform(140.0, 160.0, 60))
        F = -3.0 + 0.01 * (x - 150) ** 2 + 0.05 * np.sin(rng.uniform(0.5, 3.0) * x)
        hull = ConvexHull(np.column_stack([x, F]))
        lower = np.sort(hull.simplices[hull.equations[:, 1] < 0.0], axis=1)
        for V in rng.uniform(x[0], x[-1], 10):
            i, j = next((int(i), int(j)) for i, j in lower if x[i] <= V <= x[j])
            assert lower_edge_over(x, F, V) == (i, j)
    assert lower_edge_over(x, F, x[0] - 1.0) is None


@pytest.mark.parametrize("max_iterations", [5, 11, 12, 60])
def test_a_cycling_common_tangent_run_stops_in_the_state_of_its_last_iteration(max_iterations):
    from zenthermo.thermo.phase_lines import _cycles

    # run 0 goes 1 -> 2 -> 3 -> 4 -> 2 -> 3 -> 4 ... (period 3, big steps); run 1 cycles
    # between two states a step below the accepted size apart: it must not be cut short
    # (the floor rule ends it as converged)
    states = [(1.0, 10.0), (2.0, 9.0), (3.0, 8.0), (4.0, 7.0)]

    def state(k):
        return states[k] if k < 4 else states[1 + (k - 1) % 3]

    V1, V2, step = np.zeros(2), np.zeros(2), np.zeros(2)
    paths: dict = {}
    stopped = None
    for iteration in range(max_iterations):
        V1[0], V2[0] = state(iteration)
        V1[1], V2[1] = (5.0, 6.0 + 1e-12 * (iteration % 2))
        step[:] = 0.3, 1e-12
        cycling = _cycles(paths, np.arange(2) if stopped is None else np.array([1]), V1, V2,
                          step, iteration, max_iterations)
        assert not cycling[-1]
        if stopped is None and cycling[0]:
            stopped = iteration
    assert (V1[0], V2[0]) == state(max_iterations - 1)
    if max_iterations > 4:
        assert stopped == 4  # the first repeat: state 4 is state 1


def test_bracketed_newton_stops_when_the_step_is_below_the_rounding_of_x():
    from zenthermo.thermo.phase_lines import _bracketed_newton

    # the root 151.3 - 1e-18 is not a float: at x = 151.3 the Newton step rounds to x itself,
    # which is the bracket's end; that is convergence, not a reason to bisect
    root = 151.3
    calls = []

    def f(x, index):
        calls.append(x.copy())
        return (x - root) + 1e-18, np.ones_like(x)

    x = _bracketed_newton(f, np.array([150.0]), np.array([152.0]))
    assert x[0] == root
    assert len(calls) <= 4

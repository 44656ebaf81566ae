"""find_critical_point: F_VV = F_VVV = 0 on any Landscape, against closed forms."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import PolynomialSource, landau_source, mean_field_sources, three_source_set

from zenthermo.landscape import ExactZentropy
from zenthermo.thermo.critical import find_critical_point, locate_critical_point
from zenthermo.units import EV_PER_A3_IN_GPA


@pytest.mark.parametrize(
    ("g1", "g2", "p0_GPa"), [(1.0, 1.0, 0.0), (3.0, 1.0, -2.0), (1.0, 5.0, 4.0), (12.0, 2.0, -8.0)]
)
def test_mean_field_double_well_matches_the_closed_form(g1, g2, p0_GPa):
    sources, answer = mean_field_sources(g1=g1, g2=g2, p0_GPa=p0_GPa)
    point = find_critical_point(ExactZentropy(sources))
    assert point is not None
    assert abs(point.T_K - answer.T_c) < 1e-6
    assert abs(point.V_A3 - answer.V_c) < 1e-7
    assert abs(point.P_GPa - answer.P_c_GPa) < 1e-8


def test_a_single_non_convex_source_landau_well_at_negative_pressure():
    source, answer = landau_source(p0_GPa=-3.25, T0=433.0)
    search = locate_critical_point(ExactZentropy([source]))
    point = search.critical_point
    assert abs(point.T_K - 433.0) < 1e-6
    assert abs(point.V_A3 - 150.0) < 1e-7
    assert abs(point.P_GPa - (-3.25)) < 1e-8
    assert search.residual_F_VV < 1e-12 and search.residual_F_VVV < 1e-12
    assert "critical point at 433.000 K" in search.reason


def _two_dip_source() -> tuple[PolynomialSource, list[tuple[float, float]]]:
    """F_VV = alpha (T - T0) + beta (x^2 - w^2)^2 + gamma x: two curvature dips near x = -+w
    that reach zero at different temperatures; the exact (T_c, x_c) from the cubic
    F_VVV = 4 beta x (x^2 - w^2) + gamma = 0."""
    alpha, T0, beta, w, gamma, v_ref = 2e-5, 500.0, 5e-4, 4.0, 1e-3, 150.0
    c = np.zeros((7, 2))
    c[2, 0], c[2, 1] = -0.5 * alpha * T0 + 0.5 * beta * w**4, 0.5 * alpha
    c[3, 0], c[4, 0], c[6, 0] = gamma / 6, -beta * w**2 / 6, beta / 30
    source = PolynomialSource("two-dips", c, v_ref, volume_domain=(140.0, 160.0),
                              temperature_domain=(0.0, 1000.0))
    points = []
    for x in np.roots([4 * beta, 0.0, -4 * beta * w**2, gamma]).real:
        if 4 * beta * (3 * x**2 - w**2) > 0:  # a minimum of F_VV
            curvature = beta * (x**2 - w**2) ** 2 + gamma * x
            points.append((T0 - curvature / alpha, v_ref + x))
    return source, sorted(points, reverse=True)


def test_of_several_critical_points_the_highest_is_reported_and_all_are_listed():
    source, expected = _two_dip_source()
    search = locate_critical_point(ExactZentropy([source]))
    assert len(expected) == 2 and len(search.candidates) == 2
    for found, (T_c, V_c) in zip(search.candidates, expected, strict=True):
        assert abs(found.T_K - T_c) < 1e-6
        assert abs(found.V_A3 - V_c) < 1e-7
    assert search.critical_point == search.candidates[0]
    assert "highest of 2" in search.reason


def test_convex_landscape_has_no_critical_point_and_says_why():
    search = locate_critical_point(ExactZentropy(three_source_set()[:1]))
    assert search.critical_point is None
    assert "convex" in search.reason


def test_critical_point_above_the_temperature_range_is_not_reported():
    sources, answer = mean_field_sources(temperature_domain=(0.0, 800.0))  # T_c ~ 1044 K
    search = locate_critical_point(ExactZentropy(sources))
    assert search.critical_point is None
    assert "above" in search.reason
    # asked over a range that holds it, it is there
    sources, answer = mean_field_sources()
    found = find_critical_point(ExactZentropy(sources), T_range=(900.0, 1200.0))
    assert abs(found.T_K - answer.T_c) < 1e-6


def test_critical_point_outside_the_volume_domain_is_not_reported():
    # V_c = 145 A^3 lies outside 120-144.5 A^3: only an edge of the unstable region shows
    sources, _ = mean_field_sources(volume_domain=(120.0, 144.5))
    search = locate_critical_point(ExactZentropy(sources))
    assert search.critical_point is None
    assert "outside" in search.reason


def test_unbounded_temperature_domain_is_searched():
    sources, answer = mean_field_sources(k=0.025, temperature_domain=(0.0, np.inf))
    assert answer.T_c > 2000.0  # beyond the first search window
    point = find_critical_point(ExactZentropy(sources))
    assert abs(point.T_K - answer.T_c) < 1e-6


def test_fe3pt_critical_point_is_a_root_of_finite_differences_of_F(fe3pt_vasp_dir):
    import zenthermo

    landscape = ExactZentropy.from_sources(zenthermo.ingest(fe3pt_vasp_dir))
    point = find_critical_point(landscape)
    assert point is not None
    V, T = point.V_A3, point.T_K
    lo, hi = landscape.volume_domain
    assert lo < V < hi and T > 0
    # independent of the cumulant formulas: 8th-order differences of F itself
    h = 0.02
    F = landscape.derivatives(V + h * np.arange(-5, 6), T).F
    w2 = np.array([-1 / 560, 8 / 315, -1 / 5, 8 / 5, -205 / 72]) / h**2
    second = np.dot(np.r_[w2, w2[:4][::-1]], F[1:10])
    typical = abs(float(landscape.derivatives(hi, T).F_VV))
    assert abs(second) < 1e-5 * typical
    # below T_c there is an unstable interval around V_c, above T_c none
    volumes = np.linspace(lo, hi, 2001)
    assert landscape.derivatives(volumes, T - 1.0).F_VV.min() < 0
    assert landscape.derivatives(volumes, T + 1.0).F_VV.min() > 0
    assert point.P_GPa == pytest.approx(-landscape.derivatives(V, T).F_V * EV_PER_A3_IN_GPA)

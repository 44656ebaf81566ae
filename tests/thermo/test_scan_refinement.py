"""The analysis evaluates only the parts of its scans that bracket an answer (coarse full
columns or rows, windows around the brackets between them; for the isobars, minima continued
between coarse columns) and gives the numbers of the plain full-grid scans: the isobar
volume scan (to the Newton tolerance: ~1e-9 of each property's range), the critical-point
curvature scan and the spinodal trace, on synthetic landscapes with first-order
transitions."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import landau_source, mean_field_sources, three_source_set
from test_isobars_shared import CountingLandscape, assert_isobars_equal

from zenthermo.landscape.exact import ExactZentropy
from zenthermo.thermo import critical, minima, phase_lines, scan
from zenthermo.thermo.critical import locate_critical_point
from zenthermo.thermo.isobar import compute_isobars
from zenthermo.thermo.phase_lines import compute_spinodal

T_FINE = np.arange(0.0, 1501.0, 1.0)


@pytest.fixture(scope="module")
def mean_field():
    sources, answer = mean_field_sources(g1=3.0, g2=1.0, p0_GPa=-2.0)
    return ExactZentropy(sources), answer


@pytest.fixture(scope="module")
def landau():
    source, answer = landau_source()
    return ExactZentropy([source]), answer


def points(counting: CountingLandscape) -> int:
    return sum(int(np.prod(shape)) for shape, _ in counting.calls)


def test_refined_volume_scan_gives_the_full_scan_isobars(mean_field, monkeypatch):
    landscape, answer = mean_field
    # across the transition (jumps of V), at the critical pressure, and far from it
    pressures = (answer.P_c_GPa - 1.0, answer.P_c_GPa, answer.P_c_GPa + 0.5, 0.0)
    refined = CountingLandscape(landscape)
    result = compute_isobars(refined, pressures, T_FINE)
    monkeypatch.setattr(scan, "COARSE_SPACING_K", 0.0)
    plain = CountingLandscape(landscape)
    expected = compute_isobars(plain, pressures, T_FINE)
    for a, b in zip(result, expected, strict=True):
        assert_isobars_equal(a, b, rtol=1e-9)
    assert any(i.metastable is not None for i in expected)  # the transition is crossed
    assert points(refined) < 0.5 * points(plain)


@pytest.mark.parametrize("name", ["mean_field", "landau"])
def test_continued_minima_are_the_full_scan_minima_at_every_pressure(name, request,
                                                                    monkeypatch):
    """Two minima whose depths swap with T (the mean-field double well) or with P (Landau):
    many pressures through and around the transition, each isobar as the full scan has it,
    metastable branch included."""
    landscape, answer = request.getfixturevalue(name)
    pressures = tuple(np.linspace(answer.P_c_GPa - 2.0, answer.P_c_GPa + 1.0, 13))
    result = compute_isobars(landscape, pressures, T_FINE[:1001])
    monkeypatch.setattr(scan, "COARSE_SPACING_K", 0.0)
    expected = compute_isobars(landscape, pressures, T_FINE[:1001])
    for a, b in zip(result, expected, strict=True):
        assert_isobars_equal(a, b, rtol=1e-9)
    assert sum(i.metastable is not None for i in expected) >= 3


def test_a_minimum_leaving_the_volume_range_is_reported_as_by_the_full_scan(monkeypatch):
    """A domain cut at 155 A^3: at -2 and 0 GPa the minimum starts on the edge, comes in
    and leaves again (near 750 and 1180 K), at 2 GPa it stays inside; the edge minima
    (extrapolated points) and the interior ones are those of the full scan."""
    landscape = ExactZentropy(three_source_set(), volume_domain=(135.0, 155.0))
    pressures = (-2.0, 0.0, 2.0)
    result = compute_isobars(landscape, pressures, T_FINE[:1501])
    monkeypatch.setattr(scan, "COARSE_SPACING_K", 0.0)
    expected = compute_isobars(landscape, pressures, T_FINE[:1501])
    for a, b in zip(result, expected, strict=True):
        assert_isobars_equal(a, b, rtol=1e-9)
    for one in expected[:2]:  # outside, inside, outside again
        edge = one.extrapolated
        assert edge[0] and not edge.all() and edge[-1]
    assert not expected[2].extrapolated.any()


def test_the_scan_falls_back_to_full_columns_where_a_minimum_jumps(mean_field):
    landscape, answer = mean_field
    grid = np.linspace(*landscape.volume_domain, 201)
    P = [float(answer.P_c_GPa - 1.0) / 160.21766208]
    F_V, spans = scan.scan_slopes(landscape, grid, T_FINE, P)
    assert np.isfinite(F_V[[0, -1]]).all()  # the domain edges are always evaluated
    full = np.isfinite(F_V).all(axis=0)
    assert full[::int(scan.COARSE_SPACING_K)].all()  # the coarse columns (1 K steps)
    assert 0 < full.sum() < T_FINE.size
    # the continued spans hold only the edges; every other column is full
    inside = np.zeros(T_FINE.size, dtype=bool)
    for c0, c1 in spans:
        inside[c0 + 1:c1] = True
    assert inside.any() and np.isnan(F_V[1:-1, inside]).all()
    assert full[~inside].all()


def test_coarse_temperature_grids_are_scanned_in_full(mean_field):
    landscape, _ = mean_field
    grid = np.linspace(*landscape.volume_domain, 51)
    F_V, spans = scan.scan_slopes(landscape, grid, np.linspace(0.0, 1500.0, 151), [0.0])
    assert np.isfinite(F_V).all() and spans.size == 0


@pytest.mark.parametrize("name", ["mean_field", "landau"])
def test_refined_curvature_scan_finds_the_same_critical_point(name, request, monkeypatch):
    landscape, answer = request.getfixturevalue(name)
    refined = CountingLandscape(landscape)
    found = locate_critical_point(refined)
    monkeypatch.setattr(critical, "COARSE_ROWS", 1)
    plain = CountingLandscape(landscape)
    expected = locate_critical_point(plain)
    assert found.critical_point == expected.critical_point
    assert found.candidates == expected.candidates
    assert found.critical_point.T_K == pytest.approx(answer.T_c, abs=1e-3)
    assert points(refined) < points(plain)


@pytest.mark.parametrize("name", ["mean_field", "landau"])
def test_windowed_spinodal_trace_is_the_whole_grid_trace(name, request, monkeypatch):
    landscape, _ = request.getfixturevalue(name)
    critical_point = locate_critical_point(landscape).critical_point
    refined = CountingLandscape(landscape)
    found = compute_spinodal(refined, critical_point)
    monkeypatch.setattr(phase_lines, "TRACE_MARGIN", 10**6)  # the window is the whole grid
    plain = CountingLandscape(landscape)
    expected = compute_spinodal(plain, critical_point)
    for field in ("T_K", "V_low_A3", "V_high_A3", "P_low_GPa", "P_high_GPa"):
        np.testing.assert_array_equal(getattr(found, field), getattr(expected, field))
    assert points(refined) < 0.5 * points(plain)


def test_a_span_whose_continued_minimum_fails_is_scanned_in_full(mean_field, monkeypatch):
    """Continued minima pinned to a search interval that misses the root (as a minimum
    that ran away would) fail; their spans get full columns and the full scan's answer."""
    landscape, answer = mean_field
    pressures = (answer.P_c_GPa - 1.0, 0.0)
    expected = compute_isobars(landscape, pressures, T_FINE[:801])

    def misled(*args):
        tracks = scan.span_tracks(*args)
        odd = tracks.span % 2 == 1
        return tracks._replace(hi=np.where(odd, tracks.lo + 1e-3, tracks.hi))

    monkeypatch.setattr(minima, "span_tracks", misled)
    counting = CountingLandscape(landscape)
    result = compute_isobars(counting, pressures, T_FINE[:801])
    for a, b in zip(result, expected, strict=True):
        assert_isobars_equal(a, b, rtol=1e-9)
    full_columns = [shape for shape, _ in counting.calls if shape[0] == 201]
    assert sum(shape[1] for shape in full_columns) > 0.4 * T_FINE[:801].size


def test_a_coarse_volume_grid_is_scanned_in_full(mean_field):
    """On 11 volumes a continued minimum's search interval would span most of the grid,
    where one grid bracket can hold two minima: such grids get full columns."""
    landscape, answer = mean_field
    grid = np.linspace(*landscape.volume_domain, 11)
    P = [float(answer.P_c_GPa - 2.0) / 160.21766208]
    F_V, spans = scan.scan_slopes(landscape, grid, T_FINE, P)
    assert spans.size == 0 and np.isfinite(F_V).all()


def test_fe3pt_isobars_across_the_transition_are_the_full_scan_isobars(monkeypatch):
    """The embedded Fe3Pt landscape at 1 K steps, 0-8 GPa around P_c (4.40 GPa): the
    isobars from 4 to 6 GPa carry a second minimum at low temperature (at 4 GPa for 3 K
    only; at 4.5 GPa V jumps by 1.3 A^3 at 156 K, across the first-order line)."""
    from zenthermo.data import load_default_sources

    landscape = ExactZentropy.from_sources(load_default_sources())
    pressures = (0.0, 3.0, 4.0, 4.3, 4.4, 4.5, 6.0, 8.0)
    T = T_FINE[:1001]
    result = compute_isobars(landscape, pressures, T)
    monkeypatch.setattr(scan, "COARSE_SPACING_K", 0.0)
    expected = compute_isobars(landscape, pressures, T)
    for a, b in zip(result, expected, strict=True):
        assert_isobars_equal(a, b, rtol=1e-8)
    assert [i.P_GPa for i in expected if i.metastable is not None] == [4.0, 4.3, 4.4, 4.5, 6.0]


def test_continued_minima_start_on_the_hermite_curve_between_their_ends():
    """Between two polished minima (V, dV/dT at both ends) the start is the cubic Hermite in
    T, inside the volumes the bracket swept plus WINDOW_MARGIN steps; a minimum without a
    partner at the other end gets an empty interval (its span is then scanned in full)."""
    T = np.arange(0.0, 5.0)
    grid = np.linspace(140.0, 160.0, 201)
    spans = np.array([[0, 4]])
    V0, V1, slope = 150.0, 150.4, 0.1  # V = 150 + 0.1 T: the Hermite is exact
    tracks = scan.span_tracks(spans, T.size, grid, np.array([0, 0]), np.array([0, 4]),
                              np.array([100, 104]), np.array([V0, V1]))
    np.testing.assert_array_equal(tracks.first, [0])
    np.testing.assert_array_equal(tracks.last, [1])
    assert tracks.paired.all()
    assert tracks.lo[0] == grid[100 - scan.WINDOW_MARGIN]
    assert tracks.hi[0] == grid[104 + 1 + scan.WINDOW_MARGIN]
    inner = T[1:4]
    w_V, w_D = scan.hermite_weights(inner, [np.full(3, T[0]), np.full(3, T[4])])
    start = w_V[0] * V0 + w_V[1] * V1 + (w_D[0] + w_D[1]) * slope
    np.testing.assert_allclose(start, 150.0 + 0.1 * inner, rtol=1e-14)
    alone = scan.span_tracks(spans, T.size, grid, np.array([0]), np.array([0]),
                             np.array([100]), np.array([V0]))
    assert alone.lo.size == 1 and not alone.paired[0] and alone.lo[0] == alone.hi[0]


def test_key_then_value_order_is_lexsort():
    """The candidates' order (integer key, ties by volume, then by position) is lexsort's."""
    rng = np.random.default_rng(3)
    for n in (0, 1, 7, 500):
        key = np.sort(rng.integers(0, max(n // 3, 1), n))[rng.permutation(n)]
        value = rng.choice([1.0, 2.0, np.nan, 0.5], n)
        np.testing.assert_array_equal(scan.key_then_value_order(key, value),
                                      np.lexsort((value, key)))

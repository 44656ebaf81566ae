"""nte_windows: where alpha < 0, with zero crossings and minima located between grid points."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import DomainError
from zenthermo.thermo.nte import nte_windows

T = np.arange(0.0, 1001.0, 1.0)


def test_a_cubic_alpha_has_one_window_between_its_known_roots():
    # alpha = c (T - 123.4)(T - 456.78)(T - 2000): negative between 123.4 and 456.78 K
    alpha = 1e-12 * (T - 123.4) * (T - 456.78) * (T - 2000.0) * -1.0
    (window,) = nte_windows(T, alpha)
    assert window.T_start_K == pytest.approx(123.4, abs=1e-6)
    assert window.T_end_K == pytest.approx(456.78, abs=1e-6)
    assert not window.open_start and not window.open_end
    # exact minimum of the cubic inside the window
    grid = np.linspace(123.4, 456.78, 200001)
    exact = -1e-12 * (grid - 123.4) * (grid - 456.78) * (grid - 2000.0)
    assert window.T_alpha_min_K == pytest.approx(grid[np.argmin(exact)], abs=0.05)
    assert window.alpha_min_per_K == pytest.approx(exact.min(), rel=1e-6)


def test_crossings_of_a_transcendental_curve_are_found_to_better_than_0_01_K():
    # alpha = 1e-5 sin(theta) + 3e-6, theta = 2 pi (T - 37.3) / 400: alpha < 0 where
    # sin(theta) < -0.3; windows start at theta = pi - asin(-0.3) and end at asin(-0.3) (mod 2 pi)
    alpha = 1e-5 * np.sin(2 * np.pi * (T - 37.3) / 400.0) + 3e-6
    period = 400.0
    rising = 37.3 + period * (np.arcsin(-0.3) / (2 * np.pi) + np.arange(-1, 4))
    falling = 37.3 + period * ((np.pi - np.arcsin(-0.3)) / (2 * np.pi) + np.arange(-1, 4))
    rising = rising[(rising > 0) & (rising < 1000)]
    falling = falling[(falling > 0) & (falling < 1000)]
    windows = nte_windows(T, alpha)
    assert alpha[0] < 0 and alpha[-1] > 0
    assert windows[0].open_start and windows[0].T_start_K == 0.0
    assert not any(w.open_end for w in windows)
    np.testing.assert_allclose([w.T_end_K for w in windows], rising, atol=0.01)
    np.testing.assert_allclose([w.T_start_K for w in windows[1:]], falling, atol=0.01)
    for window in windows[1:]:  # closed windows hold the full trough: alpha_min = -7e-6
        assert window.alpha_min_per_K == pytest.approx(-7e-6, rel=1e-5)
        offset = (window.T_alpha_min_K - 37.3 - 300.0) % period
        assert min(offset, period - offset) < 0.05


def test_a_window_at_the_start_of_the_range_is_open_there():
    alpha = 2e-8 * (T - 250.0)
    (window,) = nte_windows(T, alpha)
    assert window.open_start and window.T_start_K == 0.0
    assert window.T_end_K == pytest.approx(250.0, abs=1e-9)
    assert window.T_alpha_min_K == 0.0 and window.alpha_min_per_K == pytest.approx(-5e-6)


def test_no_negative_alpha_means_no_window():
    assert nte_windows(T, 1e-5 + 0 * T) == ()
    assert nte_windows(T, np.zeros_like(T)) == ()


def test_nan_values_end_a_window_and_are_never_negative():
    alpha = np.full(T.size, 1e-5)
    alpha[100:200] = -1e-6
    alpha[150] = np.nan
    windows = nte_windows(T, alpha)
    assert len(windows) == 2
    assert 99.0 < windows[0].T_start_K < 100.0
    assert windows[0].T_end_K == 149.0 and windows[1].T_start_K == 151.0
    assert windows[1].T_end_K == pytest.approx(199.0 + 1e-6 / 1.1e-5, abs=0.2)


def test_mismatched_or_unsorted_input_is_rejected():
    with pytest.raises(DomainError):
        nte_windows(T, T[:-1])
    with pytest.raises(DomainError):
        nte_windows(T[::-1], -T)


def test_the_crossing_is_the_root_of_the_interpolating_cubic_as_numpy_finds_it():
    # the crossing search runs on every crossing at once; it agrees with polyfit + roots
    from zenthermo.thermo.nte import _cubics_through, _single_roots_inside

    rng = np.random.default_rng(7)
    x = np.sort(rng.uniform(-3.5, 3.5, (200, 4)), axis=1)
    y = rng.normal(size=(200, 4))
    c = _cubics_through(x, y)
    found = _single_roots_inside(c)
    for k in range(200):
        fit = np.polyfit(x[k], y[k], 3)
        np.testing.assert_allclose([ci[k] for ci in c][::-1], fit, rtol=1e-9, atol=1e-12)
        roots = np.roots(fit)
        real = roots[np.abs(roots.imag) < 1e-9].real
        inside = real[(real >= -1.0) & (real <= 1.0)]
        if inside.size == 1:
            assert found[k] == pytest.approx(inside[0], abs=1e-12)
        elif inside.size == 0:
            assert np.isnan(found[k])

"""The constrained SGTE fit: exact on SGTE data, continuous at breakpoints, checked inputs."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.calphad.sgte import fit_sgte, sgte_basis
from zenthermo.errors import ConfigurationError, FitError

# GHSERSI (SGTE unary data for Si, 298.15-1687 K): a, b, c, d, e, f
GHSERSI = np.array([-8162.609, 137.236859, -22.8317533, -1.912904e-3, 176667.0, -0.003552e-6])


def sgte_data(coefficients, T):
    G, S, Cp = (basis @ coefficients for basis in sgte_basis(T))
    return G, S, Cp


def test_basis_gives_minus_derivatives_of_g():
    T = np.linspace(300.0, 1600.0, 27)
    G, S, Cp = sgte_data(GHSERSI, T)
    h = 0.5
    G_plus, _, _ = sgte_data(GHSERSI, T + h)
    G_minus, _, _ = sgte_data(GHSERSI, T - h)
    np.testing.assert_allclose(S, -(G_plus - G_minus) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(Cp, -T * (G_plus - 2 * G + G_minus) / h**2, rtol=1e-4)


def test_recovers_an_sgte_polynomial_exactly():
    T = np.linspace(298.15, 1687.0, 140)
    fit = fit_sgte(T, *sgte_data(GHSERSI, T))
    np.testing.assert_allclose(fit.coefficients[0], GHSERSI, rtol=1e-6)
    assert fit.max_abs["G"] < 1e-6
    assert fit.max_abs["Cp"] < 1e-8


def test_two_range_data_is_reproduced_with_continuous_g_s_and_cp():
    T = np.linspace(300.0, 2000.0, 171)
    # Einstein-like C_P saturating, plus a linear term: no single SGTE range fits it exactly
    theta = 500.0
    x = theta / T
    Cp = 3 * 8.314462618 * x**2 * np.exp(x) / np.expm1(x) ** 2 + 4e-3 * T
    S = np.cumsum(np.concatenate([[0.0], np.diff(T) * 0.5 * (Cp[1:] / T[1:] + Cp[:-1] / T[:-1])]))
    S += 20.0
    G = -np.cumsum(np.concatenate([[0.0], np.diff(T) * 0.5 * (S[1:] + S[:-1])]))
    fit = fit_sgte(T, G, S, Cp, breakpoints_K=[900.0])
    assert fit.bounds_K.tolist() == [300.0, 900.0, 2000.0]
    values = fit.evaluate(T)
    assert np.max(np.abs(values["Cp"] - Cp) / Cp) < 0.005
    assert np.max(np.abs(values["S"] - S) / S) < 0.005
    at_break = [basis[0] for basis in sgte_basis(np.array([900.0]))]
    for row, tolerance in zip(at_break, (1e-6, 1e-8, 1e-8), strict=True):  # G, S, C_P
        assert abs(row @ fit.coefficients[0] - row @ fit.coefficients[1]) < tolerance
    assert fit.coefficients.shape == (2, 6)
    assert not np.allclose(fit.coefficients[0], fit.coefficients[1])


def test_more_ranges_never_fit_worse():
    T = np.linspace(300.0, 2000.0, 171)
    Cp = 25.0 + 2e-3 * T + 3e5 / T**2 + 5.0 * np.tanh((T - 1200.0) / 150.0)
    S = 10.0 + np.cumsum(np.concatenate([[0.0], np.diff(T) * Cp[1:] / T[1:]]))
    G = -np.cumsum(np.concatenate([[0.0], np.diff(T) * S[1:]]))
    one = fit_sgte(T, G, S, Cp)
    three = fit_sgte(T, G, S, Cp, breakpoints_K=[800.0, 1400.0])
    assert three.rmse["Cp"] < one.rmse["Cp"]


def test_bad_breakpoints_and_data_are_refused():
    T = np.linspace(300.0, 1000.0, 30)
    data = sgte_data(GHSERSI, T)
    with pytest.raises(ConfigurationError, match="strictly inside"):
        fit_sgte(T, *data, breakpoints_K=[1200.0])
    with pytest.raises(FitError, match="fewer than 3"):
        fit_sgte(T, *data, breakpoints_K=[301.0])
    with pytest.raises(ConfigurationError, match="strictly increasing"):
        fit_sgte(T[::-1], *data)
    bad = data[2].copy()
    bad[3] = np.nan
    with pytest.raises(FitError, match="non-finite"):
        fit_sgte(T, data[0], data[1], bad)

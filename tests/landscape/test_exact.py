"""ExactZentropy: the zentropy sum over per-source free energies, with exact derivatives."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from synthetic import PolynomialSource, mean_field_sources, three_source_set

from zenthermo.errors import ConfigurationError, DomainError
from zenthermo.landscape import ExactZentropy, Landscape
from zenthermo.thermo.critical import find_critical_point
from zenthermo.units import KB_EV_PER_K

FIELDS = ("F", "F_V", "F_VV", "F_VVV", "F_T", "F_TT", "F_VT")

# A grid that crosses the sources' transitions: 140-165 A^3, 100-1400 K.
V_GRID, T_GRID = np.meshgrid(np.linspace(140.0, 165.0, 11), np.linspace(100.0, 1400.0, 9))


@pytest.fixture
def landscape() -> ExactZentropy:
    return ExactZentropy(three_source_set())


def _central(f, x, h, order=8):
    """Central finite difference of order 8 (error ~ h^8)."""
    weights = {1: 4 / 5, 2: -1 / 5, 3: 4 / 105, 4: -1 / 280}
    return sum(w * (f(x + j * h) - f(x - j * h)) for j, w in weights.items()) / h


def test_is_a_landscape_with_intersected_domains(landscape):
    assert isinstance(landscape, Landscape)
    assert landscape.method == "exact"
    assert landscape.source_names == ("fm", "afm", "fim")
    np.testing.assert_array_equal(landscape.multiplicities, [1.0, 3.0, 6.0])
    assert landscape.volume_domain == (135.0, 168.0)
    assert landscape.temperature_domain == (0.0, 1500.0)
    assert landscape.natoms == 4
    assert len(landscape.free_energies) == 3


@pytest.mark.parametrize(
    ("name", "var", "of", "h"),
    [
        ("F_V", "V", "F", 0.01),
        ("F_VV", "V", "F_V", 0.01),
        ("F_VVV", "V", "F_VV", 0.01),
        ("F_T", "T", "F", 0.5),
        ("F_TT", "T", "F_T", 0.5),
        ("F_VT", "T", "F_V", 0.5),
    ],
)
def test_derivatives_match_high_order_finite_differences(landscape, name, var, of, h):
    def value(shift):
        if var == "V":
            return getattr(landscape.derivatives(V_GRID + shift, T_GRID), of)
        return getattr(landscape.derivatives(V_GRID, T_GRID + shift), of)

    numeric = _central(value, 0.0, h)
    exact = getattr(landscape.derivatives(V_GRID, T_GRID), name)
    scale = np.max(np.abs(exact))
    np.testing.assert_allclose(exact, numeric, rtol=1e-6, atol=1e-7 * scale)


def test_second_derivative_matches_differences_of_F_itself(landscape):
    h = 0.01
    F = [landscape.derivatives(V_GRID + j * h, T_GRID).F for j in (-2, -1, 0, 1, 2)]
    numeric = (-F[0] + 16 * F[1] - 30 * F[2] + 16 * F[3] - F[4]) / (12 * h * h)
    exact = landscape.derivatives(V_GRID, T_GRID).F_VV
    np.testing.assert_allclose(exact, numeric, atol=1e-6 * np.max(np.abs(exact)))


def test_derivatives_match_torch_autograd_of_the_same_logsumexp(landscape):
    sources = landscape.free_energies
    V = torch.tensor(V_GRID.ravel(), dtype=torch.float64, requires_grad=True)
    T = torch.tensor(T_GRID.ravel(), dtype=torch.float64, requires_grad=True)
    ln_g = torch.tensor(np.log(landscape.multiplicities), dtype=torch.float64)[:, None]
    # a constant reference energy keeps torch's T-derivatives of F_k / k_B T well conditioned
    reference = -100.0
    F_k = torch.stack([s.torch_free_energy(V, T) for s in sources]) - reference
    F = reference - KB_EV_PER_K * T * torch.logsumexp(ln_g - F_k / (KB_EV_PER_K * T), dim=0)

    def grad(y, x):
        return torch.autograd.grad(y.sum(), x, create_graph=True)[0]

    F_V, F_T = grad(F, V), grad(F, T)
    F_VV = grad(F_V, V)
    expected = {
        "F": F, "F_V": F_V, "F_VV": F_VV, "F_VVV": grad(F_VV, V),
        "F_T": F_T, "F_TT": grad(F_T, T), "F_VT": grad(F_V, T),
    }
    d = landscape.derivatives(V_GRID.ravel(), T_GRID.ravel())
    for name in FIELDS:
        want = expected[name].detach().numpy()
        np.testing.assert_allclose(
            getattr(d, name), want, rtol=1e-8, atol=1e-9 * np.max(np.abs(want)), err_msg=name
        )


@pytest.mark.parametrize(("V", "T"), [(145.0, 100.0), (152.0, 450.0), (160.0, 1300.0)])
def test_derivatives_match_40_digit_differentiation(landscape, V, T):
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 40
    kT = mpmath.mpf(KB_EV_PER_K)

    def F(v, t):
        z = 0
        for s in landscape.free_energies:
            x = v - s.v_ref
            F_k = sum(mpmath.mpf(c) * x**i * t**j for (i, j), c in np.ndenumerate(s.coefficients))
            z += s.multiplicity * mpmath.exp(-F_k / (kT * t))
        return -kT * t * mpmath.log(z)

    d = landscape.derivatives(V, T)
    orders = {"F": (0, 0), "F_V": (1, 0), "F_VV": (2, 0), "F_VVV": (3, 0), "F_T": (0, 1),
              "F_TT": (0, 2), "F_VT": (1, 1)}
    for name, order in orders.items():
        want = float(mpmath.diff(F, (mpmath.mpf(V), mpmath.mpf(T)), order))
        np.testing.assert_allclose(getattr(d, name), want, rtol=1e-11, atol=1e-17, err_msg=name)


def test_broadcasts_over_arbitrary_shapes(landscape):
    V = np.linspace(140, 160, 6).reshape(2, 1, 3)
    T = np.array([10.0, 300.0, 900.0, 1200.0]).reshape(1, 4, 1)
    d = landscape.derivatives(V, T)
    for name in FIELDS:
        assert getattr(d, name).shape == (2, 4, 3)
    assert landscape.probabilities(V, T).shape == (3, 2, 4, 3)
    scalar = landscape.derivatives(150.0, 300.0)
    assert np.ndim(scalar.F) == 0
    np.testing.assert_allclose(d.F[1, 2, 0], landscape.derivatives(V[1, 0, 0], 900.0).F)


def test_probabilities_and_identities(landscape):
    p = landscape.probabilities(V_GRID, T_GRID)
    np.testing.assert_allclose(p.sum(axis=0), 1.0, rtol=1e-14)
    d = landscape.derivatives(V_GRID, T_GRID)
    F_k = np.stack([s.derivatives(V_GRID, T_GRID).F for s in landscape.free_energies])
    # F = <F_k> - T S_mix and S_mix = -k_B sum p ln(p / g)
    s_mix = landscape.configuration_entropy(V_GRID, T_GRID)
    np.testing.assert_allclose(d.F, np.sum(p * F_k, axis=0) - T_GRID * s_mix, rtol=1e-13)
    g = landscape.multiplicities[:, None, None]
    p_ln_p = np.where(p > 0, p * np.log(np.where(p > 0, p, 1.0) / g), 0.0)
    np.testing.assert_allclose(s_mix, -KB_EV_PER_K * np.sum(p_ln_p, axis=0), atol=1e-20)


def test_no_overflow_and_zero_temperature_is_the_hard_minimum(landscape):
    V = np.linspace(136, 167, 40)
    F_k = np.stack([s.derivatives(V, 0.0).F for s in landscape.free_energies])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d0 = landscape.derivatives(V, 0.0)
        d_small = landscape.derivatives(V, 1e-6)
        d_tiny = landscape.derivatives(V, 1e-200)
        d_hot = landscape.derivatives(V, 1e5)
    np.testing.assert_array_equal(d0.F, F_k.min(axis=0))
    for d in (d0, d_small, d_tiny, d_hot):
        for name in FIELDS:
            assert np.all(np.isfinite(getattr(d, name))), name
    # continuous as T -> 0+: at 1e-6 K the sum is its ground source (no degeneracy here),
    # up to the entropy k_B ln g, as at T = 0
    ground = F_k.argmin(axis=0)
    columns = np.arange(V.size)
    ln_g = np.log(landscape.multiplicities[ground])
    for T, d in ((0.0, d0), (1e-6, d_small)):
        own = [s.derivatives(V, T) for s in landscape.free_energies]
        for name in FIELDS:
            want = np.stack([getattr(o, name) for o in own])[ground, columns]
            want = want - {"F": T * KB_EV_PER_K * ln_g, "F_T": KB_EV_PER_K * ln_g}.get(name, 0)
            np.testing.assert_allclose(getattr(d, name), want, rtol=1e-12, atol=1e-18,
                                       err_msg=f"{name} at {T} K")
    for name in FIELDS:
        np.testing.assert_allclose(getattr(d_small, name), getattr(d0, name), rtol=1e-6,
                                   atol=1e-9, err_msg=name)
    # S -> k_B ln g of the ground state (its own entropy is 0 at T = 0 here)
    S0_k = np.stack([-s.derivatives(V, 0.0).F_T for s in landscape.free_energies])
    expected_S = S0_k[ground, columns] + KB_EV_PER_K * ln_g
    np.testing.assert_allclose(-d0.F_T, expected_S, rtol=1e-12)
    np.testing.assert_allclose(landscape.configuration_entropy(V, 0.0), KB_EV_PER_K * ln_g)
    p0 = landscape.probabilities(V, 0.0)
    np.testing.assert_array_equal(p0.argmax(axis=0), ground)
    assert set(np.unique(p0)) <= {0.0, 1.0}


def test_degenerate_ground_state_at_zero_temperature_shares_by_multiplicity():
    (low, high), _ = mean_field_sources(g1=3.0, g2=1.0)
    landscape = ExactZentropy([low, high])
    p = landscape.probabilities(145.0, 0.0)  # the two parabolas cross at 145 A^3
    np.testing.assert_allclose(p, [0.75, 0.25])
    np.testing.assert_allclose(landscape.configuration_entropy(145.0, 0.0),
                               KB_EV_PER_K * np.log(4.0))
    np.testing.assert_allclose(landscape.probabilities(145.0, 1e-3), [0.75, 0.25])


def test_one_source_is_that_source_exactly():
    source = three_source_set()[0]
    landscape = ExactZentropy([source])
    want = source.derivatives(V_GRID, T_GRID)
    got = landscape.derivatives(V_GRID, T_GRID)
    for name in FIELDS:
        np.testing.assert_allclose(getattr(got, name), getattr(want, name), rtol=1e-13,
                                   atol=1e-15, err_msg=name)
    assert find_critical_point(landscape) is None


def test_a_multiplicity_shifts_the_probabilities_by_its_ratio():
    (low, high), _ = mean_field_sources(g1=1.0, g2=1.0)
    (low5, _), _ = mean_field_sources(g1=5.0, g2=1.0)
    V, T = np.linspace(141, 149, 9), 700.0
    p1 = ExactZentropy([low, high]).probabilities(V, T)
    p5 = ExactZentropy([low5, high]).probabilities(V, T)
    # odds ratio p_low / p_high multiplies by exactly g_low'/g_low = 5
    np.testing.assert_allclose((p5[0] / p5[1]) / (p1[0] / p1[1]), 5.0, rtol=1e-12)
    assert np.all(p5[0] > p1[0])


def test_nan_input_is_an_error(landscape):
    with pytest.raises(DomainError, match="NaN"):
        landscape.derivatives(np.array([150.0, np.nan]), 300.0)
    with pytest.raises(DomainError, match="NaN"):
        landscape.derivatives(150.0, np.nan)
    with pytest.raises(DomainError, match="negative temperature"):
        landscape.derivatives(150.0, -1.0)


def test_disjoint_domains_are_an_error_naming_the_ranges():
    a, b, _ = three_source_set()
    far = PolynomialSource("far", a.coefficients, a.v_ref, 1.0, volume_domain=(180.0, 200.0))
    with pytest.raises(DomainError, match=r"do not overlap.*far: 180-200 A\^3"):
        ExactZentropy([a, b, far])
    cold = PolynomialSource("cold", a.coefficients, a.v_ref, temperature_domain=(2000, 3000))
    with pytest.raises(DomainError, match="temperature"):
        ExactZentropy([a, cold])
    with pytest.raises(DomainError, match="not inside"):
        ExactZentropy([a, b], volume_domain=(100.0, 150.0))
    narrowed = ExactZentropy([a, b], volume_domain=(140.0, 150.0), temperature_domain=(0, 900))
    assert narrowed.volume_domain == (140.0, 150.0)
    assert narrowed.temperature_domain == (0.0, 900.0)


def test_bad_multiplicities_and_names_are_errors():
    a, b, _ = three_source_set()
    with pytest.raises(ConfigurationError, match="positive"):
        ExactZentropy([a, PolynomialSource("zero", b.coefficients, b.v_ref, 0.0)])
    with pytest.raises(ConfigurationError, match="unique"):
        ExactZentropy([a, a])
    with pytest.raises(ConfigurationError):
        ExactZentropy([])

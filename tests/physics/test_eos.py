"""Equations of state: exact derivatives, fits, diagnostics, agreement with phonopy."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zenthermo.errors import FitError, InputError
from zenthermo.physics.eos import EOS_KINDS, fit_eos
from zenthermo.units import EV_PER_A3_IN_GPA

# A smooth synthetic E(V) (Vinet, E0=-10 eV, V0=100 A^3, B0=150 GPa, B0'=4.5) on 9 volumes.
B0_EV_A3 = 150.0 / EV_PER_A3_IN_GPA


def _vinet_torch(V, e0, v0, b0, bp):
    xi = 1.5 * (bp - 1.0)
    eta = (V / v0) ** (1.0 / 3.0)
    return e0 + 9 * b0 * v0 / xi**2 * (1 + (xi * (1 - eta) - 1) * torch.exp(xi * (1 - eta)))


def _murnaghan_torch(V, e0, v0, b0, bp):
    return e0 + b0 * V / bp * ((v0 / V) ** bp / (bp - 1) + 1) - b0 * v0 / (bp - 1)


@pytest.fixture(scope="module")
def synthetic_ev():
    V = np.linspace(85.0, 118.0, 9)
    E = _vinet_torch(torch.tensor(V), -10.0, 100.0, B0_EV_A3, 4.5).numpy()
    return V, E


def _torch_expression(fit):
    """The fitted E(V) written independently in torch (for autograd)."""
    if fit.kind.startswith("bm"):
        coefficients = fit.parameters
        vref = fit.reference_volume

        def energy(V):
            s = (V / vref) ** (-2.0 / 3.0) - 1.0
            return sum(c * s**k for k, c in enumerate(coefficients))

        return energy
    e0, v0, b0, bp = fit.parameters
    func = _vinet_torch if fit.kind == "vinet" else _murnaghan_torch
    return lambda V: func(V, e0, v0, b0, bp)


@pytest.mark.parametrize("kind", sorted(EOS_KINDS))
def test_analytic_derivatives_match_torch_autograd(kind, synthetic_ev):
    V, E = synthetic_ev
    fit = fit_eos(V, E, kind)
    grid = np.linspace(80.0, 125.0, 23)
    Vt = torch.tensor(grid, dtype=torch.float64, requires_grad=True)
    energy = _torch_expression(fit)(Vt)
    (d1,) = torch.autograd.grad(energy.sum(), Vt, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), Vt, create_graph=True)
    (d3,) = torch.autograd.grad(d2.sum(), Vt)
    ours = fit.energy_derivatives(grid)
    for mine, ref in zip(ours, (energy, d1, d2, d3), strict=True):
        ref = ref.detach().numpy()
        np.testing.assert_allclose(mine, ref, rtol=1e-9, atol=1e-12 * np.max(np.abs(ref)))


@pytest.mark.parametrize("kind", sorted(EOS_KINDS))
def test_analytic_derivatives_match_finite_differences(kind, synthetic_ev):
    V, E = synthetic_ev
    fit = fit_eos(V, E, kind)
    v, h = np.array([90.0, 100.0, 110.0]), 1e-2
    # 5-point central differences of the next lower derivative (error O(h^4)).
    _, e1, e2, e3 = fit.energy_derivatives(v)
    for lower, upper in ((0, e1), (1, e2), (2, e3)):
        f = [fit.energy_derivatives(v + k * h)[lower] for k in (-2, -1, 1, 2)]
        fd = (f[0] - 8 * f[1] + 8 * f[2] - f[3]) / (12 * h)
        np.testing.assert_allclose(upper, fd, rtol=1e-8, atol=1e-8 * np.max(np.abs(upper)))


def test_derivatives_broadcast_over_any_shape(synthetic_ev):
    V, E = synthetic_ev
    fit = fit_eos(V, E)
    grid = np.linspace(90, 110, 24).reshape(2, 3, 4)
    out = fit.energy_derivatives(grid)
    assert all(a.shape == (2, 3, 4) for a in out)
    assert np.isscalar(float(fit.energy(100.0)))


@pytest.mark.parametrize("kind", ["bm4", "bm5", "vinet", "murnaghan"])
def test_fit_recovers_equilibrium_parameters(kind, synthetic_ev):
    V, E = synthetic_ev
    fit = fit_eos(V, E, kind)
    assert fit.v0_A3 == pytest.approx(100.0, rel=1e-3)
    assert fit.e0_eV == pytest.approx(-10.0, abs=3e-3)
    assert fit.b0_GPa == pytest.approx(150.0, rel=3e-2)
    assert fit.b0_prime == pytest.approx(4.5, abs=0.1)
    assert fit.warnings == ()


def test_vinet_fit_recovers_vinet_data_exactly(synthetic_ev):
    V, E = synthetic_ev
    fit = fit_eos(V, E, "vinet")
    assert fit.rms_eV < 1e-10
    assert fit.b0_GPa == pytest.approx(150.0, rel=1e-8)
    assert fit.b0_prime == pytest.approx(4.5, rel=1e-8)


def test_b0_prime_is_minus_one_minus_v_evvv_over_evv_at_v0(synthetic_ev):
    V, E = synthetic_ev
    fit = fit_eos(V, E, "bm4")
    # dB/dP by finite differences of B(V) = V E_VV and P(V) = -E_V around V0.
    h = 1e-3
    b = [v * fit.energy_derivatives(v)[2] for v in (fit.v0_A3 - h, fit.v0_A3 + h)]
    p = [-fit.energy_derivatives(v)[1] for v in (fit.v0_A3 - h, fit.v0_A3 + h)]
    assert fit.b0_prime == pytest.approx((b[1] - b[0]) / (p[1] - p[0]), rel=1e-6)
    # V0 is a stationary point and B0 = V0 E_VV(V0).
    _, ev, evv, _ = fit.energy_derivatives(fit.v0_A3)
    assert abs(ev) < 1e-12
    assert fit.b0_GPa == pytest.approx(fit.v0_A3 * evv * EV_PER_A3_IN_GPA, rel=1e-12)


def test_bm3_has_b0_prime_four():
    V = np.linspace(90, 112, 7)
    fit = fit_eos(V, (V / 100.0 - 1.0) ** 2, "bm3")
    assert fit.b0_prime == pytest.approx(4.0, abs=1e-9)


@pytest.mark.parametrize("kind", ["vinet", "murnaghan", "bm4"])
def test_fits_agree_with_phonopy_on_si(kind, si_qha_dir):
    from phonopy.qha.eos import fit_to_eos, get_eos

    V, E = np.loadtxt(si_qha_dir / "e-v.dat", unpack=True)
    ours = fit_eos(V, E, kind, name="Si")
    e0, b0, bp, v0 = fit_to_eos(V, E, get_eos("birch_murnaghan" if kind == "bm4" else kind))
    assert ours.v0_A3 == pytest.approx(v0, rel=1e-6)
    assert ours.e0_eV == pytest.approx(e0, rel=1e-6)
    assert ours.b0_GPa == pytest.approx(b0 * EV_PER_A3_IN_GPA, rel=1e-6)
    assert ours.b0_prime == pytest.approx(bp, rel=1e-6)
    assert ours.warnings == ()
    assert ours.rms_eV < 2e-3
    np.testing.assert_allclose(ours.residuals_eV, ours.energy(V) - E)


def test_minimum_outside_data_range_is_warned():
    V = np.linspace(102.0, 125.0, 7)
    E = _vinet_torch(torch.tensor(V), -10.0, 100.0, B0_EV_A3, 4.5).numpy()
    fit = fit_eos(V, E, "bm4", name="cfg_a")
    assert fit.v0_A3 == pytest.approx(100.0, rel=1e-3)
    assert any("cfg_a" in w and "below the data range" in w for w in fit.warnings)


def test_too_few_points_is_a_fit_error_naming_the_source():
    V = np.array([90.0, 100.0, 110.0, 120.0])
    with pytest.raises(FitError, match="config_7"):
        fit_eos(V, (V - 100) ** 2, "bm4", name="config_7")
    assert fit_eos(V, (V - 100) ** 2 * 1e-3, "bm3").has_minimum


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_data_is_an_input_error(bad, synthetic_ev):
    V, E = synthetic_ev
    E = E.copy()
    E[3] = bad
    with pytest.raises(InputError, match="NaN or infinite"):
        fit_eos(V, E, name="cfg")


def test_unknown_kind_and_repeated_volumes_are_rejected(synthetic_ev):
    V, E = synthetic_ev
    with pytest.raises(FitError, match="unknown equation of state"):
        fit_eos(V, E, "bm7")
    with pytest.raises(InputError, match="repeated volumes"):
        fit_eos(np.r_[V, V[0]], np.r_[E, E[0]])


def test_no_minimum_gives_nan_parameters_and_a_warning():
    V = np.linspace(90, 130, 8)
    fit = fit_eos(V, -V * 0.01, "bm4", name="cfg_b")
    assert not fit.has_minimum
    assert np.isnan(fit.v0_A3)
    assert any("no energy minimum" in w for w in fit.warnings)
    assert any("monotonically" in w for w in fit.warnings)


def test_irregular_data_is_warned(synthetic_ev):
    V, E = synthetic_ev
    E = E.copy()
    E[1] += 1.0  # an outlier: the energies are no longer a single well
    fit = fit_eos(V, E, "bm4", name="cfg_c")
    assert any("not a single well" in w for w in fit.warnings)

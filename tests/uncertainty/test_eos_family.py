"""The EOS family of a source: Akaike weights, leverages and modified residuals."""

import numpy as np
import pytest

from zenthermo.errors import FitError
from zenthermo.physics.eos import EOS_KINDS, fit_eos
from zenthermo.uncertainty.calibration import FE3PT_LIKE
from zenthermo.uncertainty.eos_family import fit_family, leverage, modified_residuals

VOLUMES = FE3PT_LIKE.volumes_A3
BM4_SOURCE = FE3PT_LIKE.sources[1]  # closed-form third-order Birch-Murnaghan
VINET_SOURCE = FE3PT_LIKE.sources[0]


@pytest.mark.parametrize("kind", list(EOS_KINDS))
def test_leverages_sum_to_the_number_of_parameters(kind):
    energies = VINET_SOURCE.energies(VOLUMES)
    h = leverage(fit_eos(VOLUMES, energies, kind))
    assert np.all((h >= 0) & (h <= 1))
    assert h.sum() == pytest.approx(EOS_KINDS[kind], rel=1e-6)


def test_modified_residuals_carry_the_full_noise_variance():
    # raw least-squares residuals have variance sigma^2 (n - p) / n on average; the
    # leverage-corrected ones sigma^2
    rng = np.random.default_rng(1)
    sigma, raw, modified = 1e-3, [], []
    exact = BM4_SOURCE.energies(VOLUMES)
    for _ in range(400):
        fit = fit_eos(VOLUMES, exact + rng.normal(0, sigma, VOLUMES.size), "bm4")
        raw.append(np.mean(fit.residuals_eV**2))
        modified.append(np.mean(modified_residuals(fit) ** 2))
    n, p = VOLUMES.size, 4
    assert np.mean(raw) == pytest.approx(sigma**2 * (n - p) / n, rel=0.1)
    assert np.mean(modified) == pytest.approx(sigma**2, rel=0.1)


def test_modified_residuals_are_centred_data_minus_fit():
    energies = VINET_SOURCE.energies(VOLUMES) + np.linspace(-1e-3, 1e-3, VOLUMES.size) ** 2
    fit = fit_eos(VOLUMES, energies, "bm4")
    r = modified_residuals(fit)
    data_minus_fit = energies - (fit.energies + fit.residuals_eV)
    scaled = data_minus_fit / np.sqrt(1.0 - leverage(fit))
    assert abs(r.mean()) < 1e-15
    np.testing.assert_allclose(r, scaled - scaled.mean(), rtol=1e-12, atol=1e-18)


def test_noise_free_data_favour_their_own_kind():
    family = fit_family(VOLUMES, VINET_SOURCE.energies(VOLUMES), tuple(EOS_KINDS))
    weights = dict(zip(family.kinds, family.weights, strict=True))
    assert max(weights, key=weights.get) == "vinet"
    assert family.weights.sum() == pytest.approx(1.0)
    family = fit_family(VOLUMES, BM4_SOURCE.energies(VOLUMES), tuple(EOS_KINDS))
    weights = dict(zip(family.kinds, family.weights, strict=True))
    assert max(weights, key=weights.get) == "bm4"  # bm5 fits as well but costs a parameter


def test_few_points_leave_out_kinds_whose_criterion_is_undefined():
    volumes = VOLUMES[:6]
    family = fit_family(volumes, VINET_SOURCE.energies(volumes), ("bm3", "bm4", "bm5"))
    assert family.kinds == ("bm3",)  # n - K - 1 > 0 needs n >= K + 2 = p + 3
    assert {kind for kind, _ in family.excluded} == {"bm4", "bm5"}


def test_a_required_central_kind_is_kept_with_weight_zero():
    family = fit_family(VOLUMES, VINET_SOURCE.energies(VOLUMES), ("vinet",), required="bm4")
    assert family.kinds == ("vinet", "bm4")
    assert family.candidate("bm4").weight == 0.0
    assert family.candidate("vinet").weight == 1.0


def test_fits_without_a_minimum_are_left_out_when_the_debye_model_needs_one():
    volumes = np.linspace(100.0, 110.0, 10)
    energies = -0.05 * volumes  # monotonic: no minimum
    with pytest.raises(FitError, match="describes the data"):
        fit_family(volumes, energies, ("bm3", "bm4"), name="flat", needs_minimum=True)
    family = fit_family(volumes, energies, ("bm3",), name="flat", needs_minimum=False)
    assert family.kinds == ("bm3",)

"""Members' inputs: seeded, resampled together across sources, kinds drawn by weight."""

import numpy as np
import pytest

from zenthermo.uncertainty import Spread, UncertaintySettings
from zenthermo.uncertainty.calibration import FE3PT_LIKE
from zenthermo.uncertainty.resampling import draw_members, plan_resampling

NOISY = FE3PT_LIKE.source_set(5e-4, np.random.default_rng(7))


def _members(method="both", members=12, seed=3, data=NOISY, options=None, **changes):
    settings = UncertaintySettings(members=members, method=method, seed=seed, **changes)
    plan = plan_resampling(data, settings, options or {})
    return plan, draw_members(plan, settings)


def _energies(member):
    return np.concatenate([s.energies for s in member.source_set])


def test_the_same_seed_gives_the_same_members_and_another_seed_others():
    _, first = _members(seed=3)
    _, again = _members(seed=3)
    _, other = _members(seed=4)
    for a, b in zip(first, again, strict=True):
        assert a.eos_kinds == b.eos_kinds
        np.testing.assert_array_equal(_energies(a), _energies(b))
    assert not np.array_equal(_energies(first[0]), _energies(other[0]))


def test_asking_for_more_members_keeps_the_first_ones():
    _, few = _members(members=4)
    _, many = _members(members=30)
    for a, b in zip(few, many[:4], strict=True):
        np.testing.assert_array_equal(_energies(a), _energies(b))


def test_bootstrap_keeps_the_central_kind_and_resamples_every_source():
    plan, members = _members(method="bootstrap", options={"eos": "bm4"},
                             draw_noise_level=False)
    for member in members:
        assert member.eos_kinds == ("bm4",) * 3
        for source, family in zip(member.source_set, plan.families, strict=True):
            candidate = family.candidate("bm4")
            drawn = source.energies - candidate.fitted_eV
            # every point is the fit plus one of the modified residuals, drawn with replacement
            assert np.all(np.min(np.abs(drawn[:, None] - candidate.residuals_eV[None, :]),
                                 axis=1) < 1e-12)
            np.testing.assert_array_equal(source.volumes, NOISY[source.name].volumes)
    assert len({tuple(_energies(m)) for m in members}) == len(members)


@pytest.mark.parametrize("draw, expected", [(False, 1.0), (True, 8.0 / 6.0)])
def test_members_draw_the_noise_level_with_the_fits_degrees_of_freedom(draw, expected):
    # 12 points, bm4 (4 parameters): nu = 8 and E[nu / chi^2(nu)] = nu / (nu - 2)
    plan, members = _members(method="bootstrap", members=400, draw_noise_level=draw,
                             options={"eos": "bm4"})
    ratios = []
    for k, family in enumerate(plan.families):
        candidate = family.candidate("bm4")
        drawn = np.array([m.source_set[k].energies - candidate.fitted_eV for m in members])
        ratios.append(np.mean(drawn**2) / np.mean(candidate.residuals_eV**2))
    assert np.mean(ratios) == pytest.approx(expected, rel=0.08)


def test_eos_averaging_alone_keeps_the_data_and_draws_kinds_by_weight():
    plan, members = _members(method="eos", members=200)
    for member in members[:5]:
        np.testing.assert_array_equal(_energies(member), np.concatenate(
            [s.energies for s in NOISY]))
    for k, family in enumerate(plan.families):
        drawn = [m.eos_kinds[k] for m in members]
        for candidate in family.candidates:
            share = drawn.count(candidate.kind) / len(drawn)
            assert share == pytest.approx(candidate.weight, abs=0.08)


def test_debye_parameters_vary_only_with_a_spread():
    _, fixed = _members(options={"debye_scaling": 0.6, "debye_x": 0.5})
    assert {(m.debye_scaling, m.debye_x) for m in fixed} == {(0.6, 0.5)}
    _, spread = _members(debye_scaling_spread=Spread("normal", 0.02),
                         debye_x_spread=Spread("uniform", 0.1), members=50)
    scalings = np.array([m.debye_scaling for m in spread])
    xs = np.array([m.debye_x for m in spread])
    assert scalings.std() == pytest.approx(0.02, rel=0.4)
    assert np.all(np.abs(xs - 2.0 / 3.0) <= 0.1) and xs.std() > 0.02


def test_phonon_grids_are_resampled_row_by_row(phonon_source_set):
    data = phonon_source_set
    plan, members = _members(method="bootstrap", data=data, draw_noise_level=False)
    residuals = plan.phonons[0]
    assert residuals is not None and np.ptp(residuals.residual_F) > 0
    for member in members[:3]:
        F = np.stack([p.vibrations.free_energy for p in member.source_set[0].points])
        drawn = F - residuals.fitted_F
        # each row is a whole residual row (one volume's curve over all temperatures) ...
        distance = np.abs(drawn[:, None, :] - residuals.residual_F[None, :, :]).max(axis=2)
        assert np.all(distance.min(axis=1) < 1e-12)
        rows = distance.argmin(axis=1)
        # ... and S and C_V take the residual rows of the same volume as F
        S = np.stack([p.vibrations.entropy for p in member.source_set[0].points])
        C = np.stack([p.vibrations.heat_capacity for p in member.source_set[0].points])
        np.testing.assert_allclose(S, residuals.fitted_S + residuals.residual_S[rows],
                                   rtol=0, atol=1e-15)
        np.testing.assert_allclose(C, residuals.fitted_C + residuals.residual_C[rows],
                                   rtol=0, atol=1e-15)


def test_sources_without_phonons_have_no_phonon_residuals():
    plan, _ = _members(members=2)
    assert plan.phonons == (None, None, None)

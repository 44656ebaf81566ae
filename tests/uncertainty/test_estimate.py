"""The uncertainty analysis end to end on synthetic landscapes with a known truth."""

import dataclasses

import numpy as np
import pytest

from zenthermo.errors import ConfigurationError, FitError
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.thermo.analysis import analyze
from zenthermo.uncertainty import (
    Spread,
    UncertaintySettings,
    analyze_with_uncertainty,
    estimate_uncertainty,
    local_process_map,
    member_temperatures,
    uncertainty_to_dict,
)
from zenthermo.uncertainty.calibration import FE3PT_LIKE, KnownLandscape, KnownSource

T = np.arange(0.0, 501.0, 5.0)
NOISY = FE3PT_LIKE.source_set(5e-4, np.random.default_rng(7))


def run(data=NOISY, pressures=(0.0,), **changes):
    settings = dict(members=8, seed=1, phase_lines=False)
    settings.update(changes)
    return analyze_with_uncertainty(data, pressures, T, UncertaintySettings(**settings))


@pytest.fixture(scope="module")
def noisy_run():
    return run(pressures=(0.0, 2.0), phase_lines=True)


def test_same_seed_same_intervals_and_another_seed_others():
    _, first = run(members=4)
    _, again = run(members=4)
    _, other = run(members=4, seed=2)
    assert uncertainty_to_dict(first) == uncertainty_to_dict(again)
    assert uncertainty_to_dict(first) != uncertainty_to_dict(other)


def test_local_processes_give_the_serial_intervals():
    central, serial = run(members=4)
    settings = UncertaintySettings(members=4, seed=1, phase_lines=False)
    parallel = estimate_uncertainty(NOISY, central, settings, map_fn=local_process_map(2))
    assert uncertainty_to_dict(parallel) == uncertainty_to_dict(serial)


def test_intervals_cover_every_reported_quantity(noisy_run):
    central, result = noisy_run
    assert (result.members, result.failed_members, result.method) == (8, 0, "both")
    assert [i.P_GPa for i in result.isobars] == [0.0, 2.0]
    for isobar in result.isobars:
        np.testing.assert_array_equal(isobar.T_K, T)  # a 5 K grid is kept as it is
        for band in (isobar.V_A3, isobar.alpha_per_K, isobar.B_GPa, isobar.Cp_eV_per_K,
                     *isobar.probabilities.values()):
            assert band.shape == (3, T.size)
            assert np.all(band[0] <= band[1]) and np.all(band[1] <= band[2])
        assert set(isobar.probabilities) == {"config_0", "config_22", "config_28"}
        assert len(isobar.nte_windows) == len(central.isobar(isobar.P_GPa).nte_windows) == 1
    cp = result.critical_point
    assert cp.present_fraction == 1.0 and cp.T_K[0] < cp.T_K[2]
    line = central.phase_diagram.coexistence
    np.testing.assert_array_equal(result.coexistence.T_K, line.T_K)
    assert result.coexistence.P_GPa.shape == (3, line.T_K.size)
    assert set(result.eos_weights) == {"config_0", "config_22", "config_28"}
    assert sum(result.eos_kind_counts["config_0"].values()) == 8


def test_noise_free_data_give_zero_width_bootstrap_intervals():
    same_kind = KnownLandscape(
        tuple(dataclasses.replace(s, kind="bm4") for s in FE3PT_LIKE.sources),
        FE3PT_LIKE.volumes_A3, FE3PT_LIKE.composition)
    central, result = run(data=same_kind.source_set(), method="bootstrap")
    assert np.ptp(result.critical_point.T_K) < 1e-6
    assert result.critical_point.T_K[1] == pytest.approx(
        central.phase_diagram.critical_point.T_K, abs=1e-6)
    isobar = result.isobars[0]
    assert np.max(np.ptp(isobar.V_A3, axis=0)) < 1e-9
    assert np.max(np.ptp(isobar.nte_windows[0].T_end_K)) < 1e-6


def test_sources_with_phonon_grids_are_resampled_and_analysed(phonon_source_set):
    central, result = analyze_with_uncertainty(
        phonon_source_set, [0.0], T, UncertaintySettings(members=4, method="bootstrap",
                                                         phase_lines=False))
    assert central.temperature_domain == (0.0, 500.0)
    assert result.failed_members == 0
    assert np.all(np.ptp(result.isobars[0].V_A3[:, 1:], axis=0) > 0)


def test_failed_members_are_counted_with_their_reason_and_left_out():
    # s drawn from 0.617 +- 1 is sometimes negative: those members have no Debye model
    _, result = run(debye_scaling_spread=Spread("uniform", 1.0))
    assert 0 < result.failed_members < result.members
    assert sum(result.failures.values()) == result.failed_members
    assert any("not finite" in reason for reason in result.failures)
    assert any("failed" in w for w in result.warnings)
    assert result.critical_point.present_fraction * result.successful_members == pytest.approx(
        round(result.critical_point.present_fraction * result.successful_members))


def test_members_that_lose_the_critical_point_are_counted_not_dropped():
    # the critical volume of this variant sits close to the smallest volume: with 1 meV of
    # noise some members' critical points leave the volume domain
    sources = list(FE3PT_LIKE.sources)
    sources[0] = dataclasses.replace(sources[0], v0_A3=154.12)
    edge = KnownLandscape(tuple(sources), FE3PT_LIKE.volumes_A3, FE3PT_LIKE.composition)
    central, result = run(data=edge.source_set(1e-3, np.random.default_rng(7)),
                          method="bootstrap", members=12)
    assert central.phase_diagram.critical_point is not None
    cp = result.critical_point
    assert cp.lost_members > 0 and cp.gained_members == 0
    assert cp.present_fraction == pytest.approx(1 - cp.lost_members / 12)
    assert np.all(np.isfinite(cp.T_K))


def test_every_member_failing_is_an_error():
    central, _ = run(members=2)
    with pytest.raises(FitError, match="all 4 uncertainty members failed"):
        # a negative Debye scaling s for every member: no member has a finite landscape
        estimate_uncertainty(NOISY, central, UncertaintySettings(members=4),
                             physics_options={"debye_scaling": -1.0})


def test_a_central_kind_the_data_disfavour_is_reported():
    known = KnownLandscape((KnownSource("a", 1.0, "vinet", -10.0, 150.0, 150.0, 6.5),
                            KnownSource("b", 1.0, "vinet", -9.99, 145.0, 160.0, 6.5)),
                           np.linspace(130.0, 175.0, 12), {"Fe": 12})
    settings = UncertaintySettings(members=2, eos_kinds=("vinet", "bm5"), phase_lines=False,
                                   more_flexible_kinds=True)
    _, result = analyze_with_uncertainty(known.source_set(), [0.0], T, settings,
                                         physics_options={"eos": "bm3"}, phase_diagram=False)
    assert result.critical_point is None and result.coexistence is None
    assert any("favour vinet" in w and "bm3" in w for w in result.warnings)


def test_the_family_has_no_kind_more_flexible_than_the_plain_one_and_says_what_it_costs():
    # the data are Vinet (4 parameters) with 1e-5 eV noise: AICc favours Vinet (and BM4)
    # decisively over the plain BM3, but the family is BM3 alone
    data = FE3PT_LIKE.source_set(1e-5, np.random.default_rng(3))
    settings = UncertaintySettings(members=2, phase_lines=False)
    central, result = analyze_with_uncertainty(data, [0.0], T, settings,
                                               physics_options={"eos": "bm3"})
    assert result.eos_weights == {name: {"bm3": 1.0} for name in data.names}
    assert all(set(kinds) == {"bm3"} for kinds in result.eos_kind_counts.values())
    (note,) = [w for w in result.warnings if "strongly favour" in w]
    assert "vinet for config_0" in note and "at most 3 parameters" in note
    # the shift is stated against the plain T_c of this analysis
    plain = f"instead of {central.phase_diagram.critical_point.T_K:.1f} K"
    assert plain in note and ("K (-" in note or "K (+" in note)
    flexible = UncertaintySettings(members=2, phase_lines=False, more_flexible_kinds=True)
    _, result = analyze_with_uncertainty(data, [0.0], T, flexible,
                                         physics_options={"eos": "bm3"})
    assert not any("strongly favour" in w for w in result.warnings)
    assert any(weights["bm3"] < 0.05 for weights in result.eos_weights.values())


def test_a_family_without_a_kind_as_simple_as_the_plain_one_is_refused():
    settings = UncertaintySettings(members=2, eos_kinds=("vinet", "bm5"))
    with pytest.raises(ConfigurationError, match="at most the 3 parameters"):
        analyze_with_uncertainty(NOISY, [0.0], T, settings, physics_options={"eos": "bm3"})


def test_only_an_exact_plain_analysis_with_isobars_is_accepted():
    central, _ = run(members=2)
    with pytest.raises(ConfigurationError, match="plain exact analysis"):
        estimate_uncertainty(NOISY, dataclasses.replace(central, method="zenn"))
    with pytest.raises(ConfigurationError, match="plain exact analysis"):
        estimate_uncertainty(NOISY, dataclasses.replace(central, isobars=()))


def test_the_plain_analysis_is_the_one_of_the_same_options():
    central, _ = run(members=2)
    plain = analyze(ExactZentropy.from_sources(NOISY), [0.0], T)
    assert central.phase_diagram.critical_point == plain.phase_diagram.critical_point


@pytest.mark.parametrize("step, expected", [(1.0, 1.0), (5.0, 5.0), (4.0, 4.0), (0.0, 1.0),
                                            (0.5, 1.0)])
def test_members_use_every_kth_plain_temperature(step, expected):
    grid = np.arange(0.0, 1000.5, 1.0)
    T_members = member_temperatures(grid, step)
    assert np.all(np.isin(T_members, grid))
    assert T_members[0] == 0.0 and T_members[-1] == 1000.0
    assert np.diff(T_members).max() == pytest.approx(expected)
    assert member_temperatures(np.arange(0.0, 11.0, 3.0), 5.0)[-1] == 9.0

"""Percentiles over members, NTE-window matching, critical-point and coexistence intervals."""

import numpy as np
import pytest

from zenthermo.thermo.results import (
    Analysis,
    Coexistence,
    CriticalPoint,
    Isobar,
    NteWindow,
    PhaseDiagram,
)
from zenthermo.uncertainty.aggregate import (
    coexistence_interval,
    critical_point_interval,
    failure_counts,
    isobar_intervals,
    match_window,
    percentiles,
)
from zenthermo.uncertainty.members import MemberIsobar, MemberOutcome

CI = (2.5, 50.0, 97.5)
T = np.array([100.0, 200.0, 300.0])


def window(start, end, alpha=-1e-5):
    return NteWindow(start, end, alpha, 0.5 * (start + end))


def central(windows=(), critical=None, coexistence=None):
    z = np.zeros(T.size)
    isobar = Isobar(P_GPa=0.0, T_K=T, V_A3=z + 150.0, G_eV=z, F_eV=z, S_eV_per_K=z, H_eV=z,
                    Cp_eV_per_K=z, Cv_eV_per_K=z, B_GPa=z, alpha_per_K=z,
                    extrapolated=np.zeros(T.size, bool), nte_windows=tuple(windows))
    return Analysis("exact", 12, (), (isobar,), PhaseDiagram(critical, None, coexistence),
                    (140.0, 170.0), (0.0, np.inf))


def member(index, windows=(), critical=None, V=150.0, coexistence=None, failure=None):
    coexistence = (np.empty(0), np.empty(0)) if coexistence is None else coexistence
    if failure is not None:
        return MemberOutcome(index, ("bm4",), failure=failure)
    values = np.full(T.size, float(V))
    row = MemberIsobar(0.0, values, values * 1e-7, values, values, np.ones((1, T.size)),
                       tuple(windows))
    return MemberOutcome(index, ("bm4",), None, (row,), critical, *coexistence,
                         source_names=("only",))


def test_percentiles_leave_nan_out_per_column_and_give_nan_without_data():
    values = np.array([[1.0, np.nan], [2.0, np.nan], [3.0, np.inf]])
    result = percentiles(values, (0.0 + 1e-9, 50.0, 100.0 - 1e-9))
    np.testing.assert_allclose(result[:, 0], [1.0, 2.0, 3.0], atol=1e-6)
    assert np.all(np.isnan(result[:, 1]))
    assert np.all(np.isnan(percentiles(np.empty((0, 4)), CI)))


def test_windows_match_by_largest_overlap():
    plain = window(200.0, 300.0)
    assert match_window(plain, [window(100.0, 210.0), window(250.0, 400.0)]).T_start_K == 250.0
    assert match_window(plain, [window(310.0, 400.0)]) is None
    assert match_window(window(150.0, 150.0), [window(100.0, 200.0)]) is not None


def test_isobar_intervals_are_percentiles_and_windows_carry_their_presence():
    plain = central(windows=[window(200.0, 300.0)])
    outcomes = [member(i, [window(195.0 + i, 305.0 - i)], V=150.0 + i) for i in range(9)]
    outcomes.append(member(9, []))  # loses the window
    outcomes.append(member(10, [window(200.0, 300.0), window(20.0, 40.0)]))  # gains one
    (isobar,) = isobar_intervals(plain, outcomes, T, CI)
    assert isobar.V_A3.shape == (3, T.size)
    np.testing.assert_allclose(isobar.V_A3[1], np.median([o.isobars[0].V_A3 for o in outcomes]))
    (nte,) = isobar.nte_windows
    assert nte.present_fraction == pytest.approx(10 / 11)
    assert nte.T_start_K[0] < 200.0 < nte.T_start_K[2]
    assert isobar.unmatched_window_fraction == pytest.approx(1 / 11)
    assert set(isobar.probabilities) == {"only"}


def test_critical_point_losses_and_gains_are_counted():
    point = CriticalPoint(165.0, 4.4, 152.3)
    outcomes = [member(i, critical=CriticalPoint(160.0 + i, 4.4, 152.3)) for i in range(7)]
    outcomes += [member(7 + i) for i in range(3)]
    interval = critical_point_interval(central(critical=point), outcomes, CI)
    assert interval.present_fraction == pytest.approx(0.7)
    assert (interval.lost_members, interval.gained_members) == (3, 0)
    assert interval.T_K[0] < 163.0 < interval.T_K[2]
    gained = critical_point_interval(central(), outcomes, CI)
    assert (gained.lost_members, gained.gained_members) == (0, 7)
    nothing = critical_point_interval(central(critical=point), [member(0)], CI)
    assert nothing.present_fraction == 0.0 and np.all(np.isnan(nothing.T_K))


def test_coexistence_is_interpolated_at_the_plain_temperatures():
    line = Coexistence(np.array([50.0, 100.0, 165.0]), np.array([5.5, 5.0, 4.4]),
                       np.zeros(3), np.zeros(3))
    plain = central(critical=CriticalPoint(165.0, 4.4, 152.0), coexistence=line)
    short = (np.array([80.0, 160.0]), np.array([5.3, 4.5]))  # a member with a lower T_c
    full = (np.array([40.0, 170.0]), np.array([5.6, 4.3]))
    interval = coexistence_interval(plain, [member(0, coexistence=short),
                                            member(1, coexistence=full)], CI)
    np.testing.assert_allclose(interval.present_fraction, [0.5, 1.0, 0.5])
    np.testing.assert_allclose(interval.P_GPa[:, 0], [5.5, 5.5, 5.5])  # 5.6 - 1.3 * 10 / 130
    assert coexistence_interval(central(), [member(0)], CI) is None


def test_failures_are_counted_by_reason():
    outcomes = [member(0, failure="FitError: no minimum"), member(1),
                member(2, failure="FitError: no minimum"), member(3, failure="DomainError: x")]
    assert failure_counts(outcomes) == {"FitError: no minimum": 2, "DomainError: x": 1}

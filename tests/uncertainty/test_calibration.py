"""Known landscapes for calibration, and a short run of the coverage benchmark's machinery."""

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

from zenthermo.physics.eos import fit_eos
from zenthermo.uncertainty.calibration import FE3PT_LIKE, Check, KnownSource, truth_analysis

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("kind", ["bm4", "vinet"])
def test_known_sources_have_their_parameters(kind):
    source = KnownSource("s", 1.0, kind, -93.4, 153.7, 162.0, 4.3)
    volumes = np.linspace(140.0, 170.0, 11)
    fit = fit_eos(volumes, source.energies(volumes), kind)
    assert fit.rms_eV < 1e-10
    assert (fit.e0_eV, fit.v0_A3, fit.b0_GPa, fit.b0_prime) == pytest.approx(
        (-93.4, 153.7, 162.0, 4.3), rel=1e-7)


def test_data_sets_are_the_closed_forms_plus_the_noise_asked_for():
    exact = FE3PT_LIKE.source_set()
    noisy = FE3PT_LIKE.source_set(1e-3, np.random.default_rng(0))
    assert exact.names == noisy.names == ("config_0", "config_22", "config_28")
    difference = np.concatenate([n.energies - e.energies for n, e in zip(noisy, exact,
                                                                          strict=True)])
    assert difference.std() == pytest.approx(1e-3, rel=0.35)
    with pytest.raises(ValueError, match="random generator"):
        FE3PT_LIKE.source_set(1e-3)


def test_the_fe3pt_like_truth_has_a_critical_point_and_an_nte_window_per_isobar():
    truth = truth_analysis(FE3PT_LIKE, (0.0, 2.0, 4.0), np.arange(0.0, 601.0, 5.0))
    point = truth.phase_diagram.critical_point
    assert point.T_K == pytest.approx(165.3, abs=0.5)
    assert point.P_GPa == pytest.approx(4.41, abs=0.02)
    assert [len(i.nte_windows) for i in truth.isobars] == [1, 1, 1]


def test_a_check_covers_when_the_truth_is_inside_and_misses_without_an_interval():
    assert Check("T_c", None, 165.0, 160.0, 170.0).covered
    assert not Check("T_c", None, 171.0, 160.0, 170.0).covered
    assert not Check("NTE end", 0.0, 440.0, float("nan"), float("nan")).covered


def test_a_short_coverage_run_checks_every_quantity():
    sys.path.insert(0, str(ROOT))
    try:
        benchmark = importlib.import_module("benchmarks.uncertainty_coverage")
    finally:
        sys.path.remove(str(ROOT))
    results = [benchmark.run_dataset((5e-4, d, 0, 6, "both", True, False))
               for d in range(2)]
    for checks, failed, with_cp in results:
        assert failed == 0 and with_cp == 6
        quantities = [(c.quantity, c.P_GPa) for c in checks]
        assert quantities[:2] == [("T_c", None), ("P_c", None)]
        for P in (0.0, 2.0, 4.0):
            assert ("NTE start", P) in quantities and ("NTE end", P) in quantities
        assert all(np.isfinite(c.width) and c.width > 0 for c in checks)
    row = benchmark.summarise(5e-4, results, 6)
    assert row[:2] == ["0.5", 2] and len(row) == 12
    assert all(" ± " in cell for cell in row[2:10:2])  # each coverage with its standard error
    assert benchmark.standard_error(19, 20) == pytest.approx(np.sqrt(0.95 * 0.05 / 20))
    assert benchmark.standard_error(20, 20) == 0.0

"""Comparing an analysis with a CALPHAD phase: units, reference-free quantities, Si vs COST507."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import analysis_from_molar

from zenthermo.calphad import compare_with_calphad, deviation_stats, parse_ranges
from zenthermo.calphad.database import describe_phase
from zenthermo.calphad.evaluate import evaluate_phase
from zenthermo.errors import DomainError, InputError


def test_an_analysis_made_of_the_calphad_phase_itself_agrees_to_rounding(cost507):
    """Per-cell eV -> J/mol of atoms, interpolation at 298.15 K and the differences are exact."""
    info = describe_phase(cost507, "DIAMOND_A4", ["SI"])
    T = np.arange(298.15, 1500.0, 10.0)
    calphad = evaluate_phase(cost507, info, {"Si": 1}, T)
    analysis = analysis_from_molar(
        T, calphad.G_J_per_mol + 1234.5, calphad.H_J_per_mol + 1234.5, calphad.S_J_per_K_mol,
        calphad.Cp_J_per_K_mol, natoms=8, composition={"Si": 8},
    )
    comparison = compare_with_calphad(analysis, cost507, "diamond_a4", "si")
    assert comparison.T_K[0] == pytest.approx(298.15)
    for stats in comparison.deviations:
        scale = 1e-6 if stats.quantity in ("Cp", "S") else 1e-4
        assert stats.max_abs < scale, stats
    # a constant energy shift (different reference) is invisible in H - H298 and G - G298
    assert comparison.quantity("dH").zenthermo[0] == pytest.approx(0.0, abs=1e-6)


def test_a_shifted_heat_capacity_shows_up_with_its_size_and_sign(cost507):
    info = describe_phase(cost507, "DIAMOND_A4", ["SI"])
    T = np.arange(298.15, 1200.0, 10.0)
    c = evaluate_phase(cost507, info, {"Si": 1}, T)
    # C_P larger by 1 J/(K mol) everywhere: H gains (T - T0), S gains ln(T / T0)
    analysis = analysis_from_molar(
        T, c.G_J_per_mol - ((T - T[0]) - T * np.log(T / T[0])),
        c.H_J_per_mol + (T - T[0]), c.S_J_per_K_mol + np.log(T / T[0]),
        c.Cp_J_per_K_mol + 1.0, natoms=2, composition={"Si": 2},
    )
    comparison = compare_with_calphad(analysis, cost507, "DIAMOND_A4", ["SI"],
                                      ranges=[(400.0, 800.0)])
    cp_whole, _, dh_whole, _, cp_range, *_ = comparison.deviations
    assert cp_whole.rmse == pytest.approx(1.0, rel=1e-6)
    assert cp_whole.mean == pytest.approx(1.0, rel=1e-6)
    assert dh_whole.max_abs == pytest.approx(T[-1] - T[0], rel=1e-6)
    assert (cp_range.T_low_K, cp_range.T_high_K) == (pytest.approx(408.15), pytest.approx(798.15))
    assert comparison.quantity("dG").difference[-1] == pytest.approx(
        -((T[-1] - T[0]) - T[-1] * np.log(T[-1] / T[0])), rel=1e-6)


def test_silicon_quasi_harmonic_against_cost507(si_analysis, cost507):
    comparison = compare_with_calphad(si_analysis, cost507, "DIAMOND_A4", ["SI"])
    assert comparison.method == "fixed configuration"
    assert comparison.T_K[0] == 300.0
    low, mid = deviation_stats(comparison, [(300.0, 800.0), (800.0, 1200.0)])[0:8:4]
    cp_low = deviation_stats(comparison, [(300.0, 800.0)])[0]
    s_low = deviation_stats(comparison, [(300.0, 800.0)])[1]
    s_mid = deviation_stats(comparison, [(800.0, 1200.0)])[1]
    assert cp_low.max_percent < 5.0  # QHA phonons against SGTE, 300-800 K
    assert s_low.max_percent < 5.0
    assert s_mid.max_percent < 2.0
    # above ~1000 K SGTE holds anharmonic, vacancy and electronic terms that QHA lacks
    cp = comparison.quantity("Cp")
    high = comparison.T_K >= 1400.0
    assert np.all(cp.difference[high] < 0)
    assert low.quantity == "Cp" and mid.quantity == "Cp"


def test_fcc_aluminium_needs_vacancies_as_component(cost507):
    T = np.arange(298.15, 900.0, 10.0)
    info = describe_phase(cost507, "FCC_A1", ["AL", "VA"])
    values = evaluate_phase(cost507, info, {"Al": 4}, T)
    analysis = analysis_from_molar(T, values.G_J_per_mol, values.H_J_per_mol,
                                   values.S_J_per_K_mol, values.Cp_J_per_K_mol, 4, {"Al": 4})
    assert compare_with_calphad(analysis, cost507, "FCC_A1", "AL,VA").deviations[0].rmse < 1e-6
    with pytest.raises(InputError, match="sublattice 2 holds only C, N, VA") as error:
        compare_with_calphad(analysis, cost507, "FCC_A1", "AL")
    assert "COST507.tdb" in str(error.value)


def test_binary_solution_phase_on_one_mixing_sublattice(cost507):
    info = describe_phase(cost507, "FCC_A1", ["AL", "CU", "VA"])
    values = evaluate_phase(cost507, info, {"Al": 9, "Cu": 1}, np.array([300.0, 600.0]))
    assert values.method == "site fractions = mole fractions"
    pure = evaluate_phase(cost507, describe_phase(cost507, "FCC_A1", ["AL", "VA"]), {"Al": 1},
                          np.array([300.0, 600.0]))
    # ideal mixing entropy -R sum x ln x is part of S, plus excess terms
    ideal = -8.314462618 * (0.9 * np.log(0.9) + 0.1 * np.log(0.1))
    assert np.all(values.S_J_per_K_mol - pure.S_J_per_K_mol > 0.5 * ideal)


def test_errors_name_the_problem_and_the_file(cost507, si_analysis, write_text, tmp_path):
    with pytest.raises(InputError, match="phase DIAMOND_B4 is not in the database"):
        compare_with_calphad(si_analysis, cost507, "DIAMOND_B4", ["SI"])
    with pytest.raises(InputError, match="XX not defined"):
        compare_with_calphad(si_analysis, cost507, "DIAMOND_A4", ["XX"])
    with pytest.raises(InputError, match=r"fixed composition \(AL 0.5714, C 0.4286\)"):
        compare_with_calphad(si_analysis, cost507, "AL4C3", ["AL", "C"],
                             composition={"Al": 1, "C": 1})
    with pytest.raises(InputError, match="not among the components"):
        compare_with_calphad(si_analysis, cost507, "FCC_A1", ["AL", "VA"])
    with pytest.raises(InputError, match="TDB database not found"):
        compare_with_calphad(si_analysis, tmp_path / "none.tdb", "DIAMOND_A4", ["SI"])
    broken = write_text("broken.tdb", "ELEMENT SI DIAMOND_A4 28.085 0 0 !\nPHASE DIAMOND_A4 X 1 !\n"
                        "PARAMETER G(DIAMOND_A4,SI;0) 298.15 +3*T*; 6000 N !\n")
    with pytest.raises(InputError, match="cannot parse") as error:
        compare_with_calphad(si_analysis, broken, "DIAMOND_A4", ["SI"])
    assert "broken.tdb" in str(error.value)
    with pytest.raises(InputError, match="not a TDB"):
        compare_with_calphad(si_analysis, write_text("x.tdb", "hello"), "DIAMOND_A4", ["SI"])


def test_temperatures_outside_the_analysis_or_the_phase_are_refused(cost507, si_analysis):
    with pytest.raises(DomainError, match="leave the analysis range"):
        compare_with_calphad(si_analysis, cost507, "DIAMOND_A4", ["SI"],
                             temperatures=[300.0, 2500.0])
    with pytest.raises(DomainError, match="298.15"):
        compare_with_calphad(si_analysis, cost507, "DIAMOND_A4", ["SI"],
                             temperatures=[100.0, 500.0])
    info = describe_phase(cost507, "DIAMOND_A4", ["SI"])
    assert info.temperature_range_K == (298.15, 3600.0)
    T = np.arange(400.0, 800.0, 10.0)
    late = analysis_from_molar(T, -T, T, T / 100, T / 100, 1, {"Si": 1})
    with pytest.raises(DomainError, match="above the reference"):
        compare_with_calphad(late, cost507, "DIAMOND_A4", ["SI"], temperatures=T)
    pressurised = analysis_from_molar(T, -T, T, T / 100, T / 100, 1, {"Si": 1}, P_GPa=1.0)
    with pytest.raises(DomainError, match="no isobar at P = 0"):
        compare_with_calphad(pressurised, cost507, "DIAMOND_A4", ["SI"])
    comparison = compare_with_calphad(si_analysis, cost507, "DIAMOND_A4", ["SI"])
    with pytest.raises(DomainError, match="holds none"):
        deviation_stats(comparison, [(2500.0, 2600.0)])


def test_parse_ranges():
    assert parse_ranges("300:800, 800:1200") == [(300.0, 800.0), (800.0, 1200.0)]
    assert parse_ranges(None) == []
    with pytest.raises(InputError, match="LOW:HIGH"):
        parse_ranges("300-800")
    with pytest.raises(InputError, match="empty"):
        parse_ranges("800:300")

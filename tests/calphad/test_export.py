"""Exporting G(T) at P = 0 as a TDB phase, and loading it back with pycalphad."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import analysis_from_molar

from zenthermo.calphad import compare_with_calphad, export_tdb, load_database
from zenthermo.calphad.compare import zero_pressure_isobar
from zenthermo.errors import ConfigurationError, DomainError


@pytest.mark.parametrize("breakpoints", [(), (800.0,)])
def test_exported_silicon_round_trips_through_pycalphad_within_one_percent(
        si_analysis, tmp_path, breakpoints):
    path = tmp_path / "SI_ZT.tdb"
    result = export_tdb(si_analysis, path, "diamond_zt", breakpoints_K=breakpoints, tmax=1600.0)
    assert result.path == path and path.is_file()
    assert result.fit.bounds_K[0] == pytest.approx(298.15)
    assert result.fit.bounds_K[-1] == pytest.approx(1600.0)
    loaded = load_database(path)
    assert loaded.warnings == ()
    comparison = compare_with_calphad(
        si_analysis, loaded, "DIAMOND_ZT", ["SI"], temperatures=np.arange(300.0, 1600.1, 10.0))
    cp, s, dh, dg = comparison.deviations
    assert cp.max_percent < 1.0
    assert s.max_percent < 1.0
    assert dh.max_abs < 50.0 and dg.max_abs < 50.0
    # the absolute G (not only differences) is reproduced, on zenthermo's energy scale
    from zenthermo.calphad.database import describe_phase
    from zenthermo.calphad.evaluate import evaluate_phase

    T = np.array([300.0, 700.0, 1500.0])
    ours = np.interp(T, *(lambda m: (m.T_K, m.G_J_per_mol))(zero_pressure_isobar(si_analysis)))
    theirs = evaluate_phase(loaded, describe_phase(loaded, "DIAMOND_ZT", ["SI"]), {"Si": 1}, T)
    np.testing.assert_allclose(theirs.G_J_per_mol, ours, atol=20.0)


def test_header_states_the_fit_error_and_the_ranges(si_analysis, tmp_path):
    result = export_tdb(si_analysis, tmp_path / "si.tdb", "SI_QHA", breakpoints_K=[700, 1200],
                        tmax=1600.0)
    text = (tmp_path / "si.tdb").read_text()
    assert text == result.text
    assert "breakpoints: 700.00, 1200.00" in text
    assert f"C_P (J/K/mol) {result.fit.rmse['Cp']:<12.4g}" in text
    assert "FUNCTION GSIQHA 298.15" in text
    assert text.count(" Y") == 2 and "1600.00 N !" in text
    assert "PARAMETER G(SI_QHA,SI;0) 298.15 GSIQHA; 1600.00 N !" in text
    assert result.fit.max_abs["Cp"] < 0.1


def test_compound_uses_one_sublattice_per_element_and_gm_per_mole_of_atoms(tmp_path):
    T = np.arange(298.15, 1000.0, 10.0)
    Cp = 25.0 + 5e-3 * T - 1e5 / T**2
    S = 30.0 + np.concatenate([[0.0], np.cumsum(np.diff(T) * 0.5 * (Cp[1:] / T[1:]
                                                                   + Cp[:-1] / T[:-1]))])
    H = -1.0e4 + np.concatenate([[0.0], np.cumsum(np.diff(T) * 0.5 * (Cp[1:] + Cp[:-1]))])
    G = H - T * S
    analysis = analysis_from_molar(T, G, H, S, Cp, natoms=12, composition={"Fe": 9, "Pt": 3})
    result = export_tdb(analysis, tmp_path / "fe3pt.tdb", "L12_ZT")
    assert "PHASE L12_ZT % 2 3 1 !" in result.text
    assert "CONSTITUENT L12_ZT : FE : PT : !" in result.text
    assert "PARAMETER G(L12_ZT,FE:PT;0) 298.15 4*GL12ZT;" in result.text
    comparison = compare_with_calphad(analysis, tmp_path / "fe3pt.tdb", "L12_ZT", ["FE", "PT"])
    assert comparison.method == "fixed configuration"
    assert comparison.composition == {"FE": 0.75, "PT": 0.25}
    assert comparison.deviations[0].max_percent < 0.2
    assert comparison.deviations[1].max_percent < 0.2


def test_bad_requests_write_nothing(si_analysis, tmp_path):
    target = tmp_path / "out.tdb"
    with pytest.raises(ConfigurationError, match="not a TDB name"):
        export_tdb(si_analysis, target, "1BAD NAME")
    with pytest.raises(DomainError, match="outside the analysis range"):
        export_tdb(si_analysis, target, "SI_ZT", tmax=5000.0)
    with pytest.raises(ConfigurationError, match="strictly inside"):
        export_tdb(si_analysis, target, "SI_ZT", breakpoints_K=[3000.0], tmax=1600.0)
    assert list(tmp_path.iterdir()) == []

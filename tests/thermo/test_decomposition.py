"""C_P and alpha split into lattice, electronic and configurational parts: the parts add up
to the landscape's own C_P and alpha, and each part is where the physics says it is."""

from __future__ import annotations

import numpy as np
import pytest

import zenthermo
from zenthermo.landscape.exact import ExactZentropy
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.report.decomposition import decomposition_table, write_decomposition
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.decomposition import PARTS, decompose_isobar
from zenthermo.units import KB_EV_PER_K

TEMPERATURES = np.arange(0.0, 1001.0, 5.0)


def _split(source_set, **options):
    free_energies = build_source_free_energies(source_set, **options)
    isobar = analyze(ExactZentropy(free_energies), [0.0], TEMPERATURES,
                     phase_diagram=False).isobars[0]
    return isobar, decompose_isobar(free_energies, 0.0, isobar.T_K, isobar.V_A3)


@pytest.fixture(scope="module")
def al(al_dfttk_dir):
    return _split(zenthermo.ingest(al_dfttk_dir))


@pytest.fixture(scope="module")
def fe3pt(fe3pt_vasp_dir):
    return _split(zenthermo.ingest(fe3pt_vasp_dir))


@pytest.mark.parametrize("case", [pytest.param("al", marks=pytest.mark.slow), "fe3pt"])
def test_the_parts_add_up_to_the_landscapes_cp_and_alpha(case, request):
    isobar, parts = request.getfixturevalue(case)
    np.testing.assert_allclose(parts.total_Cp(), isobar.Cp_eV_per_K, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(parts.total_alpha(), isobar.alpha_per_K, rtol=1e-9,
                               atol=1e-15)
    np.testing.assert_allclose(sum(parts.Cv_eV_per_K.values()), isobar.Cv_eV_per_K,
                               rtol=1e-9, atol=1e-15)
    assert all(parts.Cp_eV_per_K[p][0] == 0.0 for p in PARTS)  # T = 0


@pytest.mark.slow  # Al: ingest, phonon and electronic DOS (~6 s with the fixture)
def test_al_has_no_configurational_part_and_a_linear_electronic_heat_capacity(al):
    _, parts = al
    assert np.all(parts.Cp_eV_per_K["configurational"] == 0.0)
    low = (parts.T_K > 0) & (parts.T_K <= 100)
    gamma = parts.Cv_eV_per_K["electronic"][low] / parts.T_K[low]
    assert np.ptp(gamma) / gamma.mean() < 0.05  # Sommerfeld: C_el = gamma T
    at_600 = int(np.flatnonzero(parts.T_K == 600.0)[0])
    share = parts.Cp_eV_per_K["electronic"][at_600] / parts.total_Cp()[at_600]
    assert 0.01 < share < 0.05  # a few per cent of C_P of a simple metal


def test_fe3pt_negative_expansion_is_configurational(fe3pt):
    isobar, parts = fe3pt
    at = int(np.flatnonzero(parts.T_K == 350.0)[0])
    assert isobar.alpha_per_K[at] < 0  # inside the NTE window
    assert parts.alpha_per_K["configurational"][at] < -parts.alpha_per_K["lattice"][at] < 0
    assert np.all(parts.alpha_per_K["electronic"] == 0.0)  # no electronic DOS


def test_the_csv_and_the_report_table(fe3pt, tmp_path):
    _, parts = fe3pt
    path = write_decomposition(parts, tmp_path)
    assert path.name == "decomposition_P0GPa.csv"
    table = np.genfromtxt(path, delimiter=",", names=True)
    np.testing.assert_allclose(table["Cp_configurational_eV_per_K"],
                               parts.Cp_eV_per_K["configurational"])
    report = decomposition_table([parts])
    (row,) = [r for r in report.rows if r[1] == "300"]
    assert float(row[5]) == pytest.approx(parts.total_Cp()[60] / KB_EV_PER_K, abs=1e-3)
    assert "zentropy fluctuation" in report.note


def test_the_figures_of_the_parts(fe3pt, fe3pt_vasp_dir, tmp_path):
    from zenthermo.report.figures_parts import plot_decomposition, plot_free_energy_parts

    _, parts = fe3pt
    figure = plot_decomposition(parts, 12, out_dir=tmp_path)
    assert [ax.get_title() for ax in figure.axes] == ["Heat capacity by part, 0 GPa",
                                                       "Thermal expansion by part, 0 GPa"]
    assert (tmp_path / "decomposition.svg").is_file()
    free_energies = build_source_free_energies(zenthermo.ingest(fe3pt_vasp_dir))
    figure = plot_free_energy_parts(free_energies, 12)
    labels = [line.get_label() for line in figure.axes[0].lines]
    assert "config_0 (Debye), 300 K" in labels and not figure.axes[1].lines
    assert plot_free_energy_parts(build_source_free_energies(
        zenthermo.ingest(fe3pt_vasp_dir), vibrations="none"), 12) is None

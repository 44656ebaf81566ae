"""The figures: each is written as PNG and SVG, with labelled axes and units, and draws what
it is given (not something else)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from zenthermo.io.experiment import ReferenceCurve
from zenthermo.report import figures_eos, figures_isobars, figures_phase, figures_zenn
from zenthermo.report.style import PALETTE
from zenthermo.thermo.results import PhaseDiagram

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _check_files(files, *labels):
    """PNG readable and not blank; SVG holds the given texts (axis labels with units)."""
    assert files.png.exists() and files.svg.exists()
    image = imread(files.png)
    assert image.shape[0] > 300 and image.shape[1] > 400
    assert np.ptp(image[..., :3]) > 0.5, "the PNG is blank"
    svg = files.svg.read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    for label in labels:
        assert label in svg, f"{label!r} missing from {files.svg.name}"
    assert not list(files.png.parent.glob("*.part")), "a temporary file was left behind"


def test_palette_is_okabe_ito_and_distinct():
    assert len(set(PALETTE)) == len(PALETTE) == 8
    assert PALETTE[0] == "#0072B2"


def test_isobar_figures_have_units_and_pressures(transition_analysis, tmp_path):
    a = transition_analysis
    _check_files(figures_isobars.plot_volume(a, tmp_path), "Temperature T (K)",
                 "per 4-atom cell", "P = 0 GPa", "P = 1 GPa", "NTE window")
    _check_files(figures_isobars.plot_bulk_modulus_and_heat_capacity(a, tmp_path),
                 "(GPa)", "per mole of atoms", "Dulong-Petit")
    _check_files(figures_isobars.plot_probabilities(a, tmp_path), "Probability", "FM", "AFM")


def test_lcte_overlays_measured_reference(transition_analysis, tmp_path):
    ref = ReferenceCurve("Sumiyama Fe3Pt", "lcte", np.array([10.0, 100.0, 300.0]),
                         np.array([-1e-6, -3e-6, 5e-6]), "x.csv")
    files = figures_isobars.plot_lcte(transition_analysis, tmp_path, [ref])
    _check_files(files, "10⁻⁶ K⁻¹", "measured: Sumiyama Fe3Pt", "NTE window")


def test_probabilities_absent_without_sources(transition_analysis, tmp_path):
    bare = dataclasses.replace(
        transition_analysis,
        isobars=tuple(dataclasses.replace(i, probabilities={})
                      for i in transition_analysis.isobars))
    assert figures_isobars.plot_probabilities(bare, tmp_path) is None


def test_phase_diagrams_show_critical_point(transition_analysis, tmp_path):
    cp = transition_analysis.phase_diagram.critical_point
    tp = figures_phase.plot_phase_diagram_tp(transition_analysis, tmp_path)
    _check_files(tp, "Pressure P (GPa)", "Temperature T (K)", f"{cp.T_K:.0f} K", "spinodal")
    tv = figures_phase.plot_phase_diagram_tv(transition_analysis, tmp_path)
    _check_files(tv, "Volume V", "binodal", "spinodal")


def test_no_phase_diagram_without_transition(transition_analysis, tmp_path):
    plain = dataclasses.replace(transition_analysis, phase_diagram=PhaseDiagram())
    assert not figures_phase.has_transition(plain)
    assert figures_phase.plot_phase_diagram_tp(plain, tmp_path) is None
    assert figures_phase.plot_phase_diagram_tv(plain, tmp_path) is None


def test_landscape_figures(two_state, transition_analysis, tmp_path):
    _check_files(figures_eos.plot_isotherms(two_state, transition_analysis.isobars[0], tmp_path),
                 "meV/atom", "Volume V", "0 K")
    _check_files(figures_eos.plot_landscape_map(two_state, transition_analysis, tmp_path),
                 "meV/atom", "Temperature T (K)", "V_eq at 0 GPa")


def test_eos_figure_from_real_fits(tmp_path):
    from zenthermo.physics.eos import fit_eos

    V = np.linspace(140.0, 170.0, 9)

    class Fe:
        def __init__(self, name, v0, e0):
            self.name, self.label = name, name.upper()
            self.eos_fit = fit_eos(V, e0 + 0.004 * (V - v0) ** 2, kind="bm4", name=name)

    files = figures_eos.plot_eos_fits([Fe("fm", 158.0, -100.0), Fe("afm", 150.0, -99.8)], 12,
                                      tmp_path)
    _check_files(files, "E − E₀,min (meV/atom)", "FM, BM4", "AFM, BM4",
                 "per 12-atom cell")


def test_zenn_parity_and_agreement(two_state, tmp_path):
    from standins import TwoStateLandscape

    shifted = TwoStateLandscape(E=(0.004, 0.064))
    shifted.method = "zenn"
    agreement = figures_zenn.landscape_agreement(shifted, two_state, nv=11, nt=7)
    # a constant shift of 4 meV per 4-atom cell is 1 meV/atom in F and nothing in P, B
    assert agreement.rms_F_meV_per_atom == pytest.approx(1.0, rel=1e-6)
    assert agreement.max_P_GPa == pytest.approx(0.0, abs=1e-9)
    assert agreement.points == 77
    _check_files(figures_zenn.plot_zenn_vs_exact(shifted, two_state, tmp_path, nv=11, nt=7),
                 "exact P = −F_V (GPa)", "ZENN B_T = V F_VV (GPa)", "Temperature T (K)")


def test_methods_figure_needs_two_methods(transition_analysis, tmp_path):
    assert figures_zenn.plot_methods({"exact": transition_analysis}, tmp_path) is None
    other = dataclasses.replace(transition_analysis, method="zenn")
    files = figures_zenn.plot_methods({"exact": transition_analysis, "zenn": other}, tmp_path)
    _check_files(files, "exact", "zenn", "P = 0 GPa")


def test_figures_from_the_real_analysis(tmp_path):
    """The real ExactZentropy + analyze() on analytic sources feed the figures unchanged."""
    from synthetic import three_source_set

    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.thermo.analysis import analyze
    from zenthermo.thermo.results import ConfigurationSummary

    sources = three_source_set()
    land = ExactZentropy(sources)
    configurations = [ConfigurationSummary(s.name, s.multiplicity, s.magnetic_order)
                      for s in sources]
    a = analyze(land, [0.0, 2.0], np.linspace(0.0, 1200.0, 25), configurations,
                phase_diagram=False)
    for plot in (figures_isobars.plot_volume, figures_isobars.plot_lcte,
                 figures_isobars.plot_bulk_modulus_and_heat_capacity,
                 figures_isobars.plot_probabilities):
        _check_files(plot(a, tmp_path), "Temperature T (K)")
    _check_files(figures_eos.plot_landscape_map(land, a, tmp_path), "meV/atom")

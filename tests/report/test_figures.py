"""The figures: each is written as PNG and SVG, with labelled axes and units, and draws what
it is given (not something else)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from zenthermo.io.experiment import ReferenceCurve
from zenthermo.report import figures_eos, figures_isobars, figures_phase, figures_zenn
from zenthermo.report.agreement import landscape_agreement
from zenthermo.report.style import PALETTE
from zenthermo.thermo.results import PhaseDiagram

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _written(figure, folder, name):
    """The files a plot function wrote for ``figure`` into ``folder`` (it returns the Figure)."""
    assert isinstance(figure, Figure)
    return SimpleNamespace(png=Path(folder) / f"{name}.png", svg=Path(folder) / f"{name}.svg")


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
    _check_files(_written(figures_isobars.plot_volume(a, tmp_path), tmp_path, "volume"),
                 "Temperature T (K)", "per 4-atom cell", "P = 0 GPa", "P = 1 GPa", "NTE window")
    _check_files(_written(figures_isobars.plot_bulk_modulus_and_heat_capacity(a, tmp_path),
                          tmp_path, "bulk_modulus_heat_capacity"),
                 "(GPa)", "per mole of atoms", "Dulong-Petit")
    _check_files(_written(figures_isobars.plot_probabilities(a, tmp_path), tmp_path,
                          "probabilities"), "Probability", "FM", "AFM")


def test_lcte_overlays_measured_reference(transition_analysis, tmp_path):
    ref = ReferenceCurve("Sumiyama Fe3Pt", "lcte", np.array([10.0, 100.0, 300.0]),
                         np.array([-1e-6, -3e-6, 5e-6]), "x.csv")
    files = _written(figures_isobars.plot_lcte(transition_analysis, tmp_path, [ref]), tmp_path,
                     "lcte")
    _check_files(files, "10⁻⁶ K⁻¹", "measured: Sumiyama Fe3Pt", "NTE window")


def test_probabilities_absent_without_sources(transition_analysis, tmp_path):
    bare = dataclasses.replace(
        transition_analysis,
        isobars=tuple(dataclasses.replace(i, probabilities={})
                      for i in transition_analysis.isobars))
    assert figures_isobars.plot_probabilities(bare, tmp_path) is None


def test_phase_diagrams_show_critical_point(transition_analysis, tmp_path):
    cp = transition_analysis.phase_diagram.critical_point
    tp = _written(figures_phase.plot_phase_diagram_tp(transition_analysis, tmp_path), tmp_path,
                  "phase_diagram_tp")
    _check_files(tp, "Pressure P (GPa)", "Temperature T (K)", f"{cp.T_K:.0f} K", "spinodal")
    tv = _written(figures_phase.plot_phase_diagram_tv(transition_analysis, tmp_path), tmp_path,
                  "phase_diagram_tv")
    _check_files(tv, "Volume V", "binodal", "spinodal")


def test_no_phase_diagram_without_transition(transition_analysis, tmp_path):
    plain = dataclasses.replace(transition_analysis, phase_diagram=PhaseDiagram())
    assert not figures_phase.has_transition(plain)
    assert figures_phase.plot_phase_diagram_tp(plain, tmp_path) is None
    assert figures_phase.plot_phase_diagram_tv(plain, tmp_path) is None


def test_landscape_figures(two_state, transition_analysis, tmp_path):
    isotherms = figures_eos.plot_isotherms(two_state, transition_analysis.isobars[0], tmp_path)
    _check_files(_written(isotherms, tmp_path, "isotherms"), "meV/atom", "Volume V", "0 K")
    landscape_map = figures_eos.plot_landscape_map(two_state, transition_analysis, tmp_path)
    _check_files(_written(landscape_map, tmp_path, "landscape_map"),
                 "meV/atom", "Temperature T (K)", "V_eq at 0 GPa")


def test_eos_figure_from_real_fits(tmp_path):
    from zenthermo.physics.eos import fit_eos

    V = np.linspace(140.0, 170.0, 9)

    class Fe:
        def __init__(self, name, v0, e0):
            self.name, self.label = name, name.upper()
            self.eos_fit = fit_eos(V, e0 + 0.004 * (V - v0) ** 2, kind="bm4", name=name)

    files = _written(figures_eos.plot_eos_fits([Fe("fm", 158.0, -100.0),
                                                Fe("afm", 150.0, -99.8)], 12, tmp_path),
                     tmp_path, "eos_fits")
    _check_files(files, "E − E₀,min (meV/atom)", "FM, BM4", "AFM, BM4",
                 "per 12-atom cell")


def test_zenn_parity_and_agreement(two_state, tmp_path):
    from standins import TwoStateLandscape

    shifted = TwoStateLandscape(E=(0.004, 0.064))
    shifted.method = "zenn"
    agreement = landscape_agreement(shifted, two_state, nv=11, nt=7)
    # a constant shift of 4 meV per 4-atom cell is 1 meV/atom in F and nothing in P, B
    assert agreement.rms_F_meV_per_atom == pytest.approx(1.0, rel=1e-6)
    assert agreement.max_P_GPa == pytest.approx(0.0, abs=1e-9)
    assert agreement.points == 77
    parity = figures_zenn.plot_zenn_vs_exact(shifted, two_state, tmp_path, nv=11, nt=7)
    _check_files(_written(parity, tmp_path, "zenn_vs_exact"),
                 "exact P = −F_V (GPa)", "ZENN B_T = V F_VV (GPa)", "Temperature T (K)")


def test_methods_figure_needs_two_methods(transition_analysis, tmp_path):
    assert figures_zenn.plot_methods({"exact": transition_analysis}, tmp_path) is None
    other = dataclasses.replace(transition_analysis, method="zenn")
    files = _written(figures_zenn.plot_methods({"exact": transition_analysis, "zenn": other},
                                               tmp_path), tmp_path, "methods")
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
    for plot, name in ((figures_isobars.plot_volume, "volume"),
                       (figures_isobars.plot_lcte, "lcte"),
                       (figures_isobars.plot_bulk_modulus_and_heat_capacity,
                        "bulk_modulus_heat_capacity"),
                       (figures_isobars.plot_probabilities, "probabilities")):
        _check_files(_written(plot(a, tmp_path), tmp_path, name), "Temperature T (K)")
    _check_files(_written(figures_eos.plot_landscape_map(land, a, tmp_path), tmp_path,
                          "landscape_map"), "meV/atom")


def test_a_figure_is_returned_and_written_only_where_asked(transition_analysis, tmp_path,
                                                          monkeypatch):
    monkeypatch.chdir(tmp_path)
    figure = figures_isobars.plot_lcte(transition_analysis)
    assert isinstance(figure, Figure) and figure.axes
    assert list(tmp_path.iterdir()) == []


def test_drawing_the_report_leaves_the_users_matplotlib_backend_alone(tmp_path):
    """A notebook's backend stays what it was: nothing switches it to Agg at import or draw."""
    script = (
        "import matplotlib; matplotlib.use('svg')\n"
        "import zenthermo.report.figures, zenthermo.report.html, zenthermo.calphad.plot\n"
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from standins import TwoStateLandscape\n"
        "from zenthermo.thermo.analysis import analyze\n"
        "a = analyze(TwoStateLandscape(), [0.0], [0.0, 100.0, 200.0], phase_diagram=False)\n"
        "zenthermo.report.figures.plot_volume(a, sys.argv[2])\n"
        "print(matplotlib.get_backend())\n")
    out = subprocess.run([sys.executable, "-c", script, str(Path(__file__).parent),
                          str(tmp_path)], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "svg"
    assert (tmp_path / "volume.png").is_file()

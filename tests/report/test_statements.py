"""Statements in the outputs are true: a skipped phase diagram is not "no critical point",
and temperatures whose equilibrium volume lies within the last data spacing of the volume
range are flagged as well as those at the edge."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from zenthermo.cli.analyze import human_summary
from zenthermo.cli.run import terminal_summary
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.report.html import ReportContent, render_report
from zenthermo.report.summary import read_summary, summary_dict, write_summary
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.isobar import compute_isobar


class DriftingWell:
    """F = K/2 (V - V0(T))^2 with V0 = 141 + 0.02 T on the domain 140..160 A^3.

    The minimum crosses 158 A^3 (the last data spacing of 2 A^3 below the top) at 850 K
    and reaches the edge at 950 K.
    """

    method = "exact"
    natoms = 4
    source_names = ("a",)
    multiplicities = np.array([1.0])
    volume_domain = (140.0, 160.0)
    temperature_domain = (0.0, 1200.0)
    K = 0.05

    def __init__(self, edge_spacing_A3=(2.0, 2.0)):
        if edge_spacing_A3 is not None:
            self.edge_spacing_A3 = edge_spacing_A3

    def derivatives(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        x = V - 141.0 - 0.02 * T
        zero = np.zeros_like(V)
        return FreeEnergyDerivatives(F=self.K / 2 * x**2, F_V=self.K * x,
                                     F_VV=np.full_like(V, self.K), F_VVV=zero,
                                     F_T=-0.02 * self.K * x, F_TT=np.full_like(V, 4e-4 * self.K),
                                     F_VT=np.full_like(V, -0.02 * self.K))

    def probabilities(self, V, T):
        return np.ones((1, *np.broadcast_shapes(np.shape(V), np.shape(T))))


T = np.arange(0.0, 1001.0, 10.0)


def test_the_last_data_spacing_is_flagged_apart_from_the_edge():
    isobar = compute_isobar(DriftingWell(), 0.0, T)
    V = isobar.V_A3
    np.testing.assert_array_equal(isobar.near_edge,
                                  ~isobar.extrapolated & ((V < 142.0) | (V > 158.0)))
    assert isobar.near_edge[(T > 850) & (T < 950)].all()
    assert not isobar.near_edge[(T > 60) & (T < 840)].any()
    assert isobar.extrapolated[T > 960].all() and not isobar.extrapolated[T < 940].any()
    # the low end counts too: 141 A^3 at 0 K lies within 2 A^3 of 140
    low = compute_isobar(DriftingWell(edge_spacing_A3=(2.0, 0.0)), 0.0, T)
    assert low.near_edge[T < 50].all() and not low.near_edge[T > 60].any()


def test_a_landscape_without_data_spacing_flags_nothing_new():
    assert compute_isobar(DriftingWell(edge_spacing_A3=None), 0.0, T).near_edge.size == 0


def test_the_exact_landscape_gives_the_spacing_of_its_data():
    from zenthermo.landscape.exact import ExactZentropy

    def source(name, volumes):
        return SimpleNamespace(name=name, multiplicity=1.0, natoms=4,
                               volume_domain=(min(volumes), max(volumes)),
                               temperature_domain=(0.0, 1000.0),
                               eos_fit=SimpleNamespace(volumes=np.array(volumes)))

    exact = ExactZentropy([source("a", [10.0, 11.0, 12.0, 14.0]),
                           source("b", [14.5, 10.0, 10.5, 13.0])])
    assert exact.edge_spacing_A3 == pytest.approx((1.0, 2.0))  # widest per end, any order


def test_the_near_edge_flag_is_written_read_and_warned(tmp_path):
    analysis = analyze(DriftingWell(), [0.0], T, phase_diagram=False)
    path = tmp_path / "summary.json"
    write_summary(analysis, path)
    back = read_summary(path)
    np.testing.assert_array_equal(back.isobars[0].near_edge, analysis.isobars[0].near_edge)
    assert "within the last data spacing" in human_summary(analysis, tmp_path)
    html = render_report(ReportContent(title="t", analyses={"exact": analysis}, source_set=None,
                                       figures=[]))
    n = int(analysis.isobars[0].near_edge.sum())
    assert 14 <= n <= 16  # 0-40 K at the low end, about 850-940 K at the high end
    assert f"within the last data spacing of the volume range at {n} temperatures" in html


def test_a_skipped_phase_diagram_is_not_reported_as_no_critical_point(tmp_path):
    skipped = analyze(DriftingWell(), [0.0], T, phase_diagram=False)
    assert not skipped.phase_diagram.computed
    html = render_report(ReportContent(title="t", analyses={"exact": skipped}, source_set=None,
                                       figures=[]))
    assert "not computed" in html and "none found" not in html
    result = SimpleNamespace(analyses={"exact": skipped}, timings_s={}, report="r.html")
    assert "critical point not computed" in terminal_summary(result)
    assert "no critical point" not in terminal_summary(result)
    path = tmp_path / "summary.json"
    write_summary(skipped, path)
    assert read_summary(path).phase_diagram.computed is False


def test_a_computed_phase_diagram_without_transition_still_says_none_found(tmp_path):
    searched = analyze(DriftingWell(), [0.0], T, phase_diagram=True)
    assert searched.phase_diagram.computed and searched.phase_diagram.critical_point is None
    html = render_report(ReportContent(title="t", analyses={"exact": searched}, source_set=None,
                                       figures=[]))
    assert "none found" in html
    older = summary_dict(searched)
    del older["phase_diagram_computed"]  # a summary.json written before the key existed
    path = tmp_path / "old.json"
    import json

    path.write_text(json.dumps(older))
    assert read_summary(path).phase_diagram.computed is True
    assert dataclasses.replace(searched.phase_diagram).computed

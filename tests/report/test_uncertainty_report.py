"""Error bars in the outputs: summary.json schema /2 (and /1 still read), the figures' bands
and error cross, the report's intervals ("T_c = 164.9 (+x/-y) K")."""

from __future__ import annotations

import json

import numpy as np
import pytest
from matplotlib.collections import PolyCollection

from zenthermo.errors import SchemaError
from zenthermo.report import figures_isobars, figures_phase
from zenthermo.report.html import ReportContent, render_report
from zenthermo.report.intervals import format_interval, uncertainty_lines, uncertainty_table
from zenthermo.report.summary import SCHEMA, read_summary, read_uncertainty, write_summary
from zenthermo.report.tables import write_analysis

# -- summary.json -----------------------------------------------------------------------------

#: The ``uncertainty`` object as issue 12 specifies it (every key must be there).
ISSUE_KEYS = {"method", "members", "failed_members", "ci", "critical_point", "isobars"}
ISSUE_ISOBAR_KEYS = {"P_GPa", "T_K", "V_A3", "alpha_per_K", "B_GPa", "Cp_eV_per_K",
                     "nte_windows"}


def test_schema_2_holds_the_uncertainty_object_of_the_issue(transition_analysis,
                                                             transition_bands, tmp_path):
    path = write_summary(transition_analysis, tmp_path / "summary.json", transition_bands)
    data = json.loads(path.read_text())
    assert data["schema"] == SCHEMA == "zenthermo.summary/2"
    error_bars = data["uncertainty"]
    assert ISSUE_KEYS <= set(error_bars)
    assert error_bars["method"] == "both" and error_bars["members"] == 50
    assert error_bars["ci"] == [2.5, 50.0, 97.5]
    assert set(error_bars["critical_point"]) >= {"T_K", "P_GPa", "V_A3", "present_fraction"}
    cp = transition_analysis.phase_diagram.critical_point
    assert error_bars["critical_point"]["T_K"] == pytest.approx([cp.T_K - 5, cp.T_K, cp.T_K + 5])
    isobar = error_bars["isobars"][0]
    assert ISSUE_ISOBAR_KEYS <= set(isobar)
    n = len(isobar["T_K"])
    assert [len(row) for row in isobar["V_A3"]] == [n, n, n]
    window = isobar["nte_windows"][0]
    assert set(window) >= {"T_start_K", "T_end_K", "alpha_min_per_K", "present_fraction"}


def test_the_other_keys_stay_the_plain_analysis(transition_analysis, transition_bands,
                                                tmp_path):
    plain = json.loads(write_summary(transition_analysis, tmp_path / "a.json").read_text())
    with_bars = json.loads(write_summary(transition_analysis, tmp_path / "b.json",
                                         transition_bands).read_text())
    assert plain["uncertainty"] is None and with_bars["uncertainty"] is not None
    del plain["uncertainty"], with_bars["uncertainty"]
    assert plain == with_bars


def test_error_bars_read_back_and_a_file_without_them_reads_none(transition_analysis,
                                                                  transition_bands, tmp_path):
    written = write_analysis(transition_analysis, tmp_path / "out", transition_bands)
    path = written[0]
    back = read_uncertainty(path)
    np.testing.assert_array_equal(back.isobars[1].V_A3, transition_bands.isobars[1].V_A3)
    assert back.critical_point.present_fraction == 1.0
    assert read_summary(path).phase_diagram.critical_point == \
        transition_analysis.phase_diagram.critical_point
    assert read_uncertainty(write_summary(transition_analysis, tmp_path / "s.json")) is None


def test_a_schema_1_file_still_reads(transition_analysis, tmp_path):
    path = write_summary(transition_analysis, tmp_path / "summary.json")
    data = json.loads(path.read_text())
    data["schema"] = "zenthermo.summary/1"
    del data["uncertainty"]  # /1 files have no such key
    path.write_text(json.dumps(data))
    analysis = read_summary(path)
    assert analysis.phase_diagram.critical_point == \
        transition_analysis.phase_diagram.critical_point
    np.testing.assert_array_equal(analysis.isobars[0].V_A3, transition_analysis.isobars[0].V_A3)
    assert read_uncertainty(path) is None


def test_a_broken_uncertainty_object_names_the_file(transition_analysis, transition_bands,
                                                    tmp_path):
    path = write_summary(transition_analysis, tmp_path / "summary.json", transition_bands)
    data = json.loads(path.read_text())
    del data["uncertainty"]["isobars"][0]["V_A3"]
    path.write_text(json.dumps(data))
    with pytest.raises(SchemaError, match="V_A3") as error:
        read_uncertainty(path)
    assert "summary.json" in str(error.value)
    read_summary(path)  # the plain analysis still reads


# -- text -------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "interval", "expected"), [
    (164.87, [160.0, 165.2, 169.8], "164.9 (+4.9/-4.9) K"),
    (164.87, [167.4, 171.0, 178.2], "164.9 K (interval 167.4 to 178.2 K, excludes it)"),
    (164.87, [np.nan, np.nan, np.nan], "164.9 K (no interval)"),
    (None, [1.0, 2.0, 3.0], "–"),
])
def test_a_value_with_its_interval(value, interval, expected):
    assert format_interval(value, interval, 1, "K") == expected


def test_terminal_lines_and_report_table_give_the_intervals(transition_analysis,
                                                            transition_bands):
    lines = uncertainty_lines(transition_analysis, transition_bands)
    assert lines[0].startswith("error bars: 50 members (both), 0 failed; 95 % intervals")
    cp = transition_analysis.phase_diagram.critical_point
    assert f"T_c = {cp.T_K:.1f} (+5.0/-5.0) K" in lines[1]
    assert any("NTE at 0 GPa" in line and "(+10.0/-10.0) K" in line for line in lines)
    table = uncertainty_table(transition_analysis, transition_bands)
    quantities = [row[0] for row in table.rows]
    assert quantities[:3] == ["T_c", "P_c", "V_c"]
    assert "NTE at 0 GPa: end" in quantities and "50 members" in table.note


def test_run_prints_the_error_bars_of_the_exact_analysis(transition_analysis,
                                                        transition_bands, tmp_path):
    from types import SimpleNamespace

    from zenthermo.cli.run import terminal_summary

    result = SimpleNamespace(analyses={"exact": transition_analysis}, timings_s={},
                             uncertainty=transition_bands, report=tmp_path / "report.html")
    printed = terminal_summary(result)
    assert "exact error bars: 50 members (both), 0 failed" in printed
    assert "exact NTE at 0 GPa:" in printed
    assert "error bars" not in terminal_summary(SimpleNamespace(**{**vars(result),
                                                                   "uncertainty": None}))


def test_the_report_card_gives_intervals(transition_analysis, transition_bands):
    page = render_report(ReportContent(title="t", analyses={"exact": transition_analysis},
                                       uncertainty=transition_bands))
    cp = transition_analysis.phase_diagram.critical_point
    assert f"T = {cp.T_K:.1f} (+5.0/-5.0) K" in page
    assert "2.5–97.5 percentiles of 50 members" in page
    plain = render_report(ReportContent(title="t", analyses={"exact": transition_analysis}))
    assert "(+5.0/-5.0)" not in plain and f"T = {cp.T_K:.0f} K" in plain


# -- figures ----------------------------------------------------------------------------------

def _bands(figure) -> int:
    return sum(isinstance(c, PolyCollection) for ax in figure.axes for c in ax.collections)


@pytest.mark.parametrize("plot", [figures_isobars.plot_volume, figures_isobars.plot_lcte,
                                  figures_isobars.plot_bulk_modulus_and_heat_capacity])
def test_isobar_figures_shade_one_band_per_pressure_and_quantity(plot, transition_analysis,
                                                                  transition_bands):
    n = len(transition_analysis.isobars)
    per_figure = 2 if plot is figures_isobars.plot_bulk_modulus_and_heat_capacity else 1
    assert _bands(plot(transition_analysis, uncertainty=transition_bands)) - _bands(
        plot(transition_analysis)) >= n * per_figure


def test_volume_figure_labels_the_band_and_the_nte_end_whiskers(transition_analysis,
                                                                transition_bands, tmp_path):
    figures_isobars.plot_volume(transition_analysis, tmp_path, uncertainty=transition_bands)
    svg = (tmp_path / "volume.svg").read_text(encoding="utf-8")
    assert "95 % interval (50 members)" in svg
    assert "interval of an NTE window" in svg


def test_tp_diagram_draws_the_critical_point_error_cross(transition_analysis,
                                                         transition_bands, tmp_path):
    plain = figures_phase.plot_phase_diagram_tp(transition_analysis)
    figure = figures_phase.plot_phase_diagram_tp(transition_analysis, tmp_path,
                                                 uncertainty=transition_bands)
    cp = transition_analysis.phase_diagram.critical_point
    segments = [line.get_xydata() for line in figure.axes[0].lines]
    assert any(xy.shape == (2, 2) and np.allclose(
        xy, [[cp.P_GPa - 0.1, cp.T_K], [cp.P_GPa + 0.1, cp.T_K]]) for xy in segments)
    assert any(xy.shape == (2, 2) and np.allclose(
        xy, [[cp.P_GPa, cp.T_K - 5.0], [cp.P_GPa, cp.T_K + 5.0]]) for xy in segments)
    assert len(figure.axes[0].lines) > len(plain.axes[0].lines)
    assert "critical point, 95 % interval" in (tmp_path / "phase_diagram_tp.svg").read_text()

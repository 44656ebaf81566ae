"""The HTML report: one self-contained file, summary first, user strings escaped."""

from __future__ import annotations

import base64
import dataclasses
import re

import numpy as np
import pytest

from zenthermo.report import figures_isobars
from zenthermo.report.agreement import LandscapeAgreement
from zenthermo.report.html import FigureFiles, ReportContent, Table, render_report, write_report
from zenthermo.report.style import write_figure
from zenthermo.sources import Exclusion, Source, SourceSet, VolumePoint


def _source_set(label="FM <b>ferro</b>"):
    points = tuple(VolumePoint(f"vol_{i}", v, -10.0 + 0.01 * (v - 50) ** 2, 4, {"Fe": 3, "Pt": 1})
                   for i, v in enumerate(np.linspace(46.0, 54.0, 6)))
    fm = Source("fm", 1.0, 4, {"Fe": 3, "Pt": 1}, points, label=label, magnetic_order="FM",
                excluded=(Exclusion("vol_9", "fm/vol_9", "electronic loop not converged", 44.0),))
    afm = Source("afm", 6.0, 4, {"Fe": 3, "Pt": 1}, points, magnetic_order="AFM",
                 warnings=("two spin flips & more",))
    return SourceSet((fm, afm), root="results/")


@pytest.fixture()
def content(transition_analysis, tmp_path):
    png, svg = write_figure(figures_isobars.plot_lcte(transition_analysis), tmp_path / "figures",
                            "lcte")
    figures = [FigureFiles("lcte", "LCTE", "caption", png, svg)]
    agreement = LandscapeAgreement("zenn", "exact", 100, 0.2, 0.5, 0.01, 0.03, 1.5, 4.0)
    return ReportContent(
        title="Fe3Pt <test>", analyses={"exact": transition_analysis}, source_set=_source_set(),
        figures=figures, agreements=[agreement],
        warnings=["EOS fit of 'afm': minimum extrapolated"],
        settings={"pressures (GPa)": "0, 1", "eos": "bm4"}, timings_s={"ingest": 1.25},
        extra_tables=[Table("CALPHAD", ("quantity", "value"), (("Cp", "25.1"),))])


def test_report_is_self_contained(content, tmp_path):
    path = write_report(content, tmp_path / "report.html")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert "<script" not in text.lower()
    # no external resources: every src is inline data, no http(s) anywhere
    assert re.findall(r"src=['\"](?!data:)", text) == []
    assert "http://" not in text and "https://" not in text
    # the embedded PNG is the figure file's bytes
    encoded = re.search(r"data:image/png;base64,([A-Za-z0-9+/=]+)", text).group(1)
    assert base64.b64decode(encoded) == content.figures[0].png.read_bytes()
    # the SVG link is relative to the report
    assert "href='figures/lcte.svg'" in text


def test_summary_comes_first_and_states_the_findings(content, transition_analysis):
    text = render_report(content)
    order = [text.index(f"id='{s}'") for s in
             ("summary", "configurations", "data-quality", "figures", "settings")]
    assert order == sorted(order)
    cp = transition_analysis.phase_diagram.critical_point
    assert f"T = {cp.T_K:.0f} K, P = {cp.P_GPa:.2f} GPa, V = {cp.V_A3:.2f}" in text
    window = transition_analysis.isobars[0].nte_windows[0]
    assert f"{window.T_start_K:.0f} – {window.T_end_K:.0f} K" in text
    assert "RMS ΔF (meV/atom)" in text and "<td class=\"\">0.2</td>" in text


def test_tables_list_configurations_and_exclusions(content):
    text = render_report(content)
    assert "electronic loop not converged" in text and "fm/vol_9" in text
    assert "B0′" in text and "AFM" in text
    assert "EOS fit of &#x27;afm&#x27;: minimum extrapolated" in text
    assert "two spin flips &amp; more" in text
    assert "CALPHAD" in text and "25.1" in text


def test_user_strings_are_escaped(content):
    text = render_report(content)
    assert "Fe3Pt &lt;test&gt;" in text and "<test>" not in text
    assert "FM &lt;b&gt;ferro&lt;/b&gt;" in text and "<b>ferro</b>" not in text


def test_no_transition_is_stated(content, transition_analysis):
    from zenthermo.thermo.results import PhaseDiagram

    plain = dataclasses.replace(transition_analysis, phase_diagram=PhaseDiagram())
    text = render_report(dataclasses.replace(content, analyses={"exact": plain}))
    assert "none found in the analysed domain" in text


def test_failed_write_keeps_old_report(content, tmp_path, monkeypatch):
    target = tmp_path / "report.html"
    target.write_text("old", encoding="utf-8")
    import zenthermo.report.html as html_module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(html_module, "_figure", broken)
    with pytest.raises(RuntimeError):
        write_report(content, target)
    assert target.read_text(encoding="utf-8") == "old"

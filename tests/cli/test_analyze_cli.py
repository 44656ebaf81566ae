"""``zenthermo analyze``: arguments, outputs written atomically, the human summary."""

from __future__ import annotations

import json

import numpy as np
import pytest

import zenthermo.landscape.loading as loading
from zenthermo.cli import main
from zenthermo.errors import ConfigurationError
from zenthermo.io.output_guard import MARKER, mark_output_folder
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.report.summary import read_summary


class NteLandscape:
    """F = K/2 (V - V0 - s(T))^2 - d T^2/2 with alpha < 0 exactly on 200..500 K."""

    method = "exact"
    natoms = 12
    source_names = ("AFM", "FM")
    multiplicities = np.array([3.0, 1.0])
    volume_domain = (140.0, 160.0)
    K, V0, a, d = 0.006, 150.0, 1.5e-8, 1e-6

    def __init__(self, temperature_domain=(0.0, 1200.0)):
        self.temperature_domain = temperature_domain

    def derivatives(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        s = self.a * (T**3 / 3 - 350.0 * T**2 + 1e5 * T)
        s1 = self.a * (T - 200.0) * (T - 500.0)
        x, K = V - self.V0 - s, self.K
        return FreeEnergyDerivatives(
            F=K / 2 * x**2 - self.d * T**2 / 2, F_V=K * x, F_VV=np.full_like(V, K),
            F_VVV=np.zeros_like(V), F_T=-K * x * s1 - self.d * T,
            F_TT=K * s1**2 - K * x * self.a * (2 * T - 700.0) - self.d, F_VT=-K * s1)

    def probabilities(self, V, T):
        V, T = np.broadcast_arrays(np.asarray(V, float), np.asarray(T, float))
        p = 1.0 / (1.0 + np.exp(V - 150.0))
        return np.stack([p, 1 - p])


@pytest.fixture
def stand_in(monkeypatch, tmp_path):
    """Route the input file to an analytic landscape; returns the (empty) input path."""
    landscape = NteLandscape()
    source = tmp_path / "sources.json"
    source.write_text("{}")
    seen = {}

    def load_landscape(path, method=None, **physics_options):
        seen.update(path=path, method=method, options=physics_options)
        return landscape

    monkeypatch.setattr(loading, "load_landscape", load_landscape)
    return source, landscape, seen


def test_writes_summary_and_tables_and_prints_the_nte_window(stand_in, tmp_path, capsys):
    source, _, _ = stand_in
    out = tmp_path / "out"
    status = main(["analyze", str(source), "-o", str(out), "--pressures", "0,2",
                   "--tmax", "800", "--no-phase-diagram"])
    assert status == 0
    assert sorted(p.name for p in out.iterdir()) == [
        MARKER, "configurations.csv", "isobar_P0GPa.csv", "isobar_P2GPa.csv", "phase_diagram.csv",
        "summary.json"]
    analysis = read_summary(out / "summary.json")
    assert [i.P_GPa for i in analysis.isobars] == [0.0, 2.0]
    isobar = analysis.isobar(0.0)
    np.testing.assert_array_equal(isobar.T_K, np.arange(0.0, 801.0))
    (window,) = isobar.nte_windows
    assert window.T_start_K == pytest.approx(200.0, abs=1e-6)
    printed = capsys.readouterr().out
    assert "NTE 200.0-500.0 K" in printed and "critical point: not computed" in printed


@pytest.mark.parametrize("argv", [["--pressures=-2,0,2"], ["--pressures", "-2,0,2"],
                                  ["--pressures", "-2.5"], ["--pressures", "-.5,1e-1"]])
def test_negative_pressures_parse_in_both_spellings(stand_in, tmp_path, argv):
    source, _, _ = stand_in
    out = tmp_path / "out"
    assert main(["analyze", str(source), "-o", str(out), "--quiet", "--tmax", "50",
                 "--no-phase-diagram", *argv]) == 0
    pressures = [i["P_GPa"] for i in json.loads((out / "summary.json").read_text())["isobars"]]
    expected = [float(p) for p in argv[-1].split("=")[-1].split(",")]
    assert pressures == expected


def test_defaults_are_zero_pressure_and_0_to_1000_K_in_1_K_steps(stand_in, tmp_path, capsys):
    source, _, seen = stand_in
    out = tmp_path / "out"
    assert main(["analyze", str(source), "-o", str(out), "--quiet", "--no-phase-diagram"]) == 0
    analysis = read_summary(out / "summary.json")
    assert [i.P_GPa for i in analysis.isobars] == [0.0]
    np.testing.assert_array_equal(analysis.isobars[0].T_K, np.arange(0.0, 1001.0))
    assert seen["method"] is None and seen["options"] == {}  # the library's physics defaults
    assert capsys.readouterr().out == ""  # --quiet


def test_physics_options_given_go_to_the_library(stand_in, tmp_path):
    source, _, seen = stand_in
    assert main(["analyze", str(source), "-o", str(tmp_path / "out"), "--quiet", "--tmax",
                 "20", "--no-phase-diagram", "--eos", "vinet", "--debye-x", "0.5"]) == 0
    assert seen["options"] == {"eos": "vinet", "debye_x": 0.5}


def test_the_default_tmax_is_clipped_to_the_domain_with_a_warning(stand_in, tmp_path, capsys):
    source, landscape, _ = stand_in
    landscape.temperature_domain = (0.0, 700.0)
    out = tmp_path / "out"
    assert main(["analyze", str(source), "-o", str(out), "--quiet", "--no-phase-diagram"]) == 0
    assert read_summary(out / "summary.json").isobars[0].T_K[-1] == 700.0
    assert "700 K" in capsys.readouterr().err


def test_an_explicit_tmax_beyond_the_domain_is_an_error(stand_in, tmp_path, capsys):
    source, landscape, _ = stand_in
    landscape.temperature_domain = (0.0, 700.0)
    out = tmp_path / "out"
    assert main(["analyze", str(source), "-o", str(out), "--tmax", "900"]) == 2
    assert "temperature domain" in capsys.readouterr().err
    assert not out.exists()


def test_a_failed_analysis_leaves_an_existing_out_dir_untouched(stand_in, tmp_path, capsys):
    source, _, _ = stand_in
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("old")
    mark_output_folder(out)  # an earlier zenthermo output: the output rule lets it be replaced
    # 30 GPa pushes the equilibrium out of the volume domain at every temperature
    assert main(["analyze", str(source), "-o", str(out), "--pressures", "0,30",
                 "--no-phase-diagram"]) == 2
    assert "30 GPa" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == [MARKER, "keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_bad_pressure_lists_are_refused_by_the_parser(stand_in, tmp_path):
    source, _, _ = stand_in
    with pytest.raises(SystemExit):
        main(["analyze", str(source), "-o", str(tmp_path / "o"), "--pressures", "0,abc"])


def test_a_missing_input_file_is_a_clear_error(tmp_path, capsys):
    assert main(["analyze", str(tmp_path / "nope.json"), "-o", str(tmp_path / "o")]) == 2
    assert "file not found" in capsys.readouterr().err


def test_a_file_that_is_neither_sources_nor_a_model_is_a_clear_error(tmp_path, capsys):
    junk = tmp_path / "model.bin"
    junk.write_bytes(b"\x00\x01 not a zenthermo file")
    assert main(["analyze", str(junk), "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert str(junk) in err and len(err.strip().splitlines()) <= 3


def test_zenn_method_on_a_sources_file_points_to_zenthermo_fit(tmp_path, capsys):
    source = tmp_path / "s.json"
    source.write_text("{}")
    with pytest.raises(ConfigurationError, match="zenthermo fit"):
        loading.load_landscape(source, "zenn")
    assert main(["analyze", str(source), "-o", str(tmp_path / "o"), "--method", "zenn"]) == 2
    assert "zenthermo fit" in capsys.readouterr().err


@pytest.mark.slow
def test_fe3pt_end_to_end_from_the_real_vasp_results(fe3pt_vasp_dir, tmp_path, capsys):
    pytest.importorskip("zenthermo.io.ingest")
    pytest.importorskip("zenthermo.landscape.exact")
    import zenthermo
    from zenthermo.io.sourcefile import save_sources

    sources = tmp_path / "fe3pt.json"
    save_sources(zenthermo.ingest(fe3pt_vasp_dir), sources)
    out = tmp_path / "out"
    assert main(["analyze", str(sources), "-o", str(out), "--pressures", "0,2", "--tstep", "2",
                 "--no-phase-diagram"]) == 0
    analysis = read_summary(out / "summary.json")
    assert analysis.method == "exact" and analysis.natoms == 12
    assert {c.name for c in analysis.configurations} == {"config_0", "config_22", "config_28"}
    assert all(c.B0_GPa > 100 for c in analysis.configurations)
    zero, two = analysis.isobars
    assert not zero.extrapolated.any()
    # Invar: a negative thermal expansion window near room temperature that moves down
    # with pressure
    (window,) = zero.nte_windows
    assert 200 < window.T_start_K < 400 < window.T_end_K < 600
    assert two.nte_windows[0].T_start_K < window.T_start_K
    assert 150.0 < np.interp(300.0, zero.T_K, zero.V_A3) < 165.0
    np.testing.assert_allclose(sum(zero.probabilities.values()), 1.0, atol=1e-12)
    assert "NTE" in capsys.readouterr().out


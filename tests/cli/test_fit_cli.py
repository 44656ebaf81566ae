"""``zenthermo fit``: per-source and system mode, model files analyse, bad inputs write nothing."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

import zenthermo
from zenthermo.cli import main
from zenthermo.data import default_sources_path
from zenthermo.landscape.model_file import load_model

FE3PT = default_sources_path()  # the embedded Fe3Pt data (package data)
QUICK = ["--epochs", "5", "--lbfgs", "0", "--quiet"]


@pytest.fixture(scope="module")
def fe3pt_file():
    return FE3PT


def write_table(path: Path, rows, header="V_A3,T_K,F_eV"):
    path.write_text(header + "\n" + "\n".join(",".join(map(str, r)) for r in rows) + "\n")
    return path


def smooth_table(path: Path) -> Path:
    V, T = np.meshgrid(np.linspace(140, 160, 5), np.linspace(0, 1000, 4))
    F = 0.01 * (V - 150.0) ** 2 - 1e-4 * T - 100.0
    return write_table(path, zip(V.ravel(), T.ravel(), F.ravel(), strict=True))


@pytest.mark.slow
def test_per_source_fit_writes_a_model_that_loads(tmp_path, fe3pt_file):
    out = tmp_path / "model.pt"
    assert main(["fit", str(fe3pt_file), "-o", str(out), "--method", "zenn", *QUICK]) == 0
    landscape = load_model(out)
    assert landscape.method == "zenn" and landscape.mode == "per-source"
    assert landscape.source_names == ("config_0", "config_22", "config_28")
    np.testing.assert_allclose(landscape.multiplicities, [2.0, 12.0, 6.0])
    assert landscape.natoms == 12
    assert landscape.temperature_domain == (0.0, 1000.0)


def test_same_seed_same_model_numbers(tmp_path, fe3pt_file):
    a, b = tmp_path / "a.pt", tmp_path / "b.pt"
    for out in (a, b):
        assert main(["fit", str(fe3pt_file), "-o", str(out), "--method", "dnn", "--seed", "3",
                     *QUICK]) == 0
    V, T = np.meshgrid(np.linspace(140, 170, 7), np.linspace(0, 1000, 6))
    da, db = load_model(a).derivatives(V, T), load_model(b).derivatives(V, T)
    for name, value in da.as_dict().items():
        np.testing.assert_array_equal(value, db.as_dict()[name])


@pytest.mark.slow
def test_system_mode_fit_and_analyze(tmp_path):
    table = smooth_table(tmp_path / "F.csv")
    model = tmp_path / "sys.pt"
    assert main(["fit", "--mode", "system", "--target", str(table), "-o", str(model),
                 "--sources", "3", "--natoms", "4", *QUICK]) == 0
    landscape = load_model(model)
    assert landscape.mode == "system" and len(landscape.source_names) == 3
    assert landscape.volume_domain == (140.0, 160.0)
    assert landscape.temperature_domain == (0.0, 1000.0)
    out = tmp_path / "analysis"
    assert main(["analyze", str(model), "-o", str(out), "--tstep", "50",
                 "--no-phase-diagram", "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["method"] == "zenn"
    assert summary["natoms"] == 4
    assert summary["volume_domain"] == [140.0, 160.0]
    # a ZENN model's per-source F_k, E_k, S_k along each isobar
    tables = sorted(out.glob("sources_P*GPa.csv"))
    assert tables and "E_latent_1_eV" in tables[0].read_text().splitlines()[0]


def fine_table(path: Path, noise_eV: float = 0.0) -> Path:
    """31 volumes x 12 temperatures of a smooth anharmonic F (eV)."""
    V, T = np.meshgrid(np.linspace(140, 160, 31), np.linspace(0, 1000, 12))
    F = (0.01 * (V - 150.0) ** 2 + 2e-4 * (V - 150.0) ** 3 * (1 + T / 1000)
         - 1e-4 * T - 2e-6 * T * (V - 150.0) - 100.0)
    F = F + np.random.default_rng(0).normal(0.0, noise_eV, F.shape) if noise_eV else F
    return write_table(path, zip(V.ravel(), T.ravel(), F.ravel(), strict=True))


@pytest.mark.parametrize("noise_eV,line", [
    (0.0, "curvature targets: F_V and F_VV from splines of the table"),
    (1e-5, "curvature from F alone: the table does not resolve F_VV"),
])
def test_system_fit_says_whether_the_table_taught_the_curvature(tmp_path, capsys, noise_eV,
                                                                 line):
    table = fine_table(tmp_path / "F.csv", noise_eV)
    out = tmp_path / "sys.pt"
    assert main(["fit", "--mode", "system", "--target", str(table), "-o", str(out),
                 "--sources", "2", "--epochs", "2", "--lbfgs", "0"]) == 0
    assert line in capsys.readouterr().out


def test_one_volume_per_source_is_refused_and_nothing_written(tmp_path, fe3pt_file, capsys):
    full = zenthermo.load_sources(fe3pt_file)
    single = dataclasses.replace(full, sources=tuple(
        dataclasses.replace(s, points=s.points[:1]) for s in full))
    path = tmp_path / "single.json"
    single.save(path)
    out = tmp_path / "model.pt"
    assert main(["fit", str(path), "-o", str(out), *QUICK]) == 2
    assert "1 volume point" in capsys.readouterr().err
    assert not out.exists() and not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("content,message", [
    ("V_A3,T_K\n1,2\n", "missing column(s) F_eV"),
    ("V_A3,T_K,F_eV\n" + "\n".join(f"{140 + i},{100 * j},{'nan' if i == 2 else -1}"
                                   for i in range(4) for j in range(4)), "NaN"),
    ("V_A3,T_K,F_eV\n140,0,-1\n150,0,-2\n", "too few points"),
])
def test_bad_target_tables_are_refused(tmp_path, capsys, content, message):
    table = tmp_path / "bad.csv"
    table.write_text(content)
    out = tmp_path / "model.pt"
    assert main(["fit", "--mode", "system", "--target", str(table), "-o", str(out),
                 *QUICK]) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.csv" in err
    assert not out.exists()


def test_mode_and_inputs_must_agree(tmp_path, capsys):
    out = tmp_path / "m.pt"
    assert main(["fit", "-o", str(out), "--quiet"]) == 2
    assert "SOURCES_FILE" in capsys.readouterr().err
    assert main(["fit", "--mode", "system", "-o", str(out), "--quiet"]) == 2
    assert "--target" in capsys.readouterr().err


def test_truncated_model_is_reported_by_analyze(tmp_path, capsys):
    table = smooth_table(tmp_path / "F.csv")
    model = tmp_path / "m.pt"
    assert main(["fit", "--mode", "system", "--target", str(table), "-o", str(model),
                 "--method", "dnn", *QUICK]) == 0
    raw = model.read_bytes()
    model.write_bytes(raw[: len(raw) // 3])
    out = tmp_path / "analysis"
    assert main(["analyze", str(model), "-o", str(out), "--quiet"]) == 2
    assert "truncated" in capsys.readouterr().err
    assert not out.exists()


def test_an_ensemble_of_seeds_is_one_model_file(tmp_path, capsys):
    from zenthermo.landscape.ensemble import EnsembleLandscape

    table, out = smooth_table(tmp_path / "f.csv"), tmp_path / "ensemble.pt"
    assert main(["fit", "--mode", "system", "--target", str(table), "-o", str(out),
                 "--ensemble", "2", "--seed", "7", "--epochs", "5", "--lbfgs", "0"]) == 0
    assert "x 2 seeds" in capsys.readouterr().out
    landscape = load_model(out)
    assert isinstance(landscape, EnsembleLandscape) and landscape.size == 2
    assert [m.settings["seed"] for m in landscape.members] == [7, 8]
    assert main(["fit", "--mode", "system", "--target", str(table), "-o",
                 str(tmp_path / "none.pt"), "--ensemble", "0", *QUICK]) != 0
    assert "--ensemble must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "none.pt").exists()

"""The main job: what `zenthermo run` writes, that its numbers are `zenthermo analyze`'s, and
that a failed or interrupted run leaves no report that looks complete."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zenthermo.cli import main
from zenthermo.errors import ConfigurationError, InputError
from zenthermo.io.output_guard import mark_output_folder
from zenthermo.pipeline import RunConfig, choose_methods, run_pipeline

FAST = {"pressures_GPa": (0.0, 2.0), "tstep_K": 10.0, "methods": ("exact",)}


@pytest.fixture(scope="module")
def fe3pt_sources(fe3pt_vasp_dir, tmp_path_factory):
    import zenthermo

    path = tmp_path_factory.mktemp("fe3pt") / "sources.json"
    zenthermo.ingest(fe3pt_vasp_dir).save(path)
    return path


@pytest.fixture(scope="module")
def fe3pt_run(fe3pt_sources, fe3pt_experiment_dir, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    reference = fe3pt_experiment_dir / "sumiyama_fe3pt_lcte.csv"
    config = RunConfig(inputs=(str(fe3pt_sources),), output_dir=str(out),
                       references=(str(reference),), **FAST)
    return run_pipeline(config)


def test_run_writes_report_summary_tables_and_figures(fe3pt_run):
    out = fe3pt_run.output_dir
    assert (out / "report.html").is_file()
    assert (out / "exact" / "summary.json").is_file()
    assert (out / "exact" / "isobar_P0GPa.csv").is_file()
    assert (out / "sources.json").is_file()
    names = {f.name for f in fe3pt_run.figures}
    assert {"eos_fits", "lcte", "volume", "probabilities", "bulk_modulus_heat_capacity",
            "isotherms", "landscape_map"} <= names
    for files in fe3pt_run.figures:
        assert files.png.is_file() and files.svg.is_file()
        assert files.png.parent == out / "figures"
    assert not list(out.parent.glob(".*part")), "temporary folders were left behind"
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "measured: sumiyama_fe3pt_lcte" in (out / "figures" / "lcte.svg").read_text()
    assert "config_0" in html and "Data quality" in html
    # each source's models, and C_P / alpha split into their parts
    assert "Free-energy models per configuration" in html and "Debye-Grueneisen" in html
    assert "Where C_P and the thermal expansion come from" in html
    assert (out / "exact" / "decomposition_P0GPa.csv").is_file()
    assert {"decomposition", "free_energy_parts"} <= names


def test_fe3pt_shows_nte_at_zero_pressure(fe3pt_run):
    isobar = fe3pt_run.analyses["exact"].isobar(0.0)
    assert isobar.nte_windows, "Fe3Pt (Invar) must show negative thermal expansion"
    window = isobar.nte_windows[0]
    assert 150.0 < window.T_start_K < window.T_end_K < 600.0


def test_exact_summary_equals_zenthermo_analyze(fe3pt_sources, fe3pt_run, tmp_path):
    out = tmp_path / "analyze"
    status = main(["analyze", str(fe3pt_sources), "-o", str(out), "--pressures", "0,2",
                   "--tstep", "10", "--quiet"])
    assert status == 0
    ours = json.loads((fe3pt_run.output_dir / "exact" / "summary.json").read_text())
    theirs = json.loads((out / "summary.json").read_text())
    assert ours == theirs
    for table in ("isobar_P0GPa.csv", "isobar_P2GPa.csv", "configurations.csv"):
        assert (fe3pt_run.output_dir / "exact" / table).read_text() == (out / table).read_text()


def _failing(*args, **kwargs):
    raise RuntimeError("a stage failed")


def test_failing_stage_leaves_no_output_dir(fe3pt_sources, tmp_path, monkeypatch):
    import zenthermo.report.figures as figures

    monkeypatch.setattr(figures, "draw_report_figures", _failing)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="a stage failed"):
        run_pipeline(RunConfig(inputs=(str(fe3pt_sources),), output_dir=str(out), **FAST))
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [], "a temporary folder was left behind"


def test_interrupted_run_keeps_the_existing_output(fe3pt_sources, tmp_path, monkeypatch):
    import zenthermo.report.html as html

    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("the previous report", encoding="utf-8")
    mark_output_folder(out)  # an earlier zenthermo output

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(html, "write_report", interrupt)
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(RunConfig(inputs=(str(fe3pt_sources),), output_dir=str(out), **FAST))
    assert (out / "report.html").read_text(encoding="utf-8") == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_cli_run_and_its_errors(fe3pt_sources, tmp_path, capsys):
    out = tmp_path / "cli"
    status = main(["run", str(fe3pt_sources), "-o", str(out), "--methods", "exact",
                   "--pressures", "0", "--tstep", "20", "--no-phase-diagram", "--quiet"])
    assert status == 0 and (out / "report.html").is_file()
    status = main(["run", str(fe3pt_sources), "-o", str(tmp_path / "bad"), "--methods",
                   "exact", "--reference", str(tmp_path / "missing.csv"), "--quiet"])
    assert status == 2
    assert "missing.csv" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_method_choice(fe3pt_sources):
    import zenthermo

    ss = zenthermo.load_sources(fe3pt_sources)
    assert choose_methods(RunConfig(), ss)[0] == ("exact", "zenn")
    assert choose_methods(RunConfig(methods=("zenn",)), ss)[0] == ("zenn",)
    with pytest.raises(ConfigurationError):
        RunConfig(methods=("dnn",))
    with pytest.raises(ConfigurationError, match="together"):
        RunConfig(tdb="x.tdb")


def test_missing_input_is_named(tmp_path):
    with pytest.raises(InputError, match="nowhere"):
        run_pipeline(RunConfig(inputs=(str(tmp_path / "nowhere"),),
                               output_dir=str(tmp_path / "o")))


@pytest.mark.slow
def test_silicon_phonopy_inputs_in_shell_order(si_qha_dir, tmp_path):
    """phonopy-qha files in the shell's glob order: one configuration, NTE at low T."""
    yaml_files = sorted(str(p) for p in si_qha_dir.glob("thermal_properties.yaml-*"))
    out = tmp_path / "si"
    result = run_pipeline(RunConfig(inputs=(str(si_qha_dir / "e-v.dat"), *yaml_files),
                                    output_dir=str(out), methods=("exact",), tstep_K=5.0,
                                    pressures_GPa=(0.0,)))
    analysis = result.analyses["exact"]
    assert len(analysis.configurations) == 1
    assert analysis.phase_diagram.critical_point is None
    window = analysis.isobar(0.0).nte_windows[0]
    assert window.T_start_K < 30.0 < window.T_end_K < 200.0
    assert (out / "report.html").is_file()
    drawn = {f.name for f in result.figures}
    assert "phase_diagram_tp" not in drawn and "probabilities" not in drawn
    assert {"lcte", "volume", "eos_fits", "bulk_modulus_heat_capacity"} <= drawn


@pytest.mark.slow
def test_zenn_method_writes_its_own_summary_and_model(fe3pt_sources, tmp_path):
    out = tmp_path / "zenn"
    result = run_pipeline(RunConfig(
        inputs=(str(fe3pt_sources),), output_dir=str(out), pressures_GPa=(0.0,), tstep_K=50.0,
        phase_diagram=False, zenn_settings={"adam_epochs": 30, "lbfgs_iterations": 5}))
    assert set(result.analyses) == {"exact", "zenn"}
    assert (out / "zenn" / "summary.json").is_file()
    assert (out / "zenn" / "model.pt").is_file()
    # each configuration's learned F_k, E_k, S_k along the isobar (ZENN only)
    header = (out / "zenn" / "sources_P0GPa.csv").read_text().splitlines()[0].split(",")
    assert {"T_K", "V_A3", "F_config_0_eV", "E_config_0_eV", "S_config_0_eV_per_K"} <= set(header)
    assert not (out / "exact" / "sources_P0GPa.csv").exists()
    assert "zenn_vs_exact" in {f.name for f in result.figures}
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Agreement of the methods" in html


# -- workflows --------------------------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def test_fe3pt_workflow_reads_into_a_config():
    from zenthermo.pipeline.workflow import workflow_config

    config = workflow_config(REPO / "workflows" / "fe3pt.toml")
    embedded = REPO / "workflows" / ".." / "zenthermo" / "data" / "fe3pt" / "sources.json"
    assert config.inputs == (str(embedded),)
    assert config.pressures_GPa == (0.0, 2.0, 4.0)
    assert config.methods == ("exact", "zenn")
    assert config.eos == "bm4" and config.debye_scaling == 0.617
    # command-line values override the file's
    assert workflow_config(REPO / "workflows" / "fe3pt.toml", tstep_K=5.0).tstep_K == 5.0


def test_a_run_config_is_plain_data_that_travels_to_another_process():
    import pickle

    from zenthermo.pipeline import workflow_config

    config = workflow_config(REPO / "workflows" / "fe3pt.toml", tstep_K=5.0,
                             zenn_settings={"adam_epochs": 10})
    assert pickle.loads(pickle.dumps(config)) == config
    assert config.physics_options() == {"eos": "bm4", "vibrations": "auto",
                                        "debye_scaling": 0.617, "debye_x": 0.6667,
                                        "debye_volume": "cell", "electronic": "auto",
                                        "phonon_interpolation": "auto"}


def test_si_workflow_expands_the_glob_into_every_phonon_file(si_qha_dir):
    """The glob gives all 11 files; the phonopy-qha reader pairs them with e-v.dat rows by
    number whatever their order (tests/faults/test_accounting.py: shell and reversed order)."""
    from zenthermo.pipeline.workflow import workflow_config

    config = workflow_config(REPO / "workflows" / "si-qha.toml")
    names = [Path(p).name for p in config.inputs]
    assert names[0] == "e-v.dat"
    assert sorted(names[1:]) == sorted(f"thermal_properties.yaml-{i}" for i in
                                       ("-5", "-4", "-3", "-2", "-1", "0", "1", "2", "3",
                                        "4", "5"))
    assert config.tdb.endswith("COST507.tdb") and config.components == ("SI",)


def test_workflow_paths_fall_back_to_the_working_directory(tmp_path, monkeypatch):
    from zenthermo.pipeline.workflow import read_workflow

    (tmp_path / "data.json").write_text("{}", encoding="utf-8")
    (tmp_path / "flows").mkdir()
    flow = tmp_path / "flows" / "w.toml"
    flow.write_text('[inputs]\npaths = ["data.json"]\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert read_workflow(flow)["inputs"] == ("data.json",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[inputs]\npath = ['x']\n", "unknown key 'path' in \\[inputs\\]"),
        ("[input]\npaths = ['x']\n", "unknown table \\[input\\]"),
        ("[analysis]\ntstep_K = 'one'\n", "wrong type"),
        ("[analysis]\nphase_diagram = 1\n", "wrong type"),
        ("[zenn]\nepochs = 3\n", "unknown key"),
        ("[zenn]\nweight_F = 'a'\n", "\\[zenn\\] ZENN setting weight_F must be a number >= 0"),
        ("[zenn]\nweight_gruneisen = -0.1\n", "weight_gruneisen must be a number >= 0"),
        ("[zenn]\nhidden = [24, 0]\n", "hidden must be a list of layer widths >= 1"),
        ("[zenn]\nactivation = 'relu'\n", "activation must be one of tanh"),
        ("[zenn]\nlbfgs_iterations = 1.5\n", "lbfgs_iterations must be an integer >= 0"),
        ("[inputs]\npaths = ['nowhere/*.dat']\n", "matches nothing"),
        ("[analysis\n", "not valid TOML"),
    ],
)
def test_bad_workflows_name_the_file(tmp_path, text, message):
    from zenthermo.pipeline.workflow import read_workflow

    flow = tmp_path / "bad.toml"
    flow.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        read_workflow(flow)
    assert "bad.toml" in str(error.value)


def test_cli_accepts_a_workflow(fe3pt_sources, tmp_path):
    flow = tmp_path / "w.toml"
    flow.write_text(
        f'[inputs]\npaths = ["{fe3pt_sources}"]\n[analysis]\npressures_GPa = [0]\n'
        'tstep_K = 25\nphase_diagram = false\n[methods]\nrun = ["exact"]\n'
        '[output]\ndir = "ignored-by-o"\ntitle = "Workflow <run>"\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(flow), "-o", str(out), "--quiet"]) == 0
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "Workflow &lt;run&gt;" in html
    assert not (Path.cwd() / "ignored-by-o").exists()


def test_zenn_is_analysed_on_the_users_temperature_grid(fe3pt_sources, tmp_path, monkeypatch):
    """No coarser grid for a network: zenn/summary.json has the temperatures exact/ has."""
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.pipeline import run as run_module

    class StandIn:  # the exact landscape under the name zenn (the fit is not under test)
        def __init__(self, inner):
            self.inner, self.method = inner, "zenn"

        def __getattr__(self, name):
            return getattr(self.inner, name)

    monkeypatch.setattr(run_module, "fit_zenn",
                        lambda source_set, config, temperatures, progress: StandIn(
                            ExactZentropy.from_sources(source_set, **config.physics_options())))
    captured = {}
    monkeypatch.setattr(run_module, "write_outputs",
                        lambda config, ss, fes, landscapes, analyses, *rest, **kw: captured.update(
                            analyses))
    run_pipeline(RunConfig(inputs=(str(fe3pt_sources),), output_dir=str(tmp_path / "o"),
                           pressures_GPa=(0.0,), tstep_K=2.0, phase_diagram=False))
    exact_T = captured["exact"].isobars[0].T_K
    assert exact_T.size > 201
    np.testing.assert_array_equal(captured["zenn"].isobars[0].T_K, exact_T)

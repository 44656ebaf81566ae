"""Error bars from the command line and workflow files: ``--uncertainty N``,
``--uncertainty-method``, ``--ci``, ``--seed`` on ``zenthermo analyze`` and ``zenthermo run``,
``[uncertainty]`` in a workflow, and where the members run."""

from __future__ import annotations

import json
import types

import pytest

import zenthermo.landscape.loading as loading
from zenthermo.cli import main
from zenthermo.data import default_sources_path
from zenthermo.errors import ConfigurationError, InputError
from zenthermo.pipeline import RunConfig
from zenthermo.report.summary import read_summary, read_uncertainty
from zenthermo.uncertainty import local_process_map, member_map

FE3PT = str(default_sources_path())


def test_analyze_writes_the_error_bars_and_prints_the_intervals(tmp_path, capsys):
    out = tmp_path / "out"
    status = main(["analyze", FE3PT, "-o", str(out), "--pressures", "0", "--tstep", "50",
                   "--uncertainty", "3", "--uncertainty-method", "bootstrap",
                   "--ci", "5,50,95", "--seed", "2"])
    assert status == 0
    data = json.loads((out / "summary.json").read_text())
    assert data["schema"] == "zenthermo.summary/2"
    bars = data["uncertainty"]
    assert (bars["members"], bars["method"], bars["ci"], bars["seed"]) == (
        3, "bootstrap", [5.0, 50.0, 95.0], 2)
    assert bars["critical_point"]["present_fraction"] == 1.0
    plain = read_summary(out / "summary.json")
    assert plain.phase_diagram.critical_point.T_K == data["critical_point"]["T_K"]
    assert read_uncertainty(out / "summary.json").isobars[0].P_GPa == 0.0
    printed = capsys.readouterr().out
    assert "error bars: 3 members (bootstrap), 0 failed; 90 % intervals" in printed
    assert "T_c = " in printed and "(+" in printed


@pytest.mark.parametrize(("options", "message"), [
    (["--uncertainty", "1"], "at least 2 members"),
    (["--uncertainty", "ten"], "number of members"),
    (["--uncertainty", "5", "--ci", "97.5,50,2.5"], "ascending percentiles"),
    (["--uncertainty", "5", "--uncertainty-method", "jackknife"], "invalid choice"),
])
def test_bad_uncertainty_options_are_refused_before_any_work(options, message, tmp_path,
                                                             capsys):
    with pytest.raises(SystemExit) as stop:
        main(["analyze", FE3PT, "-o", str(tmp_path / "out"), *options])
    assert stop.value.code != 0 and message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_model_file_has_no_data_to_resample(tmp_path, monkeypatch, capsys):
    model = tmp_path / "model.pt"
    model.write_text("")
    network = types.SimpleNamespace(method="zenn", temperature_domain=(0.0, 1000.0))
    monkeypatch.setattr(loading, "load_landscape", lambda *a, **k: network)
    monkeypatch.setattr(loading, "landscape_notes", lambda landscape: [])
    status = main(["analyze", str(model), "-o", str(tmp_path / "out"), "--uncertainty", "5"])
    assert status != 0
    assert "sources file" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_run_options_and_workflow_table_map_onto_the_run_config(tmp_path):
    from zenthermo.cli import build_parser
    from zenthermo.cli.run import config_from_args

    args = build_parser().parse_args(["run", FE3PT, "--uncertainty", "40", "--ci",
                                      "16,50,84", "--seed", "3"])
    config = config_from_args(args)
    assert (config.uncertainty_members, config.uncertainty_method, config.uncertainty_ci,
            config.seed) == (40, "both", (16.0, 50.0, 84.0), 3)
    settings = config.uncertainty_settings()
    assert (settings.members, settings.ci, settings.seed) == (40, (16.0, 50.0, 84.0), 3)
    assert RunConfig().uncertainty_settings() is None
    flow = tmp_path / "w.toml"
    flow.write_text(f'[inputs]\npaths = ["{FE3PT}"]\n[uncertainty]\nmembers = 100\n'
                    'method = "eos"\nci = [5, 50, 95]\n', encoding="utf-8")
    args = build_parser().parse_args(["run", str(flow), "--uncertainty-method", "bootstrap"])
    config = config_from_args(args)
    assert (config.uncertainty_members, config.uncertainty_method, config.uncertainty_ci) == (
        100, "bootstrap", (5.0, 50.0, 95.0))


@pytest.mark.parametrize(("text", "error", "message"), [
    ("[uncertainty]\nmembers = 1\n", ConfigurationError, "at least 2 members"),
    ("[uncertainty]\nmembers = 10\nmethod = 'jackknife'\n", ConfigurationError,
     "unknown uncertainty method"),
    ("[uncertainty]\nmembers = 10\nci = [2.5, 97.5]\n", ConfigurationError, "ci must be"),
    ("[uncertainty]\nmembers = 10\nci = ['low', 50, 97.5]\n", InputError, "three numbers"),
    ("[uncertainty]\nmember = 10\n", InputError, "unknown key 'member'"),
])
def test_bad_uncertainty_tables_name_the_workflow(text, error, message, tmp_path):
    from zenthermo.pipeline.workflow import workflow_config

    flow = tmp_path / "bad.toml"
    flow.write_text(text, encoding="utf-8")
    with pytest.raises(error, match=message) as raised:
        workflow_config(flow)
    assert "bad.toml" in str(raised.value)


def test_members_run_on_local_processes_outside_a_dask_task():
    assert member_map(2).__qualname__ == local_process_map(2).__qualname__


def test_run_ensemble_option_and_workflow_key_set_the_zenn_ensemble(tmp_path):
    from zenthermo.cli import build_parser
    from zenthermo.cli.run import config_from_args

    config = config_from_args(build_parser().parse_args(["run", FE3PT, "--ensemble", "4"]))
    assert config.zenn_ensemble == 4 and RunConfig().zenn_ensemble == 1
    flow = tmp_path / "w.toml"
    flow.write_text(f'[inputs]\npaths = ["{FE3PT}"]\n[methods]\nensemble = 3\n',
                    encoding="utf-8")
    assert config_from_args(build_parser().parse_args(["run", str(flow)])).zenn_ensemble == 3
    with pytest.raises(ConfigurationError, match="at least 1 member"):
        RunConfig(zenn_ensemble=0)


"""Option values are checked before any work: a one-line error that names the option.

The inputs here do not even exist: a bad value must be refused before anything is read.
"""

from __future__ import annotations

import pytest

from zenthermo.cli import main
from zenthermo.errors import ConfigurationError
from zenthermo.pipeline.config import RunConfig

BAD_VALUES = [
    (["run", "T"], "--debye-scaling", "-1"),
    (["run", "T"], "--debye-scaling", "0"),
    (["analyze", "in.json"], "--debye-scaling", "nan"),
    (["fit", "in.json"], "--debye-scaling", "-0.5"),
    (["analyze", "in.json"], "--debye-x", "inf"),
    (["run", "T"], "--tstep", "0"),
    (["analyze", "in.json"], "--tstep", "-5"),
    (["batch", "b.toml"], "--tstep", "0"),
    (["run", "T"], "--tmin", "-10"),
    (["analyze", "in.json"], "--tmax", "0"),
    (["fit", "in.json"], "--tmax", "-300"),
    (["calphad", "export", "s.json", "--phase-name", "X"], "--tmin", "-1"),
    (["ingest", "T"], "--moment-threshold", "0"),
    (["run", "T"], "--zenn-epochs", "0"),
    (["fit", "in.json"], "--epochs", "0"),
    (["fit", "in.json"], "--lbfgs", "-1"),
    (["fit", "in.json"], "--sources", "0"),
    (["fit", "in.json"], "--natoms", "0"),
    (["run", "T"], "--seed", "-3"),
]


@pytest.mark.parametrize(("command", "flag", "value"), BAD_VALUES,
                         ids=[f"{c[0]} {f} {v}" for c, f, v in BAD_VALUES])
def test_a_bad_value_is_one_line_naming_the_option(command, flag, value, tmp_path, capsys):
    out = tmp_path / "out"
    status = main([*command, "-o", str(out), f"{flag}={value}", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()
    assert status == 2
    assert len(err) == 1 and flag in err[0] and value in err[0]
    assert not out.exists()


def test_tmin_must_lie_below_tmax(tmp_path, capsys):
    assert main(["analyze", "in.json", "-o", str(tmp_path / "o"), "--tmin", "500",
                 "--tmax", "100"]) == 2
    assert "--tmin (500 K) must be below --tmax (100 K)" in capsys.readouterr().err


@pytest.mark.parametrize("pressures", ["nan", "0,inf", "0,abc"])
def test_a_bad_pressure_is_a_short_error_without_the_usage_text(pressures, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "T", "-o", str(tmp_path / "o"), "--pressures", pressures])
    err = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 2
    assert "--pressures" in err[0] and len(err) == 2 and "usage" not in err[0]


@pytest.mark.parametrize(("field", "value"), [
    ("debye_scaling", -1.0), ("debye_scaling", float("nan")), ("debye_x", float("inf")),
    ("tstep_K", 0.0), ("tstep_K", -1.0), ("tmin_K", -5.0), ("tmax_K", 0.0),
    ("pressures_GPa", (0.0, float("nan"))), ("tstep_K", "5"), ("debye_x", True),
])
def test_a_workflow_value_is_refused_naming_its_key(field, value):
    with pytest.raises(ConfigurationError, match=field):
        RunConfig(**{field: value})


def test_good_values_pass():
    config = RunConfig(tmin_K=0.0, tmax_K=500.0, tstep_K=0.5, debye_scaling=0.617,
                       debye_x=-0.1, pressures_GPa=(-2.0, 0.0))
    assert config.tstep_K == 0.5


@pytest.mark.parametrize(("flag", "field", "value"), [
    ("--tstep", "tstep_K", 0.0), ("--tmin", "tmin_K", -1.0), ("--tmax", "tmax_K", 0.0),
    ("--debye-scaling", "debye_scaling", -1.0), ("--debye-x", "debye_x", float("inf")),
])
def test_the_command_line_and_a_workflow_state_the_same_rule(flag, field, value, tmp_path,
                                                             capsys):
    main(["analyze", "in.json", "-o", str(tmp_path / "o"), f"{flag}={value}", "--quiet"])
    said_by_cli = capsys.readouterr().err.split(" must be ")[1].split(", got")[0]
    with pytest.raises(ConfigurationError) as refused:
        RunConfig(**{field: value})
    assert f"{field} must be {said_by_cli}, got" in str(refused.value)

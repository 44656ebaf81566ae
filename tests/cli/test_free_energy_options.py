"""--electronic and --phonon-interpolation: on the command line and in workflow files."""

from __future__ import annotations

import argparse

import pytest

from zenthermo.cli._options import add_physics_options, physics_options
from zenthermo.pipeline import workflow_config
from zenthermo.pipeline.config import RunConfig


def _parse(*argv: str, with_defaults: bool = True) -> dict:
    parser = argparse.ArgumentParser()
    add_physics_options(parser, with_defaults=with_defaults)
    return physics_options(parser.parse_args(list(argv)))


def test_the_options_reach_the_free_energy_builder():
    options = _parse("--electronic", "off", "--phonon-interpolation", "strain4")
    assert options["electronic"] == "off" and options["phonon_interpolation"] == "strain4"
    defaults = _parse()
    assert defaults["electronic"] == "auto" and defaults["phonon_interpolation"] == "auto"
    assert "electronic" not in _parse(with_defaults=False)  # a workflow file may set it


@pytest.mark.parametrize("argv", [["--electronic", "yes"], ["--phonon-interpolation", "poly7"],
                                  ["--phonon-interpolation", "cubic"]])
def test_unknown_values_are_refused_by_the_parser(argv, capsys):
    with pytest.raises(SystemExit):
        _parse(*argv)
    assert "invalid choice" in capsys.readouterr().err


def test_a_workflow_file_sets_them_and_the_command_line_wins(tmp_path):
    (tmp_path / "in.json").write_text("{}")
    workflow = tmp_path / "run.toml"
    workflow.write_text('[inputs]\npaths = ["in.json"]\n[physics]\nelectronic = "off"\n'
                        'phonon_interpolation = "poly3"\n')
    config = workflow_config(workflow)
    assert (config.electronic, config.phonon_interpolation) == ("off", "poly3")
    assert config.physics_options()["phonon_interpolation"] == "poly3"
    assert workflow_config(workflow, electronic="on").electronic == "on"
    assert RunConfig().physics_options()["electronic"] == "auto"


@pytest.mark.parametrize(("key", "value"), [("electronic", "yes"),
                                            ("phonon_interpolation", "cubic")])
def test_a_workflow_with_an_unknown_value_is_refused_naming_the_key(tmp_path, key, value):
    from zenthermo.errors import ConfigurationError

    (tmp_path / "in.json").write_text("{}")
    workflow = tmp_path / "run.toml"
    workflow.write_text(f'[inputs]\npaths = ["in.json"]\n[physics]\n{key} = "{value}"\n')
    with pytest.raises(ConfigurationError, match=f"{key} must be one of") as error:
        workflow_config(workflow)
    assert error.value.path == str(workflow)

"""Batch files: defaults merged into workflow entries, paths beside the file, globs, CSV; a
problem of one entry fails that material alone, a problem of the file refuses the batch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from zenthermo.batch import materials_from_mappings, read_batch_file
from zenthermo.batch.batch_file import merge_tables
from zenthermo.errors import ZenthermoError


def rel(path: Path, start: Path) -> str:
    return os.path.relpath(path, start)


@pytest.fixture
def minimal(tmp_path, fe3pt_vasp_dir, si_qha_dir):
    """The issue's minimal batch file, with paths relative to the file's folder."""
    folder = tmp_path / "study"
    folder.mkdir()
    file = folder / "batch.toml"
    file.write_text(f"""
[defaults.analysis]
pressures_GPa = [0.0, 2.0]
[defaults.methods]
run = ["exact"]

[[material]]
name = "fe3pt"
inputs = {{ paths = ["{rel(fe3pt_vasp_dir, folder)}"] }}
[[material]]
name = "si"
inputs = {{ paths = ["{rel(si_qha_dir, folder)}/e-v.dat",
                     "{rel(si_qha_dir, folder)}/thermal_properties.yaml-*"] }}
physics = {{ eos = "vinet" }}
""", encoding="utf-8")
    return file


def test_the_minimal_form_gives_one_run_per_material(minimal, fe3pt_vasp_dir, si_qha_dir,
                                                     tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the batch file's folder: paths resolve beside the file
    batch = read_batch_file(minimal)
    fe3pt, si = batch.materials
    assert (fe3pt.name, si.name) == ("fe3pt", "si")
    assert fe3pt.error is None and si.error is None
    assert [Path(p).resolve() for p in fe3pt.config.inputs] == [fe3pt_vasp_dir.resolve()]
    assert Path(si.config.inputs[0]).name == "e-v.dat"
    suffixes = [Path(p).name.removeprefix("thermal_properties.yaml") for p in si.config.inputs[1:]]
    # every file of the glob (the phonopy-qha reader pairs them with e-v.dat rows by number)
    assert sorted(suffixes) == sorted(["--5", "--4", "--3", "--2", "--1", "-0", "-1", "-2",
                                       "-3", "-4", "-5"])
    for material in (fe3pt, si):
        assert material.config.pressures_GPa == (0.0, 2.0)
        assert material.config.methods == ("exact",)
    assert (fe3pt.config.eos, si.config.eos) == ("bm4", "vinet")
    assert batch.cluster is None


def test_an_entry_table_overrides_the_defaults_key_by_key():
    merged = merge_tables({"analysis": {"pressures_GPa": [0.0], "tstep_K": 5},
                           "methods": {"run": ["exact"]}},
                          {"analysis": {"pressures_GPa": [1.0]}, "physics": {"eos": "bm3"}})
    assert merged == {"analysis": {"pressures_GPa": [1.0], "tstep_K": 5},
                      "methods": {"run": ["exact"]}, "physics": {"eos": "bm3"}}


def test_a_bad_entry_fails_alone_with_its_reason(tmp_path, si_qha_dir):
    file = tmp_path / "batch.toml"
    file.write_text(f"""
[[material]]
name = "good"
inputs = {{ paths = ["{si_qha_dir}/e-v.dat", "{si_qha_dir}/thermal_properties.yaml-*"] }}
[[material]]
name = "typo"
physics = {{ eoss = "vinet" }}
[[material]]
name = "missing"
inputs = {{ paths = ["no/such/tree"] }}
[[material]]
name = "elsewhere"
output = {{ dir = "somewhere" }}
""", encoding="utf-8")
    good, typo, missing, elsewhere = read_batch_file(file).materials
    assert good.error is None
    assert typo.config is None and "unknown key 'eoss' in [physics]" in typo.error
    assert str(file) in typo.error
    assert missing.config is None and "no/such/tree" in missing.error
    assert elsewhere.config is None and "[output] dir" in elsewhere.error


@pytest.mark.parametrize(("text", "match"), [
    ("[[material]]\ninputs = { paths = ['x'] }\n", "has no name"),
    ("[[material]]\nname = 'a'\n[[material]]\nname = 'a'\n", "used twice"),
    ("[[material]]\nname = '../escape'\n", "bad material name"),
    ("[[material]]\nname = 'index.html'\n", "bad material name"),
    ("[default.analysis]\ntstep_K = 5\n[[material]]\nname = 'a'\n", "unknown top-level"),
    ("[defaults]\n", "lists no material"),
    ("[[material]\nname = 'a'\n", "not valid TOML"),
    ("[[material]]\nname = 'a'\n[cluster]\ncores = 4\nmemory = '8GB'\nqueu = 'x'\n",
     "unknown key 'queu' in \\[cluster\\]"),
])
def test_a_bad_batch_file_is_refused_naming_the_file(tmp_path, text, match):
    file = tmp_path / "bad.toml"
    file.write_text(text, encoding="utf-8")
    with pytest.raises(ZenthermoError, match=match) as caught:
        read_batch_file(file)
    assert str(file) in str(caught.value)


def test_a_glob_entry_makes_one_material_per_match(tmp_path, fe3pt_vasp_dir):
    screen = tmp_path / "screen"
    screen.mkdir()
    for name in ("alloy-a", "alloy-b"):
        (screen / name).symlink_to(fe3pt_vasp_dir, target_is_directory=True)
    file = tmp_path / "batch.toml"
    file.write_text('[[material]]\nglob = "screen/alloy-*"\nphysics = { eos = "vinet" }\n',
                    encoding="utf-8")
    materials = read_batch_file(file).materials
    assert [m.name for m in materials] == ["alloy-a", "alloy-b"]
    assert [m.config.inputs for m in materials] == [(str(screen / "alloy-a"),),
                                                   (str(screen / "alloy-b"),)]
    assert all(m.config.eos == "vinet" for m in materials)


def test_a_csv_of_names_and_paths_with_table_key_columns(tmp_path, si_qha_dir, fe3pt_vasp_dir):
    table = tmp_path / "materials.csv"
    table.write_text(
        "name,paths,physics.eos,analysis.pressures_GPa\n"
        f"si,{si_qha_dir}/e-v.dat;{si_qha_dir}/thermal_properties.yaml-*,vinet,\"[0, 5]\"\n"
        f"fe3pt,{fe3pt_vasp_dir},,\n", encoding="utf-8")
    si, fe3pt = read_batch_file(table).materials
    assert si.config.eos == "vinet" and si.config.pressures_GPa == (0.0, 5.0)
    assert len(si.config.inputs) == 12
    assert fe3pt.config.eos == "bm4" and fe3pt.config.inputs == (str(fe3pt_vasp_dir),)
    # the same CSV included from a TOML batch file inherits its defaults
    file = tmp_path / "batch.toml"
    file.write_text('materials_csv = "materials.csv"\n[defaults.analysis]\ntstep_K = 5\n',
                    encoding="utf-8")
    assert [m.config.tstep_K for m in read_batch_file(file).materials] == [5.0, 5.0]


def test_python_entries_resolve_against_the_given_folder(si_qha_dir):
    (si,) = materials_from_mappings(
        [{"name": "si", "inputs": {"paths": ["e-v.dat", "thermal_properties.yaml-*"]}}],
        defaults={"methods": {"run": ["exact"]}}, base_dir=si_qha_dir)
    assert si.config.inputs[0] == str(si_qha_dir.resolve() / "e-v.dat")
    assert si.config.methods == ("exact",)


def test_the_cluster_table_is_checked_when_the_file_is_read(tmp_path):
    file = tmp_path / "hpc.toml"
    file.write_text('[[material]]\nname = "a"\n[cluster]\nkind = "slurm"\njobs = 3\n'
                    'cores = 8\nprocesses = 8\nmemory = "16GB"\nqueue = "short"\n',
                    encoding="utf-8")
    cluster = read_batch_file(file).cluster
    assert (cluster.kind, cluster.jobs) == ("slurm", 3)
    assert cluster.options == {"cores": 8, "processes": 8, "memory": "16GB", "queue": "short"}


WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def test_the_example_batch_files_read_without_errors(fixtures_dir):
    example = read_batch_file(WORKFLOWS / "batch-example.toml")
    assert [m.name for m in example.materials] == ["fe3pt-embedded", "fe3pt-vasp", "si-vinet",
                                                   "al"]
    assert [m.error for m in example.materials] == [None] * 4
    assert example.materials[0].config.inputs == ()
    assert example.materials[1].config.pressures_GPa == (0.0, 2.0, 4.0)
    assert example.materials[2].config.tstep_K == 2.0
    recipe = read_batch_file(WORKFLOWS / "slurm-batch.toml")
    assert recipe.cluster.kind == "slurm" and recipe.cluster.jobs == 4
    assert [m.error for m in recipe.materials] == [None]


def test_an_output_folder_inside_an_input_tree_is_refused(tmp_path):
    from zenthermo.batch import run_batch

    tree = tmp_path / "tree"
    (tree / "config_0").mkdir(parents=True)
    entries = [{"name": "x", "inputs": {"paths": ["tree"]}}]
    with pytest.raises(ZenthermoError, match="overlap"):  # before any cluster starts
        run_batch(entries, tree / "out", base_dir=str(tmp_path))
    assert not (tree / "out").exists()

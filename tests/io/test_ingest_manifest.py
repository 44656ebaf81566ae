"""The zenthermo.toml manifest, phonons beside VASP results, and phonopy-qha dispatch."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import zenthermo
from zenthermo.errors import InputError
from zenthermo.io.manifest import read_manifest


def _link_config(source: Path, target: Path) -> None:
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, destination)


@pytest.fixture
def tree(fe3pt_vasp_dir, tmp_path):
    for name in ("config_0", "config_28"):
        _link_config(fe3pt_vasp_dir / name, tmp_path / "tree" / name)
    return tmp_path / "tree"


def test_manifest_at_the_root_overrides_and_excludes(tree):
    (tree / "zenthermo.toml").write_text(
        'moment_threshold = 0.4\n'
        '[configurations.config_28]\n'
        'label = "SF block"\nmultiplicity = 7\n'
        'exclude = { vol_0 = "known bad k-points", vol_nope = "typo" }\n'
    )
    ss = zenthermo.ingest(tree)
    # the named configuration first; the one not named is read with the defaults, and said so
    assert ss.names == ("config_28", "config_0")
    assert any(w.startswith("config_0: not named in the manifest") for w in ss.warnings)
    source = ss["config_28"]
    assert source.label == "SF block"
    assert (source.multiplicity, source.multiplicity_origin) == (7.0, "manifest")
    assert len(source.points) == 11
    assert source.excluded[0].item == "config_28/vol_0"
    assert "known bad k-points" in source.excluded[0].reason
    assert any("vol_nope" in w for w in source.warnings)
    assert ss.metadata["ingest_options"]["moment_threshold"] == 0.4


def test_manifest_exclusion_of_a_configuration_is_explicit_and_recorded(tree):
    (tree / "zenthermo.toml").write_text(
        'exclude = { config_0 = "a test" }\n[configurations.config_28]\nlabel = "SF"\n')
    ss = zenthermo.ingest(tree)
    assert ss.names == ("config_28",)
    assert [(e.item, e.path, e.reason) for e in ss.excluded] == [
        ("config_0", "config_0", "excluded by the manifest: a test")]


def test_manifest_configuration_path_and_per_source_threshold(tree, tmp_path):
    manifest = tmp_path / "elsewhere.toml"
    manifest.write_text(
        '[configurations.ferro]\npath = "tree/config_0"\nmoment_threshold = 0.2\n'
    )
    ss = zenthermo.ingest(tree, manifest=manifest)
    source = ss["ferro"]
    # Pt moments (~0.3 mu_B) now count as magnetic: still one orbit, still ferromagnetic.
    assert source.magnetic_order == "FM" and source.multiplicity == 2
    assert source.reference_moments[-1] > 0.2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 1\n", "unknown manifest key"),
        ("[configurations.a]\nmultiplicty = 2\n", "unknown key"),
        ("[configurations.a]\nmultiplicity = -2\n", "must be > 0"),
        ("[configurations.a\n", "not valid TOML"),
    ],
)
def test_bad_manifests_name_the_file(tmp_path, text, message):
    path = tmp_path / "zenthermo.toml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as error:
        read_manifest(path)
    assert error.value.path == str(path)


def test_manifest_naming_a_missing_folder(tmp_path, tree):
    manifest = tmp_path / "m.toml"
    manifest.write_text("[configurations.ghost]\n")
    with pytest.raises(InputError, match="not a folder") as error:
        zenthermo.ingest(tree, manifest=manifest)
    assert error.value.path == str(tmp_path / "ghost")


def test_phonons_in_volume_folders_are_attached_and_imaginary_ones_excluded(tree, si_qha_dir):
    yaml_text = (si_qha_dir / "thermal_properties.yaml-0").read_text()
    folders = sorted((tree / "config_0").glob("vol_*"))
    for folder in folders:
        (folder / "thermal_properties.yaml").write_text(yaml_text)
    (folders[0] / "thermal_properties.yaml").write_text(
        yaml_text.replace("num_integrated_modes: 192000", "num_integrated_modes: 191997")
    )
    source = zenthermo.ingest(tree)["config_0"]
    assert source.has_vibrations and len(source.points) == 11
    assert "3 imaginary mode" in source.excluded[0].reason
    assert source.excluded[0].path == f"config_0/{folders[0].name}/thermal_properties.yaml"


def test_phonopy_qha_inputs_are_dispatched(si_qha_dir):
    ss = zenthermo.ingest(si_qha_dir)
    assert len(ss) == 1 and len(ss[0].points) == 11 and ss[0].has_vibrations
    files = [si_qha_dir / "e-v.dat"] + sorted(si_qha_dir.glob("thermal_properties.yaml-*"))
    assert len(zenthermo.ingest(*files)[0].points) == 11

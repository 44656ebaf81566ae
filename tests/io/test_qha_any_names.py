"""phonopy-qha's command line takes e-v.dat and yaml files of any name; so does ingest."""

from __future__ import annotations

import shutil

import pytest

import zenthermo
from zenthermo.errors import InputError

SI_NUMBERS = range(-5, 6)


def _points(sources):
    return [(p.volume, p.energy, p.vibrations.free_energy.tolist()) for p in sources[0].points]


@pytest.fixture
def reference(si_qha_dir):
    return _points(zenthermo.ingest(si_qha_dir))


def test_yaml_files_of_any_name_in_shell_order_pair_by_their_number(si_qha_dir, tmp_path,
                                                                    reference) -> None:
    shutil.copyfile(si_qha_dir / "e-v.dat", tmp_path / "e-v.dat")
    for i in SI_NUMBERS:  # tp_0.yaml (smallest volume) ... tp_10.yaml, compressed or not
        shutil.copyfile(si_qha_dir / f"thermal_properties.yaml-{i}",
                        tmp_path / f"tp_{i + 5}.yaml")
    glob_order = sorted(tmp_path.glob("tp_*.yaml"))  # tp_0, tp_1, tp_10, tp_2, ...
    assert glob_order[2].name == "tp_10.yaml"
    assert _points(zenthermo.ingest(tmp_path / "e-v.dat", *glob_order)) == reference


def test_unnumbered_yaml_names_keep_the_order_given(si_qha_dir, tmp_path, reference) -> None:
    names = [f"{chr(ord('a') + k)}.yml" for k in range(11)]
    for name, i in zip(names, SI_NUMBERS, strict=True):
        shutil.copyfile(si_qha_dir / f"thermal_properties.yaml-{i}", tmp_path / name)
    paths = [tmp_path / name for name in names]
    assert _points(zenthermo.ingest(si_qha_dir / "e-v.dat", *paths)) == reference


def test_a_yaml_that_is_no_thermal_properties_file_is_named(si_qha_dir, tmp_path) -> None:
    paths = [si_qha_dir / f"thermal_properties.yaml-{i}" for i in SI_NUMBERS[:-1]]
    other = tmp_path / "phonopy_disp.yaml"  # given where the largest volume's file belongs
    other.write_text("phonopy:\n  version: 2.20.0\n")
    with pytest.raises(InputError) as error:
        zenthermo.ingest(si_qha_dir / "e-v.dat", *paths, other)
    assert error.value.path == str(other)

"""phonopy-qha pairs files with e-v.dat rows by position: the phonons testify to a wrong pairing."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from zenthermo.errors import InputError
from zenthermo.io.phonon_order import zero_point_rises
from zenthermo.io.phonopy_files import read_phonopy_qha

SI_NUMBERS = range(-5, 6)


def _si_without_structures(si_qha_dir: Path, tmp_path: Path) -> Path:
    """The Si inputs with nothing that ties a file to its volume: no POSCAR-<n>."""
    folder = tmp_path / "si"
    folder.mkdir()
    for path in si_qha_dir.iterdir():
        if not path.name.startswith("POSCAR"):
            shutil.copyfile(path, folder / path.name)
    return folder


def _yaml_paths(folder: Path) -> list[Path]:
    return [folder / f"thermal_properties.yaml-{i}" for i in SI_NUMBERS]


def _pairing_warnings(source_set) -> list[str]:
    return [w for w in source_set[0].warnings if "paired with the wrong e-v.dat rows" in w]


def test_falling_energies_in_any_row_order_raise_nothing() -> None:
    assert zero_point_rises([3.0, 1.0, 2.0], [0.1, 0.3, 0.2], ["c", "a", "b"]) is None
    assert zero_point_rises([1.0], [0.5], ["a"]) is None


def test_a_rise_within_the_tolerance_is_noise() -> None:
    volumes, labels = np.arange(11.0), [str(i) for i in range(11)]
    energies = np.linspace(1.0, 0.0, 11)  # span 1, steps of -0.1
    energies[6] += 0.1 + 0.009  # the step 5 -> 6 rises by 0.9 % of the span
    assert zero_point_rises(volumes, energies, labels) is None
    energies[6] += 0.002  # now by 1.1 %
    assert "5 at 5 A^3 -> 6 at 6 A^3" in zero_point_rises(volumes, energies, labels)


def test_energies_rising_at_every_step_ask_whether_the_numbering_is_reversed() -> None:
    message = zero_point_rises([1.0, 2.0, 3.0], [0.1, 0.2, 0.3], ["a", "b", "c"])
    assert message is not None and "rises at every step" in message


def test_si_in_order_without_structures_gives_no_pairing_warning(si_qha_dir, tmp_path) -> None:
    folder = _si_without_structures(si_qha_dir, tmp_path)
    assert _pairing_warnings(read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))) == []


def test_reordered_ev_rows_without_structures_are_named(si_qha_dir, tmp_path) -> None:
    folder = _si_without_structures(si_qha_dir, tmp_path)
    rows = (folder / "e-v.dat").read_text().splitlines()
    (folder / "e-v.dat").write_text("\n".join([rows[4], *rows[:4], *rows[5:]]) + "\n")
    warnings = _pairing_warnings(read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder)))
    assert len(warnings) == 1
    assert "thermal_properties.yaml--5 at 158.47 A^3" in warnings[0]


def test_files_numbered_against_the_volumes_are_named(si_qha_dir, tmp_path) -> None:
    folder = _si_without_structures(si_qha_dir, tmp_path)
    for i in SI_NUMBERS:  # yaml-<i> now holds the phonons of volume -i
        shutil.copyfile(si_qha_dir / f"thermal_properties.yaml-{-i}",
                        folder / f"thermal_properties.yaml-{i}")
    warnings = _pairing_warnings(read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder)))
    assert len(warnings) == 1 and "rises at every step" in warnings[0]


def test_a_pairing_checked_by_volume_is_not_second_guessed(si_qha_dir, tmp_path) -> None:
    """Where every file carries its volume, that check vouches for the pairing: phonons that
    rise with the volume are then the calculation's own, not a pairing to question."""
    import yaml

    folder = _si_without_structures(si_qha_dir, tmp_path)
    volumes = [float(line.split()[0]) for line in (folder / "e-v.dat").read_text().splitlines()]
    largest = yaml.safe_load((si_qha_dir / "thermal_properties.yaml-5").read_text())
    (folder / "thermal_properties.yaml--5").write_text(  # a rise at the first volume step
        yaml.safe_dump(largest, sort_keys=False))
    assert _pairing_warnings(read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder)))
    for path, volume in zip(_yaml_paths(folder), volumes, strict=True):
        data = yaml.safe_load(path.read_text())
        data["volume"] = volume
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    assert _pairing_warnings(read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))) == []


def test_every_volume_unstable_without_structures_is_the_one_line_error(si_qha_dir, tmp_path):
    """No phonons left to testify: the error that says so, not a failure of the check."""
    folder = _si_without_structures(si_qha_dir, tmp_path)
    for path in _yaml_paths(folder):
        data = yaml.safe_load(path.read_text())
        data["num_integrated_modes"] = 100
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(InputError, match="every volume has imaginary"):
        read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))

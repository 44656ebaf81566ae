"""e-v.dat rows in another order than the files are re-paired by the volumes the files
declare, where that is unambiguous and, for POSCARs, the phonons agree; otherwise an error."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml

from zenthermo.errors import InputError
from zenthermo.io.phonopy_files import read_phonopy_qha
from zenthermo.io.qha_pairing import VolumeWitness, ev_rows_of_files

SI_NUMBERS = range(-5, 6)
EV = Path("e-v.dat")


def _copy(si_qha_dir: Path, tmp_path: Path, with_poscars: bool = True) -> Path:
    folder = tmp_path / "si"
    folder.mkdir()
    for path in si_qha_dir.iterdir():
        if with_poscars or not path.name.startswith("POSCAR"):
            shutil.copyfile(path, folder / path.name)
    return folder


def _yaml_paths(folder: Path) -> list[Path]:
    return [folder / f"thermal_properties.yaml-{i}" for i in SI_NUMBERS]


def _reverse_ev_rows(folder: Path) -> None:
    rows = (folder / "e-v.dat").read_text().splitlines()
    (folder / "e-v.dat").write_text("\n".join(reversed(rows)) + "\n")


def _points(source_set):
    return [(p.label, p.volume, p.energy, p.vibrations.free_energy.tolist())
            for p in source_set[0].points]


def _pairing(paths, witnesses, zero_points, volumes=(10.0, 11.0, 12.0)):
    labels = [str(p) for p in paths]
    return ev_rows_of_files(np.array(volumes), witnesses, zero_points, labels, paths, EV)


# ------------------------------------------------------------------------------- the rule itself


def test_files_that_match_their_rows_keep_the_positional_pairing() -> None:
    witnesses = [VolumeWitness(10.0, "P-1"), None, VolumeWitness(12.0, "P-3")]
    rows, warning = _pairing([Path("a"), Path("b"), Path("c")], witnesses, [3.0, 2.0, 1.0])
    assert rows.tolist() == [0, 1, 2] and warning is None


def test_phonopy_volumes_in_another_order_re_pair_without_asking_the_phonons() -> None:
    witnesses = [VolumeWitness(v, None) for v in (12.0, 11.0, 10.0)]
    rows, warning = _pairing([Path("a"), Path("b"), Path("c")], witnesses, [0.0, 5.0, 9.0])
    assert rows.tolist() == [2, 1, 0]
    assert warning is not None and "another order" in warning and "a -> row 3" in warning


def test_poscar_volumes_re_pair_only_where_the_phonons_agree() -> None:
    witnesses = [VolumeWitness(v, f"P{v}") for v in (12.0, 11.0, 10.0)]
    paths = [Path("a"), Path("b"), Path("c")]
    # files a, b, c soften in that order: a belongs to the largest volume, as declared
    rows, _ = _pairing(paths, witnesses, [1.0, 2.0, 3.0])
    assert rows.tolist() == [2, 1, 0]
    # the phonons say a is the smallest volume: the POSCARs are the suspects
    with pytest.raises(InputError, match="structure P12.0 has volume 12 .* row 1"):
        _pairing(paths, witnesses, [3.0, 2.0, 1.0])


@pytest.mark.parametrize("declared", [
    (12.0, 11.0, None),  # one file declares nothing
    (12.0, 12.0, 10.0),  # two files claim one row
    (12.0, 11.0, 13.0),  # a volume e-v.dat does not have
])
def test_no_unambiguous_re_pairing_is_the_error_of_the_first_clash(declared) -> None:
    witnesses = [None if v is None else VolumeWitness(v, None) for v in declared]
    with pytest.raises(InputError, match=r"volume 12 A\^3 but it is paired with e-v.dat row 1"):
        _pairing([Path("a"), Path("b"), Path("c")], witnesses, [3.0, 2.0, 1.0])


def test_volumes_within_the_match_tolerance_of_two_rows_are_ambiguous() -> None:
    witnesses = [VolumeWitness(v, None) for v in (12.0, 10.0, 10.01)]
    with pytest.raises(InputError, match="volume 12 A.3 but it is paired with e-v.dat row 1"):
        _pairing([Path("a"), Path("b"), Path("c")], witnesses, [3.0, 2.0, 1.0],
                 volumes=(10.0, 10.01, 12.0))


# ---------------------------------------------------------------------------- on the Si inputs


def test_an_ev_dat_written_from_the_largest_volume_down_reads_as_the_ascending_one(
        si_qha_dir, tmp_path) -> None:
    folder = _copy(si_qha_dir, tmp_path)
    in_order = read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))
    _reverse_ev_rows(folder)
    reversed_ = read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))
    assert _points(reversed_) == _points(in_order)
    warnings = [w for w in reversed_[0].warnings if "another order" in w]
    assert len(warnings) == 1 and "and 7 more" in warnings[0]  # 10 of 11 files moved


def test_phonopy_volume_keys_re_pair_a_reversed_ev_dat_without_poscars(si_qha_dir, tmp_path):
    folder = _copy(si_qha_dir, tmp_path, with_poscars=False)
    volumes = [float(line.split()[0]) for line in (folder / "e-v.dat").read_text().splitlines()]
    for path, volume in zip(_yaml_paths(folder), volumes, strict=True):
        data = yaml.safe_load(path.read_text())
        data["volume"] = volume
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    in_order = read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))
    _reverse_ev_rows(folder)
    assert _points(read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))) == \
        _points(in_order)


def test_yaml_files_swapped_between_their_poscars_are_named(si_qha_dir, tmp_path) -> None:
    """The POSCARs match the rows, so only the phonons can tell: a warning, not silence."""
    folder = _copy(si_qha_dir, tmp_path)
    first, second = folder / "thermal_properties.yaml--4", folder / "thermal_properties.yaml-3"
    text = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(text)
    warnings = [w for w in read_phonopy_qha(folder / "e-v.dat", _yaml_paths(folder))[0].warnings
                if "zero-point" in w]
    assert len(warnings) == 1 and "may have been swapped" in warnings[0]
    assert "thermal_properties.yaml--4" in warnings[0]

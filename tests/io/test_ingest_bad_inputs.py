"""Bad input: each problem is named with its file; recoverable ones are excluded, the rest kept.

The trees are copies of the real Fe3Pt fixture made of symbolic links, with the damaged
files written as real files.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest
from faults.makers import shift_final_energy

import zenthermo
from zenthermo.errors import InputError


def _link_tree(source: Path, target: Path, configs=("config_0", "config_22", "config_28")):
    for config in configs:
        for path in (source / config).rglob("*"):
            if path.is_file():
                destination = target / path.relative_to(source)
                destination.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(path, destination)
    return target


def _replace(path: Path, data: bytes) -> None:
    path.unlink()
    path.write_bytes(data)


@pytest.fixture
def tree(fe3pt_vasp_dir, tmp_path):
    return _link_tree(fe3pt_vasp_dir, tmp_path / "tree", configs=("config_0", "config_22"))


def final_energy(volume: Path) -> float:
    """The last E0 of a volume's OSZICAR, eV."""
    text = (volume / "OSZICAR.3static").read_text()
    return float(text.rpartition(" E0= ")[2].split()[0])


def _only_exclusion(source):
    assert len(source.excluded) == 1
    return source.excluded[0]


def test_truncated_outcar_excludes_that_volume(tree):
    outcar = tree / "config_0" / "vol_3" / "OUTCAR.3static"
    _replace(outcar, outcar.read_bytes()[:400_000])
    ss = zenthermo.ingest(tree)
    exclusion = _only_exclusion(ss["config_0"])
    assert exclusion.path == "config_0/vol_3/OUTCAR.3static"
    assert "truncated" in exclusion.reason
    assert len(ss["config_0"].points) == 11 and len(ss["config_22"].points) == 12


def test_truncated_gzip_outcar_excludes_that_volume(tree):
    outcar = tree / "config_22" / "vol_0" / "OUTCAR.3static.gz"
    _replace(outcar, outcar.read_bytes()[:50_000])
    exclusion = _only_exclusion(zenthermo.ingest(tree)["config_22"])
    assert exclusion.path == "config_22/vol_0/OUTCAR.3static.gz"
    assert "truncated" in exclusion.reason


def test_binary_garbage_named_outcar_is_excluded(tree):
    outcar = tree / "config_0" / "vol_7" / "OUTCAR.3static"
    _replace(outcar, bytes(range(256)) * 100)
    exclusion = _only_exclusion(zenthermo.ingest(tree)["config_0"])
    assert exclusion.path == "config_0/vol_7/OUTCAR.3static"
    assert "binary" in exclusion.reason


def test_oszicar_that_reached_nelm_is_unconverged(tree):
    oszicar = tree / "config_0" / "vol_2" / "OSZICAR.3static"
    lines = oszicar.read_text().splitlines()
    dav = [line for line in lines if line.startswith("DAV:")][-1]
    header, last = lines[:-1], lines[-1]
    padded = header + [dav] * 200 + [last]  # INCAR has NELM = 200
    _replace(oszicar, ("\n".join(padded) + "\n").encode())
    ss = zenthermo.ingest(tree)
    exclusion = _only_exclusion(ss["config_0"])
    assert exclusion.path == "config_0/vol_2/OSZICAR.3static"
    assert "electronic loop not converged" in exclusion.reason and "NELM = 200" in exclusion.reason
    assert "vol_2" not in [p.label for p in ss["config_0"].points]


def test_oszicar_without_final_ionic_step_and_no_outcar_is_excluded(tree):
    """With a finished OUTCAR beside it, the OUTCAR gives the energy instead
    (tests/io/test_vasp_volume_faults.py)."""
    oszicar = tree / "config_22" / "vol_4" / "OSZICAR.3static"
    (tree / "config_22" / "vol_4" / "OUTCAR.3static.gz").unlink()
    lines = oszicar.read_text().splitlines()
    _replace(oszicar, ("\n".join(lines[:-1]) + "\n").encode())
    exclusion = _only_exclusion(zenthermo.ingest(tree)["config_22"])
    assert exclusion.path == "config_22/vol_4/OSZICAR.3static"
    assert "did not finish" in exclusion.reason


def test_volume_with_other_atom_count_is_excluded_naming_its_file(tree):
    folder = tree / "config_0" / "vol_5"
    for path in list(folder.iterdir()):
        if path.name.startswith("OUTCAR"):
            path.unlink()  # a calculation of another cell: no OUTCAR, 11-atom CONTCAR
    contcar = folder / "CONTCAR.3static"
    lines = contcar.read_text().splitlines()
    lines[6] = "     8     3"
    del lines[8 + 8]  # drop the last Fe position
    _replace(contcar, ("\n".join(lines[:8 + 11]) + "\n").encode())
    ss = zenthermo.ingest(tree)
    exclusion = _only_exclusion(ss["config_0"])
    assert exclusion.path == "config_0/vol_5/CONTCAR.3static"
    assert "11 atoms" in exclusion.reason and "12" in exclusion.reason


def test_empty_volume_folder_is_reported(tree):
    (tree / "config_0" / "vol_99").mkdir()
    exclusion = _only_exclusion(zenthermo.ingest(tree)["config_0"])
    assert exclusion.item == "config_0/vol_99" and "no VASP output" in exclusion.reason


def test_too_few_volumes_is_an_error_naming_the_folder(tree):
    for index in range(8):
        outcar = tree / "config_22" / f"vol_{index}" / "OUTCAR.3static.gz"
        _replace(outcar, gzip.compress(b"garbage"))
    with pytest.raises(InputError) as error:
        zenthermo.ingest(tree)
    assert error.value.path == str(tree / "config_22")
    assert "4 usable" in error.value.reason
    assert "OUTCAR.3static.gz" in str(error.value)


def test_empty_directory_and_missing_path_are_errors(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no VASP results") as error:
        zenthermo.ingest(tmp_path / "empty")
    assert error.value.path == str(tmp_path / "empty")
    with pytest.raises(InputError, match="does not exist"):
        zenthermo.ingest(tmp_path / "nowhere")


def test_mixed_encut_is_an_error_unless_allowed(tree):
    incar = tree / "config_22" / "vol_6" / "INCAR.3static"
    _replace(incar, incar.read_text().replace("ENCUT = 520", "ENCUT = 400").encode())
    with pytest.raises(InputError, match="encut") as error:
        zenthermo.ingest(tree)
    assert error.value.path.endswith("config_22/vol_6/INCAR.3static")
    ss = zenthermo.ingest(tree, allow_mixed_settings=True)
    assert any("encut" in w for w in ss.warnings)
    assert len(ss["config_22"].points) == 12


def test_spin_flip_is_excluded_unless_kept(tree):
    # Give vol_9 of config_22 the final state of config_0 (ferromagnetic): a spin flip.
    target = tree / "config_22" / "vol_9" / "OUTCAR.3static.gz"
    ferro = (tree / "config_0" / "vol_9" / "OUTCAR.3static").read_bytes()
    _replace(target, gzip.compress(ferro))
    folder = tree / "config_22" / "vol_9"  # its OSZICAR ends on that run's energy
    shift_final_energy(folder, final_energy(tree / "config_0" / "vol_9")
                       - final_energy(folder), kinds=("OSZICAR",))
    ss = zenthermo.ingest(tree)
    exclusion = _only_exclusion(ss["config_22"])
    assert exclusion.item == "config_22/vol_9"
    assert "spin flip" in exclusion.reason
    assert "+++++++++000" in exclusion.reason and "-++-++-++000" in exclusion.reason
    kept = zenthermo.ingest(tree, keep_spin_flips=True)
    assert len(kept["config_22"].points) == 12
    assert any("spin flip" in w for w in kept.warnings)

"""Stage selection in volume folders, compressed files, and the fast OUTCAR scan."""

from __future__ import annotations

import bz2
import gzip
import lzma
import warnings
from pathlib import Path

import numpy as np
import pytest

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_bytes, read_text
from zenthermo.io.layout import (
    find_configuration_folders,
    phonopy_qha_inputs,
    split_name,
    volume_folder,
)
from zenthermo.io.vasp_outcar import parse_outcar


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("OUTCAR", ("OUTCAR", "")),
        ("OUTCAR.3static.gz", ("OUTCAR", "3static")),
        ("OUTCAR.relax2.bz2", ("OUTCAR", "relax2")),
        ("vasprun.xml.xz", ("vasprun.xml", "")),
        ("vasprun.xml.static.gz", ("vasprun.xml", "static")),
        ("thermal_properties.yaml--5", ("thermal_properties.yaml", "-5")),
        ("OUTCARS", None),
        ("README", None),
    ],
)
def test_split_name(name, expected):
    assert split_name(name) == expected


def _touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text("x")


@pytest.mark.parametrize(
    ("names", "stage"),
    [
        (["OSZICAR.1relax", "OSZICAR.2relax", "OSZICAR.3static", "OUTCAR.3static.gz"], "3static"),
        (["OUTCAR.relax1.gz", "OUTCAR.relax2.gz", "vasprun.xml.relax2.gz"], "relax2"),
        (["OUTCAR.relax1", "OUTCAR.relax2", "OUTCAR.static", "INCAR.orig"], "static"),
        (["OUTCAR.relax1.gz", "OUTCAR.gz", "OSZICAR.gz"], ""),
        (["OUTCAR.orig", "OUTCAR"], ""),
    ],
)
def test_final_static_stage_is_chosen(tmp_path, names, stage):
    _touch(tmp_path / "v", *names, "CONTCAR.1relax", "KPOINTS")
    chosen = volume_folder(tmp_path / "v")
    assert chosen.stage == stage
    assert all(split_name(p.name)[1] == stage for p in chosen.files.values())


def test_folder_without_energy_files_is_not_a_volume(tmp_path):
    _touch(tmp_path / "v", "INCAR", "POSCAR", "KPOINTS")
    assert volume_folder(tmp_path / "v") is None


def test_tree_and_configuration_detection(tmp_path):
    _touch(tmp_path / "tree" / "a" / "v1", "OSZICAR")
    _touch(tmp_path / "tree" / "b" / "v1", "OUTCAR.gz")
    _touch(tmp_path / "tree" / "notes", "README")
    assert [p.name for p in find_configuration_folders(tmp_path / "tree")] == ["a", "b"]
    assert find_configuration_folders(tmp_path / "tree" / "a") == [tmp_path / "tree" / "a"]


def test_phonopy_inputs_are_recognised(si_qha_dir):
    ev, yamls = phonopy_qha_inputs([si_qha_dir])
    assert ev.name == "e-v.dat"
    assert [p.name[-2:] for p in yamls][:2] == ["-5", "-4"] and len(yamls) == 11
    assert phonopy_qha_inputs([ev, *reversed(yamls)]) == (ev, list(reversed(yamls)))


@pytest.mark.parametrize("compress", [gzip.compress, bz2.compress, lzma.compress])
def test_compression_is_detected_by_content(tmp_path, compress):
    path = tmp_path / "OSZICAR"
    path.write_bytes(compress(b"hello"))
    data, digest = read_bytes(path)
    assert data == b"hello" and len(digest) == 64


def test_binary_file_is_refused(tmp_path):
    path = tmp_path / "OUTCAR"
    path.write_bytes(b"\x00\xff" * 100)
    with pytest.raises(InputError, match="binary") as error:
        read_text(path)
    assert error.value.path == str(path)


@pytest.mark.parametrize(
    "relative",
    ["config_0/vol_0/OUTCAR.3static", "config_22/vol_11/OUTCAR.3static.gz",
     "config_28/vol_6/OUTCAR.3static.gz"],
)
def test_fast_outcar_scan_agrees_with_pymatgen(fe3pt_vasp_dir, relative):
    from pymatgen.io.vasp.outputs import Outcar

    path = fe3pt_vasp_dir / relative
    summary = parse_outcar(read_text(path)[0], path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reference = Outcar(str(path))
    np.testing.assert_allclose(summary.site_moments, [m["tot"] for m in reference.magnetization])
    assert summary.energy_sigma0 == pytest.approx(reference.final_energy, abs=1e-8)
    assert summary.total_moment == pytest.approx(reference.total_mag, abs=1e-6)
    assert summary.natoms == 12 and summary.vasp_version == "6.4.3"
    assert summary.potcar_functional == "PBE"


def test_outcar_without_header_is_refused(tmp_path):
    path = tmp_path / "OUTCAR"
    with pytest.raises(InputError, match="not a VASP OUTCAR"):
        parse_outcar("just some text\n" * 10, path)


def test_vasprun_is_preferred_when_present(tmp_path):
    import re

    ase_data = pytest.importorskip("ase").__file__
    vasprun = Path(ase_data).parent / "test" / "testdata" / "vasp" / "vasprun_pstress.xml"
    if not vasprun.exists():
        pytest.skip(f"{vasprun} (a real vasprun.xml shipped with ase) is not installed")
    folder = tmp_path / "c" / "v1"
    folder.mkdir(parents=True)
    (folder / "vasprun.xml.gz").write_bytes(gzip.compress(vasprun.read_bytes()))
    from zenthermo.io.vasp import read_volume

    reading = read_volume(volume_folder(folder), tmp_path)
    e0 = re.findall(r'name="e_0_energy">\s*(\S+)', vasprun.read_text())[-1]
    assert reading.energy == pytest.approx(float(e0), abs=1e-8)
    assert reading.species == ("C", "C")
    assert reading.settings["kpoints"] == [4, 4, 4] and reading.settings["encut"] == 400.0
    assert reading.settings["functional"] == "LDA"  # POTCAR "PAW C": the LDA set
    assert reading.site_moments.tolist() == [0.0, 0.0]  # ISPIN = 1
    assert [r.path for r in reading.provenance] == ["c/v1/vasprun.xml.gz"]

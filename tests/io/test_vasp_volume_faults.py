"""One volume folder, one damaged file at a time: the reader uses what is readable.

Every file kind is read by content whatever its name says; an unreadable input file (INCAR,
KPOINTS, CONTCAR) or OSZICAR, or an OSZICAR cut short, falls back, with a note naming it, to
what the OUTCAR of the same run states; an unreadable OUTCAR (it holds the moments), or an
OSZICAR whose final energy is another run's, is an error naming it.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import re
from pathlib import Path

import numpy as np
import pytest
from faults.makers import compress_lzw, drop_species_line, link_folder, plain_bytes, the_file

from zenthermo.errors import InputError
from zenthermo.io.layout import volume_folder
from zenthermo.io.vasp import read_volume

KINDS = ("OUTCAR", "OSZICAR", "CONTCAR", "INCAR", "KPOINTS")
PACKERS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress,
           "compress": compress_lzw, "none": lambda data: data}
#: A name that lies about the content: another compression's suffix, or none.
WRONG_SUFFIX = {"gzip": ".bz2", "bzip2": "", "xz": ".gz", "compress": "", "none": ".gz"}


@pytest.fixture
def volume(fe3pt_vasp_dir, tmp_path):
    """A linked copy of config_22/vol_3 (gzipped OUTCAR) and its intact reading."""
    folder = link_folder(fe3pt_vasp_dir / "config_22" / "vol_3", tmp_path / "config_22" / "vol_3")
    return folder, read_volume(volume_folder(folder), tmp_path)


def _read(folder: Path):
    return read_volume(volume_folder(folder), folder.parents[1])


def _assert_same_reading(reading, expected):
    assert reading.energy == expected.energy and reading.volume == expected.volume
    assert reading.species == expected.species
    np.testing.assert_array_equal(reading.site_moments, expected.site_moments)
    assert reading.settings == expected.settings
    assert reading.total_moment == expected.total_moment


@pytest.mark.parametrize("packer", list(PACKERS))
@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_read_by_content_under_a_misleading_name(volume, kind, packer):
    folder, expected = volume
    original = the_file(folder, kind)
    stem = original.name.removesuffix(".gz")
    packed = PACKERS[packer](plain_bytes(original))
    original.unlink()
    renamed = folder / f"{stem}{WRONG_SUFFIX[packer]}"
    renamed.write_bytes(packed)
    reading = _read(folder)
    _assert_same_reading(reading, expected)
    assert reading.notes == () and reading.conflicts == ()
    record = next(r for r in reading.provenance if r.path.endswith(renamed.name))
    assert record.sha256 == hashlib.sha256(packed).hexdigest()


FAULTS = {
    "empty": lambda data: b"",
    "garbage": lambda data: bytes(range(256)) * 64,
    "truncated gzip": lambda data: gzip.compress(data)[: max(len(data) // 40, 30)],
}
EXPECTED_REASON = {"empty": "is empty", "garbage": "is a binary file",
                   "truncated gzip": "gzip-compressed file is damaged or truncated"}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("kind", KINDS)
def test_an_unreadable_file_is_named_and_what_else_states_it_is_used(volume, kind, fault):
    folder, expected = volume
    target = the_file(folder, kind)
    damaged = FAULTS[fault](plain_bytes(target))
    target.unlink()
    target.write_bytes(damaged)
    if kind == "OUTCAR":  # the site moments are in it and nowhere else
        with pytest.raises(InputError, match=EXPECTED_REASON[fault]) as error:
            _read(folder)
        assert error.value.path == str(target)
        return
    reading = _read(folder)
    [note] = [n for n in reading.notes if n.startswith(target.name)]
    assert EXPECTED_REASON[fault] in note
    assert reading.species == expected.species
    np.testing.assert_array_equal(reading.site_moments, expected.site_moments)
    assert reading.settings == expected.settings
    assert reading.energy == pytest.approx(expected.energy, abs=1e-6)
    assert reading.volume == pytest.approx(expected.volume, rel=1e-8)


def test_a_vasp4_contcar_takes_its_elements_from_the_runs_outcar(volume):
    folder, expected = volume
    drop_species_line(the_file(folder, "CONTCAR"), comment="unknown system")
    reading = _read(folder)
    _assert_same_reading(reading, expected)
    assert reading.notes == ()


def test_a_vasp4_contcar_alone_takes_its_elements_from_its_comment_line(volume):
    folder, expected = volume
    the_file(folder, "OUTCAR").unlink()
    contcar = drop_species_line(the_file(folder, "CONTCAR"))  # comment line: "Fe9 Pt3"
    reading = _read(folder)
    assert reading.species == expected.species and reading.volume == expected.volume
    assert reading.notes == (f"{contcar.name}: no species line (VASP 4 format); elements Fe Pt "
                             "taken from its comment line",)


def test_a_vasp4_contcar_naming_nothing_is_refused_never_read_as_hydrogen(volume):
    folder, _ = volume
    the_file(folder, "OUTCAR").unlink()
    contcar = drop_species_line(the_file(folder, "CONTCAR"), comment="relaxed cell")
    with pytest.raises(InputError, match="no species line") as error:
        _read(folder)
    assert error.value.path == str(contcar)


def test_a_potcar_beside_a_vasp4_contcar_names_its_elements(volume):
    folder, expected = volume
    the_file(folder, "OUTCAR").unlink()
    drop_species_line(the_file(folder, "CONTCAR"), comment="relaxed cell")
    (folder / "POTCAR.3static").write_text(
        "  PAW_PBE Fe_pv 02Aug2007\n   TITEL  = PAW_PBE Fe_pv 02Aug2007\n End of Dataset\n"
        "  PAW_PBE Pt 04Feb2005\n   TITEL  = PAW_PBE Pt 04Feb2005\n End of Dataset\n"
    )
    reading = _read(folder)
    assert reading.species == expected.species and reading.notes == ()
    assert any(r.path.endswith("POTCAR.3static") for r in reading.provenance)


def _ase_vasprun() -> Path:
    ase_file = pytest.importorskip("ase").__file__
    vasprun = Path(ase_file).parent / "test" / "testdata" / "vasp" / "vasprun_pstress.xml"
    if not vasprun.exists():
        pytest.skip(f"{vasprun} (a real vasprun.xml shipped with ase) is not installed")
    return vasprun


@pytest.mark.parametrize(("name", "packer"), [("vasprun.xml.gz", "none"), ("vasprun.xml", "gzip"),
                                              ("vasprun.xml.bz2", "xz"),
                                              ("vasprun.xml.Z", "compress")])
def test_vasprun_is_handed_to_pymatgen_decompressed_whatever_its_name(tmp_path, name, packer):
    import re

    vasprun = _ase_vasprun()
    folder = tmp_path / "c" / "v1"
    folder.mkdir(parents=True)
    packed = PACKERS[packer](vasprun.read_bytes())
    (folder / name).write_bytes(packed)
    reading = read_volume(volume_folder(folder), tmp_path)
    e0 = re.findall(r'name="e_0_energy">\s*(\S+)', vasprun.read_text())[-1]
    assert reading.energy == pytest.approx(float(e0), abs=1e-8)
    assert reading.settings["encut"] == 400.0 and reading.settings["ispin"] == 1
    [record] = reading.provenance
    assert record.path == f"c/v1/{name}" and record.sha256 == hashlib.sha256(packed).hexdigest()


def test_a_truncated_vasprun_is_an_error_naming_it(tmp_path):
    folder = tmp_path / "c" / "v1"
    folder.mkdir(parents=True)
    path = folder / "vasprun.xml.gz"
    path.write_bytes(gzip.compress(_ase_vasprun().read_bytes())[:2000])
    with pytest.raises(InputError, match="damaged or truncated") as error:
        read_volume(volume_folder(folder), tmp_path)
    assert error.value.path == str(path)


# ------------------------------------------- an OSZICAR against the finished OUTCAR of its run
# They agree on the final energy; where the OSZICAR was cut short the OUTCAR gives it, and
# where they disagree the volume is not read (it would be another run's energy, silently).


def _rewrite_oszicar(folder: Path, edit) -> Path:
    path = the_file(folder, "OSZICAR")
    text = plain_bytes(path).decode()
    path.unlink()
    path.write_text(edit(text))
    return path


def test_intact_files_agree_and_the_oszicar_gives_the_energy(volume) -> None:
    folder, reading = volume
    assert reading.energy_file == the_file(folder, "OSZICAR")
    assert reading.notes == ()


def test_an_oszicar_cut_before_its_e0_line_gives_way_to_the_finished_outcar(volume) -> None:
    folder, expected = volume
    oszicar = _rewrite_oszicar(folder, lambda text: text[: text.rindex(" E0=")])
    reading = _read(folder)
    assert reading.energy == pytest.approx(expected.energy, abs=1e-6)
    assert reading.energy_file == the_file(folder, "OUTCAR")
    [note] = [n for n in reading.notes if n.startswith(oszicar.name)]
    assert "no completed ionic step" in note and "energy read from" in note


def test_an_oszicar_cut_without_an_outcar_is_an_unfinished_run(volume) -> None:
    folder, _ = volume
    the_file(folder, "OUTCAR").unlink()
    _rewrite_oszicar(folder, lambda text: text[: text.rindex(" E0=")])
    with pytest.raises(InputError, match="run did not finish"):
        _read(folder)


def test_an_oszicar_with_fewer_ionic_steps_than_the_outcar_was_cut_short(volume) -> None:
    """A relaxation's OSZICAR that stopped after an early step would give that step's E0."""
    folder, expected = volume
    outcar = the_file(folder, "OUTCAR")
    text = plain_bytes(outcar).decode()
    # the OUTCAR ran a second ionic step (Iteration 2( 1) ...); the OSZICAR still holds one
    last = text.rindex("Iteration")
    block_start = text.rindex("\n", 0, last)
    copied = re.sub(r"Iteration\s+1\(", "Iteration    2(", text[block_start:])
    outcar.unlink()
    outcar.write_text(text + copied)
    reading = _read(folder)
    assert reading.energy == pytest.approx(expected.energy, abs=1e-6)
    assert reading.energy_file == outcar
    assert any("holds 1 ionic step(s) where the finished OUTCAR has 2" in n
               for n in reading.notes)


def test_a_final_e0_from_another_run_is_an_error_naming_the_oszicar(volume) -> None:
    folder, expected = volume
    other = expected.energy + 0.05

    def another_run(text: str) -> str:
        return re.sub(r"E0=\s*\S+", f"E0= {other:.8E}", text)

    oszicar = _rewrite_oszicar(folder, another_run)
    with pytest.raises(InputError, match="differs from the OUTCAR's energy") as error:
        _read(folder)
    assert error.value.path == str(oszicar)

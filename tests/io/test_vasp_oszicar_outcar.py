"""An OSZICAR and the finished OUTCAR of the same run agree on the final energy; where the
OSZICAR was cut short the OUTCAR gives the energy, and where they disagree the volume is not
read (it would be another run's energy, without a word)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from faults.makers import link_folder, plain_bytes, the_file

from zenthermo.errors import InputError
from zenthermo.io.layout import volume_folder
from zenthermo.io.vasp import read_volume


@pytest.fixture
def volume(fe3pt_vasp_dir, tmp_path):
    folder = link_folder(fe3pt_vasp_dir / "config_22" / "vol_3", tmp_path / "config_22" / "vol_3")
    return folder, read_volume(volume_folder(folder), tmp_path)


def _read(folder: Path):
    return read_volume(volume_folder(folder), folder.parents[1])


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

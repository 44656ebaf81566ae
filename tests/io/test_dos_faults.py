"""Damaged and copied DOS files in DFTTK's layout: each is named and left out, and only it.

A DOS more negative than any smearing makes it is damage; two volumes whose DOS files are
byte-identical hold a copy, and which volume it belongs to is unknown, so neither is used.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

import zenthermo
from zenthermo.errors import InputError
from zenthermo.io.electronic_dos import NEGATIVE_DOS_FRACTION, read_dos_table
from zenthermo.io.phonon_dos import read_phonopy_dos


@pytest.fixture
def tree(al_dfttk_dir, tmp_path) -> Path:
    shutil.copytree(al_dfttk_dir, tmp_path / "config_Al")
    return tmp_path / "config_Al"


def _excluded(sources) -> dict[str, str]:
    return {e.path: e.reason for e in sources[0].excluded if "phonon_" not in e.path}


def _set_dos_value(path: Path, index: int, value: float) -> None:
    rows = np.loadtxt(path)
    rows[index, 1] = value
    np.savetxt(path, rows)


def test_a_dos_dipping_far_below_zero_is_refused_naming_the_point(tree) -> None:
    dos_file = tree / "elec_2" / "total_dos.dat"
    peak = np.loadtxt(dos_file)[:, 1].max()
    _set_dos_value(dos_file, 97, -0.4 * peak)  # the electron count still rounds to 12
    sources = zenthermo.ingest(tree)
    reason = _excluded(sources)["config_Al/elec_2/total_dos.dat"]
    assert "more negative than smearing gives" in reason and "point 98" in reason
    assert sum(p.electronic is not None for p in sources[0].points) == 7


def test_smearing_dips_below_zero_are_read(tmp_path) -> None:
    energies = np.linspace(-10.0, 5.0, 1501)
    dos = np.where(energies < 0.0, 0.6, 0.3)  # 6 electrons below E_F
    dos[500] = -0.5 * NEGATIVE_DOS_FRACTION * dos.max()  # a Methfessel-Paxton lobe
    table = tmp_path / "total_dos.dat"
    np.savetxt(table, np.column_stack([energies, dos]))
    assert read_dos_table(table).dos[500] < 0


def test_a_negative_phonon_density_is_refused(tmp_path) -> None:
    nu = np.linspace(0.0, 10.0, 201)
    g = 6.0 * nu**2 / 1000.0 * (nu <= 10.0)  # Debye-like, 6 modes: a 2-atom cell
    g[120] = -0.1 * g.max()
    path = tmp_path / "total_dos.dat"
    np.savetxt(path, np.column_stack([nu, g]), header="frequency DOS")
    with pytest.raises(InputError, match="negative phonon DOS.*point 121"):
        read_phonopy_dos(path, natoms=2)


def test_a_phonon_dos_copied_to_another_volume_leaves_both_out(tree) -> None:
    yphon = tree / "YPHON_results"
    shutil.copyfile(yphon / "vdos_2", yphon / "vdos_3")  # volph_3 still names volume 3
    sources = zenthermo.ingest(tree)
    excluded = _excluded(sources)
    for mine, other in (("vdos_2", "vdos_3"), ("vdos_3", "vdos_2")):
        reason = excluded[f"config_Al/YPHON_results/{mine}"]
        assert f"config_Al/YPHON_results/{other}" in reason and "another volume" in reason
    assert sources[0].phonon_volume_count == 6


def test_an_electronic_dos_copied_to_another_volume_leaves_both_out(tree) -> None:
    shutil.copyfile(tree / "elec_2" / "total_dos.dat", tree / "elec_3" / "total_dos.dat")
    excluded = _excluded(zenthermo.ingest(tree))
    assert "another volume" in excluded["config_Al/elec_2/total_dos.dat"]
    assert "another volume" in excluded["config_Al/elec_3/total_dos.dat"]


def test_a_duplicated_folder_at_one_volume_keeps_the_first(tree) -> None:
    shutil.copytree(tree / "elec_2", tree / "elec_9")
    sources = zenthermo.ingest(tree)
    excluded = _excluded(sources)
    assert list(excluded) == ["config_Al/elec_9/total_dos.dat"]
    assert "already has electronic data from config_Al/elec_2" in excluded[
        "config_Al/elec_9/total_dos.dat"]
    assert all(p.electronic is not None for p in sources[0].points)

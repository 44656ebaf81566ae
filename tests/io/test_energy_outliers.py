"""Energy outliers of E(V): a typo of tens of eV is excluded and named, real curves are not."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from faults.makers import drop_species_line

from zenthermo.errors import InputError
from zenthermo.io.energy_outliers import energy_outliers
from zenthermo.io.phonopy_files import read_energy_volume, read_phonopy_qha


def _birch(volumes: np.ndarray, v0=16.5, e0=-3.7, b0=0.45, b1=4.5) -> np.ndarray:
    eta = (v0 / volumes) ** (2.0 / 3.0)
    return e0 + 9 * v0 * b0 / 16 * ((eta - 1) ** 3 * b1 + (eta - 1) ** 2 * (6 - 4 * eta))


def test_the_real_curves_have_no_outlier(fe3pt_vasp_dir, si_qha_dir):
    import zenthermo

    for source in zenthermo.ingest(fe3pt_vasp_dir):
        assert energy_outliers(source.volumes, source.energies, source.natoms) == {}
    volumes, energies = read_energy_volume(si_qha_dir / "e-v.dat")
    assert energy_outliers(volumes, energies, 8) == {}


@pytest.mark.parametrize(
    ("changes", "flagged"),
    [({4: -10.0}, [4]), ({0: +1.0}, [0]), ({10: -20.0, 0: +20.0}, [0, 10]),
     ({3: +12.0, 8: -30.0}, [3, 8]), ({5: "sign"}, [5])],
)
def test_typos_in_the_si_set_are_found(si_qha_dir, changes, flagged):
    volumes, energies = read_energy_volume(si_qha_dir / "e-v.dat")
    for index, change in changes.items():
        energies[index] = -energies[index] if change == "sign" else energies[index] + change
    found = energy_outliers(volumes, energies, 8)
    assert sorted(found) == flagged
    assert all(reason.startswith("energy outlier: E = ") for reason in found.values())


@pytest.mark.parametrize(("lo", "hi", "n"), [(0.8, 1.2, 7), (0.7, 1.3, 9), (0.9, 1.1, 7)])
def test_wide_ranges_and_physical_kinks_are_not_outliers(lo, hi, n):
    volumes = np.linspace(lo * 16.5, hi * 16.5, n)
    energies = _birch(volumes)
    assert energy_outliers(volumes, energies, 1) == {}
    # a moment collapse: up to 0.09 eV/atom of extra energy below V0, growing smoothly
    kinked = energies + np.where(volumes < 16.5, 0.3 * (16.5 - volumes) / 16.5, 0.0)
    assert energy_outliers(volumes, kinked, 1) == {}


def test_too_few_or_repeated_points_are_not_judged():
    volumes = np.linspace(14.0, 19.0, 6)
    energies = _birch(volumes)
    energies[2] += 5.0
    assert energy_outliers(volumes, energies, 1) == {}  # 6 points: too few to judge
    volumes = np.r_[volumes, volumes[0]]
    assert energy_outliers(volumes, np.r_[energies, energies[0]], 1) == {}


def _si_copy(si_qha_dir: Path, target: Path) -> Path:
    shutil.copytree(si_qha_dir, target)
    return target


def _yamls(folder: Path) -> list[Path]:
    return [folder / f"thermal_properties.yaml-{i}" for i in [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5]]


def test_an_e_v_dat_typo_is_excluded_naming_its_row(si_qha_dir, tmp_path):
    folder = _si_copy(si_qha_dir, tmp_path / "si")
    lines = (folder / "e-v.dat").read_text().splitlines()
    volume, energy = lines[3].split()[:2]
    lines[3] = f"{volume} {float(energy) + 30.0:.6f}"  # -42.xx typed as -12.xx
    (folder / "e-v.dat").write_text("\n".join(lines) + "\n")
    source = read_phonopy_qha(folder / "e-v.dat", _yamls(folder))[0]
    [exclusion] = source.excluded
    assert exclusion.item == "thermal_properties.yaml--2"
    assert exclusion.path == "e-v.dat row 4"
    assert "energy outlier" in exclusion.reason and "30 eV above" in exclusion.reason
    assert len(source.points) == 10


def test_vasp4_poscars_of_phonopy_examples_are_si_not_hydrogen(si_qha_dir, tmp_path):
    folder = _si_copy(si_qha_dir, tmp_path / "si")
    for poscar in folder.glob("POSCAR-*"):
        drop_species_line(poscar)  # as in phonopy's own example: "Si" on the comment line
    source = read_phonopy_qha(folder / "e-v.dat", _yamls(folder))[0]
    assert dict(source.composition) == {"Si": 8}
    [note] = [w for w in source.warnings if "species line" in w]
    assert note.endswith("no species line (VASP 4 format); elements Si taken from its comment "
                         "line")
    for poscar in folder.glob("POSCAR-*"):  # and now they name nothing
        lines = poscar.read_text().split("\n")
        poscar.write_text("\n".join(["phonopy example", *lines[1:]]))
    with pytest.raises(InputError, match="no species line"):
        read_phonopy_qha(folder / "e-v.dat", _yamls(folder))

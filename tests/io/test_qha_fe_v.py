"""phonopy-qha's ``fe-v.dat`` (``--efe``) is read with the other phonopy-qha inputs: given on
the command line or found in the folder, its columns land on the points of e-v.dat's rows."""

from __future__ import annotations

import os

import numpy as np
import pytest

import zenthermo
from zenthermo.cli import main
from zenthermo.errors import InputError
from zenthermo.io.phonopy_files import read_energy_volume
from zenthermo.sources import ElectronicFreeEnergyGrid
from zenthermo.units import KB_EV_PER_K

TEMPERATURES = np.arange(0.0, 1001.0, 10.0)


def _write_fe_v(path, volumes, energies, columns=None):
    """phonopy-vasp-efe's layout: static energy plus a Sommerfeld F_el growing with V."""
    f_el = -(np.pi**2 / 6) * (KB_EV_PER_K * TEMPERATURES[:, None]) ** 2 * (
        3.0 * volumes / volumes.mean())
    values = (energies + f_el)[:, : columns or len(volumes)]
    lines = ["# volume: " + " ".join(f"{v:.8f}" for v in volumes[: columns or len(volumes)]),
             "#    T(K)     Free energies"]
    lines += [f"{t:10.4f} " + " ".join(f"{e:.10f}" for e in row)
              for t, row in zip(TEMPERATURES, values, strict=True)]
    path.write_text("\n".join(lines) + "\n")
    return path, f_el


@pytest.fixture
def si_folder(si_qha_dir, tmp_path):
    """A linked copy of phonopy's Si-QHA example plus an fe-v.dat; (folder, F_el by row)."""
    folder = tmp_path / "si"
    folder.mkdir()
    for path in si_qha_dir.iterdir():
        os.symlink(path, folder / path.name)
    volumes, energies = read_energy_volume(si_qha_dir / "e-v.dat")
    _, f_el = _write_fe_v(folder / "fe-v.dat", volumes, energies)
    return folder, volumes, f_el


def _check(source_set, volumes, f_el):
    (source,) = source_set.sources
    assert source.electronic_volume_count == len(source.points) == 11
    for point in source.points:
        row = int(np.argmin(np.abs(volumes - point.volume)))
        assert isinstance(point.electronic, ElectronicFreeEnergyGrid)
        np.testing.assert_allclose(point.electronic.free_energy, f_el[:, row], atol=2e-10)
        assert point.electronic.provenance[0].path == "fe-v.dat"


def test_fe_v_dat_in_the_folder_is_read(si_folder):
    folder, volumes, f_el = si_folder
    _check(zenthermo.ingest(folder), volumes, f_el)


def test_fe_v_dat_given_with_the_files_is_read_by_the_cli(si_folder, tmp_path):
    folder, volumes, f_el = si_folder
    yamls = sorted(folder.glob("thermal_properties.yaml*"))
    out = tmp_path / "si.json"
    assert main(["ingest", str(folder / "e-v.dat"), str(folder / "fe-v.dat"),
                 *map(str, yamls), "-o", str(out), "--quiet"]) == 0
    _check(zenthermo.load_sources(out), volumes, f_el)


def test_fe_v_dat_with_a_missing_column_is_refused_naming_it(si_folder):
    folder, volumes, _ = si_folder
    _, energies = read_energy_volume(folder / "e-v.dat")
    _write_fe_v(folder / "fe-v.dat", volumes, energies, columns=10)
    with pytest.raises(InputError, match="10 free-energy columns but 11") as error:
        zenthermo.ingest(folder)
    assert error.value.path.endswith("fe-v.dat")


def test_fe_v_dat_beside_a_vasp_tree_says_where_it_belongs(fe3pt_vasp_dir, si_folder):
    folder, _, _ = si_folder
    with pytest.raises(InputError, match="goes with phonopy-qha inputs"):
        zenthermo.ingest(fe3pt_vasp_dir / "config_0", folder / "fe-v.dat")


def test_fe_v_dat_at_the_root_of_a_vasp_tree_is_reported_unused(fe3pt_vasp_dir, tmp_path):
    from faults.makers import link_tree

    tree = link_tree(fe3pt_vasp_dir, tmp_path / "tree", ["config_0"])
    (tree / "fe-v.dat").write_text("0 1.0\n10 1.0\n")
    source_set = zenthermo.ingest(tree)
    assert any("fe-v.dat" in w and "not used" in w for w in source_set.warnings)

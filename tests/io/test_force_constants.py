"""phonopy force-constant folders through phonopy's API: three layouts, one answer.

The forces are real ones, computed for this test with ASE's EMT potential on a 32-atom fcc
Al supercell (phonopy's displacement, 0.01 A), and written by phonopy's own writers.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from phonopy_emt import emt_aluminium_phonopy

from zenthermo.errors import InputError
from zenthermo.io.force_constants import find_force_constants, thermal_properties_from_folder
from zenthermo.units import J_PER_K_MOL_IN_EV_PER_K, KJ_PER_MOL_IN_EV

TEMPERATURES = np.arange(0.0, 1001.0, 100.0)
MESH = 20.0


@pytest.fixture(scope="module")
def phonopy_folders(tmp_path_factory) -> tuple[Path, object]:
    from phonopy.file_IO import write_FORCE_CONSTANTS, write_FORCE_SETS

    root = tmp_path_factory.mktemp("phonopy")
    ph = emt_aluminium_phonopy(4.05)
    for name in ("params", "disp_sets", "yaml_constants", "disp_only"):
        (root / name).mkdir()
    ph.save(root / "params" / "phonopy_params.yaml")
    ph.save(root / "disp_sets" / "phonopy_disp.yaml", settings={"force_sets": False})
    write_FORCE_SETS(ph.dataset, filename=str(root / "disp_sets" / "FORCE_SETS"))
    shutil.copy(root / "disp_sets" / "phonopy_disp.yaml", root / "yaml_constants" / "phonopy.yaml")
    shutil.copy(root / "disp_sets" / "phonopy_disp.yaml", root / "disp_only")
    ph.produce_force_constants()
    write_FORCE_CONSTANTS(ph.force_constants,
                          filename=str(root / "yaml_constants" / "FORCE_CONSTANTS"))
    ph.run_mesh(MESH, is_gamma_center=True)
    ph.run_thermal_properties(temperatures=TEMPERATURES, exclude_gamma_acoustic=True)
    return root, ph.thermal_properties


def test_three_layouts_give_phonopys_own_thermal_properties(phonopy_folders):
    """Agreement to 1e-6: the text files round the forces and force constants."""
    root, reference = phonopy_folders
    cells = 4  # the conventional 4-atom cell holds 4 primitive cells
    grids = {}
    for name in ("params", "disp_sets", "yaml_constants"):
        found = find_force_constants(root / name)
        assert found is not None and not found.nac
        grids[name] = thermal_properties_from_folder(found, mesh=MESH,
                                                     temperatures=TEMPERATURES)
    assert find_force_constants(root / "params").self_contained
    assert find_force_constants(root / "disp_sets").force_sets.name == "FORCE_SETS"
    assert find_force_constants(root / "yaml_constants").force_constants.name == \
        "FORCE_CONSTANTS"
    for name, grid in grids.items():
        assert grid.origin == "force_constants", name
        np.testing.assert_allclose(grid.free_energy,
                                   reference.free_energy * KJ_PER_MOL_IN_EV * cells, rtol=1e-6)
        np.testing.assert_allclose(grid.heat_capacity, reference.heat_capacity
                                   * J_PER_K_MOL_IN_EV_PER_K * cells, rtol=1e-6, atol=1e-12)
        np.testing.assert_allclose(grid.entropy, reference.entropy
                                   * J_PER_K_MOL_IN_EV_PER_K * cells, rtol=1e-6, atol=1e-12)
    assert [Path(r.path).name for r in grids["disp_sets"].provenance] == [
        "phonopy_disp.yaml", "FORCE_SETS"]
    # Al: C_V close to 3 k_B per atom (4 atoms) at 1000 K.
    assert grids["params"].heat_capacity[-1] == pytest.approx(12 * 8.617e-5, rel=0.02)


def test_folders_without_forces_are_recognised_and_refused(phonopy_folders, tmp_path):
    root, _ = phonopy_folders
    assert find_force_constants(root / "disp_only") is None  # displacements, no forces
    assert find_force_constants(tmp_path) is None
    with pytest.raises(InputError, match="holds no phonopy force constants"):
        thermal_properties_from_folder(root / "disp_only")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "phonopy.yaml").write_text("unit_cell: [unclosed\n")
    (broken / "FORCE_SETS").write_text("1\n")
    with pytest.raises(InputError, match="malformed or truncated YAML"):
        find_force_constants(broken)


def test_a_damaged_force_sets_file_names_the_folder(phonopy_folders, tmp_path):
    root, _ = phonopy_folders
    folder = tmp_path / "damaged"
    shutil.copytree(root / "disp_sets", folder)
    (folder / "FORCE_SETS").write_text("32\n1\n\n1\n  0.01 0.0 0.0\n  0.1 0.2\n")
    with pytest.raises(InputError, match="phonopy could not compute the phonons") as error:
        thermal_properties_from_folder(folder, mesh=MESH, temperatures=TEMPERATURES)
    assert str(folder) in str(error.value)

"""Vibrational grids computed by phonopy from a ``phonopy.yaml`` that holds forces.

When a volume folder has phonopy's displacement dataset with forces (``phonopy.yaml`` or
``phonopy_params.yaml`` written after ``phonopy -f``/``phonopy --fc``) but no
``thermal_properties.yaml``, :func:`compute_thermal_properties` makes the force constants,
samples the Brillouin zone on a mesh and integrates the thermal properties, as ``phonopy -t``
would. Only the file handed in is read: a yaml without forces or force constants is refused
rather than letting phonopy look for ``FORCE_SETS`` in the working folder.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import yaml

from zenthermo.errors import InputError
from zenthermo.io.compressed import decode_text, read_content
from zenthermo.io.library_warnings import captured
from zenthermo.io.phonopy_files import _YamlLoader
from zenthermo.progress import SILENT, Progress
from zenthermo.sources import FileRecord, VibrationalGrid
from zenthermo.units import J_PER_K_MOL_IN_EV_PER_K, KJ_PER_MOL_IN_EV


def _has_forces(data: dict) -> bool:
    if "force_constants" in data:
        return True
    displacements = data.get("displacements")
    if isinstance(displacements, list) and displacements:
        return all(isinstance(d, dict) and "forces" in d for d in displacements)
    return "forces" in data  # random-displacement datasets (type 2)


def compute_thermal_properties(
    phonopy_yaml: str | os.PathLike[str],
    mesh: float | Sequence[int] = 100.0,
    t_min: float = 0.0,
    t_max: float = 2000.0,
    t_step: float = 10.0,
    gamma_center: bool = True,
    progress: Progress | None = None,
    notes: list[str] | None = None,
) -> VibrationalGrid:
    """Thermal properties per unit cell from a ``phonopy.yaml`` with forces.

    Parameters
    ----------
    phonopy_yaml
        phonopy's yaml with the structure and the displacement dataset with forces (or the
        force constants); compressed files are read too (recognised by content).
    mesh
        Sampling mesh: three integers, or a length (A) from which phonopy makes one
        (``MESH`` / ``-mesh`` in phonopy).
    t_min, t_max, t_step
        Temperature grid in K (both ends included, as ``phonopy -t``).
    gamma_center
        Gamma-centred mesh (keeps the full point-group symmetry; the three zero acoustic
        modes at Gamma are then left out of the integration, which the imaginary-mode check
        allows for).
    progress
        Progress reporter (default silent).
    notes
        Receives phonopy's warnings about the file, as ``name: phonopy: message``.

    Returns
    -------
    VibrationalGrid
        F_vib (eV), S_vib and C_V (eV/K) per *unit cell* of the yaml (phonopy works on its
        primitive cell; the values are scaled by the number of primitive cells in the unit
        cell), with the mode counts for the imaginary-mode check and the yaml's SHA-256.

    Raises
    ------
    InputError
        Unreadable yaml, no forces or force constants in it, or a phonopy failure.
    """
    import phonopy

    path = Path(phonopy_yaml)
    progress = SILENT if progress is None else progress
    notes = [] if notes is None else notes
    content = read_content(path)
    try:
        data = yaml.load(decode_text(content.data, path), Loader=_YamlLoader)
    except yaml.YAMLError as error:
        raise InputError(f"malformed or truncated YAML ({' '.join(str(error).split())})",
                         path) from error
    if not isinstance(data, dict) or "unit_cell" not in data:
        raise InputError("not a phonopy.yaml (no 'unit_cell')", path)
    if not _has_forces(data):
        raise InputError("holds no forces and no force constants", path,
                         "run `phonopy -f` on the displacement calculations first, or give "
                         "the thermal_properties.yaml of `phonopy -t`")
    if not (t_step > 0 and t_max >= t_min >= 0):
        raise InputError(f"bad temperature grid {t_min}..{t_max} step {t_step}", path)
    with progress.stage(f"phonopy mesh for {path.name}"):
        try:
            with captured(notes, path.name, "phonopy"):
                ph = phonopy.load(io.BytesIO(content.data), produce_fc=True, log_level=0,
                                  is_nac="born_effective_charge" in data)
                ph.run_mesh(mesh, is_gamma_center=gamma_center, with_eigenvectors=False)
                ph.run_thermal_properties(t_min=t_min, t_max=t_max, t_step=t_step)
        except (RuntimeError, ValueError, KeyError, TypeError) as error:
            raise InputError(f"phonopy could not compute the phonons ({error})", path) from error
    result = ph.get_thermal_properties_dict()
    cells_per_unit_cell = len(ph.unitcell) / len(ph.primitive)
    tp = ph.thermal_properties
    assert tp is not None  # run_thermal_properties succeeded above
    return VibrationalGrid(
        temperatures=np.asarray(result["temperatures"], dtype=np.float64),
        free_energy=np.asarray(result["free_energy"], dtype=np.float64)
        * KJ_PER_MOL_IN_EV * cells_per_unit_cell,
        entropy=np.asarray(result["entropy"], dtype=np.float64)
        * J_PER_K_MOL_IN_EV_PER_K * cells_per_unit_cell,
        heat_capacity=np.asarray(result["heat_capacity"], dtype=np.float64)
        * J_PER_K_MOL_IN_EV_PER_K * cells_per_unit_cell,
        num_modes=int(tp.number_of_modes),
        num_integrated_modes=int(tp.number_of_integrated_modes),
        provenance=(FileRecord(str(path), content.sha256),),
    )

"""Vibrational grids from phonopy force-constant folders, through phonopy's own API.

A volume's phonon calculation is often kept as phonopy left it, without the
``thermal_properties.yaml`` of ``phonopy -t``. :func:`find_force_constants` recognises such
a folder:

* ``phonopy_params.yaml`` (or ``phonopy.yaml``) that holds the forces or the force
  constants itself, or
* ``phonopy.yaml`` / ``phonopy_disp.yaml`` (the structure and displacements) beside
  ``FORCE_SETS`` or ``FORCE_CONSTANTS`` (or ``force_constants.hdf5``),

(each yaml possibly ``.gz``/``.bz2``/``.xz``/``.lzma`` compressed, as phonopy reads them),
with ``BORN`` for the non-analytical correction where the folder has one.
:func:`thermal_properties_from_folder` then runs phonopy as ``phonopy -t`` would:
``phonopy.load`` (force constants from the forces if needed), ``run_mesh``,
``run_thermal_properties``, and converts to a :class:`~zenthermo.sources.VibrationalGrid`
per unit cell (``origin="force_constants"``). Only the files found are handed to phonopy, by
name: it never falls back on a ``FORCE_SETS`` or ``BORN`` in the working folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_bytes as _read_bytes  # decompression + sha256
from zenthermo.progress import SILENT, Progress
from zenthermo.sources import FileRecord, VibrationalGrid
from zenthermo.units import J_PER_K_MOL_IN_EV_PER_K, KJ_PER_MOL_IN_EV

_YAML_NAMES = ("phonopy_params.yaml", "phonopy.yaml", "phonopy_disp.yaml")
_COMPRESSIONS = ("", ".xz", ".lzma", ".gz", ".bz2")
_FORCE_CONSTANT_NAMES = ("FORCE_CONSTANTS", "force_constants.hdf5")


@dataclass(frozen=True)
class ForceConstantFolder:
    """The phonopy files of one volume folder.

    Attributes
    ----------
    yaml : Path
        phonopy's yaml (structure, supercell matrix, and maybe forces or force constants).
    force_sets, force_constants, born : Path or None
        ``FORCE_SETS``, ``FORCE_CONSTANTS`` (or ``force_constants.hdf5``), ``BORN``.
    self_contained : bool
        The yaml holds the forces or force constants itself.
    nac : bool
        Apply the non-analytical correction (``BORN`` found, or ``nac_params`` in the yaml).
    """

    yaml: Path
    force_sets: Path | None = None
    force_constants: Path | None = None
    born: Path | None = None
    self_contained: bool = False
    nac: bool = False


def find_force_constants(folder: str | os.PathLike[str]) -> ForceConstantFolder | None:
    """The force-constant files of ``folder``, or None when it holds no usable set."""
    root = Path(folder)
    force_sets = _first(root, ("FORCE_SETS",))
    force_constants = _first(root, _FORCE_CONSTANT_NAMES)
    born = _first(root, ("BORN",))
    for name in _YAML_NAMES:
        path = _first(root, tuple(name + c for c in _COMPRESSIONS))
        if path is None:
            continue
        data = _load_yaml(path)
        contained = name != "phonopy_disp.yaml" and _has_forces(data)
        if contained or force_sets is not None or force_constants is not None:
            return ForceConstantFolder(
                path, None if contained else force_sets, None if contained else force_constants,
                born, contained, born is not None or "nac_params" in data)
    return None


def thermal_properties_from_folder(
    folder: str | os.PathLike[str] | ForceConstantFolder,
    mesh: float | tuple[int, int, int] = 100.0,
    temperatures=None,
    progress: Progress | None = None,
) -> VibrationalGrid:
    """The vibrational grid of a phonopy force-constant folder (see the module docstring).

    Parameters
    ----------
    folder
        The folder, or what :func:`find_force_constants` found in it.
    mesh
        Sampling mesh: three integers, or a length (A) from which phonopy makes one.
    temperatures : array_like, optional
        K, ascending; default 0 to 2000 K in steps of 10 K.
    progress : Progress, optional

    Raises
    ------
    InputError
        No usable files, or phonopy cannot compute the phonons (naming the folder).
    """
    found = folder if isinstance(folder, ForceConstantFolder) else find_force_constants(folder)
    if found is None:
        assert not isinstance(folder, ForceConstantFolder)  # else found is folder
        raise InputError(
            "holds no phonopy force constants (phonopy_params.yaml, or phonopy.yaml / "
            "phonopy_disp.yaml with FORCE_SETS or FORCE_CONSTANTS)", Path(folder),
            "run `phonopy -f` on the displacement calculations first",
        )
    T = np.arange(0.0, 2001.0, 10.0) if temperatures is None else np.asarray(temperatures,
                                                                                float)
    if T.ndim != 1 or T.size < 2 or T[0] < 0 or np.any(np.diff(T) <= 0):
        raise InputError("the temperature grid must be ascending and >= 0 K", found.yaml)
    return _run_phonopy(found, mesh, T, SILENT if progress is None else progress)


def _run_phonopy(found: ForceConstantFolder, mesh, T: np.ndarray,
                 progress: Progress) -> VibrationalGrid:
    import phonopy

    files = [f for f in (found.yaml, found.force_sets, found.force_constants, found.born) if f]
    with progress.stage(f"phonopy mesh for {found.yaml.parent.name}"):
        try:
            ph = phonopy.load(
                found.yaml, force_sets_filename=found.force_sets,
                force_constants_filename=found.force_constants, born_filename=found.born,
                is_nac=found.nac,
                produce_fc=True, log_level=0,
            )
            if ph.force_constants is None:
                raise RuntimeError("no force constants could be made")
            ph.run_mesh(mesh, is_gamma_center=True, with_eigenvectors=False)
            ph.run_thermal_properties(temperatures=T, exclude_gamma_acoustic=True)
        except (RuntimeError, ValueError, KeyError, TypeError, OSError, AssertionError) as error:
            raise InputError(f"phonopy could not compute the phonons ({error})",
                             found.yaml.parent) from error
    cells = len(ph.unitcell) / len(ph.primitive)
    tp = ph.thermal_properties
    assert tp is not None  # run_thermal_properties succeeded above
    return VibrationalGrid(
        temperatures=np.asarray(tp.temperatures, dtype=np.float64),
        free_energy=np.asarray(tp.free_energy) * KJ_PER_MOL_IN_EV * cells,
        entropy=np.asarray(tp.entropy) * J_PER_K_MOL_IN_EV_PER_K * cells,
        heat_capacity=np.asarray(tp.heat_capacity) * J_PER_K_MOL_IN_EV_PER_K * cells,
        num_modes=int(tp.number_of_modes),
        num_integrated_modes=int(tp.number_of_integrated_modes),
        provenance=tuple(FileRecord(str(f), _read_bytes(f)[1]) for f in files),
        origin="force_constants",
    )


def _first(folder: Path, names: tuple[str, ...]) -> Path | None:
    for name in names:
        candidate = folder / name
        if candidate.is_file():
            return candidate
    return None


def _load_yaml(path: Path) -> dict:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(_read_bytes(path)[0], Loader=loader)
    except yaml.YAMLError as error:
        raise InputError(f"malformed or truncated YAML ({' '.join(str(error).split())})",
                         path) from error
    if not isinstance(data, dict) or not ("unit_cell" in data or "supercell" in data):
        raise InputError("not a phonopy yaml (no 'unit_cell' or 'supercell')", path)
    return data


def _has_forces(data: dict) -> bool:
    if "force_constants" in data or "forces" in data:
        return True
    displacements = data.get("displacements")
    return bool(isinstance(displacements, list) and displacements and all(
        isinstance(d, dict) and "forces" in d for d in displacements))

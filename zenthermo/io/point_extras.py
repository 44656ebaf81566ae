"""Electronic and phonon data of one folder: DOS tables, DOS in ``vasprun.xml``, force constants.

Beside its static energy a volume can carry the data of its thermal electronic and
vibrational free energies, in the volume folder itself or in a separate calculation folder
of the configuration (DFTTK's ``elec_<i>`` and ``phonon_<i>``, see :mod:`zenthermo.io.dfttk`).
:func:`read_folder_data` recognises, in one folder (any compression, any stage suffix):

* ``total_dos.dat``: a two-column DOS table. Electronic (E - E_F in eV, as DFTTK writes it;
  :func:`zenthermo.io.electronic_dos.read_dos_table`) or phonopy's phonon DOS (THz;
  :func:`zenthermo.io.phonon_dos.read_phonopy_dos`), told apart by content
  (:func:`dos_table_kind`): phonopy writes a ``# Sigma`` header and frequencies that are
  (almost) all positive, an electronic DOS has most of its states below E_F;
* ``vasprun.xml`` whose run wrote a ``<dos>`` block (the total electronic DOS through
  pymatgen, :func:`zenthermo.io.electronic_dos.read_vasprun_dos`);
* phonopy force-constant sets (:mod:`zenthermo.io.force_constants`).

Each datum comes with the cell volume it was computed at where the folder says it (the
vasprun's structure, a phonopy yaml's unit cell, the folder's CONTCAR/POSCAR), scaled to the
source's cell of ``natoms`` atoms. Problems with a datum are :class:`FolderData` problems
naming the file: the rest of the folder, and the static point, are kept.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io import layout
from zenthermo.io.compressed import COMPRESSION_SUFFIXES
from zenthermo.io.compressed import read_bytes as _read_bytes
from zenthermo.io.paths import relative_path
from zenthermo.sources import ElectronicData, VibrationalGrid

#: A DOS table is electronic when its weight below zero exceeds this fraction of the whole
#: and its first point lies below :data:`ELECTRONIC_LOWEST_ENERGY` (eV; a phonon DOS in THz
#: has next to no weight below zero, and a phonon DOS with more is refused anyway).
ELECTRONIC_WEIGHT_BELOW_ZERO = 0.02
ELECTRONIC_LOWEST_ENERGY = -3.0


@dataclass
class FolderData:
    """What one folder gave.

    Attributes
    ----------
    vibrations, electronic : list of (volume or None, datum, path)
        Cell volume (A^3, source's cell) where known, the datum, the file it came from
        (relative to the ingested root), as :func:`zenthermo.io.volume_matching.attach_by_volume`
        takes them.
    problems : list of (path, reason)
        Data files that could not be used.
    notes : list of str
        Warnings of the readers (imaginary phonon weight dropped, ...).
    """

    vibrations: list[tuple[float | None, VibrationalGrid, str]] = field(default_factory=list)
    electronic: list[tuple[float | None, ElectronicData, str]] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def found(self) -> bool:
        """True when the folder held any data file, usable or not."""
        return bool(self.vibrations or self.electronic or self.problems)


def dos_table_kind(path: Path) -> str:
    """``"phonon"`` (phonopy ``total_dos.dat``) or ``"electronic"``, from the table's content.

    A folder named ``elec*`` holds an electronic DOS and one named ``phonon*`` a phonon DOS,
    whatever the content (then the reader says what is wrong with it).
    """
    folder = path.parent.name.lower()
    if folder.startswith("elec"):
        return "electronic"
    if folder.startswith("phonon"):
        return "phonon"
    text = _read_bytes(path)[0].decode("utf-8", errors="replace")
    if re.search(r"^\s*#\s*sigma", text, re.IGNORECASE | re.MULTILINE):
        return "phonon"
    rows = []
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        try:
            rows.append([float(x) for x in fields[:2]])
        except ValueError:
            continue
    table = np.array([r for r in rows if len(r) == 2], dtype=np.float64).reshape(-1, 2)
    if table.shape[0] < 2:
        return "electronic"  # the electronic reader names what is wrong with it
    weight = np.abs(table[:, 1])
    below = float(np.sum(weight[table[:, 0] < 0]))
    total = float(np.sum(weight))
    deep = float(table[0, 0]) < ELECTRONIC_LOWEST_ENERGY
    return "electronic" if deep and below > ELECTRONIC_WEIGHT_BELOW_ZERO * total else "phonon"


def read_folder_data(folder: Path, natoms: int, root: Path, volume: float | None = None,
                     static_vasprun: bool = False) -> FolderData:
    """The electronic and phonon data of ``folder`` for a source of ``natoms`` atoms per cell.

    Parameters
    ----------
    folder : Path
    natoms : int
        Atoms in the source's cell; data of another cell size are scaled to it.
    root : Path
        Paths are recorded relative to it.
    volume : float, optional
        The cell volume of the folder's data when the folder is a static volume folder
        (then the data belong to that point whatever the files say).
    static_vasprun : bool
        Also read the DOS of the folder's unsuffixed ``vasprun.xml`` (a static run's).
    """
    found = FolderData()
    cell_volume = volume if volume is not None else _structure_volume(folder, natoms)
    for path in _named(folder, "total_dos.dat"):
        shown = relative_path(path, root)
        try:
            if dos_table_kind(path) == "phonon":
                from zenthermo.io.phonon_dos import read_phonopy_dos

                reading = read_phonopy_dos(path, natoms, recorded_as=shown)
                found.vibrations.append((cell_volume, reading.grid, shown))
                found.notes += list(reading.warnings)
            else:
                from zenthermo.io.electronic_dos import read_dos_table

                dos = _scaled_dos(read_dos_table(path, recorded_as=shown), folder, natoms)
                found.electronic.append((volume if volume is not None
                                         else (dos.volume or cell_volume), dos, shown))
        except InputError as error:
            found.problems.append((relative_path(error.path or path, root), error.reason))
    if not found.electronic:
        _read_vasprun_dos(folder, natoms, root, volume, static_vasprun, found)
    _read_force_constants(folder, natoms, root, volume, found)
    return found


def _read_vasprun_dos(folder: Path, natoms: int, root: Path, volume: float | None,
                      static_vasprun: bool, found: FolderData) -> None:
    from zenthermo.io.electronic_dos import read_vasprun_dos

    own_run = static_vasprun or volume is None  # the folder's plain or static run counts
    paths = [p for p in _named(folder, "vasprun.xml")
             if layout.is_dos_stage(stage := _stage(p.name, "vasprun.xml") or "")
             or (own_run and (stage == "" or "static" in stage.lower()))]
    for path in sorted(paths, key=lambda p: not layout.is_dos_stage(
            _stage(p.name, "vasprun.xml") or "")):  # a DOS run first
        shown = relative_path(path, root)
        try:
            if b"<dos>" not in _read_bytes(path)[0]:
                continue
            dos = read_vasprun_dos(path, recorded_as=shown)
        except InputError as error:
            where = relative_path(error.path or path, root)
            if volume is not None and not layout.is_dos_stage(_stage(path.name, "vasprun.xml")
                                                              or ""):
                # the static run's own DOS, read unasked: a note, the point is unaffected
                found.notes.append(f"{where}: its DOS not used: {error.reason}")
            else:
                found.problems.append((where, error.reason))
            continue
        structure = _structure(folder)
        factor = 1.0 if structure is None else natoms / structure[0]
        if factor != 1.0 and dos.volume is not None:
            dos = dataclasses.replace(dos, dos=dos.dos * factor, volume=dos.volume * factor)
        found.electronic.append((volume if volume is not None else dos.volume, dos, shown))
        return


def _read_force_constants(folder: Path, natoms: int, root: Path, volume: float | None,
                          found: FolderData) -> None:
    from zenthermo.io.force_constants import find_force_constants, thermal_properties_from_folder

    try:
        files = find_force_constants(folder)
        if files is None:
            return
        grid = thermal_properties_from_folder(files)
        cell_atoms, cell_volume = _yaml_cell(files.yaml)
    except InputError as error:
        found.problems.append((relative_path(error.path or folder, root), error.reason))
        return
    shown = relative_path(files.yaml, root)
    if natoms % cell_atoms:
        found.problems.append((shown, f"phonopy's unit cell has {cell_atoms} atoms, which "
                                      f"does not divide the source's {natoms}-atom cell"))
        return
    factor = natoms // cell_atoms
    if factor != 1:
        grid = dataclasses.replace(
            grid, free_energy=grid.free_energy * factor, entropy=grid.entropy * factor,
            heat_capacity=grid.heat_capacity * factor,
            num_modes=None if grid.num_modes is None else grid.num_modes * factor,
            num_integrated_modes=None if grid.num_integrated_modes is None
            else grid.num_integrated_modes * factor)
    own = cell_volume * factor
    grid = dataclasses.replace(grid, volume=own)
    # the mesh is Gamma-centred and the 3 acoustic modes at Gamma are left out on purpose
    imaginary = (grid.imaginary_modes or 0) - 3 * factor
    if imaginary > 0:
        found.problems.append((shown, f"phonons have {imaginary} imaginary mode(s)"))
        return
    found.vibrations.append((volume if volume is not None else own, grid, shown))


def _yaml_cell(path: Path) -> tuple[int, float]:
    """Atoms and volume (A^3) of the unit cell of a phonopy yaml."""
    from zenthermo.io.force_constants import _load_yaml

    data = _load_yaml(path)
    cell = data.get("unit_cell") or data.get("primitive_cell") or {}
    try:
        lattice = np.asarray(cell["lattice"], dtype=np.float64)
        atoms = len(cell["points"])
    except (KeyError, TypeError, ValueError) as error:
        raise InputError("its unit_cell has no lattice or points", path) from error
    return atoms, float(abs(np.linalg.det(lattice)))


def _scaled_dos(dos, folder: Path, natoms: int):
    """The DOS per source cell, with the volume of the folder's structure where it has one."""
    structure = _structure(folder)
    if structure is None:
        return dos
    atoms, cell_volume = structure
    factor = natoms / atoms
    return dataclasses.replace(dos, dos=dos.dos * factor, volume=cell_volume * factor)


def _structure_volume(folder: Path, natoms: int) -> float | None:
    structure = _structure(folder)
    return None if structure is None else structure[1] * natoms / structure[0]


def _structure(folder: Path) -> tuple[int, float] | None:
    """(atoms, volume in A^3) of the folder's final CONTCAR (else POSCAR), if it has one."""
    from zenthermo.io.vasp_structure import parse_poscar

    for kind in ("CONTCAR", "POSCAR"):
        stages = _named(folder, kind)
        if not stages:
            continue
        path = max(stages, key=lambda p: layout.stage_rank(_stage(p.name, kind) or ""))
        try:
            structure = parse_poscar(_read_bytes(path)[0].decode("utf-8", "replace"), path)
        except InputError:
            continue
        return len(structure), float(structure.volume)
    return None


def _named(folder: Path, kind: str) -> list[Path]:
    """Files of ``folder`` named ``kind``, with any stage suffix and compression."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return []
    return [p for p in entries if p.is_file() and _stage(p.name, kind) is not None]


def _stage(name: str, kind: str) -> str | None:
    base = name
    for suffix in COMPRESSION_SUFFIXES:
        if base.lower().endswith(suffix) and len(base) > len(suffix):
            base = base[: -len(suffix)]
            break
    if base == kind:
        return ""
    if base.startswith(kind) and len(base) > len(kind) + 1 and base[len(kind)] in ".-_":
        return base[len(kind) + 1:]
    return None


__all__ = ["ELECTRONIC_LOWEST_ENERGY", "ELECTRONIC_WEIGHT_BELOW_ZERO", "FolderData",
           "dos_table_kind", "read_folder_data"]

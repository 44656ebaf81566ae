"""What one VASP volume folder gave (:class:`VolumeReading`) and the reader's bookkeeping.

:class:`Recorder` reads every file of a volume through :mod:`zenthermo.io.compressed` and
keeps its provenance (path relative to the ingested root, SHA-256 of the stored bytes) and
the notes made while reading.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.io.compressed import FileContent, decode_text, read_content
from zenthermo.io.paths import relative_path
from zenthermo.io.vasp_settings import SettingConflict
from zenthermo.sources import FileRecord


@dataclass(frozen=True)
class VolumeReading:
    """Everything read from one volume folder, before cross-checks.

    Attributes
    ----------
    label : str
        Volume folder name.
    volume : float
        A^3 per cell.
    energy : float
        eV per cell (sigma -> 0).
    species : tuple of str
        Element of each site, in file order.
    structure : pymatgen Structure
        The final structure (no moments).
    site_moments : ndarray, shape (natoms,) or None
        mu_B.
    total_moment : float or None
    initial_moments : ndarray, shape (natoms,) or None
        MAGMOM of the stage (as run, else INCAR), expanded, mu_B.
    electronic_converged, ionic_converged : bool
    convergence_note : str
        Why a loop is counted unconverged ("" if both converged).
    settings : dict
    provenance : tuple of FileRecord
    files : dict
        Kind -> path actually read.
    notes : tuple of str
        Things read around (a damaged input file, overflowed fields, library warnings).
    conflicts : tuple of SettingConflict
        Files of this run that disagree on a setting.
    setting_files : dict
        Setting name (``encut``, ``ispin``, ...) -> the file that stated it.
    energy_file : Path or None
        The file the energy was read from.
    structure_file : Path or None
        The file the final structure was read from.
    """

    label: str
    volume: float
    energy: float
    species: tuple[str, ...]
    structure: Any
    site_moments: np.ndarray | None
    total_moment: float | None
    initial_moments: np.ndarray | None
    electronic_converged: bool
    ionic_converged: bool
    convergence_note: str
    settings: dict[str, Any]
    provenance: tuple[FileRecord, ...]
    files: dict[str, Path]
    notes: tuple[str, ...] = ()
    conflicts: tuple[SettingConflict, ...] = ()
    setting_files: dict[str, Path] = field(default_factory=dict)
    energy_file: Path | None = None
    structure_file: Path | None = None

    @property
    def natoms(self) -> int:
        return len(self.species)

    @property
    def composition(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for element in self.species:
            counts[element] = counts.get(element, 0) + 1
        return counts


class Recorder:
    """Reads files once and remembers their provenance relative to the ingested root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records: list[FileRecord] = []
        self.notes: list[str] = []

    def relative(self, path: Path) -> str:
        return relative_path(path, self.root)

    def content(self, path: Path) -> FileContent:
        content = read_content(path)
        self.records.append(FileRecord(self.relative(path), content.sha256))
        return content

    def text(self, path: Path) -> str:
        return decode_text(self.content(path).data, path)

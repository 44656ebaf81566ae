"""Labelled first-principles data: volume points, sources (configurations) and source sets.

A *source* is one configuration k (for example one collinear spin arrangement of a
supercell) with multiplicity g_k and its data at several volumes. Everything here is
immutable plain data: readers in :mod:`zenthermo.io` build it, physics reads it. Arrays are
float64; energies are eV per cell, volumes A^3 per cell, temperatures K.

The lossless file format lives in :mod:`zenthermo.io.sourcefile`
(``SourceSet.save`` / :func:`zenthermo.load_sources`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Magnetic orders a source can have (from its final site moments).
MAGNETIC_ORDERS = ("NM", "FM", "AFM", "FiM", "SF", "unknown")


@dataclass(frozen=True)
class FileRecord:
    """One file that was read: where it is and what it held.

    Attributes
    ----------
    path : str
        Path as given to the reader (relative to the ingested root where there is one).
    sha256 : str
        Hex SHA-256 of the file's bytes as stored on disk (compressed bytes for .gz/.bz2/.xz).
    """

    path: str
    sha256: str


@dataclass(frozen=True)
class Exclusion:
    """A piece of input that was left out, and why.

    Attributes
    ----------
    item : str
        What was excluded: a volume folder label, a source name, a file.
    path : str
        The file or folder concerned.
    reason : str
        Why, in words a user understands ("electronic loop not converged", ...).
    volume : float or None
        Cell volume in A^3 if it is known.
    """

    item: str
    path: str
    reason: str
    volume: float | None = None


@dataclass(frozen=True, eq=False)
class VibrationalGrid:
    """Vibrational thermodynamics of one volume point on a temperature grid (phonopy ``-t``).

    Attributes
    ----------
    temperatures : ndarray, shape (nT,)
        K, strictly ascending.
    free_energy : ndarray, shape (nT,)
        Vibrational Helmholtz energy F_vib, eV per cell (zero-point energy included).
    entropy : ndarray, shape (nT,)
        S_vib, eV/K per cell.
    heat_capacity : ndarray, shape (nT,)
        C_V,vib, eV/K per cell.
    num_modes, num_integrated_modes : int or None
        As phonopy reports them; fewer integrated modes than modes means imaginary modes.
    provenance : tuple of FileRecord
    origin : str
        What the grid was computed from: ``"thermal_properties"`` (phonopy ``-t``),
        ``"phonon_dos"`` (a phonon density of states: phonopy ``total_dos.dat``, YPHON
        ``vdos``), ``"force_constants"`` (phonopy's API on forces or force constants), or
        ``""`` when not recorded.
    volume : float or None
        Cell volume of the phonon calculation, A^3 per cell, where it differs from (or is
        known better than) the volume of the point that carries the grid; None: the point's.
    imaginary_fraction : float or None
        Fraction of the modes of a phonon DOS at zero or imaginary (negative) frequencies,
        left out of the integration; None where not known.
    """

    temperatures: np.ndarray
    free_energy: np.ndarray
    entropy: np.ndarray
    heat_capacity: np.ndarray
    num_modes: int | None = None
    num_integrated_modes: int | None = None
    provenance: tuple[FileRecord, ...] = ()
    origin: str = ""
    volume: float | None = None
    imaginary_fraction: float | None = None

    @property
    def imaginary_modes(self) -> int | None:
        """Number of modes phonopy left out of the integration (imaginary), if known."""
        if self.num_modes is None or self.num_integrated_modes is None:
            return None
        return int(self.num_modes - self.num_integrated_modes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VibrationalGrid) and _fields_equal(self, other)


@dataclass(frozen=True, eq=False)
class ElectronicDos:
    """Total electronic density of states of one volume point: the input of F_el(T).

    Attributes
    ----------
    energies : ndarray, shape (n,)
        E - E_F in eV, strictly ascending (the Fermi level of the DFT run at 0).
    dos : ndarray, shape (n,)
        States per eV per cell, both spin channels summed; read as piecewise linear in E.
    volume : float or None
        Cell volume of the DOS calculation, A^3; None: the volume of the point.
    provenance : tuple of FileRecord
    """

    energies: np.ndarray
    dos: np.ndarray
    volume: float | None = None
    provenance: tuple[FileRecord, ...] = ()

    @property
    def electron_count(self) -> float:
        """Electrons per cell at T = 0: the piecewise-linear DOS integrated up to E_F (= 0)."""
        E = np.asarray(self.energies, dtype=np.float64)
        n = np.asarray(self.dos, dtype=np.float64)
        below = int(np.searchsorted(E, 0.0, side="right"))  # E[:below] <= 0
        if below == 0:
            return 0.0
        count = float(np.sum(0.5 * (n[1:below] + n[: below - 1]) * np.diff(E[:below])))
        if below < E.size and E[below - 1] < 0.0:
            n_zero = n[below - 1] + (n[below] - n[below - 1]) * (
                -E[below - 1] / (E[below] - E[below - 1]))
            count += 0.5 * (n[below - 1] + n_zero) * (-E[below - 1])
        return count

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ElectronicDos) and _fields_equal(self, other)


@dataclass(frozen=True, eq=False)
class ElectronicFreeEnergyGrid:
    """Thermal electronic free energy of one volume point on a temperature grid.

    What phonopy-qha's ``--efe`` file (``fe-v.dat``) gives per volume, with the static
    energy taken off: F_el(T) - F_el(0).

    Attributes
    ----------
    temperatures : ndarray, shape (nT,)
        K, strictly ascending, starting at 0 K.
    free_energy : ndarray, shape (nT,)
        F_el(T) - F_el(0), eV per cell (0 at 0 K).
    volume : float or None
        Cell volume, A^3; None: the volume of the point.
    provenance : tuple of FileRecord
    """

    temperatures: np.ndarray
    free_energy: np.ndarray
    volume: float | None = None
    provenance: tuple[FileRecord, ...] = ()

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ElectronicFreeEnergyGrid) and _fields_equal(self, other)


#: What a volume point may carry for its thermal electronic free energy.
ElectronicData = ElectronicDos | ElectronicFreeEnergyGrid


@dataclass(frozen=True, eq=False)
class VolumePoint:
    """One DFT calculation of a configuration at one volume.

    Attributes
    ----------
    label : str
        Name of the volume folder (or index) this point came from.
    volume : float
        Cell volume, A^3 per cell.
    energy : float
        Total energy, eV per cell (VASP's sigma -> 0 energy).
    natoms : int
    composition : Mapping[str, int]
        Element -> number of atoms in the cell.
    site_moments : ndarray, shape (natoms,) or None
        Final magnetic moment of each site, mu_B.
    total_moment : float or None
        Total magnetic moment of the cell, mu_B.
    electronic_converged, ionic_converged : bool
    settings : Mapping[str, Any]
        Key calculation settings: ``encut`` (eV), ``kpoints`` (list of 3 ints or a string),
        ``functional``, ``ispin``, ``ldau``, ``vasp_version``.
    vibrations : VibrationalGrid or None
    provenance : tuple of FileRecord
        Every file read to build this point.
    electronic : ElectronicDos, ElectronicFreeEnergyGrid or None
        The data of the thermal electronic free energy at this volume, if any.
    """

    label: str
    volume: float
    energy: float
    natoms: int
    composition: Mapping[str, int]
    site_moments: np.ndarray | None = None
    total_moment: float | None = None
    electronic_converged: bool = True
    ionic_converged: bool = True
    settings: Mapping[str, Any] = field(default_factory=dict)
    vibrations: VibrationalGrid | None = None
    provenance: tuple[FileRecord, ...] = ()
    electronic: ElectronicData | None = None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, VolumePoint) and _fields_equal(self, other)


@dataclass(frozen=True, eq=False)
class Source:
    """One configuration k: its multiplicity and its data at several volumes.

    Attributes
    ----------
    name : str
        Identifier (folder name by default), unique in its set.
    label : str
        Human-readable label for reports (defaults to ``name``).
    multiplicity : float
        g_k, the number of microstates equivalent to this configuration (> 0).
    multiplicity_origin : str
        How g_k was obtained: ``"symmetry"``, ``"manifest"``, ``"default"``, ``"learned"``.
    magnetic_order : str
        One of :data:`MAGNETIC_ORDERS`.
    natoms : int
    composition : Mapping[str, int]
    points : tuple of VolumePoint
        Kept points, sorted by ascending volume.
    excluded : tuple of Exclusion
        Points left out, each with its reason.
    warnings : tuple of str
    reference_moments : ndarray, shape (natoms,) or None
        The configuration's spin pattern (signed moments, mu_B) against which spin flips
        were judged.
    """

    name: str
    multiplicity: float
    natoms: int
    composition: Mapping[str, int]
    points: tuple[VolumePoint, ...]
    label: str = ""
    multiplicity_origin: str = "default"
    magnetic_order: str = "unknown"
    excluded: tuple[Exclusion, ...] = ()
    warnings: tuple[str, ...] = ()
    reference_moments: np.ndarray | None = None

    def __post_init__(self) -> None:
        if not self.label:
            object.__setattr__(self, "label", self.name)
        ordered = tuple(sorted(self.points, key=lambda p: p.volume))
        object.__setattr__(self, "points", ordered)

    @property
    def volumes(self) -> np.ndarray:
        """Volumes of the kept points, A^3 per cell, ascending; shape (n,)."""
        return np.array([p.volume for p in self.points], dtype=np.float64)

    @property
    def energies(self) -> np.ndarray:
        """Static energies of the kept points, eV per cell, same order; shape (n,)."""
        return np.array([p.energy for p in self.points], dtype=np.float64)

    @property
    def has_vibrations(self) -> bool:
        """True when every kept point carries a phonon grid."""
        return bool(self.points) and all(p.vibrations is not None for p in self.points)

    @property
    def phonon_volume_count(self) -> int:
        """Number of kept points that carry a phonon grid."""
        return sum(p.vibrations is not None for p in self.points)

    @property
    def electronic_volume_count(self) -> int:
        """Number of kept points that carry electronic data (a DOS or an F_el grid)."""
        return sum(p.electronic is not None for p in self.points)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Source) and _fields_equal(self, other)


@dataclass(frozen=True, eq=False)
class SourceSet:
    """The sources of one material, checked for consistency with each other.

    Iterating gives the sources; ``ss["name"]`` or ``ss[0]`` picks one.

    Attributes
    ----------
    sources : tuple of Source
    root : str
        The folder or files ingested.
    excluded : tuple of Exclusion
        Whole sources or files left out, each with its reason.
    warnings : tuple of str
    metadata : Mapping[str, Any]
        Free-form: zenthermo version, creation time, options used for ingestion.
    """

    sources: tuple[Source, ...]
    root: str = ""
    excluded: tuple[Exclusion, ...] = ()
    warnings: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[Source]:
        return iter(self.sources)

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, key: int | str) -> Source:
        if isinstance(key, str):
            for source in self.sources:
                if source.name == key:
                    return source
            raise KeyError(key)
        return self.sources[key]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.sources)

    @property
    def natoms(self) -> int:
        """Atoms per cell (the same for every source of a valid set)."""
        return self.sources[0].natoms

    @property
    def composition(self) -> Mapping[str, int]:
        return self.sources[0].composition

    def save(self, path) -> None:
        """Write the set to ``path`` losslessly (see :mod:`zenthermo.io.sourcefile`)."""
        from zenthermo.io.sourcefile import save_sources

        save_sources(self, path)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SourceSet) and _fields_equal(self, other)


def _values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if a is None or b is None:
            return False
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        return a_arr.shape == b_arr.shape and bool(np.array_equal(a_arr, b_arr, equal_nan=True))
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_values_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_values_equal(a[k], b[k]) for k in a)
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True  # NaN settings or metadata compare equal to themselves
    return a == b


def _fields_equal(a: Any, b: Any) -> bool:
    from dataclasses import fields

    return all(_values_equal(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))

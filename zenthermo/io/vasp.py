"""Read the final stage of one VASP volume folder into a checked :class:`VolumeReading`.

What is read, in order of preference:

* energy (eV per cell, sigma -> 0): ``vasprun.xml`` final energy, else the ``E0`` of the last
  ionic step in ``OSZICAR``, else the last ``energy(sigma->0)`` of ``OUTCAR``;
* structure (volume, atoms, composition): ``vasprun.xml`` final structure, else ``CONTCAR``;
* site moments: the last ``magnetization (x)`` table of ``OUTCAR`` (column ``tot``); total
  moment: ``OSZICAR`` ``mag=``, else ``OUTCAR``;
* convergence: ``vasprun.xml``'s own flags, else the number of electronic steps of the last
  ionic step against ``NELM`` (INCAR, default 60) and the number of ionic steps against
  ``NSW`` for relaxations;
* settings: ``INCAR`` (ENCUT, ISPIN, LDAU, GGA/METAGGA, MAGMOM), ``KPOINTS`` (mesh), the
  ``OUTCAR`` header (VASP version, POTCAR functional).

Structured files are parsed with pymatgen (``Vasprun``, ``Oszicar``, ``Poscar``, ``Incar``,
``Kpoints``). The large ``OUTCAR`` is only scanned for the few blocks needed (header, last
magnetisation table, last energy, the end-of-run timing block), which is ~50x faster than
pymatgen's full ``Outcar`` parse; the tests check both agree. Every failure raises
:class:`~zenthermo.errors.InputError` naming the file.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.layout import VolumeFolder
from zenthermo.io.vasp_outcar import (
    _POTCAR_FUNCTIONALS,
    OutcarSummary,
    parse_outcar,
    read_bytes,
    read_text,
)
from zenthermo.sources import FileRecord

#: VASP defaults used when INCAR does not set them.
DEFAULT_NELM = 60

_GGA_NAMES = {"PE": "PBE", "PS": "PBEsol", "91": "PW91", "RP": "RPBE", "AM": "AM05",
              "CA": "LDA", "B3": "B3LYP", "OR": "optPBE", "BO": "optB88", "MK": "optB86b"}


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
        INCAR MAGMOM of the stage, expanded, mu_B.
    electronic_converged, ionic_converged : bool
    convergence_note : str
        Why a loop is counted unconverged ("" if both converged).
    settings : dict
    provenance : tuple of FileRecord
    files : dict
        Kind -> path actually read.
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

    @property
    def natoms(self) -> int:
        return len(self.species)

    @property
    def composition(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for element in self.species:
            counts[element] = counts.get(element, 0) + 1
        return counts


def _functional(incar: dict[str, Any], potcar_functional: str | None) -> str:
    metagga = str(incar.get("METAGGA", "")).strip()
    if metagga and metagga.upper() not in ("NONE", "--"):
        name = metagga.upper()
        return {"SCAN": "SCAN", "R2SCAN": "r2SCAN", "RSCAN": "rSCAN"}.get(name, name)
    if incar.get("LHFCALC"):
        return "HSE" if incar.get("HFSCREEN") else "hybrid"
    gga = str(incar.get("GGA", "")).strip().upper()
    if gga and gga != "--":
        return _GGA_NAMES.get(gga, gga)
    return potcar_functional or "unknown"


def _kpoints_setting(path: Path, text: str) -> tuple[list[int] | str, str]:
    from pymatgen.io.vasp.inputs import Kpoints

    try:
        kpoints = Kpoints.from_str(text)
    except Exception as error:
        raise InputError(f"cannot parse KPOINTS ({error})", path) from error
    style = kpoints.style.name if hasattr(kpoints.style, "name") else str(kpoints.style)
    if style in ("Gamma", "Monkhorst") and kpoints.kpts:
        return [int(k) for k in kpoints.kpts[0]], style
    if kpoints.num_kpts == 0 and kpoints.kpts:
        return f"auto {kpoints.kpts[0][0]:g}", style
    return f"{len(kpoints.kpts)} explicit k-points", style


def expand_magmom(magmom: Any, natoms: int) -> np.ndarray | None:
    """INCAR MAGMOM as one float per site (pymatgen already expands ``n*value``)."""
    if magmom is None:
        return None
    values = np.asarray(magmom, dtype=np.float64).reshape(-1)
    if values.size != natoms:  # non-collinear or inconsistent: not a collinear pattern
        return None
    return values


def relative_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` (POSIX form), or as given when it is outside it."""
    for candidate, base in ((path, root), (path.resolve(), root.resolve())):
        try:
            return candidate.relative_to(base).as_posix()
        except ValueError:
            continue
    return path.as_posix()


class _Recorder:
    """Reads files once and remembers their provenance relative to the ingested root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.records: list[FileRecord] = []

    def relative(self, path: Path) -> str:
        return relative_path(path, self.root)

    def text(self, path: Path) -> str:
        text, digest = read_text(path)
        self.records.append(FileRecord(self.relative(path), digest))
        return text

    def hash_only(self, path: Path) -> None:
        _, digest = read_bytes(path)
        self.records.append(FileRecord(self.relative(path), digest))


def read_volume(folder: VolumeFolder, root: Path) -> VolumeReading:
    """Read the chosen stage of one volume folder.

    Parameters
    ----------
    folder : VolumeFolder
        From :func:`zenthermo.io.layout.volume_folder`.
    root : Path
        The ingested root; provenance paths are relative to it.

    Raises
    ------
    InputError
        Naming the file that is missing, truncated or unreadable.
    """
    files = folder.files
    recorder = _Recorder(root)
    if "vasprun.xml" in files:
        return _read_with_vasprun(folder, recorder)
    return _read_with_outcar_oszicar(folder, recorder)


def _read_incar(path: Path | None, recorder: _Recorder) -> dict[str, Any]:
    if path is None:
        return {}
    from pymatgen.io.vasp.inputs import Incar

    text = recorder.text(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return dict(Incar.from_str(text))
    except Exception as error:
        raise InputError(f"cannot parse INCAR ({error})", path) from error


def _read_structure(path: Path, recorder: _Recorder):
    from pymatgen.io.vasp.inputs import Poscar

    text = recorder.text(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            structure = Poscar.from_str(text).structure
    except Exception as error:
        reason = f"cannot parse structure ({type(error).__name__}: {error})"
        raise InputError(reason, path) from error
    return structure


def _read_oszicar(path: Path, recorder: _Recorder):
    from pymatgen.io.vasp.outputs import Oszicar

    text = recorder.text(path)  # checks it is text, records the hash
    if not text.strip():
        raise InputError("is empty", path)
    try:
        oszicar = Oszicar(str(path))
    except Exception as error:
        raise InputError(f"cannot parse OSZICAR ({type(error).__name__}: {error})", path) from error
    if not oszicar.ionic_steps or "E0" not in oszicar.ionic_steps[-1]:
        raise InputError("has no completed ionic step (no 'E0=' line): run did not finish", path)
    return oszicar


def _common_settings(incar: dict[str, Any], folder: VolumeFolder, recorder: _Recorder,
                     outcar: OutcarSummary | None) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "encut": float(incar["ENCUT"]) if "ENCUT" in incar else None,
        "functional": _functional(incar, outcar.potcar_functional if outcar else None),
        "ispin": int(incar.get("ISPIN", 1)),
        "ldau": bool(incar.get("LDAU", False)),
        "vasp_version": outcar.vasp_version if outcar else None,
        "stage": folder.stage,
    }
    kpath = folder.files.get("KPOINTS")
    if kpath is not None:
        mesh, style = _kpoints_setting(kpath, recorder.text(kpath))
        settings["kpoints"] = mesh
        settings["kpoints_style"] = style
    else:
        settings["kpoints"] = None
    return settings


def _convergence_from_oszicar(oszicar, incar: dict[str, Any]) -> tuple[bool, bool, str]:
    nelm = int(incar.get("NELM", DEFAULT_NELM))
    n_electronic = len(oszicar.electronic_steps[-1]) if oszicar.electronic_steps else 0
    electronic = n_electronic < nelm
    notes = []
    if not electronic:
        notes.append(
            f"electronic loop not converged: {n_electronic} steps reached NELM = {nelm} "
            f"(EDIFF = {incar.get('EDIFF', 1e-4)})"
        )
    nsw = int(incar.get("NSW", 0))
    ibrion = int(incar.get("IBRION", -1 if nsw in (0, 1) else 0))
    ionic = True
    if nsw > 1 and ibrion in (1, 2, 3) and len(oszicar.ionic_steps) >= nsw:
        ionic = False
        notes.append(f"ionic loop not converged: {len(oszicar.ionic_steps)} steps reached NSW")
    return electronic, ionic, "; ".join(notes)


def _read_with_outcar_oszicar(folder: VolumeFolder, recorder: _Recorder) -> VolumeReading:
    files = folder.files
    incar = _read_incar(files.get("INCAR"), recorder)
    outcar = None
    if "OUTCAR" in files:
        outcar = parse_outcar(recorder.text(files["OUTCAR"]), files["OUTCAR"])
    oszicar = _read_oszicar(files["OSZICAR"], recorder) if "OSZICAR" in files else None
    structure_path = files.get("CONTCAR") or files.get("POSCAR")
    if structure_path is None:
        raise InputError("no CONTCAR (or POSCAR) for the final structure", folder.path)
    structure = _read_structure(structure_path, recorder)
    if oszicar is not None:
        energy = float(oszicar.ionic_steps[-1]["E0"])
        total_moment = oszicar.ionic_steps[-1].get("mag")
        electronic, ionic, note = _convergence_from_oszicar(oszicar, incar)
    elif outcar is not None and outcar.energy_sigma0 is not None:
        energy = outcar.energy_sigma0
        total_moment = None
        electronic, ionic, note = True, True, ""
    else:
        raise InputError("no OSZICAR and no final energy in OUTCAR", folder.path)
    if total_moment is None and outcar is not None:
        total_moment = outcar.total_moment
    return _finish(folder, recorder, incar, outcar, structure, energy, total_moment,
                   electronic, ionic, note)


def _read_with_vasprun(folder: VolumeFolder, recorder: _Recorder) -> VolumeReading:
    from pymatgen.io.vasp.outputs import Vasprun

    path = folder.files["vasprun.xml"]
    recorder.hash_only(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            run = Vasprun(str(path), parse_dos=False, parse_eigen=False,
                          parse_projected_eigen=False, parse_potcar_file=False,
                          exception_on_bad_xml=True)
    except Exception as error:
        reason = f"cannot parse vasprun.xml ({type(error).__name__}: {error})"
        raise InputError(reason, path) from error
    incar = dict(run.parameters)
    incar.update(run.incar)
    if "ENCUT" not in incar and "ENMAX" in incar:
        incar["ENCUT"] = incar["ENMAX"]
    outcar = None
    if "OUTCAR" in folder.files:
        outcar = parse_outcar(recorder.text(folder.files["OUTCAR"]), folder.files["OUTCAR"])
    notes = []
    if not run.converged_electronic:
        notes.append("electronic loop not converged (vasprun.xml: NELM reached)")
    if not run.converged_ionic:
        notes.append("ionic loop not converged (vasprun.xml)")
    total_moment = outcar.total_moment if outcar else None
    if outcar is None and run.potcar_symbols:
        functional = _POTCAR_FUNCTIONALS.get(run.potcar_symbols[0].split()[0])
        outcar = OutcarSummary(None, functional, None, None, None, None)
    reading = _finish(folder, recorder, incar, outcar, run.final_structure, float(run.final_energy),
                      total_moment, bool(run.converged_electronic), bool(run.converged_ionic),
                      "; ".join(notes))
    settings = dict(reading.settings)
    if settings.get("vasp_version") is None:
        settings["vasp_version"] = run.vasp_version
    if "KPOINTS" not in folder.files and run.kpoints is not None and run.kpoints.kpts:
        style = getattr(run.kpoints.style, "name", str(run.kpoints.style))
        if style in ("Gamma", "Monkhorst"):
            settings["kpoints"] = [int(k) for k in run.kpoints.kpts[0]]
            settings["kpoints_style"] = style
    return _replace_settings(reading, settings)


def _replace_settings(reading: VolumeReading, settings: dict[str, Any]) -> VolumeReading:
    from dataclasses import replace

    return replace(reading, settings=settings)


def _finish(folder, recorder, incar, outcar, structure, energy, total_moment,
            electronic, ionic, note) -> VolumeReading:
    species = tuple(site.specie.symbol for site in structure)
    if not np.isfinite(energy):
        raise InputError("final energy is not a finite number", folder.path)
    if outcar is not None and outcar.natoms is not None and outcar.natoms != len(species):
        structure_file = folder.files.get("CONTCAR") or folder.files.get("vasprun.xml")
        raise InputError(
            f"has {len(species)} atoms but {folder.files['OUTCAR'].name} has {outcar.natoms} "
            "ions: files of different calculations",
            structure_file,
        )
    moments = outcar.site_moments if outcar is not None else None
    if moments is not None and moments.size != len(species):
        moments = None
    settings = _common_settings(incar, folder, recorder, outcar)
    initial = expand_magmom(incar.get("MAGMOM"), len(species))
    if settings["ispin"] == 1:  # not spin-polarised: non-magnetic by construction
        moments, total_moment, initial = np.zeros(len(species)), 0.0, None
    return VolumeReading(
        label=folder.name,
        volume=float(structure.volume),
        energy=float(energy),
        species=species,
        structure=structure,
        site_moments=moments,
        total_moment=None if total_moment is None else float(total_moment),
        initial_moments=initial,
        electronic_converged=bool(electronic),
        ionic_converged=bool(ionic),
        convergence_note=note,
        settings=settings,
        provenance=tuple(recorder.records),
        files=dict(folder.files),
    )


def read_structure_file(path: Path, root: Path):
    """A POSCAR/CONTCAR (any compression) as a pymatgen Structure, with its FileRecord."""
    recorder = _Recorder(root)
    structure = _read_structure(path, recorder)
    return structure, recorder.records[0]

"""Read the final stage of one VASP volume folder into a checked :class:`VolumeReading`.

What is read, in order of preference:

* energy (eV per cell, sigma -> 0): ``vasprun.xml`` final energy, else the ``E0`` of the last
  ionic step in ``OSZICAR``, else the last ``energy(sigma->0)`` of ``OUTCAR``. A finished
  OUTCAR beside the OSZICAR checks it: an OSZICAR cut short (fewer ionic steps, no ``E0``)
  gives way to the OUTCAR with a note; a final E0 that differs is another run's, an error;
* structure (volume, atoms, composition): ``vasprun.xml`` final structure, else ``CONTCAR``,
  else the final structure printed in ``OUTCAR`` (ase), else the stage's ``POSCAR``; a
  VASP 4 style file takes its elements from the run's OUTCAR or POTCAR, or its comment line
  (:mod:`zenthermo.io.vasp_structure`);
* site moments: the last ``magnetization (x)`` table of ``OUTCAR`` (column ``tot``); total
  moment: ``OSZICAR`` ``mag=``, else ``OUTCAR``. Measured moments are kept unless the
  files say the run was not spin-polarised;
* settings (:mod:`zenthermo.io.vasp_settings`): what the output files state (OUTCAR
  parameter block and INCAR echo, vasprun.xml parameters, OSZICAR's ``mag=`` column) wins;
  INCAR and KPOINTS fill in the rest; disagreements between files of one run are kept as
  conflicts for the set-level checks;
* convergence: ``vasprun.xml``'s own flags, else the electronic steps of the last ionic step
  (OSZICAR, else OUTCAR) against ``NELM``, and the ionic steps against ``NSW`` for
  relaxations.

Every file goes through :mod:`zenthermo.io.compressed` (compression by content, one
hasher). Libraries that open files themselves get a decompressed copy. Warnings of pymatgen
and ase become notes naming the file. Every failure raises
:class:`~zenthermo.errors.InputError` naming the file.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import FileContent, decode_text, plain_copy
from zenthermo.io.layout import VolumeFolder
from zenthermo.io.library_warnings import captured
from zenthermo.io.paths import relative_path
from zenthermo.io.vasp_outcar import _POTCAR_FUNCTIONALS, OutcarSummary, parse_outcar
from zenthermo.io.vasp_reading import Recorder, VolumeReading
from zenthermo.io.vasp_settings import (
    DEFAULT_ISPIN,
    DEFAULT_NELM,
    ResolvedTags,
    Statement,
    expand_magmom,
    normalise_tags,
    read_incar_text,
    resolve,
    settings_dict,
)
from zenthermo.io.vasp_structure import (
    element_groups,
    outcar_structure,
    parse_poscar,
    potcar_elements,
)

__all__ = ["DEFAULT_NELM", "VolumeReading", "expand_magmom", "read_structure_file",
           "read_volume", "relative_path"]


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
    recorder = Recorder(root)
    if "vasprun.xml" in folder.files:
        return _read_with_vasprun(folder, recorder)
    return _read_text_outputs(folder, recorder)


def _read_incar(path: Path | None, recorder: Recorder) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        text = recorder.text(path)
    except InputError as error:  # an input file: the output files still tell the settings
        recorder.notes.append(f"{path.name}: {error.reason}; settings taken from the output "
                              "files")
        return None
    return read_incar_text(text, path, recorder.notes)


def _read_outcar(path: Path | None, recorder: Recorder):
    if path is None:
        return None, None
    content = recorder.content(path)
    summary = parse_outcar(decode_text(content.data, path), path)
    recorder.notes += [f"{path.name}: {note}" for note in summary.notes]
    return summary, content


class _UnreadableOszicarError(InputError):
    """An OSZICAR that cannot be read at all (empty, binary, damaged, unparsable)."""


def _read_oszicar(path: Path, recorder: Recorder):
    from pymatgen.io.vasp.outputs import Oszicar

    try:
        content = recorder.content(path)
        decode_text(content.data, path)  # refuses empty and binary files, naming them
    except InputError as error:
        raise _UnreadableOszicarError(error.reason, path) from None
    try:
        with plain_copy(path, content, name="OSZICAR") as plain, \
                captured(recorder.notes, path.name, "pymatgen"):
            oszicar = Oszicar(str(plain))
    except Exception as error:  # noqa: BLE001 - pymatgen raises many kinds on a bad OSZICAR
        reason = f"cannot parse OSZICAR ({type(error).__name__}: {error})"
        raise _UnreadableOszicarError(reason, path) from error
    if not oszicar.ionic_steps or "E0" not in oszicar.ionic_steps[-1]:
        raise _UnreadableOszicarError("has no completed ionic step (no 'E0=' line): run did "
                                      "not finish", path)
    return oszicar


#: OSZICAR prints E0 with 8 significant digits; OUTCAR's energy(sigma->0) with more.
ENERGY_AGREEMENT_RTOL = 1e-6


def _oszicar_cut_short(oszicar: Any, outcar: OutcarSummary | None, path: Path) -> str | None:
    """Why an OSZICAR gives way to the finished OUTCAR of its stage, or None when they agree.

    A finished OUTCAR (it has its timing block) is complete: an OSZICAR with fewer ionic
    steps was cut short (a copy that stopped), and the reason is returned.

    Raises
    ------
    InputError
        The OSZICAR's final E0 differs from the OUTCAR's energy(sigma->0): another run's.
    """
    if outcar is None or outcar.energy_sigma0 is None:
        return None
    if outcar.ionic_steps is not None and len(oszicar.ionic_steps) < outcar.ionic_steps:
        return (f"holds {len(oszicar.ionic_steps)} ionic step(s) where the finished OUTCAR "
                f"has {outcar.ionic_steps}: it was cut short")
    e0 = float(oszicar.ionic_steps[-1]["E0"])
    if not math.isclose(e0, outcar.energy_sigma0, rel_tol=ENERGY_AGREEMENT_RTOL):
        raise InputError(f"its final E0 = {e0:.6f} eV differs from the OUTCAR's "
                         f"energy(sigma->0) = {outcar.energy_sigma0:.6f} eV: the two files are "
                         "from different runs", path)
    return None


def _outcar_statement(outcar: OutcarSummary | None, path: Path | None,
                      notes: list[str]) -> list[Statement]:
    if outcar is None or path is None:
        return []
    return [Statement(path, normalise_tags(outcar.parameters, path, notes))]


def _convergence(steps: int | None, ionic_steps: int | None,
                 tags: ResolvedTags) -> tuple[bool, bool, str]:
    """Electronic and ionic convergence from step counts against NELM and NSW."""
    nelm = int(tags.get("NELM", DEFAULT_NELM))
    notes = []
    electronic = steps is None or steps < nelm
    if not electronic:
        default = "" if "NELM" in tags.tags else " (VASP's default: no file states NELM)"
        notes.append(
            f"electronic loop not converged: {steps} steps reached NELM = {nelm}{default} "
            f"(EDIFF = {tags.get('EDIFF', 1e-4)})"
        )
    nsw = int(tags.get("NSW", 0))
    ibrion = int(tags.get("IBRION", -1 if nsw in (0, 1) else 0))
    ionic = True
    if nsw > 1 and ibrion in (1, 2, 3) and ionic_steps is not None and ionic_steps >= nsw:
        ionic = False
        notes.append(f"ionic loop not converged: {ionic_steps} steps reached NSW")
    return electronic, ionic, "; ".join(notes)


def _final_structure(folder: VolumeFolder, recorder: Recorder, outcar: OutcarSummary | None,
                     outcar_content: FileContent | None, hint: list[str] | None):
    files = folder.files
    contcar = files.get("CONTCAR")
    if contcar is not None:
        try:
            return parse_poscar(recorder.text(contcar), contcar, hint, recorder.notes), contcar
        except InputError as error:
            if outcar_content is None:
                raise
            recorder.notes.append(f"{contcar.name}: {error.reason}; final structure read "
                                  f"from {files['OUTCAR'].name}")
    if outcar_content is not None:
        path = files["OUTCAR"]
        return outcar_structure(path, outcar_content, recorder.notes), path
    poscar = files.get("POSCAR")
    if poscar is None:
        raise InputError("no CONTCAR (or POSCAR, or OUTCAR) for the final structure",
                         folder.path)
    return parse_poscar(recorder.text(poscar), poscar, hint, recorder.notes), poscar


def _species_hint(outcar: OutcarSummary | None, folder: VolumeFolder,
                  recorder: Recorder) -> list[str] | None:
    """Element of each species group of the run: its OUTCAR, else a POTCAR of the stage."""
    if outcar is not None and outcar.species is not None:
        return element_groups(outcar.species)[0]
    potcar = folder.files.get("POTCAR")
    if potcar is None:
        return None
    try:
        return potcar_elements(recorder.text(potcar)) or None
    except InputError as error:
        recorder.notes.append(f"{potcar.name}: {error.reason}")
        return None


def _read_text_outputs(folder: VolumeFolder, recorder: Recorder) -> VolumeReading:
    files = folder.files
    incar = _read_incar(files.get("INCAR"), recorder)
    outcar, outcar_content = _read_outcar(files.get("OUTCAR"), recorder)
    oszicar = None
    if "OSZICAR" in files:
        try:
            oszicar = _read_oszicar(files["OSZICAR"], recorder)
            if cut := _oszicar_cut_short(oszicar, outcar, files["OSZICAR"]):
                raise _UnreadableOszicarError(cut, files["OSZICAR"])
        except _UnreadableOszicarError as error:  # the OUTCAR holds all it would give
            if outcar is None or outcar.energy_sigma0 is None:
                raise InputError(error.reason, error.path) from None
            oszicar = None
            recorder.notes.append(f"{files['OSZICAR'].name}: {error.reason}; energy read "
                                  f"from {files['OUTCAR'].name}")
    statements = _outcar_statement(outcar, files.get("OUTCAR"), recorder.notes)
    if oszicar is not None:  # OSZICAR prints mag= exactly when the run is spin-polarised
        spin = 2 if "mag" in oszicar.ionic_steps[-1] else 1
        statements.append(Statement(files["OSZICAR"], {"ISPIN": spin}))
    if incar is not None:
        statements.append(Statement(files["INCAR"], incar))
    tags = resolve(statements)
    hint = _species_hint(outcar, folder, recorder)
    structure, structure_path = _final_structure(folder, recorder, outcar, outcar_content, hint)
    if oszicar is not None:
        energy = float(oszicar.ionic_steps[-1]["E0"])
        energy_file = files["OSZICAR"]
        total_moment = oszicar.ionic_steps[-1].get("mag")
        steps = len(oszicar.electronic_steps[-1]) if oszicar.electronic_steps else 0
        convergence = _convergence(steps, len(oszicar.ionic_steps), tags)
    elif outcar is not None and outcar.energy_sigma0 is not None:
        energy, energy_file, total_moment = outcar.energy_sigma0, files["OUTCAR"], None
        convergence = _convergence(outcar.electronic_steps, outcar.ionic_steps, tags)
    else:
        raise InputError("no OSZICAR and no readable final energy in the OUTCAR",
                         files.get("OUTCAR", folder.path))
    if total_moment is None and outcar is not None:
        total_moment = outcar.total_moment
    return _finish(folder, recorder, tags, outcar, structure, structure_path, energy,
                   energy_file, total_moment, convergence)


def _read_with_vasprun(folder: VolumeFolder, recorder: Recorder) -> VolumeReading:
    from pymatgen.io.vasp.outputs import Vasprun

    path = folder.files["vasprun.xml"]
    content = recorder.content(path)
    try:
        with plain_copy(path, content, name="vasprun.xml") as plain, \
                captured(recorder.notes, path.name, "pymatgen"):
            run = Vasprun(str(plain), parse_dos=False, parse_eigen=False,
                          parse_projected_eigen=False, parse_potcar_file=False,
                          exception_on_bad_xml=True)
    except Exception as error:  # noqa: BLE001 - pymatgen raises many kinds on bad XML
        reason = f"cannot parse vasprun.xml ({type(error).__name__}: {error})"
        raise InputError(reason, path) from error
    outcar, _ = _read_outcar(folder.files.get("OUTCAR"), recorder)
    statements = _outcar_statement(outcar, folder.files.get("OUTCAR"), recorder.notes)
    statements.append(Statement(path, normalise_tags(run.parameters, path, recorder.notes)))
    statements.append(Statement(path, normalise_tags(run.incar, path, recorder.notes)))
    notes = []
    if not run.converged_electronic:
        notes.append("electronic loop not converged (vasprun.xml: NELM reached)")
    if not run.converged_ionic:
        notes.append("ionic loop not converged (vasprun.xml)")
    total_moment = outcar.total_moment if outcar else None
    if outcar is None and run.potcar_symbols:
        functional = _POTCAR_FUNCTIONALS.get(run.potcar_symbols[0].split()[0])
        outcar = OutcarSummary(None, functional, None, None, None, None)
    kpoints = None
    if run.kpoints is not None and run.kpoints.kpts:
        style = getattr(run.kpoints.style, "name", str(run.kpoints.style))
        if style in ("Gamma", "Monkhorst"):
            kpoints = ([int(k) for k in run.kpoints.kpts[0]], style)
    convergence = (bool(run.converged_electronic), bool(run.converged_ionic), "; ".join(notes))
    return _finish(folder, recorder, resolve(statements), outcar, run.final_structure, path,
                   float(run.final_energy), path, total_moment, convergence,
                   vasp_version=run.vasp_version, run_kpoints=kpoints)


def _finish(folder, recorder, tags: ResolvedTags, outcar, structure, structure_path,
            energy, energy_file, total_moment, convergence, vasp_version=None,
            run_kpoints=None) -> VolumeReading:
    species = tuple(site.specie.symbol for site in structure)
    if not np.isfinite(energy):
        raise InputError("final energy is not a finite number", energy_file)
    if outcar is not None and outcar.natoms is not None and outcar.natoms != len(species):
        raise InputError(
            f"has {len(species)} atoms but {folder.files['OUTCAR'].name} has {outcar.natoms} "
            "ions: files of different calculations",
            structure_path,
        )
    if outcar is not None and outcar.species is not None and outcar.species != species:
        raise InputError(
            f"lists the sites as {_order(species)} but {folder.files['OUTCAR'].name} of the "
            f"same run has {_order(outcar.species)}: species swapped, or files of different "
            "calculations", structure_path,
        )
    moments = outcar.site_moments if outcar is not None else None
    if moments is not None and moments.size != len(species):
        moments = None
    settings, setting_files, conflicts = settings_dict(tags, folder, recorder, outcar,
                                                       vasp_version, run_kpoints)
    initial = expand_magmom(tags.get("MAGMOM"), len(species))
    if tags.get("ISPIN", DEFAULT_ISPIN) == 1:  # stated by the files: not spin-polarised
        moments, total_moment, initial = np.zeros(len(species)), 0.0, None
    electronic, ionic, note = convergence
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
        notes=tuple(recorder.notes) + tags.notes,
        conflicts=tags.conflicts + conflicts,
        setting_files=setting_files,
        energy_file=energy_file,
        structure_file=structure_path,
    )


def _order(species: tuple[str, ...]) -> str:
    names, counts = element_groups(species)
    return " ".join(f"{n}{c}" for n, c in zip(names, counts, strict=True))


def read_structure_file(path: Path, root: Path, element_hint: list[str] | None = None):
    """A POSCAR/CONTCAR (any compression) as a pymatgen Structure, with its FileRecord.

    ``element_hint`` names the species groups when the file is VASP 4 style (see
    :func:`zenthermo.io.vasp_structure.parse_poscar`).
    """
    recorder = Recorder(root)
    structure = parse_poscar(recorder.text(path), path, element_hint, recorder.notes)
    return structure, recorder.records[0]

"""phonopy-qha inputs (``e-v.dat`` + one ``thermal_properties.yaml`` per volume) as a SourceSet.

The files are paired with the e-v.dat rows in the numeric order of their suffix
(``thermal_properties.yaml-5`` ... ``--1``, ``-0``, ``-05``; or of their folder, ``vol_-1/``),
whatever order they are given in: the shell hands ``thermal_properties.yaml-*`` over as
``--1 --2 ... -0 -1`` (see :func:`numeric_order`). Only when some file has no number is the
order given kept, as phonopy-qha keeps it. Where phonopy wrote the volume into a yaml, or a
``POSCAR-<suffix>`` lies beside ``thermal_properties.yaml-<suffix>``, the pairing is checked
against the e-v.dat volumes (:mod:`zenthermo.io.qha_pairing`: e-v.dat rows in another order
are re-paired by volume, any other contradiction is an error). File parsing is in
:mod:`zenthermo.io.phonopy_files`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import file_record, read_text, strip_compression_suffix
from zenthermo.io.energy_outliers import energy_outliers
from zenthermo.io.layout import yaml_stem
from zenthermo.io.paths import relative_path
from zenthermo.io.phonon_order import zero_point_rises
from zenthermo.io.phonopy_files import (
    GAMMA_ACOUSTIC_MODES,
    TEMPERATURE_MATCH_ATOL,
    ThermalPropertiesFile,
    load_thermal_properties,
    read_energy_volume,
)
from zenthermo.io.qha_pairing import QHA_HINT, VolumeWitness, ev_rows_of_files
from zenthermo.io.vasp_structure import parse_poscar, potcar_elements
from zenthermo.progress import SILENT, Progress
from zenthermo.sources import Exclusion, FileRecord, Source, SourceSet, VolumePoint


@dataclass(frozen=True)
class _Structure:
    composition: dict[str, int]
    natoms: int
    volume: float
    record: FileRecord
    notes: tuple[str, ...] = ()
    extra: tuple[FileRecord, ...] = ()


_NUMBER_AFTER_SEPARATOR = re.compile(r"(?:^|[_.\-])(-?\d+)$")
_TRAILING_DIGITS = re.compile(r"(\d+)$")


def _number_in(text: str) -> int | None:
    """The integer that ends ``text``: ``-1`` in ``-1`` or ``vol_-1``, 5 in ``05`` or ``vol5``."""
    match = _NUMBER_AFTER_SEPARATOR.search(text) or _TRAILING_DIGITS.search(text)
    return None if match is None else int(match.group(1))


def _yaml_number(path: Path) -> int | None:
    base, _ = _strip_compression(path.name)
    stem = "thermal_properties.yaml"
    if base.startswith(stem) and len(base) > len(stem) + 1:
        return _number_in(base[len(stem) + 1:])
    if base == stem:
        return _number_in(path.parent.name)
    other = yaml_stem(base)  # tp-3.yaml, tp_10.yml
    return None if other is None else _number_in(other)


def numeric_order(yaml_paths: Sequence[Path]) -> list[Path]:
    """The thermal_properties files in the numeric order of their suffix (or folder).

    ``thermal_properties.yaml--1`` is -1, ``-05`` is 5, ``vol_3/thermal_properties.yaml`` is 3,
    ``tp_10.yaml`` is 10 (``tp--1.yaml`` is -1).
    If some file has no number the order given is kept (phonopy-qha's own rule).

    Raises
    ------
    InputError
        Two files with the same number (``-5`` and ``-05``), naming both.
    """
    paths = list(yaml_paths)
    seen: dict[int, Path] = {}
    for path in paths:
        number = _yaml_number(path)
        if number is None:
            return paths
        if number in seen:
            raise InputError(f"has the same number ({number}) as {seen[number]}: which e-v.dat "
                             "row it belongs to is ambiguous", path, QHA_HINT)
        seen[number] = path
    return [seen[n] for n in sorted(seen)]


def _strip_compression(name: str) -> tuple[str, str]:
    base = strip_compression_suffix(name)
    return base, name[len(base):]


def _find_file(folder: Path, name: str) -> Path | None:
    """``folder/name``, or the same name with a compression suffix (plain preferred)."""
    try:
        found = sorted(p for p in folder.iterdir()
                       if strip_compression_suffix(p.name) == name and p.is_file())
    except OSError:
        return None
    return min(found, key=lambda p: (p.name != name, p.name), default=None)


def _paired_structure_files(yaml_paths: list[Path]) -> list[Path | None]:
    """The POSCAR of each volume: ``POSCAR-3`` beside ``thermal_properties.yaml-3``, or
    ``vol_3/POSCAR`` beside ``vol_3/thermal_properties.yaml`` (one folder per volume)."""
    one_folder_each = len({p.resolve().parent for p in yaml_paths}) == len(yaml_paths)
    stem = "thermal_properties.yaml"
    paired: list[Path | None] = []
    for path in yaml_paths:
        base, _ = _strip_compression(path.name)
        suffix = base[len(stem):] if base.startswith(stem) else ""
        if suffix:
            paired.append(_find_file(path.parent, f"POSCAR{suffix}"))
        else:
            paired.append(_find_file(path.parent, "POSCAR") if one_folder_each else None)
    return paired


def _reference_structure_file(folder: Path) -> Path | None:
    """A POSCAR beside e-v.dat that tells the composition (not paired with a volume)."""
    plain = _find_file(folder, "POSCAR")
    if plain is not None:
        return plain
    candidates = sorted(p for p in folder.glob("POSCAR*") if p.is_file())
    return candidates[0] if candidates else None


def _read_structure(path: Path, root: Path) -> _Structure:
    """A POSCAR beside the phonopy files; a VASP 4 style one takes its elements from a
    POTCAR beside it or from its comment line (never the dummy H, He, ... of pymatgen)."""
    text, digest = read_text(path)
    notes: list[str] = []
    extra: tuple[FileRecord, ...]
    hint, extra = None, ()
    potcar = _find_file(path.parent, "POTCAR")
    if potcar is not None:
        try:
            potcar_text, potcar_digest = read_text(potcar)
        except InputError as error:
            notes.append(f"{potcar.name}: {error.reason}; not used")
        else:
            hint = potcar_elements(potcar_text) or None
            extra = (FileRecord(relative_path(potcar, root), potcar_digest),)
    structure = parse_poscar(text, path, hint, notes)
    composition = {
        str(el): int(round(n)) for el, n in structure.composition.get_el_amt_dict().items()
    }
    return _Structure(composition, len(structure), float(structure.volume),
                      FileRecord(relative_path(path, root), digest), tuple(notes), extra)


def _structure_notes(structures: list[_Structure | None]) -> list[str]:
    """Each distinct note once, with the files it concerns (11 POSCARs say the same)."""
    files: dict[str, list[str]] = {}
    for structure in structures:
        for note in structure.notes if structure is not None else ():
            name, _, message = note.partition(": ")
            files.setdefault(message, []).append(name)
    return [f"{', '.join(dict.fromkeys(names))}: {message}" for message, names in files.items()]


def _declared_volume(tp: ThermalPropertiesFile,
                     structure: _Structure | None) -> VolumeWitness | None:
    """phonopy's own ``volume`` key first (it is inside the file), else the paired POSCAR."""
    if tp.volume is not None:
        return VolumeWitness(tp.volume, None)
    return None if structure is None else VolumeWitness(structure.volume,
                                                        structure.record.path)


def _point_labels(yaml_paths: list[Path]) -> list[str]:
    for labels in ([p.name for p in yaml_paths], [p.parent.name for p in yaml_paths]):
        if len(set(labels)) == len(labels) and all(labels):
            return labels
    return [f"#{i}" for i in range(len(yaml_paths))]


def _check_distinct_files(files: list[ThermalPropertiesFile], paths: list[Path]) -> None:
    """Two volumes paired with one and the same phonon file (a copy, a link) is an error."""
    first: dict[str, Path] = {}
    for tp, path in zip(files, paths, strict=True):
        digest = tp.grid.provenance[0].sha256
        if digest in first:
            raise InputError(f"has the same content as {first[digest]} (SHA-256): two volumes "
                             "cannot have the same phonons", path, QHA_HINT)
        first[digest] = path


def _check_same_temperatures(files: list[ThermalPropertiesFile], paths: list[Path]) -> None:
    reference = files[0].grid.temperatures
    for tp, path in zip(files[1:], paths[1:], strict=True):
        temperatures = tp.grid.temperatures
        if temperatures.shape != reference.shape or not np.allclose(
            temperatures, reference, rtol=0.0, atol=TEMPERATURE_MATCH_ATOL
        ):
            raise InputError(
                f"its temperature grid ({temperatures[0]:g}-{temperatures[-1]:g} K, "
                f"{len(temperatures)} points) differs from that of {paths[0]} "
                f"({reference[0]:g}-{reference[-1]:g} K, {len(reference)} points)", path,
                "phonopy-qha requires the same temperature range and step in every "
                "thermal_properties.yaml: run phonopy -t with the same TMIN/TMAX/TSTEP",
            )


def _cell_size(files: list[ThermalPropertiesFile], paths: list[Path],
               structures: list[_Structure | None]) -> int:
    natoms = {tp.natom for tp in files if tp.natom is not None}
    if len(natoms) > 1:
        detail = ", ".join(f"{p.name}: {tp.natom}" for tp, p in zip(files, paths, strict=True))
        raise InputError(f"the files disagree on natom ({detail})", paths[0],
                         "all volumes must be the same cell")
    known = [s for s in structures if s is not None]
    if natoms:
        natom = natoms.pop()
        for structure in known:
            if structure.natoms != natom:
                raise InputError(
                    f"the structure has {structure.natoms} atoms but phonopy's values are per "
                    f"cell of natom = {natom} atoms", structure.record.path,
                    "e-v.dat and thermal_properties.yaml must refer to the same cell",
                )
        return natom
    if known:
        return known[0].natoms
    raise InputError("no 'natom' key and no POSCAR beside the files: the cell size is unknown",
                     paths[0], "put the POSCAR of the cell beside the files")


def read_phonopy_qha(
    ev_path: str | os.PathLike[str],
    yaml_paths: Sequence[str | os.PathLike[str]],
    name: str | None = None,
    *,
    magnetic_order: str = "NM",
    multiplicity: float | None = None,
    composition: dict[str, int] | None = None,
    exclude_imaginary: bool = True,
    progress: Progress | None = None,
) -> SourceSet:
    """Read the inputs of ``phonopy-qha e-v.dat tp-1.yaml tp-2.yaml ...`` as one source.

    Parameters
    ----------
    ev_path
        ``e-v.dat``: volume (A^3) and static energy (eV) per cell, one row per volume.
    yaml_paths
        One ``thermal_properties.yaml`` per e-v.dat row, in any order: paired in the numeric
        order of their suffix or folder (:func:`numeric_order`; the order given where a
        file has no number). All must share one temperature grid.
    name
        Source name; default the folder of ``ev_path`` (``"phonopy-qha"`` if it has none).
    magnetic_order
        Recorded magnetic order (default ``"NM"``).
    multiplicity
        g of the source; default 1 with origin ``"default"``, else origin ``"manifest"``.
    composition
        Element -> atoms per cell, overriding what a ``POSCAR`` beside the files says.
    exclude_imaginary
        Leave out (with the reason in ``Source.excluded``) volumes with imaginary modes
        beyond the three Gamma acoustic ones; otherwise keep them and warn.
    progress
        Progress reporter (default silent).

    Returns
    -------
    SourceSet
        One source, points sorted by volume, each with its vibrational grid (eV per cell)
        and the path and SHA-256 of every file read.

    Raises
    ------
    InputError
        Count mismatch between e-v.dat rows and yaml files, different temperature grids,
        a yaml ``volume`` or a paired POSCAR that contradicts its e-v.dat row, two files
        with the same number, cell sizes that disagree, every
        volume unstable, or any unreadable file (each error names the file).
    """
    progress = SILENT if progress is None else progress
    ev = Path(ev_path)
    paths = numeric_order([Path(p) for p in yaml_paths])
    volumes, energies = read_energy_volume(ev)
    if len(paths) != len(volumes):
        raise InputError(
            f"{len(volumes)} volume rows in e-v.dat but {len(paths)} thermal_properties.yaml "
            f"file(s) given ({', '.join(str(p) for p in paths) or 'none'})", ev, QHA_HINT,
        )
    root = Path(os.path.commonpath([p.resolve().parent for p in [ev, *paths]]))
    ev_record = file_record(ev, relative_path(ev, root))

    files: list[ThermalPropertiesFile] = []
    structures: list[_Structure | None] = []
    with progress.stage("Reading thermal_properties.yaml", total=len(paths)) as advance:
        for path, structure_path in zip(paths, _paired_structure_files(paths), strict=True):
            files.append(load_thermal_properties(path, relative_path(path, root)))
            structures.append(
                None if structure_path is None else _read_structure(structure_path, root)
            )
            advance()
    _check_same_temperatures(files, paths)
    _check_distinct_files(files, paths)
    reference: _Structure | None = None
    if all(s is None for s in structures):
        reference_path = _reference_structure_file(ev.parent)
        if reference_path is not None:
            reference = _read_structure(reference_path, root)
    natoms = _cell_size(files, paths, [*structures, reference])

    warnings: list[str] = []
    witnesses = [_declared_volume(tp, structure)
                 for tp, structure in zip(files, structures, strict=True)]
    labels = _point_labels(paths)
    rows, repaired = ev_rows_of_files(volumes, witnesses,
                                      [tp.grid.free_energy[0] for tp in files],
                                      labels, paths, ev)
    volumes, energies = volumes[rows], energies[rows]
    if repaired:
        warnings.append(repaired)

    known = next((s for s in [*structures, reference] if s is not None), None)
    if composition is not None:
        cell_composition = {str(k): int(v) for k, v in composition.items()}
        if sum(cell_composition.values()) != natoms:
            raise InputError(f"composition {cell_composition} does not have {natoms} atoms",
                             ev)
    elif known is not None:
        cell_composition = dict(known.composition)
    else:
        cell_composition = {"X": natoms}
        warnings.append("composition unknown (no POSCAR beside the thermal_properties.yaml "
                        f"files): recorded as {natoms} atoms of 'X'; pass composition=")
    if any(tp.grid.imaginary_modes is None for tp in files):
        warnings.append("some files lack num_modes/num_integrated_modes (older phonopy): "
                        "imaginary modes could not be checked there")

    points: list[VolumePoint] = []
    excluded: list[Exclusion] = []
    for index, label in enumerate(labels):
        tp, structure = files[index], structures[index]
        imaginary = tp.grid.imaginary_modes
        if imaginary is not None and imaginary > GAMMA_ACOUSTIC_MODES:
            reason = (f"phonons unstable at this volume: {imaginary} of {tp.grid.num_modes} "
                      "modes are imaginary (left out of phonopy's integration)")
            if exclude_imaginary:
                excluded.append(Exclusion(label, tp.grid.provenance[0].path, reason,
                                          float(volumes[index])))
                continue
            warnings.append(f"{label}: {reason}; kept because exclude_imaginary=False")
        provenance = [ev_record, *tp.grid.provenance]
        if (cell := structure or reference) is not None:
            provenance += [cell.record, *cell.extra]
        points.append(VolumePoint(
            label=label, volume=float(volumes[index]), energy=float(energies[index]),
            natoms=natoms, composition=dict(cell_composition), vibrations=tp.grid,
            provenance=tuple(provenance),
        ))
    points = _without_energy_outliers(points, volumes, ev_record.path, excluded)
    if not points:
        raise InputError("every volume has imaginary phonon modes: nothing left to use", ev,
                         "check the phonon calculations, or pass exclude_imaginary=False")
    phonons = [(p.volume, grid.free_energy[0], p.label)
               for p in points if (grid := p.vibrations) is not None]
    if any(tp.volume is None for tp in files) and phonons:
        phonon_volumes, zero_points, phonon_labels = zip(*phonons, strict=True)
        if rise := zero_point_rises(phonon_volumes, zero_points, phonon_labels,
                                    structures_beside=any(structures)):
            warnings.append(rise)
    warnings += _structure_notes([*structures, reference])

    source_name = name or ev.resolve().parent.name or "phonopy-qha"
    source = Source(
        name=source_name, multiplicity=1.0 if multiplicity is None else float(multiplicity),
        multiplicity_origin="default" if multiplicity is None else "manifest",
        magnetic_order=magnetic_order, natoms=natoms, composition=cell_composition,
        points=tuple(points), excluded=tuple(excluded), warnings=tuple(warnings),
    )
    from zenthermo import __version__

    metadata = {
        "zenthermo_version": __version__,
        "reader": "phonopy-qha",
        "files": {"e-v": ev_record.path,
                  "thermal_properties": [tp.grid.provenance[0].path for tp in files]},
        "options": {"exclude_imaginary": exclude_imaginary, "magnetic_order": magnetic_order},
    }
    return SourceSet(sources=(source,), root=str(root), metadata=metadata)


def _without_energy_outliers(points: list[VolumePoint], volumes: np.ndarray, ev_name: str,
                             excluded: list[Exclusion]) -> list[VolumePoint]:
    """Points less those whose e-v.dat energy is an outlier (excluded with the row named)."""
    if not points:
        return points
    outliers = energy_outliers([p.volume for p in points], [p.energy for p in points],
                               points[0].natoms)
    for index, reason in outliers.items():
        point = points[index]
        row = int(np.flatnonzero(volumes == point.volume)[0]) + 1
        excluded.append(Exclusion(point.label, f"{ev_name} row {row}",
                                  f"{ev_name} row {row} (V = {point.volume:g} A^3): {reason}",
                                  point.volume))
    return [p for i, p in enumerate(points) if i not in outliers]

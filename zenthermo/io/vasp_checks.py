"""Cross-checks of a VASP configuration set during ingestion (see :mod:`zenthermo.io.ingest`).

Composition and atom count across the set, calculation settings across the set, and the
choice of the ideal cell whose space group gives the multiplicity.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io import layout
from zenthermo.io.manifest import ConfigurationEntry
from zenthermo.io.vasp import VolumeReading, read_structure_file, relative_path
from zenthermo.magnetism import structure_permutations
from zenthermo.sources import Exclusion, Source, VolumePoint

_SETTING_FILES = {"encut": "INCAR", "functional": "INCAR", "kpoints": "KPOINTS",
                  "kpoints_style": "KPOINTS"}


@dataclass
class Configuration:
    """One configuration folder while it is being read and checked."""

    name: str
    folder: Path
    root: Path
    entry: ConfigurationEntry | None
    readings: list[tuple[layout.VolumeFolder, VolumeReading]]
    excluded: list[Exclusion]
    warnings: list[str]


def relative(path: Path | str | None, root: Path) -> str:
    if path is None:
        return ""
    return relative_path(Path(path), root)


def _formula(composition: dict[str, int]) -> str:
    return "".join(f"{element}{count}" for element, count in composition.items())


def exclude_foreign_compositions(configurations: list[Configuration]) -> None:
    signatures = Counter(
        tuple(sorted(r.composition.items()))
        for c in configurations for _, r in c.readings
    )
    if not signatures:
        return
    reference = dict(signatures.most_common(1)[0][0])
    natoms = sum(reference.values())
    for configuration in configurations:
        kept = []
        for folder, reading in configuration.readings:
            if reading.composition == reference:
                kept.append((folder, reading))
                continue
            structure_file = reading.files.get("CONTCAR") or reading.files.get("vasprun.xml")
            configuration.excluded.append(
                Exclusion(
                    f"{configuration.name}/{reading.label}",
                    relative(structure_file, configuration.root),
                    f"{relative(structure_file, configuration.root)} has {reading.natoms} atoms "
                    f"({_formula(reading.composition)}) but the rest of the set has {natoms} "
                    f"({_formula(reference)})",
                    reading.volume,
                )
            )
        configuration.readings = kept


def check_settings(configurations: list[Configuration], sources: list[Source],
                    allow_mixed: bool) -> list[str]:
    """Raise (or warn) when kept volumes differ in ENCUT, functional or k-mesh."""
    located = []
    for configuration, source in zip(configurations, sources, strict=True):
        files = {r.label: r.files for _, r in configuration.readings}
        for point in source.points:
            located.append((configuration, point, files.get(point.label, {})))
    messages = []
    for key, kind in _SETTING_FILES.items():
        values = Counter(repr(p.settings.get(key)) for _, p, _ in located)
        if len(values) <= 1:
            continue
        common = values.most_common(1)[0][0]
        reference = next(x for x in located if repr(x[1].settings.get(key)) == common)
        other = next(x for x in located if repr(x[1].settings.get(key)) != common)
        ref_file = reference[2].get(kind) or reference[2].get("vasprun.xml")
        other_file = other[2].get(kind) or other[2].get("vasprun.xml")
        message = (
            f"mixed calculation settings: {key} = {other[1].settings.get(key)} here but "
            f"{reference[1].settings.get(key)} in {ref_file} "
            f"({values[common]} of {len(located)} volumes)"
        )
        if not allow_mixed:
            raise InputError(message, other_file,
                             hint="use consistent settings, or pass --allow-mixed-settings")
        messages.append(f"{other_file}: {message}")
    return messages


def reference_moments(reference: np.ndarray | None, points: list[VolumePoint]):
    """Final moments of the first kept point with exactly the reference pattern."""
    if reference is None:
        return None
    for point in points:
        if point.site_moments is None:
            continue
        signs = np.sign(point.site_moments).astype(np.int8)
        if np.array_equal(signs[reference != 0], reference[reference != 0]):
            return np.asarray(point.site_moments, dtype=np.float64)
    return reference.astype(np.float64)


def symmetry_permutations(configuration: Configuration, readings: list[VolumeReading],
                          symprec: float, override: Path | None, records: dict[str, str]):
    """Site permutations of the ideal cell's space group, and warnings.

    The cell is, in order: the manifest's ``structure``, a POSCAR in the configuration
    folder, the earliest-stage POSCAR of the first volume folder, else (with a warning,
    since relaxation can lower the symmetry and inflate g) the first final structure.
    """
    if not readings:
        return None, []
    species = readings[0].species
    candidates = [override] if override is not None else []
    candidates.append(layout.find_file(configuration.folder, "POSCAR"))
    first_folder = configuration.readings[0][0].path if configuration.readings else None
    if first_folder is not None:
        candidates.append(layout.earliest_stage_file(first_folder, "POSCAR"))
    warnings = []
    for path in candidates:
        if path is None:
            continue
        structure, record = read_structure_file(path, configuration.root)
        if tuple(site.specie.symbol for site in structure) != species:
            warnings.append(f"{record.path}: other atoms or order than the volumes; not used "
                            "for symmetry")
            continue
        try:
            permutations = structure_permutations(structure, symprec)
        except ValueError as error:
            warnings.append(f"{record.path}: symmetry not found ({error})")
            continue
        records[configuration.name] = f"{record.path} sha256:{record.sha256}"
        return permutations, warnings
    warnings.append(
        "no POSCAR of the ideal cell found; symmetry from the relaxed structure of "
        f"{readings[0].label}, which may be lower and overcount the multiplicity "
        "(give it in the manifest)"
    )
    try:
        return structure_permutations(readings[0].structure, symprec), warnings
    except ValueError as error:
        warnings.append(f"symmetry not found ({error})")
        return None, warnings

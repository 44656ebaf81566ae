"""Cross-checks of a VASP configuration set during ingestion (see :mod:`zenthermo.io.ingest`).

Composition and atom count across the set, the species and order of every structure against
the configuration's POSCAR, calculation settings (within each run, across the set, ISPIN
within each configuration), and the choice of the ideal cell whose space group gives the
multiplicity.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io import layout
from zenthermo.io.energy_outliers import energy_outliers
from zenthermo.io.library_warnings import captured
from zenthermo.io.manifest import ConfigurationEntry
from zenthermo.io.paths import relative_path
from zenthermo.io.vasp import VolumeReading, read_structure_file
from zenthermo.io.vasp_structure import element_groups
from zenthermo.magnetism import structure_permutations
from zenthermo.sources import Exclusion, Source, VolumePoint

#: Settings compared across the whole set, and within each configuration only.
_SET_KEYS = ("encut", "functional", "kpoints", "kpoints_style")
_CONFIGURATION_KEYS = ("ispin",)


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
    #: The folder given or found, when the volume folders sit one level deeper in ``folder``.
    outer: Path | None = None


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
            structure_file = relative_path(reading.structure_file or reading.files.get("CONTCAR"),
                                           configuration.root)
            configuration.excluded.append(
                Exclusion(
                    f"{configuration.name}/{reading.label}",
                    structure_file,
                    f"{structure_file} has {reading.natoms} atoms "
                    f"({_formula(reading.composition)}) but the rest of the set has {natoms} "
                    f"({_formula(reference)})",
                    reading.volume,
                )
            )
        configuration.readings = kept


def _show(value: Any) -> str:
    return " ".join(str(v) for v in value) if isinstance(value, list) else str(value)


def _mixed(message: str, path: Path | None, allow_mixed: bool, messages: list[str]) -> None:
    if not allow_mixed:
        raise InputError(message, path,
                         hint="use consistent settings, or pass --allow-mixed-settings")
    messages.append(f"{path}: {message}")


def _compare(located: list[tuple[VolumePoint, dict[str, Path]]], key: str, scope: str,
             allow_mixed: bool, messages: list[str]) -> None:
    """Raise (or note) when the points state different values of ``key`` (None: unknown)."""
    known = [x for x in located if x[0].settings.get(key) is not None]
    values = Counter(repr(p.settings.get(key)) for p, _ in known)
    if len(values) <= 1:
        return
    common = values.most_common(1)[0][0]
    reference = next(x for x in known if repr(x[0].settings.get(key)) == common)
    other = next(x for x in known if repr(x[0].settings.get(key)) != common)
    message = (
        f"mixed calculation settings: {key} = {other[0].settings.get(key)} here but "
        f"{reference[0].settings.get(key)} in {reference[1].get(key)} "
        f"({values[common]} of {len(known)} volumes{scope})"
    )
    _mixed(message, other[1].get(key), allow_mixed, messages)


def check_settings(configurations: list[Configuration], sources: list[Source],
                   allow_mixed: bool) -> list[str]:
    """Raise (or warn, with ``allow_mixed``) on mixed settings among the kept volumes.

    * files of one run that disagree (an INCAR whose ENCUT is not what the OUTCAR says the
      run used, a KPOINTS mesh that is not the one VASP generated);
    * ENCUT, functional or k-mesh that differ among the volumes of the whole set;
    * ISPIN that differs among the volumes of one configuration (a non-magnetic
      configuration may well be computed without spin polarisation, its neighbours not).

    A setting that no file states (None) differs from nothing.
    """
    messages: list[str] = []
    located: list[tuple[VolumePoint, dict[str, Path]]] = []
    for configuration, source in zip(configurations, sources, strict=True):
        readings = {r.label: r for _, r in configuration.readings}
        mine = []
        for point in source.points:
            reading = readings.get(point.label)
            for conflict in reading.conflicts if reading is not None else ():
                message = (
                    f"mixed calculation settings: {conflict.key} = {_show(conflict.value)} in "
                    f"{conflict.path.name} but {_show(conflict.winning_value)} in "
                    f"{conflict.winning_path.name} of the same run"
                )
                _mixed(message, conflict.path, allow_mixed, messages)
            mine.append((point, reading.setting_files if reading is not None else {}))
        for key in _CONFIGURATION_KEYS:
            _compare(mine, key, f" of {configuration.name}", allow_mixed, messages)
        located += mine
    for key in _SET_KEYS:
        _compare(located, key, "", allow_mixed, messages)
    return messages


def reference_order(configuration: Configuration) -> tuple[tuple[str, ...] | None, str, list[str]]:
    """Species of every site of the configuration's cell, against which volumes are checked.

    The manifest's ``structure``, else a POSCAR in the configuration folder, else the most
    common order among the volumes. A POSCAR that fewer volumes follow than some other
    order is not the cell of these volumes: it is set aside with a warning. Returns
    (order, what it comes from, warnings).
    """
    warnings: list[str] = []
    orders = Counter(r.species for _, r in configuration.readings)
    if not orders:
        return None, "", warnings
    majority, most = orders.most_common(1)[0]
    hint = element_groups(majority)[0]
    override = configuration.entry.structure if configuration.entry else None
    for path in (override, layout.find_file(configuration.folder, "POSCAR")):
        if path is None:
            continue
        try:
            structure, record = read_structure_file(path, configuration.root, hint)
        except InputError as error:
            warnings.append(f"{relative_path(path, configuration.root)}: {error.reason}; not used")
            continue
        order = tuple(site.specie.symbol for site in structure)
        if orders[order] >= most:
            return order, record.path, warnings
        warnings.append(f"{record.path}: other atoms or order than most volumes "
                        f"({_formula_of(order)} against {_formula_of(majority)}); not used")
    return majority, "most of the volumes", warnings


def _formula_of(order: tuple[str, ...]) -> str:
    names, counts = element_groups(order)
    return " ".join(f"{n}{c}" for n, c in zip(names, counts, strict=True))


def exclude_other_site_order(configuration: Configuration) -> None:
    """Exclude volumes whose structure lists the sites with other species or in another
    order than the configuration's POSCAR (a CONTCAR with swapped species would give the
    moments to the wrong atoms and change the symmetry, hence the multiplicity)."""
    order, origin, warnings = reference_order(configuration)
    configuration.warnings += warnings
    if order is None:
        return
    kept = []
    for folder, reading in configuration.readings:
        if reading.species == order:
            kept.append((folder, reading))
            continue
        path = relative_path(reading.structure_file or folder.path, configuration.root)
        configuration.excluded.append(Exclusion(
            f"{configuration.name}/{reading.label}", path,
            f"lists the sites as {_formula_of(reading.species)} but {origin} has "
            f"{_formula_of(order)}: species swapped or reordered, or another cell",
            reading.volume,
        ))
    configuration.readings = kept


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
    candidates: list[Path | None] = [override] if override is not None else []
    candidates.append(layout.find_file(configuration.folder, "POSCAR"))
    if configuration.outer is not None:
        candidates.append(layout.find_file(configuration.outer, "POSCAR"))
    first_folder = configuration.readings[0][0].path if configuration.readings else None
    if first_folder is not None and not first_folder.is_dir():  # rows of a database
        first_folder = None
    if first_folder is not None:
        candidates.append(layout.earliest_stage_file(first_folder, "POSCAR"))
    warnings: list[str] = []
    hint = element_groups(species)[0]
    for path in candidates:
        if path is None:
            continue
        try:
            structure, record = read_structure_file(path, configuration.root, hint)
        except InputError as error:
            warnings.append(f"{relative_path(path, configuration.root)}: {error.reason}; not used "
                            "for symmetry")
            continue
        if tuple(site.specie.symbol for site in structure) != species:
            warnings.append(f"{record.path}: other atoms or order than the volumes; not used "
                            "for symmetry")
            continue
        try:
            with captured(warnings, record.path, "spglib"):
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
        with captured(warnings, readings[0].label, "spglib"):
            return structure_permutations(readings[0].structure, symprec), warnings
    except ValueError as error:
        warnings.append(f"symmetry not found ({error})")
        return None, warnings


def exclude_energy_outliers(configuration: Configuration, points: list[VolumePoint],
                            readings: list[VolumeReading]) -> list[VolumePoint]:
    """The points less the energy outliers of E(V) (see :mod:`zenthermo.io.energy_outliers`),
    which are excluded naming the file the energy came from."""
    if not points:
        return points
    outliers = energy_outliers([p.volume for p in points], [p.energy for p in points],
                               points[0].natoms)
    files = {r.label: r.energy_file for r in readings}
    for index, reason in outliers.items():
        point = points[index]
        path = relative_path(files.get(point.label), configuration.root)
        configuration.excluded.append(Exclusion(f"{configuration.name}/{point.label}", path,
                                                reason, point.volume))
    return [p for i, p in enumerate(points) if i not in outliers]

"""Ingestion: result folders (VASP, phonopy) -> one checked :class:`~zenthermo.sources.SourceSet`.

:func:`ingest` is the single entry point:

* phonopy-qha inputs (an ``e-v.dat``-style file plus ``thermal_properties.yaml*`` files, or
  one folder holding them) go to :func:`zenthermo.io.phonopy_files.read_phonopy_qha`;
* an ASE database (``results.db``) goes to :func:`zenthermo.io.ase_db.read_ase_db`, whose
  rows go through the same checks;
* a VASP results tree (one folder per configuration, one folder per volume in each, see
  :mod:`zenthermo.io.layout`), or configuration folders given directly, are read with
  :mod:`zenthermo.io.vasp`. A ``thermal_properties.yaml`` in a volume folder becomes that
  point's phonon grid; electronic DOS, phonon DOS and force constants in the volume folders
  or in separate calculation folders (DFTTK's ``elec_<i>``, ``phonon_<i>``,
  ``YPHON_results``) are attached by volume (:mod:`zenthermo.io.dfttk`).

Checks and what they do (recoverable problems become ``excluded`` entries with a reason;
problems that leave no usable data set raise :class:`~zenthermo.errors.InputError`):

* unreadable, truncated or foreign files, an electronic (NELM reached) or ionic loop not
  converged, phonons with imaginary modes, volumes excluded by the manifest: the volume is
  excluded;
* a volume with another number of atoms or composition than the rest of the set, or whose
  structure lists the sites with other species or in another order than the configuration's
  POSCAR (or its OUTCAR): excluded, naming its structure file;
* an energy far off the smooth E(V) of the other volumes (a typo, another calculation's
  energy; see :mod:`zenthermo.io.energy_outliers`): excluded, naming its energy file;
* a volume whose final spin pattern is not symmetry-equivalent to the configuration's
  pattern (a spin flip, see :mod:`zenthermo.magnetism`): excluded unless
  ``keep_spin_flips``;
* fewer than ``min_volumes`` (5) kept volumes in a source: error naming its folder;
* different ENCUT, functional or k-mesh among kept volumes, different ISPIN within a
  configuration, or files of one run that disagree on them (an INCAR edited after the run):
  error naming two files that differ, unless ``allow_mixed_settings`` (then a warning).
* notes made while reading (a damaged INCAR/KPOINTS/CONTCAR/OSZICAR replaced by what the
  OUTCAR states, overflowed fields, library warnings) become warnings of the source.

The configuration's spin pattern: the signs of the stage's INCAR MAGMOM on the sites that
end up magnetic (majority over volumes, compared up to symmetry), else the majority of the
final patterns. Its multiplicity is the size of that pattern's orbit under the space group
of the ideal cell with global spin reversal, unless the manifest gives it.
"""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io import accounting, layout
from zenthermo.io.ase_db import is_ase_db
from zenthermo.io.configurations import find_configurations
from zenthermo.io.dfttk import attach_configuration_data
from zenthermo.io.manifest import MANIFEST_NAME, Manifest, read_manifest
from zenthermo.io.paths import relative_path
from zenthermo.io.qha_electronic import attach_fe_v, refuse_fe_v, split_fe_v
from zenthermo.io.vasp import VolumeReading, read_volume
from zenthermo.io.vasp_checks import (
    Configuration,
    check_settings,
    exclude_energy_outliers,
    exclude_foreign_compositions,
    exclude_other_site_order,
    reference_moments,
    symmetry_permutations,
)
from zenthermo.magnetism import (
    DEFAULT_MOMENT_THRESHOLD,
    DEFAULT_SYMPREC,
    analyze_patterns,
)
from zenthermo.progress import SILENT
from zenthermo.sources import Exclusion, Source, SourceSet, VolumePoint

DEFAULT_MIN_VOLUMES = 5


def ingest(
    *paths: str | os.PathLike[str],
    manifest: str | os.PathLike[str] | None = None,
    allow_mixed_settings: bool = False,
    keep_spin_flips: bool = False,
    moment_threshold: float = DEFAULT_MOMENT_THRESHOLD,
    symprec: float = DEFAULT_SYMPREC,
    min_volumes: int = DEFAULT_MIN_VOLUMES,
    progress=None,
    allow_relaxation_energy: bool = False,
    merge_duplicates: bool = False,
) -> SourceSet:
    """Read result folders into a checked :class:`SourceSet` (see module docstring).

    Parameters
    ----------
    *paths
        A results tree, configuration folders, or phonopy-qha input files.
    manifest
        A ``zenthermo.toml`` (see :mod:`zenthermo.io.manifest`); default: the one at the
        root of a single given folder, if there is one.
    allow_mixed_settings
        Accept different ENCUT/functional/k-mesh among volumes (with a warning).
    keep_spin_flips
        Keep volumes whose final spin pattern left the configuration's orbit (with a
        warning) instead of excluding them.
    moment_threshold
        Site moment (mu_B) below which a site is non-magnetic; the manifest may override.
    symprec
        Symmetry tolerance (Angstrom) for the multiplicity.
    min_volumes
        Fewest kept volumes per source.
    progress
        A :class:`zenthermo.progress.Progress`; silent by default.
    allow_relaxation_energy
        Use the last relaxation stage's energy of a volume folder without a final static
        stage (with a warning); by default such a volume is excluded with the reason.
    merge_duplicates
        Count a configuration that duplicates another (same files or same energies at the
        same volumes) once, with a warning; by default a duplicate is an error.

    Raises
    ------
    InputError
        Naming the file or folder at fault when no valid set can be built.
    """
    progress = progress or SILENT
    if not paths:
        raise InputError("no input path given")
    given = [Path(p) for p in paths]
    for path in given:
        if not path.exists():
            raise InputError("does not exist", path)
    if len(given) == 1 and is_ase_db(given[0]):
        from zenthermo.io.ase_db import read_ase_db

        return read_ase_db(given[0], allow_mixed_settings=allow_mixed_settings,
                           keep_spin_flips=keep_spin_flips, moment_threshold=moment_threshold,
                           symprec=symprec, min_volumes=min_volumes, progress=progress)
    named = list(given)
    given, fe_v = split_fe_v(given)
    qha = layout.phonopy_qha_inputs(given)
    if qha is not None:
        from zenthermo.io.phonopy_files import read_phonopy_qha

        result = read_phonopy_qha(qha[0], qha[1])
        return result if fe_v is None else attach_fe_v(result, fe_v, qha[0])
    if fe_v is not None and fe_v in named:
        refuse_fe_v(fe_v)
    parsed_manifest = _find_manifest(given, manifest)
    threshold = moment_threshold
    if parsed_manifest is not None:
        threshold = parsed_manifest.moment_threshold or threshold
        symprec = parsed_manifest.symprec or symprec
        min_volumes = parsed_manifest.min_volumes or min_volumes
        allow_relaxation_energy |= parsed_manifest.allow_relaxation_energy
        merge_duplicates |= parsed_manifest.merge_duplicates
    set_excluded: list[Exclusion] = []
    set_warnings: list[str] = []
    configurations = find_configurations(given, parsed_manifest, set_excluded, set_warnings)
    total = sum(len(layout.subfolders(c.folder)) for c in configurations)
    with progress.stage("reading VASP volume folders", total=total) as advance:
        for configuration in configurations:
            _read_configuration(configuration, advance, allow_relaxation_energy)
            accounting.exclude_repeated_volumes(configuration)
    configurations, merged, notes = accounting.remove_duplicate_configurations(
        configurations, merge_duplicates)
    set_excluded += merged
    set_warnings += notes
    sources, checked, symmetry_structures = checked_sources(
        configurations, threshold, symprec, keep_spin_flips, min_volumes,
        allow_mixed_settings, progress)
    set_warnings += checked
    if fe_v is not None:
        set_warnings.append(f"{fe_v.name}: phonopy-qha's electronic free energies, not used "
                            "with VASP results (put the electronic DOS in the volume folders)")
    metadata: dict[str, Any] = {
        "reader": "vasp",
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "ingest_options": {
            "allow_mixed_settings": bool(allow_mixed_settings),
            "keep_spin_flips": bool(keep_spin_flips),
            "moment_threshold": float(threshold),
            "symprec": float(symprec),
            "min_volumes": int(min_volumes),
            "allow_relaxation_energy": bool(allow_relaxation_energy),
            "merge_duplicates": bool(merge_duplicates),
            "manifest": None if parsed_manifest is None else parsed_manifest.path.name,
        },
        "symmetry_structures": symmetry_structures,
    }
    from zenthermo import __version__

    metadata["zenthermo_version"] = __version__
    return SourceSet(
        sources=tuple(sources),
        root=" ".join(os.fspath(p) for p in paths),
        excluded=tuple(set_excluded),
        warnings=tuple(set_warnings),
        metadata=metadata,
    )


def checked_sources(configurations: list[Configuration], threshold: float, symprec: float,
                    keep_spin_flips: bool, min_volumes: int, allow_mixed_settings: bool,
                    progress, attach_data: bool = True
                    ) -> tuple[list[Source], list[str], dict[str, str]]:
    """The checks of the module docstring on configurations whose readings are in.

    Shared by the VASP folders and other readers that build
    :class:`~zenthermo.io.vasp_checks.Configuration` objects (:mod:`zenthermo.io.ase_db`).
    ``attach_data``: attach the electronic and phonon data of the configuration folders
    (:mod:`zenthermo.io.dfttk`). Returns (sources, set warnings, symmetry structures).
    """
    set_warnings: list[str] = []
    exclude_foreign_compositions(configurations)
    for configuration in configurations:
        exclude_other_site_order(configuration)
    sources = []
    symmetry_structures: dict[str, str] = {}
    with progress.stage("spin patterns and multiplicities", total=len(configurations)) as advance:
        for configuration in configurations:
            source = _build_source(configuration, threshold, symprec, keep_spin_flips,
                                   min_volumes, symmetry_structures)
            if attach_data:
                source = attach_configuration_data(configuration.folder, configuration.root,
                                                   configuration.name, source)
            sources.append(source)
            advance()
    set_warnings += check_settings(configurations, sources, allow_mixed_settings)
    for source in sources:
        set_warnings += [f"{source.name}: {w}" for w in source.warnings]
    return sources, set_warnings, symmetry_structures


def _find_manifest(given: list[Path], manifest) -> Manifest | None:
    if manifest is not None:
        return read_manifest(manifest)
    if len(given) == 1 and given[0].is_dir() and (given[0] / MANIFEST_NAME).is_file():
        return read_manifest(given[0] / MANIFEST_NAME)
    return None


def _read_configuration(configuration: Configuration, advance,
                        allow_relaxation_energy: bool = False) -> None:
    exclude = configuration.entry.exclude if configuration.entry else {}
    root = configuration.root
    for sub in layout.subfolders(configuration.folder):
        advance()
        item = f"{configuration.name}/{sub.name}"
        if sub.name in exclude:
            configuration.excluded.append(
                Exclusion(item, relative_path(sub, root),
                          f"excluded by the manifest: {exclude[sub.name]}")
            )
            continue
        try:
            folder = layout.volume_folder(sub)
            if folder is None and len(deeper := [d for d in layout.subfolders(sub)
                                                 if layout.has_results(d)]) == 1:
                found = layout.volume_folder(deeper[0])
                folder = None if found is None else replace(found, path=sub)  # named by sub
                configuration.warnings.append(
                    f"{sub.name}: its results sit one level deeper, in {deeper[0].name}/: "
                    "read from there")
            if folder is None:
                configuration.excluded.append(
                    Exclusion(item, relative_path(sub, root), accounting.no_output_reason(sub)))
                continue
            relaxation = accounting.relaxation_only(folder)
            if relaxation is not None and not allow_relaxation_energy:
                energy_file = next(folder.files[k] for k in layout.ENERGY_KINDS
                                   if k in folder.files)
                configuration.excluded.append(Exclusion(
                    item, relative_path(energy_file, root),
                    f"{relaxation}: not used (--allow-relaxation-energy uses it)"))
                continue
            if relaxation is not None:
                configuration.warnings.append(
                    f"{sub.name}: {relaxation}: its energy is used (allow_relaxation_energy)")
            reading = read_volume(folder, root)
        except InputError as error:
            configuration.excluded.append(
                Exclusion(item, relative_path(error.path, root), error.reason)
            )
            continue
        configuration.warnings += [f"{sub.name}: {note}" for note in reading.notes]
        if not (reading.electronic_converged and reading.ionic_converged):
            configuration.excluded.append(
                Exclusion(item, relative_path(folder.files.get("OSZICAR", sub), root),
                          reading.convergence_note or "not converged", reading.volume)
            )
            continue
        configuration.readings.append((folder, reading))
    unknown = set(exclude) - {sub.name for sub in layout.subfolders(configuration.folder)}
    if unknown:
        configuration.warnings.append(
            f"manifest excludes unknown volume folder(s): {', '.join(sorted(unknown))}"
        )


def _attach_phonons(configuration: Configuration) -> list[tuple[VolumeReading, Any]]:
    attached = []
    for folder, reading in configuration.readings:
        grid = None
        if folder.phonons is not None:
            from zenthermo.io.phonopy_files import read_thermal_properties

            try:
                grid = read_thermal_properties(folder.phonons)
            except InputError as error:
                configuration.excluded.append(
                    Exclusion(f"{configuration.name}/{reading.label}",
                              relative_path(error.path or folder.phonons, configuration.root),
                              error.reason, reading.volume)
                )
                continue
            if (grid.imaginary_modes or 0) > 0:
                configuration.excluded.append(
                    Exclusion(f"{configuration.name}/{reading.label}",
                              relative_path(folder.phonons, configuration.root),
                              f"phonons have {grid.imaginary_modes} imaginary mode(s)",
                              reading.volume)
                )
                continue
        attached.append((reading, grid))
    return attached


def _build_source(configuration: Configuration, threshold: float, symprec: float,
                  keep_spin_flips: bool, min_volumes: int,
                  symmetry_structures: dict[str, str]) -> Source:
    entry = configuration.entry
    if entry is not None and entry.moment_threshold is not None:
        threshold = entry.moment_threshold
    attached = _attach_phonons(configuration)
    readings = [r for r, _ in attached]
    permutations, structure_warnings = symmetry_permutations(
        configuration, readings, symprec, entry.structure if entry else None, symmetry_structures
    )
    configuration.warnings += structure_warnings
    analysis = analyze_patterns(
        [r.site_moments for r in readings],
        [r.initial_moments for r in readings],
        readings[0].species if readings else (),
        permutations,
        threshold,
    )
    flips = {readings[i].label: reason for i, reason in analysis.flips.items()}
    configuration.warnings += [
        f"{readings[i].label}: {note}" for i, note in analysis.crossings.items()
    ]
    if readings and analysis.reference is None:
        configuration.warnings.append(
            "no site moments (no OUTCAR magnetization table): spin flips not checked"
        )
    points = []
    for reading, grid in attached:
        flip = flips.get(reading.label)
        if flip is not None:
            item = f"{configuration.name}/{reading.label}"
            outcar = relative_path(reading.files.get("OUTCAR"), configuration.root)
            if not keep_spin_flips:
                configuration.excluded.append(Exclusion(item, outcar, flip, reading.volume))
                continue
            configuration.warnings.append(f"kept despite spin flip: {reading.label}: {flip}")
        points.append(_volume_point(reading, grid))
    points = exclude_energy_outliers(configuration, points, readings)
    if len(points) < min_volumes:
        folder_name = (configuration.outer or configuration.folder).name
        reasons = "; ".join(f"{e.item.split('/')[-1]}: {e.path}: {e.reason}"
                            for e in configuration.excluded[:3])
        raise InputError(
            f"only {len(points)} usable volume folder(s) in configuration "
            f"'{configuration.name}', at least {min_volumes} are needed for an equation of state",
            configuration.folder,
            hint=(f"excluded: {reasons}" if reasons else "add volume folders with VASP results")
            + f"; or leave it out: exclude = [\"{folder_name}\"] in the manifest",
        )
    with_phonons = sum(p.vibrations is not None for p in points)
    if 0 < with_phonons < len(points):
        configuration.warnings.append(
            f"phonons for only {with_phonons} of {len(points)} volumes; the rest have none"
        )
    multiplicity: float | None
    multiplicity, origin = analysis.multiplicity, "symmetry"
    if multiplicity is None:
        multiplicity, origin = 1, "default"
        configuration.warnings.append(
            "multiplicity not computed (no moments or no symmetry); 1 used"
        )
    if entry is not None and entry.multiplicity is not None:
        multiplicity, origin = entry.multiplicity, "manifest"
    first = points[0]
    return Source(
        name=configuration.name,
        label=(entry.label if entry and entry.label else configuration.name),
        multiplicity=float(multiplicity),
        multiplicity_origin=origin,
        magnetic_order=analysis.order,
        natoms=first.natoms,
        composition=dict(first.composition),
        points=tuple(points),
        excluded=tuple(configuration.excluded),
        warnings=tuple(configuration.warnings),
        reference_moments=reference_moments(analysis.reference, points),
    )


def _volume_point(reading: VolumeReading, grid) -> VolumePoint:
    return VolumePoint(
        label=reading.label,
        volume=reading.volume,
        energy=reading.energy,
        natoms=reading.natoms,
        composition=reading.composition,
        site_moments=None if reading.site_moments is None else np.asarray(reading.site_moments),
        total_moment=reading.total_moment,
        electronic_converged=reading.electronic_converged,
        ionic_converged=reading.ionic_converged,
        settings=dict(reading.settings),
        vibrations=grid,
        provenance=reading.provenance,
    )



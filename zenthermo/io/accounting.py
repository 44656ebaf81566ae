"""Accounting at ingestion: every volume folder is either read or reported with its reason,
and nothing is counted twice (which folders are configurations:
:mod:`zenthermo.io.configurations`).

* Stages: a volume folder without a final static stage is not silently read from a
  relaxation stage (:func:`relaxation_only`).
* Repeated volumes in one configuration (a copied folder, a symbolic link, a twin a hair's
  breadth away in volume with the same energy): the later one (in natural order) is
  excluded naming the first; two different energies at one volume are an error
  (:func:`exclude_repeated_volumes`).
* Duplicate configurations (the energy files of one, by SHA-256, all among those of the
  other, or the same energies at the same volumes): an error naming both folders, or, when
  asked, the later one is left out with a warning (:func:`remove_duplicate_configurations`).
  Two configurations that share only some energy files (a volume copied from one into the
  other) are an error naming the folders.

Two volumes are "the same" within :data:`VOLUME_RTOL` (relative), two energies within
:data:`ENERGY_ATOL` eV.
"""

from __future__ import annotations

import math
from pathlib import Path

from zenthermo.errors import InputError
from zenthermo.io import layout
from zenthermo.io.compressed import file_sha256
from zenthermo.io.paths import relative_path
from zenthermo.io.vasp_checks import Configuration
from zenthermo.io.vasp_reading import VolumeReading
from zenthermo.sources import Exclusion

__all__ = [
    "ENERGY_ATOL",
    "VOLUME_RTOL",
    "exclude_repeated_volumes",
    "no_output_reason",
    "relaxation_only",
    "remove_duplicate_configurations",
]

#: Relative tolerance within which two cell volumes count as one volume.
VOLUME_RTOL = 1e-6
#: Absolute tolerance (eV per cell) within which two energies count as the same.
ENERGY_ATOL = 1e-6


# ----------------------------------------------------------------------------- stages


def no_output_reason(folder: Path) -> str:
    """Why a volume folder gives no energy: no output at all, or runs not finished."""
    reason = "no VASP output (OSZICAR, OUTCAR or vasprun.xml)"
    deeper = [sub.name for sub in layout.subfolders(folder) if layout.has_results(sub)]
    if len(deeper) > 1:
        return (f"{reason} in it, but in {len(deeper)} folders one level deeper "
                f"({', '.join(deeper[:4])}): ambiguous, not read; give them as volume folders")
    stages = sorted(layout.stage_tags(folder), key=layout.stage_rank)
    if stages:
        named = ", ".join(f"'{s}'" if s else "unsuffixed" for s in stages)
        reason += f": the run(s) {named} hold inputs only (not finished?)"
    return reason


def relaxation_only(folder: layout.VolumeFolder) -> str | None:
    """Why the chosen stage of ``folder`` is not a final static run (None when it is one:
    a stage tagged ``static`` or unsuffixed files)."""
    if layout.stage_rank(folder.stage)[0] > 0:
        return None
    others = sorted(s for s in layout.stage_tags(folder.path) if s != folder.stage)
    unfinished = [f"the static stage '{s}'" if s else "the unsuffixed run"
                  for s in others if layout.stage_rank(s)[0] > 0]
    missing = (f"{unfinished[-1]} has no OSZICAR, OUTCAR or vasprun.xml (not finished?)"
               if unfinished else "no final static stage")
    return f"{missing}; only the relaxation stage '{folder.stage}' has an energy"


# ----------------------------------------------------------------------------- repeats


def _same_volume(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=VOLUME_RTOL)


def _digest(reading: VolumeReading, root: Path) -> str | None:
    """SHA-256 of the file the energy was read from: as recorded while reading it, else
    hashed now."""
    if reading.energy_file is None:
        return None
    recorded = relative_path(reading.energy_file, root)
    for record in reading.provenance:
        if record.path == recorded:
            return record.sha256
    try:
        return file_sha256(reading.energy_file)
    except InputError:
        return None


def _signatures(configuration: Configuration) -> list[str | None]:
    return [_digest(reading, configuration.root) for _, reading in configuration.readings]


def exclude_repeated_volumes(configuration: Configuration) -> None:
    """Exclude volume folders that repeat an earlier one of the same configuration.

    Raises
    ------
    InputError
        Two folders at the same volume with different energies, naming both.
    """
    kept: list[tuple[layout.VolumeFolder, VolumeReading, str | None]] = []
    for (folder, reading), digest in zip(configuration.readings, _signatures(configuration),
                                         strict=True):
        repeat = None
        for first, first_reading, first_digest in kept:
            if folder.path.resolve() == first.path.resolve():
                repeat = f"is a link to {first.name}"
            elif digest is not None and digest == first_digest:
                repeat = f"its {getattr(reading.energy_file, 'name', 'energy file')} has the " \
                    "same content"
            elif _same_volume(reading.volume, first_reading.volume):
                if abs(reading.energy - first_reading.energy) > ENERGY_ATOL:
                    raise InputError(
                        f"{folder.name} and {first.name} are at the same volume "
                        f"({reading.volume:.6g} A^3) with energies {reading.energy:.6f} and "
                        f"{first_reading.energy:.6f} eV: two calculations of one volume",
                        configuration.folder,
                        "remove one, or exclude it in the manifest with the reason")
                repeat = "same energy at the same volume"
            if repeat is not None:
                configuration.excluded.append(Exclusion(
                    f"{configuration.name}/{folder.name}",
                    relative_path(folder.path, configuration.root),
                    f"repeats {first.name} ({repeat}): counted once", reading.volume))
                break
        if repeat is None:
            kept.append((folder, reading, digest))
    configuration.readings[:] = [(f, r) for f, r, _ in kept]


# ----------------------------------------------------------------------------- duplicates


def _duplicate_reason(a: Configuration, b: Configuration,
                      digests: dict[str, list[str | None]]) -> str | None:
    """Why ``b`` duplicates ``a`` (None if it does not); InputError if they share a file."""
    da = {d for d in digests[a.name] if d is not None}
    db = {d for d in digests[b.name] if d is not None}
    if da and db and (da <= db or db <= da):
        return ("the same energy files (SHA-256)" if da == db else
                f"all {min(len(da), len(db))} energy files of one are in the other (SHA-256)")
    shared = da & db
    if shared:
        pairs = [
            f"{fa.name} and {fb.name}"
            for (fa, _), ha in zip(a.readings, digests[a.name], strict=True)
            for (fb, _), hb in zip(b.readings, digests[b.name], strict=True)
            if ha == hb and ha in shared
        ]
        raise InputError(
            f"configurations '{a.name}' ({relative_path(a.folder, a.root)}) and '{b.name}' "
            f"({relative_path(b.folder, b.root)}) share {len(shared)} energy file(s) with the "
            f"same content ({'; '.join(pairs[:3])}): a volume copied between them",
            b.folder, "remove the copied volume folders")
    points_a = [(r.volume, r.energy) for _, r in a.readings]
    points_b = [(r.volume, r.energy) for _, r in b.readings]
    fewer, more = sorted((points_a, points_b), key=len)
    if len(fewer) >= 2 and all(
        any(_same_volume(v, w) and abs(e - f) <= ENERGY_ATOL for w, f in more)
        for v, e in fewer
    ):
        return "the same energies at the same volumes"
    return None


def remove_duplicate_configurations(
    configurations: list[Configuration], merge: bool
) -> tuple[list[Configuration], list[Exclusion], list[str]]:
    """Configurations less duplicates of an earlier one, with exclusions and warnings.

    Raises
    ------
    InputError
        A duplicate when ``merge`` is False (naming both folders), or two configurations
        that share some energy files.
    """
    digests = {c.name: _signatures(c) for c in configurations}
    kept: list[Configuration] = []
    excluded: list[Exclusion] = []
    warnings: list[str] = []
    for configuration in configurations:
        original, reason = None, None
        for earlier in kept:
            reason = _duplicate_reason(earlier, configuration, digests)
            if reason is not None:
                original = earlier
                break
        if original is None:
            kept.append(configuration)
            continue
        copy = relative_path(configuration.folder, configuration.root)
        where = (f"'{configuration.name}' ({copy}) duplicates '{original.name}' "
                 f"({relative_path(original.folder, original.root)}): {reason}")
        if not merge:
            raise InputError(f"{where}; it would be counted twice", configuration.folder,
                             "remove the copy, leave it out (manifest: exclude = "
                             f"[\"{configuration.name}\"]), or pass --merge-duplicates")
        excluded.append(Exclusion(configuration.name,
                                  relative_path(configuration.folder, configuration.root),
                                  f"duplicate of {original.name} ({reason}): merged, "
                                  "counted once"))
        warnings.append(f"{where}: merged, counted once (--merge-duplicates)")
    return kept, excluded, warnings

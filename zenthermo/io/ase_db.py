"""ASE databases (``ase.db``, SQLite ``.db``): one row per structure, rows grouped into sources.

Each row is one calculation of one configuration at one volume:

* the structure (cell, species, positions) and its energy (``row.energy``, eV per cell; for
  VASP, ASE's OUTCAR reader stores the sigma -> 0 energy there);
* the final magnetic moments of the sites (``magmoms``, from the calculator results) and/or
  the initial ones (``initial_magmoms``), mu_B; the total ``magmom`` if stored;
* key-value pairs: ``config=`` (required: the configuration the row belongs to),
  ``multiplicity=`` (optional g of that configuration; else from symmetry),
  ``ideal=True`` (the row is the configuration's ideal cell, as a POSCAR in a configuration
  folder: its symmetry gives the multiplicity; no energy needed, not a volume point),
  ``volume_index=`` (optional, names the point ``vol_<index>``), ``label=`` (optional point
  name), and the settings ``encut``, ``functional``, ``ispin`` where given.

The rows of one configuration go through the same checks as VASP volume folders
(:func:`zenthermo.io.ingest.checked_sources`): atom count and composition across the set,
site order, spin flips against the configuration's spin pattern, energy outliers, the
fewest volumes; the multiplicity from the symmetry of the ideal cell (the ``ideal=True``
row, else the first row's relaxed structure, with a warning) unless ``multiplicity=`` gives
it. A row that cannot be used (no energy, no ``config=``, no atoms) is reported by its id,
the rest kept.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_bytes as _read_bytes
from zenthermo.io.layout import VolumeFolder
from zenthermo.io.manifest import ConfigurationEntry
from zenthermo.io.vasp_checks import Configuration
from zenthermo.io.vasp_reading import VolumeReading
from zenthermo.magnetism import DEFAULT_MOMENT_THRESHOLD, DEFAULT_SYMPREC
from zenthermo.progress import SILENT
from zenthermo.sources import Exclusion, FileRecord, SourceSet

_SQLITE_MAGIC = b"SQLite format 3\x00"
_SETTING_KEYS = ("encut", "functional", "ispin")


def is_ase_db(path: Path) -> bool:
    """True for an SQLite file named ``*.db`` (ASE's database format)."""
    if not (path.is_file() and path.suffix.lower() == ".db"):
        return False
    try:
        with open(path, "rb") as handle:
            return handle.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except OSError:
        return False


def read_ase_db(path: str | os.PathLike[str], *, allow_mixed_settings: bool = False,
                keep_spin_flips: bool = False,
                moment_threshold: float = DEFAULT_MOMENT_THRESHOLD,
                symprec: float = DEFAULT_SYMPREC, min_volumes: int = 5,
                progress=None) -> SourceSet:
    """Read an ASE database into a checked :class:`SourceSet` (see the module docstring).

    Raises
    ------
    InputError
        Naming the file: not an ASE database, no usable row, or a configuration with fewer
        than ``min_volumes`` usable rows.
    """
    from zenthermo.io.ingest import checked_sources

    db_path = Path(path)
    digest = _read_bytes(db_path)[1]
    rows = _rows(db_path)
    excluded: list[Exclusion] = []
    grouped: dict[str, list[tuple[VolumeFolder, VolumeReading]]] = {}
    multiplicities: dict[str, list[float]] = {}
    ideal: dict[str, Any] = {}
    for row in rows:
        item = f"row {row.id}"
        config = row.key_value_pairs.get("config")
        if config is not None and row.key_value_pairs.get("ideal"):
            ideal[str(config)] = row
            continue
        reading, reason = _reading(row, db_path, digest)
        if config is None:
            reason = reason or "no config= key naming its configuration"
        if reason or reading is None:
            excluded.append(Exclusion(item, f"{db_path.name}#{row.id}",
                                      f"{item}{_named(config)}: {reason}; not used"))
            continue
        grouped.setdefault(str(config), []).append(
            (VolumeFolder(path=db_path, stage=""), reading))
        if "multiplicity" in row.key_value_pairs:
            multiplicities.setdefault(str(config), []).append(
                float(row.key_value_pairs["multiplicity"]))
    if not grouped:
        reasons = "; ".join(e.reason for e in excluded[:3])
        raise InputError("holds no usable rows (structure, energy and config= key)", db_path,
                         hint=reasons or "write rows with db.write(atoms, config='name')")
    with tempfile.TemporaryDirectory() as scratch:
        configurations = [
            Configuration(name, db_path, db_path.parent,
                          _ideal_entry(name, db_path, ideal.get(name), Path(scratch)),
                          readings, [], [])
            for name, readings in sorted(grouped.items())]
        sources, set_warnings, symmetry = checked_sources(
            configurations, moment_threshold, symprec, keep_spin_flips, min_volumes,
            allow_mixed_settings, progress or SILENT, attach_data=False)
    for name in symmetry:
        if name in ideal:
            symmetry[name] = f"{db_path.name}#{ideal[name].id} sha256:{digest}"
    sources = [_with_multiplicity(s, multiplicities.get(s.name), set_warnings)
               for s in sources]
    from zenthermo import __version__

    metadata: dict[str, Any] = {
        "reader": "ase-db", "zenthermo_version": __version__,
        "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "ingest_options": {"allow_mixed_settings": bool(allow_mixed_settings),
                           "keep_spin_flips": bool(keep_spin_flips),
                           "moment_threshold": float(moment_threshold),
                           "symprec": float(symprec), "min_volumes": int(min_volumes)},
        "symmetry_structures": symmetry,
    }
    warnings = [f"{e.reason}" for e in excluded] + set_warnings
    return SourceSet(sources=tuple(sources), root=os.fspath(path), excluded=tuple(excluded),
                     warnings=tuple(warnings), metadata=metadata)


def _rows(path: Path) -> list:
    from ase.db import connect

    try:
        with connect(os.fspath(path), type="db") as db:
            return list(db.select())
    except Exception as error:  # noqa: BLE001 - sqlite3 and ase raise many kinds
        raise InputError(f"cannot read it as an ASE database ({error})", path,
                         "write it with ase.db.connect('results.db').write(atoms, config=...)"
                         ) from error


def _ideal_entry(name: str, db_path: Path, row, scratch: Path) -> ConfigurationEntry | None:
    """The row marked ``ideal=True`` as the configuration's ideal cell (for its symmetry and
    site order), written as a POSCAR for the checks that read one."""
    if row is None:
        return None
    import ase.io

    path = scratch / f"POSCAR-{len(list(scratch.iterdir()))}"
    ase.io.write(path, row.toatoms(), format="vasp", direct=True, sort=False)
    return ConfigurationEntry(name=name, path=db_path, structure=path)


def _named(config) -> str:
    return "" if config is None else f" (config={config})"


def _reading(row, path: Path, digest: str) -> tuple[VolumeReading | None, str]:
    """The row as a :class:`VolumeReading`, or (None, why it cannot be used)."""
    energy = row.get("energy")
    if energy is None or not np.isfinite(float(energy)):
        return None, "no energy"
    if row.natoms == 0:
        return None, "no atoms"
    try:
        atoms = row.toatoms()
        from pymatgen.io.ase import AseAtomsAdaptor

        bare = atoms.copy()
        bare.calc = None
        for name in ("initial_magmoms", "initial_charges"):
            if name in bare.arrays:
                del bare.arrays[name]
        structure = AseAtomsAdaptor.get_structure(bare)
        volume = float(atoms.get_volume())
    except Exception as error:  # noqa: BLE001 - a malformed row
        return None, f"its structure cannot be read ({error})"
    if not (np.isfinite(volume) and volume > 0):
        return None, "its cell has no volume (not periodic?)"
    kvp = row.key_value_pairs
    final = row.get("magmoms")
    initial = atoms.get_initial_magnetic_moments() if atoms.has("initial_magmoms") else None
    label = str(kvp.get("label") or (f"vol_{kvp['volume_index']}" if "volume_index" in kvp
                                     else f"row{row.id}"))
    settings = {key: kvp[key] for key in _SETTING_KEYS if key in kvp}
    total = row.get("magmom")
    return VolumeReading(
        label=label, volume=volume, energy=float(energy),
        species=tuple(atoms.get_chemical_symbols()), structure=structure,
        site_moments=None if final is None else np.asarray(final, dtype=np.float64),
        total_moment=None if total is None else float(total),
        initial_moments=None if initial is None else np.asarray(initial, dtype=np.float64),
        electronic_converged=True, ionic_converged=True, convergence_note="",
        settings=settings, provenance=(FileRecord(f"{path.name}#{row.id}", digest),),
        files={}, energy_file=path, structure_file=path,
    ), ""


def _with_multiplicity(source, given: list[float] | None, warnings: list[str]):
    if not given:
        return source
    counts = Counter(given)
    value = counts.most_common(1)[0][0]
    if len(counts) > 1:
        warnings.append(f"{source.name}: rows give different multiplicities "
                        f"{sorted(counts)}; {value:g} (the most common) used")
    if value <= 0:
        raise InputError(f"multiplicity {value:g} of configuration {source.name!r} must be "
                         "positive", source.points[0].provenance[0].path)
    return dataclasses.replace(source, multiplicity=float(value),
                               multiplicity_origin="manifest")


__all__ = ["is_ase_db", "read_ase_db"]

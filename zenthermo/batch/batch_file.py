"""Batch files: many materials, each a workflow plus a name, with shared defaults.

TOML (every table optional except at least one material)::

    [defaults.analysis]              # workflow tables every material inherits
    pressures_GPa = [0.0, 2.0]
    [defaults.methods]
    run = ["exact"]

    [[material]]                     # a workflow (inputs, physics, analysis, ...) + a name
    name = "fe3pt"
    inputs = { paths = ["path/to/results-tree"] }

    [[material]]
    name = "si"
    inputs = { paths = ["si/e-v.dat", "si/thermal_properties.yaml-*"] }
    physics = { eos = "vinet" }      # merged key by key over [defaults.physics]

    [[material]]                     # one material per match, named after it (its stem)
    glob = "screening/*-vasp"

    materials_csv = "more.csv"       # (top level) rows of name, paths, table.key columns

    [cluster]                        # optional: a dask-jobqueue cluster (zenthermo.hpc)
    kind = "slurm"

CSV (a file of its own, or ``materials_csv`` of a TOML batch file): a header with ``name``
and ``paths`` (several paths or globs separated by ``;``) and optionally ``table.key``
columns (``physics.eos``, ``analysis.pressures_GPa``, ...) whose cells are TOML values
(``vinet``, ``[0, 2]``, ``5``, ``true``; a bare word is a string). An empty cell sets nothing.

Relative paths resolve against the batch file's folder, then the current directory. A
problem of the batch file as a whole (not TOML, unknown top-level key, no or duplicate
names) raises; a problem of one material's tables makes that material fail alone.
"""

from __future__ import annotations

import csv
import glob
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zenthermo.batch.material import Material, check_name, material_from_tables
from zenthermo.errors import InputError, ZenthermoError
from zenthermo.hpc import ClusterSpec, cluster_spec

TOP_LEVEL_KEYS = ("defaults", "material", "materials_csv", "cluster")
#: Keys of a [[material]] entry besides its workflow tables.
ENTRY_KEYS = ("name", "glob")


@dataclass(frozen=True)
class BatchFile:
    """What a batch file asks for: its materials (in file order) and an optional cluster."""

    path: Path
    materials: tuple[Material, ...]
    cluster: ClusterSpec | None = None


def read_batch_file(path: str | os.PathLike[str]) -> BatchFile:
    """Read a TOML or CSV batch file.

    Raises
    ------
    InputError
        Missing or malformed file, unknown top-level key, an entry without a name, a name
        used twice, a glob that matches nothing; the file is named.
    """
    file = Path(path)
    if not file.is_file():
        raise InputError("batch file not found", file)
    if file.suffix.lower() == ".csv":
        return BatchFile(file, _unique(_csv_materials(file, {}), file))
    document = _load_toml(file)
    unknown = sorted(set(document) - set(TOP_LEVEL_KEYS))
    if unknown:
        raise InputError(f"unknown top-level key(s) {unknown}", file,
                         hint=f"known: {', '.join(TOP_LEVEL_KEYS)}")
    defaults = _table(document.get("defaults", {}), "[defaults]", file)
    entries = document.get("material", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise InputError("material must be an array of tables ([[material]])", file)
    materials: list[Material] = []
    for index, entry in enumerate(entries):
        materials += _entry_materials(entry, index, defaults, file)
    csv_files = document.get("materials_csv", [])
    for name in [csv_files] if isinstance(csv_files, str) else csv_files:
        materials += _csv_materials(_beside(name, file), defaults)
    if not materials:
        raise InputError("the batch lists no material", file,
                         hint="add [[material]] entries (name and inputs)")
    cluster = None
    if "cluster" in document:
        try:
            cluster = cluster_spec(_table(document["cluster"], "[cluster]", file), file)
        except ZenthermoError as error:
            raise InputError(error.reason, file, error.hint) from None
    return BatchFile(file, _unique(materials, file), cluster)


def materials_from_mappings(entries: Sequence[Mapping[str, Any]],
                            defaults: Mapping[str, Any] | None = None,
                            base_dir: str | os.PathLike[str] = ".") -> list[Material]:
    """Materials from Python dicts shaped like ``[[material]]`` entries (Python API).

    Relative paths resolve against ``base_dir`` (default: the current directory).
    """
    origin = Path(base_dir) / "<entries>"
    materials: list[Material] = []
    for index, entry in enumerate(entries):
        materials += _entry_materials(dict(entry), index, dict(defaults or {}), origin)
    return list(_unique(materials, origin))


def merge_tables(defaults: Mapping[str, Any], entry: Mapping[str, Any]) -> dict[str, Any]:
    """``entry`` over ``defaults``, table by table and key by key."""
    merged = {table: dict(values) for table, values in defaults.items()}
    for table, values in entry.items():
        if isinstance(values, Mapping) and isinstance(merged.get(table), dict):
            merged[table].update(values)
        else:
            merged[table] = dict(values) if isinstance(values, Mapping) else values
    return merged


# ----------------------------------------------------------------------------- helpers
def _load_toml(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"cannot read the batch file ({error})", file) from None
    except tomllib.TOMLDecodeError as error:
        raise InputError(f"not valid TOML: {error}", file) from None


def _table(value: Any, where: str, file: Path) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where} must be a table", file)
    return value


def _entry_materials(entry: dict[str, Any], index: int, defaults: Mapping[str, Any],
                     file: Path) -> list[Material]:
    tables = {k: v for k, v in entry.items() if k not in ENTRY_KEYS}
    base = file.parent
    if "glob" in entry:
        inputs = entry.get("inputs")
        if "name" in entry or (isinstance(inputs, dict) and "paths" in inputs):
            raise InputError(f"[[material]] #{index + 1}: a glob entry takes neither a name "
                             "nor inputs.paths (each match is one material)", file)
        pattern = entry["glob"]
        if not isinstance(pattern, str):
            raise InputError(f"[[material]] #{index + 1}: glob must be a string", file)
        matches = _glob(pattern, base)
        if not matches:
            raise InputError(f"[[material]] #{index + 1}: glob {pattern!r} matches nothing",
                             file, hint="relative to the batch file's folder")
        materials = []
        for match in matches:
            name = check_name(Path(match).stem if Path(match).is_file() else Path(match).name,
                              file)
            own = inputs if isinstance(inputs := tables.get("inputs"), dict) else {}
            materials.append(material_from_tables(name, merge_tables(
                defaults, {**tables, "inputs": {**own, "paths": [match]}}), base, file))
        return materials
    if "name" not in entry:
        raise InputError(f"[[material]] #{index + 1} has no name", file)
    name = check_name(entry["name"], file)
    return [material_from_tables(name, merge_tables(defaults, tables), base, file)]


def _glob(pattern: str, base: Path) -> list[str]:
    path = Path(pattern).expanduser()
    full = path if path.is_absolute() else base.resolve() / path
    return sorted(glob.glob(str(full)))


def _beside(name: Any, file: Path) -> Path:
    if not isinstance(name, str):
        raise InputError("materials_csv must be a file name or a list of them", file)
    path = Path(name).expanduser()
    return path if path.is_absolute() else file.resolve().parent / path


def _csv_materials(file: Path, defaults: Mapping[str, Any]) -> list[Material]:
    try:
        with open(file, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except FileNotFoundError:
        raise InputError("materials CSV not found", file) from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"cannot read the materials CSV ({error})", file) from None
    columns = list(rows[0]) if rows else []
    if "name" not in columns or "paths" not in columns:
        raise InputError("a materials CSV needs the columns name and paths", file,
                         hint="further columns are table.key, e.g. physics.eos")
    bad = [c for c in columns if c not in ("name", "paths") and c.count(".") != 1]
    if bad:
        raise InputError(f"columns {bad} are neither name, paths nor table.key", file)
    materials = []
    for row in rows:
        tables: dict[str, dict[str, Any]] = {
            "inputs": {"paths": [p.strip() for p in (row["paths"] or "").split(";")
                                 if p.strip()]}}
        for column, cell in row.items():
            if column in ("name", "paths") or cell is None or not cell.strip():
                continue
            table, key = column.split(".")
            tables.setdefault(table, {})[key] = _cell_value(cell.strip())
        name = check_name((row["name"] or "").strip(), file)
        materials.append(material_from_tables(name, merge_tables(defaults, tables),
                                              file.parent, file))
    return materials


def _cell_value(text: str) -> Any:
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def _unique(materials: list[Material], file: Path) -> tuple[Material, ...]:
    seen: set[str] = set()
    for material in materials:
        if material.name in seen:
            raise InputError(f"material name {material.name!r} is used twice", file,
                             hint="each material needs its own name (its output folder)")
        seen.add(material.name)
    return tuple(materials)


__all__ = ["BatchFile", "materials_from_mappings", "merge_tables", "read_batch_file"]

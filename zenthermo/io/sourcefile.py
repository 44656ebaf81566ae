"""The SourceSet file: one JSON document (gzip when the name ends in ``.gz``), lossless.

Layout (schema ``zenthermo.sources/1``)::

    {"schema": "zenthermo.sources/1", "zenthermo_version": "...",
     "root": "...", "warnings": [...], "excluded": [{item, path, reason, volume}, ...],
     "metadata": {...},
     "sources": [{"name", "label", "multiplicity", "multiplicity_origin", "magnetic_order",
                  "natoms", "composition", "warnings", "excluded", "reference_moments",
                  "points": [{"label", "volume", "energy", "natoms", "composition",
                              "site_moments", "total_moment", "electronic_converged",
                              "ionic_converged", "settings", "provenance",
                              "vibrations": {"temperatures", "free_energy", "entropy",
                                             "heat_capacity", "num_modes",
                                             "num_integrated_modes", "provenance",
                                             [origin, volume, imaginary_fraction]} | null,
                              ["electronic": {"kind": "dos", "energies", "dos", [volume],
                                              "provenance"} | {"kind": "free_energy",
                                              "temperatures", "free_energy", [volume],
                                              "provenance"}]}]}]}

Keys in brackets are written only when set, so a set without them is written as before; an
older reader refuses (never misreads) a file that has them, hence still ``/1``.

What makes it lossless:

- floats are written with Python's shortest round-trip ``repr``, so every float64 reads back
  bit for bit (only NaN payload bits are not kept); ints stay ints, floats stay floats;
- non-finite floats are written as the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"``
  (the file stays strict JSON): inside arrays and typed fields directly, inside free-form
  mappings (``settings``, ``metadata``) tagged as ``{"$float": "NaN"}``;
- arrays are float64 lists; ``None`` is ``null`` and differs from an empty array;
- in free-form mappings tuples are tagged ``{"$tuple": [...]}``, numpy arrays
  ``{"$array": [...], "dtype": ...}``, and a mapping whose keys are not all plain strings (or
  start with ``$``) ``{"$dict": [[key, value], ...]}``.

Writing goes through :mod:`zenthermo.io.atomic`, and a set is checked with the same rules
that loading applies, so a file that was written can always be read back.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import re
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError, SchemaError
from zenthermo.io.atomic import write_bytes_atomic
from zenthermo.sources import (
    ElectronicData,
    ElectronicDos,
    Exclusion,
    FileRecord,
    Source,
    SourceSet,
    VibrationalGrid,
    VolumePoint,
)

#: Schema identifier written into every file; the number after ``/`` is the major version.
SCHEMA = "zenthermo.sources/1"
SCHEMA_NAME, _, _VERSION = SCHEMA.partition("/")
SCHEMA_VERSION = int(_VERSION)

_NONFINITE_TO_TEXT = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
_GZIP_MAGIC = b"\x1f\x8b"


# ----------------------------------------------------------------------------- encoding


def _encode_float(value: float) -> float | str:
    value = float(value)
    if math.isfinite(value):
        return value
    return _NONFINITE_TO_TEXT[repr(value)]


def _encode_optional_float(value: float | None) -> float | str | None:
    return None if value is None else _encode_float(value)


def _encode_number(value: int | float) -> int | float | str:
    """Keep Python ints as ints (``multiplicity=3``), floats as floats."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"expected a number, got {value!r}")
    if isinstance(value, (int, np.integer)):
        return int(value)
    return _encode_float(value)


def _encode_array(values: np.ndarray | None) -> list | None:
    if values is None:
        return None
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1:
        raise TypeError(f"expected a 1-D array, got shape {array.shape}")
    return [_encode_float(v) for v in array.tolist()]


def _encode_free(value: Any) -> Any:
    """Encode a free-form value (settings, metadata) so that its Python type survives."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"$float": _encode_float(value)}
    if isinstance(value, np.ndarray):
        return {"$array": _encode_free(value.tolist()), "dtype": value.dtype.str}
    if isinstance(value, list):
        return [_encode_free(v) for v in value]
    if isinstance(value, tuple):
        return {"$tuple": [_encode_free(v) for v in value]}
    if isinstance(value, Mapping):
        keys = list(value.keys())
        if all(isinstance(k, str) and not k.startswith("$") for k in keys):
            return {k: _encode_free(value[k]) for k in keys}
        return {"$dict": [[_encode_free(k), _encode_free(value[k])] for k in keys]}
    raise TypeError(f"cannot store a value of type {type(value).__name__} ({value!r})")


def _encode_records(records: tuple[FileRecord, ...]) -> list[dict]:
    return [{"path": r.path, "sha256": r.sha256} for r in records]


def _encode_exclusions(items: tuple[Exclusion, ...]) -> list[dict]:
    return [
        {"item": e.item, "path": e.path, "reason": e.reason,
         "volume": _encode_optional_float(e.volume)}
        for e in items
    ]


def _encode_grid(grid: VibrationalGrid | None) -> dict | None:
    if grid is None:
        return None
    return {
        "temperatures": _encode_array(grid.temperatures),
        "free_energy": _encode_array(grid.free_energy),
        "entropy": _encode_array(grid.entropy),
        "heat_capacity": _encode_array(grid.heat_capacity),
        "num_modes": None if grid.num_modes is None else int(grid.num_modes),
        "num_integrated_modes": (
            None if grid.num_integrated_modes is None else int(grid.num_integrated_modes)
        ),
        "provenance": _encode_records(grid.provenance),
        **_optional_grid_fields(grid),
    }


def _optional_grid_fields(grid: VibrationalGrid) -> dict:
    """The grid keys written only when set (see the module docstring)."""
    numbers = {"volume": grid.volume, "imaginary_fraction": grid.imaginary_fraction}
    fields = {k: _encode_number(v) for k, v in numbers.items() if v is not None}
    return {"origin": str(grid.origin), **fields} if grid.origin else fields


def _encode_electronic(data: ElectronicData) -> dict:
    body: dict[str, Any]
    if isinstance(data, ElectronicDos):
        body = {"kind": "dos", "energies": _encode_array(data.energies),
                "dos": _encode_array(data.dos)}
    else:
        body = {"kind": "free_energy", "temperatures": _encode_array(data.temperatures),
                "free_energy": _encode_array(data.free_energy)}
    if data.volume is not None:
        body["volume"] = _encode_number(data.volume)
    body["provenance"] = _encode_records(data.provenance)
    return body


def _encode_point(point: VolumePoint) -> dict:
    optional = {} if point.electronic is None else {
        "electronic": _encode_electronic(point.electronic)}
    return {
        "label": point.label,
        "volume": _encode_number(point.volume),
        "energy": _encode_number(point.energy),
        "natoms": int(point.natoms),
        "composition": {str(k): int(v) for k, v in point.composition.items()},
        "site_moments": _encode_array(point.site_moments),
        "total_moment": (
            None if point.total_moment is None else _encode_number(point.total_moment)
        ),
        "electronic_converged": bool(point.electronic_converged),
        "ionic_converged": bool(point.ionic_converged),
        "settings": _encode_free(dict(point.settings)),
        "vibrations": _encode_grid(point.vibrations),
        "provenance": _encode_records(point.provenance),
        **optional,
    }


def _encode_source(source: Source) -> dict:
    return {
        "name": source.name,
        "label": source.label,
        "multiplicity": _encode_number(source.multiplicity),
        "multiplicity_origin": source.multiplicity_origin,
        "magnetic_order": source.magnetic_order,
        "natoms": int(source.natoms),
        "composition": {str(k): int(v) for k, v in source.composition.items()},
        "warnings": list(source.warnings),
        "excluded": _encode_exclusions(source.excluded),
        "reference_moments": _encode_array(source.reference_moments),
        "points": [_encode_point(p) for p in source.points],
    }


def source_set_to_document(source_set: SourceSet) -> dict:
    """The JSON-ready document of a set (plain dicts, lists, str, int, float, bool, None)."""
    from zenthermo import __version__

    return {
        "schema": SCHEMA,
        "zenthermo_version": __version__,
        "root": source_set.root,
        "warnings": list(source_set.warnings),
        "excluded": _encode_exclusions(source_set.excluded),
        "metadata": _encode_free(dict(source_set.metadata)),
        "sources": [_encode_source(s) for s in source_set.sources],
    }


# ----------------------------------------------------------------------------- writing


def _format_json(value: Any, indent: int = 0) -> str:
    """Indented JSON in which lists of scalars stay on one line (readable and diffable)."""
    pad, inner = " " * indent, " " * (indent + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [
            f"{inner}{_dumps(k)}: {_format_json(v, indent + 1)}" for k, v in value.items()
        ]
        return "{\n" + ",\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list):
        if all(not isinstance(v, (dict, list)) for v in value):
            return "[" + ", ".join(_dumps(v) for v in value) + "]"
        items = [f"{inner}{_format_json(v, indent + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + f"\n{pad}]"
    return _dumps(value)


def _dumps(value: Any) -> str:
    return json.dumps(value, allow_nan=False, ensure_ascii=False)


def save_sources(source_set: SourceSet, path: str | os.PathLike[str]) -> None:
    """Write ``source_set`` to ``path`` losslessly and atomically.

    Parameters
    ----------
    source_set
        The set to write; it is checked with the rules :func:`load_sources` applies.
    path
        Destination; gzip-compressed when the name ends in ``.gz``.

    Raises
    ------
    InputError
        If the set holds a value that cannot be stored or is inconsistent (for example site
        moments whose length is not the number of atoms); nothing is written then.
    """
    try:
        document = source_set_to_document(source_set)
    except (TypeError, ValueError, KeyError) as error:
        raise InputError(
            f"cannot store this SourceSet: {error}", path,
            "settings and metadata may hold str, int, float, bool, None, lists, tuples, "
            "mappings and numpy arrays",
        ) from error
    # The same checks as on loading: whatever is written can be read back.
    document_to_source_set(document, path)
    text = _format_json(document) + "\n"
    data = text.encode("utf-8")
    if str(path).endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    write_bytes_atomic(path, data)


# ----------------------------------------------------------------------------- reading


def _read_document(path: Path) -> dict:
    if not path.exists():
        raise InputError(
            "sources file not found", path,
            "give the file written by `zenthermo ingest` or SourceSet.save",
        )
    if path.is_dir():
        raise InputError("is a folder, not a sources file", path,
                         "to read result folders use `zenthermo ingest`")
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the file: {error.strerror}", path) from error
    if raw[:2] == _GZIP_MAGIC:
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            raise InputError(
                f"the gzip stream is damaged or truncated ({error})", path,
                "write the file again with `zenthermo ingest` or SourceSet.save",
            ) from error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data":
            raise InputError("the file ends inside a character: it is truncated", path,
                             "write the file again with `zenthermo ingest` or SourceSet.save"
                             ) from error
        raise InputError(
            "not a zenthermo sources file (not UTF-8 text)", path,
            "give the JSON file written by `zenthermo ingest` or SourceSet.save",
        ) from error
    if not text.strip():
        raise InputError("the file is empty", path,
                         "write it again with `zenthermo ingest` or SourceSet.save")
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError) as error:
        where = (
            f" at line {error.lineno}, column {error.colno}"
            if isinstance(error, json.JSONDecodeError) else ""
        )
        truncated = isinstance(error, json.JSONDecodeError) and _ends_early(text, error)
        reason = (
            f"the JSON ends early{where}: the file is truncated" if truncated
            else f"not valid JSON{where} ({getattr(error, 'msg', error)})"
        )
        raise InputError(
            reason, path, "write the file again with `zenthermo ingest` or SourceSet.save",
        ) from error
    if not isinstance(document, dict):
        raise InputError("not a zenthermo sources file (the top level is not an object)", path)
    return document


def _ends_early(text: str, error: json.JSONDecodeError) -> bool:
    """True when the text is valid JSON cut short: the parser ran out of text, or stopped at
    a last token that is the start of a literal or a number ("nul", "2.", an open string)."""
    if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
        return True
    rest = text[error.pos:].strip()
    partial_literal = any(word.startswith(rest) for word in ("null", "true", "false"))
    return partial_literal or re.fullmatch(r"-?[0-9.eE+-]+", rest) is not None


def _reject_constant(name: str) -> float:
    raise ValueError(f"bare {name} is not valid JSON; write non-finite floats as strings")


def _check_schema(document: dict, path: Path) -> None:
    schema = document.get("schema")
    if not isinstance(schema, str):
        raise SchemaError(
            "not a zenthermo sources file (no \"schema\" key)", path,
            "give a file written by `zenthermo ingest` or SourceSet.save",
        )
    name, _, version_text = schema.partition("/")
    if name != SCHEMA_NAME:
        raise SchemaError(
            f"schema {schema!r} is not a zenthermo sources file (expected {SCHEMA!r})", path,
            "give a file written by `zenthermo ingest` or SourceSet.save",
        )
    try:
        version = int(version_text)
    except ValueError as error:
        raise SchemaError(f"unreadable schema version in {schema!r}", path) from error
    if version > SCHEMA_VERSION:
        written_by = document.get("zenthermo_version", "a newer version")
        raise SchemaError(
            f"schema {schema!r} was written by zenthermo {written_by}; this zenthermo "
            f"reads {SCHEMA!r}", path, "upgrade zenthermo to read this file",
        )
    if version < SCHEMA_VERSION:
        raise SchemaError(
            f"schema {schema!r} is older than {SCHEMA!r} and cannot be read", path,
            "ingest the results again with `zenthermo ingest`",
        )


def load_sources(path: str | os.PathLike[str]) -> SourceSet:
    """Read a :class:`SourceSet` written by :func:`save_sources` (``SourceSet.save``).

    Parameters
    ----------
    path
        The sources file (JSON, or gzip-compressed JSON; detected from the content).

    Returns
    -------
    SourceSet
        Equal (``==``) to the set that was saved.

    Raises
    ------
    InputError
        The file is missing, not JSON, truncated, or its content is inconsistent (the
        message names the source and point at fault).
    SchemaError
        The file is not a zenthermo sources file or has another schema version.
    """
    file_path = Path(path)
    document = _read_document(file_path)
    _check_schema(document, file_path)
    return document_to_source_set(document, file_path)


def document_to_source_set(document: dict, path: str | os.PathLike[str]) -> SourceSet:
    """Build and check a :class:`SourceSet` from a decoded document (see the module doc)."""
    from zenthermo.io._sourcefile_decode import decode_source_set

    return decode_source_set(document, Path(path))


__all__ = ["SCHEMA", "load_sources", "save_sources", "source_set_to_document"]

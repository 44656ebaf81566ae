"""Decoding and checking the document of a SourceSet file (see :mod:`zenthermo.io.sourcefile`).

Every problem raises :class:`~zenthermo.errors.InputError` naming the file and where in it
(source and point) the problem is. Unknown keys are refused too: a misspelt key in a
hand-edited file must not silently become a default.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal, NoReturn, overload

import numpy as np

from zenthermo.errors import InputError
from zenthermo.sources import (
    ElectronicData,
    ElectronicDos,
    ElectronicFreeEnergyGrid,
    Exclusion,
    FileRecord,
    Source,
    SourceSet,
    VibrationalGrid,
    VolumePoint,
)

_TEXT_TO_FLOAT = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_HINT = "the file was damaged or edited by hand; write it again with `zenthermo ingest`"

_SET_KEYS = {"schema", "zenthermo_version", "root", "warnings", "excluded", "metadata",
             "sources"}
_SOURCE_KEYS = {"name", "label", "multiplicity", "multiplicity_origin", "magnetic_order",
                "natoms", "composition", "warnings", "excluded", "reference_moments", "points"}
_POINT_KEYS = {"label", "volume", "energy", "natoms", "composition", "site_moments",
               "total_moment", "electronic_converged", "ionic_converged", "settings",
               "vibrations", "provenance", "electronic"}
_GRID_KEYS = {"temperatures", "free_energy", "entropy", "heat_capacity", "num_modes",
              "num_integrated_modes", "provenance", "origin", "volume", "imaginary_fraction"}
_ELECTRONIC_KEYS = {"dos": {"kind", "energies", "dos", "volume", "provenance"},
                    "free_energy": {"kind", "temperatures", "free_energy", "volume",
                                    "provenance"}}


class _Reader:
    """Typed access to one JSON object, with errors that say where it is in the file."""

    def __init__(self, obj: Any, where: str, path: Path, allowed: set[str]) -> None:
        self.where, self.path = where, path
        if not isinstance(obj, dict):
            self.fail(f"expected an object, found {type(obj).__name__}")
        unknown = sorted(set(obj) - allowed)
        if unknown:
            self.fail(f"unknown key(s) {', '.join(map(repr, unknown))}")
        self.obj = obj

    def fail(self, problem: str) -> NoReturn:
        raise InputError(f"{self.where}: {problem}", self.path, _HINT)

    def raw(self, key: str, default: Any = ...) -> Any:
        if key not in self.obj:
            if default is ...:
                self.fail(f"required key {key!r} is missing")
            return default
        return self.obj[key]

    def string(self, key: str, default: Any = ...) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            self.fail(f"{key!r} must be a string, found {value!r}")
        return value

    def boolean(self, key: str) -> bool:
        value = self.raw(key)
        if not isinstance(value, bool):
            self.fail(f"{key!r} must be true or false, found {value!r}")
        return value

    @overload
    def integer(self, key: str, optional: Literal[False] = False) -> int: ...
    @overload
    def integer(self, key: str, optional: bool) -> int | None: ...

    def integer(self, key: str, optional: bool = False) -> int | None:
        value = self.raw(key, None if optional else ...)
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(f"{key!r} must be an integer, found {value!r}")
        return value

    @overload
    def number(self, key: str, optional: Literal[False] = False) -> int | float: ...
    @overload
    def number(self, key: str, optional: bool) -> int | float | None: ...

    def number(self, key: str, optional: bool = False) -> int | float | None:
        value = self.raw(key, None if optional else ...)
        if value is None and optional:
            return None
        return self._number(value, key)

    def _number(self, value: Any, key: str) -> int | float:
        if isinstance(value, str) and value in _TEXT_TO_FLOAT:
            return _TEXT_TO_FLOAT[value]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.fail(f"{key!r} must be a number, found {value!r}")
        return value

    def array(self, key: str) -> np.ndarray | None:
        values = self.raw(key, None)
        if values is None:
            return None
        if not isinstance(values, list):
            self.fail(f"{key!r} must be a list of numbers")
        return np.array([float(self._number(v, key)) for v in values], dtype=np.float64)

    def strings(self, key: str) -> tuple[str, ...]:
        values = self.raw(key, [])
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            self.fail(f"{key!r} must be a list of strings")
        return tuple(values)

    def composition(self, key: str) -> dict[str, int]:
        value = self.raw(key)
        if not isinstance(value, dict) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in value.values()
        ):
            self.fail(f"{key!r} must map element symbols to positive atom counts")
        return dict(value)

    def records(self, key: str) -> tuple[FileRecord, ...]:
        values = self.raw(key, [])
        if not isinstance(values, list):
            self.fail(f"{key!r} must be a list")
        out = []
        for index, item in enumerate(values):
            rec = _Reader(item, f"{self.where}, {key}[{index}]", self.path, {"path", "sha256"})
            out.append(FileRecord(path=rec.string("path"), sha256=rec.string("sha256")))
        return tuple(out)

    def exclusions(self, key: str) -> tuple[Exclusion, ...]:
        values = self.raw(key, [])
        if not isinstance(values, list):
            self.fail(f"{key!r} must be a list")
        out = []
        for index, item in enumerate(values):
            rec = _Reader(item, f"{self.where}, {key}[{index}]", self.path,
                          {"item", "path", "reason", "volume"})
            volume = rec.number("volume", optional=True)
            out.append(Exclusion(item=rec.string("item"), path=rec.string("path"),
                                 reason=rec.string("reason"), volume=volume))
        return tuple(out)

    def free(self, key: str) -> dict:
        value = decode_free(self.raw(key, {}), self)
        if not isinstance(value, dict):
            self.fail(f"{key!r} must be an object")
        return value


def decode_free(value: Any, reader: _Reader) -> Any:
    """Inverse of ``sourcefile._encode_free``."""
    if isinstance(value, list):
        return [decode_free(v, reader) for v in value]
    if not isinstance(value, dict):
        return value
    if "$float" in value and len(value) == 1:
        return reader._number(value["$float"], "$float")
    if "$tuple" in value and len(value) == 1:
        return tuple(decode_free(v, reader) for v in value["$tuple"])
    if "$array" in value and set(value) == {"$array", "dtype"}:
        try:
            return np.array(decode_free(value["$array"], reader), dtype=np.dtype(value["dtype"]))
        except (TypeError, ValueError) as error:
            reader.fail(f"unreadable array in settings/metadata ({error})")
    if "$dict" in value and len(value) == 1:
        pairs = value["$dict"]
        if not isinstance(pairs, list) or not all(
            isinstance(p, list) and len(p) == 2 for p in pairs
        ):
            reader.fail("a '$dict' entry must be a list of [key, value] pairs")
        return {_hashable(decode_free(k, reader)): decode_free(v, reader) for k, v in pairs}
    if any(k.startswith("$") for k in value):
        reader.fail(f"unknown tag in {sorted(value)}")
    return {k: decode_free(v, reader) for k, v in value.items()}


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _decode_grid(obj: Any, where: str, path: Path) -> VibrationalGrid | None:
    if obj is None:
        return None
    r = _Reader(obj, f"{where}, vibrations", path, _GRID_KEYS)
    found = {k: r.array(k) for k in ("temperatures", "free_energy", "entropy",
                                     "heat_capacity")}
    arrays: dict[str, np.ndarray] = {}
    for key, values in found.items():
        if values is None:
            r.fail(f"{key!r} is missing")
        arrays[key] = values
    n = len(arrays["temperatures"])
    if n == 0:
        r.fail("the temperature grid is empty")
    lengths = {k: len(v) for k, v in arrays.items()}
    if len(set(lengths.values())) != 1:
        r.fail(f"the grid arrays differ in length: {lengths}")
    temperatures = arrays["temperatures"]
    if not np.all(np.isfinite(temperatures)) or np.any(np.diff(temperatures) <= 0):
        r.fail("temperatures must be finite and strictly ascending")
    return VibrationalGrid(
        temperatures=temperatures, free_energy=arrays["free_energy"],
        entropy=arrays["entropy"], heat_capacity=arrays["heat_capacity"],
        num_modes=r.integer("num_modes", optional=True),
        num_integrated_modes=r.integer("num_integrated_modes", optional=True),
        provenance=r.records("provenance"), origin=r.string("origin", ""),
        volume=_positive_or_none(r, "volume"),
        imaginary_fraction=r.number("imaginary_fraction", optional=True),
    )


def _positive_or_none(r: _Reader, key: str) -> float | None:
    value = r.number(key, optional=True)
    if value is not None and not (math.isfinite(value) and value > 0):
        r.fail(f"{key!r} must be a positive volume, found {value!r}")
    return value


def _ascending(r: _Reader, key: str) -> np.ndarray:
    values = r.array(key)
    if values is None or len(values) < 2:
        r.fail(f"{key!r} must be a list of at least two numbers")
    if not np.all(np.isfinite(values)) or np.any(np.diff(values) <= 0):
        r.fail(f"{key!r} must be finite and strictly ascending")
    return values


def _decode_electronic(obj: Any, where: str, path: Path) -> ElectronicData | None:
    if obj is None:
        return None
    kind = obj.get("kind") if isinstance(obj, dict) else None
    if kind not in _ELECTRONIC_KEYS:
        raise InputError(f"{where}, electronic: 'kind' must be 'dos' or 'free_energy', "
                         f"found {kind!r}", path, _HINT)
    r = _Reader(obj, f"{where}, electronic", path, _ELECTRONIC_KEYS[kind])
    axis, values = ("energies", "dos") if kind == "dos" else ("temperatures", "free_energy")
    x = _ascending(r, axis)
    y = r.array(values)
    if y is None or len(y) != len(x):
        r.fail(f"{values!r} must have one value per entry of {axis!r}")
    volume, records = _positive_or_none(r, "volume"), r.records("provenance")
    if kind == "dos":
        return ElectronicDos(energies=x, dos=y, volume=volume, provenance=records)
    return ElectronicFreeEnergyGrid(temperatures=x, free_energy=y, volume=volume,
                                    provenance=records)


def _decode_point(obj: Any, where: str, path: Path) -> VolumePoint:
    label = obj.get("label", "?") if isinstance(obj, dict) else "?"
    r = _Reader(obj, f"{where}, point {label!r}", path, _POINT_KEYS)
    natoms = r.integer("natoms")
    if natoms <= 0:
        r.fail(f"natoms must be positive, found {natoms}")
    moments = r.array("site_moments")
    if moments is not None and len(moments) != natoms:
        r.fail(f"{len(moments)} site moments for {natoms} atoms")
    return VolumePoint(
        label=r.string("label"), volume=r.number("volume"), energy=r.number("energy"),
        natoms=natoms, composition=r.composition("composition"), site_moments=moments,
        total_moment=r.number("total_moment", optional=True),
        electronic_converged=r.boolean("electronic_converged"),
        ionic_converged=r.boolean("ionic_converged"), settings=r.free("settings"),
        vibrations=_decode_grid(r.raw("vibrations", None), r.where, path),
        provenance=r.records("provenance"),
        electronic=_decode_electronic(r.raw("electronic", None), r.where, path),
    )


def _decode_source(obj: Any, index: int, path: Path) -> Source:
    name = obj.get("name", f"#{index}") if isinstance(obj, dict) else f"#{index}"
    r = _Reader(obj, f"source {name!r}", path, _SOURCE_KEYS)
    natoms = r.integer("natoms")
    if natoms <= 0:
        r.fail(f"natoms must be positive, found {natoms}")
    multiplicity = r.number("multiplicity")
    if not (math.isfinite(multiplicity) and multiplicity > 0):
        r.fail(f"multiplicity must be a positive number, found {multiplicity!r}")
    reference = r.array("reference_moments")
    if reference is not None and len(reference) != natoms:
        r.fail(f"{len(reference)} reference moments for {natoms} atoms")
    points_raw = r.raw("points")
    if not isinstance(points_raw, list):
        r.fail("'points' must be a list")
    points = tuple(_decode_point(p, r.where, path) for p in points_raw)
    for point in points:
        if point.natoms != natoms:
            r.fail(f"point {point.label!r} has {point.natoms} atoms, the source {natoms}")
    return Source(
        name=r.string("name"), multiplicity=multiplicity, natoms=natoms,
        composition=r.composition("composition"), points=points, label=r.string("label", ""),
        multiplicity_origin=r.string("multiplicity_origin", "default"),
        magnetic_order=r.string("magnetic_order", "unknown"),
        excluded=r.exclusions("excluded"), warnings=r.strings("warnings"),
        reference_moments=reference,
    )


def decode_source_set(document: Any, path: Path) -> SourceSet:
    """Build a checked :class:`SourceSet` from the decoded JSON ``document``."""
    r = _Reader(document, "top level", path, _SET_KEYS)
    sources_raw = r.raw("sources")
    if not isinstance(sources_raw, list):
        r.fail("'sources' must be a list")
    sources = tuple(_decode_source(s, i, path) for i, s in enumerate(sources_raw))
    names = [s.name for s in sources]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        r.fail(f"source names must be unique; repeated: {', '.join(duplicates)}")
    return SourceSet(
        sources=sources, root=r.string("root", ""), excluded=r.exclusions("excluded"),
        warnings=r.strings("warnings"), metadata=r.free("metadata"),
    )

"""Reading phonopy's outputs: ``thermal_properties.yaml`` (``phonopy -t``) and phonopy-qha inputs.

Units. phonopy writes free energy in kJ/mol and entropy and heat capacity in J/K/mol, where
"mol" is a mole of the *unit cell phonopy used* (``natom`` atoms; the header says "Thermal
properties / unit cell (natom)"). The readers convert to eV and eV/K per cell with the
constants of :mod:`zenthermo.units`, so the numbers are per cell of ``natom`` atoms.

Imaginary modes. phonopy integrates only modes above its cutoff frequency and reports
``num_modes`` and ``num_integrated_modes``. The three acoustic modes at Gamma are zero and may
be counted as not integrated, so a volume is judged unstable only with more than
:data:`GAMMA_ACOUSTIC_MODES` modes left out (phonopy-qha's ``--exclude_imaginary`` uses the
same rule).
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from zenthermo.errors import InputError
from zenthermo.io.compressed import file_record, read_text
from zenthermo.sources import FileRecord, SourceSet, VibrationalGrid
from zenthermo.units import J_PER_K_MOL_IN_EV_PER_K, KJ_PER_MOL_IN_EV

_YamlLoader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
try:  # the C loader when PyYAML was built with libyaml (phonopy uses it too)
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _YamlLoader

#: Modes that may be missing from phonopy's integration without instability (Gamma acoustic).
GAMMA_ACOUSTIC_MODES = 3
#: Relative tolerance for a volume written in a yaml or POSCAR to match its e-v.dat row.
VOLUME_MATCH_RTOL = 2e-3
#: Relative tolerance within which two e-v.dat volumes are one volume (a repeated row).
VOLUME_REPEAT_RTOL = 1e-6
#: Absolute tolerance (K) for temperature grids of different volumes to count as the same.
TEMPERATURE_MATCH_ATOL = 1e-6

_ENERGY_UNITS = {"kJ/mol": KJ_PER_MOL_IN_EV, "J/mol": KJ_PER_MOL_IN_EV / 1e3, "eV": 1.0}
_ENTROPY_UNITS = {"J/K/mol": J_PER_K_MOL_IN_EV_PER_K, "eV/K": 1.0, "meV/K": 1e-3}


@dataclass(frozen=True)
class ThermalPropertiesFile:
    """What one ``thermal_properties.yaml`` holds, converted to eV per cell.

    Attributes
    ----------
    grid : VibrationalGrid
    natom : int or None
        Atoms in the cell the values refer to (phonopy's ``natom``).
    volume : float or None
        Cell volume in A^3 if phonopy wrote it.
    """

    grid: VibrationalGrid
    natom: int | None
    volume: float | None


# ----------------------------------------------------------------------------- thermal properties


def _unit_factor(units: dict, key: str, table: dict[str, float], default: str, path: Path):
    unit = str(units.get(key, default)).strip()
    if unit not in table:
        raise InputError(
            f"unknown unit {unit!r} for {key} in the 'unit:' block "
            f"(understood: {', '.join(table)})", path,
        )
    return table[unit]


def _optional_int(data: dict, key: str, path: Path) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{key!r} must be a non-negative integer, found {value!r}", path)
    return value


def load_thermal_properties(path: str | os.PathLike[str],
                            recorded_as: str | None = None) -> ThermalPropertiesFile:
    """Read a ``thermal_properties.yaml`` with its ``natom`` and (if written) ``volume``.

    Parameters
    ----------
    path
        phonopy's ``-t`` output; gzip, bzip2, xz/lzma and ``.Z`` compressed files are read
        too (recognised by content).
    recorded_as
        Path to store in the provenance record (default: ``path`` as given).

    Raises
    ------
    InputError
        Missing, truncated or malformed file, unknown units, non-finite values, or
        temperatures that are not strictly ascending.
    """
    file_path = Path(path)
    text, digest = read_text(file_path)
    try:
        data = yaml.load(text, Loader=_YamlLoader)
    except yaml.YAMLError as error:
        raise InputError(
            f"malformed or truncated YAML ({' '.join(str(error).split())})", file_path,
            "write it again with phonopy -t",
        ) from error
    entries = data.get("thermal_properties") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise InputError(
            "no 'thermal_properties' list: not a phonopy thermal_properties.yaml, or truncated",
            file_path, "write it with phonopy -t (or --tprop)",
        )
    units = data.get("unit") or {}
    if not isinstance(units, dict):
        raise InputError("the 'unit:' block is not a mapping", file_path)
    if str(units.get("temperature", "K")).strip() != "K":
        raise InputError(f"temperatures in {units['temperature']!r}; expected K", file_path)
    energy_factor = _unit_factor(units, "free_energy", _ENERGY_UNITS, "kJ/mol", file_path)
    entropy_factor = _unit_factor(units, "entropy", _ENTROPY_UNITS, "J/K/mol", file_path)
    cv_factor = _unit_factor(units, "heat_capacity", _ENTROPY_UNITS, "J/K/mol", file_path)

    columns = ("temperature", "free_energy", "entropy", "heat_capacity")
    table = np.empty((len(entries), len(columns)), dtype=np.float64)
    for row, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise InputError(f"thermal_properties entry {row + 1} is not a mapping", file_path)
        for col, key in enumerate(columns):
            value = entry.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise InputError(
                    f"thermal_properties entry {row + 1} (of {len(entries)}): {key!r} is "
                    f"{'missing' if value is None else repr(value)}; the file may be truncated",
                    file_path,
                )
            table[row, col] = value
    if not np.all(np.isfinite(table)):
        row = int(np.argwhere(~np.isfinite(table))[0, 0])
        raise InputError(f"non-finite value in thermal_properties entry {row + 1}", file_path)
    temperatures = table[:, 0]
    if np.any(temperatures < 0) or np.any(np.diff(temperatures) <= 0):
        raise InputError("temperatures must be non-negative and strictly ascending", file_path)

    natom = _optional_int(data, "natom", file_path)
    volume = data.get("volume")
    if volume is not None and (
        isinstance(volume, bool) or not isinstance(volume, (int, float)) or not volume > 0
    ):
        raise InputError(f"'volume' must be a positive number, found {volume!r}", file_path)
    num_modes = _optional_int(data, "num_modes", file_path)
    num_integrated = _optional_int(data, "num_integrated_modes", file_path)
    if num_modes is not None and num_integrated is not None and num_integrated > num_modes:
        raise InputError(
            f"num_integrated_modes ({num_integrated}) exceeds num_modes ({num_modes})", file_path
        )
    grid = VibrationalGrid(
        temperatures=temperatures.copy(),
        free_energy=table[:, 1] * energy_factor,
        entropy=table[:, 2] * entropy_factor,
        heat_capacity=table[:, 3] * cv_factor,
        num_modes=num_modes,
        num_integrated_modes=num_integrated,
        provenance=(FileRecord(recorded_as if recorded_as is not None else str(file_path),
                               digest),),
    )
    return ThermalPropertiesFile(grid=grid, natom=natom,
                                 volume=None if volume is None else float(volume))


def read_thermal_properties(path: str | os.PathLike[str]) -> VibrationalGrid:
    """Read phonopy's ``thermal_properties.yaml`` into a :class:`VibrationalGrid`.

    Parameters
    ----------
    path
        The file (compressed files are read too, see :mod:`zenthermo.io.compressed`).

    Returns
    -------
    VibrationalGrid
        Temperatures (K), F_vib (eV per cell, zero-point energy included), S_vib and
        C_V (eV/K per cell), ``num_modes`` / ``num_integrated_modes`` as written, and the
        file's path and SHA-256.
    """
    return load_thermal_properties(path).grid


# ----------------------------------------------------------------------------- e-v.dat


def read_energy_volume(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """Read phonopy-qha's ``e-v.dat``: two columns, volume (A^3) and energy (eV) per cell.

    Blank lines and ``#`` comments (whole-line or trailing) are allowed.

    Returns
    -------
    volumes, energies : ndarray, shape (n,)
        In file order (phonopy-qha pairs them with thermal_properties.yaml files in order).

    Raises
    ------
    InputError
        Naming the file and line: a row without exactly two numbers, a non-positive or
        repeated volume (within :data:`VOLUME_REPEAT_RTOL`), a non-finite value, or no data at all.
    """
    file_path = Path(path)
    rows: list[tuple[float, float]] = []
    first_line_of: dict[float, int] = {}
    for number, line in enumerate(read_text(file_path)[0].splitlines(), start=1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            raise InputError(
                f"line {number}: expected 2 columns (volume, energy), found {len(fields)}: "
                f"{line.strip()!r}", file_path, "e-v.dat holds 'volume energy' per line",
            )
        try:
            volume, energy = float(fields[0]), float(fields[1])
        except ValueError as error:
            raise InputError(f"line {number}: not a number in {line.strip()!r}",
                             file_path) from error
        if not (math.isfinite(volume) and math.isfinite(energy)):
            raise InputError(f"line {number}: non-finite value in {line.strip()!r}", file_path)
        if volume <= 0:
            raise InputError(f"line {number}: volume must be positive, found {volume}",
                             file_path)
        twin = next((v for v in first_line_of
                     if math.isclose(v, volume, rel_tol=VOLUME_REPEAT_RTOL)), None)
        if twin is not None:
            raise InputError(
                f"line {number}: volume {volume} repeats line {first_line_of[twin]} "
                f"(volume {twin})", file_path, "each volume once: remove the repeated row",
            )
        first_line_of[volume] = number
        rows.append((volume, energy))
    if not rows:
        raise InputError("no volume-energy rows found", file_path)
    data = np.array(rows, dtype=np.float64)
    return data[:, 0].copy(), data[:, 1].copy()


def read_phonopy_qha(ev_path: str | os.PathLike[str],
                     yaml_paths: Sequence[str | os.PathLike[str]], name: str | None = None,
                     **options: Any) -> SourceSet:
    """Read the inputs of ``phonopy-qha e-v.dat tp-1.yaml tp-2.yaml ...`` as one source.

    The assembly lives in :mod:`zenthermo.io.phonopy_qha`; see
    :func:`zenthermo.io.phonopy_qha.read_phonopy_qha` for the options and rules.
    """
    from zenthermo.io.phonopy_qha import read_phonopy_qha as _read

    return _read(ev_path, yaml_paths, name=name, **options)

__all__ = [
    "GAMMA_ACOUSTIC_MODES",
    "ThermalPropertiesFile",
    "file_record",
    "load_thermal_properties",
    "read_energy_volume",
    "read_phonopy_qha",
    "read_thermal_properties",
]

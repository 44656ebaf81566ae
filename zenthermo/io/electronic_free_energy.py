"""phonopy-qha's electronic free energies, ``fe-v.dat`` (the file of ``phonopy-qha --efe``).

``phonopy-vasp-efe`` writes it from one ``vasprun.xml`` per volume::

    # volume:      v_1      v_2 ...          (A^3 per cell)
    # integration: ...
    #    T(K)     Free energies
        0.0000   e_1(0)   e_2(0) ...
       10.0000   e_1(10)  e_2(10) ...

one row per temperature, one column per volume, each value the static energy plus the
thermal electronic free energy, E_sigma->0(V) + F_el(V, T) - F_el(V, 0), in eV per cell;
phonopy-qha uses these columns in place of the energies of ``e-v.dat``, in the order of
``e-v.dat``. Lines are parsed as phonopy's ``read_efe`` does (``#`` comments, whitespace).

:func:`electronic_grids` takes the static part off to give one
:class:`~zenthermo.sources.ElectronicFreeEnergyGrid` (F_el(T) - F_el(0)) per volume: the
0 K row where the file has one (checked against ``e-v.dat``'s energies when given), else the
``e-v.dat`` energies.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_bytes as _read_bytes  # decompression + sha256
from zenthermo.sources import ElectronicFreeEnergyGrid, FileRecord

#: Largest difference (eV per cell) between fe-v.dat's 0 K row and e-v.dat's energies.
STATIC_MATCH_ATOL = 1e-4
_VOLUME_HEADER = re.compile(r"^\s*#\s*volume\s*:(.*)$", re.IGNORECASE)


@dataclass(frozen=True)
class FeVTable:
    """What ``fe-v.dat`` holds.

    Attributes
    ----------
    temperatures : ndarray, shape (nT,)
        K, strictly ascending.
    free_energies : ndarray, shape (nT, nV)
        E_static + F_el(T) - F_el(0) per volume column, eV per cell.
    volumes : ndarray, shape (nV,) or None
        From the ``# volume:`` header, A^3 per cell, if the file has one.
    record : FileRecord
    """

    temperatures: np.ndarray
    free_energies: np.ndarray
    volumes: np.ndarray | None
    record: FileRecord


def read_fe_v(path: str | os.PathLike[str], recorded_as: str | None = None) -> FeVTable:
    """Read ``fe-v.dat`` (any compression); see the module docstring.

    Raises
    ------
    InputError
        Naming the file and line: rows of different lengths, fewer than two columns, a
        non-number, NaN, temperatures that are negative or not strictly ascending, a volume
        header that does not match the columns.
    """
    file_path = Path(path)
    if not file_path.is_file():
        raise InputError("is a folder, not a file" if file_path.is_dir() else
                         "file not found", file_path)
    data, digest = _read_bytes(file_path)
    rows: list[list[float]] = []
    volumes = None
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        header = _VOLUME_HEADER.match(line)
        if header is not None:
            volumes = _numbers(header.group(1).split(), number, line, file_path)
            continue
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        values = _numbers(fields, number, line, file_path)
        if len(values) < 2:
            raise InputError(f"line {number}: a temperature and at least one free energy "
                             f"are needed, found {len(values)} value(s)", file_path)
        if rows and len(values) != len(rows[0]):
            raise InputError(f"line {number}: {len(values) - 1} free energies, the first row "
                             f"had {len(rows[0]) - 1}", file_path,
                             "the file is truncated or damaged; write it again")
        rows.append(values)
    if len(rows) < 2:
        raise InputError("fewer than two temperature rows", file_path,
                         "write it with phonopy-vasp-efe (--tmin/--tmax/--tstep)")
    table = np.array(rows, dtype=np.float64)
    temperatures = table[:, 0]
    if np.any(temperatures < 0) or np.any(np.diff(temperatures) <= 0):
        raise InputError("temperatures must be >= 0 K and strictly ascending", file_path)
    vols = None if volumes is None else np.array(volumes, dtype=np.float64)
    if vols is not None and (vols.size != table.shape[1] - 1 or np.any(vols <= 0)):
        raise InputError(f"the '# volume:' header lists {vols.size} volume(s) for "
                         f"{table.shape[1] - 1} columns (or a non-positive one)", file_path)
    record = FileRecord(recorded_as if recorded_as is not None else str(file_path), digest)
    return FeVTable(temperatures.copy(), table[:, 1:].copy(), vols, record)


def electronic_grids(table: FeVTable, static_energies=None, path: str | None = None
                     ) -> list[ElectronicFreeEnergyGrid]:
    """One F_el(T) - F_el(0) grid per volume column of ``fe-v.dat``.

    Parameters
    ----------
    table : FeVTable
    static_energies : array_like, shape (nV,), optional
        ``e-v.dat``'s energies in the same order (eV per cell). Required when the file has
        no 0 K row; checked against that row (to :data:`STATIC_MATCH_ATOL`) when it has one.
    path : str, optional
        Named in errors (default: the table's recorded path).

    Raises
    ------
    InputError
        Column count or 0 K row not matching ``static_energies``, or no way to take off the
        static energy.
    """
    where = path or table.record.path
    n_volumes = table.free_energies.shape[1]
    static = None if static_energies is None else np.asarray(static_energies, dtype=np.float64)
    if static is not None and static.shape != (n_volumes,):
        raise InputError(f"{n_volumes} free-energy columns but {static.size} e-v.dat energies",
                         where, "fe-v.dat and e-v.dat must list the same volumes")
    if table.temperatures[0] == 0.0:
        zero = table.free_energies[0]
        if static is not None and np.max(np.abs(zero - static)) > STATIC_MATCH_ATOL:
            column = int(np.argmax(np.abs(zero - static)))
            raise InputError(
                f"the 0 K free energy of column {column + 1} ({zero[column]:.6f} eV) differs "
                f"from e-v.dat's energy ({static[column]:.6f} eV)", where,
                "fe-v.dat and e-v.dat must come from the same calculations, in one order",
            )
    elif static is None:
        raise InputError("has no 0 K row, so the static energy cannot be taken off", where,
                         "give e-v.dat's energies, or write fe-v.dat from --tmin 0")
    else:
        zero = static
    volumes = table.volumes
    return [
        ElectronicFreeEnergyGrid(
            temperatures=table.temperatures.copy(),
            free_energy=table.free_energies[:, j] - zero[j],
            volume=None if volumes is None else float(volumes[j]),
            provenance=(table.record,),
        )
        for j in range(n_volumes)
    ]


def _numbers(fields: list[str], number: int, line: str, path: Path) -> list[float]:
    try:
        values = [float(x) for x in fields]
    except ValueError as error:
        raise InputError(f"line {number}: not a number in {line.strip()[:60]!r}",
                         path) from error
    if not all(np.isfinite(values)):
        raise InputError(f"line {number}: NaN or infinite value", path)
    return values

"""Reader for measured reference curves (CSV) to overlay on predictions.

A reference file is a CSV with a header row. The temperature column is ``temperature_K``
(also accepted: ``T_K``, ``temperature``); the quantity is recognised by the name of the
other column:

================================  ===========================================  ==========
column                             meaning                                      stored as
================================  ===========================================  ==========
``lcte_1e-6_per_K``                linear thermal expansion, 1e-6 per K         LCTE, 1/K
``lcte_per_K``                     linear thermal expansion, 1/K                LCTE, 1/K
``alpha_1e-6_per_K``               volumetric thermal expansion, 1e-6 per K     LCTE, 1/K
``alpha_per_K``                    volumetric thermal expansion, 1/K            LCTE, 1/K
``volume_A3_per_atom``             volume, A^3 per atom                         A^3/atom
``volume_A3_per_cell``             volume of the cell, A^3 (needs ``natoms``)   A^3/atom
================================  ===========================================  ==========

Columns are separated by commas, or, as the header line shows, by semicolons (then a decimal
comma is read as a point: ``30,5;-2,143``), tabs or blanks. Lines starting with ``#`` are
comments. The file may be compressed (recognised by content,
see :mod:`zenthermo.io.compressed`). Every error names the file.
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_text

TEMPERATURE_COLUMNS = ("temperature_k", "t_k", "temperature")

#: column name (lower case) -> (quantity, factor to the stored unit, per_cell)
_QUANTITY_COLUMNS: dict[str, tuple[str, float, bool]] = {
    "lcte_1e-6_per_k": ("lcte", 1e-6, False),
    "lcte_per_k": ("lcte", 1.0, False),
    "alpha_1e-6_per_k": ("lcte", 1e-6 / 3.0, False),
    "alpha_per_k": ("lcte", 1.0 / 3.0, False),
    "volume_a3_per_atom": ("volume", 1.0, False),
    "volume_a3_per_cell": ("volume", 1.0, True),
}


@dataclass(frozen=True, eq=False)
class ReferenceCurve:
    """One measured curve against temperature.

    Attributes
    ----------
    label : str
        Legend label (the file's stem unless given).
    quantity : str
        ``"lcte"`` (values in 1/K, linear) or ``"volume"`` (values in A^3 per atom).
    T_K : ndarray, shape (n,)
        Temperatures, ascending.
    values : ndarray, shape (n,)
    path : str
        The file read.
    """

    label: str
    quantity: str
    T_K: np.ndarray
    values: np.ndarray
    path: str


def read_reference_csv(
    path: str | os.PathLike[str], label: str | None = None, natoms: int | None = None
) -> ReferenceCurve:
    """Read a measured reference curve from a CSV file.

    Parameters
    ----------
    path
        The CSV file (see the module docstring for the columns understood).
    label
        Legend label; defaults to the file name without extension.
    natoms
        Atoms per cell; needed only for a ``volume_A3_per_cell`` column.

    Raises
    ------
    InputError
        Missing file, no recognised columns, non-numeric or non-finite values, too few rows.
    """
    file = Path(path)
    try:
        text = read_text(file)[0].lstrip("\ufeff")  # any compression; a UTF-8 BOM dropped
    except InputError as error:
        raise InputError(f"reference file: {error.reason}", file, error.hint) from None
    lines = [line for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise InputError("reference file is empty", file)
    rows = _split_rows(lines)
    header = [name.strip().lower() for name in rows[0]]
    t_column = next((header.index(n) for n in TEMPERATURE_COLUMNS if n in header), None)
    q_column = next((i for i, n in enumerate(header) if n in _QUANTITY_COLUMNS), None)
    if t_column is None or q_column is None:
        raise InputError(
            f"header {rows[0]!r} has no recognised temperature and quantity columns",
            file,
            hint="use a header such as 'temperature_K,lcte_1e-6_per_K' or "
            "'temperature_K,volume_A3_per_atom'",
        )
    quantity, factor, per_cell = _QUANTITY_COLUMNS[header[q_column]]
    if per_cell and not natoms:
        raise InputError(
            "a volume_A3_per_cell column needs the number of atoms per cell", file,
            hint="give the volume per atom (volume_A3_per_atom) instead",
        )
    temperatures, values = [], []
    for line_number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise InputError(
                f"row {line_number} has {len(row)} cells where the header has {len(header)}: "
                f"{row!r}", file, "a decimal comma in a comma-separated file? use points, "
                "or separate the columns by semicolons")
        try:
            t_value, q_value = float(row[t_column]), float(row[q_column])
        except (IndexError, ValueError):
            raise InputError(f"row {line_number} is not two numbers: {row!r}", file) from None
        if not (np.isfinite(t_value) and np.isfinite(q_value)):
            raise InputError(f"row {line_number} holds a non-finite value", file)
        temperatures.append(t_value)
        values.append(q_value * factor / (natoms if per_cell and natoms else 1))
    if len(temperatures) < 2:
        raise InputError("reference file needs at least two data rows", file)
    order = np.argsort(temperatures, kind="stable")
    return ReferenceCurve(
        label=label or file.stem,
        quantity=quantity,
        T_K=np.asarray(temperatures, dtype=np.float64)[order],
        values=np.asarray(values, dtype=np.float64)[order],
        path=str(file),
    )


def _split_rows(lines: list[str]) -> list[list[str]]:
    """The cells of each line, by the separator the header uses (comma, semicolon, tab or
    blanks); with semicolons a decimal comma becomes a point."""
    delimiter = next((d for d in ",;\t" if d in lines[0]), None)
    if delimiter is None:
        return [line.split() for line in lines]
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    if delimiter == ";":
        return [rows[0]] + [[cell.replace(",", ".") for cell in row] for row in rows[1:]]
    return rows

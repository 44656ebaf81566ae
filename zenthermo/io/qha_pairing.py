"""Which e-v.dat row each ``thermal_properties.yaml`` belongs to, where the files say so.

phonopy-qha pairs the i-th file with the i-th e-v.dat row. A file may carry its own volume:
phonopy's ``volume`` key inside the yaml, or a ``POSCAR-<n>`` beside it. Where those volumes
are exactly the e-v.dat volumes in another order (an e-v.dat written from the largest volume
down, a folder numbered the other way), the rows are re-paired by volume, with a warning.
A POSCAR lies beside the yaml, not in it: a mislabelled POSCAR gives the same contradiction,
so a re-pairing that rests on a POSCAR is taken only when the phonons agree with it (the
zero-point energy falls along the re-paired volumes, :mod:`zenthermo.io.phonon_order`).
Any other contradiction is an error naming the first file that contradicts its row.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.phonon_order import zero_point_rises
from zenthermo.io.phonopy_files import VOLUME_MATCH_RTOL

QHA_HINT = "give e-v.dat first, then one thermal_properties.yaml per e-v.dat row, in order"


@dataclass(frozen=True)
class VolumeWitness:
    """The volume a file declares (A^3 per cell) and who declares it."""

    volume: float
    structure: str | None  # the POSCAR's path, or None: phonopy's own ``volume`` key


def ev_rows_of_files(ev_volumes: np.ndarray, witnesses: Sequence[VolumeWitness | None],
                     zero_point_energies: Sequence[float], labels: Sequence[str],
                     paths: Sequence[Path], ev_path: Path) -> tuple[np.ndarray, str | None]:
    """The e-v.dat row of each file, shape (n,), and a warning where it is not the i-th.

    Parameters
    ----------
    ev_volumes
        e-v.dat volumes in row order, A^3 per cell, shape (n,).
    witnesses
        What each file (in pairing order) says of its volume; None where it says nothing.
    zero_point_energies
        F_vib of each file at its lowest temperature, eV per cell, shape (n,).
    labels, paths
        Names and paths of the files, in pairing order.

    Raises
    ------
    InputError
        A file whose declared volume contradicts its row and no consistent re-pairing.
    """
    positional = np.arange(len(ev_volumes))
    clashes = [i for i, w in enumerate(witnesses)
               if w is not None and not _same(w.volume, float(ev_volumes[i]))]
    if not clashes:
        return positional, None
    rows = _rows_by_volume(ev_volumes, witnesses)
    if rows is not None and _phonons_agree(ev_volumes[rows], witnesses, zero_point_energies,
                                           labels):
        moved = [f"{labels[i]} -> row {rows[i] + 1} ({ev_volumes[rows[i]]:g} A^3)"
                 for i in np.flatnonzero(rows != positional)[:3]]
        more = np.count_nonzero(rows != positional) - len(moved)
        return rows, (f"{ev_path.name} lists the volumes in another order than the files: each "
                      "file is paired with the row of the volume it declares ("
                      f"{'; '.join(moved)}{f' and {more} more' if more else ''})")
    first = clashes[0]
    witness, volume = witnesses[first], float(ev_volumes[first])
    assert witness is not None
    if witness.structure is None:
        raise InputError(f"phonopy computed it at volume {witness.volume:g} A^3 but it is "
                         f"paired with e-v.dat row {first + 1} (volume {volume:g} A^3) of "
                         f"{ev_path}", paths[first], QHA_HINT)
    raise InputError(f"its structure {witness.structure} has volume {witness.volume:.4g} A^3 "
                     f"but it is paired with e-v.dat row {first + 1} ({volume:g} A^3) of "
                     f"{ev_path.name}: the files do not belong together", paths[first],
                     QHA_HINT)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=VOLUME_MATCH_RTOL)


def _rows_by_volume(ev_volumes: np.ndarray,
                    witnesses: Sequence[VolumeWitness | None]) -> np.ndarray | None:
    """Each file's row by its declared volume, when every file declares one and each
    matches exactly one row, a different one for each file; else None."""
    rows: list[int] = []
    for witness in witnesses:
        if witness is None:
            return None
        matches = [j for j, v in enumerate(ev_volumes) if _same(witness.volume, float(v))]
        if len(matches) != 1:
            return None
        rows.append(matches[0])
    return np.array(rows) if len(set(rows)) == len(rows) else None


def _phonons_agree(volumes: np.ndarray, witnesses: Sequence[VolumeWitness | None],
                   zero_point_energies: Sequence[float], labels: Sequence[str]) -> bool:
    """phonopy's own volumes need no second witness; POSCARs need the phonons' consent."""
    if all(w is not None and w.structure is None for w in witnesses):
        return True
    return zero_point_rises(volumes.tolist(), zero_point_energies, labels) is None

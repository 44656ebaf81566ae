"""Does each phonon calculation look like it belongs to its volume? A check by physics.

phonopy-qha pairs the i-th ``thermal_properties.yaml`` with the i-th e-v.dat row by
position alone. Where the yaml does not carry its own ``volume`` key, a file numbered
against the volumes, an e-v.dat whose rows were re-ordered (without a ``POSCAR-<n>`` beside
each file), or yaml files swapped between their POSCARs, is read without error and gives
wrong physics. The phonons themselves carry a witness: frequencies soften as a crystal
expands (a positive mean Grueneisen parameter, true of almost every solid, Si and Invar
alloys included), so the vibrational free energy at the lowest temperature of the grid, the
zero-point energy at 0 K, falls as the volume grows. A rise along the volumes means a
pairing to check (a warning: a solid with a negative mean Grueneisen parameter, as ZrW2O8,
shows one by its physics).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: A rise smaller than this fraction of the span of the energies over all volumes is noise.
RISE_TOLERANCE = 0.01


def zero_point_rises(volumes: Sequence[float], low_temperature_free_energies: Sequence[float],
                     labels: Sequence[str], structures_beside: bool = False) -> str | None:
    """A warning where F_vib at the grid's lowest temperature rises with the volume, else None.

    Parameters
    ----------
    volumes
        A^3 per cell, shape (n,), in any order (the e-v.dat rows the files are paired with).
    low_temperature_free_energies
        F_vib of each paired file at the lowest temperature of the grid, eV per cell, shape (n,).
    labels
        Names of the paired files, shape (n,).
    structures_beside
        Whether POSCARs beside the files tied them to their rows: then the rows are right
        and the suspects are the files' contents (swapped, or computed from other cells).

    Returns
    -------
    str or None
        One line naming the volume steps where the energy rises (at most three), or None
        when it falls (within :data:`RISE_TOLERANCE` of its span) along the sorted volumes.
    """
    order = np.argsort(np.asarray(volumes, dtype=float), kind="stable")
    v = np.asarray(volumes, dtype=float)[order]
    f = np.asarray(low_temperature_free_energies, dtype=float)[order]
    if len(f) < 2:
        return None
    span = float(np.ptp(f))
    rises = np.flatnonzero(np.diff(f) > RISE_TOLERANCE * span)
    if rises.size == 0:
        return None
    steps = [f"{labels[order[i]]} at {v[i]:g} A^3 -> {labels[order[i + 1]]} at {v[i + 1]:g} A^3"
             for i in rises[:3]]
    more = f" and {rises.size - 3} more" if rises.size > 3 else ""
    reversed_ = " (it rises at every step: are the files numbered against the volumes?)" \
        if rises.size == len(f) - 1 else ""
    suspect = (" and the POSCARs match the rows, so the yaml files may have been swapped or "
               "computed from other cells" if structures_beside else
               ", so the files may be paired with the wrong e-v.dat rows; nothing else checks "
               "the pairing here (put POSCAR-<n> beside thermal_properties.yaml-<n>)")
    return ("the zero-point (lowest-temperature) phonon free energy rises with the volume "
            f"between {'; '.join(steps)}{more}{reversed_}: phonons soften on expansion{suspect}")

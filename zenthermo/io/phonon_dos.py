"""Phonon densities of states as vibrational grids: phonopy ``total_dos.dat``, YPHON ``vdos``.

A phonon DOS g(nu) of one volume becomes the :class:`~zenthermo.sources.VibrationalGrid`
that phonopy's ``-t`` would write (``origin="phonon_dos"``), by the harmonic integrals over
the DOS (trapezoid rule on the file's own frequency grid), per cell:

    F_vib = int g [h nu / 2 + k_B T ln(1 - e^-x)] dnu     (zero-point energy included)
    S_vib = k_B int g [x / (e^x - 1) - ln(1 - e^-x)] dnu
    C_V = k_B int g x^2 e^x / (e^x - 1)^2 dnu

with x = h nu / k_B T; at T = 0, F_vib is the zero-point energy and S = C_V = 0.

Checks (each an :class:`~zenthermo.errors.InputError` naming the file):

* the mode count: the DOS must integrate to 3 modes per atom within
  :data:`MODE_COUNT_RTOL` (then it is rescaled to exactly 3N); YPHON's ``vdos`` is per atom,
  phonopy's ``total_dos.dat`` per cell of phonopy's (primitive) cell, whose size follows
  from the count and must divide the source's cell;
* imaginary modes: the weight at zero or negative (imaginary) frequencies is left out of the
  integrals, as phonopy does; above :data:`IMAGINARY_TOLERANCE` of the modes the volume is
  dynamically unstable and refused, below it is dropped with a warning where it is
  noticeable; ``VibrationalGrid.imaginary_fraction`` keeps it;
* NaN, a line without two numbers, frequencies that are not strictly ascending, a density
  below zero by more than :data:`NEGATIVE_DOS_FRACTION` of the largest.

File formats: ``total_dos.dat``: ``#`` header, two columns, frequency (THz) and DOS
(states/THz per cell). YPHON (DFTTK's ``YPHON_results``): ``vdos_<i>``, two columns,
frequency (Hz) and DOS (states/Hz per atom); ``volph_<i>``, that volume in A^3 per atom.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_bytes as _read_bytes  # decompression + sha256
from zenthermo.sources import FileRecord, VibrationalGrid
from zenthermo.units import KB_EV_PER_K, THZ_IN_EV

#: Relative tolerance of the DOS's mode count against 3 modes per atom.
MODE_COUNT_RTOL = 0.02
#: Largest fraction of the modes at zero or imaginary frequencies that is dropped.
IMAGINARY_TOLERANCE = 0.01
#: Fraction of imaginary weight above which dropping it is reported as a warning.
IMAGINARY_NOTICE = 1e-3
#: Most negative density accepted, as a fraction of the largest |DOS|: phonopy's tetrahedron
#: and Gaussian DOS are never negative; this leaves room for rounding, not for damage.
NEGATIVE_DOS_FRACTION = 0.02
#: Default temperature grid of the vibrational grids, K (as ``phonopy -t --tmax 2000``).
DEFAULT_TEMPERATURES = np.arange(0.0, 2001.0, 10.0)
_CHUNK = 64  # temperatures per block of the integrals (bounds the memory)


@dataclass(frozen=True)
class PhononDosReading:
    """The vibrational grid of one phonon DOS and what the reading found.

    Attributes
    ----------
    grid : VibrationalGrid
        Per cell of ``natoms`` atoms; ``origin="phonon_dos"``.
    volume : float or None
        Cell volume of the phonon calculation, A^3 (YPHON's ``volph``), if known.
    mode_count : float
        The DOS integrated over all frequencies as read, in modes per cell, before rescaling.
    warnings : tuple of str
    """

    grid: VibrationalGrid
    volume: float | None
    mode_count: float
    warnings: tuple[str, ...] = ()


def harmonic_thermodynamics(frequencies_THz, dos, temperatures
                            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """F_vib (eV), S_vib and C_V (eV/K) of a DOS (states/THz) at each temperature (K).

    Trapezoid rule on the DOS's frequency grid; frequencies <= 0 are left out. Shapes (nT,).
    """
    nu = np.asarray(frequencies_THz, dtype=np.float64)
    g = np.asarray(dos, dtype=np.float64)
    T = np.asarray(temperatures, dtype=np.float64)
    steps = np.diff(nu)
    weights = np.zeros_like(nu)
    weights[:-1] += 0.5 * steps
    weights[1:] += 0.5 * steps
    keep = (nu > 0.0) & (g != 0.0)
    w = (weights * g)[keep]
    energy = nu[keep] * THZ_IN_EV
    zero_point = 0.5 * float(w @ energy)
    F = np.full(T.shape, zero_point)
    S, C = np.zeros(T.shape), np.zeros(T.shape)
    hot = np.flatnonzero(T > 0)
    for start in range(0, hot.size, _CHUNK):
        rows = hot[start:start + _CHUNK]
        kT = KB_EV_PER_K * T[rows]
        x = energy[None, :] / kT[:, None]
        om = -np.expm1(-x)  # 1 - e^-x, > 0
        log_om = np.log(om)
        x_ratio = x * (1.0 - om) / om  # x / (e^x - 1)
        F[rows] += kT * (log_om @ w)
        S[rows] = KB_EV_PER_K * ((x_ratio - log_om) @ w)
        C[rows] = KB_EV_PER_K * ((x_ratio * x / om) @ w)
    return F, S, C


def vibrational_grid_from_dos(frequencies_THz, dos, modes_expected: float, scale: float,
                              path: Path, records: tuple[FileRecord, ...], temperatures=None,
                              volume: float | None = None) -> PhononDosReading:
    """Check a DOS read from ``path`` and integrate it (see the module docstring).

    Parameters
    ----------
    frequencies_THz, dos : ndarray, shape (n,)
        As read, DOS in states/THz per the file's own unit (atom or cell).
    modes_expected : float
        3 x atoms of the file's unit; the DOS is rescaled to it.
    scale : float
        Files' units per cell of the source (natoms for a per-atom DOS).
    path, records : Path, tuple of FileRecord
        The DOS file (named in errors) and the provenance of the grid.
    temperatures : array_like, optional
        K; default :data:`DEFAULT_TEMPERATURES`.
    volume : float, optional
        Cell volume of the phonon calculation, A^3.
    """
    nu, g = _checked_arrays(frequencies_THz, dos, path)
    total = float(np.trapezoid(g, nu))
    if not abs(total - modes_expected) <= MODE_COUNT_RTOL * modes_expected:
        raise InputError(
            f"the phonon DOS integrates to {total:.4g} modes, not {modes_expected:g} (3 per "
            f"atom; tolerance {MODE_COUNT_RTOL:.0%})", path,
            "check the frequency unit (THz for phonopy, Hz for YPHON) and the normalisation",
        )
    g = g * (modes_expected / total)
    below = nu <= 0.0
    imaginary = float(np.trapezoid(np.where(below, g, 0.0), nu)) / modes_expected
    warnings: list[str] = []
    if imaginary > IMAGINARY_TOLERANCE:
        raise InputError(
            f"{imaginary:.1%} of the phonon modes are at imaginary or zero frequencies "
            f"(more than {IMAGINARY_TOLERANCE:.0%}): the structure is dynamically unstable "
            "at this volume", path, "leave this volume out of the phonon data",
        )
    if imaginary > IMAGINARY_NOTICE:
        warnings.append(f"{path}: {imaginary:.2%} of the phonon modes at imaginary or zero "
                        "frequencies were left out")
    T = DEFAULT_TEMPERATURES if temperatures is None else np.asarray(temperatures, float)
    if T.ndim != 1 or T.size < 2 or T[0] < 0 or np.any(np.diff(T) <= 0):
        raise InputError("the temperature grid must be ascending and >= 0 K", path)
    F, S, C = harmonic_thermodynamics(nu, g, T)
    modes = int(round(modes_expected * scale))
    grid = VibrationalGrid(
        temperatures=T.copy(), free_energy=F * scale, entropy=S * scale,
        heat_capacity=C * scale, num_modes=modes, provenance=records, origin="phonon_dos",
        volume=volume, imaginary_fraction=imaginary,
    )
    return PhononDosReading(grid, volume, total * scale, tuple(warnings))


def read_phonopy_dos(path: str | os.PathLike[str], natoms: int, temperatures=None,
                     recorded_as: str | None = None) -> PhononDosReading:
    """phonopy's ``total_dos.dat`` (THz, states/THz per phonopy cell) for a cell of natoms.

    The atoms of phonopy's cell are the mode count / 3, which must divide ``natoms``.
    """
    file_path = Path(path)
    table, record = _two_columns(file_path, recorded_as, "frequency in THz, DOS")
    nu, g = _checked_arrays(table[:, 0], table[:, 1], file_path)
    count = float(np.trapezoid(g, nu))
    cell = max(int(round(count / 3.0)), 1)
    if natoms % cell:
        raise InputError(
            f"the phonon DOS integrates to {count:.4g} modes (a cell of {cell} atoms), "
            f"which does not divide the {natoms}-atom cell of the source", file_path,
            "give the total DOS of the source's cell or of a primitive cell of it",
        )
    return vibrational_grid_from_dos(nu, g, 3.0 * cell, natoms / cell, file_path, (record,),
                                     temperatures)


def read_yphon_dos(vdos_path: str | os.PathLike[str], volph_path: str | os.PathLike[str],
                   natoms: int, temperatures=None, recorded_as: tuple[str, str] | None = None
                   ) -> PhononDosReading:
    """YPHON's ``vdos_<i>`` (Hz, states/Hz per atom) with ``volph_<i>`` (A^3 per atom)."""
    vdos, volph = Path(vdos_path), Path(volph_path)
    names = recorded_as or (None, None)
    table, record = _two_columns(vdos, names[0], "frequency in Hz, DOS per Hz per atom")
    text, digest = _text(volph)
    try:
        (per_atom,) = [float(v) for v in text.split()]
    except ValueError as error:
        raise InputError("expected one number, the volume in A^3 per atom", volph) from error
    if not (np.isfinite(per_atom) and per_atom > 0):
        raise InputError(f"the volume {per_atom!r} A^3 per atom is not positive", volph)
    volph_record = FileRecord(names[1] if names[1] is not None else str(volph), digest)
    return vibrational_grid_from_dos(
        table[:, 0] * 1e-12, table[:, 1] * 1e12, 3.0, float(natoms), vdos,
        (record, volph_record), temperatures, volume=per_atom * natoms,
    )


def _two_columns(path: Path, recorded_as: str | None, columns: str
                 ) -> tuple[np.ndarray, FileRecord]:
    text, digest = _text(path)
    rows = []
    for number, line in enumerate(text.splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            raise InputError(f"line {number}: expected 2 columns ({columns}), found "
                             f"{len(fields)}: {line.strip()[:60]!r}", path)
        try:
            rows.append((float(fields[0]), float(fields[1])))
        except ValueError as error:
            raise InputError(f"line {number}: not a number in {line.strip()[:60]!r}",
                             path) from error
    if len(rows) < 2:
        raise InputError("holds fewer than two DOS points", path)
    record = FileRecord(recorded_as if recorded_as is not None else str(path), digest)
    return np.array(rows, dtype=np.float64), record


def _checked_arrays(nu, g, path: Path) -> tuple[np.ndarray, np.ndarray]:
    nu, g = np.asarray(nu, dtype=np.float64), np.asarray(g, dtype=np.float64)
    bad = ~(np.isfinite(nu) & np.isfinite(g))
    if bad.any():
        raise InputError(f"NaN or infinite value at DOS point {int(np.argmax(bad)) + 1}", path)
    if np.any(np.diff(nu) <= 0):
        raise InputError("frequencies are not strictly ascending", path)
    lowest = int(np.argmin(g))
    if g[lowest] < -NEGATIVE_DOS_FRACTION * float(np.max(np.abs(g))):
        raise InputError(f"a negative phonon DOS, {g[lowest]:g} at point {lowest + 1} (more "
                         f"than {NEGATIVE_DOS_FRACTION:.0%} of the largest value)", path,
                         "check the file: a damaged or shifted DOS column?")
    return nu, g


def _text(path: Path) -> tuple[str, str]:
    if not path.is_file():
        raise InputError("is a folder, not a file" if path.is_dir() else "file not found",
                         path)
    data, digest = _read_bytes(path)
    return data.decode("utf-8", errors="replace"), digest

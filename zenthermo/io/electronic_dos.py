"""Reading a total electronic DOS: VASP's ``vasprun.xml`` or a two-column DOS table.

Both give an :class:`~zenthermo.sources.ElectronicDos`: energies measured from the Fermi
level (eV) and the total DOS, both spin channels summed (states/eV per cell).

``vasprun.xml`` (gzip, bzip2 or xz compressed or not, recognised by content) is parsed by
pymatgen's ``Vasprun`` (``parse_dos=True``), as DFTTK does: ``complete_dos.energies -
complete_dos.efermi`` and the sum of the spin densities of ``tdos``. Its electron count is
checked against ``NELECT``.

A DOS table (as DFTTK's ``total_dos.dat``) holds two columns per line, E - E_F (eV) and the
DOS (states/eV per cell); blank lines and ``#`` comments (whole-line or trailing) are
allowed.

Checks, each an :class:`~zenthermo.errors.InputError` naming the file: a line without two
numbers, NaN or infinite values, energies that are not strictly ascending, a DOS more
negative than smearing can make it (:data:`NEGATIVE_DOS_FRACTION`), no states on
one side of the Fermi level, and an electron count (the DOS integrated up to E_F) that is
negative, not within :data:`ELECTRON_COUNT_TOLERANCE` of a whole number (a per-atom or one-
spin DOS, a window that misses states) or, for ``vasprun.xml``, not NELECT.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError
from zenthermo.io.compressed import read_bytes as _read_bytes  # decompression + sha256
from zenthermo.sources import ElectronicDos, FileRecord

#: Largest distance (electrons per cell) of the DOS's count below E_F from a whole number.
ELECTRON_COUNT_TOLERANCE = 0.05
#: Most negative DOS accepted, as a fraction of the largest |DOS|: Methfessel-Paxton smearing
#: (ISMEAR > 0) dips below zero beside sharp peaks by up to about 5.5 % of them (order 1).
NEGATIVE_DOS_FRACTION = 0.1


def read_electronic_dos(path: str | os.PathLike[str], recorded_as: str | None = None,
                        tolerance: float = ELECTRON_COUNT_TOLERANCE) -> ElectronicDos:
    """Read a ``vasprun.xml`` (any compression) or a DOS table, chosen by the file's name.

    Parameters
    ----------
    path
        ``vasprun.xml`` (any suffix after it, e.g. ``vasprun.xml.elec_dos.gz``) or a table.
    recorded_as
        Path to store in the provenance record (default: ``path`` as given).
    tolerance
        See :data:`ELECTRON_COUNT_TOLERANCE`.
    """
    if Path(path).name.lower().startswith("vasprun"):
        return read_vasprun_dos(path, recorded_as, tolerance)
    return read_dos_table(path, recorded_as, tolerance)


def read_dos_table(path: str | os.PathLike[str], recorded_as: str | None = None,
                   tolerance: float = ELECTRON_COUNT_TOLERANCE) -> ElectronicDos:
    """Read a two-column DOS table (E - E_F in eV, states/eV per cell); see the module doc."""
    file_path = Path(path)
    data, digest = _read(file_path)
    rows: list[tuple[float, float]] = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        if len(fields) != 2:
            raise InputError(
                f"line {number}: expected 2 columns (energy minus E_F in eV, DOS in "
                f"states/eV per cell), found {len(fields)}: {line.strip()[:60]!r}", file_path,
                "write one 'energy dos' pair per line",
            )
        try:
            rows.append((float(fields[0]), float(fields[1])))
        except ValueError as error:
            raise InputError(f"line {number}: not a number in {line.strip()[:60]!r}",
                             file_path) from error
    if len(rows) < 2:
        raise InputError("holds fewer than two DOS points", file_path,
                         "write the total DOS as 'energy dos' lines")
    table = np.array(rows, dtype=np.float64)
    return checked_dos(table[:, 0], table[:, 1], file_path, _record(file_path, digest,
                                                                     recorded_as), tolerance)


def read_vasprun_dos(path: str | os.PathLike[str], recorded_as: str | None = None,
                     tolerance: float = ELECTRON_COUNT_TOLERANCE) -> ElectronicDos:
    """The total DOS of a ``vasprun.xml`` through pymatgen's ``Vasprun``; see the module doc."""
    from pymatgen.io.vasp import Vasprun

    file_path = Path(path)
    data, digest = _read(file_path)
    with tempfile.TemporaryDirectory() as folder:  # pymatgen opens by name; give it plain XML
        plain = Path(folder) / "vasprun.xml"
        plain.write_bytes(data)
        try:
            with warnings.catch_warnings():  # io never prints; bad XML raises below
                warnings.simplefilter("ignore")
                run = Vasprun(plain, parse_dos=True, parse_eigen=False,
                              parse_projected_eigen=False, parse_potcar_file=False,
                              exception_on_bad_xml=True)
        except Exception as error:  # pymatgen raises many kinds on bad XML
            raise InputError(f"pymatgen cannot read it as a vasprun.xml ({error})",
                             file_path) from error
    dos = run.complete_dos if run.complete_dos is not None else run.tdos
    if dos is None or not dos.densities:
        raise InputError("holds no density of states (no <dos> block)", file_path,
                         "use the vasprun.xml of the DOS run (LORBIT/NEDOS set)")
    energies = np.asarray(dos.energies, dtype=np.float64) - float(dos.efermi)
    total = np.sum([np.asarray(d, dtype=np.float64) for d in run.tdos.densities.values()],
                   axis=0)
    result = checked_dos(energies, total, file_path, _record(file_path, digest, recorded_as),
                         tolerance, volume=float(run.final_structure.volume))
    nelect = run.parameters.get("NELECT")
    if nelect is not None and abs(result.electron_count - float(nelect)) > tolerance:
        raise InputError(
            f"the DOS integrates to {result.electron_count:.4f} electrons below the Fermi "
            f"level but NELECT = {float(nelect):g}", file_path,
            "the DOS window (EMIN/EMAX) misses states, or the run is not converged",
        )
    return result


def checked_dos(energies: np.ndarray, dos: np.ndarray, path: Path, record: FileRecord,
                tolerance: float = ELECTRON_COUNT_TOLERANCE,
                volume: float | None = None) -> ElectronicDos:
    """An :class:`ElectronicDos` from arrays read from ``path``, after the module's checks."""
    bad = ~(np.isfinite(energies) & np.isfinite(dos))
    if bad.any():
        raise InputError(f"NaN or infinite value at DOS point {int(np.argmax(bad)) + 1}", path)
    steps = np.diff(energies)
    if np.any(steps <= 0):
        where = int(np.argmax(steps <= 0)) + 2
        raise InputError(
            f"energies are not strictly ascending (point {where}: {energies[where - 1]:g} eV "
            f"after {energies[where - 2]:g} eV)", path, "sort the DOS by energy",
        )
    if not energies[0] < 0.0 < energies[-1]:
        raise InputError(
            f"the energies {energies[0]:g}..{energies[-1]:g} eV do not enclose the Fermi level "
            "(0 eV)", path, "give energies measured from the Fermi level, E - E_F",
        )
    result = ElectronicDos(energies=energies, dos=dos, volume=volume, provenance=(record,))
    count = result.electron_count
    nearest = round(count)
    if count < -tolerance or nearest <= 0:
        raise InputError(f"the DOS integrates to {count:.4f} electrons below the Fermi "
                         "level: it must be positive", path,
                         "check the sign of the DOS column and the energy zero (E - E_F)")
    if abs(count - nearest) > tolerance:
        raise InputError(
            f"the DOS integrates to {count:.4f} electrons below the Fermi level, not a whole "
            f"number (tolerance {tolerance:g})", path,
            "give the total DOS per cell with both spins summed, measured from E_F",
        )
    lowest = int(np.argmin(dos))
    if dos[lowest] < -NEGATIVE_DOS_FRACTION * float(np.max(np.abs(dos))):
        raise InputError(
            f"a DOS of {dos[lowest]:g} states/eV at {energies[lowest]:g} eV (point "
            f"{lowest + 1}): more negative than smearing gives ({NEGATIVE_DOS_FRACTION:.0%} "
            "of the largest value)", path, "check the file: a damaged or shifted DOS column?",
        )
    return result


def _read(path: Path) -> tuple[bytes, str]:
    if not path.is_file():
        raise InputError("is a folder, not a file" if path.is_dir() else "file not found",
                         path)
    return _read_bytes(path)


def _record(path: Path, digest: str, recorded_as: str | None) -> FileRecord:
    return FileRecord(path=recorded_as if recorded_as is not None else str(path),
                      sha256=digest)


__all__ = ["ELECTRON_COUNT_TOLERANCE", "checked_dos", "read_dos_table",
           "read_electronic_dos", "read_vasprun_dos"]

"""Low-level reading of VASP text files: decompression, hashing and a fast OUTCAR scan.

pymatgen's ``Outcar`` parses every block of the file (~0.15 s per 1 MB OUTCAR); ingestion
needs only the header (VASP version, POTCAR), the last ``magnetization (x)`` table, the
last magnetisation of the cell and ``energy(sigma->0)``, and the end-of-run timing block
that shows the file is complete. :func:`parse_outcar` scans for those only; the tests
check it against pymatgen's ``Outcar`` on real files.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from zenthermo.errors import InputError

_POTCAR_FUNCTIONALS = {"PAW_PBE": "PBE", "PAW_GGA": "PW91", "PAW": "LDA", "PAW_LDA": "LDA"}


@dataclass(frozen=True)
class OutcarSummary:
    """The few things read from an OUTCAR (see module docstring)."""

    vasp_version: str | None
    potcar_functional: str | None
    natoms: int | None
    site_moments: np.ndarray | None
    total_moment: float | None
    energy_sigma0: float | None


def read_bytes(path: Path) -> tuple[bytes, str]:
    """The decompressed bytes of a file and the sha256 of its stored bytes.

    Compression is recognised by content (gzip, bzip2, xz), not by name.
    """
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read file ({error.strerror or error})", path) from error
    digest = hashlib.sha256(raw).hexdigest()
    try:
        if raw[:2] == b"\x1f\x8b":
            return gzip.decompress(raw), digest
        if raw[:3] == b"BZh":
            return bz2.decompress(raw), digest
        if raw[:6] == b"\xfd7zXZ\x00":
            return lzma.decompress(raw), digest
    except (OSError, EOFError, lzma.LZMAError, ValueError) as error:
        raise InputError(f"compressed file is corrupt or truncated ({error})", path) from error
    return raw, digest


def read_text(path: Path) -> tuple[str, str]:
    """Decompressed text of a file (must look like text) and the sha256 of its stored bytes."""
    data, digest = read_bytes(path)
    if b"\x00" in data[:65536]:
        raise InputError("is a binary file, not VASP text output", path)
    return data.decode("utf-8", errors="replace"), digest


_MAG_ROW = re.compile(r"^\s*(\d+)((?:\s+-?\d+\.\d+)+)\s*$")


def parse_outcar(text: str, path: Path) -> OutcarSummary:
    """Scan an OUTCAR's text for version, POTCAR functional, moments and final energy.

    Raises
    ------
    InputError
        If it is not an OUTCAR, or the run did not finish (no timing block at the end:
        truncated or killed).
    """
    head = text[:20000]
    version = re.search(r"vasp\.(\d+\.\d+\.\d+)", head)
    if version is None and "POTCAR:" not in head:
        raise InputError("is not a VASP OUTCAR (no 'vasp.x.y.z' header)", path)
    if "General timing and accounting" not in text[-20000:]:
        raise InputError(
            "is truncated or the run did not finish (no final timing block)",
            path,
            hint="re-run or re-copy this calculation, or exclude the volume in the manifest",
        )
    potcar = re.search(r"POTCAR:\s+(\S+)", head)
    potcar_functional = None
    if potcar is not None:
        potcar_functional = _POTCAR_FUNCTIONALS.get(potcar.group(1).split("_5")[0], potcar.group(1))
    nions = re.search(r"NIONS\s*=\s*(\d+)", text[:200000])
    natoms = int(nions.group(1)) if nions else None

    moments = None
    start = text.rfind(" magnetization (x)")
    if start >= 0:
        values = []
        for line in text[start:start + 200 * (natoms or 1000)].splitlines()[4:]:
            row = _MAG_ROW.match(line)
            if row is None:
                break
            values.append(float(row.group(2).split()[-1]))
        if natoms is not None and len(values) != natoms:
            raise InputError(
                f"last magnetization table has {len(values)} rows for {natoms} ions", path
            )
        moments = np.array(values, dtype=np.float64)
    total = None
    last_mag = text.rfind("number of electron")
    if last_mag >= 0:
        mag = re.match(r"number of electron\s+\S+\s+magnetization\s+(-?\d+\.\d+)",
                       text[last_mag:last_mag + 200])
        total = float(mag.group(1)) if mag else None
    energy = None
    sigma0 = text.rfind("energy(sigma->0) =")
    if sigma0 >= 0:
        energy = float(text[sigma0:sigma0 + 60].split("=")[1].split()[0])
    return OutcarSummary(
        vasp_version=version.group(1) if version else None,
        potcar_functional=potcar_functional,
        natoms=natoms,
        site_moments=moments,
        total_moment=total,
        energy_sigma0=energy,
    )

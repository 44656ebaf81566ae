"""A fast scan of an OUTCAR for what ingestion needs, and what the run itself states.

pymatgen's ``Outcar`` parses every block of the file (~0.15 s per 1 MB OUTCAR); ingestion
needs only:

* the header: VASP version, the POTCARs (functional, element of each species) and
  ``ions per type`` (the species of every site, in order);
* the settings the run states: its parameter echo (``ISPIN``, ``ENCUT``, ``NELM``, ``NSW``,
  ``IBRION``, ``EDIFF``, ``GGA``, ``METAGGA``, ``LHFCALC``, whether LDA+U is on) and, where
  VASP 6 echoes the INCAR at the top, that echo (``MAGMOM`` among others);
* the k-mesh VASP generated (``generate k-points for:``) and its shift from Gamma;
* the last ``magnetization (x)`` table, the cell's last magnetisation, the last
  ``energy(sigma->0)``, the number of ionic and electronic steps of the last iteration;
* the end-of-run timing block that shows the file is complete.

:func:`parse_outcar` scans for those only; the tests check it against pymatgen's ``Outcar``
on real files. Fields that VASP overflowed (``*********``) are left unknown and noted, not
turned into an error: the caller uses what is readable.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import InputError

_POTCAR_FUNCTIONALS = {"PAW_PBE": "PBE", "PAW_GGA": "PW91", "PAW": "LDA", "PAW_LDA": "LDA"}

#: Parameter-block tags read from an OUTCAR, with the pattern of their value.
_PARAMETER_PATTERNS = {
    "ISPIN": r"\d+",
    "ENCUT": r"[-+]?\d+\.?\d*(?:[Ee][-+]?\d+)?",
    "NELM": r"\d+",
    "NSW": r"\d+",
    "IBRION": r"-?\d+",
    "EDIFF": r"[-+]?\d*\.?\d+(?:[Ee][-+]?\d+)?",
    "GGA": r"\S+",
    "METAGGA": r"\S+",
    "LHFCALC": r"[TF]",
}
_LDAU_MARKERS = ("LDA+U is selected", "LDAUTYPE", "LDAUU")
#: Length of the parameter echo that starts at "Startparameter for this run" (VASP 5 and 6
#: print ~12 000 characters).
_PARAMETER_BLOCK_CHARS = 20000
#: INCAR-echo tags that are read (the others are not handed to pymatgen's parser).
_ECHO_TAGS = frozenset({*_PARAMETER_PATTERNS, "MAGMOM", "LDAU", "HFSCREEN"})


@dataclass(frozen=True)
class OutcarSummary:
    """What one OUTCAR says (see the module docstring).

    Attributes
    ----------
    vasp_version, potcar_functional : str or None
    natoms : int or None
        ``NIONS``.
    site_moments : ndarray, shape (natoms,) or None
        ``tot`` column of the last ``magnetization (x)`` table, mu_B; None without a table
        or when a ``tot`` field overflowed.
    total_moment : float or None
        mu_B.
    energy_sigma0 : float or None
        Last ``energy(sigma->0)``, eV per cell.
    species : tuple of str or None
        Element of each site in VASP's order (POTCAR titles and ``ions per type``).
    parameters : dict
        INCAR-style tags the run states (raw text values), the parameter block taking
        precedence over the INCAR echo.
    kpoint_mesh : tuple of int or None
        Subdivisions VASP generated.
    kpoint_shift : tuple of float or None
        The mesh's shift from Gamma, in units of the k-lattice.
    ionic_steps, electronic_steps : int or None
        Index of the last ionic step, and the electronic steps it took.
    notes : tuple of str
        Fields that could not be read (overflowed), in words.
    """

    vasp_version: str | None
    potcar_functional: str | None
    natoms: int | None
    site_moments: np.ndarray | None
    total_moment: float | None
    energy_sigma0: float | None
    species: tuple[str, ...] | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    kpoint_mesh: tuple[int, int, int] | None = None
    kpoint_shift: tuple[float, float, float] | None = None
    ionic_steps: int | None = None
    electronic_steps: int | None = None
    notes: tuple[str, ...] = ()


def parse_outcar(text: str, path: Path) -> OutcarSummary:
    """Scan an OUTCAR's text (see the module docstring).

    Raises
    ------
    InputError
        If it is not an OUTCAR, the run did not finish (no timing block at the end:
        truncated or killed), or the last magnetisation table lacks rows.
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
    first_step = text.find("Iteration")
    header = text[: first_step if first_step >= 0 else 400000]
    nions = re.search(r"NIONS\s*=\s*(\d+)", header)
    natoms = int(nions.group(1)) if nions else None
    notes: list[str] = []
    moments = _last_moments(text, natoms, path, notes)
    total = None
    last_mag = text.rfind("number of electron")
    if last_mag >= 0:
        mag = re.match(r"number of electron\s+\S+\s+magnetization\s+(-?\d+\.\d+)",
                       text[last_mag:last_mag + 200])
        total = float(mag.group(1)) if mag else None
    energy = None
    sigma0 = text.rfind("energy(sigma->0) =")
    if sigma0 >= 0:
        field_text = text[sigma0:sigma0 + 60].split("=")[1].split()
        energy = _float_or_none(field_text[0] if field_text else "")
        if energy is None:
            notes.append("the final energy(sigma->0) is overflowed or unreadable")
    ionic, electronic = _last_iteration(text)
    return OutcarSummary(
        vasp_version=version.group(1) if version else None,
        potcar_functional=potcar_functional,
        natoms=natoms,
        site_moments=moments,
        total_moment=total,
        energy_sigma0=energy,
        species=_species(header, natoms),
        parameters=_parameters(header),
        kpoint_mesh=_kpoint_mesh(header),
        kpoint_shift=_kpoint_shift(header),
        ionic_steps=ionic,
        electronic_steps=electronic,
        notes=tuple(notes),
    )


def _float_or_none(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def _last_moments(text: str, natoms: int | None, path: Path,
                  notes: list[str]) -> np.ndarray | None:
    start = text.rfind(" magnetization (x)")
    if start < 0:
        return None
    values: list[float | None] = []
    for line in text[start:start + 200 * (natoms or 1000)].splitlines()[4:]:
        fields = line.split()
        if len(fields) < 2 or fields[0] != str(len(values) + 1):
            break
        values.append(_float_or_none(fields[-1]))
    if natoms is not None and len(values) != natoms:
        raise InputError(
            f"last magnetization table has {len(values)} rows for {natoms} ions", path
        )
    overflowed = [index + 1 for index, value in enumerate(values) if value is None]
    if overflowed:
        notes.append(
            "the last magnetization table has overflowed or unreadable moments (site(s) "
            f"{', '.join(map(str, overflowed))}): site moments not used"
        )
        return None
    return np.array(values, dtype=np.float64)


def _last_iteration(text: str) -> tuple[int | None, int | None]:
    last = text.rfind("Iteration")
    if last < 0:
        return None, None
    match = re.match(r"Iteration\s+(\d+)\s*\(\s*(\d+)\)", text[last:last + 60])
    if match is None:
        return None, None
    return int(match.group(1)), int(match.group(2))


def _species(header: str, natoms: int | None) -> tuple[str, ...] | None:
    titles = re.findall(r"TITEL\s*=\s*\S+\s+([A-Z][a-z]?)", header)
    counts = re.search(r"ions per type =([ \d]+)", header)
    if not titles or counts is None:
        return None
    numbers = [int(n) for n in counts.group(1).split()]
    if len(numbers) != len(titles):
        return None
    species = tuple(el for el, n in zip(titles, numbers, strict=True) for _ in range(n))
    if natoms is not None and len(species) != natoms:
        return None
    return species


def _parameters(header: str) -> dict[str, Any]:
    stated: dict[str, Any] = {}
    echo = _incar_echo(header)
    if echo:
        from pymatgen.io.vasp.inputs import Incar

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                stated.update(Incar.from_str(echo))
        except Exception:  # noqa: BLE001 - an unparsable echo is only a lost cross-check
            pass
    block_start = header.find("Startparameter for this run")
    if block_start < 0:
        return stated
    block = header[block_start:block_start + _PARAMETER_BLOCK_CHARS]
    for tag, pattern in _PARAMETER_PATTERNS.items():
        if tag not in block:  # a plain search first: the regex is slow on a miss
            continue
        match = re.search(rf"^\s*{tag}\s*=\s*({pattern})", block, flags=re.MULTILINE)
        if match is not None:
            stated[tag] = match.group(1)
    rest = header[block_start:]  # LDA+U prints its tables near the block (plain search)
    stated["LDAU"] = any(marker in rest for marker in _LDAU_MARKERS) or bool(
        stated.get("LDAU") is True
    )
    return stated


def _incar_echo(header: str) -> str:
    """The INCAR lines VASP 6 echoes after `` INCAR:`` at the top, for the tags read
    (empty if there is no echo)."""
    start = header.find("\n INCAR:\n")
    if start < 0:
        return ""
    lines = []
    for line in header[start + 9:start + 20000].splitlines():
        if not line.strip():
            break
        tag = re.match(r"^\s+([A-Za-z][A-Za-z0-9_]*)\s*=", line)
        if tag is not None and tag.group(1).upper() in _ECHO_TAGS:
            lines.append(line.strip())
    return "\n".join(lines)


def _kpoint_mesh(header: str) -> tuple[int, int, int] | None:
    match = re.search(r"generate k-points for:\s+(\d+)\s+(\d+)\s+(\d+)", header)
    return None if match is None else (int(match[1]), int(match[2]), int(match[3]))


def _kpoint_shift(header: str) -> tuple[float, float, float] | None:
    match = re.search(r"Shift w\.r\.t\. Gamma in fractional coordinates \(k-lattice\)\s*\n"
                      r"\s*(\S+)\s+(\S+)\s+(\S+)", header)
    if match is None:
        return None
    values = [_float_or_none(match[i]) for i in (1, 2, 3)]
    return None if any(v is None for v in values) else tuple(values)  # type: ignore[return-value]

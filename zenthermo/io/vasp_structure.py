"""Structures from VASP files: POSCAR/CONTCAR (VASP 5 and VASP 4 style) and OUTCAR.

A VASP 4 style POSCAR has no species line: the counts follow the lattice directly and the
elements are named, if at all, on the comment line (as in phonopy's own examples) or after
the coordinates. pymatgen then falls back to dummy names (H, He, ...) with a warning; here
the names come instead from, in order: the same run's OUTCAR or the POTCAR beside the file
(``element_hint``), the symbols after the coordinates (pymatgen reads those), or the comment
line when it names exactly one element per count (``Si``, ``Fe9 Pt3``, ``Fe3Pt``). Without
any of these the file is refused with a message: a structure is never read as hydrogen.

The final structure of a run without CONTCAR is read from its OUTCAR with ase's
``vasp-out`` reader (positions, cell and species as VASP printed them).
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

from zenthermo.errors import InputError
from zenthermo.io.compressed import FileContent
from zenthermo.io.library_warnings import captured

_FORMULA_TOKEN = re.compile(r"(?:[A-Z][a-z]?\d*(?:\.\d+)?)+")
_ELEMENT_COUNT = re.compile(r"([A-Z][a-z]?)(\d*(?:\.\d+)?)")
_VASP4_HINT = ("add the element symbols as the 6th line (VASP 5 format), or put the POTCAR "
               "of the calculation beside it")


def element_groups(species: Sequence[str]) -> tuple[list[str], list[int]]:
    """Run-length form of a species list: (["Fe", "Pt"], [9, 3]) for Fe x9, Pt x3."""
    names: list[str] = []
    counts: list[int] = []
    for element in species:
        if names and names[-1] == element:
            counts[-1] += 1
        else:
            names.append(element)
            counts.append(1)
    return names, counts


def potcar_elements(text: str) -> list[str]:
    """The element of each POTCAR in a POTCAR (or OUTCAR) text, from its ``TITEL`` lines."""
    return re.findall(r"TITEL\s*=\s*\S+\s+([A-Z][a-z]?)", text)


def _is_element(symbol: str) -> bool:
    from pymatgen.core import Element

    return Element.is_valid_symbol(symbol) and symbol not in ("D", "T")


def comment_elements(comment: str, counts: Sequence[int]) -> list[str] | None:
    """Elements named on a POSCAR comment line, one per count group, or None.

    Only whole tokens that read as formulas count (``This is Si`` gives ``Si``, not ``Th``);
    counts written there must be proportional to the file's counts.
    """
    found: list[tuple[str, float | None]] = []
    for token in comment.split():
        if not _FORMULA_TOKEN.fullmatch(token):
            continue
        for symbol, amount in _ELEMENT_COUNT.findall(token):
            if not _is_element(symbol):
                return None
            found.append((symbol, float(amount) if amount else None))
    symbols = [s for s, _ in found]
    if len(found) != len(counts) or len(set(symbols)) != len(symbols):
        return None
    amounts = [a if a is not None else 1.0 for _, a in found]
    if all(a is not None for _, a in found) or len(counts) == 1:
        ratio = counts[0] / amounts[0]
        if any(abs(n - ratio * a) > 1e-6 * n for n, a in zip(counts, amounts, strict=True)):
            return None
    return symbols


def _missing_species_line(lines: list[str]) -> list[int] | None:
    """The counts of a VASP 4 style file whose elements are named nowhere in the file's
    body (no species line, no symbols after the coordinates); None otherwise."""
    if len(lines) < 8:
        return None
    fields = lines[5].split()
    if not fields or not all(f.isdigit() for f in fields):
        return None
    counts = [int(f) for f in fields]
    first = 7 if lines[6].strip()[:1] in ("s", "S") else 6
    column = 6 if first == 7 else 3
    rows = [line.split() for line in lines[first + 1:first + 1 + sum(counts)]]
    if rows and all(len(r) > column and _is_element(r[column]) for r in rows):
        return None
    return counts


def parse_poscar(text: str, path: Path, element_hint: Sequence[str] | None = None,
                 notes: list[str] | None = None):
    """A POSCAR/CONTCAR text as a pymatgen ``Structure`` (see the module docstring).

    Parameters
    ----------
    text : str
    path : Path
        Named in messages.
    element_hint : sequence of str, optional
        Element of each species group, from the same run (OUTCAR) or a POTCAR beside it;
        used only when the file itself names no elements.
    notes : list of str, optional
        Receives what was inferred (where the elements came from) and pymatgen's warnings.

    Raises
    ------
    InputError
        Unparsable file, or a VASP 4 style file whose elements cannot be told.
    """
    from pymatgen.io.vasp.inputs import Poscar

    notes = [] if notes is None else notes
    lines = text.splitlines()
    counts = _missing_species_line(lines)
    names = None
    if counts is not None:
        names = _vasp4_names(lines[0], counts, element_hint, path, notes)
    found: list[str] = []
    try:
        with captured(found, path.name, "pymatgen") as messages:
            structure = Poscar.from_str(text, default_names=names).structure
    except Exception as error:  # noqa: BLE001 - pymatgen raises many kinds on a bad POSCAR
        raise InputError(f"cannot parse structure ({type(error).__name__}: {error})",
                         path) from error
    if any("cannot be determined" in m for m in messages):  # pymatgen's fallback: H, He, ...
        raise InputError("names no elements (VASP 4 format)", path, hint=_VASP4_HINT)
    # pymatgen announces that it used the names handed to it: expected, not news
    notes += [n for n in found if names is None or "would be overwritten" not in n]
    return structure


def _vasp4_names(comment: str, counts: list[int], hint: Sequence[str] | None, path: Path,
                 notes: list[str]) -> list[str]:
    from_comment = comment_elements(comment, counts)
    if hint is not None and len(hint) == len(counts):
        if from_comment is not None and list(from_comment) != list(hint):
            notes.append(f"{path.name}: no species line; its comment names "
                         f"{' '.join(from_comment)} but the run's POTCARs are "
                         f"{' '.join(hint)}; the POTCARs are used")
        return list(hint)
    if from_comment is not None:
        notes.append(f"{path.name}: no species line (VASP 4 format); elements "
                     f"{' '.join(from_comment)} taken from its comment line")
        return from_comment
    raise InputError(
        f"has no species line (VASP 4 format) and its comment line {comment.strip()!r} does "
        f"not name one element per count ({' '.join(map(str, counts))}); no POTCAR or "
        "OUTCAR beside it tells them", path, hint=_VASP4_HINT,
    )


def outcar_structure(path: Path, content: FileContent, notes: list[str]):
    """The final structure in an OUTCAR (ase's ``vasp-out`` reader), as a pymatgen Structure.

    ase is handed a decompressed copy alone in a private folder, so that it reads nothing
    else (it looks for a CONTCAR beside the OUTCAR for constraints).

    Raises
    ------
    InputError
        When ase cannot read it (e.g. an overflowed ``*****`` position).
    """
    from ase.io import read
    from pymatgen.core import Structure

    try:
        with tempfile.TemporaryDirectory(prefix="zenthermo-") as folder:
            copy = Path(folder) / "OUTCAR"
            copy.write_bytes(content.data)
            with captured(notes, path.name, "ase"):
                atoms = read(str(copy), format="vasp-out", index=-1)
            assert not isinstance(atoms, list)  # index=-1 reads one image
    except Exception as error:  # noqa: BLE001 - ase raises many kinds on damaged files
        raise InputError(
            f"cannot read the final structure from the OUTCAR ({type(error).__name__}: "
            f"{error}); an overflowed (*****) or damaged position block?", path,
        ) from error
    return Structure(atoms.cell.array, atoms.get_chemical_symbols(),
                     atoms.get_scaled_positions(wrap=False))

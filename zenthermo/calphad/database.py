"""Reading a TDB database with pycalphad and checking a phase against it.

Parsing is pycalphad's; this module turns what can go wrong into zenthermo errors that name
the file and the problem, keeps pycalphad's parser warnings out of the user's face (they are
collected in :attr:`LoadedDatabase.warnings`), and finds the temperature range over which a
phase's Gibbs energy parameters are defined.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from zenthermo.errors import InputError

#: Pseudo-elements that are allowed as components but carry no atoms.
PSEUDO_ELEMENTS = frozenset({"VA", "/-"})


@dataclass(frozen=True)
class LoadedDatabase:
    """A pycalphad ``Database`` with where it came from and what the parser complained about.

    Attributes
    ----------
    database
        The ``pycalphad.Database``.
    path
        The TDB file, or None for a database built in memory.
    warnings
        The messages of the warnings pycalphad emitted while parsing (harmless for most
        published databases; kept so that a report can list them).
    """

    database: Any
    path: Path | None
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The file name, or ``"<database>"`` for one built in memory."""
        return self.path.name if self.path is not None else "<database>"


def load_database(path: str | os.PathLike[str]) -> LoadedDatabase:
    """Read a TDB file with pycalphad.

    Raises
    ------
    InputError
        The file is missing, unreadable, or pycalphad cannot parse it.
    """
    from pycalphad import Database

    tdb_path = Path(path)
    if not tdb_path.is_file():
        raise InputError("TDB database not found", tdb_path, "give the path of a .tdb file")
    try:
        text = tdb_path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise InputError(f"cannot read the TDB database ({error.strerror})", tdb_path) from error
    if "!" not in text:
        raise InputError(
            "not a TDB database: no '!'-terminated statements", tdb_path,
            "a TDB file holds ELEMENT, FUNCTION, PHASE, CONSTITUENT and PARAMETER statements",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            database = Database.from_string(text, fmt="tdb")
        except Exception as error:  # pycalphad raises many kinds on malformed input
            detail = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise InputError(
                f"pycalphad cannot parse this TDB database "
                f"({type(error).__name__}: {detail})"[:300],
                tdb_path,
                "check the statement named above; every statement must end with '!'",
            ) from error
    if not database.phases:
        raise InputError("the TDB database defines no phase", tdb_path)
    messages = tuple(dict.fromkeys(str(w.message) for w in caught))
    return LoadedDatabase(database=database, path=tdb_path, warnings=messages)


def as_loaded_database(database: Any) -> LoadedDatabase:
    """Accept a path, a :class:`LoadedDatabase` or a ``pycalphad.Database``."""
    if isinstance(database, LoadedDatabase):
        return database
    if isinstance(database, str | os.PathLike):
        return load_database(database)
    if hasattr(database, "phases") and hasattr(database, "elements"):
        return LoadedDatabase(database=database, path=None)
    raise InputError(
        f"expected a TDB path or a pycalphad Database, got {type(database).__name__}"
    )


def normalize_components(components: str | Iterable[str]) -> tuple[str, ...]:
    """Upper-case, de-duplicated component names; accepts ``"AL,VA"`` or ``["Al", "VA"]``."""
    if isinstance(components, str):
        components = components.split(",")
    names = [str(name).strip().upper() for name in components]
    names = [name for name in names if name]
    if not names:
        raise InputError("no components given", hint="give e.g. --components SI or AL,VA")
    return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class PhaseModelInfo:
    """A phase restricted to the chosen components.

    Attributes
    ----------
    name
        Phase name as in the database (upper case).
    components
        The components, upper case.
    constituents
        Per sublattice, the sorted constituent names left once restricted to the components.
    site_ratios
        Per sublattice, the number of sites.
    temperature_range_K
        (low, high): the range in which every Gibbs energy parameter of the phase among
        these components (and every function it uses) is defined.
    """

    name: str
    components: tuple[str, ...]
    constituents: tuple[tuple[str, ...], ...]
    site_ratios: tuple[float, ...]
    temperature_range_K: tuple[float, float]

    @property
    def is_fixed_configuration(self) -> bool:
        """True when each sublattice holds one constituent: no internal degree of freedom."""
        return all(len(sub) == 1 for sub in self.constituents)

    def atoms_per_formula(self) -> dict[str, float]:
        """Atoms of each element per formula unit, for a fixed configuration (VA excluded)."""
        counts: dict[str, float] = {}
        for sub, ratio in zip(self.constituents, self.site_ratios, strict=True):
            for name in sub:
                if name not in PSEUDO_ELEMENTS:
                    counts[name] = counts.get(name, 0.0) + float(ratio)
        return counts


def describe_phase(
    loaded: LoadedDatabase, phase: str, components: Sequence[str]
) -> PhaseModelInfo:
    """Check that ``phase`` exists and can be built from ``components``; describe it.

    Raises
    ------
    InputError
        The phase is not in the database, a component is not an element of the database,
        or a sublattice of the phase has no constituent among the components.
    """
    database = loaded.database
    phase_name = phase.strip().upper()
    comps = normalize_components(components)
    if phase_name not in database.phases:
        close = sorted(name for name in database.phases if phase_name[:3] in name)[:8]
        hint = f"phases with a similar name: {', '.join(close)}" if close else (
            f"the database has {len(database.phases)} phases")
        raise InputError(f"phase {phase_name} is not in the database", loaded.path, hint)
    unknown = [name for name in comps if name not in database.elements]
    if unknown:
        raise InputError(
            f"component(s) {', '.join(unknown)} not defined in the database", loaded.path,
            f"its elements are {', '.join(sorted(database.elements))}",
        )
    phase_object = database.phases[phase_name]
    constituents: list[tuple[str, ...]] = []
    for index, sublattice in enumerate(phase_object.constituents):
        names = sorted(str(species.name).upper() for species in sublattice)
        kept = tuple(name for name in names if name in comps)
        if not kept:
            raise InputError(
                f"phase {phase_name} cannot be formed from the components {', '.join(comps)}: "
                f"sublattice {index + 1} holds only {', '.join(names)}",
                loaded.path,
                "add a constituent of that sublattice to --components (often VA)",
            )
        constituents.append(kept)
    t_range = _phase_temperature_range(database, phase_name, comps)
    return PhaseModelInfo(
        name=phase_name,
        components=comps,
        constituents=tuple(constituents),
        site_ratios=tuple(float(r) for r in phase_object.sublattices),
        temperature_range_K=t_range,
    )


def _phase_temperature_range(
    database: Any, phase_name: str, comps: Sequence[str]
) -> tuple[float, float]:
    """Intersection of the T ranges of the phase's parameters among ``comps``."""
    allowed = set(comps)
    low, high = 0.0, float("inf")
    for param in database._parameters.all():
        if param["phase_name"] != phase_name:
            continue
        species = {str(sp.name).upper() for sub in param["constituent_array"] for sp in sub}
        if not species <= allowed:
            continue
        lo, hi = _expression_range(param["parameter"], database.symbols, set())
        low, high = max(low, lo), min(high, hi)
    return low, high


def _expression_range(expression: Any, symbols: dict, seen: set) -> tuple[float, float]:
    """T range where a (Piecewise) expression and the functions it uses are defined."""
    import sympy

    if not isinstance(expression, sympy.Basic):
        to_sympy = getattr(expression, "_sympy_", None)  # pycalphad stores symengine objects
        expression = to_sympy() if to_sympy is not None else sympy.sympify(expression)
    low, high = 0.0, float("inf")
    if isinstance(expression, sympy.Piecewise):
        bounds: list[float] = []
        for _, condition in expression.args:
            if condition is sympy.true:
                continue
            for relation in condition.atoms(sympy.core.relational.Relational):
                numbers = [a for a in relation.args if a.is_number]
                bounds.extend(float(n) for n in numbers)
        if bounds:
            low, high = min(bounds), max(bounds)
    for symbol in getattr(expression, "free_symbols", ()):
        name = str(symbol)
        if name in symbols and name not in seen:
            seen.add(name)
            lo, hi = _expression_range(symbols[name], symbols, seen)
            low, high = max(low, lo), min(high, hi)
    return low, high

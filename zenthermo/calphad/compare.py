"""Comparing zenthermo's thermodynamics with a CALPHAD phase.

A first-principles Gibbs energy and a CALPHAD one have different energy references (a DFT
total energy against the SGTE "stable element reference"), so only what does not depend on
the reference is compared: C_P(T), S(T), H(T) - H(298.15 K) and G(T) - G(298.15 K), all per
mole of atoms. zenthermo's values come from the isobar at P = 0 GPa, CALPHAD's from pycalphad
at 1 atm (the difference of 101325 Pa is far below what the comparison resolves).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicHermiteSpline, CubicSpline

from zenthermo.calphad.database import (
    PSEUDO_ELEMENTS,
    as_loaded_database,
    describe_phase,
    normalize_components,
)
from zenthermo.calphad.evaluate import evaluate_phase
from zenthermo.errors import DomainError, InputError
from zenthermo.thermo.results import Analysis, Isobar
from zenthermo.units import ev_per_cell_to_j_per_mol_atoms

#: The CALPHAD (SGTE) reference temperature, K.
REFERENCE_T_K = 298.15

#: Quantities compared: key, label, unit.
QUANTITIES: tuple[tuple[str, str, str], ...] = (
    ("Cp", "C_P", "J/(K mol)"),
    ("S", "S", "J/(K mol)"),
    ("dH", "H - H(298.15 K)", "J/mol"),
    ("dG", "G - G(298.15 K)", "J/mol"),
)


@dataclass(frozen=True)
class MolarIsobar:
    """An isobar in CALPHAD units: per mole of atoms; arrays of shape (nT,)."""

    T_K: np.ndarray
    G_J_per_mol: np.ndarray
    H_J_per_mol: np.ndarray
    S_J_per_K_mol: np.ndarray
    Cp_J_per_K_mol: np.ndarray
    extrapolated: np.ndarray


def molar_isobar(isobar: Isobar, natoms: int) -> MolarIsobar:
    """The one place where zenthermo's per-cell eV values become J per mole of atoms."""
    def convert(values: np.ndarray) -> np.ndarray:
        return np.asarray(ev_per_cell_to_j_per_mol_atoms(np.asarray(values, float), natoms))

    return MolarIsobar(
        T_K=np.asarray(isobar.T_K, dtype=np.float64),
        G_J_per_mol=convert(isobar.G_eV),
        H_J_per_mol=convert(isobar.H_eV),
        S_J_per_K_mol=convert(isobar.S_eV_per_K),
        Cp_J_per_K_mol=convert(isobar.Cp_eV_per_K),
        extrapolated=np.asarray(isobar.extrapolated, dtype=bool),
    )


def zero_pressure_isobar(analysis: Analysis) -> MolarIsobar:
    """The P = 0 isobar of ``analysis`` per mole of atoms; DomainError if there is none."""
    try:
        isobar = analysis.isobar(0.0)
    except KeyError as error:
        pressures = ", ".join(f"{i.P_GPa:g}" for i in analysis.isobars)
        raise DomainError(
            f"the analysis has no isobar at P = 0 GPa (it has {pressures or 'none'} GPa)",
            hint="analyse with a pressure list that includes 0",
        ) from error
    if analysis.natoms <= 0:
        raise InputError(f"the analysis gives natoms = {analysis.natoms}")
    return molar_isobar(isobar, analysis.natoms)


def interpolate_molar(molar: MolarIsobar, T_K: np.ndarray) -> dict[str, np.ndarray]:
    """G, H, S, C_P at ``T_K`` from the isobar, using the exact slopes it carries.

    G and H are Hermite-interpolated with dG/dT = -S and dH/dT = C_P, S with dS/dT = C_P/T;
    C_P with a cubic spline. At the isobar's own temperatures the values are returned as they
    are.
    """
    T, Tq = molar.T_K, np.asarray(T_K, dtype=np.float64)
    if T.size < 2:
        raise DomainError("the P = 0 isobar has fewer than two temperatures")
    if Tq.min() < T[0] - 1e-9 or Tq.max() > T[-1] + 1e-9:
        raise DomainError(
            f"temperatures {Tq.min():g}-{Tq.max():g} K leave the analysis range "
            f"{T[0]:g}-{T[-1]:g} K"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        dS_dT = np.where(T > 0, molar.Cp_J_per_K_mol / T, 0.0)
    return {
        "G": CubicHermiteSpline(T, molar.G_J_per_mol, -molar.S_J_per_K_mol)(Tq),
        "H": CubicHermiteSpline(T, molar.H_J_per_mol, molar.Cp_J_per_K_mol)(Tq),
        "S": CubicHermiteSpline(T, molar.S_J_per_K_mol, dS_dT)(Tq),
        "Cp": CubicSpline(T, molar.Cp_J_per_K_mol)(Tq) if T.size > 2 else np.interp(
            Tq, T, molar.Cp_J_per_K_mol),
    }


@dataclass(frozen=True)
class QuantityComparison:
    """One compared quantity along temperature; arrays of shape (nT,)."""

    key: str
    label: str
    unit: str
    zenthermo: np.ndarray
    calphad: np.ndarray

    @property
    def difference(self) -> np.ndarray:
        """zenthermo - CALPHAD."""
        return self.zenthermo - self.calphad


@dataclass(frozen=True)
class DeviationStats:
    """Deviation of one quantity over one temperature range.

    ``rmse`` and ``max_abs`` in the quantity's unit; ``T_at_max_K`` where the largest
    absolute deviation occurs; ``max_percent`` the largest deviation relative to |CALPHAD|
    (NaN for the differences H - H298 and G - G298, which vanish at 298.15 K);
    ``mean`` the signed mean deviation (zenthermo - CALPHAD).
    """

    quantity: str
    label: str
    unit: str
    T_low_K: float
    T_high_K: float
    n_points: int
    rmse: float
    max_abs: float
    T_at_max_K: float
    mean: float
    max_percent: float


@dataclass(frozen=True)
class CalphadComparison:
    """zenthermo (P = 0) against a CALPHAD phase (1 atm), per mole of atoms.

    Attributes
    ----------
    phase, components, database
        The phase, the components used, and the database file name.
    composition
        Mole fractions of the computed material (upper-case element names).
    method
        How pycalphad was asked (see :mod:`zenthermo.calphad.evaluate`).
    T_K
        Shape (nT,), the temperatures compared.
    quantities
        C_P, S, H - H(298.15 K), G - G(298.15 K), in that order.
    extrapolated
        Shape (nT,): True where zenthermo's equilibrium volume sat on the edge of its
        volume domain (interpolated between the isobar's flags).
    deviations
        Statistics over the whole compared range, one per quantity.
    database_warnings
        What pycalphad's parser warned about (kept out of the console).
    """

    phase: str
    components: tuple[str, ...]
    database: str
    composition: Mapping[str, float]
    method: str
    T_K: np.ndarray
    quantities: tuple[QuantityComparison, ...]
    extrapolated: np.ndarray
    deviations: tuple[DeviationStats, ...]
    database_warnings: tuple[str, ...] = ()

    def quantity(self, key: str) -> QuantityComparison:
        """The comparison of ``key`` (one of "Cp", "S", "dH", "dG")."""
        for item in self.quantities:
            if item.key == key:
                return item
        raise KeyError(f"no quantity {key!r}; have {[q.key for q in self.quantities]}")


def default_temperatures(
    analysis: Analysis, tmin: float | None = None, tmax: float | None = None,
    phase_range_K: tuple[float, float] = (REFERENCE_T_K, np.inf),
) -> np.ndarray:
    """The analysis temperatures to compare at: inside [tmin, tmax], at or above 298.15 K,
    inside the phase's defined range, and up to the first temperature where the equilibrium
    volume leaves the volume domain (``extrapolated``) unless ``tmax`` is given.

    Raises
    ------
    DomainError
        ``tmin``/``tmax`` outside the analysis, or no temperature left.
    """
    molar = zero_pressure_isobar(analysis)
    T = molar.T_K
    low = REFERENCE_T_K if tmin is None else float(tmin)
    high = T[-1] if tmax is None else float(tmax)
    if tmin is not None and (low < T[0] - 1e-9 or low > T[-1]):
        raise DomainError(f"tmin = {low:g} K lies outside the analysis range {T[0]:g}-{T[-1]:g} K")
    if tmax is not None and (high > T[-1] + 1e-9 or high < T[0]):
        raise DomainError(f"tmax = {high:g} K lies outside the analysis range {T[0]:g}-{T[-1]:g} K")
    low = max(low, REFERENCE_T_K, phase_range_K[0])
    high = min(high, phase_range_K[1])
    if tmax is None and np.any(molar.extrapolated & (low <= T)):
        first_bad = T[molar.extrapolated & (low <= T)][0]
        high = min(high, first_bad - 1e-9)
    chosen = T[(low - 1e-9 <= T) & (high + 1e-9 >= T)]
    if chosen.size < 2:
        raise DomainError(
            f"fewer than two analysis temperatures between {low:g} and {high:g} K to compare",
            hint="extend the analysis temperatures above 298.15 K",
        )
    return chosen


def compare_with_calphad(
    analysis: Analysis,
    database,
    phase: str,
    components: str | Sequence[str],
    temperatures: Iterable[float] | None = None,
    composition: Mapping[str, float] | None = None,
    ranges: Sequence[tuple[float, float]] | None = None,
) -> CalphadComparison:
    """Compare the P = 0 isobar of ``analysis`` with ``phase`` of a CALPHAD database.

    Parameters
    ----------
    analysis
        zenthermo's analysis; needs an isobar at P = 0 GPa that reaches 298.15 K.
    database
        A TDB path, a :class:`~zenthermo.calphad.database.LoadedDatabase` or a
        ``pycalphad.Database``.
    phase, components
        E.g. ``"DIAMOND_A4", ["SI"]`` or ``"FCC_A1", ["AL", "VA"]``.
    temperatures
        K, shape (nT,); default :func:`default_temperatures`. Must lie in the analysis
        range and in the phase's defined range.
    composition
        Atoms per element; default ``analysis.composition`` (or, when that is empty and a
        single element is among the components, that pure element).
    ranges
        Extra (low, high) K ranges for :attr:`CalphadComparison.deviations`, besides the
        whole range.

    Raises
    ------
    InputError
        Unreadable/malformed TDB, unknown phase or component, composition mismatch.
    DomainError
        Temperatures outside the analysis or the phase's range, no P = 0 isobar.
    """
    loaded = as_loaded_database(database)
    comps = normalize_components(components)
    info = describe_phase(loaded, phase, comps)
    molar = zero_pressure_isobar(analysis)
    if temperatures is None:
        T = default_temperatures(analysis, phase_range_K=info.temperature_range_K)
    else:
        T = np.sort(np.asarray(list(temperatures), dtype=np.float64).reshape(-1))
        if T.size < 2:
            raise DomainError("give at least two temperatures to compare at")
    if T[0] < REFERENCE_T_K - 1e-9:
        raise DomainError(
            f"CALPHAD comparison starts at {REFERENCE_T_K} K (SGTE reference); "
            f"asked from {T[0]:g} K"
        )
    if molar.T_K[0] > REFERENCE_T_K + 1e-9:
        raise DomainError(
            f"the analysis starts at {molar.T_K[0]:g} K, above the reference {REFERENCE_T_K} K "
            "needed for H - H298 and G - G298",
            hint="analyse from a lower temperature",
        )
    chosen_composition = _composition(analysis, composition, comps, loaded)
    calphad = evaluate_phase(loaded, info, chosen_composition, np.concatenate([[REFERENCE_T_K], T]))
    ours = interpolate_molar(molar, np.concatenate([[REFERENCE_T_K], T]))
    pairs = {
        "Cp": (ours["Cp"][1:], calphad.Cp_J_per_K_mol[1:]),
        "S": (ours["S"][1:], calphad.S_J_per_K_mol[1:]),
        "dH": (ours["H"][1:] - ours["H"][0], calphad.H_J_per_mol[1:] - calphad.H_J_per_mol[0]),
        "dG": (ours["G"][1:] - ours["G"][0], calphad.G_J_per_mol[1:] - calphad.G_J_per_mol[0]),
    }
    quantities = tuple(
        QuantityComparison(key=key, label=label, unit=unit, zenthermo=pairs[key][0],
                           calphad=pairs[key][1])
        for key, label, unit in QUANTITIES
    )
    flags = np.interp(T, molar.T_K, molar.extrapolated.astype(float)) > 0
    partial = CalphadComparison(
        phase=info.name, components=comps, database=loaded.name,
        composition=dict(sorted(_fractions(chosen_composition).items())), method=calphad.method,
        T_K=T, quantities=quantities, extrapolated=flags, deviations=(),
        database_warnings=loaded.warnings,
    )
    stats = deviation_stats(partial, [(float(T[0]), float(T[-1])), *(ranges or ())])
    return CalphadComparison(**{**partial.__dict__, "deviations": stats})


def deviation_stats(
    comparison: CalphadComparison, ranges: Sequence[tuple[float, float]] | None = None
) -> tuple[DeviationStats, ...]:
    """RMSE, largest deviation and its temperature per quantity over each (low, high) range.

    Without ``ranges``, the whole compared range. A range is clipped to the compared
    temperatures; DomainError if it holds none.
    """
    T = comparison.T_K
    if not ranges:
        ranges = [(float(T[0]), float(T[-1]))]
    rows: list[DeviationStats] = []
    for low, high in ranges:
        if not low < high:
            raise DomainError(f"temperature range {low:g}:{high:g} K is empty (low >= high)")
        mask = (low - 1e-9 <= T) & (high + 1e-9 >= T)
        if not mask.any():
            raise DomainError(
                f"temperature range {low:g}:{high:g} K holds none of the compared temperatures "
                f"({T[0]:g}-{T[-1]:g} K)"
            )
        for item in comparison.quantities:
            diff = item.difference[mask]
            index = int(np.argmax(np.abs(diff)))
            relative = np.nan
            if item.key in ("Cp", "S"):
                with np.errstate(divide="ignore", invalid="ignore"):
                    relative = float(np.max(np.abs(diff) / np.abs(item.calphad[mask])) * 100)
            rows.append(DeviationStats(
                quantity=item.key, label=item.label, unit=item.unit,
                T_low_K=float(T[mask][0]), T_high_K=float(T[mask][-1]),
                n_points=int(mask.sum()), rmse=float(np.sqrt(np.mean(diff**2))),
                max_abs=float(abs(diff[index])), T_at_max_K=float(T[mask][index]),
                mean=float(np.mean(diff)), max_percent=relative,
            ))
    return tuple(rows)


def parse_ranges(text: str | None) -> list[tuple[float, float]]:
    """``"300:800,800:1200"`` -> [(300, 800), (800, 1200)]; InputError on bad syntax."""
    if not text:
        return []
    ranges = []
    for part in text.split(","):
        pieces = part.strip().split(":")
        try:
            low, high = (float(p) for p in pieces)
        except ValueError:
            raise InputError(
                f"temperature range {part.strip()!r} is not LOW:HIGH in K",
                hint="e.g. --ranges 300:800,800:1200",
            ) from None
        if not low < high:
            raise InputError(f"temperature range {part.strip()!r} is empty (low >= high)")
        ranges.append((low, high))
    return ranges


def _fractions(composition: Mapping[str, float]) -> dict[str, float]:
    from zenthermo.calphad.evaluate import mole_fractions

    return mole_fractions(composition)


def _composition(analysis: Analysis, composition, comps, loaded) -> Mapping[str, float]:
    if composition:
        return composition
    if analysis.composition:
        return analysis.composition
    elements = [c for c in comps if c not in PSEUDO_ELEMENTS]
    if len(elements) == 1:
        return {elements[0]: 1.0}
    raise InputError(
        "the analysis carries no composition and the components hold several elements",
        loaded.path, "pass composition={'EL': n, ...}",
    )

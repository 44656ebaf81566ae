"""Exporting zenthermo's Gibbs energy at P = 0 as a TDB phase that pycalphad loads.

G(T) per mole of atoms is fitted to the piecewise SGTE polynomial (:mod:`zenthermo.calphad.sgte`)
and written as one FUNCTION with its temperature ranges, a PHASE, its CONSTITUENT line and a
``PARAMETER G(...)`` that uses the function.

Phase model: a pure element is one sublattice holding that element. A compound is one
sublattice per element with the site ratios of its formula reduced by the greatest common
divisor (Fe9Pt3 -> ``(FE)3(PT)1``); the G parameter of that formula unit is the sum of the
site ratios times the function (which is per mole of atoms), so pycalphad's GM, per mole of
atoms, equals the fitted G.

Energy reference: G is on zenthermo's scale (DFT total energies), not the SGTE stable element
reference; the exported phase reproduces C_P, S and G differences exactly as fitted, and
must be shifted by a constant before it is mixed with phases of another database.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from zenthermo.calphad.compare import REFERENCE_T_K, interpolate_molar, zero_pressure_isobar
from zenthermo.calphad.sgte import SgteFit, fit_sgte
from zenthermo.errors import ConfigurationError, DomainError, FitError, InputError
from zenthermo.io.atomic import write_text_atomic
from zenthermo.thermo.results import Analysis

_PHASE_NAME = re.compile(r"^[A-Z][A-Z0-9_]{0,23}$")
_LINE_WIDTH = 78


@dataclass(frozen=True)
class ExportResult:
    """What :func:`export_tdb` wrote: the file, the fit and the TDB text."""

    path: Path | None
    phase_name: str
    function_name: str
    fit: SgteFit
    text: str


def fit_analysis(
    analysis: Analysis,
    breakpoints_K: Sequence[float] = (),
    tmin: float | None = None,
    tmax: float | None = None,
) -> SgteFit:
    """Fit the SGTE polynomial to the P = 0 isobar of ``analysis``, per mole of atoms.

    The fitted range defaults to max(298.15 K, first analysis temperature) up to the last
    temperature before the equilibrium volume leaves the volume domain; the data are the
    isobar's own temperatures inside the range, plus ``tmin`` itself (interpolated with the
    isobar's exact slopes).

    Raises
    ------
    DomainError
        ``tmin``/``tmax`` outside the analysis, or fewer than 6 temperatures to fit.
    """
    molar = zero_pressure_isobar(analysis)
    T = molar.T_K
    low = max(REFERENCE_T_K, T[0]) if tmin is None else float(tmin)
    high = float(T[-1]) if tmax is None else float(tmax)
    for name, value in (("tmin", low), ("tmax", high)):
        if value < T[0] - 1e-9 or value > T[-1] + 1e-9:
            raise DomainError(
                f"{name} = {value:g} K lies outside the analysis range {T[0]:g}-{T[-1]:g} K"
            )
    if low <= 0:
        raise DomainError("the SGTE polynomial has T ln T and 1/T terms: tmin must be > 0 K")
    if tmax is None and np.any(molar.extrapolated & (low < T)):
        high = float(T[molar.extrapolated & (low < T)][0])
        if high <= low:
            raise DomainError("the equilibrium volume leaves the volume domain at the start")
    inside = T[(low + 1e-9 < T) & (high + 1e-9 >= T)]
    grid = np.concatenate([[low], inside])
    if grid.size < 6:
        raise DomainError(
            f"only {grid.size} analysis temperatures between {low:g} and {high:g} K; "
            "the SGTE fit needs at least 6", hint="use a finer temperature grid",
        )
    values = interpolate_molar(molar, grid)
    return fit_sgte(grid, values["G"], values["S"], values["Cp"], breakpoints_K)


def _elements_and_ratios(composition: Mapping[str, int]) -> list[tuple[str, int]]:
    counts = {str(k).strip().upper(): v for k, v in composition.items() if v}
    if not counts:
        raise InputError("the analysis carries no composition; cannot name the elements")
    for name, count in counts.items():
        if not float(count).is_integer() or count <= 0:
            raise InputError(f"composition count {name}: {count} is not a positive integer")
    divisor = 0
    for count in counts.values():
        divisor = math.gcd(divisor, int(count))
    return [(name, int(count) // divisor) for name, count in sorted(counts.items())]


def _atomic_mass(symbol: str) -> float:
    from ase.data import atomic_masses, atomic_numbers

    proper = symbol.capitalize()
    if proper not in atomic_numbers:
        raise InputError(f"{symbol} in the composition is not a chemical element")
    return float(atomic_masses[atomic_numbers[proper]])


def _number(value: float) -> str:
    return f"{value:+.16E}"


def _polynomial(coefficients: np.ndarray) -> list[str]:
    terms = ["", "*T", "*T*LN(T)", "*T**2", "*T**(-1)", "*T**3"]
    return [_number(c) + term for c, term in zip(coefficients, terms, strict=True) if c != 0.0]


def _wrap(head: str, pieces: Sequence[str], indent: str = "    ") -> list[str]:
    lines, current = [], head
    for piece in pieces:
        if len(current) + len(piece) + 1 > _LINE_WIDTH and current.strip():
            lines.append(current)
            current = indent + piece
        else:
            current = f"{current} {piece}" if current and not current.endswith(" ") else (
                current + piece)
    lines.append(current)
    return lines


def function_block(name: str, fit: SgteFit) -> list[str]:
    """TDB lines of ``FUNCTION name T0 expr; T1 Y expr; ... T_n N !``."""
    pieces = [f"{fit.bounds_K[0]:.2f}"]
    n_ranges = fit.coefficients.shape[0]
    for r in range(n_ranges):
        terms = _polynomial(fit.coefficients[r])
        terms[-1] += ";"
        pieces += terms
        flag = "Y" if r < n_ranges - 1 else "N !"
        pieces.append(f"{fit.bounds_K[r + 1]:.2f} {flag}")
    return _wrap(f"FUNCTION {name}", pieces)


def tdb_text(
    fit: SgteFit,
    phase_name: str,
    composition: Mapping[str, int],
    header: Sequence[str] = (),
) -> tuple[str, str]:
    """The TDB document for the fitted phase; returns (text, function name)."""
    name = phase_name.strip().upper()
    if not _PHASE_NAME.match(name):
        raise ConfigurationError(
            f"phase name {phase_name!r} is not a TDB name",
            hint="use letters, digits and '_', starting with a letter, at most 24 characters",
        )
    elements = _elements_and_ratios(composition)
    function_name = ("G" + re.sub(r"[^A-Z0-9]", "", name))[:8]
    total_sites = sum(ratio for _, ratio in elements)
    low, high = fit.bounds_K[0], fit.bounds_K[-1]
    lines = [f"$ {line}" if line else "$" for line in header]
    lines += ["$", "ELEMENT /-   ELECTRON_GAS  0.0000E+00  0.0000E+00  0.0000E+00 !",
              "ELEMENT VA   VACUUM        0.0000E+00  0.0000E+00  0.0000E+00 !"]
    for symbol, _ in elements:
        reference = name if len(elements) == 1 else "BLANK"
        lines.append(f"ELEMENT {symbol:<4} {reference:<13} {_atomic_mass(symbol):.4E}"
                     "  0.0000E+00  0.0000E+00 !")
    lines += ["", "$ G per mole of atoms, fitted to zenthermo's P = 0 isobar"]
    lines += function_block(function_name, fit)
    ratios = " ".join(f"{ratio:g}" for _, ratio in elements)
    constituents = " : ".join(symbol for symbol, _ in elements)
    array = ":".join(symbol for symbol, _ in elements)
    factor = "" if total_sites == 1 else f"{total_sites:g}*"
    lines += [
        "",
        "TYPE_DEFINITION % SEQ * !",
        f"PHASE {name} % {len(elements)} {ratios} !",
        f"CONSTITUENT {name} : {constituents} : !",
        f"PARAMETER G({name},{array};0) {low:.2f} {factor}{function_name}; {high:.2f} N !",
        "",
    ]
    return "\n".join(lines), function_name


def export_tdb(
    analysis: Analysis,
    path: str | os.PathLike[str] | None,
    phase_name: str,
    breakpoints_K: Sequence[float] = (),
    tmin: float | None = None,
    tmax: float | None = None,
    source: str = "",
) -> ExportResult:
    """Fit G(T) at P = 0 and write it as a TDB phase (atomically); ``path=None`` writes nothing.

    The text is parsed back with pycalphad before it is written, so a file that exists is a
    file pycalphad loads. The header states the fitted range, the breakpoints and the fit
    errors (RMSE and max of G, S and C_P).
    """
    from zenthermo import __version__

    fit = fit_analysis(analysis, breakpoints_K, tmin, tmax)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    composition = dict(analysis.composition)
    header = [
        f"Phase {phase_name.upper()} exported by zenthermo {__version__} on {stamp}",
        f"from: {source or analysis.method} (method {analysis.method}, {analysis.natoms} atoms "
        f"per cell, composition {composition})",
        "G(T) at P = 0 per mole of atoms, SGTE form a + b*T + c*T*LN(T) + d*T**2 + e/T + f*T**3",
        f"fitted {fit.bounds_K[0]:.2f}-{fit.bounds_K[-1]:.2f} K, breakpoints: "
        + (", ".join(f"{b:.2f}" for b in fit.bounds_K[1:-1]) or "none")
        + " (G, S and C_P continuous)",
        "fit error      RMSE          max",
        f"  G   (J/mol)   {fit.rmse['G']:<12.4g}  {fit.max_abs['G']:.4g}",
        f"  S   (J/K/mol) {fit.rmse['S']:<12.4g}  {fit.max_abs['S']:.4g}",
        f"  C_P (J/K/mol) {fit.rmse['Cp']:<12.4g}  {fit.max_abs['Cp']:.4g}",
        "Energy reference: zenthermo's (DFT total energy), not SER; shift before mixing "
        "with other databases.",
    ]
    text, function_name = tdb_text(fit, phase_name, composition, header)
    _check_loadable(text)
    target = None
    if path is not None:
        target = Path(path)
        write_text_atomic(target, text)
    return ExportResult(path=target, phase_name=phase_name.strip().upper(),
                        function_name=function_name, fit=fit, text=text)


def _check_loadable(text: str) -> None:
    import warnings

    from pycalphad import Database

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            Database.from_string(text, fmt="tdb")
        except Exception as error:  # a bug in the writer, never the user's input
            raise FitError(f"the exported TDB does not load in pycalphad: {error}") from error

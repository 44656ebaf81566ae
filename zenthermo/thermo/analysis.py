"""The thermodynamic analysis of one landscape: isobars with NTE windows and the phase diagram.

Works on any :class:`~zenthermo.landscape.base.Landscape`; the phase diagram comes from
:func:`zenthermo.thermo.phase_diagram.compute_phase_diagram` (imported only when asked for).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from zenthermo.errors import ConfigurationError, DomainError
from zenthermo.progress import SILENT, Progress
from zenthermo.thermo.isobar import DEFAULT_VOLUME_GRID, compute_isobars, validate_temperatures
from zenthermo.thermo.results import Analysis, ConfigurationSummary, Isobar, PhaseDiagram
from zenthermo.thermo.temperatures import choose_temperatures, temperature_grid

if TYPE_CHECKING:  # thermo works on any Landscape; it never imports a landscape at run time
    from zenthermo.landscape.base import Landscape

__all__ = ["analyze", "composition_of", "configuration_summary", "configurations_of",
           "temperature_grid"]  # temperature_grid: from zenthermo.thermo.temperatures


def configuration_summary(free_energy: Any) -> ConfigurationSummary:
    """The static equation-of-state fit of one per-source free energy, as a summary.

    Parameters
    ----------
    free_energy
        An object with ``name``, ``multiplicity``, ``magnetic_order``, optionally ``label``,
        and ``eos_fit`` (an :class:`~zenthermo.physics.eos.EosFit`: ``e0_eV`` in eV per
        cell, ``v0_A3`` in A^3 per cell, ``b0_GPa``, ``b0_prime``), e.g. a
        :class:`~zenthermo.physics.free_energy.SourceFreeEnergy`.

    Returns
    -------
    ConfigurationSummary
        Non-finite fit values (a fit without a minimum) become None.
    """
    fit = free_energy.eos_fit

    def value(x: float) -> float | None:
        return float(x) if np.isfinite(x) else None

    return ConfigurationSummary(
        name=str(free_energy.name),
        multiplicity=float(free_energy.multiplicity),
        magnetic_order=str(free_energy.magnetic_order),
        E0_eV=value(fit.e0_eV),
        V0_A3=value(fit.v0_A3),
        B0_GPa=value(fit.b0_GPa),
        B0_prime=value(fit.b0_prime),
        label=str(getattr(free_energy, "label", "") or ""),
    )


def configurations_of(landscape: Landscape) -> tuple[ConfigurationSummary, ...]:
    """One :class:`ConfigurationSummary` per source of ``landscape``.

    The exact path (a landscape whose ``free_energies`` carry an ``eos_fit``) gives each
    source's EOS fit (:func:`configuration_summary`); other landscapes give name and
    multiplicity only (EOS fields None; magnetic order from the landscape's
    ``magnetic_orders``, else from each free energy's ``magnetic_order``, else
    ``"unknown"``).
    """
    free_energies = getattr(landscape, "free_energies", None)
    if free_energies and all(hasattr(f, "eos_fit") for f in free_energies):
        return tuple(configuration_summary(f) for f in free_energies)
    names = tuple(getattr(landscape, "source_names", ()) or ())
    if not names:
        return ()
    multiplicities = np.asarray(landscape.multiplicities, dtype=np.float64)
    orders = tuple(getattr(landscape, "magnetic_orders", ()) or ())
    if not orders and free_energies:
        orders = tuple(str(getattr(f, "magnetic_order", "unknown")) for f in free_energies)
    labels = tuple(getattr(landscape, "source_labels", ()) or ())
    return tuple(
        ConfigurationSummary(
            name=name,
            multiplicity=float(multiplicities[k]) if k < multiplicities.size else float("nan"),
            magnetic_order=orders[k] if k < len(orders) else "unknown",
            label=labels[k] if k < len(labels) else "",
        )
        for k, name in enumerate(names)
    )


def composition_of(landscape: Landscape) -> dict[str, int]:
    """Element -> atoms per cell, from ``landscape.composition`` or its sources (else empty)."""
    composition = getattr(landscape, "composition", None)
    if not composition:
        free_energies = getattr(landscape, "free_energies", None) or ()
        composition = getattr(free_energies[0], "composition", None) if free_energies else None
    return {str(k): int(v) for k, v in dict(composition or {}).items()}


def analyze(
    landscape: Landscape,
    pressures_GPa: Iterable[float] | ArrayLike = (0.0,),
    temperatures_K: ArrayLike | None = None,
    configurations: Sequence[ConfigurationSummary] = (),
    composition: Mapping[str, int] | None = None,
    phase_diagram: bool = True,
    progress: Progress | None = None,
    n_volume_grid: int = DEFAULT_VOLUME_GRID,
) -> Analysis:
    """Isobars (with NTE windows) at every pressure, and the phase diagram.

    Parameters
    ----------
    landscape : Landscape
    pressures_GPa : iterable of float
        Pressures, GPa (negative allowed), at least one, no duplicates; default 0 GPa.
    temperatures_K : array_like, shape (nT,), optional
        Strictly ascending temperatures inside the landscape's temperature domain, K;
        default :func:`~zenthermo.thermo.temperatures.choose_temperatures` of the domain
        (0 to 1000 K in 1 K steps, lowered to the domain).
    configurations : sequence of ConfigurationSummary
        Carried into the result as they are; when empty, :func:`configurations_of`
        derives them from the landscape.
    composition : mapping, optional
        Element -> atoms per cell; default :func:`composition_of` the landscape.
    phase_diagram : bool
        Compute the critical point, spinodal and coexistence line (skipped when False:
        the result holds an empty :class:`PhaseDiagram` with ``computed=False``).
    progress : Progress, optional
    n_volume_grid : int
        Volumes scanned per temperature for the minima of G (see ``compute_isobars``).

    Returns
    -------
    Analysis

    Raises
    ------
    DomainError, ConfigurationError
        Bad temperatures or pressures (see :func:`~zenthermo.thermo.isobar.compute_isobar`).
    """
    progress = SILENT if progress is None else progress
    pressures = [float(p) for p in np.atleast_1d(np.asarray(pressures_GPa, dtype=np.float64))]
    if not pressures:
        raise ConfigurationError("no pressures given", hint="pass at least one pressure in GPa")
    if len(set(pressures)) != len(pressures):
        raise ConfigurationError(f"pressures contain duplicates: {pressures}")
    if temperatures_K is None:
        temperatures_K = choose_temperatures(landscape.temperature_domain)
    temperatures = validate_temperatures(landscape, temperatures_K)

    isobars: list[Isobar] = []
    with progress.stage("isobars", total=len(pressures)) as advance:
        # one volume scan and one batched polish for all pressures (only g = F_V + P moves)
        for isobar in compute_isobars(landscape, pressures, temperatures, n_volume_grid,
                                      nte=True):
            isobars.append(isobar)
            advance()

    diagram = PhaseDiagram(computed=False)
    if phase_diagram:
        from zenthermo.thermo.phase_diagram import compute_phase_diagram

        diagram = compute_phase_diagram(landscape, progress=progress)

    return Analysis(
        method=str(landscape.method),
        natoms=int(landscape.natoms),
        configurations=tuple(configurations) or configurations_of(landscape),
        isobars=tuple(isobars),
        phase_diagram=diagram,
        volume_domain=_pair(landscape.volume_domain),
        temperature_domain=_pair(landscape.temperature_domain),
        composition=dict(composition) if composition is not None else composition_of(landscape),
    )


def _pair(domain: tuple[float, float]) -> tuple[float, float]:
    low, high = domain  # an unbounded end (e.g. T up to inf for Debye) is allowed
    if math.isnan(low) or math.isnan(high) or not low < high:
        raise DomainError(f"invalid landscape domain {domain}")
    return float(low), float(high)

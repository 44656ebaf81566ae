"""Per-source Helmholtz energies F_k(V, T) = E_k(V) + F_vib,k(V, T) with exact derivatives.

:func:`build_source_free_energies` turns every source of a :class:`~zenthermo.sources.SourceSet`
into a :class:`SourceFreeEnergy`: the static energy from an equation of state fitted to the
source's points (:mod:`zenthermo.physics.eos`) plus a vibrational free energy, from phonopy
grids (:mod:`zenthermo.physics.phonons`) or the Debye-Grueneisen model
(:mod:`zenthermo.physics.debye`). Everything the analysis computes rests on
:meth:`SourceFreeEnergy.derivatives`: numpy, any broadcastable shapes, closed form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from zenthermo.errors import ConfigurationError, DomainError, FitError
from zenthermo.physics.debye import DEFAULT_SCALING, DEFAULT_X, DebyeGrueneisen
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.physics.eos import EosFit, fit_eos
from zenthermo.physics.options import EOS_KINDS, VIBRATION_MODELS
from zenthermo.sources import Source, SourceSet

# Temperatures within this many K outside a phonon grid count as inside (grid rounding).
_T_TOLERANCE = 1e-9


class VibrationalModel(Protocol):
    """Anything that gives F_vib(V, T) and its derivatives, eV per cell."""

    def derivatives(self, V, T) -> FreeEnergyDerivatives: ...


@dataclass(frozen=True, eq=False)
class SourceFreeEnergy:
    """F_k(V, T) of one source k: static EOS plus vibrations, eV per cell.

    Attributes
    ----------
    name, label : str
    multiplicity : float
        g_k.
    magnetic_order : str
    natoms : int
    composition : Mapping[str, int]
    eos_fit : EosFit
        The static E(V) fit of the source's points.
    vibrations : str
        ``"phonopy"``, ``"debye"`` or ``"none"``.
    volume_domain : (float, float)
        Min and max data volume, A^3 per cell. Evaluation outside is allowed (extrapolation,
        which the analysis flags).
    temperature_domain : (float, float)
        K; (0, inf) for Debye or no vibrations, the phonon grid's range for phonopy.
    vibrational_model : DebyeGrueneisen, PhononFreeEnergy or None
    """

    name: str
    label: str
    multiplicity: float
    magnetic_order: str
    natoms: int
    composition: Mapping[str, int]
    eos_fit: EosFit
    vibrations: str
    volume_domain: tuple[float, float]
    temperature_domain: tuple[float, float]
    vibrational_model: VibrationalModel | None = field(default=None, repr=False)

    def derivatives(self, V, T) -> FreeEnergyDerivatives:
        """F and its exact partial derivatives at (V, T), broadcast together.

        Parameters
        ----------
        V : array_like
            Volumes, A^3 per cell (> 0; outside ``volume_domain`` is extrapolation).
        T : array_like
            Temperatures, K, inside ``temperature_domain``.

        Returns
        -------
        FreeEnergyDerivatives
            Arrays of the broadcast shape of V and T (eV per cell, A^3, K units).

        Raises
        ------
        DomainError
            NaN, non-positive V, negative T, or T outside the phonon grid.
        """
        V = np.asarray(V, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        self._check(V, T)
        V, T = np.broadcast_arrays(V, T)
        E, E_V, E_VV, E_VVV = self.eos_fit.energy_derivatives(V)
        if self.vibrational_model is None:
            zeros = np.zeros(V.shape)
            return FreeEnergyDerivatives(E, E_V, E_VV, E_VVV, zeros, zeros, zeros.copy())
        vib = self.vibrational_model.derivatives(V, T)
        return FreeEnergyDerivatives(
            F=E + vib.F,
            F_V=E_V + vib.F_V,
            F_VV=E_VV + vib.F_VV,
            F_VVV=E_VVV + vib.F_VVV,
            F_T=vib.F_T,
            F_TT=vib.F_TT,
            F_VT=vib.F_VT,
        )

    def _check(self, V: np.ndarray, T: np.ndarray) -> None:
        if np.isnan(V).any() or np.isnan(T).any():
            raise DomainError(f"NaN volume or temperature asked of source {self.name!r}")
        if not (np.isfinite(V).all() and (V > 0).all()):
            raise DomainError(
                f"volumes asked of source {self.name!r} must be positive and finite (A^3)"
            )
        t_lo, t_hi = self.temperature_domain
        if T.size and (T.min() < t_lo - _T_TOLERANCE or T.max() > t_hi + _T_TOLERANCE
                       or not np.isfinite(T).all()):
            raise DomainError(
                f"temperatures {T.min():g}..{T.max():g} K fall outside the domain "
                f"[{t_lo:g}, {t_hi:g}] K of source {self.name!r} ({self.vibrations})",
                hint="stay within the phonon temperature grid" if self.vibrations == "phonopy"
                else None,
            )

    def debye_temperature(self, V) -> np.ndarray | None:
        """theta_D(V) in K where the vibrations are Debye-Grueneisen, else None."""
        if isinstance(self.vibrational_model, DebyeGrueneisen):
            return self.vibrational_model.debye_temperature(V)
        return None


def build_source_free_energies(
    source_set: SourceSet,
    eos: str = "bm4",
    vibrations: str = "auto",
    debye_scaling: float = DEFAULT_SCALING,
    debye_x: float = DEFAULT_X,
    phonon_degree: int = 3,
    debye_volume: str = "cell",
) -> tuple[SourceFreeEnergy, ...]:
    """Build F_k(V, T) for every source of a set.

    Parameters
    ----------
    source_set : SourceSet
    eos : str
        Equation of state for the static energies (:data:`zenthermo.physics.eos.EOS_KINDS`).
    vibrations : str
        ``"phonopy"`` (every point of every source must carry a phonon grid), ``"debye"``,
        ``"none"``, or ``"auto"``: phonopy for a source whose kept points all have grids,
        Debye-Grueneisen otherwise.
    debye_scaling, debye_x : float
        s and x of the Debye-Grueneisen model (defaults 0.617 and 2/3, as DFTTK).
    phonon_degree : int
        Degree of the polynomial in V fitted to the phonon free energies at each
        temperature (lowered to n_points - 2 where there are few volumes).
    debye_volume : str
        ``"cell"`` (default, as DFTTK) or ``"atom"``: the volume in the Debye-temperature
        prefactor (see :mod:`zenthermo.physics.debye`).

    Returns
    -------
    tuple of SourceFreeEnergy, in the order of the set.

    Raises
    ------
    ConfigurationError
        Unknown option, or ``vibrations="phonopy"`` for a source without phonon grids.
    FitError
        A source whose data cannot be fitted (too few points, no minimum for Debye).
    """
    if eos not in EOS_KINDS:
        raise ConfigurationError(
            f"unknown equation of state {eos!r}", hint=f"choose one of {', '.join(EOS_KINDS)}"
        )
    if vibrations not in VIBRATION_MODELS:
        raise ConfigurationError(
            f"unknown vibrations option {vibrations!r}",
            hint=f"choose one of {', '.join(VIBRATION_MODELS)}",
        )
    if len(source_set) == 0:
        raise ConfigurationError("the source set has no sources", path=source_set.root or None)
    return tuple(
        _build_one(source, eos, vibrations, debye_scaling, debye_x, phonon_degree, debye_volume)
        for source in source_set
    )


def _build_one(
    source: Source, eos: str, vibrations: str, scaling: float, x: float, degree: int,
    debye_volume: str,
) -> SourceFreeEnergy:
    if not source.points:
        raise FitError(f"source {source.name!r} has no kept volume points", path=source.name)
    fit = fit_eos(source.volumes, source.energies, eos, name=source.name)
    kind = vibrations
    if kind == "auto":
        kind = "phonopy" if source.has_vibrations else "debye"
    if kind == "phonopy" and not source.has_vibrations:
        missing = [p.label for p in source.points if p.vibrations is None]
        raise ConfigurationError(
            f"vibrations='phonopy' but source {source.name!r} has no phonon grid at "
            f"{len(missing)} of its {len(source.points)} volumes ({', '.join(missing[:5])})",
            path=source.name,
            hint="give thermal_properties.yaml for every volume, or use vibrations='debye'",
        )
    model: VibrationalModel | None
    t_domain: tuple[float, float] = (0.0, float("inf"))
    if kind == "debye":
        model = DebyeGrueneisen.from_eos(
            fit, source.composition, source.natoms, scaling, x, debye_volume
        )
    elif kind == "phonopy":
        from zenthermo.physics.phonons import PhononFreeEnergy

        phonons = PhononFreeEnergy.from_source(source, degree=degree)
        model = phonons
        t_domain = phonons.temperature_domain
    else:
        model = None
    volumes = source.volumes
    return SourceFreeEnergy(
        name=source.name,
        label=source.label,
        multiplicity=float(source.multiplicity),
        magnetic_order=source.magnetic_order,
        natoms=int(source.natoms),
        composition=dict(source.composition),
        eos_fit=fit,
        vibrations=kind,
        volume_domain=(float(volumes[0]), float(volumes[-1])),
        temperature_domain=t_domain,
        vibrational_model=model,
    )

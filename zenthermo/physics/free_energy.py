"""Per-source Helmholtz energies F_k(V, T) = E_k(V) + F_vib,k(V, T) + F_el,k(V, T), exactly.

:func:`build_source_free_energies` turns every source of a :class:`~zenthermo.sources.SourceSet`
into a :class:`SourceFreeEnergy`: the static energy from an equation of state fitted to the
source's points (:mod:`zenthermo.physics.eos`), plus a vibrational free energy, from the
source's phonon grids (:mod:`zenthermo.physics.phonons`) or the Debye-Grueneisen model
(:mod:`zenthermo.physics.debye`), plus the thermal electronic free energy where the source
has electronic data (:mod:`zenthermo.physics.electronic_free_energy`). Each source gets the
models its own data allow (:mod:`zenthermo.physics.source_models`). Everything the analysis
computes rests on :meth:`SourceFreeEnergy.derivatives`: numpy, any broadcastable shapes,
closed form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from zenthermo.errors import ConfigurationError, DomainError, FitError
from zenthermo.physics.debye import DEFAULT_SCALING, DEFAULT_X, DebyeGrueneisen
from zenthermo.physics.derivatives import (
    VOLUME_FIELDS,
    FreeEnergyDerivatives,
    volume_order,
    wanted_fields,
)
from zenthermo.physics.electronic_free_energy import (
    DEFAULT_TMAX,
    DEFAULT_TSTEP,
    default_temperatures,
)
from zenthermo.physics.eos import EosFit, fit_eos
from zenthermo.physics.options import ELECTRONIC_MODELS, EOS_KINDS, VIBRATION_MODELS
from zenthermo.physics.source_models import ModelChoice, choose_electronic, choose_vibrations
from zenthermo.physics.volume_forms import parse_form
from zenthermo.sources import Source, SourceSet

# Temperatures within this many K outside a phonon grid count as inside (grid rounding).
_T_TOLERANCE = 1e-9


class VibrationalModel(Protocol):
    """Anything that gives F_vib(V, T) and its derivatives, eV per cell (``fields``: the
    names to compute, None for all)."""

    def derivatives(self, V, T, fields=None) -> FreeEnergyDerivatives: ...


@dataclass(frozen=True, eq=False)
class SourceFreeEnergy:
    """F_k(V, T) of one source k: static EOS plus vibrations plus electrons, eV per cell.

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
        ``"phonopy"`` (from the source's phonon data, whatever its form), ``"debye"`` or
        ``"none"``.
    volume_domain : (float, float)
        Min and max data volume, A^3 per cell. Evaluation outside is allowed (extrapolation,
        which the analysis flags).
    temperature_domain : (float, float)
        K; (0, inf) for Debye or no vibrations, else the intersection of the phonon and
        electronic grids' ranges.
    vibrational_model : DebyeGrueneisen, PhononFreeEnergy or None
    electronic : str
        ``"dos"`` (from electronic DOS), ``"free_energy"`` (F_el grids) or ``"none"``.
    electronic_model : ElectronicFreeEnergy or None
    phonon_data : str
        What the phonon grids came from (``"thermal_properties"``, ``"phonon_dos"``,
        ``"force_constants"``, joined by ``+``); ``""`` without phonons.
    phonon_volume_range, electronic_volume_range : (float, float) or None
        The volumes (A^3) that carry phonon / electronic data; beyond them those parts are
        extrapolated (see :meth:`extrapolated`).
    warnings : tuple of str
        What a reader of the results should know (extrapolation in V, the forms chosen).
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
    electronic: str = "none"
    electronic_model: VibrationalModel | None = field(default=None, repr=False)
    phonon_data: str = ""
    phonon_volume_range: tuple[float, float] | None = None
    electronic_volume_range: tuple[float, float] | None = None
    warnings: tuple[str, ...] = ()

    def derivatives(self, V, T, fields=None) -> FreeEnergyDerivatives:
        """F and its exact partial derivatives at (V, T), broadcast together.

        Parameters
        ----------
        V : array_like
            Volumes, A^3 per cell (> 0; outside ``volume_domain`` is extrapolation).
        T : array_like
            Temperatures, K, inside ``temperature_domain``.
        fields : iterable of str, optional
            The fields to compute (names such as ``("F", "F_V", "F_VV")``; None: all); the
            others are None. Each model computes only what is asked for, and each field
            is the same sum of the same expressions whatever else is asked for.

        Returns
        -------
        FreeEnergyDerivatives
            Arrays of the broadcast shape of V and T (eV per cell, A^3, K units).

        Raises
        ------
        DomainError
            NaN, non-positive V, negative T, or T outside the phonon grid.
        """
        want = wanted_fields(fields)
        V = np.asarray(V, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        self._check(V, T)
        V, T = np.broadcast_arrays(V, T)
        # the static energy E(V) gives the pure V-derivatives, up to the highest one wanted
        static = dict(zip(VOLUME_FIELDS, self.eos_fit.energy_derivatives(V, volume_order(want)),
                          strict=True))
        total = {name: static[name] if name in static else np.zeros(V.shape) for name in want}
        for model in (self.vibrational_model, self.electronic_model):
            if model is not None:
                part = model.derivatives(V, T, fields=want)
                total = {name: total[name] + getattr(part, name) for name in want}
        return FreeEnergyDerivatives.partial(total)

    def extrapolated(self, V) -> np.ndarray:
        """True where V (A^3, any shape) lies beyond the phonon or electronic data volumes."""
        V = np.asarray(V, dtype=np.float64)
        outside = np.zeros(V.shape, dtype=bool)
        for span in (self.phonon_volume_range, self.electronic_volume_range):
            if span is not None:
                outside |= (V < span[0] * (1 - 1e-9)) | (V > span[1] * (1 + 1e-9))
        return outside

    @property
    def phonon_interpolation(self) -> str:
        """The volume form of the phonon free energy (``""`` without phonon data)."""
        return str(getattr(self.vibrational_model, "form", ""))

    @property
    def phonon_loo_rms_eV(self) -> float:
        """Leave-one-out error of F_vib over the phonon volumes, eV per cell (NaN if none)."""
        return float(getattr(self.vibrational_model, "loo_rms_eV", float("nan")))

    @property
    def electronic_loo_rms_eV(self) -> float:
        """Leave-one-out error of F_el over the electronic volumes, eV per cell (or NaN)."""
        return float(getattr(self.electronic_model, "loo_rms_eV", float("nan")))

    def describe_models(self) -> str:
        """One line naming the models of this source, e.g. for ``inspect`` and the report."""
        parts = [f"static {self.eos_fit.kind}"]
        if self.vibrations == "phonopy":
            parts.append(f"phonons ({self.phonon_data}, "
                         f"{_fit_text(self.vibrational_model, self.phonon_volume_range)})")
        elif self.vibrations == "debye":
            parts.append("Debye-Grueneisen")
        if self.electronic != "none":
            what = "DOS" if self.electronic == "dos" else "F_el grids"
            parts.append(f"electronic ({what}, "
                         f"{_fit_text(self.electronic_model, self.electronic_volume_range)})")
        return " + ".join(parts)

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
                hint="stay within the phonon and electronic temperature grids"
                if np.isfinite(t_hi) else None,
            )

    def debye_temperature(self, V) -> np.ndarray | None:
        """theta_D(V) in K where the vibrations are Debye-Grueneisen, else None."""
        if isinstance(self.vibrational_model, DebyeGrueneisen):
            return self.vibrational_model.debye_temperature(V)
        return None


def _fit_text(model, span: tuple[float, float] | None) -> str:
    """"60-74 A^3, poly4, LOO 0.28 meV": volumes, form and leave-one-out error of F."""
    lo, hi = span or (float("nan"), float("nan"))
    loo = float(getattr(model, "loo_rms_eV", float("nan")))
    error = f", LOO {loo * 1e3:.2g} meV" if np.isfinite(loo) else ""
    return f"{lo:.4g}-{hi:.4g} A^3, {getattr(model, 'form', '')}{error}"


def build_source_free_energies(
    source_set: SourceSet,
    eos: str = "bm4",
    vibrations: str = "auto",
    debye_scaling: float = DEFAULT_SCALING,
    debye_x: float = DEFAULT_X,
    phonon_degree: int | None = None,
    debye_volume: str = "cell",
    phonon_interpolation: str = "auto",
    electronic: str = "auto",
    electronic_interpolation: str = "auto",
    electronic_tmax: float = DEFAULT_TMAX,
    electronic_tstep: float = DEFAULT_TSTEP,
) -> tuple[SourceFreeEnergy, ...]:
    """Build F_k(V, T) for every source of a set, each with the models its data allow.

    Parameters
    ----------
    source_set : SourceSet
    eos : str
        Equation of state for the static energies (:data:`zenthermo.physics.eos.EOS_KINDS`).
    vibrations : str
        ``"phonopy"`` (from each source's phonon grids, whatever they were computed from;
        at least two volumes with grids), ``"debye"``, ``"none"``, or ``"auto"``: phonons
        for a source with grids at three or more volumes, Debye-Grueneisen otherwise.
    debye_scaling, debye_x : float
        s and x of the Debye-Grueneisen model (defaults 0.617 and 2/3, as DFTTK).
    phonon_degree : int, optional
        Older spelling of ``phonon_interpolation=f"poly{phonon_degree}"``.
    debye_volume : str
        ``"cell"`` (default, as DFTTK) or ``"atom"``: the volume in the Debye-temperature
        prefactor (see :mod:`zenthermo.physics.debye`).
    phonon_interpolation, electronic_interpolation : str
        How F_vib and F_el are continued in V: ``"auto"`` (the form that predicts left-out
        volumes best) or a form ``poly1``..``poly6`` (in V), ``strain1``..``strain6`` (in
        V^(-2/3)); see :mod:`zenthermo.physics.volume_forms`.
    electronic : str
        ``"auto"`` (the thermal electronic free energy where a source has electronic data
        at three or more volumes), ``"on"`` (every source must have it at two or more) or
        ``"off"``.
    electronic_tmax, electronic_tstep : float
        K: an electronic DOS is evaluated from 0 K in steps of ``electronic_tstep`` up to
        the top of the source's phonon grid, or up to ``electronic_tmax`` without one
        (F_el is smooth in T: between the steps the quintic Hermite pieces are exact to
        far below the data's precision).

    Returns
    -------
    tuple of SourceFreeEnergy, in the order of the set.

    Raises
    ------
    ConfigurationError
        Unknown option, or ``vibrations="phonopy"`` / ``electronic="on"`` for a source
        without enough data.
    FitError
        A source whose data cannot be fitted (too few points, no minimum for Debye).
    """
    choices = {"eos": (eos, EOS_KINDS), "vibrations": (vibrations, VIBRATION_MODELS),
               "electronic": (electronic, ELECTRONIC_MODELS)}
    for option, (value, allowed) in choices.items():
        if value not in allowed:
            raise ConfigurationError(f"unknown {option} option {value!r}",
                                     hint=f"choose one of {', '.join(allowed)}")
    if phonon_degree is not None:
        phonon_interpolation = f"poly{int(phonon_degree)}"
    for form in (phonon_interpolation, electronic_interpolation):
        if form != "auto":
            parse_form(form)
    if len(source_set) == 0:
        raise ConfigurationError("the source set has no sources", path=source_set.root or None)
    options: dict[str, Any] = {
        "eos": eos, "vibrations": vibrations, "phonon_interpolation": phonon_interpolation,
        "debye": {"scaling": debye_scaling, "x": debye_x, "volume_convention": debye_volume},
        "electronic": electronic, "electronic_interpolation": electronic_interpolation,
        "electronic_tmax": electronic_tmax, "electronic_tstep": electronic_tstep,
    }
    return tuple(_build_one(source, **options) for source in source_set)


def _build_one(source: Source, eos: str, vibrations: str, phonon_interpolation: str,
               debye: dict, electronic: str, electronic_interpolation: str,
               electronic_tmax: float, electronic_tstep: float) -> SourceFreeEnergy:
    if not source.points:
        raise FitError(f"source {source.name!r} has no kept volume points", path=source.name)
    fit = fit_eos(source.volumes, source.energies, eos, name=source.name)
    vib = choose_vibrations(source, fit, vibrations, debye, phonon_interpolation)
    top = vib.temperature_domain[1] if np.isfinite(vib.temperature_domain[1]) else None
    temperatures = default_temperatures(top or electronic_tmax, electronic_tstep)
    el = choose_electronic(source, electronic, electronic_interpolation, temperatures)
    volumes = source.volumes
    return SourceFreeEnergy(
        name=source.name,
        label=source.label,
        multiplicity=float(source.multiplicity),
        magnetic_order=source.magnetic_order,
        natoms=int(source.natoms),
        composition=dict(source.composition),
        eos_fit=fit,
        vibrations=vib.kind,
        volume_domain=(float(volumes[0]), float(volumes[-1])),
        temperature_domain=_common_domain(vib, el),
        vibrational_model=vib.model,
        electronic=el.kind,
        electronic_model=el.model,
        phonon_data=vib.data,
        phonon_volume_range=vib.volume_range,
        electronic_volume_range=el.volume_range,
        warnings=vib.warnings + el.warnings,
    )


def _common_domain(*choices: ModelChoice) -> tuple[float, float]:
    lo = max(c.temperature_domain[0] for c in choices)
    hi = min(c.temperature_domain[1] for c in choices)
    return float(lo), float(hi)

"""Which vibrational and electronic model each source gets, from the data it carries.

Sources of one landscape may carry different data: phonon grids at every volume, at a few
or at none; an electronic DOS (or F_el grids) or not. ``vibrations="auto"`` gives each source
its phonons where it has them at :data:`MIN_AUTO_VOLUMES` or more volumes and the
Debye-Grueneisen model otherwise; ``electronic="auto"`` turns the thermal electronic part on
where a source has electronic data at that many volumes. Every choice says what it used,
over which volumes, and warns where the model is evaluated beyond its data volumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zenthermo.errors import ConfigurationError
from zenthermo.physics.debye import DebyeGrueneisen
from zenthermo.physics.eos import EosFit
from zenthermo.sources import ElectronicDos, Source

#: Volumes with data a source needs for "auto" to use them.
MIN_AUTO_VOLUMES = 3
# Relative margin before a static volume beyond the data volumes counts as extrapolation.
_RANGE_RTOL = 1e-6


@dataclass(frozen=True)
class ModelChoice:
    """The model chosen for one part of a source's free energy.

    Attributes
    ----------
    kind : str
        Vibrations: ``"phonopy"`` (phonon data), ``"debye"``, ``"none"``. Electronic:
        ``"dos"``, ``"free_energy"`` (F_el grids), ``"none"``.
    model : object or None
        Has ``derivatives(V, T)``.
    temperature_domain : (float, float)
        K.
    data : str
        What the data were: the phonon grids' origins (``"thermal_properties"``,
        ``"phonon_dos"``, ``"force_constants"``, joined by ``+``), or ``""``.
    volume_range : (float, float) or None
        The data volumes' range, A^3, for data-based models.
    warnings : tuple of str
    """

    kind: str
    model: Any = None
    temperature_domain: tuple[float, float] = (0.0, float("inf"))
    data: str = ""
    volume_range: tuple[float, float] | None = None
    warnings: tuple[str, ...] = ()


def choose_vibrations(source: Source, fit: EosFit, vibrations: str,
                      debye: Mapping[str, Any], interpolation: str) -> ModelChoice:
    """The vibrational model of ``source`` (see the module docstring).

    ``debye`` holds ``scaling``, ``x`` and ``volume_convention`` of the Debye model.
    """
    with_grids = [p for p in source.points if p.vibrations is not None]
    kind = vibrations
    if kind == "auto":
        kind = "phonopy" if len(with_grids) >= MIN_AUTO_VOLUMES else "debye"
    if kind == "phonopy" and len(with_grids) < 2:
        missing = [p.label for p in source.points if p.vibrations is None]
        raise ConfigurationError(
            f"vibrations='phonopy' but source {source.name!r} has no phonon grid at "
            f"{len(missing)} of its {len(source.points)} volumes ({', '.join(missing[:5])}); "
            "at least two volumes with phonons are needed",
            path=source.name,
            hint="give phonons (thermal_properties.yaml, a phonon DOS or force constants) "
                 "at more volumes, or use vibrations='debye'",
        )
    if kind == "debye":
        model = DebyeGrueneisen.from_eos(fit, source.composition, source.natoms,
                                         debye["scaling"], debye["x"],
                                         debye["volume_convention"])
        return ModelChoice("debye", model)
    if kind == "none":
        return ModelChoice("none")
    phonons = phonon_free_energy(source, interpolation)
    grids = [p.vibrations for p in with_grids if p.vibrations is not None]
    volumes = [g.volume or p.volume for g, p in zip(grids, with_grids, strict=True)]
    beyond = _beyond(source, volumes)
    origins = sorted({g.origin or "thermal_properties" for g in grids})
    return ModelChoice(
        "phonopy", phonons, phonons.temperature_domain, "+".join(origins),
        phonons.volume_range, _warnings(source, "phonon", phonons, beyond),
    )


def phonon_free_energy(source: Source, interpolation: str):
    """The PhononFreeEnergy of ``source``'s phonon grids as the analysis builds it: the
    volume form chosen knowing whether the static volumes reach beyond the phonon ones."""
    from zenthermo.physics.phonons import PhononFreeEnergy

    volumes = [p.vibrations.volume or p.volume for p in source.points
               if p.vibrations is not None]
    return PhononFreeEnergy.from_source(source, interpolation=interpolation,
                                        extrapolates=_beyond(source, volumes))


def choose_electronic(source: Source, electronic: str, interpolation: str,
                      temperatures: np.ndarray) -> ModelChoice:
    """The thermal electronic model of ``source``; ``temperatures`` is the grid for a DOS."""
    with_data = [p for p in source.points if p.electronic is not None]
    on = electronic == "on" or (electronic == "auto" and len(with_data) >= MIN_AUTO_VOLUMES)
    if not on:
        return ModelChoice("none")
    if len(with_data) < 2:
        raise ConfigurationError(
            f"electronic='on' but source {source.name!r} has electronic data at "
            f"{len(with_data)} of its {len(source.points)} volumes; at least two are needed",
            path=source.name,
            hint="give an electronic DOS (vasprun.xml or a DOS table) at more volumes, or "
                 "use electronic='auto' or 'off'",
        )
    from zenthermo.physics.electronic_free_energy import ElectronicFreeEnergy

    volumes = [p.electronic.volume or p.volume for p in with_data if p.electronic is not None]
    beyond = _beyond(source, volumes)
    model = ElectronicFreeEnergy.from_source(source, temperatures, interpolation, beyond)
    kind = "dos" if isinstance(with_data[0].electronic, ElectronicDos) else "free_energy"
    return ModelChoice(kind, model, model.temperature_domain, kind, model.volume_range,
                       _warnings(source, "electronic", model, beyond))


def _beyond(source: Source, data_volumes: list[float]) -> bool:
    """True when the static volumes reach beyond the data volumes."""
    lo, hi = min(data_volumes), max(data_volumes)
    static = source.volumes
    return bool(static[0] < lo * (1 - _RANGE_RTOL) or static[-1] > hi * (1 + _RANGE_RTOL))


def _warnings(source: Source, part: str, model: Any, beyond: bool) -> tuple[str, ...]:
    lo, hi = model.volume_range
    text = (f"source {source.name!r}: {part} data at {model.volumes.size} volumes "
            f"({lo:.4g}-{hi:.4g} A^3), continued in V as {model.form}")
    if not beyond:
        return ()
    static = source.volumes
    return (f"{text}; beyond them, over the static volumes {static[0]:.4g}-{static[-1]:.4g} "
            "A^3, it is extrapolated",)

"""Smooth phonon free energies F_vib(V, T) with exact derivatives, from per-volume grids.

Each volume point of a source may carry a :class:`~zenthermo.sources.VibrationalGrid`: F, S
and C_V (eV per cell) on a temperature grid, whatever it was computed from (phonopy's
``thermal_properties.yaml``, a phonon DOS, force constants). :class:`PhononFreeEnergy` is
the :class:`~zenthermo.physics.grid_free_energy.GridFreeEnergy` of those grids: F_vib at
each grid temperature continued in V by the volume form that predicts left-out volumes
best (or the one asked for), and in T by quintic Hermite pieces through F, -S and -C_V/T.

Phonon volumes need not be the static volumes: a grid's own ``volume`` is used where it
has one, only the points that carry grids count, and evaluation beyond their range is
extrapolation (allowed; :class:`~zenthermo.physics.free_energy.SourceFreeEnergy` flags it).
"""

from __future__ import annotations

import numpy as np

from zenthermo.errors import ConfigurationError
from zenthermo.physics.grid_free_energy import GridFreeEnergy
from zenthermo.sources import Source, VibrationalGrid

#: Temperature grids of different volumes that differ by less than this (K) are the same.
_GRID_ATOL = 1e-6


class PhononFreeEnergy(GridFreeEnergy):
    """F_vib(V, T) of one source from its phonon grids (eV per cell)."""

    kind = "phonon"

    @classmethod
    def from_source(cls, source: Source, degree: int | None = None,
                    interpolation: str = "auto", extrapolates: bool = False
                    ) -> PhononFreeEnergy:
        """Build from the points of a source that carry a vibrational grid (at least two)."""
        pairs = [(p.vibrations.volume or p.volume, p.vibrations) for p in source.points
                 if p.vibrations is not None]
        if len(pairs) < 2:
            raise ConfigurationError(
                f"source {source.name!r} has phonon grids at {len(pairs)} volume(s); "
                "at least two are needed", path=source.name,
            )
        return cls.from_grids([v for v, _ in pairs], [g for _, g in pairs], degree=degree,
                              name=source.name, interpolation=interpolation,
                              extrapolates=extrapolates)

    @classmethod
    def from_grids(cls, volumes, grids: list[VibrationalGrid], degree: int | None = None,
                   name: str = "", interpolation: str = "auto", extrapolates: bool = False
                   ) -> PhononFreeEnergy:
        """Build from volumes (A^3 per cell, shape (n,)) and one grid per volume.

        ``degree`` (kept for older callers) is ``interpolation=f"poly{degree}"``.
        """
        V = np.asarray(volumes, dtype=np.float64)
        if V.ndim != 1 or V.size != len(grids):
            raise ConfigurationError(f"{name}: one phonon grid per volume is needed")
        if degree is not None:
            if degree < 1:
                raise ConfigurationError("phonon_degree must be >= 1")
            interpolation = f"poly{int(degree)}"
        T = np.asarray(grids[0].temperatures, dtype=np.float64) if grids else np.zeros(0)
        for grid, v in zip(grids, V, strict=True):
            if grid.temperatures.shape != T.shape or not np.allclose(
                grid.temperatures, T, rtol=0, atol=_GRID_ATOL
            ):
                raise ConfigurationError(
                    f"{name}: the phonon temperature grid at V = {v:.4f} A^3 differs from the "
                    "one at the first volume", path=name or None,
                    hint="compute the phonon thermal properties on the same temperature grid "
                         "at every volume",
                )
        F = np.stack([g.free_energy for g in grids]) if grids else np.zeros((0, 0))
        S = np.stack([g.entropy for g in grids]) if grids else F
        C = np.stack([g.heat_capacity for g in grids]) if grids else F
        with np.errstate(divide="ignore", invalid="ignore"):
            f_tt = np.where(T > 0, -C / np.where(T > 0, T, 1.0), 0.0)  # C_V ~ T^3
        return super().from_arrays(V, T, F, -S, f_tt, interpolation=interpolation,
                                   name=name, extrapolates=extrapolates)

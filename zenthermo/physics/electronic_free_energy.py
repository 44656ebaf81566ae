"""F_el(V, T) of one source: its per-volume electronic data continued smoothly in V and T.

A source's points may carry a total electronic DOS (:class:`~zenthermo.sources.ElectronicDos`)
or a ready F_el(T) grid (:class:`~zenthermo.sources.ElectronicFreeEnergyGrid`, phonopy-qha's
``fe-v.dat``). Either gives F_el, F_T = -S_el and F_TT = -C_el/T at each volume on a
temperature grid:

* from a DOS, :func:`zenthermo.physics.electronic.electronic_thermodynamics` computes them
  exactly (Fermi-Dirac, mu(T) at fixed electron count) at the grid temperatures;
* from an F_el grid, F_T and F_TT at the nodes are those of the quintic (cubic for fewer
  than six temperatures) interpolating spline of F_el(T) at each volume.

:class:`ElectronicFreeEnergy` is then the
:class:`~zenthermo.physics.grid_free_energy.GridFreeEnergy` of those values: analytic
derivatives in V (the volume form chosen by cross-validation, as for phonons) and in T.
"""

from __future__ import annotations

import numpy as np

from zenthermo.errors import ConfigurationError, FitError
from zenthermo.physics.electronic import electronic_thermodynamics
from zenthermo.physics.grid_free_energy import GridFreeEnergy
from zenthermo.sources import ElectronicDos, ElectronicFreeEnergyGrid, Source

#: Default top temperature (K) of the grid a DOS is evaluated on (without phonons), and step.
DEFAULT_TMAX = 3000.0
DEFAULT_TSTEP = 20.0
_GRID_ATOL = 1e-6


class ElectronicFreeEnergy(GridFreeEnergy):
    """F_el(V, T) of one source (eV per cell), F_el = 0 at T = 0 at every volume."""

    kind = "electronic"

    @classmethod
    def from_source(cls, source: Source, temperatures=None, interpolation: str = "auto",
                    extrapolates: bool = False) -> ElectronicFreeEnergy:
        """Build from the points of ``source`` that carry electronic data (at least two).

        Parameters
        ----------
        source : Source
        temperatures : array_like, optional
            The grid (K, ascending, from 0) a DOS is evaluated on; default 0 to
            :data:`DEFAULT_TMAX` in steps of :data:`DEFAULT_TSTEP`. F_el grids keep theirs.
        interpolation : str
            Volume form, or ``"auto"`` (cross-validated).
        extrapolates : bool
            Whether the model is used beyond the data volumes.

        Raises
        ------
        ConfigurationError
            Fewer than two volumes with data, DOS and F_el grids mixed, F_el grids on
            different temperature grids.
        FitError
            A DOS whose thermodynamics fail (see ``electronic_thermodynamics``).
        """
        items = [(p.electronic.volume or p.volume, p.electronic) for p in source.points
                 if p.electronic is not None]
        if len(items) < 2:
            raise ConfigurationError(
                f"source {source.name!r} has electronic data at {len(items)} volume(s); "
                "at least two are needed", path=source.name,
            )
        volumes = np.array([v for v, _ in items], dtype=np.float64)
        data = [d for _, d in items]
        dos = [d for d in data if isinstance(d, ElectronicDos)]
        grids = [d for d in data if isinstance(d, ElectronicFreeEnergyGrid)]
        if len(dos) == len(data):
            T, F, F_T, F_TT = _from_dos(dos, temperatures, source.name)
        elif len(grids) == len(data):
            T, F, F_T, F_TT = _from_grids(grids, source.name)
        else:
            raise ConfigurationError(
                f"source {source.name!r} mixes electronic DOS and F_el grids", path=source.name,
                hint="give the same kind of electronic data at every volume",
            )
        return cls.from_arrays(volumes, T, F, F_T, F_TT, interpolation=interpolation,
                               name=source.name, extrapolates=extrapolates)


def default_temperatures(t_max: float = DEFAULT_TMAX, t_step: float = DEFAULT_TSTEP
                         ) -> np.ndarray:
    """0, t_step, ... up to t_max (K)."""
    if not (t_step > 0 and t_max > 0 and np.isfinite(t_max)):
        raise ConfigurationError(f"bad electronic temperature grid 0..{t_max} K step {t_step}")
    grid = np.arange(0.0, t_max, t_step)
    return np.append(grid[grid < t_max - 1e-9 * t_step], t_max)  # t_max itself is a node


def _from_dos(data: list[ElectronicDos], temperatures, name: str):
    T = default_temperatures() if temperatures is None else np.asarray(temperatures, float)
    rows = []
    for dos in data:
        try:
            rows.append(electronic_thermodynamics(dos.energies, dos.dos, T))
        except FitError as error:
            where = dos.provenance[0].path if dos.provenance else name
            raise FitError(error.reason, path=where, hint=error.hint) from error
    F = np.stack([r.free_energy for r in rows])
    return T, F, -np.stack([r.entropy for r in rows]), np.stack([r.free_energy_tt for r in rows])


def _from_grids(data: list[ElectronicFreeEnergyGrid], name: str):
    from scipy.interpolate import make_interp_spline

    T = np.asarray(data[0].temperatures, dtype=np.float64)
    for grid in data[1:]:
        if grid.temperatures.shape != T.shape or not np.allclose(grid.temperatures, T,
                                                                 rtol=0, atol=_GRID_ATOL):
            raise ConfigurationError(
                f"source {name!r}: its F_el grids are on different temperature grids",
                path=name,
            )
    if T.size < 4:
        raise FitError(f"source {name!r}: an F_el grid needs at least 4 temperatures",
                       path=name)
    order = 5 if T.size >= 6 else 3
    F = np.stack([np.asarray(g.free_energy, dtype=np.float64) for g in data])
    spline = make_interp_spline(T, F, k=order, axis=1)
    return T, F, spline.derivative(1)(T), spline.derivative(2)(T)

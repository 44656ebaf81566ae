"""System-mode training data: K latent sources learned from system-level data only.

A table of total F(V,T) (:func:`system_training_data`, from
:class:`~zenthermo.io.free_energy_table.FreeEnergyTable`) or a Boltzmann density over V per
temperature (:func:`system_density_training_data`, from
:class:`~zenthermo.io.density_table.DensityTable`); the tables and the validation split are
those of :mod:`zenthermo.landscape.train_data`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zenthermo.errors import InputError
from zenthermo.landscape.train_data import TargetTable, TrainingData, held_out, validation_rows

__all__ = ["system_density_training_data", "system_training_data"]


def _system_data(combined: TargetTable, n_sources: int, natoms: int,
                 composition: Mapping[str, int] | None, origin: str,
                 system_target: str) -> TrainingData:
    """System-mode TrainingData around ``combined``: K latent sources, all g = 1."""
    V, T = combined.V, combined.T
    return TrainingData(
        mode="system",
        source_names=tuple(f"latent_{k + 1}" for k in range(n_sources)),
        multiplicities=np.ones(n_sources),
        per_source=TargetTable.empty(),
        combined=combined,
        natoms=int(natoms),
        composition=dict(composition or {}),
        volume_domain=(float(V.min()), float(V.max())),
        temperature_domain=(float(T.min()), float(T.max())),
        origin=origin,
        system_target=system_target,
    )


def _check_n_sources(n_sources: int) -> None:
    if n_sources < 1:
        raise InputError(f"the number of latent sources must be at least 1, not {n_sources}")


def system_training_data(table, n_sources: int = 2, *, validation_fraction: float = 0.15,
                         seed: int = 0, natoms: int = 1,
                         composition: Mapping[str, int] | None = None) -> TrainingData:
    """System-mode data from a :class:`~zenthermo.io.free_energy_table.FreeEnergyTable`.

    K = ``n_sources`` latent sources with learned multiplicities (all start at g = 1).
    """
    _check_n_sources(n_sources)
    rng = np.random.default_rng(seed)
    V, T = np.asarray(table.V_A3, float), np.asarray(table.T_K, float)
    nan = np.full(V.size, np.nan)
    held_v = held_out(V, validation_fraction, rng)
    held_t = held_out(T, validation_fraction, rng)
    combined = TargetTable(V, T, np.asarray(table.F_eV, float), nan, nan, nan, nan,
                           np.full(V.size, -1), validation_rows(V, T, held_v, held_t))
    return _system_data(combined, n_sources, natoms, composition,
                        str(getattr(table, "path", "")), "F")


def system_density_training_data(table, n_sources: int = 2, *,
                                 validation_fraction: float = 0.15, seed: int = 0,
                                 natoms: int = 1,
                                 composition: Mapping[str, int] | None = None) -> TrainingData:
    """System-mode data from a :class:`~zenthermo.io.density_table.DensityTable`.

    The rows carry the target density p(V|T) (any normalisation per temperature: the loss
    renormalises; F and its derivatives are NaN); the fitters
    match the model's Boltzmann density exp(-F(V,T)/k_B T), normalised over each
    temperature's volumes, to it by Jensen-Shannon divergence
    (:func:`~zenthermo.landscape.losses.density_term`). K = ``n_sources`` latent sources
    with learned multiplicities (all start at g = 1). Whole temperatures (interior ones,
    a ``validation_fraction`` of them) are held out for validation, since a density is a
    distribution over all volumes of one temperature.

    F is fixed only up to a constant per temperature, so the model's V(T), alpha, B_T,
    transition and critical point are meaningful, its absolute F, G, S and C_P are not
    (the data record ``system_target = "density"``).
    """
    _check_n_sources(n_sources)
    V, T = np.asarray(table.V_A3, float), np.asarray(table.T_K, float)
    density = np.asarray(table.density, float)
    if (T <= 0).any() or not np.isfinite(density).all() or (density < 0).any():
        raise InputError("a density target needs T > 0 and finite densities >= 0",
                         path=getattr(table, "path", None) or None)
    nan = np.full(V.size, np.nan)
    held_t = held_out(T, validation_fraction, np.random.default_rng(seed))
    combined = TargetTable(V, T, nan, nan, nan, nan, nan, np.full(V.size, -1),
                           np.isin(T, held_t), density)
    return _system_data(combined, n_sources, natoms, composition,
                        str(getattr(table, "path", "")), "density")

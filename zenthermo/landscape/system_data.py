"""System-mode training data: K latent sources learned from system-level data only.

A table of total F(V,T) (:func:`system_training_data`, from
:class:`~zenthermo.io.free_energy_table.FreeEnergyTable`) or a Boltzmann density over V per
temperature (:func:`system_density_training_data`, from
:class:`~zenthermo.io.density_table.DensityTable`); the tables and the validation split are
those of :mod:`zenthermo.landscape.train_data`.

A large F table is thinned before training (:func:`lattice_subsample`): the loss evaluates
every training row at every step, so a step on a 91 x 100 table costs about 6 times one on
the thinned table, while a smooth network learns the landscape from a rotated lattice of
the rows that keeps every volume and every temperature of the table (docs/zenn.md,
"System mode", for the accuracy measured).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from zenthermo.errors import InputError
from zenthermo.landscape.train_data import TargetTable, TrainingData, held_out, validation_rows

__all__ = ["MAX_TRAINING_ROWS", "SPLINE_TOLERANCE", "lattice_subsample", "spline_targets",
           "system_density_training_data", "system_training_data"]

#: Default cap on the training rows of a system F table (validation rows: half of it).
MAX_TRAINING_ROWS = 2000
#: Default accuracy asked of the spline F_V and F_VV targets, relative to their RMS
#: (:func:`spline_targets`).
SPLINE_TOLERANCE = 0.01
#: Spline targets trusted less than this get none.
MIN_WEIGHT = 1e-3
#: All or nothing: spline targets only where the mean F_VV weight of the rows above the
#: cut reaches this (0.99-1.00 on the exact 91 x 100 benchmark table, 0.76-0.82 on its
#: 31 x 34 version, 0.11 with 0.001 meV/atom of noise): partly trusted targets gave no
#: gain on those (docs/zenn.md, "System mode").
SPLINE_COVERAGE = 0.9
#: Spline targets only from this fraction of the table's top temperature up (3 x the
#: default low-temperature knee, the Grueneisen term's reference temperature).
SPLINE_LOWEST = 0.12


def lattice_subsample(V: np.ndarray, T: np.ndarray, candidates: np.ndarray,
                      max_rows: int | None, rng: np.random.Generator) -> np.ndarray:
    """At most about ``max_rows`` of the ``candidates`` rows, every V and T kept (bool mask).

    All candidates when there are no more than ``max_rows`` (or ``max_rows`` is None).
    Otherwise, with i and j the indices of a row's volume and temperature among the
    candidates' distinct values and m = ceil(n / max_rows), the rows with
    (i + j + r) mod m = 0 (r drawn from ``rng``): on a full grid a rotated lattice with
    about n_T/m temperatures at each volume and n_V/m volumes at each temperature. A
    volume or temperature left without a row (scattered tables) gets one drawn at random.
    The same ``rng`` state gives the same rows.
    """
    keep = np.zeros(V.shape, dtype=bool)
    rows = np.flatnonzero(candidates)
    if max_rows is None or rows.size <= max_rows:
        keep[rows] = True
        return keep
    m = int(np.ceil(rows.size / max(int(max_rows), 1)))
    i = np.unique(V[rows], return_inverse=True)[1]
    j = np.unique(T[rows], return_inverse=True)[1]
    chosen = (i + j + int(rng.integers(m))) % m == 0
    for index in (i, j):
        for value in np.setdiff1d(np.arange(index.max() + 1), index[chosen]):
            chosen[rng.choice(np.flatnonzero(index == value))] = True
    keep[rows[chosen]] = True
    return keep


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


def _differences(grid: np.ndarray, volumes: np.ndarray,
                 temperatures: np.ndarray) -> dict[str, np.ndarray]:
    F_V = np.gradient(grid, volumes, axis=0, edge_order=2)
    return {"F_V": F_V, "F_T": np.gradient(grid, temperatures, axis=1, edge_order=2),
            "F_VV": np.gradient(F_V, volumes, axis=0, edge_order=2),
            "F_VT": np.gradient(F_V, temperatures, axis=1, edge_order=2)}


def grid_derivatives(V: np.ndarray, T: np.ndarray, F: np.ndarray, rows: np.ndarray,
                     fields: tuple[str, ...] = ("F_V", "F_T", "F_VT"),
                     tolerance: float = 0.2) -> dict[str, np.ndarray]:
    """Finite-difference derivatives of F on the ``rows`` that form a full V x T grid.

    Second-order differences (:func:`numpy.gradient`, uneven spacing allowed, one-sided at
    the edges) of F over the grid that the ``rows`` (bool mask) make, kept only where
    they are converged: where the same differences on the grid of every other volume and
    temperature agree with them within ``tolerance`` x |value| + ``tolerance`` x the RMS of
    the field (then the error at the full spacing is about a third of that), and at the
    grid points next to such points. Sharp features (the zentropy sum's mixing region
    between configurations at low T) give no target. Each field has shape (n,), NaN
    outside ``rows`` and where not converged, and everywhere when the rows are not a full
    grid of at least five volumes and five temperatures (scattered tables get no
    derivative targets). ``fields`` from F_V, F_VV, F_T, F_VT (eV/A^3, eV/A^6, eV/K,
    eV/(A^3 K)).
    """
    from scipy.ndimage import binary_dilation

    out = {name: np.full(V.shape, np.nan) for name in fields}
    index = np.flatnonzero(rows)
    volumes, i = np.unique(V[index], return_inverse=True)
    temperatures, j = np.unique(T[index], return_inverse=True)
    if volumes.size < 5 or temperatures.size < 5 or index.size != volumes.size * temperatures.size:
        return out
    grid = np.full((volumes.size, temperatures.size), np.nan)
    grid[i, j] = F[index]
    if not np.isfinite(grid).all():
        return out
    fine = _differences(grid, volumes, temperatures)
    coarse = _differences(grid[::2, ::2], volumes[::2], temperatures[::2])
    for name in fields:
        value = fine[name]
        at_coarse = value[::2, ::2]
        floor = np.sqrt(np.mean(value ** 2))
        bad = np.zeros(value.shape, dtype=bool)
        bad[::2, ::2] = (np.abs(at_coarse - coarse[name])
                         > tolerance * (np.abs(at_coarse) + floor))
        bad = binary_dilation(bad, np.ones((3, 3), dtype=bool))
        out[name][index] = np.where(bad, np.nan, value)[i, j]
    return out


def spline_targets(V: np.ndarray, T: np.ndarray, F: np.ndarray, validation: np.ndarray,
                   tolerance: float, lowest: float = SPLINE_LOWEST,
                   ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """F_V and F_VV targets of a table from splines along V, and how far to trust them.

    :func:`~zenthermo.landscape.table_derivatives.volume_derivatives` of the training rows
    from the training rows alone and of the validation rows from all rows; each row's
    weight :func:`~zenthermo.landscape.table_derivatives.trust_weights` of its estimated
    error against ``tolerance`` x the RMS of the field's targets that are known within
    their own size. Rows below :data:`MIN_WEIGHT`, and below ``lowest`` x the table's top
    temperature, get no target (NaN). Returns (targets, weights), each field -> shape (n,);
    both empty when the mean F_VV weight of the rows from ``lowest`` x the top temperature
    up is below :data:`SPLINE_COVERAGE` (a coarse or noisy table: no targets at all).
    """
    from zenthermo.landscape.table_derivatives import trust_weights, volume_derivatives

    train = volume_derivatives(V, T, F, ~validation)
    every = volume_derivatives(V, T, F, np.ones(V.size, bool))
    targets, weights = {}, {}
    warm = T >= lowest * T.max()
    for name in ("F_V", "F_VV"):
        value = np.where(validation, every[name], train[name])
        error = np.where(validation, every[f"{name} error"], train[f"{name} error"])
        known = np.isfinite(value) & (error < np.abs(value))
        scale = float(np.sqrt(np.mean(value[known] ** 2))) if known.any() else 0.0
        w = np.where(warm, trust_weights(error, tolerance * scale), 0.0)
        targets[name] = np.where(w >= MIN_WEIGHT, value, np.nan)
        weights[name] = np.where(w >= MIN_WEIGHT, w, 0.0)
    if not warm.any() or weights["F_VV"][warm].mean() < SPLINE_COVERAGE:
        return {}, {}  # the table does not resolve its curvature: no targets at all
    return targets, weights


def system_training_data(table, n_sources: int = 2, *, validation_fraction: float = 0.15,
                         seed: int = 0, natoms: int = 1,
                         composition: Mapping[str, int] | None = None,
                         max_rows: int | None = MAX_TRAINING_ROWS,
                         derivatives: tuple[str, ...] = (),
                         spline_tolerance: float = SPLINE_TOLERANCE) -> TrainingData:
    """System-mode data from a :class:`~zenthermo.io.free_energy_table.FreeEnergyTable`.

    K = ``n_sources`` latent sources with learned multiplicities (all start at g = 1).
    Rows whose volume or temperature is held out (a ``validation_fraction`` of the
    distinct interior values) are for validation. A table with more than ``max_rows``
    training rows is thinned to about ``max_rows`` of them and ``max_rows // 2``
    validation rows by :func:`lattice_subsample` (every training volume and temperature
    kept; None: every row); the rows left out are not part of the data.

    ``spline_tolerance`` > 0 adds F_V and F_VV targets from splines along V through every
    volume of a temperature, thinned-out rows included (the training rows' through the
    training volumes alone; :func:`spline_targets`, from :data:`SPLINE_LOWEST` x the top
    temperature up), weighted by their estimated accuracy relative to
    ``spline_tolerance`` x their RMS: an exact table's curvature near its
    critical point is known to about 10^-5 eV/A^6 that way (where the fit's own is off by
    10^-4); a noisy or coarse table's is not, and gets none (docs/zenn.md, "System
    mode"); 0: none.

    ``derivatives`` (from F_V, F_VV, F_T, F_VT) adds finite-difference targets of a full
    grid (:func:`grid_derivatives`; the training rows' from the training rows alone), so
    that the rows left out still inform the fit. Off by default: on the held-out landscape
    of ``benchmarks/zenn_system_mode.py`` F_V, F_T and F_VT targets removed the spurious
    low-temperature NTE window of a 31 x 34 table but moved T_c by -61 K (docs/zenn.md).
    """
    _check_n_sources(n_sources)
    rng = np.random.default_rng(seed)
    V, T = np.asarray(table.V_A3, float), np.asarray(table.T_K, float)
    held_v = held_out(V, validation_fraction, rng)
    held_t = held_out(T, validation_fraction, rng)
    validation = validation_rows(V, T, held_v, held_t)
    F = np.asarray(table.F_eV, float)
    nan = np.full(V.size, np.nan)
    d = dict.fromkeys(("F_V", "F_VV", "F_T", "F_VT"), nan)
    weights = None
    if spline_tolerance > 0:
        splines, trust = spline_targets(V, T, F, validation, spline_tolerance)
        d.update(splines)
        weights = trust or None
    if derivatives:
        # the training rows' targets from the training rows' F alone
        train_d = grid_derivatives(V, T, F, ~validation, derivatives)
        all_d = grid_derivatives(V, T, F, np.ones(V.size, bool), derivatives)
        d.update({name: np.where(validation, all_d[name], train_d[name])
                  for name in derivatives})
        if weights is not None:  # finite differences replace a spline target in full
            weights = {k: w for k, w in weights.items() if k not in derivatives}
    keep = (lattice_subsample(V, T, ~validation, max_rows, rng)
            | lattice_subsample(V, T, validation,
                                None if max_rows is None else max(max_rows // 2, 1), rng))
    combined = TargetTable(V, T, F, d["F_V"], d["F_VV"], d["F_T"], d["F_VT"],
                           np.full(V.size, -1), validation, None, weights).subset(keep)
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

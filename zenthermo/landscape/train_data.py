"""Training data for ZENN and the DNN baseline: per-source ragged tables and system tables.

Sources may differ in volumes, temperature grids and kinds of data: every source's rows
are kept in one concatenated table with a source index (no common grid is needed), and
targets that a source does not have are NaN (masked out of the loss).

Two modes:

``per-source``
    Each source k contributes F_k(V_i, T_j) at its own DFT volumes V_i on its own
    temperature grid T_j (the phonon grid where the source has phonopy data, else a coarse
    uniform grid over its temperature domain; T = 0 rows are the static anchors:
    E_k(V_i) plus zero-point energy), with the Sobolev targets F_V = -P, F_VV = B/V,
    F_T = -S and F_VT = -dS/dV (which sets the thermal expansion) from the source free
    energy's exact derivatives. The system-level (combined)
    targets are the zentropy sum of the sources' free energies at every (V, T) point of any
    source that lies inside every source's sampled volume and temperature ranges.
``system``
    Only system-level data, the sources are latent: a table of total F(V,T) (see
    :mod:`zenthermo.io.free_energy_table`) or a Boltzmann density over V per temperature
    (see :mod:`zenthermo.io.density_table`), fitted by Jensen-Shannon divergence; built by
    :mod:`zenthermo.landscape.system_data`. A density
    fixes F only up to a constant per temperature: a model trained on one gives V(T),
    alpha, B_T, the transition and the critical point (everything from F_V, F_VV, F_VT and
    from differences at one temperature), not absolute F, G, S or C_P.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from zenthermo.errors import InputError
from zenthermo.units import KB_EV_PER_K

TARGET_FIELDS = ("F", "F_V", "F_VV", "F_T", "F_VT")


@dataclass(frozen=True, eq=False)
class TargetTable:
    """Rows of (V, T) with targets; NaN marks a target the row does not have.

    Attributes
    ----------
    V, T : ndarray, shape (n,)
        A^3 per cell, K.
    F, F_V, F_VV, F_T, F_VT : ndarray, shape (n,)
        eV, eV/A^3, eV/A^6, eV/K, eV/(A^3 K) per cell.
    source : ndarray of int, shape (n,)
        Source index of each row (-1 for system-level rows).
    validation : ndarray of bool, shape (n,)
        Rows held out for early stopping.
    density : ndarray, shape (n,)
        Target p(V|T) of a system density table (one discrete distribution over the rows
        of each temperature); NaN where absent (None: absent everywhere).
    weights : dict of str to ndarray, shape (n,) each, or None
        Per-row weights in [0, 1] of some targets (by name, e.g. ``F_VV``): how far each
        row's target is trusted (system mode's spline derivatives,
        :mod:`zenthermo.landscape.table_derivatives`); a target without weights counts
        fully (None: every target).
    """

    V: np.ndarray
    T: np.ndarray
    F: np.ndarray
    F_V: np.ndarray
    F_VV: np.ndarray
    F_T: np.ndarray
    F_VT: np.ndarray
    source: np.ndarray
    validation: np.ndarray
    density: np.ndarray | None = None
    weights: Mapping[str, np.ndarray] | None = None

    def __post_init__(self) -> None:
        if self.density is None:
            object.__setattr__(self, "density", np.full(np.shape(self.V), np.nan))

    def __len__(self) -> int:
        return int(self.V.size)

    def subset(self, mask: np.ndarray) -> TargetTable:
        weights = (None if self.weights is None
                   else {name: np.asarray(w)[mask] for name, w in self.weights.items()})
        columns = {name: getattr(self, name)[mask] for name in (
            "V", "T", "F", "F_V", "F_VV", "F_T", "F_VT", "source", "validation", "density")}
        return TargetTable(**columns, weights=weights)

    @staticmethod
    def empty() -> TargetTable:
        e = np.zeros(0)
        return TargetTable(e, e, e, e, e, e, e, np.zeros(0, dtype=np.int64),
                           np.zeros(0, bool), e)

    @property
    def F_reference(self) -> np.ndarray:
        """F (eV) where known, else the free energy a density implies, shape (n,).

        From a density, -k_B T ln p(V|T): right up to a constant per temperature (which the
        baseline's T terms take up), so for the initial baseline fit only. A zero density
        takes the value of the smallest positive density at its temperature; rows with
        neither F nor a density are NaN.
        """
        density = self.density
        assert density is not None  # __post_init__ fills an absent density with NaN
        known = np.isfinite(self.F)
        with_density = ~known & np.isfinite(density)
        if not with_density.any():
            return self.F
        return np.where(with_density, _implied_free_energy(self.T, density), self.F)


@dataclass(frozen=True, eq=False)
class TrainingData:
    """Everything a fitter needs.

    Attributes
    ----------
    mode : str
        ``"per-source"`` or ``"system"``.
    source_names : tuple of str
        Source names (``latent_1``... in system mode).
    multiplicities : ndarray, shape (K,)
        g_k (the initial values in system mode, where they are learned).
    per_source : TargetTable
        Per-source rows (empty in system mode).
    combined : TargetTable
        System-level rows.
    natoms : int
    composition : mapping
    volume_domain, temperature_domain : (float, float)
    origin : str
        What the data came from (for the model file's record).
    system_target : str
        System mode: ``"F"`` (a table of total F) or ``"density"`` (a volume density per
        temperature, which fixes F only up to a constant per temperature); ``""`` in
        per-source mode.
    entropy_fluctuation_gamma : float or None
        Per-source mode: the entropy-fluctuation gamma the system-level targets include
        (:func:`zentropy_targets`); a ZENN with this term must be trained on data built
        with the same gamma. None: the plain zentropy sum.
    """

    mode: str
    source_names: tuple[str, ...]
    multiplicities: np.ndarray
    per_source: TargetTable
    combined: TargetTable
    natoms: int
    composition: Mapping[str, int] = field(default_factory=dict)
    volume_domain: tuple[float, float] = (0.0, 0.0)
    temperature_domain: tuple[float, float] = (0.0, 0.0)
    origin: str = ""
    system_target: str = ""
    entropy_fluctuation_gamma: float | None = None

    @property
    def learn_multiplicities(self) -> bool:
        return self.mode == "system"


def _implied_free_energy(T: np.ndarray, density: np.ndarray) -> np.ndarray:
    """-k_B T ln p (eV), zeros floored at the smallest positive p of their temperature.

    NaN where the density is NaN (or zero at every volume of its temperature).
    """
    temps, group = np.unique(T, return_inverse=True)
    positive = np.isfinite(density) & (density > 0)
    floor = np.full(temps.size, np.nan)
    np.fmin.at(floor, group[positive], density[positive])
    p = np.where(positive, density, np.where(np.isfinite(density), floor[group], np.nan))
    return -KB_EV_PER_K * T * np.log(p)


def source_entropy_jet(free_energy, V: np.ndarray, T: np.ndarray, relative_step: float = 1e-4):
    """The jet of a source's entropy S = -F_T: S_V, S_T exact, S_VV and S_VT by central
    differences of F_VT and F_TT in V (step ``relative_step`` x V); S_TT, S_VVV None."""
    from zenthermo.landscape.jets import Jet

    V, T = np.broadcast_arrays(np.asarray(V, dtype=np.float64), np.asarray(T, dtype=np.float64))
    h = relative_step * V
    d = free_energy.derivatives(V, T)
    up, down = free_energy.derivatives(V + h, T), free_energy.derivatives(V - h, T)
    return Jet(-d.F_T, -d.F_VT, -d.F_TT, -(up.F_VT - down.F_VT) / (2 * h), None,
               -(up.F_TT - down.F_TT) / (2 * h), None)


def zentropy_targets(derivs: Sequence, multiplicities: np.ndarray, V: np.ndarray,
                     T: np.ndarray, gamma: float | None = None,
                     entropies: Sequence | None = None) -> dict[str, np.ndarray]:
    """The zentropy sum of per-source free energies and its F_V, F_VV, F_T, F_VT (numpy).

    The same formulas as the exact landscape and the network
    (:func:`zenthermo.landscape.zentropy.zentropy_sum`). With ``gamma``, each F_k in the
    sum is shifted by :func:`fluctuation_penalty` of its entropy (``entropies``: the jets
    of :func:`source_entropy_jet`, one per source), as ZENN's sum does with that term on.
    """
    from zenthermo.landscape.jets import Jet
    from zenthermo.landscape.zentropy import fluctuation_penalty, zentropy_sum

    def stack(name: str) -> np.ndarray:
        return np.stack([np.asarray(getattr(d, name), dtype=np.float64) for d in derivs])

    T = np.asarray(T, dtype=np.float64)
    jet = Jet(stack("F"), stack("F_V"), stack("F_T"), stack("F_VV"), stack("F_TT"),
              stack("F_VT"), stack("F_VVV"))
    if gamma is not None:
        if entropies is None:
            raise ValueError("the fluctuation term needs the sources' entropy jets")
        entropy = Jet(*(None if any(e[i] is None for e in entropies)
                        else np.stack([e[i] for e in entropies]) for i in range(7)))
        jet = jet.plus(fluctuation_penalty(entropy, T, gamma)).restrict(
            frozenset({"f", "v", "t", "vv", "vt"}))
    total = zentropy_sum(jet, np.log(multiplicities), T).total
    return {"F": total.f, "F_V": total.v, "F_VV": total.vv, "F_T": total.t, "F_VT": total.vt}


def held_out(values: np.ndarray, fraction: float, rng: np.random.Generator) -> np.ndarray:
    """Interior values (never the two ends) chosen for validation."""
    unique = np.unique(values)
    interior = unique[1:-1]
    n_hold = min(int(round(fraction * unique.size)), interior.size)
    if n_hold <= 0:
        return np.zeros(0)
    return np.sort(rng.choice(interior, size=n_hold, replace=False))


def validation_rows(V: np.ndarray, T: np.ndarray, held_v: np.ndarray,
                    held_t: np.ndarray) -> np.ndarray:
    """Rows whose volume or temperature is held out."""
    return np.isin(V, held_v) | np.isin(T, held_t)


def per_source_training_data(
    free_energies: Sequence,
    volumes: Sequence[np.ndarray],
    temperatures: Sequence[np.ndarray],
    *,
    natoms: int,
    composition: Mapping[str, int] | None = None,
    validation_fraction: float = 0.15,
    seed: int = 0,
    origin: str = "",
    entropy_fluctuation_gamma: float | None = None,
) -> TrainingData:
    """Per-source tables from source free energies sampled at each source's own points.

    Parameters
    ----------
    free_energies : sequence of SourceFreeEnergy-like objects
        Each with ``name``, ``multiplicity`` and ``derivatives(V, T)``.
    volumes, temperatures : sequences of 1-D arrays, one per source
        The source's DFT volumes (A^3) and its temperature grid (K).
    natoms, composition
        Of the cell.
    validation_fraction : float
        Fraction of the distinct volumes and of the distinct temperatures held out (interior
        ones only) for early stopping.
    seed : int
        Seeds the choice of held-out volumes and temperatures.
    entropy_fluctuation_gamma : float or None
        ZENN's entropy-fluctuation gamma: the system-level targets are then the sum that
        ZENN evaluates with it (:func:`zentropy_targets`), with the sources' entropies.
    """
    if not free_energies:
        raise InputError("no sources to train on")
    rng = np.random.default_rng(seed)
    blocks = []
    for k, (fe, vols, temps) in enumerate(zip(free_energies, volumes, temperatures,
                                              strict=True)):
        vols = np.unique(np.asarray(vols, dtype=np.float64))
        temps = np.unique(np.asarray(temps, dtype=np.float64))
        if vols.size < 2:
            raise InputError(f"source {fe.name!r} has {vols.size} volume(s); ZENN needs at "
                             "least two per source (better five or more)",
                             hint="add volumes to this source or leave it out")
        Vg, Tg = (a.reshape(-1) for a in np.meshgrid(vols, temps, indexing="ij"))
        d = fe.derivatives(Vg, Tg)
        blocks.append((Vg, Tg, d.F, d.F_V, d.F_VV, d.F_T, d.F_VT, np.full(Vg.size, k)))
    cols = [np.concatenate([b[i] for b in blocks]) for i in range(8)]
    held_v = held_out(cols[0], validation_fraction, rng)
    held_t = held_out(cols[1], validation_fraction, rng)
    V, T, F, F_V, F_VV, F_T, F_VT, source = cols
    per_source = TargetTable(V, T, F, F_V, F_VV, F_T, F_VT, source,
                             validation_rows(V, T, held_v, held_t))

    # The landscape is the zentropy sum over all sources, so it is defined where every
    # source has data: the intersection of the sources' sampled ranges (as for the exact
    # landscape). System-level targets are the distinct (V, T) of any source inside it.
    own = [cols[7] == k for k in range(len(free_energies))]
    v0, v1 = max(cols[0][o].min() for o in own), min(cols[0][o].max() for o in own)
    t0, t1 = max(cols[1][o].min() for o in own), min(cols[1][o].max() for o in own)
    if not (v0 < v1 and t0 < t1):
        raise InputError(
            "the sources share no volume and temperature range (volumes "
            f"{v0:g}..{v1:g} A^3, temperatures {t0:g}..{t1:g} K in common)",
            hint="ZENN sums the sources' free energies; give them overlapping data")
    points = np.unique(np.stack([cols[0], cols[1]], axis=1), axis=0)
    inside = ((points[:, 0] >= v0 - 1e-9) & (points[:, 0] <= v1 + 1e-9)
              & (points[:, 1] >= t0 - 1e-9) & (points[:, 1] <= t1 + 1e-9))
    points = points[inside]
    g = np.array([float(fe.multiplicity) for fe in free_energies])
    if points.size:
        Vc, Tc = points[:, 0], points[:, 1]
        gamma = entropy_fluctuation_gamma
        targets = zentropy_targets(
            [fe.derivatives(Vc, Tc) for fe in free_energies], g, Vc, Tc, gamma,
            None if gamma is None else [source_entropy_jet(fe, Vc, Tc) for fe in free_energies])
        combined = TargetTable(Vc, Tc, targets["F"], targets["F_V"], targets["F_VV"],
                               targets["F_T"], targets["F_VT"], np.full(Vc.size, -1),
                               validation_rows(Vc, Tc, held_v, held_t))
    else:
        combined = TargetTable.empty()
    return TrainingData(
        mode="per-source",
        source_names=tuple(fe.name for fe in free_energies),
        multiplicities=g,
        per_source=per_source,
        combined=combined,
        natoms=int(natoms),
        composition=dict(composition or {}),
        volume_domain=(float(v0), float(v1)),
        temperature_domain=(float(t0), float(t1)),
        origin=origin,
        entropy_fluctuation_gamma=entropy_fluctuation_gamma,
    )


def source_temperature_grid(source, free_energy, n_temperatures: int,
                            max_temperature: float) -> np.ndarray:
    """The temperatures (K) a source is sampled at, up to ``max_temperature``.

    ``n_temperatures`` points spaced as ``t0 + (t1 - t0) u^2`` with ``u`` uniform on [0, 1]
    over the source's temperature domain (unbounded for Debye, hence the cap): denser at
    low T, where the entropy and the configurational balance change fastest and where the
    small thermal expansion needs the most support. A source with a phonon grid is sampled
    at the grid temperatures nearest to those points (ends kept), never between them.
    """
    t0, t1 = free_energy.temperature_domain
    t1 = min(float(t1), float(max_temperature))
    wanted = t0 + (t1 - t0) * np.linspace(0.0, 1.0, n_temperatures) ** 2
    if source.has_vibrations:
        grid = np.unique(np.concatenate([p.vibrations.temperatures for p in source.points]))
        grid = grid[(grid >= t0) & (grid <= t1)]
        if grid.size > n_temperatures:
            nearest = np.abs(grid[None, :] - wanted[:, None]).argmin(axis=1)
            grid = grid[np.unique(np.concatenate([[0, grid.size - 1], nearest]))]
        if grid.size:
            return grid
    return wanted


def source_volume_grid(source, n_volumes: int) -> np.ndarray:
    """The volumes (A^3) a source is sampled at.

    ``n_volumes`` = 0: the source's own DFT volumes. Otherwise ``n_volumes`` evenly spaced
    volumes from the smallest to the largest DFT volume of the source (its own DFT volumes
    are added): ZENN then distils the smooth per-source physics model (EOS + vibrations) on
    a dense grid instead of its values at a handful of DFT points, which pins the
    free-energy differences between sources (and so T_c and the NTE window) far better.
    """
    volumes = np.unique(np.asarray(source.volumes, dtype=np.float64))
    if n_volumes <= 0 or volumes.size < 2:
        return volumes
    # Rounded to 1e-9 A^3 so that sources whose DFT ranges agree to round-off share their
    # grid points (and so their system-level target points).
    grid = np.round(np.linspace(volumes[0], volumes[-1], int(n_volumes)), 9)
    return np.unique(np.concatenate([grid, np.round(volumes, 9)]))


def training_data_from_sources(source_set, *, eos: str = "bm4", vibrations: str = "auto",
                               n_temperatures: int = 13, max_temperature: float = 1000.0,
                               n_volumes: int = 0, validation_fraction: float = 0.15, seed: int = 0,
                               entropy_fluctuation_gamma: float | None = None,
                               **physics_options) -> TrainingData:
    """Per-source training data for a :class:`~zenthermo.sources.SourceSet`.

    Builds each source's free energy with
    :func:`zenthermo.physics.free_energy.build_source_free_energies` and samples it at the
    source's volumes (its DFT volumes, or a dense grid over their range when ``n_volumes`` >
    0: :func:`source_volume_grid`) on its own temperature grid
    (:func:`source_temperature_grid`). The targets are the physics model's values and exact
    derivatives, never the raw DFT energies (which scatter ~meV about the EOS).
    ``eos``, ``vibrations`` and ``physics_options`` go to ``build_source_free_energies``;
    ``entropy_fluctuation_gamma`` as in :func:`per_source_training_data`.
    """
    from zenthermo.physics.free_energy import build_source_free_energies

    for source in source_set:
        if len(source.points) < 2:
            raise InputError(
                f"source {source.name!r} has {len(source.points)} volume point(s); "
                "ZENN needs at least two volumes per source",
                path=source_set.root or None, hint="add volumes or leave the source out")
    free_energies = build_source_free_energies(source_set, eos=eos, vibrations=vibrations,
                                               **physics_options)
    by_name = {fe.name: fe for fe in free_energies}
    ordered = [by_name[s.name] for s in source_set if s.name in by_name]
    sources = [s for s in source_set if s.name in by_name]
    return per_source_training_data(
        ordered,
        [source_volume_grid(s, n_volumes) for s in sources],
        [source_temperature_grid(s, fe, n_temperatures, max_temperature)
         for s, fe in zip(sources, ordered, strict=True)],
        natoms=source_set.natoms,
        composition=dict(source_set.composition),
        validation_fraction=validation_fraction,
        seed=seed,
        origin=str(source_set.root),
        entropy_fluctuation_gamma=entropy_fluctuation_gamma,
    )

"""Members' inputs: resampled data and drawn models, one seeded random stream per member.

For member m a generator is spawned from ``SeedSequence(seed)`` (child m), so a member's
draws depend only on the seed and m: the same seed gives the same members, and asking for
more members keeps the first ones. Within a member one stream serves every source in the
order of the set (the sources are resampled together, one draw per member), then the Debye
spreads.

Per source, depending on the method:

* ``eos``/``both``: the EOS kind is drawn from the family by its Akaike weight
  (:mod:`zenthermo.uncertainty.eos_family`); ``bootstrap`` keeps the central kind.
* ``bootstrap``/``both``: residual bootstrap. The energies become that kind's fitted values
  plus modified residuals drawn with replacement. Where the source has phonon grids, their
  residuals about the per-temperature fit in V (the volume form
  :class:`~zenthermo.physics.phonons.PhononFreeEnergy` chooses) are resampled too: whole
  rows (one volume's residual curve over all temperatures) for F, S and C_V together, so
  the resampled grids stay smooth and thermodynamically consistent in T.
* With ``draw_noise_level`` (the default) the drawn residuals of a source are multiplied
  by sqrt(nu / X), X ~ chi^2(nu), nu = n - p the residual degrees of freedom of the fit
  (n points, p parameters; for phonon grids p = degree + 1). That is a draw of the noise
  level sigma^2 from its distribution given the residuals, s^2 nu / chi^2(nu) (the
  standard noninformative posterior of a least-squares fit), relative to the estimate
  s^2. Without it, the residual bootstrap takes the noise level estimated from 8-12
  points as exact, and its 95 % intervals behave like normal (z) rather than Student-t
  intervals: measured on the calibration benchmark, they hold the truth about 90 % of the
  time instead of 95 % (docs/uncertainty.md).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from zenthermo.physics.debye import DEFAULT_SCALING, DEFAULT_X
from zenthermo.physics.eos import EOS_KINDS
from zenthermo.physics.options import DEFAULT_VIBRATIONS
from zenthermo.physics.source_models import MIN_AUTO_VOLUMES, phonon_free_energy
from zenthermo.physics.volume_forms import design
from zenthermo.sources import Source, SourceSet, VolumePoint
from zenthermo.uncertainty.eos_family import MAX_LEVERAGE, EosFamily, fit_family
from zenthermo.uncertainty.settings import UncertaintySettings

__all__ = ["MemberInputs", "PhononResiduals", "ResamplingPlan", "draw_members", "plan_resampling"]


@dataclass(frozen=True, eq=False)
class PhononResiduals:
    """Fitted values and modified residuals of one source's phonon grids, eV(/K) per cell.

    Every array has shape (n_volumes, nT), rows in ascending volume (the source's order).
    """

    fitted_F: np.ndarray
    fitted_S: np.ndarray
    fitted_C: np.ndarray
    residual_F: np.ndarray
    residual_S: np.ndarray
    residual_C: np.ndarray
    degrees_of_freedom: int = 0


@dataclass(frozen=True, eq=False)
class ResamplingPlan:
    """What is fixed for all members: each source's EOS family and phonon residuals.

    Attributes
    ----------
    source_set : SourceSet
    central_eos : str
    families : tuple of EosFamily
        One per source, in the set's order: the kinds members draw from
        (:meth:`UncertaintySettings.family_kinds`).
    flexible_weights : tuple of dict
        One per source: {kind: Akaike weight} over every kind of ``settings.eos_kinds``,
        where some were left out of ``families`` for having more parameters than the
        central kind (empty otherwise); what the warning on a strongly favoured flexible
        kind reads.
    phonons : tuple of (PhononResiduals or None)
        One per source; None where the source has no phonon grids.
    physics_options : Mapping
        The options of the central per-source free energies (``eos`` aside).
    """

    source_set: SourceSet
    central_eos: str
    families: tuple[EosFamily, ...]
    phonons: tuple[PhononResiduals | None, ...]
    physics_options: Mapping[str, Any]
    flexible_weights: tuple[Mapping[str, float], ...] = ()

    def eos_weights(self) -> dict[str, dict[str, float]]:
        """Source name -> {kind: Akaike weight}."""
        return {
            family.name: {c.kind: float(c.weight) for c in family.candidates if c.weight > 0}
            for family in self.families
        }


@dataclass(frozen=True, eq=False)
class MemberInputs:
    """Everything that makes one member: its data, its EOS kinds, its Debye parameters.

    Attributes
    ----------
    index : int
    source_set : SourceSet
        The member's (resampled) data; same sources, volumes and order as the original.
    eos_kinds : tuple of str
        One per source.
    debye_scaling, debye_x : float
    """

    index: int
    source_set: SourceSet
    eos_kinds: tuple[str, ...]
    debye_scaling: float
    debye_x: float


def plan_resampling(
    source_set: SourceSet, settings: UncertaintySettings, physics_options: Mapping[str, Any]
) -> ResamplingPlan:
    """Fit each source's EOS family and phonon residuals once, for all members."""
    options = dict(physics_options)
    central = str(options.pop("eos", "bm4"))
    vibrations = str(options.get("vibrations", DEFAULT_VIBRATIONS))
    interpolation = str(options.get("phonon_interpolation", "auto"))
    if options.get("phonon_degree") is not None:
        interpolation = f"poly{int(options['phonon_degree'])}"
    families, phonons, flexible = [], [], []
    kinds = settings.family_kinds(central) if settings.averages_eos else (central,)
    left_out = settings.averages_eos and len(kinds) < len(settings.eos_kinds)
    for source in source_set:
        n_grids = sum(p.vibrations is not None for p in source.points)
        uses_phonons = vibrations == "phonopy" or (vibrations == "auto"
                                                   and n_grids >= MIN_AUTO_VOLUMES)
        needs_minimum = vibrations == "debye" or (vibrations == "auto" and not uses_phonons)
        families.append(fit_family(source.volumes, source.energies, kinds, name=source.name,
                                   needs_minimum=needs_minimum, required=central))
        if left_out:
            every = fit_family(source.volumes, source.energies, settings.eos_kinds,
                               name=source.name, needs_minimum=needs_minimum)
            flexible.append({c.kind: float(c.weight) for c in every.candidates})
        phonons.append(_phonon_residuals(source, interpolation) if uses_phonons else None)
    return ResamplingPlan(source_set, central, tuple(families), tuple(phonons), options,
                          tuple(flexible))


def draw_members(plan: ResamplingPlan, settings: UncertaintySettings) -> tuple[MemberInputs, ...]:
    """The inputs of members 0 .. settings.members - 1 (deterministic in the seed)."""
    children = np.random.SeedSequence(int(settings.seed)).spawn(int(settings.members))
    return tuple(_draw_one(plan, settings, m, np.random.default_rng(child))
                 for m, child in enumerate(children))


def _draw_one(
    plan: ResamplingPlan, settings: UncertaintySettings, index: int, rng: np.random.Generator
) -> MemberInputs:
    sources, kinds = [], []
    for source, family, phonons in zip(plan.source_set, plan.families, plan.phonons,
                                       strict=True):
        if settings.averages_eos:
            position = int(rng.choice(len(family.candidates), p=family.weights))
            candidate = family.candidates[position]
        else:
            candidate = family.candidate(plan.central_eos)
        kinds.append(candidate.kind)
        energies = np.asarray(source.energies)
        grids = None
        if settings.resamples_data:
            n = energies.size
            scale = _noise_scale(rng, n - EOS_KINDS[candidate.kind], settings)
            energies = candidate.fitted_eV + scale * candidate.residuals_eV[
                rng.integers(0, n, n)]
            if phonons is not None:
                scale = _noise_scale(rng, phonons.degrees_of_freedom, settings)
                n_grids = phonons.fitted_F.shape[0]
                rows = rng.integers(0, n_grids, n_grids)
                grids = (phonons.fitted_F + scale * phonons.residual_F[rows],
                         phonons.fitted_S + scale * phonons.residual_S[rows],
                         phonons.fitted_C + scale * phonons.residual_C[rows])
        sources.append(_replace_data(source, energies, grids))
    options = plan.physics_options
    scaling = float(options.get("debye_scaling", DEFAULT_SCALING))
    x = float(options.get("debye_x", DEFAULT_X))
    if settings.debye_scaling_spread is not None:
        scaling = settings.debye_scaling_spread.draw(scaling, rng)
    if settings.debye_x_spread is not None:
        x = settings.debye_x_spread.draw(x, rng)
    member_set = dataclasses.replace(plan.source_set, sources=tuple(sources))
    return MemberInputs(index, member_set, tuple(kinds), scaling, x)


def _noise_scale(rng: np.random.Generator, dof: int, settings: UncertaintySettings) -> float:
    """sqrt(nu / chi^2(nu)): the drawn noise level relative to the estimated one (1 when
    the draw is off or there are no residual degrees of freedom)."""
    if not settings.draw_noise_level or dof <= 0:
        return 1.0
    return float(np.sqrt(dof / rng.chisquare(dof)))


def _replace_data(source: Source, energies: np.ndarray, grids) -> Source:
    points: list[VolumePoint] = []
    row = 0  # rows of the grids follow the points that carry one
    for i, point in enumerate(source.points):
        changes: dict[str, Any] = {"energy": float(energies[i])}
        if grids is not None and point.vibrations is not None:
            F, S, C = grids
            changes["vibrations"] = dataclasses.replace(
                point.vibrations, free_energy=F[row].copy(), entropy=S[row].copy(),
                heat_capacity=C[row].copy())
            row += 1
        points.append(dataclasses.replace(point, **changes))
    return dataclasses.replace(source, points=tuple(points))


def _phonon_residuals(source: Source, interpolation: str) -> PhononResiduals:
    """Residuals of F, S, C_V about the per-temperature V fit of the source's phonon grids
    (the form the analysis itself chooses), rows in the order of the points with grids."""
    model = phonon_free_energy(source, interpolation)
    with_grids = [p for p in source.points if p.vibrations is not None]
    V = np.array([p.vibrations.volume or p.volume for p in with_grids if p.vibrations is not None])
    data = [np.stack([getattr(p.vibrations, name) for p in with_grids])
            for name in ("free_energy", "entropy", "heat_capacity")]
    matrix = design(model.basis, V, model.degree)
    hat = matrix @ np.linalg.pinv(matrix)
    h = np.minimum(np.clip(np.diag(hat), 0.0, 1.0), MAX_LEVERAGE)[:, None]
    fitted = [hat @ values for values in data]
    residuals = []
    for values, fit in zip(data, fitted, strict=True):
        scaled = (values - fit) / np.sqrt(1.0 - h)
        residuals.append(scaled - scaled.mean(axis=0))
    (F, S, C), (dF, dS, dC) = fitted, residuals
    return PhononResiduals(F, S, C, dF, dS, dC, degrees_of_freedom=V.size - model.degree - 1)

"""A deep ensemble of trained landscapes: several seeds, one landscape, and its spread.

    from zenthermo.landscape.ensemble import fit_ensemble
    ensemble = fit_ensemble(ZennFitter, settings, data, members=5)   # seeds s, s+1, ...
    ensemble.derivatives(V, T)          # the ensemble mean of F and of every derivative
    ensemble.member_derivatives(V, T)   # one FreeEnergyDerivatives per member

The ensemble's F(V,T) is the mean of the members' F, and since differentiation is linear,
its derivatives are the means of theirs (exactly, not a fit): thermo analyses it as any
landscape. The spread of the members (``member_derivatives``, :meth:`band`) is the
uncertainty of the network's training (its initial weights and data split), in the sense
of a deep ensemble (Lakshminarayanan et al., NeurIPS 2017). Probabilities are the mean of
the members' probabilities.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from zenthermo.errors import ConfigurationError
from zenthermo.physics.derivatives import FreeEnergyDerivatives, requested_fields

__all__ = ["EnsembleLandscape", "fit_ensemble", "fit_member"]



class EnsembleLandscape:
    """The mean of several trained landscapes of the same data (a Landscape).

    Parameters
    ----------
    members : sequence of Landscape
        Two or more landscapes of one method, the same sources and atoms per cell (e.g.
        ZENN fits with different seeds).

    Attributes
    ----------
    method : str
        The members' method (``"zenn"``): the ensemble is what is reported as that method.
    members : tuple of Landscape
    """

    def __init__(self, members: Sequence[Any]) -> None:
        members = tuple(members)
        if len(members) < 2:
            raise ConfigurationError(f"an ensemble needs at least 2 members, got {len(members)}")
        first = members[0]
        for other in members[1:]:
            if (other.method, other.natoms, tuple(other.source_names)) != (
                    first.method, first.natoms, tuple(first.source_names)):
                raise ConfigurationError(
                    "ensemble members differ in method, atoms per cell or sources",
                    hint="fit every member to the same data with the same method")
        self.members = members
        self.method = first.method
        self.natoms = int(first.natoms)
        self.source_names = tuple(first.source_names)
        self.composition = dict(getattr(first, "composition", {}) or {})
        self.mode = getattr(first, "mode", "per-source")
        self.settings = dict(getattr(first, "settings", {}) or {})
        self.history = {"members": [dict(getattr(m, "history", {}) or {}) for m in members]}
        target = (getattr(first, "history", {}) or {}).get("system_target")
        if target is not None:
            self.history["system_target"] = target

    @property
    def size(self) -> int:
        """Number of members M."""
        return len(self.members)

    @property
    def multiplicities(self) -> np.ndarray:
        """Mean g_k of the members, shape (K,)."""
        return np.mean([np.asarray(m.multiplicities, dtype=np.float64) for m in self.members],
                       axis=0)

    @property
    def volume_domain(self) -> tuple[float, float]:
        """Where every member is backed by data (the intersection), A^3 per cell."""
        lows, highs = zip(*(m.volume_domain for m in self.members), strict=True)
        return float(max(lows)), float(min(highs))

    @property
    def temperature_domain(self) -> tuple[float, float]:
        lows, highs = zip(*(m.temperature_domain for m in self.members), strict=True)
        return float(max(lows)), float(min(highs))

    def member_derivatives(self, V, T, fields=None) -> list[FreeEnergyDerivatives]:
        """Each member's F and derivatives at (V, T), in member order (only ``fields``,
        None: all, as :meth:`derivatives`)."""
        return [m.derivatives(V, T, fields=fields) for m in self.members]

    def derivatives(self, V, T, fields=None) -> FreeEnergyDerivatives:
        """The ensemble mean of F and of each partial derivative at (V, T); ``fields``
        (None: all) chooses which are computed, the others are None."""
        names = requested_fields(fields)
        each = self.member_derivatives(V, T, fields=names)
        return FreeEnergyDerivatives.partial({
            name: np.mean([getattr(d, name) for d in each], axis=0) for name in names})

    def probabilities(self, V, T) -> np.ndarray:
        """Mean of the members' p_k(V,T), shape (K, *broadcast_shape)."""
        return np.mean([m.probabilities(V, T) for m in self.members], axis=0)

    def band(self, values: Sequence[np.ndarray], width: float = 2.0) -> tuple[np.ndarray,
                                                                               np.ndarray]:
        """(low, high) = mean -/+ ``width`` sample standard deviations of per-member
        ``values`` (a sequence of M arrays of one shape): the ensemble's band."""
        stacked = np.asarray(values, dtype=np.float64)
        centre, spread = stacked.mean(axis=0), stacked.std(axis=0, ddof=1)
        return centre - width * spread, centre + width * spread


def fit_ensemble(fitter_class: Callable[..., Any], settings: Any, data: Any, members: int,
                 progress: Any = None, map_fn: Callable[..., list[Any]] | None = None,
                 ) -> EnsembleLandscape:
    """Fit ``members`` landscapes that differ only in their seed (settings.seed + m).

    Parameters
    ----------
    fitter_class : callable
        ``ZennFitter`` or ``DnnFitter`` (called with TrainingSettings).
    settings : TrainingSettings
        The members' settings; member m uses seed ``settings.seed + m``.
    data : TrainingData
    members : int
        M >= 2.
    progress : Progress, optional
        Used when the members are fitted here, one after another.
    map_fn : callable, optional
        ``map_fn(func, items) -> list`` in item order (e.g. the Dask engine's, so that the
        members are tasks of a cluster); without one they are fitted here in turn.

    Returns
    -------
    EnsembleLandscape
    """
    if isinstance(members, bool) or not isinstance(members, (int, np.integer)) or members < 2:
        raise ConfigurationError(f"an ensemble needs at least 2 members, got {members!r}")
    jobs = [(fitter_class, replace(settings, seed=int(settings.seed) + m), data)
            for m in range(int(members))]
    if map_fn is not None:
        return EnsembleLandscape(list(map_fn(fit_member, jobs)))
    return EnsembleLandscape([fit_member(job, progress) for job in jobs])


def fit_member(job: tuple[Callable[..., Any], Any, Any], progress: Any = None) -> Any:
    """The landscape of one member, ``job = (fitter_class, settings, data)`` (a picklable
    task for a map function)."""
    fitter_class, settings, data = job
    return fitter_class(settings).fit(data, progress=progress).landscape_

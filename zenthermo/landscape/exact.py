"""Exact zentropy: the landscape F(V,T) = -k_B T ln sum_k g_k exp(-F_k(V,T) / k_B T).

The per-source free energies F_k come from :mod:`zenthermo.physics.free_energy` (or any
object with ``name, multiplicity, magnetic_order, volume_domain, temperature_domain`` and
``derivatives(V, T) -> FreeEnergyDerivatives``, optionally with ``fields=``: the sources
are then asked only for the fields the sum needs). Every derivative of the sum is exact, from
the cumulant (fluctuation) formulas of :mod:`zenthermo.landscape.zentropy` (numpy; the
same formulas serve the trained landscapes in torch), with T = 0 the hard-minimum limit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from zenthermo.errors import ConfigurationError, DomainError
from zenthermo.landscape.jets import JET_FIELD, Jet, need_for
from zenthermo.landscape.zentropy import zentropy_sum
from zenthermo.physics.derivatives import (
    DERIVATIVE_FIELDS,
    FreeEnergyDerivatives,
    requested_fields,
    takes_fields,
)

__all__ = ["SOURCE_POINTS", "ExactZentropy"]

#: Most (source, point) pairs evaluated at once: a call on N points with K sources runs in
#: chunks of SOURCE_POINTS // K points, so memory stays bounded however many sources there
#: are (about 0.1 GB per chunk with every field).
SOURCE_POINTS = 1 << 19


class ExactZentropy:
    """The zentropy sum over per-source free energies, with exact derivatives.

    Parameters
    ----------
    free_energies : sequence of source free energies
        Objects with ``name``, ``multiplicity`` (g_k > 0), ``magnetic_order``,
        ``volume_domain``, ``temperature_domain`` and ``derivatives(V, T)``; typically
        from :func:`zenthermo.physics.free_energy.build_source_free_energies`.
    volume_domain, temperature_domain : (float, float), optional
        Narrow the domain; must lie inside the intersection of the sources' domains
        (which is the default).
    natoms : int, optional
        Atoms per cell; taken from the sources' ``natoms`` when they have it.

    Raises
    ------
    ConfigurationError
        No sources, duplicate names, a non-positive multiplicity, or sources that
        disagree on ``natoms``.
    DomainError
        The sources' volume or temperature ranges do not overlap, or a requested domain
        lies outside them.
    """

    method = "exact"

    def __init__(
        self,
        free_energies: Sequence[Any],
        volume_domain: tuple[float, float] | None = None,
        temperature_domain: tuple[float, float] | None = None,
        natoms: int | None = None,
    ) -> None:
        sources = tuple(free_energies)
        if not sources:
            raise ConfigurationError("ExactZentropy needs at least one source free energy")
        names = tuple(str(s.name) for s in sources)
        if len(set(names)) != len(names):
            raise ConfigurationError(f"source names are not unique: {names}")
        g = np.array([float(s.multiplicity) for s in sources], dtype=np.float64)
        if not np.all(np.isfinite(g) & (g > 0)):
            bad = {n: m for n, m in zip(names, g, strict=True) if not (np.isfinite(m) and m > 0)}
            raise ConfigurationError(
                f"multiplicities must be finite and positive; got {bad}",
                hint="check the multiplicities given in the manifest or found by symmetry",
            )
        self._sources = sources
        self._takes_fields = tuple(takes_fields(s) for s in sources)
        self.source_names = names
        self._g = g
        self._ln_g = np.log(g)
        self._volume_domain = _domain(sources, "volume_domain", volume_domain, "A^3")
        self._temperature_domain = _domain(sources, "temperature_domain", temperature_domain, "K")
        self.natoms = _natoms(sources, natoms)

    @classmethod
    def from_sources(cls, source_set: Any, **physics_options: Any) -> ExactZentropy:
        """Build per-source F_k from a SourceSet and sum them.

        ``physics_options`` go to
        :func:`zenthermo.physics.free_energy.build_source_free_energies` (``eos``,
        ``vibrations``, ``debye_scaling``, ``debye_x``).
        """
        from zenthermo.physics.free_energy import build_source_free_energies

        return cls(build_source_free_energies(source_set, **physics_options))

    # -- the Landscape protocol ------------------------------------------------------------

    @property
    def free_energies(self) -> tuple[Any, ...]:
        """The per-source free energy objects, in the order of ``source_names``."""
        return self._sources

    @property
    def multiplicities(self) -> np.ndarray:
        """g_k, shape (K,)."""
        return self._g.copy()

    @property
    def volume_domain(self) -> tuple[float, float]:
        return self._volume_domain

    @property
    def edge_spacing_A3(self) -> tuple[float, float] | None:
        """The last data spacing at the low and high end of the volume domain, A^3.

        Per end, the widest spacing between the two data volumes of a source nearest that
        end (from each source's ``eos_fit.volumes``); None when a source has no volumes.
        """
        low, high = 0.0, 0.0
        for source in self._sources:
            volumes = np.sort(np.asarray(getattr(getattr(source, "eos_fit", None), "volumes",
                                                 ()), dtype=np.float64))
            if volumes.size < 2:
                return None
            low, high = max(low, volumes[1] - volumes[0]), max(high, volumes[-1] - volumes[-2])
        return float(low), float(high)

    @property
    def temperature_domain(self) -> tuple[float, float]:
        return self._temperature_domain

    def derivatives(self, V: ArrayLike, T: ArrayLike, fields=None) -> FreeEnergyDerivatives:
        """F (eV per cell) and its exact partial derivatives at (V, T), broadcast.

        V in A^3 per cell, T in K (T = 0 allowed). Returns arrays of the broadcast shape.
        ``fields`` (names such as ``("F_V", "F_VV")``; None: all) chooses which fields the
        zentropy sum computes; the others come back as None.
        """
        derivatives = self._evaluate(V, T, requested_fields(fields), (True, False, False))[0]
        assert derivatives is not None  # asked for by keep
        return derivatives

    def derivatives_and_probabilities(
        self, V: ArrayLike, T: ArrayLike, fields=None
    ) -> tuple[FreeEnergyDerivatives, np.ndarray]:
        """:meth:`derivatives` and :meth:`probabilities` from one evaluation of the sources
        (each equal to what those calls return), for a caller that needs both."""
        derivatives, p, _ = self._evaluate(V, T, requested_fields(fields), (True, True, False))
        assert derivatives is not None and p is not None  # asked for by keep
        return derivatives, p

    def probabilities(self, V: ArrayLike, T: ArrayLike) -> np.ndarray:
        """p_k(V,T), shape (K, *broadcast_shape); sums to one over k."""
        p = self._evaluate(V, T, ("F",), (False, True, False))[1]
        assert p is not None  # asked for by keep
        return p

    def configuration_entropy(self, V: ArrayLike, T: ArrayLike) -> np.ndarray:
        """S_mix = -k_B sum_k p_k ln(p_k / g_k), eV/K per cell, broadcast shape."""
        s_mix = self._evaluate(V, T, ("F",), (False, False, True))[2]
        assert s_mix is not None  # asked for by keep
        return s_mix

    def __repr__(self) -> str:
        return (
            f"ExactZentropy(sources={list(self.source_names)}, g={self._g.tolist()}, "
            f"V={self._volume_domain}, T={self._temperature_domain})"
        )

    # -- the sum ------------------------------------------------------------------------------

    def _evaluate(
        self, V: ArrayLike, T: ArrayLike, fields: tuple[str, ...] = DERIVATIVE_FIELDS,
        keep: tuple[bool, bool, bool] = (True, True, True),
    ) -> tuple[FreeEnergyDerivatives | None, np.ndarray | None, np.ndarray | None]:
        """(derivatives with ``fields``, p_k, S_mix), in chunks of SOURCE_POINTS // K points.

        ``keep`` says which of the three to assemble (the others are None): p_k alone is
        K times the size of a field, so it is gathered only when asked for.
        """
        V, T = _checked_inputs(V, T)
        shape = V.shape
        step = max(1, SOURCE_POINTS // len(self._sources))
        if V.size <= step:
            d, p_k, s = self._evaluate_block(V, T, fields)
            return (d if keep[0] else None, p_k if keep[1] else None, s if keep[2] else None)
        flat_v, flat_t = V.reshape(-1), T.reshape(-1)
        parts = []
        for i in range(0, flat_v.size, step):
            block = self._evaluate_block(flat_v[i:i + step], flat_t[i:i + step], fields)
            parts.append(tuple(x if k else None for x, k in zip(block, keep, strict=True)))
        derivatives = p = s_mix = None
        if keep[0]:
            values = {name: np.concatenate([getattr(d, name) for d, _, _ in parts])
                      .reshape(shape) for name in fields}
            derivatives = FreeEnergyDerivatives.partial(values)
        if keep[1]:
            p = np.concatenate([x[1] for x in parts], axis=1).reshape((-1, *shape))
        if keep[2]:
            s_mix = np.concatenate([x[2] for x in parts]).reshape(shape)
        return derivatives, p, s_mix

    def _evaluate_block(
        self, V: np.ndarray, T: np.ndarray, fields: tuple[str, ...]
    ) -> tuple[FreeEnergyDerivatives, np.ndarray, np.ndarray]:
        shape = V.shape
        need = need_for(fields)
        names = tuple(name for name in DERIVATIVE_FIELDS if JET_FIELD[name] in need)
        stacked = [s.derivatives(V, T, fields=names) if takes else s.derivatives(V, T)
                   for s, takes in zip(self._sources, self._takes_fields, strict=True)]
        d = {
            name: np.stack([np.broadcast_to(getattr(x, name), shape) for x in stacked])
            for name in names
        }
        del stacked
        if not all(np.all(np.isfinite(a)) for a in d.values()):
            raise DomainError(
                "a source free energy is not finite at the requested (V, T)",
                hint=f"stay inside V {self._volume_domain} A^3, T {self._temperature_domain} K",
            )
        jet = Jet(*(d.get(name) for name in ("F", "F_V", "F_T", "F_VV", "F_TT", "F_VT",
                                               "F_VVV")))
        result = zentropy_sum(jet, self._ln_g, T)
        total = dict(zip(Jet._fields, result.total, strict=True))
        derivatives = FreeEnergyDerivatives.partial(
            {name: total[JET_FIELD[name]] for name in fields})
        return derivatives, result.p, result.s_mix


def _checked_inputs(V: ArrayLike, T: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    V = np.asarray(V, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if np.isnan(V).any() or np.isnan(T).any():
        raise DomainError("volume or temperature contains NaN")
    if (T < 0).any():
        raise DomainError(f"negative temperature requested (min {T.min()} K)")
    if not (np.isfinite(V).all() and np.isfinite(T).all()):
        raise DomainError("volume or temperature is infinite")
    try:
        V_b, T_b = np.broadcast_arrays(V, T)
    except ValueError as err:
        raise DomainError(f"V shape {V.shape} and T shape {T.shape} do not broadcast") from err
    return V_b, T_b


def _domain(
    sources: Sequence[Any], attribute: str, requested: tuple[float, float] | None, unit: str
) -> tuple[float, float]:
    """Intersection of the sources' ranges, optionally narrowed to ``requested``."""
    ranges = {str(s.name): tuple(float(x) for x in getattr(s, attribute)) for s in sources}
    lo = max(r[0] for r in ranges.values())
    hi = min(r[1] for r in ranges.values())
    listed = ", ".join(f"{n}: {r[0]:g}-{r[1]:g} {unit}" for n, r in ranges.items())
    if not lo < hi:
        raise DomainError(
            f"the sources' {attribute.replace('_', ' ')}s do not overlap ({listed})",
            hint="drop the source whose range is disjoint, or compute it over a wider range",
        )
    if requested is None:
        return (lo, hi)
    r_lo, r_hi = (float(x) for x in requested)
    if not (lo <= r_lo < r_hi <= hi):
        raise DomainError(
            f"requested {attribute.replace('_', ' ')} {r_lo:g}-{r_hi:g} {unit} is not inside "
            f"the sources' common range {lo:g}-{hi:g} {unit} ({listed})"
        )
    return (r_lo, r_hi)


def _natoms(sources: Sequence[Any], natoms: int | None) -> int:
    counts = {int(s.natoms) for s in sources if getattr(s, "natoms", None) is not None}
    if natoms is not None:
        counts.add(int(natoms))
    if len(counts) > 1:
        raise ConfigurationError(f"sources disagree on the number of atoms per cell: {counts}")
    if not counts:
        raise ConfigurationError("number of atoms per cell unknown", hint="pass natoms=")
    return counts.pop()

"""The Newton polish of the minima of G(V) = F(V,T) + PV: F_V + P = 0 inside brackets.

Every evaluation asks the landscape for every property field (:data:`FINAL_FIELDS`; on the
exact landscape about as costly as F_V and F_VV alone, the cost being the sources' own
functions), so a search ends at the first evaluation that shows it converged, and the
isobar's properties are those of that evaluation: exactly the landscape's at the volume
reported. A full search ends where the Newton step is under 1e-13 of V; a *gated* one
(a start that is usually that close already) where it is under :data:`GATE_TOLERANCE`, so
a good start costs one evaluation instead of two. :class:`RootPolish` takes new searches
between rounds, so searches whose starts come from other searches' first steps share their
evaluations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from zenthermo.thermo.evaluate import derivatives_of

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["FINAL_FIELDS", "GATE_TOLERANCE", "NEWTON_FIELDS", "PRESSURE_TOLERANCE",
           "STEP_TOLERANCE", "CandidateFields", "RootPolish", "polish_roots"]

#: |F_V + P| below this (eV/A^3, about 1e-10 GPa) is a converged equilibrium where no
#: Newton step can refine it.
PRESSURE_TOLERANCE = 1e-12
#: What every Newton evaluation asks for: the root test and every isobar property.
FINAL_FIELDS = ("F", "F_V", "F_VV", "F_T", "F_TT", "F_VT")
#: What the first evaluation of a full (not gated) search asks for: the Newton step.
NEWTON_FIELDS = ("F_V", "F_VV")
#: A full search ends where the Newton step is under this fraction of V.
STEP_TOLERANCE = 1e-13
#: The gate: a gated search ends where the Newton step at the volume evaluated is under this
#: fraction of V (A^3 per A^3). The root is then that far off at most, to O(step^2), and
#: every property is the landscape's at the volume reported: V itself off by 1e-12 of V, G
#: by O(step^2) (stationary), and any X (B_T, alpha, C_P, S, p_k) by (d ln X / d ln V)
#: 1e-12 of itself: 6e-12 for B_T on an ordinary equation of state (d ln B / d ln V =
#: -B' - 1), under 7e-10 at the largest amplification measured (about 660, B_T at 17 GPa
#: next to Fe3Pt's critical point, where B_T -> 0); an NTE end (a zero of alpha) moves by
#: well under 1e-6 K. The pressure there is P to within B_T 1e-12. A full search stops at
#: 1e-13 of V.
GATE_TOLERANCE = 1e-12

_NEWTON_ITERATIONS = 60


class CandidateFields(Mapping):
    """Fields at a set of points, kept as the arrays they were evaluated in (``pieces``, each
    a dict of arrays with the points on their last axis, read as if joined one after the
    other) and the column of each point in them (``rows``): ``fields[name]`` gathers one
    field at every point, :meth:`at` every field at some (one gather, not two). The pieces
    are joined once, when first read.
    """

    def __init__(self, pieces: list[dict[str, np.ndarray]], rows: np.ndarray) -> None:
        self._pieces, self._rows = pieces, rows
        self._joined: dict[str, np.ndarray] | None = None

    @property
    def _raw(self) -> dict[str, np.ndarray]:
        if self._joined is None:
            pieces = self._pieces
            self._joined = (pieces[0] if len(pieces) == 1 else
                            {name: np.concatenate([np.asarray(piece[name]) for piece in pieces],
                                                  axis=-1) for name in pieces[0]})
        return self._joined

    def __getitem__(self, name: str) -> np.ndarray:
        return self._raw[name][..., self._rows]

    def __iter__(self) -> Iterator[str]:
        return iter(self._pieces[0])

    def __len__(self) -> int:
        return len(self._pieces[0])

    def at(self, points: np.ndarray) -> dict[str, np.ndarray]:
        """Every field at the points with these indices (their last axis)."""
        rows = self._rows[points]
        return {name: value[..., rows] for name, value in self._raw.items()}

    def subset(self, points: np.ndarray) -> CandidateFields:
        """The fields of the points with these indices, in that order (nothing gathered)."""
        subset = CandidateFields(self._pieces, self._rows[points])
        subset._joined = self._joined
        return subset

    @staticmethod
    def joined(parts: Sequence[CandidateFields]) -> CandidateFields:
        """The points of ``parts`` one after the other (their pieces listed once each where
        parts share them; nothing joined or gathered)."""
        unique: dict[int, list[dict[str, np.ndarray]]] = {}
        for part in parts:
            unique.setdefault(id(part._pieces), part._pieces)
        if len(unique) == 1:
            only = parts[0]
            joined = CandidateFields(only._pieces,
                                     np.concatenate([part._rows for part in parts]))
            joined._joined = only._joined
            return joined
        sizes = [sum(np.shape(piece["F"])[-1] for piece in pieces)
                 for pieces in unique.values()]
        offsets = dict(zip(unique, np.cumsum([0] + sizes), strict=False))
        return CandidateFields([piece for pieces in unique.values() for piece in pieces],
                               np.concatenate([offsets[id(part._pieces)] + part._rows
                                               for part in parts]))


class RootPolish:
    """Safeguarded Newton on g = F_V(V, T) + P = 0 for many brackets [lo, hi] (g(lo) < 0 <=
    g(hi)), one landscape evaluation per round for every search still running.

    A Newton step on g with slope F_VV where it stays strictly inside the current bracket
    and F_VV > 0, a bisection step otherwise. A search ends where its evaluation shows it
    converged (a Newton step or bracket under 1e-13 of V, or |g| within
    :data:`PRESSURE_TOLERANCE` where no Newton step is possible; a gated one at a Newton
    step under :data:`GATE_TOLERANCE` of V): its root is the volume evaluated, its fields
    (:data:`FINAL_FIELDS`) those of that evaluation. A round made only of the first
    evaluations of full searches asks for :data:`NEWTON_FIELDS` alone (on a landscape whose
    cost grows with the fields, a full search from a poor start is cheaper so); any other
    round for every field. Degenerate brackets (lo == hi, the domain edges) end at lo.
    ``n`` searches, gated or not; a search runs from the round after :meth:`begin` gives
    its bracket and start, so a start may come from other searches' first steps
    (:attr:`V`, :attr:`slope_T`). With
    ``probabilities``, a landscape that gives them with its derivatives
    (``derivatives_and_probabilities``, as the exact one does) adds ``"p"``, the source
    probabilities (K, n), from the same evaluations.
    """

    def __init__(self, landscape: Landscape, n: int, gate: bool = False,
                 probabilities: bool = False) -> None:
        self.landscape, self.probabilities = landscape, probabilities
        self._final, with_p = _final_evaluation(landscape, probabilities)
        self._K = len(landscape.source_names) if with_p else 0
        self.T, self.P = np.zeros(n), np.zeros(n)
        self.a, self.b = np.zeros(n), np.zeros(n)
        self._bracketed = np.zeros(n, dtype=bool)
        self._gate = np.full(n, gate)
        self._scale = np.ones(n)
        #: the latest volume of every point: its root where done, else its next iterate
        self.V = np.zeros(n)
        #: dV/dT = -F_VT / F_VV at each point's latest evaluation (NaN before the first)
        self.slope_T = np.full(n, np.nan)
        #: F_VV at each point's root (eV/A^6; NaN until done)
        self.F_VV = np.full(n, np.nan)
        self._active = np.zeros(n, dtype=bool)
        self._rounds = np.zeros(n, dtype=np.intp)
        self._converged = np.ones(n, dtype=bool)
        self._chunks: list[dict[str, np.ndarray]] = []  # every round's evaluation
        self._rows = np.zeros(n, dtype=np.intp)  # each point's column in them, joined
        self._columns = 0

    def begin(self, which: slice, start: np.ndarray, T: np.ndarray, lo: np.ndarray,
              hi: np.ndarray, P: np.ndarray) -> None:
        """Start the searches ``which`` (a slice of the points) at ``start`` in [lo, hi]
        (A^3) at T (K) and P (eV/A^3); they run from the next round."""
        self.T[which], self.P[which], self.a[which], self.b[which] = T, P, lo, hi
        self._bracketed[which] = hi > lo
        self._scale[which] = np.maximum(np.abs(lo), 1.0)
        self.V[which] = np.where(hi > lo, start, lo)
        self._active[which] = True

    def round(self) -> bool:
        """Evaluate every point searching once; False where none was."""
        idx = np.flatnonzero(self._active)
        if idx.size == 0:
            return False
        n = self.V.size
        sel: slice | np.ndarray = slice(None) if idx.size == n else idx  # views, not gathers
        Vi, ai, bi = self.V[sel], self.a[sel], self.b[sel]
        # a round of first evaluations of full searches only asks for the Newton step's
        # fields (F_V, F_VV): none of them can end there
        plain = not (self._gate[sel].any() or self._rounds[sel].any())
        if plain:
            values = _fields(derivatives_of(self.landscape, Vi, self.T[sel], NEWTON_FIELDS),
                             NEWTON_FIELDS, Vi.shape)
        else:
            values = self._final(Vi, self.T[sel])
        g = values["F_V"] + self.P[sel]
        slope = values["F_VV"]
        bracketed = self._bracketed[sel]
        neg = g < 0
        ai = np.where(neg & bracketed, Vi, ai)
        bi = np.where(neg | ~bracketed, bi, Vi)
        self.a[sel], self.b[sel] = ai, bi
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = Vi - g / slope
            if not plain:
                self.slope_T[sel] = -values["F_VT"] / slope
        ok = (slope > 0) & np.isfinite(newton) & (newton > ai) & (newton < bi)
        scale = self._scale[sel]
        step = np.abs(newton - Vi)
        tol = STEP_TOLERANCE * scale
        # |g| within tolerance ends the search only where Newton cannot refine it (near a
        # critical point F_VV -> 0 and a small g still leaves V far from the root)
        root_hit = (g == 0) | ((np.abs(g) <= PRESSURE_TOLERANCE) & ~ok)
        tol = np.where(self._gate[sel], GATE_TOLERANCE * scale, tol)
        done = ~bracketed | root_hit | (ok & (step <= tol)) | (bi - ai <= tol)
        self.V[sel] = np.where(done, Vi, np.where(ok, newton, 0.5 * (ai + bi)))
        if plain:  # no properties yet: evaluated again (at the same volume where done)
            self._rounds[sel] += 1
            return True
        self._keep(idx[done], np.flatnonzero(done), values)
        self._active[idx[done]] = False
        self._rounds[sel] += 1
        stuck = idx[~done & (self._rounds[sel] > _NEWTON_ITERATIONS)]
        if stuck.size:  # not converged in the rounds allowed: as it stands
            self._keep(stuck, np.arange(stuck.size), self._final(self.V[stuck], self.T[stuck]))
            self._active[stuck] = False
            self._converged[stuck] = False
        return True

    def _keep(self, points: np.ndarray, columns: np.ndarray,
              values: dict[str, np.ndarray]) -> None:
        """Keep a round's evaluation whole (no copy of the points that ended in it): the
        fields of ``points`` are its ``columns``."""
        self._rows[points] = self._columns + columns
        self.F_VV[points] = values["F_VV"][columns]
        self._columns += next(iter(values.values())).shape[-1]
        self._chunks.append(values)

    def finish(self) -> tuple[np.ndarray, CandidateFields, np.ndarray]:
        """Run the rounds out; (roots, their fields, whether each converged)."""
        while self.round():
            pass
        if not self._chunks:
            empty = {name: np.empty(0) for name in FINAL_FIELDS}
            if self._K:
                empty["p"] = np.empty((self._K, 0))
            self._chunks.append(empty)
        return self.V, CandidateFields(self._chunks, self._rows), self._converged


def polish_roots(
    landscape: Landscape, T: np.ndarray, lo: np.ndarray, hi: np.ndarray, P: np.ndarray,
    start: np.ndarray, probabilities: bool = False, gate: bool = False,
) -> tuple[np.ndarray, CandidateFields, np.ndarray]:
    """Solve F_V(V, T) + P = 0 inside each bracket [lo, hi] (g(lo) < 0 <= g(hi)) from
    ``start`` (:class:`RootPolish`, every search gated or none); return the roots, the
    property fields (:data:`FINAL_FIELDS`, with ``"p"`` where asked and given) there and
    whether each converged. ``P`` (eV/A^3) is per bracket; all arrays flat, of one length."""
    polish = RootPolish(landscape, lo.size, gate, probabilities)
    polish.begin(slice(None), start, T, lo, hi, P)
    return polish.finish()


def _fused_is_current(landscape: Landscape) -> bool:
    """False where a subclass redefines ``derivatives`` below the class that defines
    ``derivatives_and_probabilities`` (the fused call would bypass the new derivatives)."""
    def owner(name: str) -> type | None:
        return next((k for k in type(landscape).__mro__ if name in vars(k)), None)

    fused, plain = owner("derivatives_and_probabilities"), owner("derivatives")
    return fused is None or plain is None or issubclass(fused, plain)


def _fields(d, names: tuple[str, ...], shape: tuple[int, ...]) -> dict[str, np.ndarray]:
    return {name: np.broadcast_to(np.asarray(getattr(d, name), dtype=np.float64), shape)
            for name in names}


def _final_fields(landscape: Landscape, V: np.ndarray, T: np.ndarray
                  ) -> dict[str, np.ndarray]:
    """The :data:`FINAL_FIELDS` at flat (V, T)."""
    return _fields(derivatives_of(landscape, V, T, FINAL_FIELDS), FINAL_FIELDS, V.shape)


def _final_evaluation(landscape: Landscape, probabilities: bool) -> tuple[Any, bool]:
    """((V, T) -> the :data:`FINAL_FIELDS` there, whether it adds ``"p"`` (K, n)): it does
    where asked and the landscape gives the probabilities with its derivatives."""
    both = getattr(landscape, "derivatives_and_probabilities", None)
    names = tuple(getattr(landscape, "source_names", None) or ())
    if not (probabilities and both is not None and names and _fused_is_current(landscape)):
        return partial(_final_fields, landscape), False

    def evaluate(V: np.ndarray, T: np.ndarray) -> dict[str, np.ndarray]:
        d, p = both(V, T, FINAL_FIELDS)
        values = _fields(d, FINAL_FIELDS, V.shape)
        values["p"] = np.asarray(p, dtype=np.float64).reshape(-1, V.size)
        return values

    return evaluate, True

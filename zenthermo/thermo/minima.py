"""The minima of G(V) = F(V,T) + PV along isobars: found on the volume scan, polished.

Candidates are every local minimum of G at every (pressure, temperature): on the scan's
full columns those its grid brackets (:func:`zenthermo.thermo.scan.bracket_minima`),
polished from the root of the cubic through ``g = F_V + P`` at the four grid volumes around
the bracket; inside its continued spans those continued from the polished minima at the
spans' ends (:func:`zenthermo.thermo.scan.continued_brackets`), with a span where one fails
scanned in full and bracketed instead; and the domain edges where G rises from them.
Every candidate is polished by :func:`polish_roots`, whose last evaluation gives the
property fields (:data:`FINAL_FIELDS`) at the root, so the isobar needs no further call for
them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from zenthermo.thermo.evaluate import derivatives_of
from zenthermo.thermo.scan import (
    VolumeScan,
    bracket_minima,
    continued_brackets,
    full_columns,
    key_then_value_order,
    root_guesses,
)

if TYPE_CHECKING:  # zenthermo.physics imports zenthermo.thermo: no runtime cycle
    from zenthermo.landscape.base import Landscape

__all__ = ["FINAL_FIELDS", "PRESSURE_TOLERANCE", "CandidateFields", "candidate_minima",
           "lowest_per_slot", "polish_roots"]

#: |F_V + P| below this (eV/A^3, about 1e-10 GPa) is a converged equilibrium where no
#: Newton step can refine it.
PRESSURE_TOLERANCE = 1e-12
#: What the last Newton evaluation asks for: the root test and every isobar property.
FINAL_FIELDS = ("F", "F_V", "F_VV", "F_T", "F_TT", "F_VT")

_NEWTON_ITERATIONS = 60


def candidate_minima(landscape: Landscape, scan: VolumeScan, grid: np.ndarray, T: np.ndarray,
                     P: np.ndarray, probabilities: bool = False) -> tuple:
    """Every local minimum of G for the pressures ``P`` (nP,) eV/A^3 at the temperatures
    ``T`` (nT,) K, from the volume scan on ``grid`` (nV,) A^3, polished.

    Returns flat arrays ordered by pressure, temperature, kind and volume: pressure index,
    temperature index, kind (0 interior, 1/2 the low/high domain edge), V (A^3), and
    :class:`CandidateFields`, the :data:`FINAL_FIELDS` at each, with ``"p"`` (K, n), the
    source probabilities, where ``probabilities`` is asked and the landscape gives them with
    its derivatives (see :func:`polish_roots`). ``scan.F_V`` is filled in where a continued
    span had to be scanned.
    """
    first = _bracketed(landscape, scan.F_V, np.arange(T.size), grid, T, P,
                       probabilities=probabilities)
    parts = [first[:5] + (None,)]
    if scan.spans.size:
        parts += _continued(landscape, scan, grid, T, P, first, probabilities)
    cand_p, cand_t, kind, V = (np.concatenate([part[i] for part in parts]) for i in range(4))
    order = key_then_value_order((cand_p.astype(np.int64) * T.size + cand_t) * 3 + kind, V)
    offsets = np.cumsum([0] + [part[4]["F"].size for part in parts])
    rows = np.concatenate([offset + (np.arange(part[4]["F"].size) if part[5] is None
                                     else part[5])
                           for offset, part in zip(offsets, parts, strict=False)])
    raw = {name: np.concatenate([part[4][name] for part in parts], axis=-1)
           for name in parts[0][4]}
    return (cand_p[order], cand_t[order], kind[order], V[order],
            CandidateFields(raw, rows[order]))


class CandidateFields(Mapping):
    """The fields at the candidates, gathered from the polish's arrays only when asked for:
    ``fields[name]`` at every candidate, :meth:`at` at some (one gather, not two)."""

    def __init__(self, raw: dict[str, np.ndarray], rows: np.ndarray) -> None:
        self._raw, self._rows = raw, rows

    def __getitem__(self, name: str) -> np.ndarray:
        return self._raw[name][..., self._rows]

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)

    def at(self, candidates: np.ndarray) -> dict[str, np.ndarray]:
        """Every field at the candidates with these indices (their last axis)."""
        rows = self._rows[candidates]
        return {name: value[..., rows] for name, value in self._raw.items()}


def _bracketed(landscape: Landscape, F_V: np.ndarray, columns: np.ndarray, grid: np.ndarray,
               T: np.ndarray, P: np.ndarray, interior_only: bool = False,
               probabilities: bool = False) -> tuple:
    """The minima bracketed on the scan's ``columns`` (temperature indices), polished:
    (pressure index, temperature index, kind, V, fields, grid index j) flat arrays; kind 0
    interior, 1/2 the low/high domain edge (left out with ``interior_only``)."""
    cand_p, local_t, cand_j, kind = bracket_minima(F_V[:, columns], P)
    if interior_only:
        keep = kind == 0
        cand_p, local_t, cand_j, kind = cand_p[keep], local_t[keep], cand_j[keep], kind[keep]
    edge = kind > 0
    cand_t = columns[local_t]
    lo = grid[cand_j]
    hi = np.where(edge, lo, grid[np.minimum(cand_j + 1, grid.size - 1)])
    start = lo.copy()
    inner = np.flatnonzero(~edge)
    start[inner] = root_guesses(F_V[:, columns], grid, P[cand_p[inner]], local_t[inner],
                                cand_j[inner])
    V, fields, _ = polish_roots(landscape, T[cand_t], lo, hi, P[cand_p], start, probabilities)
    return cand_p, cand_t, kind, V, fields, cand_j


def _continued(landscape: Landscape, scan: VolumeScan, grid: np.ndarray, T: np.ndarray,
               P: np.ndarray, bracketed: tuple, probabilities: bool = False) -> list[tuple]:
    """The interior minima inside the scan's continued spans (see
    :func:`zenthermo.thermo.scan.continued_brackets`), as parts (pressure index, temperature
    index, kind, V, the polish's fields, the rows of those fields that are the part's or None
    for all); a span where one fails is evaluated in full (``scan.F_V`` filled in) and
    bracketed instead."""
    cand_p, cand_t, kind, V, fields, cand_j = bracketed
    inner = kind == 0
    with np.errstate(divide="ignore", invalid="ignore"):
        dV_dT = -fields["F_VT"][inner] / fields["F_VV"][inner]
    c_p, c_t, c_span, lo, hi, start = continued_brackets(
        scan.spans, T, grid, cand_p[inner], cand_t[inner], cand_j[inner], V[inner], dV_dT)
    V_c, fields_c, converged = polish_roots(landscape, T[c_t], lo, hi, P[c_p], start,
                                            probabilities)
    bad = ~converged | (V_c <= lo) | (V_c >= hi) | ~(fields_c["F_VV"] > 0)
    key = c_p.astype(np.int64) * T.size + c_t
    order = key_then_value_order(key, V_c)  # two continued minima on one root: not continued
    same = ((key[order][1:] == key[order][:-1])
            & (np.diff(V_c[order]) <= 1e-9 * V_c[order][1:]))
    bad[order[1:][same]] = True
    failed = np.zeros(scan.spans.shape[0], dtype=bool)
    failed[c_span[bad]] = True
    keep = ~failed[c_span]
    parts = [(c_p[keep], c_t[keep], np.zeros(int(keep.sum()), dtype=np.int8), V_c[keep],
              fields_c, None if keep.all() else np.flatnonzero(keep))]
    if np.any(failed):
        columns = np.concatenate([np.arange(c0 + 1, c1) for c0, c1 in scan.spans[failed]])
        scan.F_V[:, columns] = full_columns(landscape, grid, T[columns])
        parts.append(_bracketed(landscape, scan.F_V, columns, grid, T, P, interior_only=True,
                                probabilities=probabilities)[:5] + (None,))
    return parts


def polish_roots(
    landscape: Landscape, T: np.ndarray, lo: np.ndarray, hi: np.ndarray, P: np.ndarray,
    start: np.ndarray, probabilities: bool = False,
) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    """Solve F_V(V, T) + P = 0 inside each bracket [lo, hi] (g(lo) < 0 <= g(hi)) from
    ``start``; return the roots, the property fields (:data:`FINAL_FIELDS`) there and
    whether each converged.

    Safeguarded Newton: a Newton step on g with slope F_VV where it stays strictly inside
    the current bracket and F_VV > 0, a bisection step otherwise. The first evaluation asks
    for F_V and F_VV only; from the second on every evaluation asks for the property
    fields too, and a point is done where its evaluation shows it converged (a Newton step
    or bracket under 1e-13 of V, or |g| within :data:`PRESSURE_TOLERANCE` where no Newton
    step is possible): its root is the volume evaluated, so the properties need no further
    evaluation. Degenerate brackets (lo == hi, the domain edges) are evaluated at lo once.
    ``P`` (eV/A^3) is per bracket; all arrays flat, of one length. With ``probabilities``,
    a landscape that gives them with its derivatives (``derivatives_and_probabilities``, as
    the exact one does) adds ``"p"``, the source probabilities (K, n) at the roots, from the
    same evaluations.
    """
    n = lo.size
    a, b = lo.copy(), hi.copy()
    V = np.where(hi > lo, start, lo)
    scale = np.maximum(np.abs(a), 1.0)
    out = {name: np.full(n, np.nan) for name in FINAL_FIELDS}
    final, with_p = _final_evaluation(landscape, probabilities)
    if with_p:
        out["p"] = np.full((len(landscape.source_names), n), np.nan)
    active = np.ones(n, dtype=bool)
    for iteration in range(_NEWTON_ITERATIONS + 1):
        idx = np.flatnonzero(active if iteration else hi > lo)
        if idx.size == 0:
            if iteration:
                break
            continue
        # every point (the first evaluations, mostly): views instead of gathers
        sel: slice | np.ndarray = slice(None) if idx.size == n else idx
        Vi, ai, bi = V[sel], a[sel], b[sel]
        if iteration:
            values = final(Vi, T[sel])
        else:
            values = _fields(derivatives_of(landscape, Vi, T[sel], ("F_V", "F_VV")),
                             ("F_V", "F_VV"), idx.shape)
        g = values["F_V"] + P[sel]
        slope = values["F_VV"]
        neg = g < 0
        bracketed = hi[sel] > lo[sel]
        ai = np.where(neg & bracketed, Vi, ai)
        bi = np.where(neg | ~bracketed, bi, Vi)
        a[sel], b[sel] = ai, bi
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = Vi - g / slope
        ok = (slope > 0) & np.isfinite(newton) & (newton > ai) & (newton < bi)
        tol = 1e-13 * scale[sel]
        # |g| within tolerance ends the search only where Newton cannot refine it (near a
        # critical point F_VV -> 0 and a small g still leaves V far from the root)
        root_hit = (g == 0) | ((np.abs(g) <= PRESSURE_TOLERANCE) & ~ok)
        if iteration:
            done = (~bracketed | root_hit | (ok & (np.abs(newton - Vi) <= tol))
                    | (bi - ai <= tol))
            keep = done | root_hit
            into = idx[done]
            for name, value in values.items():
                if idx.size == n:
                    np.copyto(out[name], value, where=done)
                else:
                    out[name][..., into] = value[..., done]
            active[into] = False
        else:
            keep = root_hit
        V[sel] = np.where(keep, Vi, np.where(ok, newton, 0.5 * (ai + bi)))
    rest = np.flatnonzero(active)  # not converged in the iterations allowed: as it stands
    if rest.size:
        for name, value in final(V[rest], T[rest]).items():
            out[name][..., rest] = value
    return V, out, ~active


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


def lowest_per_slot(slot: np.ndarray, G: np.ndarray, n_slots: int,
                     allowed: np.ndarray) -> np.ndarray:
    """Index of the allowed candidate with the lowest G per slot (-1 where none); ``slot``
    non-decreasing. Ties go to the first candidate; NaN counts as higher than any G."""
    result = np.full(n_slots, -1, dtype=np.intp)
    if slot.size == 0:
        return result
    change = np.r_[True, slot[1:] != slot[:-1]]
    starts = np.flatnonzero(change)
    group = np.cumsum(change) - 1
    lowest = np.minimum.reduceat(np.where(allowed & ~np.isnan(G), G, np.inf), starts)
    for pick in (allowed & (G == lowest[group]), allowed):  # then an all-NaN slot's first
        if pick is allowed and (result[slot[starts]] >= 0)[
                np.logical_or.reduceat(allowed, starts)].all():
            break  # every slot with an allowed candidate has its lowest: no all-NaN slot
        index = np.flatnonzero(pick)
        picked = group[index]  # non-decreasing: the first of each group starts a run
        first = np.flatnonzero(np.r_[True, picked[1:] != picked[:-1]]) if picked.size else picked
        groups = picked[first]
        free = result[slot[starts[groups]]] < 0
        result[slot[starts[groups[free]]]] = index[first[free]]
    return result



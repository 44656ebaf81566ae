"""Forward-mode derivative algebra: a value and its partials in (V, T) carried together.

A :class:`Jet` holds a function f and its partial derivatives f_V, f_T, f_VV, f_TT, f_VT,
f_VVV (fields ``f, v, t, vv, tt, vt, vvv``) as arrays of one shape, or None for a field
that is identically zero or not asked for. Sums, products and the chain rule
(:func:`compose`) propagate them exactly, so a network evaluated on jets gives its exact
derivatives in one forward pass. The algebra uses only ``+``, ``*`` and unary ``-``: it
works on torch tensors and numpy arrays alike and imports neither.
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

__all__ = ["ALL_FIELDS", "JET_FIELD", "TRAINING_FIELDS", "Jet", "compose", "constant_jet",
           "need_for"]

#: Jet fields needed to train (values, slopes, curvature in V, and F_TT for C_V >= 0).
TRAINING_FIELDS = frozenset({"f", "v", "t", "vv", "tt"})
#: Every field of a jet.
ALL_FIELDS = frozenset({"f", "v", "t", "vv", "tt", "vt", "vvv"})
#: The jet field of each field of :class:`~zenthermo.physics.derivatives.FreeEnergyDerivatives`.
JET_FIELD = {"F": "f", "F_V": "v", "F_VV": "vv", "F_VVV": "vvv", "F_T": "t", "F_TT": "tt",
             "F_VT": "vt"}
#: The lower-order fields each jet field is computed from (chain and product rules, and the
#: zentropy sum's fluctuation terms).
_NEEDS = {"f": {"f"}, "v": {"f", "v"}, "vv": {"f", "v", "vv"}, "vvv": {"f", "v", "vv", "vvv"},
          "t": {"f", "t"}, "tt": {"f", "t", "tt"}, "vt": {"f", "v", "t", "vt"}}


def need_for(fields) -> frozenset:
    """The jet fields to propagate so that the derivative ``fields`` come out exactly.

    ``fields`` are names of :class:`~zenthermo.physics.derivatives.FreeEnergyDerivatives`
    fields (``"F"``, ``"F_V"``, ...); F itself is always included (the zentropy weights need
    it).
    """
    need: set[str] = {"f"}
    for name in fields:
        need |= _NEEDS[JET_FIELD[name]]
    return frozenset(need)


def _mul(*factors):
    """Product where ``None`` stands for an identically zero field."""
    if any(x is None for x in factors):
        return None
    result = factors[0]
    for x in factors[1:]:
        result = result * x
    return result


def _add(*terms):
    """Sum where ``None`` stands for an identically zero field (None if all are)."""
    present = [x for x in terms if x is not None]
    if not present:
        return None
    result = present[0]
    for x in present[1:]:
        result = result + x
    return result


class Jet(NamedTuple):
    """A function and its partial derivatives in two variables (v, t).

    Every field is a tensor of one shape, or None for a field that is identically zero or
    was not asked for (``need``): forward mode only computes what is needed.
    """

    f: Any
    v: Any
    t: Any
    vv: Any
    tt: Any
    vt: Any
    vvv: Any

    def plus(self, other: Jet) -> Jet:
        return Jet(*(_add(a, b) for a, b in zip(self, other, strict=True)))

    def minus(self, other: Jet) -> Jet:
        return self.plus(other.map(operator.neg))

    def times(self, other: Jet) -> Jet:
        """Product rule for the product of two jets."""
        f, g = self, other
        return Jet(
            f.f * g.f,
            _add(_mul(f.v, g.f), _mul(f.f, g.v)),
            _add(_mul(f.t, g.f), _mul(f.f, g.t)),
            _add(_mul(f.vv, g.f), _mul(2, f.v, g.v), _mul(f.f, g.vv)),
            _add(_mul(f.tt, g.f), _mul(2, f.t, g.t), _mul(f.f, g.tt)),
            _add(_mul(f.vt, g.f), _mul(f.v, g.t), _mul(f.t, g.v), _mul(f.f, g.vt)),
            _add(_mul(f.vvv, g.f), _mul(3, f.vv, g.v), _mul(3, f.v, g.vv), _mul(f.f, g.vvv)),
        )

    def map(self, fn) -> Jet:
        """Apply ``fn`` to every field that is present."""
        return Jet(*(None if x is None else fn(x) for x in self))

    def restrict(self, need: frozenset) -> Jet:
        """Drop (set to None) the fields not in ``need``."""
        return Jet(*(x if name in need else None for name, x in zip(self._fields, self,
                                                                      strict=True)))


def constant_jet(value: Any) -> Jet:
    """The jet of a constant: its value, every derivative identically zero (None)."""
    return Jet(value, None, None, None, None, None, None)


def compose(jet: Jet, d0, d1, d2, d3, need: frozenset) -> Jet:
    """Chain rule: the jet of phi(jet) given phi and its first three derivatives there.

    ``d0`` .. ``d3`` are phi and its first three derivatives at ``jet.f``; only the fields
    in ``need`` are computed (``d3`` may be None when ``"vvv"`` is not needed).
    """
    return Jet(
        d0,
        _mul(d1, jet.v) if "v" in need else None,
        _mul(d1, jet.t) if "t" in need else None,
        _add(_mul(d2, jet.v, jet.v), _mul(d1, jet.vv)) if "vv" in need else None,
        _add(_mul(d2, jet.t, jet.t), _mul(d1, jet.tt)) if "tt" in need else None,
        _add(_mul(d2, jet.v, jet.t), _mul(d1, jet.vt)) if "vt" in need else None,
        _add(_mul(d3, jet.v, jet.v, jet.v), _mul(3, d2, jet.v, jet.vv), _mul(d1, jet.vvv))
        if "vvv" in need else None,
    )

"""Asking a landscape for only the derivatives a computation needs.

Every thermo computation names the fields it uses (the isobar scan F_V, the Newton step
F_V and F_VV, the spinodal scan F_VV, ...), so a landscape that takes ``fields=``
(:class:`~zenthermo.landscape.base.Landscape`) computes nothing else. A landscape whose
``derivatives(V, T)`` predates the ``fields`` argument is called without it and returns
every field.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from numpy.typing import ArrayLike

from zenthermo.physics.derivatives import FreeEnergyDerivatives, takes_fields

if TYPE_CHECKING:
    from zenthermo.landscape.base import Landscape

__all__ = ["derivatives_of"]


def derivatives_of(landscape: Landscape, V: ArrayLike, T: ArrayLike,
                   fields: tuple[str, ...]) -> FreeEnergyDerivatives:
    """``landscape.derivatives(V, T)`` computing at least ``fields`` (names such as "F_V").

    The fields not asked for may be None (or present, from a landscape without ``fields``).
    """
    if _takes_fields(type(landscape)):
        return landscape.derivatives(V, T, fields=fields)
    return landscape.derivatives(V, T)


#: :func:`~zenthermo.physics.derivatives.takes_fields` of a landscape class, read once.
_takes_fields = lru_cache(maxsize=64)(takes_fields)

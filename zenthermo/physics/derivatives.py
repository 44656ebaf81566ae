"""The container for a free energy and its partial derivatives in volume and temperature."""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

__all__ = ["DERIVATIVE_FIELDS", "VOLUME_FIELDS", "FreeEnergyDerivatives", "requested_fields",
           "takes_fields", "volume_order", "wanted_fields"]

#: The names of the fields of :class:`FreeEnergyDerivatives`, in order.
DERIVATIVE_FIELDS = ("F", "F_V", "F_VV", "F_VVV", "F_T", "F_TT", "F_VT")


def requested_fields(names: Iterable[str] | None) -> tuple[str, ...]:
    """Validate a choice of derivative fields; None means all of them.

    Returns the names in the order of :data:`DERIVATIVE_FIELDS`.

    Raises
    ------
    ValueError
        An unknown name, or an empty choice.
    """
    if names is None:
        return DERIVATIVE_FIELDS
    wanted = {names} if isinstance(names, str) else set(names)
    unknown = sorted(wanted - set(DERIVATIVE_FIELDS))
    if unknown:
        raise ValueError(f"unknown derivative field(s) {unknown}; choose from {DERIVATIVE_FIELDS}")
    if not wanted:
        raise ValueError("no derivative fields asked for")
    return tuple(name for name in DERIVATIVE_FIELDS if name in wanted)


def wanted_fields(names: Iterable[str] | None) -> frozenset[str]:
    """:func:`requested_fields` as a set: what a source free energy's ``derivatives(V, T,
    fields)`` computes (None: every field)."""
    return frozenset(requested_fields(names))


#: The fields that are pure V-derivatives of F, by order (what a Horner scheme in a volume
#: variable, or an equation of state, computes up to the highest one asked for).
VOLUME_FIELDS = ("F", "F_V", "F_VV", "F_VVV")


def volume_order(want: Iterable[str]) -> int:
    """The highest V-derivative order among the :data:`VOLUME_FIELDS` in ``want`` (0 where
    there is none)."""
    return max((i for i, name in enumerate(VOLUME_FIELDS) if name in want), default=0)


def takes_fields(owner: Any) -> bool:
    """Whether ``owner.derivatives`` (an object's or a class's) takes ``fields=``.

    Landscapes and source free energies written before the argument existed have
    ``derivatives(V, T)`` only; their callers then ask for every field. False where there
    is no ``derivatives`` or its signature cannot be read.
    """
    method = getattr(owner, "derivatives", None)
    if method is None:
        return False
    try:
        parameters = inspect.signature(method).parameters
    except (TypeError, ValueError):
        return False
    return "fields" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())


@dataclass(frozen=True)
class FreeEnergyDerivatives:
    """F(V,T) and its partial derivatives, all arrays of one broadcast shape.

    Units: F in eV per cell; V in A^3 per cell; T in K. So ``F_V`` is eV/A^3 (= -P),
    ``F_VV`` eV/A^6, ``F_VVV`` eV/A^9, ``F_T`` eV/K (= -S), ``F_TT`` eV/K^2 (= -C_V/T),
    ``F_VT`` eV/(A^3 K). A field that the caller did not ask for (``fields=`` of a
    landscape's ``derivatives``) is None; the fields are typed as arrays because a caller
    reads only what it asked for (:meth:`partial` builds such a result).
    """

    F: np.ndarray
    F_V: np.ndarray
    F_VV: np.ndarray
    F_VVV: np.ndarray
    F_T: np.ndarray
    F_TT: np.ndarray
    F_VT: np.ndarray

    def __add__(self, other: FreeEnergyDerivatives) -> FreeEnergyDerivatives:
        """Field-wise sum; a field missing (None) on either side is missing in the sum."""
        def add(a, b):
            return None if a is None or b is None else a + b

        return FreeEnergyDerivatives(
            *(add(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))
        )

    def as_dict(self) -> dict[str, np.ndarray]:
        """The fields that are present, by name."""
        return {f.name: getattr(self, f.name) for f in fields(self)
                if getattr(self, f.name) is not None}

    @classmethod
    def partial(cls, present: dict[str, np.ndarray]) -> FreeEnergyDerivatives:
        """The fields in ``present``; every other field None (not computed)."""
        values: dict[str, Any] = {name: present.get(name) for name in DERIVATIVE_FIELDS}
        return cls(**values)

    @staticmethod
    def zeros(shape: tuple[int, ...]) -> FreeEnergyDerivatives:
        return FreeEnergyDerivatives(*(np.zeros(shape) for _ in range(7)))

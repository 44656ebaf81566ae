"""The container for a free energy and its partial derivatives in volume and temperature."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass(frozen=True)
class FreeEnergyDerivatives:
    """F(V,T) and its partial derivatives, all arrays of one broadcast shape.

    Units: F in eV per cell; V in A^3 per cell; T in K. So ``F_V`` is eV/A^3 (= -P),
    ``F_VV`` eV/A^6, ``F_VVV`` eV/A^9, ``F_T`` eV/K (= -S), ``F_TT`` eV/K^2 (= -C_V/T),
    ``F_VT`` eV/(A^3 K).
    """

    F: np.ndarray
    F_V: np.ndarray
    F_VV: np.ndarray
    F_VVV: np.ndarray
    F_T: np.ndarray
    F_TT: np.ndarray
    F_VT: np.ndarray

    def __add__(self, other: FreeEnergyDerivatives) -> FreeEnergyDerivatives:
        return FreeEnergyDerivatives(
            *(getattr(self, f.name) + getattr(other, f.name) for f in fields(self))
        )

    def as_dict(self) -> dict[str, np.ndarray]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @staticmethod
    def zeros(shape: tuple[int, ...]) -> FreeEnergyDerivatives:
        return FreeEnergyDerivatives(*(np.zeros(shape) for _ in range(7)))

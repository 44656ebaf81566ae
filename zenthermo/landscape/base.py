"""The Landscape protocol: what every free-energy landscape F(V,T) answers.

``zenthermo.thermo`` works on any object satisfying :class:`Landscape` and never asks which
kind it is (exact zentropy, ZENN, plain DNN).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import ArrayLike

from zenthermo.physics.derivatives import FreeEnergyDerivatives

__all__ = ["FreeEnergyDerivatives", "Landscape"]


@runtime_checkable
class Landscape(Protocol):
    """A Helmholtz energy landscape F(V,T) of one cell.

    Attributes
    ----------
    method : str
        ``"exact"``, ``"zenn"`` or ``"dnn"``.
    natoms : int
        Atoms per cell.
    source_names : tuple of str
        Names of the sources (configurations) it combines; empty for a landscape without
        sources (the DNN baseline).
    multiplicities : ndarray, shape (K,)
        g_k of each source (learned ones for a system-mode ZENN); empty without sources.
    volume_domain : (float, float)
        Smallest and largest volume, A^3 per cell, where the landscape is backed by data.
    temperature_domain : (float, float)
        Lowest and highest temperature, K.
    """

    method: str
    natoms: int
    source_names: tuple[str, ...]

    @property
    def multiplicities(self) -> np.ndarray: ...

    @property
    def volume_domain(self) -> tuple[float, float]: ...

    @property
    def temperature_domain(self) -> tuple[float, float]: ...

    def derivatives(
        self, V: ArrayLike, T: ArrayLike, fields: Iterable[str] | None = None
    ) -> FreeEnergyDerivatives:
        """F and its partial derivatives at (V, T), broadcast against each other.

        V in A^3 per cell, T in K (T = 0 allowed). Returns arrays of the broadcast shape.
        ``fields`` names the fields the caller needs (e.g. ``("F_V", "F_VV")``; None: all
        seven); a landscape may leave the others None and skip their cost. Callers that
        must also serve landscapes written before ``fields`` existed go through
        :func:`zenthermo.thermo.evaluate.derivatives_of`.
        """
        ...

    def probabilities(self, V: ArrayLike, T: ArrayLike) -> np.ndarray:
        """p_k(V,T), shape (K, *broadcast_shape); rows sum to one.

        Raises NotImplementedError for a landscape without sources.
        """
        ...

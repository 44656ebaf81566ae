"""Free-energy landscapes F(V,T): exact zentropy, ZENN and a plain-DNN baseline."""

from zenthermo.landscape.base import FreeEnergyDerivatives, Landscape

__all__ = ["FreeEnergyDerivatives", "Landscape"]

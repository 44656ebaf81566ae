"""Free-energy landscapes F(V,T): exact zentropy, ZENN and a plain-DNN baseline."""

from zenthermo.landscape.base import FreeEnergyDerivatives, Landscape
from zenthermo.landscape.exact import ExactZentropy

__all__ = ["ExactZentropy", "FreeEnergyDerivatives", "Landscape"]

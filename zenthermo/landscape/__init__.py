"""Free-energy landscapes F(V,T): exact zentropy, ZENN and a plain-DNN baseline."""

# zenthermo.physics imports zenthermo.thermo, which imports zenthermo.landscape.base: load
# physics first so that importing zenthermo.landscape on its own does not hit that cycle.
import zenthermo.physics  # noqa: F401
from zenthermo.landscape.base import FreeEnergyDerivatives, Landscape
from zenthermo.landscape.exact import ExactZentropy

__all__ = ["ExactZentropy", "FreeEnergyDerivatives", "Landscape"]

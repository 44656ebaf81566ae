"""Per-source physics: equations of state, vibrational and electronic free energies."""

from zenthermo.physics.derivatives import FreeEnergyDerivatives

__all__ = ["FreeEnergyDerivatives"]

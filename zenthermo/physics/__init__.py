"""Per-source physics: equations of state, vibrational and electronic free energies."""

from zenthermo.physics.debye import DebyeGrueneisen, debye_function
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.physics.eos import EOS_KINDS, EosFit, fit_eos
from zenthermo.physics.free_energy import SourceFreeEnergy, build_source_free_energies
from zenthermo.physics.phonons import PhononFreeEnergy

__all__ = [
    "EOS_KINDS",
    "DebyeGrueneisen",
    "EosFit",
    "FreeEnergyDerivatives",
    "PhononFreeEnergy",
    "SourceFreeEnergy",
    "build_source_free_energies",
    "debye_function",
    "fit_eos",
]

"""Per-source physics: equations of state, vibrational and electronic free energies."""

from zenthermo.physics.debye import DebyeGrueneisen, debye_function
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.physics.electronic import ElectronicThermodynamics, electronic_thermodynamics
from zenthermo.physics.electronic_free_energy import ElectronicFreeEnergy
from zenthermo.physics.eos import EOS_KINDS, EosFit, fit_eos
from zenthermo.physics.free_energy import SourceFreeEnergy, build_source_free_energies
from zenthermo.physics.grid_free_energy import GridFreeEnergy
from zenthermo.physics.phonons import PhononFreeEnergy

__all__ = [
    "EOS_KINDS",
    "DebyeGrueneisen",
    "ElectronicFreeEnergy",
    "ElectronicThermodynamics",
    "EosFit",
    "FreeEnergyDerivatives",
    "GridFreeEnergy",
    "PhononFreeEnergy",
    "SourceFreeEnergy",
    "build_source_free_energies",
    "debye_function",
    "electronic_thermodynamics",
    "fit_eos",
]

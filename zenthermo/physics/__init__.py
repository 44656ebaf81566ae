"""Per-source physics: equations of state, vibrational and electronic free energies.

The names below are loaded on first use (importing the package itself loads no scipy), so
that :mod:`zenthermo.physics.options` stays free for the command-line parser.
"""

from __future__ import annotations

from zenthermo._lazy import lazy_exports

#: Public name -> the module that defines it.
_EXPORTS = {
    "DebyeGrueneisen": "zenthermo.physics.debye",
    "debye_function": "zenthermo.physics.debye",
    "FreeEnergyDerivatives": "zenthermo.physics.derivatives",
    "EOS_KINDS": "zenthermo.physics.options",
    "VIBRATION_MODELS": "zenthermo.physics.options",
    "EosFit": "zenthermo.physics.eos",
    "fit_eos": "zenthermo.physics.eos",
    "SourceFreeEnergy": "zenthermo.physics.free_energy",
    "build_source_free_energies": "zenthermo.physics.free_energy",
    "PhononFreeEnergy": "zenthermo.physics.phonons",
    "GridFreeEnergy": "zenthermo.physics.grid_free_energy",
    "ElectronicFreeEnergy": "zenthermo.physics.electronic_free_energy",
    "ElectronicThermodynamics": "zenthermo.physics.electronic",
    "electronic_thermodynamics": "zenthermo.physics.electronic",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)

"""The choices and defaults of the per-source physics, in one place and without imports.

The command line, :class:`~zenthermo.pipeline.config.RunConfig`, workflow files and the
physics modules all read them from here; importing this module costs nothing (no numpy, no
scipy), so the command-line parser can offer the choices without loading the physics.
"""

from __future__ import annotations

__all__ = ["DEFAULT_DEBYE_VOLUME", "DEFAULT_EOS", "DEFAULT_SCALING", "DEFAULT_VIBRATIONS",
           "DEFAULT_X", "ELECTRONIC_MODELS", "EOS_KINDS", "VIBRATION_MODELS",
           "VOLUME_CONVENTIONS", "DEFAULT_ELECTRONIC", "INTERPOLATION_FORMS",
           "DEFAULT_INTERPOLATION"]

#: The equations of state :mod:`zenthermo.physics.eos` knows, with their number of parameters.
EOS_KINDS: dict[str, int] = {"bm3": 3, "bm4": 4, "bm5": 5, "vinet": 4, "murnaghan": 4}
DEFAULT_EOS = "bm4"
#: Choices for the vibrational free energy: ``auto`` uses a source's phonon data (any form:
#: phonopy grids, phonon DOS, force constants) where it has them at enough volumes,
#: Debye-Grueneisen otherwise.
VIBRATION_MODELS = ("auto", "phonopy", "debye", "none")
DEFAULT_VIBRATIONS = "auto"
#: Choices for the thermal electronic free energy: ``auto`` is on where a source has
#: electronic DOS (or F_el) data at enough volumes.
ELECTRONIC_MODELS = ("auto", "on", "off")
DEFAULT_ELECTRONIC = "auto"
#: How F_vib and F_el are continued in V (:mod:`zenthermo.physics.volume_forms`): ``auto``
#: (chosen by leave-one-out cross-validation), or a polynomial of degree 1..6 in V
#: (``poly<d>``) or in V^(-2/3) (``strain<d>``).
INTERPOLATION_FORMS = ("auto", *(f"{v}{d}" for d in range(1, 7) for v in ("poly", "strain")))
DEFAULT_INTERPOLATION = "auto"
#: Default Debye-Grueneisen scaling factor s (Moruzzi, Janak, Schwarz 1988; DFTTK).
DEFAULT_SCALING = 0.617
#: Default x in gamma = (1 + B0')/2 - x (high-temperature limit; DFTTK).
DEFAULT_X = 2.0 / 3.0
#: The volume in the Debye-temperature prefactor: per atom (Moruzzi) or per cell (DFTTK).
VOLUME_CONVENTIONS = ("atom", "cell")
DEFAULT_DEBYE_VOLUME = "cell"

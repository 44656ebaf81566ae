"""Real force sets for phonopy tests: fcc Al with ASE's EMT potential (no DFT needed)."""

from __future__ import annotations

import warnings

import numpy as np


def emt_aluminium_phonopy(cubic_lattice_A: float):
    """A phonopy object of the cubic 4-atom fcc Al cell (lattice parameter in A), 2x2x2
    supercell, 0.01 A displacements, with EMT forces set (ready for ``produce_force_constants``
    or ``save``)."""
    from ase import Atoms
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    cell = bulk("Al", "fcc", a=cubic_lattice_A, cubic=True)
    unit = PhonopyAtoms(symbols=cell.get_chemical_symbols(), cell=cell.cell[:],
                        scaled_positions=cell.get_scaled_positions())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ph = Phonopy(unit, supercell_matrix=2 * np.eye(3, dtype=int), primitive_matrix="auto")
    ph.generate_displacements(distance=0.01)
    forces = []
    for supercell in ph.supercells_with_displacements:
        atoms = Atoms(supercell.symbols, cell=supercell.cell, pbc=True,
                      scaled_positions=supercell.scaled_positions)
        atoms.calc = EMT()
        forces.append(atoms.get_forces())
    ph.forces = np.array(forces)
    return ph

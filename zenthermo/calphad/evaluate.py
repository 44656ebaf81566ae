"""Evaluating a CALPHAD phase at a fixed composition with pycalphad.

How the composition of the computed material is imposed on the phase model:

1. **Fixed configuration** (every sublattice holds one constituent among the components: a
   pure element such as Si in DIAMOND_A4 with ``['SI']``, Al in FCC_A1 with ``['AL', 'VA']``,
   or a stoichiometric compound): the site fractions are all 1; the phase's composition is
   fixed by its site ratios and must equal the computed one. ``pycalphad.calculate`` with
   ``points`` fixed to that single configuration.
2. **One mixing sublattice** (one sublattice holds several elements and every other sublattice
   is vacancies only, e.g. FCC_A1 ``(AL,CU)1(VA)1``): the site fractions of the mixing
   sublattice are the mole fractions. ``pycalphad.calculate`` with ``points`` fixed to them: the
   homogeneous phase, never split.
3. **Several mixing sublattices** (internal degrees of freedom, e.g. an ordered phase): the
   site fractions are not fixed by the composition. The phase alone is brought to internal
   equilibrium at fixed mole fractions (``pycalphad.Workspace`` with that phase only and
   ``X`` conditions), and C_P is the equilibrium derivative ``HM.T``, which includes the
   relaxation of the site fractions (and, if the phase has a miscibility gap at that
   composition, its separation into two composition sets).

All quantities are per mole of atoms (pycalphad's ``GM``, ``HM``, ``SM``, ``CPM``) at
P = 101325 Pa.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from zenthermo.calphad.database import PSEUDO_ELEMENTS, LoadedDatabase, PhaseModelInfo
from zenthermo.errors import DomainError, InputError

#: Pressure of the CALPHAD evaluation, Pa (1 atm).
CALPHAD_PRESSURE_PA = 101325.0

#: Tolerance on mole fractions when a fixed-configuration phase is matched to a composition.
COMPOSITION_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PhaseProperties:
    """A CALPHAD phase evaluated along temperature; arrays have shape (nT,).

    Energies in J/mol of atoms, entropy and heat capacity in J/(K mol of atoms).
    ``method`` says how the composition was imposed (see the module docstring).
    """

    T_K: np.ndarray
    G_J_per_mol: np.ndarray
    H_J_per_mol: np.ndarray
    S_J_per_K_mol: np.ndarray
    Cp_J_per_K_mol: np.ndarray
    method: str


def mole_fractions(composition: Mapping[str, float]) -> dict[str, float]:
    """Normalized mole fractions with upper-case element names (VA dropped)."""
    counts = {str(k).strip().upper(): float(v) for k, v in composition.items()}
    counts = {k: v for k, v in counts.items() if k not in PSEUDO_ELEMENTS and v > 0}
    total = sum(counts.values())
    if total <= 0:
        raise InputError(f"composition {dict(composition)} holds no atoms")
    return {k: v / total for k, v in counts.items()}


def evaluate_phase(
    loaded: LoadedDatabase,
    info: PhaseModelInfo,
    composition: Mapping[str, float],
    temperatures_K: np.ndarray,
) -> PhaseProperties:
    """G, H, S and C_P of the phase at ``composition`` and 1 atm, per mole of atoms.

    Parameters
    ----------
    loaded, info
        The database and the phase checked by :func:`~zenthermo.calphad.database.describe_phase`.
    composition
        Atoms (or fractions) per element, e.g. ``{"Si": 8}``; element names in any case.
    temperatures_K
        Shape (nT,), within ``info.temperature_range_K``.

    Raises
    ------
    InputError
        An element of the composition is not among the components, or a fixed-configuration
        phase has another composition.
    DomainError
        A temperature lies outside the range where the phase's parameters are defined.
    """
    T = np.asarray(temperatures_K, dtype=np.float64).reshape(-1)
    x = mole_fractions(composition)
    missing = sorted(set(x) - set(info.components))
    if missing:
        raise InputError(
            f"the computed material contains {', '.join(missing)}, which is not among the "
            f"components {', '.join(info.components)}", loaded.path,
            "add it to --components",
        )
    low, high = info.temperature_range_K
    if T.size == 0 or T.min() < low - 1e-9 or T.max() > high + 1e-9:
        raise DomainError(
            f"phase {info.name} is defined between {low:g} and {high:g} K in "
            f"{loaded.name}; asked for {T.min():g}-{T.max():g} K" if T.size else
            "no temperature to evaluate", loaded.path,
        )
    mixing = [i for i, sub in enumerate(info.constituents) if len(sub) > 1]
    if not mixing:
        _check_fixed_composition(loaded, info, x)
        points = np.ones((1, len(info.constituents)))
        return _calculate_at_points(loaded, info, T, points, "fixed configuration")
    only_vacancy_elsewhere = all(
        set(sub) <= PSEUDO_ELEMENTS for i, sub in enumerate(info.constituents) if i not in mixing
    )
    if len(mixing) == 1 and only_vacancy_elsewhere and not (
        set(info.constituents[mixing[0]]) & PSEUDO_ELEMENTS
    ):
        points = np.array(
            [[x.get(name, 0.0) for sub in info.constituents for name in sub]], dtype=np.float64
        )
        for i in range(len(info.constituents)):  # vacancy sublattices: fraction 1
            if i not in mixing:
                offset = sum(len(s) for s in info.constituents[:i])
                points[0, offset] = 1.0
        missing_sites = sorted(set(x) - set(info.constituents[mixing[0]]))
        if missing_sites:
            raise InputError(
                f"phase {info.name} has no site for {', '.join(missing_sites)}", loaded.path
            )
        return _calculate_at_points(loaded, info, T, points, "site fractions = mole fractions")
    return _equilibrium_of_phase_alone(loaded, info, x, T)


def _check_fixed_composition(
    loaded: LoadedDatabase, info: PhaseModelInfo, x: Mapping[str, float]
) -> None:
    atoms = info.atoms_per_formula()
    total = sum(atoms.values())
    if total <= 0:
        raise InputError(f"phase {info.name} holds only vacancies", loaded.path)
    phase_x = {k: v / total for k, v in atoms.items()}
    elements = set(phase_x) | set(x)
    if any(abs(phase_x.get(e, 0.0) - x.get(e, 0.0)) > COMPOSITION_TOLERANCE for e in elements):
        def show(fractions: Mapping[str, float]) -> str:
            return ", ".join(f"{k} {v:.4f}" for k, v in sorted(fractions.items()))

        raise InputError(
            f"phase {info.name} restricted to {', '.join(info.components)} has the fixed "
            f"composition ({show(phase_x)}), not the computed one ({show(x)})", loaded.path,
            "choose the components so that the phase can take the computed composition",
        )


def _calculate_at_points(
    loaded: LoadedDatabase, info: PhaseModelInfo, T: np.ndarray, points: np.ndarray, method: str
) -> PhaseProperties:
    from pycalphad import Model, calculate

    model = Model(loaded.database, list(info.components), info.name)
    values = {}
    for output in ("GM", "HM", "SM", "CPM"):
        result = calculate(
            loaded.database, list(info.components), info.name, T=T, P=CALPHAD_PRESSURE_PA,
            N=1, points={info.name: points}, model={info.name: model}, output=output,
        )
        values[output] = np.asarray(result[output].values, dtype=np.float64).reshape(T.size)
    return _properties(T, values, method, loaded, info)


def _equilibrium_of_phase_alone(
    loaded: LoadedDatabase, info: PhaseModelInfo, x: Mapping[str, float], T: np.ndarray
) -> PhaseProperties:
    from pycalphad import Workspace
    from pycalphad import variables as v

    elements = sorted(x)
    conditions: dict = {v.T: T, v.P: CALPHAD_PRESSURE_PA, v.N: 1}
    for element in elements[1:]:  # n - 1 mole fractions fix the composition
        conditions[v.X(element)] = x[element]
    workspace = Workspace(loaded.database, list(info.components), [info.name], conditions)
    names = ("GM", "HM", "SM", "HM.T")
    arrays = workspace.get(*names)
    values = {
        "GM": arrays[0], "HM": arrays[1], "SM": arrays[2], "CPM": arrays[3],
    }
    values = {k: np.asarray(a, dtype=np.float64).reshape(T.size) for k, a in values.items()}
    return _properties(T, values, "equilibrium of the phase alone at fixed X", loaded, info)


def _properties(
    T: np.ndarray, values: dict, method: str, loaded: LoadedDatabase, info: PhaseModelInfo
) -> PhaseProperties:
    for name, array in values.items():
        if not np.all(np.isfinite(array)):
            raise DomainError(
                f"pycalphad returned non-finite {name} for phase {info.name}", loaded.path
            )
    return PhaseProperties(
        T_K=T, G_J_per_mol=values["GM"], H_J_per_mol=values["HM"],
        S_J_per_K_mol=values["SM"], Cp_J_per_K_mol=values["CPM"], method=method,
    )

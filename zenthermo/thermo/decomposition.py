"""Where C_P and the thermal expansion come from: lattice, electronic and configurational parts.

Along an isobar (the equilibrium V(T) of the exact landscape), with the per-source free
energies F_k = E_k + F_vib,k + F_el,k, their probabilities p_k = g_k exp(-F_k/k_B T) / Z and
U_k = F_k + T S_k, the exact zentropy sum splits analytically (every derivative at fixed V):

    C_V = sum_k p_k C_vib,k + sum_k p_k C_el,k + Var_p(U_k) / (k_B T^2)
    F_VT = sum_k p_k F_vib,VT,k + sum_k p_k F_el,VT,k + Cov_p(U_k, F_V,k) / (k_B T^2)
    alpha = -F_VT / (V F_VV),   C_P = C_V + T V B_T alpha^2,  B_T = V F_VV

The three terms are the **lattice** part (the quasi-harmonic vibrations of the static
lattice: the static energy has no temperature dependence of its own, it enters through
B_T), the **electronic** part (thermal electronic excitations, Fermi-Dirac) and the
**configurational** part (the zentropy fluctuation term: configurations exchanging
population as T changes, e.g. the magnetic Invar mechanism). alpha is linear in F_VT, so
alpha = alpha_lat + alpha_el + alpha_conf exactly; the dilation term of C_P,
T V B_T alpha^2, is shared in proportion, T V B_T alpha alpha_i, so the parts of C_P also
add up to C_P. At T = 0 every part is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from zenthermo.units import KB_EV_PER_K

__all__ = ["PARTS", "Decomposition", "decompose_isobar"]

#: The parts, in the order of the tables.
PARTS = ("lattice", "electronic", "configurational")


@dataclass(frozen=True)
class Decomposition:
    """C_P and alpha along one isobar, split into :data:`PARTS`.

    Attributes
    ----------
    P_GPa : float
    T_K, V_A3 : ndarray, shape (nT,)
    Cp_eV_per_K, alpha_per_K : dict of str -> ndarray, shape (nT,)
        Part -> its share; the parts add up to the totals.
    Cv_eV_per_K : dict of str -> ndarray
        The same split of C_V (without the dilation term).
    """

    P_GPa: float
    T_K: np.ndarray
    V_A3: np.ndarray
    Cp_eV_per_K: dict[str, np.ndarray]
    Cv_eV_per_K: dict[str, np.ndarray]
    alpha_per_K: dict[str, np.ndarray]

    def total_Cp(self) -> np.ndarray:
        """C_P, eV/K per cell: the sum of the parts."""
        return np.sum([self.Cp_eV_per_K[p] for p in PARTS], axis=0)

    def total_alpha(self) -> np.ndarray:
        """alpha, 1/K: the sum of the parts."""
        return np.sum([self.alpha_per_K[p] for p in PARTS], axis=0)

    def rows(self, temperatures: Sequence[float]) -> list[tuple[str, ...]]:
        """Formatted rows at the grid temperatures nearest to ``temperatures`` (per cell:
        C_P in k_B, alpha in 1e-6/K), for the report."""
        rows: list[tuple[str, ...]] = []
        for T in temperatures:
            i = int(np.argmin(np.abs(self.T_K - T)))
            cp = [self.Cp_eV_per_K[p][i] / KB_EV_PER_K for p in PARTS]
            al = [self.alpha_per_K[p][i] * 1e6 for p in PARTS]
            rows.append((f"{self.T_K[i]:g}", *(f"{v:.3f}" for v in cp), f"{sum(cp):.3f}",
                         *(f"{v:.2f}" for v in al), f"{sum(al):.2f}"))
        return rows


def decompose_isobar(free_energies: Sequence[Any], P_GPa: float, T_K, V_A3) -> Decomposition:
    """Split C_P and alpha along an isobar (see the module docstring).

    Parameters
    ----------
    free_energies : sequence of SourceFreeEnergy
        The sources of the exact landscape (``multiplicity``, ``derivatives``,
        ``vibrational_model``, ``electronic_model``).
    P_GPa : float
    T_K, V_A3 : array_like, shape (nT,)
        The isobar's temperatures (K) and equilibrium volumes (A^3 per cell).
    """
    T = np.asarray(T_K, dtype=np.float64)
    V = np.asarray(V_A3, dtype=np.float64)
    g = np.array([float(fe.multiplicity) for fe in free_energies])
    total = [fe.derivatives(V, T) for fe in free_energies]
    parts = {"lattice": [_part(fe.vibrational_model, V, T) for fe in free_energies],
             "electronic": [_part(fe.electronic_model, V, T) for fe in free_energies]}
    F = np.stack([d.F for d in total])  # (nK, nT)
    hot = T > 0
    kT = KB_EV_PER_K * np.where(hot, T, 1.0)
    logits = np.log(g)[:, None] - F / kT
    logits -= logits.max(axis=0)
    p = np.exp(logits)
    p /= p.sum(axis=0)
    U = F - T * np.stack([d.F_T for d in total])  # U_k = F_k + T S_k
    F_V = np.stack([d.F_V for d in total])
    mean_U = np.sum(p * U, axis=0)
    mean_FV = np.sum(p * F_V, axis=0)
    F_VV = np.sum(p * np.stack([d.F_VV for d in total]), axis=0) - (
        np.sum(p * F_V**2, axis=0) - mean_FV**2) / kT
    cv, fvt = {}, {}
    for name, models in parts.items():
        cv[name] = np.sum(p * np.stack([-T * m[0] for m in models]), axis=0)
        fvt[name] = np.sum(p * np.stack([m[1] for m in models]), axis=0)
    cv["configurational"] = np.sum(p * (U - mean_U) ** 2, axis=0) / (kT * np.where(hot, T, 1))
    fvt["configurational"] = np.sum(p * (U - mean_U) * (F_V - mean_FV), axis=0) / (
        kT * np.where(hot, T, 1))
    alpha = {name: np.where(hot, -fvt[name] / (V * F_VV), 0.0) for name in PARTS}
    alpha_total = np.sum([alpha[name] for name in PARTS], axis=0)
    dilation = T * V * (V * F_VV) * alpha_total  # T V B_T alpha, eV/K per unit alpha_i
    cv = {name: np.where(hot, cv[name], 0.0) for name in PARTS}
    cp = {name: cv[name] + dilation * alpha[name] for name in PARTS}
    return Decomposition(float(P_GPa), T.copy(), V.copy(), cp, cv, alpha)


def _part(model, V: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(F_TT, F_VT) of one part of a source (zeros where the source has no such part)."""
    if model is None:
        return np.zeros(T.shape), np.zeros(T.shape)
    d = model.derivatives(V, T)
    return np.broadcast_to(d.F_TT, T.shape), np.broadcast_to(d.F_VT, T.shape)

"""Initial state of a network before training: input normalisation, polynomial baselines.

The networks learn an O(1) residual on top of a least-squares polynomial baseline in the
normalised (v, t) (:func:`~zenthermo.landscape.features.baseline_basis`), and the baseline
is refitted after the random initialisation so that the starting misfit is the residual of
the smooth baseline alone (:func:`absorb_initial_misfit`).
"""

from __future__ import annotations

import numpy as np
import torch

from zenthermo.landscape.features import Normalisation, baseline_basis
from zenthermo.landscape.jets import Jet
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.train_data import TrainingData
from zenthermo.landscape.zenn import ZennNetwork

__all__ = ["absorb_initial_misfit", "domain_normalisation", "fit_baseline",
           "obeys_third_law", "residual_scale"]


def _basis_matrix(V: np.ndarray, T: np.ndarray, norm_args) -> np.ndarray:
    """The baseline basis at (V, T), shape (N, 7), for ``norm_args`` (v_mid, v_half, t_max,
    t_knee) of :class:`~zenthermo.landscape.features.Normalisation`."""
    v_mid, v_half, t_max, t_knee = norm_args
    norm = Normalisation(v_mid, v_half, t_max, torch.zeros(1, 7, dtype=DTYPE),
                         torch.ones(1, dtype=DTYPE), torch.ones(1, dtype=DTYPE), t_knee)
    v, t = norm.features(torch.as_tensor(V, dtype=DTYPE), torch.as_tensor(T, dtype=DTYPE))
    return baseline_basis(v, t).f.T.numpy()


def fit_baseline(V: np.ndarray, T: np.ndarray, F: np.ndarray, norm_args) -> np.ndarray:
    """Least-squares coefficients (7,) of the baseline basis for F(V, T)."""
    coeffs, *_ = np.linalg.lstsq(_basis_matrix(V, T, norm_args), F, rcond=None)
    return coeffs


def domain_normalisation(data: TrainingData, knee_fraction: float = 0.0,
                          ) -> tuple[float, float, float, float]:
    """(v_mid, v_half, t_max, t_knee) of the data's domain (A^3, A^3, K, K)."""
    (v0, v1), (_, t1) = data.volume_domain, data.temperature_domain
    t_max = max(t1, 1.0)
    return 0.5 * (v0 + v1), max(0.5 * (v1 - v0), 1e-6), t_max, knee_fraction * t_max


def obeys_third_law(data: TrainingData, knee_fraction: float = 0.0) -> bool:
    """Whether ZENN's flat low-temperature input suits the data (the Nernst theorem).

    Per-source data: whether S_k = -F_k,T = 0 at T = 0, true for phonon and Debye free
    energies (not for sources with a residual entropy at T = 0, for which the flat input
    would be wrong).

    System mode, table of total F: whether the table reaches down into the knee (its
    lowest temperature at most ``knee_fraction`` x its highest). Every latent source
    F_k = E_k - T S_k obeys the Nernst theorem by construction, and the total's entropy at
    T = 0, k_B ln g of the ground state, comes from the learned multiplicities of the
    zentropy sum, not from a slope of F_k; with a linear input a fitted E_k keeps a
    V-dependent slope at T = 0 and so a false thermal expansion there (a spurious NTE
    window at 10-47 K on the held-out landscape of ``benchmarks/zenn_system_mode.py``). A
    table that stops above the knee says nothing about T -> 0 and keeps the linear input;
    so does a density target (F known up to a function of T only).
    """
    if data.mode == "system":
        T = data.combined.T
        return (data.system_target == "F" and knee_fraction > 0 and T.size > 0
                and float(T.min()) <= knee_fraction * max(float(T.max()), 1.0))
    ps = data.per_source
    if data.mode != "per-source" or len(ps) == 0:
        return False
    zero = (ps.T == 0) & np.isfinite(ps.F_T)
    slopes = ps.F_T[np.isfinite(ps.F_T)]
    if not zero.any() or not slopes.size:
        return False
    return bool(np.max(np.abs(ps.F_T[zero])) <= 1e-6 * np.max(np.abs(slopes)))


def residual_scale(basis_coeffs: np.ndarray, V, T, F, norm_args) -> float:
    fit = _basis_matrix(V, T, norm_args) @ basis_coeffs
    return max(float(np.std(F - fit)), 1e-3)


def absorb_initial_misfit(network, data: TrainingData, norm_args) -> None:
    """Shift the baselines so that the untrained network fits F in the least-squares sense.

    The randomly initialised networks (and the initial entropy term -T S_k) add an O(1)
    function to each F_k; refitting the baseline coefficients to what is left makes the
    starting misfit the residual of the smooth baseline alone.
    """
    norm = network.norm
    with torch.no_grad():
        if isinstance(network, ZennNetwork) and data.mode == "per-source":
            ps = data.per_source
            for k in range(network.n_sources):
                rows = (ps.source == k) & ~ps.validation
                rows = rows if rows.any() else ps.source == k
                V = torch.as_tensor(ps.V[rows], dtype=DTYPE, device=norm.v_mid.device)
                T = torch.as_tensor(ps.T[rows], dtype=DTYPE, device=norm.v_mid.device)
                predicted = network.sources(V, T)[0].f[k].cpu().numpy()
                delta = fit_baseline(ps.V[rows], ps.T[rows], ps.F[rows] - predicted,
                                      norm_args)
                norm.baseline[k] += torch.as_tensor(delta, dtype=DTYPE, device=norm.baseline.device)
        else:
            c = data.combined
            rows = ~c.validation
            V = torch.as_tensor(c.V[rows], dtype=DTYPE, device=norm.v_mid.device)
            T = torch.as_tensor(c.T[rows], dtype=DTYPE, device=norm.v_mid.device)
            out = network(V, T)
            predicted = (out if isinstance(out, Jet) else out[0]).f.cpu().numpy()
            delta = fit_baseline(c.V[rows], c.T[rows], c.F_reference[rows] - predicted,
                                  norm_args)
            norm.baseline += torch.as_tensor(delta, dtype=DTYPE,
                                             device=norm.baseline.device)[None, :]

"""Loss terms for ZENN and the DNN: data fits with Sobolev terms, and physics regularisers.

Every residual is divided by a characteristic scale of its quantity (so the terms are O(1)
and their weights comparable): F by the network's output scale, F_V, F_VV, F_T and F_VT
by the root mean square of their targets (F_VT optionally as a relative error, see
:func:`data_terms`). Targets that are NaN are masked out.

A system density target (a distribution p(V|T) over the volumes of each temperature, see
:func:`~zenthermo.landscape.train_data.system_density_training_data`) is fitted by the
Jensen-Shannon divergence between p and the model's Boltzmann density
q(V|T) = exp(-F(V,T)/k_B T) / sum_V' exp(-F(V',T)/k_B T), averaged over temperatures
(:func:`density_term`). It is blind to a constant per temperature in F.

Regularisers on a collocation grid over the training domain (ZENN only): each source's
F_k convex in V (penalise F_k,VV < 0) and C_V,k >= 0 (penalise F_k,TT > 0). S_k -> 0 at
T = 0 holds by construction of the entropy network (see :mod:`zenthermo.landscape.zenn`).
In system mode with the flat low-temperature input, also the Grueneisen law of every latent
source below a few times the knee (:func:`gruneisen_term`, always evaluated). The others
are squared ReLUs, exactly zero (value and gradient) while no collocation point
violates its constraint; :class:`GatedLoss` then leaves the collocation grid out of the
training steps and checks it again at the optimiser's checkpoints.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from zenthermo.landscape.jets import Jet
from zenthermo.landscape.mlp import DTYPE
from zenthermo.landscape.train_data import TARGET_FIELDS, TargetTable
from zenthermo.units import KB_EV_PER_K

#: Jet field holding each target.
_JET_FIELD = {"F": "f", "F_V": "v", "F_VV": "vv", "F_T": "t", "F_VT": "vt"}
#: Stand-in for ln 0: exp of it is exactly 0 in float64, so 0 ln 0 terms vanish without NaN.
LOG_ZERO = -1e4


@dataclass
class DensityGroups:
    """The density-target rows of a :class:`Rows`, one temperature per row of a padded block.

    Attributes
    ----------
    index : Tensor of long, shape (n_T, n_max)
        Positions in the :class:`Rows` of each temperature's volumes (padding repeats a
        valid position).
    valid : Tensor of bool, shape (n_T, n_max)
        False on padding.
    log_p : Tensor, shape (n_T, n_max)
        ln p(V|T) of the target, normalised over each temperature's volumes
        (:data:`LOG_ZERO` for p = 0 and on padding).
    """

    index: Tensor
    valid: Tensor
    log_p: Tensor

    @staticmethod
    def from_table(table: TargetTable, mask: np.ndarray, device: str) -> DensityGroups | None:
        """Groups of the rows in ``mask`` that have a density; None if none has."""
        density = np.asarray(table.density)[mask]
        known = np.flatnonzero(np.isfinite(density))
        if known.size == 0:
            return None
        _, group = np.unique(np.asarray(table.T)[mask][known], return_inverse=True)
        order = np.argsort(group, kind="stable")
        known, group = known[order], group[order]
        counts = np.bincount(group)
        column = np.arange(known.size) - (np.cumsum(counts) - counts)[group]
        index = np.repeat(known[np.cumsum(counts) - counts][:, None], counts.max(), axis=1)
        index[group, column] = known
        valid = np.zeros(index.shape, dtype=bool)
        valid[group, column] = True
        p = np.zeros(index.shape)
        p[group, column] = density[known] / np.bincount(group, weights=density[known])[group]
        with np.errstate(divide="ignore"):
            log_p = np.where(p > 0, np.log(p), LOG_ZERO)
        return DensityGroups(torch.as_tensor(index, device=device),
                             torch.as_tensor(valid, device=device),
                             torch.as_tensor(log_p, dtype=DTYPE, device=device))


@dataclass
class Rows:
    """One table's rows as tensors: points, source index, targets and masks.

    ``density`` groups the rows with a density target (None: no such rows); ``weights``
    holds per-row weights of some targets (the table's :attr:`TargetTable.weights`).
    """

    V: Tensor
    T: Tensor
    source: Tensor
    targets: dict[str, Tensor]
    masks: dict[str, Tensor]
    density: DensityGroups | None = None
    weights: dict[str, Tensor] | None = None

    def __len__(self) -> int:
        return int(self.V.numel())

    @staticmethod
    def from_table(table: TargetTable, mask: np.ndarray, device: str) -> Rows:
        def tensor(x) -> Tensor:
            return torch.as_tensor(np.asarray(x)[mask], dtype=DTYPE, device=device)

        targets, masks = {}, {}
        for name in TARGET_FIELDS:
            values = np.asarray(getattr(table, name))[mask]
            known = np.isfinite(values)
            targets[name] = torch.as_tensor(np.where(known, values, 0.0), dtype=DTYPE,
                                            device=device)
            masks[name] = torch.as_tensor(known, device=device)
        source = torch.as_tensor(table.source[mask], dtype=torch.long, device=device)
        weights = (None if table.weights is None
                   else {name: tensor(w) for name, w in table.weights.items()})
        return Rows(tensor(table.V), tensor(table.T), source, targets, masks,
                    DensityGroups.from_table(table, mask, device), weights)


def padded_source_rows(table: TargetTable, mask: np.ndarray, n_sources: int,
                       device: str) -> Rows:
    """Per-source rows padded to a (K, n_max) block (padding masked out of every target).

    Source k's rows sit in row k, so each source's networks see only their own points.
    """
    counts = [int((mask & (table.source == k)).sum()) for k in range(n_sources)]
    n_max = max(counts + [0])
    V = np.zeros((n_sources, n_max))
    T = np.zeros((n_sources, n_max))
    values = {name: np.full((n_sources, n_max), np.nan) for name in TARGET_FIELDS}
    for k in range(n_sources):
        rows = mask & (table.source == k)
        n = counts[k]
        fill_v = table.V[rows][0] if n else float(np.mean(table.V)) if len(table) else 0.0
        V[k], T[k] = fill_v, 0.0
        V[k, :n], T[k, :n] = table.V[rows], table.T[rows]
        for name in TARGET_FIELDS:
            values[name][k, :n] = np.asarray(getattr(table, name))[rows]
    targets, masks = {}, {}
    for name, arr in values.items():
        known = np.isfinite(arr)
        targets[name] = torch.as_tensor(np.where(known, arr, 0.0), dtype=DTYPE, device=device)
        masks[name] = torch.as_tensor(known, device=device)
    source = torch.arange(n_sources, device=device)[:, None].expand(n_sources, n_max)
    return Rows(torch.as_tensor(V, dtype=DTYPE, device=device),
                torch.as_tensor(T, dtype=DTYPE, device=device), source, targets, masks)


def own_points(ps_rows: Rows, shared_V: Tensor, shared_T: Tensor
               ) -> tuple[Tensor, Tensor, Tensor]:
    """Where each per-source row is evaluated: at a shared point, or at an extra one.

    The per-source points are usually the combined points (the sources are distilled on a
    common grid), so evaluating both would run the networks twice at the same (V, T).
    Returns ``extra_V``, ``extra_T`` (K, n_extra), the per-source points that are not
    shared (padded), and ``index`` (K, n_ps): the column of ``cat([extra, shared])`` that
    holds each per-source row (padding columns point at column 0; they are masked out).
    """
    K, n_ps = ps_rows.V.shape
    real = np.zeros((K, n_ps), dtype=bool)
    for mask in ps_rows.masks.values():
        real |= mask.cpu().numpy()
    V, T = ps_rows.V.cpu().numpy(), ps_rows.T.cpu().numpy()
    points = zip(shared_V.cpu().numpy().tolist(), shared_T.cpu().numpy().tolist(), strict=True)
    lookup = {point: j for j, point in enumerate(points)}
    found = np.array([[lookup.get(point, -1)
                       for point in zip(V[k].tolist(), T[k].tolist(), strict=True)]
                      for k in range(K)], dtype=np.int64).reshape(K, n_ps)
    missing = real & (found < 0)
    n_extra = int(missing.sum(axis=1).max(initial=0))
    extra_V = np.repeat(V[:, :1] if n_ps else np.zeros((K, 1)), n_extra, axis=1)
    extra_T = np.zeros((K, n_extra))
    index = np.where(found >= 0, found + n_extra, 0)
    for k in range(K):
        columns = np.flatnonzero(missing[k])
        extra_V[k, :columns.size], extra_T[k, :columns.size] = V[k, columns], T[k, columns]
        index[k, columns] = np.arange(columns.size)
    device = ps_rows.V.device
    return (torch.as_tensor(extra_V, dtype=DTYPE, device=device),
            torch.as_tensor(extra_T, dtype=DTYPE, device=device),
            torch.as_tensor(index, device=device))


def target_scales(tables: list[TargetTable], f_scale: float) -> dict[str, float]:
    """Characteristic scale of each target: ``f_scale`` for F, RMS of the targets otherwise."""
    scales = {"F": float(f_scale)}
    for name in ("F_V", "F_VV", "F_T", "F_VT"):
        values = np.concatenate([np.asarray(getattr(t, name)) for t in tables] or [np.zeros(0)])
        values = values[np.isfinite(values)]
        rms = float(np.sqrt(np.mean(values ** 2))) if values.size else 0.0
        scales[name] = rms if rms > 0 else 1.0
    return scales


def residual_scales(f_scale: float, v_half: float, t_max: float) -> dict[str, float]:
    """Scales of F and its derivatives from the F residual scale in normalised coordinates.

    With v = (V - V_mid)/V_half and t = 2T/T_max - 1, a residual of size ``f_scale`` that
    varies by O(1) over the domain has F_V ~ f_scale/V_half, F_VV ~ f_scale/V_half^2 and
    F_T ~ 2 f_scale/T_max. Dividing by these (rather than by the RMS of the full targets,
    most of which the baseline already carries) weighs the Sobolev terms like the F term.
    """
    return {"F": float(f_scale), "F_V": float(f_scale / v_half),
            "F_VV": float(f_scale / v_half ** 2), "F_T": float(2 * f_scale / t_max),
            "F_VT": float(2 * f_scale / (v_half * t_max))}


def _masked_mse(prediction: Tensor, rows: Rows, name: str, scale: float | Tensor) -> Tensor:
    # No branch on the count: reading it back would synchronise a GPU on every step.
    mask = rows.masks[name]
    residual = torch.where(mask, (prediction - rows.targets[name]) / scale, 0.0)
    squares = residual * residual
    if rows.weights is not None and name in rows.weights:
        squares = squares * rows.weights[name]  # how far each row's target is trusted
    return squares.sum() / mask.sum().clamp_min(1)


def data_terms(jet: Jet, rows: Rows, scales: dict[str, float], prefix: str,
               alpha_floor: float = 0.0, stiffness_floor: float = 0.0) -> dict[str, Tensor]:
    """Mean squared scaled residuals of F, F_V, F_VV, F_T, F_VT against ``rows``.

    A field the jet does not carry (None: not asked for) gives no term. With
    ``alpha_floor`` > 0 the F_VT residual of each row is divided by |target| +
    ``alpha_floor`` x its scale instead: a relative error, so that the small F_VT of the
    low-temperature rows (thermal expansion -> 0 as T^3) is learned with its sign rather
    than drowned by the large values at high T. ``stiffness_floor`` > 0 does the same for
    F_VV: the rows next to a critical point or spinodal, where F_VV -> 0 and whose small
    F_VV decide T_c, count as much as the stiff rows. Rows with a density target add the term
    ``density``: :func:`density_term` of the jet's F. A target with per-row weights
    (``rows.weights``) has each squared residual multiplied by its row's weight (the mean is
    still over the rows that have the target).
    """
    terms = {}
    if rows.density is not None:
        terms[f"{prefix}density"] = density_term(jet.f, rows.T, rows.density)
    for name in TARGET_FIELDS:
        prediction = getattr(jet, _JET_FIELD[name])
        if prediction is None:
            continue
        scale: float | Tensor = scales[name]
        if name == "F_VT" and alpha_floor > 0:
            scale = rows.targets[name].abs() + alpha_floor * scale
        elif name == "F_VV" and stiffness_floor > 0:
            scale = rows.targets[name].abs() + stiffness_floor * scale
        terms[f"{prefix}{name}"] = _masked_mse(prediction, rows, name, scale)
    return terms


def entropy_terms(free_k: Jet, entropy_k: Jet, rows: Rows | None, scale: float,
                  prefix: str) -> dict[str, Tensor]:
    """The split of each F_k into E_k - T S_k: S_k taught the entropy -dF_k/dT.

    With per-source ``rows`` (fields (K, n) at their points): the mean squared
    (S_k + F_T target)/``scale`` of the entropy network against its source's entropy,
    term ``S_k``. Without rows (system mode, no per-source entropies): the Gibbs-Helmholtz
    consistency (S_k + F_k,T)/``scale`` of the learned F_k itself at every point of the
    jets, term ``S_k = -F_k,T``. Either way E_k = F_k + T S_k becomes the source's
    internal energy. Per source, the F_T data term already fixes F_k,T, so the term moves
    only the split; the self-consistent form also asks F_k,T <= 0 and F_k,T(V, 0) = 0
    (S_k >= 0 and S_k(V, 0) = 0 hold by construction), the third law per latent source.
    """
    if rows is not None:
        return {f"{prefix}S_k": _masked_mse(-entropy_k.f, rows, "F_T", scale)}
    residual = (entropy_k.f + free_k.t) / scale
    return {f"{prefix}S_k = -F_k,T": (residual * residual).mean()}


def jensen_shannon(log_p: Tensor, log_q: Tensor) -> Tensor:
    """Jensen-Shannon divergence of discrete distributions along the last axis, in nats.

    JSD(p, q) = KL(p || m)/2 + KL(q || m)/2 with m = (p + q)/2: 0 for p = q, symmetric, at
    most ln 2 (disjoint supports). 0 ln 0 = 0: a zero probability may be given as -inf or
    any log below -745 (where exp underflows to 0); no NaN reaches the gradient.

    Parameters
    ----------
    log_p, log_q : Tensor, shape (..., n)
        Log-probabilities, each normalised along the last axis.

    Returns
    -------
    Tensor, shape (...)
    """
    log_p, log_q = log_p.clamp_min(LOG_ZERO), log_q.clamp_min(LOG_ZERO)
    log_m = torch.logaddexp(log_p, log_q) - math.log(2.0)
    pointwise = torch.exp(log_p) * (log_p - log_m) + torch.exp(log_q) * (log_q - log_m)
    return 0.5 * pointwise.sum(dim=-1)


def boltzmann_log_density(F: Tensor, T: Tensor, valid: Tensor) -> Tensor:
    """ln q(V|T) = -F/k_B T - ln sum_V exp(-F/k_B T) along the last axis (-inf off ``valid``).

    Parameters
    ----------
    F : Tensor, shape (n_T, n_V)
        Free energy, eV per cell, at each temperature's volumes.
    T : Tensor, shape (n_T, n_V) or (n_T, 1)
        K, > 0.
    valid : Tensor of bool, shape (n_T, n_V)
        The volumes that belong to the distribution.
    """
    z = torch.where(valid, -F / (KB_EV_PER_K * T), -torch.inf)
    return torch.log_softmax(z, dim=-1)


def density_term(F: Tensor, T: Tensor, groups: DensityGroups) -> Tensor:
    """Mean over temperatures of JSD(p, q), q the model's Boltzmann density over volume.

    q(V_i|T) = exp(-F(V_i,T)/k_B T) normalised over the volumes of its temperature: a
    discrete distribution on the given points (P = 0). Blind to a constant per temperature
    in F.

    Parameters
    ----------
    F : Tensor, shape (n_rows,)
        Model free energy at the rows, eV per cell.
    T : Tensor, shape (n_rows,)
        Temperatures of the rows, K (> 0 where there is a density).
    groups : DensityGroups
        The density rows among them and their target.
    """
    log_q = boltzmann_log_density(F[groups.index], T[groups.index], groups.valid)
    return jensen_shannon(groups.log_p, log_q).mean()


def physics_terms(free_k: Jet, scales: dict[str, float], t_max: float) -> dict[str, Tensor]:
    """Convexity in V and C_V >= 0 of every source on the collocation points."""
    concave = torch.relu(-free_k.vv) / scales["F_VV"]
    negative_cv = torch.relu(free_k.tt) / (scales["F_T"] / t_max)
    return {"convexity": (concave * concave).mean(),
            "heat_capacity": (negative_cv * negative_cv).mean()}


#: The Grueneisen term's reference temperature and lowest point, in units of the knee T_0.
GRUENEISEN_REFERENCE = 3.0
GRUENEISEN_LOWEST = 0.25


def gruneisen_points(volume_domain: tuple[float, float], t_knee: float, n_volumes: int,
                     n_temperatures: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Collocation points of :func:`gruneisen_term`: V (n_V,) x T (n_T,), T last.

    ``n_volumes`` volumes across ``volume_domain`` times ``n_temperatures`` temperatures
    from :data:`GRUENEISEN_LOWEST` x ``t_knee`` to the reference
    :data:`GRUENEISEN_REFERENCE` x ``t_knee`` (the last one). Returns V and T, flattened
    (n_V * n_T,), volume-major.
    """
    V = np.linspace(*volume_domain, n_volumes)
    T = np.linspace(GRUENEISEN_LOWEST, GRUENEISEN_REFERENCE, n_temperatures) * t_knee
    Vg, Tg = np.meshgrid(V, T, indexing="ij")
    return Vg.ravel(), Tg.ravel()


def gruneisen_term(free_k: Jet, T: Tensor, n_temperatures: int) -> Tensor:
    """The quasi-harmonic Grueneisen law of every source at low temperature (system mode).

    At low T each source's thermal free energy is that of its lattice vibrations, a
    function of T / theta_k(V) (the Debye regime), so its thermal pressure follows its heat
    capacity, dP_k/dT = -F_k,VT = gamma_k(V) C_V,k / V with C_V,k = -T F_k,TT, the
    Grueneisen parameter gamma_k depending on the volume only. From a table of total F
    this part is fixed only to the level of the fit's F error (a mixed V-T derivative of a
    free energy a fraction of a meV deep), and a fitted latent source otherwise takes any
    sign there (a spurious negative thermal expansion). The term asks, at each volume,
    that the ratio (-F_k,VT) / C_V,k at the lower temperatures equal the one at the
    reference (the last temperature, where the table resolves it), and C_V,k >= 0 there:
    mean of r^2 with r = (d_j c_r - d_r c_j) / (|d_j c_r| + |d_r c_j| + eps), d = -F_k,VT,
    c = -T F_k,TT (a relative residual in [-1, 1]: a sign flip costs 1 however small the
    values; eps = 1e-4 |d_r c_r| fades it out where (T/T_ref)^3 is below 1e-4), plus the
    squared ReLU of -c_j / |c_r| (C_V,k >= 0). The gradient is that of this value
    (the ratio's denominator included): with it held fixed (reweighting) the loss and its
    gradient disagree and the L-BFGS line search gave up after 47 iterations.

    Parameters
    ----------
    free_k : Jet
        F_k at the points of :func:`gruneisen_points`, fields (K, n_V * n_T) with ``vt``
        and ``tt``.
    T : Tensor, shape (n_V * n_T,)
        Their temperatures, K.
    n_temperatures : int
        n_T (the last temperature of each volume is the reference).
    """
    K = free_k.vt.shape[0]
    d = (-free_k.vt).reshape(K, -1, n_temperatures)
    c = (-free_k.tt * T).reshape(K, -1, n_temperatures)
    d_r, c_r = d[..., -1:], c[..., -1:]
    d_j, c_j = d[..., :-1], c[..., :-1]
    a, b = d_j * c_r, d_r * c_j
    tiny = torch.finfo(d.dtype).tiny
    r = (a - b) / (a.abs() + b.abs() + 1e-4 * (d_r * c_r).abs().detach() + tiny)
    negative = torch.relu(-c_j) / (c_r.abs().detach() + tiny)
    return (r * r).mean() + (negative * negative).mean()


def weighted_sum(terms: dict[str, Tensor], weights: dict[str, float]) -> Tensor:
    """sum_i w_i term_i over the terms that have a weight."""
    total = None
    for name, value in terms.items():
        w = weights.get(name, 0.0)
        if w:
            total = w * value if total is None else total + w * value
    if total is None:
        raise ValueError("no loss term has a non-zero weight")
    return total


class GatedLoss:
    """A training loss whose physics regularisers are evaluated only while they bite.

    ``evaluate(physics, zeros)`` returns (loss, terms): with ``physics`` True including the
    regularisers on the collocation grid, otherwise without them and with ``zeros`` (their
    last values, all zero) reported among the terms. ``physics_check()`` returns the
    regulariser terms alone. :meth:`checkpoint` (called by the optimiser at every
    validation check, see :func:`~zenthermo.landscape.optimise.optimise`) evaluates them
    without gradient and switches them off for the following steps when every weighted
    one is exactly zero (then they add nothing to the loss or its gradient); they start
    on. A constraint first violated between two checkpoints is caught at the next one.
    """

    def __init__(self, evaluate: Callable[[bool, dict], tuple[Tensor, dict]],
                 physics_check: Callable[[], dict[str, Tensor]],
                 weights: dict[str, float]) -> None:
        self.evaluate = evaluate
        self.physics_check = physics_check
        self.weights = weights
        self.active = True
        self.zeros: dict[str, Tensor] = {}

    def checkpoint(self) -> None:
        """Re-evaluate the regularisers; off while every weighted one is exactly zero."""
        with torch.no_grad():
            terms = {k: v.detach() for k, v in self.physics_check().items()}
        # one host read per checkpoint (not per step)
        self.active = any(self.weights.get(k, 0.0) and float(v) != 0.0
                          for k, v in terms.items())
        self.zeros = {} if self.active else terms

    def __call__(self) -> tuple[Tensor, dict]:
        return self.evaluate(self.active, self.zeros)

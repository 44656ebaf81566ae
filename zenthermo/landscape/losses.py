"""Loss terms for ZENN and the DNN: data fits with Sobolev terms, and physics regularisers.

Every residual is divided by a characteristic scale of its quantity (so the terms are O(1)
and their weights comparable): F by the network's output scale, F_V, F_VV and F_T by the
root mean square of their targets. Targets that are NaN are masked out.

Regularisers on a collocation grid over the training domain (ZENN only): each source's
F_k convex in V (penalise F_k,VV < 0) and C_V,k >= 0 (penalise F_k,TT > 0). S_k -> 0 at
T = 0 holds by construction of the entropy network (see :mod:`zenthermo.landscape.zenn`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from zenthermo.landscape.train_data import TARGET_FIELDS, TargetTable
from zenthermo.landscape.zenn import DTYPE, Jet

#: Jet field holding each target.
_JET_FIELD = {"F": "f", "F_V": "v", "F_VV": "vv", "F_T": "t", "F_VT": "vt"}


@dataclass
class Rows:
    """One table's rows as tensors: points, source index, targets and masks."""

    V: Tensor
    T: Tensor
    source: Tensor
    targets: dict[str, Tensor]
    masks: dict[str, Tensor]

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
        return Rows(tensor(table.V), tensor(table.T), source, targets, masks)


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
    mask = rows.masks[name]
    count = mask.sum()
    if int(count) == 0:
        return prediction.new_zeros(())
    residual = (prediction - rows.targets[name]) / scale
    return (residual * residual * mask).sum() / count


def data_terms(jet: Jet, rows: Rows, scales: dict[str, float], prefix: str,
               alpha_floor: float = 0.0) -> dict[str, Tensor]:
    """Mean squared scaled residuals of F, F_V, F_VV, F_T, F_VT against ``rows``.

    A field the jet does not carry (None: not asked for) gives no term. With
    ``alpha_floor`` > 0 the F_VT residual of each row is divided by |target| +
    ``alpha_floor`` x its scale instead: a relative error, so that the small F_VT of the
    low-temperature rows (thermal expansion -> 0 as T^3) is learned with its sign rather
    than drowned by the large values at high T.
    """
    terms = {}
    for name in TARGET_FIELDS:
        prediction = getattr(jet, _JET_FIELD[name])
        if prediction is None:
            continue
        scale = scales[name]
        if name == "F_VT" and alpha_floor > 0:
            scale = rows.targets[name].abs() + alpha_floor * scale
        terms[f"{prefix}{name}"] = _masked_mse(prediction, rows, name, scale)
    return terms


def physics_terms(free_k: Jet, scales: dict[str, float], t_max: float) -> dict[str, Tensor]:
    """Convexity in V and C_V >= 0 of every source on the collocation points."""
    concave = torch.relu(-free_k.vv) / scales["F_VV"]
    negative_cv = torch.relu(free_k.tt) / (scales["F_T"] / t_max)
    return {"convexity": (concave * concave).mean(),
            "heat_capacity": (negative_cv * negative_cv).mean()}


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

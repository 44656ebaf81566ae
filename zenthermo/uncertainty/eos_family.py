"""The equation-of-state family of one source: every kind's fit, its weight and residuals.

Model averaging over the family (as gibbs2 averages its strain polynomials) needs a weight
for each kind that describes the data. Here the weight is the Akaike weight of the
small-sample corrected criterion (Burnham and Anderson, *Model Selection and Multimodel
Inference*, 2002): for n points and a kind with p parameters, K = p + 1 (the noise variance
counts) and

    AICc = n ln(RSS / n) + 2 K + 2 K (K + 1) / (n - K - 1),
    w_k  = exp(-(AICc_k - AICc_min) / 2) / sum_j exp(-(AICc_j - AICc_min) / 2).

A kind takes part when its fit succeeds, n - K - 1 > 0 (the correction is finite) and,
where the source's vibrations come from the Debye model, the fit has a minimum.

The residual bootstrap needs residuals that carry the noise with its full size: the raw
residuals of a least-squares fit are shrunk by the leverage of each point, so they are
rescaled to the *modified* residuals r_i / sqrt(1 - h_ii) and centred (Davison and
Hinkley, *Bootstrap Methods and their Application*, 1997, eq. 6.9). h_ii are the diagonal
of the hat matrix of the linearised fit: the design matrix for the Birch-Murnaghan kinds,
the Jacobian at the solution for Vinet and Murnaghan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zenthermo.errors import FitError, ZenthermoError
from zenthermo.physics.eos import EOS_KINDS, EosFit, eos_derivatives, fit_eos

__all__ = ["EosCandidate", "EosFamily", "fit_family", "leverage", "modified_residuals"]

#: Residuals are floored at this RMS (eV per cell) in the criterion, so that noise-free data
#: (a residual sum of zero) give finite weights.
RESIDUAL_FLOOR_EV = 1e-9
#: Leverages are capped here, so that a point the fit passes through exactly (h = 1) keeps a
#: finite modified residual.
MAX_LEVERAGE = 1.0 - 1e-9


@dataclass(frozen=True, eq=False)
class EosCandidate:
    """One kind's fit to a source's E(V) points, with what the resampling needs.

    Attributes
    ----------
    fit : EosFit
    aicc : float
        The corrected Akaike criterion (dimensionless).
    weight : float
        Akaike weight in the family (0..1; sums to one over the family).
    fitted_eV : ndarray, shape (n,)
        Fitted energies at the data volumes, eV per cell.
    residuals_eV : ndarray, shape (n,)
        Modified, centred residuals (data minus fit, leverage-corrected), eV per cell.
    """

    fit: EosFit
    aicc: float
    weight: float
    fitted_eV: np.ndarray
    residuals_eV: np.ndarray

    @property
    def kind(self) -> str:
        return self.fit.kind


@dataclass(frozen=True, eq=False)
class EosFamily:
    """The kinds that describe one source's data, and the ones left out (with why).

    Attributes
    ----------
    name : str
        The source.
    candidates : tuple of EosCandidate
        In the order of the family asked for.
    excluded : tuple of (str, str)
        (kind, reason) of each kind that does not take part.
    """

    name: str
    candidates: tuple[EosCandidate, ...]
    excluded: tuple[tuple[str, str], ...] = ()

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(c.kind for c in self.candidates)

    @property
    def weights(self) -> np.ndarray:
        """Akaike weights, shape (n_candidates,)."""
        return np.array([c.weight for c in self.candidates], dtype=np.float64)

    def candidate(self, kind: str) -> EosCandidate:
        for candidate in self.candidates:
            if candidate.kind == kind:
                return candidate
        reasons = dict(self.excluded)
        raise FitError(
            f"the {kind} equation of state cannot be resampled for source {self.name!r}: "
            f"{reasons.get(kind, 'not in the family')}",
            path=self.name or None,
        )


def fit_family(
    volumes: np.ndarray,
    energies: np.ndarray,
    kinds: Sequence[str],
    name: str = "",
    needs_minimum: bool = False,
    required: str | None = None,
) -> EosFamily:
    """Fit every kind of ``kinds`` and weigh the ones that describe the data.

    Parameters
    ----------
    volumes, energies : ndarray, shape (n,)
        A^3 and eV per cell.
    kinds : sequence of str
        Kinds of :data:`zenthermo.physics.eos.EOS_KINDS`.
    name : str
        The source, for messages.
    needs_minimum : bool
        Leave out fits without an energy minimum (the Debye model needs V0, B0, B0').
    required : str, optional
        A kind fitted even when it is not in ``kinds`` (the central kind of a bootstrap);
        it gets weight 0 if it is not part of the family.

    Returns
    -------
    EosFamily

    Raises
    ------
    FitError
        No kind of ``kinds`` describes the data.
    """
    fitted: list[tuple[EosFit, float, bool]] = []
    excluded: list[tuple[str, str]] = []
    wanted = list(kinds) + ([required] if required and required not in kinds else [])
    for kind in wanted:
        try:
            fit = fit_eos(volumes, energies, kind, name=name)
        except (ZenthermoError, np.linalg.LinAlgError) as error:
            excluded.append((kind, getattr(error, "reason", str(error))))
            continue
        n, K = fit.volumes.size, EOS_KINDS[kind] + 1
        if needs_minimum and not fit.has_minimum:
            excluded.append((kind, "the fitted curve has no energy minimum"))
            continue
        if n - K - 1 <= 0:
            excluded.append((kind, f"{n} points are too few for its information criterion"))
            if kind != required:
                continue
            fitted.append((fit, float("inf"), False))
            continue
        rss = max(float(np.sum(fit.residuals_eV**2)), n * RESIDUAL_FLOOR_EV**2)
        aicc = n * np.log(rss / n) + 2 * K + 2 * K * (K + 1) / (n - K - 1)
        fitted.append((fit, float(aicc), kind in kinds))
    in_family = [aicc for _, aicc, member in fitted if member]
    if not in_family:
        raise FitError(
            f"no equation of state of {list(kinds)} describes the data of source {name!r} "
            f"({'; '.join(f'{k}: {r}' for k, r in excluded)})",
            path=name or None,
        )
    best = min(in_family)
    raw = [np.exp(-(aicc - best) / 2.0) if member else 0.0 for _, aicc, member in fitted]
    total = float(sum(raw))
    candidates = tuple(
        EosCandidate(
            fit=fit, aicc=aicc, weight=float(w / total),
            fitted_eV=fit.energies + fit.residuals_eV,
            residuals_eV=modified_residuals(fit),
        )
        for (fit, aicc, _), w in zip(fitted, raw, strict=True)
    )
    return EosFamily(name=name, candidates=candidates, excluded=tuple(excluded))


def modified_residuals(fit: EosFit) -> np.ndarray:
    """Leverage-corrected, centred residuals (data minus fit) of an EOS fit, eV per cell."""
    raw = -np.asarray(fit.residuals_eV, dtype=np.float64)  # residuals_eV is fit minus data
    h = np.minimum(leverage(fit), MAX_LEVERAGE)
    scaled = raw / np.sqrt(1.0 - h)
    return scaled - scaled.mean()


def leverage(fit: EosFit) -> np.ndarray:
    """Diagonal of the hat matrix of a fit at its data volumes, shape (n,), each in [0, 1].

    The columns are the derivatives of the fitted energies with respect to the parameters:
    exact for the (linear) Birch-Murnaghan kinds, central differences at the solution for
    Vinet and Murnaghan.
    """
    V = fit.volumes
    params = np.asarray(fit.parameters, dtype=np.float64)
    if fit.kind in ("bm3", "bm4", "bm5"):
        s = (V / fit.reference_volume) ** (-2.0 / 3.0) - 1.0
        scale = float(np.max(np.abs(s))) or 1.0
        jacobian = np.vander(s / scale, params.size, increasing=True)
    else:
        jacobian = np.empty((V.size, params.size))
        for j in range(params.size):
            step = 1e-6 * max(abs(params[j]), 1e-3)
            up, down = params.copy(), params.copy()
            up[j] += step
            down[j] -= step
            e_up = eos_derivatives(fit.kind, up, fit.reference_volume, V)[0]
            e_down = eos_derivatives(fit.kind, down, fit.reference_volume, V)[0]
            jacobian[:, j] = (e_up - e_down) / (2.0 * step)
    # column scaling does not change the hat matrix but keeps QR well conditioned
    norms = np.linalg.norm(jacobian, axis=0)
    q, _ = np.linalg.qr(jacobian / np.where(norms > 0, norms, 1.0))
    return np.clip(np.sum(q * q, axis=1), 0.0, 1.0)

"""How a free energy known at a few volumes is continued in V, chosen by cross-validation.

A *form* is a polynomial of some degree in a volume variable, fitted by least squares at
every temperature of a grid (the same linear map at every T, so the fit is smooth in T):

``poly<d>``
    a polynomial of degree d in V;
``strain<d>``
    a polynomial of degree d in V^(-2/3), i.e. in the Eulerian strain of Birch's equation
    of state, the variable in which free energies of solids are closest to polynomials.

``auto`` chooses among all forms of degree 1..min(6, n - 2) by leave-one-out
cross-validation: each volume in turn is left out, the form is fitted to the others and
predicts it. The score of a form is the root-mean-square prediction error of F, F_T and
F_TT at each temperature divided by the spread of that quantity over the volumes (so low
temperatures, where C_V changes by a factor with volume, count as much as high ones),
averaged over temperatures and the three quantities. Interior volumes are left out when
the form will only interpolate; the end volumes too when it will also extrapolate (the
static volumes reach beyond the data), so that a form that extrapolates wildly loses.
The form chosen is the lowest degree whose score is within 5 % of the best (ties go to the
better score), which keeps a high degree from being chosen for a gain within the noise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from zenthermo.errors import ConfigurationError

#: Highest polynomial degree a form may have.
MAX_DEGREE = 6
#: Volume variables: ``poly`` is V itself, ``strain`` is V^(-2/3).
VARIABLES = ("poly", "strain")
#: A form within this factor of the best score counts as good as the best.
SCORE_MARGIN = 1.05
#: Scores below this (errors a billionth of the spread) are round-off: the form is exact.
EXACT_SCORE = 1e-9
_FORM = re.compile(r"^(poly|strain)([1-9])$")


@dataclass(frozen=True)
class VolumeBasis:
    """The scaled volume variable u of a form and its V-derivatives.

    u = (x(V) - center) / scale with x = V (``poly``) or V^(-2/3) (``strain``).
    """

    variable: str
    center: float
    scale: float

    @classmethod
    def for_volumes(cls, variable: str, volumes: np.ndarray) -> VolumeBasis:
        x = _raw(variable, np.asarray(volumes, dtype=np.float64))
        center = float(np.mean(x))
        return cls(variable, center, float(np.max(np.abs(x - center))) or 1.0)

    def u(self, V: np.ndarray) -> np.ndarray:
        return (_raw(self.variable, V) - self.center) / self.scale

    def derivatives(self, V: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """du/dV, d2u/dV2, d3u/dV3 (arrays of V's shape)."""
        inv = 1.0 / self.scale
        if self.variable == "poly":
            zero = np.zeros(np.shape(V))
            return np.full(np.shape(V), inv), zero, zero
        u1 = (-2.0 / 3.0) * V ** (-5.0 / 3.0) * inv
        u2 = (-5.0 / 3.0) * u1 / V
        return u1, u2, (-8.0 / 3.0) * u2 / V


def _raw(variable: str, V: np.ndarray) -> np.ndarray:
    return V if variable == "poly" else V ** (-2.0 / 3.0)


def parse_form(name: str) -> tuple[str, int]:
    """``"strain4"`` -> (``"strain"``, 4); ConfigurationError for anything else."""
    match = _FORM.match(str(name))
    if match is None or int(match.group(2)) > MAX_DEGREE:
        raise ConfigurationError(
            f"unknown volume interpolation {name!r}",
            hint=f"use 'auto', or poly1..poly{MAX_DEGREE} (in V) or strain1..strain"
                 f"{MAX_DEGREE} (in V^(-2/3))",
        )
    return match.group(1), int(match.group(2))


def candidate_forms(n_volumes: int) -> tuple[str, ...]:
    """All forms that ``auto`` considers for n volumes, lowest degree first."""
    top = max(1, min(MAX_DEGREE, n_volumes - 2))
    return tuple(f"{variable}{d}" for d in range(1, top + 1) for variable in VARIABLES)


def design(basis: VolumeBasis, volumes: np.ndarray, degree: int) -> np.ndarray:
    """Vandermonde matrix in u, shape (n, degree + 1)."""
    return np.vander(basis.u(volumes), degree + 1, increasing=True)


@dataclass(frozen=True)
class FormChoice:
    """The form chosen and the cross-validation behind the choice.

    Attributes
    ----------
    form : str
    scores : tuple of (str, float)
        Every candidate with its score (NaN when it could not be cross-validated).
    loo_rms : float
        Root-mean-square leave-one-out error of F of the chosen form over the volumes
        left out and all temperatures (units of F; NaN when not cross-validated).
    """

    form: str
    scores: tuple[tuple[str, float], ...]
    loo_rms: float


def loo_predictions(volumes: np.ndarray, form: str, left_out: np.ndarray) -> np.ndarray | None:
    """Rows w_i with w_i @ Y = the prediction of Y[i] from the other volumes, shape (m, n).

    None when a left-out fit is under-determined (too few volumes for the degree).
    """
    variable, degree = parse_form(form)
    V = np.asarray(volumes, dtype=np.float64)
    if V.size - 1 < degree + 1:
        return None
    basis = VolumeBasis.for_volumes(variable, V)
    full = design(basis, V, degree)
    rows = np.zeros((left_out.size, V.size))
    for row, i in enumerate(left_out):
        keep = np.arange(V.size) != i
        rows[row, keep] = full[i] @ np.linalg.pinv(full[keep])
    return rows


def choose_form(volumes, quantities, interpolation: str = "auto",
                extrapolates: bool = False) -> FormChoice:
    """Pick the volume form for data ``quantities`` at ``volumes``.

    Parameters
    ----------
    volumes : array_like, shape (n,)
        Distinct volumes, A^3.
    quantities : sequence of ndarray, each shape (n, nT)
        F, F_T, F_TT at the volumes on the temperature grid; the first (F) gives ``loo_rms``.
    interpolation : str
        ``"auto"`` or a form name (scored as well, but not chosen against the others).
    extrapolates : bool
        Also leave out the end volumes (the form will be evaluated beyond them).

    Returns
    -------
    FormChoice
    """
    V = np.asarray(volumes, dtype=np.float64)
    forms = candidate_forms(V.size) if interpolation == "auto" else (interpolation,)
    for form in forms:
        parse_form(form)
    left_out = np.arange(V.size) if extrapolates else np.arange(1, V.size - 1)
    scored: list[tuple[str, float, float]] = []
    for form in forms:
        rows = loo_predictions(V, form, left_out) if left_out.size else None
        if rows is None:
            scored.append((form, float("nan"), float("nan")))
            continue
        errors = [rows @ q - q[left_out] for q in quantities]
        scored.append((form, _score(errors, quantities), float(np.sqrt(np.mean(errors[0]**2)))))
    usable = [s for s in scored if np.isfinite(s[1])]
    if interpolation != "auto" or not usable:
        chosen = scored[0] if interpolation != "auto" else _fallback(scored, V.size)
    else:
        best = min(s[1] for s in usable)
        good = [s for s in usable if s[1] <= max(best * SCORE_MARGIN, EXACT_SCORE)]
        chosen = min(good, key=lambda s: (parse_form(s[0])[1], s[1]))
    return FormChoice(chosen[0], tuple((s[0], s[1]) for s in scored), chosen[2])


def _fallback(scored: list[tuple[str, float, float]], n: int) -> tuple[str, float, float]:
    """Without cross-validation (2 volumes): the highest degree the data determine."""
    degree = max(1, min(3, n - 2))
    return next(s for s in scored if s[0] == f"poly{degree}")


def _score(errors: list[np.ndarray], quantities) -> float:
    parts = []
    for error, q in zip(errors, quantities, strict=True):
        spread = np.std(q, axis=0)
        rms = np.sqrt(np.mean(error**2, axis=0))
        scale = np.max(np.abs(q))
        varying = spread > 1e-12 * scale if scale > 0 else np.zeros(spread.shape, bool)
        if varying.any():
            parts.append(float(np.mean(rms[varying] / spread[varying])))
    return float(np.mean(parts)) if parts else 0.0

"""A free energy F(V, T) known at a few volumes on a temperature grid, with exact derivatives.

The vibrational (phonon) and the thermal electronic free energies of a source both come as
F, F_T and F_TT at each of a few volumes on a grid of temperatures T_j. The representation:

* in V, at every T_j, a least-squares polynomial in the scaled variable u of a volume form
  (:mod:`zenthermo.physics.volume_forms`: ``poly<d>`` in V or ``strain<d>`` in V^(-2/3),
  chosen by leave-one-out cross-validation with ``"auto"``);
* in T, each polynomial coefficient c_k(T) is the quintic Hermite interpolant through its
  values and first and second T-derivatives at the nodes. Because the V fit is a linear map,
  the node derivatives are the same map applied to F_T and F_TT.

At a data volume and a grid temperature F, F_T and F_TT are reproduced up to the V
least-squares residual (exactly where the degree is n - 1), F is C2 in T, and every
derivative (F_V .. F_VVV by the chain rule through u(V), F_T, F_TT, F_VT) is closed form.
The temperature domain is the grid's range; outside it evaluation is refused. Volumes
outside the data range are extrapolation: allowed, and flagged by the owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self

import numpy as np

from zenthermo.errors import ConfigurationError, DomainError, FitError
from zenthermo.physics.derivatives import FreeEnergyDerivatives, volume_order, wanted_fields
from zenthermo.physics.volume_forms import (
    VolumeBasis,
    choose_form,
    design,
    parse_form,
)

# Quintic Hermite basis in s in [0, 1], power coefficients s^0..s^5 of the functions that
# carry (value, slope, curvature) at s = 0 and at s = 1.
_HERMITE = np.array(
    [
        [1, 0, 0, -10, 15, -6],  # value at 0
        [0, 1, 0, -6, 8, -3],  # first derivative at 0
        [0, 0, 0.5, -1.5, 1.5, -0.5],  # second derivative at 0
        [0, 0, 0, 10, -15, 6],  # value at 1
        [0, 0, 0, -4, 7, -3],  # first derivative at 1
        [0, 0, 0, 0.5, -1, 0.5],  # second derivative at 1
    ],
    dtype=np.float64,
)


@dataclass(frozen=True, eq=False)
class GridFreeEnergy:
    """F(V, T) from per-volume grids (eV per cell); see the module docstring.

    Attributes
    ----------
    name : str
    temperatures : ndarray, shape (nT,)
        The grid, K.
    form : str
        The volume form used (``poly<d>`` or ``strain<d>``).
    basis : VolumeBasis
        u(V) of the form.
    degree : int
    interval_coefficients : ndarray, shape (nT - 1, degree + 1, 6)
        For interval j and u-power k, the power coefficients in s = (T - T_j) / h_j of c_k(T).
    residuals_eV : ndarray, shape (n_volumes, nT)
        V-fit minus data for F at the nodes.
    volumes : ndarray, shape (n_volumes,)
        The data volumes, A^3, ascending.
    loo_rms_eV : float
        Leave-one-out error of F of the form (see :mod:`zenthermo.physics.volume_forms`),
        eV per cell; NaN when there were too few volumes to cross-validate.
    form_scores : tuple of (str, float)
        The cross-validation score of every form considered.
    """

    name: str
    temperatures: np.ndarray
    form: str
    basis: VolumeBasis
    degree: int
    interval_coefficients: np.ndarray
    residuals_eV: np.ndarray
    volumes: np.ndarray
    loo_rms_eV: float = float("nan")
    form_scores: tuple[tuple[str, float], ...] = ()

    #: What the grids hold, for messages ("phonon", "electronic").
    kind = "data"

    @property
    def temperature_domain(self) -> tuple[float, float]:
        return float(self.temperatures[0]), float(self.temperatures[-1])

    @property
    def volume_range(self) -> tuple[float, float]:
        """Smallest and largest data volume, A^3; outside is extrapolation."""
        return float(self.volumes[0]), float(self.volumes[-1])

    @property
    def max_residual_eV(self) -> float:
        """Largest |residual| of the V fit over all volumes and grid temperatures, eV."""
        return float(np.max(np.abs(self.residuals_eV)))

    @classmethod
    def from_arrays(cls, volumes, temperatures, F, F_T, F_TT, interpolation: str = "auto",
                    name: str = "", extrapolates: bool = False) -> Self:
        """Build from node values.

        Parameters
        ----------
        volumes : array_like, shape (n,)
            Distinct volumes, A^3 per cell, n >= 2.
        temperatures : array_like, shape (nT,)
            Strictly ascending, >= 0 K, nT >= 2.
        F, F_T, F_TT : array_like, shape (n, nT)
            eV, eV/K, eV/K^2 per cell.
        interpolation : str
            ``"auto"`` or a volume form; an explicit degree above max(n - 2, 1) is lowered.
        extrapolates : bool
            Whether the model will be used beyond the data volumes (cross-validation then
            leaves out the end volumes too).
        """
        V = np.asarray(volumes, dtype=np.float64)
        T = np.asarray(temperatures, dtype=np.float64)
        data = [np.asarray(a, dtype=np.float64) for a in (F, F_T, F_TT)]
        label = name or None
        if V.ndim != 1 or any(a.shape != (V.size, T.size) for a in data):
            raise ConfigurationError(f"{name}: one row of F, F_T, F_TT per volume is needed")
        if V.size < 2:
            raise FitError(f"{name}: data at {V.size} volume(s) cannot be interpolated in "
                           "volume", path=label)
        if T.size < 2 or np.any(np.diff(T) <= 0) or T[0] < 0:
            raise FitError(f"{name}: the temperature grid must be ascending, >= 0 K",
                           path=label)
        if not all(np.isfinite(a).all() for a in data):
            raise FitError(f"{name}: the grids contain NaN or infinite values", path=label)
        order = np.argsort(V)
        V, data = V[order], [a[order] for a in data]
        if np.any(np.diff(V) <= 1e-10 * V[1:]):
            raise FitError(f"{name}: two grids at the same volume", path=label)
        choice = choose_form(V, data, _capped(interpolation, V.size), extrapolates)
        variable, degree = parse_form(choice.form)
        basis = VolumeBasis.for_volumes(variable, V)
        matrix = design(basis, V, degree)
        projector = np.linalg.pinv(matrix)  # (d+1, n)
        c0, c1, c2 = (projector @ a for a in data)
        return cls(
            name=name, temperatures=T, form=choice.form, basis=basis, degree=degree,
            interval_coefficients=_hermite_intervals(T, c0, c1, c2),
            residuals_eV=matrix @ c0 - data[0], volumes=V, loo_rms_eV=choice.loo_rms,
            form_scores=choice.scores,
        )

    def derivatives(self, V, T, fields=None) -> FreeEnergyDerivatives:
        """F and its exact derivatives at broadcast (V A^3, T K), eV per cell.

        ``fields`` (names such as ``("F", "F_V")``; None: all) chooses what is computed;
        the others are None. Each field is the same expression whatever else is asked for.
        """
        want = wanted_fields(fields)
        V = np.asarray(V, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        t_lo, t_hi = self.temperature_domain
        if np.isnan(V).any() or np.isnan(T).any():
            raise DomainError(f"NaN volume or temperature asked of {self.name!r}")
        if T.size and (T.min() < t_lo - 1e-9 or T.max() > t_hi + 1e-9):
            raise DomainError(
                f"temperatures outside the {self.kind} grid [{t_lo:g}, {t_hi:g}] K of "
                f"{self.name!r}"
            )
        # The T-dependent coefficients are computed on T's own (unbroadcast) shape: for
        # the usual grids (V column x T row) that is a handful of temperatures.
        order_t = 2 if "F_TT" in want else 1 if want & {"F_T", "F_VT"} else 0
        c0, c1, c2 = self._temperature_coefficients(T, order_t)
        shape = np.broadcast_shapes(V.shape, T.shape)
        u = self.basis.u(V)
        order_v = volume_order(want)
        p = _horner(c0, u, shape, order_v) if want - {"F_T", "F_TT", "F_VT"} else []
        out: dict[str, np.ndarray] = {}
        if "F" in want:
            out["F"] = p[0]
        if "F_T" in want or "F_VT" in want:
            q = _horner(c1, u, shape, 1 if "F_VT" in want else 0)
            if "F_T" in want:
                out["F_T"] = q[0]
        if "F_TT" in want:
            (out["F_TT"],) = _horner(c2, u, shape, 0)
        if order_v or "F_VT" in want:
            u1, u2, u3 = (np.broadcast_to(x, shape) for x in self.basis.derivatives(V))
            if "F_V" in want:
                out["F_V"] = p[1] * u1
            if "F_VV" in want:
                out["F_VV"] = p[2] * u1 * u1 + p[1] * u2
            if "F_VVV" in want:
                out["F_VVV"] = (p[3] * u1 * u1 + 3.0 * p[2] * u2) * u1 + p[1] * u3
            if "F_VT" in want:
                out["F_VT"] = q[1] * u1
        return FreeEnergyDerivatives.partial(out)

    def _temperature_coefficients(self, T: np.ndarray, order: int = 2):
        """c_k(T), c_k'(T), c_k''(T) for k = 0..degree, each an array of T's shape; the
        T-derivatives above ``order`` are empty lists (not computed)."""
        nodes = self.temperatures
        j = np.clip(np.searchsorted(nodes, T, side="right") - 1, 0, nodes.size - 2)
        h = nodes[j + 1] - nodes[j]
        s = (T - nodes[j]) / h
        columns = self._columns
        c0: list[np.ndarray] = []
        c1: list[np.ndarray] = []
        c2: list[np.ndarray] = []
        for k in range(self.degree + 1):
            a = [columns[k, m].take(j) for m in range(6)]
            p0 = a[5]
            p1 = 5.0 * a[5]
            p2 = 20.0 * a[5]
            for m in (4, 3, 2, 1, 0):
                p0 = p0 * s + a[m]
                if m >= 1 and order >= 1:
                    p1 = p1 * s + m * a[m]
                if m >= 2 and order >= 2:
                    p2 = p2 * s + (m * (m - 1)) * a[m]
            c0.append(p0)
            if order >= 1:
                c1.append(p1 / h)
            if order >= 2:
                c2.append(p2 / (h * h))
        return c0, c1, c2

    @property
    def _columns(self) -> np.ndarray:
        """interval_coefficients as contiguous (degree + 1, 6, nT - 1) columns (cached)."""
        cached = self.__dict__.get("_columns_cache")
        if cached is None:
            cached = np.ascontiguousarray(self.interval_coefficients.transpose(1, 2, 0))
            object.__setattr__(self, "_columns_cache", cached)
        return cached


def _capped(interpolation: str, n_volumes: int) -> str:
    """An explicit form with its degree lowered to what n volumes support."""
    if interpolation == "auto":
        return interpolation
    variable, degree = parse_form(interpolation)
    return f"{variable}{min(degree, max(n_volumes - 2, 1))}"


def _horner(c: list[np.ndarray], u: np.ndarray, shape: tuple[int, ...],
            order: int) -> list[np.ndarray]:
    """P(u), P'(u), ... up to the ``order``-th u-derivative, for P = sum_k c_k u^k."""
    values = [np.zeros(shape) for _ in range(order + 1)]
    for coefficient in reversed(c):
        for r in range(order, 0, -1):
            values[r] = values[r] * u + r * values[r - 1]
        values[0] = values[0] * u + coefficient
    return [np.broadcast_to(v, shape).copy() if v.shape != shape else v for v in values]


def _hermite_intervals(T: np.ndarray, c0: np.ndarray, c1: np.ndarray,
                       c2: np.ndarray) -> np.ndarray:
    """Power coefficients in s of the quintic Hermite pieces, shape (nT - 1, d + 1, 6)."""
    h = np.diff(T)[:, None]  # (nT-1, 1)
    data = np.stack(
        [
            c0[:, :-1].T, c1[:, :-1].T * h, c2[:, :-1].T * h**2,
            c0[:, 1:].T, c1[:, 1:].T * h, c2[:, 1:].T * h**2,
        ],
        axis=-1,
    )  # (nT-1, d+1, 6): the six Hermite data in s units
    return data @ _HERMITE

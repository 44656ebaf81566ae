"""Smooth phonon free energies F_vib(V, T) with exact derivatives, from phonopy grids.

Each volume point of a source carries a :class:`~zenthermo.sources.VibrationalGrid`: F, S and
C_V (eV per cell) on a temperature grid. The representation is

* in V, at every grid temperature T_j: a least-squares polynomial of degree d (default 3,
  never above n_volumes - 2) in the scaled volume u = (V - V_c) / V_s;
* in T, each polynomial coefficient c_k(T) is the quintic Hermite interpolant through its
  values and first and second T-derivatives at the nodes. Because the V fit is a linear map,
  the node derivatives are the same map applied to F_T = -S and F_TT = -C_V / T.

So at a volume point on a grid temperature, F, S and C_V are reproduced up to the V
least-squares residual (exactly, where d = n_volumes - 1), F is C2 in T, and every
derivative (F_V .. F_VVV, F_T, F_TT, F_VT) is closed form. The temperature domain is the
grid's range; outside it there is no data and evaluation is refused.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zenthermo.errors import ConfigurationError, DomainError, FitError
from zenthermo.physics.derivatives import FreeEnergyDerivatives
from zenthermo.sources import Source, VibrationalGrid

#: Temperature grids of different volumes that differ by less than this (K) are the same.
_GRID_ATOL = 1e-6

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
class PhononFreeEnergy:
    """F_vib(V, T) of one source from its phonon grids (eV per cell).

    Attributes
    ----------
    name : str
    temperatures : ndarray, shape (nT,)
        The grid, K.
    volume_center, volume_scale : float
        u = (V - volume_center) / volume_scale, A^3.
    degree : int
        Degree of the polynomial in V.
    interval_coefficients : ndarray, shape (nT - 1, degree + 1, 6)
        For interval j and V-power k, the power coefficients in s = (T - T_j) / h_j of c_k(T).
    residuals_eV : ndarray, shape (n_volumes, nT)
        V-fit minus data for F_vib at the nodes.
    volumes : ndarray, shape (n_volumes,)
    """

    name: str
    temperatures: np.ndarray
    volume_center: float
    volume_scale: float
    degree: int
    interval_coefficients: np.ndarray
    residuals_eV: np.ndarray
    volumes: np.ndarray

    @property
    def temperature_domain(self) -> tuple[float, float]:
        return float(self.temperatures[0]), float(self.temperatures[-1])

    @property
    def max_residual_eV(self) -> float:
        """Largest |residual| of the V fit over all volumes and grid temperatures, eV."""
        return float(np.max(np.abs(self.residuals_eV)))

    @classmethod
    def from_source(cls, source: Source, degree: int = 3) -> PhononFreeEnergy:
        """Build from a source whose every kept point has a vibrational grid."""
        grids = [p.vibrations for p in source.points]
        if not grids or any(g is None for g in grids):
            raise ConfigurationError(
                f"source {source.name!r} lacks phonon grids at some volumes", path=source.name
            )
        return cls.from_grids(source.volumes, grids, degree=degree, name=source.name)

    @classmethod
    def from_grids(
        cls, volumes, grids: list[VibrationalGrid], degree: int = 3, name: str = ""
    ) -> PhononFreeEnergy:
        """Build from volumes (A^3 per cell, shape (n,)) and one grid per volume."""
        V = np.asarray(volumes, dtype=np.float64)
        if V.ndim != 1 or V.size != len(grids):
            raise ConfigurationError(f"{name}: one phonon grid per volume is needed")
        if V.size < 2:
            raise FitError(f"{name}: phonon free energies at {V.size} volume(s) cannot be "
                           "interpolated in volume", path=name or None)
        T = np.asarray(grids[0].temperatures, dtype=np.float64)
        for grid, v in zip(grids, V, strict=True):
            if grid.temperatures.shape != T.shape or not np.allclose(
                grid.temperatures, T, rtol=0, atol=_GRID_ATOL
            ):
                raise ConfigurationError(
                    f"{name}: the phonon temperature grid at V = {v:.4f} A^3 differs from the "
                    "one at the first volume", path=name or None,
                    hint="run phonopy -t with the same temperature settings at every volume",
                )
        if T.size < 2 or np.any(np.diff(T) <= 0) or T[0] < 0:
            raise FitError(f"{name}: the phonon temperature grid must be ascending, >= 0 K",
                           path=name or None)
        F = np.stack([g.free_energy for g in grids])  # (n, nT)
        S = np.stack([g.entropy for g in grids])
        C = np.stack([g.heat_capacity for g in grids])
        if not (np.isfinite(F).all() and np.isfinite(S).all() and np.isfinite(C).all()):
            raise FitError(f"{name}: phonon grids contain NaN or infinite values",
                           path=name or None)
        order = np.argsort(V)
        V, F, S, C = V[order], F[order], S[order], C[order]
        degree = int(min(degree, max(V.size - 2, 1)))
        if degree < 1:
            raise ConfigurationError("phonon_degree must be >= 1")
        center = float(np.mean(V))
        scale = float(np.max(np.abs(V - center))) or 1.0
        design = np.vander((V - center) / scale, degree + 1, increasing=True)  # (n, d+1)
        projector = np.linalg.pinv(design)  # (d+1, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            f_tt = np.where(T > 0, -C / T, 0.0)  # C_V ~ T^3 -> F_TT(0) = 0
        c0 = projector @ F  # (d+1, nT)
        c1 = projector @ (-S)
        c2 = projector @ f_tt
        residuals = design @ c0 - F
        coefficients = _hermite_intervals(T, c0, c1, c2)
        return cls(
            name=name, temperatures=T, volume_center=center, volume_scale=scale, degree=degree,
            interval_coefficients=coefficients, residuals_eV=residuals, volumes=V,
        )

    def derivatives(self, V, T) -> FreeEnergyDerivatives:
        """F_vib and its exact derivatives at broadcast (V A^3, T K), eV per cell."""
        V = np.asarray(V, dtype=np.float64)
        T = np.asarray(T, dtype=np.float64)
        t_lo, t_hi = self.temperature_domain
        if np.isnan(V).any() or np.isnan(T).any():
            raise DomainError(f"NaN volume or temperature asked of {self.name!r}")
        if T.size and (T.min() < t_lo - 1e-9 or T.max() > t_hi + 1e-9):
            raise DomainError(
                f"temperatures outside the phonon grid [{t_lo:g}, {t_hi:g}] K of {self.name!r}"
            )
        # The T-dependent coefficients are computed on T's own (unbroadcast) shape: for
        # the usual grids (V column x T row) that is a handful of temperatures.
        c0, c1, c2 = self._temperature_coefficients(T)
        u = (V - self.volume_center) / self.volume_scale
        inv = 1.0 / self.volume_scale
        shape = np.broadcast_shapes(V.shape, T.shape)

        def horner(c: list[np.ndarray], order: int) -> np.ndarray:
            result = np.zeros(shape)
            for k in range(self.degree, order - 1, -1):
                result = result * u + _falling(k, order) * c[k]
            return np.broadcast_to(result, shape).copy() if result.shape != shape else result

        return FreeEnergyDerivatives(
            F=horner(c0, 0),
            F_V=horner(c0, 1) * inv,
            F_VV=horner(c0, 2) * inv**2,
            F_VVV=horner(c0, 3) * inv**3,
            F_T=horner(c1, 0),
            F_TT=horner(c2, 0),
            F_VT=horner(c1, 1) * inv,
        )

    def _temperature_coefficients(self, T: np.ndarray):
        """c_k(T), c_k'(T), c_k''(T) for k = 0..degree, each an array of T's shape."""
        nodes = self.temperatures
        j = np.clip(np.searchsorted(nodes, T, side="right") - 1, 0, nodes.size - 2)
        h = nodes[j + 1] - nodes[j]
        s = (T - nodes[j]) / h
        columns = self._columns
        c0, c1, c2 = [], [], []
        for k in range(self.degree + 1):
            a = [columns[k, m].take(j) for m in range(6)]
            p0 = a[5]
            p1 = 5.0 * a[5]
            p2 = 20.0 * a[5]
            for m in (4, 3, 2, 1, 0):
                p0 = p0 * s + a[m]
                if m >= 1:
                    p1 = p1 * s + m * a[m]
                if m >= 2:
                    p2 = p2 * s + (m * (m - 1)) * a[m]
            c0.append(p0)
            c1.append(p1 / h)
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


def _falling(k: int, r: int) -> float:
    """k (k-1) ... (k-r+1)."""
    return float(math.prod(range(k - r + 1, k + 1)))


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

"""Energy outliers in an E(V) set: a point far off the smooth curve of the others.

A typo in ``e-v.dat`` or a volume folder holding another calculation's energy puts one point
tens of eV (or a sign) away from the curve; left in, it wrecks the equation-of-state fit.
The check is robust and conservative:

1. the smooth curve is a cubic in ``x = V^(-2/3)`` (the Birch-Murnaghan form), fitted by
   least median of squares over all 4-point subsets (at most :data:`MAX_SUBSETS`), which
   ignores up to half the points however far off they are; points far from it are suspects;
2. each point is then judged against the least-squares cubic of the *other* trusted points
   (leave one out): it is an outlier when it lies farther than :data:`FLOOR_EV_PER_ATOM`
   per atom *and* more than :data:`SCALE_FACTOR` times the robust scatter of that fit; a
   suspect that passes is trusted again, the worst new outlier is added, until nothing
   changes.

Real E(V) curves of one configuration deviate from such a cubic by meV (the three Fe3Pt
configurations, Si and Al: at most 0.001 eV/atom), so the floor of 0.05 eV/atom leaves
physical kinks (a moment collapse) alone. At least :data:`MIN_POINTS` points are needed and
:data:`MIN_KEPT` are always kept; repeated volumes turn the check off (they are reported
elsewhere).
"""

from __future__ import annotations

import itertools

import numpy as np

FLOOR_EV_PER_ATOM = 0.05
SCALE_FACTOR = 20.0
MIN_POINTS = 7
MIN_KEPT = 6
MAX_SUBSETS = 5000
_DEGREE = 3


def _design(volumes: np.ndarray) -> np.ndarray:
    x = volumes ** (-2.0 / 3.0)
    x = (x - x.mean()) / x.std()
    return np.vander(x, _DEGREE + 1)


def _subsets(n: int, size: int) -> np.ndarray:
    total = 1
    for k in range(size):
        total = total * (n - k) // (k + 1)
    if total <= MAX_SUBSETS:
        return np.array(list(itertools.combinations(range(n), size)))
    rng = np.random.default_rng(0)  # fixed seed: the same data give the same verdict
    return np.sort(np.array([rng.choice(n, size, replace=False) for _ in range(MAX_SUBSETS)]),
                   axis=1)


def _least_median_residuals(design: np.ndarray, energies: np.ndarray) -> tuple[np.ndarray, float]:
    """Residuals of the least-median-of-squares cubic, and its robust scale (eV)."""
    n, p = design.shape
    subsets = _subsets(n, p)
    systems = design[subsets]
    usable = np.abs(np.linalg.det(systems)) > 1e-12
    coefficients = np.linalg.solve(systems[usable], energies[subsets[usable]][..., None])[..., 0]
    residuals = energies[None, :] - coefficients @ design.T
    medians = np.median(residuals**2, axis=1)
    best = int(np.argmin(medians))
    scale = 1.4826 * (1.0 + 5.0 / (n - p)) * float(np.sqrt(medians[best]))
    return residuals[best], scale


def _leave_one_out(design: np.ndarray, energies: np.ndarray, trusted: list[int],
                   index: int, floor: float) -> tuple[float, float]:
    """(deviation of point ``index`` from the fit of the other trusted points, its limit)."""
    others = [j for j in trusted if j != index]
    coefficients = np.linalg.lstsq(design[others], energies[others], rcond=None)[0]
    scatter = 1.4826 * float(np.median(np.abs(energies[others] - design[others] @ coefficients)))
    deviation = float(energies[index] - design[index] @ coefficients)
    return deviation, max(floor, SCALE_FACTOR * scatter)


def energy_outliers(volumes, energies, natoms: int) -> dict[int, str]:
    """Indices of the outliers of an E(V) set, with the reason in words.

    Parameters
    ----------
    volumes, energies : array_like, shape (n,)
        A^3 and eV per cell.
    natoms : int
        Atoms per cell (the floor is per atom).

    Returns
    -------
    dict
        Index -> reason, e.g. ``"energy outlier: E = -82.47 eV is 10.00 eV above the smooth
        E(V) of the other points (limit 0.60 eV)"``; empty when there is none or the set is
        too small to judge.
    """
    v = np.asarray(volumes, dtype=np.float64)
    e = np.asarray(energies, dtype=np.float64)
    n = v.size
    if n < MIN_POINTS or not np.all(np.isfinite(e)) or np.unique(v).size != n:
        return {}
    design = _design(v)
    shifted = e - np.median(e)
    floor = FLOOR_EV_PER_ATOM * max(int(natoms), 1)
    residuals, scale = _least_median_residuals(design, shifted)
    flagged = set(np.flatnonzero(np.abs(residuals) > max(floor, SCALE_FACTOR * scale)).tolist())
    if n - len(flagged) < MIN_KEPT:
        return {}
    judged: dict[int, tuple[float, float]] = {}
    for _ in range(2 * n):
        trusted = [j for j in range(n) if j not in flagged]
        judged = {i: _leave_one_out(design, shifted, trusted, i, floor) for i in range(n)}
        ratio = {i: abs(d) / limit for i, (d, limit) in judged.items()}
        rescued = [i for i in flagged if ratio[i] <= 1.0]
        if rescued:
            flagged.discard(min(rescued, key=ratio.__getitem__))
            continue
        worst = max(trusted, key=ratio.__getitem__)
        if ratio[worst] > 1.0 and len(trusted) > MIN_KEPT:
            flagged.add(worst)
            continue
        break
    reasons = {}
    for index in sorted(flagged):
        deviation, limit = judged[index]
        side = "above" if deviation > 0 else "below"
        reasons[index] = (
            f"energy outlier: E = {e[index]:.6g} eV is {abs(deviation):.3g} eV {side} the "
            f"smooth E(V) of the other points (limit {limit:.3g} eV): a typo, or another "
            "calculation's energy?"
        )
    return reasons

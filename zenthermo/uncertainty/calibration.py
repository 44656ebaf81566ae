"""Known landscapes for calibrating the error bars: synthetic data with a known truth.

A :class:`KnownLandscape` is a few sources with closed-form static energies (third-order
Birch-Murnaghan or Vinet in E0, V0, B0, B0') and Debye-Grueneisen vibrations, sampled at
fixed volumes. :meth:`KnownLandscape.source_set` draws a data set: the exact energies plus
Gaussian noise of a given size, independent per point. The truth is the analysis of the
noise-free data with each source fitted by its own kind (which recovers the closed form
exactly), on the same volumes, through :func:`truth_analysis`.

:data:`FE3PT_LIKE` mimics Fe3Pt (12-atom cell, three configurations with the Akaike-best
parameters of the embedded data; two Vinet, one Birch-Murnaghan): a critical point near
165 K, 4.4 GPa and an NTE window on each of the 0, 2, 4 GPa isobars.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from zenthermo.physics.eos import eos_derivatives
from zenthermo.sources import Source, SourceSet, VolumePoint
from zenthermo.thermo.analysis import analyze
from zenthermo.thermo.results import Analysis
from zenthermo.uncertainty.aggregate import match_window
from zenthermo.uncertainty.members import build_landscape
from zenthermo.uncertainty.results import UncertaintyResult
from zenthermo.units import gpa_to_ev_per_a3

__all__ = [
    "FE3PT_LIKE",
    "KNOWN_KINDS",
    "Check",
    "KnownLandscape",
    "KnownSource",
    "check_intervals",
    "truth_analysis",
]

#: Closed forms a known source can have.
KNOWN_KINDS = ("bm4", "vinet")


@dataclass(frozen=True)
class KnownSource:
    """One source with a closed-form E(V): ``kind`` in :data:`KNOWN_KINDS`.

    Attributes
    ----------
    name : str
    multiplicity : float
    kind : str
    e0_eV, v0_A3, b0_GPa, b0_prime : float
        Energy and volume at the minimum (eV, A^3 per cell), bulk modulus (GPa) and its
        pressure derivative.
    magnetic_order : str
    """

    name: str
    multiplicity: float
    kind: str
    e0_eV: float
    v0_A3: float
    b0_GPa: float
    b0_prime: float
    magnetic_order: str = "unknown"

    def __post_init__(self) -> None:
        if self.kind not in KNOWN_KINDS:
            raise ValueError(f"known sources are one of {KNOWN_KINDS}, got {self.kind!r}")

    def energies(self, volumes: ArrayLike) -> np.ndarray:
        """Exact E(V), eV per cell, at volumes in A^3 per cell."""
        V = np.asarray(volumes, dtype=np.float64)
        b0 = float(gpa_to_ev_per_a3(self.b0_GPa))
        if self.kind == "vinet":
            params = (self.e0_eV, self.v0_A3, b0, self.b0_prime)
            return eos_derivatives("vinet", params, self.v0_A3, V)[0]
        # E = E0 + 9 V0 B0 / 16 [2 s^2 + (B0' - 4) s^3], s = (V0 / V)^(2/3) - 1
        c = 9.0 * self.v0_A3 * b0
        params = (self.e0_eV, 0.0, c / 8.0, c * (self.b0_prime - 4.0) / 16.0)
        return eos_derivatives("bm4", params, self.v0_A3, V)[0]


@dataclass(frozen=True, eq=False)
class KnownLandscape:
    """Known sources sampled at fixed volumes (the same for every source).

    Attributes
    ----------
    sources : tuple of KnownSource
    volumes_A3 : ndarray, shape (n,)
    composition : Mapping[str, int]
    """

    sources: tuple[KnownSource, ...]
    volumes_A3: np.ndarray
    composition: Mapping[str, int] = field(default_factory=dict)

    @property
    def natoms(self) -> int:
        return int(sum(self.composition.values()))

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(s.kind for s in self.sources)

    def with_volumes(self, volumes_A3: ArrayLike) -> KnownLandscape:
        """The same sources sampled at other volumes."""
        return KnownLandscape(self.sources, np.asarray(volumes_A3, dtype=np.float64),
                              self.composition)

    def source_set(
        self, noise_eV: float = 0.0, rng: np.random.Generator | None = None
    ) -> SourceSet:
        """A data set: exact energies plus N(0, noise_eV^2) per point (eV per cell)."""
        if noise_eV > 0 and rng is None:
            raise ValueError("a noisy data set needs a random generator (rng=)")
        sources = []
        for known in self.sources:
            energies = known.energies(self.volumes_A3)
            if noise_eV > 0 and rng is not None:  # rng is given with noise (checked above)
                energies = energies + rng.normal(0.0, noise_eV, energies.size)
            points = tuple(
                VolumePoint(label=f"v{i:02d}", volume=float(v), energy=float(e),
                            natoms=self.natoms, composition=dict(self.composition))
                for i, (v, e) in enumerate(zip(self.volumes_A3, energies, strict=True))
            )
            sources.append(Source(
                name=known.name, multiplicity=float(known.multiplicity), natoms=self.natoms,
                composition=dict(self.composition), points=points,
                magnetic_order=known.magnetic_order,
            ))
        return SourceSet(sources=tuple(sources), root="synthetic",
                         metadata={"noise_eV": float(noise_eV)})


def truth_analysis(
    known: KnownLandscape,
    pressures_GPa: Sequence[float],
    temperatures_K: ArrayLike,
    physics_options: Mapping[str, Any] | None = None,
    phase_diagram: bool = True,
) -> Analysis:
    """The analysis of the noise-free data, each source fitted by its own closed form."""
    options = {k: v for k, v in dict(physics_options or {}).items() if k != "eos"}
    landscape = build_landscape(known.source_set(), known.kinds, options)
    return analyze(landscape, pressures_GPa, temperatures_K, phase_diagram=phase_diagram)


#: Fe3Pt-like: the Akaike-preferred four-parameter fits of the embedded Fe3Pt data.
FE3PT_LIKE = KnownLandscape(
    sources=(
        KnownSource("config_0", 2.0, "vinet", -93.528726, 156.42946, 175.6578, 3.67903, "FM"),
        KnownSource("config_22", 12.0, "bm4", -93.361725, 153.77098, 161.8699, 4.26958, "SF"),
        KnownSource("config_28", 6.0, "vinet", -93.409106, 153.64062, 163.0687, 4.18278, "SF"),
    ),
    volumes_A3=np.arange(139.0, 172.5, 3.0),
    composition={"Fe": 9, "Pt": 3},
)


@dataclass(frozen=True)
class Check:
    """Whether one interval holds the true value.

    Attributes
    ----------
    quantity : str
        ``T_c``, ``P_c``, ``NTE start`` or ``NTE end``.
    P_GPa : float or None
        The isobar of an NTE end (None for the critical point).
    truth : float
    low, high : float
        The interval (NaN where the data set gave none: a miss).
    """

    quantity: str
    P_GPa: float | None
    truth: float
    low: float
    high: float

    @property
    def covered(self) -> bool:
        return bool(self.low <= self.truth <= self.high)

    @property
    def width(self) -> float:
        return float(self.high - self.low)


def check_intervals(truth: Analysis, central: Analysis, result: UncertaintyResult) -> list[Check]:
    """Compare the intervals of one data set with the truth.

    The critical point: T_c and P_c against the truth's (skipped when the truth has none).
    NTE windows: each window of the truth is matched to the plain analysis's window that
    overlaps it most on the same isobar; its start and end intervals are checked (an
    unmatched window, or one that is open on that side in the truth, is a miss or
    skipped respectively).
    """
    checks = []
    point = truth.phase_diagram.critical_point
    if point is not None and result.critical_point is not None:
        interval = result.critical_point
        checks.append(Check("T_c", None, point.T_K, *interval.T_K[[0, 2]]))
        checks.append(Check("P_c", None, point.P_GPa, *interval.P_GPa[[0, 2]]))
    for true_isobar in truth.isobars:
        plain = central.isobar(true_isobar.P_GPa)
        bands = result.isobar(true_isobar.P_GPa)
        for window in true_isobar.nte_windows:
            matched = match_window(window, plain.nte_windows)
            band = None if matched is None else bands.nte_windows[
                plain.nte_windows.index(matched)]
            for name, value, is_open, attr in (
                    ("NTE start", window.T_start_K, window.open_start, "T_start_K"),
                    ("NTE end", window.T_end_K, window.open_end, "T_end_K")):
                if is_open:
                    continue
                low, high = (np.nan, np.nan) if band is None else getattr(band, attr)[[0, 2]]
                checks.append(Check(name, float(true_isobar.P_GPa), float(value), float(low),
                                    float(high)))
    return checks

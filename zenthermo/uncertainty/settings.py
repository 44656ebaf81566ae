"""Settings of an uncertainty analysis: how many members, which sources of spread, which CI.

Plain, validated values (a workflow file or the CLI maps onto these fields). Everything
random is drawn from ``seed``: the same settings and data give the same intervals.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from zenthermo.errors import ConfigurationError
from zenthermo.physics.eos import EOS_KINDS

#: What varies between members: ``bootstrap`` (resampled residuals of the data, central
#: EOS kind), ``eos`` (EOS kind drawn per source by its information-criterion weight, data
#: as given) or ``both`` (kind drawn, then residuals of that kind's fit resampled).
METHODS = ("bootstrap", "eos", "both")
#: Distributions a user-given spread of a Debye parameter can have.
SPREAD_DISTRIBUTIONS = ("normal", "uniform")
#: Default percentiles of the members: the 95 % interval and the median.
DEFAULT_CI = (2.5, 50.0, 97.5)
#: Default temperature step (K) of the members' isobars (see ``member_tstep_K``).
DEFAULT_MEMBER_TSTEP_K = 5.0


@dataclass(frozen=True)
class Spread:
    """A user-given spread of one model parameter around its central value.

    Attributes
    ----------
    distribution : str
        ``"normal"`` (``width`` is the standard deviation) or ``"uniform"`` (``width`` is
        the half-width: values in [centre - width, centre + width]).
    width : float
        In the parameter's own units (s and x of the Debye model are dimensionless); >= 0.
    """

    distribution: str
    width: float

    def __post_init__(self) -> None:
        if self.distribution not in SPREAD_DISTRIBUTIONS:
            raise ConfigurationError(
                f"unknown spread distribution {self.distribution!r}",
                hint=f"choose one of {', '.join(SPREAD_DISTRIBUTIONS)}",
            )
        if not (math.isfinite(self.width) and self.width >= 0):
            raise ConfigurationError(f"a spread width must be finite and >= 0, got {self.width}")

    def draw(self, centre: float, rng: np.random.Generator) -> float:
        """One value around ``centre``."""
        if self.distribution == "normal":
            return float(rng.normal(centre, self.width))
        return float(rng.uniform(centre - self.width, centre + self.width))

    def as_dict(self) -> dict[str, float | str]:
        return {"distribution": self.distribution, "width": float(self.width)}


@dataclass(frozen=True)
class UncertaintySettings:
    """How the members of an uncertainty analysis are made and summarised.

    Attributes
    ----------
    members : int
        Number of members N (>= 2; 100 or more for stable 95 % intervals).
    method : str
        One of :data:`METHODS` (default ``"both"``).
    ci : (float, float, float)
        Percentiles of the members reported as (low, middle, high), ascending in (0, 100).
    seed : int
        Seed of every random draw (>= 0).
    eos_kinds : tuple of str
        The equation-of-state kinds averaged over (methods ``eos`` and ``both``); of these,
        only the kinds with no more parameters than the plain analysis's kind take part
        unless ``more_flexible_kinds`` (see :func:`family_kinds`).
    more_flexible_kinds : bool
        Also average over kinds with more parameters than the plain kind (default False:
        with 12 volumes AICc can favour BM5 so strongly that a model average over it
        moves every interval away from a BM4 analysis; the result then warns instead,
        stating the shift of T_c).
    debye_scaling_spread, debye_x_spread : Spread or None
        Optional spreads of the Debye-Grueneisen s and x; one value per member, shared by
        all sources (they are parameters of one model, not of one configuration).
    member_tstep_K : float
        Members are analysed on every k-th temperature of the central grid, k the largest
        stride whose step is at most this (K; 0 keeps every temperature). The NTE ends of
        a 5 K grid agree with those of a 1 K grid to about 1e-3 K on Fe3Pt.
    phase_lines : bool
        Members compute the spinodal and coexistence line (for the coexistence interval);
        False finds only their critical point (faster).
    draw_noise_level : bool
        In the residual bootstrap, each member also draws each source's noise level from
        its scaled-inverse-chi^2 distribution with n - p degrees of freedom (see
        :mod:`zenthermo.uncertainty.resampling`), so that the intervals carry the
        uncertainty of a noise level estimated from 8-12 points (default True).
    """

    members: int = 100
    method: str = "both"
    ci: tuple[float, float, float] = DEFAULT_CI
    seed: int = 0
    eos_kinds: tuple[str, ...] = tuple(EOS_KINDS)
    debye_scaling_spread: Spread | None = None
    debye_x_spread: Spread | None = None
    member_tstep_K: float = DEFAULT_MEMBER_TSTEP_K
    phase_lines: bool = True
    draw_noise_level: bool = True
    more_flexible_kinds: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.members, bool) or not isinstance(self.members, (int, np.integer)):
            raise ConfigurationError(f"the number of members must be an integer, got "
                                     f"{self.members!r}")
        if self.members < 2:
            raise ConfigurationError(f"an uncertainty analysis needs at least 2 members, got "
                                     f"{self.members}", hint="use 100 or more")
        if self.method not in METHODS:
            raise ConfigurationError(f"unknown uncertainty method {self.method!r}",
                                     hint=f"choose one of {', '.join(METHODS)}")
        object.__setattr__(self, "ci", validate_ci(self.ci))
        if isinstance(self.seed, bool) or not isinstance(self.seed, (int, np.integer)) \
                or self.seed < 0:
            raise ConfigurationError(f"the seed must be a non-negative integer, got {self.seed!r}")
        kinds = tuple(self.eos_kinds)
        unknown = [k for k in kinds if k not in EOS_KINDS]
        if unknown or not kinds or len(set(kinds)) != len(kinds):
            raise ConfigurationError(f"bad equation-of-state family {list(kinds)}",
                                     hint=f"choose distinct kinds from {', '.join(EOS_KINDS)}")
        object.__setattr__(self, "eos_kinds", kinds)
        if not (math.isfinite(self.member_tstep_K) and self.member_tstep_K >= 0):
            raise ConfigurationError(f"member_tstep_K must be finite and >= 0, got "
                                     f"{self.member_tstep_K}")

    @property
    def resamples_data(self) -> bool:
        """True when members resample the residuals of the data."""
        return self.method in ("bootstrap", "both")

    @property
    def averages_eos(self) -> bool:
        """True when members draw their equation of state from the family."""
        return self.method in ("eos", "both")

    def family_kinds(self, plain_kind: str) -> tuple[str, ...]:
        """The kinds of :attr:`eos_kinds` averaged over around a plain analysis with
        ``plain_kind``: those with no more parameters than it (all with
        ``more_flexible_kinds``).

        Raises
        ------
        ConfigurationError
            No kind of :attr:`eos_kinds` qualifies.
        """
        limit = EOS_KINDS[plain_kind]
        kinds = tuple(k for k in self.eos_kinds
                      if self.more_flexible_kinds or EOS_KINDS[k] <= limit)
        if not kinds:
            raise ConfigurationError(
                f"no kind of the equation-of-state family {list(self.eos_kinds)} has at most "
                f"the {limit} parameters of the plain analysis's {plain_kind}",
                hint="add kinds with fewer parameters, or allow more flexible kinds")
        return kinds


def validate_ci(ci) -> tuple[float, float, float]:
    """Check three ascending percentiles in (0, 100); return them as floats."""
    try:
        values = tuple(float(c) for c in ci)
    except (TypeError, ValueError) as error:
        raise ConfigurationError(f"ci must be three numbers, got {ci!r}") from error
    if len(values) != 3 or not all(math.isfinite(v) and 0.0 < v < 100.0 for v in values) \
            or not values[0] < values[1] < values[2]:
        raise ConfigurationError(
            f"ci must be three ascending percentiles between 0 and 100, got {list(values)}",
            hint="for example 2.5,50,97.5 (a 95 % interval and the median)",
        )
    return values

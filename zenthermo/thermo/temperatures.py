"""Which temperatures an analysis runs on: one rule for the CLI, the pipeline and Python.

:func:`choose_temperatures` turns optional ``tmin``/``tmax``/``tstep`` (K) and a landscape's
temperature domain into the grid of :func:`temperature_grid`: ``tmin`` defaults to 0 (or
the domain's lower end), ``tmax`` to :data:`DEFAULT_TMAX_K` lowered to the domain's upper
end (:func:`clipped_note` says so in words); an explicit ``tmax`` beyond the domain is an
error, never silently changed.
"""

from __future__ import annotations

import math

import numpy as np

from zenthermo.errors import ConfigurationError, DomainError

__all__ = ["DEFAULT_TMAX_K", "choose_temperatures", "clipped_note", "temperature_grid"]

#: Default upper temperature of an analysis, K (lowered to the landscape's domain).
DEFAULT_TMAX_K = 1000.0


def temperature_grid(
    tmin: float,
    tmax: float,
    tstep: float,
    temperature_domain: tuple[float, float] | None = None,
) -> np.ndarray:
    """An evenly spaced temperature grid tmin, tmin + tstep, ... up to tmax.

    ``tmax`` is included when it falls on the grid (to 1e-9 of a step).

    Parameters
    ----------
    tmin, tmax, tstep : float
        K; ``tmin < tmax``, ``tstep > 0``, all finite.
    temperature_domain : (float, float), optional
        A landscape's temperature domain, K; the grid must lie inside it.

    Returns
    -------
    ndarray, shape (n,)

    Raises
    ------
    ConfigurationError
        Non-finite values, ``tmin >= tmax`` or ``tstep <= 0``.
    DomainError
        The grid leaves ``temperature_domain``.
    """
    values = {"tmin": tmin, "tmax": tmax, "tstep": tstep}
    for name, value in values.items():
        if not math.isfinite(value):
            raise ConfigurationError(f"{name} = {value} is not a finite temperature")
    if tstep <= 0:
        raise ConfigurationError(f"tstep must be positive, got {tstep:g} K")
    if tmin >= tmax:
        raise ConfigurationError(f"tmin ({tmin:g} K) must be below tmax ({tmax:g} K)")
    if tmin < 0:
        raise ConfigurationError(f"tmin must not be negative, got {tmin:g} K")
    n_steps = math.floor((tmax - tmin) / tstep + 1e-9)
    grid = tmin + tstep * np.arange(n_steps + 1, dtype=np.float64)
    if abs(grid[-1] - tmax) <= 1e-9 * tstep:
        grid[-1] = tmax
    if temperature_domain is not None:
        low, high = (float(t) for t in temperature_domain)
        if tmin < low - 1e-9 or grid[-1] > high + 1e-9:
            raise DomainError(
                f"temperatures {tmin:g}..{grid[-1]:g} K leave the landscape's temperature "
                f"domain {low:g}..{high:g} K",
                hint=f"choose tmin >= {low:g} K and tmax <= {high:g} K",
            )
    return grid


def choose_temperatures(
    temperature_domain: tuple[float, float],
    tmin_K: float | None = None,
    tmax_K: float | None = None,
    tstep_K: float = 1.0,
) -> np.ndarray:
    """The analysis temperatures for a landscape's ``temperature_domain``.

    Parameters
    ----------
    temperature_domain : (float, float)
        The landscape's lowest and highest temperature, K (the upper end may be inf).
    tmin_K : float, optional
        Lowest temperature, K; default 0, or the domain's lower end where that is higher.
    tmax_K : float, optional
        Highest temperature, K; default :data:`DEFAULT_TMAX_K`, lowered to the domain's
        upper end where that is lower. An explicit value outside the domain is an error.
    tstep_K : float
        Step, K.

    Returns
    -------
    ndarray, shape (n,)
        ``tmin, tmin + tstep, ...`` up to ``tmax`` (see :func:`temperature_grid`).

    Raises
    ------
    ConfigurationError, DomainError
        As :func:`temperature_grid`.
    """
    low, high = (float(t) for t in temperature_domain)
    tmin = max(0.0, low) if tmin_K is None else float(tmin_K)
    tmax = min(DEFAULT_TMAX_K, high) if tmax_K is None else float(tmax_K)
    return temperature_grid(tmin, tmax, tstep_K, temperature_domain=(low, high))


def clipped_note(temperatures_K: np.ndarray, tmax_K: float | None) -> str | None:
    """A note when the default upper temperature was lowered to the landscape's domain.

    Parameters
    ----------
    temperatures_K : ndarray
        The grid from :func:`choose_temperatures`.
    tmax_K : float or None
        The ``tmax_K`` that was given to it (None: the default was used).

    Returns
    -------
    str or None
        E.g. ``"temperatures end at 700 K, the end of the landscape's temperature domain
        (the default is 1000 K)"``; None when nothing was lowered.
    """
    if tmax_K is not None or not len(temperatures_K) or temperatures_K[-1] >= DEFAULT_TMAX_K:
        return None
    return (f"temperatures end at {temperatures_K[-1]:g} K, the end of the landscape's "
            f"temperature domain (the default is {DEFAULT_TMAX_K:g} K)")

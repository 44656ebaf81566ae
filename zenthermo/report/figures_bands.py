"""Error bars on the figures: shaded bands, NTE-end whiskers and the critical point's cross.

The intervals come from an :class:`~zenthermo.uncertainty.UncertaintyResult` (low and high
percentiles of the members, on the members' temperatures); the lines stay the plain
analysis. Drawing helpers only (no physics): the plot functions of
:mod:`~zenthermo.report.figures_isobars` and :mod:`~zenthermo.report.figures_phase` call
them when given ``uncertainty=``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Opacity of an interval band (light enough to see the lines of other pressures through).
BAND_ALPHA = 0.22
_WHISKER = {"color": "#222222", "linewidth": 1.1, "solid_capstyle": "butt"}


def band_of(uncertainty: Any, P_GPa: float) -> Any:
    """The :class:`~zenthermo.uncertainty.IsobarIntervals` at ``P_GPa``, None without."""
    if uncertainty is None:
        return None
    try:
        return uncertainty.isobar(P_GPa)
    except KeyError:
        return None


def shade_band(ax: Any, bands: Any, name: str, color: str, scale: float = 1.0) -> bool:
    """Fill between the low and high percentiles of ``bands.<name>`` (times ``scale``)
    against temperature; returns True when something was drawn."""
    if bands is None:
        return False
    values = np.asarray(getattr(bands, name), dtype=np.float64) * scale
    low, high = values[0], values[-1]
    finite = np.isfinite(low) & np.isfinite(high)
    if not np.any(finite):
        return False
    ax.fill_between(bands.T_K, np.where(finite, low, np.nan), np.where(finite, high, np.nan),
                    color=color, alpha=BAND_ALPHA, linewidth=0)
    return True


def nte_end_whiskers(ax: Any, bands: Any, y_axes: float) -> bool:
    """Whiskers at height ``y_axes`` (axes fraction) over each NTE window's start and end
    intervals (temperature, data coordinates); returns True when one was drawn."""
    if bands is None:
        return False
    transform = ax.get_xaxis_transform()
    drawn = False
    for window in bands.nte_windows:
        for interval in (window.T_start_K, window.T_end_K):
            low, high = float(interval[0]), float(interval[-1])
            if not (np.isfinite(low) and np.isfinite(high)):
                continue
            ax.plot([low, high], [y_axes, y_axes], transform=transform, **_WHISKER)
            ax.plot([low, low, np.nan, high, high],
                    [y_axes - 0.012, y_axes + 0.012, np.nan, y_axes - 0.012, y_axes + 0.012],
                    transform=transform, **_WHISKER)
            drawn = True
    return drawn


def error_cross(ax: Any, x: float, y: float, x_interval: Any, y_interval: Any,
                color: str = "#222222") -> bool:
    """A cross of the x and y intervals through the plain point (x, y), with end caps.

    Drawn as segments (not ``errorbar``), so that an interval that does not contain the
    plain value (model averaging can move it) is shown as it is."""
    xs = np.asarray(x_interval, dtype=np.float64)[[0, -1]]
    ys = np.asarray(y_interval, dtype=np.float64)[[0, -1]]
    if not (np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))):
        return False
    line = {"color": color, "linewidth": 1.4, "zorder": 6}
    ax.plot(xs, [y, y], **line)
    ax.plot([x, x], ys, **line)
    ax.plot(xs, [y, y], linestyle="none", marker="|", markersize=9, color=color, zorder=6)
    ax.plot([x, x], ys, linestyle="none", marker="_", markersize=9, color=color, zorder=6)
    return True


def interval_note(uncertainty: Any) -> str:
    """Legend text of a band: ``"95 % interval (100 members)"``."""
    low, _, high = uncertainty.ci
    return f"{high - low:g} % interval ({uncertainty.successful_members} members)"


__all__ = ["BAND_ALPHA", "band_of", "error_cross", "interval_note", "nte_end_whiskers",
           "shade_band"]

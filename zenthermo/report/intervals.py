"""Numbers with their error bars, as text: "T_c = 164.9 (+4.9/-4.8) K".

The central value is the plain analysis; the interval is the (low, high) percentiles of the
members of an :class:`~zenthermo.uncertainty.UncertaintyResult`. Used by the terminal
summary of ``zenthermo analyze``, the HTML report and its error-bar table. Where the plain
value lies outside the members' interval (possible with model averaging), the interval is
given as a range and says so rather than as a negative error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["format_interval", "nte_window_intervals", "uncertainty_lines", "uncertainty_rows",
           "uncertainty_table"]


def format_interval(value: float | None, interval: Sequence[float] | np.ndarray | None,
                    decimals: int = 1, unit: str = "") -> str:
    """``value (+hi-value/-value-lo) unit``, e.g. ``"164.9 (+4.9/-4.8) K"``.

    ``interval`` is (low, middle, high) or (low, high). No finite value gives "–"; no
    finite interval gives the value alone with "(no interval)"; a value outside the
    interval gives ``"164.9 K (interval 167.4 to 178.2 K, excludes it)"``.
    """
    suffix = f" {unit}" if unit else ""
    if value is None or not math.isfinite(float(value)):
        return "–"
    value = float(value)
    text = f"{value:.{decimals}f}"
    bounds = np.asarray([] if interval is None else interval, dtype=np.float64)
    if bounds.size < 2 or not np.all(np.isfinite(bounds[[0, -1]])):
        return f"{text}{suffix} (no interval)"
    low, high = float(bounds[0]), float(bounds[-1])
    if not low <= value <= high:
        return (f"{text}{suffix} (interval {low:.{decimals}f} to {high:.{decimals}f}{suffix}, "
                "excludes it)")
    return f"{text} (+{high - value:.{decimals}f}/-{value - low:.{decimals}f}){suffix}"


def _percent(fraction: float) -> str:
    return f"{100.0 * fraction:.0f} %"


def _ci_text(uncertainty: Any) -> str:
    low, _, high = uncertainty.ci
    return f"{high - low:g} % intervals ({low:g}-{high:g} percentiles)"


def nte_window_intervals(analysis: Any, uncertainty: Any) -> list[tuple[float, Any, Any]]:
    """(P_GPa, plain NteWindow, NteWindowInterval) for every NTE window of ``analysis``
    that the error bars cover (matched by pressure, then in order)."""
    found = []
    for isobar in analysis.isobars:
        try:
            bands = uncertainty.isobar(isobar.P_GPa)
        except KeyError:
            continue
        for window, interval in zip(isobar.nte_windows, bands.nte_windows, strict=False):
            found.append((float(isobar.P_GPa), window, interval))
    return found


def _critical(analysis: Any, uncertainty: Any) -> list[tuple[str, str]]:
    cp, band = analysis.phase_diagram.critical_point, uncertainty.critical_point
    if band is None:
        return []
    if cp is None:
        return [("critical point", f"none (a critical point in "
                 f"{_percent(band.present_fraction)} of the members)")]
    return [
        ("T_c", format_interval(cp.T_K, band.T_K, 1, "K")),
        ("P_c", format_interval(cp.P_GPa, band.P_GPa, 3, "GPa")),
        ("V_c", format_interval(cp.V_A3, band.V_A3, 2, "Å³")),
        ("members with a critical point", _percent(band.present_fraction)),
    ]


def uncertainty_rows(analysis: Any, uncertainty: Any) -> list[tuple[str, str]]:
    """(quantity, value with interval) rows: the critical point and every NTE window's
    start, end and deepest alpha (LCTE, 1e-6/K), with the share of members that have it."""
    rows = _critical(analysis, uncertainty)
    for P, window, interval in nte_window_intervals(analysis, uncertainty):
        where = f"NTE at {P:g} GPa"
        rows += [
            (f"{where}: start", format_interval(window.T_start_K, interval.T_start_K, 1, "K")),
            (f"{where}: end", format_interval(window.T_end_K, interval.T_end_K, 1, "K")),
            (f"{where}: lowest LCTE (10⁻⁶/K)",
             format_interval(window.alpha_min_per_K / 3e-6,
                             np.asarray(interval.alpha_min_per_K) / 3e-6, 2)),
            (f"{where}: members with the window", _percent(interval.present_fraction)),
        ]
    return rows


def uncertainty_lines(analysis: Any, uncertainty: Any) -> list[str]:
    """A few lines for the terminal: what the members were and the intervals found."""
    lines = [f"error bars: {uncertainty.members} members ({uncertainty.method}), "
             f"{uncertainty.failed_members} failed; {_ci_text(uncertainty)}"]
    rows = uncertainty_rows(analysis, uncertainty)
    critical = [f"{name} = {text}" for name, text in rows if name in ("T_c", "P_c", "V_c")]
    if critical:
        lines.append("critical point: " + ", ".join(critical))
    for P, window, interval in nte_window_intervals(analysis, uncertainty):
        lines.append(
            f"NTE at {P:g} GPa: {format_interval(window.T_start_K, interval.T_start_K)} to "
            f"{format_interval(window.T_end_K, interval.T_end_K, 1, 'K')} "
            f"(in {_percent(interval.present_fraction)} of the members)")
    return lines


def uncertainty_table(analysis: Any, uncertainty: Any) -> Any:
    """The report's error-bar table (:class:`~zenthermo.report.html.Table`)."""
    from zenthermo.report.html import Table

    rows = tuple(uncertainty_rows(analysis, uncertainty))
    central = "the ensemble mean's" if uncertainty.method == "ensemble" else "the plain"
    note = (f"Central values: {central} analysis ({analysis.method}); intervals: "
            f"{_ci_text(uncertainty)} over {uncertainty.successful_members} members "
            f"(method {uncertainty.method}, seed {uncertainty.seed}).")
    if uncertainty.method == "ensemble":
        note += " " + " ".join(uncertainty.warnings)
    if uncertainty.failed_members:
        note += f" {uncertainty.failed_members} members failed and are left out."
    return Table(f"Error bars ({analysis.method})", ("quantity", "value (+/- to the interval "
                 "ends)"), rows, note=note)


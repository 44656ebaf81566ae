"""Phase diagrams: T-P (coexistence line to the critical point, spinodals) and T-V (domes).

Both take an :class:`~zenthermo.thermo.results.Analysis`; they return None when the analysis
found no first-order transition (nothing to draw). The T-P diagram takes ``uncertainty=``
(an :class:`~zenthermo.uncertainty.UncertaintyResult`): the critical point's error cross,
the coexistence line's band and whiskers over the NTE windows' end intervals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure

from zenthermo.report import style
from zenthermo.report.figures_bands import BAND_ALPHA, band_of, error_cross, interval_note
from zenthermo.thermo.results import Analysis

_COEXISTENCE = {"color": style.PALETTE[0], "linewidth": 2.2}
_SPINODAL = {"color": style.PALETTE[1], "linewidth": 1.5, "linestyle": "--"}
_CRITICAL = {"marker": "*", "markersize": 15, "color": style.PALETTE[6], "linestyle": "none",
             "markerfacecolor": style.PALETTE[4], "zorder": 5}


def has_transition(analysis: Analysis) -> bool:
    """True when the analysis holds a coexistence line, a spinodal or a critical point."""
    diagram = analysis.phase_diagram
    return any(part is not None for part in
               (diagram.critical_point, diagram.spinodal, diagram.coexistence))


def plot_phase_diagram_tp(analysis: Analysis, out_dir: style.OutDir = None,
                          uncertainty: Any = None) -> Figure | None:
    """Temperature-pressure phase diagram: the first-order line ending at the critical point;
    with ``uncertainty``, its error cross, the line's band and the NTE ends' intervals."""
    if not has_transition(analysis):
        return None
    diagram = analysis.phase_diagram
    with style.figure_style():
        figure, ax = style.new_figure(width=6.4, height=4.8)
        if diagram.spinodal is not None and len(diagram.spinodal.T_K):
            sp = diagram.spinodal
            ax.plot(sp.P_low_GPa, sp.T_K, **_SPINODAL, label="spinodal (F_VV = 0)")
            ax.plot(sp.P_high_GPa, sp.T_K, **_SPINODAL)
        if diagram.coexistence is not None and len(diagram.coexistence.T_K):
            co = diagram.coexistence
            ax.plot(co.P_GPa, co.T_K, **_COEXISTENCE, label="first-order transition (coexistence)")
        if uncertainty is not None and uncertainty.coexistence is not None:
            band = uncertainty.coexistence
            ax.fill_betweenx(band.T_K, band.P_GPa[0], band.P_GPa[-1], color=style.PALETTE[0],
                             alpha=BAND_ALPHA, linewidth=0,
                             label=f"coexistence, {interval_note(uncertainty)}")
        cp = diagram.critical_point
        if cp is not None:
            ax.plot([cp.P_GPa], [cp.T_K], **_CRITICAL,
                    label=f"critical point: {cp.T_K:.0f} K, {cp.P_GPa:.2f} GPa")
            cross = None if uncertainty is None else uncertainty.critical_point
            if cross is not None and error_cross(ax, cp.P_GPa, cp.T_K, cross.P_GPa, cross.T_K):
                ax.plot([], [], color="#222222", linewidth=1.4,
                        label=f"critical point, {interval_note(uncertainty)}")
        labelled = False
        for isobar in analysis.isobars:
            ax.axvline(isobar.P_GPa, color="#999999", linewidth=0.7, linestyle=":")
            for window in isobar.nte_windows:
                ax.plot([isobar.P_GPa, isobar.P_GPa], [window.T_start_K, window.T_end_K],
                        color=style.PALETTE[5], linewidth=7, alpha=0.55, solid_capstyle="butt",
                        label=None if labelled else "NTE window on an analysed isobar")
                labelled = True
            _nte_end_bars(ax, isobar.P_GPa, band_of(uncertainty, isobar.P_GPa))
        ax.set_xlabel("Pressure P (GPa)")
        ax.set_ylabel("Temperature T (K)")
        ax.set_ylim(bottom=0.0)
        ax.legend(loc="best")
        ax.set_title(f"T-P phase diagram ({analysis.method})")
        return style.finish(figure, out_dir, "phase_diagram_tp")


def _nte_end_bars(ax, P_GPa: float, bands: Any) -> None:
    """Thin capped bars along an NTE window's bar over its start and end intervals."""
    if bands is None:
        return
    for window in bands.nte_windows:
        for interval in (window.T_start_K, window.T_end_K):
            low, high = float(interval[0]), float(interval[-1])
            if np.isfinite(low) and np.isfinite(high):
                ax.plot([P_GPa, P_GPa], [low, high], color="#222222", linewidth=1.2,
                        marker="_", markersize=10, zorder=4)


def plot_phase_diagram_tv(analysis: Analysis,
                          out_dir: style.OutDir = None) -> Figure | None:
    """Temperature-volume diagram: binodal (coexistence) and spinodal domes."""
    if not has_transition(analysis):
        return None
    diagram = analysis.phase_diagram
    cp = diagram.critical_point
    with style.figure_style():
        figure, ax = style.new_figure(width=6.4, height=4.8)
        if diagram.coexistence is not None and len(diagram.coexistence.T_K):
            co = diagram.coexistence
            V, T = _dome(co.V_low_A3, co.V_high_A3, co.T_K, cp)
            ax.fill_betweenx(co.T_K, co.V_low_A3, co.V_high_A3, color=style.PALETTE[5],
                             alpha=0.15, linewidth=0)
            ax.plot(V, T, **_COEXISTENCE, label="binodal (coexisting volumes)")
        if diagram.spinodal is not None and len(diagram.spinodal.T_K):
            sp = diagram.spinodal
            V, T = _dome(sp.V_low_A3, sp.V_high_A3, sp.T_K, cp)
            ax.plot(V, T, **_SPINODAL, label="spinodal (F_VV = 0)")
        if cp is not None:
            ax.plot([cp.V_A3], [cp.T_K], **_CRITICAL,
                    label=f"critical point: {cp.T_K:.0f} K, {cp.V_A3:.2f} Å³")
        for i, isobar in enumerate(analysis.isobars):
            ax.plot(isobar.V_A3, isobar.T_K, color=style.color(i + 2), linewidth=1.0,
                    linestyle=style.linestyle(i + 1), label=f"V(T) at {isobar.P_GPa:g} GPa")
        ax.set_xlabel(f"Volume V (Å³ {style.per_cell_label(analysis.natoms)})")
        ax.set_ylabel("Temperature T (K)")
        ax.set_ylim(bottom=0.0)
        ax.legend(loc="best", fontsize=8.5)
        ax.set_title(f"T-V phase diagram ({analysis.method})")
        return style.finish(figure, out_dir, "phase_diagram_tv")


def _dome(v_low, v_high, T, critical_point):
    """One closed curve: up the low-volume branch, through the critical point, down the other."""
    order = np.argsort(T)
    T, v_low, v_high = np.asarray(T)[order], np.asarray(v_low)[order], np.asarray(v_high)[order]
    top_v = [critical_point.V_A3] if critical_point is not None else []
    top_t = [critical_point.T_K] if critical_point is not None else []
    V = np.concatenate([v_low, top_v, v_high[::-1]])
    Tc = np.concatenate([T, top_t, T[::-1]])
    return V, Tc

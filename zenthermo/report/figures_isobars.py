"""Figures along isobars: configuration probabilities, V(T), LCTE(T), B_T(T) and C_P(T).

Every function takes an :class:`~zenthermo.thermo.results.Analysis` (and optionally
measured reference curves and an output folder), draws with :mod:`zenthermo.report.style`
and returns the matplotlib Figure (written as PNG and SVG into the folder when one is
given). No physics here. V(T), LCTE(T), B_T(T) and C_P(T) take ``uncertainty=`` (an
:class:`~zenthermo.uncertainty.UncertaintyResult` of the analysis): shaded bands of its
intervals, and whiskers over each NTE window's start and end intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from zenthermo.io.experiment import ReferenceCurve
from zenthermo.report import style
from zenthermo.report.figures_bands import band_of, interval_note, nte_end_whiskers, shade_band
from zenthermo.thermo.results import Analysis, Isobar
from zenthermo.units import EV_IN_J_PER_MOL, KB_EV_PER_K

_REFERENCE_MARKERS = ("o", "s", "^", "D", "v")


def configuration_label(label: str, magnetic_order: str | None = None,
                        multiplicity: float | None = None) -> str:
    """``"config_0 (FM, g = 2)"``: a configuration's legend label with what is known."""
    extra = [x for x in (magnetic_order if magnetic_order not in (None, "unknown") else None,
                         f"g = {multiplicity:g}" if multiplicity is not None
                         and np.isfinite(multiplicity) else None) if x]
    return f"{label} ({', '.join(extra)})" if extra else label


def _pressure_label(P_GPa: float) -> str:
    return f"P = {P_GPa:g} GPa"


def _plot_masked(ax, x, y, extrapolated, **kwargs):
    """Draw y(x) solid inside the data domain and dotted where ``extrapolated``."""
    y = np.asarray(y, dtype=np.float64)
    inside = np.where(extrapolated, np.nan, y)
    ax.plot(x, inside, **kwargs)
    if np.any(extrapolated):
        # include the neighbours so that the dotted part joins the solid one
        mask = np.asarray(extrapolated, bool)
        grown = mask | np.roll(mask, 1) | np.roll(mask, -1)
        kwargs = {k: v for k, v in kwargs.items() if k != "label"}
        kwargs.update(linestyle=":", linewidth=1.2)
        ax.plot(x, np.where(grown, y, np.nan), **kwargs)


def _shade_nte(ax, isobar: Isobar, index: int, uncertainty: Any = None) -> bool:
    """NTE windows as a band in the isobar's colour: one band per pressure, stacked at the
    bottom of the axes (so that windows of several pressures never hide each other); with
    ``uncertainty``, whiskers over the intervals of each window's ends. Returns True when
    a whisker was drawn."""
    low = 0.012 + 0.04 * index
    for window in isobar.nte_windows:
        ax.axvspan(window.T_start_K, window.T_end_K, ymin=low, ymax=low + 0.032,
                   color=style.color(index), alpha=0.55, linewidth=0)
    if not isobar.nte_windows:
        return False
    return nte_end_whiskers(ax, band_of(uncertainty, isobar.P_GPa), low + 0.016)


def _nte_legend_note(analysis: Analysis) -> str:
    has_nte = any(isobar.nte_windows for isobar in analysis.isobars)
    return "shaded: NTE windows (alpha < 0)" if has_nte else ""


def _any_extrapolated(analysis: Analysis) -> bool:
    return any(np.any(isobar.extrapolated) for isobar in analysis.isobars)


def plot_probabilities(analysis: Analysis, out_dir: style.OutDir = None,
                       labels: dict[str, str] | None = None) -> Figure | None:
    """Configuration probabilities p_k(T) at equilibrium, one panel per pressure.

    Returns None when the analysis has no per-configuration probabilities, or only one
    configuration (whose probability is 1 everywhere).
    """
    isobars = [i for i in analysis.isobars if len(i.probabilities) > 1]
    if not isobars:
        return None
    labels = labels or {c.name: configuration_label(c.label or c.name, c.magnetic_order,
                                                    c.multiplicity)
                        for c in analysis.configurations}
    ncols = min(len(isobars), 3)
    nrows = int(np.ceil(len(isobars) / ncols))
    with style.figure_style():
        figure, axes = style.new_figure(ncols, nrows, width=3.6 * ncols + 0.6,
                                        height=3.2 * nrows + 0.5, sharey=True)
        axes = np.atleast_1d(axes).ravel()
        for ax, isobar in zip(axes, isobars, strict=False):
            for k, (name, p) in enumerate(isobar.probabilities.items()):
                ax.plot(isobar.T_K, p, color=style.color(k), linestyle=style.linestyle(k),
                        label=labels.get(name, name))
            ax.set_title(_pressure_label(isobar.P_GPa))
            ax.set_xlabel("Temperature T (K)")
            ax.set_ylim(-0.02, 1.02)
        for ax in axes[len(isobars):]:
            ax.set_visible(False)
        for row in range(nrows):
            axes[row * ncols].set_ylabel("Probability p_k")
        axes[0].legend(loc="best", title="configuration")
        figure.suptitle(f"Configuration probabilities at equilibrium volume ({analysis.method})")
        return style.finish(figure, out_dir, "probabilities")


def _reference_curves(references: Sequence[ReferenceCurve], quantity: str):
    return [r for r in references if r.quantity == quantity]


def plot_volume(analysis: Analysis, out_dir: style.OutDir = None,
                references: Sequence[ReferenceCurve] = (), uncertainty: Any = None) -> Figure:
    """Equilibrium volume V(T) per cell at each pressure, NTE windows shaded.

    Metastable branches (local minima of G) are drawn as small open circles; measured
    volumes (A^3 per atom) are converted to the cell for the overlay. With ``uncertainty``,
    a band of the volume's interval per pressure and whiskers over the NTE ends' intervals.
    """
    with style.figure_style():
        figure, ax = style.new_figure(width=6.6, height=4.6)
        shown = whiskers = False
        for i, isobar in enumerate(analysis.isobars):
            whiskers |= _shade_nte(ax, isobar, i, uncertainty)
            shown |= shade_band(ax, band_of(uncertainty, isobar.P_GPa), "V_A3",
                                style.color(i))
            _plot_masked(ax, isobar.T_K, isobar.V_A3, isobar.extrapolated,
                         color=style.color(i), linestyle=style.linestyle(i),
                         label=_pressure_label(isobar.P_GPa))
            if isobar.metastable is not None and len(isobar.metastable.T_K):
                ax.plot(isobar.metastable.T_K, isobar.metastable.V_A3, linestyle="none",
                        marker="o", markersize=3, markerfacecolor="none",
                        color=style.color(i), label=f"metastable, {isobar.P_GPa:g} GPa")
        for j, ref in enumerate(_reference_curves(references, "volume")):
            ax.plot(ref.T_K, ref.values * analysis.natoms, linestyle="none",
                    marker=_REFERENCE_MARKERS[j % 5], color="#444444", markerfacecolor="white",
                    label=f"measured: {ref.label}")
        ax.set_xlabel("Temperature T (K)")
        ax.set_ylabel(f"Volume V (Å³ {style.per_cell_label(analysis.natoms)})")
        _finish_legend(ax, analysis, uncertainty if shown else None, whiskers)
        ax.set_title(f"Equilibrium volume ({analysis.method})")
        return style.finish(figure, out_dir, "volume")


def _finish_legend(ax, analysis: Analysis, uncertainty: Any = None,
                   whiskers: bool = False) -> None:
    handles, labels = ax.get_legend_handles_labels()
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    if uncertainty is not None:
        handles.append(Patch(color="#777777", alpha=0.22, linewidth=0))
        labels.append(f"shaded: {interval_note(uncertainty)}")
    if any(isobar.nte_windows for isobar in analysis.isobars):
        handles.append(Patch(color="#777777", alpha=0.55, linewidth=0))
        labels.append("NTE window (α < 0), band per pressure")
    if whiskers:
        handles.append(Line2D([], [], color="#222222", linewidth=1.1, marker="|"))
        labels.append("interval of an NTE window's start / end")
    if _any_extrapolated(analysis):
        handles.append(Line2D([], [], color="#555555", linestyle=":", linewidth=1.2))
        labels.append("at domain edge (extrapolated)")
    ax.legend(handles, labels, loc="best")


def plot_lcte(analysis: Analysis, out_dir: style.OutDir = None,
              references: Sequence[ReferenceCurve] = (), uncertainty: Any = None) -> Figure:
    """Linear thermal expansion LCTE(T) = alpha/3 at each pressure, measured data overlaid;
    with ``uncertainty``, bands of its interval and whiskers over the NTE ends' intervals."""
    with style.figure_style():
        figure, ax = style.new_figure(width=6.6, height=4.6)
        shown = whiskers = False
        for i, isobar in enumerate(analysis.isobars):
            whiskers |= _shade_nte(ax, isobar, i, uncertainty)
            shown |= shade_band(ax, band_of(uncertainty, isobar.P_GPa), "lcte_per_K",
                                style.color(i), scale=1e6)
            _plot_masked(ax, isobar.T_K, isobar.lcte_per_K * 1e6, isobar.extrapolated,
                         color=style.color(i), linestyle=style.linestyle(i),
                         label=_pressure_label(isobar.P_GPa))
        for j, ref in enumerate(_reference_curves(references, "lcte")):
            ax.plot(ref.T_K, ref.values * 1e6, linestyle="none", marker=_REFERENCE_MARKERS[j % 5],
                    color="#222222", markerfacecolor="white", markeredgewidth=1.1,
                    label=f"measured: {ref.label}")
        ax.axhline(0.0, color="#333333", linewidth=0.8)
        ax.set_xlabel("Temperature T (K)")
        ax.set_ylabel("Linear thermal expansion α/3 (10⁻⁶ K⁻¹)")
        _clip_to_finite(ax, analysis, references)
        _finish_legend(ax, analysis, uncertainty if shown else None, whiskers)
        ax.set_title(f"Linear thermal expansion ({analysis.method})")
        return style.finish(figure, out_dir, "lcte")


def _clip_to_finite(ax, analysis: Analysis, references: Sequence[ReferenceCurve]) -> None:
    """Keep the y range readable when alpha diverges at a first-order jump."""
    values = [isobar.lcte_per_K[~np.asarray(isobar.extrapolated, bool)] * 1e6
              for isobar in analysis.isobars]
    values += [r.values * 1e6 for r in references if r.quantity == "lcte"]
    flat = np.concatenate([v[np.isfinite(v)] for v in values]) if values else np.array([])
    if flat.size < 4:
        return
    low, high = np.percentile(flat, [1, 99])
    span = max(high - low, 1.0)
    ax.set_ylim(low - 0.15 * span, high + 0.15 * span)


def plot_bulk_modulus_and_heat_capacity(analysis: Analysis, out_dir: style.OutDir = None,
                                        uncertainty: Any = None) -> Figure:
    """Isothermal bulk modulus B_T(T) and heat capacity C_P(T) (J/(mol-atom K)) per pressure;
    with ``uncertainty``, shaded bands of their intervals."""
    per_mole_atoms = EV_IN_J_PER_MOL / analysis.natoms
    dulong_petit = 3.0 * KB_EV_PER_K * EV_IN_J_PER_MOL
    with style.figure_style():
        figure, (ax_b, ax_c) = style.new_figure(2, 1, width=10.4, height=4.3)
        banded = False
        for i, isobar in enumerate(analysis.isobars):
            kwargs = dict(color=style.color(i), linestyle=style.linestyle(i),
                          label=_pressure_label(isobar.P_GPa))
            _plot_masked(ax_b, isobar.T_K, isobar.B_GPa, isobar.extrapolated, **kwargs)
            _plot_masked(ax_c, isobar.T_K, isobar.Cp_eV_per_K * per_mole_atoms,
                         isobar.extrapolated, **kwargs)
            bands = band_of(uncertainty, isobar.P_GPa)
            if shade_band(ax_b, bands, "B_GPa", style.color(i)):
                shade_band(ax_c, bands, "Cp_eV_per_K", style.color(i), scale=per_mole_atoms)
                banded = True
        ax_c.axhline(dulong_petit, color="#555555", linewidth=0.9, linestyle="--",
                     label="3R (Dulong-Petit)")
        ax_b.set_xlabel("Temperature T (K)")
        ax_b.set_ylabel("Isothermal bulk modulus\nB_T (GPa)")
        ax_c.set_xlabel("Temperature T (K)")
        ax_c.set_ylabel("Heat capacity C_P\n(J K⁻¹ mol⁻¹, per mole of atoms)")
        _robust_ylim(ax_b, [i.B_GPa for i in analysis.isobars], floor=0.0)
        _robust_ylim(ax_c, [i.Cp_eV_per_K * per_mole_atoms for i in analysis.isobars] +
                     [np.array([dulong_petit])], floor=0.0)
        handles, labels = ax_b.get_legend_handles_labels()
        if banded:
            from matplotlib.patches import Patch

            handles.append(Patch(color="#777777", alpha=0.22, linewidth=0))
            labels.append(f"shaded: {interval_note(uncertainty)}")
        ax_b.legend(handles, labels, loc="best")
        ax_c.legend(loc="best")
        ax_b.set_title("Bulk modulus")
        ax_c.set_title("Heat capacity at constant pressure")
        return style.finish(figure, out_dir, "bulk_modulus_heat_capacity")


def _robust_ylim(ax, arrays, floor: float | None = None) -> None:
    flat = np.concatenate([np.asarray(a, float).ravel() for a in arrays])
    flat = flat[np.isfinite(flat)]
    if flat.size < 4:
        return
    low, high = np.percentile(flat, [0.5, 99.5])
    span = max(high - low, 1e-9)
    low, high = low - 0.08 * span, high + 0.08 * span
    if floor is not None:
        low = max(low, floor)
    ax.set_ylim(low, high)

"""Figures of the landscape itself: E(V) data with EOS fits, F(V) isotherms, an F(V,T) map.

These evaluate a fitted curve or a landscape on a grid for display, nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from zenthermo.landscape.base import Landscape
from zenthermo.report import style
from zenthermo.thermo.results import Analysis, Isobar
from zenthermo.units import EV_PER_A3_IN_GPA


def plot_eos_fits(free_energies: Sequence[Any], natoms: int,
                  out_dir: style.OutDir = None) -> Figure:
    """DFT points and the fitted equation of state E(V) of each configuration.

    Parameters
    ----------
    free_energies
        Per-source objects with ``name``, ``label`` and ``eos_fit`` (an
        :class:`~zenthermo.physics.eos.EosFit`: ``volumes``, ``energies``, ``kind``,
        ``energy_derivatives``), e.g. the output of ``build_source_free_energies``.
    natoms
        Atoms per cell, for the per-atom energy axis.

    Notes
    -----
    Energies are shown in meV per atom relative to the lowest fitted E0 (or lowest point).
    """
    from zenthermo.report.figures_isobars import configuration_label

    fits = [(configuration_label(getattr(f, "label", "") or f.name,
                                 getattr(f, "magnetic_order", None),
                                 getattr(f, "multiplicity", None)), f.eos_fit)
            for f in free_energies]
    e0_values = [fit.e0_eV for _, fit in fits if np.isfinite(fit.e0_eV)]
    reference = min(e0_values) if e0_values else min(float(np.min(fit.energies)) for _, fit in fits)
    scale = 1e3 / natoms
    with style.figure_style():
        figure, ax = style.new_figure(width=6.6, height=4.8)
        for k, (label, fit) in enumerate(fits):
            v_lo, v_hi = float(np.min(fit.volumes)), float(np.max(fit.volumes))
            pad = 0.03 * (v_hi - v_lo)
            grid = np.linspace(v_lo - pad, v_hi + pad, 300)
            energy = fit.energy_derivatives(grid)[0]
            ax.plot(grid, (energy - reference) * scale, color=style.color(k),
                    linestyle=style.linestyle(k), label=f"{label}, {fit.kind.upper()}")
            ax.plot(fit.volumes, (np.asarray(fit.energies) - reference) * scale, linestyle="none",
                    marker=style.marker(k), color=style.color(k), markerfacecolor="white",
                    markeredgewidth=1.3)
            if np.isfinite(fit.v0_A3):
                ax.plot([fit.v0_A3], [(fit.e0_eV - reference) * scale], marker="|",
                        markersize=14, color=style.color(k), linestyle="none")
        ax.set_xlabel(f"Volume V (Å³ {style.per_cell_label(natoms)})")
        ax.set_ylabel("E − E₀,min (meV/atom)")
        ax.legend(loc="best", title="symbols: DFT points")
        ax.set_title("Static energy and equation-of-state fits")
        return style.finish(figure, out_dir, "eos_fits")


def _isotherm_temperatures(isobar: Isobar, count: int) -> np.ndarray:
    """Indices of ``count`` temperatures spread over the isobar's grid."""
    n = len(isobar.T_K)
    return np.unique(np.linspace(0, n - 1, min(count, n)).round().astype(int))


def plot_isotherms(landscape: Landscape, isobar: Isobar, out_dir: style.OutDir = None,
                   count: int = 6) -> Figure:
    """Isotherms of G(V) = F(V,T) + PV at the isobar's pressure, each relative to its minimum.

    The equilibrium volume of each isotherm (from the isobar) is marked; at P = 0 the
    curves are F(V) itself.
    """
    v_lo, v_hi = landscape.volume_domain
    grid = np.linspace(v_lo, v_hi, 400)
    P = isobar.P_GPa / EV_PER_A3_IN_GPA
    per_atom = 1e3 / landscape.natoms
    with style.figure_style():
        figure, ax = style.new_figure(width=6.6, height=4.8)
        for n, i in enumerate(_isotherm_temperatures(isobar, count)):
            T = float(isobar.T_K[i])
            G = landscape.derivatives(grid, T).F + P * grid
            G_eq = float(landscape.derivatives(isobar.V_A3[i], T).F) + P * float(isobar.V_A3[i])
            ax.plot(grid, (G - G_eq) * per_atom, color=style.color(n),
                    linestyle=style.linestyle(n), label=f"{T:.0f} K")
            ax.plot([isobar.V_A3[i]], [0.0], marker="o", color=style.color(n), linestyle="none",
                    markeredgecolor="black", markeredgewidth=0.6)
        symbol = "F" if isobar.P_GPa == 0 else "G = F + PV"
        ax.set_xlabel(f"Volume V (Å³ {style.per_cell_label(landscape.natoms)})")
        ax.set_ylabel(f"{symbol} − {symbol.split(' ')[0]}(V_eq) (meV/atom)")
        top = np.nanmax([ax.get_ylim()[1], 1.0])
        ax.set_ylim(-0.05 * min(top, 20.0), min(top, 20.0))
        ax.legend(loc="upper center", ncols=3, title="isotherms; dots: equilibrium volume")
        ax.set_title(f"Isotherms at P = {isobar.P_GPa:g} GPa ({landscape.method})")
        return style.finish(figure, out_dir, "isotherms")


def plot_landscape_map(landscape: Landscape, analysis: Analysis,
                       out_dir: style.OutDir = None, resolution: int = 160) -> Figure:
    """Map of F(V,T) − min_V F(V,T) with the equilibrium V(T) of each isobar and the spinodal.

    Colours show how far each volume lies above the isotherm's minimum at P = 0, in meV per
    atom (clipped for contrast).
    """
    v_lo, v_hi = landscape.volume_domain
    analysed_T = np.concatenate([isobar.T_K for isobar in analysis.isobars])
    t_lo, t_hi = float(analysed_T.min()), float(analysed_T.max())
    volumes = np.linspace(v_lo, v_hi, resolution)
    temperatures = np.linspace(t_lo, t_hi, resolution)
    F = landscape.derivatives(volumes[None, :], temperatures[:, None]).F
    relative = (F - F.min(axis=1, keepdims=True)) * 1e3 / landscape.natoms
    ceiling = float(np.percentile(relative, 60)) or 1.0
    with style.figure_style():
        figure, ax = style.new_figure(width=6.8, height=4.9)
        mesh = ax.pcolormesh(volumes, temperatures, np.minimum(relative, ceiling),
                             cmap=style.SEQUENTIAL_CMAP, shading="auto", rasterized=True)
        levels = np.linspace(0, ceiling, 9)[1:]
        ax.contour(volumes, temperatures, relative, levels=levels, colors="white",
                   linewidths=0.5, alpha=0.7)
        colorbar = figure.colorbar(mesh, ax=ax)
        colorbar.set_label("F − min_V F (meV/atom)")
        for i, isobar in enumerate(analysis.isobars):
            ax.plot(isobar.V_A3, isobar.T_K, color=style.PALETTE[(i + 4) % 7] if i else "white",
                    linestyle=style.linestyle(i), linewidth=1.8,
                    label=f"V_eq at {isobar.P_GPa:g} GPa")
        spinodal = analysis.phase_diagram.spinodal
        if spinodal is not None and len(spinodal.T_K):
            ax.plot(np.concatenate([spinodal.V_low_A3, spinodal.V_high_A3[::-1]]),
                    np.concatenate([spinodal.T_K, spinodal.T_K[::-1]]), color=style.PALETTE[1],
                    linestyle="--", linewidth=1.4, label="spinodal (F_VV = 0)")
        ax.set_xlim(v_lo, v_hi)
        ax.set_ylim(t_lo, t_hi)
        ax.grid(False)
        ax.set_xlabel(f"Volume V (Å³ {style.per_cell_label(landscape.natoms)})")
        ax.set_ylabel("Temperature T (K)")
        legend = ax.legend(loc="upper left", fontsize=8.5)
        legend.get_frame().set_alpha(0.85)
        ax.set_title(f"Free-energy landscape F(V,T) ({landscape.method})")
        return style.finish(figure, out_dir, "landscape_map")

"""ZENN against exact zentropy: parity and residuals of F, P and B_T on a common grid,
and the isobar properties of several methods side by side.

For a deep ensemble (:class:`~zenthermo.landscape.ensemble.EnsembleLandscape`) the points are
the ensemble mean, grey bars in the residual panels its band (mean -/+ 2 sample standard
deviations of the members), and each panel says at what share of the points the exact
value lies inside the band (:func:`ensemble_coverage`).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure

from zenthermo.landscape.base import Landscape
from zenthermo.report import style
from zenthermo.report.agreement import common_grid, landscape_quantities
from zenthermo.thermo.results import Analysis

_LABELS = {
    "F": "F (meV/atom)",
    "P": "P = −F_V (GPa)",
    "B": "B_T = V F_VV (GPa)",
}


#: Half-width of an ensemble's band in sample standard deviations of its members.
BAND_SDS = 2.0


def ensemble_coverage(ensemble, exact: Landscape, V, T) -> dict[str, tuple]:
    """Per quantity (F, P, B): (low, high) band of the ensemble at (V, T) and the share of
    the points where the exact value lies inside it (mean -/+ 2 s.d. of the members)."""
    want = landscape_quantities(exact, V, T)
    each = [landscape_quantities(member, V, T) for member in ensemble.members]
    found = {}
    for key in ("F", "P", "B"):
        low, high = ensemble.band([q[key] for q in each], BAND_SDS)
        inside = float(np.mean((low <= want[key]) & (want[key] <= high)))
        found[key] = (low, high, inside)
    return found


def plot_zenn_vs_exact(zenn: Landscape, exact: Landscape, out_dir: style.OutDir = None,
                       nv: int = 41, nt: int = 31) -> Figure:
    """Parity (top) and residual against volume (bottom) of F, P and B_T; colour is T.

    For an ensemble, its band in the residual panels and whether the exact value is inside.
    """
    V, T = common_grid(zenn, exact, nv, nt)
    got, want = landscape_quantities(zenn, V, T), landscape_quantities(exact, V, T)
    members = getattr(zenn, "members", None)  # an EnsembleLandscape's seeds
    bands = ensemble_coverage(zenn, exact, V, T) if members is not None else None
    with style.figure_style():
        figure, axes = style.new_figure(3, 2, width=12.0, height=7.4)
        scatter = None
        for column, key in enumerate(("F", "P", "B")):
            top, bottom = axes[0, column], axes[1, column]
            x, y = want[key].ravel(), got[key].ravel()
            scatter = top.scatter(x, y, c=T.ravel(), s=6, cmap=style.SEQUENTIAL_CMAP,
                                  rasterized=True)
            low, high = float(min(x.min(), y.min())), float(max(x.max(), y.max()))
            top.plot([low, high], [low, high], color="#333333", linewidth=0.9)
            top.set_xlabel(f"exact {_LABELS[key]}")
            top.set_ylabel(f"{zenn.method.upper()} {_LABELS[key]}")
            residual = (got[key] - want[key]).ravel()
            if bands is not None:
                low, high, _ = bands[key]
                bottom.vlines(V.ravel(), (low - want[key]).ravel(), (high - want[key]).ravel(),
                              color="#999999", alpha=0.35, linewidth=1.0, rasterized=True)
            bottom.scatter(V.ravel(), residual, c=T.ravel(), s=6, cmap=style.SEQUENTIAL_CMAP,
                           rasterized=True, zorder=3)
            bottom.axhline(0.0, color="#333333", linewidth=0.9)
            bottom.set_xlabel(f"Volume V (Å³ {style.per_cell_label(exact.natoms)})")
            bottom.set_ylabel(f"Δ{_LABELS[key].split(' ', 1)[0]} {_LABELS[key].rsplit(' ', 1)[1]}")
            rms = float(np.sqrt(np.mean(residual**2)))
            title = f"RMS {rms:.3g}"
            if bands is not None:
                title += f"\nexact inside the band at {100 * bands[key][2]:.0f} % of points"
            bottom.set_title(title, fontsize=10)
        assert scatter is not None  # the loop above drew three panels
        colorbar = figure.colorbar(scatter, ax=axes, shrink=0.8)
        colorbar.set_label("Temperature T (K)")
        what = zenn.method.upper()
        if members is not None:
            what += (f" ensemble (mean of {len(members)} seeds; grey: mean ± "
                     f"{BAND_SDS:g} s.d.)")
        figure.suptitle(f"{what} against exact zentropy on a {nv}×{nt} (V, T) grid")
        return style.finish(figure, out_dir, "zenn_vs_exact")


def methods_pressure(analyses: Mapping[str, Analysis]) -> float | None:
    """The pressure at which :func:`plot_methods` compares the methods: the common pressure
    closest to 0 GPa (None for fewer than two methods or no common pressure)."""
    if len(analyses) < 2:
        return None
    pressures = [{round(i.P_GPa, 9) for i in a.isobars} for a in analyses.values()]
    common = sorted(set.intersection(*pressures))
    return min(common, key=abs) if common else None


def plot_methods(analyses: Mapping[str, Analysis],
                 out_dir: style.OutDir = None) -> Figure | None:
    """V(T) and LCTE(T) of every method at :func:`methods_pressure` (None if one method)."""
    P = methods_pressure(analyses)
    if P is None:
        return None
    with style.figure_style():
        figure, (ax_v, ax_a) = style.new_figure(2, 1, width=10.4, height=4.2)
        for k, (method, analysis) in enumerate(analyses.items()):
            isobar = analysis.isobar(P)
            kwargs = dict(color=style.color(k), linestyle=style.linestyle(k), label=method)
            ax_v.plot(isobar.T_K, isobar.V_A3, **kwargs)
            ax_a.plot(isobar.T_K, isobar.lcte_per_K * 1e6, **kwargs)
            natoms = analysis.natoms
        ax_a.axhline(0.0, color="#333333", linewidth=0.8)
        for ax in (ax_v, ax_a):
            ax.set_xlabel("Temperature T (K)")
            ax.legend(loc="best", title="method")
        ax_v.set_ylabel(f"Volume V (Å³ {style.per_cell_label(natoms)})")
        ax_a.set_ylabel("LCTE α/3 (10⁻⁶ K⁻¹)")
        figure.suptitle(f"Methods compared at P = {P:g} GPa")
        return style.finish(figure, out_dir, "methods")

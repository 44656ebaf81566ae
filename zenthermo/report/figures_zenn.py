"""ZENN against exact zentropy: parity and residuals of F, P and B_T on a common grid,
and the isobar properties of several methods side by side.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from zenthermo.landscape.base import Landscape
from zenthermo.report import style
from zenthermo.thermo.results import Analysis
from zenthermo.units import EV_PER_A3_IN_GPA


@dataclass(frozen=True)
class LandscapeAgreement:
    """How closely one landscape follows a reference on a common (V, T) grid.

    RMS and maximum absolute differences: F in meV/atom, P and B_T in GPa.
    """

    method: str
    reference: str
    points: int
    rms_F_meV_per_atom: float
    max_F_meV_per_atom: float
    rms_P_GPa: float
    max_P_GPa: float
    rms_B_GPa: float
    max_B_GPa: float


def _common_grid(a: Landscape, b: Landscape, nv: int, nt: int):
    v_lo = max(a.volume_domain[0], b.volume_domain[0])
    v_hi = min(a.volume_domain[1], b.volume_domain[1])
    t_lo = max(a.temperature_domain[0], b.temperature_domain[0])
    t_hi = min(a.temperature_domain[1], b.temperature_domain[1])
    return np.meshgrid(np.linspace(v_lo, v_hi, nv), np.linspace(t_lo, t_hi, nt))


def _quantities(landscape: Landscape, V, T):
    d = landscape.derivatives(V, T)
    return {
        "F": d.F * 1e3 / landscape.natoms,
        "P": -d.F_V * EV_PER_A3_IN_GPA,
        "B": V * d.F_VV * EV_PER_A3_IN_GPA,
    }


def landscape_agreement(landscape: Landscape, reference: Landscape, nv: int = 41,
                        nt: int = 31) -> LandscapeAgreement:
    """Compare ``landscape`` with ``reference`` on an nv x nt grid over their common domain."""
    V, T = _common_grid(landscape, reference, nv, nt)
    got, want = _quantities(landscape, V, T), _quantities(reference, V, T)
    diff = {k: got[k] - want[k] for k in got}
    rms = {k: float(np.sqrt(np.mean(v**2))) for k, v in diff.items()}
    peak = {k: float(np.max(np.abs(v))) for k, v in diff.items()}
    return LandscapeAgreement(
        method=landscape.method, reference=reference.method, points=int(V.size),
        rms_F_meV_per_atom=rms["F"], max_F_meV_per_atom=peak["F"], rms_P_GPa=rms["P"],
        max_P_GPa=peak["P"], rms_B_GPa=rms["B"], max_B_GPa=peak["B"])


_LABELS = {
    "F": "F (meV/atom)",
    "P": "P = −F_V (GPa)",
    "B": "B_T = V F_VV (GPa)",
}


def plot_zenn_vs_exact(zenn: Landscape, exact: Landscape, out_dir: str | os.PathLike[str],
                       nv: int = 41, nt: int = 31) -> style.FigureFiles:
    """Parity (top) and residual against volume (bottom) of F, P and B_T; colour is T."""
    V, T = _common_grid(zenn, exact, nv, nt)
    got, want = _quantities(zenn, V, T), _quantities(exact, V, T)
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
            bottom.scatter(V.ravel(), residual, c=T.ravel(), s=6, cmap=style.SEQUENTIAL_CMAP,
                           rasterized=True)
            bottom.axhline(0.0, color="#333333", linewidth=0.9)
            bottom.set_xlabel(f"Volume V (Å³ {style.per_cell_label(exact.natoms)})")
            bottom.set_ylabel(f"Δ{_LABELS[key].split(' ', 1)[0]} {_LABELS[key].rsplit(' ', 1)[1]}")
            rms = float(np.sqrt(np.mean(residual**2)))
            bottom.set_title(f"RMS {rms:.3g}", fontsize=10)
        colorbar = figure.colorbar(scatter, ax=axes, shrink=0.8)
        colorbar.set_label("Temperature T (K)")
        figure.suptitle(f"{zenn.method.upper()} against exact zentropy on a {nv}×{nt} (V, T) grid")
        return style.save_figure(
            figure, out_dir, "zenn_vs_exact", f"{zenn.method.upper()} against exact zentropy",
            "Top: parity of F, pressure and bulk modulus (line: equality); bottom: residuals "
            "(network minus exact) against volume. Colour: temperature.")


def plot_methods(analyses: Mapping[str, Analysis],
                 out_dir: str | os.PathLike[str]) -> style.FigureFiles | None:
    """V(T) and LCTE(T) of every method at the first common pressure (None if one method)."""
    if len(analyses) < 2:
        return None
    pressures = [{round(i.P_GPa, 9) for i in a.isobars} for a in analyses.values()]
    common = sorted(set.intersection(*pressures))
    if not common:
        return None
    P = min(common, key=abs)
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
        return style.save_figure(
            figure, out_dir, "methods", "Methods compared",
            f"Equilibrium volume and linear thermal expansion at {P:g} GPa from each method.")

"""Figures of where the free energy and its derivatives come from: each source's F_vib and
F_el against V and T, and the split of C_P and alpha along an isobar
(:mod:`zenthermo.thermo.decomposition`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from zenthermo.report import style
from zenthermo.thermo.decomposition import PARTS, Decomposition
from zenthermo.units import EV_IN_J_PER_MOL

__all__ = ["plot_decomposition", "plot_free_energy_parts"]

_SHOWN_TEMPERATURES = (300.0, 1000.0)


def plot_free_energy_parts(free_energies: Sequence[Any], natoms: int,
                           out_dir: style.OutDir = None) -> Figure | None:
    """F_vib(V) and F_el(V) of each source at 300 and 1000 K (meV per atom), over its volumes.

    Solid: 300 K, dashed: 1000 K (each clipped to the source's temperature domain); None when
    no source has a vibrational or electronic model.
    """
    sources = [f for f in free_energies
               if f.vibrational_model is not None or f.electronic_model is not None]
    if not sources:
        return None
    with style.figure_style():
        figure, (ax_vib, ax_el) = style.new_figure(2, 1, width=10.4, height=4.3)
        for k, fe in enumerate(sources):
            lo, hi = fe.volume_domain
            volumes = np.linspace(float(lo), float(hi), 120)
            for j, T in enumerate(_SHOWN_TEMPERATURES):
                T = min(T, fe.temperature_domain[1])
                vibrations = {"phonopy": "phonons", "debye": "Debye"}.get(fe.vibrations,
                                                                         fe.vibrations)
                for ax, model, name in ((ax_vib, fe.vibrational_model, vibrations),
                                        (ax_el, fe.electronic_model, "electronic")):
                    if model is None:
                        continue
                    F = model.derivatives(volumes, np.full_like(volumes, T)).F
                    ax.plot(volumes, F * 1e3 / natoms, color=style.color(k),
                            linestyle="-" if j == 0 else "--",
                            label=f"{fe.label or fe.name} ({name}), {T:g} K")
        ax_vib.set_title("Vibrational free energy F_vib")
        ax_el.set_title("Thermal electronic free energy F_el")
        for ax in (ax_vib, ax_el):
            ax.set_xlabel(f"Volume V (Å³, {style.per_cell_label(natoms)})")
            ax.set_ylabel("meV per atom")
            if ax.lines:
                ax.legend(loc="best", fontsize="small")
            else:
                ax.text(0.5, 0.5, "no source has this part", ha="center",
                        transform=ax.transAxes)
        return style.finish(figure, out_dir, "free_energy_parts")


def plot_decomposition(decomposition: Decomposition, natoms: int,
                       out_dir: style.OutDir = None) -> Figure:
    """C_P (J/(mol-atom K)) and alpha (1e-6/K) along one isobar, stacked by part."""
    d = decomposition
    per_mole_atoms = EV_IN_J_PER_MOL / natoms
    with style.figure_style():
        figure, (ax_c, ax_a) = style.new_figure(2, 1, width=10.4, height=4.3)
        for k, part in enumerate(PARTS):
            kwargs = dict(color=style.color(k), linestyle=style.linestyle(k), label=part)
            ax_c.plot(d.T_K, d.Cp_eV_per_K[part] * per_mole_atoms, **kwargs)
            ax_a.plot(d.T_K, d.alpha_per_K[part] * 1e6, **kwargs)
        ax_c.plot(d.T_K, d.total_Cp() * per_mole_atoms, color="black", label="total")
        ax_a.plot(d.T_K, d.total_alpha() * 1e6, color="black", label="total")
        ax_a.axhline(0.0, color="#888888", linewidth=0.8)
        ax_c.set_ylabel("C_P (J K⁻¹ mol⁻¹, per mole of atoms)")
        ax_a.set_ylabel("Volumetric expansion α (10⁻⁶ K⁻¹)")
        for ax in (ax_c, ax_a):
            ax.set_xlabel("Temperature T (K)")
            ax.legend(loc="best")
        ax_c.set_title(f"Heat capacity by part, {d.P_GPa:g} GPa")
        ax_a.set_title(f"Thermal expansion by part, {d.P_GPa:g} GPa")
        return style.finish(figure, out_dir, "decomposition")

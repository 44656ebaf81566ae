"""All figures of a zenthermo report, drawn in one call, with their titles and captions.

The plot functions live in topic modules (:mod:`~zenthermo.report.figures_eos`,
:mod:`~zenthermo.report.figures_isobars`, :mod:`~zenthermo.report.figures_phase`,
:mod:`~zenthermo.report.figures_zenn`) and are re-exported here. Each returns a matplotlib
:class:`~matplotlib.figure.Figure` (or None when there is nothing to draw) and writes
``out_dir/<name>.png`` and ``.svg`` only when given an ``out_dir``::

    from zenthermo.report import figures
    fig = figures.plot_lcte(analysis)                  # shown by a notebook as it is
    figures.plot_lcte(analysis, "figures/")            # also written as lcte.png, lcte.svg
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from zenthermo.io.experiment import ReferenceCurve
from zenthermo.landscape.base import Landscape
from zenthermo.progress import SILENT, Progress
from zenthermo.report.agreement import landscape_agreement
from zenthermo.report.figures_eos import plot_eos_fits, plot_isotherms, plot_landscape_map
from zenthermo.report.figures_isobars import (
    plot_bulk_modulus_and_heat_capacity,
    plot_lcte,
    plot_probabilities,
    plot_volume,
)
from zenthermo.report.figures_phase import (
    has_transition,
    plot_phase_diagram_tp,
    plot_phase_diagram_tv,
)
from zenthermo.report.figures_zenn import methods_pressure, plot_methods, plot_zenn_vs_exact
from zenthermo.report.html import FigureFiles
from zenthermo.report.style import write_figure
from zenthermo.thermo.results import Analysis

__all__ = [
    "CAPTIONS",
    "draw_report_figures",
    "has_transition",
    "landscape_agreement",
    "plot_bulk_modulus_and_heat_capacity",
    "plot_eos_fits",
    "plot_isotherms",
    "plot_landscape_map",
    "plot_lcte",
    "plot_methods",
    "plot_phase_diagram_tp",
    "plot_phase_diagram_tv",
    "plot_probabilities",
    "plot_volume",
    "plot_zenn_vs_exact",
]

#: Figure name -> (title, caption) in the report; ``{method}`` and ``{P:g}`` are filled in.
CAPTIONS: dict[str, tuple[str, str]] = {
    "eos_fits": (
        "E(V): DFT points and EOS fits",
        "Static DFT energies (symbols) and the fitted equation of state of each "
        "configuration (lines); ticks mark each fit's V0. Energies per atom, relative to "
        "the lowest E0."),
    "phase_diagram_tp": (
        "T-P phase diagram",
        "First-order transition line (equal P and G at two volumes) ending at the critical "
        "point (F_VV = F_VVV = 0); dashed: spinodals, the limits of metastability. "
        "Dotted verticals: the isobars analysed; bars on them: their NTE windows."),
    "lcte": (
        "Linear thermal expansion LCTE(T)",
        "LCTE = α/3 with α = -F_VT/(V F_VV) at equilibrium. Bands at the bottom: NTE "
        "windows (α < 0), one per pressure in its colour; open symbols: measured data "
        "where given."),
    "volume": (
        "Equilibrium volume V(T)",
        "Volume at the global minimum of G = F + PV. Bands at the bottom: NTE windows, one "
        "per pressure in its colour; dotted: the minimum sits at the edge of the data "
        "(extrapolated)."),
    "probabilities": (
        "Configuration probabilities",
        "Equilibrium probability p_k of each configuration (multiplicity included) against "
        "temperature, one panel per pressure."),
    "bulk_modulus_heat_capacity": (
        "Bulk modulus and heat capacity",
        "B_T = V F_VV and C_P = T(-F_TT + F_VT²/F_VV) at equilibrium; C_P per mole of atoms. "
        "Near a first-order transition B_T dips and C_P peaks."),
    "phase_diagram_tv": (
        "T-V phase diagram",
        "Binodal dome (the two coexisting volumes; shaded: two-phase region) and spinodal "
        "dome (F_VV < 0 inside) meeting at the critical point; thin lines: equilibrium "
        "V(T) on the isobars analysed."),
    "isotherms": (
        "Free-energy isotherms",
        "Each isotherm is drawn relative to its value at the equilibrium volume (dot), so "
        "the shape of the well shows: a flat or double well means large thermal volume "
        "fluctuations, the mark of a nearby first-order transition."),
    "landscape_map": (
        "F(V,T) landscape",
        "Helmholtz energy relative to its minimum on each isotherm; lines: equilibrium "
        "volume on each isobar and the spinodal."),
    "zenn_vs_exact": (
        "{method} against exact zentropy",
        "Top: parity of F, pressure and bulk modulus (line: equality); bottom: residuals "
        "(network minus exact) against volume. Colour: temperature. For an ensemble of "
        "networks: the points are its mean, grey bars its band (mean ± 2 s.d. of the "
        "members), and each panel gives the share of points where the exact value is "
        "inside the band."),
    "methods": (
        "Methods compared",
        "Equilibrium volume and linear thermal expansion at {P:g} GPa from each method."),
}


def draw_report_figures(
    out_dir: str | os.PathLike[str],
    analyses: Mapping[str, Analysis],
    landscapes: Mapping[str, Landscape],
    free_energies: Sequence[Any] = (),
    references: Sequence[ReferenceCurve] = (),
    progress: Progress | None = None,
    uncertainty: Any = None,
) -> list[FigureFiles]:
    """Draw every figure that the data allow into ``out_dir``; returns them in report order.

    Parameters
    ----------
    out_dir : path-like
        Folder for ``<name>.png`` and ``<name>.svg``.
    analyses, landscapes
        Method name -> Analysis / Landscape; the first analysis is the primary one (drawn in
        full), the others appear in the method comparison. ``"exact"`` and ``"zenn"`` in
        ``landscapes`` give the parity figure.
    free_energies
        Per-source free energies with ``eos_fit`` (for the E(V) figure); may be empty.
    references
        Measured curves to overlay on V(T) and LCTE(T).
    uncertainty : UncertaintyResult, optional
        Error bars of the ``exact`` analysis: bands on V(T), LCTE(T), B_T(T), C_P(T), the
        critical point's cross and NTE-end intervals (drawn when exact is the primary one).

    Returns
    -------
    list of FigureFiles
        Name, title and caption (:data:`CAPTIONS`) and the files of each figure drawn.
    """
    progress = SILENT if progress is None else progress
    method, primary = next(iter(analyses.items()))
    landscape = landscapes[method]
    zero = min(primary.isobars, key=lambda isobar: abs(isobar.P_GPa))
    bars = uncertainty if method == "exact" else None
    jobs: list[tuple[str, Callable[[], Any], dict[str, Any]]] = []
    if free_energies:
        jobs.append(("eos_fits", lambda: plot_eos_fits(free_energies, primary.natoms), {}))
    jobs += [
        ("phase_diagram_tp", lambda: plot_phase_diagram_tp(primary, uncertainty=bars), {}),
        ("lcte", lambda: plot_lcte(primary, references=references, uncertainty=bars), {}),
        ("volume", lambda: plot_volume(primary, references=references, uncertainty=bars), {}),
        ("probabilities", lambda: plot_probabilities(primary), {}),
        ("bulk_modulus_heat_capacity",
         lambda: plot_bulk_modulus_and_heat_capacity(primary, uncertainty=bars), {}),
        ("phase_diagram_tv", lambda: plot_phase_diagram_tv(primary), {}),
        ("isotherms", lambda: plot_isotherms(landscape, zero), {}),
        ("landscape_map", lambda: plot_landscape_map(landscape, primary), {}),
    ]
    if "exact" in landscapes and "zenn" in landscapes:
        zenn, exact = landscapes["zenn"], landscapes["exact"]
        jobs.append(("zenn_vs_exact", lambda: plot_zenn_vs_exact(zenn, exact),
                     {"method": zenn.method.upper()}))
    jobs.append(("methods", lambda: plot_methods(analyses), {"P": methods_pressure(analyses)}))
    drawn = []
    with progress.stage("figures", total=len(jobs)) as advance:
        for name, draw, fields in jobs:
            figure = draw()
            if figure is not None:
                png, svg = write_figure(figure, out_dir, name)
                title, caption = (text.format(**fields) for text in CAPTIONS[name])
                drawn.append(FigureFiles(name, title, caption, png, svg))
            advance()
    return drawn

"""All figures of a zenthermo report, drawn in one call.

The plot functions live in topic modules (:mod:`~zenthermo.report.figures_eos`,
:mod:`~zenthermo.report.figures_isobars`, :mod:`~zenthermo.report.figures_phase`,
:mod:`~zenthermo.report.figures_zenn`) and are re-exported here.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any

from zenthermo.io.experiment import ReferenceCurve
from zenthermo.landscape.base import Landscape
from zenthermo.progress import SILENT, Progress
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
from zenthermo.report.figures_zenn import landscape_agreement, plot_methods, plot_zenn_vs_exact
from zenthermo.report.style import FigureFiles
from zenthermo.thermo.results import Analysis

__all__ = [
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


def draw_report_figures(
    out_dir: str | os.PathLike[str],
    analyses: Mapping[str, Analysis],
    landscapes: Mapping[str, Landscape],
    free_energies: Sequence[Any] = (),
    references: Sequence[ReferenceCurve] = (),
    progress: Progress | None = None,
) -> list[FigureFiles]:
    """Draw every figure that the data allow into ``out_dir``; returns them in report order.

    Parameters
    ----------
    analyses, landscapes
        Method name -> Analysis / Landscape; the first analysis is the primary one (drawn in
        full), the others appear in the method comparison. ``"exact"`` and ``"zenn"`` in
        ``landscapes`` give the parity figure.
    free_energies
        Per-source free energies with ``eos_fit`` (for the E(V) figure); may be empty.
    references
        Measured curves to overlay on V(T) and LCTE(T).
    """
    progress = SILENT if progress is None else progress
    method, primary = next(iter(analyses.items()))
    landscape = landscapes[method]
    zero = min(primary.isobars, key=lambda isobar: abs(isobar.P_GPa))
    jobs = []
    if free_energies:
        jobs.append(lambda: plot_eos_fits(free_energies, primary.natoms, out_dir))
    jobs += [
        lambda: plot_phase_diagram_tp(primary, out_dir),
        lambda: plot_lcte(primary, out_dir, references),
        lambda: plot_volume(primary, out_dir, references),
        lambda: plot_probabilities(primary, out_dir),
        lambda: plot_bulk_modulus_and_heat_capacity(primary, out_dir),
        lambda: plot_phase_diagram_tv(primary, out_dir),
        lambda: plot_isotherms(landscape, zero, out_dir),
        lambda: plot_landscape_map(landscape, primary, out_dir),
    ]
    if "exact" in landscapes and "zenn" in landscapes:
        jobs.append(lambda: plot_zenn_vs_exact(landscapes["zenn"], landscapes["exact"], out_dir))
    jobs.append(lambda: plot_methods(analyses, out_dir))
    figures = []
    with progress.stage("figures", total=len(jobs)) as advance:
        for job in jobs:
            files = job()
            if files is not None:
                figures.append(files)
            advance()
    return figures

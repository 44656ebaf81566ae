"""The overlay figure of a CALPHAD comparison (matplotlib; no physics).

The figure is a :class:`matplotlib.figure.Figure` made without pyplot, so drawing it never
changes the caller's matplotlib backend.
"""

from __future__ import annotations

import os
from pathlib import Path

from matplotlib.figure import Figure

from zenthermo.calphad.compare import CalphadComparison
from zenthermo.io.atomic import atomic_path


def plot_comparison(comparison: CalphadComparison,
                    path_stem: str | os.PathLike[str] | None = None) -> Figure:
    """Draw C_P, S, H - H298 and G - G298 of zenthermo and CALPHAD, with the differences.

    Returns the figure; with ``path_stem`` it is also written as ``<path_stem>.png`` and
    ``<path_stem>.svg`` (atomically; :func:`write_comparison_figure`).
    """
    fig = Figure(figsize=(15, 6.2))
    axes = fig.subplots(2, 4, sharex=True, gridspec_kw={"height_ratios": [3, 1.2]})
    T = comparison.T_K
    for column, item in enumerate(comparison.quantities):
        top, bottom = axes[0, column], axes[1, column]
        top.plot(T, item.zenthermo, color="C0", lw=1.8, label="zenthermo (P = 0)")
        top.plot(T, item.calphad, color="C3", lw=1.6, ls="--",
                 label=f"CALPHAD {comparison.phase}")
        if comparison.extrapolated.any():
            top.plot(T[comparison.extrapolated], item.zenthermo[comparison.extrapolated], "x",
                     color="C0", ms=4, label="volume at domain edge")
        top.set_title(f"{item.label}")
        top.set_ylabel(item.unit)
        top.grid(alpha=0.3)
        bottom.axhline(0.0, color="0.5", lw=0.8)
        bottom.plot(T, item.difference, color="C2", lw=1.4)
        bottom.set_xlabel("T (K)")
        bottom.set_ylabel(f"diff. ({item.unit})")
        bottom.grid(alpha=0.3)
    axes[0, 0].legend(fontsize=8, loc="best")
    composition = ", ".join(f"{k} {v:.3g}" for k, v in comparison.composition.items())
    fig.suptitle(
        f"zenthermo vs {comparison.database} {comparison.phase} ({composition}); "
        "difference = zenthermo - CALPHAD", fontsize=11,
    )
    fig.tight_layout()
    if path_stem is not None:
        write_comparison_figure(fig, path_stem)
    return fig


def write_comparison_figure(figure: Figure, path_stem: str | os.PathLike[str]) -> list[Path]:
    """Write ``figure`` as ``<path_stem>.png`` and ``<path_stem>.svg`` atomically."""
    stem = Path(path_stem)
    written = []
    for suffix in (".png", ".svg"):
        target = stem.with_name(stem.name + suffix)
        with atomic_path(target) as tmp:
            figure.savefig(tmp, format=suffix[1:], dpi=150)
        written.append(target)
    return written

"""One look for every zenthermo figure: colour-blind-safe palette, print-readable fonts.

Figures are :class:`matplotlib.figure.Figure` objects made directly (:func:`new_figure`),
not through pyplot: drawing them needs no display and never changes the matplotlib backend
of the caller (a notebook keeps its own), and a notebook shows a returned figure as it is.
They are drawn inside :func:`figure_style` and written by :func:`write_figure` as PNG (for
the HTML report and the README) and SVG (for papers), both atomically.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.figure import Figure
from matplotlib.rcsetup import cycler

from zenthermo.io.atomic import write_bytes_atomic

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

#: Where a plot function writes its PNG and SVG; None: nowhere (the Figure is returned).
OutDir = str | os.PathLike[str] | None

#: Okabe & Ito (2008) colours, distinguishable with every common colour-vision deficiency.
PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#000000",  # black
    "#F0E442",  # yellow (last: poor contrast on white)
)
#: Line styles that tell pressures (or other series) apart without colour.
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1, 1, 1)), (0, (1, 3)))
#: Markers for data points, one per configuration.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">")
#: Shading of negative-thermal-expansion windows.
NTE_SHADE = {"color": "#56B4E9", "alpha": 0.18, "linewidth": 0}
#: Colour map for landscape maps (perceptually uniform, colour-blind safe).
SEQUENTIAL_CMAP = "cividis"

_RC: dict[RcKeyType, Any] = {
    "figure.dpi": 100,
    "savefig.dpi": 150,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.labelsize": 12,
    "legend.fontsize": 9.5,
    "xtick.labelsize": 10.5,
    "ytick.labelsize": 10.5,
    "axes.linewidth": 0.9,
    "lines.linewidth": 1.8,
    "lines.markersize": 5.5,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": True,
    "legend.framealpha": 0.9,
    "legend.edgecolor": "#bbbbbb",
    "svg.fonttype": "none",
    "figure.constrained_layout.use": True,
}


def color(index: int) -> str:
    """The palette colour for series ``index`` (cycles)."""
    return PALETTE[index % len(PALETTE)]


def linestyle(index: int):
    """The line style for series ``index`` (cycles)."""
    return LINESTYLES[index % len(LINESTYLES)]


def marker(index: int) -> str:
    """The marker for series ``index`` (cycles)."""
    return MARKERS[index % len(MARKERS)]


@contextmanager
def figure_style() -> Iterator[None]:
    """Apply the zenthermo rc settings for the figures drawn (and written) inside the block."""
    with matplotlib.rc_context(_RC):
        yield


def new_figure(ncols: int = 1, nrows: int = 1, width: float = 6.4, height: float = 4.4,
               **subplot_kw) -> tuple[Figure, Any]:
    """A figure (not attached to pyplot's state) and its axes."""
    figure = Figure(figsize=(width, height), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=True, **subplot_kw)
    return figure, axes


def write_figure(figure: Figure, out_dir: str | os.PathLike[str], name: str,
                 ) -> tuple[Path, Path]:
    """Write ``figure`` as ``out_dir/name.png`` and ``out_dir/name.svg`` (atomically).

    Returns
    -------
    (Path, Path)
        The PNG and the SVG.
    """
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    with figure_style():  # the resolution and SVG font settings apply when saving
        for fmt in ("png", "svg"):
            buffer = io.BytesIO()
            figure.savefig(buffer, format=fmt, facecolor="white")
            files[fmt] = folder / f"{name}.{fmt}"
            write_bytes_atomic(files[fmt], buffer.getvalue())
    return files["png"], files["svg"]


def finish(figure: Figure, out_dir: OutDir, name: str) -> Figure:
    """Return ``figure``, after writing it as ``out_dir/name.png`` and ``.svg`` if given."""
    if out_dir is not None:
        write_figure(figure, out_dir, name)
    return figure


def per_cell_label(natoms: int) -> str:
    """``"per cell"`` with its atom count, for axis labels."""
    return f"per {natoms}-atom cell" if natoms != 1 else "per atom"

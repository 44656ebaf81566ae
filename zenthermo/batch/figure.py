"""The comparison figure of a batch: NTE windows and critical points of every material.

Drawn from the batch table (:mod:`zenthermo.batch.table`), one method per material (exact
where it ran, else the first method): left, one bar per NTE window on each isobar; right,
the critical points in the T-P plane. Returned as a matplotlib ``Figure`` (not attached to
pyplot); :func:`svg_text` gives the inline SVG the index page embeds.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from zenthermo.report.style import color, figure_style, marker, new_figure

#: Most isobar rows drawn in the NTE panel (a larger batch shows the first ones).
MAX_BARS = 120


def primary_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with numbers, one method per material (exact where present)."""
    good = frame[frame["status"].isin(("ok", "skipped")) & (frame["method"] != "")]
    if good.empty:
        return good
    preferred = good.groupby("material", sort=False)["method"].agg(
        lambda methods: "exact" if "exact" in set(methods) else methods.iloc[0])
    return good[good["method"] == good["material"].map(preferred)]


def nte_intervals(text: str) -> list[tuple[float, float]]:
    """``"285-440; 10-50"`` (the table's nte_windows) -> [(285.0, 440.0), (10.0, 50.0)]."""
    intervals = []
    for part in filter(None, (p.strip() for p in str(text).split(";"))):
        start, _, end = part.partition("-")
        intervals.append((float(start), float(end)))
    return intervals


def comparison_figure(frame: pd.DataFrame) -> Figure | None:
    """NTE windows (left) and critical points (right) of the batch; None without numbers."""
    rows = primary_rows(frame)
    if rows.empty:
        return None
    shown = rows.iloc[:MAX_BARS]
    height = min(3.2 + 0.24 * len(shown), 36.0)
    with figure_style():
        figure, (nte, critical) = new_figure(ncols=2, width=11.0, height=height)
        _draw_nte(nte, shown, truncated=len(rows) > len(shown))
        _draw_critical(critical, rows)
    return figure


def _draw_nte(ax, rows: pd.DataFrame, truncated: bool) -> None:
    pressures = sorted(rows["P_GPa"].unique())
    labels = []
    for y, (_, row) in enumerate(rows.iterrows()):
        labels.append(f"{row['material']} ({row['method']}), {row['P_GPa']:g} GPa")
        shade = color(pressures.index(row["P_GPa"]))
        for start, end in nte_intervals(row["nte_windows"]):
            ax.barh(y, end - start, left=start, height=0.6, color=shade)
    for index, P_GPa in enumerate(pressures):
        ax.barh([], [], color=color(index), label=f"{P_GPa:g} GPa")
    ax.legend(loc="best", fontsize="small", title="pressure")
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel("temperature (K)")
    ax.set_xlim(left=0.0)
    title = "NTE windows (alpha < 0)"
    ax.set_title(title + (f", first {len(rows)} isobars" if truncated else ""))


def _draw_critical(ax, rows: pd.DataFrame) -> None:
    points = rows.dropna(subset=["T_c_K", "P_c_GPa"]).drop_duplicates("material")
    for index, (_, row) in enumerate(points.iterrows()):
        ax.plot(row["P_c_GPa"], row["T_c_K"], linestyle="none", marker=marker(index),
                color=color(index), markersize=8, label=str(row["material"]))
    without = sorted(set(rows["material"]) - set(points["material"]))
    ax.set_xlabel("pressure (GPa)")
    ax.set_ylabel("temperature (K)")
    ax.set_title("critical points")
    if len(points):
        ax.legend(loc="best", fontsize="small")
    if without:
        names = ", ".join(without[:12]) + (", ..." if len(without) > 12 else "")
        ax.text(0.02, 0.02, f"none: {names}", transform=ax.transAxes, fontsize="small",
                va="bottom", wrap=True)


def svg_text(figure: Figure) -> str:
    """The figure as an ``<svg>`` element to put inline in HTML (no XML prolog)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", facecolor="white")
    text = buffer.getvalue()
    return text[text.index("<svg"):]


__all__ = ["MAX_BARS", "comparison_figure", "nte_intervals", "primary_rows", "svg_text"]

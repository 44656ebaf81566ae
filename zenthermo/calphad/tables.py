"""The deviation table of a CALPHAD comparison as rows (for the report) and as text (CLI)."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from zenthermo.calphad.compare import (
    CalphadComparison,
    DeviationStats,
    compare_with_calphad,
    deviation_stats,
)
from zenthermo.thermo.results import Analysis

#: Column keys and headers of :func:`deviation_rows`, in display order.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("quantity", "quantity"),
    ("range_K", "T range (K)"),
    ("n", "n"),
    ("rmse", "RMSE"),
    ("max_abs", "max abs dev"),
    ("T_at_max_K", "at T (K)"),
    ("max_percent", "max (%)"),
    ("mean", "mean dev"),
    ("unit", "unit"),
)


def deviation_rows(stats: Sequence[DeviationStats]) -> list[dict[str, str]]:
    """One dict of display strings per (quantity, range); keys as in :data:`COLUMNS`."""
    rows = []
    for s in stats:
        rows.append({
            "quantity": s.label,
            "range_K": f"{s.T_low_K:g}-{s.T_high_K:g}",
            "n": str(s.n_points),
            "rmse": f"{s.rmse:.3g}",
            "max_abs": f"{s.max_abs:.3g}",
            "T_at_max_K": f"{s.T_at_max_K:g}",
            "max_percent": "" if math.isnan(s.max_percent) else f"{s.max_percent:.2f}",
            "mean": f"{s.mean:+.3g}",
            "unit": s.unit,
        })
    return rows


def format_table(rows: Sequence[Mapping[str, str]], markdown: bool = False) -> str:
    """Plain-text (aligned) or markdown table of :func:`deviation_rows`."""
    headers = [title for _, title in COLUMNS]
    body = [[row[key] for key, _ in COLUMNS] for row in rows]
    if markdown:
        lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h)
              for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in body]
    return "\n".join(lines)


@dataclass(frozen=True)
class CalphadSection:
    """What a report needs: the comparison, its deviation table rows and the figure files."""

    comparison: CalphadComparison
    rows: list[dict[str, str]]
    figures: list[Path]


def calphad_section(
    analysis: Analysis,
    database,
    phase: str,
    components: str | Sequence[str],
    figure_stem: str | os.PathLike[str],
    ranges: Sequence[tuple[float, float]] | None = None,
) -> CalphadSection:
    """Compare, tabulate and draw: the CALPHAD section of a report in one call.

    Writes ``<figure_stem>.png`` and ``.svg``; the rows cover the whole compared range and
    each of ``ranges`` (clipped to it). Raises the errors of :func:`compare_with_calphad`.
    """
    from zenthermo.calphad.plot import plot_comparison, write_comparison_figure

    comparison = compare_with_calphad(analysis, database, phase, components)
    T = comparison.T_K
    stats = deviation_stats(comparison, [(float(T[0]), float(T[-1])), *_clipped(ranges, T)])
    figures = write_comparison_figure(plot_comparison(comparison), figure_stem)
    return CalphadSection(comparison=comparison, rows=deviation_rows(stats), figures=figures)


def _clipped(ranges, T) -> list[tuple[float, float]]:
    kept = []
    for low, high in ranges or ():
        low, high = max(low, float(T[0])), min(high, float(T[-1]))
        if low < high:
            kept.append((low, high))
    return kept

"""The files of a CALPHAD comparison: deviation tables (CSV, markdown), the curves (CSV), the
overlay figure, and pycalphad's parser warnings; every file written atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from zenthermo.calphad.compare import CalphadComparison

__all__ = ["write_comparison_outputs"]


def write_comparison_outputs(out_dir: str | os.PathLike[str], comparison: CalphadComparison,
                             rows: Sequence[Mapping[str, str]],
                             tdb_warnings: Sequence[str] = ()) -> list[Path]:
    """Write a comparison into ``out_dir``; returns the files written.

    Files: ``calphad_deviations.csv`` and ``.md`` (``rows`` from
    :func:`~zenthermo.calphad.tables.deviation_rows`, columns
    :data:`~zenthermo.calphad.tables.COLUMNS`), ``calphad_comparison.csv`` (T_K and each
    quantity from zenthermo and CALPHAD), ``calphad_comparison.png`` and ``.svg``, and
    ``calphad_tdb_warnings.txt`` when pycalphad warned while parsing the database.
    """
    from zenthermo.calphad.plot import plot_comparison, write_comparison_figure
    from zenthermo.calphad.tables import COLUMNS, format_table
    from zenthermo.io.atomic import write_text_atomic
    from zenthermo.io.output_guard import is_zenthermo_folder, mark_output_folder

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if not is_zenthermo_folder(out):
        mark_output_folder(out)
    header = ",".join(key for key, _ in COLUMNS)
    lines = [header] + [",".join(row[key] for key, _ in COLUMNS) for row in rows]
    written = [out / "calphad_deviations.csv", out / "calphad_deviations.md",
               out / "calphad_comparison.csv"]
    write_text_atomic(written[0], "\n".join(lines) + "\n")
    write_text_atomic(written[1], format_table(rows, markdown=True) + "\n")
    columns = ["T_K"] + [f"{q.key}_{side}" for q in comparison.quantities
                         for side in ("zenthermo", "calphad")]
    data = [",".join(columns)]
    for i, t in enumerate(comparison.T_K):
        values = [f"{t:.10g}"] + [f"{getattr(q, side)[i]:.10g}" for q in comparison.quantities
                                  for side in ("zenthermo", "calphad")]
        data.append(",".join(values))
    write_text_atomic(written[2], "\n".join(data) + "\n")
    if tdb_warnings:
        written.append(out / "calphad_tdb_warnings.txt")
        write_text_atomic(written[-1], "\n".join(tdb_warnings) + "\n")
    written += write_comparison_figure(plot_comparison(comparison),
                                       out / "calphad_comparison")
    return written

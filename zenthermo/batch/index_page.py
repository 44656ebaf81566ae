"""OUT_DIR/index.html: one self-contained page for a whole batch.

Counts, the failed materials with their reasons, the comparison figure (inline SVG: no
external file, script or network), and the batch table with a link to each material's
report. Every user-provided string goes through :func:`html.escape`.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
from pathlib import Path

import pandas as pd

from zenthermo.batch.figure import comparison_figure, svg_text
from zenthermo.io.atomic import write_text_atomic

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 margin:0 auto;max-width:1280px;padding:1.2rem 1.6rem 3rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:1.8rem;
 border-bottom:2px solid #0072B2;padding-bottom:.2rem}.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;font-size:.88rem}th,td{border:1px solid #ccc;
 padding:.25rem .5rem;text-align:right}th{background:#eef4fa}td.l,th.l{text-align:left}
tr.failed td{background:#fdf0ea}tr.skipped td{color:#444}svg{max-width:100%;height:auto}
ul.fail li{margin:.15rem 0}
"""
#: (column, header, format) of the table on the page.
_SHOWN = (("material", "material", None), ("method", "method", None),
          ("P_GPa", "P (GPa)", "g"), ("status", "status", None),
          ("T_c_K", "T_c (K)", ".0f"), ("P_c_GPa", "P_c (GPa)", ".2f"),
          ("nte_windows", "NTE windows (K)", None), ("V0_A3", "V0 (A^3)", ".3f"),
          ("B0_GPa", "B0 (GPa)", ".1f"), ("V_300K_A3", "V 300 K (A^3)", ".3f"),
          ("lcte_300K_per_K", "LCTE 300 K (1e-6/K)", "lcte"), ("wall_s", "wall (s)", ".1f"),
          ("error", "error", None))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _cell(value: float | str | None, fmt: str | None) -> str:
    if fmt is None:
        return _e(value)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if fmt == "lcte":
        return format(float(value) * 1e6, ".2f")
    return format(float(value), fmt)


def _row(record: dict, out_dir: Path | None) -> str:
    cells = []
    for column, _, fmt in _SHOWN:
        text = _cell(record[column], fmt)
        left = fmt is None
        if column == "material" and record["report"] and record["status"] != "failed" and (
                out_dir is None or (out_dir / record["report"]).exists()):
            text = f'<a href="{_e(record["report"])}">{text}</a>'
        cells.append(f'<td class="{"l" if left else ""}">{text}</td>')
    return f'<tr class="{_e(record["status"])}">{"".join(cells)}</tr>'


def render_index(frame: pd.DataFrame, title: str = "zenthermo batch",
                 out_dir: str | os.PathLike[str] | None = None,
                 table_files: tuple[str, ...] = ("batch.csv",)) -> str:
    """The HTML of the index page for the batch table ``frame``.

    ``out_dir``, where given, is checked for each report before it is linked.
    """
    folder = None if out_dir is None else Path(out_dir)
    by_material = frame.drop_duplicates("material")
    counts = by_material["status"].value_counts()
    summary = ", ".join(f"{counts.get(s, 0)} {s}" for s in ("ok", "skipped", "failed"))
    failures = by_material[by_material["status"] == "failed"]
    parts = [f"<h1>{_e(title)}</h1>",
             f'<p class="meta">{len(by_material)} materials: {_e(summary)}. Written '
             f'{_dt.datetime.now().isoformat(timespec="seconds")}. Table: '
             + ", ".join(f'<a href="{_e(n)}">{_e(n)}</a>' for n in table_files) + "</p>"]
    if len(failures):
        items = "".join(f"<li><b>{_e(r.material)}</b>: {_e(r.error)}</li>"
                        for r in failures.itertuples())
        parts.append(f'<h2>Failed</h2><ul class="fail">{items}</ul>')
    figure = comparison_figure(frame)
    if figure is not None:
        parts.append("<h2>NTE windows and critical points</h2>" + svg_text(figure)
                     + '<p class="meta">One method per material (exact where it ran); '
                     "bars coloured by pressure.</p>")
    head = "".join(f'<th class="{"l" if fmt is None else ""}">{_e(h)}</th>'
                   for _, h, fmt in _SHOWN)
    body = "".join(_row(record, folder) for record in frame.to_dict("records"))
    parts.append(f"<h2>Materials</h2><table><thead><tr>{head}</tr></thead>"
                 f"<tbody>{body}</tbody></table>")
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            + "\n".join(parts) + "</body></html>\n")


def write_index(frame: pd.DataFrame, out_dir: str | os.PathLike[str],
                title: str = "zenthermo batch",
                table_files: tuple[str, ...] = ("batch.csv",)) -> Path:
    """Write ``OUT_DIR/index.html`` atomically and return its path."""
    path = Path(out_dir) / "index.html"
    write_text_atomic(path, render_index(frame, title, out_dir, table_files))
    return path


__all__ = ["render_index", "write_index"]

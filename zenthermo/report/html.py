"""The HTML report: one self-contained file (figures embedded as base64 PNG, no external
resources, no scripts) that opens in any browser without a server or network.

Layout: summary (NTE windows, critical point, methods and their agreement), configurations,
data quality (excluded points and why, warnings), run settings, then the figures.
Every user-provided string goes through :func:`html.escape`.
"""

from __future__ import annotations

import base64
import html
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.io.atomic import write_text_atomic
from zenthermo.report.agreement import LandscapeAgreement
from zenthermo.sources import SourceSet
from zenthermo.thermo.results import Analysis


@dataclass(frozen=True)
class Table:
    """A titled table for the report: header cells and rows of already formatted strings."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""


@dataclass(frozen=True)
class FigureFiles:
    """One figure of the report: its name, title and caption, and its PNG and SVG files."""

    name: str
    title: str
    caption: str
    png: Path
    svg: Path


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows; plain data gathered by the pipeline.

    Attributes
    ----------
    title : str
    analyses : Mapping[str, Analysis]
        Method name -> analysis, in the order to show; the first is the primary one.
    source_set : SourceSet or None
        For the data-quality section (exclusions and warnings).
    figures : sequence of FigureFiles
    agreements : sequence of LandscapeAgreement
        Network landscapes against the exact one.
    warnings : sequence of str
        Further warnings (EOS fits, extrapolation, ...).
    settings : Mapping[str, str]
        Run options to list.
    timings_s : Mapping[str, float]
        Wall time per stage, seconds.
    extra_tables : sequence of Table
        E.g. a CALPHAD comparison.
    figure_links : bool
        Link each figure to its SVG file next to the report (relative path).
    uncertainty : UncertaintyResult or None
        Error bars of the ``exact`` analysis: its card gives intervals
        ("T = 164.9 (+4.9/-4.8) K") and the report an error-bar table.
    """

    title: str
    analyses: Mapping[str, Analysis]
    source_set: SourceSet | None = None
    figures: Sequence[FigureFiles] = ()
    agreements: Sequence[LandscapeAgreement] = ()
    warnings: Sequence[str] = ()
    settings: Mapping[str, str] = field(default_factory=dict)
    timings_s: Mapping[str, float] = field(default_factory=dict)
    extra_tables: Sequence[Table] = ()
    figure_links: bool = True
    uncertainty: Any = None


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
 margin:0 auto;max-width:1120px;padding:1.2rem 1.6rem 3rem;color:#1a1a1a;line-height:1.45}
h1{font-size:1.7rem;margin:.2rem 0 .1rem}h2{font-size:1.3rem;margin-top:2rem;
 border-bottom:2px solid #0072B2;padding-bottom:.2rem}h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
.meta{color:#555;font-size:.9rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;font-size:.92rem}
th,td{border:1px solid #ccc;padding:.28rem .6rem;text-align:right}
th{background:#eef4fa}td.l,th.l{text-align:left}
.cards{display:flex;flex-wrap:wrap;gap:.8rem;margin:.8rem 0}
.card{border:1px solid #c8d6e5;border-left:5px solid #0072B2;border-radius:4px;
 padding:.6rem .9rem;min-width:15rem;flex:1;background:#f7fafd}
.card h3{margin:0 0 .3rem}.card p{margin:.15rem 0}
.warn{border-left-color:#D55E00;background:#fdf6f1}
figure{margin:1.2rem 0 2rem;page-break-inside:avoid}
figure img{max-width:100%;height:auto;border:1px solid #e4e4e4}
figcaption{font-size:.9rem;color:#333;margin-top:.3rem}
ul.tight li{margin:.1rem 0}nav a{margin-right:1rem}
@media print{nav{display:none}body{max-width:none}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _num(value: float | None, fmt: str = ".3f") -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return format(float(value), fmt)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], left: int = 1) -> str:
    head = "".join(f'<th class="{"l" if i < left else ""}">{_e(h)}</th>'
                   for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{_e(c)}</td>'
                         for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _nte_lines(analysis: Analysis) -> list[str]:
    lines = []
    for isobar in analysis.isobars:
        for w in isobar.nte_windows:
            notes = [text for flag, text in ((w.open_start, "negative from the lowest T "
                                              "analysed"), (w.open_end, "still negative at the "
                                              "highest T analysed")) if flag]
            lines.append(
                f"{isobar.P_GPa:g} GPa: {w.T_start_K:.0f} – {w.T_end_K:.0f} K, lowest LCTE "
                f"{w.alpha_min_per_K / 3 * 1e6:.2f}×10⁻⁶ K⁻¹ at {w.T_alpha_min_K:.0f} K"
                + (f" ({'; '.join(notes)})" if notes else ""))
    return lines


def _critical_line(analysis: Analysis) -> str:
    cp = analysis.phase_diagram.critical_point
    if not analysis.phase_diagram.computed:
        return "not computed (the phase diagram was skipped, --no-phase-diagram)"
    if cp is None:
        return "none found in the analysed domain (no first-order transition)"
    return (f"T = {cp.T_K:.0f} K, P = {cp.P_GPa:.2f} GPa, V = {cp.V_A3:.2f} Å³ per cell "
            f"({cp.V_A3 / analysis.natoms:.3f} Å³/atom)")


def _interval_lines(analysis: Analysis, uncertainty: Any) -> tuple[str, list[str]]:
    """The critical point and NTE windows of ``analysis`` with their intervals."""
    from zenthermo.report.intervals import format_interval, nte_window_intervals

    cp, band = analysis.phase_diagram.critical_point, uncertainty.critical_point
    critical = _critical_line(analysis)
    if cp is not None and band is not None:
        critical = (f"T = {format_interval(cp.T_K, band.T_K, 1, 'K')}, "
                    f"P = {format_interval(cp.P_GPa, band.P_GPa, 3, 'GPa')}, "
                    f"V = {format_interval(cp.V_A3, band.V_A3, 2, 'Å³')} per cell "
                    f"(in {100 * band.present_fraction:.0f} % of the members)")
    nte = [f"{P:g} GPa: {format_interval(w.T_start_K, i.T_start_K)} – "
           f"{format_interval(w.T_end_K, i.T_end_K, 1, 'K')}, lowest LCTE "
           f"{w.alpha_min_per_K / 3 * 1e6:.2f}×10⁻⁶ K⁻¹ at {w.T_alpha_min_K:.0f} K "
           f"(in {100 * i.present_fraction:.0f} % of the members)"
           for P, w, i in nte_window_intervals(analysis, uncertainty)]
    low, _, high = uncertainty.ci
    return (f"{critical}. Intervals: {low:g}–{high:g} percentiles of "
            f"{uncertainty.successful_members} members ({uncertainty.method})", nte)


def _summary(content: ReportContent) -> str:
    cards = []
    for method, analysis in content.analyses.items():
        nte = _nte_lines(analysis)
        critical = _critical_line(analysis)
        if method == "exact" and content.uncertainty is not None:
            critical, nte = _interval_lines(analysis, content.uncertainty)
        nte_html = ("<ul class='tight'>" + "".join(f"<li>{_e(x)}</li>" for x in nte) + "</ul>"
                    if nte else "<p>No negative thermal expansion on the isobars analysed.</p>")
        isobar0 = min(analysis.isobars, key=lambda i: abs(i.P_GPa))
        V300 = _value_at(isobar0.T_K, isobar0.V_A3, 300.0)
        cards.append(
            f"<div class='card'><h3>{_e(method)}</h3>"
            f"<p><b>Critical point:</b> {_e(critical)}</p>"
            f"<p><b>NTE windows:</b></p>{nte_html}"
            f"<p><b>V(300 K, {isobar0.P_GPa:g} GPa):</b> {_e(_num(V300, '.2f'))} Å³ per cell</p>"
            "</div>")
    agreement = ""
    if content.agreements:
        rows = [(a.method, a.reference, str(a.points), _num(a.rms_F_meV_per_atom, ".3g"),
                 _num(a.max_F_meV_per_atom, ".3g"), _num(a.rms_P_GPa, ".3g"),
                 _num(a.max_P_GPa, ".3g"), _num(a.rms_B_GPa, ".3g"), _num(a.max_B_GPa, ".3g"))
                for a in content.agreements]
        agreement = ("<h3>Agreement of the methods (on a common V-T grid)</h3>" + _table(
            ("method", "against", "grid points", "RMS ΔF (meV/atom)", "max |ΔF|",
             "RMS ΔP (GPa)", "max |ΔP|", "RMS ΔB_T (GPa)", "max |ΔB_T|"), rows, left=2))
    methods = ", ".join(content.analyses)
    first = _first(content)
    T_all = np.concatenate([i.T_K for i in first.isobars])
    return (f"<section id='summary'><h2>Summary</h2><p>Methods: <b>{_e(methods)}</b>. "
            f"Pressures: {_e(', '.join(f'{i.P_GPa:g}' for i in first.isobars))} GPa; "
            f"temperatures {T_all.min():.0f}–{T_all.max():.0f} K.</p>"
            f"<div class='cards'>{''.join(cards)}</div>{agreement}</section>")


def _value_at(x: np.ndarray, y: np.ndarray, at: float) -> float | None:
    if len(x) == 0 or at < x[0] or at > x[-1]:
        return None
    return float(np.interp(at, x, y))


def _first(content: ReportContent) -> Analysis:
    return next(iter(content.analyses.values()))


def _configurations(content: ReportContent) -> str:
    analysis = _first(content)
    natoms = analysis.natoms
    e0s = [c.E0_eV for c in analysis.configurations if c.E0_eV is not None and np.isfinite(c.E0_eV)]
    e_ref = min(e0s) if e0s else None
    rows = []
    for c in analysis.configurations:
        relative = (None if c.E0_eV is None or e_ref is None
                    else (c.E0_eV - e_ref) * 1e3 / natoms)
        rows.append((c.label or c.name, c.name, _num(c.multiplicity, "g"), c.magnetic_order,
                     _num(c.E0_eV, ".4f"), _num(relative, ".2f"), _num(c.V0_A3, ".3f"),
                     _num(None if c.V0_A3 is None else c.V0_A3 / natoms, ".4f"),
                     _num(c.B0_GPa, ".1f"), _num(c.B0_prime, ".2f")))
    if not rows:
        return ""
    return ("<section id='configurations'><h2>Configurations</h2>"
            f"<p>Static equation-of-state fits, per {natoms}-atom cell unless stated.</p>" +
            _table(("label", "name", "multiplicity g", "magnetic order", "E0 (eV/cell)",
                    "E0 − min (meV/atom)", "V0 (Å³/cell)", "V0 (Å³/atom)", "B0 (GPa)", "B0′"),
                   rows, left=2) + "</section>")


def _data_quality(content: ReportContent) -> str:
    parts = ["<section id='data-quality'><h2>Data quality</h2>"]
    ss = content.source_set
    if ss is not None:
        rows = [(s.label or s.name, str(len(s.points)),
                 f"{s.volumes.min():.2f}–{s.volumes.max():.2f}" if len(s.points) else "–",
                 "phonons" if s.has_vibrations else "static only", s.multiplicity_origin)
                for s in ss]
        parts.append("<h3>Data per configuration</h3>" + _table(
            ("configuration", "volumes kept", "V range (Å³/cell)", "vibrations",
             "multiplicity from"), rows))
        exclusions = [(s.label or s.name, x) for s in ss for x in s.excluded]
        exclusions += [("(set)", x) for x in ss.excluded]
        if exclusions:
            rows = [(who, x.item, _num(x.volume, ".2f"), x.reason, x.path) for who, x in exclusions]
            parts.append("<h3>Excluded points</h3>" + _table(
                ("configuration", "item", "V (Å³)", "reason", "path"), rows, left=1))
        else:
            parts.append("<p>No points were excluded.</p>")
    warnings = list(ss.warnings if ss is not None else ())
    if ss is not None:
        warnings += [f"{s.label or s.name}: {w}" for s in ss for w in s.warnings]
    warnings += list(content.warnings)
    for method, analysis in content.analyses.items():
        for isobar in analysis.isobars:
            n = int(np.count_nonzero(isobar.extrapolated))
            if n:
                T = isobar.T_K[np.asarray(isobar.extrapolated, bool)]
                warnings.append(
                    f"{method}, {isobar.P_GPa:g} GPa: the equilibrium volume sits at the edge of "
                    f"the data at {n} temperatures ({T.min():.0f}–{T.max():.0f} K); values there "
                    "are extrapolated")
            near = np.asarray(isobar.near_edge, bool)
            if near.any():
                T = isobar.T_K[near]
                warnings.append(
                    f"{method}, {isobar.P_GPa:g} GPa: the equilibrium volume lies within the "
                    f"last data spacing of the volume range at {int(near.sum())} temperatures "
                    f"({T.min():.0f}–{T.max():.0f} K); there B_T and the expansion are set by "
                    "the end points")
    if warnings:
        parts.append("<h3>Warnings</h3><ul class='tight'>" +
                     "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul>")
    else:
        parts.append("<p>No warnings.</p>")
    parts.append("</section>")
    return "".join(parts)


def _settings(content: ReportContent) -> str:
    parts = ["<section id='settings'><h2>Run settings</h2>"]
    if content.settings:
        parts.append(_table(("setting", "value"), list(content.settings.items()), left=2))
    if content.timings_s:
        rows = [(stage, f"{seconds:.1f}") for stage, seconds in content.timings_s.items()]
        parts.append("<h3>Time per stage</h3>" + _table(("stage", "seconds"), rows))
    parts.append("</section>")
    return "".join(parts)


def _figure(files: FigureFiles, link_base: Path | None) -> str:
    data = base64.b64encode(Path(files.png).read_bytes()).decode("ascii")
    link = ""
    if link_base is not None:
        try:
            rel = os.path.relpath(files.svg, link_base)
            link = f" <a href='{_e(Path(rel).as_posix())}'>SVG</a>"
        except ValueError:  # a different drive on Windows
            link = ""
    return (f"<figure id='fig-{_e(files.name)}'><h3>{_e(files.title)}</h3>"
            f"<img src='data:image/png;base64,{data}' alt='{_e(files.title)}'>"
            f"<figcaption>{_e(files.caption)}{link}</figcaption></figure>")


def render_report(content: ReportContent, link_base: str | os.PathLike[str] | None = None) -> str:
    """The report as one HTML string (figures read from their PNG files and embedded).

    ``link_base`` is the folder the report will live in; figure SVG links are relative to
    it (no links when None).
    """
    base = Path(link_base) if (link_base is not None and content.figure_links) else None
    from zenthermo import __version__

    extra = "".join(
        f"<section><h2>{_e(t.title)}</h2>{_table(t.headers, t.rows)}"
        f"{f'<p>{_e(t.note)}</p>' if t.note else ''}</section>" for t in content.extra_tables)
    figures = "".join(_figure(f, base) for f in content.figures)
    nav = ("<nav><a href='#summary'>Summary</a><a href='#configurations'>Configurations</a>"
           "<a href='#data-quality'>Data quality</a><a href='#figures'>Figures</a>"
           "<a href='#settings'>Settings</a></nav>")
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{_e(content.title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{_e(content.title)}</h1><p class='meta'>zenthermo {_e(__version__)}</p>{nav}"
        f"{_summary(content)}{_configurations(content)}{_data_quality(content)}{extra}"
        f"<section id='figures'><h2>Figures</h2>{figures}</section>{_settings(content)}"
        "</body></html>")


def write_report(content: ReportContent, path: str | os.PathLike[str]) -> Path:
    """Write the report to ``path`` atomically; returns the path."""
    target = Path(path)
    write_text_atomic(target, render_report(content, link_base=target.parent))
    return target

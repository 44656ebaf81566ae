"""CALPHAD: compare zenthermo's thermodynamics with a TDB database, and export a TDB phase.

Comparison (reference-free quantities per mole of atoms: C_P, S, H - H(298.15 K),
G - G(298.15 K); zenthermo at P = 0, CALPHAD at 1 atm)::

    from zenthermo.calphad import compare_with_calphad, deviation_stats, plot_comparison
    comparison = compare_with_calphad(analysis, "COST507.tdb", "DIAMOND_A4", ["SI"])
    stats = deviation_stats(comparison, [(300, 800), (800, 1200)])
    plot_comparison(comparison, "out/calphad")          # out/calphad.png, out/calphad.svg

For the HTML report (``zenthermo run --tdb --phase --components``)::

    from zenthermo.calphad import calphad_section, COLUMNS
    section = calphad_section(analysis, tdb_path, phase, components,
                              figure_stem=out_dir / "calphad", ranges=[(300, 800)])
    section.rows     # list of dicts of display strings, keys/headers in COLUMNS
    section.figures  # [<stem>.png, <stem>.svg]
    section.comparison.database_warnings  # pycalphad's parser warnings, if worth listing

It raises :class:`~zenthermo.errors.InputError` (TDB missing/malformed, phase absent,
components that cannot form the phase, composition mismatch) and
:class:`~zenthermo.errors.DomainError` (temperatures outside the analysis or the phase's
range, no P = 0 isobar), each naming the file and the problem.

Export (piecewise SGTE polynomial with G, S and C_P continuous at the breakpoints)::

    from zenthermo.calphad import export_tdb
    result = export_tdb(analysis, "SI_ZT.tdb", "DIAMOND_ZT", breakpoints_K=[800])
    result.fit.rmse, result.fit.max_abs   # {"G": J/mol, "S": J/(K mol), "Cp": J/(K mol)}

Modules: ``database`` (load/check a TDB), ``evaluate`` (pycalphad at a fixed composition),
``compare``, ``tables``, ``plot``, ``sgte`` (the constrained fit), ``export``, ``inputs``
(summary.json / output folder / sources file -> Analysis).
"""

from __future__ import annotations

from zenthermo.calphad.compare import (
    CalphadComparison,
    DeviationStats,
    QuantityComparison,
    compare_with_calphad,
    deviation_stats,
    parse_ranges,
)
from zenthermo.calphad.database import LoadedDatabase, load_database
from zenthermo.calphad.export import ExportResult, export_tdb, fit_analysis
from zenthermo.calphad.sgte import SgteFit, fit_sgte
from zenthermo.calphad.tables import (
    COLUMNS,
    CalphadSection,
    calphad_section,
    deviation_rows,
    format_table,
)


def plot_comparison(comparison, path_stem=None):
    """Draw the overlays (a Figure; written when ``path_stem`` is given); see
    :func:`zenthermo.calphad.plot.plot_comparison`."""
    from zenthermo.calphad.plot import plot_comparison as _plot

    return _plot(comparison, path_stem)


def write_comparison_outputs(out_dir, comparison, rows, tdb_warnings=()):
    """Write the tables and figure of a comparison; see
    :func:`zenthermo.calphad.outputs.write_comparison_outputs`."""
    from zenthermo.calphad.outputs import write_comparison_outputs as _write

    return _write(out_dir, comparison, rows, tdb_warnings)


__all__ = [
    "COLUMNS",
    "CalphadComparison",
    "CalphadSection",
    "DeviationStats",
    "ExportResult",
    "LoadedDatabase",
    "QuantityComparison",
    "SgteFit",
    "calphad_section",
    "compare_with_calphad",
    "deviation_rows",
    "deviation_stats",
    "export_tdb",
    "fit_analysis",
    "fit_sgte",
    "format_table",
    "load_database",
    "parse_ranges",
    "plot_comparison",
    "write_comparison_outputs",
]

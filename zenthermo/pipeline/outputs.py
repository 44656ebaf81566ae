"""Writing a run: figures, summary.json and CSV per method, the model, the HTML report.

Everything is written into a temporary folder that replaces ``output_dir`` only when it is
complete (:func:`zenthermo.io.atomic.atomic_directory`): a failing stage or an interruption
leaves no new folder, and an existing one as it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from zenthermo.pipeline.config import DEFAULT_SOURCES, RunConfig
from zenthermo.progress import Progress
from zenthermo.sources import SourceSet

__all__ = ["RunResult", "check_run_output", "run_inputs", "write_outputs"]


@dataclass(frozen=True, eq=False)
class RunResult:
    """What a run produced (the files are in ``output_dir``).

    Attributes
    ----------
    output_dir : Path
    source_set : SourceSet
        The inputs as read.
    landscapes, analyses : mapping
        Method name -> Landscape / :class:`~zenthermo.thermo.results.Analysis`.
    figures : tuple of FigureFiles
        Every figure of the report, with its PNG and SVG in ``output_dir/figures``.
    timings_s : mapping
        Stage -> wall time, s.
    warnings : tuple of str
        Everything the report lists as a warning.
    uncertainty : UncertaintyResult or None
        Error bars of the exact analysis (:mod:`zenthermo.uncertainty`), where asked for.
    ensemble_uncertainty : UncertaintyResult or None
        Intervals of the ZENN analysis from the members of a ZENN ensemble
        (:mod:`zenthermo.uncertainty.ensemble`), where one was trained.
    """

    output_dir: Path
    source_set: SourceSet
    landscapes: Mapping[str, Any]
    analyses: Mapping[str, Any]
    figures: tuple[Any, ...]
    timings_s: Mapping[str, float]
    warnings: tuple[str, ...]
    uncertainty: Any = None
    ensemble_uncertainty: Any = None

    @property
    def report(self) -> Path:
        """The HTML report."""
        return self.output_dir / "report.html"


def run_inputs(config: RunConfig) -> tuple[str, ...]:
    """Every path a run reads: inputs (or the embedded default), manifest, references, TDB."""
    inputs = tuple(config.inputs) or (str(DEFAULT_SOURCES),)
    extra = (config.manifest, *config.references, config.tdb)
    return inputs + tuple(str(p) for p in extra if p)


def check_run_output(config: RunConfig) -> None:
    """Refuse ``config.output_dir`` unless the output rule allows it (before any work).

    See :func:`zenthermo.io.output_guard.check_output_folder`: the folder may not overlap
    an input and is replaced only when absent, empty or written by zenthermo.
    """
    from zenthermo.io.output_guard import check_output_folder

    check_output_folder(config.output_dir, run_inputs(config), option="output_dir")


def write_outputs(config: RunConfig, source_set: SourceSet, free_energies: Sequence[Any],
                  landscapes: Mapping[str, Any], analyses: Mapping[str, Any],
                  references: Sequence[Any], warnings: list[str], clock: Any,
                  progress: Progress, uncertainty: Any = None,
                  ensemble_uncertainty: Any = None) -> RunResult:
    """Write everything a run produced into ``config.output_dir`` atomically.

    ``clock(stage)`` is a context manager that times a stage (its ``seconds`` go into the
    report); ``warnings`` are listed in the report; ``uncertainty`` (an
    :class:`~zenthermo.uncertainty.UncertaintyResult` of the exact analysis, or None) goes
    into ``exact/summary.json``, the figures and the report; ``ensemble_uncertainty``
    (intervals of a ZENN ensemble's analysis) into ``zenn/summary.json`` and a report table.
    """
    bars = {"exact": uncertainty, "zenn": ensemble_uncertainty}
    from zenthermo.io.atomic import atomic_directory
    from zenthermo.landscape.model_file import save_model
    from zenthermo.report.agreement import landscape_agreement
    from zenthermo.report.figures import draw_report_figures
    from zenthermo.report.html import ReportContent, write_report
    from zenthermo.report.source_energies import write_source_energies
    from zenthermo.report.tables import write_analysis

    with atomic_directory(config.output_dir) as tmp:
        with clock("figures"):
            figures = draw_report_figures(tmp / "figures", analyses, landscapes, free_energies,
                                          references, progress, uncertainty=uncertainty)
        extra_tables = [_models_table(free_energies)]
        for method in ("exact", "zenn"):
            if bars[method] is not None and method in analyses:
                from zenthermo.report.intervals import uncertainty_table

                extra_tables.append(uncertainty_table(analyses[method], bars[method]))
        if config.tdb is not None:
            with clock("CALPHAD"), progress.stage("CALPHAD comparison"):
                table, files = _calphad(config, analyses, tmp / "figures")
                extra_tables.append(table)
                figures.append(files)
        with clock("report"), progress.stage("tables and report"):
            for method, analysis in analyses.items():
                write_analysis(analysis, tmp / method, uncertainty=bars.get(method))
                if method in landscapes:  # ZENN: F_k, E_k, S_k per source along the isobars
                    write_source_energies(landscapes[method], analysis, tmp / method)
            if "exact" in analyses:
                table, drawn = _decomposition(free_energies, analyses["exact"], tmp)
                extra_tables.append(table)
                figures += drawn
            if "zenn" in landscapes:
                save_model(landscapes["zenn"], tmp / "zenn" / "model.pt")
            source_set.save(tmp / "sources.json")
            agreements = []
            if "exact" in landscapes and "zenn" in landscapes:
                agreements.append(landscape_agreement(landscapes["zenn"], landscapes["exact"]))
            content = ReportContent(
                title=_title(config, source_set), analyses=analyses, source_set=source_set,
                figures=figures, agreements=agreements, warnings=warnings,
                settings=_settings_table(config, source_set), timings_s=dict(clock.seconds),
                extra_tables=extra_tables, uncertainty=uncertainty)
            write_report(content, tmp / "report.html")
    out = Path(config.output_dir)
    moved = tuple(_moved(f, tmp, out) for f in figures)
    return RunResult(out, source_set, landscapes, analyses, moved, dict(clock.seconds),
                     tuple(warnings), uncertainty, ensemble_uncertainty)


def _decomposition(free_energies: Any, analysis: Any, tmp: Path) -> tuple[Any, list[Any]]:
    """C_P and alpha split into lattice, electronic and configurational parts: one CSV per
    isobar in ``tmp/exact``, the report's table, and the figures of the parts (F_vib and F_el
    of each source; the split at the pressure nearest 0)."""
    from zenthermo.report.decomposition import decomposition_table, write_decomposition
    from zenthermo.report.figures_parts import plot_decomposition, plot_free_energy_parts
    from zenthermo.report.html import FigureFiles
    from zenthermo.report.style import write_figure
    from zenthermo.thermo.decomposition import decompose_isobar

    parts = [decompose_isobar(free_energies, i.P_GPa, i.T_K, i.V_A3) for i in analysis.isobars]
    for part in parts:
        write_decomposition(part, tmp / "exact")
    zero = min(parts, key=lambda d: abs(d.P_GPa))
    drawn = []
    for name, figure, title, caption in (
            ("free_energy_parts", plot_free_energy_parts(free_energies, analysis.natoms),
             "Vibrational and electronic free energies",
             "F_vib and F_el of each configuration against volume, at 300 K (solid) and "
             "1000 K (dashed), over its data volumes."),
            ("decomposition", plot_decomposition(zero, analysis.natoms),
             "Where C_P and the thermal expansion come from",
             f"Lattice (vibrations), electronic and configurational (zentropy fluctuation) "
             f"parts of C_P and alpha at {zero.P_GPa:g} GPa; they add up to the total.")):
        if figure is not None:
            png, svg = write_figure(figure, tmp / "figures", name)
            drawn.append(FigureFiles(name, title, caption, png, svg))
    return decomposition_table(parts), drawn


def _models_table(free_energies: Any) -> Any:
    """The report's table of the models each source's F_k(V, T) uses."""
    from zenthermo.report.html import Table
    from zenthermo.report.sources_table import MODEL_COLUMNS, model_rows

    return Table(
        "Free-energy models per configuration", MODEL_COLUMNS,
        tuple(model_rows(free_energies)),
        note="F_k(V, T) = static EOS + vibrations + thermal electronic part. Phonon and "
             "electronic free energies are continued in V by the form named (poly<d>: "
             "degree d in V; strain<d>: in V^(-2/3)), chosen by leave-one-out "
             "cross-validation unless set; the number in brackets is its leave-one-out "
             "error of F in meV per cell. 'extrapolated in V': the static volumes reach "
             "beyond the phonon or electronic data volumes.")


def _moved(files: Any, tmp: Path, out: Path) -> Any:
    return replace(files, png=out / Path(files.png).relative_to(tmp),
                   svg=out / Path(files.svg).relative_to(tmp))


def _title(config: RunConfig, source_set: SourceSet) -> str:
    if config.title:
        return config.title
    formula = "".join(f"{el}{n if n != 1 else ''}" for el, n in source_set.composition.items())
    return f"zenthermo report: {formula} ({len(source_set)} configuration" \
           f"{'s' if len(source_set) != 1 else ''})"


def _calphad(config: RunConfig, analyses: Mapping[str, Any], figures_dir: Path):
    from zenthermo.calphad import COLUMNS, calphad_section
    from zenthermo.report.html import FigureFiles, Table

    # called only with a tdb; RunConfig refuses tdb without phase and components
    assert config.tdb is not None and config.phase is not None
    analysis = analyses.get("exact") or next(iter(analyses.values()))
    figures_dir.mkdir(parents=True, exist_ok=True)
    section = calphad_section(analysis, config.tdb, config.phase, list(config.components),
                              figure_stem=figures_dir / "calphad")
    rows = tuple(tuple(row[key] for key, _ in COLUMNS) for row in section.rows)
    table = Table(f"CALPHAD comparison: {config.phase} in {Path(config.tdb).name}",
                  tuple(title for _, title in COLUMNS), rows,
                  note="Reference-free quantities per mole of atoms; zenthermo at 0 GPa "
                       f"({analysis.method}), CALPHAD at 1 atm.")
    png = next(p for p in section.figures if Path(p).suffix == ".png")
    svg = next(p for p in section.figures if Path(p).suffix == ".svg")
    return table, FigureFiles("calphad", "CALPHAD comparison",
                              "zenthermo against the CALPHAD phase (per mole of atoms).",
                              Path(png), Path(svg))


def _settings_table(config: RunConfig, source_set: SourceSet) -> dict[str, str]:
    from zenthermo import __version__

    inputs = ", ".join(config.inputs) if config.inputs else f"{DEFAULT_SOURCES.name} (embedded)"
    rows = {
        "inputs": inputs,
        "pressures (GPa)": ", ".join(f"{p:g}" for p in config.pressures_GPa),
        "temperatures (K)": f"{'auto' if config.tmin_K is None else config.tmin_K} to "
                            f"{'auto' if config.tmax_K is None else config.tmax_K}, "
                            f"step {config.tstep_K:g}",
        "equation of state": config.eos,
        "vibrations": config.vibrations,
        "Debye s, x, volume": f"{config.debye_scaling:g}, {config.debye_x:.4g}, "
                              f"{config.debye_volume}",
        "ZENN seed": str(config.seed),
        "atoms per cell": str(source_set.natoms),
        "zenthermo": __version__,
    }
    if config.references:
        rows["measured references"] = ", ".join(config.references)
    if config.uncertainty_members:
        rows["error bars (exact)"] = (
            f"{config.uncertainty_members} members, method {config.uncertainty_method}, "
            f"percentiles {', '.join(f'{c:g}' for c in config.uncertainty_ci)}, "
            f"seed {config.seed}")
    return rows

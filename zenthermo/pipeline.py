"""The main job (``zenthermo run``): inputs -> per-source F_k -> exact zentropy and ZENN
landscapes -> analysis at a set of pressures -> figures, tables and the HTML report.

    from zenthermo.pipeline import RunConfig, run_pipeline
    result = run_pipeline(RunConfig(inputs=("results/",), output_dir="out"))
    result.analyses["exact"].isobar(0.0).nte_windows

The exact analysis calls the same library functions, with the same defaults, as
``zenthermo analyze`` (temperatures from :func:`temperature_grid`, tmax clipped to the
landscape's domain), so ``OUT_DIR/exact/summary.json`` is the file ``zenthermo analyze``
writes for the same data and options. Everything is computed first and then written into a
temporary folder that replaces ``output_dir`` only when complete: a failing stage or an
interruption leaves no new folder, and an existing one as it was.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from zenthermo.errors import ConfigurationError, InputError
from zenthermo.progress import SILENT, Progress
from zenthermo.sources import SourceSet

#: The embedded default input: Fe3Pt (three magnetic configurations), made by zenthermo ingest.
DEFAULT_SOURCES = Path(__file__).resolve().parents[1] / "data" / "fe3pt" / "sources.json"
DEFAULT_PRESSURES_GPA = (0.0, 2.0, 4.0)
#: Default upper temperature, K, as ``zenthermo analyze`` (clipped to the domain).
DEFAULT_TMAX_K = 1000.0
METHODS = ("exact", "zenn")
#: Most temperatures on a ZENN isobar (a network costs far more per point than the exact sum;
#: its temperature step is widened to stay under this).
ZENN_MAX_TEMPERATURES = 201


@dataclass(frozen=True)
class RunConfig:
    """Settings of one run (all plain values; a workflow file maps onto these fields).

    Attributes
    ----------
    inputs : tuple of str
        Results tree, configuration folders, phonopy-qha files or a sources file; empty
        means the embedded default :data:`DEFAULT_SOURCES`.
    output_dir : str
    manifest : str or None
        A ``zenthermo.toml`` for ingestion.
    pressures_GPa : tuple of float
    tmin_K, tmax_K : float or None
        Default 0 (or the domain's lower end) and :data:`DEFAULT_TMAX_K` clipped to the domain.
    tstep_K : float
    methods : tuple of str or None
        Subset of :data:`METHODS`; None: every method the sources allow.
    eos, vibrations, debye_scaling, debye_x, debye_volume
        Physics options of the per-source free energies.
    phase_diagram : bool
        Compute the critical point, spinodal and coexistence line.
    references : tuple of str
        Measured reference CSV files (:mod:`zenthermo.io.experiment`).
    tdb, phase, components
        CALPHAD comparison (all three or none).
    seed : int
        ZENN training seed.
    zenn_settings : mapping
        Overrides of :class:`zenthermo.landscape.train.TrainingSettings`.
    title : str or None
        Report title (default from the composition).
    """

    inputs: tuple[str, ...] = ()
    output_dir: str = "zenthermo-out"
    manifest: str | None = None
    pressures_GPa: tuple[float, ...] = DEFAULT_PRESSURES_GPA
    tmin_K: float | None = None
    tmax_K: float | None = None
    tstep_K: float = 1.0
    methods: tuple[str, ...] | None = None
    eos: str = "bm4"
    vibrations: str = "auto"
    debye_scaling: float = 0.617
    debye_x: float = 2.0 / 3.0
    debye_volume: str = "cell"
    phase_diagram: bool = True
    references: tuple[str, ...] = ()
    tdb: str | None = None
    phase: str | None = None
    components: tuple[str, ...] = ()
    seed: int = 0
    zenn_settings: Mapping[str, Any] = field(default_factory=dict)
    title: str | None = None

    def __post_init__(self) -> None:
        if self.methods is not None:
            unknown = [m for m in self.methods if m not in METHODS]
            if unknown or not self.methods:
                raise ConfigurationError(
                    f"unknown or no methods {list(self.methods)}",
                    hint=f"choose from {', '.join(METHODS)}")
        calphad = [self.tdb, self.phase, self.components or None]
        if any(x is not None for x in calphad) and not all(x is not None for x in calphad):
            raise ConfigurationError("the CALPHAD comparison needs tdb, phase and components "
                                     "together")
        if not self.pressures_GPa:
            raise ConfigurationError("no pressures given")

    def physics_options(self) -> dict[str, Any]:
        return {"eos": self.eos, "vibrations": self.vibrations,
                "debye_scaling": self.debye_scaling, "debye_x": self.debye_x,
                "debye_volume": self.debye_volume}


@dataclass(frozen=True, eq=False)
class RunResult:
    """What a run produced (the files are in ``output_dir``)."""

    output_dir: Path
    source_set: SourceSet
    landscapes: Mapping[str, Any]
    analyses: Mapping[str, Any]
    figures: tuple[Any, ...]
    timings_s: Mapping[str, float]
    warnings: tuple[str, ...]

    @property
    def report(self) -> Path:
        return self.output_dir / "report.html"


class _Stopwatch:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started


# -- inputs ----------------------------------------------------------------------------------

_YAML_SUFFIX = re.compile(r"^thermal_properties\.yaml(?P<suffix>.*?)(\.(gz|bz2|xz))?$")


def order_phonopy_inputs(paths: Sequence[str]) -> list[str]:
    """Put ``thermal_properties.yaml-<n>`` files in numeric order of ``n`` after the others.

    The shell sorts ``thermal_properties.yaml-*`` as ``--1 --2 ... -0 -1 ...``; phonopy's
    documented command pairs ``e-v.dat`` rows with ``-5 ... -1, 0 ... 5``. Files without a
    numeric suffix keep their order; the ingestion checks the pairing against the volumes.
    """
    def key(item: tuple[int, str]) -> tuple[int, float, int]:
        index, path = item
        match = _YAML_SUFFIX.match(Path(path).name)
        if match is None:
            return (0, 0.0, index)
        suffix = match.group("suffix")
        number = suffix[1:] if suffix.startswith("-") else suffix
        try:
            return (1, float(number), index)
        except ValueError:
            return (1, float("inf"), index)

    return [path for _, path in sorted(enumerate(paths), key=key)]


def load_inputs(inputs: Sequence[str], manifest: str | None = None,
                progress: Progress | None = None) -> SourceSet:
    """A SourceSet from a sources file, result folders or phonopy-qha files (default: Fe3Pt)."""
    from zenthermo.io.ingest import ingest
    from zenthermo.io.sourcefile import load_sources

    progress = SILENT if progress is None else progress
    if not inputs:
        if not DEFAULT_SOURCES.exists():
            raise InputError("the embedded default data are missing", DEFAULT_SOURCES,
                             hint="run from a full checkout of zenthermo, or give input paths")
        return load_sources(DEFAULT_SOURCES)
    for path in inputs:
        if not Path(path).exists():
            raise InputError("input not found", path)
    if len(inputs) == 1 and Path(inputs[0]).is_file() and _is_sources_file(Path(inputs[0])):
        return load_sources(inputs[0])
    return ingest(*order_phonopy_inputs(list(inputs)), manifest=manifest, progress=progress)


def _is_sources_file(path: Path) -> bool:
    if path.suffix.lower() != ".json":
        return False
    with open(path, "rb") as handle:
        head = handle.read(4096)
    return b"zenthermo.sources" in head


def choose_methods(config: RunConfig, source_set: SourceSet) -> tuple[tuple[str, ...], list[str]]:
    """The methods to run and notes on any left out (ZENN needs two volumes per source)."""
    notes: list[str] = []
    zenn_possible = all(len(s.points) >= 2 for s in source_set)
    if config.methods is None:
        methods = ["exact"]
        if zenn_possible:
            methods.append("zenn")
        else:
            notes.append("ZENN left out: a source has fewer than two volumes")
        return tuple(methods), notes
    if "zenn" in config.methods and not zenn_possible:
        raise ConfigurationError("ZENN needs at least two volumes in every source",
                                 hint="run with --methods exact")
    return tuple(m for m in METHODS if m in config.methods), notes


def choose_temperatures(config: RunConfig, landscape: Any) -> np.ndarray:
    """The temperature grid for ``landscape``, exactly as ``zenthermo analyze`` builds it."""
    from zenthermo.thermo.analysis import temperature_grid

    low, high = (float(t) for t in landscape.temperature_domain)
    tmin = max(0.0, low) if config.tmin_K is None else float(config.tmin_K)
    tmax = DEFAULT_TMAX_K if config.tmax_K is None else float(config.tmax_K)
    if config.tmax_K is None:
        tmax = min(tmax, high)
    return temperature_grid(tmin, tmax, config.tstep_K, temperature_domain=(low, high))


def _network_grid(config: RunConfig, landscape: Any) -> np.ndarray:
    grid = choose_temperatures(config, landscape)
    if len(grid) <= ZENN_MAX_TEMPERATURES:
        return grid
    from dataclasses import replace

    step = (grid[-1] - grid[0]) / (ZENN_MAX_TEMPERATURES - 1)
    return choose_temperatures(replace(config, tstep_K=max(config.tstep_K, step),
                                       tmin_K=float(grid[0]), tmax_K=float(grid[-1])), landscape)


# -- stages ----------------------------------------------------------------------------------

def fit_zenn(source_set: SourceSet, config: RunConfig, temperatures: np.ndarray,
             progress: Progress | None = None) -> Any:
    """Train ZENN in per-source mode with the fitter's default settings.

    Each source's physics model (the same recipe as the exact path) is distilled on a dense
    volume grid over its data and on temperatures up to the top of the analysis range
    (:func:`zenthermo.landscape.train_data.training_data_from_sources`).
    """
    from zenthermo.landscape.train import TrainingSettings, ZennFitter
    from zenthermo.landscape.train_data import training_data_from_sources

    settings = TrainingSettings(**{**dict(config.zenn_settings), "seed": config.seed,
                                   "max_temperature": float(temperatures[-1])})
    data = training_data_from_sources(source_set, **config.physics_options(),
                                      **settings.data_options())
    return ZennFitter(settings).fit(data, progress=progress).landscape_


def _title(config: RunConfig, source_set: SourceSet) -> str:
    if config.title:
        return config.title
    formula = "".join(f"{el}{n if n != 1 else ''}" for el, n in source_set.composition.items())
    return f"zenthermo report: {formula} ({len(source_set)} configuration" \
           f"{'s' if len(source_set) != 1 else ''})"


def run_pipeline(config: RunConfig, progress: Progress | None = None) -> RunResult:
    """Run the whole job and write ``config.output_dir`` atomically (see module docstring)."""
    from zenthermo.io.experiment import read_reference_csv
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.physics.free_energy import build_source_free_energies
    from zenthermo.thermo.analysis import analyze, configurations_of

    progress = SILENT if progress is None else progress
    clock = _Stopwatch()
    with clock("load inputs"), progress.stage("load inputs"):
        source_set = load_inputs(config.inputs, config.manifest, progress)
        references = [read_reference_csv(p, natoms=source_set.natoms) for p in config.references]
    methods, warnings = choose_methods(config, source_set)
    with clock("free energies"), progress.stage("free energies F_k(V,T)"):
        free_energies = build_source_free_energies(source_set, **config.physics_options())
        exact = ExactZentropy(free_energies)
    temperatures = choose_temperatures(config, exact)
    if config.tmax_K is None and temperatures[-1] < DEFAULT_TMAX_K:
        warnings.append(f"temperatures end at {temperatures[-1]:g} K, the end of the data's "
                        "temperature domain")
    landscapes: dict[str, Any] = {}
    if "exact" in methods:
        landscapes["exact"] = exact
    if "zenn" in methods:
        with clock("ZENN fit"):
            landscapes["zenn"] = fit_zenn(source_set, config, temperatures,
                                          progress)
    analyses: dict[str, Any] = {}
    configurations = configurations_of(exact)
    for method, landscape in landscapes.items():
        with clock(f"analysis ({method})"):
            grid = temperatures if method == "exact" else _network_grid(config, landscape)
            analyses[method] = analyze(
                landscape, config.pressures_GPa, grid,
                configurations=() if method == "exact" else configurations,
                phase_diagram=config.phase_diagram, progress=progress)
    for fe in free_energies:
        warnings += [f"{fe.label or fe.name}: {w}" for w in fe.eos_fit.warnings]
    return _write_outputs(config, source_set, free_energies, landscapes, analyses, references,
                          warnings, clock, progress)


def _write_outputs(config, source_set, free_energies, landscapes, analyses, references,
                   warnings, clock, progress) -> RunResult:
    from zenthermo.io.atomic import atomic_directory
    from zenthermo.report.figures import draw_report_figures, landscape_agreement
    from zenthermo.report.html import ReportContent, write_report
    from zenthermo.report.summary import write_summary
    from zenthermo.report.tables import write_tables

    with atomic_directory(config.output_dir) as tmp:
        with clock("figures"):
            figures = draw_report_figures(tmp / "figures", analyses, landscapes, free_energies,
                                          references, progress)
        extra_tables = []
        if config.tdb is not None:
            with clock("CALPHAD"), progress.stage("CALPHAD comparison"):
                table, files = _calphad(config, analyses, tmp / "figures")
                extra_tables.append(table)
                figures.append(files)
        with clock("report"), progress.stage("tables and report"):
            for method, analysis in analyses.items():
                write_summary(analysis, tmp / method / "summary.json")
                write_tables(analysis, tmp / method)
            if "zenn" in landscapes:
                _save_model(landscapes["zenn"], tmp / "zenn" / "model.pt", warnings)
            source_set.save(tmp / "sources.json")
            agreements = []
            if "exact" in landscapes and "zenn" in landscapes:
                agreements.append(landscape_agreement(landscapes["zenn"], landscapes["exact"]))
            content = ReportContent(
                title=_title(config, source_set), analyses=analyses, source_set=source_set,
                figures=figures, agreements=agreements, warnings=warnings,
                settings=_settings_table(config, source_set), timings_s=dict(clock.seconds),
                extra_tables=extra_tables)
            write_report(content, tmp / "report.html")
    out = Path(config.output_dir)
    moved = tuple(_moved(f, tmp, out) for f in figures)
    return RunResult(out, source_set, landscapes, analyses, moved, dict(clock.seconds),
                     tuple(warnings))


def _moved(files, tmp: Path, out: Path):
    from dataclasses import replace

    return replace(files, png=out / Path(files.png).relative_to(tmp),
                   svg=out / Path(files.svg).relative_to(tmp))


def _save_model(landscape: Any, path: Path, warnings: list[str]) -> None:
    try:
        from zenthermo.landscape.model_file import save_model
    except ModuleNotFoundError as error:
        if error.name != "zenthermo.landscape.model_file":
            raise
        warnings.append("the trained ZENN model was not saved (no model_file module)")
        return
    save_model(landscape, path)


def _calphad(config: RunConfig, analyses: Mapping[str, Any], figures_dir: Path):
    from zenthermo.calphad import COLUMNS, calphad_section
    from zenthermo.report.html import Table
    from zenthermo.report.style import FigureFiles

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
    return rows


Callback = Callable[[], None]

"""The analysis that ``zenthermo calphad`` works on, from what the user points at.

- a ``summary.json`` (``zenthermo.summary/…``) or an analysis output folder holding one:
  :func:`zenthermo.report.summary.read_summary`;
- a SourceSet file (``zenthermo.sources/…``, ``.json`` or ``.json.gz``): the exact zentropy
  landscape with its default physics options, analysed at P = 0 on a 5 K grid over the
  landscape's temperature domain (phonopy data brings its phonons; the unbounded domain of
  Debye vibrations is cut at 1000 K).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from zenthermo.errors import InputError
from zenthermo.io.schema import file_schema
from zenthermo.progress import SILENT, Progress
from zenthermo.thermo.results import Analysis

#: Temperature step of the analysis made from a SourceSet, K.
SOURCES_TEMPERATURE_STEP_K = 5.0


def load_analysis(path: str | os.PathLike[str], progress: Progress | None = None) -> Analysis:
    """Read or compute the :class:`Analysis` that ``path`` stands for (see module docstring).

    Raises
    ------
    InputError
        The path is missing, or is neither a summary, an output folder nor a SourceSet file.
    """
    progress = progress or SILENT
    target = Path(path)
    if target.is_dir():
        summary = target / "summary.json"
        if not summary.is_file():
            raise InputError(
                "folder holds no summary.json", target,
                "give an analysis output folder, a summary.json or a sources file",
            )
        target = summary
    if not target.is_file():
        raise InputError("file not found", target)
    schema = file_schema(target)
    if schema.startswith("zenthermo.sources"):
        return _analysis_from_sources(target, progress)
    if schema.startswith("zenthermo.summary") or target.name == "summary.json":
        from zenthermo.report.summary import read_summary

        return read_summary(target)
    raise InputError(
        f"neither a zenthermo summary nor a sources file (schema {schema or 'missing'!r})",
        target, "give summary.json, an analysis output folder, or a file from zenthermo ingest",
    )


def _analysis_from_sources(path: Path, progress: Progress) -> Analysis:
    from zenthermo import load_sources
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.thermo.analysis import analyze
    from zenthermo.thermo.temperatures import choose_temperatures

    source_set = load_sources(path)
    with progress.stage("building the exact zentropy landscape"):
        landscape = ExactZentropy.from_sources(source_set)
    high = float(landscape.temperature_domain[1])
    # the whole domain of phonon data; Debye's unbounded one up to the default 1000 K
    grid = choose_temperatures(landscape.temperature_domain,
                               tmax_K=high if math.isfinite(high) else None,
                               tstep_K=SOURCES_TEMPERATURE_STEP_K)
    return analyze(
        landscape, [0.0], grid, composition=dict(source_set.composition),
        phase_diagram=False, progress=progress,
    )

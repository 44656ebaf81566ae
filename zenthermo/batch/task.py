"""The task of one material, run on a Dask worker: skip if up to date, else the whole job.

:func:`run_material` is a pure function of picklable arguments (a :class:`Material` and
``force``) that never raises for a problem of the material: a broken input, a failed fit or
any other error becomes a ``failed`` outcome with its one-line reason, so one material
cannot stop the batch. Its outputs are what ``zenthermo run`` writes (the same
:func:`~zenthermo.pipeline.run_pipeline`, atomically into ``OUT_DIR/<name>``), then the
manifest (:mod:`zenthermo.batch.manifest`) as the mark of a finished folder.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from zenthermo.batch.manifest import (
    fingerprint,
    input_record,
    is_up_to_date,
    options_record,
    write_manifest,
)
from zenthermo.batch.material import Material, one_line
from zenthermo.batch.table import headline_rows, material_rows
from zenthermo.progress import Stopwatch


@dataclass(frozen=True)
class MaterialOutcome:
    """What became of one material.

    Attributes
    ----------
    name : str
    status : str
        ``ok``, ``failed`` or ``skipped``.
    rows : tuple of dict
        Its rows of the batch table (:func:`zenthermo.batch.table.material_rows`).
    error : str
        One line ("" unless failed).
    detail : str
        The traceback of an unexpected error (for ``--debug``).
    wall_s : float
        Wall time of the task on its worker, s.
    timings_s : dict
        Where ``wall_s`` went, s: ``check`` (input hashes and the up-to-date test),
        ``pipeline`` (:func:`~zenthermo.pipeline.run_pipeline`, outputs included) and
        ``manifest``; the stages that ran.
    stages_s : dict
        The pipeline's own stage timings (``RunResult.timings_s``), s; empty unless ok.
    cpu_s : float
        CPU time of the task's thread, s (its own work, without the worker's other threads).
    """

    name: str
    status: str
    rows: tuple[dict[str, Any], ...]
    error: str = ""
    detail: str = ""
    wall_s: float = 0.0
    timings_s: dict[str, float] = field(default_factory=dict)
    stages_s: dict[str, float] = field(default_factory=dict)
    cpu_s: float = 0.0


def failed(material: Material, error: str, detail: str = "",
           wall_s: float | None = None) -> MaterialOutcome:
    """The outcome of a material that produced nothing."""
    rows = material_rows(material.name, "failed", error=error, wall_s=wall_s)
    return MaterialOutcome(material.name, "failed", tuple(rows), error, detail, wall_s or 0.0)


def run_material(material: Material, force: bool = False) -> MaterialOutcome:
    """Run one material (or find it up to date); never raises for the material's problems."""
    from zenthermo.pipeline import run_pipeline

    started, cpu = time.perf_counter(), time.thread_time()
    if material.config is None:
        return failed(material, material.error or "no configuration")
    config = material.config
    folder = Path(config.output_dir)
    report = f"{material.name}/report.html"
    spans = Stopwatch()
    try:
        with spans("check"):
            options, inputs = options_record(config), input_record(config)
            manifest = None if force else is_up_to_date(folder, fingerprint(options, inputs))
        if manifest is not None:
            wall = time.perf_counter() - started
            rows = material_rows(material.name, "skipped", manifest["rows"],
                                 wall_s=wall, report=report)
            return MaterialOutcome(material.name, "skipped", tuple(rows), wall_s=wall,
                                   timings_s=dict(spans.seconds), cpu_s=time.thread_time() - cpu)
        with spans("pipeline"):
            result = run_pipeline(config)
        numbers = headline_rows(result.analyses)
        with spans("manifest"):
            wall = time.perf_counter() - started
            write_manifest(folder, material.name, options, inputs, numbers, wall)
    except Exception as error:  # one material's failure must not stop the batch
        outcome = failed(material, one_line(error), traceback.format_exc(),
                         time.perf_counter() - started)
        return replace(outcome, timings_s=dict(spans.seconds), cpu_s=time.thread_time() - cpu)
    rows = material_rows(material.name, "ok", numbers, wall_s=wall, report=report)
    return MaterialOutcome(material.name, "ok", tuple(rows), wall_s=wall,
                           timings_s=dict(spans.seconds), stages_s=dict(result.timings_s),
                           cpu_s=time.thread_time() - cpu)


__all__ = ["MaterialOutcome", "failed", "run_material"]

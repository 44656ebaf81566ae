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
from dataclasses import dataclass
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
    """

    name: str
    status: str
    rows: tuple[dict[str, Any], ...]
    error: str = ""
    detail: str = ""
    wall_s: float = 0.0


def failed(material: Material, error: str, detail: str = "",
           wall_s: float | None = None) -> MaterialOutcome:
    """The outcome of a material that produced nothing."""
    rows = material_rows(material.name, "failed", error=error, wall_s=wall_s)
    return MaterialOutcome(material.name, "failed", tuple(rows), error, detail, wall_s or 0.0)


def run_material(material: Material, force: bool = False) -> MaterialOutcome:
    """Run one material (or find it up to date); never raises for the material's problems."""
    from zenthermo.pipeline import run_pipeline

    started = time.perf_counter()
    if material.config is None:
        return failed(material, material.error or "no configuration")
    config = material.config
    folder = Path(config.output_dir)
    report = f"{material.name}/report.html"
    try:
        options, inputs = options_record(config), input_record(config)
        if not force:
            manifest = is_up_to_date(folder, fingerprint(options, inputs))
            if manifest is not None:
                wall = time.perf_counter() - started
                rows = material_rows(material.name, "skipped", manifest["rows"],
                                     wall_s=wall, report=report)
                return MaterialOutcome(material.name, "skipped", tuple(rows), wall_s=wall)
        result = run_pipeline(config)
        numbers = headline_rows(result.analyses)
        wall = time.perf_counter() - started
        write_manifest(folder, material.name, options, inputs, numbers, wall)
    except Exception as error:  # one material's failure must not stop the batch
        return failed(material, one_line(error), traceback.format_exc(),
                      time.perf_counter() - started)
    rows = material_rows(material.name, "ok", numbers, wall_s=wall, report=report)
    return MaterialOutcome(material.name, "ok", tuple(rows), wall_s=wall)


__all__ = ["MaterialOutcome", "failed", "run_material"]

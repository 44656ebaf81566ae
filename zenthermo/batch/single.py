"""``zenthermo run --scheduler ADDRESS``: the whole job of one material as a Dask task.

The workers must see the same file system as this process (inputs and the output folder
are passed as absolute paths). The result comes back without its landscapes (a trained
network can be large; it is saved in the output folder, ``zenn/model.pt``).
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from zenthermo.pipeline import RunConfig, RunResult
from zenthermo.progress import Progress


def absolute_config(config: RunConfig) -> RunConfig:
    """``config`` with every path (inputs, references, manifest, TDB, output) absolute."""
    def absolute(path: str | None) -> str | None:
        return None if path is None else os.path.abspath(path)

    return replace(config, inputs=tuple(os.path.abspath(p) for p in config.inputs),
                   references=tuple(os.path.abspath(p) for p in config.references),
                   manifest=absolute(config.manifest), tdb=absolute(config.tdb),
                   output_dir=os.path.abspath(config.output_dir))


def pipeline_task(config: RunConfig) -> RunResult:
    """Run on a worker: :func:`~zenthermo.pipeline.run_pipeline` without its landscapes."""
    from zenthermo.pipeline import run_pipeline

    return replace(run_pipeline(config), landscapes={})


def run_on_scheduler(config: RunConfig, scheduler: str,
                     progress: Progress | None = None) -> RunResult:
    """Run the job of ``config`` as one task on the Dask scheduler at ``scheduler``.

    Errors of the job (a zenthermo error for bad input) are raised here as they would be
    by a local run.
    """
    from zenthermo import engine

    with engine.client(scheduler=scheduler) as client:
        result = engine.map(pipeline_task, [absolute_config(config)], client=client,
                            progress=progress, description="zenthermo run (Dask task)",
                            labels=[f"run-{Path(config.output_dir).name}"])[0]
    assert isinstance(result, RunResult)  # errors="raise": a failed task raised above
    return result


__all__ = ["absolute_config", "pipeline_task", "run_on_scheduler"]

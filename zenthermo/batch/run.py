"""Run a batch of materials on Dask and write OUT_DIR/batch.csv and OUT_DIR/index.html.

    from dask.distributed import Client
    from zenthermo.batch import run_batch

    table = run_batch("screen.toml", "out")                 # a LocalCluster for the batch
    table = run_batch([{"name": "si", "inputs": {"paths": ["si/e-v.dat",
                        "si/thermal_properties.yaml-*"]}}], "out", client=Client(...))

Each material is one task of :func:`zenthermo.batch.task.run_material` through
:func:`zenthermo.engine.map`. A material that fails is recorded with its reason and the
others go on; one whose worker dies is re-run by Dask on another worker. When the batch is
interrupted (Ctrl-C) the finished materials stay, the rest are stopped, and the temporary
folders of the stopped ones are removed once their workers are gone (on a cluster this
function started; tasks on someone else's scheduler finish there and write atomically).
batch.csv and index.html are written only when every material has an outcome.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd

from zenthermo import engine
from zenthermo.batch.batch_file import BatchFile, materials_from_mappings, read_batch_file
from zenthermo.batch.index_page import write_index
from zenthermo.batch.material import Material, one_line
from zenthermo.batch.table import batch_frame, write_batch_table
from zenthermo.batch.task import MaterialOutcome, failed, run_material
from zenthermo.errors import ConfigurationError, ZenthermoError
from zenthermo.hpc import ClusterSpec
from zenthermo.io.output_guard import check_output_folder, is_zenthermo_folder, mark_output_folder
from zenthermo.progress import SILENT, Progress

Entries = str | os.PathLike[str] | BatchFile | Sequence[Material | Mapping[str, Any]]


@dataclass(frozen=True)
class BatchRun:
    """A finished batch: the table, each material's outcome and the files written.

    ``timings_s``: wall time of the batch's stages in this process, s: ``cluster start``
    (only where the batch started one), ``materials`` (from submitting the tasks to the
    last outcome) and ``batch table and index`` (batch.csv, Parquet, index.html).
    """

    table: pd.DataFrame
    outcomes: tuple[MaterialOutcome, ...]
    files: tuple[Path, ...]
    timings_s: Mapping[str, float] = field(default_factory=dict)

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def run_batch(entries: Entries, out_dir: str | os.PathLike[str], client: Any = None,
              **options: Any) -> pd.DataFrame:
    """Run every material of ``entries`` and return the batch table (see :func:`execute_batch`).

    ``entries``: a batch file (TOML or CSV), a :class:`BatchFile`, or a list of
    :class:`Material` objects or dicts shaped like ``[[material]]`` entries.
    ``client``: a ``dask.distributed.Client`` of your own (e.g. in a notebook); without one
    a LocalCluster is started for the batch and closed afterwards.
    """
    return execute_batch(entries, out_dir, client, **options).table


def execute_batch(entries: Entries, out_dir: str | os.PathLike[str], client: Any = None, *,
                  scheduler: str | None = None, workers: int | None = None,
                  cluster: ClusterSpec | None = None, force: bool = False, retries: int = 1,
                  overrides: Mapping[str, Any] | None = None, base_dir: str | None = None,
                  progress: Progress | None = None,
                  announce: Callable[[str], None] | None = None) -> BatchRun:
    """Run a batch; the full record (:class:`BatchRun`).

    Parameters
    ----------
    scheduler, workers, cluster
        Where to run when no ``client`` is given (:func:`zenthermo.engine.client`); a batch
        file's ``[cluster]`` table is used when none of the three is given.
    force : bool
        Re-run materials that are up to date.
    retries : int
        Dask retries of a task that raised (a worker's death is retried anyway).
    overrides : mapping
        RunConfig fields set on every material (command-line options over the file).
    base_dir : str
        Folder that relative paths of dict entries resolve against (default: cwd).
    announce : callable
        Receives one-line notes for the user (the dashboard address).
    """
    batch = _batch(entries, base_dir)
    out = Path(out_dir).resolve()
    materials = [_with(m.placed_in(out), overrides) for m in batch.materials]
    _check_outputs_apart(out, materials)
    _check_output_folder(out, batch, materials)
    out.mkdir(parents=True, exist_ok=True)
    if not is_zenthermo_folder(out):
        mark_output_folder(out)
    if client is None and scheduler is None and workers is None and cluster is None:
        cluster = batch.cluster
    runnable = [m for m in materials if m.config is not None]
    task = partial(run_material, force=force)
    labels = [f"material-{m.name}" for m in runnable]
    description = f"batch: {len(runnable)} material{'s' if len(runnable) != 1 else ''}"
    run = partial(engine.map, task, runnable, retries=retries, errors="return",
                  progress=progress, description=description, labels=labels)
    timings: dict[str, float] = {}
    try:
        if client is not None or not runnable:
            started = time.perf_counter()
            results = run(client=client) if runnable else []
        else:
            count = None if workers is None else min(int(workers), len(runnable))
            if scheduler is None and cluster is None and count is None:
                count = min(engine.default_workers(), len(runnable))
            with ExitStack() as stack:
                started = time.perf_counter()
                with (progress or SILENT).stage("start the Dask cluster"):
                    owned = stack.enter_context(engine.client(scheduler, count, cluster=cluster))
                link = engine.dashboard_link(owned)
                if announce is not None and link:
                    announce(f"Dask dashboard: {link}")
                timings["cluster start"] = time.perf_counter() - started
                started = time.perf_counter()
                results = run(client=owned)
        timings["materials"] = time.perf_counter() - started
    except KeyboardInterrupt:
        if client is None and scheduler is None:  # our workers are gone: nothing writes
            remove_temporaries(out, [m.name for m in materials])
        raise
    started = time.perf_counter()
    remove_temporaries(out, [m.name for m in materials])
    outcomes = _outcomes(materials, runnable, results)
    table = batch_frame([row for outcome in outcomes for row in outcome.rows])
    files = write_batch_table(table, out)
    title = f"zenthermo batch: {batch.path.name}" if batch.path.name else "zenthermo batch"
    files.append(write_index(table, out, title, tuple(f.name for f in files)))
    timings["batch table and index"] = time.perf_counter() - started
    return BatchRun(table, tuple(outcomes), tuple(files), timings)


def _batch(entries: Entries, base_dir: str | None) -> BatchFile:
    if isinstance(entries, BatchFile):
        return entries
    if isinstance(entries, (str, os.PathLike)):
        return read_batch_file(entries)
    given = list(entries)
    made = [m for m in given if isinstance(m, Material)]
    mappings = [m for m in given if not isinstance(m, Material)]
    if made and mappings:
        raise ConfigurationError("give either Material objects or dicts, not both")
    materials = made or materials_from_mappings(mappings, base_dir=base_dir or ".")
    if len({m.name for m in materials}) != len(materials):
        raise ConfigurationError("material names must be unique")
    return BatchFile(Path(""), tuple(materials))


def _with(material: Material, overrides: Mapping[str, Any] | None) -> Material:
    if not overrides or material.config is None:
        return material
    try:
        return replace(material, config=replace(material.config, **overrides))
    except ZenthermoError as error:
        return Material(material.name, None, one_line(error))


def _check_outputs_apart(out: Path, materials: Sequence[Material]) -> None:
    """Refuse an OUT_DIR inside an input folder (or an input inside OUT_DIR)."""
    for material in materials:
        for given in material.config.inputs if material.config else ():
            path = Path(given).resolve()
            if out.is_relative_to(path) or path.is_relative_to(out):
                raise ConfigurationError(
                    f"the output folder and the input {given} of {material.name!r} overlap",
                    out, hint="write the batch outside every results tree")


def _check_output_folder(out: Path, batch: BatchFile, materials: Sequence[Material]) -> None:
    """The output rule of :mod:`zenthermo.io.output_guard` for OUT_DIR (before any work)."""
    inputs: list[str | None] = [str(batch.path)] if str(batch.path) not in ("", ".") else []
    for material in materials:
        config = material.config
        if config is not None:
            inputs += [*config.inputs, config.manifest, *config.references, config.tdb]
    check_output_folder(out, inputs)


def _outcomes(materials, runnable, results) -> list[MaterialOutcome]:
    done = {m.name: r for m, r in zip(runnable, results, strict=True)}
    outcomes = []
    for material in materials:
        result = done.get(material.name)
        if result is None:
            outcomes.append(failed(material, material.error or "not run"))
        elif isinstance(result, engine.Failure):
            outcomes.append(failed(material, f"task failed: {result.message}",
                                   result.traceback))
        else:
            outcomes.append(result)
    return outcomes


def remove_temporaries(out_dir: Path, names: Sequence[str]) -> list[Path]:
    """Clear what an interrupted atomic write of these materials left in ``out_dir``.

    ``.<name>.<random>.part`` (a folder being written) is removed. ``.<name>.old`` (the
    previous folder, between the two renames of :func:`zenthermo.io.atomic.atomic_directory`)
    is removed when ``<name>`` exists and renamed back to ``<name>`` when it does not, so a
    complete earlier result is never lost. Call only when no task is writing.
    """
    removed: list[Path] = []
    if not out_dir.is_dir():
        return removed
    for name in names:
        part = re.compile(rf"^\.{re.escape(name)}\.[^.]+\.part$")
        for entry in out_dir.iterdir():
            if entry.is_dir() and part.match(entry.name):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
        old, target = out_dir / f".{name}.old", out_dir / name
        if old.is_dir():
            if target.exists():
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(old, target)
            removed.append(old)
    return removed


__all__ = ["BatchRun", "execute_batch", "remove_temporaries", "run_batch"]

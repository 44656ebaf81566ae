"""Benchmark: a batch of 8 independent exact-path materials on 1 and on 2 Dask workers.

The materials are Fe3Pt variants (the embedded sources file and the VASP fixture tree with
other pressures and equations of state), diamond Si from phonopy-qha (two EOS) and fcc Al
in DFTTK's layout; `--methods exact`. Measured in one run, side by side:

* each material alone, in this process: the reference. Its outputs are those of the batch
  (the same :func:`~zenthermo.pipeline.run_pipeline` writes the folder; the batch adds its
  ``batch-manifest.json``). One warm-up run first (imports, font cache);
* the batch on a LocalCluster of 1 worker and of 2 workers (``--force``, so that every
  material is computed): wall time with the cluster started and every worker warmed up by
  the same warm-up run ("warm"), and with the cluster start and the warm-up ("cold").

Both sides cap torch and BLAS at one thread, as the workers are capped (the exact path
computes on one thread anyway). Targets: speed-up 1 -> 2 workers of at least 1.7x on 2
cores; overhead per material (1-worker batch against the sum of the lone runs, divided by
8) under 0.5 s. The breakdown splits that overhead into the stages of the batch: the
pipeline on a worker against the same pipeline alone, the task's own work (input hashes,
up-to-date check, manifest), Dask (submitting, scheduling, results coming back) and the
batch's closing files (batch.csv, index.html and its figure: once per batch).

``--dask-defaults`` adds a 1-worker batch whose workers run with Dask's default settings
(zenthermo's :data:`~zenthermo.engine.LOCAL_WORKER_CONFIG` left out): the before/after of
that setting, measured in the same minute.

    .venv/bin/python benchmarks/batch_scaling.py [--tstep 1] [--no-write] [--dask-defaults]
"""

from __future__ import annotations

import os

# Before numpy and torch load: one BLAS/OpenMP thread here, as in every worker.
for _variable in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, replace  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"


def materials(tstep: float) -> list[dict]:
    """The 8 batch entries (workflow tables + name); paths absolute."""
    fe3pt, si, al = FIXTURES / "fe3pt-vasp", FIXTURES / "si-qha-phonopy", FIXTURES / "al-dfttk"
    si_paths = [str(si / "e-v.dat"), str(si / "thermal_properties.yaml-*")]
    entries = [
        ("fe3pt-embedded", {}),
        ("fe3pt-embedded-vinet", {"physics": {"eos": "vinet"}}),
        ("fe3pt-tree", {"inputs": {"paths": [str(fe3pt)]}}),
        ("fe3pt-tree-bm3-negative-P", {"inputs": {"paths": [str(fe3pt)]},
                                       "physics": {"eos": "bm3"},
                                       "analysis": {"pressures_GPa": [-1.0, 1.0, 3.0]}}),
        ("fe3pt-tree-atom-debye", {"inputs": {"paths": [str(fe3pt)]},
                                   "physics": {"debye_volume": "atom"}}),
        ("si-bm4", {"inputs": {"paths": si_paths}}),
        ("si-vinet", {"inputs": {"paths": si_paths}, "physics": {"eos": "vinet"}}),
        ("al-dfttk", {"inputs": {"paths": [str(al)]}}),
    ]
    common = {"methods": {"run": ["exact"]}}
    return [{"name": name, **common, **tables,
             "analysis": {"tstep_K": tstep, **tables.get("analysis", {})}}
            for name, tables in entries]


def warm_up(config) -> None:
    """One run of ``config`` (into a folder of this process, thrown away): imports, fonts."""
    from zenthermo.pipeline import run_pipeline

    config = replace(config, output_dir=f"{config.output_dir}-{os.getpid()}")
    run_pipeline(config)
    shutil.rmtree(config.output_dir, ignore_errors=True)


@dataclass
class Lone:
    """A material run alone: wall time, CPU time and the pipeline's stage timings, s."""

    wall_s: float
    cpu_s: float
    stages_s: dict


def lone_runs(placed, out: Path) -> tuple[float, dict[str, Lone]]:
    """Wall s of the warm-up run, and each material run alone in this process after it."""
    import torch

    from zenthermo.pipeline import run_pipeline

    torch.set_num_threads(1)
    start = time.perf_counter()
    warm_up(replace(placed[0].config, output_dir=str(out / "warm-up")))
    warm = time.perf_counter() - start
    runs = {}
    for material in placed:
        start, cpu = time.perf_counter(), time.thread_time()
        result = run_pipeline(material.config)
        runs[material.name] = Lone(time.perf_counter() - start, time.thread_time() - cpu,
                                   dict(result.timings_s))
    return warm, runs


@dataclass
class Batch:
    """A batch run: cold and warm wall time, its :class:`BatchRun`, and the CPU time (s) of
    the worker processes (every thread) and of this process (client, scheduler, the closing
    files) during the warm part."""

    cold_s: float
    warm_s: float
    run: object
    worker_cpu_s: float
    client_cpu_s: float


def batch_run(entries, out: Path, workers: int, dask_defaults: bool = False) -> Batch:
    """The batch on ``workers`` local workers, each warmed up first by one run."""
    from zenthermo import engine
    from zenthermo.batch import execute_batch

    settings = engine.LOCAL_WORKER_CONFIG
    if dask_defaults:
        engine.LOCAL_WORKER_CONFIG = {}
    try:
        start = time.perf_counter()
        with engine.client(workers=workers) as client:
            warm = replace(entries[0].config, output_dir=str(out.parent / f"{out.name}-warm"))
            client.run(warm_up, warm)  # on every worker
            ready, before = time.perf_counter(), client.run(time.process_time)
            cpu = time.process_time()
            run = execute_batch(entries, out, client, force=True)
            done = time.perf_counter()
            cpu = time.process_time() - cpu
            after = client.run(time.process_time)
    finally:
        engine.LOCAL_WORKER_CONFIG = settings
    statuses = {o.name: o.status for o in run.outcomes}
    if set(statuses.values()) != {"ok"}:
        sys.exit(f"some materials did not run on {workers} worker(s): {statuses}")
    workers_cpu = sum(after[address] - before[address] for address in after)
    return Batch(done - start, done - ready, run, workers_cpu, cpu)


def breakdown(lone: dict[str, Lone], batch: Batch) -> list[list[object]]:
    """Rows (stage, alone s, batch s, s per material) of the 1-worker batch's overhead."""
    outcomes, count = batch.run.outcomes, len(lone)
    tasks = sum(o.wall_s for o in outcomes)
    span = {key: sum(o.timings_s.get(key, 0.0) for o in outcomes)
            for key in ("check", "pipeline", "manifest")}
    stages = sorted({s for run in lone.values() for s in run.stages_s}
                    | {s for o in outcomes for s in o.stages_s})
    alone_total = sum(run.wall_s for run in lone.values())
    closing = batch.run.timings_s["batch table and index"]
    dask = batch.run.timings_s["materials"] - tasks

    def row(stage, alone, batched):
        extra = batched - (alone or 0.0)
        return [stage, "-" if alone is None else f"{alone:.2f}", f"{batched:.2f}",
                f"{extra / count:+.3f}"]

    rows = [row(f"pipeline: {stage}", sum(r.stages_s.get(stage, 0.0) for r in lone.values()),
                sum(o.stages_s.get(stage, 0.0) for o in outcomes)) for stage in stages]
    rows += [row("**pipeline (all of it)**", alone_total, span["pipeline"]),
             row("task: input hashes + up-to-date check", None, span["check"]),
             row("task: manifest", None, span["manifest"]),
             row("Dask: submit, schedule, results back", None, dask),
             row("batch.csv + index.html (once per batch)", None, closing),
             row("**total (warm wall)**", alone_total, batch.warm_s)]
    return rows


def cpu_breakdown(lone: dict[str, Lone], batch: Batch) -> list[list[object]]:
    """Rows (what, alone CPU s, batch CPU s, s per material) of the 1-worker batch."""
    alone, count = sum(run.cpu_s for run in lone.values()), len(lone)
    tasks = sum(o.cpu_s for o in batch.run.outcomes)

    def row(what, batched, reference):
        return [what, "-" if reference is None else f"{reference:.2f}", f"{batched:.2f}",
                f"{(batched - (reference or 0.0)) / count:+.3f}"]

    return [row("task threads (pipeline, hashes, manifest)", tasks, alone),
            row("worker process, all threads (+ Dask's event loop)", batch.worker_cpu_s, alone),
            row("this process: client, scheduler, batch.csv + index.html", batch.client_cpu_s,
                None)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tstep", type=float, default=1.0, help="temperature step, K (1)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/")
    parser.add_argument("--dask-defaults", action="store_true",
                        help="also a 1-worker batch with Dask's default worker settings")
    args = parser.parse_args()
    from zenthermo.batch import materials_from_mappings

    entries = materials_from_mappings(materials(args.tstep))
    bad = [f"{m.name}: {m.error}" for m in entries if m.error]
    if bad:
        sys.exit("cannot set up the batch: " + "; ".join(bad))
    work = Path(tempfile.mkdtemp(prefix="zenthermo-batch-bench-"))
    try:
        first, lone = lone_runs([m.placed_in(work / "lone") for m in entries], work)
        runs = {n: batch_run(entries, work / f"batch-{n}", n) for n in (1, 2)}
        if args.dask_defaults:  # last: Dask's nanny leaves its settings in os.environ
            runs["defaults"] = batch_run(entries, work / "batch-defaults", 1, True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total, count = sum(run.wall_s for run in lone.values()), len(entries)
    one, two = runs[1], runs[2]

    def overhead(batch: Batch) -> list[str]:
        return [f"{(batch.warm_s - total) / count:+.2f}",
                f"{(batch.cold_s - total - first) / count:+.2f}"]

    rows = [
        ["alone, in process (sum of 8)", "-", f"{total:.1f}", f"{total + first:.1f}", "-", "-"],
        ["batch, 1 worker", 1, f"{one.warm_s:.1f}", f"{one.cold_s:.1f}", *overhead(one)],
        ["batch, 2 workers", 2, f"{two.warm_s:.1f}", f"{two.cold_s:.1f}", "-", "-"],
    ]
    if "defaults" in runs:
        old = runs["defaults"]
        rows.append(["batch, 1 worker, Dask's default worker settings", 1,
                     f"{old.warm_s:.1f}", f"{old.cold_s:.1f}", *overhead(old)])
    table = markdown_table(["run", "workers", "wall s (warm)", "wall s (cold)",
                            "overhead s/material (warm)", "overhead s/material (cold)"], rows)
    stages = markdown_table(["stage (1 worker, warm)", "alone s (sum of 8)", "batch s (sum)",
                             "overhead s/material"], breakdown(lone, one))
    cpu_rows = cpu_breakdown(lone, one)
    if "defaults" in runs:
        cpu_rows += [[f"Dask's default worker settings: {what}", *rest]
                     for what, *rest in cpu_breakdown(lone, runs["defaults"])[:2]]
    cpu = markdown_table(["CPU time (1 worker, warm)", "alone s (sum of 8)", "batch s",
                          "overhead s/material"], cpu_rows)
    per_material = markdown_table(
        ["material", "alone s", "task s (1 worker)", "alone CPU s", "task CPU s (1 worker)"],
        [[o.name, f"{lone[o.name].wall_s:.2f}", f"{o.wall_s:.2f}", f"{lone[o.name].cpu_s:.2f}",
          f"{o.cpu_s:.2f}"] for o in one.run.outcomes])
    load = os.getloadavg()[0]
    text = (
        "## Batch scaling (`benchmarks/batch_scaling.py`)\n\n"
        f"8 exact-path materials (Fe3Pt embedded and fixture tree with other EOS and "
        f"pressures, Si phonopy-qha, Al DFTTK), tstep {args.tstep:g} K, "
        f"{os.cpu_count()} CPUs visible, load average {load:.1f} at the end. Alone and on "
        "the workers: one torch/BLAS thread, one warm-up run before the clock, the same "
        "output files. Warm: the cluster started and each worker warmed up before the "
        "clock; cold: with them (and alone with its warm-up run: the first run of a "
        "process, imports included).\n\n"
        f"Speed-up 1 -> 2 workers: **{one.warm_s / two.warm_s:.2f}x** warm, "
        f"{one.cold_s / two.cold_s:.2f}x cold (target >= 1.7x on 2 idle cores); overhead "
        "per material against running alone: target < 0.5 s.\n\n" + table
        + "\n\nWhere the 1-worker batch's time goes (per material: the difference from "
        "alone, divided by 8):\n\n" + stages + "\n\nCPU time, which the load of a shared "
        "machine disturbs far less than wall time:\n\n" + cpu + "\n\n"
        "With Dask's default worker settings the pipeline costs more CPU on a worker than "
        "alone: Dask's nanny sets `MALLOC_TRIM_THRESHOLD_`, which turns glibc's adaptive "
        "mmap threshold off (every numpy temporary and figure buffer over 128 KiB is "
        "page-faulted afresh, 7-9x the page faults of a lone run), and its statistical "
        "profiler samples the task's stack every 10 ms on the event loop. zenthermo's local "
        "workers run without both (`zenthermo.engine.LOCAL_WORKER_CONFIG`).\n\n"
        + per_material
    )
    print(text)
    if not args.no_write:
        write_section("batch-scaling", text)


if __name__ == "__main__":
    main()

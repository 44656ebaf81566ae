"""Benchmark: a batch of 8 independent exact-path materials on 1 and on 2 Dask workers.

The materials are Fe3Pt variants (the embedded sources file and the VASP fixture tree with
other pressures and equations of state), diamond Si from phonopy-qha (two EOS) and fcc Al
in DFTTK's layout; `--methods exact`. Measured in one run, side by side:

* each material alone, in this process (imports warm): the reference;
* the batch on a LocalCluster of 1 worker and of 2 workers (``--force``, so that every
  material is computed): wall time with the cluster already started and its workers'
  imports done ("warm"), and with the cluster start included ("cold").

Targets: speed-up 1 -> 2 workers of at least 1.7x on 2 cores; overhead per material
(1-worker batch against the sum of the lone runs, divided by 8) under 0.5 s.

    .venv/bin/python benchmarks/batch_scaling.py [--tstep 1] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures"
#: Modules a worker imports for a material; loaded up front for the warm timings.
WORKER_IMPORTS = ("zenthermo.batch.task", "zenthermo.io.ingest", "zenthermo.report.summary",
                  "zenthermo.landscape.exact", "zenthermo.thermo.analysis",
                  "zenthermo.report.figures", "zenthermo.report.html")


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


def lone_runs(batch_materials, out: Path) -> dict[str, float]:
    """Wall time of each material run alone in this process (after a warm-up run)."""
    from dataclasses import replace

    from zenthermo.pipeline import run_pipeline

    run_pipeline(replace(batch_materials[0].config, output_dir=str(out / "warm-up")))
    times = {}
    for material in batch_materials:
        start = time.perf_counter()
        run_pipeline(replace(material.config, output_dir=str(out / "lone" / material.name)))
        times[material.name] = time.perf_counter() - start
    return times


def batch_run(entries, out: Path, workers: int) -> tuple[float, float, list[str]]:
    """(cold wall s, warm wall s, statuses) of the batch on ``workers`` local workers."""
    import importlib

    from zenthermo import engine
    from zenthermo.batch import execute_batch

    start = time.perf_counter()
    with engine.client(workers=workers) as client:
        for module in WORKER_IMPORTS:
            client.run(importlib.import_module, module)
        ready = time.perf_counter()
        run = execute_batch(entries, out, client, force=True)
        done = time.perf_counter()
    return done - start, done - ready, [o.status for o in run.outcomes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tstep", type=float, default=1.0, help="temperature step, K (1)")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/")
    args = parser.parse_args()
    from zenthermo.batch import materials_from_mappings

    entries = materials_from_mappings(materials(args.tstep))
    bad = [f"{m.name}: {m.error}" for m in entries if m.error]
    if bad:
        sys.exit("cannot set up the batch: " + "; ".join(bad))
    work = Path(tempfile.mkdtemp(prefix="zenthermo-batch-bench-"))
    try:
        placed = [m.placed_in(work / "lone") for m in entries]
        lone = lone_runs(placed, work)
        results = {n: batch_run(entries, work / f"batch-{n}", n) for n in (1, 2)}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    failed = {n: s for n, (_, _, s) in results.items() if set(s) != {"ok"}}
    if failed:
        sys.exit(f"some materials did not run: {failed}")
    total = sum(lone.values())
    (cold1, warm1, _), (cold2, warm2, _) = results[1], results[2]
    rows = [
        ["alone, in process (sum of 8)", "-", f"{total:.1f}", "-", "-", "-"],
        ["batch, 1 worker", 1, f"{warm1:.1f}", f"{cold1:.1f}",
         f"{(warm1 - total) / len(entries):+.2f}", f"{(cold1 - total) / len(entries):+.2f}"],
        ["batch, 2 workers", 2, f"{warm2:.1f}", f"{cold2:.1f}", "-", "-"],
    ]
    table = markdown_table(["run", "workers", "wall s (warm)", "wall s (cold)",
                            "overhead s/material (warm)", "overhead s/material (cold)"], rows)
    per_material = markdown_table(["material", "alone s"],
                                  [[n, f"{t:.2f}"] for n, t in lone.items()])
    load = os.getloadavg()[0]
    text = (
        "## Batch scaling (`benchmarks/batch_scaling.py`)\n\n"
        f"8 exact-path materials (Fe3Pt embedded and fixture tree with other EOS and "
        f"pressures, Si phonopy-qha, Al DFTTK), tstep {args.tstep:g} K, "
        f"{os.cpu_count()} CPUs visible, load average {load:.1f} at the end. Warm: the "
        "cluster started and its workers' imports done before the clock; cold: with them.\n\n"
        f"Speed-up 1 -> 2 workers: **{warm1 / warm2:.2f}x** warm, {cold1 / cold2:.2f}x cold "
        "(target >= 1.7x on 2 idle cores); overhead per material against running alone: "
        "target < 0.5 s.\n\n" + table + "\n\n" + per_material
    )
    print(text)
    if not args.no_write:
        write_section("batch-scaling", text)


if __name__ == "__main__":
    main()

"""Speed of the uncertainty analysis on Fe3Pt: N members, 3 isobars, phase diagram included.

The target of issue 12: ``--uncertainty 100`` on the embedded Fe3Pt data (0, 2, 4 GPa,
0-1000 K at 1 K, phase diagram included) under 60 s on 2 cores. The script times the plain
analysis, the members' inputs, the members (through ``local_process_map(workers)``) and the
percentiles, and where one member's time goes (building its landscape, isobars, phase
diagram), and writes the table into docs/uncertainty.md.

Run: ``python benchmarks/uncertainty_speed.py [--members 100] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402
from zenthermo import load_sources  # noqa: E402
from zenthermo.data import default_sources_path  # noqa: E402
from zenthermo.landscape.exact import ExactZentropy  # noqa: E402
from zenthermo.thermo.analysis import analyze  # noqa: E402
from zenthermo.thermo.phase_diagram import compute_phase_diagram  # noqa: E402
from zenthermo.uncertainty import (  # noqa: E402
    UncertaintySettings,
    estimate_uncertainty,
    local_process_map,
    member_temperatures,
    uncertainty_to_dict,
)
from zenthermo.uncertainty.members import build_landscape  # noqa: E402
from zenthermo.uncertainty.resampling import draw_members, plan_resampling  # noqa: E402

DOC = Path(__file__).resolve().parents[1] / "docs" / "uncertainty.md"
FE3PT_SOURCES = default_sources_path()
PRESSURES_GPA = (0.0, 2.0, 4.0)
TEMPERATURES_K = np.arange(0.0, 1001.0, 1.0)


def timed(func, *args, **kwargs):
    start = time.perf_counter()
    value = func(*args, **kwargs)
    return value, time.perf_counter() - start


def member_breakdown(source_set, settings, repeats: int = 5) -> dict[str, float]:
    """Mean seconds of one member's stages (serial, this process)."""
    plan = plan_resampling(source_set, settings, {})
    members = draw_members(plan, settings)[:repeats]
    T = member_temperatures(TEMPERATURES_K, settings.member_tstep_K)
    totals = {"build": 0.0, "isobars": 0.0, "phase diagram": 0.0}
    for member in members:
        landscape, seconds = timed(build_landscape, member.source_set, member.eos_kinds, {})
        totals["build"] += seconds
        totals["isobars"] += timed(analyze, landscape, PRESSURES_GPA, T,
                                   phase_diagram=False)[1]
        totals["phase diagram"] += timed(compute_phase_diagram, landscape, n_temperatures=30)[1]
    return {k: v / len(members) for k, v in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--method", default="both")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()
    source_set = load_sources(FE3PT_SOURCES)
    settings = UncertaintySettings(members=args.members, method=args.method)

    start = time.perf_counter()
    landscape = ExactZentropy.from_sources(source_set)
    _, t_isobars = timed(analyze, landscape, PRESSURES_GPA, TEMPERATURES_K,
                                    phase_diagram=False)
    _, t_diagram = timed(compute_phase_diagram, landscape)
    cpu_start = time.process_time()
    central, t_central = timed(analyze, landscape, PRESSURES_GPA, TEMPERATURES_K)
    cpu_central = time.process_time() - cpu_start
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result, t_members = timed(estimate_uncertainty, source_set, central, settings,
                              map_fn=local_process_map(args.workers))
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_members = (children.ru_utime + children.ru_stime
                   - children_before.ru_utime - children_before.ru_stime)
    projected = cpu_central + cpu_members / args.workers
    _, t_encode = timed(uncertainty_to_dict, result)
    total = time.perf_counter() - start - t_isobars - t_diagram  # those two are diagnostics
    load_after = os.getloadavg()
    breakdown = member_breakdown(source_set, settings)

    rows = [
        ["plain analysis (isobars at 1 K)", f"{t_isobars:.2f}"],
        ["plain analysis (phase diagram, 100 temperatures)", f"{t_diagram:.2f}"],
        ["plain analysis (all)", f"{t_central:.2f}"],
        [f"{args.members} members ({args.workers} processes) and percentiles",
         f"{t_members:.2f}"],
        ["encode the summary object", f"{t_encode:.3f}"],
        ["**total: plain + uncertainty (wall, loaded machine)**", f"**{total:.1f}**"],
        ["CPU seconds: plain analysis", f"{cpu_central:.1f}"],
        [f"CPU seconds: {args.members} members (all worker processes)", f"{cpu_members:.1f}"],
        [f"**projected wall on {args.workers} idle cores: plain CPU + members CPU / "
         f"{args.workers}**", f"**{projected:.1f}**"],
        ["one member: build landscape (serial)", f"{breakdown['build']:.3f}"],
        ["one member: isobars at 5 K (serial)", f"{breakdown['isobars']:.3f}"],
        ["one member: phase diagram, 30 temperatures (serial)",
         f"{breakdown['phase diagram']:.3f}"],
    ]
    text = (
        f"Fe3Pt (`zenthermo/data/fe3pt/sources.json`), 0/2/4 GPa, 0-1000 K at 1 K, phase diagram "
        f"included, method `{args.method}`, {args.members} members, "
        f"{result.failed_members} failed.\n\n"
        + markdown_table(["stage", "seconds"], rows)
        + f"\n\nLoad average {load_before[0]:.1f} before, {load_after[0]:.1f} after, on a "
        f"{os.cpu_count()}-core machine shared with other jobs (the target: under 60 s on 2 "
        "cores)."
    )
    print(text)
    if not args.no_write:
        write_section("uncertainty_speed", text, doc=DOC)


if __name__ == "__main__":
    main()

"""ZENN analysis against the exact analysis on the same grid (issue 15, item 2).

Three isobars (0, 2, 4 GPa) at 1 K steps from 0 to 1000 K with the phase diagram, on the
embedded Fe3Pt data: the exact landscape and a trained ZENN (``--model`` a model file from
``zenthermo fit``; without it the default ZENN is trained first, not timed). Target: the
ZENN analysis within 3x the exact one, on the same temperature grid. Best of ``--repeats``
(the two taking turns).

Run: ``python benchmarks/zenn_analysis_speed.py [--model MODEL.pt] [--repeats 3]
[--threads 1]``. Writes its table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402

PRESSURES_GPA = (0.0, 2.0, 4.0)
TEMPERATURES_K = np.arange(0.0, 1001.0, 1.0)


def best_times(landscapes: dict, repeats: int) -> dict:
    """Per landscape: (best wall s, best CPU s, analysis); the landscapes take turns in every
    repeat, so a change of the machine's load falls on all of them alike."""
    from zenthermo.thermo.analysis import analyze

    best = {name: [np.inf, np.inf, None] for name in landscapes}
    for _ in range(repeats):
        for name, landscape in landscapes.items():
            wall, cpu = time.perf_counter(), time.process_time()
            result = analyze(landscape, PRESSURES_GPA, TEMPERATURES_K)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            best[name] = [min(best[name][0], wall), min(best[name][1], cpu), result]
    return best


def describe(analysis) -> list[str]:
    cp = analysis.phase_diagram.critical_point
    windows = analysis.isobars[0].nte_windows
    nte = ", ".join(f"{w.T_start_K:.1f}-{w.T_end_K:.1f} K" for w in windows) or "none"
    point = "none" if cp is None else f"{cp.T_K:.1f} K, {cp.P_GPa:.2f} GPa"
    isobar = analysis.isobars[0]
    v300 = float(np.interp(300.0, isobar.T_K, isobar.V_A3))
    return [str(isobar.T_K.size), f"{v300:.6f}", point, nte]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's)")
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from zenthermo.data import load_default_sources
    from zenthermo.landscape.exact import ExactZentropy

    sources = load_default_sources()
    exact = ExactZentropy.from_sources(sources)
    if args.model:
        from zenthermo.landscape.model_file import load_model

        zenn = load_model(args.model)
    else:
        from zenthermo.landscape.train import ZennFitter

        zenn = ZennFitter(max_temperature=1000.0).fit(sources).landscape_
    times = best_times({"exact": exact, "zenn": zenn}, args.repeats)
    (t_exact, c_exact, a_exact), (t_zenn, c_zenn, a_zenn) = times["exact"], times["zenn"]
    rows = [["exact", f"{t_exact:.2f}", f"{c_exact:.2f}", "1.0x", *describe(a_exact)],
            ["zenn", f"{t_zenn:.2f}", f"{c_zenn:.2f}",
             f"{t_zenn / t_exact:.1f}x (CPU {c_zenn / c_exact:.1f}x)", *describe(a_zenn)]]
    for row in rows:
        print(" | ".join(row), flush=True)
    text = (
        "## ZENN analysis against the exact analysis (`benchmarks/zenn_analysis_speed.py`)\n\n"
        "Embedded Fe3Pt data; 3 isobars (0, 2, 4 GPa) at 1 K steps, 0-1000 K, phase diagram "
        f"included; best of {args.repeats} (the two landscapes taking turns), wall and CPU "
        f"time of the process; {torch.get_num_threads()} torch thread(s). "
        "Target: ZENN within 3x the exact analysis on the "
        f"same grid. Machine: {platform.machine()}, {os.cpu_count()} CPUs, shared with "
        "other work (measured under load).\n\n"
        + markdown_table(["landscape", "analysis s", "CPU s", "vs exact", "temperatures",
                          "V(300 K, 0 GPa) A^3", "critical point", "NTE at 0 GPa"], rows)
    )
    write_section("zenn-analysis-speed", text)


if __name__ == "__main__":
    main()

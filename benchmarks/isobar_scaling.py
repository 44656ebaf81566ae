"""How the exact analysis grows with the number of pressures and of configurations.

Issue 15, item 5. Two measurements on the embedded Fe3Pt data (BM4 + Debye-Grueneisen,
0-1000 K at 1 K, isobars only):

* pressures: ``analyze`` at 1 pressure and at 50 pressures (0-8 GPa) in one process (wall
  and CPU time, best of 15, the two taking turns), once with glibc's allocator as a library
  caller has it and once with its thresholds pinned as the console script pins them
  (:mod:`zenthermo.allocator`), each in a fresh process, and the landscape points each evaluates
  (one evaluation of every source each: a ``derivatives`` call, a ``probabilities`` call,
  or ``derivatives_and_probabilities``, which the isobars' Newton polish uses; a count
  that does not depend on the load); target 50 pressures under 5x one. What grows with
  the pressures: per pressure and temperature about 1.1 evaluations of the sources (the
  gated polish: one where the start's Newton step is under 1e-12 of V, else one more), the
  scan's extra full columns where some pressure's minima appear, vanish or jump, the
  bookkeeping of about 51k candidate minima and the NTE windows of 50 isobars;
* configurations: ``analyze`` at 0 GPa of a synthetic exact landscape of K configurations
  (copies of the three Fe3Pt sources under new names and multiplicities), each K in a fresh
  process, with its peak resident memory (``ru_maxrss``) and the peak of Python's
  allocations (tracemalloc); target 1000 configurations under 4 GiB.

Run: ``python benchmarks/isobar_scaling.py [--configurations 3 100 1000]``. Writes its table
into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402

TEMPERATURES_K = np.arange(0.0, 1001.0, 1.0)
MANY_PRESSURES_GPA = tuple(np.linspace(0.0, 8.0, 50))


def fe3pt_free_energies():
    from zenthermo.data import load_default_sources
    from zenthermo.physics.free_energy import build_source_free_energies

    return build_source_free_energies(load_default_sources())


def replicated(free_energies, n: int):
    """n sources: copies of the given ones, renamed, with multiplicities 1, 2, 3, ..."""
    return [dataclasses.replace(free_energies[i % len(free_energies)], name=f"c{i}",
                                multiplicity=float(1 + i % 7)) for i in range(n)]


class CountingLandscape:
    """A landscape that counts the (V, T) points of its derivative and probability calls
    (one evaluation of the sources each; ``derivatives_and_probabilities`` counts once)."""

    def __init__(self, inner):
        self.inner, self.points = inner, 0

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def derivatives(self, V, T, fields=None):
        self.points += int(np.prod(np.broadcast_shapes(np.shape(V), np.shape(T))))
        return self.inner.derivatives(V, T, fields=fields)

    def probabilities(self, V, T):
        self.points += int(np.prod(np.broadcast_shapes(np.shape(V), np.shape(T))))
        return self.inner.probabilities(V, T)

    def derivatives_and_probabilities(self, V, T, fields=None):
        self.points += int(np.prod(np.broadcast_shapes(np.shape(V), np.shape(T))))
        return self.inner.derivatives_and_probabilities(V, T, fields)


def time_pressures(repeats: int = 15) -> dict[str, tuple[float, float, int]]:
    """Per case ("1", "50"): (best wall s, best CPU s, landscape points evaluated); the two
    cases take turns in every repeat, so a change of the machine's load falls on both."""
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.thermo.analysis import analyze

    landscape = ExactZentropy(fe3pt_free_energies())
    cases = {"1": (0.0,), "50": MANY_PRESSURES_GPA}
    best = {label: [np.inf, np.inf] for label in cases}
    for _ in range(repeats):
        for label, pressures in cases.items():
            wall, cpu = time.perf_counter(), time.process_time()
            analyze(landscape, pressures, TEMPERATURES_K, phase_diagram=False)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[label] = [min(best[label][0], wall), min(best[label][1], cpu)]
    result = {}
    for label, pressures in cases.items():
        counting = CountingLandscape(landscape)
        analyze(counting, pressures, TEMPERATURES_K, phase_diagram=False)
        result[label] = (best[label][0], best[label][1], counting.points)
    return result


def child(n: int, tstep: float) -> None:
    """Analyse K = n configurations at 0 GPa; print seconds and memory as JSON."""
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.thermo.analysis import analyze

    landscape = ExactZentropy(replicated(fe3pt_free_energies(), n))
    tracemalloc.start()
    start = time.perf_counter()
    analysis = analyze(landscape, (0.0,), np.arange(0.0, 1000.0 + tstep / 2, tstep),
                       phase_diagram=False)
    seconds = time.perf_counter() - start
    traced = tracemalloc.get_traced_memory()[1]
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert len(analysis.isobars[0].probabilities) == n
    print(json.dumps({"n": n, "seconds": seconds, "traced_MiB": traced / 2**20,
                      "maxrss_MiB": rss_kib / 1024}))


def pressures_child(allocator_regime: str) -> None:
    """Time the pressures with the allocator as given ("default", or "pinned" as the console
    script has it); print the result as JSON."""
    if allocator_regime == "pinned":
        from zenthermo.allocator import pin_thresholds

        assert pin_thresholds(), "not a glibc system: nothing to pin"
    print(json.dumps(time_pressures()))


def measure_pressures(allocator_regime: str) -> dict[str, tuple[float, float, int]]:
    out = subprocess.run([sys.executable, __file__, "--pressures-child", allocator_regime],
                         check=True, capture_output=True, text=True)
    return {k: tuple(v) for k, v in json.loads(out.stdout.strip().splitlines()[-1]).items()}


def measure_configurations(n: int, tstep: float) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", str(n), "--tstep", str(tstep)],
                         check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configurations", type=int, nargs="+", default=[3, 100, 1000])
    parser.add_argument("--tstep", type=float, default=1.0,
                        help="temperature step of the configurations runs, K (1)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--pressures-child", choices=("default", "pinned"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.tstep)
        return
    if args.pressures_child:
        pressures_child(args.pressures_child)
        return
    regimes = {}
    for regime in ("default", "pinned"):
        (t1, c1, n1), (t50, c50, n50) = measure_pressures(regime).values()
        regimes[regime] = (t1, c1, t50, c50, n1, n50)
        print(f"{regime} allocator: 1 pressure {t1:.4f} s (CPU {c1:.4f}), 50 pressures "
              f"{t50:.4f} s (CPU {c50:.4f}): {t50 / t1:.2f}x (CPU {c50 / c1:.2f}x); "
              f"landscape points {n1} and {n50} ({n50 / n1:.1f}x)", flush=True)
    rows = []
    for n in args.configurations:
        m = measure_configurations(n, args.tstep)
        print(m, flush=True)
        rows.append([n, f"{m['seconds']:.1f}", f"{m['maxrss_MiB']:.0f}",
                     f"{m['traced_MiB']:.0f}"])
    text = (
        "## Exact analysis: cost against pressures and configurations "
        "(`benchmarks/isobar_scaling.py`)\n\n"
        "Embedded Fe3Pt data, 0-1000 K at 1 K, isobars only (no phase diagram). "
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, shared with other work "
        "(measured under load: times are upper bounds).\n\n"
        "Pressures (best of 15 in one fresh process, the two cases taking turns, 1 thread; "
        "allocator as a library caller has it, then with glibc's thresholds pinned as the "
        "console script pins them; target under 5x):\n\n"
        + markdown_table(
            ["allocator", "1 pressure ms (CPU)", "50 pressures ms (CPU)", "ratio (CPU)"],
            [[regime, f"{t1 * 1e3:.1f} ({c1 * 1e3:.1f})", f"{t50 * 1e3:.1f} ({c50 * 1e3:.1f})",
              f"**{t50 / t1:.2f}x** ({c50 / c1:.2f}x)"]
             for regime, (t1, c1, t50, c50, _, _) in regimes.items()])
        + "\n\nLandscape points evaluated (each one evaluation of every source: "
        "derivatives, probabilities, or both from one evaluation; independent of the load): "
        f"{n1} and {n50} ({n50 / n1:.1f}x).\n\n"
        f"Configurations (0 GPa, 0-1000 K at {args.tstep:g} K; copies of the three Fe3Pt "
        "sources under new names and "
        "multiplicities; each K in a fresh process; target 1000 configurations under "
        "4 GiB):\n\n"
        + markdown_table(["configurations K", "analysis s", "peak RSS MiB",
                          "peak traced (Python) MiB"], rows)
    )
    write_section("isobar-scaling", text)


if __name__ == "__main__":
    main()

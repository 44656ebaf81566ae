"""Calibration of the error bars: coverage of the 95 % intervals on data with a known truth.

For each noise level sigma (eV per cell, Gaussian, independent per point) the script draws
data sets from :data:`zenthermo.uncertainty.calibration.FE3PT_LIKE` (three configurations,
two Vinet and one Birch-Murnaghan E(V) with Debye-Grueneisen vibrations, 12 volumes),
runs the plain analysis (BM4, the default) and the uncertainty analysis on each, and counts
how often the 95 % interval holds the true T_c, P_c and NTE ends (the truth: the noise-free
data fitted by their own closed forms). It reports coverage with its binomial standard
error and Wilson 95 % range and the mean interval width, per noise level, and writes the
table into docs/uncertainty.md. The EOS family averaged is the uncertainty analysis's
default (kinds with no more parameters than the plain BM4); ``--more-flexible-kinds``
averages over all five kinds, as before that limit.

Run (minutes to an hour, depending on the sizes; use ``nice``)::

    nice python benchmarks/uncertainty_coverage.py --datasets 30 --members 100 --workers 2
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402
from zenthermo.uncertainty import (  # noqa: E402
    UncertaintySettings,
    analyze_with_uncertainty,
    local_process_map,
    serial_map,
)
from zenthermo.uncertainty.calibration import (  # noqa: E402
    FE3PT_LIKE,
    Check,
    check_intervals,
    truth_analysis,
)

DOC = Path(__file__).resolve().parents[1] / "docs" / "uncertainty.md"
PRESSURES_GPA = (0.0, 2.0, 4.0)
TEMPERATURES_K = np.arange(0.0, 601.0, 2.0)
QUANTITIES = ("T_c", "P_c", "NTE start", "NTE end")


def run_dataset(job: tuple[float, int, int, int, str, bool, bool]
                ) -> tuple[list[Check], int, int]:
    """One data set: (noise eV, data-set index, base seed, members, method, draw the noise
    level, average over more flexible EOS kinds too) -> checks, failed members, members with
    a critical point."""
    noise, index, seed, members, method, draw, all_kinds = job
    rng = np.random.default_rng([seed, int(round(noise * 1e7)), index])
    data = FE3PT_LIKE.source_set(noise, rng)
    settings = UncertaintySettings(members=members, method=method, seed=seed + index,
                                   phase_lines=False, draw_noise_level=draw,
                                   more_flexible_kinds=all_kinds)
    central, result = analyze_with_uncertainty(data, PRESSURES_GPA, TEMPERATURES_K, settings)
    cp = result.critical_point
    with_cp = round(cp.present_fraction * result.successful_members) if cp else 0
    return check_intervals(TRUTH, central, result), result.failed_members, with_cp


TRUTH = truth_analysis(FE3PT_LIKE, PRESSURES_GPA, TEMPERATURES_K)


def wilson(successes: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion."""
    if n == 0:
        return float("nan"), float("nan")
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def standard_error(successes: int, n: int) -> float:
    """Binomial standard error sqrt(p (1 - p) / n) of the observed proportion p."""
    if n == 0:
        return float("nan")
    p = successes / n
    return float(np.sqrt(p * (1 - p) / n))


def summarise(noise: float, results: list[tuple[list[Check], int, int]], members: int) -> list:
    by_quantity: dict[str, list[Check]] = defaultdict(list)
    for checks, _, _ in results:
        for check in checks:
            by_quantity[check.quantity].append(check)
    row: list[object] = [f"{noise * 1e3:g}", len(results)]
    for quantity in QUANTITIES:
        checks = by_quantity[quantity]
        hits = sum(c.covered for c in checks)
        low, high = wilson(hits, len(checks))
        widths = [c.width for c in checks if np.isfinite(c.width)]
        unit = " GPa" if quantity == "P_c" else " K"
        digits = 3 if quantity == "P_c" else 2
        row += [f"{hits}/{len(checks)} = {hits / max(len(checks), 1):.0%} "
                f"± {standard_error(hits, len(checks)):.0%} ({low:.0%}-{high:.0%})",
                f"{np.mean(widths):.{digits}f}{unit}" if widths else "-"]
    failed = sum(f for _, f, _ in results)
    with_cp = sum(c for _, _, c in results)
    row += [f"{failed / (members * len(results)):.1%}",
            f"{with_cp / max(members * len(results) - failed, 1):.1%}"]
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=30,
                        help="data sets per noise level")
    parser.add_argument("--members", type=int, default=100,
                        help="members of the uncertainty analysis of each data set")
    parser.add_argument("--noise-mev", default="0.25,0.5,1.0",
                        help="noise levels, meV per cell, comma-separated")
    parser.add_argument("--method", default="both", choices=("bootstrap", "eos", "both"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--fixed-noise-level", action="store_true",
                        help="bootstrap without drawing the noise level (draw_noise_level off)")
    parser.add_argument("--more-flexible-kinds", action="store_true",
                        help="average over all EOS kinds, not only those with no more "
                             "parameters than the plain BM4 (the behaviour before the limit)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    levels = [float(x) * 1e-3 for x in args.noise_mev.split(",")]
    map_fn = local_process_map(args.workers) if args.workers > 1 else serial_map
    load_before = os.getloadavg()
    start = time.perf_counter()
    rows = []
    for noise in levels:
        jobs = [(noise, d, args.seed, args.members, args.method, not args.fixed_noise_level,
                 args.more_flexible_kinds) for d in range(args.datasets)]
        results = map_fn(run_dataset, jobs)
        rows.append(summarise(noise, results, args.members))
        print(rows[-1], f"{time.perf_counter() - start:.0f} s", flush=True)
    elapsed = time.perf_counter() - start
    load_after = os.getloadavg()
    headers = ["noise (meV/cell)", "data sets"]
    for quantity in QUANTITIES:
        headers += [f"{quantity} coverage ± s.e. (95 % range)", f"{quantity} mean width"]
    headers += ["failed members", "members with a critical point"]
    cp = TRUTH.phase_diagram.critical_point
    windows = "; ".join(f"{i.P_GPa:g} GPa: {w.T_start_K:.1f}-{w.T_end_K:.1f} K"
                        for i in TRUTH.isobars for w in i.nte_windows)
    variant = "noise level fixed at its estimate" if args.fixed_noise_level else \
        "noise level drawn per member"
    family_settings = UncertaintySettings(more_flexible_kinds=args.more_flexible_kinds)
    family = ", ".join(family_settings.family_kinds("bm4"))
    limit = "all kinds" if args.more_flexible_kinds else \
        "the kinds with no more parameters than the plain BM4"
    n_checks = {"T_c": args.datasets, "P_c": args.datasets,
                "NTE ends": args.datasets * sum(len(i.nte_windows) for i in TRUTH.isobars)}
    nominal = "; ".join(f"{q} {np.sqrt(0.95 * 0.05 / n):.1%} (n = {n})"
                        for q, n in n_checks.items())
    text = (
        f"Method `{args.method}` ({variant}), EOS family averaged: {limit} ({family}); "
        f"{args.members} members per data set, 95 % intervals "
        f"(2.5-97.5 percentiles), {args.datasets} data sets per noise level, seed "
        f"{args.seed}. Truth: T_c = {cp.T_K:.2f} K, P_c = {cp.P_GPa:.4f} GPa; NTE windows "
        f"{windows}. NTE ends pooled over the 0, 2 and 4 GPa isobars. Coverage cells: "
        "hits/checks = proportion ± binomial standard error sqrt(p(1-p)/n) of the observed "
        "proportion (0 where every or no check hits), then its Wilson 95 % range; a true "
        f"95 % coverage would scatter by {nominal} per noise level.\n\n"
        + markdown_table(headers, rows)
        + f"\n\n{elapsed / 60:.1f} min with {args.workers} worker process(es); load average "
        f"{load_before[0]:.1f} before, {load_after[0]:.1f} after (2-core machine shared with "
        "other jobs)."
    )
    print(text)
    if not args.no_write:
        suffix = "_fixed_noise_level" if args.fixed_noise_level else ""
        suffix += "_all_kinds" if args.more_flexible_kinds else ""
        write_section(f"uncertainty_coverage_{args.method}{suffix}", text, doc=DOC)


if __name__ == "__main__":
    main()

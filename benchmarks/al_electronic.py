"""Benchmark: fcc Al (DFTTK's files) with phonon DOS and electronic DOS, 0-1000 K at 1 K.

Times each stage on the al-dfttk fixture (8 volumes): ingesting DFTTK's layout (static
points from VASP, YPHON phonon DOS and electronic DOS tables, matched by volume); building
F_k = E + F_vib + F_el (the electronic part at 8 volumes x 101 temperatures); and the exact
landscape's analysis at 0 GPa on 1001 temperatures with the phase-diagram search. The same
with the electronic part off, and F_el of one DOS on 201 and 1001 temperatures. Best of 3
warm runs; writes the ``al-electronic`` section of docs/benchmarks.md.

    .venv/bin/python benchmarks/al_electronic.py [CONFIG_FOLDER]
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "al-dfttk" / "config_Al"


def read_al(root: Path):
    """The Al source as ``zenthermo ingest`` reads DFTTK's layout: static points (VASP),
    YPHON phonon DOS and electronic DOS tables matched by volume."""
    import zenthermo

    return zenthermo.ingest(root)


def best_of(function, repeats: int = 3):
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    load_before = os.getloadavg()[0]
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.physics.electronic import electronic_thermodynamics
    from zenthermo.physics.free_energy import build_source_free_energies
    from zenthermo.thermo.analysis import analyze

    temperatures = np.arange(0.0, 1001.0, 1.0)
    t_read, al = best_of(lambda: read_al(root))
    rows, isobars = [], {}
    for electronic in ("on", "off"):
        t_build, energies = best_of(lambda e=electronic: build_source_free_energies(
            al, electronic=e))
        t_analyze, result = best_of(lambda f=energies: analyze(
            ExactZentropy(f), [0.0], temperatures))
        isobars[electronic] = result.isobars[0]
        iso = result.isobars[0]
        at = {T: int(np.flatnonzero(iso.T_K == T)[0]) for T in (300.0, 600.0)}
        rows.append([
            f"electronic {electronic}", f"{t_read:.2f}", f"{t_build:.2f}",
            f"{t_analyze:.2f}", f"{t_read + t_build + t_analyze:.2f}",
            f"{iso.V_A3[at[300.0]]:.4f} / {iso.V_A3[at[600.0]]:.4f}",
            f"{iso.alpha_per_K[at[300.0]] * 1e6:.2f} / {iso.alpha_per_K[at[600.0]] * 1e6:.2f}",
        ])
    dos = al[0].points[3].electronic
    single = []
    for grid in (np.arange(0.0, 2001.0, 10.0), temperatures):
        t, _ = best_of(lambda g=grid: electronic_thermodynamics(dos.energies, dos.dos, g))
        single.append(f"{t:.2f} s for {grid.size} temperatures")
    load_after = os.getloadavg()[0]
    table = markdown_table(
        ["Al, 8 volumes", "read s", "build F_k s", "analyze s (1001 T + phase search)",
         "total s", "V(300 K) / V(600 K), A^3", "alpha(300 K) / alpha(600 K), 1e-6/K"], rows)
    shift = isobars["on"].V_A3[600] - isobars["off"].V_A3[600]
    text = (
        "## Al with phonon and electronic DOS, 0-1000 K at 1 K (`benchmarks/al_electronic.py`)"
        "\n\nfcc Al from DFTTK's files (`al-dfttk`): static points (VASP), YPHON phonon DOS "
        "and electronic DOS tables at 8 volumes; F_k = BM4 + F_vib (phonon DOS, continued in "
        "V by the cross-validated form) + F_el (Fermi-Dirac at fixed electron count); the "
        "exact landscape analysed at 0 GPa on 1001 temperatures. Best of 3 warm runs. "
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs shared with other jobs "
        f"(load average {load_before:.1f} before, {load_after:.1f} after): the times are "
        "upper bounds.\n\n" + table + "\n\n"
        f"F_el of one DOS (10001 points): {'; '.join(single)}. The electronic part moves "
        f"V(600 K) by {shift:+.4f} A^3 (tests/physics/test_al_dfttk_validation.py checks "
        "it and V, alpha against an independent textbook calculation)."
    )
    print(text)
    write_section("al-electronic", text)


if __name__ == "__main__":
    main()

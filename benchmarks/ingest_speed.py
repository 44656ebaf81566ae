"""Benchmark: ingest the Fe3Pt VASP fixture (36 volume folders, ~16 MB, gzipped OUTCARs).

Prints wall time (cold, including the pymatgen import, and warm) and peak Python memory,
and writes the table into the ``ingest`` section of docs/benchmarks.md.

    .venv/bin/python benchmarks/ingest_speed.py [PATH]
"""

from __future__ import annotations

import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._report import markdown_table, write_section  # noqa: E402

DEFAULT = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "fe3pt-vasp"


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    start = time.perf_counter()
    import zenthermo

    source_set = zenthermo.ingest(path)
    cold = time.perf_counter() - start
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        zenthermo.ingest(path)
        runs.append(time.perf_counter() - start)
    tracemalloc.start()
    zenthermo.ingest(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    max_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    volumes = sum(len(s.points) + len(s.excluded) for s in source_set)
    rows = [
        ["Fe3Pt (3 configurations)", volumes, f"{cold:.2f}", f"{min(runs):.2f}",
         f"{peak / 2**20:.1f}", f"{max_rss_mb:.0f}"],
    ]
    table = markdown_table(
        ["data set", "volume folders", "cold wall s (with imports)", "warm wall s (best of 3)",
         "peak traced MiB", "max RSS MiB"],
        rows,
    )
    text = (
        "## Ingestion speed (`benchmarks/ingest_speed.py`)\n\n"
        f"`zenthermo.ingest` on the Fe3Pt VASP fixture; {os.cpu_count()} CPUs visible, "
        "target under 10 s on 2 cores.\n\n" + table
    )
    print(text)
    write_section("ingest", text)


if __name__ == "__main__":
    main()

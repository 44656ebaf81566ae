"""Command-line wall time: ``zenthermo ingest`` and ``zenthermo analyze`` against ``phonopy-qha``.

Issue 15, item 1. Each command runs as a user runs it (a fresh process, imports included) on
the same phonopy QHA inputs: phonopy's own Si example (shared fixture) and held-out sets
generated here from a Debye model (e-v.dat from a Birch-Murnaghan E(V), one
thermal_properties.yaml per volume in phonopy's format and units, POSCARs beside them).
Wall time is the median of ``--repeats`` runs (default 5), all programs side by side in one
run of this script. Defaults of each program: phonopy-qha up to 1000 K on the temperatures
of its yaml files; zenthermo analyze 0-1000 K at 1 K, with the phase-diagram search.

Run: ``python benchmarks/cli_speed.py [--repeats 5]``. Writes the table into
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._report import markdown_table, write_section  # noqa: E402

SI = ROOT.parent / "shared" / "fixtures" / "si-qha-phonopy"
BIN = Path(sys.executable).parent
KB_EV = 8.617333262e-5
EV_TO_KJ_PER_MOL = 96.485332
EV_PER_A3_IN_GPA = 160.21766


@dataclass(frozen=True)
class HeldOut:
    """A synthetic crystal for a held-out phonopy QHA input set."""

    name: str
    element: str
    natoms: int
    lattice: str  # "fcc" or "bcc" conventional cells, repeated to natoms
    e0_eV: float
    v0_A3: float
    b0_GPa: float
    b0_prime: float
    theta0_K: float
    gamma: float
    n_volumes: int
    t_step_K: float
    t_max_K: float = 1500.0


HELD_OUT = (
    HeldOut("Debye fcc Al-like, 4 atoms, 11 volumes, 10 K", "Al", 4, "fcc", -14.9, 66.4, 76.0,
            4.6, 430.0, 2.2, 11, 10.0),
    HeldOut("Debye bcc Mo-like, 16 atoms, 15 volumes, 2 K", "Mo", 16, "bcc", -174.0, 250.0,
            260.0, 4.3, 450.0, 1.6, 15, 2.0),
)


def debye_d3(y: np.ndarray) -> np.ndarray:
    """Debye function D3(y) = 3/y^3 int_0^y x^3/(e^x - 1) dx (D3(0) = 1)."""
    result = np.ones_like(y)
    for i, yi in enumerate(y):
        if yi > 0:
            x = np.linspace(1e-12, yi, 4001)
            result[i] = 3.0 / yi**3 * np.trapezoid(x**3 / np.expm1(x), x)
    return result


def write_held_out(spec: HeldOut, folder: Path) -> list[Path]:
    """e-v.dat, thermal_properties.yaml-<i> and POSCAR-<i> for ``spec``; returns the inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    volumes = spec.v0_A3 * np.linspace(0.90, 1.12, spec.n_volumes)
    b0 = spec.b0_GPa / EV_PER_A3_IN_GPA
    eta = (spec.v0_A3 / volumes) ** (2.0 / 3.0)
    energies = spec.e0_eV + 9 * spec.v0_A3 * b0 / 16 * (
        (eta - 1) ** 3 * spec.b0_prime + (eta - 1) ** 2 * (6 - 4 * eta))
    (folder / "e-v.dat").write_text(
        "".join(f"{v:14.6f} {e:14.6f}\n" for v, e in zip(volumes, energies, strict=True)))
    T = np.arange(0.0, spec.t_max_K + spec.t_step_K / 2, spec.t_step_K)
    nk = spec.natoms * KB_EV
    paths = [folder / "e-v.dat"]
    for i, V in enumerate(volumes):
        theta = spec.theta0_K * (spec.v0_A3 / V) ** spec.gamma
        with np.errstate(divide="ignore"):
            y = np.where(T > 0, theta / np.where(T > 0, T, 1.0), np.inf)
        d3 = debye_d3(np.where(np.isfinite(y), y, 0.0))
        zpe = 9.0 / 8.0 * nk * theta
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            log_term = np.where(T > 0, np.log1p(-np.exp(-y)), 0.0)
            F = zpe + np.where(T > 0, nk * T * (3 * log_term - d3), 0.0)
            E = zpe + np.where(T > 0, 3 * nk * T * d3, 0.0)
            S = np.where(T > 0, (E - F) / np.where(T > 0, T, 1.0), 0.0)
            cv = np.where(T > 0, 3 * nk * (4 * d3 - 3 * y / np.expm1(y)), 0.0)
        lines = ["# Thermal properties / unit cell (natom)\n\nunit:\n  temperature:   K\n"
                 "  free_energy:   kJ/mol\n  entropy:       J/K/mol\n"
                 "  heat_capacity: J/K/mol\n\n",
                 f"natom: {spec.natoms:9d}\n\n",
                 f"zero_point_energy: {zpe * EV_TO_KJ_PER_MOL:17.7f}\n\n",
                 "thermal_properties:\n"]
        for t, f, s, c, e in zip(T, F, S, cv, E, strict=True):
            lines.append(
                f"- temperature:   {t:15.7f}\n  free_energy:   {f * EV_TO_KJ_PER_MOL:15.7f}\n"
                f"  entropy:       {s * EV_TO_KJ_PER_MOL * 1e3:15.7f}\n"
                f"  heat_capacity: {c * EV_TO_KJ_PER_MOL * 1e3:15.7f}\n"
                f"  energy:        {e * EV_TO_KJ_PER_MOL:15.7f}\n\n")
        path = folder / f"thermal_properties.yaml-{i}"
        path.write_text("".join(lines))
        (folder / f"POSCAR-{i}").write_text(poscar(spec, V))
        paths.append(path)
    return paths


def poscar(spec: HeldOut, V: float) -> str:
    """A cubic cell of ``spec.natoms`` atoms (fcc or bcc conventional cells) of volume V."""
    basis = ([(0, 0, 0), (0, .5, .5), (.5, 0, .5), (.5, .5, 0)] if spec.lattice == "fcc"
             else [(0, 0, 0), (.5, .5, .5)])
    n = round((spec.natoms / len(basis)) ** (1 / 3))
    sites = [((x + i) / n, (y + j) / n, (z + k) / n) for i in range(n) for j in range(n)
             for k in range(n) for x, y, z in basis]
    a = V ** (1 / 3)
    rows = "".join(f"  {x:.10f} {y:.10f} {z:.10f}\n" for x, y, z in sites)
    return (f"{spec.element} held-out\n1.0\n  {a:.10f} 0 0\n  0 {a:.10f} 0\n  0 0 {a:.10f}\n"
            f"{spec.element}\n{len(sites)}\nDirect\n{rows}")


def si_inputs() -> list[Path]:
    """phonopy's Si-QHA inputs in phonopy-qha's order."""
    return [SI / "e-v.dat"] + [SI / f"thermal_properties.yaml-{i}" for i in range(-5, 6)]


def wall(command: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed: {done.stderr[-500:]}")
    return seconds


def measure(label: str, inputs: list[Path], work: Path, repeats: int) -> list[object]:
    """Median wall time of each command; the programs take turns in every repeat, so a
    change of the machine's load falls on all of them alike."""
    work.mkdir(parents=True, exist_ok=True)
    files = [str(p) for p in inputs]
    sources, out = work / "sources.json", work / "out"
    commands = {
        "qha": [str(BIN / "phonopy-qha"), *files],
        "ingest": [str(BIN / "zenthermo"), "ingest", *files, "-o", str(sources), "--quiet"],
        "analyze": [str(BIN / "zenthermo"), "analyze", str(sources), "-o", str(out),
                    "--quiet"],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(repeats):
        for name, command in commands.items():
            shutil.rmtree(out, ignore_errors=True)
            times[name].append(wall(command, work))
    qha, ingest, analyze = (statistics.median(times[name]) for name in commands)
    row = [label, f"{qha:.2f}", f"{ingest:.2f}", f"{analyze:.2f}", f"{ingest + analyze:.2f}",
           f"{analyze / qha:.2f}x"]
    print(" | ".join(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    help_wall = statistics.median(wall([str(BIN / "zenthermo"), "--help"], ROOT)
                                  for _ in range(args.repeats))
    print(f"zenthermo --help: {help_wall:.2f} s", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="cli-speed-") as tmp:
        tmp = Path(tmp)
        rows.append(measure("Si (phonopy example), 8 atoms, 11 volumes, 10 K",
                            si_inputs(), tmp / "si", args.repeats))
        for i, spec in enumerate(HELD_OUT):
            inputs = write_held_out(spec, tmp / f"held{i}" / "inputs")
            rows.append(measure(f"held out: {spec.name}", inputs, tmp / f"held{i}",
                                args.repeats))
    text = (
        "## Command-line wall time against phonopy-qha (`benchmarks/cli_speed.py`)\n\n"
        f"Median of {args.repeats} runs of each command, fresh processes (imports included), "
        "all side by side in one run; each program with its defaults (phonopy-qha: up to "
        "1000 K on the yaml temperatures; `zenthermo analyze`: 0-1000 K at 1 K with the "
        "phase-diagram search). Held-out sets are generated by the script (Debye model, "
        f"phonopy's file format). `zenthermo --help`: {help_wall:.2f} s. "
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, shared with other work "
        "(measured under load).\n\n"
        + markdown_table(["inputs", "phonopy-qha s", "zenthermo ingest s",
                          "zenthermo analyze s", "ingest + analyze s",
                          "analyze / phonopy-qha"], rows)
    )
    write_section("cli-speed", text)


if __name__ == "__main__":
    main()

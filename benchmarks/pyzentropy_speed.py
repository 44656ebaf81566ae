"""Speed and critical point: zenthermo against pyzentropy on identical Fe3Pt inputs.

Both programs get the same per-source free energies F_k(V,T): zenthermo's physics
(``build_source_free_energies``: BM4 static energies + Debye-Grueneisen, the DFTTK recipe)
for the three Fe3Pt configurations of the shared fixture. zenthermo uses them as analytic
functions (ExactZentropy); pyzentropy gets them tabulated on a volume x temperature grid
(F_k, dF_k/dV, d2F_k/dV2, S_k = -dF_k/dT, C_V,k = -T d2F_k/dT2), which is the input its
``Configuration`` expects. Timed for each: all isobars (0, 2, 4 GPa at 1 K from 0 to
1000 K) plus the phase diagram plus the critical point:

* zenthermo: ``ExactZentropy(free_energies)`` + ``analyze(landscape, pressures, T)``.
* pyzentropy: ``System(configurations, ground_state)`` + ``calculate_pressure_properties``
  per pressure + ``calculate_phase_diagrams()``. Tabulating its input grids is not timed.

pyzentropy is not a dependency of zenthermo: it runs in its own environment, in a
subprocess::

    python3 -m venv /tmp/pyz-venv && /tmp/pyz-venv/bin/pip install pyzentropy
    .venv/bin/python benchmarks/pyzentropy_speed.py [--pyzentropy-python /tmp/pyz-venv/bin/python]

Without that interpreter (or when pyzentropy cannot be imported there) the pyzentropy
columns say why they are missing and the zenthermo numbers are still written. The table
goes into the ``pyzentropy`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks._report import markdown_table, write_section  # noqa: E402

FIXTURE = ROOT.parent / "shared" / "fixtures" / "fe3pt-vasp"
DEFAULT_PYZ_PYTHON = os.environ.get("PYZENTROPY_PYTHON", "/tmp/pyz-venv/bin/python")
PRESSURES_GPA = (0.0, 2.0, 4.0)

#: Runs inside pyzentropy's environment: argv[1] = input .npz, argv[2] = output .json.
PYZENTROPY_RUNNER = r'''
import json, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
from pyzentropy.configuration import Configuration
from pyzentropy.system import System

data = np.load(sys.argv[1], allow_pickle=False)
names = [str(n) for n in data["names"]]
T, V = data["temperatures"], data["volumes"]
pressures = [float(p) for p in data["pressures"]]
configurations = {
    name: Configuration(
        name=name, multiplicity=float(data["multiplicities"][k]),
        number_of_atoms=int(data["natoms"]), volumes=V, temperatures=T,
        helmholtz_energies=data["F"][k], helmholtz_energies_dV=data["F_V"][k],
        helmholtz_energies_d2V2=data["F_VV"][k], entropies=data["S"][k],
        heat_capacities=data["Cv"][k])
    for k, name in enumerate(names)
}
result = {"version": None}
try:
    from importlib.metadata import version
    result["version"] = version("pyzentropy")
except Exception:
    pass
start = time.perf_counter()
system = System(configurations, ground_state=str(data["ground_state"]))
result["system_s"] = time.perf_counter() - start
mark = time.perf_counter()
isobars = {}
for P in pressures:
    system.calculate_pressure_properties(P)
    props = system.pt_properties[f"{P:.2f}_GPa"]
    isobars[str(P)] = {"V0": [float(x) for x in props["V0"]],
                       "CTE_1e-6": [float(x) for x in props["CTE"]]}
result["isobars_s"] = time.perf_counter() - mark
mark = time.perf_counter()
try:
    system.calculate_phase_diagrams()
    result["phase_diagram_error"] = None
except Exception as error:  # its own failure mode, reported, not hidden
    result["phase_diagram_error"] = f"{type(error).__name__}: {error}"
result["phase_diagram_s"] = time.perf_counter() - mark
result["total_s"] = time.perf_counter() - start
first = (system.pt_phase_diagram or {}).get("first_order", {"T": [], "P": []})
vt = (system.vt_phase_diagram or {}).get("first_order", {"T": [], "V_left": []})
result["first_order_points"] = int(len(first["T"]))
result["first_order_T_max"] = float(np.max(first["T"])) if len(first["T"]) else None
if len(first["T"]):
    i = int(np.argmax(first["T"]))
    result["critical"] = {"T_K": float(first["T"][i]), "P_GPa": float(first["P"][i])}
    # the end of its V-T dome (the appended second-order point) is its estimate of V_c
    result["critical"]["V_A3"] = float(vt["V_left"][-1]) if len(vt["V_left"]) else None
    result["critical"]["T_dome_end_K"] = float(vt["T"][-1]) if len(vt["T"]) else None
else:
    result["critical"] = None
result["isobars"] = isobars
json.dump(result, open(sys.argv[2], "w"))
'''


def build_inputs(volume_points: int):
    """Fe3Pt per-source free energies (zenthermo physics) and the grids tabulated from them."""
    import zenthermo
    from zenthermo.physics.free_energy import build_source_free_energies

    sources = zenthermo.ingest(FIXTURE)
    free_energies = build_source_free_energies(sources)
    v_low = max(f.volume_domain[0] for f in free_energies)
    v_high = min(f.volume_domain[1] for f in free_energies)
    volumes = np.linspace(v_low, v_high, volume_points)
    temperatures = np.arange(0.0, 1001.0, 1.0)
    grids = {key: [] for key in ("F", "F_V", "F_VV", "S", "Cv")}
    for f in free_energies:
        d = f.derivatives(volumes[None, :], temperatures[:, None])  # (nT, nV), pyzentropy order
        grids["F"].append(d.F)
        grids["F_V"].append(d.F_V)
        grids["F_VV"].append(d.F_VV)
        grids["S"].append(-d.F_T)
        grids["Cv"].append(-temperatures[:, None] * d.F_TT)
    ground = min(free_energies, key=lambda f: f.eos_fit.e0_eV).name
    arrays = {key: np.asarray(value) for key, value in grids.items()}
    arrays.update(
        names=np.array([f.name for f in free_energies]),
        multiplicities=np.array([f.multiplicity for f in free_energies], dtype=float),
        natoms=np.array(free_energies[0].natoms), volumes=volumes, temperatures=temperatures,
        pressures=np.array(PRESSURES_GPA), ground_state=np.array(ground),
    )
    return free_energies, arrays


def run_zenthermo(free_energies, temperatures, repeats: int) -> dict:
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.thermo.analysis import analyze

    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        landscape = ExactZentropy(free_energies)
        analysis = analyze(landscape, PRESSURES_GPA, temperatures)
        times.append(time.perf_counter() - start)
    isobar_times = []
    for _ in range(repeats):
        start = time.perf_counter()
        analyze(ExactZentropy(free_energies), PRESSURES_GPA, temperatures, phase_diagram=False)
        isobar_times.append(time.perf_counter() - start)
    cp = analysis.phase_diagram.critical_point
    zero = analysis.isobar(0.0)
    return {
        "total_s": min(times),
        "isobars_s": min(isobar_times),
        "critical": None if cp is None else {"T_K": cp.T_K, "P_GPa": cp.P_GPa, "V_A3": cp.V_A3},
        "V300": float(np.interp(300.0, zero.T_K, zero.V_A3)),
        "nte": [(w.T_start_K, w.T_end_K) for w in zero.nte_windows],
    }


def run_pyzentropy(python: str, arrays: dict, timeout_s: float) -> dict:
    if not Path(python).exists():
        return {"skipped": f"no pyzentropy interpreter at {python} (see the module docstring)"}
    check = subprocess.run([python, "-c", "import pyzentropy.system"], capture_output=True,
                           text=True)
    if check.returncode != 0:
        return {"skipped": f"pyzentropy is not importable with {python}: "
                f"{check.stderr.strip().splitlines()[-1] if check.stderr else ''}"}
    with tempfile.TemporaryDirectory() as tmp:
        npz, out, runner = Path(tmp, "in.npz"), Path(tmp, "out.json"), Path(tmp, "runner.py")
        np.savez(npz, **arrays)
        runner.write_text(PYZENTROPY_RUNNER)
        try:
            done = subprocess.run([python, str(runner), str(npz), str(out)], capture_output=True,
                                  text=True, timeout=timeout_s)
        except subprocess.TimeoutExpired:
            return {"skipped": f"pyzentropy did not finish within {timeout_s:g} s"}
        if done.returncode != 0:
            return {"skipped": f"pyzentropy failed: {done.stderr.strip().splitlines()[-1]}"}
        return json.loads(out.read_text())


def pyzentropy_nte(result: dict, temperatures: np.ndarray) -> str:
    cte = np.asarray(result["isobars"]["0.0"]["CTE_1e-6"], dtype=float)
    negative = np.nonzero(cte < 0)[0]
    if negative.size == 0:
        return "none"
    return f"{temperatures[negative[0]]:.0f}-{temperatures[negative[-1] + 1]:.0f} K (grid)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pyzentropy-python", default=DEFAULT_PYZ_PYTHON)
    parser.add_argument("--volume-points", type=int, default=331,
                        help="volume grid handed to pyzentropy (331: 0.1 A^3 steps)")
    parser.add_argument("--repeats", type=int, default=3, help="zenthermo repeats (best kept)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="pyzentropy time limit, s")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if not FIXTURE.exists():
        print(f"skipped: fixture {FIXTURE} is not present", file=sys.stderr)
        return 0

    free_energies, arrays = build_inputs(args.volume_points)
    temperatures = arrays["temperatures"]
    zen = run_zenthermo(free_energies, temperatures, args.repeats)
    pyz = run_pyzentropy(args.pyzentropy_python, arrays, args.timeout)

    def cp_text(cp):
        if not cp:
            return "none"
        v = f", {cp['V_A3']:.2f} A^3" if cp.get("V_A3") is not None else ""
        return f"{cp['T_K']:.1f} K, {cp['P_GPa']:.2f} GPa{v}"

    rows = [["zenthermo (ExactZentropy + analyze)",
             f"{zen['total_s']:.2f} (isobars alone {zen['isobars_s']:.2f})",
             cp_text(zen["critical"]), f"{zen['V300']:.3f}",
             ", ".join(f"{a:.1f}-{b:.1f} K" for a, b in zen["nte"]) or "none"]]
    if "skipped" in pyz:
        rows.append(["pyzentropy", "n/a", pyz["skipped"], "", ""])
        speedup = None
    else:
        pyz_v300 = float(np.asarray(pyz["isobars"]["0.0"]["V0"])[300])
        note = ""
        if pyz.get("phase_diagram_error"):
            note = (f" -- calculate_phase_diagrams stopped with {pyz['phase_diagram_error']} "
                    f"after {pyz['first_order_points']} first-order point(s), so its time is a "
                    "lower bound")
        rows.append([f"pyzentropy {pyz.get('version') or ''} (System + pressure properties + "
                     "calculate_phase_diagrams)",
                     f"{pyz['total_s']:.2f} (System {pyz['system_s']:.2f}, isobars "
                     f"{pyz['isobars_s']:.2f}, phase diagram {pyz['phase_diagram_s']:.2f})",
                     cp_text(pyz["critical"]) + note, f"{pyz_v300:.3f}",
                     pyzentropy_nte(pyz, temperatures)])
        speedup = pyz["total_s"] / zen["total_s"]
    table = markdown_table(
        ["program", "time, s (3 isobars 0-1000 K at 1 K + phase diagram + critical point)",
         "critical point (T, P, V)", "V(300 K, 0 GPa), A^3", "NTE at 0 GPa"], rows)
    text = (
        "### zenthermo vs pyzentropy on Fe3Pt (identical F_k inputs)\n\n"
        f"Three Fe3Pt configurations (shared fixture), BM4 + Debye-Grueneisen per source; "
        f"pressures {', '.join(f'{p:g}' for p in PRESSURES_GPA)} GPa; 0-1000 K at 1 K. "
        f"pyzentropy gets the per-source grids on {args.volume_points} volumes "
        f"({arrays['volumes'][0]:.2f}-{arrays['volumes'][-1]:.2f} A^3); tabulating them is "
        "not timed. zenthermo: best of "
        f"{args.repeats}. Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared), "
        f"Python {platform.python_version()}.\n\n{table}\n"
    )
    if speedup is not None:
        text += f"\nSpeed-up of zenthermo over pyzentropy: **{speedup:.1f}x** (target >= 10x).\n"
    print(text)
    if not args.no_write:
        write_section("pyzentropy", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

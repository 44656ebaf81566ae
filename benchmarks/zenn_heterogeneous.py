"""ZENN on heterogeneous sources: configurations that carry different kinds of data.

The Fe3Pt sources (3 magnetic configurations, 12 static volumes each) are given different
data, as real projects have them:

* ``config_0`` (FM): phonon grids at all 12 volumes and an electronic DOS at all 12
  (vibrations from the phonon data, thermal electronic free energy on);
* ``config_22``: phonon grids at the 6 inner volumes only (148-163 A^3 of 139-172 A^3; the
  phonon free energy is continued in V beyond them);
* ``config_28``: static energies only (Debye-Grueneisen).

The phonon grids are synthetic with a known origin: a Debye-Grueneisen model of the source's
own static EOS with a Debye-temperature scaling other than the default (0.63 for
``config_0``, 0.60 for ``config_22``, against 0.617), tabulated on 0-1500 K every 10 K like
phonopy's ``thermal_properties.yaml``; the electronic DOS is a free-electron band
(bandwidth 8 eV x (V/155 A^3)^(-2/3), 22 electrons per cell, N(E_F) 3.8-4.4 states/eV per
cell). ``vibrations="auto"`` and ``electronic="auto"`` choose the models per source. The truth
is ``ExactZentropy`` of the same set; ZENN (default settings) is trained on the same set and
compared with it: critical point, the NTE window at 0 GPa, V(T) and C_P along isobars,
and each source's own F_k and S_k. The homogeneous row (the same sources with their phonon
and electronic data removed: all Debye) uses the same settings and shows what the mixture
costs.

Run: ``.venv/bin/python -m benchmarks.zenn_heterogeneous [threads] [seeds...]`` (writes
the "zenn-heterogeneous" section of docs/benchmarks.md; default 2 torch threads, seeds 0 1).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time

import numpy as np

from zenthermo.units import KB_EV_PER_K

PHONON_TEMPERATURES = np.arange(0.0, 1501.0, 10.0)
DOS_ENERGIES = np.linspace(-14.0, 6.0, 4001)
ISOBARS_GPA = (0.0, 2.0)
ISOBAR_T = np.arange(10.0, 1000.0, 5.0)
LOW_T = 50.0  # K: below this the C_P error is reported separately (see docs/zenn.md)
#: (source index, Debye scaling of its synthetic phonons, volume indices with phonons,
#: volume indices with an electronic DOS)
LAYOUT = ((0, 0.63, range(12), range(12)), (1, 0.60, range(3, 9), ()))


def phonon_grid_maker(source, scaling: float):
    """A function volume -> VibrationalGrid from a Debye-Grueneisen model of ``source``'s
    static BM4 fit with Debye-temperature scaling ``scaling``."""
    from zenthermo.physics.debye import DebyeGrueneisen
    from zenthermo.physics.eos import fit_eos
    from zenthermo.sources import VibrationalGrid

    fit = fit_eos(source.volumes, [p.energy for p in source.points])
    model = DebyeGrueneisen.from_eos(fit, source.composition, source.natoms, scaling)
    T = PHONON_TEMPERATURES

    def grid(volume: float) -> VibrationalGrid:
        d = model.derivatives(volume, T)
        return VibrationalGrid(T, d.F, -d.F_T, -T * d.F_TT, origin="phonon_dos")

    return grid


def free_electron_dos(volume: float, electrons: float = 22.0, v0: float = 155.0):
    """A free-electron band n(E) = a sqrt(E + W), W = 8 eV (V/v0)^(-2/3), holding
    ``electrons`` per cell below E_F = 0 (states/eV per cell)."""
    from zenthermo.sources import ElectronicDos

    width = 8.0 * (volume / v0) ** (-2.0 / 3.0)
    a = electrons / (2.0 / 3.0 * width**1.5)
    return ElectronicDos(DOS_ENERGIES, a * np.sqrt(np.clip(DOS_ENERGIES + width, 0.0, None)))


def heterogeneous_sources(base=None):
    """The Fe3Pt sources with the data of :data:`LAYOUT` added (see the module docstring)."""
    from benchmarks.zenn_accuracy import fe3pt_sources

    base = fe3pt_sources() if base is None else base
    sources = list(base.sources)
    for index, scaling, phonons, electrons in LAYOUT:
        source = sources[index]
        grid = phonon_grid_maker(source, scaling)
        points = tuple(dataclasses.replace(
            p, vibrations=grid(p.volume) if i in phonons else None,
            electronic=free_electron_dos(p.volume) if i in electrons else None)
            for i, p in enumerate(source.points))
        sources[index] = dataclasses.replace(source, points=points)
    return dataclasses.replace(base, sources=tuple(sources))


def _windows(isobar):
    from zenthermo.thermo.nte import nte_windows

    return [(w.T_start_K, w.T_end_K) for w in nte_windows(isobar.T_K, isobar.alpha_per_K)]


def compare(learned, exact, free_energies, source_ranges, natoms: int) -> dict:
    """Errors of ``learned`` against ``exact``: critical point, NTE window at 0 GPa, V(T)
    and C_P along :data:`ISOBARS_GPA`, each source's F_k and S_k (against
    ``free_energies``, the sources of ``exact``) over its own volumes."""
    from zenthermo.thermo.critical import find_critical_point
    from zenthermo.thermo.isobar import compute_isobar

    row: dict = {}
    ca, cb = find_critical_point(learned), find_critical_point(exact)
    row["cp"] = (ca, cb)
    if ca is not None and cb is not None:
        row["Tc_err_K"], row["Pc_err_GPa"] = abs(ca.T_K - cb.T_K), abs(ca.P_GPa - cb.P_GPa)
    kb_atom = KB_EV_PER_K * natoms
    for P in ISOBARS_GPA:
        ia, ib = compute_isobar(learned, P, ISOBAR_T), compute_isobar(exact, P, ISOBAR_T)
        dV = (ia.V_A3 - ib.V_A3) / ib.V_A3 * 100.0
        dC = (ia.Cp_eV_per_K - ib.Cp_eV_per_K) / kb_atom
        low = ISOBAR_T < LOW_T
        row[P] = {"V_max_pct": float(np.max(np.abs(dV))),
                  "V_rms_pct": float(np.sqrt(np.mean(dV**2))),
                  "Cp_rms_kB": float(np.sqrt(np.mean(dC[~low] ** 2))),
                  "Cp_max_kB": float(np.max(np.abs(dC[~low]))),
                  "Cp_low_max_kB": float(np.max(np.abs(dC[low]))),
                  "nte": (_windows(ia), _windows(ib))}
    wa, wb = row[0.0]["nte"]
    if wa and wb:
        match = max(wa, key=lambda w: min(w[1], wb[0][1]) - max(w[0], wb[0][0]))
        row["nte_err_K"] = (abs(match[0] - wb[0][0]), abs(match[1] - wb[0][1]))
        row["nte_spurious"] = [w for w in wa if w is not match]
    row["sources"] = {}
    T = np.linspace(0.0, 1000.0, 41)
    for k, (name, (v0, v1)) in enumerate(source_ranges):
        V, TT = np.meshgrid(np.linspace(v0, v1, 23), T, indexing="ij")
        a, b = learned.source_derivatives(V, TT)[k], free_energies[k].derivatives(V, TT)
        row["sources"][name] = {
            "F_rmse_meV_atom": float(np.sqrt(np.mean((a.F - b.F) ** 2)) * 1e3 / natoms),
            "S_rmse_kB_atom": float(np.sqrt(np.mean((a.F_T - b.F_T) ** 2)) / kb_atom),
        }
    return row


def fit_and_compare(source_set, seed: int, **settings_overrides) -> dict:
    """Train ZENN (default settings, ``settings_overrides`` applied) on ``source_set`` and
    :func:`compare` it with the exact landscape of the same set."""
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.landscape.train import TrainingSettings, ZennFitter
    from zenthermo.landscape.train_data import training_data_from_sources
    from zenthermo.physics.free_energy import build_source_free_energies

    settings = TrainingSettings(seed=seed, **settings_overrides)
    free_energies = build_source_free_energies(source_set)
    exact = ExactZentropy(free_energies)
    data = training_data_from_sources(source_set, **settings.data_options())
    start = time.perf_counter()
    fitter = ZennFitter(settings).fit(data)
    wall = time.perf_counter() - start
    ranges = [(s.name, (float(s.volumes.min()), float(s.volumes.max()))) for s in source_set]
    row = compare(fitter.landscape_, exact, free_energies, ranges, source_set.natoms)
    row["fit_s"] = wall
    row["models"] = {f.name: f.describe_models() for f in free_energies}
    return row


def _fmt(value, digits=2):
    return "n/a" if value is None else f"{value:.{digits}f}"


def tables(results: dict) -> tuple[str, str]:
    from benchmarks._report import markdown_table

    headers = ["set, seed", "T_c error (K)", "P_c error (GPa)",
               "NTE start / end error at 0 GPa (K)", "spurious NTE windows"]
    for P in ISOBARS_GPA:
        headers += [f"V max / RMS error at {P:g} GPa (%)",
                    f"C_P RMS / max error at {P:g} GPa, T>={LOW_T:g} K (k_B/atom)",
                    f"C_P max error at {P:g} GPa, T<{LOW_T:g} K (k_B/atom)"]
    headers.append("fit time (s)")
    rows, source_rows = [], []
    for label, r in results.items():
        nte = r.get("nte_err_K")
        row = [label, _fmt(r.get("Tc_err_K"), 1), _fmt(r.get("Pc_err_GPa"), 3),
               "n/a" if nte is None else f"{nte[0]:.1f} / {nte[1]:.1f}",
               "; ".join(f"{a:.0f}-{b:.0f}" for a, b in r.get("nte_spurious", [])) or "none"]
        for P in ISOBARS_GPA:
            p = r[P]
            row += [f"{p['V_max_pct']:.3f} / {p['V_rms_pct']:.3f}",
                    f"{p['Cp_rms_kB']:.3f} / {p['Cp_max_kB']:.3f}", f"{p['Cp_low_max_kB']:.3f}"]
        row.append(f"{r['fit_s']:.0f}")
        rows.append(row)
        for name, s in r["sources"].items():
            source_rows.append([label, name, r["models"][name], f"{s['F_rmse_meV_atom']:.3f}",
                                f"{s['S_rmse_kB_atom']:.4f}"])
    per_source = markdown_table(
        ["set, seed", "source", "model (exact path)", "F_k RMSE (meV/atom)",
         "S_k RMSE (k_B/atom)"], source_rows)
    return markdown_table(headers, rows), per_source


def _exact_summary(row) -> str:
    cp = row["cp"][1]
    windows = {P: row[P]["nte"][1] for P in ISOBARS_GPA}
    nte = "; ".join(f"{P:g} GPa: " + (", ".join(f"{a:.1f}-{b:.1f} K" for a, b in w) or "none")
                    for P, w in windows.items())
    return f"T_c = {cp.T_K:.1f} K, P_c = {cp.P_GPa:.2f} GPa; NTE windows {nte}"


def main() -> None:
    import torch

    from benchmarks._report import write_section
    from benchmarks.zenn_accuracy import fe3pt_sources
    from zenthermo.landscape.train import TrainingSettings

    args = [int(a) for a in sys.argv[1:]]
    torch.set_num_threads(args[0] if args else 2)
    seeds = args[1:] or [0, 1]
    base = fe3pt_sources()
    mixed = heterogeneous_sources(base)
    runs = [(f"heterogeneous, seed {s}", mixed, s) for s in seeds]
    runs.append(("all Debye, seed 0", base, 0))
    results = {}
    for label, source_set, seed in runs:
        results[label] = fit_and_compare(source_set, seed)
        print(f"{label}: fitted in {results[label]['fit_s']:.0f} s", file=sys.stderr, flush=True)
    main_table, per_source = tables(results)
    first = next(iter(results.values()))
    homogeneous = results["all Debye, seed 0"]
    defaults = TrainingSettings()
    load = os.getloadavg()
    text = f"""## ZENN on heterogeneous sources (`benchmarks/zenn_heterogeneous.py`)

Fe3Pt's three configurations with different data: `config_0` phonons (synthetic, a
Debye-Grueneisen table with scaling 0.63) and an electronic DOS (free-electron band) at all
12 volumes, `config_22` phonons (scaling 0.60) at its 6 inner volumes only (148-163 of
139-172 A^3, continued in V beyond them), `config_28` static energies only (Debye-Grueneisen,
scaling 0.617); models chosen by `vibrations="auto"`, `electronic="auto"`.

* Truth, the exact landscape of the same set: {_exact_summary(first)}.
* The all-Debye rows: the same three sources without the phonon and electronic data
  (exact: {_exact_summary(homogeneous)}).

ZENN with the default settings ({defaults.n_volumes} volumes x {defaults.n_temperatures}
temperatures per source, 0-{defaults.max_temperature:g} K), trained on all 12 volumes
(this measures how well ZENN takes the mixture, not prediction at unseen volumes; see the
"zenn" section for that). Isobars every 5 K from 10 to 995 K; V errors relative, C_P errors in
k_B per atom. Torch threads: {torch.get_num_threads()}; measured under load (load average
{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} over 1 / 5 / 15 min on 2 shared cores), so the
fit times are upper bounds.

{main_table}

Each source's own learned free energy against its own model (over its DFT volumes, 0-1000 K
every 25 K):

{per_source}
"""
    write_section("zenn-heterogeneous", text)
    print(text)


if __name__ == "__main__":
    main()

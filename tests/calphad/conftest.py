"""Shared CALPHAD test data: COST507 loaded once, and silicon through zenthermo's own chain."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zenthermo.calphad.database import load_database
from zenthermo.thermo.results import Analysis, Isobar, PhaseDiagram
from zenthermo.units import EV_IN_J_PER_MOL


@pytest.fixture(scope="session")
def cost507(cost507_tdb):
    return load_database(cost507_tdb)


@pytest.fixture(scope="session")
def si_sources(si_qha_dir):
    import zenthermo

    yamls = sorted(si_qha_dir.glob("thermal_properties.yaml-*"))
    return zenthermo.ingest(si_qha_dir / "e-v.dat", *yamls)


@pytest.fixture(scope="session")
def si_analysis(si_sources) -> Analysis:
    """Diamond Si in the quasi-harmonic approximation: exact path at P = 0, 0-2000 K."""
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.thermo.analysis import analyze

    landscape = ExactZentropy.from_sources(si_sources)
    return analyze(landscape, [0.0], np.arange(0.0, 2000.0 + 1e-9, 10.0),
                   composition=dict(si_sources.composition), phase_diagram=False)


def analysis_from_molar(T, G, H, S, Cp, natoms, composition, P_GPa=0.0) -> Analysis:
    """An Analysis whose P isobar holds given per-mole-of-atoms values (converted to per cell)."""
    def per_cell(values):
        return np.asarray(values, dtype=np.float64) * natoms / EV_IN_J_PER_MOL

    n = len(T)
    nan = np.full(n, np.nan)
    isobar = Isobar(
        P_GPa=P_GPa, T_K=np.asarray(T, dtype=np.float64), V_A3=np.full(n, 10.0 * natoms),
        G_eV=per_cell(G), F_eV=per_cell(G), S_eV_per_K=per_cell(S), H_eV=per_cell(H),
        Cp_eV_per_K=per_cell(Cp), Cv_eV_per_K=nan, B_GPa=nan, alpha_per_K=nan,
        extrapolated=np.zeros(n, dtype=bool),
    )
    return Analysis(
        method="synthetic", natoms=natoms, configurations=(), isobars=(isobar,),
        phase_diagram=PhaseDiagram(), volume_domain=(1.0, 2.0),
        temperature_domain=(float(T[0]), float(T[-1])), composition=composition,
    )


@pytest.fixture
def write_text(tmp_path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write

"""`zenthermo analyze` pays at start-up only for what the analysis uses: on phonopy QHA inputs
(a convex landscape, the linear Birch-Murnaghan fit) it imports no scipy at all, and the
physical constants written out in zenthermo.units are scipy's."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from zenthermo.io.sourcefile import save_sources


def _analyze_in_a_fresh_interpreter(sources: Path, out: Path) -> set[str]:
    code = (
        "import json, sys\n"
        "from zenthermo.cli import main\n"
        f"status = main(['analyze', {str(sources)!r}, '-o', {str(out)!r}, '--quiet'])\n"
        "print(json.dumps([status, sorted(sys.modules)]))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    status, modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert status == 0
    return set(modules)


def test_analysis_of_phonopy_qha_inputs_imports_no_scipy(si_qha_dir: Path, tmp_path: Path):
    from zenthermo.io.phonopy_files import read_phonopy_qha

    paths = [si_qha_dir / f"thermal_properties.yaml-{i}" for i in range(-5, 6)]
    sources = tmp_path / "si.json"
    save_sources(read_phonopy_qha(si_qha_dir / "e-v.dat", paths), sources)
    loaded = _analyze_in_a_fresh_interpreter(sources, tmp_path / "out")
    assert (tmp_path / "out" / "summary.json").is_file()
    heavy = sorted(m for m in loaded if m.split(".")[0] in ("scipy", "torch", "matplotlib"))
    assert heavy == []


def test_the_constants_are_scipys():
    from scipy import constants as c

    from zenthermo import units

    assert units.KB_J_PER_K == c.k
    assert units.HBAR_J_S == c.hbar
    assert units.KB_EV_PER_K == c.k / c.e
    assert units.HBAR_EV_S == c.hbar / c.e
    assert units.THZ_IN_EV == c.h * 1e12 / c.e
    # the atomic mass unit is measured: CODATA 2018 (scipy < 1.15, which the package
    # accepts) and 2022 differ by 1.4e-9 of it
    assert units.AMU_KG == pytest.approx(c.atomic_mass, rel=1e-8)
    assert units.AVOGADRO == c.N_A
    assert units.EV_PER_A3_IN_GPA == c.e / 1e-30 / 1e9
    assert units.EV_IN_J_PER_MOL == c.e * c.N_A


@pytest.mark.parametrize("module", ["zenthermo.physics.eos", "zenthermo.physics.electronic",
                                    "zenthermo.physics.debye", "zenthermo.thermo.critical",
                                    "zenthermo.thermo.phase_lines"])
def test_modules_that_use_scipy_import_it_when_they_use_it(module):
    code = f"import {module}, sys; print(any(m.startswith('scipy') for m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"

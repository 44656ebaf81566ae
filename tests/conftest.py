"""Shared test fixtures: the real data in ../shared/fixtures (skipped with a reason if absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The shared real-data fixtures, beside the repository root.
FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


def _fixture_path(name: str) -> Path:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"shared fixture {path} is not present on this machine")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    if not FIXTURES.exists():
        pytest.skip(f"shared fixtures folder {FIXTURES} is not present on this machine")
    return FIXTURES


@pytest.fixture(scope="session")
def fe3pt_vasp_dir() -> Path:
    return _fixture_path("fe3pt-vasp")


@pytest.fixture(scope="session")
def si_qha_dir() -> Path:
    return _fixture_path("si-qha-phonopy")


@pytest.fixture(scope="session")
def fe3pt_experiment_dir() -> Path:
    return _fixture_path("fe3pt-experiment")


@pytest.fixture(scope="session")
def cost507_tdb() -> Path:
    return _fixture_path("calphad/COST507.tdb")


@pytest.fixture(scope="session")
def ase_vasp_data() -> Path:
    """Real VASP vasprun.xml files that ASE ships with its tests (NaCl, diamond C; LGPL)."""
    import ase

    path = Path(ase.__file__).parent / "test" / "testdata" / "vasp"
    if not (path / "vasprun_dfpt.xml").exists():
        pytest.skip(f"ASE's VASP test data are not installed ({path})")
    return path


@pytest.fixture(scope="session")
def al_dfttk_dir() -> Path:
    return _fixture_path("al-dfttk/config_Al")

"""Shared test fixtures: the real data in ../shared/fixtures (skipped with a reason if absent)."""

from __future__ import annotations

import signal
import threading
import warnings
from pathlib import Path

import pytest

#: The shared real-data fixtures, beside the repository root.
FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures"


class LeakedSignalState(UserWarning):
    """A test left the process's Ctrl-C handling changed (later tests would depend on order)."""


@pytest.fixture(autouse=True)
def _ctrl_c_handling_is_left_as_found(request):
    """Every test leaves SIGINT's handler and mask as it found them; one that does not is
    named in a warning, and the state is put back so that later tests do not inherit it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    handler = signal.getsignal(signal.SIGINT)
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    yield
    changed = []
    if signal.getsignal(signal.SIGINT) != handler:
        changed.append(f"handler {signal.getsignal(signal.SIGINT)!r}")
        signal.signal(signal.SIGINT, handler)
    if signal.pthread_sigmask(signal.SIG_BLOCK, set()) != mask:
        changed.append("mask")
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    if changed:
        warnings.warn(LeakedSignalState(f"{request.node.nodeid} left SIGINT's "
                                        f"{' and '.join(changed)} changed; put back"),
                      stacklevel=1)


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

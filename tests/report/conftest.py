"""Shared stand-ins for the report tests (built once per session)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from standins import TwoStateLandscape, brute_force_analysis  # noqa: E402


@pytest.fixture(scope="session")
def two_state():
    return TwoStateLandscape()


@pytest.fixture(scope="session")
def transition_analysis(two_state):
    """An Analysis with NTE windows, a critical point, spinodal and coexistence."""
    return brute_force_analysis(two_state, pressures=(0.0, 1.0), T=np.linspace(0, 1000, 26))


@pytest.fixture(scope="session")
def transition_bands(transition_analysis):
    """Error bars around ``transition_analysis`` (see standins.bands_around)."""
    from standins import bands_around

    return bands_around(transition_analysis)

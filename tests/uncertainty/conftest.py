"""Data shared by the uncertainty tests."""

import dataclasses

import numpy as np
import pytest

from zenthermo.physics.debye import DebyeGrueneisen
from zenthermo.sources import VibrationalGrid
from zenthermo.uncertainty.calibration import FE3PT_LIKE


@pytest.fixture(scope="session")
def phonon_source_set():
    """FE3PT_LIKE data (0.5 meV noise) whose points carry phonon grids: Debye-model F, S,
    C_V on 0..500 K with a random offset of F per volume (0.2 meV), so that the grids
    scatter about their per-temperature polynomial in V."""
    data = FE3PT_LIKE.source_set(5e-4, np.random.default_rng(7))
    rng = np.random.default_rng(11)
    T = np.linspace(0.0, 500.0, 26)
    model = DebyeGrueneisen.from_parameters(12, 154.0, 170.0, 4.2, 80.0)
    sources = []
    for source in data:
        points = []
        for point in source.points:
            d = model.derivatives(point.volume, T)
            grid = VibrationalGrid(T, d.F + rng.normal(0.0, 2e-4), -d.F_T, -T * d.F_TT)
            points.append(dataclasses.replace(point, vibrations=grid))
        sources.append(dataclasses.replace(source, points=tuple(points)))
    return dataclasses.replace(data, sources=tuple(sources))

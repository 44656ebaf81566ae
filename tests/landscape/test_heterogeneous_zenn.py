"""ZENN on a mixed set: one source with phonon grids and an electronic DOS, one with static
energies only (Debye-Grueneisen). Each source is taught its own model, and each learned
F_k follows that model, not the other one."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from zenthermo.landscape.train import TrainingSettings, ZennFitter
from zenthermo.landscape.train_data import training_data_from_sources
from zenthermo.physics.debye import DebyeGrueneisen
from zenthermo.physics.free_energy import build_source_free_energies
from zenthermo.sources import ElectronicDos, Source, SourceSet, VibrationalGrid, VolumePoint

COMPOSITION = {"Cu": 4}
VOLUMES = np.linspace(44.0, 51.0, 6)
PHONON_T = np.arange(0.0, 801.0, 20.0)  # the phonon data end at 800 K
ENERGIES = np.linspace(-10.0, 5.0, 1501)
# Much softer than the Debye-Grueneisen model the phonon source would get from its own EOS:
# with the electronic part, its F differs from that model by 0.28 eV per cell (RMS, 0-800 K).
SOFT = DebyeGrueneisen.from_parameters(4, 47.5, 90.0, 5.0, 63.546)
SETTINGS = TrainingSettings(hidden=(8, 8), adam_epochs=100, lbfgs_iterations=30,
                            evaluate_every=20, n_volumes=7, n_temperatures=9,
                            max_temperature=1000.0, collocation_points=(8, 6),
                            validation_fraction=0.0)


def _phonons(volume: float) -> VibrationalGrid:
    d = SOFT.derivatives(volume, PHONON_T)
    return VibrationalGrid(PHONON_T, d.F, -d.F_T, -PHONON_T * d.F_TT, origin="phonon_dos")


def _dos(volume: float) -> ElectronicDos:  # free-electron band, 11 electrons per cell
    width = 8.0 * (volume / 47.5) ** (-2.0 / 3.0)
    a = 11.0 / (2.0 / 3.0 * width**1.5)
    return ElectronicDos(ENERGIES, a * np.sqrt(np.clip(ENERGIES + width, 0.0, None)))


def _source(name: str, v0: float, e0: float, data: bool) -> Source:
    points = tuple(
        VolumePoint(label=f"vol_{i}", volume=float(v),
                    energy=float(e0 + 0.8 / v0 * (v - v0) ** 2 - 0.4 / v0**2 * (v - v0) ** 3),
                    natoms=4, composition=COMPOSITION,
                    vibrations=_phonons(v) if data else None,
                    electronic=_dos(v) if data else None)
        for i, v in enumerate(VOLUMES))
    return Source(name=name, multiplicity=2.0, natoms=4, composition=COMPOSITION,
                  points=points, magnetic_order="FM")


@pytest.fixture(autouse=True)
def one_thread():
    """Networks of 8 units: one torch thread is fastest (and 20x faster on a loaded machine)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def mixed() -> SourceSet:
    return SourceSet(sources=(_source("phonons", 47.5, -16.00, True),
                              _source("static", 47.0, -15.99, False)))


@pytest.fixture(scope="module")
def models(mixed):
    return build_source_free_energies(mixed)


@pytest.fixture(scope="module")
def data(mixed):
    return training_data_from_sources(mixed, **SETTINGS.data_options())


def test_each_source_is_taught_its_own_model_over_its_own_temperatures(models, data):
    assert [(m.vibrations, m.electronic) for m in models] == [("phonopy", "dos"),
                                                              ("debye", "none")]
    rows = data.per_source
    for k, model in enumerate(models):
        own = rows.source == k
        expected = model.derivatives(rows.V[own], rows.T[own])
        for name in ("F", "F_V", "F_VV", "F_T", "F_VT"):
            np.testing.assert_array_equal(getattr(rows, name)[own], getattr(expected, name))
    # The phonon source's rows stop where its phonon data end; the Debye source's go on to
    # max_temperature; the zentropy-combined targets only where both sources are defined.
    assert rows.T[rows.source == 0].max() == 800.0
    assert rows.T[rows.source == 1].max() == 1000.0
    assert data.combined.T.max() == 800.0
    assert data.temperature_domain == (0.0, 800.0)  # the model claims only where all are


def test_zenn_takes_the_mixture_and_each_learned_source_follows_its_own_model(mixed, models,
                                                                               data):
    landscape = ZennFitter(SETTINGS).fit(data).landscape_
    assert landscape.source_names == ("phonons", "static")
    V, T = np.meshgrid(np.linspace(44.5, 50.5, 7), np.linspace(0.0, 800.0, 9), indexing="ij")
    learned = landscape.source_derivatives(V, T)
    own = [m.derivatives(V, T) for m in models]
    # the same sources with the other vibrational model: Debye for the phonon source
    debye = build_source_free_energies(mixed, vibrations="debye", electronic="off")
    other = debye[0].derivatives(V, T)
    rms = [float(np.sqrt(np.mean((a.F - b.F) ** 2))) for a, b in zip(learned, own, strict=True)]
    gap = float(np.sqrt(np.mean((own[0].F - other.F) ** 2)))  # what the phonon data change
    assert gap > 0.1  # eV per cell: the two models are far apart
    assert max(rms) < 0.05 * gap, (rms, gap)  # 0.0012 and 0.0043 eV with these settings
    # the entropy follows too (S = -F_T: the vibrational and electronic parts of the phonon
    # source, Debye for the static one)
    for a, b in zip(learned, own, strict=True):
        scale = float(np.sqrt(np.mean(b.F_T**2)))
        assert float(np.sqrt(np.mean((a.F_T - b.F_T) ** 2))) < 0.1 * scale

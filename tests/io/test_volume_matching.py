"""Attaching phonon and electronic data to a source's static points by volume."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.io.volume_matching import attach_by_volume
from zenthermo.sources import ElectronicDos, Source, VibrationalGrid, VolumePoint

ENERGIES = np.array([-1.0, 0.0, 1.0])


def _source() -> Source:
    points = tuple(VolumePoint(label=f"vol_{i}", volume=v, energy=-1.0, natoms=2,
                               composition={"X": 2})
                   for i, v in enumerate((60.0, 64.0, 68.0)))
    return Source(name="x", multiplicity=1.0, natoms=2, composition={"X": 2}, points=points)


def _grid(volume=None) -> VibrationalGrid:
    T = np.array([0.0, 100.0])
    return VibrationalGrid(T, np.array([0.1, 0.0]), np.array([0.0, 1e-4]),
                           np.array([0.0, 1e-4]), volume=volume)


def test_data_go_to_the_point_of_matching_volume_and_keep_their_own_volume():
    dos = ElectronicDos(ENERGIES, np.array([2.0, 2.0, 2.0]))
    source, excluded = attach_by_volume(
        _source(),
        vibrations=[(None, _grid(volume=64.05), "vdos_1"), (60.0, _grid(), "vdos_0")],
        electronic=[(68.0, dos, "elec_2")],
    )
    assert excluded == ()
    by_label = {p.label: p for p in source.points}
    assert by_label["vol_1"].vibrations.volume == 64.05  # its own, within 0.2 %
    assert by_label["vol_0"].vibrations.volume == 60.0
    assert by_label["vol_2"].electronic.volume == 68.0 and by_label["vol_2"].vibrations is None
    assert source.phonon_volume_count == 2 and source.electronic_volume_count == 1


def test_every_datum_not_attached_is_accounted_for():
    source, excluded = attach_by_volume(
        _source(),
        vibrations=[(61.0, _grid(), "vdos_far"), (64.0, _grid(), "vdos_a"),
                    (64.01, _grid(), "vdos_b"), (None, _grid(), "vdos_no_volume")],
    )
    reasons = {e.path: e.reason for e in excluded}
    assert set(reasons) == {"vdos_far", "vdos_b", "vdos_no_volume"}
    assert "matches no static volume" in reasons["vdos_far"]
    assert "already has phonon data from vdos_a" in reasons["vdos_b"]
    assert "not known" in reasons["vdos_no_volume"]
    assert source.phonon_volume_count == 1


def test_dfttk_al_data_match_its_static_volumes(al_dfttk_dir):
    from zenthermo.io.phonon_dos import read_yphon_dos

    points = tuple(VolumePoint(label=f"vol_{i}", volume=74.0 - 2.0 * i, energy=0.0,
                               natoms=4, composition={"Al": 4}) for i in range(8))
    source = Source(name="Al", multiplicity=1.0, natoms=4, composition={"Al": 4},
                    points=points)
    folder = al_dfttk_dir / "YPHON_results"
    readings = [read_yphon_dos(folder / f"vdos_{i}", folder / f"volph_{i}", 4,
                               temperatures=[0.0, 300.0]) for i in (0, 7)]
    source, excluded = attach_by_volume(
        source, vibrations=[(None, r.grid, f"vdos_{i}") for i, r in zip((0, 7), readings,
                                                                         strict=True)])
    assert excluded == ()
    assert source.points[0].vibrations.volume == pytest.approx(60.0)
    assert source.points[-1].vibrations.volume == pytest.approx(74.0)

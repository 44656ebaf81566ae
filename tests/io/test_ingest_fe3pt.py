"""Ingesting the real Fe3Pt VASP tree: every number checked against the files themselves."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import numpy as np
import pytest

import zenthermo
from zenthermo.data import load_default_sources


@pytest.fixture(scope="module")
def fe3pt(fe3pt_vasp_dir):
    return zenthermo.ingest(fe3pt_vasp_dir)


def _oszicar_e0(path: Path) -> float:
    lines = [line for line in path.read_text().splitlines() if "E0=" in line]
    return float(re.search(r"E0=\s*(\S+)", lines[-1]).group(1))


def _contcar_volume(path: Path) -> float:
    lines = path.read_text().splitlines()
    scale = float(lines[1])
    lattice = np.array([[float(x) for x in line.split()[:3]] for line in lines[2:5]])
    return abs(np.linalg.det(scale * lattice))


def _outcar_text(folder: Path) -> str:
    plain = folder / "OUTCAR.3static"
    if plain.exists():
        return plain.read_text()
    return gzip.decompress((folder / "OUTCAR.3static.gz").read_bytes()).decode()


def test_three_sources_of_twelve_volumes(fe3pt):
    assert fe3pt.names == ("config_0", "config_22", "config_28")
    for source in fe3pt:
        assert len(source.points) == 12
        assert source.natoms == 12
        assert dict(source.composition) == {"Fe": 9, "Pt": 3}
        assert np.all(np.diff(source.volumes) > 0)
        assert source.excluded == () and source.warnings == ()


def test_energies_and_volumes_are_those_of_oszicar_and_contcar(fe3pt, fe3pt_vasp_dir):
    for source in fe3pt:
        for point in source.points:
            folder = fe3pt_vasp_dir / source.name / point.label
            assert point.energy == pytest.approx(_oszicar_e0(folder / "OSZICAR.3static"), abs=1e-9)
            assert point.volume == pytest.approx(_contcar_volume(folder / "CONTCAR.3static"),
                                                 rel=1e-12)
    assert fe3pt["config_0"].volumes[[0, -1]].tolist() == pytest.approx([139.0, 172.0])


def test_plain_and_gzipped_outcars_give_the_final_moments(fe3pt, fe3pt_vasp_dir):
    for name in ("config_0", "config_22", "config_28"):
        point = fe3pt[name].points[5]
        text = _outcar_text(fe3pt_vasp_dir / name / point.label)
        table = text[text.rfind("magnetization (x)"):].splitlines()[4:16]
        expected = [float(line.split()[-1]) for line in table]
        np.testing.assert_allclose(point.site_moments, expected)
        assert point.total_moment is not None
        files = {Path(r.path).name for r in point.provenance}
        assert ("OUTCAR.3static" if name == "config_0" else "OUTCAR.3static.gz") in files


def test_multiplicities_from_symmetry(fe3pt):
    # Ideal 1x1x3 L1_2 cell: 16 tetragonal operations x 3 translations by c/3, x2 global flip.
    # config_0: all 9 Fe up (FM): {all up, all down} -> 2.
    # config_22: the Fe of one (Fe,Pt) plane and of one neighbouring (Fe,Fe) plane down: 3
    #   choices of the (Fe,Pt) plane x 2 (neighbour above or below) x 2 flip -> 12.
    # config_28: a block (FePt plane, FeFe plane, FePt plane) down: 3 positions x 2 flip -> 6.
    expected = {"config_0": 2, "config_22": 12, "config_28": 6}
    for source in fe3pt:
        assert source.multiplicity == expected[source.name]
        assert source.multiplicity_origin == "symmetry"


def test_magnetic_orders(fe3pt):
    assert fe3pt["config_0"].magnetic_order == "FM"
    assert fe3pt["config_22"].magnetic_order == "SF"  # 3 Fe down, 6 up: net ~8.7 mu_B
    assert fe3pt["config_28"].magnetic_order == "SF"  # 4 Fe down, 5 up: net ~2.7 mu_B
    signs = np.sign(fe3pt["config_22"].reference_moments[:9])
    assert signs.tolist() == [-1, 1, 1, -1, 1, 1, -1, 1, 1]


def test_settings_convergence_and_provenance(fe3pt, fe3pt_vasp_dir):
    point = fe3pt["config_22"].points[0]
    assert point.settings["encut"] == 520.0
    assert point.settings["kpoints"] == [13, 13, 4]
    assert point.settings["functional"] == "PBE"
    assert point.settings["ispin"] == 2
    assert point.settings["ldau"] is False
    assert point.settings["vasp_version"] == "6.4.3"
    assert point.electronic_converged and point.ionic_converged
    for record in point.provenance:
        assert not Path(record.path).is_absolute()
        digest = hashlib.sha256((fe3pt_vasp_dir / record.path).read_bytes()).hexdigest()
        assert record.sha256 == digest


def test_a_configuration_folder_can_be_given_directly(fe3pt_vasp_dir, fe3pt):
    single = zenthermo.ingest(fe3pt_vasp_dir / "config_28")
    assert single.names == ("config_28",)
    assert single["config_28"] == fe3pt["config_28"]


def test_round_trip_through_the_sources_file(fe3pt, tmp_path):
    fe3pt.save(tmp_path / "sources.json")
    assert zenthermo.load_sources(tmp_path / "sources.json") == fe3pt


def test_embedded_default_data_is_what_ingest_makes(fe3pt):
    embedded = load_default_sources()
    assert embedded.root == "fe3pt-vasp"
    for mine, stored in zip(fe3pt, embedded, strict=True):
        assert stored.name == mine.name and stored.multiplicity == mine.multiplicity
        assert stored.magnetic_order == mine.magnetic_order
        np.testing.assert_array_equal(stored.volumes, mine.volumes)
        np.testing.assert_array_equal(stored.energies, mine.energies)
        assert stored.points[0].provenance == mine.points[0].provenance

"""Electronic and phonon data found beside the static points: DFTTK's layout (``elec_<i>``,
``phonon_<i>``, ``YPHON_results``), files in the volume folders themselves, phonopy force
constants; bad data reported by file, never fatal."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from faults.makers import link_tree, replace
from phonopy_emt import emt_aluminium_phonopy

import zenthermo
from zenthermo.io.point_extras import dos_table_kind, read_folder_data


@pytest.fixture(scope="module")
def al(al_dfttk_dir):
    return zenthermo.ingest(al_dfttk_dir.parent)


@pytest.fixture
def tree(al_dfttk_dir, tmp_path) -> Path:
    """A linked copy of the Al tree; returns its configuration folder."""
    return link_tree(al_dfttk_dir.parent, tmp_path / "al", ["config_Al"]) / "config_Al"


def _reasons(source) -> dict[str, str]:
    return {e.item.split("/", 1)[1]: e.reason for e in source.excluded}


def test_dfttk_al_is_one_source_with_phonon_and_electronic_dos_at_eight_volumes(al):
    (source,) = al.sources
    assert len(source.points) == 8
    assert source.phonon_volume_count == 8 and source.electronic_volume_count == 8
    for point in source.points:
        assert point.vibrations.origin == "phonon_dos"
        assert point.vibrations.volume == pytest.approx(point.volume, rel=1e-6)
        assert point.electronic.volume == pytest.approx(point.volume, rel=1e-6)
        assert point.electronic.electron_count == pytest.approx(12.0, abs=0.01)
        index = point.label.split("_")[1]
        assert point.electronic.provenance[0].path == f"config_Al/elec_{index}/total_dos.dat"
    reasons = _reasons(source)
    # phonon_<i> hold only the inputs: reported, with the reason; the data folders are used
    assert sorted(reasons) == [f"phonon_{i}" for i in range(8)]
    assert all("without results" in r for r in reasons.values())


def test_the_sources_file_keeps_the_attached_data(al, tmp_path):
    al.save(tmp_path / "al.json")
    assert zenthermo.load_sources(tmp_path / "al.json") == al


def test_a_single_column_dos_table_is_reported_by_file_and_the_rest_kept(tree):
    dos = tree / "elec_3" / "total_dos.dat"
    replace(dos, b"# broken\n-1.0\n0.0\n1.0\n")
    source = zenthermo.ingest(tree.parent)["config_Al"]
    assert source.electronic_volume_count == 7 and source.phonon_volume_count == 8
    (problem,) = [e for e in source.excluded if e.item == "config_Al/elec_3"]
    assert problem.path == "config_Al/elec_3/total_dos.dat"
    assert "expected 2 columns" in problem.reason


def test_a_dos_with_a_non_integer_electron_count_is_reported(tree):
    dos = tree / "elec_5" / "total_dos.dat"
    E, n = np.loadtxt(dos, unpack=True)
    replace(dos, "\n".join(f"{e} {0.9 * v}" for e, v in zip(E, n, strict=True)).encode())
    source = zenthermo.ingest(tree.parent)["config_Al"]
    assert source.electronic_volume_count == 7
    (problem,) = [e for e in source.excluded if e.item == "config_Al/elec_5"]
    assert "not a whole number" in problem.reason


def test_a_dos_with_a_negative_electron_count_is_reported(tree):
    dos = tree / "elec_1" / "total_dos.dat"
    E, n = np.loadtxt(dos, unpack=True)
    replace(dos, "\n".join(f"{e} {-v}" for e, v in zip(E, n, strict=True)).encode())
    source = zenthermo.ingest(tree.parent)["config_Al"]
    (problem,) = [e for e in source.excluded if e.item == "config_Al/elec_1"]
    assert "must be positive" in problem.reason


def test_a_phonon_dos_with_large_imaginary_weight_is_reported(tree):
    vdos = tree / "YPHON_results" / "vdos_6"
    nu, g = np.loadtxt(vdos, unpack=True)
    shifted = nu - 0.2 * nu.max()  # a fifth of the spectrum moved to imaginary frequencies
    replace(vdos, "\n".join(f"{a} {b}" for a, b in zip(shifted, g, strict=True)).encode())
    source = zenthermo.ingest(tree.parent)["config_Al"]
    assert source.phonon_volume_count == 7 and source.electronic_volume_count == 8
    (problem,) = [e for e in source.excluded if e.item == "config_Al/YPHON_results"]
    assert problem.path == "config_Al/YPHON_results/vdos_6"
    assert "dynamically unstable" in problem.reason


def test_dos_files_inside_the_volume_folders_belong_to_their_point(tree, al_dfttk_dir):
    """An electronic DOS table in vol_2 and a phonopy phonon DOS (THz per cell) in vol_3,
    both named total_dos.dat and told apart by content, belong to their own points."""
    shutil.rmtree(tree / "YPHON_results")
    for i in range(8):
        shutil.rmtree(tree / f"elec_{i}")
    shutil.copy(al_dfttk_dir / "elec_2" / "total_dos.dat", tree / "vol_2" / "total_dos.dat")
    nu, g = np.loadtxt(al_dfttk_dir / "YPHON_results" / "vdos_3", unpack=True)
    phonon_dir = tree / "vol_3"
    (phonon_dir / "total_dos.dat").write_text(
        "# Sigma = 0.1\n" + "\n".join(f"{a * 1e-12} {b * 4e12}" for a, b in
                                      zip(nu, g, strict=True)))
    assert dos_table_kind(tree / "vol_2" / "total_dos.dat") == "electronic"
    assert dos_table_kind(phonon_dir / "total_dos.dat") == "phonon"
    source = zenthermo.ingest(tree.parent)["config_Al"]
    points = {p.label: p for p in source.points}
    assert source.electronic_volume_count == 1 and source.phonon_volume_count == 1
    assert points["vol_2"].electronic.electron_count == pytest.approx(12.0, abs=0.01)
    grid = points["vol_3"].vibrations
    assert grid.origin == "phonon_dos" and grid.num_modes == 12


@pytest.fixture(scope="module")
def force_constants_folder(tmp_path_factory) -> Path:
    """Real EMT forces of a 32-atom fcc Al supercell at 66 A^3 per 4-atom cell (vol_4)."""
    folder = tmp_path_factory.mktemp("fc") / "phonon_4"
    folder.mkdir()
    ph = emt_aluminium_phonopy(66.0 ** (1 / 3))
    ph.save(folder / "phonopy_params.yaml")
    return folder


def test_a_phonopy_force_constant_folder_gives_its_volume_a_grid(tree, force_constants_folder):
    shutil.rmtree(tree / "YPHON_results")
    shutil.rmtree(tree / "phonon_4")
    shutil.copytree(force_constants_folder, tree / "phonon_4")
    source = zenthermo.ingest(tree.parent)["config_Al"]
    (point,) = [p for p in source.points if p.vibrations is not None]
    assert point.label == "vol_4"
    assert point.vibrations.origin == "force_constants"
    assert point.vibrations.volume == pytest.approx(66.0, rel=1e-6)
    assert point.vibrations.heat_capacity[-1] == pytest.approx(12 * 8.617333e-5, rel=0.01)
    assert "phonon_4" not in _reasons(source)  # used, so not reported as excluded
    assert any("phonon data for 1 of 8 volumes" in w for w in source.warnings)


def test_read_folder_data_of_an_empty_folder_finds_nothing(tmp_path):
    found = read_folder_data(tmp_path, 4, tmp_path)
    assert not found.found


def test_a_vasprun_with_a_dos_gives_its_folder_an_electronic_dos(ase_vasp_data, tmp_path):
    """A static volume folder's vasprun.xml (and an elec folder's vasprun.xml.elec_dos);
    a run without a <dos> block gives nothing, one whose DOS misses electrons is named."""
    raw = (ase_vasp_data / "vasprun_dfpt.xml").read_bytes()
    static = tmp_path / "vol_0"
    static.mkdir()
    (static / "vasprun.xml").write_bytes(raw)
    found = read_folder_data(static, 2, tmp_path, volume=40.5765, static_vasprun=True)
    ((volume, dos, path),) = found.electronic
    assert volume == 40.5765 and path == "vol_0/vasprun.xml"
    assert dos.electron_count == pytest.approx(8.0, abs=1e-4)
    relaxed = tmp_path / "vol_2"
    relaxed.mkdir()
    (relaxed / "vasprun.xml.1relax").write_bytes(raw)  # a relaxation's DOS is never used
    assert not read_folder_data(relaxed, 2, tmp_path, volume=40.0, static_vasprun=True).found
    elec = tmp_path / "elec_0"
    elec.mkdir()
    (elec / "vasprun.xml.elec_dos").write_bytes(raw)
    ((volume, _, _),) = read_folder_data(elec, 2, tmp_path).electronic
    assert volume == pytest.approx(40.5765, rel=1e-5)  # the run's own cell
    (elec / "vasprun.xml.elec_dos").write_bytes(
        raw.replace(b'<i name="NELECT">      8.00000000</i>',
                    b'<i name="NELECT">     10.00000000</i>'))
    found = read_folder_data(elec, 2, tmp_path)
    assert found.electronic == [] and "NELECT = 10" in found.problems[0][1]
    miscounted = raw.replace(b'<i name="NELECT">      8.00000000</i>',
                             b'<i name="NELECT">     10.00000000</i>')
    (static / "vasprun.xml").write_bytes(miscounted)  # read unasked: a note, not an exclusion
    found = read_folder_data(static, 2, tmp_path, volume=40.5765, static_vasprun=True)
    assert not found.problems and "its DOS not used" in found.notes[0]
    without = tmp_path / "vol_1"
    without.mkdir()
    start, end = raw.index(b"<dos>"), raw.index(b"</dos>") + len(b"</dos>")
    (without / "vasprun.xml").write_bytes(raw[:start] + raw[end:])
    assert not read_folder_data(without, 2, tmp_path, volume=40.0, static_vasprun=True).found


def test_data_of_a_volume_without_its_static_point_are_named_by_folder(tree):
    shutil.rmtree(tree / "vol_5")
    source = zenthermo.ingest(tree.parent)["config_Al"]
    assert len(source.points) == 7 and source.electronic_volume_count == 7
    unmatched = {e.item: e for e in source.excluded if "matches no static volume" in e.reason}
    assert set(unmatched) == {"config_Al/elec_5", "config_Al/YPHON_results"}
    assert unmatched["config_Al/YPHON_results"].path == "config_Al/YPHON_results/vdos_5"
    assert unmatched["config_Al/elec_5"].volume == pytest.approx(64.0)


def test_a_bad_file_in_a_static_folder_is_named_and_its_point_kept(tree):
    (tree / "vol_2" / "total_dos.dat").write_text("-1.0\n0.0\n1.0\n")
    source = zenthermo.ingest(tree.parent)["config_Al"]
    assert len(source.points) == 8 and source.electronic_volume_count == 8  # elec_2 still
    (problem,) = [e for e in source.excluded if e.item.startswith("config_Al/vol_2")]
    assert problem.item == "config_Al/vol_2/total_dos.dat"
    assert "expected 2 columns" in problem.reason


def test_a_dos_run_with_its_own_vasprun_is_data_not_a_static_point(tree, ase_vasp_data):
    """DFTTK keeps the DOS run as vasprun.xml.elec_dos: an energy file, but no static point."""
    (tree / "elec_0" / "vasprun.xml.elec_dos").write_bytes(
        (ase_vasp_data / "vasprun_dfpt.xml").read_bytes())
    source = zenthermo.ingest(tree.parent)["config_Al"]
    assert sorted(p.label for p in source.points) == [f"vol_{i}" for i in range(8)]
    assert source.electronic_volume_count == 8  # elec_0's total_dos.dat is preferred

"""phonopy ingestion: thermal_properties.yaml, e-v.dat, and phonopy-qha inputs as a SourceSet."""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import shutil
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import constants

from zenthermo.errors import InputError
from zenthermo.io.phonopy_files import (
    read_energy_volume,
    read_phonopy_qha,
    read_thermal_properties,
)

#: Documented conversions, written out independently of zenthermo.units:
#: phonopy's kJ/mol and J/K/mol are per mole of cells.
EV_PER_KJ_PER_MOL = 1e3 / (constants.e * constants.N_A)
EV_PER_J_PER_MOL = 1.0 / (constants.e * constants.N_A)

SI_ORDER = [f"thermal_properties.yaml-{i}" for i in range(-5, 6)]


def _si_yaml_paths(folder: Path) -> list[Path]:
    return [folder / name for name in SI_ORDER]


def _copy_si(si_qha_dir: Path, tmp_path: Path, with_poscars: bool = True) -> Path:
    target = tmp_path / "si"
    target.mkdir()
    for path in si_qha_dir.iterdir():
        if path.name.startswith("POSCAR") and not with_poscars:
            continue
        shutil.copyfile(path, target / path.name)
    return target


def _load_yaml(path: Path):
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _edit_yaml(path: Path, **changes) -> None:
    data = _load_yaml(path)
    data.update(changes)
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    path.write_text(yaml.dump(data, Dumper=dumper, sort_keys=False))


# ----------------------------------------------------------------------------- thermal_properties


def test_thermal_properties_converted_to_ev_per_cell(si_qha_dir: Path) -> None:
    path = si_qha_dir / "thermal_properties.yaml-0"
    raw = _load_yaml(path)
    rows = raw["thermal_properties"]
    grid = read_thermal_properties(path)

    assert raw["unit"]["free_energy"] == "kJ/mol" and raw["natom"] == 8
    assert grid.temperatures.dtype == np.float64
    np.testing.assert_array_equal(grid.temperatures, [r["temperature"] for r in rows])
    np.testing.assert_allclose(grid.free_energy,
                               [r["free_energy"] * EV_PER_KJ_PER_MOL for r in rows], rtol=1e-14)
    np.testing.assert_allclose(grid.entropy,
                               [r["entropy"] * EV_PER_J_PER_MOL for r in rows], rtol=1e-14)
    np.testing.assert_allclose(grid.heat_capacity,
                               [r["heat_capacity"] * EV_PER_J_PER_MOL for r in rows], rtol=1e-14)
    # Known numbers: 0-2100 K in 10 K steps; zero-point energy 46.6315169 kJ/mol = 0.4833 eV.
    assert len(grid.temperatures) == 211 and grid.temperatures[-1] == 2100.0
    assert grid.free_energy[0] == pytest.approx(0.48330, abs=1e-5)
    # High-temperature C_V of 8 atoms tends to 3 N k_B = 24 k_B per cell.
    assert grid.heat_capacity[-1] == pytest.approx(24 * constants.k / constants.e, rel=5e-3)
    assert grid.num_modes == 192000 and grid.imaginary_modes == 0
    assert grid.provenance[0].sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_agrees_with_phonopys_own_reader(si_qha_dir: Path) -> None:
    from phonopy.file_IO import read_thermal_properties_yaml

    paths = _si_yaml_paths(si_qha_dir)
    temperatures, cv, entropy, fe, _, _ = read_thermal_properties_yaml([str(p) for p in paths])
    for column, path in enumerate(paths):
        grid = read_thermal_properties(path)
        np.testing.assert_array_equal(grid.temperatures, temperatures)
        np.testing.assert_allclose(grid.free_energy, fe[:, column] * EV_PER_KJ_PER_MOL,
                                   rtol=1e-14)
        np.testing.assert_allclose(grid.heat_capacity, cv[:, column] * EV_PER_J_PER_MOL,
                                   rtol=1e-14)


@pytest.mark.parametrize(("suffix", "compress"),
                         [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)])
def test_compressed_files_read_the_same(si_qha_dir: Path, tmp_path: Path, suffix, compress):
    plain = si_qha_dir / "thermal_properties.yaml-2"
    packed = tmp_path / f"thermal_properties.yaml-2{suffix}"
    packed.write_bytes(compress(plain.read_bytes()))
    a, b = read_thermal_properties(plain), read_thermal_properties(packed)
    for key in ("temperatures", "free_energy", "entropy", "heat_capacity"):
        np.testing.assert_array_equal(getattr(a, key), getattr(b, key))
    assert b.provenance[0].sha256 == hashlib.sha256(packed.read_bytes()).hexdigest()


@pytest.mark.parametrize(("name", "compress"),
                         [("thermal_properties.yaml-2.gz", lambda data: data),
                          ("thermal_properties.yaml-2", gzip.compress),
                          ("thermal_properties.yaml-2.xz", bz2.compress)])
def test_compression_is_told_by_content_not_by_name(si_qha_dir: Path, tmp_path: Path, name,
                                                    compress):
    plain = si_qha_dir / "thermal_properties.yaml-2"
    packed = tmp_path / name
    packed.write_bytes(compress(plain.read_bytes()))
    a, b = read_thermal_properties(plain), read_thermal_properties(packed)
    np.testing.assert_array_equal(a.free_energy, b.free_energy)
    ev = tmp_path / "e-v.dat"
    ev.write_bytes(gzip.compress((si_qha_dir / "e-v.dat").read_bytes()))  # gzip, plain name
    np.testing.assert_array_equal(read_energy_volume(ev)[1],
                                  read_energy_volume(si_qha_dir / "e-v.dat")[1])


@pytest.mark.parametrize("marker", ["  entropy:", "- temperature:      1000.0000000",
                                    "heat_capacity: J/K", "thermal_properties:\n- temp"])
def test_truncated_yaml_names_the_file(si_qha_dir: Path, tmp_path: Path, marker: str) -> None:
    text = (si_qha_dir / "thermal_properties.yaml-0").read_text()
    cut = tmp_path / "thermal_properties.yaml"
    cut.write_text(text[: text.index(marker) + len(marker)])
    with pytest.raises(InputError) as info:
        read_thermal_properties(cut)
    assert str(cut) in str(info.value)


def test_truncated_gzip_is_an_input_error(si_qha_dir: Path, tmp_path: Path) -> None:
    packed = gzip.compress((si_qha_dir / "thermal_properties.yaml-0").read_bytes())
    path = tmp_path / "thermal_properties.yaml.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(InputError, match="damaged or truncated"):
        read_thermal_properties(path)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("natom: 2\n", "no 'thermal_properties' list"),
        ("thermal_properties: [\n", "malformed or truncated YAML"),
        ("unit: {free_energy: Ry}\nthermal_properties:\n- {temperature: 0, free_energy: 1,"
         " entropy: 0, heat_capacity: 0}\n", "unknown unit 'Ry'"),
        ("thermal_properties:\n- {temperature: 10, free_energy: 1, entropy: 0, heat_capacity: 0}"
         "\n- {temperature: 10, free_energy: 1, entropy: 0, heat_capacity: 0}\n",
         "strictly ascending"),
        ("thermal_properties:\n- {temperature: 0, free_energy: .nan, entropy: 0, "
         "heat_capacity: 0}\n", "non-finite"),
        ("num_modes: 3\nnum_integrated_modes: 6\nthermal_properties:\n- {temperature: 0, "
         "free_energy: 1, entropy: 0, heat_capacity: 0}\n", "exceeds num_modes"),
    ],
)
def test_malformed_thermal_properties(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "thermal_properties.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=match):
        read_thermal_properties(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="not found"):
        read_thermal_properties(tmp_path / "thermal_properties.yaml")


# ----------------------------------------------------------------------------- e-v.dat


def test_energy_volume_of_si(si_qha_dir: Path) -> None:
    volumes, energies = read_energy_volume(si_qha_dir / "e-v.dat")
    assert volumes.shape == energies.shape == (11,)
    assert volumes[0] == 140.03 and energies[0] == -42.132246
    assert volumes[5] == 163.32 and energies[5] == -43.375124


def test_energy_volume_comments_and_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "e-v.dat"
    path.write_text("# V  E\n\n 10.0  -1.5  # first\n# skipped\n11.0 -1.25\n")
    volumes, energies = read_energy_volume(path)
    assert volumes.tolist() == [10.0, 11.0] and energies.tolist() == [-1.5, -1.25]


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("10.0 -1.0\n11.0 -1.1 0.3\n", "line 2: expected 2 columns"),
        ("10.0 -1.0\n\n11.0 abc\n", "line 3: not a number"),
        ("10.0 -1.0\n10.0 -1.1\n", "line 2: volume 10.0 repeats line 1"),
        ("-10.0 -1.0\n", "line 1: volume must be positive"),
        ("10.0 nan\n", "line 1: non-finite"),
        ("# nothing\n", "no volume-energy rows"),
    ],
)
def test_bad_energy_volume_names_file_and_line(tmp_path: Path, text: str, match: str) -> None:
    path = tmp_path / "e-v.dat"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        read_energy_volume(path)
    assert str(path) in str(info.value)


# ----------------------------------------------------------------------------- phonopy-qha


def test_si_qha_is_one_source_with_eleven_volumes(si_qha_dir: Path) -> None:
    paths = _si_yaml_paths(si_qha_dir)
    source_set = read_phonopy_qha(si_qha_dir / "e-v.dat", paths)
    assert len(source_set) == 1
    source = source_set[0]
    assert source.name == "si-qha-phonopy"
    assert (source.multiplicity, source.multiplicity_origin) == (1.0, "default")
    assert source.magnetic_order == "NM"
    assert source.natoms == 8 and dict(source.composition) == {"Si": 8}
    assert len(source.points) == 11 and source.excluded == () and source.warnings == ()
    assert source.has_vibrations
    volumes, energies = read_energy_volume(si_qha_dir / "e-v.dat")
    np.testing.assert_array_equal(source.volumes, np.sort(volumes))
    np.testing.assert_array_equal(source.energies, energies[np.argsort(volumes)])
    # Each point carries the grid of the yaml it was paired with, converted to eV per cell.
    for point, path in zip(source.points, paths, strict=True):
        rows = _load_yaml(path)["thermal_properties"]
        np.testing.assert_allclose(point.vibrations.free_energy,
                                   [r["free_energy"] * EV_PER_KJ_PER_MOL for r in rows],
                                   rtol=1e-14)
        np.testing.assert_allclose(point.vibrations.entropy,
                                   [r["entropy"] * EV_PER_J_PER_MOL for r in rows], rtol=1e-14)
        assert point.label == path.name
        recorded = {r.path: r.sha256 for r in point.provenance}
        assert recorded["e-v.dat"] == hashlib.sha256(
            (si_qha_dir / "e-v.dat").read_bytes()).hexdigest()
        assert recorded[path.name] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert "POSCAR" + path.name.removeprefix("thermal_properties.yaml") in recorded


def test_count_mismatch_names_both(si_qha_dir: Path) -> None:
    paths = _si_yaml_paths(si_qha_dir)[:10]
    with pytest.raises(InputError, match="11 volume rows in e-v.dat but 10") as info:
        read_phonopy_qha(si_qha_dir / "e-v.dat", paths)
    assert "e-v.dat" in str(info.value) and "thermal_properties.yaml-4" in str(info.value)


def test_different_temperature_grids_are_refused(si_qha_dir: Path, tmp_path: Path) -> None:
    folder = _copy_si(si_qha_dir, tmp_path)
    odd = folder / "thermal_properties.yaml-3"
    data = _load_yaml(odd)
    _edit_yaml(odd, thermal_properties=data["thermal_properties"][:100])
    with pytest.raises(InputError, match="phonopy-qha requires the same temperature") as info:
        read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))
    assert "thermal_properties.yaml-3" in str(info.value)


def test_unstable_volumes_are_excluded_with_reason(si_qha_dir: Path, tmp_path: Path) -> None:
    folder = _copy_si(si_qha_dir, tmp_path)
    _edit_yaml(folder / "thermal_properties.yaml-5", num_integrated_modes=192000 - 120)
    _edit_yaml(folder / "thermal_properties.yaml--5", num_integrated_modes=192000 - 3)
    source = read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))[0]
    assert len(source.points) == 10
    (exclusion,) = source.excluded
    assert exclusion.item == "thermal_properties.yaml-5" and exclusion.volume == 189.07
    assert "120 of 192000 modes are imaginary" in exclusion.reason
    # Three missing modes are the Gamma acoustic ones: that volume is kept.
    assert source.points[0].vibrations.imaginary_modes == 3

    kept = read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder),
                            exclude_imaginary=False)[0]
    assert len(kept.points) == 11 and kept.excluded == ()
    assert any("imaginary" in w for w in kept.warnings)


def test_all_unstable_is_an_error(si_qha_dir: Path, tmp_path: Path) -> None:
    folder = _copy_si(si_qha_dir, tmp_path)
    for path in _si_yaml_paths(folder):
        _edit_yaml(path, num_integrated_modes=100)
    with pytest.raises(InputError, match="every volume has imaginary"):
        read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))


def test_yaml_volume_contradicting_its_row_is_an_error(si_qha_dir: Path, tmp_path: Path):
    folder = _copy_si(si_qha_dir, tmp_path)
    _edit_yaml(folder / "thermal_properties.yaml-0", volume=140.03)
    with pytest.raises(InputError, match="paired with e-v.dat row 6"):
        read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))


def test_files_in_any_order_are_paired_by_their_numeric_suffix(si_qha_dir: Path) -> None:
    in_order = read_phonopy_qha(si_qha_dir / "e-v.dat", _si_yaml_paths(si_qha_dir))
    reversed_paths = list(reversed(_si_yaml_paths(si_qha_dir)))
    shell_order = sorted(_si_yaml_paths(si_qha_dir))  # --1 --2 ... --5 -0 ... -5
    for paths in (reversed_paths, shell_order):
        assert read_phonopy_qha(si_qha_dir / "e-v.dat", paths) == in_order
    assert [p.label for p in in_order[0].points][:2] == [
        "thermal_properties.yaml--5", "thermal_properties.yaml--4"]


def test_a_pairing_its_poscars_contradict_is_an_error(si_qha_dir: Path, tmp_path: Path):
    folder = _copy_si(si_qha_dir, tmp_path)
    first, second = folder / "POSCAR--1", folder / "POSCAR--2"
    text = first.read_bytes()
    first.write_bytes(second.read_bytes())
    second.write_bytes(text)
    with pytest.raises(InputError, match="POSCAR--2 has volume .* paired with e-v.dat row 4"):
        read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))


def test_without_poscar_composition_is_unknown_or_given(si_qha_dir: Path, tmp_path: Path):
    folder = _copy_si(si_qha_dir, tmp_path, with_poscars=False)
    source = read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder), name="si")[0]
    assert source.name == "si" and source.natoms == 8
    assert dict(source.composition) == {"X": 8}
    assert any("composition unknown" in w for w in source.warnings)
    given = read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder),
                             composition={"Si": 8})[0]
    assert dict(given.composition) == {"Si": 8} and given.warnings == ()
    with pytest.raises(InputError, match="does not have 8 atoms"):
        read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder), composition={"Si": 2})


def test_cell_size_disagreement_is_an_error(si_qha_dir: Path, tmp_path: Path) -> None:
    folder = _copy_si(si_qha_dir, tmp_path)
    _edit_yaml(folder / "thermal_properties.yaml-2", natom=2)
    with pytest.raises(InputError, match="disagree on natom"):
        read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))
    for path in _si_yaml_paths(folder):
        _edit_yaml(path, natom=2)
    with pytest.raises(InputError, match="same cell") as info:
        read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))
    assert "POSCAR" in str(info.value)


def test_manifest_style_options(si_qha_dir: Path) -> None:
    source = read_phonopy_qha(si_qha_dir / "e-v.dat", _si_yaml_paths(si_qha_dir),
                              magnetic_order="FM", multiplicity=2)[0]
    assert source.magnetic_order == "FM"
    assert (source.multiplicity, source.multiplicity_origin) == (2.0, "manifest")


def test_folder_per_volume_layout_uses_folder_labels(si_qha_dir: Path, tmp_path: Path) -> None:
    paths = []
    for i in range(-5, 6):
        folder = tmp_path / f"vol_{i}"
        folder.mkdir()
        shutil.copyfile(si_qha_dir / f"thermal_properties.yaml-{i}",
                        folder / "thermal_properties.yaml")
        shutil.copyfile(si_qha_dir / f"POSCAR-{i}", folder / "POSCAR")
        paths.append(folder / "thermal_properties.yaml")
    shutil.copyfile(si_qha_dir / "e-v.dat", tmp_path / "e-v.dat")
    source = read_phonopy_qha(tmp_path / "e-v.dat", paths)[0]
    assert [p.label for p in source.points] == [f"vol_{i}" for i in range(-5, 6)]
    assert dict(source.composition) == {"Si": 8} and source.warnings == ()
    assert any(r.path == "vol_0/thermal_properties.yaml" for r in source.points[5].provenance)


def test_one_poscar_beside_arbitrary_names_gives_the_composition(si_qha_dir: Path,
                                                                 tmp_path: Path) -> None:
    paths = []
    for n, i in enumerate(range(-5, 6)):
        target = tmp_path / f"tp_{n:02d}.yaml"
        shutil.copyfile(si_qha_dir / f"thermal_properties.yaml-{i}", target)
        paths.append(target)
    shutil.copyfile(si_qha_dir / "e-v.dat", tmp_path / "e-v.dat")
    shutil.copyfile(si_qha_dir / "POSCAR-0", tmp_path / "POSCAR")
    source = read_phonopy_qha(tmp_path / "e-v.dat", paths)[0]
    assert dict(source.composition) == {"Si": 8} and source.warnings == ()
    assert [p.label for p in source.points] == [p.name for p in paths]
    assert all(any(r.path == "POSCAR" for r in p.provenance) for p in source.points)


def test_a_shared_poscar_is_not_mistaken_for_each_volumes(si_qha_dir: Path,
                                                          tmp_path: Path) -> None:
    folder = _copy_si(si_qha_dir, tmp_path, with_poscars=False)
    shutil.copyfile(si_qha_dir / "POSCAR-0", folder / "POSCAR")
    source = read_phonopy_qha(folder / "e-v.dat", _si_yaml_paths(folder))[0]
    assert dict(source.composition) == {"Si": 8}
    assert source.warnings == ()  # no "check the order" against the one reference cell


# ------------------------------------------------------------------------ phonopy.yaml + forces


@pytest.fixture(scope="module")
def copper_phonopy_yaml(tmp_path_factory) -> tuple[Path, object]:
    """fcc Cu (4-atom cubic cell, 2x2x2 supercell) with forces from ASE's EMT potential."""
    import warnings

    from ase import Atoms
    from ase.build import bulk
    from ase.calculators.emt import EMT
    from phonopy import Phonopy
    from phonopy.structure.atoms import PhonopyAtoms

    cu = bulk("Cu", "fcc", a=3.6, cubic=True)
    unit = PhonopyAtoms(symbols=cu.get_chemical_symbols(), cell=cu.cell[:],
                        scaled_positions=cu.get_scaled_positions())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ph = Phonopy(unit, supercell_matrix=np.eye(3, dtype=int) * 2, primitive_matrix="F")
    ph.generate_displacements(distance=0.01)
    forces = []
    for cell in ph.supercells_with_displacements:
        atoms = Atoms(cell.symbols, cell=cell.cell, scaled_positions=cell.scaled_positions,
                      pbc=True)
        atoms.calc = EMT()
        forces.append(atoms.get_forces())
    ph.forces = np.array(forces)
    path = tmp_path_factory.mktemp("cu") / "phonopy.yaml"
    ph.save(path, settings={"force_sets": True})
    return path, ph


def test_thermal_properties_from_forces_per_unit_cell(copper_phonopy_yaml, tmp_path: Path):
    from zenthermo.io.phonopy_mesh import compute_thermal_properties

    path, ph = copper_phonopy_yaml
    grid = compute_thermal_properties(path, mesh=[8, 8, 8], t_max=1000, t_step=100)
    assert grid.temperatures.tolist() == list(np.arange(0.0, 1001.0, 100.0))
    # 4 atoms per unit cell: C_V -> 3 * 4 k_B at high temperature.
    assert grid.heat_capacity[-1] == pytest.approx(12 * constants.k / constants.e, rel=1e-2)
    assert grid.imaginary_modes <= 3 and np.all(grid.entropy[1:] > 0)
    # The same phonons written by phonopy -t (per 1-atom primitive cell) and read back.
    ph.produce_force_constants()
    ph.run_mesh([8, 8, 8], is_gamma_center=True, with_eigenvectors=False)
    ph.run_thermal_properties(t_min=0, t_max=1000, t_step=100)
    written = tmp_path / "thermal_properties.yaml"
    ph.thermal_properties.write_yaml(filename=written)
    per_primitive = read_thermal_properties(written)
    np.testing.assert_allclose(grid.free_energy, 4 * per_primitive.free_energy, atol=1e-6)
    np.testing.assert_allclose(grid.heat_capacity, 4 * per_primitive.heat_capacity, atol=1e-9)


def test_phonopy_yaml_without_forces_is_refused(copper_phonopy_yaml, tmp_path: Path) -> None:
    from zenthermo.io.phonopy_mesh import compute_thermal_properties

    data = _load_yaml(copper_phonopy_yaml[0])
    for entry in data["displacements"]:
        entry.pop("forces")
    bare = tmp_path / "phonopy_disp.yaml"
    bare.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match="no forces"):
        compute_thermal_properties(bare)
    other = tmp_path / "other.yaml"
    other.write_text("thermal_properties: []\n")
    with pytest.raises(InputError, match="not a phonopy.yaml"):
        compute_thermal_properties(other)

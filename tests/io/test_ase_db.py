"""ASE databases: Fe3Pt written into ``results.db`` by a script (ASE reads the fixture's
OUTCARs, as a user would) gives the sources of the folder tree; unusable rows are named."""

from __future__ import annotations

import numpy as np
import pytest
from ase.db import connect

import zenthermo
from zenthermo.cli import main
from zenthermo.errors import InputError

CONFIGS = ("config_0", "config_22", "config_28")


def write_fe3pt_db(root, path, configs=CONFIGS, volumes=None, ideal=True):
    """The script: one row per static OUTCAR, the configuration's POSCAR as its ideal cell."""
    import ase.io

    with connect(path, append=False) as db:
        for config in configs:
            if ideal:
                db.write(ase.io.read(root / config / "POSCAR", format="vasp"), config=config,
                         ideal=True)
            folders = sorted((root / config).glob("vol_*"))[:volumes]
            for folder in folders:
                outcar = next(folder.glob("OUTCAR.3static*"))
                db.write(ase.io.read(outcar), config=config,
                         volume_index=int(folder.name.split("_")[1]))
    return path


@pytest.fixture(scope="module")
def fe3pt_db(fe3pt_vasp_dir, tmp_path_factory):
    return write_fe3pt_db(fe3pt_vasp_dir, tmp_path_factory.mktemp("db") / "results.db")


@pytest.fixture(scope="module")
def from_folders(fe3pt_vasp_dir):
    return zenthermo.ingest(fe3pt_vasp_dir)


@pytest.fixture(scope="module")
def from_db(fe3pt_db):
    return zenthermo.ingest(fe3pt_db)


@pytest.mark.slow  # ASE reads 36 OUTCARs to write the database (~6 s)
def test_the_database_gives_the_sources_of_the_folder_tree(from_db, from_folders):
    assert from_db.names == from_folders.names == CONFIGS
    assert from_db.metadata["reader"] == "ase-db"
    for ours, theirs in zip(from_db, from_folders, strict=True):
        assert ours.multiplicity == theirs.multiplicity  # from the ideal cell's symmetry
        assert ours.magnetic_order == theirs.magnetic_order
        assert [p.label for p in ours.points] == [p.label for p in theirs.points]
        np.testing.assert_allclose(ours.volumes, theirs.volumes, rtol=1e-8)
        np.testing.assert_allclose(ours.energies, theirs.energies, atol=1e-6)  # OUTCAR digits
        for a, b in zip(ours.points, theirs.points, strict=True):
            np.testing.assert_allclose(a.site_moments, b.site_moments, atol=1e-3)
        assert ours.excluded == () and ours.warnings == ()


@pytest.mark.slow
def test_the_cli_ingests_a_database(fe3pt_db, from_db, tmp_path):
    out = tmp_path / "sources.json"
    assert main(["ingest", str(fe3pt_db), "-o", str(out), "--quiet"]) == 0
    loaded = zenthermo.load_sources(out)
    assert loaded.names == from_db.names
    assert [s.multiplicity for s in loaded] == [s.multiplicity for s in from_db]


@pytest.mark.slow
def test_critical_point_and_nte_window_of_the_folder_tree_to_001_K(from_db, from_folders):
    from zenthermo.landscape.exact import ExactZentropy
    from zenthermo.thermo.analysis import analyze

    temperatures = np.arange(0.0, 601.0, 1.0)
    ours, theirs = (analyze(ExactZentropy.from_sources(s), [0.0], temperatures)
                    for s in (from_db, from_folders))
    a, b = ours.phase_diagram.critical_point, theirs.phase_diagram.critical_point
    assert a.T_K == pytest.approx(b.T_K, abs=0.01)
    (window_a,), (window_b,) = ours.isobars[0].nte_windows, theirs.isobars[0].nte_windows
    assert window_a.T_start_K == pytest.approx(window_b.T_start_K, abs=0.01)
    assert window_a.T_end_K == pytest.approx(window_b.T_end_K, abs=0.01)


@pytest.fixture
def small_db(fe3pt_vasp_dir, tmp_path):
    return write_fe3pt_db(fe3pt_vasp_dir, tmp_path / "small.db", configs=("config_0",),
                          volumes=6)


def test_a_row_without_energy_is_named_and_the_rest_kept(small_db):
    from ase.build import bulk

    with connect(small_db) as db:
        bad = db.write(bulk("Fe", cubic=True), config="config_0")
        stray = db.write(bulk("Fe", cubic=True))
    source_set = zenthermo.ingest(small_db)
    assert len(source_set["config_0"].points) == 6
    reasons = {e.item: e.reason for e in source_set.excluded}
    assert reasons[f"row {bad}"] == f"row {bad} (config=config_0): no energy; not used"
    assert "no energy" in reasons[f"row {stray}"]
    assert any(f"row {bad}" in w for w in source_set.warnings)


def test_rows_without_a_configuration_are_named(small_db, fe3pt_vasp_dir):
    import ase.io

    outcar = next((fe3pt_vasp_dir / "config_0" / "vol_0").glob("OUTCAR.3static*"))
    with connect(small_db) as db:
        row = db.write(ase.io.read(outcar))
    reasons = {e.item: e.reason for e in zenthermo.ingest(small_db).excluded}
    assert "no config= key" in reasons[f"row {row}"]


def test_given_multiplicities_win_and_without_an_ideal_cell_symmetry_is_warned(
        fe3pt_vasp_dir, tmp_path):
    path = write_fe3pt_db(fe3pt_vasp_dir, tmp_path / "plain.db", configs=("config_22",),
                          volumes=6, ideal=False)
    (source,) = zenthermo.ingest(path).sources
    assert any("no POSCAR of the ideal cell" in w for w in source.warnings)
    with connect(path) as db:
        for row in db.select():
            db.update(row.id, multiplicity=12)
    (source,) = zenthermo.ingest(path).sources
    assert (source.multiplicity, source.multiplicity_origin) == (12.0, "manifest")


def test_an_empty_or_foreign_database_is_refused_naming_it(tmp_path):
    empty = tmp_path / "empty.db"
    with connect(empty) as db:
        db.write(__import__("ase").Atoms("Fe", cell=[2, 2, 2], pbc=True), config="x")
    with pytest.raises(InputError, match="holds no usable rows") as error:
        zenthermo.ingest(empty)
    assert error.value.path == str(empty)
    fake = tmp_path / "fake.db"
    fake.write_text("not a database")
    with pytest.raises(InputError, match="is a file"):
        zenthermo.ingest(fake)

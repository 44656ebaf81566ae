"""`zenthermo inspect`: the per-source table as data, and the command on real and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from zenthermo.cli import main
from zenthermo.io.sourcefile import load_sources, save_sources
from zenthermo.report.sources_table import (
    EXCLUSION_COLUMNS,
    SOURCE_COLUMNS,
    exclusion_rows,
    render_plain,
    source_rows,
    summarize_source,
    warning_rows,
)
from zenthermo.sources import Exclusion, Source, SourceSet, VibrationalGrid, VolumePoint


def _grid() -> VibrationalGrid:
    t = np.array([0.0, 100.0, 200.0])
    return VibrationalGrid(t, np.array([0.1, 0.05, -0.02]), t * 1e-5, t * 1e-5)


def _points(volumes, energies, phonons: int = 0) -> tuple[VolumePoint, ...]:
    return tuple(
        VolumePoint(f"vol_{i}", v, e, 4, {"Fe": 3, "Pt": 1},
                    vibrations=_grid() if i < phonons else None)
        for i, (v, e) in enumerate(zip(volumes, energies, strict=True))
    )


def hand_built_set() -> SourceSet:
    fm = Source(
        name="config_0", label="FM", multiplicity=1.0, multiplicity_origin="symmetry",
        magnetic_order="FM", natoms=4, composition={"Fe": 3, "Pt": 1},
        points=_points([50.0, 48.0, 52.5, 46.0], [-30.1, -30.2, -29.9, -30.15], phonons=4),
        excluded=(Exclusion("vol_9", "config_0/vol_9", "electronic loop not converged", 55.0),),
    )
    afm = Source(
        name="config_1", multiplicity=3, multiplicity_origin="manifest", magnetic_order="AFM",
        natoms=4, composition={"Fe": 3, "Pt": 1},
        points=_points([47.0, 49.0, 51.0], [-30.0, -30.05, -29.95], phonons=2),
        warnings=("spin flip on site 2 at the smallest volume was kept",),
    )
    return SourceSet(
        sources=(fm, afm), root="/data/fept",
        excluded=(Exclusion("config_7", "config_7", "no OUTCAR, OSZICAR or vasprun.xml"),),
        warnings=("ENCUT differs between sources (500 vs 520 eV)",),
        metadata={"reader": "vasp", "zenthermo_version": "0.1.0"},
    )


def test_summary_numbers() -> None:
    fm, afm = hand_built_set()
    summary = summarize_source(fm)
    assert (summary.kept, summary.excluded) == (4, 1)
    assert (summary.volume_min_A3, summary.volume_max_A3) == (46.0, 52.5)
    assert (summary.energy_min_eV, summary.volume_at_energy_min_A3) == (-30.2, 48.0)
    assert summary.phonon_points == 4 and summary.formula == "Fe3Pt"
    assert summarize_source(afm).phonon_points == 2


def test_source_rows_spell_out_each_source() -> None:
    rows = source_rows(hand_built_set())
    assert len(rows) == 2 and all(len(r) == len(SOURCE_COLUMNS) for r in rows)
    fm = dict(zip(SOURCE_COLUMNS, rows[0], strict=True))
    assert fm == {
        "source": "config_0", "label": "FM", "g (origin)": "1 (symmetry)", "magnetic": "FM",
        "volumes kept/excl.": "4/1", "V range (A^3)": "46.000-52.500",
        "E_min (eV/cell)": "-30.200000", "V at E_min (A^3)": "48.000", "phonons": "yes",
        "warnings": "0",
    }
    afm = dict(zip(SOURCE_COLUMNS, rows[1], strict=True))
    assert afm["label"] == "" and afm["g (origin)"] == "3 (manifest)"
    assert afm["phonons"] == "partial (2/3)" and afm["warnings"] == "1"
    assert afm["E_min (eV/cell)"] == "-30.050000" and afm["V at E_min (A^3)"] == "49.000"


def test_exclusions_and_warnings_list_set_first_then_sources() -> None:
    source_set = hand_built_set()
    assert exclusion_rows(source_set) == [
        ("(set)", "config_7", "-", "no OUTCAR, OSZICAR or vasprun.xml"),
        ("config_0", "vol_9", "55.000", "electronic loop not converged"),
    ]
    assert warning_rows(source_set) == [
        ("(set)", "ENCUT differs between sources (500 vs 520 eV)"),
        ("config_1", "spin flip on site 2 at the smallest volume was kept"),
    ]


def test_source_without_points_shows_dashes() -> None:
    empty = Source("lost", 1.0, 4, {"Fe": 4}, (),
                   excluded=(Exclusion("v0", "lost/v0", "spin flip"),))
    (row,) = source_rows(SourceSet((empty,)))
    assert row[4:9] == ("0/1", "-", "-", "-", "no")


def test_cli_prints_plain_tables_when_piped(tmp_path: Path, capsys) -> None:
    path = tmp_path / "sources.json"
    save_sources(hand_built_set(), path)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    assert out == render_plain(hand_built_set(), str(path))
    for text in ("Sources file:", "Fe3Pt (4 atoms), 2 source(s)", "config_0", "46.000-52.500",
                 "Excluded", "electronic loop not converged", "Warnings", "ENCUT differs",
                 *EXCLUSION_COLUMNS):
        assert text in out
    assert "\x1b[" not in out  # no terminal escape codes in a pipe


def test_cli_json_output(tmp_path: Path, capsys) -> None:
    path = tmp_path / "sources.json.gz"
    save_sources(hand_built_set(), path)
    assert main(["inspect", "--json", str(path)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert [s["name"] for s in document["sources"]] == ["config_0", "config_1"]
    assert document["sources"][0]["energy_min_eV"] == -30.2
    assert document["excluded"][1]["reason"] == "electronic loop not converged"


@pytest.mark.parametrize(("content", "match"),
                         [(None, "sources file not found"), ("{oops", "not valid JSON"),
                          ('{"schema": "zenthermo.sources/9"}', "upgrade zenthermo")])
def test_cli_bad_file_is_a_short_error(tmp_path: Path, capsys, content, match) -> None:
    path = tmp_path / "sources.json"
    if content is not None:
        path.write_text(content)
    assert main(["inspect", str(path)]) == 2
    captured = capsys.readouterr()
    assert match in captured.err and str(path) in captured.err
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) <= 2


def test_real_si_phonopy_qha(si_qha_dir: Path, tmp_path: Path, capsys) -> None:
    from zenthermo.io.phonopy_files import read_phonopy_qha

    paths = [si_qha_dir / f"thermal_properties.yaml-{i}" for i in range(-5, 6)]
    path = tmp_path / "si.json"
    save_sources(read_phonopy_qha(si_qha_dir / "e-v.dat", paths), path)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    (row,) = source_rows(load_sources(path))
    assert row[2:9] == ("1 (default)", "NM", "11/0", "140.030-189.070", "-43.375124",
                        "163.320", "yes")
    assert "Si8 (8 atoms)" in out and "Reader: phonopy-qha" in out


def test_real_fe3pt_ingest(fe3pt_vasp_dir: Path, tmp_path: Path, capsys) -> None:
    pytest.importorskip("zenthermo.io.ingest", reason="VASP ingestion not installed")
    import zenthermo

    source_set = zenthermo.ingest(fe3pt_vasp_dir)
    path = tmp_path / "fe3pt.json"
    source_set.save(path)
    assert main(["inspect", str(path)]) == 0
    out = capsys.readouterr().out
    rows = source_rows(zenthermo.load_sources(path))
    assert [r[0] for r in rows] == ["config_0", "config_22", "config_28"]
    for row, source in zip(rows, source_set, strict=True):
        lowest = int(np.argmin(source.energies))
        assert row[6] == f"{source.energies[lowest]:.6f}"
        assert row[7] == f"{source.volumes[lowest]:.3f}"
        assert row[5] == "139.000-172.000" and row[8] == "no"
    assert "Fe9Pt3 (12 atoms), 3 source(s)" in out

"""``zenthermo ingest``: exit status, output file only on success, messages naming files."""

from __future__ import annotations

import os

from zenthermo import load_sources
from zenthermo.cli import main


def test_ingest_writes_the_sources_file(fe3pt_vasp_dir, tmp_path, capsys):
    output = tmp_path / "out" / "sources.json"
    assert main(["ingest", str(fe3pt_vasp_dir), "-o", str(output), "--quiet"]) == 0
    assert output.is_file()
    out = capsys.readouterr().out
    assert "config_22: 12 volumes" in out and "g = 12 (symmetry)" in out
    assert [p.name for p in output.parent.iterdir()] == ["sources.json"]  # no temporaries


def test_bad_input_exits_non_zero_names_the_file_and_writes_nothing(tmp_path, capsys):
    output = tmp_path / "sources.json"
    missing = tmp_path / "no-such-tree"
    assert main(["ingest", str(missing), "-o", str(output), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert 1 <= len(err) <= 2 and str(missing) in err[0]
    assert not output.exists()


def test_too_few_volumes_fails_without_output(fe3pt_vasp_dir, tmp_path, capsys):
    tree = tmp_path / "tree" / "config_0"
    for index in range(4):
        folder = tree / f"vol_{index}"
        folder.mkdir(parents=True)
        for path in (fe3pt_vasp_dir / "config_0" / f"vol_{index}").iterdir():
            os.symlink(path, folder / path.name)
    output = tmp_path / "sources.json"
    assert main(["ingest", str(tmp_path / "tree"), "-o", str(output), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(tree) in err and "at least 5" in err
    assert not output.exists()


def test_exclusions_are_reported_on_stderr(fe3pt_vasp_dir, tmp_path, capsys):
    tree = tmp_path / "tree"
    for path in (fe3pt_vasp_dir / "config_0").rglob("*"):
        if path.is_file():
            destination = tree / "config_0" / path.relative_to(fe3pt_vasp_dir / "config_0")
            destination.parent.mkdir(parents=True, exist_ok=True)
            os.symlink(path, destination)
    garbage = tree / "config_0" / "vol_1" / "OUTCAR.3static"
    garbage.unlink()
    garbage.write_bytes(b"\x00\x01\x02" * 1000)
    output = tmp_path / "sources.json"
    assert main(["ingest", str(tree), "-o", str(output), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "excluded config_0/vol_1: config_0/vol_1/OUTCAR.3static" in err
    assert output.is_file()


def test_manifest_option(fe3pt_vasp_dir, tmp_path, capsys):
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        f'[configurations.fm]\npath = "{fe3pt_vasp_dir / "config_0"}"\nmultiplicity = 1\n'
    )
    output = tmp_path / "sources.json"
    code = main(["ingest", str(fe3pt_vasp_dir), "-o", str(output), "--manifest", str(manifest),
                 "--quiet"])
    assert code == 0
    assert "fm: 12 volumes" in capsys.readouterr().out
    source = load_sources(output)["fm"]
    assert (source.multiplicity, source.multiplicity_origin) == (1.0, "manifest")
    assert source.points[0].provenance[0].path.startswith("config_0/")

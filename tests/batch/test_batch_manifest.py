"""The manifest that lets a re-run skip a material: content hashes, not paths or dates; a
finished folder is up to date only while every output it listed is there."""

from __future__ import annotations

import shutil

from zenthermo.batch.manifest import (
    EMBEDDED_INPUT,
    MANIFEST_NAME,
    fingerprint,
    input_record,
    is_up_to_date,
    options_record,
    tree_hashes,
    write_manifest,
)
from zenthermo.pipeline import RunConfig


def make_tree(root):
    (root / "config_0" / "vol_0").mkdir(parents=True)
    (root / "config_0" / "vol_0" / "OSZICAR").write_text("F= -1.0\n")
    (root / "POSCAR").write_text("cell\n")
    return root


def record(tree, **options):
    config = RunConfig(inputs=(str(tree),), output_dir="unused", **options)
    return options_record(config), input_record(config)


def test_tree_hashes_cover_every_file_by_relative_path(tmp_path):
    hashes = tree_hashes(make_tree(tmp_path / "tree"))
    assert sorted(hashes) == ["POSCAR", "config_0/vol_0/OSZICAR"]
    assert all(len(h) == 64 for h in hashes.values())


def test_the_fingerprint_follows_content_and_options_not_location(tmp_path):
    tree = make_tree(tmp_path / "tree")
    reference = fingerprint(*record(tree))
    moved = tmp_path / "elsewhere" / "tree"
    shutil.copytree(tree, moved)
    assert fingerprint(*record(moved)) == reference
    assert fingerprint(*record(tree, eos="vinet")) != reference
    assert fingerprint(*record(tree, pressures_GPa=(0.0, 1.0))) != reference
    (tree / "config_0" / "vol_0" / "OSZICAR").write_text("F= -1.5\n")
    assert fingerprint(*record(tree)) != reference
    (tree / "config_0" / "vol_1").mkdir()
    (tree / "config_0" / "vol_1" / "OSZICAR").write_text("F= -1.5\n")
    assert len(record(tree)[1][0]["files"]) == 3


def test_a_folder_is_up_to_date_only_while_complete(tmp_path):
    tree = make_tree(tmp_path / "tree")
    options, inputs = record(tree)
    out = tmp_path / "out"
    (out / "exact").mkdir(parents=True)
    (out / "report.html").write_text("<html></html>")
    (out / "exact" / "summary.json").write_text("{}")
    rows = [{"method": "exact", "P_GPa": 0.0, "T_c_K": None}]
    write_manifest(out, "tree", options, inputs, rows, wall_s=1.5)
    manifest = is_up_to_date(out, fingerprint(options, inputs))
    assert manifest is not None and manifest["rows"] == rows
    assert set(manifest["outputs"]) == {"report.html", "exact/summary.json"}
    assert is_up_to_date(out, "another fingerprint") is None
    (out / "exact" / "summary.json").write_text('{"changed": 1}')  # a different size
    assert is_up_to_date(out, fingerprint(options, inputs)) is None
    (out / "exact" / "summary.json").unlink()
    assert is_up_to_date(out, fingerprint(options, inputs)) is None
    (out / MANIFEST_NAME).write_text("not json")
    assert is_up_to_date(out, fingerprint(options, inputs)) is None


def test_a_run_on_the_embedded_data_is_fingerprinted_by_their_content(tmp_path, monkeypatch):
    from zenthermo import data
    from zenthermo.data import default_sources_path

    config = RunConfig(output_dir="unused")
    (embedded,) = input_record(config)
    assert embedded["given"] == EMBEDDED_INPUT
    assert list(embedded["files"]) == [default_sources_path().name]
    reference = fingerprint(options_record(config), [embedded])
    changed = tmp_path / "sources.json"
    changed.write_bytes(default_sources_path().read_bytes() + b"\n")
    monkeypatch.setattr(data, "default_sources_path", lambda: changed)
    assert fingerprint(options_record(config), input_record(config)) != reference

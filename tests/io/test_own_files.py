"""zenthermo's own small readers: the schema a file names (plain or gzip), TOML inputs, and
the relative paths recorded as provenance."""

from __future__ import annotations

import gzip

import pytest

from zenthermo.errors import InputError
from zenthermo.io.schema import file_schema
from zenthermo.io.tomlfile import read_toml


def test_the_schema_is_read_from_plain_and_gzip_files_whatever_their_suffix(tmp_path):
    text = '{\n "schema": "zenthermo.sources/1",\n "sources": []\n}\n'
    (tmp_path / "s.json").write_text(text)
    (tmp_path / "s.data").write_bytes(gzip.compress(text.encode()))
    assert file_schema(tmp_path / "s.json") == "zenthermo.sources/1"
    assert file_schema(tmp_path / "s.data") == "zenthermo.sources/1"
    (tmp_path / "e-v.dat").write_text("# volume energy\n10.0 -5.0\n")
    assert file_schema(tmp_path / "e-v.dat") == ""
    with pytest.raises(InputError, match="cannot read"):
        file_schema(tmp_path / "missing.json")


def test_toml_inputs_name_the_file_and_the_problem(tmp_path):
    bad = tmp_path / "w.toml"
    bad.write_text("[analysis\n")
    with pytest.raises(InputError, match="workflow is not valid TOML") as error:
        read_toml(bad, "workflow")
    assert "w.toml" in str(error.value)
    with pytest.raises(InputError, match="manifest file does not exist"):
        read_toml(tmp_path / "zenthermo.toml", "manifest")


def test_recorded_paths_are_relative_to_the_root_read_or_as_given_outside_it(tmp_path):
    from zenthermo.io.paths import relative_path

    (tmp_path / "tree" / "config_0").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "tree")
    assert relative_path(tmp_path / "tree" / "config_0" / "OUTCAR", tmp_path / "tree") == \
        "config_0/OUTCAR"
    assert relative_path(tmp_path / "link" / "config_0" / "OUTCAR", tmp_path / "tree") == \
        "config_0/OUTCAR"  # through a symbolic link
    outside = tmp_path / "elsewhere" / "OUTCAR"
    assert relative_path(outside, tmp_path / "tree") == outside.as_posix()
    assert relative_path(None, tmp_path) == ""

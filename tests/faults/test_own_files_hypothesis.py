"""Property-based tests of the readers of zenthermo's own files.

* A sources file (:mod:`zenthermo.io.sourcefile`): any set that can be saved reads back
  equal, exclusions and warnings included (what the accounting records must survive), and
  any damage to a written file gives an InputError or the same set, never another
  exception.
* A manifest (:mod:`zenthermo.io.manifest`): any valid manifest reads back as written,
  names resolved against its folder; any wrong value or unknown key is an InputError
  naming the file.

Few examples each (``max_examples``), to keep them among the fast tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zenthermo.errors import InputError
from zenthermo.io.manifest import read_manifest
from zenthermo.io.sourcefile import load_sources, save_sources
from zenthermo.sources import Exclusion, FileRecord, Source, SourceSet, VolumePoint

FAST = settings(max_examples=25, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
names = st.text(st.characters(whitelist_categories=("L", "N"), whitelist_characters="_-."),
                min_size=1, max_size=12)
finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
positive = st.floats(min_value=1e-3, max_value=1e4, allow_nan=False)
exclusions = st.builds(Exclusion, item=text, path=text, reason=text,
                       volume=st.none() | positive)


@st.composite
def source_sets(draw) -> SourceSet:
    count = draw(st.integers(1, 3))
    source_names = draw(st.lists(names, min_size=count, max_size=count, unique=True))
    natoms = draw(st.integers(1, 4))
    sources = []
    for name in source_names:
        volumes = draw(st.lists(positive, min_size=1, max_size=5, unique=True))
        points = tuple(
            VolumePoint(label=f"vol_{i}", volume=v, energy=draw(finite), natoms=natoms,
                        composition={"Fe": natoms},
                        site_moments=draw(st.none() | st.just(np.full(natoms, 2.5))),
                        settings={"encut": draw(st.none() | finite), "note": draw(text)},
                        provenance=(FileRecord(f"{name}/vol_{i}/OSZICAR", "0" * 64),))
            for i, v in enumerate(volumes)
        )
        sources.append(Source(
            name=name, label=draw(text), multiplicity=draw(positive), natoms=natoms,
            composition={"Fe": natoms}, points=points,
            multiplicity_origin=draw(st.sampled_from(["symmetry", "manifest", "default"])),
            excluded=tuple(draw(st.lists(exclusions, max_size=3))),
            warnings=tuple(draw(st.lists(text, max_size=3))),
        ))
    return SourceSet(sources=tuple(sources), root=draw(text),
                     excluded=tuple(draw(st.lists(exclusions, max_size=3))),
                     warnings=tuple(draw(st.lists(text, max_size=3))),
                     metadata={"ingest_options": {"merge_duplicates": draw(st.booleans())}})


@FAST
@given(source_set=source_sets(), gz=st.booleans())
def test_any_source_set_round_trips_with_its_accounting(tmp_path, source_set, gz):
    path = tmp_path / ("sources.json.gz" if gz else "sources.json")
    save_sources(source_set, path)
    loaded = load_sources(path)
    assert loaded == source_set
    assert loaded.excluded == source_set.excluded
    assert [s.excluded for s in loaded] == [s.excluded for s in source_set]


@FAST
@given(source_set=source_sets(), data=st.data())
def test_a_damaged_sources_file_is_an_input_error_or_reads_the_same(tmp_path, source_set,
                                                                      data):
    path = tmp_path / "sources.json"
    save_sources(source_set, path)
    raw = bytearray(path.read_bytes())
    at = data.draw(st.integers(0, len(raw) - 1))
    raw[at] = data.draw(st.integers(0, 255))
    path.write_bytes(bytes(raw))
    try:
        loaded = load_sources(path)
    except InputError as error:
        assert error.path == str(path)
    else:  # a harmless change (inside a string, a digit of a float) reads as a valid set
        assert len(loaded) == len(source_set)


def _string(value: str) -> str:
    """A TOML basic string (JSON's escapes, but no surrogate pairs and no raw DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return "{ " + ", ".join(f"{_string(k)} = {_toml(v)}" for k, v in value.items()) + " }"


configuration_tables = st.fixed_dictionaries({}, optional={
    "label": st.text(min_size=1, max_size=10).filter(lambda s: "\x00" not in s),
    "multiplicity": positive,
    "moment_threshold": positive,
    "path": names,
    "exclude": st.dictionaries(names, st.text(min_size=1, max_size=10), max_size=2),
})


@FAST
@given(top=st.fixed_dictionaries({}, optional={
           "moment_threshold": positive, "symprec": positive,
           "min_volumes": st.integers(1, 20), "merge_duplicates": st.booleans(),
           "exclude": st.lists(names, max_size=3, unique=True)}),
       tables=st.dictionaries(names, configuration_tables, max_size=3))
def test_any_valid_manifest_reads_back(tmp_path, top, tables):
    lines = [f"{key} = {_toml(value)}" for key, value in top.items()]
    for name, table in tables.items():
        lines.append(f"[configurations.{_string(name)}]")
        lines += [f"{key} = {_toml(value)}" for key, value in table.items()]
    path = tmp_path / "zenthermo.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    manifest = read_manifest(path)
    assert manifest.moment_threshold == top.get("moment_threshold")
    assert manifest.min_volumes == top.get("min_volumes")
    assert manifest.merge_duplicates == top.get("merge_duplicates", False)
    assert sorted(manifest.exclude) == sorted(top.get("exclude", []))
    assert [e.name for e in manifest.configurations] == list(tables)
    for entry in manifest.configurations:
        table = tables[entry.name]
        assert entry.path == tmp_path / table.get("path", entry.name)
        assert entry.label == table.get("label")
        assert entry.multiplicity == table.get("multiplicity")
        assert entry.exclude == table.get("exclude", {})


wrong_values = st.sampled_from([
    ("moment_threshold", "-1"), ("moment_threshold", '"big"'), ("symprec", "0"),
    ("min_volumes", "0"), ("min_volumes", "2.5"), ("min_volumes", "true"),
    ("exclude", "3"), ("exclude", '[""]'), ("exclude", "{ a = 1 }"),
    ("configurations", "1"), ("unknown_key", "1"), ("merge_duplicates", '"yes"'),
    ("allow_relaxation_energy", "1"),
])


@FAST
@given(wrong=wrong_values, prefix=st.sampled_from(["", 'symprec = 0.1\n']))
def test_a_wrong_manifest_value_is_an_input_error_naming_the_file(tmp_path, wrong, prefix):
    path = tmp_path / "zenthermo.toml"
    path.write_text(f"{prefix}{wrong[0]} = {wrong[1]}\n")
    with pytest.raises(InputError) as error:
        read_manifest(path)
    assert error.value.path == str(path)


@FAST
@given(content=st.binary(max_size=200))
def test_any_bytes_as_a_manifest_are_read_or_refused_cleanly(tmp_path, content):
    path = tmp_path / "zenthermo.toml"
    path.write_bytes(content)
    try:
        read_manifest(Path(path))
    except InputError as error:
        assert error.path == str(path)

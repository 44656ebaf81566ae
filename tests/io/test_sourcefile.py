"""The SourceSet file: lossless round trip, atomic writes, and clear errors on bad files."""

from __future__ import annotations

import gzip
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import zenthermo
from zenthermo.errors import InputError, SchemaError
from zenthermo.io.sourcefile import SCHEMA, load_sources, save_sources
from zenthermo.sources import (
    Exclusion,
    FileRecord,
    Source,
    SourceSet,
    VibrationalGrid,
    VolumePoint,
)

SHA = "ab" * 32


def _grid(scale: float, with_modes: bool = True) -> VibrationalGrid:
    temperatures = np.linspace(0.0, 300.0, 7)
    return VibrationalGrid(
        temperatures=temperatures,
        free_energy=0.1 * scale - 1e-4 * temperatures + 1.0 / 3.0,
        entropy=np.sqrt(temperatures) * 1e-5 * scale,
        heat_capacity=np.array([0.0, 1e-300, np.pi, -0.0, 5e-324, 1e308, np.nan]),
        num_modes=192000 if with_modes else None,
        num_integrated_modes=191996 if with_modes else None,
        provenance=(FileRecord(f"tp-{scale}.yaml.gz", SHA),),
    )


def _point(label: str, volume: float, with_vibrations: bool, moments: bool) -> VolumePoint:
    return VolumePoint(
        label=label,
        volume=volume,
        energy=-104.123456789012345 + 1e-3 * volume,
        natoms=4,
        composition={"Fe": 3, "Pt": 1},
        site_moments=np.array([2.6, -2.6, 2.6, 0.35]) if moments else None,
        total_moment=2.95 if moments else None,
        electronic_converged=True,
        ionic_converged=label != "v2",
        settings={
            "encut": 520.0,
            "ispin": 2,
            "kpoints": [13, 13, 4],
            "functional": "PBE",
            "ldau": None,
            "nested": {"a": [1, 2.0, [3, "x"]], "flag": False, "tup": (1, 2)},
            "nonfinite": [math.inf, -math.inf],
            "weird keys": {1: "int key", "$dollar": 2},
            "array": np.arange(3, dtype=np.int64),
        },
        vibrations=_grid(volume) if with_vibrations else None,
        provenance=(FileRecord(f"{label}/OUTCAR.gz", SHA), FileRecord(f"{label}/OSZICAR", SHA)),
    )


def rich_source_set() -> SourceSet:
    """A set that uses every field: vibrations, moments, exclusions, warnings, metadata."""
    with_phonons = Source(
        name="config_0",
        label="FM (all up)",
        multiplicity=1,
        multiplicity_origin="symmetry",
        magnetic_order="FM",
        natoms=4,
        composition={"Fe": 3, "Pt": 1},
        points=tuple(_point(f"v{i}", 40.0 + 0.7 * i, True, True) for i in range(4)),
        excluded=(Exclusion("v9", "config_0/v9", "electronic loop not converged", 47.25),),
        warnings=("moment on Pt is small",),
        reference_moments=np.array([1.0, -1.0, 1.0, 0.0]),
    )
    static_only = Source(
        name="config_22",
        multiplicity=3.0,
        multiplicity_origin="manifest",
        magnetic_order="AFM",
        natoms=4,
        composition={"Fe": 3, "Pt": 1},
        points=(_point("b", 44, False, False), _point("a", 41.5, False, True)),
        excluded=(Exclusion("vol_3", "config_22/vol_3", "spin flip", None),),
    )
    return SourceSet(
        sources=(with_phonons, static_only),
        root="/data/fe3pt",
        excluded=(Exclusion("config_99", "config_99", "no OUTCAR found"),),
        warnings=("mixed ENCUT", "ünïcödé warning"),
        metadata={"zenthermo_version": "0.1.0", "options": {"moment_threshold": 0.5},
                  "limits": [math.inf, -math.inf]},
    )


@pytest.mark.parametrize("name", ["sources.json", "sources.json.gz"])
def test_rich_set_round_trips_exactly(tmp_path: Path, name: str) -> None:
    original = rich_source_set()
    path = tmp_path / name
    original.save(path)
    loaded = zenthermo.load_sources(path)
    assert loaded == original
    # The details that == alone could hide.
    assert isinstance(loaded[0].multiplicity, int) and isinstance(loaded[1].multiplicity, float)
    assert loaded["config_22"].points[1].site_moments is None
    assert loaded["config_22"].points[0].vibrations is None
    assert isinstance(loaded["config_22"].points[0].volume, float)
    settings = loaded[0].points[0].settings
    assert settings["nested"]["tup"] == (1, 2) and isinstance(settings["nested"]["tup"], tuple)
    assert settings["weird keys"] == {1: "int key", "$dollar": 2}
    assert settings["array"].dtype == np.int64
    assert settings["nonfinite"] == [math.inf, -math.inf]
    assert loaded.metadata["limits"] == [math.inf, -math.inf]
    grid = loaded[0].points[2].vibrations
    assert grid.imaginary_modes == 4
    assert np.signbit(grid.heat_capacity[3]) and grid.heat_capacity[4] == 5e-324
    assert loaded[0].reference_moments.dtype == np.float64


def test_file_is_strict_json_with_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sources(rich_source_set(), path)
    text = path.read_text()
    document = json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c}"))
    assert document["schema"] == SCHEMA == "zenthermo.sources/1"
    assert [s["name"] for s in document["sources"]] == ["config_0", "config_22"]
    assert "NaN" in text and "Infinity" in text
    # No stray temporary files are left beside the output.
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]


def test_gzip_output_is_gzip_and_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    save_sources(rich_source_set(), a)
    save_sources(rich_source_set(), b)
    assert a.read_bytes()[:2] == b"\x1f\x8b"
    assert a.read_bytes() == b.read_bytes()
    json.loads(gzip.decompress(a.read_bytes()))


finite_or_not = st.floats(allow_nan=True, allow_infinity=True, width=64)


@settings(max_examples=60, deadline=None)
@given(values=st.lists(finite_or_not, min_size=1, max_size=20),
       energy=st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_any_float64_round_trips_bit_exactly(tmp_path_factory, values, energy) -> None:
    array = np.array(values, dtype=np.float64)
    point = VolumePoint(label="p", volume=10.0, energy=energy, natoms=len(values),
                        composition={"X": len(values)}, site_moments=array,
                        settings={"values": list(values)})
    original = SourceSet(sources=(Source("s", 1.0, len(values), {"X": len(values)},
                                         (point,)),))
    path = tmp_path_factory.mktemp("hyp") / "s.json"
    save_sources(original, path)
    loaded = load_sources(path).sources[0].points[0]
    got = loaded.site_moments
    finite = np.isfinite(array)
    assert np.array_equal(got.view(np.uint64)[finite], array.view(np.uint64)[finite])
    assert np.array_equal(np.isnan(got), np.isnan(array))
    assert np.array_equal(got[~np.isnan(array)], array[~np.isnan(array)])
    assert loaded.energy == energy and math.copysign(1, loaded.energy) == math.copysign(1, energy)
    stored = np.array(loaded.settings["values"], dtype=np.float64)
    assert np.array_equal(stored.view(np.uint64)[finite], array.view(np.uint64)[finite])
    assert np.array_equal(stored, array, equal_nan=True)
    if not np.isnan(array).any():  # a scalar NaN is never == itself (in settings lists)
        assert loaded == point


def test_real_si_phonopy_set_round_trips(si_qha_dir: Path, tmp_path: Path) -> None:
    from zenthermo.io.phonopy_files import read_phonopy_qha

    paths = [si_qha_dir / f"thermal_properties.yaml-{i}" for i in range(-5, 6)]
    original = read_phonopy_qha(si_qha_dir / "e-v.dat", paths)
    path = tmp_path / "si.json.gz"
    original.save(path)
    assert load_sources(path) == original


def test_real_fe3pt_ingest_round_trips(fe3pt_vasp_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("zenthermo.io.ingest", reason="VASP ingestion not installed")
    original = zenthermo.ingest(fe3pt_vasp_dir)
    path = tmp_path / "fe3pt.json"
    original.save(path)
    loaded = zenthermo.load_sources(path)
    assert loaded == original
    assert [len(s.points) for s in loaded] == [len(s.points) for s in original]
    assert all(p.site_moments is not None for s in loaded for p in s.points)


# ----------------------------------------------------------------------------- bad files


def _saved_document(tmp_path: Path) -> dict:
    path = tmp_path / "good.json"
    save_sources(rich_source_set(), path)
    return json.loads(path.read_text())


def _write(tmp_path: Path, document: dict) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(document))
    return path


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.json"
    with pytest.raises(InputError, match="not found") as info:
        load_sources(path)
    assert str(path) in str(info.value) and "zenthermo ingest" in str(info.value)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty"),
        (b"POSCAR\n1.0\n", "not valid JSON"),
        (b"\x00\xff\xfe binary", "not UTF-8"),
        (b"[1, 2]", "top level is not an object"),
        (b'{"schema": "zenthermo.sources/1", "sources": [NaN]}', "not valid JSON"),
    ],
)
def test_not_a_sources_file(tmp_path: Path, content: bytes, match: str) -> None:
    path = tmp_path / "x.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as info:
        load_sources(path)
    assert str(path) in str(info.value)


def test_truncated_file_is_reported_as_truncated(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    save_sources(rich_source_set(), good)
    data = good.read_bytes()
    bad = tmp_path / "cut.json"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated"):
        load_sources(bad)
    gz = tmp_path / "cut.json.gz"
    gz.write_bytes(gzip.compress(data)[:200])
    with pytest.raises(InputError, match="truncated"):
        load_sources(gz)


_GOOD_BYTES: list[bytes] = []


def _good_bytes(tmp_path_factory) -> bytes:
    if not _GOOD_BYTES:
        path = tmp_path_factory.mktemp("good") / "s.json"
        save_sources(rich_source_set(), path)
        _GOOD_BYTES.append(path.read_bytes())
    return _GOOD_BYTES[0]


@settings(max_examples=40, deadline=None)
@given(fraction=st.floats(min_value=0.0, max_value=1.0, exclude_max=True))
def test_any_cut_of_a_file_is_an_input_error(tmp_path_factory, fraction: float) -> None:
    data = _good_bytes(tmp_path_factory)
    data = data.rstrip()[: int(fraction * len(data.rstrip()))]
    path = tmp_path_factory.mktemp("cut") / "s.json"
    path.write_bytes(data)
    with pytest.raises(InputError, match="truncated|empty") as info:
        load_sources(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("schema", "match"),
    [
        (None, "no \"schema\" key"),
        ("zenthermo.sources/2", "upgrade zenthermo"),
        ("zenthermo.sources/0", "ingest the results again"),
        ("zenthermo.model/1", "not a zenthermo sources file"),
        ("zenthermo.sources/x", "unreadable schema version"),
    ],
)
def test_wrong_schema(tmp_path: Path, schema, match: str) -> None:
    document = _saved_document(tmp_path)
    if schema is None:
        del document["schema"]
    else:
        document["schema"] = schema
    with pytest.raises(SchemaError, match=match):
        load_sources(_write(tmp_path, document))


def _break(document: dict, how: str) -> None:
    source = document["sources"][0]
    point = source["points"][1]
    if how == "moments":
        point["site_moments"] = point["site_moments"][:3]
    elif how == "grid":
        point["vibrations"]["entropy"] = point["vibrations"]["entropy"][:-1]
    elif how == "temperatures":
        point["vibrations"]["temperatures"][2] = 0.0
    elif how == "missing":
        del point["energy"]
    elif how == "unknown":
        source["multiplicty"] = 2
    elif how == "natoms":
        point["natoms"] = 5
    elif how == "type":
        point["volume"] = "big"
    elif how == "multiplicity":
        source["multiplicity"] = 0
    elif how == "duplicate":
        document["sources"][1]["name"] = "config_0"


@pytest.mark.parametrize(
    ("how", "match"),
    [
        ("moments", r"source 'config_0', point 'v1': 3 site moments for 4 atoms"),
        ("grid", r"point 'v1', vibrations: the grid arrays differ in length"),
        ("temperatures", "strictly ascending"),
        ("missing", r"point 'v1': required key 'energy' is missing"),
        ("unknown", r"source 'config_0': unknown key\(s\) 'multiplicty'"),
        ("natoms", "5 site moments|has 5 atoms|5 atoms"),
        ("type", r"'volume' must be a number"),
        ("multiplicity", "multiplicity must be a positive number"),
        ("duplicate", "source names must be unique"),
    ],
)
def test_inconsistent_content_names_source_and_point(tmp_path: Path, how: str, match) -> None:
    document = _saved_document(tmp_path)
    _break(document, how)
    path = _write(tmp_path, document)
    with pytest.raises(InputError, match=match) as info:
        load_sources(path)
    assert str(path) in str(info.value)


def test_inconsistent_set_is_refused_on_save_and_nothing_written(tmp_path: Path) -> None:
    bad_point = VolumePoint("p", 10.0, -1.0, 2, {"X": 2}, site_moments=np.ones(3))
    bad = SourceSet(sources=(Source("s", 1.0, 2, {"X": 2}, (bad_point,)),))
    path = tmp_path / "out.json"
    with pytest.raises(InputError, match="3 site moments for 2 atoms"):
        save_sources(bad, path)
    assert list(tmp_path.iterdir()) == []


def test_unstorable_setting_is_refused(tmp_path: Path) -> None:
    point = VolumePoint("p", 10.0, -1.0, 1, {"X": 1}, settings={"when": object()})
    with pytest.raises(InputError, match="cannot store"):
        save_sources(SourceSet(sources=(Source("s", 1.0, 1, {"X": 1}, (point,)),)),
                     tmp_path / "x.json")


def test_overwriting_keeps_old_file_when_save_fails(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_sources(rich_source_set(), path)
    before = path.read_bytes()
    point = VolumePoint("p", 10.0, -1.0, 1, {"X": 1}, settings={"when": object()})
    with pytest.raises(InputError):
        save_sources(SourceSet(sources=(Source("s", 1.0, 1, {"X": 1}, (point,)),)), path)
    assert path.read_bytes() == before


# --- electronic data and the provenance of phonon grids -----------------------------------


def _with_new_data() -> SourceSet:
    from zenthermo.sources import ElectronicDos, ElectronicFreeEnergyGrid

    energies = np.linspace(-10.0, 5.0, 3001)
    dos = np.abs(np.sin(energies)) / 3.0 + 1e-300
    grid = VibrationalGrid(
        temperatures=np.array([0.0, 10.0, 20.0]), free_energy=np.array([0.1, 0.0999, 0.09]),
        entropy=np.array([0.0, 1e-6, 5e-6]), heat_capacity=np.array([0.0, 2e-6, 8e-6]),
        num_modes=12, provenance=(FileRecord("YPHON_results/vdos_0", SHA),
                                  FileRecord("YPHON_results/volph_0", SHA)),
        origin="phonon_dos", volume=74.00000000000001, imaginary_fraction=1e-3 / 3.0,
    )
    points = (
        VolumePoint(label="vol_0", volume=74.0, energy=-14.787067, natoms=4,
                    composition={"Al": 4}, vibrations=grid,
                    electronic=ElectronicDos(energies, dos, None,
                                             (FileRecord("elec_0/total_dos.dat", SHA),))),
        VolumePoint(label="vol_1", volume=72.0, energy=-14.863567, natoms=4,
                    composition={"Al": 4},
                    electronic=ElectronicFreeEnergyGrid(
                        np.array([0.0, 10.0, 20.0]), np.array([0.0, -1e-5, -4.1e-5]), 72.5)),
    )
    source = Source(name="Al", multiplicity=1, natoms=4, composition={"Al": 4}, points=points)
    return SourceSet(sources=(source,))


def test_electronic_data_and_grid_provenance_round_trip(tmp_path: Path) -> None:
    original = _with_new_data()
    path = tmp_path / "sources.json.gz"
    save_sources(original, path)
    loaded = load_sources(path)
    assert loaded == original
    point = loaded[0].points[1]  # points are in ascending volume: vol_1 (72), vol_0 (74)
    assert point.label == "vol_0" and point.electronic.energies.size == 3001
    assert point.vibrations.origin == "phonon_dos"
    assert point.vibrations.imaginary_fraction == 1e-3 / 3.0
    assert loaded[0].points[0].electronic.volume == 72.5


def test_sets_without_the_new_data_are_written_as_before(tmp_path: Path) -> None:
    """No new key appears unless it holds something: older readers still read such files."""
    save_sources(rich_source_set(), tmp_path / "plain.json")
    text = (tmp_path / "plain.json").read_text()
    for key in ('"electronic"', '"origin"', '"imaginary_fraction"'):
        assert key not in text
    document = json.loads(text)
    grids = [p["vibrations"] for s in document["sources"] for p in s["points"]
             if p["vibrations"]]
    assert grids and all("volume" not in g for g in grids)


@pytest.mark.parametrize(("how", "match"), [
    ("kind", "'kind' must be 'dos' or 'free_energy'"),
    ("length", "'dos' must have one value per entry of 'energies'"),
    ("order", "'energies' must be finite and strictly ascending"),
    ("extra", "unknown key"),
])
def test_damaged_electronic_data_is_named(tmp_path: Path, how: str, match: str) -> None:
    path = tmp_path / "sources.json"
    save_sources(_with_new_data(), path)
    document = json.loads(path.read_text())
    electronic = document["sources"][0]["points"][1]["electronic"]
    if how == "kind":
        electronic["kind"] = "bands"
    elif how == "length":
        electronic["dos"] = electronic["dos"][:-1]
    elif how == "order":
        electronic["energies"][5] = electronic["energies"][4]
    else:
        electronic["fermi"] = 0.0
    path.write_text(json.dumps(document))
    with pytest.raises(InputError, match=match) as error:
        load_sources(path)
    assert "source 'Al'" in str(error.value) and "vol_0" in str(error.value)

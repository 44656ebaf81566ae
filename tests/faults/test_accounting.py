"""Every configuration and every volume is accounted for (issue 14, item 2).

Each case applies one fault to a copy of a fixture (Fe3Pt tree, Si phonopy-qha, Al in
DFTTK's layout), runs ``zenthermo ingest`` and asserts: the exit status; that the message
names the folder or file at fault; what is kept (sources and volumes counted) and what is
recorded as excluded; that nothing is written on failure; and that the inputs are untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from faults.makers import (
    FE3PT_CONFIGS,
    append_row,
    copy_over,
    drop_stage,
    link_copy,
    link_folder,
    link_tree,
    nest_volumes,
    one_folder_per_volume,
    rename_suffixes,
    results_one_level_deeper,
    snapshot,
    swap_files,
    twin_volume,
    unfinished_configuration,
    write_manifest,
)

from zenthermo import load_sources
from zenthermo.cli import main

README_MANIFEST = """moment_threshold = 0.5
[configurations.config_0]
label = "FM"
[configurations.config_22]
multiplicity = 12
exclude = { vol_11 = "suspicious k-point convergence" }
"""
_AL_EXTRAS = ("phonon_", "elec_", "YPHON")
ALL_FE3PT = {"config_0": 12, "config_22": 12, "config_28": 12}


@dataclass(frozen=True)
class Case:
    """A fault: ``make(root)`` applies it; what ``zenthermo ingest`` must do about it."""

    id: str
    fixture: str  # "fe3pt", "si" or "al"
    make: Callable[[Path], object]
    code: int = 0
    names: tuple[str, ...] = ()  # words the message (stdout + stderr) must contain
    kept: dict[str, int] = field(default_factory=dict)  # source -> kept volumes
    excluded: tuple[str, ...] = ()  # excluded items (of the set or of a source)
    options: tuple[str, ...] = ()  # "{root}" stands for the copy's root
    inputs: Callable[[Path], list[Path]] | None = None


def _si_inputs(order: Callable[[list[Path]], list[Path]] = sorted):
    def inputs(root: Path) -> list[Path]:
        yamls = list(root.rglob("thermal_properties.yaml*"))
        return [root / "e-v.dat", *order(yamls)]
    return inputs


def _copy_config(name: str, copy: str):
    return lambda root: link_copy(root / name, root / copy)


def _partial_copy(root: Path) -> None:
    """config_28 copied without two of its volumes."""
    link_copy(root / "config_28", root / "config_28_part")
    for name in ("vol_0", "vol_7"):
        for path in (root / "config_28_part" / name).iterdir():
            path.unlink()
        (root / "config_28_part" / name).rmdir()


def _few_volumes(root: Path, exclude: bool = False) -> None:
    """config_0 left with three volume folders (too few for an equation of state)."""
    for index in range(3, 12):
        folder = root / "config_0" / f"vol_{index}"
        for path in folder.iterdir():
            path.unlink()
        folder.rmdir()
    if exclude:
        write_manifest(root, 'exclude = { config_0 = "three volumes only" }\n')


def _manifest_elsewhere(root: Path) -> None:
    (root.parent / "m.toml").write_text('[configurations.ferro]\npath = "fe3pt/config_0"\n')


def _energies_copy(root: Path) -> None:
    """config_22 copied with every OSZICAR rewritten: other bytes, the same energies."""
    link_copy(root / "config_22", root / "config_22_redone")
    for oszicar in (root / "config_22_redone").rglob("OSZICAR.3static"):
        data = oszicar.read_bytes()
        oszicar.unlink()
        oszicar.write_bytes(data + b"\n")


CASES = [
    # (a) a manifest that names some configurations
    Case("manifest-names-some", "fe3pt", lambda r: write_manifest(r, README_MANIFEST),
         names=("config_28: not named in the manifest",),
         kept={"config_0": 12, "config_22": 11, "config_28": 12},
         excluded=("config_22/vol_11",)),
    Case("manifest-explicit-exclude", "fe3pt",
         lambda r: write_manifest(r, 'exclude = ["config_28"]\n' + README_MANIFEST),
         names=("excluded config_28: config_28: excluded by the manifest",),
         kept={"config_0": 12, "config_22": 11}, excluded=("config_28", "config_22/vol_11")),
    # (b) volumes one level deeper, runs not finished
    Case("volumes-one-level-deeper", "fe3pt", lambda r: nest_volumes(r / "config_28", "calcs"),
         names=("config_28", "calcs/"), kept=ALL_FE3PT),
    Case("volumes-deeper-ambiguous", "fe3pt",
         lambda r: nest_volumes(r / "config_28", "set_a", "set_b"),
         names=("config_28", "set_a", "set_b", "ambiguous"),
         kept={"config_0": 12, "config_22": 12}, excluded=("config_28",)),
    Case("configuration-not-finished", "fe3pt",
         lambda r: unfinished_configuration(r / "config_0" / "vol_0", r / "config_40"),
         names=("config_40", "no finished run"), kept=ALL_FE3PT, excluded=("config_40",)),
    Case("volume-results-one-level-deeper", "fe3pt",
         lambda r: results_one_level_deeper(r / "config_0" / "vol_3"),
         names=("vol_3", "run/"), kept=ALL_FE3PT),
    Case("some-volume-folders-nested", "fe3pt",
         lambda r: [(r / "config_0" / "extra").mkdir(),
                    *((r / "config_0" / v).rename(r / "config_0" / "extra" / v)
                      for v in ("vol_10", "vol_11"))],
         names=("excluded config_0/extra", "vol_10, vol_11", "ambiguous"),
         kept={**ALL_FE3PT, "config_0": 10}, excluded=("config_0/extra",)),
    Case("volume-static-not-finished", "fe3pt",
         lambda r: [drop_stage(r / "config_0" / f"vol_{i}", "3static", ("OSZICAR", "OUTCAR"))
                    for i in (2, 7)],
         names=("config_0/vol_2", "config_0/vol_7", "'3static'", "relaxation"),
         kept={**ALL_FE3PT, "config_0": 10}, excluded=("config_0/vol_2", "config_0/vol_7")),
    Case("too-few-volumes-refused", "fe3pt", _few_volumes, code=2,
         names=("config_0", "only 3 usable", 'exclude = ["config_0"]')),
    Case("too-few-volumes-excluded-explicitly", "fe3pt",
         lambda r: _few_volumes(r, exclude=True), names=("excluded config_0",),
         kept={"config_22": 12, "config_28": 12}, excluded=("config_0",)),
    # (c) duplicate configurations
    Case("duplicate-configuration-refused", "fe3pt", _copy_config("config_0", "config_0_copy"),
         code=2, names=("config_0_copy", "config_0", "--merge-duplicates")),
    Case("duplicate-configuration-merged", "fe3pt", _copy_config("config_0", "config_0_copy"),
         options=("--merge-duplicates",), names=("config_0_copy", "duplicate of config_0"),
         kept=ALL_FE3PT, excluded=("config_0_copy",)),
    Case("manifest-elsewhere-names-one", "fe3pt", _manifest_elsewhere,
         options=("--manifest", "{root}/../m.toml"),
         names=("config_22: not named in the manifest", "config_28: not named"),
         kept={"ferro": 12, "config_22": 12, "config_28": 12}),
    Case("duplicate-configuration-linked-folder", "fe3pt",
         lambda r: (r / "config_0_link").symlink_to(r / "config_0"),
         code=2, names=("config_0_link", "config_0")),
    Case("duplicate-configuration-partial-copy-merged", "fe3pt", _partial_copy,
         options=("--merge-duplicates",), names=("config_28_part", "duplicate of config_28"),
         kept=ALL_FE3PT, excluded=("config_28_part",)),
    Case("duplicate-configuration-merged-by-manifest", "fe3pt",
         lambda r: [link_copy(r / "config_22", r / "config_22_copy"),
                    write_manifest(r, "merge_duplicates = true\n")],
         names=("config_22_copy", "duplicate of config_22"), kept=ALL_FE3PT,
         excluded=("config_22_copy",)),
    Case("duplicate-configuration-same-energies", "fe3pt", _energies_copy,
         code=2, names=("config_22_redone", "config_22", "same energies at the same volumes")),
    Case("volume-copied-into-another-configuration", "fe3pt",
         lambda r: link_copy(r / "config_0" / "vol_3", r / "config_22" / "vol_12"),
         code=2, names=("config_22", "vol_12", "vol_3", "same volume")),
    Case("duplicate-configuration-al", "al", _copy_config("config_Al", "config_Al_copy"),
         code=2, names=("config_Al_copy", "config_Al")),
    # (d) repeated volumes in one configuration
    Case("repeated-volume-symlink", "fe3pt",
         lambda r: (r / "config_0" / "vol_13").symlink_to(r / "config_0" / "vol_3"),
         names=("excluded config_0/vol_13", "repeats vol_3"), kept=ALL_FE3PT,
         excluded=("config_0/vol_13",)),
    Case("repeated-volume-copy", "fe3pt",
         lambda r: link_folder(r / "config_22" / "vol_5", r / "config_22" / "vol_5_copy"),
         names=("excluded config_22/vol_5_copy", "repeats vol_5"), kept=ALL_FE3PT,
         excluded=("config_22/vol_5_copy",)),
    Case("repeated-volume-twin", "fe3pt",
         lambda r: twin_volume(r / "config_28" / "vol_4", "vol_4_twin", dv=1e-9),
         names=("config_28/vol_4_twin", "repeats vol_4", "same energy at the same volume"),
         kept=ALL_FE3PT, excluded=("config_28/vol_4_twin",)),
    Case("same-volume-other-energy", "fe3pt",
         lambda r: twin_volume(r / "config_28" / "vol_4", "vol_4_redo", dv=1e-9, de=0.01),
         code=2, names=("config_28", "vol_4_redo", "vol_4", "same volume")),
    Case("repeated-volume-al", "al",
         lambda r: (r / "config_Al" / "vol_9").symlink_to(r / "config_Al" / "vol_2"),
         names=("config_Al/vol_9", "repeats vol_2"), kept={"config_Al": 8},
         excluded=("config_Al/vol_9",)),
    # (e) a missing final static stage
    Case("relaxation-only-excluded", "fe3pt",
         lambda r: drop_stage(r / "config_0" / "vol_4", "3static"),
         names=("config_0/vol_4/OSZICAR.2relax", "relaxation", "--allow-relaxation-energy"),
         kept={**ALL_FE3PT, "config_0": 11}, excluded=("config_0/vol_4",)),
    Case("relaxation-only-allowed", "fe3pt",
         lambda r: drop_stage(r / "config_0" / "vol_4", "3static"),
         options=("--allow-relaxation-energy",), names=("vol_4", "relaxation stage '2relax'"),
         kept=ALL_FE3PT),
    Case("static-stage-missing-al", "al",
         lambda r: drop_stage(r / "config_Al" / "vol_5", "3static", ("OSZICAR", "OUTCAR")),
         names=("config_Al/vol_5", "'3static'", "not finished"), kept={"config_Al": 7},
         excluded=("config_Al/vol_5",)),
    # (g) phonopy-qha pairing by the numeric suffix
    Case("si-shell-order", "si", lambda r: None, kept={"si": 11}, inputs=_si_inputs(sorted)),
    Case("si-reversed-order", "si", lambda r: None, kept={"si": 11},
         inputs=_si_inputs(lambda p: sorted(p, reverse=True))),
    Case("si-zero-padded-suffixes", "si",
         lambda r: rename_suffixes(r, lambda n: f"-{int(n[1:]):02d}" if n.startswith("-")
                                   else f"{int(n):02d}"),
         kept={"si": 11}, inputs=_si_inputs(sorted)),
    Case("si-one-folder-per-volume", "si", one_folder_per_volume, kept={"si": 11},
         inputs=_si_inputs(sorted)),
    Case("si-one-folder-per-volume-given-as-folder", "si", one_folder_per_volume,
         kept={"si": 11}, inputs=lambda r: [r]),
    Case("si-repeated-row-a-hair-apart", "si",
         lambda r: append_row(r / "e-v.dat", "163.3200000001   -43.375124"), code=2,
         names=("e-v.dat", "line", "repeats line")),
    Case("si-copied-phonon-file", "si",
         lambda r: copy_over(r / "thermal_properties.yaml-2", r / "thermal_properties.yaml-3"),
         code=2, names=("thermal_properties.yaml-3", "thermal_properties.yaml-2")),
    Case("si-pairing-contradicted-by-poscars", "si",
         lambda r: swap_files(r / "POSCAR--1", r / "POSCAR-3"), code=2,
         names=("thermal_properties.yaml--1", "POSCAR--1", "e-v.dat"),
         inputs=_si_inputs(sorted)),
    Case("si-two-files-one-number", "si",
         lambda r: (r / "thermal_properties.yaml-05").symlink_to(
             r / "thermal_properties.yaml-5"),
         code=2, names=("thermal_properties.yaml-05", "thermal_properties.yaml-5"),
         inputs=_si_inputs(sorted)),
]


@pytest.fixture
def fixture_copies(fe3pt_vasp_dir, si_qha_dir, al_dfttk_dir, tmp_path):
    def copy(kind: str) -> Path:
        root = tmp_path / kind
        if kind == "fe3pt":
            return link_tree(fe3pt_vasp_dir, root, FE3PT_CONFIGS)
        if kind == "al":
            return link_tree(al_dfttk_dir.parent, root, ("config_Al",))
        return link_folder(si_qha_dir, root)
    return copy


def _reference_si(si_qha_dir: Path, tmp_path: Path):
    """The Si source read with the files in phonopy's documented order."""
    names = [f"thermal_properties.yaml-{n}" for n in (*range(-5, 0), *range(6))]
    output = tmp_path / "reference.json"
    assert main(["ingest", str(si_qha_dir / "e-v.dat"),
                 *(str(si_qha_dir / n) for n in names), "-o", str(output), "--quiet"]) == 0
    return load_sources(output)[0]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_fault_is_accounted_for(case: Case, fixture_copies, si_qha_dir, tmp_path, capsys):
    root = fixture_copies(case.fixture)
    case.make(root)
    before = snapshot(root)
    inputs = case.inputs(root) if case.inputs else [root]
    output = tmp_path / "out" / "sources.json"
    options = [option.format(root=root) for option in case.options]
    code = main(["ingest", *map(str, inputs), "-o", str(output), "--quiet", *options])
    captured = capsys.readouterr()
    message = captured.out + captured.err
    assert code == case.code, message
    assert "Traceback" not in message
    for word in case.names:
        assert word in message, f"{word!r} not in:\n{message}"
    assert snapshot(root) == before  # inputs untouched
    if case.code != 0:
        assert not output.exists() and not output.parent.exists()
        assert 1 <= len(captured.err.strip().splitlines()) <= 2
        return
    source_set = load_sources(output)
    if case.fixture == "si":
        source = source_set[0]
        reference = _reference_si(si_qha_dir, tmp_path)
        assert len(source.points) == case.kept["si"]
        assert source.volumes.tolist() == reference.volumes.tolist()
        assert source.energies.tolist() == reference.energies.tolist()
        for point, expected in zip(source.points, reference.points, strict=True):
            assert point.vibrations.free_energy.tolist() == \
                expected.vibrations.free_energy.tolist()
        return
    assert {s.name: len(s.points) for s in source_set} == case.kept
    excluded = [e.item for e in source_set.excluded] + [e.item for s in source_set
                                                        for e in s.excluded]
    if case.fixture == "al":  # its phonon, electronic and YPHON folders are not volumes
        excluded = [e for e in excluded if not e.split("/")[-1].startswith(_AL_EXTRAS)]
    assert sorted(excluded) == sorted(case.excluded)
    for item in excluded:  # every excluded item is printed with its reason
        assert f"excluded {item}:" in captured.err


def test_duplicate_counts_once_and_keeps_the_critical_inputs(fixture_copies, tmp_path):
    """A merged copy leaves the data of the set exactly as without the copy."""
    root = fixture_copies("fe3pt")
    plain, merged = tmp_path / "plain.json", tmp_path / "merged.json"
    assert main(["ingest", str(root), "-o", str(plain), "--quiet"]) == 0
    link_copy(root / "config_28", root / "zz_copy")
    assert main(["ingest", str(root), "-o", str(merged), "--quiet", "--merge-duplicates"]) == 0
    a, b = load_sources(plain), load_sources(merged)
    assert a.sources == b.sources
    assert [(e.item, e.reason.split(" (")[0]) for e in b.excluded] == [
        ("zz_copy", "duplicate of config_28")]


@pytest.mark.slow
def test_run_pairs_shell_ordered_phonopy_files_by_number_and_prints_ingestion_notes(
        si_qha_dir, tmp_path, capsys):
    """The README's ``zenthermo run si/e-v.dat si/thermal_properties.yaml-*`` (shell order
    ``--1 --2 ... -0 ... -5``) gives phonopy's pairing: V(300 K) = 164.61 A^3. Without the
    POSCARs the composition is unknown: ``run`` prints that, as ``ingest`` does."""
    root = tmp_path / "si"
    root.mkdir()
    for path in [si_qha_dir / "e-v.dat", *si_qha_dir.glob("thermal_properties.yaml-*")]:
        (root / path.name).symlink_to(path)
    before = snapshot(root)
    shell_order = [root / "e-v.dat", *sorted(root.glob("thermal_properties.yaml-*"))]
    out = tmp_path / "out"
    assert main(["run", *map(str, shell_order), "-o", str(out), "--methods", "exact",
                 "--pressures", "0", "--no-phase-diagram", "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "zenthermo run: warning:" in err and "composition unknown" in err
    rows = (out / "exact" / "isobar_P0GPa.csv").read_text().splitlines()
    header = rows[0].split(",")
    at_300 = next(r.split(",") for r in rows[1:] if r.startswith("300.0,"))
    assert float(at_300[header.index("V_A3")]) == pytest.approx(164.61, abs=0.005)
    assert snapshot(root) == before

"""Real-world faults on copies of the Fe3Pt tree: what the files state is used, the numbers
stay those of the intact data, and what cannot be read is excluded with the file named.

Each test makes a cheap copy (symbolic links, see ``tests/faults/makers.py``) and damages
it; most ingest one configuration only (config_22: g = 12, spin-flip order, gzipped
OUTCARs; config_0: ferromagnetic, plain OUTCARs).
"""

from __future__ import annotations

import gzip
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from faults.makers import (
    link_tree,
    outcar_only,
    overflow_last_moment_table,
    overflow_last_positions,
    remove_kinds,
    replace,
    shift_final_energy,
    swap_species,
    the_file,
)

import zenthermo
from zenthermo.errors import InputError

AL_DFTTK = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "al-dfttk"


@pytest.fixture(scope="module")
def reference(fe3pt_vasp_dir):
    """The intact Fe3Pt set."""
    return zenthermo.ingest(fe3pt_vasp_dir)


@pytest.fixture
def copy(fe3pt_vasp_dir, tmp_path):
    def make(*configs: str) -> Path:
        return link_tree(fe3pt_vasp_dir, tmp_path / "tree", configs)
    return make


def _outcar_moments(outcar: Path) -> list[float]:
    data = outcar.read_bytes()
    text = (gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).decode()
    table = text[text.rfind("magnetization (x)"):].splitlines()[4:16]
    return [float(line.split()[-1]) for line in table]


def _point(source, label: str):
    return next(p for p in source.points if p.label == label)


def assert_same_source(source, expected, energy_atol=1e-9, volume_rtol=1e-12, moment_atol=1e-6):
    assert source.multiplicity == expected.multiplicity
    assert source.magnetic_order == expected.magnetic_order
    assert [p.label for p in source.points] == [p.label for p in expected.points]
    np.testing.assert_allclose(source.energies, expected.energies, rtol=0, atol=energy_atol)
    np.testing.assert_allclose(source.volumes, expected.volumes, rtol=volume_rtol)
    for point, other in zip(source.points, expected.points, strict=True):
        np.testing.assert_allclose(point.site_moments, other.site_moments, atol=1e-12)
        assert point.total_moment == pytest.approx(other.total_moment, abs=moment_atol)
        assert point.settings == other.settings


# ------------------------------------------------------------------ missing input files


def test_a_volume_without_incar_keeps_its_measured_moments(copy, reference):
    tree = copy("config_22")
    remove_kinds(tree / "config_22" / "vol_0", "INCAR")
    source = zenthermo.ingest(tree)["config_22"]
    vol_0 = _point(source, "vol_0")
    np.testing.assert_allclose(vol_0.site_moments,
                               _outcar_moments(tree / "config_22/vol_0/OUTCAR.3static.gz"))
    assert np.abs(vol_0.site_moments[:9]).min() > 2.7 and vol_0.settings["ispin"] == 2
    assert source.multiplicity == 12 and source.magnetic_order == "SF"
    assert source.excluded == () and source.warnings == ()
    assert_same_source(source, reference["config_22"])


def test_an_outcar_only_volume_ingests_with_its_true_moments(copy, reference):
    tree = copy("config_22")
    outcar_only(tree / "config_22" / "vol_0")
    source = zenthermo.ingest(tree)["config_22"]
    assert source.excluded == () and source.warnings == ()
    assert {Path(r.path).name for r in _point(source, "vol_0").provenance} == {
        "OUTCAR.3static.gz"}
    # energy(sigma->0), cell and magnetisation as the OUTCAR prints them, against the
    # OSZICAR's E0 and mag= and the CONTCAR
    assert_same_source(source, reference["config_22"], energy_atol=1e-6, volume_rtol=1e-8,
                       moment_atol=5e-3)


def test_the_whole_tree_without_any_incar_is_the_same_set(copy, reference):
    tree = copy("config_0", "config_22", "config_28")
    for volume in tree.glob("config_*/vol_*"):
        remove_kinds(volume, "INCAR")
    source_set = zenthermo.ingest(tree)
    assert source_set.warnings == ()
    for source, expected in zip(source_set, reference, strict=True):
        assert_same_source(source, expected)


@pytest.mark.slow
def test_whole_configurations_of_outcars_only_are_the_same_set(copy, reference):
    tree = copy("config_0", "config_22", "config_28")
    for volume in tree.glob("config_*/vol_*"):
        outcar_only(volume)
    source_set = zenthermo.ingest(tree)
    assert source_set.warnings == ()
    for source, expected in zip(source_set, reference, strict=True):
        assert_same_source(source, expected, energy_atol=1e-6, volume_rtol=1e-8,
                           moment_atol=5e-3)


def test_a_non_spin_polarised_run_is_recognised_from_what_its_files_say(tmp_path):
    if not AL_DFTTK.exists():
        pytest.skip(f"shared fixture {AL_DFTTK} is not present on this machine")
    tree = link_tree(AL_DFTTK, tmp_path / "al", ["config_Al"])
    for volume in tree.glob("config_Al/vol_*"):
        remove_kinds(volume, "INCAR")  # their OUTCARs say ISPIN = 1, their OSZICARs no mag=
    source = zenthermo.ingest(tree)["config_Al"]
    assert source.magnetic_order == "NM" and len(source.points) == 8
    for point in source.points:
        assert point.settings["ispin"] == 1 and point.site_moments.tolist() == [0.0] * 4


# ------------------------------------------------------------------ settings of one run


def test_an_incar_that_contradicts_the_runs_ispin_is_a_mixed_setting(copy, reference):
    tree = copy("config_22")
    incar = the_file(tree / "config_22" / "vol_3", "INCAR")
    replace(incar, incar.read_text().replace("ISPIN = 2", "ISPIN = 1").encode())
    with pytest.raises(InputError, match="ispin = 1 in INCAR.3static but 2 in OUTCAR") as error:
        zenthermo.ingest(tree)
    assert error.value.path == str(incar)
    kept = zenthermo.ingest(tree, allow_mixed_settings=True)["config_22"]
    assert_same_source(kept, reference["config_22"])  # the measured moments are kept


@pytest.mark.parametrize(
    ("old", "new"),
    [("ENCUT = 520", "ENCUT = 520 eV"), ("ISPIN = 2", "ISPIN = 2 # spin polarised"),
     ("NELM = 200", "NELM = 200 ! steps"), ("NSW = 0", "NSW = 0\nLDAU = .FALSE."),
     (re.compile(r"MAGMOM = 1\*(\S+) 1\*(\S+) 1\*(\S+)"), r"MAGMOM = \1 \2 \3")],
)
def test_incar_values_with_units_comments_and_words_read_the_same(copy, reference, old, new):
    tree = copy("config_0")
    incar = the_file(tree / "config_0" / "vol_4", "INCAR")
    text = incar.read_text()
    text = old.sub(new, text) if isinstance(old, re.Pattern) else text.replace(old, new)
    replace(incar, text.encode())
    source = zenthermo.ingest(tree)["config_0"]
    assert source.excluded == () and source.warnings == ()
    assert_same_source(source, reference["config_0"])


def test_an_incar_value_in_words_is_ignored_with_a_warning(copy, reference):
    tree = copy("config_0")
    incar = the_file(tree / "config_0" / "vol_4", "INCAR")
    replace(incar, incar.read_text().replace("ISPIN = 2", "ISPIN = two").encode())
    source = zenthermo.ingest(tree)["config_0"]
    assert source.warnings == ("vol_4: INCAR.3static: ISPIN = 'Two' is not understood; ignored",)
    assert_same_source(source, reference["config_0"])


def test_mixed_ispin_in_a_configuration_is_a_mixed_setting(copy):
    tree = copy("config_22")
    volume = tree / "config_22" / "vol_8"
    remove_kinds(volume, "OUTCAR")  # a non-spin-polarised run in the middle of the set
    oszicar = the_file(volume, "OSZICAR")
    replace(oszicar, re.sub(r"\s+mag=\s*\S+", "", oszicar.read_text()).encode())
    incar = the_file(volume, "INCAR")
    replace(incar, incar.read_text().replace("ISPIN = 2", "ISPIN = 1").encode())
    with pytest.raises(InputError, match=r"ispin = 1 here but 2 in .* of config_22") as error:
        zenthermo.ingest(tree)
    assert error.value.path == str(oszicar)
    source_set = zenthermo.ingest(tree, allow_mixed_settings=True)
    assert any("ispin" in w for w in source_set.warnings)


def test_ispin_may_differ_between_configurations(copy):
    tree = copy("config_0", "config_22")
    for volume in (tree / "config_0").glob("vol_*"):  # config_0 recomputed without spin
        remove_kinds(volume, "OUTCAR")
        oszicar = the_file(volume, "OSZICAR")
        replace(oszicar, re.sub(r"\s+mag=\s*\S+", "", oszicar.read_text()).encode())
        incar = the_file(volume, "INCAR")
        replace(incar, incar.read_text().replace("ISPIN = 2", "ISPIN = 1").encode())
    source_set = zenthermo.ingest(tree)
    assert source_set["config_0"].magnetic_order == "NM"
    assert source_set["config_0"].multiplicity == 1
    assert source_set["config_22"].multiplicity == 12


# ------------------------------------------------------------------ consistency of structures


def test_a_first_volume_with_swapped_species_is_excluded_not_used_for_symmetry(copy):
    tree = copy("config_22")
    contcar = swap_species(the_file(tree / "config_22" / "vol_0", "CONTCAR"))
    source = zenthermo.ingest(tree)["config_22"]
    [exclusion] = source.excluded
    assert exclusion.item == "config_22/vol_0" and exclusion.path.endswith(contcar.name)
    assert "Pt3 Fe9" in exclusion.reason and "Fe9 Pt3" in exclusion.reason
    assert source.multiplicity == 12 and len(source.points) == 11


@pytest.mark.parametrize("keep_poscar", [True, False])
def test_swapped_species_without_outcar_are_caught_against_the_configuration(copy, keep_poscar):
    tree = copy("config_22")
    volume = tree / "config_22" / "vol_0"
    remove_kinds(volume, "OUTCAR")
    contcar = swap_species(the_file(volume, "CONTCAR"))
    if not keep_poscar:
        (tree / "config_22" / "POSCAR").unlink()
    source = zenthermo.ingest(tree)["config_22"]
    [exclusion] = source.excluded
    assert exclusion.path == f"config_22/vol_0/{contcar.name}"
    origin = "config_22/POSCAR" if keep_poscar else "most of the volumes"
    assert f"lists the sites as Pt3 Fe9 but {origin} has Fe9 Pt3" in exclusion.reason


def test_a_configuration_poscar_that_no_volume_follows_is_set_aside_not_obeyed(copy):
    tree = copy("config_22")
    swap_species(tree / "config_22" / "POSCAR")
    source = zenthermo.ingest(tree)["config_22"]
    assert source.excluded == () and len(source.points) == 12
    assert ("config_22/POSCAR: other atoms or order than most volumes (Pt3 Fe9 against "
            "Fe9 Pt3); not used") in source.warnings


def test_an_energy_outlier_is_excluded_naming_the_point(copy, reference):
    tree = copy("config_0")
    shift_final_energy(tree / "config_0" / "vol_6", 20.0)  # a run 20 eV off
    source = zenthermo.ingest(tree)["config_0"]
    [exclusion] = source.excluded
    assert exclusion.item == "config_0/vol_6" and exclusion.path == "config_0/vol_6/OSZICAR.3static"
    assert exclusion.reason.startswith("energy outlier") and "20 eV above" in exclusion.reason
    others = [p.energy for p in reference["config_0"].points if p.label != "vol_6"]
    np.testing.assert_array_equal(source.energies, others)


# ------------------------------------------------------------------ overflowed fields


def test_overflowed_moments_leave_the_volume_without_moments(copy, reference):
    tree = copy("config_22")
    overflow_last_moment_table(the_file(tree / "config_22" / "vol_5", "OUTCAR"), site=3)
    source = zenthermo.ingest(tree)["config_22"]
    assert source.excluded == ()
    assert source.warnings == ("vol_5: OUTCAR.3static.gz: the last magnetization table has "
                               "overflowed or unreadable moments (site(s) 4): site moments "
                               "not used",)
    assert _point(source, "vol_5").site_moments is None
    np.testing.assert_array_equal(source.energies, reference["config_22"].energies)
    assert source.multiplicity == 12


def test_overflowed_positions_matter_only_without_contcar(copy):
    tree = copy("config_22")
    overflow_last_positions(the_file(tree / "config_22" / "vol_6", "OUTCAR"))
    volume = tree / "config_22" / "vol_7"
    outcar = outcar_only(volume)
    overflow_last_positions(outcar)
    source = zenthermo.ingest(tree)["config_22"]
    [exclusion] = source.excluded
    assert exclusion.item == "config_22/vol_7" and exclusion.path.endswith(outcar.name)
    assert "final structure" in exclusion.reason and "*****" in exclusion.reason


def test_an_overflowed_outcar_energy_is_not_needed_when_the_oszicar_has_it(copy, reference):
    tree = copy("config_0")
    outcar = the_file(tree / "config_0" / "vol_2", "OUTCAR")
    text = outcar.read_text()
    cut = text.rfind("energy(sigma->0) =") + len("energy(sigma->0) =")
    replace(outcar, (text[:cut] + "  ************" + text[cut + 18:]).encode())
    source = zenthermo.ingest(tree)["config_0"]
    assert source.excluded == ()
    np.testing.assert_array_equal(source.energies, reference["config_0"].energies)


# ------------------------------------------------------------------ unreadable things


def _deny(monkeypatch, denied: Path, method: str) -> None:
    real = getattr(Path, method)

    def guarded(self, *args, **kwargs):
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, guarded)


def test_an_unreadable_volume_folder_is_excluded(copy, monkeypatch):
    tree = copy("config_22")
    _deny(monkeypatch, tree / "config_22" / "vol_9", "iterdir")
    source = zenthermo.ingest(tree)["config_22"]
    [exclusion] = source.excluded
    assert exclusion.item == "config_22/vol_9" and exclusion.path == "config_22/vol_9"
    assert "cannot list the folder (Permission denied)" in exclusion.reason


def test_an_unreadable_outcar_is_excluded_an_unreadable_incar_noted(copy, monkeypatch):
    tree = copy("config_22")
    _deny(monkeypatch, the_file(tree / "config_22" / "vol_1", "OUTCAR"), "read_bytes")
    source = zenthermo.ingest(tree)["config_22"]
    [exclusion] = source.excluded
    assert exclusion.path == "config_22/vol_1/OUTCAR.3static.gz"
    assert "Permission denied" in exclusion.reason
    monkeypatch.undo()
    _deny(monkeypatch, the_file(tree / "config_22" / "vol_1", "INCAR"), "read_bytes")
    source = zenthermo.ingest(tree)["config_22"]
    assert source.excluded == () and "Permission denied" in source.warnings[0]


def test_an_unreadable_configuration_folder_stops_with_its_name(copy, monkeypatch):
    tree = copy("config_0", "config_22")
    _deny(monkeypatch, tree / "config_22", "iterdir")
    with pytest.raises(InputError, match="cannot list the folder") as error:
        zenthermo.ingest(tree)
    assert error.value.path == str(tree / "config_22")


# ------------------------------------------------------------------ library warnings


def test_library_warnings_become_notes_and_never_reach_the_terminal(copy):
    tree = copy("config_0")
    contcar = the_file(tree / "config_0" / "vol_3", "CONTCAR")
    lines = contcar.read_text().split("\n")
    lines.insert(7, "Selective dynamics")
    for row in range(9, 21):
        lines[row] += "   T   T   T"
    replace(contcar, "\n".join(lines).encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning that escapes fails the test
        source = zenthermo.ingest(tree)["config_0"]
    assert source.warnings == ("vol_3: CONTCAR.3static: pymatgen: Ignoring selective dynamics "
                               "tag, as no ionic degrees of freedom were fixed.",)

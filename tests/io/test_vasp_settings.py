"""Settings of a run: what the output files state wins; INCAR values are read leniently."""

from __future__ import annotations

from pathlib import Path

import pytest

from zenthermo.io.compressed import read_text
from zenthermo.io.vasp_outcar import parse_outcar
from zenthermo.io.vasp_settings import (
    Statement,
    mesh_style,
    normalise_tags,
    read_incar_text,
    resolve,
)

INCAR = Path("INCAR")


@pytest.mark.parametrize(
    ("line", "tag", "value"),
    [
        ("ENCUT = 520 eV", "ENCUT", 520.0),
        ("ENCUT = 520.0 eV  # cutoff", "ENCUT", 520.0),
        ("ISPIN = 2 # spin", "ISPIN", 2),
        ("ISPIN = 2 ! spin polarised", "ISPIN", 2),
        ("MAGMOM = 9*2.5 3*0.3", "MAGMOM", [2.5] * 9 + [0.3] * 3),
        ("LDAU = .TRUE.", "LDAU", True),
        ("LDAU = F", "LDAU", False),
        ("NELM = 100; NSW = 0", "NELM", 100),
        ("GGA = PE", "GGA", "PE"),
        ("METAGGA = R2SCAN", "METAGGA", "R2SCAN"),
        ("LHFCALC = .TRUE.", "LHFCALC", True),
    ],
)
def test_incar_values_with_units_comments_and_words(line, tag, value):
    notes: list[str] = []
    assert read_incar_text(line + "\n", INCAR, notes)[tag] == value
    assert notes == []


@pytest.mark.parametrize(
    ("line", "tag"),
    [("ISPIN = two", "ISPIN"), ("ISPIN = 3", "ISPIN"), ("NELM = lots", "NELM"),
     ("ENCUT = high", "ENCUT"), ("LDAU = maybe", "LDAU"), ("MAGMOM = up down", "MAGMOM")],
)
def test_a_value_not_understood_is_ignored_with_a_note(line, tag):
    notes: list[str] = []
    tags = read_incar_text(line + "\nPREC = Accurate\n", INCAR, notes)
    assert tag not in tags
    assert len(notes) == 1 and notes[0].startswith(f"INCAR: {tag} = ")


def test_an_incar_pymatgen_cannot_parse_gives_no_tags_and_a_note(monkeypatch):
    from pymatgen.io.vasp.inputs import Incar

    def refuse(text):
        raise ValueError("bad line")

    monkeypatch.setattr(Incar, "from_str", staticmethod(refuse))
    notes: list[str] = []
    assert read_incar_text("ENCUT = 520\n", INCAR, notes) == {}
    assert notes == ["INCAR: cannot parse INCAR (ValueError: bad line); settings taken from "
                     "the output files"]


def test_output_files_win_and_disagreements_are_conflicts():
    outcar, oszicar = Path("OUTCAR"), Path("OSZICAR")
    resolved = resolve([
        Statement(outcar, {"ENCUT": 520.0, "ISPIN": 2, "NELM": 200, "MAGMOM": [3.0, -3.0]}),
        Statement(oszicar, {"ISPIN": 2}),
        Statement(INCAR, {"ENCUT": 400.0, "ISPIN": 2, "NELM": 60, "MAGMOM": [3.0, 3.0],
                          "EDIFF": 1e-6}),
    ])
    assert resolved.tags == {"ENCUT": 520.0, "ISPIN": 2, "NELM": 200,
                             "MAGMOM": [3.0, -3.0], "EDIFF": 1e-6}
    assert resolved.origin["ENCUT"] == outcar and resolved.origin["EDIFF"] == INCAR
    [conflict] = resolved.conflicts
    assert (conflict.key, conflict.value, conflict.path) == ("encut", 400.0, INCAR)
    assert (conflict.winning_value, conflict.winning_path) == (520.0, outcar)
    assert sum("NELM" in n for n in resolved.notes) == 1
    assert sum("MAGMOM" in n for n in resolved.notes) == 1


def test_ispin_from_the_oszicar_wins_over_an_incar_that_says_otherwise():
    resolved = resolve([Statement(Path("OSZICAR"), {"ISPIN": 2}), Statement(INCAR, {"ISPIN": 1})])
    assert resolved.tags["ISPIN"] == 2
    assert [c.key for c in resolved.conflicts] == ["ispin"]


def test_vasprun_names_encut_enmax():
    notes: list[str] = []
    tags = normalise_tags({"ENMAX": 400.0, "ISPIN": 1, "GGA": "--", "LDAU": False}, INCAR, notes)
    assert tags == {"ENCUT": 400.0, "ISPIN": 1, "GGA": None, "LDAU": False}


@pytest.mark.parametrize(
    ("mesh", "shift", "style"),
    [((13, 13, 4), (0.0, 0.0, 0.0), "Gamma"), ((4, 4, 4), (0.5, 0.5, 0.5), "Monkhorst"),
     ((13, 13, 4), (0.0, 0.0, 0.5), "Monkhorst"), ((9, 9, 9), (0.0, 0.0, 0.0), None),
     ((4, 4, 4), (0.25, 0.0, 0.0), None), ((4, 4, 4), None, None)],
)
def test_mesh_style_from_the_shift_vasp_reports(mesh, shift, style):
    assert mesh_style(mesh, shift) == style


def test_the_outcar_states_the_settings_of_the_run(fe3pt_vasp_dir):
    path = fe3pt_vasp_dir / "config_22" / "vol_0" / "OUTCAR.3static.gz"
    summary = parse_outcar(read_text(path)[0], path)
    notes: list[str] = []
    tags = normalise_tags(summary.parameters, path, notes)
    assert notes == []
    assert tags["ISPIN"] == 2 and tags["ENCUT"] == 520.0 and tags["NELM"] == 200
    assert tags["NSW"] == 0 and tags["IBRION"] == -1 and tags["GGA"] == "PE"
    assert tags["LDAU"] is False and tags["LHFCALC"] is False
    assert tags["MAGMOM"][:3] == [-2.848, 2.812, 2.842]  # from the INCAR echo
    assert summary.species == ("Fe",) * 9 + ("Pt",) * 3
    assert summary.kpoint_mesh == (13, 13, 4) and summary.kpoint_shift == (0.0, 0.0, 0.0)
    assert (summary.ionic_steps, summary.electronic_steps) == (1, 27)

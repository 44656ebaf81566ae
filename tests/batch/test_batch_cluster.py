"""`zenthermo batch` on a real 2-worker LocalCluster: every good material writes what a lone
`zenthermo run` writes, the broken one fails alone with its reason, a second run skips
everything and --force recomputes."""

from __future__ import annotations

import html
import json

import pytest
from conftest import LONE_OPTIONS

from zenthermo.batch import read_batch_table
from zenthermo.batch.manifest import MANIFEST_NAME
from zenthermo.cli import main
from zenthermo.io.output_guard import MARKER
from zenthermo.report.summary import read_summary

pytestmark = pytest.mark.slow

GOOD = ("fe3pt-tree", "si", "fe3pt-embedded")


def snapshot(out):
    """batch.csv and the modification times of every material's files."""
    times = {p.relative_to(out).as_posix(): p.stat().st_mtime_ns
             for p in out.rglob("*") if p.is_file() and p.parent != out}
    return read_batch_table(out / "batch.csv"), times


@pytest.fixture(scope="module")
def runs(study, tmp_path_factory):
    """The batch run three times: first, again unchanged, then with --force."""
    out = tmp_path_factory.mktemp("batch") / "out"
    arguments = ["batch", str(study / "batch.toml"), "-o", str(out), "--workers", "2",
                 "--quiet"]
    codes, snapshots = [], []
    for extra in ([], [], ["--force"]):
        codes.append(main(arguments + extra))
        snapshots.append(snapshot(out))
    return out, codes, snapshots


def test_good_materials_run_and_the_broken_one_fails_alone(runs):
    out, codes, ((table, _), _, _) = runs
    assert codes[0] == 1  # some material failed
    status = table.drop_duplicates("material").set_index("material")["status"].to_dict()
    assert status == {"fe3pt-tree": "ok", "si": "ok", "fe3pt-embedded": "ok",
                      "si-broken": "failed"}
    (error,) = table.loc[table["material"] == "si-broken", "error"]
    assert "e-v.dat" in error and "\n" not in error
    for name in GOOD:
        rows = table[table["material"] == name]
        assert sorted(zip(rows["method"], rows["P_GPa"], strict=True)) == [("exact", 0.0),
                                                                           ("exact", 2.0)]
        assert (out / name / MANIFEST_NAME).is_file()
    assert not (out / "si-broken").exists()
    page = (out / "index.html").read_text(encoding="utf-8")
    assert html.escape(error) in page
    assert all(f'href="{name}/report.html"' in page for name in GOOD)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".") and p.name != MARKER]


def test_each_summary_equals_a_lone_zenthermo_run(runs, lone_arguments, tmp_path):
    out = runs[0]
    for name in GOOD:
        lone = tmp_path / name
        assert main(["run", *lone_arguments[name], *LONE_OPTIONS, "-o", str(lone)]) == 0
        batch_summary = json.loads((out / name / "exact" / "summary.json").read_text())
        assert batch_summary == json.loads((lone / "exact" / "summary.json").read_text())
        produced = {p.relative_to(out / name).as_posix() for p in (out / name).rglob("*")}
        assert produced - {MANIFEST_NAME} == {p.relative_to(lone).as_posix()
                                              for p in lone.rglob("*")}


def test_the_table_holds_the_numbers_of_each_summary(runs):
    out, _, ((table, _), _, _) = runs
    for name in GOOD:
        analysis = read_summary(out / name / "exact" / "summary.json")
        cp = analysis.phase_diagram.critical_point
        for row in table[table["material"] == name].itertuples():
            isobar = analysis.isobar(row.P_GPa)
            assert row.V0_A3 == pytest.approx(isobar.V_A3[0], rel=1e-9)
            assert row.B0_GPa == pytest.approx(isobar.B_GPa[0], rel=1e-9)
            if cp is None:
                assert row.T_c_K != row.T_c_K  # NaN
            else:
                assert row.T_c_K == pytest.approx(cp.T_K, rel=1e-9)
            if isobar.nte_windows:
                assert row.nte_start_K == pytest.approx(isobar.nte_windows[0].T_start_K)
    fe3pt = table[(table["material"] == "fe3pt-tree") & (table["P_GPa"] == 0.0)].iloc[0]
    assert 150.0 < fe3pt.T_c_K < 180.0 and 250.0 < fe3pt.nte_start_K < fe3pt.nte_end_K < 500.0


def test_a_second_run_skips_everything_and_touches_nothing(runs):
    _, codes, ((first, first_times), (second, second_times), _) = runs
    assert codes[1] == 1
    status = second.drop_duplicates("material").set_index("material")["status"].to_dict()
    assert status == {**dict.fromkeys(GOOD, "skipped"), "si-broken": "failed"}
    assert second_times == first_times
    numbers = ["T_c_K", "nte_start_K", "nte_end_K", "V0_A3", "B0_GPa"]
    assert second[numbers].equals(first[numbers])


def test_force_recomputes_every_material(runs):
    _, codes, ((first, first_times), _, (forced, forced_times)) = runs
    assert codes[2] == 1
    status = forced.drop_duplicates("material").set_index("material")["status"].to_dict()
    assert status == {**dict.fromkeys(GOOD, "ok"), "si-broken": "failed"}
    for name in GOOD:
        key = f"{name}/exact/summary.json"
        assert forced_times[key] > first_times[key]
    assert forced[["T_c_K", "V0_A3"]].equals(first[["T_c_K", "V0_A3"]])

"""``zenthermo calphad compare`` and ``export`` from the command line."""

from __future__ import annotations

import pytest

from zenthermo.cli import main


@pytest.fixture(scope="module")
def si_summary(si_analysis, tmp_path_factory):
    from zenthermo.report.summary import write_summary

    out_dir = tmp_path_factory.mktemp("si_out")
    write_summary(si_analysis, out_dir / "summary.json")
    return out_dir


def test_compare_prints_the_table_and_writes_the_outputs(si_summary, cost507_tdb, tmp_path,
                                                         capsys):
    out = tmp_path / "cmp"
    status = main(["calphad", "compare", str(si_summary), "--tdb", str(cost507_tdb),
                   "--phase", "DIAMOND_A4", "--components", "SI", "--tmax", "1600",
                   "--ranges", "300:800,800:1200", "-o", str(out), "--quiet"])
    printed = capsys.readouterr().out
    assert status == 0
    assert "COST507.tdb DIAMOND_A4" in printed
    assert printed.count("C_P ") == 3 and "300-1600" in printed and "800-1200" in printed
    assert "parser warning" in printed
    names = sorted(p.name for p in out.iterdir())
    assert names == [".zenthermo-output", "calphad_comparison.csv", "calphad_comparison.png",
                     "calphad_comparison.svg",
                     "calphad_deviations.csv", "calphad_deviations.md",
                     "calphad_tdb_warnings.txt"]
    rows = (out / "calphad_comparison.csv").read_text().splitlines()
    assert rows[0].startswith("T_K,Cp_zenthermo,Cp_calphad,S_zenthermo")
    assert len(rows) == 1 + 131


@pytest.mark.slow
def test_compare_from_a_sources_file_runs_the_exact_path(si_sources, cost507_tdb, tmp_path,
                                                          capsys):
    from zenthermo.io.sourcefile import save_sources

    sources = tmp_path / "si.json"
    save_sources(si_sources, sources)
    status = main(["calphad", "compare", str(sources), "--tdb", str(cost507_tdb),
                   "--phase", "DIAMOND_A4", "--components", "SI", "--tmin", "400",
                   "--tmax", "1000", "--quiet"])
    assert status == 0
    assert "400-1000" in capsys.readouterr().out


def test_export_writes_a_tdb_and_states_the_fit_error(si_summary, tmp_path, capsys):
    target = tmp_path / "SI_ZT.tdb"
    status = main(["calphad", "export", str(si_summary / "summary.json"), "-o", str(target),
                   "--phase-name", "SI_ZT", "--breakpoints", "800", "--tmax", "1600", "--quiet"])
    printed = capsys.readouterr().out
    assert status == 0 and target.is_file()
    assert "breakpoints 800" in printed
    assert "Cp  J/(K mol)" in printed


@pytest.mark.parametrize(("arguments", "message"), [
    (["--phase", "NOPE", "--components", "SI"], "phase NOPE is not in the database"),
    (["--phase", "DIAMOND_A4", "--components", "SI", "--ranges", "a:b"], "LOW:HIGH"),
])
def test_compare_errors_exit_2_with_one_clear_line(si_summary, cost507_tdb, capsys, arguments,
                                                   message):
    status = main(["calphad", "compare", str(si_summary), "--tdb", str(cost507_tdb),
                   *arguments, "--quiet"])
    error = capsys.readouterr().err
    assert status == 2
    assert message in error and "Traceback" not in error


def test_export_of_something_that_is_not_an_analysis(tmp_path, capsys):
    bogus = tmp_path / "x.json"
    bogus.write_text('{"schema": "other/1"}')
    status = main(["calphad", "export", str(bogus), "-o", str(tmp_path / "o.tdb"),
                   "--phase-name", "X", "--quiet"])
    assert status == 2
    assert "neither a zenthermo summary nor a sources file" in capsys.readouterr().err
    assert not (tmp_path / "o.tdb").exists()

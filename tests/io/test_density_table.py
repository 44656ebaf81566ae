"""The system density table (V_A3,T_K,density): reading, renormalising, refusing bad files,
and ``zenthermo fit --mode system`` telling it from a total-F table by the header."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from zenthermo.cli import main
from zenthermo.errors import InputError
from zenthermo.io.density_table import (
    DensityTable,
    read_density_table,
    read_system_target,
    system_target_kind,
)
from zenthermo.io.free_energy_table import FreeEnergyTable

HEADER = "V_A3,T_K,density"


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def rows(*points) -> str:
    return "\n".join(",".join(str(x) for x in p) for p in points) + "\n"


def good_rows() -> str:
    """Three volumes at 300 K and four (one with zero weight) at 600 K, not normalised."""
    return rows((140, 300, 1.0), (145, 300, 2.0), (150, 300, 1.0),
                (140, 600, 0.0), (145, 600, 3.0), (150, 600, 3.0), (156, 600, 2.0))


def test_a_good_table_is_read_and_renormalised_per_temperature(tmp_path):
    path = write(tmp_path / "p.csv", "# NPT histogram\n" + HEADER + ",note\n"
                 + good_rows().replace("\n", ",x\n"))
    table = read_density_table(path)
    assert isinstance(table, DensityTable) and len(table) == 7
    assert table.path == str(path)
    np.testing.assert_array_equal(table.V_A3, [140, 145, 150, 140, 145, 150, 156])
    np.testing.assert_allclose(table.density, [0.25, 0.5, 0.25, 0.0, 0.375, 0.375, 0.25])
    for T in (300, 600):
        assert table.density[table.T_K == T].sum() == pytest.approx(1.0)


BAD_TABLES = [
    pytest.param("V_A3,density\n140,1\n", "missing column(s) T_K", id="missing column"),
    pytest.param(HEADER + "\n" + good_rows().replace("145,600,3.0", "145,600,nan"),
                 "column density has 1 missing, NaN or non-numeric value(s) (line(s) 6)",
                 id="NaN"),
    pytest.param(HEADER + "\n" + good_rows().replace("145,600,3.0", "145,600,inf"),
                 "(line(s) 6)", id="infinite"),
    pytest.param("# comment\n" + HEADER + "\n" + good_rows().replace("150,300,1.0",
                                                                        "150,300,-0.1"),
                 "column density has 1 negative value(s) (line(s) 5)", id="negative"),
    pytest.param(HEADER + "\n" + rows((140, 300, 1), (145, 300, 1), (140, 600, 1),
                                      (145, 600, 1), (150, 600, 1)),
                 "too few volumes at T_K = 300", id="two volumes at one temperature"),
    pytest.param(HEADER + "\n" + good_rows().replace("300,1.0", "300,0").replace(
        "300,2.0", "300,0"), "the density is zero at every volume at T_K = 300",
                 id="all-zero temperature"),
    pytest.param(HEADER + "\n" + good_rows() + rows((145, 300, 1)),
                 "a (V_A3, T_K) point appears more than once", id="repeated point"),
    pytest.param(HEADER + "\n" + good_rows().replace("140,300", "0,300"),
                 "volumes (V_A3) must be positive", id="zero volume"),
    pytest.param(HEADER + "\n" + good_rows().replace("600", "-600"),
                 "temperatures (T_K) must not be negative", id="negative temperature"),
    pytest.param(HEADER + "\n" + good_rows().replace("300", "0"),
                 "temperatures (T_K) must be positive", id="zero temperature"),
    pytest.param(HEADER + "\n" + rows((140, 300, 1), (145, 300, 1), (150, 300, 1)),
                 "too few temperatures", id="one temperature"),
]


@pytest.mark.parametrize("content,message", BAD_TABLES)
def test_bad_density_tables_are_refused_with_the_reason(tmp_path, content, message):
    path = write(tmp_path / "bad.csv", content)
    with pytest.raises(InputError) as info:
        read_density_table(path)
    assert message in str(info.value) and "bad.csv" in str(info.value)


@pytest.mark.parametrize("content,message", BAD_TABLES)
def test_zenthermo_fit_refuses_a_bad_density_table_and_writes_nothing(tmp_path, capsys,
                                                                      content, message):
    path = write(tmp_path / "bad.csv", content)
    out = tmp_path / "model.pt"
    assert main(["fit", "--mode", "system", "--target", str(path), "-o", str(out),
                 "--epochs", "2", "--lbfgs", "0", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert message in err and "bad.csv" in err
    assert not out.exists() and not list(tmp_path.glob("*.part"))


def test_a_missing_file_is_reported():
    with pytest.raises(InputError, match="density table not found"):
        read_density_table("/nonexistent/p.csv")
    with pytest.raises(InputError, match="system target table not found"):
        read_system_target("/nonexistent/p.csv")


def test_the_header_tells_a_density_table_from_a_free_energy_table(tmp_path):
    density = write(tmp_path / "p.csv", HEADER + "\n" + good_rows())
    V, T = np.meshgrid([140.0, 145, 150, 155, 160], [0.0, 500])
    free = write(tmp_path / "F.csv", "V_A3,T_K,F_eV\n" + rows(
        *zip(V.ravel(), T.ravel(), -0.001 * V.ravel(), strict=True)))
    assert system_target_kind(density) == "density"
    assert system_target_kind(free) == "F"
    assert isinstance(read_system_target(density), DensityTable)
    assert isinstance(read_system_target(free), FreeEnergyTable)


@pytest.mark.parametrize("header,message", [
    ("V_A3,T_K,F_eV,density", "both an F_eV and a density column"),
    ("V_A3,T_K,weight", "missing column(s) F_eV or density"),
])
def test_a_table_that_is_both_kinds_or_neither_is_refused(tmp_path, capsys, header, message):
    path = write(tmp_path / "odd.csv", header + "\n" + rows((140, 300, 1, 1)))
    with pytest.raises(InputError, match="odd.csv") as info:
        system_target_kind(path)
    assert message in str(info.value)
    out = tmp_path / "model.pt"
    assert main(["fit", "--mode", "system", "--target", str(path), "-o", str(out),
                 "--quiet"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()

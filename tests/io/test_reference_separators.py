"""A measured curve reads the same whatever separator its spreadsheet wrote."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import InputError
from zenthermo.io.experiment import read_reference_csv


@pytest.fixture
def comma(fe3pt_experiment_dir):
    return read_reference_csv(fe3pt_experiment_dir / "sumiyama_fe3pt_lcte.csv")


@pytest.mark.parametrize("separator, decimal", [(";", ","), (";", "."), ("\t", "."),
                                                ("   ", ".")])
def test_semicolons_tabs_and_blanks_read_as_commas(fe3pt_experiment_dir, tmp_path, comma,
                                                   separator, decimal) -> None:
    text = (fe3pt_experiment_dir / "sumiyama_fe3pt_lcte.csv").read_text()
    rows = [line.split(",") for line in text.splitlines() if line.strip()]
    lines = [separator.join(rows[0])] + [
        separator.join(cell.replace(".", decimal) for cell in row) for row in rows[1:]]
    path = tmp_path / "curve.csv"
    path.write_text("\n".join(lines) + "\n")
    curve = read_reference_csv(path)
    np.testing.assert_array_equal(curve.T_K, comma.T_K)
    np.testing.assert_array_equal(curve.values, comma.values)


def test_a_decimal_comma_with_comma_separators_is_no_number(tmp_path) -> None:
    path = tmp_path / "curve.csv"
    path.write_text("temperature_K,lcte_1e-6_per_K\n30,5,-2,143\n57,6,-3,525\n")
    with pytest.raises(InputError, match="row 2 has 4 cells where the header has 2"):
        read_reference_csv(path)

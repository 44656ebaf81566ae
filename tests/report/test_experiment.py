"""Reading measured reference curves (CSV) for the overlays."""

from __future__ import annotations

import numpy as np
import pytest

from zenthermo.errors import InputError
from zenthermo.io.experiment import read_reference_csv


def test_reads_the_sumiyama_lcte(fe3pt_experiment_dir):
    curve = read_reference_csv(fe3pt_experiment_dir / "sumiyama_fe3pt_lcte.csv")
    assert curve.quantity == "lcte"
    assert curve.label == "sumiyama_fe3pt_lcte"
    assert np.all(np.diff(curve.T_K) >= 0)
    # stored in 1/K: the file's 30.5 K row is -2.143e-6 per K
    assert curve.values[np.argmin(abs(curve.T_K - 30.5))] == pytest.approx(-2.143e-6)
    assert len(curve.T_K) == 32


def test_volume_per_cell_is_converted_per_atom(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text("# measured\nT_K,volume_A3_per_cell\n300,48.0\n10,47.6\n", encoding="utf-8")
    curve = read_reference_csv(path, label="X-ray", natoms=4)
    assert curve.quantity == "volume" and curve.label == "X-ray"
    np.testing.assert_allclose(curve.T_K, [10.0, 300.0])
    np.testing.assert_allclose(curve.values, [11.9, 12.0])
    with pytest.raises(InputError, match="number of atoms"):
        read_reference_csv(path)


def test_volumetric_alpha_becomes_linear(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("temperature_K,alpha_1e-6_per_K\n100,30\n200,36\n", encoding="utf-8")
    np.testing.assert_allclose(read_reference_csv(path).values, [10e-6, 12e-6])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("temperature_K,pressure\n1,2\n3,4\n", "no recognised"),
        ("temperature_K,lcte_per_K\n1,abc\n2,3\n", "row 2"),
        ("temperature_K,lcte_per_K\n1,nan\n2,3\n", "non-finite"),
        ("temperature_K,lcte_per_K\n1,2\n", "two data rows"),
    ],
)
def test_bad_files_name_the_file(tmp_path, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as error:
        read_reference_csv(path)
    assert "bad.csv" in str(error.value)


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_reference_csv(tmp_path / "nope.csv")

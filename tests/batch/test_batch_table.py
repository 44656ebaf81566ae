"""The batch table (one row per material x method x pressure) and the index page: a
self-contained HTML file with the table, links to the reports and the comparison figure."""

from __future__ import annotations

import math

import pytest

from zenthermo.batch.figure import nte_intervals
from zenthermo.batch.index_page import render_index, write_index
from zenthermo.batch.table import (
    COLUMNS,
    batch_frame,
    material_rows,
    read_batch_table,
    write_batch_table,
)

NUMBERS = [
    {"method": "exact", "P_GPa": 0.0, "T_c_K": 164.9, "P_c_GPa": 4.4, "nte_start_K": 284.6,
     "nte_end_K": 439.9, "nte_windows": "285-440", "V0_A3": 157.3, "B0_GPa": 174.5,
     "V_300K_A3": 157.8, "lcte_300K_per_K": -2.0e-6},
    {"method": "exact", "P_GPa": 2.0, "T_c_K": 164.9, "P_c_GPa": 4.4, "nte_start_K": None,
     "nte_end_K": None, "nte_windows": "", "V0_A3": 155.6, "B0_GPa": 181.8,
     "V_300K_A3": None, "lcte_300K_per_K": None},
]


@pytest.fixture
def frame():
    rows = (material_rows("fe3pt", "ok", NUMBERS, wall_s=4.2, report="fe3pt/report.html")
            + material_rows("<b>bad</b>", "failed", error="e-v.dat: line 3 is not two numbers",
                            wall_s=0.1))
    return batch_frame(rows)


def test_rows_carry_the_columns_the_issue_asks_for(frame):
    assert tuple(frame.columns) == COLUMNS
    assert {"material", "method", "P_GPa", "status", "error", "T_c_K", "P_c_GPa",
            "nte_start_K", "nte_end_K", "wall_s", "V0_A3", "B0_GPa"} <= set(frame.columns)
    assert list(frame["status"]) == ["ok", "ok", "failed"]
    assert frame.loc[2, "error"] == "e-v.dat: line 3 is not two numbers"
    assert math.isnan(frame.loc[2, "P_GPa"]) and frame.loc[2, "method"] == ""
    with pytest.raises(ValueError, match="status"):
        material_rows("x", "done")


def test_the_csv_reads_back_with_the_same_values(frame, tmp_path):
    files = write_batch_table(frame, tmp_path)
    assert files[0].name == "batch.csv"
    back = read_batch_table(tmp_path / "batch.csv")
    assert list(back["material"]) == list(frame["material"])
    assert back.loc[0, "nte_start_K"] == pytest.approx(284.6)
    assert math.isnan(back.loc[1, "nte_start_K"]) and back.loc[1, "nte_windows"] == ""
    if len(files) > 1:  # pyarrow installed
        import pandas as pd

        parquet = pd.read_parquet(tmp_path / "batch.parquet")
        assert parquet["T_c_K"].tolist()[:2] == pytest.approx([164.9, 164.9])


def test_nte_windows_text_reads_as_intervals():
    assert nte_intervals("285-440; 10-50") == [(285.0, 440.0), (10.0, 50.0)]
    assert nte_intervals("") == []


def test_the_index_page_is_self_contained_and_links_existing_reports(frame, tmp_path):
    (tmp_path / "fe3pt").mkdir()
    (tmp_path / "fe3pt" / "report.html").write_text("<html></html>")
    page = write_index(frame, tmp_path, "screen").read_text(encoding="utf-8")
    assert '<a href="fe3pt/report.html">fe3pt</a>' in page
    assert "&lt;b&gt;bad&lt;/b&gt;" in page and "<b>bad</b>" not in page
    assert "e-v.dat: line 3 is not two numbers" in page
    assert "<svg" in page and "critical points" in page
    for external in ("<script", "src=\"http", "href=\"http", "<link", "<img"):
        assert external not in page
    # a report that is not there is not linked
    assert 'href="fe3pt/report.html"' not in render_index(frame, out_dir=tmp_path / "none")
